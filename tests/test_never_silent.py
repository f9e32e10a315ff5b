"""Issue 11, the faults a real desktop brings: Ctrl-C, a locked keyring, a notification service that
is not there yet, a scan that hangs or dies, an error of our own. Each with the real component:
the scan as a subprocess in real Chromium, a throwaway gnome-keyring whose collection is locked,
dunst stopped and started again, the daemon's child process killed.

Rows go to the fault matrix's ``CWWATCH_MATRIX_OUT`` like the matrix's own.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import pytest

from tests.daemonfixtures import EMAIL, outbox, record, scans, start_daemon, stop, wait_for
from tests.real_desktop import DesktopSession, _start_dunst, desktop, dunst_history, require_binaries
from tests.sitefixtures import EXPECTED_STORY, live_story, rules_of, story, with_faults
from watcher.daemon.scheduler import Daemon, DaemonOptions
from watcher.decide import rules
from watcher.models import Note
from watcher.paths import Paths
from watcher.sample.server import SampleSite
from watcher.store import Store
from watcher.wiring import make_notifier

pytestmark = [pytest.mark.browser, pytest.mark.desktop]

SLOW_ROOM = "/contracts/963659463"


def configure(home: Path, site: SampleSite, extra: str = "") -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(
        f'base_url = "{site.url}"\nemail = "{EMAIL}"\nmin_interval_s = 0\n{extra}', encoding="utf-8")


def scan_rows(home: Path) -> list[tuple[int, int, str]]:
    db = home / "data" / "cwwatch.sqlite3"
    if not db.exists():
        return []
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute("SELECT id, healthy, problems FROM scans ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


@contextlib.contextmanager
def own_desktop() -> Iterator[DesktopSession]:
    """A desktop of this test's own (Xvfb, bus, gnome-keyring, dunst) that it may break at will; the
    run's shared one is back in ``os.environ`` afterwards. (Under /tmp: socket paths stay short.)"""
    with desktop() as session:
        yield session


# -- item 3: Ctrl-C ------------------------------------------------------------------------------


@pytest.mark.usefixtures("password")
def test_ctrl_c_ends_a_scan_at_once_with_nothing_recorded(desktop_session, chromium, tmp_path):
    """SIGINT to the Python process alone (not its browser) while a page is loading: 「中断しました」,
    exit 130, no scan row, no health count, and no waiting for the page's timeout."""
    # The page would answer after a minute: ending within 45 s (however busy the machine) is not waiting for it.
    sc = with_faults(story(), slow=[SLOW_ROOM], slow_ms=60_000)
    home = tmp_path / "home"
    with SampleSite(sc) as site:
        configure(home, site, "page_timeout_s = 90\n")
        proc = subprocess.Popen([sys.executable, "-m", "watcher", "scan", "--json", "--no-notify"],
                                env=dict(desktop_session.env, CWWATCH_HOME=str(home)), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: SLOW_ROOM in site.paths, 120, "the scan to ask for the slow page", proc)
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
            took = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert "中断しました" in err and "Traceback" not in err
    assert took < 45, f"the scan waited {took:.1f} s: for the slow page, not for the person"
    assert scan_rows(home) == [], "an interrupted scan is not a scan: nothing recorded, nothing counted"
    assert not out.strip()
    record({"row": "Ctrl-C during a page load (SIGINT to python only)", "kind": "interrupted (exit 130)",
            "detail": f"ended {took:.2f} s after SIGINT; page would answer after 60 s", "health_notes": 0,
            "finding_notes_while_unhealthy": 0, "recovery_notes": 0, "store_intact": True})


# -- items 2 and 4: a locked keyring -------------------------------------------------------------


def _lock_default_collection(session: DesktopSession) -> None:
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus=session.bus_address) as conn:
        collection = secretstorage.Collection(conn)
        collection.lock()
        assert collection.is_locked()


def _prompters() -> list[str]:
    """Running unlock prompters (gnome-keyring asks through gcr-prompter)."""
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            with contextlib.suppress(OSError):
                if "prompter" in (p / "comm").read_text():
                    out.append(p.name)
    return out


def test_a_locked_keyring_is_keyring_locked_never_a_prompt(chromium, tmp_path):
    """A locked login keyring: the scan says keyring_locked (how to unlock it), without opening an
    unlock prompt and without waiting for one; `cwwatch login` says the same, and changes nothing."""
    prompters_before = set(_prompters())
    with own_desktop() as session, SampleSite(live_story()) as site:
        keyring.set_password("cwwatch", EMAIL, "demo-pass")
        _lock_default_collection(session)
        home = tmp_path / "home"
        configure(home, site, "keyring_timeout_s = 90\n")  # far beyond what a busy machine adds
        env = dict(session.env, CWWATCH_HOME=str(home))
        started = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "watcher", "scan", "--json", "--no-notify"], env=env,
                           capture_output=True, text=True, timeout=120)
        took = time.monotonic() - started
        assert r.returncode == 20, (r.returncode, r.stderr[-2000:])
        result = json.loads(r.stdout.strip().splitlines()[-1])
        (problem,) = result["problems"]
        assert problem["kind"] == "keyring_locked", problem
        assert site.stats["login_post"] == 0, "no login was tried without the password"
        assert "Traceback" not in r.stderr
        assert set(_prompters()) <= prompters_before, "an unlock prompt was opened"
        # `cwwatch login` meets the same lock and says so, before asking for anything.
        login = subprocess.run([sys.executable, "-m", "watcher", "login", "--email", EMAIL], env=env,
                               input="", capture_output=True, text=True, timeout=150)
        assert login.returncode != 0
        assert "ロック" in login.stderr and "Traceback" not in login.stderr, login.stderr
        assert "cwwatch login を実行" not in login.stderr + problem["detail"]
    assert took < 60, f"{took:.1f} s: the scan waited for the keyring instead of asking whether it is locked"
    record({"row": "the login keyring is locked", "kind": "keyring_locked",
            "detail": f"said after {took:.1f} s, no unlock prompt", "health_notes": 0,
            "finding_notes_while_unhealthy": 0, "recovery_notes": 0, "store_intact": True})


# -- item 8: a notification service that is not there yet ------------------------------------------


def _enqueue(paths: Paths, titles: list[str]) -> None:
    store = Store(paths.db_file)
    try:
        with store.transaction():
            for t in titles:
                store.enqueue(Note(t, "本文"), datetime.now(UTC))
    finally:
        store.close()


def test_notes_wait_in_the_outbox_until_a_notification_service_answers(tmp_path, capsys):
    """The daemon found no notification service once and said "unavailable" for its whole life,
    printed later notes to the console only and deleted them. Now: availability is asked at each
    delivery, the console does not count as delivery for the daemon, a waiting note is printed on
    the console once, and it goes out when dunst starts."""
    bins = require_binaries("dunst")
    paths = Paths.under(tmp_path / "home")
    titles = ["返信がありません: 株式会社テスト", "仮払いがまだです: 合同会社テスト"]
    with own_desktop() as session:
        session.daemons.pop("dunst").stop()
        console = (tmp_path / "console.txt").open("w+", encoding="utf-8")
        notifier = make_notifier(True, console, console_counts=False)
        opts = DaemonOptions(interval=timedelta(minutes=30), jitter_s=0, active=None, quiet=None, digest_at=None,
                             backoff_cap=timedelta(hours=4), child_argv=["false"])
        d = Daemon(paths, opts, notifier)
        try:
            _enqueue(paths, titles)
            d.retry_job()
            d.retry_job()
            store = Store(paths.db_file)
            try:
                assert store.waiting()[0] == 2, "a note no channel took was dropped"
            finally:
                store.close()
            status = subprocess.run([sys.executable, "-m", "watcher", "status", "--json"],
                                    env=dict(session.env, CWWATCH_HOME=str(tmp_path / "home")),
                                    capture_output=True, text=True, timeout=60)
            assert json.loads(status.stdout)["notes_waiting"]["count"] == 2, status.stdout
            text = subprocess.run([sys.executable, "-m", "watcher", "status"],
                                  env=dict(session.env, CWWATCH_HOME=str(tmp_path / "home")),
                                  capture_output=True, text=True, timeout=60)
            assert "未配信の通知が 2 件" in text.stdout, text.stdout
            session.daemons["dunst"] = _start_dunst(bins["dunst"], session.env, session.root)
            d.retry_job()
            delivered = [h["summary"] for h in dunst_history(session.env) if h["appname"] == "cwwatch"]
            assert sorted(delivered) == sorted(titles)
            store = Store(paths.db_file)
            try:
                assert store.waiting()[0] == 0
            finally:
                store.close()
        finally:
            notifier.close()
        console.seek(0)
        shown = console.read()
    for t in titles:
        assert shown.count(t) == 1, f"{t!r} printed {shown.count(t)} times on the daemon's console"
    record({"row": "no notification service, then dunst starts", "kind": "notes kept, delivered later",
            "detail": "2 of 2 delivered after dunst started; console printed each once", "health_notes": 0,
            "finding_notes_while_unhealthy": 0, "recovery_notes": 0, "store_intact": True})


def test_the_daemon_delivers_a_scan_s_notes_once_dunst_starts(chromium, tmp_path):
    """End to end: the daemon's first scan finds no notification service; its notes wait (status
    says so); dunst starts; the next delivery takes them, each exactly once."""
    bins = require_binaries("dunst")
    home = tmp_path / "home"
    with own_desktop() as session, SampleSite(live_story()) as site:
        keyring.set_password("cwwatch", EMAIL, "demo-pass")
        session.daemons.pop("dunst").stop()
        proc = start_daemon(home, site, session.env, interval_min=0.05)
        try:
            # The daemon tries to deliver after each scan: once a second scan is recorded, it has tried
            # (and failed) at least once for the first scan's notes. They must all still be waiting.
            wait_for(lambda: len(scans(home)) >= 2, 120, "two scans with no notification service", proc)
            waiting = len(outbox(home))
            assert waiting == 6, f"{waiting} notes waiting: the daemon dropped what nobody saw"
            session.daemons["dunst"] = _start_dunst(bins["dunst"], session.env, session.root)

            def delivered() -> list[str]:
                return [h["summary"] for h in dunst_history(session.env) if h["appname"] == "cwwatch"]

            wait_for(lambda: len(delivered()) >= 1, 120, "the waiting notes to be delivered", proc)
            wait_for(lambda: not outbox(home), 120, "the outbox to empty", proc)
        finally:
            stop(proc)
        # Six at once: one summary naming them (the summary is how more than three arrive).
        assert delivered() == ["新しい通知が6件あります"], delivered()
    record({"row": "daemon: no notification service at its first scan", "kind": "notes kept, delivered later",
            "detail": "6 of 6 delivered (one summary) once dunst started", "health_notes": 0,
            "finding_notes_while_unhealthy": 0, "recovery_notes": 0, "store_intact": True})


# -- items 1 and 2: a scan child that hangs or dies ----------------------------------------------


def _daemon(paths: Paths, argv: list[str], console: Path) -> tuple[Daemon, object]:
    notifier = make_notifier(False, console.open("w", encoding="utf-8"))
    opts = DaemonOptions(interval=timedelta(minutes=30), jitter_s=0, active=None, quiet=None, digest_at=None,
                         backoff_cap=timedelta(hours=4), child_argv=argv, scan_timeout=timedelta(seconds=1),
                         kill_after=timedelta(seconds=1))
    return Daemon(paths, opts, notifier), notifier


def test_the_daemon_kills_a_scan_past_its_time_limit_and_counts_it(tmp_path):
    """A scan stuck for ever (a keyring prompt, a hung browser) made the daemon skip every later run
    without a word. Now the child is killed past its limit, recorded unhealthy, and notified."""
    paths = Paths.under(tmp_path / "home")
    Store(paths.db_file).close()
    d, notifier = _daemon(paths, [sys.executable, "-c", "import time; time.sleep(600)"], tmp_path / "console.txt")
    started = time.monotonic()
    assert d.scan_job() is None and d.scan_job() is None
    took = time.monotonic() - started
    notifier.close()  # type: ignore[attr-defined]
    rows = scan_rows(paths.data_dir.parent)
    assert [h for _, h, _ in rows] == [0, 0]
    assert all(json.loads(p)[0]["kind"] == "site_unreachable" and "scan_timeout_min" in json.loads(p)[0]["detail"]
               for _, _, p in rows)
    assert (tmp_path / "console.txt").read_text(encoding="utf-8").count("サイトに接続できません") == 1
    assert took < 60
    record({"row": "daemon: a scan child that never ends", "kind": "site_unreachable (child killed)",
            "detail": f"2 scans killed in {took:.1f} s (limit 1 s + 1 s)", "health_notes": 1,
            "finding_notes_while_unhealthy": 0, "recovery_notes": 0, "store_intact": True})


def test_a_scan_child_that_prints_nothing_is_a_counted_failure(tmp_path):
    """A child that dies without a word (exit 4: no code of ours; 3 is STORAGE, the lost scans of a
    history that cannot be written, counted apart: tests/test_crash.py)."""
    paths = Paths.under(tmp_path / "home")
    Store(paths.db_file).close()
    d, notifier = _daemon(paths, [sys.executable, "-c", "import sys; sys.exit(4)"], tmp_path / "console.txt")
    assert d.scan_job() is None and d.scan_job() is None
    notifier.close()  # type: ignore[attr-defined]
    rows = scan_rows(paths.data_dir.parent)
    assert [json.loads(p)[0]["kind"] for _, _, p in rows] == ["scan_failed", "scan_failed"]
    assert "（終了コード 4）" in json.loads(rows[0][2])[0]["detail"]
    assert (tmp_path / "console.txt").read_text(encoding="utf-8").count("スキャンが途中で止まりました") == 1
    record({"row": "daemon: a scan child that ends without a result", "kind": "scan_failed",
            "detail": "exit 4, no output", "health_notes": 1, "finding_notes_while_unhealthy": 0,
            "recovery_notes": 0, "store_intact": True})


# -- item 1: an error of our own -----------------------------------------------------------------


def test_an_unexpected_error_is_one_named_problem_and_a_scan_row(harness, monkeypatch):
    """Any exception inside a scan (here a bug put in the rules) ends as scan_failed with a scan row,
    never a traceback; the next healthy scan finds everything again."""
    h = harness(story())
    assert h.scan().healthy

    def broken(*args: object, **kwargs: object) -> object:
        raise ZeroDivisionError("a bug of ours")

    real = rules.evaluate
    monkeypatch.setattr(rules, "evaluate", broken)
    bad = [h.scan(full=True) for _ in range(2)]
    assert [[p.kind for p in r.problems] for r in bad] == [["scan_failed"], ["scan_failed"]]
    assert "ZeroDivisionError" in bad[0].problems[0].detail
    assert [r.health_notified for r in bad] == [[], ["scan_failed"]]
    monkeypatch.setattr(rules, "evaluate", real)
    good = h.scan(full=True)
    assert good.healthy and rules_of(good) == EXPECTED_STORY and good.health_notified == ["recovered"]
    assert len(scan_rows(h.paths.data_dir.parent)) == 4
    record({"row": "an unexpected error inside the scan", "kind": "scan_failed", "detail": bad[0].problems[0].detail,
            "health_notes": 1, "finding_notes_while_unhealthy": 0, "recovery_notes": 1, "store_intact": True})
