"""The daemon serves the dashboard (docs/dashboard.md): uvicorn in a thread of the daemon's process,
on 127.0.0.1, announced for ``cwwatch open`` and the notifications' links while it runs.

The web stack (Starlette, uvicorn, Jinja2) is imported only here, and only when the config's
``dashboard`` is true: a daemon with the dashboard off does not load it. A server that cannot start
(the configured port taken) is logged and the daemon scans on without it; it never stops the daemon.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from loguru import logger

from watcher.i18n import _

if TYPE_CHECKING:
    from watcher.daemon.scheduler import Daemon
    from watcher.views import SiteView
    from watcher.web.serve import Server


def next_scan(daemon: Daemon) -> datetime | None:
    """When the scheduler runs the next scan (aware, Japan time); None before it starts or after."""
    sched: Any = getattr(daemon, "_scheduler", None)
    if sched is None or daemon.stopping.is_set():
        return None
    try:
        job = sched.get_job("scan")
    except Exception:  # the scheduler is shutting down
        return None
    return None if job is None else job.next_run_time


@contextlib.contextmanager
def serving(daemon: Daemon, site: SiteView, enabled: bool, port: int = 0,
            doctor: Callable[[], Sequence[tuple[str, str, str]]] | None = None) -> Iterator[Server | None]:
    """The dashboard served while the block runs (None when off or when it could not start)."""
    if not enabled:
        yield None
        return
    from watcher.web.pages import Dashboard
    from watcher.web.serve import Server

    dash = Dashboard(paths=daemon.paths, site=site, clock=daemon.clock, next_scan=lambda: next_scan(daemon),
                     doctor=doctor)
    try:
        server = Server(dash, port).start()
    except (OSError, RuntimeError) as exc:
        logger.warning(_("the dashboard could not start on 127.0.0.1:{port} ({error}); scanning goes on "
                         "without it").format(port=port, error=getattr(exc, "strerror", None) or exc))
        yield None
        return
    logger.info(_("dashboard: {origin} (cwwatch open shows it)").format(origin=server.origin))
    try:
        yield server
    finally:
        server.stop()
