"""``cwwatch open``: the local dashboard in the person's browser (docs/dashboard.md).

When the daemon (or another ``cwwatch open``) already serves it, its address is used; otherwise this
command serves it itself, on 127.0.0.1, until Ctrl-C or SIGTERM. The browser is not given the
address with its key on its command line (another user could read the argv): it opens a 0600 file
in the state folder that moves on to the address, as Jupyter does. ``--print-url`` prints the
address with its key instead of opening a browser (and keeps serving). ``--home`` and ``--lang``
work as everywhere; in a demo home the pages judge at the story's clock.
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from watcher import dashlink, wiring
from watcher.cli.common import add_now_option, now_of
from watcher.cli.doctor import doctor_of
from watcher.errors import ConfigError
from watcher.i18n import _


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("open", help=_("open the dashboard in your browser"),
                       description=_("Open the local dashboard (board, contracts, scans) in your browser. The "
                                     "running daemon serves it; without one this command serves it until "
                                     "Ctrl-C. Only this computer can reach it (127.0.0.1), and only with the "
                                     "key this command passes once."))
    p.add_argument("--print-url", action="store_true",
                   help=_("print the address (with its key) instead of opening a browser"))
    p.add_argument("--port", type=int, default=0, metavar=_("PORT"),
                   help=_("the port to serve on when no daemon serves (default: any free port)"))
    add_now_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    env = wiring.env_of(args)
    state_dir = env.paths.state_dir
    if not 0 <= args.port <= 65535:
        raise ConfigError(_("--port: {port} is not a port (0 to 65535)").format(port=args.port))
    where = dashlink.reachable(state_dir)
    if where is not None:
        url = dashlink.link(state_dir, "/", where=where) or ""
        if args.print_url:
            print(url, flush=True)
        else:
            dashlink.open_in_browser(state_dir, url)
            print(_("The dashboard is open in your browser (served by the running daemon: {origin}).").format(
                origin=where.origin), flush=True)
        return 0

    from watcher.web.pages import Dashboard
    from watcher.web.serve import Server

    now_args = argparse.Namespace(now=getattr(args, "now", None))
    dash = Dashboard(paths=env.paths, site=env, clock=lambda: now_of(now_args), doctor=doctor_of(args, env))
    try:
        server = Server(dash, args.port).start()
    except OSError as exc:
        raise ConfigError(_("the dashboard cannot listen on 127.0.0.1:{port}: {error}").format(
            port=args.port, error=exc.strerror or exc)) from None
    stop = threading.Event()

    def on_signal(*_a: Any) -> None:
        stop.set()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        url = server.link("/")
        if args.print_url:
            print(url, flush=True)
        else:
            dashlink.open_in_browser(state_dir, url)
        print(_("The dashboard: {origin} (Ctrl-C stops it).").format(origin=server.origin), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for s, h in old.items():
            signal.signal(s, h)
    return 0
