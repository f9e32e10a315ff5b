"""Business days on the Japanese calendar."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watcher.decide.bizdays import add_business_days, business_days_between, is_business_day
from watcher.jptime import JST


def jst(*a):
    return datetime(*a, tzinfo=JST)


@pytest.mark.parametrize(("d", "expected"), [
    (date(2026, 11, 20), True),   # Friday
    (date(2026, 11, 21), False),  # Saturday
    (date(2026, 11, 22), False),  # Sunday
    (date(2026, 11, 23), False),  # 勤労感謝の日 (a Monday in 2026)
    (date(2026, 11, 3), False),   # 文化の日
    (date(2027, 1, 1), False),    # 元日
    (date(2026, 5, 6), False),    # 振替休日 after Golden Week
    (date(2026, 9, 22), False),   # 国民の休日 between 敬老の日 and 秋分の日
    (date(2026, 12, 28), True),
])
def test_japanese_calendar(d, expected):
    assert is_business_day(d) is expected


def test_year_end_break_is_optional():
    assert is_business_day(date(2026, 12, 29))
    assert not is_business_day(date(2026, 12, 29), year_end_break=True)


@pytest.mark.parametrize(("start", "n", "expected"), [
    (jst(2026, 11, 18, 15, 0), 2, jst(2026, 11, 20, 15, 0)),  # Wed -> Fri
    (jst(2026, 11, 19, 15, 0), 2, jst(2026, 11, 24, 15, 0)),  # Thu -> Tue (weekend + 勤労感謝の日)
    (jst(2026, 11, 20, 15, 0), 2, jst(2026, 11, 25, 15, 0)),  # Fri -> Wed
    (jst(2026, 11, 21, 10, 0), 2, jst(2026, 11, 26, 0, 0)),   # Sat: counts from Tue 00:00
    (jst(2026, 11, 23, 9, 0), 1, jst(2026, 11, 25, 0, 0)),    # a holiday counts from the next day
    (jst(2026, 4, 30, 12, 0), 2, jst(2026, 5, 7, 12, 0)),     # Golden Week
    (jst(2026, 11, 20, 15, 0), 0, jst(2026, 11, 20, 15, 0)),
])
def test_add_business_days(start, n, expected):
    assert add_business_days(start, n) == expected


def test_between_counts_whole_business_days():
    start = jst(2026, 11, 20, 15, 0)
    assert business_days_between(start, jst(2026, 11, 25, 14, 59)) == 1
    assert business_days_between(start, jst(2026, 11, 25, 15, 0)) == 2
    assert business_days_between(start, start) == 0
    assert business_days_between(start, jst(2026, 11, 1)) == 0


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(JST)),
       st.integers(min_value=0, max_value=40))
def test_add_then_count_round_trips(start, n):
    end = add_business_days(start, n)
    assert end >= start
    assert business_days_between(start, end) == n
    assert is_business_day(end.date()) or n == 0
