"""Issue 20 item 5: the wall clock steps (NTP after a suspend, a manual correction) while the daemon
runs. The scheduler keeps its jobs in wall time: after a step back every job waited out the whole
step, and a step forward did not wake it. Now the daemon notices that wall and monotonic time
diverged, reschedules from now, runs a job at a set hour that the step passed over, and notifies
nothing twice.

The daemon runs in this process with a clock the test steps (its scans are a tiny child that counts
itself); the same steps through the daemon as a user runs it, with real scans, are in
``test_daemon.py``."""

from __future__ import annotations

import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.daemonfixtures import wait_for
from watcher.daemon.clockstep import StepWatch
from watcher.daemon.scheduler import Daemon, DaemonOptions
from watcher.models import Note
from watcher.notify.desktop import Notifier
from watcher.paths import Paths
from watcher.store import Store


def test_a_step_is_a_difference_between_wall_and_monotonic_time_beyond_the_tolerance():
    t0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    w = StepWatch(t0, 100.0, timedelta(seconds=30))
    assert w.step(t0 + timedelta(seconds=5), 105.0) is None, "both advanced alike"
    assert w.step(t0 + timedelta(seconds=30), 110.0) is None, "20 s of slew: within the tolerance"
    assert w.step(t0 - timedelta(hours=2), 115.0) == -timedelta(hours=2, seconds=35), "a step back"
    assert w.step(t0 - timedelta(hours=2) + timedelta(seconds=5), 120.0) is None, "the new reference"
    # A suspend: the monotonic clock stood still for eight hours, the wall clock did not.
    assert w.step(t0 + timedelta(hours=6, seconds=10), 125.0) == timedelta(hours=8)


class Recording:
    name = "recording"

    def __init__(self) -> None:
        self.notes: list[Note] = []

    def send(self, note: Note) -> bool:
        self.notes.append(note)
        return True

    def close(self) -> None:
        pass


def _counting_scan(runs: Path) -> list[str]:
    """A scan's command line that appends a line to ``runs`` and prints a healthy result."""
    code = (f"import json, pathlib; p = pathlib.Path({str(runs)!r}); p.open('a').write('scan\\n'); "
            "print(json.dumps({'healthy': True, 'problems': [], 'notified': []}))")
    return [sys.executable, "-c", code]


def test_the_daemon_reschedules_from_now_when_the_clock_steps_forward_or_back(tmp_path):
    offset = [timedelta(0)]

    def clock() -> datetime:
        return datetime.now(UTC) + offset[0]

    runs = tmp_path / "runs"
    paths = Paths.under(tmp_path)
    Store(paths.db_file).close()
    digest = (clock() + timedelta(hours=1)).astimezone()  # the digest's cron hour is this computer's local time
    opts = DaemonOptions(interval=timedelta(hours=1), jitter_s=0, active=None, quiet=None,
                         digest_at=digest.time().replace(second=0, microsecond=0), backoff_cap=timedelta(hours=4),
                         child_argv=_counting_scan(runs), clock_poll=timedelta(milliseconds=50),
                         note_retry=timedelta(hours=1))  # nothing else wakes the scheduler within the hour
    rec = Recording()
    d = Daemon(paths, opts, Notifier([rec]), clock=clock)

    def scans() -> int:
        return len(runs.read_text().splitlines()) if runs.exists() else 0

    def digests() -> list[str]:
        return [n.title for n in rec.notes if n.title.startswith("cwwatch: 未対応")]

    failures: list[BaseException] = []

    def drive() -> None:
        try:
            wait_for(lambda: scans() == 1, 60, "the first scan")
            # Forward two hours (a suspend): over the next scan's time and over the digest's hour.
            offset[0] = timedelta(hours=2)
            wait_for(lambda: scans() == 2, 60, "a scan at once after the step forward")
            wait_for(digests, 60, "the digest whose hour the step passed over")
            # Back two hours (NTP corrects it): the next scan is an hour after the last, not three.
            offset[0] = timedelta(0)
            wait_for(lambda: scans() == 3, 60, "a scan at once after the step back")
        except BaseException as exc:  # the failure is the test's: raised below, after the daemon stopped
            failures.append(exc)
        finally:
            d.stop()

    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    driver = threading.Thread(target=drive)
    driver.start()
    try:
        assert d.run() == 0
    finally:
        d.stop()
        driver.join(timeout=120)
        signal.signal(signal.SIGTERM, handlers[0])
        signal.signal(signal.SIGINT, handlers[1])
    if failures:
        raise failures[0]
    assert scans() == 3, "one scan for each step, none more"
    assert digests() == ["cwwatch: 未対応はありません"], "the digest once: the step back does not repeat it"
