"""The only code that touches the browser: Chromium driven by Playwright.

It owns the persistent session (Playwright ``storage_state`` in a 0600 file), logs in with the
keyring password only when a page shows the login wall (at most once per scan), spaces page
loads by a minimum interval, and recognises the login wall, the two-step page, a captcha, a login
error, the 404 page and server errors. What it cannot get past becomes a :class:`SiteProblem`
naming the health kind, so the scan stops before any client finding is derived.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from loguru import logger
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from watcher import browser as browser_mod
from watcher.extract import Recognised, Tree, parse_html, recognise
from watcher.keychain import Credentials
from watcher.models import HealthKind, PageKind, Problem
from watcher.paths import write_private
from watcher.selectorset import SelectorSet


class SiteProblem(Exception):
    """The scan cannot go on: carries the health problem to report."""

    def __init__(self, kind: HealthKind, page: str, detail: str) -> None:
        super().__init__(f"{kind}: {page}: {detail}")
        self.problem = Problem(kind, page, detail)


@dataclass
class Fetched:
    url: str
    status: int
    html: str
    tree: Tree
    fetched_at: datetime
    recognised: Recognised

    @property
    def not_found(self) -> bool:
        return self.recognised.kind is PageKind.NOT_FOUND


CredentialSource = Callable[[], Credentials | None]


@dataclass
class SiteOptions:
    base_url: str
    session_file: Path
    browser_path: str = ""
    headless: bool = True
    page_timeout_s: float = 30.0
    min_interval_s: float = 1.0
    login_allowed: bool = True  # False after a failed login, until `cwwatch login` succeeds


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
        self.worker_id: int | None = None
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._last_load = 0.0
        self._host = urlsplit(opts.base_url).netloc

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> Site:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        try:
            exe = browser_mod.find_chromium(self.opts.browser_path or None)
        except browser_mod.BrowserNotFound as exc:
            raise SiteProblem(HealthKind.SITE_UNREACHABLE, "browser", str(exc)) from None
        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(
                executable_path=str(exe), headless=self.opts.headless,
                args=browser_mod.LAUNCH_ARGS)
        except PlaywrightError as exc:
            self.close()
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SiteProblem(HealthKind.SITE_UNREACHABLE, "browser",
                              f"Chromium did not start: {first}") from None
        state = self._read_session()
        self._context = self._browser.new_context(
            storage_state=state, locale="ja-JP", timezone_id="Asia/Tokyo",
            viewport={"width": 1280, "height": 900})
        self._context.set_default_timeout(self.opts.page_timeout_s * 1000)
        self._page = self._context.new_page()

    def close(self) -> None:
        for closer in (self._context, self._browser):
            if closer is not None:
                with contextlib.suppress(PlaywrightError):
                    closer.close()
        self._context = self._browser = self._page = None
        if self._pw is not None:
            try:
                self._pw.stop()
            finally:
                self._pw = None

    @property
    def page(self) -> Page:
        if self._page is None:
            raise RuntimeError("Site is not open")
        return self._page

    @property
    def pages_loaded(self) -> int:
        return sum(self.loads.values())

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

    def save_session(self) -> None:
        if self._context is None:
            return
        state = self._context.storage_state()
        f = self.opts.session_file
        f.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private(f, json.dumps(state))

    # -- loading pages ---------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return urljoin(self.opts.base_url + "/", path.lstrip("/")) if "://" not in path else path

    def _throttle(self) -> None:
        wait = self._last_load + self.opts.min_interval_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_load = time.monotonic()

    def _goto(self, url: str, kind: str) -> tuple[int, str]:
        if urlsplit(url).netloc != self._host:
            raise SiteProblem(HealthKind.SITE_UNREACHABLE, kind,
                              f"refused to load a page outside {self._host}")
        self._throttle()
        self.loads[kind] += 1
        timeout_s = self.opts.page_timeout_s
        try:
            resp = self.page.goto(url, wait_until="load", timeout=timeout_s * 1000)
        except PlaywrightTimeout:
            raise SiteProblem(HealthKind.SITE_UNREACHABLE, _short(url),
                              f"no answer within {timeout_s:g} s") from None
        except PlaywrightError as exc:
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SiteProblem(HealthKind.SITE_UNREACHABLE, _short(url), msg) from None
        status = resp.status if resp is not None else 0
        final = self.page.url
        if urlsplit(final).netloc != self._host:
            raise SiteProblem(HealthKind.SITE_UNREACHABLE, _short(url),
                              f"redirected outside {self._host}")
        if status >= 500:
            raise SiteProblem(HealthKind.SITE_UNREACHABLE, _short(url), f"HTTP {status}")
        return status, final

    def open_login_page(self) -> Fetched:
        status, _ = self._goto(self.url(self.sel.urls.login), "login")
        return self._snapshot(status)

    def snapshot(self) -> Fetched:
        """What the page shows now (after the person acted in a headed browser)."""
        return self._snapshot(200)

    def _snapshot(self, status: int) -> Fetched:
        html = self.page.content()
        tree = parse_html(html)
        rec = recognise(tree, self.page.url, status, self.sel)
        if rec.worker_id is not None:
            self.worker_id = rec.worker_id
        return Fetched(self.page.url, status, html, tree, self.clock(), rec)

    def get(self, path: str, kind: str) -> Fetched:
        """Load a member page, logging in once if the login wall stands in the way."""
        url = self.url(path)
        for attempt in (1, 2):
            status, _ = self._goto(url, kind)
            fetched = self._snapshot(status)
            rk = fetched.recognised.kind
            if rk in (PageKind.TWO_STEP, PageKind.CAPTCHA):
                raise SiteProblem(HealthKind.LOGIN_CHALLENGE, _short(url),
                                  "two-step authentication" if rk is PageKind.TWO_STEP
                                  else "a captcha stands in the way")
            if rk is PageKind.LOGIN:
                if attempt == 2:
                    raise SiteProblem(HealthKind.LOGIN_FAILED, _short(url),
                                      "still at the login page after logging in")
                self.login()
                continue
            return fetched
        raise AssertionError("unreachable")

    def login(self) -> None:
        """Log in with the stored credentials: once per scan at most, never after a failure."""
        if self.logins:
            raise SiteProblem(HealthKind.LOGIN_FAILED, "login", "one login per scan; not retrying")
        if not self.opts.login_allowed:
            raise SiteProblem(HealthKind.LOGIN_FAILED, "login",
                              "an earlier login failed; run `cwwatch login` to try again")
        creds = self.credentials()
        if creds is None:
            raise SiteProblem(HealthKind.LOGGED_OUT, "login",
                              "no stored password; run `cwwatch login`")
        self.logins += 1
        lg = self.sel.login
        before = self.open_login_page()
        if before.recognised.kind is PageKind.CAPTCHA:
            raise SiteProblem(HealthKind.LOGIN_CHALLENGE, "login", "a captcha stands in the way")
        if before.recognised.kind is not PageKind.LOGIN:
            if before.recognised.logged_in:
                self.save_session()
                return
            raise SiteProblem(HealthKind.LAYOUT_CHANGED, "login", "no login form found")
        page = self.page
        try:
            page.fill(lg.username, creds.email)
            page.fill(lg.password, creds.password)
            remember = page.query_selector(lg.remember)
            if remember is not None and not remember.is_checked():
                remember.check()
            with page.expect_navigation(wait_until="load"):
                page.click(lg.submit)
        except PlaywrightTimeout:
            raise SiteProblem(HealthKind.SITE_UNREACHABLE, "login",
                              "the login form did not answer") from None
        except PlaywrightError:
            # Playwright's message may quote the selector and the typed value: do not pass it on.
            raise SiteProblem(HealthKind.LAYOUT_CHANGED, "login",
                              "could not fill in and submit the login form") from None
        self.loads["login_submit"] += 1
        after = self._snapshot(200)
        kind = after.recognised.kind
        if lg.two_step_url in page.url or kind is PageKind.TWO_STEP:
            raise SiteProblem(HealthKind.LOGIN_CHALLENGE, "login",
                              "two-step authentication: run `cwwatch login --headed`")
        if kind is PageKind.CAPTCHA:
            raise SiteProblem(HealthKind.LOGIN_CHALLENGE, "login",
                              "a captcha: run `cwwatch login --headed`")
        if kind is PageKind.LOGIN or after.recognised.login_error:
            self.login_failed = True
            reason = after.recognised.login_error or "the site kept showing the login form"
            raise SiteProblem(HealthKind.LOGIN_FAILED, "login", reason)
        logger.info("logged in")
        self.save_session()

    def expand_thread(self, show_more_css: str, texts: list[str], kind: str) -> Fetched | None:
        """Open a thread's folded older messages; None when there was nothing to unfold."""
        page = self.page
        target = page.query_selector(show_more_css)
        if target is None:
            for t in texts:
                target = page.query_selector(f"#pack-message-thread >> text={t}")
                if target is not None:
                    break
        if target is None:
            return None
        self._throttle()
        self.loads[kind] += 1
        try:
            with page.expect_navigation(wait_until="load"):
                target.click()
        except PlaywrightTimeout:
            # Not a navigation: the site may unfold in place. Give it a moment to render.
            page.wait_for_load_state("load")
        except PlaywrightError as exc:
            raise SiteProblem(HealthKind.LAYOUT_CHANGED, kind,
                              f"could not open the folded messages ({type(exc).__name__})"
                              ) from None
        return self._snapshot(200)

    def save_copy(self, fetched: Fetched, folder: Path, name: str) -> Path:
        """Save the page's HTML and a screenshot for the user to look at (0600 files)."""
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        html_file = folder / f"{name}.html"
        write_private(html_file, fetched.html)
        try:
            png = self.page.screenshot(full_page=True, timeout=10_000)
            write_private(folder / f"{name}.png", png)
        except PlaywrightError as exc:
            logger.warning("no screenshot of {}: {}", name, type(exc).__name__)
        return html_file


def _short(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
