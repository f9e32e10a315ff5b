"""Times as the site shows them, to aware UTC datetimes: the generic part.

Absolute: ``2026年09月27日 15:55`` (Japan time, no seconds; also ``2026/09/27 15:55``, a bare date,
which becomes the whole day as an interval, and ISO 8601 with an offset). The site's relative
wording (「約24時間前」) is read by ``watcher.crowdworks.wording``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from watcher.models import Interval

JST = ZoneInfo("Asia/Tokyo")


class TimeParseError(ValueError):
    """The text is not a time this module understands."""



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



def format_jst(t: datetime, with_time: bool = True) -> str:
    """An instant as the site writes it: ``2026年09月27日 15:55``."""
    j = t.astimezone(JST)
    return j.strftime("%Y年%m月%d日 %H:%M" if with_time else "%Y年%m月%d日")


def describe_ago(delta: timedelta, about: bool = True) -> str:
    """How the site phrases an elapsed time (the sample site renders profiles with it)."""
    secs = max(int(delta.total_seconds()), 0)
    prefix = "約" if about else ""
    if secs < 60:
        return "たった今"
    if secs < 3600:
        return f"{secs // 60}分前"
    if secs < 86400:
        return f"{prefix}{secs // 3600}時間前"
    if secs < 30 * 86400:
        return f"{prefix}{secs // 86400}日前"
    if secs < 365 * 86400:
        return f"{prefix}{secs // (30 * 86400)}ヶ月前"
    return f"{prefix}{secs // (365 * 86400)}年前"


_MIN_US = 60_000_000
_YEAR_MIN = 525_600


def _half_up(numerator: int, denominator: int) -> int:
    """Ruby's ``(a.to_f / b).round`` for a, b >= 0: halves round up."""
    return (2 * numerator + denominator) // (2 * denominator)


def rails_ago(delta: timedelta, *, suffix: bool = True, about_hours: bool = True) -> str:
    """An elapsed time as Rails' Japanese ``time_ago_in_words`` writes it (rails-i18n ``ja``).

    ``suffix``: end with 「前」 (「25分前」, the visible page) or not (「25分」, the profile JSON).
    ``about_hours``: write hours as Rails does, 「約2時間」, or without 約, 「2時間」 (the JSON's
    「2時間前」). Everything else follows Rails without ``include_seconds``: 「1分未満」, 「N分」
    (2–44), 「約1時間」 (45–89 min), 「約N時間」, 「1日」 (24–42 h), 「N日」, 「約Nヶ月」 (30–60 days),
    「Nヶ月」, then 「約N年」 / 「N年以上」 / 「N年弱」 by the quarter of the year. Like Rails, the
    distance has no sign. Unlike Rails, which knows both dates, a bare ``delta`` has no leap days
    to discount: a year is 525,600 minutes.
    """
    minutes = _half_up(abs(delta) // timedelta(microseconds=1), _MIN_US)
    if minutes == 0:
        words = "1分未満"
    elif minutes < 45:
        words = f"{minutes}分"
    elif minutes < 1440:
        words = f"{'約' if about_hours else ''}{1 if minutes < 90 else _half_up(minutes, 60)}時間"
    elif minutes < 2520:
        words = "1日"
    elif minutes < 43200:
        words = f"{_half_up(minutes, 1440)}日"
    elif minutes < 86400:
        words = f"約{_half_up(minutes, 43200)}ヶ月"
    elif minutes < _YEAR_MIN:
        words = f"{_half_up(minutes, 43200)}ヶ月"
    else:
        years, rest = divmod(minutes, _YEAR_MIN)
        if rest < _YEAR_MIN // 4:
            words = f"約{years}年"
        elif rest < _YEAR_MIN * 3 // 4:
            words = f"{years}年以上"
        else:
            words = f"{years + 1}年弱"
    return words + ("前" if suffix else "")
