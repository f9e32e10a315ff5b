"""The sample site's one encoding of Rails' distance of time (the profile's last access), checked
against Rails' own method (``tests/rails_oracle.py``), and read back by the readers' parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.rails_oracle import MINUTES_IN_YEAR, rails_ja, rails_key
from watcher.crowdworks.wording import parse_relative
from watcher.jptime import JST
from watcher.models import Interval
from watcher.sample.site.wording import distance_of_time_in_words, last_access_text, visible_last_access

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=JST)


@pytest.mark.parametrize(("delta", "words"), [
    (timedelta(seconds=10), "1分未満"),
    (timedelta(seconds=29), "1分未満"),
    (timedelta(seconds=30), "1分"),  # Rails rounds halves up (Ruby's Float#round)
    (timedelta(seconds=45), "1分"),
    (timedelta(minutes=25), "25分"),
    (timedelta(minutes=10, seconds=30), "11分"),
    (timedelta(minutes=44, seconds=29), "44分"),
    (timedelta(minutes=50), "約1時間"),
    (timedelta(hours=2), "約2時間"),
    (timedelta(hours=2, minutes=30), "約3時間"),
    (timedelta(hours=23, minutes=40), "約24時間"),
    (timedelta(hours=30), "1日"),
    (timedelta(hours=60), "3日"),  # Rails' own example: 60 hours is 3 days
    (timedelta(days=18, hours=12), "19日"),
    (timedelta(days=40), "約1ヶ月"),
    (timedelta(days=50), "約2ヶ月"),
    (timedelta(days=100), "3ヶ月"),
    (timedelta(days=368), "約1年"),
    (timedelta(days=3 * 365 + 182), "3年以上"),
    (timedelta(days=365 + 300), "2年弱"),
    (timedelta(days=365 + 272), "1年以上"),  # just under three quarters of a year
    (timedelta(days=365 + 274), "2年弱"),
    (-timedelta(minutes=25), "25分"),  # like Rails, the distance has no sign
])
def test_the_wording_is_rails(delta: timedelta, words: str) -> None:
    assert distance_of_time_in_words(NOW - delta, NOW) == words
    assert rails_ja(rails_key(NOW - delta, NOW)) == words


def test_leap_days_are_discounted_as_rails_does() -> None:
    """Four years that hold a 29 February are still 「約4年」, not a day past it."""
    frm = datetime(2024, 1, 10, 9, 0, tzinfo=JST)
    to = frm + timedelta(days=4 * 365 + 1)
    assert distance_of_time_in_words(frm, to) == rails_ja(rails_key(frm, to)) == "約4年"


_JST_TIMES = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(JST))
_ELAPSED = st.one_of(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=365 * 80)),
    st.builds(lambda y, q, j: timedelta(minutes=y * MINUTES_IN_YEAR + q * MINUTES_IN_YEAR // 4 + j),
              st.integers(1, 80), st.sampled_from([0, 1, 3, 4]), st.integers(-3 * 1440, 3 * 1440)),
    st.builds(lambda m, s: timedelta(minutes=m, seconds=s), st.integers(0, 3000), st.sampled_from([29, 30, 31])),
)


@given(_JST_TIMES, _ELAPSED)
def test_the_wording_agrees_with_rails_everywhere(end: datetime, elapsed: timedelta) -> None:
    """Any two moments on Japan's calendar (leap days included): the very words Rails writes."""
    frm = end - elapsed
    assert distance_of_time_in_words(frm, end) == rails_ja(rails_key(frm, end))
    assert distance_of_time_in_words(end, frm) == rails_ja(rails_key(frm, end))


@pytest.mark.parametrize(("delta", "json_text", "shown"), [
    (timedelta(seconds=10), "1分未満", "1分未満"),
    (timedelta(minutes=22), "22分", "22分前"),
    (timedelta(hours=2), "約2時間前", "約2時間前"),
    (timedelta(days=12), "12日前", "12日前"),
    (timedelta(days=100), "3ヶ月前", "3ヶ月前"),
    (timedelta(days=365 + 200), "1年以上前", "1年以上前"),
    (-timedelta(hours=2), "1分未満", "1分未満"),  # a last access after now reads as now
])
def test_the_profile_writes_minutes_bare_and_the_sidebar_adds_mae(delta: timedelta, json_text: str,
                                                                  shown: str) -> None:
    assert last_access_text(NOW, NOW - delta) == json_text
    assert visible_last_access(json_text) == shown


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=365 * 100)),
       st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)))
def test_what_the_sample_site_writes_reads_back_around_the_truth(delta: timedelta, fetched_at: datetime) -> None:
    json_text = last_access_text(fetched_at, fetched_at - delta)
    for text in (json_text, visible_last_access(json_text)):
        iv = parse_relative(text, fetched_at)
        assert iv.earliest <= fetched_at - delta <= iv.latest, (text, delta)


TICK = timedelta(microseconds=1)


def _exactly_the_bucket(frm: datetime, end: datetime) -> None:
    key = rails_key(frm, end)
    for text in (rails_ja(key), rails_ja(key) + "前", "最終アクセス: " + rails_ja(key) + "前"):
        iv = parse_relative(text, end)
        assert iv.earliest <= frm <= iv.latest, (text, end - frm)
        if key == ("less_than_x_minutes", 1):
            continue  # read as 0 … 1 min: Rails writes it up to 30 s, or from 40 s to 60 s counting seconds
        iv = Interval(iv.earliest.astimezone(JST), iv.latest.astimezone(JST))  # Rails' calendar: Japan's
        # No wider than the bucket: both ends are still written so...
        assert rails_key(iv.earliest, end) == key, (text, end - iv.earliest)
        assert rails_key(iv.latest, end) == key, (text, end - iv.latest)
        # ...and exactly it: a tick beyond either end is another wording.
        assert rails_key(iv.earliest - TICK, end) != key, (text, end - iv.earliest)
        if iv.latest < end:
            assert rails_key(iv.latest + TICK, end) != key, (text, end - iv.latest)


@given(_JST_TIMES, _ELAPSED)
def test_a_rails_wording_reads_back_as_exactly_its_bucket(end: datetime, elapsed: timedelta) -> None:
    """Issue 17 item 7: for any two Japan-time moments, the
    interval read back from the words Rails writes holds the true distance and is no wider than
    Rails' bucket for those words (months of 30 days; years of 365 days less the leap days Rails
    discounts), at the bucket's exact edges."""
    # Japan kept summer time until 1951: the oracle's arithmetic (one zone, wall time) would count its hours.
    _exactly_the_bucket(max(end - elapsed, datetime(1953, 1, 1, tzinfo=JST)), end)  # its whole bucket after 1951


@pytest.mark.parametrize("end", [datetime(2028, 3, 1, 0, 30, tzinfo=JST), datetime(2028, 2, 29, 23, 59, tzinfo=JST),
                                 datetime(2025, 3, 1, 0, 0, tzinfo=JST), datetime(2026, 11, 20, 12, 0, tzinfo=JST)])
@pytest.mark.parametrize("years", [1, 2, 3, 4, 5, 8, 40])
@pytest.mark.parametrize("quarter", [0, 1, 3, 4])
def test_year_buckets_are_exact_around_leap_days(end: datetime, years: int, quarter: int) -> None:
    """The edges of the year wordings, walked a few hours at a time across a week either side, with
    the end on and around a 29 February (where Rails' leap-day discount moves the edges)."""
    nominal = timedelta(minutes=years * MINUTES_IN_YEAR + quarter * MINUTES_IN_YEAR // 4)
    for shift_h in range(-24 * 7, 24 * 7 + 1, 5):
        _exactly_the_bucket(end - nominal - timedelta(hours=shift_h, seconds=shift_h % 61), end)


@pytest.mark.parametrize(("words", "lo", "hi"), [
    ("約1ヶ月前", timedelta(minutes=43199.5), timedelta(minutes=64799.5)),  # 30 … 45 days
    ("約2ヶ月", timedelta(minutes=64799.5), timedelta(minutes=86399.5)),
    ("3ヶ月前", timedelta(minutes=107999.5), timedelta(minutes=151199.5)),  # 75 … 105 days
    ("12ヶ月", timedelta(minutes=496799.5), timedelta(minutes=525599.5)),
    ("約1年前", timedelta(minutes=525599.5), timedelta(minutes=525600 + 131400 - 0.5)),  # no 29 February
    ("1年以上", timedelta(minutes=525600 + 131399.5), timedelta(minutes=525600 + 394199.5)),
    ("2年弱前", timedelta(minutes=525600 + 394199.5), timedelta(minutes=2 * 525600 - 0.5)),
    # From a day in 2023 to 20 November 2026: 29 February 2024 lies between, a day more.
    ("3年以上前", timedelta(minutes=3 * 525600 + 131400 + 1440 - 0.5),
     timedelta(minutes=3 * 525600 + 394200 + 1440 - 0.5)),
])
def test_months_and_years_are_rails_buckets(words: str, lo: timedelta, hi: timedelta) -> None:
    iv = parse_relative(words, NOW)
    assert (NOW - iv.latest, NOW - iv.earliest) == (lo, hi - TICK)
