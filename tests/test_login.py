"""`cwwatch login` never breaks a working set-up: nothing changes (config, keyring, session) until
the site has shown a logged-in page; a refused login sets the scan's login block; ``--headed``
shows the login form in the front tab. With the real components: the sample site, real Chromium
(headless, and headed on the tests' Xvfb), the real gnome-keyring and the `cwwatch` command."""

from __future__ import annotations

import asyncio
import io
import json
import os
import queue
import shutil
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.real_desktop import require, run_async
from tests.sitefixtures import story
from watcher.crowdworks import selectors as selector_files
from watcher.keychain import Credentials
from watcher.paths import Paths
from watcher.sample.scenario import Scenario
from watcher.sample.server import COOKIE, SampleSite
from watcher.store import LOGIN_BLOCK_KEY, Store

pytestmark = [pytest.mark.browser, pytest.mark.desktop]

SERVICE = "cwwatch"

CONFIG = """\
# cwwatch: my own settings. Keep this note, and the blank lines.
base_url = "{url}"   # the sample site

# who logs in
email = "{email}"  # the address I log in with
min_interval_s = 0
page_timeout_s = 20

# the daemon
scan_interval_min = 30   # every half hour
"""


def cwwatch() -> list[str]:
    exe = shutil.which("cwwatch", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "watcher"]


@dataclass
class SetUp:
    """A working set-up: a commented config, the password in the keyring, a valid session."""

    site: SampleSite
    sc: Scenario
    home: Path
    env: dict[str, str]
    config_email: str
    password: str
    emails: set[str]  # keyring entries to remove afterwards

    @property
    def paths(self) -> Paths:
        return Paths.under(self.home)

    def login(self, email: str, password: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cwwatch(), "login", "--email", email, "--password-stdin", *extra],
                              env=self.env, input=password + "\n", capture_output=True, text=True,
                              timeout=180)

    def state(self, *emails: str) -> dict[str, Any]:
        """Everything a login may change, byte for byte."""
        session = self.paths.session_file
        st = session.stat()
        return {"config": self.paths.config_file.read_bytes(),
                "keyring": {e: _keyring_get(e) for e in (self.config_email, *emails)},
                "session": (session.read_bytes(), st.st_ino, st.st_mtime_ns, stat.S_IMODE(st.st_mode))}

    def blocked(self) -> str | None:
        store = Store(self.paths.db_file)
        try:
            return store.get_meta(LOGIN_BLOCK_KEY)
        finally:
            store.close()

    def session_is_valid(self) -> bool:
        """The session file's cookie is one the site still knows (the session was not ended)."""
        state = json.loads(self.paths.session_file.read_text(encoding="utf-8"))
        tokens = {c["value"] for c in state.get("cookies", []) if c["name"] == COOKIE}
        return bool(tokens & self.site.sessions)

    def no_secret_anywhere(self, *outputs: str, secrets: tuple[str, ...]) -> None:
        for secret in secrets:
            for out in outputs:
                assert secret not in out
            for f in self.home.rglob("*"):
                if f.is_file():
                    assert secret.encode() not in f.read_bytes(), f


def _keyring_get(email: str) -> str | None:
    import keyring

    return keyring.get_password(SERVICE, email)


def _valid_session(url: str, session_file: Path, creds: Credentials) -> None:
    """A real session from a real login (Chromium against the sample site), saved to ``session_file``."""
    from watcher.crowdworks.site import Site, SiteOptions

    async def login_once() -> None:
        opts = SiteOptions(base_url=url, session_file=session_file, min_interval_s=0, pool_size=1,
                           settle_s=0.2)
        async with Site(selector_files.load(None), opts, lambda: creds) as site, site.page() as page:
            await site.login(page)

    run_async(login_once)


@pytest.fixture
def setup(keyring_backend: Any, chromium: Path, tmp_path: Path) -> Iterator[SetUp]:
    import keyring

    sc = story()
    sc.worker.email = f"login-{uuid.uuid4().hex[:8]}@example.com"
    home = tmp_path / "home"
    env = dict(os.environ, CWWATCH_HOME=str(home))
    with SampleSite(sc) as site:
        paths = Paths.under(home)
        paths.ensure(paths.config_dir)
        paths.ensure(paths.data_dir)
        paths.config_file.write_text(CONFIG.format(url=site.url, email=sc.worker.email), encoding="utf-8")
        keyring.set_password(SERVICE, sc.worker.email, sc.worker.password)
        _valid_session(site.url, paths.session_file, Credentials(sc.worker.email, sc.worker.password))
        s = SetUp(site, sc, home, env, sc.worker.email, sc.worker.password, {sc.worker.email})
        assert s.session_is_valid() and site.stats["login_ok"] == 1
        try:
            yield s
        finally:
            for key in s.emails:
                if _keyring_get(key) is not None:
                    keyring.delete_password(SERVICE, key)


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_a_wrong_password_changes_nothing_and_sets_the_login_block(setup: SetUp) -> None:
    before = setup.state()
    r = setup.login(setup.config_email, "not-the-password-1")
    assert r.returncode == 20, r.stdout + r.stderr
    assert setup.site.stats["login_failed"] == 1  # the site itself refused it
    assert setup.state() == before  # config, keyring and session: byte for byte
    assert setup.blocked() is not None  # as a failed scan: no more automatic logins
    assert setup.session_is_valid()
    line = _one_line(r.stderr)
    assert "ログインできませんでした" in line and "何も変更していません" in line
    setup.no_secret_anywhere(r.stdout, r.stderr, secrets=("not-the-password-1",))


def test_the_right_password_afterwards_updates_the_email_keeping_comments_and_lifts_the_block(
        setup: SetUp) -> None:
    import keyring

    # The person changed the e-mail they log in with: the config still names the old one.
    sc = setup.sc
    old = setup.config_email
    new = "renamed-" + old
    cfg = setup.paths.config_file
    keyring.delete_password(SERVICE, old)
    keyring.set_password(SERVICE, old, "the-old-password")
    sc.worker.email = new
    setup.emails.add(new)
    original = cfg.read_text(encoding="utf-8")
    old_session = setup.paths.session_file.read_bytes()
    r = setup.login(new, "a-typo-in-the-password")
    assert r.returncode == 20, r.stderr
    assert setup.blocked() is not None
    assert cfg.read_text(encoding="utf-8") == original
    assert _keyring_get(new) is None

    r = setup.login(new, sc.worker.password)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    # Only the e-mail changed; every comment, blank line and the order are as they were.
    assert cfg.read_text(encoding="utf-8") == original.replace(
        f'email = "{old}"  #', f'email = "{new}"  #')
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert _keyring_get(new) == sc.worker.password
    assert _keyring_get(old) == "the-old-password"  # another address's entry is not touched
    assert setup.blocked() is None
    session = setup.paths.session_file
    assert session.read_bytes() != old_session and setup.session_is_valid()
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    assert setup.site.stats["login_ok"] == 2  # the set-up's login and this one
    setup.no_secret_anywhere(r.stdout, r.stderr, secrets=(sc.worker.password, "a-typo-in-the-password"))
    assert not list(setup.paths.data_dir.glob(".*.tmp"))


def test_a_typo_in_the_email_changes_nothing(setup: SetUp) -> None:
    typo = "typo-" + setup.config_email
    setup.emails.add(typo)
    before = setup.state(typo)
    r = setup.login(typo, setup.password)
    assert r.returncode == 20, r.stdout + r.stderr
    assert setup.state(typo) == before
    assert _keyring_get(typo) is None
    assert b"typo-" not in setup.paths.config_file.read_bytes()
    assert setup.session_is_valid()
    assert setup.blocked() is not None  # a refused login, as a scan's
    assert "ログインできませんでした" in _one_line(r.stderr)


def test_a_two_step_challenge_changes_nothing_and_points_to_headed(setup: SetUp) -> None:
    import keyring

    # The keyring holds an older password; the site now asks for a two-step code.
    keyring.set_password(SERVICE, setup.config_email, "the-old-password")
    setup.sc.faults.login = "two_step"
    before = setup.state()
    r = setup.login(setup.config_email, setup.password)
    assert r.returncode == 20, r.stdout + r.stderr
    assert setup.state() == before
    assert _keyring_get(setup.config_email) == "the-old-password"
    assert setup.blocked() is None  # a challenge is no refused password
    assert setup.session_is_valid()
    line = _one_line(r.stderr)
    assert "--headed" in line and "何も変更していません" in line


def test_headed_login_shows_the_form_in_the_front_tab_with_the_email_and_says_what_to_do(
        setup: SetUp, desktop_session: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cwwatch login --headed`, run in-process on the tests' Xvfb; the test reaches the real page
    through the same Playwright session (a spy on the public ``Site.open_login_page``) and acts as
    the person: looks at the window, then presses ログイン."""
    from watcher.cli import login as login_cmd
    from watcher.cli.main import build_parser
    from watcher.crowdworks.site import Site

    if not os.environ.get("DISPLAY"):
        require("Xvfb", "no DISPLAY for a headed browser")
    sc = setup.sc
    opened: queue.Queue[tuple[Any, asyncio.AbstractEventLoop]] = queue.Queue()
    original = Site.open_login_page

    async def spy(self: Site, page: Any) -> Any:
        fetched = await original(self, page)
        opened.put((page, asyncio.get_running_loop()))
        return fetched

    err = io.StringIO()
    monkeypatch.setattr(Site, "open_login_page", spy)
    monkeypatch.setattr(login_cmd, "HEADED_WAIT_S", 90)
    monkeypatch.setenv("CWWATCH_HOME", str(setup.home))
    monkeypatch.setattr(sys, "stdin", io.StringIO(sc.worker.password + "\n"))
    monkeypatch.setattr(sys, "stderr", err)
    keyring_before = _keyring_get(setup.config_email)
    old_session = setup.paths.session_file.read_bytes()
    new = "headed-" + setup.config_email
    setup.emails.add(new)
    sc.worker.email = new  # the config still names the old address: it changes only on success
    args = build_parser().parse_args(["login", "--email", new, "--password-stdin", "--headed"])
    box: dict[str, Any] = {}

    def command() -> None:
        try:
            box["rc"] = login_cmd.run(args)
        except BaseException as exc:  # shown by the assertion below
            box["error"] = exc

    thread = threading.Thread(target=command, name="cwwatch-login-headed", daemon=True)
    thread.start()
    page = loop = None
    try:
        page, loop = opened.get(timeout=60)

        def on_page(coro: Any, timeout: float = 30) -> Any:
            return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

        deadline = time.monotonic() + 30
        while "cwwatch" not in err.getvalue() and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.1)
        told = err.getvalue()
        # What the person sees: the login form in the one window's front tab, the e-mail filled in.
        # One page only: a second one (about:blank) would be the window in front.
        assert len(page.context.pages) == 1, [p.url for p in page.context.pages]
        assert on_page(page.evaluate("document.visibilityState")) == "visible"
        assert on_page(page.evaluate("document.hasFocus()")) is True
        assert page.url.endswith("/login")
        assert on_page(page.input_value("#username")) == new
        # ... and what to do there, in the terminal.
        assert "「ログイン」" in told and "二段階認証" in told and "5 分" in told, told
        assert keyring_before == _keyring_get(setup.config_email) and _keyring_get(new) is None
        # The person presses ログイン in the window.
        on_page(page.get_by_role("button", name="ログイン", exact=True).click())
        thread.join(60)
        assert not thread.is_alive(), err.getvalue()
    finally:
        if thread.is_alive() and page is not None and loop is not None:
            asyncio.run_coroutine_threadsafe(page.close(), loop)  # ends the wait
            thread.join(100)
    assert "error" not in box, box.get("error")
    assert box["rc"] == 0, err.getvalue()
    assert setup.site.stats["login_ok"] == 2
    assert _keyring_get(new) == sc.worker.password
    assert f'email = "{new}"  # the address I log in with' in setup.paths.config_file.read_text(encoding="utf-8")
    assert "# cwwatch: my own settings. Keep this note" in setup.paths.config_file.read_text(encoding="utf-8")
    session = setup.paths.session_file
    assert session.read_bytes() != old_session and setup.session_is_valid()
    setup.no_secret_anywhere(err.getvalue(), secrets=(sc.worker.password,))


def test_set_email_keeps_the_file_as_it_was_but_the_email_and_refuses_broken_toml(tmp_path: Path) -> None:
    from watcher.config import set_email
    from watcher.errors import ConfigError

    cfg = tmp_path / "config.toml"
    text = CONFIG.format(url="http://127.0.0.1:1", email="a@example.com")
    cfg.write_text(text, encoding="utf-8")
    set_email(cfg, "b@example.com")
    assert cfg.read_text(encoding="utf-8") == text.replace('"a@example.com"', '"b@example.com"')
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    fresh = tmp_path / "new" / "config.toml"  # missing: created, with the e-mail only
    set_email(fresh, "c@example.com")
    assert fresh.read_text(encoding="utf-8") == 'email = "c@example.com"\n'
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    broken = tmp_path / "broken.toml"
    broken.write_text("# mine\nemail = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match=str(broken)):
        set_email(broken, "d@example.com")
    assert broken.read_text(encoding="utf-8") == "# mine\nemail = \n"
