"""Vetting in the scan, in real Chromium against the sample site: a contract first seen is vetted
once, an application whose client wrote is vetted and a warning notified before the person accepts;
the applications list is read across its pages, then only as far as something is new."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from tests.sitefixtures import EXPECTED_STORY, rules_of, story
from watcher.sample.scenario import SMessage, SProposal

pytestmark = pytest.mark.browser

RISKY = 900009005  # the story's client with a worrying record (unverified, 38 %, 「未払い」 in a rating)
APPLICATION = 981200451


def notes(h, since: int = 0) -> list[str]:
    text = h.console.getvalue()[since:]
    return [line[2:] for line in text.splitlines() if line[:2] in ("‼ ", "• ")]


def test_the_first_scan_vets_every_contract_and_warns_of_the_risky_application_once(harness):
    h = harness(story())
    first = h.scan()
    assert first.healthy, first.problems
    assert rules_of(first) == EXPECTED_STORY, "vetting adds no rule finding"
    by = {(v.subject, v.subject_id): v for v in first.vetted}
    assert set(by) == {("contract", c) for c in (963659463, 963700112, 963688001, 963690555)} | {
        ("proposal", APPLICATION)}
    risky = by[("proposal", APPLICATION)]
    assert risky.verdict == "warning" and risky.client_id == RISKY
    assert {"trouble_in_ratings", "low_completion"} <= {s["id"] for s in risky.signals}
    assert f"proposal:{APPLICATION}" in first.vetted_notified
    titles = notes(h)
    assert "応募先のクライアントに要警戒: 合同会社スターライトメディア" in titles
    assert first.pages_by_kind["proposals"] == 1 and first.pages_by_kind["proposal"] == 1
    assert first.pages_by_kind["job"] == 1
    mark = len(h.console.getvalue())
    second = h.scan()
    assert second.healthy and second.vetted == [] and second.vetted_notified == []
    assert notes(h, mark) == [], "nothing notified twice"
    assert second.pages_by_kind["proposal"] == 0 and second.pages_by_kind["job"] == 0
    assert second.pages_by_kind["proposals"] == 1, "one list page: nothing new on it"
    store = h.store()
    try:
        assert store.vettings("proposal")[APPLICATION].verdict == "warning"
        assert set(store.vettings("contract")) == {963659463, 963700112, 963688001, 963690555}
    finally:
        store.close()


def test_a_new_contract_with_a_risky_client_notifies_once(harness):
    h = harness(story())
    assert h.scan().healthy
    sc = story()
    base = sc.contract(963688001)
    new = copy.deepcopy(base)
    new.id, new.client, new.title = 963799001, RISKY, "SNS投稿文の作成（継続）"
    new.thread = new.job = new.proposal = None
    sc.contracts.append(new)
    h.set(sc)
    mark = len(h.console.getvalue())
    r = h.scan()
    assert r.healthy, r.problems
    assert [(v.subject, v.subject_id, v.verdict) for v in r.vetted] == [("contract", 963799001, "warning")]
    assert r.vetted_notified == ["contract:963799001"]
    assert notes(h, mark) == ["契約先のクライアントに要警戒: 合同会社スターライトメディア"]
    mark = len(h.console.getvalue())
    again = h.scan(full=True)
    assert again.healthy and again.vetted == [] and notes(h, mark) == []


def _applications(n: int, writer_index: int) -> list[SProposal]:
    """``n`` applications a day apart (newest first on the list); the client of number
    ``writer_index`` (0 = the oldest) has written back."""
    sc = story()
    now = sc.now
    out = []
    for i in range(n):
        at = now - timedelta(days=n - i)
        msgs = [SMessage("worker", at, f"応募{i}です。よろしくお願いいたします。")]
        if i == writer_index:
            msgs.append(SMessage("client", at + timedelta(hours=3), "ご応募ありがとうございます。無償でテストを。"))
        out.append(SProposal(id=981300000 + i, client=RISKY if i == writer_index else 900009003,
                             title=f"記事作成 {i}", job=990800000 + i, applied_at=at, messages=msgs))
    return out


def test_applications_are_read_across_two_pages_then_only_as_far_as_something_is_new(harness):
    sc = story()
    sc.proposals = _applications(25, writer_index=2)  # page 2 holds the five oldest
    h = harness(sc)
    first = h.scan()
    assert first.healthy, first.problems
    assert first.pages_by_kind["proposals"] == 2
    assert first.pages_by_kind["proposal"] == 25
    store = h.store()
    try:
        assert len(store.known_proposals()) == 25
    finally:
        store.close()
    vetted = [(v.subject_id, v.verdict) for v in first.vetted if v.subject == "proposal"]
    assert vetted == [(981300002, "warning")], "only the application whose client wrote"
    # A newer application arrives: page 1 has one new entry, page 2 is not read again.
    later = copy.deepcopy(sc)
    later.proposals.append(SProposal(id=981399999, client=900009003, title="新しい応募", job=990899999,
                                     applied_at=sc.now - timedelta(hours=1),
                                     messages=[SMessage("worker", sc.now - timedelta(hours=1), "応募します。")]))
    h.set(later)
    second = h.scan()
    assert second.healthy, second.problems
    assert second.pages_by_kind["proposals"] == 1 and second.pages_by_kind["proposal"] == 1


def test_a_client_who_writes_back_later_is_vetted_then(harness):
    sc = story()
    quiet = copy.deepcopy(sc)
    quiet.proposals[0].messages = quiet.proposals[0].messages[:1]  # only my application so far
    h = harness(quiet)
    first = h.scan()
    assert first.healthy and [v.subject for v in first.vetted] == ["contract"] * 4
    mark = len(h.console.getvalue())
    h.set(sc)  # the client answers: the inbox lists the application's thread ("proposed")
    second = h.scan()
    assert second.healthy, second.problems
    assert [(v.subject, v.subject_id, v.verdict) for v in second.vetted] == [("proposal", APPLICATION, "warning")]
    assert second.pages_by_kind["proposal"] == 1
    assert notes(h, mark) == ["応募先のクライアントに要警戒: 合同会社スターライトメディア"]
    assert rules_of(second) == EXPECTED_STORY, "no quiet-client rule before a contract"


def test_an_application_that_becomes_a_contract_is_vetted_as_the_contract_once(harness):
    """The risky client accepts the application: it leaves the applications list and a contract
    (awaiting escrow) carries its id as ``proposal``. The contract is vetted as a contract (its own
    note, with the escrow note beside it); nothing about the application is said again."""
    sc = story()
    h = harness(sc)
    first = h.scan()
    assert first.healthy and f"proposal:{APPLICATION}" in first.vetted_notified
    later = copy.deepcopy(sc)
    application = later.proposal(APPLICATION)
    assert application is not None
    later.proposals.remove(application)
    base = later.contract(963700112)  # the story's contract awaiting escrow, as a model
    contract = copy.deepcopy(base)
    contract.id, contract.client, contract.title = 963799002, RISKY, application.title
    contract.thread = contract.job = None
    contract.proposal = APPLICATION
    contract.messages = [*application.messages,
                         SMessage("client", later.now - timedelta(hours=1), "契約しました。よろしくお願いします。")]
    later.contracts.append(contract)
    h.set(later)
    mark = len(h.console.getvalue())
    second = h.scan()
    assert second.healthy, second.problems
    assert [(v.subject, v.subject_id, v.verdict) for v in second.vetted] == [("contract", 963799002, "warning")]
    assert second.vetted_notified == ["contract:963799002"]
    said = notes(h, mark)
    assert "契約先のクライアントに要警戒: 合同会社スターライトメディア" in said
    assert not any(t.startswith("応募先") for t in said), "the application is not warned of again"
    assert ("escrow_missing", 963799002) in {(f.rule, f.contract_id) for f in second.findings}
    mark = len(h.console.getvalue())
    third = h.scan()
    assert third.healthy and third.vetted == [] and not any("要警戒" in t for t in notes(h, mark))


def test_an_application_still_listed_after_its_contract_is_read_as_the_contract(harness):
    """A first scan finds the application on the list while its page already redirects to the
    contract (seen: ``/proposals/ID`` → ``/contracts/ID``): the scan stays healthy, the client is
    vetted for the contract only, and the next scan does not ask for the application's page again."""
    sc = story()
    application = sc.proposal(APPLICATION)
    assert application is not None
    contract = copy.deepcopy(sc.contract(963700112))
    contract.id, contract.client, contract.title = 963799002, RISKY, application.title
    contract.thread = contract.job = None
    contract.proposal = APPLICATION
    sc.contracts.append(contract)
    h = harness(sc)
    r = h.scan()
    assert r.healthy, r.problems
    assert r.pages_by_kind["proposal"] == 1, "the application's page was asked for and redirected"
    assert r.pages_by_kind["job"] == 0
    by = {(v.subject, v.subject_id): v.verdict for v in r.vetted}
    assert by[("contract", 963799002)] == "warning" and ("proposal", APPLICATION) not in by
    assert "契約先のクライアントに要警戒: 合同会社スターライトメディア" in notes(h)
    again = h.scan()
    assert again.healthy and again.pages_by_kind["proposal"] == 0, "known since: not asked for again"
    assert again.vetted == []
