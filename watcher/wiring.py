"""The wiring every command uses: the environment (paths, config, selectors), the history, the
notifier, the site and one scan's context from the config, and :func:`scanning` (the scan lock, the
open history and the context). No presentation: what people read is in ``watcher/cli/``."""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from loguru import logger

from watcher import actions, keychain, wallclock
from watcher import config as config_mod
from watcher.config import Config
from watcher.crowdworks import selectors as selector_files
from watcher.crowdworks.evidence import MB, EvidenceLimits
from watcher.crowdworks.selectors import SITE_URL, SelectorSet
from watcher.daemon import locks
from watcher.decide.rules import Policy
from watcher.errors import ConfigError, CredentialsError, StoreError, Unhealthy
from watcher.i18n import _
from watcher.models import HealthKind, Note
from watcher.notify.actions import MUTE_FOR, NoteActions
from watcher.notify.desktop import Channel, ConsoleChannel, DesktopChannel, Notifier
from watcher.paths import Paths
from watcher.store import Store

if TYPE_CHECKING:  # the browser code is imported only by the commands that scan
    from watcher.crowdworks.site import CredentialSource, Site
    from watcher.scan import ScanContext


# -- the environment ------------------------------------------------------------------------------


@dataclass
class Env:
    paths: Paths
    config: Config
    selectors: SelectorSet

    @property
    def base_url(self) -> str:
        """The site: the config's ``base_url``, or the real site."""
        return self.config.base_url or SITE_URL

    def contract_url(self, contract_id: int) -> str:
        return self.selectors.page_url(self.base_url, "workroom", id=contract_id)

    def policy(self) -> Policy:
        return self.config.policy(contract_url=self.selectors.url_template(self.base_url, "workroom"))


def load_env(config_path: str | None, selectors_path: str | None,
             paths: Paths | None = None) -> Env:
    """Paths, the config file (``config_path`` or the default one) and the selectors file.

    Raises ConfigError naming the file and the key.
    """
    paths = paths or Paths.default()
    cfg = config_mod.load(Path(config_path) if config_path else paths.config_file)
    sel = selector_files.load(selectors_path or cfg.selectors or None)
    return Env(paths, cfg, sel)


def env_of(args: argparse.Namespace) -> Env:
    """The environment the global options ``--config`` and ``--selectors`` ask for."""
    return load_env(getattr(args, "config", None), getattr(args, "selectors", None))


def make_notifier(desktop: bool, console: TextIO | None, apprise_urls: tuple[str, ...] = (),
                  console_counts: bool = True, actions: NoteActions | None = None) -> Notifier:
    """The console always; the desktop and Apprise when asked. ``console_counts``: a note shown only on
    the console is delivered (a person runs the command); False for the daemon. ``actions``: what the
    desktop's clicks and buttons do (the daemon's :func:`note_actions`); Apprise keeps the CrowdWorks URL."""
    channels: list[Channel] = [ConsoleChannel(console)]
    if desktop:
        channels.append(DesktopChannel(actions=actions))
    if apprise_urls:
        from watcher.notify.apprise import AppriseChannel

        channels.append(AppriseChannel(list(apprise_urls)))
    return Notifier(channels, console_counts)


def notifier_of(config: Config, console: TextIO | None, *, desktop: bool = True, daemon: bool = False,
                actions: NoteActions | None = None) -> Notifier:
    """The channels the config asks for: the console always, the desktop where the config allows it
    (and ``desktop``: False for ``--no-notify``), Apprise for its URLs. The one place that turns the
    config into channels: a new channel is added here and in ``notify/``, no command changes.
    ``daemon``: the console is a log nobody watches, so a note counts as delivered only through
    another channel (unless there is none). ``actions``: the desktop's clicks and buttons (the daemon's)."""
    wants_desktop = config.desktop_notifications and desktop
    remote = wants_desktop or bool(config.apprise_urls)
    return make_notifier(wants_desktop, console, config.apprise_urls, console_counts=not (daemon and remote),
                         actions=actions)


# -- mutes: `cwwatch mute` and the notification's 「3日ミュート」 write them the same way -------------


def note_actions(paths: Paths, clock: Callable[[], datetime] = wallclock.now) -> NoteActions:
    """The daemon's answers to a desktop notification: a click leads to the dashboard (announced in
    ``paths.state_dir``) or CrowdWorks; 「3日ミュート」 mutes the note's contract for ``MUTE_FOR`` from
    ``clock()``, as ``cwwatch mute CONTRACT --for 3d``, in the history (``cwwatch status`` shows it),
    and answers with a note saying so, in the words ``cwwatch mute`` prints. A contract the history
    does not know, or a history that cannot be written, is a log line and no note."""
    def mute(contract_id: int) -> Note | None:
        store = open_history(paths)
        if store is None:
            logger.warning(_("could not mute {id}: no history yet").format(id=contract_id))
            return None
        try:
            now = clock()
            done = actions.mute(store, contract_id, now, now + MUTE_FOR)
        except (ConfigError, StoreError, sqlite3.Error) as exc:  # ConfigError: a contract it does not know
            logger.warning(_("could not mute {id}: {error}").format(id=contract_id, error=exc))
            return None
        finally:
            store.close()
        text = done.words(contract_id)
        logger.info(text)
        return Note(_("cwwatch: muted"), text)
    return NoteActions(paths.state_dir, mute)


def open_store(paths: Paths) -> Store:
    """The history, created on first use (0700 folder, 0600 file)."""
    paths.ensure(paths.data_dir)
    return Store(paths.db_file)


def open_history(paths: Paths) -> Store | None:
    """The history database, or None when no scan has created it yet (nothing is created here)."""
    if not paths.db_file.exists():
        return None
    return Store(paths.db_file)


# -- the scan's wiring ----------------------------------------------------------------------------


def keyring_credentials(email: str, timeout: float = 10.0) -> CredentialSource:
    """The password as a scan reads it: within ``timeout`` seconds, never through an unlock prompt.

    Raises Unhealthy: ``keyring_locked`` (locked, or no answer in time), ``logged_out`` (unreadable).
    """
    def source() -> keychain.Credentials | None:
        try:
            return keychain.load_unattended(email, timeout)
        except keychain.KeyringLockedError as exc:
            raise Unhealthy.of(HealthKind.KEYRING_LOCKED, "keyring", str(exc)) from None
        except CredentialsError as exc:
            raise Unhealthy.of(HealthKind.LOGGED_OUT, "keyring", str(exc)) from None
    return source


def site_factory(env: Env, credentials: CredentialSource, clock: Callable[[], datetime],
                 headless: bool = True) -> Callable[[bool], Site]:
    from watcher.crowdworks.site import Site, SiteOptions

    def make(login_allowed: bool) -> Site:
        opts = SiteOptions(base_url=env.base_url, session_file=env.paths.session_file,
                           browser_path=env.config.browser, headless=headless,
                           page_timeout_s=env.config.page_timeout_s,
                           min_interval_s=env.config.min_interval_s, login_allowed=login_allowed,
                           pool_size=env.config.pool_size, settle_s=env.config.settle_s)
        return Site(env.selectors, opts, credentials, clock)
    return make


def scan_context(env: Env, store: Store, notifier: Notifier | None, credentials: CredentialSource,
                 clock: Callable[[], datetime] = wallclock.now,
                 health_notify_after: int | None = None) -> ScanContext:
    from watcher.scan.result import ScanContext

    env.paths.ensure(env.paths.state_dir)
    return ScanContext(
        sel=env.selectors, store=store, notifier=notifier,
        make_site=site_factory(env, credentials, clock), policy=env.policy(),
        layout_dir=env.paths.layout_dir,
        health_notify_after=health_notify_after or env.config.health_notify_after,
        max_list_pages=env.config.max_list_pages, clock=clock,
        profile_ttl=timedelta(hours=env.config.profile_ttl_h),
        revalidate=timedelta(hours=env.config.revalidate_h),
        timeout=timedelta(minutes=env.config.scan_timeout_min),
        watch_applications=env.config.watch_applications, vet_policy=env.config.vet_policy(),
        proposal_url=env.selectors.url_template(env.base_url, "proposal"),
        evidence=EvidenceLimits(max_bytes=int(env.config.evidence_max_mb * MB),
                                max_age=timedelta(days=env.config.evidence_max_age_days),
                                min_free_bytes=int(env.config.evidence_min_free_mb * MB)))


@contextlib.contextmanager
def scanning(env: Env, notifier: Notifier | None, credentials: CredentialSource, *,
             wait_lock: float = 120.0, clock: Callable[[], datetime] = wallclock.now,
             health_notify_after: int | None = None) -> Iterator[ScanContext]:
    """One scan's surroundings: the scan lock, the open history and the scan context.

    Everything is released however the body ends; the notifier is the caller's. Raises Busy when
    another scan holds the lock longer than ``wait_lock`` seconds.
    """
    env.paths.ensure(env.paths.data_dir)
    with locks.hold(env.paths.scan_lock, _("Another scan is already running (pid {pid}); try again later."),
                    wait_lock):
        store = open_store(env.paths)
        try:
            yield scan_context(env, store, notifier, credentials, clock, health_notify_after)
        finally:
            store.close()


def with_config(env: Env, **changes: Any) -> Env:
    """The same environment with some config values replaced (the demo points at its own site)."""
    return Env(env.paths, replace(env.config, **changes), env.selectors)
