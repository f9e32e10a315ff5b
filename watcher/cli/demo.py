"""``cwwatch demo``: the whole tool against the bundled sample site, in a home of its own.

Each scenario file is one state of one account, scanned in order, so the alert ledger carries
over: a second identical state notifies nothing. "Now" is each scenario's ``now``. The user's
own keyring, config and history are never touched.

The demo keeps what it found in a named folder (``--home DIR``, else ``CWWATCH_HOME``, else
:data:`DEMO_HOME`) so that ``cwwatch --home DIR status`` can show it afterwards. It marks the folder
with :func:`common.demo_marker`, which also holds the story's clock for ``status`` and ``report``;
each run clears what the previous one made, and a folder without the marker that is not empty is
refused (exit 2).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import platformdirs

from watcher import wiring
from watcher.cli import common
from watcher.daemon import locks
from watcher.errors import ConfigError, Exit
from watcher.i18n import _
from watcher.jptime import JST
from watcher.keychain import Credentials
from watcher.paths import HOME_ENV, Paths, write_private
from watcher.report.words import fmt_time
from watcher.sample.scenario import Scenario, bundled_story, load_scenario

if TYPE_CHECKING:
    from watcher.sample.server import SampleSite
    from watcher.scan import ScanContext, ScanResult

DEMO_HOME = Path(platformdirs.user_state_dir("cwwatch-demo"))
"""The demo's home without ``--home`` (``~/.local/state/cwwatch-demo`` on Linux)."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help=_("try cwwatch on the bundled sample site"),
                       description=_("Start the sample site and scan it once per scenario file, "
                                     "in order, as successive states of one account. Without --scenario, plays "
                                     "the bundled story. The demo keeps its data in a folder of its own: --home "
                                     "{dir} (or {env}), else {default}. Each run first clears what the previous "
                                     "run left there (it refuses a folder that is neither empty nor a demo home) "
                                     "and ends with the command that shows the result: cwwatch --home {dir} "
                                     "status. Exit codes as for scan: 0 nothing found, 10 findings open after the "
                                     "last state, 20 when a scan was unhealthy, 2 bad usage or scenario "
                                     "file.").format(dir=_("DIR"), env=HOME_ENV, default=DEMO_HOME))
    p.add_argument("--scenario", action="append", metavar=_("FILE"), default=[],
                   help=_("a scenario TOML file (repeatable; see docs/scenario.md)"))
    p.add_argument("--json", action="store_true",
                   help=_("print one JSON object per scan (and the rest on stderr)"))
    p.add_argument("--no-notify", action="store_true", help=_("no desktop notifications"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    files = [Path(f) for f in args.scenario] or bundled_story()
    scenarios = [load_scenario(f) for f in files]  # every file checked before anything starts
    home, source = _home(args)
    paths = Paths.under(home)
    env = wiring.load_env(None, args.selectors, paths)  # checked before anything is cleared
    _prepare(home, source, paths, scenarios[-1])
    console = sys.stderr if args.json else sys.stdout
    print(_("The demo keeps its data in: {home} (made anew at every run)").format(home=home), file=console,
          flush=True)
    results = _play(args, scenarios, env)
    code = Exit.UNHEALTHY if any(not r.healthy for r in results) else common.exit_code(results[-1])
    where = f"{_command()} --home {shlex.quote(str(home))}"
    print(_("In your browser (the dashboard): {command}").format(command=f"{where} open"), file=console, flush=True)
    print(_("To see the result: {command}").format(command=f"{where} status"), file=console, flush=True)
    return int(code)


# -- the demo's home -------------------------------------------------------------------------------


def _home(args: argparse.Namespace) -> tuple[Path, str]:
    """The folder, and where it comes from: ``--home`` (main has put it into the environment), else
    ``CWWATCH_HOME``, else DEMO_HOME."""
    given = os.environ.get(HOME_ENV)
    if not given:
        return DEMO_HOME, _("the default")
    return Path(os.path.abspath(Path(given).expanduser())), "--home" if args.home else HOME_ENV


def _prepare(home: Path, source: str, paths: Paths, last: Scenario) -> None:
    """Make ``home`` the demo's, empty of any previous run: clear what a run makes (the history, the
    session, saved pages, logs; a config/ of the user's is kept), then write the marker with the
    story's clock. Raises ConfigError for a folder that is not empty and not a demo home."""
    marker = common.demo_marker(home)
    if home.exists() and not home.is_dir():
        raise ConfigError(_("demo home {home} ({source}): not a folder").format(home=home, source=source))
    if home.is_dir() and not marker.is_file() and any(home.iterdir()):
        raise ConfigError(_("{home} ({source}) is not a demo home (no {marker}) and not empty: the demo clears its "
                            "home at every run, so it leaves this folder alone; give it another with {command}").format(
            home=home, source=source, marker=marker.name, command=f"cwwatch --home {_('DIR')} demo"))
    paths.ensure(home)
    with locks.hold(paths.scan_lock, _("A demo is already running in this folder (pid {pid}); try again later."),
                    0.0):
        for folder in (paths.data_dir, paths.state_dir, paths.cache_dir, paths.log_dir):
            for item in sorted(folder.iterdir()) if folder.is_dir() else ():
                if item == paths.scan_lock:
                    continue
                if item.is_dir() and not item.is_symlink():
                    shutil.rmtree(item)
                else:
                    item.unlink()
        clock = (f'now = "{last.now.astimezone(JST).isoformat()}"\n' if last.now_given else
                 "# (the scenarios had no fixed `now`: they lived at the real time)\n")
        write_private(marker, "# The home of `cwwatch demo`. Each run clears data/, state/, cache/ and log/ "
                      "here and plays its story again.\n"
                      "# `cwwatch --home <this folder> status` and `report` judge at the story's clock:\n"
                      + clock)


def _command() -> str:
    """How to call cwwatch again: ``cwwatch`` when that is the program on PATH, else the path this
    demo was started by (``.venv/bin/cwwatch``, the bootstrap's full path)."""
    argv0 = sys.argv[0] if sys.argv else ""
    if Path(argv0).name != "cwwatch":  # python -m watcher
        return "cwwatch"
    found = shutil.which("cwwatch")
    if found and Path(found).resolve() == Path(argv0).resolve():
        return "cwwatch"
    return shlex.quote(argv0)


# -- the story -------------------------------------------------------------------------------------


def _play(args: argparse.Namespace, scenarios: list[Scenario], env: wiring.Env) -> list[ScanResult]:
    from watcher.sample.server import SampleSite

    out = sys.stdout
    console = sys.stderr if args.json else sys.stdout
    notifier = wiring.make_notifier(not args.no_notify, console)
    current: list[Scenario] = [scenarios[0]]

    def credentials() -> Credentials:
        w = current[0].worker
        return Credentials(w.email, w.password)

    try:
        with SampleSite(scenarios[0]) as site:
            env = wiring.with_config(env, base_url=site.url, min_interval_s=0.0, page_timeout_s=15.0,
                                     settle_s=0.5, source="<demo>")
            with wiring.scanning(env, notifier, credentials, clock=lambda: current[0].now,
                                 health_notify_after=1) as ctx:
                return _play_all(args, scenarios, current, site, ctx, out)
    finally:
        notifier.close()


def _play_all(args: argparse.Namespace, scenarios: list[Scenario], current: list[Scenario],
              site: SampleSite, ctx: ScanContext, out: TextIO) -> list[ScanResult]:
    from watcher.scan import run_scan

    results: list[ScanResult] = []
    store = ctx.store
    for n, sc in enumerate(scenarios, start=1):
        if sc is not current[0]:
            store.clear_login_block()  # a new state of the account: like `cwwatch login`
        current[0] = sc
        site.set_scenario(sc)
        if not args.json:
            print(_("── {n}/{total}: {scenario} (the account at {time}) ──").format(
                n=n, total=len(scenarios), scenario=sc.source, time=fmt_time(sc.now)), file=out, flush=True)
        result = run_scan(ctx)
        results.append(result)
        if args.json:
            line = result.to_json() | {"scenario": sc.source}
            print(json.dumps(line, ensure_ascii=False), file=out, flush=True)
        else:
            common.print_summary(result, out, common.contract_names(store, result),
                                 common.client_names(store, result))
    return results
