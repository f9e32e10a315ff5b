"""A public job page, ``/public/jobs/ID``: only its client (the link to ``/public/employers/ID``, a
guess), for an application whose client is not known yet.

Record for ``check-pages``: ``{"client_id"}`` (null: the page shows no link to its client).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from watcher.crowdworks.dom import Trace, Tree, int_from, parse_html, trace_or_new
from watcher.crowdworks.kinds.base import Kind, Saved

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import SelectorSet


def client_of_job(doc: str | Tree, sel: SelectorSet, url: str, trace: Trace | None = None) -> int | None:
    """The client of a public job page ``/public/jobs/ID``: its link to ``/public/employers/ID``
    (a guess: None when the page shows no such link)."""
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = trace_or_new(trace)
    p = sel.proposals
    for link in tree.css(p.job_client_link.css):
        cid = int_from(sel.workroom.client_id.pattern, link.attributes.get("href"))
        if cid is not None:
            tr.hit(p.job_client_link, p.job_client_link.first.grade)
            return cid
    tr.miss("client link", f"no {p.job_client_link.css!r} on the job page")
    return None


class Job(Kind):
    name = "job"
    fixtures: ClassVar[tuple[str, ...]] = ()

    def recognise(self, content: Any, sel: SelectorSet) -> bool:
        return content.css_first(sel.proposals.job_client_link.css) is not None

    def record(self, saved: Saved, sel: SelectorSet, trace: Trace) -> dict[str, Any]:
        return {"client_id": client_of_job(saved.page, sel, saved.url, trace)}


KIND = Job()
