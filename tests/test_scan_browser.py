"""Which browser a scan launches: the headless shell where one is installed, the full browser where
none is (``watcher.crowdworks.chromium.find_scan_browser``); a headed login keeps the full browser.

The proof is the real processes: while a real scan of the story runs, the executables of the
processes this test's process started (``/proc/PID/exe``) are collected.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.daemonfixtures import descendants
from tests.real_desktop import require
from tests.sitefixtures import EXPECTED_STORY, Harness, rules_of, story
from watcher.crowdworks import chromium as browsers
from watcher.sample.scenario import Scenario


def _descendants(root: int) -> list[int]:
    return [pid for pid, _name in descendants(root)]


@contextmanager
def browsers_started() -> Iterator[set[str]]:
    """The executables of the Chromium processes started below this process inside the block."""
    before = set(_descendants(os.getpid()))
    seen: set[str] = set()
    stop = threading.Event()

    def sample() -> None:
        while True:
            for pid in set(_descendants(os.getpid())) - before:
                try:
                    exe = os.readlink(f"/proc/{pid}/exe")
                except OSError:
                    continue
                if "chrom" in exe or "headless" in exe:
                    seen.add(exe)
            if stop.wait(0.02):
                return

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        yield seen
    finally:
        stop.set()
        t.join()


def test_a_scan_uses_the_headless_shell_when_there_and_the_full_browser_when_not(
        harness: Callable[[Scenario], Harness], chromium: Path, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    _need_proc()
    monkeypatch.delenv(browsers.ENV_VAR, raising=False)
    shell = browsers.find_headless_shell()
    if shell is None:
        require("chromium-headless-shell", "no headless shell installed (Debian: apt-get install "
                                            "chromium-headless-shell)")
    full = browsers.find_chromium()
    assert chromium == shell, "the suite's browser fixtures use what scans use"
    assert browsers.is_headless_shell(shell) and not browsers.is_headless_shell(full)

    h = harness(story())
    with browsers_started() as seen:
        first = h.scan()
    assert first.healthy, first.problems
    assert rules_of(first) == EXPECTED_STORY
    assert seen == {str(shell.resolve())}

    # No shell installed (neither Debian's nor Playwright's own): the full browser, headless.
    monkeypatch.setattr(browsers, "_SHELL_CANDIDATES", [])
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "no-playwright-browsers"))
    assert browsers.find_headless_shell() is None
    assert browsers.find_scan_browser() == full
    other = harness(story())
    with browsers_started() as seen:
        second = other.scan()
    assert second.healthy, second.problems
    assert rules_of(second) == EXPECTED_STORY
    assert seen == {str(full.resolve())}


def test_an_explicit_browser_is_used_for_scans_as_given(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    exe = tmp_path / "my-chromium"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.delenv(browsers.ENV_VAR, raising=False)
    assert browsers.find_scan_browser(str(exe)) == exe
    monkeypatch.setenv(browsers.ENV_VAR, str(exe))
    assert browsers.find_scan_browser() == exe
    assert browsers.find_chromium() == exe


def test_playwrights_own_headless_shell_is_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    exe = tmp_path / "chromium_headless_shell-1200" / "chrome-headless-shell-linux64" / "chrome-headless-shell"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    monkeypatch.delenv(browsers.ENV_VAR, raising=False)
    assert browsers.find_headless_shell() == exe
    assert browsers.find_scan_browser() == exe
    assert browsers.is_headless_shell(exe)


def test_the_pool_opens_a_second_page_only_while_two_jobs_run_side_by_side(chromium: Path, tmp_path: Path) -> None:
    """One job after another keeps one page (one renderer process: an unchanged rescan); jobs side by
    side open pages up to ``pool_size``, never more, and each new page is kept on the host too."""
    import asyncio

    from tests.real_desktop import run_async
    from watcher.crowdworks import selectors as selector_files
    from watcher.crowdworks.site import Site, SiteOptions
    from watcher.keychain import Credentials
    from watcher.sample.server import SampleSite

    sc = story()
    creds = Credentials(sc.worker.email, sc.worker.password)

    async def jobs(url: str) -> tuple[int, int, int, list[str]]:
        opts = SiteOptions(base_url=url, session_file=tmp_path / "session.json", min_interval_s=0, pool_size=2,
                           settle_s=0.2)
        async with Site(selector_files.load(None), opts, lambda: creds) as site:
            at_start = site.pages_open
            for _ in range(3):
                async with site.page() as page:
                    await site.get(page, "/e/contracts?status=active", "contracts")
            one_by_one = site.pages_open
            inside = asyncio.Event()
            held = 0

            async def job(path: str) -> str:
                nonlocal held
                async with site.page() as page:
                    held += 1
                    if held >= 2:
                        inside.set()
                    await asyncio.wait_for(inside.wait(), 30)
                    return (await site.get(page, path, "contracts")).url

            urls = await asyncio.gather(*(job("/e/contracts?status=active") for _ in range(4)))
            return at_start, one_by_one, site.pages_open, urls

    with SampleSite(sc) as served:
        at_start, one_by_one, side_by_side, urls = run_async(lambda: jobs(served.url))
    assert (at_start, one_by_one, side_by_side) == (1, 1, 2)
    assert all(u.endswith("/e/contracts?status=active") for u in urls)


PAGE_WITH_RESOURCES = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><link rel='stylesheet' href='/look.css?v=3'>"
    "<style>@font-face{font-family:x;src:url(/face.woff2)}body{font-family:x}</style></head>"
    "<body><img src='/photo.png'><p id='said'>仮払い済み</p><script src='/app.js'></script></body></html>")


@contextmanager
def served(page: str) -> Iterator[tuple[str, list[str]]]:
    """A local server answering ``page`` at ``/`` and a short text anywhere else: (its URL, the paths
    asked, in order), shut down at the end."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = page.encode() if self.path == "/" else b"/* */"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8" if self.path == "/" else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", asked
    finally:
        server.shutdown()


def test_pool_pages_request_no_stylesheet_image_or_font_and_a_saved_copy_is_drawn_with_them(
        chromium: Path, tmp_path: Path) -> None:
    """Readers read the DOM, never its layout: stylesheets, images, fonts and media are never asked
    for (blocked inside the browser), scripts are; the screenshot of a saved copy is drawn with them."""
    from tests.real_desktop import run_async
    from watcher.crowdworks import selectors as selector_files
    from watcher.crowdworks.site import Site, SiteOptions

    async def read_then_save(url: str, asked: list[str]) -> tuple[str, list[str]]:
        opts = SiteOptions(base_url=url, session_file=tmp_path / "session.json", min_interval_s=0)
        async with Site(selector_files.load(None), opts, lambda: None) as site, site.page() as page:
            await page.goto(url + "/", wait_until="load")
            said = await page.inner_text("#said")
            read = list(asked)
            fetched = await site.snapshot(page)
            await site.save_copy(page, fetched, tmp_path / "saved", "page", lambda html: html)
            return said, read

    with served(PAGE_WITH_RESOURCES) as (url, asked):
        said, while_reading = run_async(lambda: read_then_save(url, asked))
    assert said == "仮払い済み"
    assert sorted(while_reading) == ["/", "/app.js"]
    assert "/look.css?v=3" in asked[len(while_reading):]  # the saved copy's picture, drawn with its styles
    assert (tmp_path / "saved" / "page.png").stat().st_size > 0


def test_a_profile_is_read_as_the_server_sends_it_without_drawing_a_page(chromium: Path, tmp_path: Path) -> None:
    """``render=False`` (the profile): the browser context's request API with the session's cookies,
    paced and counted as a page; the pool's page is never navigated, the walls are still recognised."""
    from tests.real_desktop import run_async
    from watcher.crowdworks import selectors as selector_files
    from watcher.crowdworks.kinds.profile import extract_profile
    from watcher.crowdworks.site import Site, SiteOptions
    from watcher.keychain import Credentials
    from watcher.models import PageKind
    from watcher.sample.server import SampleSite

    sc = story()
    creds = Credentials(sc.worker.email, sc.worker.password)
    sel = selector_files.load(None)
    client = next(iter(sc.clients.values()))

    async def read(url: str) -> tuple[str, str, int, str, object, object]:
        opts = SiteOptions(base_url=url, session_file=tmp_path / "session.json", min_interval_s=0, settle_s=0.2)
        async with Site(sel, opts, lambda: creds) as site, site.page() as page:
            fetched = await site.get(page, f"/public/employers/{client.id}", "profile", render=False)
            seen = extract_profile(fetched.tree, sel, fetched.url, fetched.fetched_at)
            missing = await site.get(page, "/public/employers/1", "profile", render=False)
            return page.url, seen.name, site.loads["profile"], fetched.url, missing.recognised.kind, seen.last_access

    with SampleSite(sc) as served:
        page_url, name, loads, url, missing, last_access = run_async(lambda: read(served.url))
    assert page_url == "about:blank"
    assert name == client.name and last_access is not None
    assert loads == 2 and url == f"{served.url}/public/employers/{client.id}"
    assert missing is PageKind.NOT_FOUND


def _need_proc() -> None:
    """These tests read processes from /proc: where there is none, a skip (a failure under CI=true)."""
    if not os.path.isdir("/proc"):
        require("/proc", "no /proc to read the browser's processes from")


def _environ(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/environ", "rb") as fh:
        pairs = (item.decode(errors="replace").partition("=") for item in fh.read().split(b"\0") if item)
    return {k: v for k, _, v in pairs}


def test_a_scans_driver_and_browser_get_their_memory_options_and_the_persons_node_options_stay(
        chromium: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's driver (the Node.js process a Site starts) runs with ``DRIVER_NODE_OPTIONS`` in
    its ``NODE_OPTIONS``, after the person's own, and this process's environment is as it was; the
    browser a headless Site launches carries every one of ``SCAN_ARGS`` on its command line."""
    _need_proc()
    from tests.real_desktop import run_async
    from watcher.crowdworks import selectors as selector_files
    from watcher.crowdworks.site import Site, SiteOptions
    from watcher.keychain import Credentials
    from watcher.sample.server import SampleSite

    monkeypatch.setenv("NODE_OPTIONS", "--no-deprecation")
    sc = story()
    creds = Credentials(sc.worker.email, sc.worker.password)

    async def started(url: str) -> tuple[list[str], list[list[str]]]:
        opts = SiteOptions(base_url=url, session_file=tmp_path / "session.json", min_interval_s=0, settle_s=0.2)
        before = set(_descendants(os.getpid()))
        async with Site(selector_files.load(None), opts, lambda: creds) as site:
            async with site.page() as page:
                await site.get(page, "/e/contracts?status=active", "contracts")
            node, browser, kinds = [], [], []
            for pid in set(_descendants(os.getpid())) - before:
                try:
                    exe = os.readlink(f"/proc/{pid}/exe")
                    with open(f"/proc/{pid}/cmdline", "rb") as fh:
                        argv = fh.read().replace(b"\0", b" ").decode(errors="replace").split()
                except OSError:
                    continue
                if os.path.basename(exe).startswith("node"):
                    node.append(_environ(pid).get("NODE_OPTIONS", ""))
                elif "chrom" in exe or "headless" in exe:
                    kind = [a for a in argv if a.startswith(("--type=", "--utility-sub-type="))]
                    kinds.append(" ".join(kind))
                    if not kind:
                        browser.append(argv)
            return node, browser, kinds

    with SampleSite(sc) as served:
        node, browser, kinds = run_async(lambda: started(served.url))
    assert node == [f"{browsers.DRIVER_NODE_OPTIONS} --no-deprecation"]
    assert os.environ["NODE_OPTIONS"] == "--no-deprecation"
    assert len(browser) == 1
    assert set(browsers.SCAN_ARGS) - set(browser[0]) == set()
    assert {"--in-process-gpu", "--no-zygote"} <= set(browsers.SCAN_ARGS)
    # the network service runs inside the browser process: no utility process of its own
    assert kinds and not [k for k in kinds if "network" in k.lower()], kinds


def test_the_scans_features_repeat_the_installed_playwrights_own() -> None:
    """Chromium keeps only the last ``--enable-features``: the scans' list must hold every feature
    the installed Playwright enables itself (read from its bundled driver), or those are lost."""
    import re

    import playwright

    driver = Path(playwright.__file__).parent / "driver" / "package" / "lib"
    found = None
    for js in sorted(driver.rglob("*.js")):
        text = js.read_text(encoding="utf-8", errors="replace")
        found = re.search(r"enabledFeatures = \(\) => \[(.*?)\]", text, re.S)
        if found:
            break
    assert found, "Playwright's enabledFeatures list was not found: check PLAYWRIGHT_FEATURES against its switches"
    theirs = set(re.findall(r'"([A-Za-z0-9]+)"', re.sub(r"//[^\n]*", "", found.group(1))))
    assert theirs and theirs <= set(browsers.SCAN_FEATURES), theirs - set(browsers.SCAN_FEATURES)
    flag = [a for a in browsers.SCAN_ARGS if a.startswith("--enable-features=")]
    assert len(flag) == 1 and set(flag[0].split("=", 1)[1].split(",")) == set(browsers.SCAN_FEATURES)


FORGING_PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><script>"
    "Document.prototype.querySelector = function () { return null; };"
    "Object.defineProperty(Element.prototype, 'outerHTML', {get() { return '<html>forged</html>'; }});"
    "</script></head><body><p id='said'>仮払い済み</p></body></html>")


def test_a_page_is_looked_at_and_read_in_a_world_of_cwwatchs_own(chromium: Path, tmp_path: Path) -> None:
    """The page's own scripts cannot change what the look and the read see (a world of cwwatch's own,
    not the page's); a scan's page is desktop-wide and 240 pixels high (``SCAN_VIEWPORT``)."""
    from tests.real_desktop import run_async
    from watcher.crowdworks import selectors as selector_files
    from watcher.crowdworks.site import Site, SiteOptions

    def refused(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("Playwright's own look or read was used")

    async def look_and_read(url: str) -> tuple[object, str, list[int]]:
        opts = SiteOptions(base_url=url, session_file=tmp_path / "session.json", min_interval_s=0)
        async with Site(selector_files.load(None), opts, lambda: None) as site, site.page() as page:
            await page.goto(url + "/", wait_until="domcontentloaded")
            forged = await page.evaluate("[document.querySelector('#said'), document.body.outerHTML]")
            size = await page.evaluate("[innerWidth, innerHeight]")
            # Playwright's look and read (each in a world of Playwright's own) are out of reach: what
            # answers is cwwatch's world, or nothing does.
            for name in ("locator", "wait_for_selector", "content", "query_selector"):
                setattr(page, name, refused)
            await site._settle(page, "#said", 10)
            fetched = await site.snapshot(page)
            return forged, fetched.html, size

    with served(FORGING_PAGE) as (url, _asked):
        forged, html, size = run_async(lambda: look_and_read(url))
    assert forged == [None, "<html>forged</html>"], "the page's script did not run: the test proves nothing"
    assert '<p id="said">仮払い済み</p>' in html and "forged" not in html.split("</script>", 1)[1]
    assert html.startswith("<!DOCTYPE html>")
    assert size == [browsers.SCAN_VIEWPORT["width"], browsers.SCAN_VIEWPORT["height"]] == [1280, 240]


def test_driver_node_options_keep_the_persons_own() -> None:
    assert browsers.driver_node_options(None) == browsers.DRIVER_NODE_OPTIONS
    assert browsers.driver_node_options("") == browsers.DRIVER_NODE_OPTIONS
    assert browsers.driver_node_options("--max-semi-space-size=8") == (
        f"{browsers.DRIVER_NODE_OPTIONS} --max-semi-space-size=8")


def test_the_commands_list_and_the_daemon_do_not_load_the_browsers_stack() -> None:
    """Playwright (about 20 MB of a process) is imported by what opens a browser (a scan, a login, a
    capture: each its own process), never by the daemon waiting between scans."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from watcher.cli import main, daemon\n"
            "from watcher.daemon import scheduler, dashboard\n"
            "loaded = [m for m in ('playwright', 'watcher.crowdworks.site') if m in sys.modules]\n"
            "assert not loaded, loaded\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
