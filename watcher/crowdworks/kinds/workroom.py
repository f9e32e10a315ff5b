"""A contract's page (the workroom), ``/contracts/ID``: the summary (client, state, milestones) and
the thread as the page shows it; the thread's JSON, when there is one, is read by ``kinds.thread``.

Record for ``check-pages``: ``{"contract_id", "thread_id", "client_id", "client_name", "title",
"amount", "stage", "escrow_deposited", "open_milestones", "folded", "messages": [...], "source":
"json" | "dom"}`` (``source`` "json" when the thread's JSON was saved beside the page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from selectolax.lexbor import LexborNode

from watcher.crowdworks.dom import (
    Trace,
    Tree,
    as_int,
    data_json,
    hook_first,
    int_from,
    is_hidden,
    json_path,
    node_text,
    page_name,
    parse_html,
    plain_text,
    text_outside,
    trace_or_new,
    within,
)
from watcher.crowdworks.kinds.base import Kind, Saved, message_json
from watcher.crowdworks.kinds.thread import thread_from_dom, thread_from_json
from watcher.errors import ExtractionError
from watcher.jptime import normalize
from watcher.models import ContractRow, Message, Stage, Workroom

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import SelectorSet


@dataclass(frozen=True)
class ContractPage:
    """What ``/contracts/ID`` shows, before the thread's JSON is read."""

    contract_id: int
    thread_id: int
    thread_type: str | None
    client_id: int
    client_name: str
    title: str
    amount: int | None
    stage: Stage | None  # from the page's sentences (None: none of the known ones)
    stage_text: str  # the sentence that said so, or the state text when none did
    escrow_deposited: bool | None
    open_milestones: int
    milestones: int
    delivery_step_done: bool | None  # the 「納品」 progress step carries `done` (None: no such step)
    messages: tuple[Message, ...]  # the thread as the page shows it
    folded: bool  # older messages hidden behind 「他のN件のメッセージを表示」


def _label_value(tree: Tree, label: str) -> tuple[str, LexborNode] | None:
    """The cell beside a row header reading ``label`` (with or without （税込）-style suffixes)."""
    want = normalize(label)
    for th in tree.css("th"):
        text = re.sub(r"[（(][^）)]*[）)]$", "", node_text(th)).strip()
        if text == want:
            td = th.next
            while td is not None and td.tag != "td":
                td = td.next
            if td is not None:
                return node_text(td), td
    return None


def _yen(text: str) -> int | None:
    m = re.search(r"([\d,]+)\s*円", text)
    if not m:
        return None
    digits = m.group(1).replace(",", "")
    return int(digits) if digits else None


def page_stage(text: str, sel: SelectorSet, trace: Trace | None = None) -> tuple[Stage | None, str]:
    """The stage the page's sentences say, and the sentence (first rule whose texts all appear)."""
    for rule in sel.states:
        wanted = [normalize(t) for t in rule.all]
        if all(w in text for w in wanted):
            if trace is not None:
                trace.hit(f"states.{rule.stage}", rule.grade)
            return rule.stage, " … ".join(rule.all)
    return None, text[:80]


def extract_contract_page(doc: str | Tree, sel: SelectorSet, url: str, worker_id: int | None = None,
                          trace: Trace | None = None) -> ContractPage:
    """The contract page's summary (client, state, milestones) and its thread as shown.

    Required (seen): the thread root ``#pack-message-thread`` with its ``data`` (thread id, contract id)
    and a link to the client. The state comes from the page's sentences (never the bare word 検収).
    Raises ExtractionError.
    """
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = trace_or_new(trace)
    w = sel.workroom
    page = page_name("workroom", url)
    thread, _ = hook_first(tree, w.thread, tr)
    if thread is None:
        raise ExtractionError(page, "message thread", f"no element matches {w.thread.css!r}")
    tdata = data_json(thread, page, "message thread data")
    cid = as_int(json_path(tdata, w.thread_contract_id.value))
    if cid is None:
        raise ExtractionError(page, "contract id", f"no {w.thread_contract_id.value!r} in the thread's data")
    tid = as_int(json_path(tdata, w.thread_id.value))
    if tid is None:
        raise ExtractionError(page, "thread id", f"no {w.thread_id.value!r} in the thread's data")
    tr.hit(w.thread_contract_id, w.thread_contract_id.first.grade)
    tr.hit(w.thread_id, w.thread_id.first.grade)
    ttype = json_path(tdata, w.thread_type.value)
    # The client: the link in the contract's own table (reported), else any employer link outside the thread.
    client_link = None
    for alt in w.client_link:
        for node in tree.css(alt.value):
            if not within(node, thread) and int_from(w.client_id.pattern, node.attributes.get("href")):
                client_link = node
                tr.hit(w.client_link, alt.grade)
                break
        if client_link is not None:
            break
    if client_link is None:
        raise ExtractionError(page, "client link", f"no element matches {w.client_link.css!r}")
    client_id = int_from(w.client_id.pattern, client_link.attributes.get("href"))
    assert client_id is not None
    title = ""
    for alt in w.title:
        if alt.kind == "label":
            found = _label_value(tree, alt.value)
            title = plain_text(found[1]) if found else ""
        else:
            node = tree.css_first(alt.value)
            title = plain_text(node) if node is not None and not within(node, thread) else ""
        if title:
            tr.hit(w.title, alt.grade)
            break
    if not title:
        tr.miss("title", "no 契約名 row and no heading")
    amount = None
    found_amount = _label_value(tree, w.amount.value)
    if found_amount is not None:
        amount = _yen(found_amount[0])
        tr.hit(w.amount, w.amount.first.grade)
    else:
        tr.miss("amount", "no 契約金額 row")
    area, _ = hook_first(tree, w.state_area, tr)
    state_text = node_text(area) if area is not None else text_outside(tree.body, thread) if tree.body else ""
    stage, said = page_stage(state_text, sel, tr)
    if stage is None and tree.css_first(w.feedback_link.css) is not None:
        stage, said = Stage.FINISHED, "評価を入力"
        tr.hit(w.feedback_link, w.feedback_link.first.grade)
    if stage is None:
        tr.miss("state", "none of the known state sentences")
    escrow = {Stage.AWAITING_ESCROW: False, Stage.IN_PROGRESS: True, Stage.DELIVERED: True,
              Stage.IN_ACCEPTANCE: True, Stage.FINISHED: True}.get(stage) if stage else None
    # Milestones: a form is open for delivery while it shows and its submit is enabled.
    forms: dict[str, bool] = {}
    for form in tree.css(w.milestone_form.css):
        action = form.attributes.get("action") or ""
        submit = form.css_first(w.milestone_submit.css)
        open_now = submit is not None and "disabled" not in submit.attributes and not is_hidden(form)
        forms[action] = forms.get(action, False) or open_now
    if forms:
        tr.hit(w.milestone_form, w.milestone_form.first.grade)
    delivery_done: bool | None = None
    done_class, step_css = w.progress_done.value, w.progress_step.css
    for li in tree.css(step_css):
        if node_text(li) in w.delivery_step.texts:
            delivery_done = done_class in (li.attributes.get("class") or "").split()
            tr.hit(w.progress_step, w.progress_step.first.grade)
            tr.hit(w.delivery_step, w.delivery_step.first.grade)
    messages, folded = thread_from_dom(thread, sel, page, worker_id, tr)
    return ContractPage(
        contract_id=cid, thread_id=tid, thread_type=ttype if isinstance(ttype, str) else None,
        client_id=client_id, client_name=plain_text(client_link), title=title, amount=amount, stage=stage,
        stage_text=said, escrow_deposited=escrow, open_milestones=sum(forms.values()), milestones=len(forms),
        delivery_step_done=delivery_done, messages=messages, folded=folded)


def stage_family(stage: Stage | None) -> str | None:
    """Stages that name the same moment: delivered and in acceptance are one."""
    if stage is None:
        return None
    return "delivered" if stage.delivered else str(stage)


def workroom_from(page: ContractPage, row: ContractRow | None, messages: tuple[Message, ...], source: str,
                  folded: bool) -> Workroom:
    """A workroom record from the contract page, the contract list's row (None: read alone) and the
    thread as read (``source``: "json" or "dom"). The stage is the page's sentences'; the list's
    label, when it names the same stage, is the finer word (検収中 / 納品済み)."""
    stage = page.stage if page.stage is not None else (row.stage if row is not None else None)
    if row is not None and row.stage is not None and stage_family(row.stage) == stage_family(page.stage):
        stage = row.stage
    return Workroom(
        contract_id=page.contract_id, title=page.title or (row.title if row else ""), client_id=page.client_id,
        client_name=page.client_name, status_label=row.status_label if row else "", stage=stage,
        escrow_deposited=page.escrow_deposited, amount=page.amount, messages=messages, folded=folded,
        thread_id=page.thread_id, source=source, page_stage=page.stage, open_milestones=page.open_milestones)


def thread_type(tree: Tree, sel: SelectorSet) -> str | bool | None:
    """The ``threadType`` of the page's thread root (``"Proposal"`` on an application's page);
    None when the root's data is unreadable or names none; False when the page has no thread root."""
    thread = tree.css_first(sel.workroom.thread.css)
    if thread is None:
        return False
    try:
        kind = data_json(thread, "page", "thread data").get(sel.workroom.thread_type.value)
    except ExtractionError:
        return None
    return kind if isinstance(kind, str) else None


def thread_id_of(html_text: str, sel: SelectorSet) -> int | None:
    """The thread id in a workroom page's thread root (None: no root, or no readable id): where
    ``cwwatch capture`` finds the thread's JSON to name beside the page."""
    root = parse_html(html_text).css_first(sel.workroom.thread.css)
    if root is None:
        return None
    try:
        tid = json_path(data_json(root, "capture", "thread"), sel.workroom.thread_id.value)
    except ExtractionError:
        return None
    return tid if isinstance(tid, int) else None


class WorkroomKind(Kind):
    name = "workroom"
    fixtures: ClassVar[tuple[str, ...]] = (
        "from-notes/workroom/workroom_awaiting_escrow_json",
        "from-notes/workroom/workroom_folded_between",
        "from-notes/workroom/workroom_in_acceptance_milestones",
        "from-notes/workroom/workroom_no_thread_root",
        "from-notes/workroom/workroom_working_message_class",
        "workroom/workroom_awaiting_escrow",
        "workroom/workroom_changed",
        "workroom/workroom_changed_time",
        "workroom/workroom_delivered",
        "workroom/workroom_ending",
        "workroom/workroom_finished",
        "workroom/workroom_in_acceptance_folded",
        "workroom/workroom_in_acceptance_json",
        "workroom/workroom_in_progress",
        "workroom/workroom_message_class",
        "workroom/workroom_quotes_404_text",
        "workroom/workroom_sentence_outside_detail",
        "workroom/workroom_two_folds",
        "workroom/workroom_two_folds_unfolded",
        "workroom/workroom_unmapped_label",
    )

    def recognise(self, content: Any, sel: SelectorSet) -> bool:
        w = sel.workroom
        found = thread_type(content, sel)
        if found is not False:
            return found != "Proposal"
        return any(content.css_first(css) is not None for css in (w.state_area.css, w.milestone_form.css))

    def record(self, saved: Saved, sel: SelectorSet, trace: Trace) -> dict[str, Any]:
        url = saved.url
        page = extract_contract_page(saved.page, sel, url, saved.worker_id, trace)
        messages, source, folded = page.messages, "dom", page.folded
        if saved.beside is not None:
            messages, source, folded = thread_from_json(saved.beside, sel, f"thread of {url}", trace), "json", False
        return {"contract_id": page.contract_id, "thread_id": page.thread_id, "client_id": page.client_id,
                "client_name": page.client_name, "title": page.title, "amount": page.amount,
                "stage": str(page.stage) if page.stage else None, "escrow_deposited": page.escrow_deposited,
                "open_milestones": page.open_milestones, "folded": folded,
                "messages": [message_json(m) for m in messages], "source": source}


KIND = WorkroomKind()
