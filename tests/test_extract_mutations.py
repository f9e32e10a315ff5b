"""Every extractor on pages mutated from fixtures/html (hypothesis).

A mutation drops an element, changes or removes an attribute, replaces a text, or cuts the page
short. Whatever it does:

- nothing escapes but the documented :class:`ExtractionError`;
- a page that still reads healthily (by the same checks a scan applies after extraction) gives no
  finding that the unmutated page would not: a damaged page may lose a finding, never invent one.
  When a mutation could only be told from a real change by guessing, the extractor must say
  unhealthy instead.
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from watcher.crowdworks import selectors as selectorset
from watcher.crowdworks.extract import extract_contracts, extract_inbox, extract_profile, extract_workroom, recognise
from watcher.decide import plan, rules
from watcher.errors import ExtractionError
from watcher.models import AccessSeen, ContractState, Interval, Sender, Workroom

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "html"
SEL = selectorset.load()
EXAMPLES = int(os.environ.get("CWWATCH_MUTATION_EXAMPLES", "60"))
URL = "https://crowdworks.jp/"
AT = datetime(2026, 11, 20, 1, tzinfo=UTC)  # when the fixtures' pages were "read"


def pages(prefix: str) -> list[Path]:
    return sorted(p for p in FIXTURES.glob(f"{prefix}*.html"))


def mutate(html: str, data: st.DataObject) -> str:
    how = data.draw(st.sampled_from(["drop", "attr", "text", "truncate", "drop", "attr"]), label="how")
    if how == "truncate":
        cut = data.draw(st.integers(0, len(html)), label="cut")
        return html[:cut]
    tree = LexborHTMLParser(html)
    root = tree.root
    assert root is not None
    if how == "text":
        texts = [n for n in root.traverse(include_text=True) if n.tag == "-text" and (n.text_content or "").strip()]
        if not texts:
            return html
        node = data.draw(st.sampled_from(texts), label="text node")
        node.replace_with(data.draw(st.text(max_size=12), label="new text"))
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


# -- the findings a page alone leads to -----------------------------------------------------------


def room_findings(room: Workroom) -> set[tuple[str, int]]:
    """The findings a workroom leads to, with the client seen an hour before a moment well after
    the thread (so that every wait has had time to become a finding)."""
    times = [m.sent_at for m in room.messages]
    now = (max(times) if times else AT) + timedelta(days=12)
    access = AccessSeen(Interval(now - timedelta(hours=1), now - timedelta(hours=1)), "1時間前", now)
    state = ContractState(room.contract_id, room.title, room.client_id, room.client_name, room.stage,
                          room.status_label, room.escrow_deposited, room.messages, now - timedelta(days=60),
                          access)
    return {(f.rule, f.stage) for f in rules.evaluate([state], now)}


def healthy_room(room: Workroom, original: Workroom) -> bool:
    """The checks the scan applies to a workroom after extraction, the inbox's among them (it
    lists the messages I received: those of the unmutated thread)."""
    received = max((m.sent_at for m in original.messages if m.sender is not Sender.WORKER), default=None)
    return (room.stage is not None and room.contract_id == original.contract_id and not room.folded
            and plan.unseen_received(room.messages, received) is None)


def worker_of(html: str) -> int | None:
    tree = LexborHTMLParser(html)
    return recognise(tree, URL + "contracts/1", 200, SEL).worker_id


WORKROOMS = [p for p in pages("workroom") if "changed" not in p.name]


@pytest.mark.parametrize("path", WORKROOMS, ids=lambda p: p.stem)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_workroom_raises_only_extraction_error_and_invents_no_finding(path: Path, data) -> None:
    html = path.read_text(encoding="utf-8")
    worker = worker_of(html)
    url = URL + "contracts/1"
    original = extract_workroom(html, SEL, url, worker)
    mutated = mutate(html, data)
    try:
        room = extract_workroom(mutated, SEL, url, worker_of(mutated) or worker)
    except ExtractionError:
        return
    if not healthy_room(room, original):
        return
    if original.stage is None:
        return
    invented = room_findings(room) - room_findings(original)
    assert not invented, f"the mutation invented {invented}"


@pytest.mark.parametrize("path", [p for p in pages("profile") if "changed" not in p.name], ids=lambda p: p.stem)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_profile_raises_only_extraction_error_and_never_claims_a_visit(path: Path, data) -> None:
    html = path.read_text(encoding="utf-8")
    at = AT
    url = URL + "public/employers/1"
    original = extract_profile(html, SEL, url, at)
    try:
        seen = extract_profile(mutate(html, data), SEL, url, at)
    except ExtractionError:
        return
    # quiet_client needs a visit after the wait began: a damaged page must not show a later one.
    if seen.last_access is not None:
        assert original.last_access is not None, "a hidden last access became visible"
        assert seen.last_access.latest <= original.last_access.latest + timedelta(minutes=1), \
            (seen.last_access, original.last_access)


@pytest.mark.parametrize("path", pages("contracts"), ids=lambda p: p.stem)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_contract_list_raises_only_extraction_error_and_invents_no_contract(path: Path, data) -> None:
    html = path.read_text(encoding="utf-8")
    url = URL + "e/contracts?status=active&page=1"
    try:
        original = extract_contracts(html, SEL, url)
    except ExtractionError:  # the changed-layout fixture
        original = None
    try:
        listing = extract_contracts(mutate(html, data), SEL, url)
    except ExtractionError:
        return
    known = {(r.contract_id, r.stage) for r in original.rows} if original else set()
    for row in listing.rows:  # a row the scan accepts (a mapped stage) was on the unmutated page
        assert row.stage is None or (row.contract_id, row.stage) in known, row


@pytest.mark.parametrize("path", pages("inbox"), ids=lambda p: p.stem)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_inbox_raises_only_extraction_error(path: Path, data) -> None:
    html = path.read_text(encoding="utf-8")
    with contextlib.suppress(ExtractionError):
        extract_inbox(mutate(html, data), SEL, URL + "messages/received?page=1")
