"""Times as the site shows them, to aware UTC datetimes.

Absolute: ``2026年09月27日 15:55`` (Japan time, no seconds; also ``2026/09/27 15:55`` and a bare
date, which becomes the whole day as an interval). Relative: 「22分前」, 「約24時間前」, 「約1日前」,
「25分」 (the profile JSON leaves out 前), 「たった今」, and the English interface's "24 hours ago".

A relative time is only as exact as its unit. ``N unit前`` is read as "at least N and less than
N+1 units ago"; with 約 ("about") the site may have rounded either way, so the interval widens to
``[N-0.5, N+1]`` units ago. So 「約1日前」 read at 12:00 is anywhere from 36 (48) to 12 hours earlier.
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


_UNITS: dict[str, timedelta] = {
    "秒": timedelta(seconds=1),
    "分": timedelta(minutes=1),
    "時間": timedelta(hours=1),
    "日": timedelta(days=1),
    "週間": timedelta(weeks=1),
    "週": timedelta(weeks=1),
    "か月": timedelta(days=30),
    "ヶ月": timedelta(days=30),
    "ケ月": timedelta(days=30),
    "カ月": timedelta(days=30),
    "ヵ月": timedelta(days=30),
    "月": timedelta(days=30),
    "年": timedelta(days=365),
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=30),
    "year": timedelta(days=365),
}
# A month or a year is not a fixed length: give those units slack on both sides.
_SLACK = {timedelta(days=30): timedelta(days=2), timedelta(days=365): timedelta(days=2)}

_unit_alt = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_REL_JA = re.compile(rf"^(?P<about>約|およそ)?\s*(?P<n>\d{{1,6}})\s*(?P<unit>{_unit_alt})(?P<ago>前|以上前)?$")
# Without 前 only the short units, as the profile JSON writes them (「25分」): 「2026年」 is a year.
_BARE_UNITS = {"秒", "分", "時間"}
_REL_EN = re.compile(
    rf"^(?P<about>about|over|almost)?\s*(?P<n>\d{{1,6}}|an?)\s*(?P<unit>{_unit_alt})s?\s+ago$"
)
_JUST_NOW = {"たった今", "今", "1分以内", "数秒前", "just now", "now", "a moment ago"}
_ABS = re.compile(
    r"^(?P<y>\d{4})\s*[年/\-.]\s*(?P<mo>\d{1,2})\s*[月/\-.]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?:\([^)]{1,3}\))?\s*(?P<h>\d{1,2})\s*[:時]\s*(?P<mi>\d{1,2})\s*分?)?$"
)
_PREFIX = re.compile(r"^(?:最終アクセス|最終ログイン|last\s+(?:activity|access|seen))\s*[:：]?\s*", re.I)


def normalize(text: str) -> str:
    """NFKC (full-width digits and colons to ASCII), collapse spaces, strip."""
    s = text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
    return " ".join(s.split())


def parse_absolute(text: str) -> Interval:
    """``2026年09月27日 15:55`` (Japan time) to an interval: a minute, or a whole day."""
    s = normalize(text)
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
    """A message's ``<time datetime="2026年09月27日 15:55">`` to one aware UTC instant."""
    m = _SITE_FORM.fullmatch(text)
    if m:  # the form the site writes, read without the general machinery (a page holds many)
        try:
            y, mo, d, h, mi = map(int, m.groups())
            return datetime(y, mo, d, h, mi, tzinfo=UTC) - _JST_OFFSET  # Japan keeps no summer time
        except ValueError as exc:
            raise TimeParseError(f"not a valid date: {text!r}") from exc
    return parse_absolute(text).earliest


def parse_relative(text: str, fetched_at: datetime) -> Interval:
    """「約24時間前」 read at ``fetched_at`` to the interval of moments it can mean."""
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    s = _PREFIX.sub("", normalize(text)).strip()
    low = s.lower()
    now = fetched_at.astimezone(UTC)
    if low in _JUST_NOW:
        return Interval(now - timedelta(minutes=1), now)
    m = _REL_JA.match(s) or _REL_EN.match(low)
    if not m or (m.re is _REL_JA and not m["ago"] and m["unit"] not in _BARE_UNITS):
        raise TimeParseError(f"not a relative time: {text!r}")
    n_text = m["n"]
    n = 1 if n_text in ("a", "an") else int(n_text)
    unit = _UNITS[m["unit"]]
    slack = _SLACK.get(unit, timedelta(0))
    if m["about"]:
        lo, hi = max(n - 0.5, 0.0), n + 1.0
    else:
        lo, hi = float(n), n + 1.0
    try:
        return Interval(now - unit * hi - slack, min(now - unit * lo + slack, now))
    except OverflowError as exc:
        raise TimeParseError(f"relative time out of range: {text!r}") from exc


_ja_units = "|".join(sorted((re.escape(u) for u in _UNITS if not u.isascii()), key=len, reverse=True))
_FIND = re.compile(
    rf"(?:about |over |almost )?(?:\d{{1,6}}|an?) (?:{_unit_alt})s? ago|just now"
    rf"|(?:約|およそ)?\s*\d{{1,6}}\s*(?:{_ja_units})(?:以上前|前)?|たった今",
    re.I,
)


def find_relative(text: str, fetched_at: datetime) -> tuple[str, Interval] | None:
    """The first relative time inside a longer text (a sidebar that runs on), parsed."""
    s = normalize(text)
    for m in _FIND.finditer(s):
        try:
            return m.group(0).strip(), parse_relative(m.group(0), fetched_at)
        except TimeParseError:
            continue
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
