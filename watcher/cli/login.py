"""``cwwatch login``: store the password in the OS keyring, log in once to check it, keep the session.

The password is read without echo (or from standard input with ``--password-stdin``) and goes
only to the keyring and to the site's login form. ``--headed`` opens a visible browser for the
person to pass a two-step code or a captcha; the session it ends with is saved.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from watcher import config as config_mod
from watcher import keychain
from watcher.cli import common
from watcher.errors import ConfigError, CredentialsError, Exit, Unhealthy
from watcher.models import HealthKind, PageKind
from watcher.paths import write_private

if TYPE_CHECKING:
    from playwright.async_api import Page

    from watcher.crowdworks.site import Site

HEADED_WAIT_S = 300


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("login", help="store your password in the keyring and log in once",
                       description="Ask for the e-mail and password, store the password in the "
                       "OS keyring (service 'cwwatch'), log in to check it and save the session.")
    p.add_argument("--email", help="the e-mail address you log in with")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input instead of asking")
    p.add_argument("--headed", action="store_true",
                   help="open a visible browser to pass two-step authentication or a captcha")
    p.set_defaults(run=run)


def _ask_email(default: str) -> str:
    if not sys.stdin.isatty():
        raise ConfigError("no e-mail given: use --email when standard input is not a terminal")
    prompt = f"CrowdWorks e-mail [{default}]: " if default else "CrowdWorks e-mail: "
    return input(prompt).strip() or default


def _ask_password(from_stdin: bool) -> str:
    if from_stdin:
        pw = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise ConfigError("no terminal to ask for the password: use --password-stdin")
        pw = getpass.getpass("CrowdWorks password (not shown): ")
    if not pw:
        raise ConfigError("the password is empty")
    return pw


def run(args: argparse.Namespace) -> int:

    env = common.env_of(args)
    email = (args.email or "").strip() or _ask_email(env.config.email)
    if "@" not in email:
        raise ConfigError(f"{email!r} does not look like an e-mail address")
    if not keychain.backend_is_usable():
        raise CredentialsError(
            f"no usable keyring ({keychain.backend_name()}): on Linux start a Secret Service "
            "(gnome-keyring or KeePassXC) in your desktop session")
    if keychain.backend_is_plaintext():
        print(f"cwwatch: warning: the keyring backend {keychain.backend_name()} stores passwords "
              "in plain text on disk", file=sys.stderr)
    password = _ask_password(args.password_stdin)
    keychain.set_password(email, password)
    del password
    if email != env.config.email:
        cfg_file = Path(args.config) if args.config else env.paths.config_file
        env.paths.ensure(cfg_file.parent)
        write_private(cfg_file, config_mod.dump(replace(env.config, email=email)))
        env.config = replace(env.config, email=email)
    env.paths.ensure(env.paths.data_dir)
    creds = common.keyring_credentials(email)
    site = common.site_factory(env, creds, lambda: datetime.now(UTC), headless=not args.headed)(True)
    try:
        asyncio.run(_verify(site, env, args.headed))
    except Unhealthy as exc:
        p = exc.problem
        print(f"cwwatch: login not verified: {p.kind}: {p.detail}", file=sys.stderr)
        if p.kind == "login_challenge":
            print("cwwatch: run `cwwatch login --headed` to pass it in a browser window", file=sys.stderr)
        return int(Exit.UNHEALTHY)
    store = common.open_store(env.paths)
    try:
        store.clear_login_block()
    finally:
        store.close()
    print(f"cwwatch: logged in as {email}; the password is in the keyring "
          f"({keychain.backend_name()}), the session in {env.paths.session_file}")
    return int(Exit.OK)


async def _verify(site: Site, env: common.Env, headed: bool) -> None:
    await site.open()
    try:
        async with site.page() as page:
            if headed:
                await _headed(site, page, env)
            else:
                await site.login(page)
                await site.save_session()
    finally:
        await site.close()


async def _headed(site: Site, page: Page, env: common.Env) -> None:
    """Let the person log in in the visible window; wait until a member page shows."""

    await site.open_login_page(page)
    creds = site.credentials()
    if creds is not None:
        try:
            await page.locator(env.selectors.login.username.css).first.fill(creds.email)
            await page.locator(env.selectors.login.password.css).first.fill(creds.password)
        except Exception:
            pass  # the person types it themselves
    print("cwwatch: finish logging in in the browser window (two-step code, captcha) ...", file=sys.stderr)
    deadline = time.monotonic() + HEADED_WAIT_S
    while time.monotonic() < deadline:
        await asyncio.sleep(1)
        try:
            fetched = await site.snapshot(page)
        except Exception:
            continue
        if fetched.recognised.logged_in and fetched.recognised.kind not in (
                PageKind.LOGIN, PageKind.TWO_STEP, PageKind.CAPTCHA):
            await site.save_session()
            return
    raise Unhealthy.of(HealthKind.LOGIN_CHALLENGE, "login", "not logged in within 5 minutes")
