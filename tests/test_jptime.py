"""Time parsing: the site's absolute form, every relative form, colons of both widths, junk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watcher.jptime import (
    JST,
    TimeParseError,
    describe_ago,
    format_jst,
    parse_absolute,
    parse_relative,
    parse_site_datetime,
    parse_when,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=JST)
H = timedelta(hours=1)


def ago(iv):
    return (NOW - iv.latest, NOW - iv.earliest)  # (min elapsed, max elapsed)


def test_absolute_site_form_is_japan_time():
    t = parse_site_datetime("2026年09月27日 15:55")
    assert t == datetime(2026, 9, 27, 6, 55, tzinfo=UTC)
    assert t.tzinfo is not None


@pytest.mark.parametrize("text", ["2026年9月27日 15:55", "2026/09/27 15:55", "２０２６年０９月２７日　１５：５５",
                                  "2026年09月27日(日) 15:55", "2026-09-27 15:55"])
def test_absolute_variants(text):
    assert parse_site_datetime(text) == datetime(2026, 9, 27, 15, 55, tzinfo=JST)


def test_a_bare_date_is_the_whole_day():
    iv = parse_absolute("2026年09月27日")
    assert iv.earliest == datetime(2026, 9, 27, tzinfo=JST)
    assert iv.latest - iv.earliest == timedelta(days=1) - timedelta(seconds=1)


@pytest.mark.parametrize("text", ["2026年13月01日 10:00", "2026年02月30日 10:00", "2026年01月01日 25:00"])
def test_impossible_dates_are_errors(text):
    with pytest.raises(TimeParseError):
        parse_absolute(text)


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("22分前", timedelta(minutes=22), timedelta(minutes=23)),
        ("25分", timedelta(minutes=25), timedelta(minutes=26)),  # the profile JSON's form
        ("2時間前", 2 * H, 3 * H),
        ("約24時間前", 23.5 * H, 25 * H),
        ("約1日前", 12 * H, 48 * H),  # read at 12:00: from the day before yesterday noon to midnight
        ("1日前", 24 * H, 48 * H),
        ("3日前", 72 * H, 96 * H),
        ("2週間前", timedelta(weeks=2), timedelta(weeks=3)),
        ("約1ヶ月前", timedelta(days=15 - 2), timedelta(days=60 + 2)),
        ("1か月前", timedelta(days=30 - 2), timedelta(days=60 + 2)),
        ("1年前", timedelta(days=365 - 2), timedelta(days=730 + 2)),
        ("30秒前", timedelta(seconds=30), timedelta(seconds=31)),
        ("たった今", timedelta(0), timedelta(minutes=1)),
        ("24 hours ago", 24 * H, 25 * H),
        ("an hour ago", 1 * H, 2 * H),
        ("about 3 days ago", 60 * H, 96 * H),
    ],
)
def test_relative_forms_are_intervals(text, lo, hi):
    assert ago(parse_relative(text, NOW)) == (lo, hi)


@pytest.mark.parametrize(("text", "lo"), [
    ("最終アクセス: 約24時間前", 23.5 * H), ("最終アクセス：約24時間前", 23.5 * H),
    ("最終アクセス:22分前", timedelta(minutes=22)), ("最終アクセス ： 2時間前", 2 * H),
    ("Last activity: 24 hours ago", 24 * H),
])
def test_label_and_both_colon_widths(text, lo):
    assert ago(parse_when(text, NOW))[0] == lo


def test_full_width_digits():
    assert ago(parse_relative("３日前", NOW)) == (72 * H, 96 * H)


@pytest.mark.parametrize("junk", ["", "  ", "昨日", "非公開", "-", "約前", "前", "1", "3 日 前 前",
                                  "99999999日前", "２０２６年", "12:00", "none", "ago", "1 parsec ago"])
def test_junk_is_a_parse_error(junk):
    with pytest.raises(TimeParseError):
        parse_when(junk, NOW)


def test_naive_fetch_time_is_refused():
    with pytest.raises(ValueError):
        parse_relative("2時間前", datetime(2026, 11, 20, 12))


@given(st.text(max_size=40))
def test_arbitrary_text_either_parses_or_raises_the_documented_error(text):
    try:
        iv = parse_when(text, NOW)
    except TimeParseError:
        return
    assert iv.earliest <= iv.latest
    assert iv.earliest.tzinfo is not None


@given(st.integers(min_value=0, max_value=500), st.sampled_from(["分", "時間", "日", "週間", "ヶ月", "年"]),
       st.booleans(), st.sampled_from(["", "最終アクセス: ", "最終アクセス："]))
def test_relative_interval_contains_the_nominal_moment(n, unit, about, prefix):
    text = f"{prefix}{'約' if about else ''}{n}{unit}前"
    iv = parse_when(text, NOW)
    per = {"分": timedelta(minutes=1), "時間": H, "日": 24 * H, "週間": timedelta(weeks=1),
           "ヶ月": timedelta(days=30), "年": timedelta(days=365)}[unit]
    assert iv.earliest <= NOW - n * per <= iv.latest
    assert iv.latest <= NOW


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3000)))
def test_what_the_sample_site_writes_reads_back_around_the_truth(delta):
    text = describe_ago(delta)
    iv = parse_relative(text, NOW)
    assert iv.earliest - timedelta(days=3) <= NOW - delta <= iv.latest + timedelta(minutes=1)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
                    timezones=st.just(JST)))
def test_format_and_parse_round_trip_to_the_minute(t):
    t = t.replace(second=0, microsecond=0)
    assert parse_site_datetime(format_jst(t)) == t
