"""``cwwatch demo``: the whole tool against the bundled sample site, with a throwaway profile.

Each scenario file is one state of one account, scanned in order, so the alert ledger carries
over: a second identical state notifies nothing. "Now" is each scenario's ``now``. The user's
own keyring, config and history are never touched.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from watcher.cli import common
from watcher.errors import Exit
from watcher.jptime import format_jst
from watcher.keychain import Credentials
from watcher.paths import Paths
from watcher.sample.scenario import Scenario, bundled_story, load_scenario

if TYPE_CHECKING:
    from watcher.sample.server import SampleSite
    from watcher.scan import ScanContext


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="try cwwatch on the bundled sample site",
                       description="Start the sample site and scan it once per scenario file, "
                       "in order, as successive states of one account. Without --scenario, plays "
                       "the bundled story.")
    p.add_argument("--scenario", action="append", metavar="FILE", default=[],
                   help="a scenario TOML file (repeatable; see docs/scenario.md)")
    p.add_argument("--json", action="store_true", help="print one JSON object per scan")
    p.add_argument("--no-notify", action="store_true", help="no desktop notifications")
    p.add_argument("--home", metavar="DIR",
                   help="keep the demo's data here instead of a temporary folder")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    files = [Path(f) for f in args.scenario] or bundled_story()
    scenarios = [load_scenario(f) for f in files]  # every file checked before anything starts
    if args.home:
        return _play(args, scenarios, Paths.under(Path(args.home).expanduser()))
    with tempfile.TemporaryDirectory(prefix="cwwatch-demo-") as tmp:
        return _play(args, scenarios, Paths.under(Path(tmp)))


def _play(args: argparse.Namespace, scenarios: list[Scenario], paths: Paths) -> int:
    from watcher.sample.server import SampleSite

    env = common.load_env(None, args.selectors, paths)
    out = sys.stdout
    console = sys.stderr if args.json else sys.stdout
    notifier = common.make_notifier(not args.no_notify, console)
    current: list[Scenario] = [scenarios[0]]

    def credentials() -> Credentials:
        w = current[0].worker
        return Credentials(w.email, w.password)

    try:
        with SampleSite(scenarios[0]) as site:
            env = common.with_config(env, base_url=site.url, min_interval_s=0.0, page_timeout_s=15.0,
                                     settle_s=0.5, source="<demo>")
            with common.scanning(env, notifier, credentials, clock=lambda: current[0].now,
                                 health_notify_after=1) as ctx:
                _play_all(args, scenarios, current, site, ctx, out)
    finally:
        notifier.close()
    return int(Exit.OK)


def _play_all(args: argparse.Namespace, scenarios: list[Scenario], current: list[Scenario],
              site: SampleSite, ctx: ScanContext, out: TextIO) -> None:
    from watcher.scan import run_scan

    store = ctx.store
    for n, sc in enumerate(scenarios, start=1):
        if sc is not current[0]:
            store.clear_login_block()  # a new state of the account: like `cwwatch login`
        current[0] = sc
        site.set_scenario(sc)
        if not args.json:
            print(f"── {n}/{len(scenarios)}: {sc.source} "
                  f"（{format_jst(sc.now)} の状態）──", file=out, flush=True)
        result = run_scan(ctx)
        if args.json:
            line = result.to_json() | {"scenario": sc.source}
            print(json.dumps(line, ensure_ascii=False), file=out, flush=True)
        else:
            common.print_summary(result, out)
