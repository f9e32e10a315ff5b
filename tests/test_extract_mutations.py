"""Every reader on pages and JSON answers mutated from fixtures/html (hypothesis).

A page mutation drops an element, changes or removes an attribute, replaces a text, or cuts the page
short. A JSON mutation drops a key, gives a value the wrong type, or cuts the body short. Whatever
it does:

- nothing escapes but the documented :class:`ExtractionError`;
- what still reads healthily (by the same checks a scan applies after reading) gives no finding the
  unmutated page would not: a damaged page may lose a finding, never invent one. When a mutation
  could only be told from a real change by guessing, the reader must say unhealthy instead.
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from tests.pagecheck import FIXTURES, load, page_of, sidecars
from watcher.crowdworks import selectors as selector_files
from watcher.crowdworks.kinds.contracts import extract_contracts
from watcher.crowdworks.kinds.inbox import extract_inbox
from watcher.crowdworks.kinds.inbox_api import inbox_from_json
from watcher.crowdworks.kinds.profile import extract_profile
from watcher.crowdworks.kinds.thread import thread_from_json
from watcher.crowdworks.kinds.workroom import extract_contract_page, workroom_from
from watcher.decide import plan, rules
from watcher.errors import ExtractionError
from watcher.models import AccessSeen, ContractState, Interval, Message, Sender, Workroom

SEL = selector_files.load()
EXAMPLES = int(os.environ.get("CWWATCH_MUTATION_EXAMPLES", "60"))
URL = "https://crowdworks.jp/"
AT = datetime(2026, 11, 20, 1, tzinfo=UTC)  # when the fixtures' pages were "read"
SLOW = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fixtures(kind: str, ok: bool = True) -> list[Path]:
    return [page_of(s) for s in sidecars() if load(s)["kind"] == kind and (load(s)["ok"] or not ok)]


def mutate_html(html: str, data: st.DataObject) -> str:
    how = data.draw(st.sampled_from(["drop", "attr", "text", "truncate", "drop", "attr"]), label="how")
    if how == "truncate":
        return html[:data.draw(st.integers(0, len(html)), label="cut")]
    tree = LexborHTMLParser(html)
    root = tree.root
    assert root is not None
    if how == "text":
        texts = [n for n in root.traverse(include_text=True) if n.tag == "-text" and (n.text_content or "").strip()]
        if not texts:
            return html
        data.draw(st.sampled_from(texts), label="text node").replace_with(data.draw(st.text(max_size=12)))
        return tree.html or ""
    elements = [n for n in root.traverse() if n.tag not in ("html", "head", "body", "-text")]
    node = data.draw(st.sampled_from(elements), label="element")
    if how == "drop":
        node.decompose()
    else:
        attrs = list(node.attributes)
        if attrs and data.draw(st.booleans(), label="existing attribute"):
            name = data.draw(st.sampled_from(attrs), label="attribute")
        else:
            name = data.draw(st.sampled_from(["class", "href", "data", "datetime", "id"]), label="attribute")
        if data.draw(st.booleans(), label="remove") and name in node.attributes:
            del node.attrs[name]
        else:
            node.attrs[name] = data.draw(st.text(max_size=16), label="value")
    return tree.html or ""


def _paths(obj: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*at, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*at, i))
    return out


def mutate_json(text: str, data: st.DataObject) -> str:
    """A dropped key, a value of the wrong type, or a body cut short."""
    how = data.draw(st.sampled_from(["drop", "type", "truncate"]), label="how")
    if how == "truncate":
        return text[:data.draw(st.integers(0, len(text) - 1), label="cut")]
    obj = json.loads(text)
    paths = [p for p in _paths(obj) if p]
    path = data.draw(st.sampled_from(paths), label="path")
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    if how == "drop":
        del parent[path[-1]]
    else:
        old = parent[path[-1]]
        choices = [v for v in (None, 0, 17, "x", "", True, [], {}) if type(v) is not type(old)]
        parent[path[-1]] = data.draw(st.sampled_from(choices), label="value")
    return json.dumps(obj, ensure_ascii=False)


# -- the findings a workroom alone leads to ---------------------------------------------------------


def room_findings(room: Workroom) -> set[tuple[str, int]]:
    """The findings a workroom leads to, with the client seen an hour before a moment well after
    the thread (so that every wait has had time to become a finding)."""
    times = [m.sent_at for m in room.messages]
    now = (max(times) if times else AT) + timedelta(days=12)
    access = AccessSeen(Interval(now - timedelta(hours=1), now - timedelta(hours=1)), "1時間前", now)
    assert room.stage is not None
    state = ContractState(room.contract_id, room.title, room.client_id, room.client_name, room.stage,
                          room.status_label, room.escrow_deposited, room.messages, now - timedelta(days=60),
                          access, delivery_at=max((m.sent_at for m in room.messages if m.mine), default=None))
    return {(f.rule, f.stage) for f in rules.evaluate([state], now)}


def healthy(room: Workroom, original: Workroom) -> bool:
    """The checks the scan applies to a workroom after reading it, the inbox's among them (it lists
    the newest message I received: the unmutated thread's)."""
    received = max((m.sent_at for m in original.messages if m.sender is not Sender.WORKER), default=None)
    return (room.stage is not None and room.contract_id == original.contract_id and not room.folded
            and plan.unseen_received(room.messages, received) is None)


def read_room(html: str, beside: str | None) -> Workroom:
    page = extract_contract_page(html, SEL, URL + "contracts/1")
    messages, source, folded = page.messages, "dom", page.folded
    if beside is not None:
        messages, source, folded = thread_from_json(json.loads(beside), SEL), "json", False
    return workroom_from(page, None, messages, source, folded)


WORKROOMS = fixtures("workroom")


@pytest.mark.parametrize("path", WORKROOMS, ids=lambda p: p.stem)
@SLOW
@given(data=st.data())
def test_a_mutated_contract_page_raises_only_extraction_error_and_invents_no_finding(path: Path, data) -> None:
    html = path.read_text(encoding="utf-8")
    side = path.with_name(path.stem + ".messages.json")
    beside = side.read_text(encoding="utf-8") if side.exists() else None
    original = read_room(html, beside)
    try:
        room = read_room(mutate_html(html, data), beside)
    except ExtractionError:
        return
    if original.stage is None or not healthy(room, original):
        return
    invented = room_findings(room) - room_findings(original)
    assert not invented, f"the mutation invented {invented}"


@pytest.mark.parametrize("path", [p.with_name(p.stem + ".messages.json") for p in WORKROOMS
                                  if p.with_name(p.stem + ".messages.json").exists()] + fixtures("thread"),
                         ids=lambda p: p.stem)
@SLOW
@given(data=st.data())
def test_a_mutated_thread_json_raises_only_extraction_error_and_invents_no_finding(path: Path, data) -> None:
    text = path.read_text(encoding="utf-8")
    original = thread_from_json(json.loads(text), SEL)
    mutated = mutate_json(text, data)
    try:
        messages = thread_from_json(json.loads(mutated), SEL)
    except (ExtractionError, ValueError):  # ValueError: a body cut short is not JSON (the reader says so)
        return
    base = Workroom(1, "t", 2, "c", "", None, True, None, original, source="json")
    room = Workroom(1, "t", 2, "c", "", None, True, None, messages, source="json")
    if not healthy(_staged(room), _staged(base)):
        return
    assert room_findings(_staged(room)) <= room_findings(_staged(base))


def _staged(room: Workroom) -> Workroom:
    from dataclasses import replace

    from watcher.models import Stage
    return replace(room, stage=Stage.IN_PROGRESS)


@pytest.mark.parametrize("path", fixtures("profile"), ids=lambda p: p.stem)
@SLOW
@given(data=st.data())
def test_a_mutated_profile_raises_only_extraction_error_and_never_claims_a_later_visit(path: Path, data) -> None:
    html = path.read_text(encoding="utf-8")
    url = URL + "public/employers/1"
    original = extract_profile(html, SEL, url, AT)
    if data.draw(st.booleans(), label="mutate the JSON"):
        node = LexborHTMLParser(html).css_first(SEL.profile.container.css)
        assert node is not None
        raw = node.attributes.get("data") or "{}"
        tree = LexborHTMLParser(html)
        target = tree.css_first(SEL.profile.container.css)
        assert target is not None
        target.attrs["data"] = mutate_json(raw, data)
        mutated = tree.html or ""
    else:
        mutated = mutate_html(html, data)
    try:
        seen = extract_profile(mutated, SEL, url, AT)
    except ExtractionError:
        return
    # quiet_client needs a visit certainly after the wait began (the interval's earliest end after it): a
    # damaged page must not show a later one. A vaguer reading (the JSON dropped, the visible wording read
    # instead: 「約1日前」 reaches later than the JSON's 「1日」) is no such claim: only ``earliest`` counts.
    if seen.last_access is not None:
        assert original.last_access is not None or original.last_access_unreadable, "a hidden access became visible"
        if original.last_access is not None:
            assert seen.last_access.earliest <= original.last_access.earliest + timedelta(minutes=1)


def status_cell_text(html: str, contract_id: int) -> str | None:
    """The text of the status cell in the row that links to the contract, if there is one."""
    for link in LexborHTMLParser(html).css(f'a[href$="/contracts/{contract_id}"]'):
        row = link.parent
        while row is not None and row.tag != "tr":
            row = row.parent
        cell = row.css_first(SEL.contracts.status_cell.css) if row is not None else None
        if cell is not None:
            return (cell.text() or "").strip()
    return None


def test_a_client_or_title_worded_like_a_label_does_not_hide_the_row_s_label() -> None:
    path = FIXTURES / "contracts" / "contracts_page1.html"
    html = path.read_text(encoding="utf-8")
    first = extract_contracts(html, SEL, URL + "e/contracts?status=active").rows[0]
    for old in (first.client_name, first.title):
        other = next(label for label in ("完了", "仮払い待ち") if label != first.status_label)
        row = extract_contracts(html.replace(f">{old}<", f">{other}<", 1), SEL,
                                URL + "e/contracts?status=active").rows[0]
        assert (row.contract_id, row.status_label, row.stage) == (first.contract_id, first.status_label, first.stage)


@pytest.mark.parametrize("path", fixtures("contracts", ok=False), ids=lambda p: p.stem)
@SLOW
@given(data=st.data())
def test_a_mutated_contract_list_raises_only_extraction_error_and_invents_no_contract(path: Path, data) -> None:
    html = path.read_text(encoding="utf-8")
    url = URL + "e/contracts?status=active"
    try:
        original = extract_contracts(html, SEL, url)
    except ExtractionError:  # the changed-layout fixture
        original = None
    mutated = mutate_html(html, data)
    try:
        listing = extract_contracts(mutated, SEL, url)
    except ExtractionError:
        return
    known = {(r.contract_id, r.stage) for r in original.rows} if original else set()
    for row in listing.rows:  # a row the scan accepts (a mapped stage) was on the unmutated page,
        # unless the mutation wrote another label into the row's status cell (then that is the page)
        assert row.stage is None or (row.contract_id, row.stage) in known or \
            status_cell_text(mutated, row.contract_id) == row.status_label, row
    if listing.empty:
        assert original is not None and original.empty, "a list with rows must not read as empty"


@pytest.mark.parametrize("path", fixtures("inbox_api", ok=False), ids=lambda p: p.stem)
@SLOW
@given(data=st.data())
def test_a_mutated_inbox_answer_raises_only_extraction_error(path: Path, data) -> None:
    mutated = mutate_json(path.read_text(encoding="utf-8"), data)
    with contextlib.suppress(ExtractionError, ValueError):
        page = inbox_from_json(json.loads(mutated), SEL)
        assert all(isinstance(i.thread_id, int) and isinstance(i.message_id, int) for i in page.items)


@pytest.mark.parametrize("path", fixtures("inbox"), ids=lambda p: p.stem)
@SLOW
@given(data=st.data())
def test_a_mutated_inbox_page_raises_only_extraction_error(path: Path, data) -> None:
    with contextlib.suppress(ExtractionError):
        extract_inbox(mutate_html(path.read_text(encoding="utf-8"), data), SEL, URL + "messages/received?page=1")


def test_the_mutations_reach_every_kind() -> None:
    assert len(WORKROOMS) >= 8 and fixtures("thread") and fixtures("profile") and fixtures("inbox_api")
    assert all(isinstance(m, Message) for m in read_room(WORKROOMS[0].read_text(encoding="utf-8"), None).messages)
    assert FIXTURES.is_dir()
