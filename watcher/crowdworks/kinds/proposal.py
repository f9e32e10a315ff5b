"""An application's page, ``/proposals/ID``: the application, its job and its thread as shown (the
thread root's ``data`` names the proposal, seen). The site redirects it to the contract once the
application became one (``pages`` sees that from the URL).

Record for ``check-pages``: ``{"proposal_id", "thread_id", "job_id", "title", "client_wrote_at",
"messages": [...]}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from watcher.crowdworks.dom import (
    Trace,
    Tree,
    as_int,
    data_json,
    hook_first,
    int_from,
    json_path,
    page_name,
    parse_html,
    plain_text,
    trace_or_new,
    within,
)
from watcher.crowdworks.kinds.base import Kind, Saved, iso, message_json
from watcher.crowdworks.kinds.thread import thread_from_dom
from watcher.crowdworks.kinds.workroom import thread_type
from watcher.errors import ExtractionError
from watcher.models import Message, Sender

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import SelectorSet


@dataclass(frozen=True)
class ProposalPage:
    """``/proposals/ID``: the application, its job and its thread as shown."""

    proposal_id: int
    thread_id: int
    job_id: int | None  # the job link (seen); None when the page shows none
    title: str
    messages: tuple[Message, ...]
    folded: bool

    @property
    def client_wrote(self) -> datetime | None:
        """When the client first wrote in this thread (None: not yet)."""
        return next((m.sent_at for m in self.messages if m.sender is Sender.CLIENT), None)


def extract_proposal_page(doc: str | Tree, sel: SelectorSet, url: str, worker_id: int | None = None,
                          trace: Trace | None = None) -> ProposalPage:
    """The application's thread root (``#pack-message-thread``: ``id``, ``proposalId``; seen), its
    job link (seen) and the thread as the page shows it. Raises ExtractionError."""
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = trace_or_new(trace)
    w, p = sel.workroom, sel.proposals
    page = page_name("proposal", url)
    thread, _ = hook_first(tree, w.thread, tr)
    if thread is None:
        raise ExtractionError(page, "message thread", f"no element matches {w.thread.css!r}")
    tdata = data_json(thread, page, "message thread data")
    tid = as_int(json_path(tdata, w.thread_id.value))
    pid = as_int(json_path(tdata, p.thread_proposal_id.value))
    if tid is None or pid is None:
        raise ExtractionError(page, "thread data", f"no {w.thread_id.value!r} or {p.thread_proposal_id.value!r}")
    tr.hit(w.thread_id, w.thread_id.first.grade)
    tr.hit(p.thread_proposal_id, p.thread_proposal_id.first.grade)
    job_id = None
    for link in tree.css(p.job_link.css):
        if not within(link, thread):
            job_id = int_from(p.job_id.pattern, link.attributes.get("href"))
            if job_id is not None:
                tr.hit(p.job_link, p.job_link.first.grade)
                break
    if job_id is None:
        tr.miss("job link", f"no {p.job_link.css!r} outside the thread")
    node = tree.css_first(p.title.css)
    title = plain_text(node) if node is not None and not within(node, thread) else ""
    messages, folded = thread_from_dom(thread, sel, page, worker_id, tr)
    return ProposalPage(pid, tid, job_id, title, messages, folded)


class Proposal(Kind):
    name = "proposal"
    fixtures: ClassVar[tuple[str, ...]] = ()

    def recognise(self, content: Any, sel: SelectorSet) -> bool:
        return thread_type(content, sel) == "Proposal"

    def record(self, saved: Saved, sel: SelectorSet, trace: Trace) -> dict[str, Any]:
        prop = extract_proposal_page(saved.page, sel, saved.url, saved.worker_id, trace)
        return {"proposal_id": prop.proposal_id, "thread_id": prop.thread_id, "job_id": prop.job_id,
                "title": prop.title, "client_wrote_at": iso(prop.client_wrote),
                "messages": [message_json(m) for m in prop.messages]}


KIND = Proposal()
