"""What every command needs: paths, config, selectors, store, notifier, and the scan's wiring."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from loguru import logger

from watcher import config as config_mod
from watcher import keychain, selectorset
from watcher.config import Config
from watcher.errors import CredentialsError, Exit
from watcher.models import HealthKind
from watcher.notify import Channel, ConsoleChannel, DesktopChannel, Notifier
from watcher.paths import Paths
from watcher.selectorset import SelectorSet
from watcher.store import Store
from watcher.timeline import RULE_LABELS

if TYPE_CHECKING:  # the browser code is imported only by the commands that scan
    from watcher.scan import ScanContext, ScanResult
    from watcher.site import CredentialSource, Site


def setup_logging(verbose: int) -> None:
    logger.remove()
    level = "DEBUG" if verbose > 1 else "INFO" if verbose == 1 else "WARNING"
    logger.add(sys.stderr, level=level, format="<dim>{time:HH:mm:ss}</dim> {level} {message}")


@dataclass
class Env:
    paths: Paths
    config: Config
    selectors: SelectorSet


def load_env(config_path: str | None, selectors_path: str | None,
             paths: Paths | None = None) -> Env:
    paths = paths or Paths.default()
    cfg = config_mod.load(Path(config_path) if config_path else paths.config_file)
    sel = selectorset.load(selectors_path or cfg.selectors or None)
    return Env(paths, cfg, sel)


def make_notifier(desktop: bool, console: TextIO | None, apprise_urls: tuple[str, ...] = ()) -> Notifier:
    channels: list[Channel] = [ConsoleChannel(console)]
    if desktop:
        channels.append(DesktopChannel())
    if apprise_urls:
        from watcher.apprise_channel import AppriseChannel

        channels.append(AppriseChannel(list(apprise_urls)))
    return Notifier(channels)


def open_store(paths: Paths) -> Store:
    paths.ensure(paths.data_dir)
    return Store(paths.db_file)


def keyring_credentials(email: str) -> CredentialSource:
    from watcher.site import SiteProblem

    def source() -> keychain.Credentials | None:
        try:
            return keychain.load(email)
        except CredentialsError as exc:
            raise SiteProblem(HealthKind.LOGGED_OUT, "keyring", str(exc)) from None
    return source


def site_factory(env: Env, credentials: CredentialSource, clock: Callable[[], datetime],
                 headless: bool = True) -> Callable[[bool], Site]:
    from watcher.site import Site, SiteOptions

    def make(login_allowed: bool) -> Site:
        opts = SiteOptions(base_url=env.config.base_url, session_file=env.paths.session_file,
                           browser_path=env.config.browser, headless=headless,
                           page_timeout_s=env.config.page_timeout_s,
                           min_interval_s=env.config.min_interval_s, login_allowed=login_allowed,
                           pool_size=env.config.pool_size)
        return Site(env.selectors, opts, credentials, clock)
    return make


def scan_context(env: Env, store: Store, notifier: Notifier, credentials: CredentialSource,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 health_notify_after: int | None = None) -> ScanContext:
    from watcher.scan import ScanContext

    env.paths.ensure(env.paths.state_dir)
    return ScanContext(
        sel=env.selectors, store=store, notifier=notifier,
        make_site=site_factory(env, credentials, clock), policy=env.config.policy(),
        layout_dir=env.paths.layout_dir,
        health_notify_after=health_notify_after or env.config.health_notify_after,
        max_list_pages=env.config.max_list_pages, clock=clock,
        profile_ttl=timedelta(hours=env.config.profile_ttl_h),
        revalidate=timedelta(hours=env.config.revalidate_h))


@contextlib.contextmanager
def progress(enabled: bool) -> Iterator[Callable[[str, str, str], None] | None]:
    """A live line on a terminal while a scan loads pages (Rich); nothing when piped or in the daemon."""
    if not enabled:
        yield None
        return
    from rich.console import Console

    counts: dict[str, int] = {}
    with Console(stderr=True).status("scanning…") as status:

        def on_page(kind: str, url: str, html: str) -> None:
            counts[kind] = counts.get(kind, 0) + 1
            done = ", ".join(f"{k} {n}" for k, n in counts.items())
            status.update(f"scanning… {sum(counts.values())} pages ({done})")

        yield on_page


def exit_code(result: ScanResult) -> Exit:
    if not result.healthy:
        return Exit.UNHEALTHY
    return Exit.FINDINGS if result.findings else Exit.OK




def print_summary(result: ScanResult, out: TextIO) -> None:
    if result.healthy:
        head = (f"scan ok: {result.contracts_seen} contracts, {result.pages_loaded} pages loaded, "
                f"{len(result.findings)} open findings ({len(result.notified)} notified now)")
    else:
        head = f"scan UNHEALTHY ({result.pages_loaded} pages loaded): no findings from this scan"
    print(head, file=out)
    for p in result.problems:
        saved = f"\n    saved: {p.saved}" if p.saved else ""
        print(f"  ! {p.kind}: {p.page}: {p.detail}{saved}", file=out)
    for f in result.findings:
        new = "new" if f in result.notified else "   "
        print(f"  {new} {f.rule:<19} {f.contract_id}  {RULE_LABELS['ja'][f.rule]}: {f.title}", file=out)
    out.flush()
