"""Real scans in real Chromium against the sample site: sessions, login, health, paging."""

from __future__ import annotations

import copy
import os
import re
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.sitefixtures import EXPECTED_STORY, rules_of, story, with_faults
from watcher.crowdworks.pages import Pages
from watcher.sample.scenario import SMessage

pytestmark = pytest.mark.browser


@pytest.mark.smoke  # the fast tier's one real scan (pytest -m "not slow")
def test_first_scan_logs_in_second_reuses_session_expired_logs_in_again(harness):
    h = harness(story())
    first = h.scan()
    assert first.healthy, first.problems
    assert first.logins == 1 and h.site.stats["login_ok"] == 1
    assert rules_of(first) == EXPECTED_STORY
    assert {(f.rule, f.contract_id) for f in first.notified} == EXPECTED_STORY
    session = h.paths.session_file
    assert stat.S_IMODE(os.stat(session).st_mode) == 0o600
    assert h.scenario.worker.password not in session.read_text()

    second = h.scan()
    assert second.healthy and second.logins == 0
    assert h.site.stats["login_post"] == 1, "the saved session must be reused"
    assert rules_of(second) == EXPECTED_STORY
    assert second.notified == [], "a second identical scan notifies nothing"

    h.site.expire_sessions()
    third = h.scan()
    assert third.healthy and third.logins == 1
    assert h.site.stats["login_ok"] == 2
    assert third.notified == []


def test_wrong_password_is_login_failed_and_stops_further_attempts(harness):
    h = harness(with_faults(story(), login="wrong_password"))
    r = h.scan()
    assert not r.healthy and [p.kind for p in r.problems] == ["login_failed"]
    assert r.findings == [] and r.notified == []
    posts = h.site.stats["login_post"]
    assert posts == 1
    again = h.scan()
    assert [p.kind for p in again.problems] == ["login_failed"]
    assert h.site.stats["login_post"] == posts, "no second login attempt after a failure"
    # After two unhealthy scans the health problem is notified, once.
    assert again.health_notified == ["login_failed"]
    assert h.scan().health_notified == []


def test_no_credentials_is_logged_out(harness):
    h = harness(story())
    h.credentials = None
    r = h.scan()
    assert [p.kind for p in r.problems] == ["logged_out"]
    assert h.site.stats["login_post"] == 0


@pytest.mark.parametrize("fault", ["two_step", "captcha"])
def test_two_step_and_captcha_are_login_challenges(harness, fault):
    h = harness(with_faults(story(), login=fault))
    r = h.scan()
    assert not r.healthy
    assert [p.kind for p in r.problems] == ["login_challenge"]
    assert r.findings == []


def test_saved_evidence_has_a_folder_per_scan_and_names_that_never_collide(harness):
    """Issue 11 item 13: pages saved on layout_changed were named by time and kind, so two workrooms
    failing in one scan overwrote each other's HTML. Now: a folder per scan, ``kind-id`` names."""
    h = harness(with_faults(story(), layout_changed=["workroom"]))
    first = h.scan(full=True)
    (problem,) = first.problems
    saved = Path(problem.saved)
    contract_id = re.search(r"/contracts/(\d+)", problem.page).group(1)
    assert saved.name == f"workroom-{contract_id}.html"
    assert saved.with_suffix(".png").exists()
    assert saved.parent.parent == h.paths.layout_dir
    before = {f.name: f.read_bytes() for f in saved.parent.iterdir()}
    second = h.scan(full=True)
    (again,) = second.problems
    assert Path(again.saved).parent != saved.parent, "each scan keeps its own folder"
    assert {f.name: f.read_bytes() for f in saved.parent.iterdir()} == before, "nothing overwritten"
    # Within one scan, a second page of the same kind and id gets a name of its own.
    pages = Pages(site=None, sel=None, layout_dir=h.paths.layout_dir, known_strings=set,  # type: ignore[arg-type]
                  clock=lambda: datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
    folder, stem = pages.evidence_name(f"workroom-{contract_id}")
    folder.mkdir(parents=True)
    (folder / f"{stem}.html").write_text("one", encoding="utf-8")
    assert pages.evidence_name(f"workroom-{contract_id}") == (folder, f"workroom-{contract_id}-2")
    assert pages.evidence_name("workroom-1")[0] == folder, "one folder for the whole scan"


@pytest.mark.parametrize("kind", ["contracts", "workroom", "profile", "inbox"])
def test_layout_changed_saves_the_page_and_keeps_the_history(harness, kind):
    h = harness(story())
    good = h.scan()
    assert good.healthy
    h.set(with_faults(story(), layout_changed=[kind]))
    bad = h.scan(full=True)  # an incremental scan would not reload unchanged workrooms and profiles
    assert not bad.healthy
    assert [p.kind for p in bad.problems] == ["layout_changed"]
    assert bad.findings == [] and bad.notified == []
    problem = bad.problems[0]
    assert problem.saved and os.path.exists(problem.saved)
    assert stat.S_IMODE(os.stat(problem.saved).st_mode) == 0o600
    assert os.path.exists(problem.saved[:-len(".html")] + ".png")
    assert str(h.paths.state_dir) in problem.saved
    # What the healthy scan stored is intact, and the next healthy scan finds the same.
    store = h.store()
    try:
        assert len(store.contract_states()) == 4
        assert store.integrity_ok()
    finally:
        store.close()
    h.set(story())
    assert rules_of(h.scan()) == EXPECTED_STORY


def test_unmapped_status_label_is_unknown_status(harness):
    sc = story()
    sc.contracts[2].status = "検収完了"
    h = harness(sc)
    r = h.scan()
    assert [p.kind for p in r.problems] == ["unknown_status"]
    assert "検収完了" in r.problems[0].detail
    assert r.findings == []


def test_server_error_is_site_unreachable_and_stores_nothing(harness):
    h = harness(with_faults(story(), server_error=["/contracts/963688001"]))
    r = h.scan()
    assert [p.kind for p in r.problems] == ["site_unreachable"]
    assert "500" in r.problems[0].detail
    store = h.store()
    try:
        assert store.contract_states() == [], "a partial scan must not store its contracts"
    finally:
        store.close()


def test_paging_across_three_list_pages_finds_every_contract(harness):
    sc = story()
    base = sc.contracts[2]
    for n in range(41):
        c = copy.deepcopy(base)
        c.id = 964000000 + n
        c.title = f"追加の記事 {n + 1}"
        sc.contracts.append(c)
    assert len(sc.contracts) == 45
    h = harness(sc)
    r = h.scan()
    assert r.healthy, r.problems
    assert r.contracts_seen == 45
    assert r.pages_by_kind["contracts"] == 3
    store = h.store()
    try:
        assert {c.contract_id for c in store.contract_states()} == {c.id for c in sc.contracts}
    finally:
        store.close()


def test_a_reply_ends_the_finding_and_a_new_wait_notifies_again(harness):
    sc = story()
    h = harness(sc)
    assert ("no_reply", 963690555) in rules_of(h.scan())
    replied = story()
    room = replied.contract(963690555)
    room.messages.append(SMessage("client", replied.now.replace(hour=0), "20代でお願いします。"))
    h.set(replied)
    r = h.scan()
    assert ("no_reply", 963690555) not in rules_of(r)
    store = h.store()
    try:
        closed = [row for row in store.db.execute("SELECT * FROM alerts WHERE contract_id=963690555")]
        assert closed and all(row["closed_at"] for row in closed)
    finally:
        store.close()


def test_a_mute_holds_notifications_and_a_reply_ends_a_snooze(harness):
    from datetime import timedelta

    from watcher.decide.rules import waited_since

    h = harness(story())
    first = h.scan()
    assert ("no_reply", 963690555) in {(f.rule, f.contract_id) for f in first.notified}
    # A new wait on 963690555, muted for 3 days as a snooze: found, held, not notified.
    later = story()
    room = later.contract(963690555)
    room.messages.append(SMessage("client", later.now - timedelta(days=4), "了解です。"))
    room.messages.append(SMessage("worker", later.now - timedelta(days=3, hours=23), "追加の質問です。"))
    h.set(later)
    store = h.store()
    try:
        since = waited_since(tuple(store.messages_of(963690555)))  # the old wait, as stored
        with store.transaction():
            store.set_mute(963690555, later.now + timedelta(days=3), since, "test", later.now)
    finally:
        store.close()
    held = h.scan()
    # The stored wait changed with the new messages, so the snooze (set on the old wait) ended.
    assert ("no_reply", 963690555) in {(f.rule, f.contract_id) for f in held.notified}
    store = h.store()
    try:
        now_since = waited_since(tuple(store.messages_of(963690555)))
        with store.transaction():
            store.set_mute(963690555, later.now + timedelta(days=10), now_since, "test", later.now)
    finally:
        store.close()
    # A stage-2 escalation of the same wait while muted: held, not notified.
    much_later = story()
    much_later.contract(963690555).messages = room.messages
    much_later.now = later.now + timedelta(days=7)  # 7 business days into the wait (23rd is a holiday)
    h.set(much_later)
    r = h.scan(now=much_later.now)
    assert all(f.contract_id != 963690555 for f in r.notified)
    assert any(f.contract_id == 963690555 and f.stage == 2 for f in r.held)
