"""One scan, its steps in order, ending in one named outcome:

1. :mod:`~watcher.scan.snapshot`: what the store knows, read once;
2. :mod:`~watcher.scan.read`: everything the plan (``decide.plan``, pure) asks for, from the site;
3. :mod:`~watcher.scan.record`: in one transaction, what was read, then the history the decisions
   need read back, the decisions (:mod:`~watcher.scan.judge`: rules, alerts, vetting, all pure), and
   their ledger rows and notes;
4. :mod:`~watcher.scan.outbox`: the queued notes delivered (when there is a notifier).

Health first: any problem met on the way (login, challenge, layout, unmapped status, network)
makes the scan unhealthy; it then stores only its own row and the health ledger, derives no
finding and notifies no finding. This module holds the guard around the reading: the time limit,
Ctrl-C and an unexpected error each end the scan one named way.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
from collections import Counter

from loguru import logger

from watcher import wallclock
from watcher.crowdworks.pages import Pages, profile_page, workroom_page
from watcher.crowdworks.site import Site
from watcher.errors import CwError, Unhealthy, first_line
from watcher.i18n import _
from watcher.models import HealthKind, Notice, Problem
from watcher.scan import snapshot
from watcher.scan.outbox import flush_outbox
from watcher.scan.read import Seen, read_site
from watcher.scan.record import record
from watcher.scan.result import Interrupted, ScanContext, ScanResult


async def _scan(ctx: ScanContext, snap: snapshot.Snapshot, result: ScanResult, seen: Seen, site: Site,
                full: bool) -> None:
    pages = Pages(site, ctx.sel, ctx.layout_dir, ctx.store.personal_strings, ctx.clock,
                  ctx.max_list_pages, ctx.on_page, ctx.evidence, seen.notices.append)
    try:
        await site.open()
        try:
            await read_site(pages, ctx, snap, seen, full, result.now)
        finally:
            if site.logged_in_by_us:
                try:
                    await site.save_session()
                except Exception as exc:  # the scan still counts; the next one logs in again
                    logger.warning("could not save the session: {}", type(exc).__name__)
    except Unhealthy as exc:
        result.unhealthy(exc.problem)
    finally:
        await site.close()


async def _guarded(ctx: ScanContext, snap: snapshot.Snapshot, result: ScanResult, seen: Seen, site: Site,
                   full: bool) -> bool:
    """The scan within its time limit, Ctrl-C and any unexpected error each ending it one named way.

    Returns True when the person interrupted it (SIGINT): then nothing is to be recorded. A scan
    past ``ctx.timeout`` is ``site_unreachable``; an error of cwwatch's own is ``scan_failed`` (its
    traceback goes to the log, never to the person).
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(_scan(ctx, snap, result, seen, site, full))
    interrupted = False

    def on_sigint() -> None:
        nonlocal interrupted
        interrupted = True
        task.cancel()

    installed = False
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
        loop.add_signal_handler(signal.SIGINT, on_sigint)
        installed = True
    try:
        await asyncio.wait_for(asyncio.shield(task), ctx.timeout.total_seconds())
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        minutes = ctx.timeout.total_seconds() / 60
        result.unhealthy(Problem(HealthKind.SITE_UNREACHABLE, "scan",
                                 _("the scan did not finish within {minutes} min ({key}); stopped").format(
                                     minutes=f"{minutes:g}", key="scan_timeout_min")))
    except asyncio.CancelledError:
        if not interrupted:
            raise
    except Exception as exc:
        logger.opt(exception=exc).error("the scan stopped on an unexpected error")
        result.unhealthy(Problem(HealthKind.SCAN_FAILED, "scan", f"{type(exc).__name__}: {first_line(exc)}"))
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGINT)
    return interrupted


def _notices(ctx: ScanContext, seen: Seen) -> list[Notice]:
    """What the reading could not settle, for the person: its own notices, then each profile whose
    last access is worded in a way cwwatch cannot read."""
    cut = [Notice("thread_cut_short", workroom_page(ctx.sel, w.contract_id),
                  _("contract {id}: the thread's older messages could not all be unfolded; judged on the newest "
                    "messages the page shows").format(
                      id=w.contract_id))
           for w in seen.workrooms if w.cut_short]
    return seen.notices + cut + [Notice("unreadable_access", profile_page(ctx.sel, c.client_id),
                                  _("the last access reads 「{text}」, a wording cwwatch cannot read: taken as "
                                    "unknown ({rule}, never {quiet}); what does your page show?").format(
                                      text=c.last_access_unreadable, rule="no_reply", quiet="quiet_client"))
                           for c in seen.clients if c.last_access_unreadable]


def run_scan(ctx: ScanContext, full: bool = False) -> ScanResult:
    """One scan, recorded in one transaction, then the outbox delivered (when there is a notifier).

    Raises Interrupted (a KeyboardInterrupt) when the person pressed Ctrl-C: nothing is recorded.
    """
    started = wallclock.now()
    now = ctx.clock()
    result = ScanResult(started_at=started, now=now, healthy=True)
    snap = snapshot.take(ctx.store, ctx.watch_applications)
    seen = Seen()
    site = ctx.make_site(snap.login_allowed)
    try:
        interrupted = asyncio.run(_guarded(ctx, snap, result, seen, site, full))
    except KeyboardInterrupt:
        interrupted = True
    if interrupted:
        raise Interrupted()
    result.pages_by_kind = Counter(site.loads)
    result.logins = site.logins
    result.contracts_seen = len(seen.rows)
    result.workrooms_loaded = dict(seen.loaded_why)
    result.thread_sources = {w.contract_id: w.source for w in seen.workrooms}
    result.notices = _notices(ctx, seen)
    try:
        record(ctx, result, seen, snap, site.login_failed)
    except (OSError, sqlite3.Error, CwError):
        raise  # the disk or the history failed: said in one line by the command, nothing half written
    except Exception as exc:  # an error of ours while deciding: nothing of this scan's reading is kept
        logger.opt(exception=exc).error("the scan stopped on an unexpected error while recording")
        failed = ScanResult(started_at=started, now=now, healthy=True, pages_by_kind=result.pages_by_kind,
                            logins=result.logins)
        failed.unhealthy(Problem(HealthKind.SCAN_FAILED, "scan", f"{type(exc).__name__}: {first_line(exc)}"))
        record(ctx, failed, Seen(), snap, site.login_failed)  # the transaction above was rolled back
        result = failed
    if ctx.notifier is not None:
        flush_outbox(ctx.store, ctx.notifier)
    return result
