"""The wall clock every scan and the daemon read: the computer's clock, aware UTC.

A test mode steps it: when the environment variable ``CWWATCH_TEST_CLOCK_FILE`` names a file, the
number of seconds it holds (a float, negative for a step back) is added to every reading, read again
each time, so a test can step the clock of a running daemon and of the scans it starts (they inherit
the variable) as NTP, a manual correction or a suspend would. The variable is for tests only: it is
not documented to people, and without it (or with a missing or unreadable file) the clock is the
computer's own.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

TEST_CLOCK_ENV = "CWWATCH_TEST_CLOCK_FILE"


def offset() -> timedelta:
    """The test mode's step (zero outside it, or when its file is missing or not a number)."""
    path = os.environ.get(TEST_CLOCK_ENV)
    if not path:
        return timedelta(0)
    try:
        with open(path, encoding="utf-8") as f:
            return timedelta(seconds=float(f.read().strip() or 0))
    except (OSError, ValueError):
        return timedelta(0)


def steppable() -> bool:
    """Whether the clock may be stepped by a test (``CWWATCH_TEST_CLOCK_FILE`` set)."""
    return bool(os.environ.get(TEST_CLOCK_ENV))


def now() -> datetime:
    """The wall clock, aware UTC (stepped by the test mode's offset)."""
    return datetime.now(UTC) + offset()
