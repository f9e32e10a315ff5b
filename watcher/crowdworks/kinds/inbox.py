"""The inbox page's own list, ``/e/messages?page=N`` (its markup a guess): read only when the page
made no API call (the API's answer, seen, is ``kinds.inbox_api``).

Record for ``check-pages``: ``{"items": [{"thread_id", "message_id", "sent_at", "title",
"proposal_status", "is_replied"}], "next_page"}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin

from watcher.crowdworks.dom import (
    Trace,
    Tree,
    as_int,
    hook_first,
    int_from,
    node_text,
    page_name,
    parse_html,
    plain_text,
    trace_or_new,
)
from watcher.crowdworks.kinds.base import Kind, Saved, item_json
from watcher.errors import ExtractionError
from watcher.jptime import TimeParseError, normalize, parse_site_datetime
from watcher.models import InboxItem

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import SelectorSet


@dataclass(frozen=True)
class InboxPage:
    items: tuple[InboxItem, ...]
    next_url: str | None = None  # the page's own 「次のページ」 (DOM)
    total_pages: int | None = None  # the API's pagination.total_pages
    says_empty: bool = False  # the page says in words that there is no message (DOM)


def extract_inbox(doc: str | Tree, sel: SelectorSet, url: str, trace: Trace | None = None) -> InboxPage:
    """The inbox page's own list (markup a guess): read only when the page made no API call."""
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = trace_or_new(trace)
    ib = sel.inbox
    page = page_name("inbox", url)
    lst, _ = hook_first(tree, ib.list, tr)
    if lst is None:
        raise ExtractionError(page, "message list", f"no element matches {ib.list.css!r} (a guess: what does "
                              "your inbox page show?)")
    items: list[InboxItem] = []
    for i, li in enumerate(lst.css(ib.item.css), start=1):
        tnode = li.css_first(ib.time.css)
        raw = tnode.attributes.get("datetime") if tnode is not None else None
        thread = as_int(li.attributes.get(ib.item_thread.value))
        link = li.css_first(ib.item_link.css)
        mid = int_from(ib.item_message.pattern, link.attributes.get("href")) if link is not None else None
        if not raw or thread is None or mid is None:
            raise ExtractionError(page, f"item {i}", "time, thread id or message id missing or unreadable")
        try:
            sent_at = parse_site_datetime(normalize(raw))
        except TimeParseError:
            raise ExtractionError(page, f"item {i} time", f"unreadable {raw!r}") from None
        title, _ = hook_first(li, ib.item_title, tr)
        items.append(InboxItem(thread, mid, sent_at, plain_text(title), "", None, None))
    tr.hit(ib.item, ib.item.first.grade)
    nxt, _ = hook_first(tree, ib.next_page, tr)
    if nxt is None:
        nxt = next((a for a in tree.css("a") if node_text(a) in ib.next_page_texts.texts), None)
    href = nxt.attributes.get("href") if nxt is not None else None
    says_empty = not items and any(t in node_text(lst) for t in ib.empty_texts.texts)
    return InboxPage(tuple(items), urljoin(url, href) if href else None, None, says_empty)


def unique(items: Iterable[InboxItem]) -> list[InboxItem]:
    """One item per thread, the first seen (pages are newest first)."""
    seen: set[int] = set()
    out = []
    for it in items:
        if it.thread_id not in seen:
            seen.add(it.thread_id)
            out.append(it)
    return out


class Inbox(Kind):
    name = "inbox"
    fixtures: ClassVar[tuple[str, ...]] = (
        "inbox/inbox_page1",
    )

    def recognise(self, content: Any, sel: SelectorSet) -> bool:
        return content.css_first(sel.inbox.list.css) is not None

    def record(self, saved: Saved, sel: SelectorSet, trace: Trace) -> dict[str, Any]:
        inbox = extract_inbox(saved.page, sel, saved.url, trace)
        return {"items": [item_json(i) for i in inbox.items], "next_page": inbox.next_url}


KIND = Inbox()
