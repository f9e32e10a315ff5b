"""watcher/dashlink.py: where the dashboard is announced, its secret, and the links that lead to it
(a notification's click, ``cwwatch open``). Real files and real loopback sockets."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from watcher import dashlink


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # never accepted: each connect waits in the backlog
    yield sock
    sock.close()


def test_the_secret_is_made_once_kept_private_and_url_safe(tmp_path: Path) -> None:
    state = tmp_path / "state"
    one = dashlink.secret(state)
    assert len(one) >= 43 and all(c.isalnum() or c in "-_" for c in one)
    assert dashlink.secret(state) == one
    f = state / dashlink.SECRET_FILE
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700


def test_a_short_or_broken_secret_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / dashlink.SECRET_FILE).write_text("short\n")
    value = dashlink.secret(tmp_path)
    assert len(value) >= 43 and value != "short"


def test_the_announcement_holds_no_secret_and_is_private(tmp_path: Path, listening: socket.socket) -> None:
    port = listening.getsockname()[1]
    key = dashlink.secret(tmp_path)
    dashlink.announce(tmp_path, port)
    f = tmp_path / dashlink.WHERE_FILE
    data = json.loads(f.read_text())
    assert data["port"] == port and data["pid"] == os.getpid() and "started_at" in data
    assert key not in f.read_text()
    assert stat.S_IMODE(f.stat().st_mode) == 0o600


def test_link_to_a_live_server_carries_the_key(tmp_path: Path, listening: socket.socket) -> None:
    port = listening.getsockname()[1]
    dashlink.announce(tmp_path, port)
    key = dashlink.secret(tmp_path)
    assert dashlink.reachable(tmp_path) == dashlink.Where(port, os.getpid())
    assert dashlink.link(tmp_path, dashlink.contract_path(963659463)) == \
        f"http://127.0.0.1:{port}/contracts/963659463?key={key}"
    assert dashlink.link(tmp_path, "/scans?x=1") == f"http://127.0.0.1:{port}/scans?x=1&key={key}"


def test_no_link_without_a_server(tmp_path: Path, listening: socket.socket) -> None:
    assert dashlink.link(tmp_path) is None  # nothing announced
    port = listening.getsockname()[1]
    listening.close()  # announced, but nobody listens
    dashlink.announce(tmp_path, port)
    assert dashlink.reachable(tmp_path) is None and dashlink.link(tmp_path) is None


def test_no_link_when_the_announcing_process_is_gone(tmp_path: Path, listening: socket.socket) -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = int(done.stdout)
    (tmp_path / dashlink.WHERE_FILE).write_text(json.dumps({"port": listening.getsockname()[1], "pid": gone}))
    assert dashlink.reachable(tmp_path) is None


@pytest.mark.parametrize("text", ["", "{", "[]", '{"port": "x", "pid": 1}', '{"pid": 1}'])
def test_a_broken_announcement_is_not_reachable(tmp_path: Path, text: str) -> None:
    (tmp_path / dashlink.WHERE_FILE).write_text(text)
    assert dashlink.announced(tmp_path) is None and dashlink.link(tmp_path) is None


def test_withdraw_removes_only_this_processs_announcement(tmp_path: Path) -> None:
    (tmp_path / dashlink.WHERE_FILE).write_text(json.dumps({"port": 1, "pid": os.getpid() + 1}))
    dashlink.withdraw(tmp_path)
    assert (tmp_path / dashlink.WHERE_FILE).exists()
    dashlink.announce(tmp_path, 2)
    dashlink.withdraw(tmp_path)
    assert not (tmp_path / dashlink.WHERE_FILE).exists()


def test_contract_path_is_the_dashboards_route() -> None:
    assert dashlink.contract_path(963659463) == "/contracts/963659463"
    assert dashlink.contract_path("12") == "/contracts/12"  # type: ignore[arg-type]
