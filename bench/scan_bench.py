"""Benchmark: how many requests, bytes and how much time a scan costs, against a naive watcher.

    python bench/scan_bench.py [--contracts 200 --messages 30 --clients 60 --latency-ms 100] [--quick]

It generates a scenario of that size, serves it from the sample site with the given latency per
request, and measures in one run, each scan in a fresh `cwwatch scan --json` process:

1. the first full scan (empty history, saved session);
2. a rescan with nothing changed (run three times, as the floor's parts are: the median wall time,
   the highest memory of the three);
3. a rescan after 5% of the threads got a new message;
4. a naive baseline doing what today's watchers do: every list page, every workroom and every
   client profile, one after another (a fresh process, the same browser and flags);
5. extraction alone, measured first (no browser starting or ending meanwhile): ms per workroom
   page, cwwatch's extractor against BeautifulSoup reading the same facts (``bench/bs4_reader.py``:
   the same ``ContractPage``, checked equal on every page before timing), each the fastest of five
   passes over the same pages, the two taking turns;
6. memory: a cwwatch process idle (everything the daemon and a scan import, no browser), the
   scanning process at its peak, and the browser's peak (Playwright's driver and Chromium's
   processes, summed), each as proportional set size (PSS, ``/proc/PID/smaps_rollup``: a page
   shared by N processes counts 1/N in each, so the sum is what the machine pays), or resident
   set size where there is no smaps_rollup (``memory`` says which);
7. a floor for each case, measured in the same run: starting Python with the scan's imports, plus
   launching the browser the case used (Playwright's start, the browser, a context and a page),
   plus its minimum requests × the latency. ``wall_to_floor`` is the case's wall time over it.

The unchanged rescan runs twice: with the browser scans use (the headless shell where one is
installed) and with the full browser (``rescan_unchanged_full_browser``), so both browsers' memory
and time sit side by side. ``browser`` names the executable each case ran (read from
``/proc/PID/exe`` of its processes).

Every request the site answers counts (the sample site logs them): pages and JSON answers alike.
`minimum_requests` is computed from the scenario, not from the scanner: the list pages (every page
of active contracts; the inbox's first page and the API answer it loads, which hold everything
newer than the last scan; the applications list's first page), plus two requests per workroom that
must be read (the page and its thread's JSON, the whole thread: nothing to unfold), plus one per
client whose profile is not fresh and who must be vetted (a new contract's) or whose answer is
awaited. The naive watcher loads every page the way a browser does, the
JSON those pages load included. A table is printed, then as the last line one JSON object.
`--quick` is a small run that finishes within a minute.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from watcher.crowdworks import selectors as selectorset  # noqa: E402
from watcher.crowdworks.chromium import LAUNCH_ARGS, find_chromium, find_scan_browser  # noqa: E402
from watcher.crowdworks.kinds.workroom import extract_contract_page  # noqa: E402
from watcher.sample.scenario import Scenario, SClient, SContract, SFaults, SMessage, SWorker  # noqa: E402
from watcher.sample.server import SampleSite  # noqa: E402
from watcher.sample.site import pages as render  # noqa: E402

PAGE = render.PAGE_SIZE
WORDS = ("記事の構成について確認しました。", "修正版をお送りします。", "ご確認をお願いいたします。",
         "画像の差し替えをお願いできますか。", "納期について相談させてください。", "ありがとうございます。",
         "見出しの表現を少し変更しました。", "参考資料のリンクを共有します。")

STATUSES = ["進行中"] * 6 + ["検収中", "納品済み", "仮払い待ち", "検収中"]


# -- the scenario --------------------------------------------------------------------------------

def make_scenario(contracts: int, messages: int, clients: int, latency_ms: int, seed: int) -> Scenario:
    rnd = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    worker = SWorker(955500001, "山田 花子", "bench@example.com", "bench-pass")
    cl = {}
    for n in range(clients):
        cid = 900009000 + n
        access = None if n % 7 == 0 else now - timedelta(minutes=rnd.randint(5, 60 * 24 * 5))
        cl[cid] = SClient(cid, f"株式会社ベンチ{n:03d}", access)
    cons = []
    for i in range(contracts):
        start = now - timedelta(days=rnd.randint(20, 60))
        msgs = []
        t = start
        for j in range(messages):
            t += timedelta(minutes=rnd.randint(30, 60 * 18))
            if t > now - timedelta(minutes=30):
                break
            sender = "client" if j % 2 == 0 else "worker"
            if j > 2 and rnd.random() < 0.2:
                sender = "worker" if sender == "client" else "client"
            body = "".join(rnd.choice(WORDS) for _ in range(rnd.randint(20, 60)))
            msgs.append(SMessage(sender, t, body))
        status = rnd.choice(STATUSES)
        if status in ("検収中", "納品済み") and msgs:
            msgs.append(SMessage("worker", msgs[-1].at + timedelta(minutes=5), "納品いたします。", "delivery"))
        cons.append(SContract(970000000 + i, 900009000 + i % clients, f"ベンチ案件 {i:04d}", status, 10000 + i,
                              messages=msgs))
    return Scenario(now, True, worker, cl, cons, SFaults(latency_ms=latency_ms), "<bench>")


def add_new_messages(sc: Scenario, share: float, seed: int) -> list[int]:
    """A new client message in ``share`` of the threads; returns their contract ids."""
    rnd = random.Random(seed + 1)
    picked = rnd.sample(sc.contracts, max(1, round(len(sc.contracts) * share)))
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    for c in picked:
        c.messages.append(SMessage("client", at, "追加のご相談です。お手すきの際にご確認ください。"))
    return [c.id for c in picked]


# -- minimum requests, from the scenario alone -----------------------------------------------------

def pages(n: int) -> int:
    return max(1, -(-n // PAGE))


def awaiting_client(c: SContract) -> bool:
    """The worker's message waits for an answer: the last word (system messages aside) is mine."""
    talk = [m for m in c.messages if m.sender != "system"]
    return bool(talk) and talk[-1].sender == "worker"


LIST = 1 + 2  # per scan besides the contract list: the inbox's first page and the API answer it loads
APPLICATIONS = 1  # per scan: the first page of /e/proposals (the scenario has no application, so one page)
WORKROOM = 2  # the contract page and its thread's JSON


def minimum_first(sc: Scenario) -> int:
    # Every contract is new to an empty history, so every client is vetted once: one profile each
    # (the clients whose answer is awaited among them).
    profiles = len({c.client for c in sc.contracts})
    return pages(len(sc.contracts)) + LIST - 1 + APPLICATIONS + WORKROOM * len(sc.contracts) + profiles


def minimum_rescan(sc: Scenario, changed: list[int]) -> int:
    # New messages are the newest: all on the inbox's first page as long as they fit on it (one thread
    # an item, 20 a page), each page with its API answer.
    inbox = 2 * (pages(len(changed)) if len(changed) >= PAGE else 1)
    # Their clients spoke last, so no profile is newly needed; others' are fresh.
    return pages(len(sc.contracts)) + inbox + APPLICATIONS + WORKROOM * len(changed)


def naive_requests(sc: Scenario) -> int:
    inbox = pages(len(render.inbox_entries(sc)))
    return (pages(len(sc.contracts)) + 2 * inbox + APPLICATIONS + WORKROOM * len(sc.contracts)
            + len(sc.clients))


# -- processes and their memory ------------------------------------------------------------------

def _rss_kb(pid: int, field_name: str = "VmRSS") -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


MEMORY = "pss" if Path("/proc/self/smaps_rollup").exists() else "rss"


def _mem_kb(pid: int) -> int:
    """The process's PSS in kB (``smaps_rollup``), or its RSS where there is none (``MEMORY``)."""
    if MEMORY == "rss":
        return _rss_kb(pid)
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _exe(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def _descendants(pid: int) -> list[int]:
    kids = _children()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for k in kids.get(p, []):
            out.append(k)
            todo.append(k)
    return out


@dataclass
class Run:
    wall_s: float
    out: dict = field(default_factory=dict)
    peak_kb: int = 0
    browser_peak_kb: int = 0
    pss_peak_kb: int = 0
    browser_pss_peak_kb: int = 0
    browsers: set[str] = field(default_factory=set)


def run_measured(argv: list[str], env: dict[str, str]) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = browser = pss = browser_pss = 0
    exes: set[str] = set()
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, browser, pss, browser_pss
        while not stop.is_set():
            peak = max(peak, _rss_kb(proc.pid, "VmHWM"))
            pss = max(pss, _mem_kb(proc.pid))
            kids = _descendants(proc.pid)
            browser = max(browser, sum(_rss_kb(p) for p in kids))
            browser_pss = max(browser_pss, sum(_mem_kb(p) for p in kids))
            exes.update(e for e in map(_exe, kids) if "chrom" in e.lower() or "headless" in e.lower())
            stop.wait(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    t.join()
    if proc.returncode not in (0, 10):
        raise SystemExit(f"bench: {' '.join(argv[-3:])} failed ({proc.returncode}):\n{err[-2000:]}")
    last = out.strip().splitlines()[-1] if out.strip() else "{}"
    return Run(wall, json.loads(last), peak, browser, pss, browser_pss, exes)


# What a scan process imports before it launches the browser; the daemon adds its scheduler.
SCAN_IMPORTS = "watcher.cli.main, watcher.cli.scan, watcher.scan.run, watcher.crowdworks.site, playwright.async_api"
DAEMON_IMPORTS = SCAN_IMPORTS + ", watcher.cli.daemon, watcher.daemon.scheduler, apscheduler.schedulers.blocking"


def idle_mb(env: dict[str, str]) -> tuple[float, float]:
    """(RSS, PSS or RSS) in MB of a process that imported everything the daemon and a scan import."""
    code = f"import {DAEMON_IMPORTS}, time; print('ready', flush=True); time.sleep(2)"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    proc.stdout.readline()
    time.sleep(0.3)
    kb, mem = _rss_kb(proc.pid), _mem_kb(proc.pid)
    proc.wait()
    return kb / 1024, mem / 1024


def daemon_idle(env: dict[str, str], config: Path) -> dict[str, object]:
    """The daemon between scans: started on the bench's home (its first scan right away), measured
    once that scan's process has ended. ``alive_between_scans``: processes still under it then
    (nothing should be: each scan is a child process with its browser)."""
    text = config.read_text(encoding="utf-8")
    config.write_text(text + 'scan_interval_min = 600\nactive_hours = "00:00-23:59"\n', encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "daemon"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        scanned = False
        while time.monotonic() < deadline:
            kids = _descendants(proc.pid)
            scanned = scanned or bool(kids)
            if scanned and not kids:
                break
            time.sleep(0.05)
        time.sleep(1.0)  # settled after the scan
        return {"scanned": scanned, "alive_between_scans": len(_descendants(proc.pid)),
                "rss_mb": round(_rss_kb(proc.pid) / 1024, 1), "pss_mb": round(_mem_kb(proc.pid) / 1024, 1)}
    finally:
        proc.terminate()
        proc.wait(30)
        config.write_text(text, encoding="utf-8")


# -- the floor ----------------------------------------------------------------------------------

_LAUNCH = """
import asyncio, sys, time
from playwright.async_api import async_playwright
from watcher.crowdworks.chromium import SCAN_ARGS

async def main():
    t0 = time.perf_counter()
    pw = await async_playwright().start()
    browser = await pw.chromium.launch(executable_path=sys.argv[1], headless=True, args=SCAN_ARGS)
    context = await browser.new_context()
    await context.new_page()
    print(time.perf_counter() - t0, flush=True)
    await browser.close()
    await pw.stop()

asyncio.run(main())
"""


def _median_of(runs: int, once: object) -> float:
    return statistics.median(once() for _ in range(runs))  # type: ignore[operator]


def import_floor_s(env: dict[str, str], runs: int = 3) -> float:
    """Seconds from starting Python to the scan's imports done (and Python gone), median of ``runs``."""
    def once() -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {SCAN_IMPORTS}"], env=env, check=True)
        return time.perf_counter() - t0
    return _median_of(runs, once)


def launch_floor_s(exe: str, env: dict[str, str], runs: int = 3) -> float:
    """Seconds from Playwright's start to a page open in ``exe`` (imports excluded), median of ``runs``."""
    def once() -> float:
        out = subprocess.run([sys.executable, "-c", _LAUNCH, exe], env=env, check=True,
                             capture_output=True, text=True).stdout
        return float(out.strip().splitlines()[-1])
    return _median_of(runs, once)


# -- the naive watcher (runs in its own process) ------------------------------------------------

def naive_main(base: str, session: str, urls_file: str) -> None:
    from playwright.sync_api import sync_playwright

    urls = json.loads(Path(urls_file).read_text())
    loads = 0
    with sync_playwright() as pw:  # the browser scans use: the comparison is of the work, not the browser
        browser = pw.chromium.launch(executable_path=str(find_scan_browser()), headless=True, args=LAUNCH_ARGS)
        ctx = browser.new_context(storage_state=session)
        page = ctx.new_page()
        for path in urls:  # every page, as a browser loads it: the JSON the page fetches itself included
            page.goto(base + path, wait_until="networkidle")
            page.content()
            loads += 1
        browser.close()
    print(json.dumps({"pages_loaded": loads}))


def naive_urls(sc: Scenario) -> list[str]:
    urls = ["/e/contracts?status=active"]
    urls += [f"/e/contracts?status=active&page={n}" for n in range(2, pages(len(sc.contracts)) + 1)]
    urls += [f"/messages/received?page={n}" for n in range(1, pages(len(render.inbox_entries(sc))) + 1)]
    urls += ["/e/proposals"]
    urls += [f"/contracts/{c.id}" for c in sc.contracts]
    urls += [f"/public/employers/{cid}" for cid in sc.clients]
    return urls


# -- extraction alone ---------------------------------------------------------------------------

RESCAN_RUNS = 3  # an unchanged rescan leaves the site as it found it: its wall time is the median of this many

PASSES = 5  # each timing below is the fastest of this many passes over the same pages (as timeit does):
# the machine's other work only ever adds time; the readers' passes alternate, so both meet the same


def _fastest(htmls: list[str], reads: list[object]) -> list[float]:
    """ms per page of each reader, the fastest of PASSES passes, the readers taking turns."""
    best = [float("inf")] * len(reads)
    for _ in range(PASSES):
        for i, read in enumerate(reads):
            t0 = time.perf_counter()
            for h in htmls:
                read(h)  # type: ignore[operator]
            best[i] = min(best[i], (time.perf_counter() - t0) * 1000 / len(htmls))
    return best


def parse_bench(sc: Scenario, limit: int) -> tuple[float, float, float, float]:
    """(cwwatch ms, BeautifulSoup ms, KB, BeautifulSoup's parse over lexbor's) per workroom page.

    BeautifulSoup reads the same facts (``bs4_reader``: the same ContractPage, checked equal on
    every page before any timing)."""
    from bs4 import BeautifulSoup
    from bs4_reader import contract_page
    from selectolax.lexbor import LexborHTMLParser

    sel = selectorset.load()
    htmls = [render.workroom(sc, c, True, False) for c in sc.contracts[:limit]]
    kb = statistics.mean(len(h.encode()) for h in htmls) / 1024

    def ours(h: str) -> object:
        return extract_contract_page(h, sel, "https://crowdworks.jp/contracts/1")

    def theirs(h: str) -> object:
        return contract_page(h, sel)

    for h in htmls:
        if ours(h) != theirs(h):
            raise SystemExit("bench: the BeautifulSoup reader read other facts than cwwatch's: fix bench/bs4_reader.py")
    ours_ms, theirs_ms = _fastest(htmls, [ours, theirs])
    lex, soup = _fastest(htmls, [LexborHTMLParser, lambda h: BeautifulSoup(h, "html.parser")])
    return ours_ms, theirs_ms, kb, soup / lex


# -- main ---------------------------------------------------------------------------------------

def login_session(site_url: str, sc: Scenario, session_file: Path) -> None:
    """A saved session, as `cwwatch login` leaves one (done here without the keyring)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(find_chromium()), headless=True, args=LAUNCH_ARGS)
        ctx = browser.new_context()
        page = ctx.new_page()
        page.goto(site_url + "/login")
        page.fill("#username", sc.worker.email)
        page.fill("#password", sc.worker.password)
        with page.expect_navigation():
            page.click('form[action="/login"] button[type="submit"]')
        state = ctx.storage_state()
        browser.close()
    session_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(session_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(state, fh)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contracts", type=int, default=200)
    ap.add_argument("--messages", type=int, default=30)
    ap.add_argument("--clients", type=int, default=60)
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="a small run: 40 contracts, 20 messages, 15 clients")
    ap.add_argument("--naive", nargs=3, metavar=("BASE", "SESSION", "URLS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.naive:
        naive_main(*args.naive)
        return 0
    if args.quick:
        args.contracts, args.messages, args.clients = 40, 20, 15
    t_start = time.perf_counter()
    sc = make_scenario(args.contracts, args.messages, args.clients, args.latency_ms, args.seed)
    # Extraction first, while no browser of the cases below is starting or ending on the machine.
    ours, theirs, kb, parse_only_ratio = parse_bench(sc, min(len(sc.contracts), 100))
    home = Path(tempfile.mkdtemp(prefix="cwwatch-bench-"))
    try:
        with SampleSite(sc) as site:
            (home / "config").mkdir(parents=True)
            (home / "config" / "config.toml").write_text(
                f'base_url = "{site.url}"\nmin_interval_s = 0\ndesktop_notifications = false\n'
                f'page_timeout_s = 60\n', encoding="utf-8")
            login_session(site.url, sc, home / "data" / "session.json")
            env = dict(os.environ, CWWATCH_HOME=str(home), PYTHONPATH=str(ROOT))
            env.pop("CWWATCH_CHROMIUM", None)
            scan_exe, full_exe = str(find_scan_browser()), str(find_chromium())
            env_full = dict(env, CWWATCH_CHROMIUM=full_exe)  # an explicit browser: scans use it as given
            scan = [sys.executable, "-m", "watcher", "scan", "--json", "--no-notify"]
            results: dict[str, dict] = {}
            # The floor's parts, measured before the cases on the same machine in the same run.
            import_s = import_floor_s(env)
            launch_s = {scan_exe: launch_floor_s(scan_exe, env)}
            if full_exe != scan_exe:
                launch_s[full_exe] = launch_floor_s(full_exe, env)
            latency_s = args.latency_ms / 1000

            def measured(argv: list[str], case_env: dict[str, str] | None = None
                         ) -> tuple[Run, int, int, dict[str, int]]:
                site.reset_stats()
                run = run_measured(argv, case_env or env)
                asked = [p for p in site.paths if not p.startswith("/favicon")]
                return run, len(asked), site.bytes_sent, dict(site.stats)

            def median_of_runs(run_once: Callable[[], tuple[Run, int, int, dict[str, int]]]
                               ) -> tuple[Run, int, int, dict[str, int]]:
                """A case that leaves the site as it found it (an unchanged rescan), run RESCAN_RUNS times,
                as the floor's parts are: the run of the median wall time, with the highest memory of
                all the runs and the most requests any run made."""
                got = [run_once() for _ in range(RESCAN_RUNS)]
                runs = sorted(got, key=lambda g: g[0].wall_s)
                mid = runs[len(runs) // 2]
                run = dataclasses.replace(
                    mid[0], peak_kb=max(g[0].peak_kb for g in got),
                    browser_peak_kb=max(g[0].browser_peak_kb for g in got),
                    pss_peak_kb=max(g[0].pss_peak_kb for g in got),
                    browser_pss_peak_kb=max(g[0].browser_pss_peak_kb for g in got))
                return run, max(g[1] for g in got), mid[2], mid[3]

            def record(name: str, got: tuple[Run, int, int, dict[str, int]], minimum: int, exe: str) -> None:
                run, requests, sent, stats = got
                ran = sorted(run.browsers)
                if ran and ran != [exe]:
                    raise SystemExit(f"bench: {name} ran {ran}, not {exe}")
                floor = import_s + launch_s[exe] + minimum * latency_s
                results[name] = {"requests": requests, "minimum_requests": minimum, "kb": round(sent / 1024),
                                 "wall_s": round(run.wall_s, 2), "served": stats,
                                 "peak_mb": round(run.peak_kb / 1024, 1),
                                 "browser_peak_mb": round(run.browser_peak_kb / 1024, 1),
                                 "pss_peak_mb": round(run.pss_peak_kb / 1024, 1),
                                 "browser_pss_mb": round(run.browser_pss_peak_kb / 1024, 1),
                                 "browser": exe, "floor_s": round(floor, 2),
                                 "wall_to_floor": round(run.wall_s / floor, 2)}

            record("first_full_scan", measured(scan), minimum_first(sc), scan_exe)
            record("rescan_unchanged", median_of_runs(lambda: measured(scan)), minimum_rescan(sc, []), scan_exe)
            record("rescan_unchanged_full_browser", median_of_runs(lambda: measured(scan, env_full)),
                   minimum_rescan(sc, []), full_exe)
            changed = add_new_messages(sc, 0.05, args.seed)
            site.set_scenario(sc)
            record("rescan_5pct_new", measured(scan), minimum_rescan(sc, changed), scan_exe)
            urls_file = home / "naive-urls.json"
            urls_file.write_text(json.dumps(naive_urls(sc)))
            record("naive_baseline", measured([sys.executable, __file__, "--naive", site.url,
                                               str(home / "data" / "session.json"), str(urls_file)]),
                   naive_requests(sc), scan_exe)
            daemon = daemon_idle(env, home / "config" / "config.toml")
        idle, idle_pss = idle_mb(env)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    naive_wall = results["naive_baseline"]["wall_s"]
    for name in ("rescan_unchanged", "rescan_unchanged_full_browser", "rescan_5pct_new"):
        results[name]["speedup_vs_naive"] = round(naive_wall / max(results[name]["wall_s"], 1e-9), 1)
        results[name]["fewer_requests_vs_naive"] = round(
            results["naive_baseline"]["requests"] / max(results[name]["requests"], 1), 1)
        results[name]["fewer_bytes_vs_naive"] = round(results["naive_baseline"]["kb"] / max(results[name]["kb"], 1), 1)
    results["first_full_scan"]["ratio_to_naive_wall"] = round(results["first_full_scan"]["wall_s"] / naive_wall, 2)
    peak = max(r["peak_mb"] for k, r in results.items() if k != "naive_baseline")
    browser_peak = max(r["browser_peak_mb"] for k, r in results.items() if k != "naive_baseline")
    cases = results
    targets = {
        "rescan_unchanged_wall_to_floor<=1.5": cases["rescan_unchanged"]["wall_to_floor"] <= 1.5,
        "rescan_5pct_new_wall_to_floor<=2": cases["rescan_5pct_new"]["wall_to_floor"] <= 2.0,
        "rescan_unchanged_browser_pss_mb<=350": cases["rescan_unchanged"]["browser_pss_mb"] <= 350,
        "extraction_ms<=1.5": ours <= 1.5,
        "extraction_vs_bs4>=15": theirs / ours >= 15,
        "daemon_idle_rss_mb<60": float(daemon["rss_mb"]) < 60 and daemon["alive_between_scans"] == 0,  # type: ignore[arg-type]
        "requests==minimum": all(r["requests"] == r["minimum_requests"] for k, r in cases.items()
                                 if k != "naive_baseline"),
    }
    summary = {
        "params": {"contracts": args.contracts, "messages": args.messages, "clients": args.clients,
                   "latency_ms": args.latency_ms, "quick": args.quick},
        "cases": results,
        "parse_ms_per_page": round(ours, 3),
        "bs4_ms_per_page": round(theirs, 3),
        "bs4_ratio": round(theirs / ours, 1),
        "bs4_parse_only_ratio": round(parse_only_ratio, 1),
        "workroom_page_kb": round(kb, 1),
        "rss_idle_mb": round(idle, 1),
        "pss_idle_mb": round(idle_pss, 1),
        "daemon_idle": daemon,
        "rss_peak_mb": peak,
        "browser_peak_mb": browser_peak,
        "memory": MEMORY,
        "floor_parts": {"imports_s": round(import_s, 2), "launch_s": {k: round(v, 2) for k, v in launch_s.items()},
                        "latency_s": latency_s},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "targets": targets,
        "total_s": round(time.perf_counter() - t_start, 1),
    }
    print(f"cwwatch scan benchmark: {args.contracts} contracts × {args.messages} messages, "
          f"{args.clients} clients, {args.latency_ms} ms per request")
    mem = MEMORY.upper()
    print(f"{'case':<30}{'requests':>9}{'minimum':>9}{'KB':>8}{'wall s':>8}{'floor s':>9}{'×floor':>8}"
          f"{'vs naive':>10}{'peak MB':>9}{'scan ' + mem:>10}{'browser MB':>12}{'browser ' + mem:>13}  browser")
    for name, r in results.items():
        vs = r.get("speedup_vs_naive", r.get("ratio_to_naive_wall", ""))
        print(f"{name:<30}{r['requests']:>9}{r['minimum_requests']:>9}{r['kb']:>8}{r['wall_s']:>8}{r['floor_s']:>9}"
              f"{r['wall_to_floor']:>8}{vs!s:>10}{r['peak_mb']:>9}{r['pss_peak_mb']:>10}{r['browser_peak_mb']:>12}"
              f"{r['browser_pss_mb']:>13}  {r['browser']}")
    launches = ", ".join(f"{Path(k).name} {v:.2f} s" for k, v in launch_s.items())
    print(f"floor: imports {import_s:.2f} s + launch ({launches}) + minimum requests × {latency_s:g} s; "
          f"memory as {mem}{'' if MEMORY == 'pss' else ' (no smaps_rollup here)'}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"extraction: {ours:.2f} ms per {kb:.0f} KB workroom page (BeautifulSoup {theirs:.2f} ms, "
          f"{theirs / ours:.1f}× slower; parsing alone {parse_only_ratio:.0f}× slower); "
          f"cwwatch idle {idle:.0f} MB RSS, {idle_pss:.0f} MB {mem}; the daemon between scans "
          f"{daemon['rss_mb']} MB RSS, {daemon['pss_mb']} MB {mem}, {daemon['alive_between_scans']} processes "
          f"alive under it; total {summary['total_s']} s")
    print("targets: " + ", ".join(f"{k} {'ok' if v else 'MISSED'}" for k, v in targets.items()))
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
