"""The dashboard served by uvicorn in a thread of this process, on 127.0.0.1 only.

:class:`Server` binds the socket itself (so the port is known before the first request, and the
guards check ``Host`` against it), runs uvicorn's loop in a daemon thread, announces the address
(``dashlink.announce``) once uvicorn listens, and withdraws it when stopped. The daemon
(``watcher/daemon/dashboard.py``) and ``cwwatch open`` both use it.

Errors: OSError from :meth:`Server.start` when the port cannot be bound (in use, not allowed);
RuntimeError when uvicorn does not come up within ``timeout`` seconds.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

from loguru import logger

from watcher import dashlink
from watcher.web import pages
from watcher.web.app import build

HOST = dashlink.HOST


class Server:
    """One dashboard server. ``port=0``: any free port."""

    def __init__(self, dash: pages.Dashboard, port: int = 0) -> None:
        self.dash = dash
        self.port = port
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._uvicorn: object | None = None

    def start(self, timeout: float = 15.0) -> Server:
        """Bind, serve in a thread, announce; returns once it answers."""
        import uvicorn

        state_dir = self.dash.paths.state_dir
        secret = dashlink.secret(state_dir)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, self.port))
        except OSError:
            sock.close()
            raise
        sock.listen(64)
        self.port = sock.getsockname()[1]
        self._sock = sock
        app = build(self.dash, secret, lambda: self.port)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                server_header=False, date_header=False, proxy_headers=False,
                                timeout_graceful_shutdown=2)
        server = uvicorn.Server(config)
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # the owner's signals
        self._uvicorn = server

        def run() -> None:
            try:
                asyncio.run(server.serve(sockets=[sock]))
            except Exception as exc:  # the dashboard failing must not take the daemon with it
                logger.warning("the dashboard stopped: {}", type(exc).__name__)

        self._thread = threading.Thread(target=run, name="cwwatch-dashboard", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the dashboard did not start")
            time.sleep(0.02)
        dashlink.announce(state_dir, self.port)
        return self

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    def link(self, path: str = "/") -> str:
        """This server's address of ``path`` with the key (for ``cwwatch open``: never logged)."""
        return dashlink.link(self.dash.paths.state_dir, path, where=dashlink.Where(self.port, 0)) or ""

    def stop(self) -> None:
        """Withdraw the announcement and stop serving (within a few seconds)."""
        dashlink.withdraw(self.dash.paths.state_dir)
        server = self._uvicorn
        if server is not None:
            server.should_exit = True  # type: ignore[attr-defined]
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
            self._sock = None
