"""``cwwatch open`` (watcher/cli/open.py) as a person runs it, and the web stack loaded only when the
dashboard serves. Real processes, real sockets; no browser (the pages in Chromium:
tests/test_dashboard_browser.py)."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemonfixtures import wait_for
from watcher import dashlink
from watcher.paths import Paths
from watcher.web.pages import Dashboard
from watcher.web.serve import Server
from watcher.wiring import load_env

WEB = ("starlette", "uvicorn", "jinja2", "watcher.web")


def _get(url: str, cookie: str | None = None) -> tuple[int, str, str]:
    origin, _sep, rest = url.removeprefix("http://").partition("/")
    host, port = origin.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/" + rest, headers={"Cookie": cookie} if cookie else {})
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    return resp.status, (resp.getheader("set-cookie") or "").split(";")[0], body


@pytest.fixture
def opened(home: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``cwwatch --home HOME open --print-url --now STORY`` running; its first line, the address."""
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "--home", str(home), "open", "--print-url",
                             "--now", "2026-11-20T10:00:00+09:00"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, LANGUAGE="ja"))
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    try:
        yield proc, line
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)


def test_open_print_url_serves_the_board_until_stopped(opened: tuple[subprocess.Popen[str], str], home: Path) -> None:
    proc, url = opened
    assert url.startswith("http://127.0.0.1:") and "?key=" in url
    status, cookie, _body = _get(url)
    assert status == 200 and cookie
    status, _c, board = _get(url.split("?")[0], cookie)
    assert status == 200 and "旅行スポット紹介記事 5本" in board and "検収期限切れ" in board
    state = Paths.under(home).state_dir
    assert dashlink.reachable(state) is not None
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    assert dashlink.announced(state) is None, "the announcement outlived the server"
    out = proc.stdout.read() if proc.stdout else ""
    assert "ダッシュボード" in out
    assert url.split("key=")[1] not in (proc.stderr.read() if proc.stderr else "")


def test_lang_en_serves_the_pages_in_english(home: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "--home", str(home), "open", "--print-url", "--lang",
                             "en", "--now", "2026-11-20T10:00:00+09:00"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        _s, cookie, _b = _get(url)
        _s, _c, board = _get(url.split("?")[0], cookie)
        assert '<html lang="en">' in board and "Needs action" in board and "acceptance overdue" in board
        assert "対応が必要" not in board
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)


def test_open_gives_the_browser_a_private_file_never_the_key_in_its_argv(home: Path, tmp_path: Path) -> None:
    seen = tmp_path / "argv.txt"
    fake = tmp_path / "browser.sh"  # the person's browser, as $BROWSER names it (webbrowser's own rule)
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {seen}\n')
    fake.chmod(0o755)
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "--home", str(home), "open", "--now",
                             "2026-11-20T10:00:00+09:00"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, BROWSER=str(fake), LANGUAGE="ja"))
    try:
        wait_for(lambda: seen.exists() and seen.read_text().strip(), 30, "the browser to be started")
        key = dashlink.secret(Paths.under(home).state_dir)
        argv = seen.read_text()
        assert key not in argv
        opened = Path(argv.strip().removeprefix("file://"))
        assert opened.parent == Paths.under(home).state_dir and (opened.stat().st_mode & 0o077) == 0
        where = dashlink.reachable(Paths.under(home).state_dir)
        assert where is not None and f"{where.origin}/?key={key}" in opened.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""


def test_open_uses_the_dashboard_already_served(home: Path) -> None:
    paths = Paths.under(home)
    server = Server(Dashboard(paths=paths, site=load_env(None, None, paths), clock=lambda: None)).start()  # type: ignore[arg-type,return-value]
    try:
        done = subprocess.run([sys.executable, "-m", "watcher", "--home", str(home), "open", "--print-url"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == server.link("/")
    finally:
        server.stop()


def test_open_refuses_a_bad_port_in_one_line(home: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "watcher", "--home", str(home), "open", "--print-url",
                           "--port", "70000"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_the_other_commands_and_a_daemon_without_the_dashboard_do_not_load_the_web_stack() -> None:
    code = ("import sys\n"
            "from watcher.cli import main\n"
            "from watcher.daemon import dashboard\n"
            "with dashboard.serving(None, None, False) as s:\n"
            "    assert s is None\n"
            f"loaded = [m for m in {WEB!r} if m in sys.modules]\n"
            "assert not loaded, loaded\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_a_dashboard_port_taken_is_said_in_one_line_not_a_traceback(home: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "watcher", "--home", str(home), "open", "--print-url",
                               "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr and str(port) in done.stderr
    wait_for(lambda: dashlink.announced(Paths.under(home).state_dir) is None, 5, "no announcement")
