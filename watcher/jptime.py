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
