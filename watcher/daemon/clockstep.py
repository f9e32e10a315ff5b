"""Noticing that the wall clock stepped: pure, the readings passed in.

The wall clock (``datetime.now``) can step: NTP after a suspend (the monotonic clock stands still
while the machine sleeps, the wall clock does not), a manual correction, a time-zone change that
moves the UTC clock. The monotonic clock never steps. Between two readings both advance alike but for
a small slew; a difference beyond the tolerance is a step, forward (positive) or back (negative).
The daemon's scheduler keeps its jobs in wall time, so on a step it reschedules from the new now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

STEP_TOLERANCE = timedelta(seconds=30)  # below this, wall and monotonic time are taken to agree


@dataclass
class StepWatch:
    """The last pair of readings: ``wall`` (aware), ``mono`` (seconds of ``time.monotonic()``)."""

    wall: datetime
    mono: float
    tolerance: timedelta = STEP_TOLERANCE

    def step(self, wall: datetime, mono: float) -> timedelta | None:
        """How far the wall clock stepped since the last reading, beyond what the monotonic clock
        advanced (positive: forward); None within the tolerance. Each reading becomes the new
        reference, so a slow slew never adds up to a step."""
        drift = (wall - self.wall) - timedelta(seconds=mono - self.mono)
        self.wall, self.mono = wall, mono
        return drift if abs(drift) > self.tolerance else None
