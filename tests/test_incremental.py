"""The incremental scan loads only what can have changed, and finds exactly what a full scan finds."""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.browserless import HttpHarness
from tests.sitefixtures import Harness, story
from watcher.decide.plan import Known, inbox_cutoff, need_next_inbox_page, plan_profiles, plan_workrooms
from watcher.models import ContractRow, InboxItem, Stage
from watcher.sample.scenario import Scenario, SClient, SContract, SMessage

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
M = timedelta(minutes=1)


# -- the plan, pure --------------------------------------------------------------------------------

def row(cid, label="進行中"):
    return ContractRow(cid, "t", "c", label, Stage.IN_PROGRESS)


def known(cid, label="進行中", thread=None, last=T0, client_last=None, client_spoke_last=False, loaded=T0):
    return Known(cid, 9, label, thread if thread is not None else cid + 1000, last, client_last,
                 client_spoke_last, loaded)


def item(thread, mid, at, replied=False):
    return InboxItem(thread, mid, at, "t", "c", "contracted", replied)


def test_plan_loads_new_changed_and_messaged_threads_only():
    rows = [row(1), row(2, "検収中"), row(3), row(4), row(5)]
    k = {1: known(1), 2: known(2), 3: known(3), 4: known(4, client_spoke_last=True, client_last=T0)}
    inbox = [item(1003, 30, T0 + M), item(1004, 40, T0, replied=True), item(1001, 10, T0 - M)]
    why = plan_workrooms(rows, k, inbox, True, {10, 40}, T0 + M)
    assert why == {2: "status changed", 3: "new message", 4: "replied", 5: "new contract"}
    # An old message the store has not recorded, older than the thread's latest: nothing new.
    assert plan_workrooms([row(1)], {1: known(1)}, [item(1001, 99, T0 - M)], True, set(), T0) == {}
    # A message in the same minute as the latest stored one, not seen before: load.
    assert plan_workrooms([row(1)], {1: known(1)}, [item(1001, 99, T0)], True, set(), T0) == {1: "new message"}
    assert set(plan_workrooms(rows, k, [], True, set(), T0, full=True)) == {1, 2, 3, 4, 5}


def test_a_thread_awaiting_my_answer_is_read_again_once_stale():
    k = {1: known(1, client_spoke_last=True, client_last=T0), 2: known(2)}
    rows = [row(1), row(2)]
    assert plan_workrooms(rows, k, [], False, set(), T0 + 11 * 60 * M) == {}
    assert plan_workrooms(rows, k, [], False, set(), T0 + 12 * 60 * M) == {1: "awaiting my answer: look again"}
    assert plan_workrooms(rows, k, [], True, set(), T0 + 2 * M, revalidate=M) == {
        1: "awaiting my answer: look again"}


def test_inbox_reads_down_to_the_last_healthy_scan():
    assert inbox_cutoff(None) is None
    assert inbox_cutoff(T0) == T0
    page = [item(1, 1, T0 + M), item(1, 2, T0 - 5 * M)]
    assert need_next_inbox_page(page, T0 - 10 * M)
    assert not need_next_inbox_page(page, T0)
    assert not need_next_inbox_page(page, None)


def test_profiles_once_per_scan_and_not_within_the_ttl():
    seen = {9: T0 - 2 * M, 8: T0 - 4 * 60 * M}
    ttl = timedelta(hours=3)
    assert plan_profiles([9, 8, 7, 8], seen, T0, ttl) == [8, 7]
    assert plan_profiles([9, 8, 7], seen, T0, ttl, full=True) == [9, 8, 7]
    assert plan_profiles([9], seen, T0, timedelta(0)) == [9]


# -- real scans: incremental against full ----------------------------------------------------------

def rich_story() -> Scenario:
    """The bundled story plus three busy threads: enough received messages for two inbox pages."""
    sc = story()
    for n in range(3):
        cid = 900009100 + n
        sc.clients[cid] = SClient(cid, f"株式会社テスト{n}", sc.now - timedelta(hours=5 + n))
        msgs = []
        for i in range(8):
            at = sc.now - timedelta(days=12 - i, hours=n)
            msgs.append(SMessage("client", at, f"ご依頼 {n}-{i}"))
            msgs.append(SMessage("worker", at + timedelta(hours=1), f"承知しました {n}-{i}"))
        sc.contracts.append(SContract(964200000 + n, cid, f"継続案件 {n}", "進行中", 10000, messages=msgs))
    return sc


def findings_of(result):
    return sorted((f.rule, f.contract_id, f.stage, f.since, f.deadline) for f in result.findings)


MUTATIONS = st.lists(
    st.tuples(st.sampled_from(["client_msg", "worker_msg", "deliver", "status", "access", "hide",
                               "drop", "later"]),
              st.integers(min_value=0, max_value=6), st.integers(min_value=1, max_value=600)),
    min_size=1, max_size=3)


def mutate(sc: Scenario, steps) -> Scenario:
    sc = copy.deepcopy(sc)
    for what, pick, minutes in steps:
        if what == "later":
            sc.now += timedelta(minutes=minutes * 7)
            continue
        if not sc.contracts:
            return sc
        c = sc.contracts[pick % len(sc.contracts)]
        at = sc.now - timedelta(seconds=30)
        if what == "client_msg":
            c.messages.append(SMessage("client", at, f"お返事です {minutes}"))
        elif what == "worker_msg":
            c.messages.append(SMessage("worker", at, f"ご確認ください {minutes}"))
        elif what == "deliver":
            c.messages.append(SMessage("worker", at, "納品いたします", "delivery"))
            c.status = "納品済み"
        elif what == "status":
            # Labels the selectors map (an unmapped one, such as 納品完了, makes both scans
            # unknown_status: the fault matrix has that row, this test compares healthy scans).
            c.status = ["進行中", "検収中", "完了", "契約終了同意待ち"][minutes % 4]
        elif what == "access":
            sc.clients[c.client].last_access = sc.now - timedelta(minutes=minutes)
        elif what == "hide":
            sc.clients[c.client].last_access = None
        elif what == "drop":
            sc.contracts.remove(c)
        sc.contracts = [replace(x, messages=sorted(x.messages, key=lambda m: m.at)) for x in sc.contracts]
    return sc


def incremental_equals_full(make: Callable[[Path, Scenario], Harness], steps, inbox_api: bool) -> None:
    """Two homes scan the same changing site, one incrementally and one in full: after each step both
    are healthy, find the same, and the incremental one loads no more workrooms."""
    root = Path(tempfile.mkdtemp(prefix="cwwatch-incr-"))
    base = rich_story()
    base.faults.inbox_api = inbox_api
    inc, full = make(root / "inc", base), make(root / "full", base)
    try:
        for h in (inc, full):
            h.config = replace(h.config, profile_ttl_h=0.0)  # both read awaited profiles every scan
        first_inc, first_full = inc.scan(), full.scan(full=True)
        assert first_inc.healthy and first_full.healthy
        assert findings_of(first_inc) == findings_of(first_full)
        sc = base
        for step in steps:
            sc = mutate(sc, step)
            inc.set(sc)
            full.set(sc)
            a, b = inc.scan(), full.scan(full=True)
            assert a.healthy and b.healthy, (a.problems, b.problems)
            assert findings_of(a) == findings_of(b), (step, a.workrooms_loaded)
            assert a.pages_by_kind["workroom"] <= b.pages_by_kind["workroom"]
    finally:
        inc.close()
        full.close()
        shutil.rmtree(root, ignore_errors=True)


# The search runs on the real scan without a browser (tests/browserless.py: fast, so it can try
# many changes); the Chromium test below walks one sequence with every kind of change.
@settings(max_examples=int(os.environ.get("CWWATCH_INCREMENTAL_EXAMPLES", "12")), deadline=None,
          suppress_health_check=list(HealthCheck))
@given(st.lists(MUTATIONS, min_size=1, max_size=3), st.booleans())
def test_incremental_scans_find_exactly_what_full_scans_find(steps, inbox_api):
    incremental_equals_full(HttpHarness, steps, inbox_api)


EVERY_CHANGE = [
    [("client_msg", 0, 5), ("worker_msg", 1, 7)],
    [("deliver", 2, 3), ("access", 2, 30), ("later", 0, 100)],
    [("status", 3, 1), ("hide", 4, 1), ("drop", 5, 1)],
]


@pytest.mark.browser
def test_incremental_scans_find_exactly_what_full_scans_find_in_chromium(chromium):
    # The inbox through its API, as the site's own script loads it in the browser (the search
    # above tries both inboxes).
    incremental_equals_full(Harness, EVERY_CHANGE, inbox_api=True)


@pytest.mark.browser
def test_a_rescan_with_nothing_changed_loads_only_the_list_pages(harness):
    h = harness(rich_story())
    first = h.scan()
    assert first.healthy and first.pages_by_kind["workroom"] == 7
    again = h.scan()
    assert dict(again.pages_by_kind) == {"contracts": 1, "inbox": 1, "proposals": 1}
    assert findings_of(again) == findings_of(first)
    # A client writes in one thread: only that workroom (their answer is no longer awaited, so
    # their profile is not needed).
    sc = mutate(h.scenario, [("client_msg", 2, 1)])
    h.set(sc)
    third = h.scan()
    assert third.workrooms_loaded == {sc.contracts[2].id: "new message"}
    # The worker answers it: the inbox flags the message as replied.
    sc = mutate(sc, [("worker_msg", 2, 1)])
    h.set(sc)
    fourth = h.scan()
    assert fourth.workrooms_loaded == {sc.contracts[2].id: "replied"}


@pytest.mark.browser
def test_profiles_are_not_reloaded_within_their_time_to_live(harness):
    h = harness(story())
    # The first scan: the three clients whose answer I await, plus the two it vets once (the client of
    # the contract nobody awaits, and the client who answered my application).
    assert h.scan().pages_by_kind["profile"] == 5
    assert h.scan().pages_by_kind["profile"] == 0
    later = copy.deepcopy(h.scenario)
    later.now += timedelta(hours=3)
    h.set(later)
    assert h.scan().pages_by_kind["profile"] == 3
    assert h.scan(full=True).pages_by_kind["profile"] == 3
