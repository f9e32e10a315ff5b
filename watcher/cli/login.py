"""``cwwatch login``: log in once to check the e-mail and password, then keep them and the session.

Nothing of a working set-up changes until the site has shown a logged-in page. The check runs with
the typed credentials held in memory only and with a session file of its own in a private
temporary folder, so the saved session is neither read nor replaced by it. Only after a logged-in
page: the password goes to the OS keyring, the e-mail into ``config.toml`` (comments and layout
kept), the new session replaces the old one (atomically) and the login block is lifted. A login
the site refuses sets the same block a failed scan sets, and changes nothing else; a challenge
(two-step code, captcha, bot check) changes nothing and points to ``--headed``.

The password is read without echo (or from standard input with ``--password-stdin``) and goes
only to the site's login form and, once verified, to the keyring: never to a file, a log line, an
argv or an exception text. ``--headed`` opens a visible browser (one window, one page) on the
login form, the e-mail and password filled in, for the person to pass a two-step code or a captcha.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from watcher import config as config_mod
from watcher import keychain, wiring
from watcher.errors import ConfigError, CredentialsError, Exit, Unhealthy
from watcher.i18n import _
from watcher.keychain import Credentials
from watcher.models import HealthKind, Problem
from watcher.paths import write_private
from watcher.store import LOGIN_BLOCK_KEY

if TYPE_CHECKING:

    from watcher.crowdworks.site import Site

HEADED_WAIT_S = 300


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("login", help=_("log in once to check your password, then keep it in the keyring"),
                       description=_("Ask for the e-mail and password and log in to check them. Only "
                                     "when the site shows a logged-in page: store the password in the OS keyring "
                                     "(service 'cwwatch'), the e-mail in the config file and the new session. A "
                                     "wrong password changes nothing (scans stop logging in until a login "
                                     "succeeds)."))
    p.add_argument("--email", metavar=_("EMAIL"), help=_("the e-mail address you log in with"))
    p.add_argument("--password-stdin", action="store_true",
                   help=_("read the password from standard input instead of asking"))
    p.add_argument("--headed", action="store_true",
                   help=_("open a visible browser to pass two-step authentication or a captcha"))
    p.set_defaults(run=run)


def _ask_email(default: str) -> str:
    if not sys.stdin.isatty():
        raise ConfigError(_("no e-mail given: use --email when standard input is not a terminal"))
    prompt = (_("CrowdWorks e-mail [{default}]: ").format(default=default) if default
              else _("CrowdWorks e-mail: "))
    return input(prompt).strip() or default


def _ask_password(from_stdin: bool) -> str:
    if from_stdin:
        pw = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise ConfigError(_("no terminal to ask for the password: use --password-stdin"))
        pw = getpass.getpass(_("CrowdWorks password (not shown): "))
    if not pw:
        raise ConfigError(_("the password is empty"))
    return pw


class _NotVerified(Exception):
    """The login was not verified: what the site showed, and whether it refused the e-mail or
    password (what makes a failed scan set the login block). Its text never holds a secret."""

    def __init__(self, problem: Problem, refused: bool) -> None:
        super().__init__(f"{problem.kind}: {problem.detail}")
        self.problem = problem
        self.refused = refused


def _check_keyring(email: str, timeout: float) -> None:
    """Before the password is asked: a keyring that can take it. Raises CredentialsError (and
    KeyringLockedError, whose text says how to unlock it), one line; never an unlock prompt."""
    if not keychain.backend_is_usable():
        raise CredentialsError(_(
            "no usable keyring ({backend}): on Linux start a Secret Service (gnome-keyring or KeePassXC) "
            "in your desktop session; nothing was changed").format(backend=keychain.backend_name()))
    if keychain.backend_is_plaintext():
        print(_("cwwatch: warning: the keyring backend {backend} stores passwords in plain text on disk").format(
            backend=keychain.backend_name()), file=sys.stderr)
    keychain.load_unattended(email, timeout)  # locked, or not answering: said before the password


def run(args: argparse.Namespace) -> int:
    env = wiring.env_of(args)
    cfg_file = Path(args.config) if args.config else env.paths.config_file
    email = (args.email or "").strip() or _ask_email(env.config.email)
    if "@" not in email:
        raise ConfigError(_("{email!r} does not look like an e-mail address").format(email=email))
    _check_keyring(email, env.config.keyring_timeout_s)
    typed = Credentials(email, _ask_password(args.password_stdin))
    try:
        verified, session = _verify_privately(env, typed, args.headed)
    except _NotVerified as exc:
        return _not_verified(env, exc.problem, exc.refused)
    _keep(env, cfg_file, verified, session)
    print(_("cwwatch: logged in as {email}; the password is in the keyring ({backend}), the session in "
            "{session}").format(email=verified.email, backend=keychain.backend_name(),
                                session=env.paths.session_file))
    return int(Exit.OK)


def _verify_privately(env: wiring.Env, typed: Credentials, headed: bool) -> tuple[Credentials, bytes]:
    """Log in with ``typed`` in a browser of its own whose session lives in a private temporary
    folder (0700, removed afterwards): the credentials the site accepted and the new session.

    Raises _NotVerified.
    """
    from playwright.async_api import Error as PlaywrightError

    from watcher.crowdworks.site import Site, SiteOptions

    folder = Path(tempfile.mkdtemp(prefix="cwwatch-login-"))
    try:
        os.chmod(folder, 0o700)
        session_file = folder / "session.json"
        opts = SiteOptions(base_url=env.base_url, session_file=session_file,
                           browser_path=env.config.browser, headless=not headed,
                           page_timeout_s=env.config.page_timeout_s,
                           min_interval_s=env.config.min_interval_s, login_allowed=True,
                           pool_size=1, settle_s=env.config.settle_s)
        site = Site(env.selectors, opts, lambda: typed, lambda: datetime.now(UTC))
        try:
            verified = asyncio.run(_verify(site, typed, headed))
        except Unhealthy as exc:
            raise _NotVerified(exc.problem, site.login_failed) from None
        except PlaywrightError as exc:  # only its name: its text may quote what was typed
            raise _NotVerified(Problem(HealthKind.SITE_UNREACHABLE, "login",
                                       _("the browser stopped ({error})").format(error=type(exc).__name__)),
                               False) from None
        if not session_file.exists():
            raise _NotVerified(Problem(HealthKind.SITE_UNREACHABLE, "login", _("the browser kept no session")),
                               False)
        return verified, session_file.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _verify(site: Site, typed: Credentials, headed: bool) -> Credentials:
    from watcher.crowdworks.login import headed_login, logged_in_page

    await site.open()
    try:
        async with site.page() as page:
            if headed:
                verified = await headed_login(site, page, typed, wait_s=HEADED_WAIT_S, tell=_tell_headed)
            else:
                await site.login(page)
                await logged_in_page(site, page)
                verified = typed
            await site.save_session()
            return verified
    finally:
        await site.close()


def _not_verified(env: wiring.Env, p: Problem, login_failed: bool) -> int:
    """One line on what happened; the login block when the site refused the e-mail or password."""
    if login_failed:
        store = wiring.open_store(env.paths)
        try:
            with store.transaction():  # as a failed scan does (scan._record)
                store.set_meta(LOGIN_BLOCK_KEY, datetime.now(UTC).isoformat())
        finally:
            store.close()
        print(_("cwwatch: login failed: {detail}: the e-mail or the password is wrong. Nothing was changed "
                "(config, keyring, session); scans will not log in until `cwwatch login` succeeds").format(
                    detail=p.detail), file=sys.stderr)
    elif p.kind == HealthKind.LOGIN_CHALLENGE:
        print(_("cwwatch: login not finished: {detail}. Nothing was changed; run `cwwatch login --headed` "
                "to pass it in a browser window").format(detail=p.detail), file=sys.stderr)
    else:
        print(_("cwwatch: login not verified: {kind}: {detail}. Nothing was changed").format(
            kind=p.kind, detail=p.detail), file=sys.stderr)
    return int(Exit.UNHEALTHY)


def _keep(env: wiring.Env, cfg_file: Path, creds: Credentials, session: bytes) -> None:
    """After a verified login: keyring, then config, then session, then the login block. Should
    the config not be written, the keyring gets back what it held."""
    previous = keychain.load_unattended(creds.email, env.config.keyring_timeout_s)
    keychain.set_password(creds.email, creds.password)
    try:
        if creds.email != env.config.email:
            env.paths.ensure(cfg_file.parent)
            config_mod.set_email(cfg_file, creds.email)
    except BaseException:
        with contextlib.suppress(CredentialsError):
            if previous is not None:
                keychain.set_password(previous.email, previous.password)
            else:
                keychain.delete_password(creds.email)
        raise
    env.paths.ensure(env.paths.session_file.parent)
    write_private(env.paths.session_file, session)
    store = wiring.open_store(env.paths)
    try:
        store.clear_login_block()
    finally:
        store.close()


# -- the headed login -----------------------------------------------------------------------------


def _tell_headed(filled: bool) -> None:
    print(headed_instructions(filled, HEADED_WAIT_S), file=sys.stderr, flush=True)


def headed_instructions(filled: bool, wait_s: float) -> str:
    minutes = f"{wait_s / 60:g}"
    if filled:
        return _("cwwatch: a browser window shows the CrowdWorks login page (your e-mail and password are "
                 "filled in): press ログイン, then enter the two-step code, solve the captcha or pass the bot "
                 "check if the site asks. cwwatch waits up to {minutes} minutes for the logged-in page; "
                 "nothing is saved before").format(minutes=minutes)
    return _("cwwatch: a browser window shows the CrowdWorks login page (fill in your e-mail and password): "
             "press ログイン, then enter the two-step code, solve the captcha or pass the bot check if the "
             "site asks. cwwatch waits up to {minutes} minutes for the logged-in page; nothing is saved "
             "before").format(minutes=minutes)
