"""Benchmark: the dashboard's board beside ``cwwatch status`` over the same history, and what serving
it costs the daemon in memory.

    python bench/dashboard_bench.py [--contracts 200 --repeat 20] [--quick]

In one run:

1. a history of ``--contracts`` contracts (scan_bench's generated scenario, served by the sample
   site, read by one real scan without a browser: ``tests/browserless.py``);
2. ``status``: the history read and laid out as ``cwwatch status`` prints it (``views.collect`` and
   ``status.page`` at 120 columns), in this process;
3. the board: ``GET /`` answered by a real dashboard server (uvicorn on 127.0.0.1, behind its guards,
   with the key's cookie), the same history read and the page rendered; and the board's render alone
   (``pages.board`` and the template, no HTTP);
4. the daemon's resident memory, idle after its first scan, with ``dashboard = true`` and ``false``.

Times are medians of ``--repeat`` runs, reported as ratios to ``status`` (no time is asserted: the
machine may be busy). A table is printed, then as the last line one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import scan_bench  # noqa: E402

from tests.browserless import http_scan  # noqa: E402
from watcher import dashlink  # noqa: E402
from watcher.cli import status as status_cmd  # noqa: E402
from watcher.config import Config  # noqa: E402
from watcher.keychain import Credentials  # noqa: E402
from watcher.paths import Paths  # noqa: E402
from watcher.sample.server import SampleSite  # noqa: E402
from watcher.store import Store  # noqa: E402
from watcher.views import collect  # noqa: E402
from watcher.web import pages  # noqa: E402
from watcher.web.guards import COOKIE, derive  # noqa: E402
from watcher.web.serve import Server  # noqa: E402
from watcher.web.templating import environment  # noqa: E402
from watcher.wiring import load_env  # noqa: E402


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm: imports, templates compiled, the page cache
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def build_history(home: Path, contracts: int) -> datetime:
    sc = scan_bench.make_scenario(contracts, 12, max(contracts // 3, 1), 0, 7)
    paths = Paths.under(home)
    with SampleSite(sc) as site:
        config = Config(base_url=site.url, min_interval_s=0.0, page_timeout_s=30.0, settle_s=0.0)
        creds = Credentials(sc.worker.email, sc.worker.password)
        result = http_scan(paths, config, lambda: creds, lambda: sc.now, io.StringIO())
    assert result.healthy, result.problems
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(f'base_url = "{site.url}"\nemail = "{sc.worker.email}"\n')
    return sc.now


def daemon_rss_mb(home: Path, dashboard: bool) -> float:
    """The daemon's own resident memory (its scans run in children), idle after its first scan."""
    cfg = home / "config" / "config.toml"
    base = cfg.read_text().split("scan_interval_min")[0]
    cfg.write_text(base + f'scan_interval_min = 60\nscan_jitter_s = 0\nactive_hours = "00:00-24:00"\n'
                          f'quiet_hours = ""\ndesktop_notifications = false\ndashboard = {str(dashboard).lower()}\n')
    env = dict(os.environ, CWWATCH_HOME=str(home), PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    store = Store(Paths.under(home).db_file)
    before = len(store.recent_scans(1000))
    store.close()
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "daemon"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            store = Store(Paths.under(home).db_file)
            done = len(store.recent_scans(1000)) > before
            store.close()
            served = not dashboard or dashlink.reachable(Paths.under(home).state_dir) is not None
            if done and served:
                break
            time.sleep(0.2)
        time.sleep(1.0)
        return scan_bench._rss_kb(proc.pid) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--contracts", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="40 contracts, 5 repeats")
    args = ap.parse_args()
    if args.quick:
        args.contracts, args.repeat = 40, 5
    tmp = Path(tempfile.mkdtemp(prefix="cwwatch-dash-bench-"))
    try:
        home = tmp / "home"
        now = build_history(home, args.contracts)
        paths = Paths.under(home)
        env = load_env(None, None, paths)

        def status() -> object:
            store = Store(paths.db_file)
            try:
                return status_cmd.page(collect(store, env, now), now, 120)
            finally:
                store.close()

        dash = pages.Dashboard(paths=paths, site=env, clock=lambda: now)
        templates = environment()

        def render() -> object:
            return templates.get_template("board.html").render(board=pages.board(dash), page="board", csrf="x",
                                                               csrf_field="csrf")

        server = Server(dash).start()
        cookie = f"{COOKIE}={derive(dashlink.secret(paths.state_dir), 'cookie')}"

        def get_board() -> object:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            conn.request("GET", "/", headers={"Cookie": cookie})
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            assert resp.status == 200 and b"article" in body
            return body

        try:
            status_ms = median_ms(status, args.repeat)
            render_ms = median_ms(render, args.repeat)
            board_ms = median_ms(get_board, args.repeat)
            cards = get_board().count(b"<article")  # type: ignore[attr-defined]
        finally:
            server.stop()
        rss_off = daemon_rss_mb(home, False)
        rss_on = daemon_rss_mb(home, True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out = {"contracts": args.contracts, "cards": cards, "repeat": args.repeat,
           "status_ms": round(status_ms, 1), "board_render_ms": round(render_ms, 1),
           "board_http_ms": round(board_ms, 1), "board_render_vs_status": round(render_ms / status_ms, 2),
           "board_http_vs_status": round(board_ms / status_ms, 2),
           "daemon_idle_rss_mb_dashboard_off": round(rss_off, 1), "daemon_idle_rss_mb_dashboard_on": round(rss_on, 1)}
    print(f"{'contracts':<34}{args.contracts}")
    print(f"{'cards on the board':<34}{cards}")
    print(f"{'status (read + lay out), median':<34}{status_ms:.1f} ms")
    print(f"{'board render, median':<34}{render_ms:.1f} ms  ({render_ms / status_ms:.2f}x status)")
    print(f"{'board over HTTP, median':<34}{board_ms:.1f} ms  ({board_ms / status_ms:.2f}x status)")
    print(f"{'daemon idle RSS, dashboard off':<34}{rss_off:.1f} MB")
    print(f"{'daemon idle RSS, dashboard on':<34}{rss_on:.1f} MB  (+{rss_on - rss_off:.1f} MB)")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
