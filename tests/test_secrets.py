"""Secrets and exposure: `cwwatch demo` and a daemon cycle with a recognisable password and session
cookie, then a search of everything cwwatch wrote, printed or passed to a child process.

- The password: nowhere (files, outputs, argv or environment of any descendant process).
- The session cookie: only in the session file, which is 0600.
- Every folder cwwatch made is 0700, every file 0600.
- The sample site listens on 127.0.0.1 only.
- The dashboard the daemon serves shows no password, no site cookie, and neither its own key nor
  its cookie on any page (the board, every contract, the scans, the saved pages).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import keyring
import pytest

from tests.daemonfixtures import descendants, scans, wait_for
from tests.sitefixtures import STORY, scenario_from
from watcher import dashlink
from watcher.sample.server import SampleSite
from watcher.web.guards import derive

pytestmark = [pytest.mark.browser, pytest.mark.desktop]

PASSWORD = "Pw-Kq7x!hunter2-SECRET-5150"
EMAIL = "secret.worker@example.com"


def recognisable_story(faults: str = "") -> str:
    text = STORY.read_text(encoding="utf-8")
    text = text.replace('password = "demo-pass"', f'password = "{PASSWORD}"')
    text = text.replace('email = "hanako@example.com"', f'email = "{EMAIL}"')
    assert PASSWORD in text and EMAIL in text
    return text + faults


class ProcessWatch:
    """Samples the argv and environment of every descendant of a process until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.seen: dict[int, tuple[bytes, bytes]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid, _name in [(self.pid, ""), *descendants(self.pid)]:
                if pid in self.seen:
                    continue
                try:
                    argv = Path(f"/proc/{pid}/cmdline").read_bytes()
                    environ = Path(f"/proc/{pid}/environ").read_bytes()
                except OSError:
                    continue
                self.seen[pid] = (argv, environ)
            time.sleep(0.02)

    def stop(self) -> dict[int, tuple[bytes, bytes]]:
        self._stop.set()
        self._thread.join(timeout=5)
        return self.seen


def cookies_in(session_file: Path) -> set[str]:
    """The session's secret cookies (not ``mobylette_device``, a display setting cwwatch sets itself)."""
    state = json.loads(session_file.read_text(encoding="utf-8"))
    return {c["value"] for c in state.get("cookies", []) if c.get("value") and c.get("name") != "mobylette_device"}


def hits(root: Path, needles: dict[str, str]) -> list[str]:
    """Every file under ``root`` holding one of ``needles`` (name -> value), as 'file: name'."""
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            raw = path.read_bytes()
            out += [f"{path.relative_to(root)}: {name}" for name, value in needles.items()
                    if value.encode() in raw]
    return out


def loose_modes(root: Path) -> list[str]:
    out = []
    for path in sorted(root.rglob("*")):
        mode = stat.S_IMODE(path.lstat().st_mode)
        want = 0o700 if path.is_dir() else 0o600
        if mode & ~want:
            out.append(f"{path.relative_to(root)}: {mode:o}")
    return out


def assert_nothing_leaked(home: Path, cookies: set[str], out: bytes, err: bytes,
                          seen: dict[int, tuple[bytes, bytes]]) -> None:
    """The password nowhere; the cookies only in the 0600 session file; every mode private."""
    session = home / "data" / "session.json"
    assert cookies, "the run logged in, so there is a cookie to look for"
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    needles = {"password": PASSWORD} | {f"cookie {n}": c for n, c in enumerate(sorted(cookies))}
    found = [h for h in hits(home, needles) if not h.startswith("data/session.json: cookie")]
    assert found == [], found
    for name, value in needles.items():
        assert value.encode() not in out and value.encode() not in err, f"{name} in the output"
        for pid, (argv, environ) in seen.items():
            assert value.encode() not in argv, f"{name} in the argv of {pid}: {argv[:200]!r}"
            assert value.encode() not in environ, f"{name} in the environment of {pid}"
    assert loose_modes(home) == []


def test_demo_leaves_no_password_and_the_cookie_only_in_the_0600_session_file(desktop_session, chromium,
                                                                               tmp_path):
    env = dict(desktop_session.env)
    good = tmp_path / "good.toml"
    good.write_text(recognisable_story(), encoding="utf-8")
    changed = tmp_path / "changed.toml"  # a changed layout: the redacted page is saved
    changed.write_text(recognisable_story('\n[faults]\nlayout_changed = ["contracts"]\n'), encoding="utf-8")
    home = tmp_path / "home"
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "-vv", "demo", "--json", "--home", str(home),
                             "--scenario", str(good), "--scenario", str(changed), "--scenario", str(good)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watch = ProcessWatch(proc.pid)
    out, err = proc.communicate(timeout=300)
    seen = watch.stop()
    assert proc.returncode == 20, err.decode()  # the middle scan was unhealthy: the code of `cwwatch scan`
    results = [json.loads(line) for line in out.decode().splitlines()]
    assert [r["healthy"] for r in results] == [True, False, True]
    saved = results[1]["problems"][0]["saved"]
    assert saved and Path(saved).is_file() and str(home) in saved

    assert_nothing_leaked(home, cookies_in(home / "data" / "session.json"), out, err, seen)
    assert EMAIL not in Path(saved).read_text(encoding="utf-8"), "the saved page is redacted"
    assert len(seen) >= 3, "the watch saw the demo, its Playwright driver and Chromium"


def test_a_daemon_cycle_leaves_no_password_and_the_cookie_only_in_the_session_file(desktop_session, chromium,
                                                                                   tmp_path):
    env = dict(desktop_session.env)
    sc = scenario_from(recognisable_story().replace('now = "2026-11-20T10:00:00+09:00"\n', ""))
    keyring.set_password("cwwatch", EMAIL, PASSWORD)
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True, mode=0o700)
    config = home / "config" / "config.toml"
    fd = os.open(config, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with SampleSite(sc) as site:
            assert site.httpd.server_address[0] == "127.0.0.1"
            os.write(fd, (f'base_url = "{site.url}"\nemail = "{EMAIL}"\nmin_interval_s = 0\n'
                          'scan_interval_min = 0.1\nscan_jitter_s = 0\nactive_hours = "00:00-24:00"\n'
                          'quiet_hours = ""\nhealth_notify_after = 1\n').encode())
            os.close(fd)
            proc = subprocess.Popen([sys.executable, "-m", "watcher", "-vv", "daemon"],
                                    env=dict(env, CWWATCH_HOME=str(home)), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            watch = ProcessWatch(proc.pid)
            try:
                wait_for(lambda: len(scans(home)) >= 1, 120, "the first scan")
                changed = scenario_from(recognisable_story('\n[faults]\nlayout_changed = ["contracts"]\n')
                                        .replace('now = "2026-11-20T10:00:00+09:00"\n', ""))
                site.set_scenario(changed)
                wait_for(lambda: len(scans(home)) >= 2, 120, "a scan of the changed page")
                pages = dashboard_pages(home / "state")
            finally:
                proc.send_signal(signal.SIGTERM)
                out, err = proc.communicate(timeout=30)
                seen = watch.stop()
            tokens = set(site.sessions)
    finally:
        keyring.delete_password("cwwatch", EMAIL)
    assert [h for _, h in scans(home)][:2] == [1, 0]
    cookies = cookies_in(home / "data" / "session.json") | tokens
    assert_nothing_leaked(home, cookies, out, err, seen)
    assert list((home / "state").rglob("*.html")), "the changed page was saved"
    # The dashboard the daemon served: no password, no site cookie, no dashboard key or cookie on any page
    assert {"/", "/scans", "/contracts/963659463"} <= set(pages) and any(p.startswith("/evidence/") for p in pages)
    key = dashlink.secret(home / "state")
    needles = {"password": PASSWORD, "dashboard key": key, "dashboard cookie": derive(key, "cookie")}
    needles |= {f"cookie {n}": c for n, c in enumerate(sorted(cookies))}
    leaks = [f"{path}: {name}" for path, body in pages.items() for name, value in needles.items()
             if value.encode() in body]
    assert leaks == [], leaks
    assert list((home / "log").rglob("*.log")), "the daemon wrote its log"
    scan_children = [argv for argv, _ in seen.values() if b"scan" in argv and b"watcher" in argv]
    assert scan_children, "the watch saw the daemon's scan child"


def dashboard_pages(state: Path) -> dict[str, bytes]:
    """Every page the running daemon's dashboard shows (the board, each contract, the scans and the
    saved pages they link), fetched as a browser would: the key once, then its cookie."""
    link = dashlink.link(state, "/")
    assert link is not None, "the daemon serves no dashboard"
    origin = link.split("/?")[0]
    host = origin.removeprefix("http://")
    with urllib.request.urlopen(link, timeout=10) as resp:
        cookie = resp.headers["set-cookie"].split(";")[0]
    pages: dict[str, bytes] = {}
    todo = ["/", "/scans"]
    while todo:
        path = todo.pop()
        if path in pages:
            continue
        req = urllib.request.Request(origin + path, headers={"Cookie": cookie, "Host": host})
        with urllib.request.urlopen(req, timeout=10) as resp:
            pages[path] = resp.read()
        if not path.startswith("/evidence/"):
            todo += re.findall(r'href="(/(?:contracts/\d+|evidence/[^"]+))"', pages[path].decode())
    return pages


def _outside_address() -> str | None:
    """This machine's address on its network (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the route
            addr = s.getsockname()[0]
        except OSError:
            return None
    return None if addr.startswith("127.") else addr


def test_the_sample_site_is_reachable_on_loopback_only():
    with SampleSite(scenario_from(recognisable_story())) as site:
        host, port = site.httpd.server_address[:2]
        assert host == "127.0.0.1"
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        outside = _outside_address()
        if outside is not None:
            with pytest.raises(OSError):
                socket.create_connection((outside, port), timeout=2).close()
