"""The applications list, ``/e/proposals?page=N`` (seen, S1): the applications listed, newest first,
and the paging links.

Record for ``check-pages``: ``{"proposals": [{"id", "title"}], "total_pages", "next_page"}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from watcher.crowdworks.dom import (
    Trace,
    Tree,
    hook_all,
    hook_first,
    int_from,
    page_name,
    parse_html,
    path_of,
    plain_text,
    trace_or_new,
)
from watcher.crowdworks.kinds.base import Kind, Saved
from watcher.errors import ExtractionError

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import SelectorSet


@dataclass(frozen=True)
class ProposalsPage:
    """One page of ``/e/proposals``: the applications listed, newest first (seen, S1)."""

    proposals: tuple[tuple[int, str], ...]  # (proposal id, title as listed)
    page_no: int
    total_pages: int | None  # the highest page number the paging links name (None: no paging links)
    next_url: str | None  # the path of the next page, if a paging link names it


def _page_no(url: str) -> int:
    m = re.search(r"[?&]page=(\d+)", url)
    return int(m.group(1)) if m else 1


def extract_proposals(doc: str | Tree, sel: SelectorSet, url: str, trace: Trace | None = None) -> ProposalsPage:
    """The applications of one list page. The table is required (seen); an empty table is an empty
    list. Paging: ``a[href*="/e/proposals?page="]`` links (seen). Raises ExtractionError."""
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = trace_or_new(trace)
    p = sel.proposals
    page = page_name("proposals", url)
    table, _ = hook_first(tree, p.table, tr)
    if table is None:
        raise ExtractionError(page, "applications table", f"no element matches {p.table.css!r}")
    found: dict[int, str] = {}
    for link in hook_all(table, p.row_link, tr):
        pid = int_from(p.row_link_id.pattern, link.attributes.get("href"))
        if pid is not None and pid not in found:
            found[pid] = plain_text(link)
    if found:
        tr.hit(p.row_link_id, p.row_link_id.first.grade)
    here = _page_no(url)
    numbers: dict[int, str] = {}
    for link in tree.css(p.page_link.css):
        href = link.attributes.get("href") or ""
        m = p.page_link_number.pattern.search(href)
        if m:
            numbers.setdefault(int(m.group(1)), path_of(href) + "?" + urlsplit(href).query)
    if numbers:
        tr.hit(p.page_link, p.page_link.first.grade)
    return ProposalsPage(tuple(found.items()), here, max(numbers) if numbers else None, numbers.get(here + 1))


class Proposals(Kind):
    name = "proposals"
    fixtures: ClassVar[tuple[str, ...]] = ()

    def recognise(self, content: Any, sel: SelectorSet) -> bool:
        return content.css_first(sel.proposals.table.css) is not None

    def record(self, saved: Saved, sel: SelectorSet, trace: Trace) -> dict[str, Any]:
        listing = extract_proposals(saved.page, sel, saved.url, trace)
        return {"proposals": [{"id": pid, "title": title} for pid, title in listing.proposals],
                "total_pages": listing.total_pages, "next_page": listing.next_url}


KIND = Proposals()
