"""The browser session: Chromium driven by Playwright (async API). With ``login.py`` (the steps of
``cwwatch login`` on one of its pages) the only code that touches the browser.

It owns the persistent session (Playwright ``storage_state`` in a 0600 file), logs in with the
keyring password only when a page shows the login wall (at most once per scan, never after a
failed login), keeps a small pool of long-lived pages, spaces navigations by a minimum interval
across the whole pool (politeness), and recognises the login wall, the two-step page, a captcha,
a login error, the 404 page, server errors and pages that arrived truncated. What it cannot get
past becomes a :class:`~watcher.errors.Unhealthy` naming the health kind, so the scan stops before any client
finding.

The browser: headless, the lightest one that reads the pages (the headless shell where one is
installed, ``chromium.find_scan_browser``); headed (``login --headed``), the full browser.

Every pool page stops any top-level navigation that leaves the configured host, redirect hops
included (Chromium's own request interception, which sees each hop; Playwright's routes do not),
so the scan never loads a page of another site.

One module over 400 lines, as one job: the session, the page pool, the pacing, the host guard and
the login-once rule share one state (the browser context, the time of the last navigation, whether
this scan has logged in), which every navigation reads and writes.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import re
import time
import unicodedata
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from loguru import logger
from playwright.async_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Page,
    Playwright,
    Request,
    Response,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from watcher.crowdworks import chromium as browser_mod
from watcher.crowdworks.dom import Tree, parse_html
from watcher.crowdworks.selectors import SelectorSet
from watcher.crowdworks.walls import Recognised, challenge_header, recognise
from watcher.errors import Unhealthy, first_line
from watcher.i18n import N_, _
from watcher.keychain import Credentials
from watcher.models import HealthKind, PageKind, Problem
from watcher.paths import write_private

# Resources no reader needs: images, fonts, media, and stylesheets (every reader reads the DOM as
# it is attached, never its layout: ``_settle`` waits for ``state="attached"``, and the unfolding
# clicks a control whose text shows without styles too). Blocked inside the browser by URL
# (CDP ``Network.setBlockedURLs``, on every pool page): none of them is requested, and none passes
# through Python. A saved copy's screenshot lifts the block for its drawing (``save_copy``).
BLOCKED_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "woff", "woff2", "ttf", "otf",
                      "mp4", "webm", "mp3", "css")
BLOCKED_URLS = [f"*.{ext}{query}" for ext in BLOCKED_EXTENSIONS for query in ("", "?*")]
UNFOLD_BUDGET_PAGES = 4  # unfolding a thread may take this many page timeouts in all
UNFOLD_CLICKS = 30  # the clicks allowed for a fold that announces no count
NAVIGATION_RETRIES = 5  # a page still navigating after this many reads is unreadable
REDIRECT_HOPS = 10  # a page read without drawing follows at most this many redirects (all on the host)
_INTERRUPTED = re.compile(r'is interrupted by another navigation to "([^"]*)"')
# A page is looked at and read in a JavaScript world of cwwatch's own (CDP ``Page.createIsolatedWorld``):
# the page's scripts neither see nor change what runs there, and Playwright's helper script, which
# its locators and ``page.content()`` install in every new document (about 20 ms of compiling a
# page, measured), is not needed for a look and a read. The read is ``page.content()``'s (the doctype,
# then the document's markup), and none while the document is still being parsed (a page that
# reloaded itself meanwhile): that read is left to ``page.content()``, which waits.
WORLD = "cwwatch"
_HTML_JS = ("document.readyState === 'loading' ? null"
            " : (document.doctype ? new XMLSerializer().serializeToString(document.doctype) : '')"
            " + (document.documentElement ? document.documentElement.outerHTML : '')")


@dataclass
class Fetched:
    url: str
    status: int
    html: str
    tree: Tree
    fetched_at: datetime
    recognised: Recognised
    json_payloads: list[tuple[str, Any]] = field(default_factory=list)  # (url, body) of the page's own API calls
    headers: dict[str, str] = field(default_factory=dict)  # the answer's headers (names in lower case)

    @property
    def not_found(self) -> bool:
        return self.recognised.kind is PageKind.NOT_FOUND


CredentialSource = Callable[[], Credentials | None]


class Challenged(Unhealthy):
    """A page that needs the person (a code, a captcha, a bot check): the problem (login_challenge)
    and the page itself, for the page readers to save, redacted (``Pages._load``)."""

    def __init__(self, kind: HealthKind, where: str, detail: str, fetched: Fetched) -> None:
        super().__init__(Problem(kind, where, detail))
        self.fetched = fetched


@dataclass
class SiteOptions:
    base_url: str
    session_file: Path
    browser_path: str = ""
    headless: bool = True
    page_timeout_s: float = 30.0
    min_interval_s: float = 1.0
    login_allowed: bool = True  # False after a failed login, until `cwwatch login` succeeds
    pool_size: int = 2
    settle_s: float = 3.0  # after the load event, how long a page may take to show what a reader needs


class Site:
    def __init__(self, sel: SelectorSet, opts: SiteOptions, credentials: CredentialSource,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sel = sel
        self.opts = opts
        self.credentials = credentials
        self.clock = clock
        self.loads: Counter[str] = Counter()
        self.logins = 0
        self.login_failed = False
        self.logged_in_by_us = False
        self.credentials_seen: Credentials | None = None  # what the login used (for redaction only)
        self.worker_id: int | None = None
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._pages: list[Page] = []
        self._free: asyncio.Queue[Page] | None = None
        self._opening = 0  # pool pages being opened now
        self._cdp: dict[int, CDPSession] = {}  # id(page) -> its own CDP session (host guard, blocking)
        self._frames: dict[int, str] = {}  # id(page) -> its main frame's id
        self._pace = asyncio.Lock()
        self._login_lock = asyncio.Lock()
        self._last_nav = 0.0
        self._host = urlsplit(opts.base_url).netloc
        self.blocked: list[str] = []  # navigations stopped because they left the host
        self.executable: Path | None = None  # the browser launched: the headless shell where a scan has one

    # -- lifecycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> Site:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> None:
        find = browser_mod.find_scan_browser if self.opts.headless else browser_mod.find_chromium
        try:
            exe = find(self.opts.browser_path or None)
        except browser_mod.BrowserNotFound as exc:
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, "browser", str(exc)) from None
        with browser_mod.driver_environment():
            self._pw = await async_playwright().start()
        try:
            self._browser = await self._pw.chromium.launch(
                executable_path=str(exe), headless=self.opts.headless,
                args=browser_mod.SCAN_ARGS if self.opts.headless else browser_mod.LAUNCH_ARGS)
        except PlaywrightError as exc:
            await self.close()
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, "browser",
                              _("Chromium did not start: {error}").format(error=first_line(exc))) from None
        self.executable = exe
        self._context = await self._browser.new_context(
            storage_state=self._read_session(), locale="ja-JP", timezone_id="Asia/Tokyo",
            viewport=browser_mod.SCAN_VIEWPORT if self.opts.headless else browser_mod.HEADED_VIEWPORT)
        self._context.set_default_timeout(self.opts.page_timeout_s * 1000)
        self._free = asyncio.Queue()
        self._free.put_nowait(await self._new_page())  # more only when jobs run side by side (page())

    async def _new_page(self) -> Page:
        """One more page of the pool, kept on the host. Raises PlaywrightError."""
        assert self._context is not None
        page = await self._context.new_page()
        self._pages.append(page)
        await self._keep_on_host(page)
        return page

    async def _keep_on_host(self, page: Page) -> None:
        """Fail every main-frame navigation to another host, each redirect hop included; block the
        resources no reader needs (``BLOCKED_URLS``)."""
        assert self._context is not None
        cdp = await self._context.new_cdp_session(page)
        self._cdp[id(page)] = cdp
        # No response body kept for this session (the buffers are for Network.getResponseBody).
        await cdp.send("Network.enable", {"maxTotalBufferSize": 0, "maxResourceBufferSize": 0})
        await cdp.send("Network.setBlockedURLs", {"urls": BLOCKED_URLS})
        tree = await cdp.send("Page.getFrameTree")
        main_frame = tree["frameTree"]["frame"]["id"]
        self._frames[id(page)] = main_frame

        async def paused(event: dict[str, Any]) -> None:
            url = event["request"]["url"]
            leaves = event.get("frameId") == main_frame and urlsplit(url).netloc != self._host
            with contextlib.suppress(PlaywrightError):
                if leaves:
                    self.blocked.append(_origin(url))
                    logger.warning("stopped a navigation outside {}: {}", self._host, _origin(url))
                    await cdp.send("Fetch.failRequest", {"requestId": event["requestId"],
                                                         "errorReason": "BlockedByClient"})
                else:
                    await cdp.send("Fetch.continueRequest", {"requestId": event["requestId"]})

        cdp.on("Fetch.requestPaused", lambda event: asyncio.ensure_future(paused(event)))
        await cdp.send("Fetch.enable", {"patterns": [{"urlPattern": "*", "resourceType": "Document",
                                                      "requestStage": "Request"}]})

    async def close(self) -> None:
        for closer in (self._context, self._browser):
            if closer is not None:
                with contextlib.suppress(PlaywrightError):
                    await closer.close()
        self._context = self._browser = None
        self._pages = []
        self._cdp, self._frames = {}, {}
        if self._pw is not None:
            try:
                await self._pw.stop()
            finally:
                self._pw = None

    @property
    def pages_open(self) -> int:
        """The pool's pages (each a renderer process in the browser): 1 up to ``pool_size``."""
        return len(self._pages)

    @property
    def pages_loaded(self) -> int:
        return sum(self.loads.values())

    @contextlib.asynccontextmanager
    async def page(self) -> AsyncIterator[Page]:
        """Borrow one of the pool's long-lived pages for a job (a page and what follows it).

        The pool starts with one page and grows to ``pool_size`` only while every page is busy and
        another job waits: a scan that loads its pages one after another (an unchanged rescan) keeps
        one page, one renderer process. Raises Unhealthy (site_unreachable) when a new page cannot
        be opened."""
        if self._free is None:
            raise RuntimeError("Site is not open")
        if self._free.empty() and len(self._pages) + self._opening < max(1, self.opts.pool_size):
            self._opening += 1  # counted before the await: two waiting jobs never open past pool_size
            try:
                page = await self._new_page()
            except PlaywrightError as exc:
                raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, "browser",
                                   _("the browser could not open a page: {error}").format(
                                       error=first_line(exc))) from None
            finally:
                self._opening -= 1
        else:
            page = await self._free.get()
        try:
            yield page
        except BaseException:
            self._free.put_nowait(page)
            raise
        await self._park(page)
        self._free.put_nowait(page)

    async def _park(self, page: Page) -> None:
        """Leave a scan's pool page on an empty document between two jobs. A document left there can
        move on its own later (a script's reload or redirect, on a timer): its load then interrupts the
        next job's, or lands after it. Every load under way is stopped first (CDP ``Page.stopLoading``);
        tried a few times at most, then left as it is (the next load's own retries remain)."""
        cdp = self._cdp.get(id(page))
        if not self.opts.headless or cdp is None:
            return  # a headed login's page is the person's window: left as they see it
        for _try in range(NAVIGATION_RETRIES):
            if page.url == "about:blank":
                return
            with contextlib.suppress(PlaywrightError):
                await cdp.send("Page.stopLoading")
                await page.goto("about:blank", wait_until="commit", timeout=self.opts.page_timeout_s * 1000)

    # -- session ---------------------------------------------------------------------------------

    def _read_session(self) -> dict[str, Any] | None:
        f = self.opts.session_file
        if not f.exists():
            return None
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            logger.warning("the saved session is unreadable; starting without it")
            return None
        return data if isinstance(data, dict) else None

    async def save_session(self) -> None:
        if self._context is None:
            return
        state = await self._context.storage_state()
        f = self.opts.session_file
        f.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private(f, json.dumps(state))

    # -- loading pages ---------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return urljoin(self.opts.base_url + "/", path.lstrip("/")) if "://" not in path else path

    async def _throttle(self) -> None:
        """At most one navigation start per ``min_interval_s`` across the whole pool."""
        async with self._pace:
            wait = self._last_nav + self.opts.min_interval_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_nav = time.monotonic()

    async def _pin_device(self) -> None:
        """The desktop markup, whatever the site decided before (``mobylette_device``, seen)."""
        if self._context is None:
            return
        name, value = self.sel.session.device_cookie.value.split("=", 1)
        await self._context.add_cookies([{"name": name, "value": value, "url": self.opts.base_url}])

    def _walls(self) -> str:
        """What stands instead of a member page: the login form, a challenge."""
        lg = self.sel.login
        return ", ".join((lg.form.css, lg.bot_check.css, lg.captcha.css))

    async def _settle(self, page: Page, ready: str, timeout_s: float) -> None:
        """Wait until the page shows ``ready`` (or a wall), at most ``settle_s`` after its load event.

        Never ``networkidle``: it does not settle on the real site. A page that shows neither is read
        as it is (the extractor then names what is missing). A page that shows it already (a page the
        server sent whole) is not waited on at all: one look, no watch set up.
        """
        wanted = f"{ready}, {self._walls()}"
        if await self._evaluate(page, f"document.querySelector({json.dumps(wanted)}) !== null"):
            return  # (no answer: a page still moving; the wait below sees it through)
        want = page.wait_for_selector(wanted, state="attached", timeout=timeout_s * 1000)

        async def loaded_and_some() -> None:
            await page.wait_for_load_state("load", timeout=timeout_s * 1000)
            await asyncio.sleep(self.opts.settle_s)

        tasks = [asyncio.ensure_future(want), asyncio.ensure_future(loaded_and_some())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _begin_load(self, url: str, kind: str, *, on_host: bool) -> None:
        """What every load does first, drawn or not: refuse one off the site's host (``on_host`` false:
        Unhealthy, site_unreachable), wait out the minimum interval, pin the device cookie, count it."""
        if not on_host:
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, kind,
                               _("refused to load a page outside {host}").format(host=self._host))
        await self._throttle()
        await self._pin_device()
        self.loads[kind] += 1

    async def _goto(self, page: Page, url: str, kind: str, capture: tuple[re.Pattern[str], ...] = (),
                    ready: str | None = None) -> tuple[int, list[tuple[str, Any]], int, dict[str, str]]:
        """Load ``url``: ``(status, payloads, denied, headers)``, ``denied`` the 401/403 one of the page's
        own captured API calls answered (0: none did): the session ended between the page and its call.
        An answer the firewall marked as a challenge (``walls.challenge_header``) is returned whatever its
        status (403, 503) for the caller to recognise and save; it is never "the site is down"."""
        await self._begin_load(url, kind, on_host=urlsplit(url).netloc == self._host)
        timeout_s = self.opts.page_timeout_s
        asked: list[Request] = []

        def on_request(req: Request) -> None:
            if urlsplit(req.url).netloc == self._host and any(p.search(req.url) for p in capture):
                asked.append(req)

        if capture:
            page.on("request", on_request)
        blocked = len(self.blocked)
        denied: list[int] = []
        try:
            resp = await self._navigate(page, url, timeout_s)
            status = resp.status if resp is not None else 0
            if ready and status < 400:
                await self._settle(page, ready, timeout_s)
            payloads = await self._payloads(page, asked, capture, denied) if capture and status < 400 else []
        except PlaywrightTimeout:
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url),
                               _("no answer within {seconds} s").format(seconds=f"{timeout_s:g}")) from None
        except PlaywrightError as exc:
            if len(self.blocked) > blocked:
                raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url),
                                   _("redirected outside {host} (to {target}); not followed").format(
                                       host=self._host, target=self.blocked[-1])) from None
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url), first_line(exc)) from None
        finally:
            if capture:
                page.remove_listener("request", on_request)
        if urlsplit(page.url).netloc != self._host:
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url),
                               _("redirected outside {host}").format(host=self._host))
        headers = {k.lower(): v for k, v in (resp.headers if resp is not None else {}).items()}
        if challenge_header(headers, self.sel) is not None:
            return status, payloads, 0, headers
        if status >= 500:
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url), f"HTTP {status}")
        body: bytes | None = None
        if resp is not None:
            with contextlib.suppress(PlaywrightError):  # no body to check (e.g. a replaced document)
                body = await resp.body()
        end = self.sel.document_end.strip().lower().encode()
        if end and body is not None and "html" in (resp.headers.get("content-type") or "html") and \
                not body.rstrip().lower().endswith(end):
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url),
                               _("the page arrived truncated ({size} bytes, no closing {end})").format(
                                   size=len(body), end=self.sel.document_end.strip()))
        return status, payloads, (denied[0] if denied else 0), headers

    async def _request(self, url: str, kind: str) -> tuple[int, str, str, dict[str, str]]:
        """GET ``url`` through the browser context's request API (its cookies, no page drawn):
        ``(status, final url, text, headers)``. As a navigation: paced (``_throttle``), the device
        cookie pinned, every redirect hop kept on the host (one that leaves is never followed), an
        answer the firewall marked as a challenge returned for the caller to recognise, a server error
        or a truncated page unhealthy. Raises Unhealthy (site_unreachable)."""
        await self._begin_load(url, kind, on_host=urlsplit(url).netloc == self._host and self._context is not None)
        assert self._context is not None
        timeout_s = self.opts.page_timeout_s
        current = url
        for _hop in range(REDIRECT_HOPS + 1):
            try:
                resp = await self._context.request.get(current, max_redirects=0, timeout=timeout_s * 1000,
                                                       fail_on_status_code=False)
            except PlaywrightTimeout:
                raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url),
                                   _("no answer within {seconds} s").format(seconds=f"{timeout_s:g}")) from None
            except PlaywrightError as exc:
                raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url), first_line(exc)) from None
            location = resp.headers.get("location")
            if not (300 <= resp.status < 400 and location):
                break
            target = urljoin(current, location)
            await resp.dispose()
            if urlsplit(target).netloc != self._host:
                self.blocked.append(_origin(target))
                logger.warning("stopped a navigation outside {}: {}", self._host, _origin(target))
                raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url),
                                   _("redirected outside {host} (to {target}); not followed").format(
                                       host=self._host, target=_origin(target)))
            current = target
        else:
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url),
                               _("more than {n} redirects").format(n=REDIRECT_HOPS))
        headers = {k.lower(): v for k, v in resp.headers.items()}
        try:
            body = await resp.body()
        except PlaywrightError as exc:
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url), first_line(exc)) from None
        finally:
            with contextlib.suppress(PlaywrightError):
                await resp.dispose()
        status = resp.status
        text = body.decode(_charset(headers.get("content-type", "")), errors="replace")
        if challenge_header(headers, self.sel) is not None:
            return status, current, text, headers
        if status >= 500:
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url), f"HTTP {status}")
        end = self.sel.document_end.strip().lower().encode()
        if end and "html" in (headers.get("content-type") or "html") and not body.rstrip().lower().endswith(end):
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url),
                               _("the page arrived truncated ({size} bytes, no closing {end})").format(
                                   size=len(body), end=self.sel.document_end.strip()))
        return status, current, text, headers

    async def _navigate(self, page: Page, url: str, timeout_s: float) -> Response | None:
        """``page.goto`` until ``domcontentloaded``, tried again (a few times at most) when another
        navigation interrupted it: the document left on the pool's page by the job before moving on
        its own (a script's reload or redirect), or that interrupted load still finishing. Before
        trying again every load still under way in the page is stopped (CDP ``Page.stopLoading``):
        else the retry races the load that interrupted it, or the first try's own, and each new try
        is interrupted by the one before."""
        for attempt in range(NAVIGATION_RETRIES):
            try:
                return await page.goto(url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
            except PlaywrightError as exc:
                other = _INTERRUPTED.search(str(exc))
                if other is None or attempt == NAVIGATION_RETRIES - 1:
                    raise
                logger.debug("a leftover navigation to {} interrupted {}: stopped, again", _short(other.group(1)),
                             _short(url))
                cdp = self._cdp.get(id(page))
                if cdp is not None:
                    with contextlib.suppress(PlaywrightError):
                        await cdp.send("Page.stopLoading")
        return None

    async def _evaluate(self, page: Page, expression: str) -> Any:
        """``expression``'s value (JSON-like) in cwwatch's own world (``WORLD``) of the main frame's
        current document; None when there is no answer: no CDP session, a script error, or a page
        moving meanwhile. The world is asked for at each call (Chromium gives the same one back
        within a document, measured): a context id kept from an earlier document could name a
        world of another one."""
        cdp, frame = self._cdp.get(id(page)), self._frames.get(id(page))
        if cdp is None or frame is None:
            return None
        try:
            world = await cdp.send("Page.createIsolatedWorld", {"frameId": frame, "worldName": WORLD})
            got = await cdp.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                      "contextId": world["executionContextId"]})
        except PlaywrightError:
            return None
        return None if "exceptionDetails" in got else got.get("result", {}).get("value")

    async def _payloads(self, page: Page, asked: list[Request], capture: tuple[re.Pattern[str], ...],
                        denied: list[int]) -> list[tuple[str, Any]]:
        """JSON bodies of the page's own API calls, each awaited until answered (within the page
        timeout); a page that has made none yet gets ``settle_s`` to start one. [] when it made none.
        A call answered 401 or 403 adds its status to ``denied`` (the login wall, seen through the
        API); one the site's firewall answered with a challenge raises Unhealthy (login_challenge)."""
        if not asked:
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_event(
                    "request", lambda r: urlsplit(r.url).netloc == self._host and any(p.search(r.url) for p in capture),
                    timeout=max(self.opts.settle_s, 0.05) * 1000)
        out: list[tuple[str, Any]] = []
        for req in list(asked):
            try:
                resp = await asyncio.wait_for(req.response(), self.opts.page_timeout_s)
            except (PlaywrightError, TimeoutError):
                continue
            if resp is not None and resp.ok:
                with contextlib.suppress(PlaywrightError, ValueError):
                    out.append((resp.url, await resp.json()))
            elif resp is not None and resp.status in (401, 403):
                if challenge_header(resp.headers, self.sel) is not None:
                    raise Unhealthy.of(HealthKind.LOGIN_CHALLENGE, _short(resp.url), _(_CHALLENGES[PageKind.BOT_CHECK]))
                denied.append(resp.status)
        return out

    async def _content(self, page: Page) -> str:
        """The page's HTML, read in cwwatch's own world of the document (``_evaluate``, ``_HTML_JS``);
        where that gives no answer (a document still being parsed, a page moving), Playwright's
        ``page.content()`` once the page stands still: a page that navigates while it is read (a script
        redirect or reload right after loading) is waited for and read again, a few times at most,
        within the page timeout. Raises Unhealthy (site_unreachable) when it never settles."""
        html = await self._evaluate(page, _HTML_JS)
        if isinstance(html, str):
            return html
        deadline = time.monotonic() + self.opts.page_timeout_s
        for _try in range(NAVIGATION_RETRIES):
            try:
                return await page.content()
            except PlaywrightError as exc:
                if "navigating" not in str(exc) or time.monotonic() >= deadline:
                    raise
            left = max(deadline - time.monotonic(), 0.1)
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state("domcontentloaded", timeout=left * 1000)
            await asyncio.sleep(0.2)
        raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(page.url),
                           _("the page kept moving to another page while it was being read "
                             "({tries} tries): a redirect or reload loop").format(tries=NAVIGATION_RETRIES))

    async def _snapshot(self, page: Page, status: int, headers: dict[str, str] | None = None) -> Fetched:
        try:
            html = await self._content(page)
        except PlaywrightError as exc:
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(page.url),
                               _("the page could not be read: {error}").format(error=first_line(exc))) from None
        tree = parse_html(html)
        rec = recognise(tree, page.url, status, self.sel, headers)
        if rec.worker_id is not None:
            self.worker_id = rec.worker_id
        return Fetched(page.url, status, html, tree, self.clock(), rec, headers=dict(headers or {}))

    async def get(self, page: Page, path: str, kind: str, capture: tuple[re.Pattern[str], ...] = (),
                  ready: str | None = None, render: bool = True) -> Fetched:
        """Load a member page, logging in once if the login wall stands in the way.

        ``capture``: the page's own JSON calls to keep (their answers arrive in ``json_payloads``);
        ``ready``: what the page must show before it is read. ``render=False``: a page the server
        sends whole (no script has to run for what the reader reads) is read as it arrives, through
        the browser context's own request API (:meth:`_request`: the same cookies, pacing, host guard
        and walls), never drawn; ``page`` then serves only a login. Raises Unhealthy.
        A page whose own API call answers 401/403 while the page itself loaded met the login wall
        too (the session ended in between): it is logged in once and read again, like the login page.
        A challenge (by protocol, script, words, or an ordinary page without the site's header where a
        member page was expected) raises :class:`Challenged` at once: never a retry, never a login.
        """
        url = self.url(path)
        for attempt in (1, 2):
            if render:
                status, payloads, denied, headers = await self._goto(page, url, kind, capture, ready)
                fetched = await self._snapshot(page, status, headers)
                fetched.json_payloads = payloads
            else:
                status, final, html, headers = await self._request(url, kind)
                denied = 0
                tree = parse_html(html)
                rec = recognise(tree, final, status, self.sel, headers)
                if rec.worker_id is not None:
                    self.worker_id = rec.worker_id
                fetched = Fetched(final, status, html, tree, self.clock(), rec, headers=headers)
            rk = fetched.recognised.kind
            _challenge(fetched, _short(url))
            if rk is None and not fetched.recognised.header:
                raise Challenged(HealthKind.LOGIN_CHALLENGE, _short(url),
                                 _("a page without the site's header (HTTP {status}) where a member page was "
                                   "expected: a bot check or a challenge; pass it once in a browser with "
                                   "`cwwatch login --headed`").format(status=status), fetched)
            if rk is PageKind.LOGIN or denied:
                if attempt == 2 and rk is PageKind.LOGIN:
                    raise Unhealthy.of(HealthKind.LOGIN_FAILED, _short(url),
                                       _("still at the login page after logging in"))
                if attempt == 2:  # the site took the login, its API still refuses: not the password (no login block)
                    raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, _short(url),
                                       _("the page's own API still answered HTTP {status} after logging in").format(
                                           status=denied))
                if denied:
                    logger.info("{}: its own API answered HTTP {}: the session ended; logging in", _short(url), denied)
                await self.login(page)
                continue
            return fetched
        raise AssertionError("unreachable")

    async def fetch_json(self, page: Page, path: str, kind: str) -> tuple[int, Any]:
        """GET a JSON answer once through the browser context's request API (the session's cookies, as
        the page's own call would send them, with the page as its referrer; no script runs, nothing is
        drawn), paced like a navigation: ``(status, body)``, body None when it is not JSON or the answer
        is not 200 (a redirect is not followed: the login wall answers so). Only for paths the site's
        own pages load (never ``/api/``, which robots.txt closes). Raises Unhealthy for another host,
        and (login_challenge) for an answer the site's firewall marked as a challenge."""
        url = self.url(path)
        if urlsplit(url).netloc != self._host or urlsplit(url).path.startswith("/api/"):
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, kind,
                               _("refused to fetch {path}").format(path=_short(url)))
        await self._throttle()
        self.loads[kind] += 1
        if self._context is None:
            return 0, None
        headers = {"Accept": "application/json"}
        if urlsplit(page.url).netloc == self._host:
            headers["Referer"] = page.url
        try:
            resp = await self._context.request.get(url, headers=headers, max_redirects=0,
                                                   timeout=self.opts.page_timeout_s * 1000, fail_on_status_code=False)
        except PlaywrightError:
            return 0, None
        try:
            status = resp.status
            if status in (401, 403) and challenge_header({k.lower(): v for k, v in resp.headers.items()},
                                                         self.sel) is not None:
                raise Unhealthy.of(HealthKind.LOGIN_CHALLENGE, _short(url), _(_CHALLENGES[PageKind.BOT_CHECK]))
            if status != 200:
                return status, None
            try:
                return status, json.loads(await resp.text())
            except (PlaywrightError, ValueError):
                return status, None
        finally:
            with contextlib.suppress(PlaywrightError):
                await resp.dispose()

    async def open_login_page(self, page: Page) -> Fetched:
        status, _payloads, _denied, headers = await self._goto(page, self.url(self.sel.urls.login), "login")
        return await self._snapshot(page, status, headers)

    async def snapshot(self, page: Page) -> Fetched:
        """What the page shows now (after the person acted in a headed browser)."""
        return await self._snapshot(page, 200)

    async def login(self, page: Page) -> None:
        """Log in with the stored credentials: once per scan at most, never after a failure."""
        async with self._login_lock:
            if self.logged_in_by_us:
                return  # another page of the pool met the wall first and logged in
            if self.logins:
                raise Unhealthy.of(HealthKind.LOGIN_FAILED, "login", _("one login per scan; not retrying"))
            if not self.opts.login_allowed:
                raise Unhealthy.of(HealthKind.LOGIN_FAILED, "login",
                                  _("an earlier login failed; run `cwwatch login` to try again"))
            creds = self.credentials()
            if creds is None:
                raise Unhealthy.of(HealthKind.LOGGED_OUT, "login", _("no stored password; run `cwwatch login`"))
            self.logins += 1
            self.credentials_seen = creds
            await self._login(page, creds)
            self.logged_in_by_us = True

    async def _login(self, page: Page, creds: Credentials) -> None:
        lg = self.sel.login
        # The form must be in the front tab: Chromium holds back a background tab's animation
        # frames, which Playwright's clicks wait on (seconds per click), and a headed login shows
        # the person the front tab.
        await page.bring_to_front()
        before = await self.open_login_page(page)
        _challenge(before, "login")
        if before.recognised.kind is not PageKind.LOGIN:
            if before.recognised.logged_in:
                await self.save_session()
                return
            raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, "login", _("no login form found"))
        try:
            await page.locator(lg.username.css).first.fill(creds.email)
            await page.locator(lg.password.css).first.fill(creds.password)
            remember = await page.query_selector(lg.remember.css)
            if remember is not None and not await remember.is_checked():
                await remember.check()
            async with page.expect_navigation(wait_until="domcontentloaded"):
                await page.locator(lg.submit.css).first.click()
        except PlaywrightTimeout:
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, "login", _("the login form did not answer")) from None
        except PlaywrightError:
            # Playwright's message may quote the selector and the typed value: do not pass it on.
            raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, "login",
                              _("could not fill in and submit the login form")) from None
        self.loads["login_submit"] += 1
        after = await self._snapshot(page, 200)
        kind = after.recognised.kind
        if lg.two_step_url.value in page.url:
            kind = PageKind.TWO_STEP
        _challenge(after, "login", kind)
        if kind is PageKind.LOGIN or after.recognised.login_error:
            self.login_failed = True
            reason = after.recognised.login_error or _("the site kept showing the login form")
            raise Unhealthy.of(HealthKind.LOGIN_FAILED, "login", reason)
        logger.info("logged in")
        await self.save_session()

    async def unfold(self, page: Page, pattern: re.Pattern[str], kind: str,
                     budget_s: float | None = None) -> Fetched | None:
        """Open a thread's folded older messages in place, fold after fold: click the control whose
        text matches ``pattern`` (「他のN件のメッセージを表示」) until none is left.

        The bound follows the count the fold announces (each click brings back at least one message,
        so a fold announcing N needs at most N clicks: :func:`unfold_limit`), within a time budget
        (``budget_s``, default UNFOLD_BUDGET_PAGES page timeouts). A click that fails or a bound that is
        met stops the unfolding and the page is read as it stands (its newest messages are always
        shown): the caller sees what stays folded. None when nothing was unfolded."""
        control = page.get_by_text(pattern).first
        clicks, limit = 0, 0
        budget = budget_s if budget_s is not None else self.opts.page_timeout_s * UNFOLD_BUDGET_PAGES
        deadline = time.monotonic() + budget
        await page.bring_to_front()  # a click in a background tab waits for its animation frames
        while await control.count():
            text = (await control.text_content() or "").strip()
            limit = unfold_limit(clicks, limit, text)
            left = deadline - time.monotonic()
            if clicks >= limit or left <= 0:
                logger.warning("{}: unfolding stopped after {} clicks (bound {}, budget {:g} s); 「{}」 stays",
                               kind, clicks, limit, budget, text)
                break
            await self._throttle()
            self.loads[kind] += 1
            wait_ms = max(1.0, min(self.opts.page_timeout_s, left)) * 1000
            try:
                await control.click(timeout=wait_ms)
                # in place: wait until this control changed its count or went away
                await page.wait_for_function(
                    "([re, before]) => ![...document.querySelectorAll('body *')].some("
                    "e => e.childElementCount === 0 && new RegExp(re).test(e.textContent) "
                    "&& e.textContent.trim() === before)",
                    arg=[pattern.pattern, text], timeout=wait_ms)
            except PlaywrightError as exc:
                logger.warning("{}: a click on 「{}」 brought nothing ({}); unfolding stopped", kind, text,
                               type(exc).__name__)
                break
            clicks += 1
        if not clicks:
            return None
        return await self._snapshot(page, 200)

    async def save_copy(self, page: Page, fetched: Fetched, folder: Path, name: str,
                        redact: Callable[[str], str], scripts: bool = True) -> Path:
        """Save the page's HTML, redacted, and a screenshot of the redacted page (0600 files, each written
        atomically: a file that is there is whole). ``scripts=False``: the screenshot is drawn without the
        page's scripts (a challenge's script would ask the firewall again). Raises OSError when the HTML
        could not be written."""
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        html_file = folder / f"{name}.html"
        clean = redact(fetched.html)
        write_private(html_file, clean)
        cdp = self._cdp.get(id(page))
        try:
            shown = clean if scripts else _SCRIPT.sub("", clean)
            if cdp is not None:  # drawn as the person saw it: with its stylesheets and pictures
                await cdp.send("Network.setBlockedURLs", {"urls": []})
            await page.set_content(shown, wait_until="load", timeout=10_000)
            png = await page.screenshot(full_page=True, timeout=10_000)
            write_private(folder / f"{name}.png", png)
        except (PlaywrightError, OSError) as exc:  # the HTML is saved whole: the copy stands without its picture
            logger.warning("no screenshot of {}: {}", name, type(exc).__name__)
        finally:
            if cdp is not None:
                with contextlib.suppress(PlaywrightError):
                    await cdp.send("Network.setBlockedURLs", {"urls": BLOCKED_URLS})
        return html_file


def unfold_limit(clicks: int, limit: int, text: str) -> int:
    """How many clicks unfolding may take in all, once ``clicks`` were made and the control reads
    ``text``: each click brings back at least one message, so the count the fold announces
    (「他のN件のメッセージを表示」) is enough; a fold announcing no count gets UNFOLD_CLICKS more. Never
    lowered (a second fold further up adds its own count)."""
    found = re.search(r"\d+", unicodedata.normalize("NFKC", text).replace(",", ""))
    more = int(found.group()) if found else UNFOLD_CLICKS
    return max(limit, clicks + more)


_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)

_CHALLENGES = {
    PageKind.TWO_STEP: N_("two-step authentication: run `cwwatch login --headed`"),
    PageKind.CAPTCHA: N_("a captcha: run `cwwatch login --headed`"),
    PageKind.BOT_CHECK: N_("a bot check (「人間であることを確認します」): pass it once in a browser with "
                           "`cwwatch login --headed`"),
}


def _challenge(fetched: Fetched, where: str, kind: PageKind | None = None) -> None:
    """A page that needs the person (a code, a captcha, a bot check) ends the scan: never a retry.
    Raises :class:`Challenged` (with the page, to be saved) naming what told it."""
    kind = kind or fetched.recognised.kind
    if kind not in _CHALLENGES:
        return
    detail = _(_CHALLENGES[kind])
    if kind is PageKind.BOT_CHECK and fetched.recognised.challenge:
        detail = _("a bot check (HTTP {status}, {what}): pass it once in a browser with "
                   "`cwwatch login --headed`").format(status=fetched.status, what=fetched.recognised.challenge)
    raise Challenged(HealthKind.LOGIN_CHALLENGE, where, detail, fetched)


def _charset(content_type: str) -> str:
    """The charset a Content-Type names (``text/html; charset=Shift_JIS``), UTF-8 when none or unknown."""
    m = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    if m:
        with contextlib.suppress(LookupError):
            return codecs.lookup(m.group(1)).name
    return "utf-8"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _short(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
