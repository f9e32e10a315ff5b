"""Helpers and fixtures for tests that run ``cwwatch daemon`` or ``cwwatch scan`` as a subprocess.

A plugin (``conftest.pytest_plugins``): test modules import these helpers from here, never from one
another (``tests/test_layout.py`` checks that). ``wait_for`` is the one way to wait: for a
condition, with a generous deadline, never a fixed sleep.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

from watcher.sample.server import SampleSite

EMAIL = "hanako@example.com"


def start_daemon(home: Path, site: SampleSite, env: dict[str, str], interval_min: float = 0.1,
                 extra: str = "") -> subprocess.Popen[str]:
    """``cwwatch daemon`` in ``home`` against ``site``, scanning every ``interval_min`` minutes."""
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(
        f'base_url = "{site.url}"\nemail = "{EMAIL}"\nmin_interval_s = 0\nscan_interval_min = {interval_min}\n'
        f'scan_jitter_s = 0\nactive_hours = "00:00-24:00"\nquiet_hours = ""\n{extra}', encoding="utf-8")
    return subprocess.Popen([sys.executable, "-m", "watcher", "daemon"], env=dict(env, CWWATCH_HOME=str(home)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _read_only(home: Path, sql: str) -> list[tuple[Any, ...]]:
    db = home / "data" / "cwwatch.sqlite3"
    if not db.exists():
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not made yet, or busy past the timeout
        return []
    finally:
        con.close()


def scans(home: Path) -> list[tuple[int, int]]:
    """(id, healthy) of every recorded scan in ``home``'s history (none before the first)."""
    return _read_only(home, "SELECT id, healthy FROM scans ORDER BY id")


def outbox(home: Path) -> list[str]:
    """The titles of the notes still waiting in ``home``'s outbox."""
    return [r[0] for r in _read_only(home, "SELECT title FROM outbox ORDER BY id")]


def wait_for(pred: Callable[[], object], timeout: float, what: str,
             proc: subprocess.Popen[str] | None = None, every: float = 0.1) -> None:
    """Wait until ``pred()`` is true, up to ``timeout`` seconds (be generous: the machine may be
    busy). Fails naming ``what``; fails at once when ``proc`` (the daemon) exits meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return
        if proc is not None and proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"the daemon exited ({proc.returncode}) waiting for {what}:\n{err}")
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, name) of every process below ``pid`` (Linux ``/proc``)."""
    kids: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                name, rest = stat.split("(", 1)[1].rsplit(")", 1)
                ppid = int(rest.split()[1])
            except (OSError, ValueError, IndexError):  # gone meanwhile
                continue
            kids.setdefault(ppid, []).append(int(entry))
            names[int(entry)] = name
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append((k, names.get(k, "")))
            todo.append(k)
    return out


def rss_mb(pid: int) -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:  # ended meanwhile
        return 0.0
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stop(proc: subprocess.Popen[str]) -> float:
    """SIGTERM, then wait for the end (15 s at most): the seconds it took."""
    t = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=15)
    return time.monotonic() - t


def record(row: dict[str, Any]) -> None:
    """One row of the fault matrix, appended to ``CWWATCH_MATRIX_OUT`` when it is set."""
    out = os.environ.get("CWWATCH_MATRIX_OUT")
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


@pytest.fixture
def password(desktop_session: object) -> Iterator[None]:
    """``EMAIL``'s password (``demo-pass``, the sample site's) in the test session's real keyring."""
    keyring.set_password("cwwatch", EMAIL, "demo-pass")
    yield
    keyring.delete_password("cwwatch", EMAIL)
