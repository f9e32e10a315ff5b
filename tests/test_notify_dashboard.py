"""A notification's click and its buttons lead to the local dashboard (issue 18 item 4).

Against the real dunst the suite starts (``tests/real_desktop.py``): the click goes through dunst
itself (``dunstctl action 0``), the buttons through dunst's context menu (``dunstctl context`` runs the
tests' dmenu, which picks a line as a person would). What a click opens is seen by a BROWSER script
that writes its argument to a file (Python's webbrowser honours BROWSER). The dashboard is a tiny real
HTTP server on 127.0.0.1, announced with ``dashlink.announce`` as the real one announces itself.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import subprocess
import sys
import threading
import webbrowser
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.daemonfixtures import outbox, scans, start_daemon, stop, wait_for
from tests.real_desktop import DesktopSession, dunst_click, dunst_close_all, dunst_context
from tests.sitefixtures import live_story
from watcher import dashlink, i18n, wiring
from watcher.models import Note
from watcher.notify.actions import MUTE_FOR, Button, NoteActions, buttons
from watcher.notify.desktop import DesktopChannel
from watcher.paths import Paths
from watcher.sample.server import SampleSite
from watcher.store import Store

CONTRACT = 963690555  # the story's contract waiting for a reply (no_reply)
CW_URL = f"https://crowdworks.example/contracts/{CONTRACT}"  # what the note carries (a stand-in)
WAIT = 20.0


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """BROWSER is a script that appends the address it is given to a file; the addresses opened so far.
    webbrowser reads BROWSER once per process: its choice is made again for this test."""
    out = tmp_path / "opened.txt"
    monkeypatch.setenv("BROWSER", str(browser_script(tmp_path, out)))
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})

    def addresses() -> list[str]:
        assert not any("key=" in line for line in argvs(out)), "a dashboard key on the browser's command line"
        return out.read_text().splitlines() if out.exists() else []
    return addresses


def browser_script(folder: Path, out: Path) -> Path:
    """A browser that appends the address it opens to ``out``: its argument, or, for the 0600 page
    that moves on to a dashboard link (dashlink.open_in_browser), the address that page moves on to.
    Its raw arguments go to ``out`` + ".argv" (:func:`argvs`)."""
    script = folder / "browser.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$1" >> "{out}.argv"\n'
        'case "$1" in\n'
        f"  file://*) sed -n 's/.*url=\\([^\"]*\\)\".*/\\1/p' \"${{1#file://}}\" | head -n 1"
        f" | sed 's/&amp;/\\&/g' >> \"{out}\" ;;\n"
        f'  *) printf "%s\\n" "$1" >> "{out}" ;;\n'
        "esac\n")
    script.chmod(0o755)
    return script


def argvs(out: Path) -> list[str]:
    raw = Path(f"{out}.argv")
    return raw.read_text().splitlines() if raw.exists() else []


class Dashboard:
    """A real HTTP server on 127.0.0.1 standing for the dashboard, announced in ``state_dir``."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.server: http.server.ThreadingHTTPServer | None = None

    def start(self) -> int:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        port = self.server.server_address[1]
        dashlink.announce(self.state_dir, port)
        return int(port)

    def stop(self) -> None:
        """The server stops without withdrawing its announcement (as after a crash): the link must
        still fall back, because nothing answers."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[Dashboard]:
    d = Dashboard(tmp_path / "state")
    yield d
    d.stop()


@pytest.fixture
def channel(desktop_session: DesktopSession) -> Iterator[Callable[[NoteActions | None], DesktopChannel]]:
    """A desktop channel with the given actions, on the test session's dunst; closed at the end."""
    made: list[DesktopChannel] = []

    def make(actions: NoteActions | None) -> DesktopChannel:
        ch = DesktopChannel(warn=io.StringIO(), actions=actions)
        made.append(ch)
        return ch

    yield make
    for ch in made:
        ch.close()


def note(contract_id: int | None = CONTRACT, title: str = "返信がありません") -> Note:
    return Note(title, "クライアントから返信がありません。", CW_URL if contract_id else "", urgent=True,
                contract_id=contract_id)


def send_alone(ch: DesktopChannel, n: Note) -> None:
    """``n`` alone on screen (position 0), sent through the channel."""
    dunst_close_all()
    assert ch.send(n), ch.reason


# -- (a) the click -------------------------------------------------------------------------------------


@pytest.mark.desktop
def test_a_click_opens_the_dashboard_page_when_it_answers_else_the_crowdworks_page(
        channel, dashboard, opened, desktop_session):
    ch = channel(NoteActions(dashboard.state_dir))
    port = dashboard.start()

    send_alone(ch, note())
    dunst_click(desktop_session)
    wait_for(lambda: len(opened()) == 1, WAIT, "the click to open an address")
    link = urlsplit(opened()[0])
    assert (link.scheme, link.netloc, link.path) == ("http", f"127.0.0.1:{port}", f"/contracts/{CONTRACT}")
    assert parse_qs(link.query) == {"key": [dashlink.secret(dashboard.state_dir)]}

    # A note about no one contract (health, a summary) leads to the board.
    send_alone(ch, note(None, "cwwatch: 監視できません"))
    dunst_click(desktop_session)
    wait_for(lambda: len(opened()) == 2, WAIT, "the board's address")
    assert urlsplit(opened()[1])[:3] == ("http", f"127.0.0.1:{port}", "/")

    # Decided again at the click: sent while the dashboard answered, clicked after it stopped.
    send_alone(ch, note())
    dashboard.stop()
    dunst_click(desktop_session)
    wait_for(lambda: len(opened()) == 3, WAIT, "the fallback address")
    assert opened()[2] == CW_URL

    # And the other way: sent while nothing answered, clicked once the dashboard is up.
    send_alone(ch, note())
    port = dashboard.start()
    dunst_click(desktop_session)
    wait_for(lambda: len(opened()) == 4, WAIT, "the dashboard's address")
    assert urlsplit(opened()[3])[:3] == ("http", f"127.0.0.1:{port}", f"/contracts/{CONTRACT}")


@pytest.mark.desktop
def test_without_a_dashboard_a_click_opens_the_crowdworks_page_and_the_body_never_carries_the_key(
        channel, dashboard, opened, desktop_session):
    ch = channel(NoteActions(dashboard.state_dir))
    send_alone(ch, note())
    dunst_click(desktop_session)
    wait_for(lambda: opened() == [CW_URL], WAIT, "the CrowdWorks page")

    dashboard.start()
    desktop_session.clear_history()
    send_alone(ch, note())
    shown = desktop_session.history()
    assert [h["body"] for h in shown] == [f"クライアントから返信がありません。\n{CW_URL}"]
    assert dashlink.secret(dashboard.state_dir) not in json.dumps(shown, ensure_ascii=False)


# -- (b) the buttons -----------------------------------------------------------------------------------


def _button_lines(offered: list[str], title: str) -> list[str]:
    """The context menu's action lines of the notification titled ``title`` (``#Open (TITLE) [ID,open]``)."""
    return [line for line in offered if line.startswith("#") and f"({title})" in line]


@pytest.mark.desktop
def test_the_mute_button_mutes_the_contract_as_cwwatch_mute_for_3d_does(home, channel, desktop_session):
    paths = Paths.default()  # the story's history (CWWATCH_HOME)
    assert paths.db_file.exists()
    ch = channel(wiring.note_actions(paths))
    before = datetime.now(UTC)
    send_alone(ch, note())

    offered = dunst_context(desktop_session, choose="3日ミュート")
    assert [line.split(" (")[0] for line in _button_lines(offered, "返信がありません")] == [
        "#", "#開く", "#3日ミュート"]

    def muted() -> object:
        store = Store(paths.db_file)
        try:
            return store.mutes().get(CONTRACT)
        finally:
            store.close()

    wait_for(muted, WAIT, "the contract to be muted")
    m = muted()
    assert before <= m.created_at <= datetime.now(UTC)  # type: ignore[attr-defined]
    assert m.until - m.created_at == MUTE_FOR == timedelta(days=3)  # type: ignore[attr-defined]

    # Written exactly as `cwwatch mute CONTRACT --for 3d` writes it (the same wait, the same reason).
    env = dict(os.environ, CWWATCH_HOME=str(home))
    now = m.created_at.isoformat()  # type: ignore[attr-defined]
    by_cli = subprocess.run([sys.executable, "-m", "watcher", "mute", str(CONTRACT), "--for", "3d", "--now", now],
                            env=env, capture_output=True, text=True, timeout=60)
    assert by_cli.returncode == 0, by_cli.stderr
    assert muted() == m

    # The button answers on the desktop in the words `cwwatch mute` prints.
    def said() -> list[str]:
        return [h["body"] for h in desktop_session.history() if h["summary"] == "cwwatch: ミュートしました"]

    wait_for(said, WAIT, "the note saying the contract is muted")
    assert said() == [by_cli.stdout.strip()]
    assert "963690555「" in said()[0] and "まで" in said()[0]

    # `cwwatch status` shows it.
    status = subprocess.run([sys.executable, "-m", "watcher", "status", "--json"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert status.returncode == 0, status.stderr
    shown = {c["contract_id"]: c["mute"] for c in json.loads(status.stdout)["contracts"]}
    assert shown[CONTRACT]["active"] is True
    assert datetime.fromisoformat(shown[CONTRACT]["until"]) == m.until  # type: ignore[attr-defined]


@pytest.mark.desktop
def test_open_button_opens_the_same_link_as_a_click_and_a_summary_gets_no_mute(
        channel, dashboard, opened, desktop_session):
    ch = channel(NoteActions(dashboard.state_dir, mute=lambda cid: None))
    port = dashboard.start()
    send_alone(ch, note())
    offered = dunst_context(desktop_session, choose="開く")
    assert len(_button_lines(offered, "返信がありません")) == 3
    wait_for(lambda: len(opened()) == 1, WAIT, "the 開く button to open an address")
    assert urlsplit(opened()[0])[:3] == ("http", f"127.0.0.1:{port}", f"/contracts/{CONTRACT}")

    send_alone(ch, note(None, "新しい通知が5件あります"))
    offered = dunst_context(desktop_session)  # nothing chosen
    assert [line.split(" (")[0] for line in _button_lines(offered, "新しい通知が5件あります")] == ["#", "#開く"]


@pytest.mark.desktop
def test_the_buttons_speak_english_with_lang_en(channel, dashboard, desktop_session):
    i18n.use("en")
    try:
        ch = channel(NoteActions(dashboard.state_dir, mute=lambda cid: None))
        send_alone(ch, note(title="No reply"))
        offered = dunst_context(desktop_session)
    finally:
        i18n.use("ja")
    assert [line.split(" (")[0] for line in _button_lines(offered, "No reply")] == ["#", "#Open", "#Mute for 3 days"]


@pytest.mark.desktop
def test_a_channel_without_the_daemons_actions_offers_no_buttons(channel, desktop_session):
    """A one-shot scan's notes: no buttons (nobody is left to hear them), the click as before."""
    ch = channel(None)
    send_alone(ch, note(title="ボタンなし"))
    offered = dunst_context(desktop_session)
    assert [line.split(" (")[0] for line in _button_lines(offered, "ボタンなし")] == ["#"]


# -- (c) the decision on the service's capabilities (pure) ------------------------------------------


def test_no_buttons_where_the_service_lacks_actions():
    about_one = note()
    assert buttons(about_one, False, leads_somewhere=True, can_mute=True) == []
    assert buttons(about_one, True, leads_somewhere=True, can_mute=True) == [Button.OPEN, Button.MUTE]
    assert buttons(about_one, True, leads_somewhere=True, can_mute=False) == [Button.OPEN]
    assert buttons(about_one, True, leads_somewhere=False, can_mute=True) == [Button.MUTE]
    summary = note(None, "新しい通知が5件あります")
    assert buttons(summary, True, leads_somewhere=True, can_mute=True) == [Button.OPEN]
    assert buttons(summary, True, leads_somewhere=False, can_mute=True) == []


def test_the_link_falls_back_to_the_notes_own_url_when_no_dashboard_is_announced(tmp_path):
    actions = NoteActions(tmp_path / "state")
    assert actions.link(note()) == CW_URL
    assert actions.link(note(None)) == ""


def test_a_note_keeps_its_contract_through_the_outbox(tmp_path):
    store = Store(tmp_path / "h.sqlite3")
    try:
        with store.transaction():
            store.enqueue(note(), datetime.now(UTC))
            store.enqueue(note(None), datetime.now(UTC))
        assert [n.contract_id for _, n in store.pending()] == [CONTRACT, None]
    finally:
        store.close()


# -- the daemon: it lives to hear them ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.desktop
def test_the_daemon_hears_a_click_between_its_jobs_and_leads_to_the_board(desktop_session, password, chromium,
                                                                          tmp_path):
    """The real ``cwwatch daemon`` scans the story once; its notes reach dunst as one summary (about no
    one contract: 開く, no 3日ミュート); clicked while the daemon waits for its next scan, it opens the
    board of the dashboard the daemon itself serves (announced in its own state folder)."""
    opened_file = tmp_path / "opened.txt"
    browser = browser_script(tmp_path, opened_file)
    home = tmp_path / "home"
    env = dict(desktop_session.env, BROWSER=str(browser))
    dunst_close_all(env)
    with SampleSite(live_story()) as site:
        proc = start_daemon(home, site, env, interval_min=60)
        try:
            wait_for(lambda: dashlink.reachable(home / "state") is not None, 90, "the daemon's dashboard", proc)
            where = dashlink.reachable(home / "state")
            assert where is not None and where.pid == proc.pid
            wait_for(lambda: len(scans(home)) >= 1, 90, "the first scan", proc)
            # The scan queued its notes in the transaction that recorded it: an empty outbox is delivered.
            wait_for(lambda: not outbox(home), 60, "the daemon to deliver", proc)
            offered = dunst_context(desktop_session)
            summary = _button_lines(offered, "新しい通知が6件あります")
            assert [line.split(" (")[0] for line in summary] == ["#", "#開く"], offered
            dunst_click(desktop_session)
            wait_for(opened_file.exists, WAIT, "the click to open an address", proc)
            link = urlsplit(opened_file.read_text().strip())
            assert not any("key=" in line for line in argvs(opened_file))
            assert (link.netloc, link.path) == (f"127.0.0.1:{where.port}", "/")
            assert parse_qs(link.query) == {"key": [dashlink.secret(home / "state")]}
        finally:
            stop(proc)
    log = (home / "log" / "cwwatch.log").read_text(encoding="utf-8")
    assert dashlink.secret(home / "state") not in log

