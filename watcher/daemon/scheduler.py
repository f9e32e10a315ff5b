"""The daemon: the same scan as `cwwatch scan`, on a schedule, politely, for as long as it runs.

- APScheduler 3 (BlockingScheduler): an interval with jitter, one scan at a time (no overlap,
  missed runs coalesced), one right after start, only within the active hours.
- Each scan runs in a child process (`cwwatch scan --json --defer-notify`) in its own session, so
  the browser lives only during a scan, the daemon stays small between scans, and a stop can end
  the whole scan (browser included) at once. The scan's SQLite transaction makes a killed scan
  leave nothing half-written.
- Notifications: scans queue them in the store's outbox within their transaction; the daemon
  delivers them after each scan, except in quiet hours, when they wait for the morning. An
  optional daily digest summarises what is open.
- Health: after `site_unreachable`, `layout_changed` or `login_challenge` (each login there may
  send the person another code by mail) the interval doubles up to a cap, and returns to normal
  on the first healthy scan. Login failures stop login attempts inside the scan
  itself until `cwwatch login` succeeds.
- SIGTERM and SIGINT stop it within seconds, mid-scan included.
- The wall clock may step (NTP after a suspend, a manual correction): the scheduler keeps its jobs in
  wall time, so a step back would hold every job for the whole step and a step forward would not wake
  it. A watch on its own thread compares wall and monotonic time every ``clock_poll``; on a step it
  scans at once (after the scan under way, if any) and reschedules every interval job from the new
  now; the jobs at set hours (the morning's notes, the digest) run when their hour has passed. The
  store's ledger and outbox keep a note from being sent twice across the step.
- Its log lines for people (started, each scan's result, interval changes, the night's pause with
  the next scan's time, notes delivered, stopping) are in the chosen language; the times in them are
  this computer's local time (with the zone's name when that is not Japan time); the child scans
  speak the same language (``--lang``).

One module over 400 lines, as one job: the daemon's loop (schedule, child scan, outbox, back-off,
stop) shares one state object; a split would pass it between modules for no reader's gain.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any

from loguru import logger

from watcher import config as config_mod
from watcher import i18n, wallclock
from watcher.daemon.clockstep import STEP_TOLERANCE, StepWatch
from watcher.daemon.storage import STATE_NAME, StorageWatch, recovered_note
from watcher.decide import rules
from watcher.decide.alerts import digest_note
from watcher.errors import ConfigError, Exit, StoreError
from watcher.i18n import N_, _, ngettext
from watcher.jptime import JST
from watcher.models import HealthKind, Note, Problem
from watcher.notify.desktop import Notifier
from watcher.paths import Paths
from watcher.scan.health import record_failed_scan
from watcher.scan.outbox import flush_outbox
from watcher.store import Store

STOP_GRACE_S = 6.0  # a scan asked to stop gets this long before it is killed
KILL_AFTER = timedelta(minutes=1)  # past its own time limit, a scan gets this long before the daemon kills it
NOTE_RETRY = timedelta(minutes=1)  # notes no channel took are offered again this often
CONFIG_POLL = timedelta(seconds=5)  # a broken config file is looked at this often for a change
CLOCK_POLL = timedelta(seconds=5)  # wall and monotonic time are compared this often
INTERVAL_JOBS = ("retry", "config")  # besides the scan: the jobs a step of the clock reschedules from now
BACKOFF_KINDS = {"site_unreachable", "layout_changed", "login_challenge"}
STORAGE_ERRORS = (StoreError, sqlite3.Error, OSError)  # the history (or its disk) failed


# -- pure schedule helpers -------------------------------------------------------------------------

def parse_span(text: str, key: str) -> tuple[time, time] | None:
    """``"08:00-23:00"`` to a (start, end) pair in Japan time; ``""`` to None (no span)."""
    from watcher.errors import ConfigError

    if not text.strip():
        return None
    try:
        a, b = (part.strip() for part in text.split("-"))
        start = parse_hhmm(a)
        end = parse_hhmm(b)
    except ValueError:
        raise ConfigError(_("{key}: expected HH:MM-HH:MM, e.g. 08:00-23:00; got {text!r}").format(
            key=key, text=text)) from None
    return start, end


def parse_hhmm(s: str) -> time:
    if s == "24:00":
        return time(23, 59, 59)
    h, m = s.split(":")
    return time(int(h), int(m))


def within(now: datetime, span: tuple[time, time] | None) -> bool:
    """Whether ``now`` (any zone) falls in the span, read in Japan time; a span may wrap midnight."""
    if span is None:
        return False
    t = now.astimezone(JST).time()
    start, end = span
    if start <= end:
        return start <= t < end or (end == time(23, 59, 59) and t >= start)
    return t >= start or t < end


def next_at(now: datetime, at: time) -> datetime:
    """The first moment after ``now`` whose Japan time is ``at`` (the start of the active hours)."""
    j = now.astimezone(JST)
    moment = j.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return moment if moment > j else moment + timedelta(days=1)


# -- the log's words ---------------------------------------------------------------------------------

# i18n: months as the daemon's log writes a moment: "10 Dec 08:00" (Japanese: 「12月10日 08:00」)
_MONTHS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"), N_("Aug"),
           N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"))


def _not_japan_time(t: datetime) -> bool:
    return t.astimezone().utcoffset() != t.astimezone(JST).utcoffset()


def fmt_local(t: datetime) -> str:
    """A moment in this computer's local time: ``10 Dec 08:00`` (「12月10日 08:00」), with the zone's
    name when that is not Japan time (``9 Dec 23:00 UTC``)."""
    loc = t.astimezone()
    text = _("{day} {month} {time}").format(day=loc.day, month=_(_MONTHS[loc.month - 1]), time=f"{loc:%H:%M}")
    return f"{text} {loc.tzname()}" if _not_japan_time(t) else text


def fmt_span(span: tuple[time, time] | None, now: datetime, none: str) -> str:
    """``08:00-23:00`` as the config writes it (Japan time: ``JST`` added when this computer's time is
    another); ``none`` for no span."""
    if span is None:
        return none
    start, end = span
    text = f"{start:%H:%M}-{'24:00' if end == time(23, 59, 59) else f'{end:%H:%M}'}"
    return f"{text} JST" if _not_japan_time(now) else text


def fmt_minutes(d: timedelta) -> str:
    """``30 min`` (「30 分」)."""
    return _("{n} min").format(n=f"{d.total_seconds() / 60:g}")


def next_interval(current: timedelta, base: timedelta, cap: timedelta, healthy: bool,
                  problem_kinds: set[str]) -> timedelta:
    """Double after a network or layout problem (up to ``cap``); back to ``base`` when healthy."""
    if healthy:
        return base
    if problem_kinds & BACKOFF_KINDS:
        return min(current * 2, cap)
    return current


# -- the daemon ----------------------------------------------------------------------------------

@dataclass
class DaemonOptions:
    interval: timedelta
    jitter_s: int
    active: tuple[time, time] | None
    quiet: tuple[time, time] | None
    digest_at: time | None
    backoff_cap: timedelta
    child_argv: list[str]  # the command line of one scan
    policy: rules.Policy = field(default_factory=rules.Policy)
    scan_timeout: timedelta = timedelta(minutes=10)  # the scan stops itself then; the daemon kill_after later
    health_notify_after: int = 2
    kill_after: timedelta = KILL_AFTER
    note_retry: timedelta = NOTE_RETRY
    config_file: Path | None = None  # checked before each scan; a broken one is waited out, never exited on
    config_poll: timedelta = CONFIG_POLL  # how often a broken config file is looked at for a change
    clock_poll: timedelta = CLOCK_POLL  # how often wall and monotonic time are compared
    step_tolerance: timedelta = STEP_TOLERANCE  # a larger difference between them is a step of the clock


class Daemon:
    def __init__(self, paths: Paths, opts: DaemonOptions, notifier: Notifier,
                 clock: Callable[[], datetime] = wallclock.now,
                 mono: Callable[[], float] = monotonic) -> None:
        self.paths = paths
        self.opts = opts
        self.notifier = notifier
        self.clock = clock
        self.mono = mono
        self._flush_lock = threading.Lock()  # one outbox delivery at a time (the jobs run on a pool)
        self._step_lock = threading.Lock()  # guards the two below (the scan's thread, the clock's watch)
        self._in_scan = False
        self._rescan = False  # the clock stepped during a scan: scan again when it ends
        self.interval = opts.interval
        self.scans = 0
        self.stopping = threading.Event()
        self._child: subprocess.Popen[str] | None = None
        self._scheduler: Any = None
        self._broken: bytes | None = None  # the broken config file's content, while it is waited out
        self.storage = StorageWatch(paths.data_dir / STATE_NAME, self._send_direct)

    # -- an unwritable history (issue 20 item 6) -------------------------------------------------

    def _send_direct(self, note: Note) -> bool:
        """A note that cannot wait in the history's outbox: straight to the channels."""
        try:
            return self.notifier.send(note)
        except Exception as exc:  # a channel's failure must not stop the daemon
            logger.warning("could not send a note: {}", exc)
            return False

    def _storage_failed(self, error: str) -> None:
        """A scan lost because the history cannot be written: counted and said directly (throttled)."""
        self.scans += 1
        self.storage.failed(self.clock(), error)

    def _storage_back(self) -> None:
        """The history was written again: the scans lost meanwhile, said once, on its own (in quiet hours,
        or when no channel takes it, queued for the morning like any note)."""
        ended = self.storage.recovered()
        if ended is None:
            return
        note = recovered_note(ended, fmt_local)
        if not self.quiet_now() and self._send_direct(note):
            return
        try:
            store = Store(self.paths.db_file)
            try:
                with store.transaction():
                    store.enqueue(note, self.clock())
            finally:
                store.close()
        except STORAGE_ERRORS:
            self._send_direct(note)

    # -- the config file -------------------------------------------------------------------------

    def _config_bytes(self) -> bytes:
        assert self.opts.config_file is not None
        try:
            return self.opts.config_file.read_bytes()
        except OSError:
            return b""

    def config_broken(self) -> bool:
        """Whether the config file is broken (checked again only when its content changed). A newly
        broken file is recorded as a scan with the health kind config_invalid, notified at once and
        naming the file and line; the daemon keeps running and waits for the next change."""
        if self.opts.config_file is None:
            return False
        content = self._config_bytes()
        if self._broken is not None and content == self._broken:
            return True
        try:
            config_mod.load(self.opts.config_file)
        except ConfigError as exc:
            self._broken = content
            logger.error(_("the config file has an error; no scan until it changes: {error}").format(error=exc))
            now = self.clock()
            self._failed(now, HealthKind.CONFIG_INVALID, str(exc), notify_after=1)
            return True
        if self._broken is not None:
            logger.info(_("the config file is readable again: scanning"))
            self._broken = None
        return False

    def config_job(self) -> None:
        """While the config file is broken: when its content changed, scan now (the scan job checks
        it again). A file read every ``config_poll``, nothing more."""
        if self._broken is None or self.stopping.is_set() or self._scheduler is None:
            return
        if self._config_bytes() != self._broken:
            self._scheduler.modify_job("scan", next_run_time=self.clock().astimezone(JST))

    # -- one scan --------------------------------------------------------------------------------

    def scan_job(self) -> dict[str, Any] | None:
        with self._step_lock:
            self._in_scan = True
        try:
            return self._scan_job()
        finally:
            with self._step_lock:
                self._in_scan, rescan, self._rescan = False, self._rescan, False
            if rescan and not self.stopping.is_set():
                self._scan_now()  # the clock stepped meanwhile: scan again from the new now

    def _scan_job(self) -> dict[str, Any] | None:
        if self.stopping.is_set():
            return None
        now = self.clock()
        if self.opts.active is not None and not within(now, self.opts.active):
            start = next_at(now, self.opts.active[0])
            self._reschedule(start)  # no wake-ups through the night: the next scan is at the start
            logger.info(_("outside the active hours ({span}): no scan; next scan: {when}").format(
                span=fmt_span(self.opts.active, now, ""), when=fmt_local(start)))
            return None
        if self.config_broken():
            return None
        result = self._run_child()
        if result is None:
            return None
        self.scans += 1
        kinds = {p["kind"] for p in result.get("problems", [])}
        self._log_result(result, kinds)
        new = next_interval(self.interval, self.opts.interval, self.opts.backoff_cap, bool(result.get("healthy")),
                            kinds)
        if new != self.interval:
            logger.info(_("scan interval {old} → {new}").format(old=fmt_minutes(self.interval),
                                                                new=fmt_minutes(new)))
            self.interval = new
            self._reschedule()
        queued = len(result.get("notified", []))
        if queued and self.quiet_now() and self.opts.quiet is not None:
            later = self.clock()
            logger.info(ngettext("quiet hours ({span}): {n} note waits until {when}",
                                 "quiet hours ({span}): {n} notes wait until {when}", queued).format(
                span=fmt_span(self.opts.quiet, later, ""), n=queued,
                when=fmt_local(next_at(later, self.opts.quiet[1]))))
        self.flush()
        return result

    def _log_result(self, result: dict[str, Any], kinds: set[str]) -> None:
        pages = result.get("pages_loaded", 0)
        if result.get("healthy"):
            logger.info(_("scan {n}: ok; pages: {pages}, open findings: {findings}, notes queued: {queued}").format(
                n=self.scans, pages=pages, findings=len(result.get("findings", [])),
                queued=len(result.get("notified", []))))
        else:  # health kinds are ids, as in the docs and `cwwatch scan --json`
            logger.info(_("scan {n}: UNHEALTHY ({kinds}); pages: {pages}").format(
                n=self.scans, kinds=", ".join(sorted(kinds)) or "?", pages=pages))

    def _run_child(self) -> dict[str, Any] | None:
        """One scan in a child process; its JSON result. A child that runs past its time limit is
        stopped, and one that ends without a result is counted and, past the threshold, notified:
        never a quiet return."""
        logger.debug("scan: {}", " ".join(self.opts.child_argv[-3:]))
        started = self.clock()
        try:
            self._child = subprocess.Popen(self.opts.child_argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           text=True, start_new_session=True)
        except OSError as exc:
            logger.error(_("could not start a scan: {error}").format(error=exc))
            self._failed(started, HealthKind.SCAN_FAILED,
                         _("the scan could not start: {error}").format(error=exc.strerror or exc))
            return None
        child = self._child
        limit = self.opts.scan_timeout + self.opts.kill_after
        try:
            out, err = child.communicate(timeout=limit.total_seconds())
        except subprocess.TimeoutExpired:
            _signal_group(child, _SIGKILL)
            out, err = child.communicate()
            self._child = None
            if self.stopping.is_set():
                return None
            minutes = f"{self.opts.scan_timeout.total_seconds() / 60:g}"
            logger.error(_("the scan ran past its time limit ({minutes} min) and was stopped").format(
                minutes=minutes))
            self._failed(started, HealthKind.SITE_UNREACHABLE,
                         _("the scan did not finish within {minutes} min (scan_timeout_min); stopped").format(
                             minutes=minutes))
            return None
        code = child.returncode
        self._child = None
        for line in err.splitlines():
            if line.strip():
                logger.info("scan| {}", line)
        if self.stopping.is_set():
            return None
        said = next((line.strip() for line in reversed(err.splitlines()) if line.startswith("cwwatch:")), "")
        said = said.removeprefix(_("cwwatch: error: {message}").format(message=""))  # the scan's one-line error
        try:
            result = json.loads(out.strip().splitlines()[-1]) if out.strip() else None
        except (ValueError, IndexError):
            result = None
        if result is None:
            return self._no_result(started, code, said)
        self._storage_back()  # the scan recorded itself: the history is written again
        return result  # type: ignore[no-any-return]

    def _no_result(self, started: datetime, code: int, said: str = "") -> None:
        if code == int(Exit.USAGE) and self.config_broken():  # the file broke while the scan started
            return None
        if code == int(Exit.STORAGE):  # the scan could not save: neither can a row of ours, nor its note
            self._storage_failed(said or _("the scan ended with code {code}").format(code=code))
            return None
        logger.error(_("the scan ended with code {code} and no result").format(code=code))
        self._failed(started, HealthKind.SCAN_FAILED,
                     _("the scan process ended (code {code}) without a result").format(code=code))
        return None

    def _failed(self, started: datetime, kind: HealthKind, detail: str, notify_after: int | None = None) -> None:
        """Record the scan the child could not record itself, so that it counts and is notified. A history
        that cannot take the row counts the scan as lost (``_storage_failed``)."""
        try:
            store = Store(self.paths.db_file)
        except STORAGE_ERRORS as exc:  # no history can be opened or made: said directly
            self._storage_failed(str(exc))
            return
        try:
            notified = record_failed_scan(store, Problem(kind, "scan", detail), started, self.clock(),
                                          notify_after or self.opts.health_notify_after)
        except STORAGE_ERRORS as exc:
            self._storage_failed(str(exc))
            return
        finally:
            store.close()
        self._storage_back()
        if notified:
            logger.info(_("notified that the scans cannot see: {kinds}").format(kinds=", ".join(notified)))
        self.scans += 1
        self.flush()

    # -- notifications ---------------------------------------------------------------------------

    def quiet_now(self) -> bool:
        return self.opts.quiet is not None and within(self.clock(), self.opts.quiet)

    def flush(self) -> int:
        """Deliver queued notes, unless it is quiet hours (they wait for the morning). A note no
        channel takes stays queued: ``retry_job`` offers it again. One delivery at a time: jobs that
        fall due together (as after a step of the clock) would otherwise each send the same note."""
        if self.quiet_now() or not self.paths.db_file.exists():
            return 0
        try:
            with self._flush_lock:
                store = Store(self.paths.db_file)
                try:
                    delivered = flush_outbox(store, self.notifier)
                finally:
                    store.close()
        except STORAGE_ERRORS as exc:  # a note shown but not taken off the outbox is shown again later
            logger.warning(_("could not deliver the queued notes: {error}").format(error=exc))
            return 0
        if delivered:
            logger.info(ngettext("{n} note delivered", "{n} notes delivered", delivered).format(n=delivered))
        return delivered

    def retry_job(self) -> None:
        """Offer the notes still waiting again (the notification service may have started since)."""
        if not self.stopping.is_set():
            self.flush()  # nothing queued: nothing sent, no channel asked

    def digest_job(self) -> None:
        if not self.paths.db_file.exists():
            return
        try:
            store = Store(self.paths.db_file)
            try:
                findings = rules.evaluate(store.contract_states(), self.clock(), self.opts.policy)
                with store.transaction():
                    store.enqueue(digest_note(findings), self.clock())
            finally:
                store.close()
        except STORAGE_ERRORS as exc:
            logger.warning(_("no digest today: the history cannot be saved ({error})").format(error=exc))
            return
        self.flush()

    # -- the wall clock ----------------------------------------------------------------------------

    def _scan_now(self) -> None:
        """The next scan now, then one every interval from it."""
        if self._scheduler is not None:
            with contextlib.suppress(LookupError):
                self._scheduler.modify_job("scan", next_run_time=self.clock().astimezone(JST))

    def watch_clock(self) -> None:
        """Until the daemon stops: every ``clock_poll`` (monotonic), compare wall and monotonic
        time; on a step, :meth:`clock_stepped`."""
        watch = StepWatch(self.clock(), self.mono(), self.opts.step_tolerance)
        while not self.stopping.wait(self.opts.clock_poll.total_seconds()):
            step = watch.step(self.clock(), self.mono())
            if step is not None:
                self.clock_stepped(step)

    def clock_stepped(self, step: timedelta) -> None:
        """The wall clock stepped by ``step``: scan now (or as soon as the scan under way ends) and
        run every interval job from now; wake the scheduler, so that a job at a set hour the step
        passed over runs now. Nothing is notified twice: the ledger and the outbox hold what was."""
        after = self.clock()
        logger.warning(_("this computer's clock stepped ({before} → {after}): a scan now, then one every {interval}"
                         ).format(before=fmt_local(after - step), after=fmt_local(after),
                                  interval=fmt_minutes(self.interval)))
        sched = self._scheduler
        if sched is None or self.stopping.is_set():
            return
        now = self.clock().astimezone(JST)
        with self._step_lock:
            self._rescan = later = self._in_scan
        if not later:
            self._scan_now()
        for job_id in INTERVAL_JOBS:
            with contextlib.suppress(LookupError):
                sched.modify_job(job_id, next_run_time=now)
        sched.wakeup()

    # -- running and stopping --------------------------------------------------------------------

    def stop(self, *_signal: object) -> None:
        if self.stopping.is_set():
            return
        logger.info(_("stopping"))
        self.stopping.set()
        child = self._child
        if child is not None and child.poll() is None:
            _signal_group(child, signal.SIGTERM)
            threading.Thread(target=self._kill_later, args=(child,), daemon=True).start()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)

    @staticmethod
    def _kill_later(child: subprocess.Popen[str]) -> None:
        try:
            child.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            _signal_group(child, _SIGKILL)

    def _reschedule(self, start: datetime | None = None) -> None:
        """The scan job at the current interval, from ``start`` (default: now). Called from the scan
        job itself: the scheduler holds its job store's lock until it has set the job's next run, so
        this change comes after and stays."""
        if self._scheduler is None:
            return
        from apscheduler.triggers.interval import IntervalTrigger

        self._scheduler.reschedule_job("scan", trigger=IntervalTrigger(
            seconds=self.interval.total_seconds(), jitter=self.opts.jitter_s or None,
            start_date=start or self.clock() + self.interval, timezone=JST))

    def run(self) -> int:
        """Scan on the schedule until stopped (SIGTERM, SIGINT, :meth:`stop`); 0."""
        with _scheduler_reads(self.clock if self.clock is not wallclock.now or wallclock.steppable() else None):
            return self._run()

    def _run(self) -> int:
        from apscheduler.schedulers.blocking import BlockingScheduler
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        sched = BlockingScheduler(timezone=JST, job_defaults={"coalesce": True, "max_instances": 1,
                                                              "misfire_grace_time": None})
        self._scheduler = sched
        start = self.clock().astimezone(JST)

        def every(d: timedelta, jitter: int | None = None) -> IntervalTrigger:
            return IntervalTrigger(seconds=d.total_seconds(), jitter=jitter, start_date=start + d, timezone=JST)

        sched.add_job(self.scan_job, every(self.interval, self.opts.jitter_s or None), id="scan", next_run_time=start)
        sched.add_job(self.retry_job, every(self.opts.note_retry), id="retry")
        if self.opts.config_file is not None:
            sched.add_job(self.config_job, every(self.opts.config_poll), id="config")
        if self.opts.quiet is not None:
            end = self.opts.quiet[1]
            sched.add_job(self.flush, CronTrigger(hour=end.hour, minute=end.minute), id="morning")
        if self.opts.digest_at is not None:
            sched.add_job(self.digest_job, CronTrigger(hour=self.opts.digest_at.hour,
                                                       minute=self.opts.digest_at.minute), id="digest")
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        threading.Thread(target=self.watch_clock, name="clock-watch", daemon=True).start()
        now = self.clock()
        logger.info(_("daemon started: a scan every {interval}; active hours {active}; quiet hours {quiet}").format(
            interval=fmt_minutes(self.interval), active=fmt_span(self.opts.active, now, _("always")),
            quiet=fmt_span(self.opts.quiet, now, _("none"))))
        try:
            sched.start()
        except (KeyboardInterrupt, SystemExit):
            self.stop()
        # The scan thread ends with its child; wait for it within the grace period.
        deadline = threading.Event()
        for t in threading.enumerate():
            if t is not threading.current_thread() and not t.daemon:
                t.join(timeout=STOP_GRACE_S + 2)
        deadline.set()
        logger.info(ngettext("daemon stopped after {n} scan", "daemon stopped after {n} scans", self.scans).format(
            n=self.scans))
        return 0


# Windows has no SIGKILL and no process groups to signal: there the scan is ended with
# ``Popen.kill()`` (TerminateProcess), which is what SIGTERM and SIGKILL both come to.
_SIGKILL = getattr(signal, "SIGKILL", signal.SIGTERM)


@contextlib.contextmanager
def _scheduler_reads(clock: Callable[[], datetime] | None) -> Iterator[None]:
    """Tests only (a clock passed in, or :func:`watcher.wallclock.steppable`): APScheduler reads the
    wall clock through ``datetime.now`` in its scheduler module; while the daemon runs, have it read
    ``clock`` (the stepped one) instead, so that a test steps the scheduler's clock as NTP would step
    the machine's. ``None``: the scheduler reads the computer's clock, untouched."""
    if clock is None:
        yield
        return
    from apscheduler.schedulers import base

    class _Stepped(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return clock().astimezone(tz) if tz is not None else clock().astimezone().replace(tzinfo=None)

    before = base.datetime
    base.datetime = _Stepped  # type: ignore[misc]
    try:
        yield
    finally:
        base.datetime = before  # type: ignore[misc]


def _signal_group(child: subprocess.Popen[str], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):
            os.killpg(child.pid, sig)
        else:  # Windows
            child.kill()


def child_argv(config: str | None, selectors: str | None) -> list[str]:
    """One scan's command line, in the daemon's language (its log takes the scan's lines)."""
    argv = [sys.executable, "-m", "watcher", "--lang", i18n.current()]
    if config:
        argv += ["--config", config]
    if selectors:
        argv += ["--selectors", selectors]
    return [*argv, "scan", "--json", "--defer-notify", "--wait-lock", "600"]
