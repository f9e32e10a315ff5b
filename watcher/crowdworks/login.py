"""The page-level steps of ``cwwatch login`` in the browser: is this a member page, the logged-in
page after a login, and the headed login (the form filled in, the person passes the challenge).

``site`` owns the browser session; this module drives one of its pages for the login command, so
that only ``crowdworks/`` drives the browser. What the person is told is the command's
(``watcher/cli/login.py``): it comes in as ``tell``. The typed password goes only to the form and
is held in memory only: never to a log line or an exception text.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from watcher.errors import Unhealthy
from watcher.i18n import _
from watcher.keychain import Credentials
from watcher.models import HealthKind, PageKind

if TYPE_CHECKING:
    from playwright.async_api import Page, Request

    from watcher.crowdworks.site import Fetched, Site

_WALLS = (PageKind.LOGIN, PageKind.TWO_STEP, PageKind.CAPTCHA, PageKind.BOT_CHECK)


def is_member_page(fetched: Fetched) -> bool:
    """The page shows a logged-in member (header JSON, seen), no wall and no login error."""
    rec = fetched.recognised
    return rec.logged_in is True and rec.kind not in _WALLS and not rec.login_error


async def logged_in_page(site: Site, page: Page) -> None:
    """After the login: the page shows a member, or the dashboard does. Raises Unhealthy."""
    if is_member_page(await site.snapshot(page)):
        return
    fetched = await site.get(page, site.sel.urls.dashboard, "dashboard")
    if not is_member_page(fetched):
        raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, "login",
                           _("the site showed no logged-in page after the login"))


async def headed_login(site: Site, page: Page, typed: Credentials, *, wait_s: float,
                       tell: Callable[[bool], None], poll_s: float = 1.0) -> Credentials:
    """``login --headed`` on an open headed ``site``: the login page in the front tab, the e-mail and
    password filled in, ``tell(filled)`` (the command says what to do), then a wait (``wait_s``) for
    a logged-in page. The credentials the site accepted: the ones the form last sent (the person
    may correct them in the window), else ``typed``.

    Raises Unhealthy (login_challenge) when no logged-in page shows in time or the window closes.
    """
    lg = site.sel.login
    sent: dict[str, str] = {}
    names: dict[str, str] = {}

    async def fill_form() -> bool:
        try:
            user, pw = page.locator(lg.username.css).first, page.locator(lg.password.css).first
            names["email"] = await user.get_attribute("name") or ""
            names["password"] = await pw.get_attribute("name") or ""
            await user.fill(typed.email)
            await pw.fill(typed.password)
            await user.focus()
            return True
        except Exception:  # Playwright's text may quote the value: the person types it themselves
            return False

    page.on("request", _form_listener(site, names, sent))
    await page.bring_to_front()
    before = await site.open_login_page(page)
    filled = before.recognised.kind is PageKind.LOGIN and await fill_form()
    await page.bring_to_front()
    tell(filled)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        await asyncio.sleep(poll_s)
        if page.is_closed():
            raise Unhealthy.of(HealthKind.LOGIN_CHALLENGE, "login",
                               _("the browser window was closed before the login finished"))
        try:
            fetched = await site.snapshot(page)
        except Exception:  # the page is between two documents
            continue
        if is_member_page(fetched):
            return Credentials(sent.get("email") or typed.email, sent.get("password") or typed.password)
        if not filled and fetched.recognised.kind is PageKind.LOGIN and not fetched.recognised.login_error:
            filled = await fill_form()  # the form shows once a bot check is passed
    raise Unhealthy.of(HealthKind.LOGIN_CHALLENGE, "login",
                       _("not logged in within {minutes} minutes").format(minutes=f"{wait_s / 60:g}"))


def _form_listener(site: Site, names: dict[str, str], sent: dict[str, str]) -> Callable[[Request], Any]:
    """Keep what the login form sends (in memory only): the credentials the site then accepts."""
    login_path = urlsplit(site.url(site.sel.urls.login)).path

    def on_request(request: Request) -> None:
        if request.method != "POST" or urlsplit(request.url).path != login_path:
            return
        try:
            form = parse_qs(request.post_data or "", keep_blank_values=True)
        except Exception:
            return
        for key in ("email", "password"):
            values = form.get(names.get(key) or "")
            if values:
                sent[key] = values[-1]
    return on_request
