"""Reading one saved page (or JSON answer) the way a scan would, for ``cwwatch check-pages``.

Pure: text in, a :class:`Checked` out (the record read, the problem met, and which hooks answered
with their grades). The command handles files, folders and output.

Records (ids are integers, times ISO 8601 in Japan time with the offset, stages as in
docs/site.md):

- ``contracts``: ``{"contracts": [{"id", "title", "client_name", "status_label", "stage"}], "next_page"}``
- ``workroom``: ``{"contract_id", "thread_id", "client_id", "client_name", "title", "amount", "stage",
  "escrow_deposited", "open_milestones", "folded", "messages": [...], "source": "json" | "dom"}``
- ``thread``: ``{"messages": [{"id", "sender", "sent_at", "body"}]}``
- ``profile``: ``{"client_id", "name", "last_access": null | {"text", "earliest", "latest"},
  "last_access_unreadable", "identity_verified", ...the record}``
- ``inbox_api``: ``{"items": [{"thread_id", "message_id", "sent_at", "title", "proposal_status",
  "is_replied"}], "total_pages"}``; ``inbox`` (the page itself, a guess): ``{"items", "next_page"}``
- ``proposals``: ``{"proposals": [{"id", "title"}], "total_pages", "next_page"}``
- ``proposal``: ``{"proposal_id", "thread_id", "job_id", "title", "client_wrote_at", "messages": [...]}``
- ``job``: ``{"client_id"}`` (null: the page shows no link to its client; the link is a guess)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from watcher.crowdworks.extract import (
    Trace,
    client_of_job,
    data_json,
    extract_contract_page,
    extract_contracts,
    extract_inbox,
    extract_profile,
    extract_proposal_page,
    extract_proposals,
    inbox_from_json,
    parse_html,
    recognise,
    thread_from_json,
)
from watcher.crowdworks.selectors import SelectorSet
from watcher.errors import ExtractionError
from watcher.i18n import N_, _
from watcher.jptime import JST
from watcher.models import ClientSeen, HealthKind, InboxItem, Message, PageKind

KINDS = ("contracts", "workroom", "thread", "profile", "inbox", "inbox_api", "proposals", "proposal", "job")
SCHEMA = 1

_WALLS = {
    PageKind.LOGIN: (HealthKind.LOGGED_OUT, N_("this is the login page, not a member page")),
    PageKind.TWO_STEP: (HealthKind.LOGIN_CHALLENGE, N_("this is the two-step authentication page")),
    PageKind.CAPTCHA: (HealthKind.LOGIN_CHALLENGE, N_("this is a captcha page")),
    PageKind.BOT_CHECK: (HealthKind.LOGIN_CHALLENGE, N_("this is a bot check (「人間であることを確認します」)")),
    PageKind.NOT_FOUND: (HealthKind.LAYOUT_CHANGED, N_("this is the 404 page")),
}


@dataclass
class Checked:
    kind: str
    ok: bool
    problem: dict[str, str] | None
    record: dict[str, Any] | None
    trace: Trace = field(default_factory=Trace)

    def to_json(self, file: str) -> dict[str, Any]:
        return {"schema": SCHEMA, "file": file, "kind": self.kind, "ok": self.ok, "problem": self.problem,
                "record": self.record, "hooks": self.trace.by_grade(), "missing": self.trace.missing}


def _iso(t: datetime | None) -> str | None:
    return t.astimezone(JST).isoformat() if t else None


def _message(m: Message) -> dict[str, Any]:
    return {"id": m.id, "sender": str(m.sender), "sent_at": _iso(m.sent_at), "body": m.body, "kind": m.kind}


def _item(i: InboxItem) -> dict[str, Any]:
    return {"thread_id": i.thread_id, "message_id": i.message_id, "sent_at": _iso(i.sent_at), "title": i.title,
            "proposal_status": i.proposal_status, "is_replied": i.is_replied}


def _profile(c: ClientSeen) -> dict[str, Any]:
    r = c.record
    iv = c.last_access
    return {
        "client_id": c.client_id, "name": c.name,
        "last_access": None if iv is None else {"text": c.last_access_text, "earliest": _iso(iv.earliest),
                                                 "latest": _iso(iv.latest)},
        "last_access_unreadable": c.last_access_unreadable,
        "identity_verified": r.identity_verified, "rule_check_passed": r.rule_check_passed,
        "certified": r.certified, "rating": r.rating, "rating_count": r.rating_count,
        "completion_rate": r.completion_rate, "acceptance_count": r.acceptance_count,
        "finished_count": r.finished_count, "jobs_contracted": r.jobs_contracted,
        "jobs_posted": r.jobs_posted, "jobs_posted_contracted": r.jobs_posted_contracted,
        "created_at": _iso(r.created_at), "prefecture": r.prefecture,
        "ratings": [{"score": x.score, "comment": x.comment, "job": x.job, "rated_at": x.rated_at} for x in r.ratings],
    }


def recognise_kind(text: str, sel: SelectorSet) -> str | None:
    """The kind of a saved page or JSON answer, from its content; None when nothing fits."""
    head = text.lstrip()[:1]
    if head in ("{", "["):
        try:
            obj = json.loads(text)
        except ValueError:
            return None
        if isinstance(obj, dict) and isinstance(obj.get("messages"), list):
            return "thread"
        if isinstance(obj, dict) and ("status" in obj or "data" in obj):
            return "inbox_api"
        return None
    tree = parse_html(text)
    w = sel.workroom
    thread = tree.css_first(w.thread.css)
    if thread is not None:
        try:
            kind = data_json(thread, "page", "thread data").get(w.thread_type.value)
        except ExtractionError:
            kind = None
        return "proposal" if kind == "Proposal" else "workroom"
    if any(tree.css_first(css) is not None for css in (w.state_area.css, w.milestone_form.css)):
        return "workroom"
    if tree.css_first(sel.proposals.table.css) is not None:
        return "proposals"
    if tree.css_first(sel.profile.container.css) is not None:
        return "profile"
    if tree.css_first(sel.contracts.row_link.css) is not None or tree.css_first(sel.contracts.empty.css) is not None:
        return "contracts"
    if tree.css_first(sel.inbox.list.css) is not None:
        return "inbox"
    if tree.css_first(sel.proposals.job_client_link.css) is not None:
        return "job"
    return None


def check(kind: str, text: str, sel: SelectorSet, url: str, fetched_at: datetime,
          beside: Any = None) -> Checked:
    """Read ``text`` as a page (or answer) of ``kind``. ``beside``: the thread's JSON answer saved with a
    workroom page, if any. Never raises for what the page holds: problems come back in the result."""
    tr = Trace()
    try:
        record = _read(kind, text, sel, url, fetched_at, beside, tr)
    except ExtractionError as exc:
        return Checked(kind, False, {"kind": str(HealthKind.LAYOUT_CHANGED), "field": exc.field,
                                     "detail": exc.detail}, None, tr)
    except _Wall as wall:
        return Checked(kind, False, wall.problem, None, tr)
    unknown = _unknown_status(kind, record)
    if unknown is not None:
        return Checked(kind, False, unknown, record, tr)
    return Checked(kind, True, None, record, tr)


class _Wall(Exception):
    def __init__(self, problem: dict[str, str]) -> None:
        super().__init__(problem["detail"])
        self.problem = problem


def _unknown_status(kind: str, record: dict[str, Any]) -> dict[str, str] | None:
    if kind == "contracts":
        for row in record["contracts"]:
            if row["stage"] is None:
                return {"kind": str(HealthKind.UNKNOWN_STATUS), "field": f"contract {row['id']} status",
                        "detail": _("「{label}」 is not in {section}").format(label=row["status_label"],
                                                                             section="[labels.status]")}
    return None


def _read(kind: str, text: str, sel: SelectorSet, url: str, fetched_at: datetime, beside: Any,
          tr: Trace) -> dict[str, Any]:
    if kind in ("thread", "inbox_api"):
        try:
            obj = json.loads(text)
        except ValueError:
            raise ExtractionError(f"{kind} {url}", "answer", _("not JSON (cut short?)")) from None
        if kind == "thread":
            return {"messages": [_message(m) for m in thread_from_json(obj, sel, f"thread {url}", tr)]}
        page = inbox_from_json(obj, sel, f"inbox api {url}", tr)
        return {"items": [_item(i) for i in page.items], "total_pages": page.total_pages}
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    tree = parse_html(text)
    rec = recognise(tree, url, 200, sel)
    if rec.kind in _WALLS:
        health, what = _WALLS[rec.kind]
        raise _Wall({"kind": str(health), "field": "page", "detail": _(what)})
    if kind == "contracts":
        listing = extract_contracts(tree, sel, url, tr)
        return {"contracts": [{"id": r.contract_id, "title": r.title, "client_name": r.client_name,
                               "status_label": r.status_label, "stage": str(r.stage) if r.stage else None}
                              for r in listing.rows], "next_page": listing.next_url, "empty": listing.empty}
    if kind == "workroom":
        page = extract_contract_page(tree, sel, url, rec.worker_id, tr)
        messages, source, folded = page.messages, "dom", page.folded
        if beside is not None:
            messages, source, folded = thread_from_json(beside, sel, f"thread of {url}", tr), "json", False
        return {"contract_id": page.contract_id, "thread_id": page.thread_id, "client_id": page.client_id,
                "client_name": page.client_name, "title": page.title, "amount": page.amount,
                "stage": str(page.stage) if page.stage else None, "escrow_deposited": page.escrow_deposited,
                "open_milestones": page.open_milestones, "folded": folded,
                "messages": [_message(m) for m in messages], "source": source}
    if kind == "profile":
        return _profile(extract_profile(tree, sel, url, fetched_at, tr))
    if kind == "proposals":
        listing = extract_proposals(tree, sel, url, tr)
        return {"proposals": [{"id": pid, "title": title} for pid, title in listing.proposals],
                "total_pages": listing.total_pages, "next_page": listing.next_url}
    if kind == "proposal":
        prop = extract_proposal_page(tree, sel, url, rec.worker_id, tr)
        return {"proposal_id": prop.proposal_id, "thread_id": prop.thread_id, "job_id": prop.job_id,
                "title": prop.title, "client_wrote_at": _iso(prop.client_wrote),
                "messages": [_message(m) for m in prop.messages]}
    if kind == "job":
        return {"client_id": client_of_job(tree, sel, url, tr)}
    inbox = extract_inbox(tree, sel, url, tr)
    return {"items": [_item(i) for i in inbox.items], "next_page": inbox.next_url}
