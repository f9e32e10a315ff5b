"""The daemon as a user runs it: a subprocess on a short interval against the sample site, with the
real keyring, the real notification daemon and real Chromium."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.daemonfixtures import descendants, outbox, rss_mb, scans, start_daemon, stop, wait_for
from tests.real_desktop import dunst_clear_history, dunst_history
from tests.sitefixtures import live_story, with_faults
from watcher.daemon.scheduler import Daemon, DaemonOptions, next_interval, parse_span, within
from watcher.jptime import JST
from watcher.models import Note
from watcher.notify.desktop import Notifier
from watcher.paths import Paths
from watcher.sample.scenario import SMessage
from watcher.sample.server import SampleSite
from watcher.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.desktop]

def test_three_scans_a_reply_cancels_nothing_twice_no_browser_between(desktop_session, password, chromium, tmp_path):
    env = dict(desktop_session.env)
    dunst_clear_history(env)
    sc = live_story()
    home = tmp_path / "home"
    with SampleSite(sc) as site:
        proc = start_daemon(home, site, env)
        try:
            wait_for(lambda: len(scans(home)) >= 1, 90, "the first scan", proc)
            # Between scans: the scan's child process and its browser are gone. (On a loaded machine the
            # next scan may have begun already: then its processes end too, before the one after.)
            wait_for(lambda: not descendants(proc.pid), 60, "the scan's processes to end", proc)
            idle = rss_mb(proc.pid)

            def delivered():
                return [h["summary"] for h in dunst_history(env) if h["appname"] == "cwwatch"]

            # Delivered means shown, then taken off the outbox: once it is empty, all are on the desktop.
            wait_for(lambda: delivered() and not outbox(home), 60, "the daemon to deliver the first scan's notes",
                     proc)
            titles = delivered()
            # Four findings and two vetted clients: one summary on the desktop, naming them.
            assert titles == ["新しい通知が6件あります"], titles
            body = next(h["body"] for h in dunst_history(env) if h["appname"] == "cwwatch")
            assert "仮払いがまだです: 合同会社ミドリ商店" in body
            # The client of 963690555 answers: its no_reply ends.
            replied = live_story()
            replied.contract(963690555).messages.append(
                SMessage("client", replied.now - timedelta(minutes=1), "20代でお願いします。"))
            site.set_scenario(replied)
            target = len(scans(home)) + 2  # the scan under way may have read the site before the reply
            peak = idle
            deadline = time.monotonic() + 120
            while len(scans(home)) < target and time.monotonic() < deadline:
                peak = max(peak, rss_mb(proc.pid) + sum(rss_mb(p) for p, _ in descendants(proc.pid)
                                                        if Path(f"/proc/{p}").exists()))
                time.sleep(0.1)
            assert len(scans(home)) >= target and all(h for _, h in scans(home))
        finally:
            took = stop(proc)
    assert proc.returncode == 0 and took < 10
    history = [h["summary"] for h in dunst_history(env) if h["appname"] == "cwwatch"]
    assert sorted(history) == sorted(titles), "no notification twice across three scans"
    journal = proc.stdout.read() if proc.stdout else ""
    for title in ("仮払いがまだです: 合同会社ミドリ商店", "返信がありません: 株式会社ノースゲート"):
        assert journal.count(title) == 1, (title, journal[-2000:])  # the console: each note once
    store = Store(home / "data" / "cwwatch.sqlite3")
    try:
        rows = store.alerts_of(963690555)
        assert rows and all(r.closed_at for r in rows), "the reply closed the finding"
        assert store.integrity_ok()
    finally:
        store.close()
    print(f"\ndaemon RSS between scans {idle:.1f} MB; peak with its scan and browser {peak:.1f} MB")
    log = (home / "log" / "cwwatch.log").read_text(encoding="utf-8")
    assert "スキャン 1: 正常" in log and "demo-pass" not in log


def test_sigterm_mid_scan_stops_within_10_s_and_the_next_start_carries_on(desktop_session, password, chromium,
                                                                           tmp_path):
    env = dict(desktop_session.env)
    slow = with_faults(live_story(), latency_ms=400)
    home = tmp_path / "home"
    with SampleSite(slow) as site:
        proc = start_daemon(home, site, env)
        try:
            wait_for(lambda: sum(site.stats.values()) >= 4, 60, "a scan under way", proc)
            assert scans(home) == []
            # Meanwhile a one-shot scan does not run alongside: it waits, then says why.
            other = subprocess.run([sys.executable, "-m", "watcher", "scan", "--wait-lock", "0", "--no-notify"],
                                   env=dict(env, CWWATCH_HOME=str(home)), capture_output=True, text=True,
                                   timeout=60)
            assert other.returncode == 1 and "別のスキャンが実行中です" in other.stderr
            assert "Traceback" not in other.stderr
            second = subprocess.run([sys.executable, "-m", "watcher", "daemon"], env=dict(env, CWWATCH_HOME=str(home)),
                                    capture_output=True, text=True, timeout=30)
            assert second.returncode == 1 and "別の cwwatch デーモンが実行中です" in second.stderr
        finally:
            took = stop(proc)
        assert proc.returncode == 0 and took < 10, took
        assert scans(home) == [], "the interrupted scan stored nothing"
        assert not any("chrom" in n for _, n in descendants(os.getpid()) if n != "chromium-test")
        site.set_scenario(live_story())
        proc = start_daemon(home, site, env)
        try:
            wait_for(lambda: len(scans(home)) >= 1, 90, "the next scan", proc)
        finally:
            stop(proc)
    con = sqlite3.connect(home / "data" / "cwwatch.sqlite3")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_after_login_failed_no_more_login_attempts(desktop_session, password, chromium, tmp_path):
    env = dict(desktop_session.env)
    dunst_clear_history(env)
    home = tmp_path / "home"
    with SampleSite(with_faults(live_story(), login="wrong_password")) as site:
        proc = start_daemon(home, site, env, interval_min=0.02)
        try:
            wait_for(lambda: len(scans(home)) >= 3, 90, "three scans", proc)
        finally:
            stop(proc)
        assert site.stats["login_post"] == 1, "one attempt, then none until `cwwatch login`"
    assert [h for _, h in scans(home)][:3] == [0, 0, 0]
    health = [h for h in dunst_history(env) if h["summary"] == "cwwatch: ログインに失敗しました"]
    assert len(health) == 1


class Recording:
    name = "recording"

    def __init__(self) -> None:
        self.notes: list[Note] = []

    def send(self, note: Note) -> bool:
        self.notes.append(note)
        return True

    def close(self) -> None:
        pass


def test_quiet_hours_hold_notifications_until_the_morning(tmp_path):
    now = [datetime(2026, 11, 20, 23, 30, tzinfo=JST)]
    paths = Paths.under(tmp_path)
    rec = Recording()
    opts = DaemonOptions(interval=timedelta(minutes=30), jitter_s=0, active=parse_span("08:00-23:00", "a"),
                         quiet=parse_span("23:00-08:00", "q"), digest_at=None, backoff_cap=timedelta(hours=4),
                         child_argv=["false"])
    d = Daemon(paths, opts, Notifier([rec]), clock=lambda: now[0])
    store = Store(paths.db_file)
    with store.transaction():
        store.enqueue(Note("検収期限を過ぎました: 株式会社テスト", "本文"), now[0])
    store.close()
    assert d.flush() == 0 and rec.notes == []
    assert d.scan_job() is None, "no scan outside the active hours"
    now[0] = datetime(2026, 11, 21, 7, 59, tzinfo=JST)
    assert d.flush() == 0
    now[0] = datetime(2026, 11, 21, 8, 0, tzinfo=JST)
    assert d.flush() == 1 and [n.title for n in rec.notes] == ["検収期限を過ぎました: 株式会社テスト"]
    assert d.flush() == 0, "delivered once"


def test_schedule_helpers():
    span = parse_span("23:00-08:00", "quiet_hours")
    assert within(datetime(2026, 11, 20, 23, 0, tzinfo=JST), span)
    assert within(datetime(2026, 11, 21, 7, 59, tzinfo=JST), span)
    assert not within(datetime(2026, 11, 21, 8, 0, tzinfo=JST), span)
    day = parse_span("08:00-23:00", "active_hours")
    assert within(datetime(2026, 11, 20, 22, 59, tzinfo=JST), day)
    assert not within(datetime(2026, 11, 20, 23, 0, tzinfo=JST), day)
    assert within(datetime(2026, 11, 20, 23, 59, tzinfo=JST), parse_span("00:00-24:00", "a"))
    assert parse_span("", "q") is None
    base, cap = timedelta(minutes=30), timedelta(hours=4)
    assert next_interval(base, base, cap, False, {"site_unreachable"}) == timedelta(hours=1)
    assert next_interval(timedelta(hours=3), base, cap, False, {"layout_changed"}) == cap
    assert next_interval(cap, base, cap, True, set()) == base
    assert next_interval(base, base, cap, False, {"login_challenge"}) == timedelta(hours=1)
    assert next_interval(base, base, cap, False, {"login_failed"}) == base


def test_the_daily_digest_is_one_notification_of_what_is_open(tmp_path):
    from watcher.models import Finding

    paths = Paths.under(tmp_path)
    rec = Recording()
    opts = DaemonOptions(interval=timedelta(minutes=30), jitter_s=0, active=None, quiet=None,
                         digest_at=parse_span("08:30-08:31", "d")[0], backoff_cap=timedelta(hours=4),
                         child_argv=["false"])
    d = Daemon(paths, opts, Notifier([rec]), clock=lambda: datetime(2026, 11, 20, 8, 30, tzinfo=JST))
    Store(paths.db_file).close()
    d.digest_job()
    assert [n.title for n in rec.notes] == ["cwwatch: 未対応はありません"]
    from watcher.decide.alerts import digest_note

    f = Finding("acceptance_overdue", 1, 9, 1, None, None, "検収期限を過ぎました: 株式会社テスト", "本文")
    assert digest_note([f, f]).title == "cwwatch: 未対応 2件"


def test_a_config_broken_while_the_daemon_runs_is_named_waited_out_and_recovered(desktop_session, password,
                                                                                   chromium, tmp_path):
    """Issue 20 item 7: a config file broken by hand while the daemon runs. The scan's child exited on
    it and the note blamed cwwatch ("a scan stopped halfway") with no file or line. Now: its own
    health kind, notified at once, naming the file and line; the daemon keeps running, scans nothing
    while the file stays broken, and scans again as soon as the file is fixed."""
    env = dict(desktop_session.env)
    dunst_clear_history(env)
    home = tmp_path / "home"
    cfg = home / "config" / "config.toml"
    with SampleSite(live_story()) as site:
        proc = start_daemon(home, site, env, interval_min=0.05)
        try:
            wait_for(lambda: len(scans(home)) >= 1 and all(h for _, h in scans(home)), 90, "a healthy scan", proc)
            good = cfg.read_text(encoding="utf-8")
            lines = good.splitlines()
            assert lines[2].startswith("min_interval_s")
            lines[2] = "min_interval_s = = 0"  # line 3: not TOML
            cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")

            def config_notes() -> list[dict[str, str]]:
                return [h for h in dunst_history(env) if h["appname"] == "cwwatch"
                        and h["summary"] == "cwwatch: 設定ファイルに誤りがあります"]

            wait_for(config_notes, 90, "the config note", proc)
            body = config_notes()[0]["body"]
            assert "設定ファイルに誤りがあります" in body and str(cfg) in body and "3行目" in body, body
            log = (home / "log" / "cwwatch.log").read_text(encoding="utf-8")
            assert str(cfg) in log and "3行目" in log
            broken_at = len(scans(home))
            assert scans(home)[-1][1] == 0
            assert proc.poll() is None, "the daemon keeps running on a broken config"
            cfg.write_text(good, encoding="utf-8")  # fixed
            wait_for(lambda: any(h for i, h in scans(home) if i > broken_at), 90, "a healthy scan after the fix",
                     proc)
            wait_for(lambda: "cwwatch: 監視を再開しました" in [h["summary"] for h in dunst_history(env)], 60,
                     "the recovery note", proc)
            assert proc.poll() is None
        finally:
            stop(proc)
    problems = _config_problems(home)
    assert len(problems) == 1, "one config_invalid scan while the file stayed broken, not one per interval"
    assert len(config_notes()) == 1


def _config_problems(home: Path) -> list[str]:
    con = sqlite3.connect(home / "data" / "cwwatch.sqlite3")
    try:
        return [p for (p,) in con.execute("SELECT problems FROM scans") if "config_invalid" in p]
    finally:
        con.close()


def test_the_clock_stepping_back_then_forward_scans_at_once_misses_no_deadline_notifies_nothing_twice(
        desktop_session, password, chromium, tmp_path):
    """Issue 20 item 5, as a user runs the daemon: its clock (and its scans') stepped through the test
    mode's offset file. Two hours back: the next scan came two hours late; now at once. Then eight days
    forward (a suspend over a week): the acceptance week of a delivery seen just before ends during
    the step; the scan right after it notifies it, once; no note is shown twice."""
    from watcher.wallclock import TEST_CLOCK_ENV

    env = dict(desktop_session.env)
    dunst_clear_history(env)
    offset = tmp_path / "clock-offset"
    offset.write_text("0", encoding="utf-8")
    env[TEST_CLOCK_ENV] = str(offset)
    home = tmp_path / "home"
    with SampleSite(live_story()) as site:
        proc = start_daemon(home, site, env, interval_min=60)
        try:
            wait_for(lambda: len(scans(home)) >= 1, 90, "the first scan", proc)
            wait_for(lambda: _cw_notes(env) and not outbox(home), 60, "the first scan's notes", proc)
            delivered = live_story()
            work = delivered.contract(963688001)
            assert work is not None and work.status == "進行中"
            work.status, work.delivered_at = "検収中", delivered.now
            work.messages.append(SMessage("worker", delivered.now, "納品いたしました。ご確認をお願いいたします。"))
            site.set_scenario(delivered)
            offset.write_text(str(-2 * 3600), encoding="utf-8")
            wait_for(lambda: len(scans(home)) >= 2, 90, "a scan at once after the step back", proc)
            offset.write_text(str(8 * 86400), encoding="utf-8")
            wait_for(lambda: len(scans(home)) >= 3, 90, "a scan at once after the step forward", proc)
            wait_for(lambda: not outbox(home), 60, "the notes after the step", proc)
        finally:
            stop(proc)
    assert all(h for _, h in scans(home)), scans(home)
    log = (home / "log" / "cwwatch.log").read_text(encoding="utf-8")
    assert log.count("コンピューターの時計が変わりました") == 2, log[-3000:]
    store = Store(home / "data" / "cwwatch.sqlite3")
    try:
        overdue = [a for a in store.alerts_of(963688001) if a.rule == "acceptance_overdue"]
        assert len(overdue) == 1, "the week that ended during the step is notified, once"
        keys = [(a.rule, a.contract_id, a.stage) for cid in (963688001, 963690555, 963700112)
                for a in store.alerts_of(cid)]
        assert len(keys) == len(set(keys)), keys
    finally:
        store.close()
    shown = [(h["summary"], h["body"]) for h in _cw_notes(env)]
    assert len(shown) == len(set(shown)), "no note shown twice"
    assert any("963688001" in body or "検収" in body for _, body in shown[1:]), shown


def _cw_notes(env: dict[str, str]) -> list[dict[str, str]]:
    return [h for h in dunst_history(env) if h["appname"] == "cwwatch"]


def test_a_challenge_that_stays_is_asked_a_bounded_number_of_times(tmp_path):
    """Issue 20 item 3: a challenge must not bring a retry storm. Each scan under it asks the challenged
    page once and never logs in (tests/test_fault_matrix.py::test_a_challenge_is_a_wall_told_by_protocol:
    at most 3 requests a scan); the daemon doubles its interval after each such scan up to
    ``backoff_max_min``. Here the daemon's own scan job runs a child that answers login_challenge every
    time, over a day of the default schedule (30 min, cap 240 min): 8 scans instead of 48, so at most
    24 requests to the site in that day; the first healthy scan brings the interval back."""
    now = [datetime(2026, 11, 20, 0, 0, tzinfo=JST)]
    paths = Paths.under(tmp_path)
    result = {"healthy": False, "pages_loaded": 1,
              "problems": [{"kind": "login_challenge", "page": "/e/contracts", "detail": "cf-mitigated: challenge"}]}
    opts = DaemonOptions(interval=timedelta(minutes=30), jitter_s=0, active=None, quiet=None, digest_at=None,
                         backoff_cap=timedelta(minutes=240),
                         child_argv=[sys.executable, "-c", f"print({json.dumps(json.dumps(result))})"])
    d = Daemon(paths, opts, Notifier([Recording()]), clock=lambda: now[0])
    end = now[0] + timedelta(days=1)
    intervals = []
    while now[0] < end:
        assert d.scan_job() is not None
        intervals.append(d.interval)
        now[0] += d.interval
    assert [i.total_seconds() / 60 for i in intervals[:5]] == [60, 120, 240, 240, 240]
    assert len(intervals) == 8, intervals
    healthy = {"healthy": True, "pages_loaded": 9, "problems": []}
    d.opts.child_argv = [sys.executable, "-c", f"print({json.dumps(json.dumps(healthy))})"]
    assert d.scan_job() is not None and d.interval == timedelta(minutes=30)
