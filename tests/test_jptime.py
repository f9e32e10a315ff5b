"""Time parsing: the site's absolute form, every relative form, colons of both widths, junk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.rails_oracle import MINUTES_IN_YEAR, rails_en, rails_ja, rails_key
from watcher.crowdworks.wording import find_relative, parse_relative, parse_when
from watcher.jptime import (
    JST,
    TimeParseError,
    format_jst,
    normalize,
    parse_absolute,
    parse_site_datetime,
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


R = timedelta(seconds=30)  # Rails rounds to whole minutes first: edges above a minute may be 30 s early
TICK = timedelta(microseconds=1)


def _rails(lo_min: float, hi_min: float) -> tuple[timedelta, timedelta]:
    """A Rails bucket as elapsed time read back: from its first distance to a tick before its next."""
    return timedelta(minutes=lo_min), timedelta(minutes=hi_min) - TICK
D = timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        # Changed from the first version (N to N+1 units): a rounding formatter (Rails) may have
        # written N for N-0.5, so plain N reads as N-0.5 to N+1, like 約N.
        ("22分前", *_rails(21.5, 22.5)),  # Rails' own forms: exactly its bucket (the minute rounded)
        ("25分", *_rails(24.5, 25.5)),  # the profile JSON's form
        ("2時間前", 1.5 * H - R, 3 * H),
        ("約24時間前", *_rails(1409.5, 1439.5)),
        ("約1日前", 12 * H - R, 48 * H),  # read at 12:00: from the day before yesterday noon to midnight
        ("1日前", *_rails(1439.5, 2519.5)),  # 24 to 42 hours
        ("3日前", *_rails(3599.5, 5039.5)),
        ("2週間前", timedelta(weeks=1.5) - R, timedelta(weeks=3)),
        ("約1ヶ月前", *_rails(43199.5, 64799.5)),  # 30 to 45 days: Rails' month is 30 days
        ("1か月前", 15 * D - 2 * D, 60 * D + 3 * D),  # not Rails': 2 days of slack, a day more per two months
        ("1年前", 182.5 * D - 2 * D, 730 * D + 3 * D),  # 2 days of slack, a day more per four years
        ("30秒前", timedelta(seconds=29.5), timedelta(seconds=31)),
        ("たった今", timedelta(0), timedelta(minutes=1)),
        ("24 hours ago", 23.5 * H - R, 25 * H),
        ("an hour ago", 0.5 * H - R, 2 * H),
        ("about 3 days ago", 60 * H - R, 96 * H),
        # The rest of Rails' family.
        ("1分未満", timedelta(0), timedelta(minutes=1)),
        ("5秒未満前", timedelta(0), timedelta(seconds=5)),
        ("30秒前後", timedelta(0), timedelta(seconds=90)),
        ("1分", *_rails(0.5, 1.5)),
        ("約1時間", *_rails(44.5, 89.5)),
        ("約2ヶ月", *_rails(64799.5, 86399.5)),
        ("3ヶ月", *_rails(107999.5, 151199.5)),
        ("約1年", *_rails(525599.5, 656999.5)),  # no 29 February since November 2025
        ("1年以上", *_rails(656999.5, 919799.5)),
        ("2年弱", *_rails(919799.5, 1051199.5)),
        ("2年弱前", *_rails(919799.5, 1051199.5)),
        ("less than a minute ago", timedelta(0), timedelta(minutes=1)),
        ("half a minute ago", timedelta(0), timedelta(seconds=90)),
        ("over 1 year ago", 365 * D - 2 * D, 730 * D + 3 * D),
        ("almost 2 years ago", 547.5 * D - 2 * D, 730 * D + 3 * D),
        ("0分前", timedelta(0), timedelta(minutes=1)),  # never below 0
    ],
)
def test_relative_forms_are_intervals(text, lo, hi):
    assert ago(parse_relative(text, NOW)) == (lo, hi)


def test_the_result_is_utc():
    iv = parse_relative("約24時間前", NOW)
    assert iv.earliest.tzinfo is UTC and iv.latest.tzinfo is UTC


@pytest.mark.parametrize(("text", "lo"), [
    ("最終アクセス: 約24時間前", 23.5 * H - R), ("最終アクセス：約24時間前", 23.5 * H - R),
    ("最終アクセス:22分前", timedelta(minutes=21.5)), ("最終アクセス ： 2時間前", 1.5 * H - R),
    ("最終アクセス：２２分前", timedelta(minutes=21.5)), ("最終アクセス: 約1日前", 12 * H - R),
    ("最終アクセス: 25分", timedelta(minutes=24.5)), ("最終アクセス：1日", timedelta(minutes=1439.5)),
    ("Last activity: 24 hours ago", 23.5 * H - R), ("last activity:24 hours ago", 23.5 * H - R),
    ("Last activity：less than a minute ago", timedelta(0)),
])
def test_label_and_both_colon_widths(text, lo):
    assert ago(parse_when(text, NOW))[0] == lo
    assert ago(parse_relative(text, NOW))[0] == lo


def test_full_width_digits():
    assert ago(parse_relative("３日前", NOW)) == _rails(3599.5, 5039.5)
    assert parse_relative("約１２時間", NOW) == parse_relative("約12時間", NOW)
    assert parse_relative("２年弱", NOW) == parse_relative("2年弱", NOW)


@pytest.mark.parametrize("spelling", ["ヶ月", "か月", "ケ月", "カ月", "ヵ月", "箇月", "ｹ月"])
def test_every_month_spelling(spelling):
    assert parse_relative(f"3{spelling}前", NOW) == parse_relative("3ヶ月前", NOW)


@pytest.mark.parametrize("junk", ["", "  ", "昨日", "非公開", "-", "約前", "前", "1", "3 日 前 前",
                                  "99999999日前", "２０２６年", "12:00", "none", "ago", "1 parsec ago",
                                  "1.5時間前", "3日後", "in 3 days", "約3年以上", "3日前後", "10秒前後",
                                  "half an hour ago", "about", "約", "最終アクセス:", "最終アクセス: -",
                                  "Last activity: 24 hours", "24時間前前", "2026年前"])
def test_junk_is_a_parse_error(junk):
    with pytest.raises(TimeParseError):
        parse_when(junk, NOW)


@pytest.mark.parametrize("text", ["昨日", "1.5時間前", "Last activity: yesterday", "最終アクセス：不明"])
def test_an_unknown_wording_names_itself_in_the_error(text):
    with pytest.raises(TimeParseError) as exc:
        parse_relative(text, NOW)
    assert isinstance(exc.value, ValueError)
    assert repr(text) in str(exc.value)


# ---------------------------------------------------------------------------------------------
# A bare 「N年」 is a calendar year: only 約/以上/弱 or 前 make it an elapsed time.


@pytest.mark.parametrize("text", ["2026年", "2026年 ", "１年", "1年", "3年", "2週間", "3週"])
def test_a_bare_year_or_week_is_not_a_relative_time(text):
    with pytest.raises(TimeParseError):
        parse_relative(text, NOW)


@pytest.mark.parametrize("text", ["1年前", "約1年", "1年以上", "2年弱", "約3年前", "3年以上前", "2週間前"])
def test_a_year_with_its_qualifier_or_ago_is_one(text):
    assert parse_relative(text, NOW).latest < NOW


@pytest.mark.parametrize("text", ["2026年前", "1999年以上", "約2026年"])
def test_a_four_digit_count_of_years_is_a_calendar_year(text):
    with pytest.raises(TimeParseError):
        parse_relative(text, NOW)


@pytest.mark.parametrize("text", ["25分", "2時間", "約2時間", "1日", "3日", "約1ヶ月", "3ヶ月", "5秒未満", "1分未満",
                                  "30秒前後", "10秒"])
def test_the_json_writes_these_units_without_ago(text):
    assert parse_relative(text, NOW) == parse_relative(text + "前", NOW)


# ---------------------------------------------------------------------------------------------
# Inside a longer text


@pytest.mark.parametrize(("text", "found"), [
    ("山田商事 最終アクセス：約1日前 完了数 40 / 契約数 41", "約1日前"),
    ("最終アクセス: 22分前 / 本人確認済み", "22分前"),
    ("最終アクセス：２２分前", "22分前"),
    ("最終アクセス: 25分 完了数 3 / 契約数 4", "25分"),  # bare, right after the label
    ("25分", "25分"),  # bare, the whole text (the JSON's value)
    ("  1日 ", "1日"),
    ("登録日：2026年11月01日 最終アクセス：約24時間前", "約24時間前"),
    ("Acme Inc. Last activity: 24 hours ago. Completed 3 / 4", "24 hours ago"),
    ("member since 2019, last seen about 3 days ago", "about 3 days ago"),
    ("最終アクセス：たった今", "たった今"),
    ("今", "今"),
    ("最終アクセス: 1年以上前", "1年以上前"),
    ("最終アクセス: 30秒前後", "30秒前後"),
])
def test_find_relative_in_a_longer_text(text, found):
    got = find_relative(text, NOW)
    assert got is not None
    assert got[0] == found
    assert got[1] == parse_relative(found, NOW)


@pytest.mark.parametrize("text", [
    "登録日：2026年11月01日", "完了数 40 / 契約数 41", "2026年", "登録 2026年11月", "募集 あと3日",
    "納期 2週間", "契約期間 3ヶ月", "2026年前期", "評価 4.9 (12件)", "2026/11/01 10:00", "12345678日前",
    "1.5時間前", "非公開", "", "本日 12:00", "約3年以上", "ID 40分", "clover",
])
def test_find_relative_leaves_unrelated_text_alone(text):
    assert find_relative(text, NOW) is None


@given(st.text(max_size=60))
def test_find_relative_on_any_text_finds_nothing_or_a_wording_it_can_read(text):
    got = find_relative(text, NOW)
    if got is not None:
        assert got[0] in normalize(text)
        assert got[1].latest <= NOW


def test_other_scripts_digits_are_not_numbers():
    with pytest.raises(TimeParseError):
        parse_relative("٣日前", NOW)


def test_find_relative_skips_a_bad_candidate_and_takes_the_next():
    got = find_relative("約3日前後の作業, 最終アクセス: 2時間前", NOW)
    assert got is not None and got[0] == "2時間前"


# ---------------------------------------------------------------------------------------------
# Rails' distance_of_time_in_words, ported as the oracle: every bucket edge must fall inside.

def _m(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


# (what Rails writes, include_seconds, first elapsed time it writes it, first elapsed time it no longer does)
RAILS_BUCKETS = [
    ("5秒未満", True, timedelta(0), timedelta(seconds=4.5)),
    ("10秒未満", True, timedelta(seconds=4.5), timedelta(seconds=9.5)),
    ("20秒未満", True, timedelta(seconds=9.5), timedelta(seconds=19.5)),
    ("30秒前後", True, timedelta(seconds=19.5), timedelta(seconds=39.5)),
    ("1分未満", True, timedelta(seconds=39.5), timedelta(seconds=59.5)),
    ("1分", True, timedelta(seconds=59.5), timedelta(seconds=90)),
    ("1分未満", False, timedelta(0), timedelta(seconds=30)),
    ("1分", False, timedelta(seconds=30), timedelta(seconds=90)),
    ("2分", False, _m(1.5), _m(2.5)),
    ("25分", False, _m(24.5), _m(25.5)),
    ("44分", False, _m(43.5), _m(44.5)),
    ("約1時間", False, _m(44.5), _m(89.5)),
    ("約2時間", False, _m(89.5), _m(149.5)),
    ("約5時間", False, _m(269.5), _m(329.5)),
    ("約24時間", False, _m(1409.5), _m(1439.5)),
    ("1日", False, _m(1439.5), _m(2519.5)),
    ("2日", False, _m(2519.5), _m(3599.5)),
    ("3日", False, _m(3599.5), _m(5039.5)),
    ("30日", False, _m(42479.5), _m(43199.5)),
    ("約1ヶ月", False, _m(43199.5), _m(64799.5)),
    ("約2ヶ月", False, _m(64799.5), _m(86399.5)),
    ("2ヶ月", False, _m(86399.5), _m(107999.5)),
    ("7ヶ月", False, _m(280799.5), _m(323999.5)),
    ("12ヶ月", False, _m(496799.5), _m(525599.5)),
]


@pytest.mark.parametrize(("words", "seconds", "lo", "hi"), RAILS_BUCKETS)
def test_the_bucket_table_is_rails(words, seconds, lo, hi):
    """The edges below are Rails' own: checked against the ported oracle, a tick either side."""
    assert rails_ja(rails_key(NOW - lo, NOW, seconds)) == words
    assert rails_ja(rails_key(NOW - (hi - TICK), NOW, seconds)) == words
    assert rails_ja(rails_key(NOW - hi, NOW, seconds)) != words
    if lo:
        assert rails_ja(rails_key(NOW - (lo - TICK), NOW, seconds)) != words


@pytest.mark.parametrize(("words", "seconds", "lo", "hi"), RAILS_BUCKETS)
@pytest.mark.parametrize("form", ["{}", "{}前", "最終アクセス: {}前", "最終アクセス：{}", "en"])
def test_every_rails_bucket_edge_falls_inside_the_interval(words, seconds, lo, hi, form):
    text = rails_en(rails_key(NOW - lo, NOW, seconds)) + " ago" if form == "en" else form.format(words)
    iv = parse_relative(text, NOW)
    for elapsed in (lo, hi - TICK):
        assert iv.earliest <= NOW - elapsed <= iv.latest, (text, elapsed, ago(iv))


@pytest.mark.parametrize(("years", "quarter"), [(y, q) for y in (1, 2, 3, 4, 10, 40) for q in (0, 1, 3)])
def test_year_bucket_edges_fall_inside(years, quarter):
    """Years depend on the dates (Rails discounts leap days): walk a day either side of each edge."""
    # The calendar Rails discounts leap days by is its zone's: Japan's.
    for end in (NOW, datetime(2028, 3, 1, 0, 30, tzinfo=JST), datetime(2025, 2, 28, 23, 59, tzinfo=JST)):
        nominal = timedelta(minutes=years * MINUTES_IN_YEAR + quarter * MINUTES_IN_YEAR // 4)
        for shift_h in range(-24 * 12, 24 * 12 + 1, 6):
            elapsed = nominal + timedelta(hours=shift_h)
            frm = end - elapsed
            for text in (rails_ja(rails_key(frm, end)), rails_ja(rails_key(frm, end)) + "前",
                         rails_en(rails_key(frm, end)) + " ago"):
                iv = parse_relative(text, end)
                assert iv.earliest <= frm <= iv.latest, (text, elapsed)


@given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(JST)),
       st.one_of(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
                 st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=365 * 49)),
                 st.builds(lambda y, q, j: timedelta(minutes=y * MINUTES_IN_YEAR + q * MINUTES_IN_YEAR // 4 + j),
                           st.integers(1, 48), st.sampled_from([0, 1, 3, 4]), st.integers(-40 * 1440, 40 * 1440))),
       st.booleans())  # back to 1952 at most: Japan kept summer time before, which the oracle counts in wall time
def test_whatever_rails_writes_reads_back_around_the_truth(end, elapsed, include_seconds):
    frm = end - elapsed
    key = rails_key(frm, end, include_seconds)
    for text in (rails_ja(key), rails_ja(key) + "前", rails_en(key) + " ago"):
        iv = parse_relative(text, end)
        assert iv.earliest <= frm <= iv.latest, (text, elapsed)
        assert iv.latest <= end


# A formatter counting calendar months (four of them can be 123 days) is no longer read around:
# 「Nヶ月」 is Rails' bucket of 30-day months (issue 17: buckets exactly as the framework rounds them).
# Wordings Rails never writes (「1ヶ月」, 「2時間前」) still are: see test_relative_forms_are_intervals.


# ---------------------------------------------------------------------------------------------
# ISO times


@pytest.mark.parametrize("text", ["2026-11-26T18:40:00+09:00", "2026-11-26T09:40:00Z", "2026-11-26T09:40:00z",
                                  "2026-11-26T09:40:00+00:00", "2026-11-26T18:40+09:00", "2026-11-26 18:40:00+0900",
                                  "2026-11-26T04:40:00-05:00"])
def test_site_datetime_accepts_iso_with_an_offset(text):
    t = parse_site_datetime(text)
    assert t == datetime(2026, 11, 26, 9, 40, tzinfo=UTC)
    assert t.tzinfo is UTC


def test_iso_keeps_its_fraction_of_a_second():
    assert parse_site_datetime("2026-11-26T09:40:00.250+00:00") == datetime(2026, 11, 26, 9, 40, 0, 250000, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-11-26T18:40:00", "2026-11-26T18:40", "2026-11-26 18:40:00",
                                  "2026-11-26T25:40:00+09:00", "2026-02-30T10:00:00Z"])
def test_a_naive_or_impossible_iso_time_is_an_error(text):
    with pytest.raises(TimeParseError):
        parse_site_datetime(text)


def test_parse_when_reads_iso_too():
    iv = parse_when("2026-11-26T18:40:00+09:00", NOW)
    assert iv.earliest == iv.latest == datetime(2026, 11, 26, 9, 40, tzinfo=UTC)


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


RAILS_WORDS = {rails_ja(k) for k in [*(("x_minutes", n) for n in range(1, 45)), *(("x_days", n) for n in range(1, 31)),
                                     *(("about_x_hours", n) for n in range(1, 25)), ("about_x_months", 1),
                                     ("about_x_months", 2), *(("x_months", n) for n in range(2, 13)),
                                     *((y, n) for y in ("about_x_years", "over_x_years", "almost_x_years")
                                       for n in range(1, 501))]}


@given(st.integers(min_value=0, max_value=500), st.sampled_from(["分", "時間", "日", "週間", "ヶ月", "年"]),
       st.booleans(), st.sampled_from(["", "最終アクセス: ", "最終アクセス："]))
def test_relative_interval_contains_the_nominal_moment(n, unit, about, prefix):
    """Wordings outside Rails' family hold their nominal moment (Rails' own: exactly their bucket,
    tests/test_sample_wording.py, where 「約2ヶ月」 ends before 60 days)."""
    core = f"{'約' if about else ''}{n}{unit}"
    if core in RAILS_WORDS:
        return
    text = f"{prefix}{core}前"
    iv = parse_when(text, NOW)
    per = {"分": timedelta(minutes=1), "時間": H, "日": 24 * H, "週間": timedelta(weeks=1),
           "ヶ月": timedelta(days=30), "年": timedelta(days=365)}[unit]
    assert iv.earliest <= NOW - n * per <= iv.latest
    assert iv.latest <= NOW


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
                    timezones=st.just(JST)))
def test_format_and_parse_round_trip_to_the_minute(t):
    t = t.replace(second=0, microsecond=0)
    assert parse_site_datetime(format_jst(t)) == t
