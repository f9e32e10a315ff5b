"""Times as the site shows them, to aware UTC datetimes.

Absolute: ``2026年09月27日 15:55`` (Japan time, no seconds; also ``2026/09/27 15:55``, a bare date,
which becomes the whole day as an interval, and ISO 8601 with an offset).

Relative: the site is a Rails application and its profile JSON writes Rails' Japanese
``distance_of_time_in_words`` (「1分未満」「25分」「約2時間」「1日」「約1ヶ月」「3ヶ月」「約1年」「1年以上」
「2年弱」, with or without 前); the visible page adds a formatter of its own (「22分前」「約24時間前」
「約1日前」, and "24 hours ago" in English). We do not know which one wrote a given text, nor whether
it rounded (Rails: 「N分」 is N±½ minutes) or truncated (N to N+1), so every wording is read as the
interval of moments that *both* readings allow, anchored at the moment the page was fetched:

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

Never below 0. Rails rounds to whole minutes before it picks a bucket, so every unit above a
minute gets 30 s more at the near edge. A month is 30 days and a year 365 days, with 2 days of
slack on both sides; the far edge also gets a day per two months (runs of calendar months are
longer than 30 days each) and a day per four years (leap days, which Rails discounts).

Without 前 only the units the JSON writes bare (秒, 分, 時間, 日, ヶ月); a bare 年 only with 約, 以上
or 弱, as Rails writes it: 「2026年」 alone is a year, not an elapsed time.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from watcher.models import Interval

JST = ZoneInfo("Asia/Tokyo")


class TimeParseError(ValueError):
    """The text is not a time this module understands."""


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

_ABS = re.compile(
    r"^(?P<y>\d{4})\s*[年/\-.]\s*(?P<mo>\d{1,2})\s*[月/\-.]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?:\([^)]{1,3}\))?\s*(?P<h>\d{1,2})\s*[:時]\s*(?P<mi>\d{1,2})\s*分?)?$"
)
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?P<sep>[T ])\d{2}:\d{2}(?P<sec>:\d{2}(?:[.,]\d{1,6})?)?"
    r"(?P<off>Z|[+\-]\d{2}(?::?\d{2})?)?$",
    re.I,
)


def normalize(text: str) -> str:
    """NFKC (full-width digits and colons to ASCII), collapse spaces, strip."""
    s = text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
    return " ".join(s.split())


def _parse_iso(s: str, text: str) -> Interval | None:
    """ISO 8601 with an offset; None when ``s`` is not ISO (or is the site's ``2026-09-27 15:55``)."""
    m = _ISO.match(s)
    if not m or (m["sep"] == " " and not m["sec"] and not m["off"]):
        return None  # 「2026-09-27 15:55」 is the display form, Japan time
    if not m["off"]:
        raise TimeParseError(f"ISO time without an offset (naive): {text!r}")
    try:
        t = datetime.fromisoformat(s.upper().replace(",", ".")).astimezone(UTC)
    except ValueError as exc:
        raise TimeParseError(f"not a valid ISO time: {text!r}") from exc
    return Interval(t, t if m["sec"] else t + timedelta(seconds=59))


def parse_absolute(text: str) -> Interval:
    """``2026年09月27日 15:55`` (Japan time) to an interval: a minute, or a whole day.

    ISO 8601 with an offset (``2026-11-26T18:40:00+09:00``, ``…Z``) is also read; an ISO time
    without an offset is an error (its zone is unknown).
    """
    s = normalize(text)
    iso = _parse_iso(s, text)
    if iso is not None:
        return iso
    m = _ABS.match(s)
    if not m:
        raise TimeParseError(f"not a date: {text!r}")
    try:
        y, mo, d = int(m["y"]), int(m["mo"]), int(m["d"])
        if m["h"] is not None:
            h, mi = int(m["h"]), int(m["mi"])
            start = datetime(y, mo, d, h, mi, tzinfo=JST)
            span = timedelta(seconds=59)
        else:
            start = datetime(y, mo, d, tzinfo=JST)
            span = timedelta(days=1) - timedelta(seconds=1)
    except ValueError as exc:
        raise TimeParseError(f"not a valid date: {text!r}") from exc
    return Interval(start.astimezone(UTC), (start + span).astimezone(UTC))


_JST_OFFSET = timedelta(hours=9)
_SITE_FORM = re.compile(r"(\d{4})年(\d{2})月(\d{2})日 (\d{2}):(\d{2})")


def parse_site_datetime(text: str) -> datetime:
    """A message's ``<time datetime="2026年09月27日 15:55">`` (or ISO 8601 with an offset) to one
    aware UTC instant. A naive ISO time raises :class:`TimeParseError`."""
    m = _SITE_FORM.fullmatch(text)
    if m:  # the form the site writes, read without the general machinery (a page holds many)
        try:
            y, mo, d, h, mi = map(int, m.groups())
            return datetime(y, mo, d, h, mi, tzinfo=UTC) - _JST_OFFSET  # Japan keeps no summer time
        except ValueError as exc:
            raise TimeParseError(f"not a valid date: {text!r}") from exc
    return parse_absolute(text).earliest


# ---------------------------------------------------------------------------------------------
# Relative times


def _bare_ok(unit: timedelta, about: bool, qual: str | None) -> bool:
    """May this wording stand without 前? As the JSON writes it: 「25分」「1日」「約1年」「1年以上」."""
    if unit == _YEAR:
        return about or qual in ("以上", "弱")
    return unit in _BARE_UNITS


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


def format_jst(t: datetime, with_time: bool = True) -> str:
    """An instant as the site writes it: ``2026年09月27日 15:55``."""
    j = t.astimezone(JST)
    return j.strftime("%Y年%m月%d日 %H:%M" if with_time else "%Y年%m月%d日")
