"""Business days on the Japanese calendar (weekends and public holidays off), in Asia/Tokyo.

Pure: the holiday table comes from the ``holidays`` package, no I/O at call time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from watcher.jptime import JST

# The desk's own year-end break (年末年始) is not a public holiday, but nobody answers then either.
YEAR_END = {(12, 29), (12, 30), (12, 31), (1, 2), (1, 3)}


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("JP", years=year).keys())


def is_business_day(d: date, year_end_break: bool = False) -> bool:
    if d.weekday() >= 5 or d in _holidays(d.year):
        return False
    return not (year_end_break and (d.month, d.day) in YEAR_END)


def add_business_days(start: datetime, n: int, year_end_break: bool = False) -> datetime:
    """The moment ``n`` business days after ``start`` (Japan time, time of day kept).

    A start on a day off counts from the beginning of the next business day: a message sent on
    Saturday has waited two business days at Wednesday 00:00, one sent Friday 15:00 at Tuesday
    15:00.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    j = start.astimezone(JST)
    d = j.date()
    if not is_business_day(d, year_end_break):
        while not is_business_day(d, year_end_break):
            d += timedelta(days=1)
        j = datetime.combine(d, time(0, 0), tzinfo=JST)
    left = n
    while left > 0:
        d += timedelta(days=1)
        if is_business_day(d, year_end_break):
            left -= 1
    return datetime.combine(d, j.timetz()).astimezone(start.tzinfo)


def business_days_between(start: datetime, end: datetime, year_end_break: bool = False) -> int:
    """Whole business days waited from ``start`` to ``end`` (0 when end is before the first)."""
    if end <= start:
        return 0
    lo, hi = 0, 1
    while add_business_days(start, hi, year_end_break) <= end:
        lo, hi = hi, hi * 2
        if hi > 4096:
            return hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if add_business_days(start, mid, year_end_break) <= end:
            lo = mid
        else:
            hi = mid
    return lo
