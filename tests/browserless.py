"""Scans of the sample site without a browser: the real scan pipe, only Chromium is absent.

:class:`HttpSite` is a :class:`~watcher.crowdworks.site.Site` whose pages are loaded over plain HTTP
from the sample server (:mod:`watcher.sample.server`) instead of through Playwright. Everything
above the browser is the product's own: :func:`watcher.scan.run_scan` and its ``ScanContext``, the
readers of :class:`~watcher.crowdworks.pages.Pages`, the pure extractors, ``recognise``, the login
wall handling of ``Site.get``, the ``Store``. What a browser would add is emulated as the sample
site's pages need it:

- the page's own JSON calls (``Site.get``'s ``capture``): the ``fetch('…')`` calls written in the
  page's scripts are made once, like the page would after loading;
- ``Site.fetch_json``: one GET with the session's cookies;
- the login: the login form as the page shows it, filled in from the selectors' fields, posted.

It is for tests that need a *history* (``status``, ``mute``, ``report`` and their goldens): they
then run in the fast tier. What only a browser can show (settling, script redirects, folded
threads opened by a click, screenshots) stays with the Chromium tests, and each of those commands
keeps at least one test on a history scanned in real Chromium (``story_home_chromium``).

This module is the one place in the tests that knows how :class:`Site` is built inside: when
``Site`` or the scan's construction changes, adapt it here.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import pytest

from tests.sitefixtures import (
    Harness,
    harnesses,
    scanned_story_home,
)
from watcher.config import Config
from watcher.crowdworks import selectors as selectorset
from watcher.crowdworks.site import CredentialSource, Fetched, Site
from watcher.errors import Unhealthy
from watcher.models import HealthKind, PageKind
from watcher.paths import Paths, write_private
from watcher.sample.scenario import Scenario
from watcher.scan import ScanResult, run_scan
from watcher.wiring import Env, make_notifier, open_store, scan_context

# A script's call to its own API: fetch('/path?page=' + page) or fetch('/path').
_FETCH_CALL = re.compile(r"""fetch\(\s*(['"])(?P<literal>[^'"]*)\1(?:\s*\+\s*(?P<var>[A-Za-z_]\w*))?""")


class HttpPage:
    """What a reader holds instead of a Playwright page: the last document loaded."""

    def __init__(self) -> None:
        self.url = "about:blank"
        self.html = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by :meth:`HttpSite._http` itself (to keep to the site's host)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpSite(Site):
    """A :class:`Site` over plain HTTP: the sample server's answers, no browser (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self._jar), _NoRedirect)

    # -- lifecycle: no browser -----------------------------------------------------------------

    async def open(self) -> None:
        for c in (self._read_session() or {}).get("cookies", []):  # the session file, as Playwright keeps it
            self._jar.set_cookie(http.cookiejar.Cookie(
                0, c["name"], c["value"], None, False, c["domain"], True, c["domain"].startswith("."),
                c.get("path") or "/", True, bool(c.get("secure")),
                None if c.get("expires", -1) < 0 else int(c["expires"]), False, None, None, {}))
        self._free = asyncio.Queue()
        for _ in range(max(self.opts.pool_size, 1)):  # the whole pool at once: Site.page() never grows it
            self._pages.append(HttpPage())  # type: ignore[arg-type]
            self._free.put_nowait(self._pages[-1])

    async def save_session(self) -> None:
        """The session's cookies in Playwright's ``storage_state`` form (what ``Site`` saves)."""
        state = {"cookies": [{"name": c.name, "value": c.value, "domain": c.domain, "path": c.path,
                              "expires": c.expires if c.expires is not None else -1, "httpOnly": False,
                              "secure": c.secure, "sameSite": "Lax"} for c in self._jar], "origins": []}
        f = self.opts.session_file
        f.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private(f, json.dumps(state))

    async def close(self) -> None:
        self._free = None

    # -- HTTP ----------------------------------------------------------------------------------

    def _http(self, url: str, data: bytes | None = None) -> tuple[int, str, bytes, str]:
        """(status, final url, body, content type), redirects followed on the site's host only."""
        for _hop in range(10):
            req = urllib.request.Request(url, data=data, headers={"Accept-Language": "ja-JP"})
            try:
                resp = self._opener.open(req, timeout=self.opts.page_timeout_s)
            except urllib.error.HTTPError as exc:
                resp = exc
            except (urllib.error.URLError, OSError) as exc:
                raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, urlsplit(url).path, str(exc)) from None
            with resp:
                status = resp.status if hasattr(resp, "status") else resp.code
                body = resp.read()
                ctype = resp.headers.get("Content-Type") or ""
                location = resp.headers.get("Location")
            if status in (301, 302, 303, 307, 308) and location:
                url = urllib.parse.urljoin(url, location)
                if urlsplit(url).netloc != self._host:
                    raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, urlsplit(url).path,
                                       f"redirected outside {self._host}; not followed")
                data = None if status in (301, 302, 303) else data
                continue
            return status, url, body, ctype
        raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, urlsplit(url).path, "too many redirects")

    def _calls(self, page_url: str, html: str, capture: tuple[re.Pattern[str], ...],
               denied: list[int]) -> list[tuple[str, Any]]:
        """The JSON the page's scripts would load, for the calls ``capture`` keeps (a 401/403 answer
        goes to ``denied``, as ``Site._payloads`` does)."""
        out: list[tuple[str, Any]] = []
        for m in _FETCH_CALL.finditer(html):
            path = m["literal"]
            if m["var"]:
                value = re.search(rf"\b{re.escape(m['var'])}\s*=\s*(\d+)", html)
                if value is None:
                    continue
                path += value.group(1)
            url = urllib.parse.urljoin(page_url, path)
            if urlsplit(url).netloc != self._host or not any(p.search(url) for p in capture):
                continue
            status, final, body, _ctype = self._http(url)
            if 200 <= status < 300:
                with contextlib.suppress(ValueError):
                    out.append((final, json.loads(body)))
            elif status in (401, 403):
                denied.append(status)
        return out

    # -- what Site does through the browser ----------------------------------------------------

    async def _goto(self, page: Any, url: str, kind: str, capture: tuple[re.Pattern[str], ...] = (),
                    ready: str | None = None) -> tuple[int, list[tuple[str, Any]], int, dict[str, str]]:
        status, final, body = await self._whole(url, kind)
        page.url, page.html = final, body.decode("utf-8", "replace")
        denied: list[int] = []
        payloads = self._calls(final, page.html, capture, denied) if capture and status < 400 else []
        return status, payloads, (denied[0] if denied else 0), {}  # a firewall's headers: the Chromium tests

    async def _request(self, url: str, kind: str) -> tuple[int, str, str, dict[str, str]]:
        """A page read as the server sends it (``Site.get(render=False)``): one GET, as ``_goto``."""
        status, final, body = await self._whole(url, kind)
        return status, final, body.decode("utf-8", "replace"), {}

    async def _whole(self, url: str, kind: str) -> tuple[int, str, bytes]:
        """One paced GET of a page on the host, ``(status, final url, body)``; Unhealthy for another
        host, a server error or a truncated page, as the real Site says them."""
        if urlsplit(url).netloc != self._host:
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, kind, f"refused to load a page outside {self._host}")
        await self._throttle()
        self.loads[kind] += 1
        status, final, body, ctype = self._http(url)
        if status >= 500:
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, urlsplit(url).path, f"HTTP {status}")
        end = self.sel.document_end.strip().lower().encode()
        if end and "html" in (ctype or "html") and not body.rstrip().lower().endswith(end):
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, urlsplit(url).path,
                               f"the page arrived truncated ({len(body)} bytes)")
        return status, final, body

    async def _content(self, page: Any) -> str:
        return str(page.html)

    async def fetch_json(self, page: Any, path: str, kind: str) -> tuple[int, Any]:
        url = self.url(path)
        if urlsplit(url).netloc != self._host or urlsplit(url).path.startswith("/api/"):
            raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, kind, f"refused to fetch {path}")
        await self._throttle()
        self.loads[kind] += 1
        status, _final, body, _ctype = self._http(url)
        try:
            return status, json.loads(body) if status == 200 else None
        except ValueError:
            return status, None

    async def _login(self, page: Any, creds: Any) -> None:
        """The login form as the page shows it (its fields and hidden values), filled in and posted."""
        lg = self.sel.login
        before = await self.open_login_page(page)
        if before.recognised.kind is not PageKind.LOGIN:
            if before.recognised.logged_in:
                return
            raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, "login", "no login form found")
        form = before.tree.css_first(lg.form.css)
        if form is None:
            raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, "login", "no login form found")
        fields: dict[str, str] = {}
        for node in form.css("input[name]"):
            kind = (node.attributes.get("type") or "text").lower()
            if kind not in ("checkbox", "radio", "submit", "button") or node.attributes.get("checked") is not None:
                fields[node.attributes["name"] or ""] = node.attributes.get("value") or ""
        for css, value in ((lg.username.css, creds.email), (lg.password.css, creds.password)):
            node = before.tree.css_first(css)
            if node is None or not node.attributes.get("name"):
                raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, "login", "could not fill in the login form")
            fields[node.attributes["name"] or ""] = value
        remember = before.tree.css_first(lg.remember.css) if lg.remember.css else None
        if remember is not None and remember.attributes.get("name"):
            fields[remember.attributes["name"] or ""] = remember.attributes.get("value") or "1"
        action = urllib.parse.urljoin(before.url, form.attributes.get("action") or before.url)
        await self._throttle()
        status, final, body, _ctype = self._http(action, urllib.parse.urlencode(fields).encode())
        self.loads["login_submit"] += 1
        page.url, page.html = final, body.decode("utf-8", "replace")
        after = await self._snapshot(page, status)
        if after.recognised.kind in (PageKind.TWO_STEP, PageKind.CAPTCHA, PageKind.BOT_CHECK) or \
                self.sel.login.two_step_url.value in final:
            raise Unhealthy.of(HealthKind.LOGIN_CHALLENGE, "login", "a challenge (headed login needed)")
        if after.recognised.kind is PageKind.LOGIN or after.recognised.login_error:
            self.login_failed = True
            raise Unhealthy.of(HealthKind.LOGIN_FAILED, "login",
                               after.recognised.login_error or "the site kept showing the login form")

    async def unfold(self, page: Any, pattern: re.Pattern[str], kind: str, max_clicks: int = 30) -> Fetched | None:
        return None  # a click needs a browser: the thread stays folded (the Chromium tests cover unfolding)

    async def save_copy(self, page: Any, fetched: Fetched, folder: Path, name: str,
                        redact: Callable[[str], str], scripts: bool = True) -> Path:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        html_file = folder / f"{name}.html"
        write_private(html_file, redact(fetched.html))
        return html_file


def http_scan(paths: Paths, config: Config, credentials: CredentialSource, clock: Callable[[], datetime],
              console: TextIO, health_notify_after: int = 2, full: bool = False) -> ScanResult:
    """One real scan (``run_scan``) with the site read over HTTP: what ``Harness.scan`` does in Chromium."""
    env = Env(paths, config, selectorset.load(config.selectors or None))
    store = open_store(paths)
    notifier = make_notifier(False, console)
    try:
        ctx = scan_context(env, store, notifier, credentials, clock=clock, health_notify_after=health_notify_after)
        real = ctx.make_site

        def make_site(login_allowed: bool) -> Site:
            site = real(login_allowed)
            return HttpSite(site.sel, site.opts, site.credentials, site.clock)

        return run_scan(dataclasses.replace(ctx, make_site=make_site), full=full)
    finally:
        store.close()


class HttpHarness(Harness):
    """:class:`~tests.sitefixtures.Harness` whose ``scan()`` reads the sample site without a browser."""

    def scan(self, now: datetime | None = None, health_notify_after: int = 2, full: bool = False) -> ScanResult:
        return http_scan(self.paths, self.config, lambda: self.credentials, lambda: now or self.scenario.now,
                         self.console, health_notify_after, full)


@pytest.fixture
def http_harness(tmp_path: Path) -> Iterator[Callable[[Scenario], Harness]]:
    """Like ``harness``, without a browser (fast tier)."""
    yield from harnesses(tmp_path, HttpHarness)


@pytest.fixture(scope="session")
def story_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cwwatch home whose history holds healthy scans of the whole bundled story, read without a
    browser (one per session: tests read it or copy it, never change it; ``story_home_chromium`` is
    the same in real Chromium)."""
    return scanned_story_home(tmp_path_factory.mktemp("story-home"), HttpHarness)
