"""The inbox API's answer, ``/api/v3/message/list?page=N`` (seen): the JSON the inbox page loads
itself, one item per thread with its newest message received. Never asked for directly: the scan
reads the answer the page loaded.

Record for ``check-pages``: ``{"items": [{"thread_id", "message_id", "sent_at", "title",
"proposal_status", "is_replied"}], "total_pages"}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from watcher.crowdworks.dom import Trace, as_int, json_path, trace_or_new
from watcher.crowdworks.kinds.base import Kind, Saved, item_json
from watcher.crowdworks.kinds.inbox import InboxPage
from watcher.errors import ExtractionError
from watcher.jptime import TimeParseError, parse_site_datetime
from watcher.models import InboxItem

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import SelectorSet


def proposed(sel: SelectorSet) -> str:
    """The ``proposal_status`` of an item whose thread is an application still open (``"proposed"``,
    ``[inbox_api] proposed``): the scan looks again at such an application when its thread moved."""
    return sel.inbox_api.proposed.value


def _items_of(obj: Any, sel: SelectorSet, page: str, tr: Trace) -> Iterator[tuple[int, dict[str, Any]]]:
    a = sel.inbox_api
    if not isinstance(obj, dict):
        raise ExtractionError(page, "answer", "not a JSON object")
    status = json_path(obj, a.status.value)
    if status != a.ok_status.value:
        raise ExtractionError(page, a.status.value, f"{status!r}, not {a.ok_status.value!r}")
    tr.hit(a.status, a.status.first.grade)
    items = json_path(obj, a.items.value)
    if not isinstance(items, list):
        raise ExtractionError(page, a.items.value, "the answer holds no list")
    tr.hit(a.items, a.items.first.grade)
    for i, it in enumerate(items, start=1):
        if not isinstance(it, dict):
            raise ExtractionError(page, f"item {i}", "not an object")
        yield i, it


def inbox_from_json(obj: Any, sel: SelectorSet, page: str = "inbox api", trace: Trace | None = None) -> InboxPage:
    """The inbox API's answer (``{"status": "success", "data": {"items": […], "pagination": …}}``):
    one item per thread, its newest message received. Raises ExtractionError."""
    tr = trace_or_new(trace)
    a = sel.inbox_api
    out: list[InboxItem] = []
    for i, it in _items_of(obj, sel, page, tr):
        tid, mid = as_int(json_path(it, a.thread_id.value)), as_int(json_path(it, a.message_id.value))
        when = json_path(it, a.sent_at.value)
        if tid is None or mid is None:
            raise ExtractionError(page, f"item {i}", f"unreadable {a.thread_id.value} or {a.message_id.value}")
        if not isinstance(when, str):
            raise ExtractionError(page, f"item {i} {a.sent_at.value}", f"not a time: {when!r}")
        try:
            sent_at = parse_site_datetime(when.strip())
        except TimeParseError:
            raise ExtractionError(page, f"item {i} {a.sent_at.value}", f"unreadable {when!r}") from None
        title = json_path(it, a.title.value)
        status = json_path(it, a.proposal_status.value)
        replied = json_path(it, a.is_replied.value)
        out.append(InboxItem(tid, mid, sent_at, title if isinstance(title, str) else "", "",
                             status if isinstance(status, str) else None,
                             replied if isinstance(replied, bool) else None))
    for hook in (a.thread_id, a.message_id, a.sent_at, a.title, a.proposal_status, a.is_replied):
        tr.hit(hook, hook.first.grade)
    total = as_int(json_path(obj, a.total_pages.value))
    if total is None:
        raise ExtractionError(page, a.total_pages.value, "missing or not a number")
    tr.hit(a.total_pages, a.total_pages.first.grade)
    return InboxPage(tuple(out), None, total)


class InboxApi(Kind):
    name = "inbox_api"
    json = True
    fixtures: ClassVar[tuple[str, ...]] = (
        "from-notes/inbox_api/inbox_api_iso_sent_at",
        "from-notes/inbox_api/inbox_api_japanese_sent_at",
        "inbox_api/inbox_api_changed",
        "inbox_api/inbox_api_iso",
        "inbox_api/inbox_api_page1",
        "inbox_api/inbox_api_page2",
    )

    def recognise(self, content: Any, sel: SelectorSet) -> bool:
        return isinstance(content, dict) and ("status" in content or "data" in content)

    def record(self, saved: Saved, sel: SelectorSet, trace: Trace) -> dict[str, Any]:
        page = inbox_from_json(saved.obj, sel, f"inbox api {saved.url}", trace)
        return {"items": [item_json(i) for i in page.items], "total_pages": page.total_pages}


KIND = InboxApi()
