"""The components the tool relies on are real and work here: not mocks, not fallbacks.

gnome-keyring's Secret Service, dunst (checked on dunst's side), and Chromium under Playwright.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
import uuid

import pytest

import watcher.crowdworks.chromium
from tests.real_desktop import (
    SECRET_SERVICE_BACKEND,
    DesktopSession,
    dunst_clear_history,
    dunst_history,
    name_has_owner,
    require,
    require_binaries,
    run_async,
    run_in_thread,
)

PASSWORD = "パス🔑word-テスト"
SERVICE = "cwwatch-test"


def _chromium() -> str:
    """The browser scans use (the headless shell where one is installed)."""
    try:
        return str(watcher.crowdworks.chromium.find_scan_browser())
    except watcher.crowdworks.chromium.BrowserNotFound as exc:
        require("chromium", str(exc))


# --- the skip helper --------------------------------------------------------------------------


def test_require_skips_on_a_workstation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="thing: gone"):
        require("thing", "gone")


def test_require_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="thing: gone"):
        require("thing", "gone")


# --- the session itself ----------------------------------------------------------------------


@pytest.mark.desktop
def test_session_environment_points_at_our_components(desktop_session: DesktopSession) -> None:
    s = desktop_session
    assert os.environ["DISPLAY"] == s.display == s.env["DISPLAY"]
    assert os.environ["DBUS_SESSION_BUS_ADDRESS"] == s.bus_address
    assert str(s.root) in urllib.parse.unquote(s.bus_address)  # our private bus, not the user's
    assert os.environ["XDG_DATA_HOME"] == str(s.data_home)
    assert os.environ["XDG_RUNTIME_DIR"] == str(s.runtime_dir)
    assert os.environ["PYTHON_KEYRING_BACKEND"] == SECRET_SERVICE_BACKEND
    assert "WAYLAND_DISPLAY" not in os.environ
    for name, daemon in s.daemons.items():
        assert daemon.alive(), f"{name} died:\n{s.logs()}"
    assert name_has_owner("org.freedesktop.Notifications", s.env)
    assert name_has_owner("org.freedesktop.secrets", s.env)


# --- keyring ---------------------------------------------------------------------------------


@pytest.mark.desktop
def test_password_round_trips_through_gnome_keyring(
    keyring_backend: object, desktop_session: DesktopSession
) -> None:
    import keyring
    import secretstorage
    from keyring.backends import SecretService

    assert type(keyring.get_keyring()) is SecretService.Keyring
    user = f"user-{uuid.uuid4().hex[:8]}@example.jp"
    keyring.set_password(SERVICE, user, PASSWORD)
    try:
        assert keyring.get_password(SERVICE, user) == PASSWORD

        # The item really is in gnome-keyring, seen straight over D-Bus...
        conn = secretstorage.dbus_init()
        try:
            items = list(secretstorage.search_items(conn, {"service": SERVICE, "username": user}))
            assert len(items) == 1
            assert items[0].get_secret().decode("utf-8") == PASSWORD
        finally:
            conn.close()
        # ...stored under our throwaway XDG_DATA_HOME...
        assert (desktop_session.data_home / "keyrings" / "login.keyring").is_file()
        # ...and a subprocess (like `cwwatch demo`) inherits the session and reads it back.
        code = (
            "import sys, keyring;"
            f"sys.stdout.buffer.write(keyring.get_password({SERVICE!r}, {user!r}).encode())"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
        assert out.returncode == 0, out.stderr.decode(errors="replace")
        assert out.stdout.decode("utf-8") == PASSWORD
    finally:
        keyring.delete_password(SERVICE, user)
    assert keyring.get_password(SERVICE, user) is None


# --- notifications ---------------------------------------------------------------------------


@pytest.mark.desktop
def test_notify_send_reaches_dunst(desktop_session: DesktopSession) -> None:
    require_binaries("notify-send")
    dunst_clear_history()
    summary = f"通知テスト {uuid.uuid4().hex[:6]}"
    body = "クライアントから3日間返信がありません"
    subprocess.run(["notify-send", "--app-name=cwwatch-test", summary, body],
                   check=True, timeout=30)
    history = dunst_history()
    assert {"summary": summary, "body": body, "appname": "cwwatch-test"} in history, history


@pytest.mark.desktop
def test_desktop_notifier_reaches_dunst(desktop_session: DesktopSession) -> None:
    from desktop_notifier import DesktopNotifier

    dunst_clear_history()
    title = f"検収期限が近づいています {uuid.uuid4().hex[:6]}"
    message = "仮払い前に作業を始めないでください"

    async def send() -> object:
        return await DesktopNotifier(app_name="cwwatch-test").send(title=title, message=message)

    # In a thread: once pytest-playwright has run, the main thread has a running event loop.
    run_async(send)
    history = dunst_history()
    assert {"summary": title, "body": message, "appname": "cwwatch-test"} in history, history


@pytest.mark.desktop
def test_clear_history_starts_from_empty(desktop_session: DesktopSession) -> None:
    require_binaries("notify-send")
    subprocess.run(["notify-send", "before"], check=True, timeout=30)
    dunst_clear_history()
    assert dunst_history() == []
    subprocess.run(["notify-send", "after", "本文"], check=True, timeout=30)
    assert [n["summary"] for n in dunst_history()] == ["after"]


# --- Chromium --------------------------------------------------------------------------------

PAGE = (
    "<!doctype html><html lang='ja'><head><meta charset='utf-8'>"
    "<title>契約ウォッチ・テスト</title></head>"
    "<body><p id='msg'>仮払い済み（エスクロー）</p></body></html>"
)


@pytest.mark.browser
def test_find_chromium_returns_an_executable() -> None:
    exe = _chromium()
    assert os.path.isfile(exe) and os.access(exe, os.X_OK)


@pytest.mark.browser
def test_playwright_sync_api_launches_our_chromium() -> None:
    exe = _chromium()

    def launch() -> tuple[str, str, str, str]:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=exe, headless=True, args=watcher.crowdworks.chromium.LAUNCH_ARGS
            )
            try:
                page = browser.new_page()
                page.goto("data:text/html;charset=utf-8," + urllib.parse.quote(PAGE))
                from_url = page.evaluate("document.title")
                page.set_content(PAGE.replace("テスト", "二回目"))
                return from_url, page.title(), page.inner_text("#msg"), browser.version
            finally:
                browser.close()

    # In a thread: sync_playwright() refuses to start where an event loop is running.
    from_url, from_content, text, version = run_in_thread(launch)
    assert from_url == "契約ウォッチ・テスト"
    assert from_content == "契約ウォッチ・二回目"
    assert text == "仮払い済み（エスクロー）"
    assert version.split(".")[0].isdigit()


@pytest.mark.browser
def test_pytest_playwright_is_given_our_chromium(browser_type_launch_args: dict) -> None:
    # Checked on the options only: pytest-playwright's `page`/`browser` fixtures would leave an
    # asyncio loop running in the main thread for the rest of the session, which breaks every
    # later in-process sync_playwright() and asyncio.run().
    assert browser_type_launch_args["executable_path"] == _chromium()
    for flag in watcher.crowdworks.chromium.LAUNCH_ARGS:
        assert flag in browser_type_launch_args["args"]
