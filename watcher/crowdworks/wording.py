"""The site's wording of elapsed time (「約24時間前」, "24 hours ago", the profile JSON's 「25分」), read
as the interval of moments it can mean. Pure. This is site knowledge (docs/site.md, the
last access); the generic time (Japan time, the site's absolute form, ISO 8601) is
``watcher.jptime``.

Relative: the site is a Rails application and its profile JSON writes Rails' Japanese
``distance_of_time_in_words`` (「1分未満」「25分」「約2時間」「1日」「約1ヶ月」「3ヶ月」「約1年」「1年以上」
「2年弱」, with or without 前; the family is a **guess**, likely, docs/site.md). A wording of that family
is read as exactly the interval Rails writes it for (its bucket), anchored at the moment the page
was fetched (Japan's calendar for the leap days Rails discounts from years):

========================  ==============================================================
Rails' wording            the distance Rails writes it for (it rounds to whole minutes first)
========================  ==============================================================
1分, N分 (N ≤ 44)          30 s … 90 s; N-½ … N+½ min
約1時間, 約N時間 (N ≤ 24)  44½ … 89½ min; N-½ … N+½ h (within 89½ min … 23 h 59½ min)
1日, N日 (N ≤ 30)          23 h 59½ min … 41 h 59½ min; N-½ … N+½ days (within 41 h 59½ min … 30 days)
約1ヶ月, 約2ヶ月            30 … 45 days; 45 … 60 days (a month is 30 days)
Nヶ月 (2 … 12)             N-½ … N+½ months of 30 days (within 60 … 365 days)
約N年, N年以上, N年弱       N … N¼, N¼ … N¾, N-¼ … N years of 365 days, plus the 29 Februaries
                          between the two dates (from the next 1 March to the last February)
========================  ==============================================================

(each edge less 30 s, the minute rounding; the far edge is open; 「1分未満」 is read as 0 … 1 min,
as Rails may count seconds there). Any other wording is another
formatter's: the visible page's (「22分前」「約1日前」, "24 hours ago" in English; its 「約24時間前」 and
「22分前」 are also Rails' forms and read as Rails'), the JSON's own 「2時間前」 (no 約: not Rails'), or
English. We do not know whether that one rounds or truncates, so it is read as the interval that
*both* readings allow:

========================  ==============================  ===========================================
wording                   read as (elapsed, in units)     why
========================  ==============================  ===========================================
N, 約N, about N           N-½ … N+1                       rounded (Rails) or truncated
N以上, over N             N … N+1                         Rails: N¼ … N¾ years
N弱, almost N             N-½ … N                         Rails: N-¼ … N years
N未満, N以内, less than N  0 … N
30秒前後, half a minute    0 … 90 s                        Rails: 20 … 40 s; covers 「1分」 too
たった今, just now         0 … 1 min
========================  ==============================  ===========================================

Never below 0. Outside Rails' family: Rails rounds to whole minutes before it picks a bucket, so
every unit above a minute gets 30 s more at the near edge. A month is 30 days and a year 365 days, with 2 days of
slack on both sides; the far edge also gets a day per two months (runs of calendar months are
longer than 30 days each) and a day per four years (leap days, which Rails discounts).

Without 前 only the units the JSON writes bare (秒, 分, 時間, 日, ヶ月); a bare 年 only with 約, 以上
or 弱, as Rails writes it: 「2026年」 alone is a year, not an elapsed time.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from watcher.jptime import JST, TimeParseError, normalize, parse_absolute
from watcher.models import Interval

__all__ = ["find_relative", "parse_relative", "parse_when"]

_SECOND = timedelta(seconds=1)
_MINUTE = timedelta(minutes=1)
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_WEEK = timedelta(weeks=1)
_MONTH = timedelta(days=30)
_YEAR = timedelta(days=365)

_MONTH_JA = ("ヶ月", "か月", "ケ月", "カ月", "ヵ月", "箇月")
_UNITS_JA: dict[str, timedelta] = {
    "秒": _SECOND, "分": _MINUTE, "時間": _HOUR, "日": _DAY, "週間": _WEEK, "週": _WEEK,
    **dict.fromkeys(_MONTH_JA, _MONTH), "年": _YEAR,
}
_UNITS_EN: dict[str, timedelta] = {
    "second": _SECOND, "sec": _SECOND, "minute": _MINUTE, "min": _MINUTE, "hour": _HOUR, "day": _DAY,
    "week": _WEEK, "month": _MONTH, "year": _YEAR,
}
# The units the profile JSON writes without 前 (Rails' forms). 年 only with a qualifier, see _bare_ok.
_BARE_UNITS = {_SECOND, _MINUTE, _HOUR, _DAY, _MONTH}

# Rails rounds the distance to whole minutes before it picks a bucket: every edge may be 30 s early.
_ROUNDING = timedelta(seconds=30)
_CALENDAR_SLACK = timedelta(days=2)
# A count of four digits before 年 is a calendar year (「2026年前期」), never an elapsed time.
_CALENDAR_YEAR = 1000


def _alt(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


# One wording, Japanese or English. Group names tell the two apart.
_JA = (
    rf"(?P<ja_about>約|およそ)?\s?(?P<ja_n>[0-9]{{1,6}})\s?(?P<ja_unit>{_alt(_UNITS_JA)})"
    r"(?P<ja_qual>未満|以内|以上|弱|前後)?\s?(?P<ja_ago>前)?"
)
_EN = (
    r"(?:(?P<en_qual>about|over|almost|less\s+than)\s+)?(?P<en_n>[0-9]{1,6}|an?|half\s+an?)\s+"
    rf"(?P<en_unit>{_alt(_UNITS_EN)})s?\s+ago"
)
_NOW_WORDS = ("たった今", "数秒前", "just now", "a moment ago", "moments ago", "a few seconds ago")
_NOW = rf"(?P<now>{_alt(_NOW_WORDS)})"
_WORDING = re.compile(rf"(?:{_JA}|{_EN}|{_NOW})", re.I)
_JUST_NOW_ALONE = {"今", "now"}  # only as the whole text: inside a sentence they mean nothing

_LABEL = r"(?:最終アクセス|最終ログイン|last\s+(?:activity|access|seen))\s*[:：]?\s*"
_PREFIX = re.compile(rf"^{_LABEL}", re.I)
# In a longer text: not inside a number or a date (「2026年11月01日」), not inside an English word,
# not 「前期」「前半」.
_FIND = re.compile(
    rf"(?P<label>{_LABEL})?(?<![0-9A-Za-z.,/\-年月日時分秒])(?:{_JA}|{_EN}|{_NOW})"
    r"(?![0-9期半])(?!(?<=[A-Za-z])[A-Za-z])",
    re.I,
)



def _bare_ok(unit: timedelta, about: bool, qual: str | None) -> bool:
    """May this wording stand without 前? As the JSON writes it: 「25分」「1日」「約1年」「1年以上」."""
    if unit == _YEAR:
        return about or qual in ("以上", "弱")
    return unit in _BARE_UNITS


# -- Rails' own buckets (actionview's distance_of_time_in_words), in whole minutes as Rails rounds them --

_YEAR_MIN = 525_600  # Rails' MINUTES_IN_YEAR
_MIN_US = 60_000_000
_DAY_MIN = 1440


def _rails_minutes(n: int, unit: timedelta, about: bool, qual: str | None) -> tuple[int, int] | None:
    """The rounded minutes ``[lo, hi)`` for which Rails writes this Japanese wording; None for a
    wording Rails never writes (「約1日」「2時間」「1ヶ月」「45分」) and for years (:func:`_rails_years`)."""
    def rounded(size: int, floor: int, ceiling: int) -> tuple[int, int] | None:
        lo, hi = max(n * size - size // 2, floor), min(n * size + size // 2, ceiling)
        return (lo, hi) if lo < hi else None

    if qual is not None:  # 「1分未満」 too: 0 … 30 s, or 40 … 60 s when Rails counts seconds (include_seconds)
        return None
    if unit == _MINUTE and not about and 1 <= n <= 44:
        return (1, 2) if n == 1 else (n, n + 1)
    if unit == _HOUR and about and 1 <= n <= 24:
        return (45, 90) if n == 1 else rounded(60, 90, _DAY_MIN)
    if unit == _DAY and not about and 1 <= n <= 30:
        return (_DAY_MIN, 2520) if n == 1 else rounded(_DAY_MIN, 2520, 43200)
    if unit == _MONTH and about and n in (1, 2):
        return rounded(43200, 43200, 86400)
    if unit == _MONTH and not about and 2 <= n <= 12:
        return rounded(43200, 86400, _YEAR_MIN)
    return None


def _rails_years(n: int, about: bool, qual: str | None) -> tuple[int, int] | None:
    """For 「約N年」「N年以上」「N年弱」: the minutes ``[lo, hi)`` that Rails compares after discounting
    the leap days (the rounded minutes less a day per 29 February between the dates)."""
    quarter, three = _YEAR_MIN // 4, _YEAR_MIN * 3 // 4
    if n < 1:
        return None
    if about and qual is None:
        return n * _YEAR_MIN, n * _YEAR_MIN + quarter
    if not about and qual == "以上":
        return n * _YEAR_MIN + quarter, n * _YEAR_MIN + three
    if not about and qual == "弱":
        return (n - 1) * _YEAR_MIN + three, n * _YEAR_MIN
    return None


def _leap_days(frm: datetime, to: datetime) -> int:
    """The 29 Februaries Rails discounts between ``frm`` and ``to`` (Japan time): those of the years
    from the one after ``frm`` (``frm``'s own when before March) to the one before ``to`` (``to``'s
    own when in March or later)."""
    first = frm.year + (1 if frm.month >= 3 else 0)
    last = to.year - (1 if to.month < 3 else 0)
    return calendar.leapdays(first, last + 1) if first <= last else 0


def _edge_us(minutes: int) -> int:
    """The first distance (µs) that Rails rounds to ``minutes`` or more (halves round up)."""
    return max(minutes * _MIN_US - _MIN_US // 2, 0)


def _rails_interval(now: datetime, lo: int, hi: int, years: bool) -> Interval:
    """The moments ``frm`` at which Rails writes, at ``now``, the wording of bucket ``[lo, hi)``:
    in rounded minutes, or (``years``) in rounded minutes less the leap days. The leap days change
    only where ``frm`` crosses a 1 March, so the distance is cut there and each piece solved alone;
    the interval spans all the pieces (the hull: a day in it may belong to the next bucket)."""
    to = now.astimezone(JST)
    tick = timedelta(microseconds=1)
    if not years:
        return Interval(now - tick * (_edge_us(hi) - 1), now - tick * _edge_us(lo))
    spare = (hi // _YEAR_MIN // 4 + 2) * _DAY_MIN  # more than the leap days any of it can hold
    near, far = _edge_us(max(lo, _YEAR_MIN)), _edge_us(hi + spare)
    cuts = sorted(d for y in range((now - tick * far).astimezone(JST).year, to.year + 1)
                  if near < (d := (now - datetime(y, 3, 1, tzinfo=JST)) // tick) < far)
    found: list[tuple[int, int]] = []
    for a, b in zip([near - 1, *cuts], [*cuts, far], strict=True):  # the distances (a, b]
        leap = _leap_days((now - tick * b).astimezone(JST), to) * _DAY_MIN  # UTC arithmetic: JST once had DST
        # Rails counts years only from a whole year of minutes (「1年弱」 never below 365 days).
        first, last = max(_edge_us(lo + leap), _edge_us(_YEAR_MIN), a + 1), min(_edge_us(hi + leap) - 1, b)
        if first <= last:
            found.append((first, last))
    if not found:  # cannot happen for a wording Rails writes; no reading rather than a wrong one
        raise TimeParseError("no distance is written so")
    return Interval(now - tick * max(b for _, b in found), now - tick * min(a for a, _ in found))


def _interval(now: datetime, n: float, unit: timedelta, reading: str, text: str) -> Interval:
    """``n`` units read as ``reading`` (round, over, almost, under) to moments before ``now``."""
    near, far = {"round": (n - 0.5, n + 1.0), "over": (n, n + 1.0), "almost": (n - 0.5, n),
                 "under": (0.0, n)}[reading]
    near_slack = _ROUNDING if unit > _MINUTE else timedelta(0)
    far_slack = timedelta(0)
    if unit == _MONTH:
        near_slack, far_slack = _CALENDAR_SLACK, _CALENDAR_SLACK + _DAY * (int(far) // 2)
    elif unit == _YEAR:
        near_slack, far_slack = _CALENDAR_SLACK, _CALENDAR_SLACK + _DAY * math.ceil(far / 4)
    try:
        latest = now - max(unit * near - near_slack, timedelta(0))
        earliest = now - (unit * far + far_slack)
    except OverflowError as exc:
        raise TimeParseError(f"relative time out of range: {text!r}") from exc
    return Interval(earliest, latest)


def _read(m: re.Match[str], now: datetime, text: str, *, bare_ok: bool) -> Interval:
    """A match of one wording (``_WORDING`` or ``_FIND``) to its interval, or TimeParseError."""
    bad = TimeParseError(f"not a relative time: {text!r}")
    if m["now"]:
        return Interval(now - _MINUTE, now)
    if m["ja_n"] is not None:
        n, unit = int(m["ja_n"]), _UNITS_JA[m["ja_unit"]]
        about, qual, ago = bool(m["ja_about"]), m["ja_qual"], bool(m["ja_ago"])
        if about and qual:
            raise bad  # 「約3年以上」: no formatter writes both
        if unit == _YEAR and n >= _CALENDAR_YEAR:
            raise bad  # 「2026年前期」: a calendar year, not an elapsed time
        if not ago and not (bare_ok and _bare_ok(unit, about, qual)):
            raise bad
        if qual == "前後":  # Rails' half_a_minute; nothing else is written so
            if (n, unit) != (30, _SECOND):
                raise bad
            return Interval(now - 90 * _SECOND, now)
        try:
            if unit == _YEAR and (bucket := _rails_years(n, about, qual)) is not None:
                return _rails_interval(now, *bucket, years=True)
            if (bucket := _rails_minutes(n, unit, about, qual)) is not None:
                return _rails_interval(now, *bucket, years=False)
        except (OverflowError, ValueError) as exc:
            raise TimeParseError(f"relative time out of range: {text!r}") from exc
        reading = {None: "round", "以上": "over", "弱": "almost", "未満": "under", "以内": "under"}[qual]
        return _interval(now, n, unit, reading, text)
    n_text = " ".join(m["en_n"].lower().split())
    qual = " ".join((m["en_qual"] or "").lower().split())
    unit = _UNITS_EN[m["en_unit"].lower()]
    if n_text.startswith("half"):
        if qual or unit != _MINUTE:
            raise bad
        return Interval(now - 90 * _SECOND, now)  # Rails' half_a_minute
    n = 1 if n_text in ("a", "an") else int(n_text)
    reading = {"": "round", "about": "round", "over": "over", "almost": "almost", "less than": "under"}[qual]
    return _interval(now, n, unit, reading, text)


def _utc_now(fetched_at: datetime) -> datetime:
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    return fetched_at.astimezone(UTC)


def parse_relative(text: str, fetched_at: datetime) -> Interval:
    """「約24時間前」 read at ``fetched_at`` to the interval of moments it can mean (UTC).

    The whole text must be one wording, after an optional 「最終アクセス:」 / "Last activity:" label.
    See the module's docstring for how each wording is read. Anything else: :class:`TimeParseError`.
    """
    now = _utc_now(fetched_at)
    s = _PREFIX.sub("", normalize(text)).strip()
    if s.lower() in _JUST_NOW_ALONE:
        return Interval(now - _MINUTE, now)
    m = _WORDING.fullmatch(s)
    if not m:
        raise TimeParseError(f"not a relative time: {text!r}")
    return _read(m, now, text, bare_ok=True)


def find_relative(text: str, fetched_at: datetime) -> tuple[str, Interval] | None:
    """The first relative time inside a longer text (a sidebar that runs on), parsed.

    Returns the wording as matched (normalized, without its label) and its interval, or None.
    Inside a longer text a wording without 前 / "ago" (「25分」, 「1日」) only counts right after a
    「最終アクセス:」 label or when it is the whole text; numbers inside dates and counts never match.
    """
    now = _utc_now(fetched_at)
    s = normalize(text)
    body = _PREFIX.sub("", s).strip()
    for m in _FIND.finditer(s):
        whole = m.group(0)[len(m["label"] or ""):].strip()
        try:
            return whole, _read(m, now, text, bare_ok=bool(m["label"]) or whole == body)
        except TimeParseError:
            continue
    if body.lower() in _JUST_NOW_ALONE:
        return body, Interval(now - _MINUTE, now)
    return None


def parse_when(text: str, fetched_at: datetime) -> Interval:
    """Any time the site shows: absolute first, then relative."""
    s = _PREFIX.sub("", normalize(text)).strip()
    try:
        return parse_absolute(s)
    except TimeParseError:
        return parse_relative(s, fetched_at)
