"""``cwwatch scan``: one scan of the configured account."""

from __future__ import annotations

import argparse
import json
import sys

from watcher import wiring
from watcher.cli import common
from watcher.i18n import _


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("scan", help=_("scan the account once and notify what is new"),
                       description=_("Scan the account once. Exit codes: 0 healthy and nothing to "
                                     "act on, 10 healthy with open findings, 20 unhealthy, 2 bad usage or "
                                     "config, 1 other failure."))
    p.add_argument("--json", action="store_true", help=_("print one JSON object (schema 1)"))
    p.add_argument("--no-notify", action="store_true", help=_("no desktop notifications"))
    p.add_argument("--defer-notify", action="store_true", help=argparse.SUPPRESS)  # the daemon delivers
    p.add_argument("--wait-lock", type=float, default=120.0, metavar=_("SECONDS"),
                   help=_("wait this long for another running scan to finish (default 120)"))
    p.add_argument("--full", action="store_true",
                   help=_("read every workroom and awaited profile, not only what can have changed"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    env = wiring.env_of(args)
    console = sys.stderr if args.json else sys.stdout
    notifier = None if args.defer_notify else wiring.notifier_of(env.config, console, desktop=not args.no_notify)
    try:
        with wiring.scanning(env, notifier, wiring.keyring_credentials(env.config.email, env.config.keyring_timeout_s),
                             wait_lock=args.wait_lock) as ctx:
            from watcher.scan import run_scan

            with common.progress(enabled=not args.json and sys.stderr.isatty()) as on_page:
                ctx.on_page = on_page
                result = run_scan(ctx, full=args.full)
            names = {} if args.json else common.contract_names(ctx.store, result)
            clients = {} if args.json else common.client_names(ctx.store, result)
    finally:
        if notifier is not None:
            notifier.close()
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
    else:
        common.print_summary(result, sys.stdout, names, clients)
    return int(common.exit_code(result))
