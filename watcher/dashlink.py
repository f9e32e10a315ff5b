"""Where the local dashboard can be reached, and the links that lead to it.

The dashboard's server (the daemon's, or ``cwwatch open``'s) *announces* itself by writing
``<state>/dashboard.json`` (``{"port": int, "pid": int, "started_at": ISO-8601 UTC}``, mode 0600) once it
listens on 127.0.0.1, and *withdraws* it when it stops. The secret that opens the dashboard lives in
``<state>/dashboard-secret`` (mode 0600) and never in the announcement, a log line or an argv.

:func:`link` gives the address of a dashboard page with the secret as ``?key=`` (the page swaps it for a
cookie and drops it from the address) only when the announced server is alive and answers a TCP connect
on the loopback; otherwise None, so that a notification's click falls back to the CrowdWorks page.
:func:`open_in_browser` opens such a link without the key on the browser's command line.

Only files and a loopback connect: no store, no browser. Errors: none raised for a missing, stale or
unreadable announcement (it is "not reachable"); :func:`announce` and :func:`secret` raise OSError when the
state folder cannot be written.
"""

from __future__ import annotations

import html
import json
import os
import secrets as _secrets
import socket
import webbrowser
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from watcher.paths import make_private_dirs, write_private

WHERE_FILE = "dashboard.json"
SECRET_FILE = "dashboard-secret"
OPEN_FILE = "dashboard-open.html"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Where:
    port: int
    pid: int

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"


def contract_path(contract_id: int) -> str:
    """The dashboard's page of one contract."""
    return f"/contracts/{int(contract_id)}"


def secret(state_dir: Path) -> str:
    """The dashboard's secret (URL-safe, 43 characters), made once and kept in a 0600 file."""
    path = state_dir / SECRET_FILE
    try:
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        value = ""
    if len(value) >= 32:
        return value
    make_private_dirs(state_dir)
    value = _secrets.token_urlsafe(32)
    write_private(path, value + "\n")
    return value


def announce(state_dir: Path, port: int) -> None:
    """Say that this process serves the dashboard on 127.0.0.1:``port``."""
    make_private_dirs(state_dir)
    data = {"port": int(port), "pid": os.getpid(), "started_at": datetime.now(UTC).isoformat()}
    write_private(state_dir / WHERE_FILE, json.dumps(data) + "\n")


def withdraw(state_dir: Path) -> None:
    """Remove the announcement if it is this process's own (another server's is left alone)."""
    where = announced(state_dir)
    if where is not None and where.pid == os.getpid():
        (state_dir / WHERE_FILE).unlink(missing_ok=True)


def announced(state_dir: Path) -> Where | None:
    """The announcement as written, whether or not its server still lives."""
    try:
        data = json.loads((state_dir / WHERE_FILE).read_text(encoding="utf-8"))
        return Where(port=int(data["port"]), pid=int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def reachable(state_dir: Path, timeout_s: float = 0.5) -> Where | None:
    """The announced server if its process lives and 127.0.0.1:port accepts a connection, else None."""
    where = announced(state_dir)
    if where is None or not _alive(where.pid):
        return None
    try:
        with socket.create_connection((HOST, where.port), timeout=timeout_s):
            return where
    except OSError:
        return None


def link(state_dir: Path, path: str = "/", *, where: Where | None = None) -> str | None:
    """``http://127.0.0.1:PORT{path}?key=SECRET`` when the dashboard can be reached, else None."""
    where = where or reachable(state_dir)
    if where is None:
        return None
    sep = "&" if "?" in path else "?"
    return f"{where.origin}{path}{sep}key={quote(secret(state_dir), safe='')}"


def open_in_browser(state_dir: Path, url: str) -> bool:
    """Open ``url`` (a dashboard link with its key) in the person's browser without putting the key on
    the browser's command line, where another user could read it: the browser is given a 0600 page in
    the state folder (:data:`OPEN_FILE`) that moves on to ``url``, as Jupyter does. Returns what
    :func:`webbrowser.open` says (False: no browser could be started). OSError: the page cannot be written."""
    page = state_dir / OPEN_FILE
    target = html.escape(url, quote=True)
    write_private(page, f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={target}">'
                        f'<title>cwwatch</title><a href="{target}">cwwatch</a>\n')
    return webbrowser.open(page.as_uri())
