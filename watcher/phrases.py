"""The time and list wording that both the decisions (``decide/``) and the reports (``report/``)
write: one home, low in the layers (it knows only the language and Japan time). Pure: no I/O, no
clock (``now`` is always given).

- **Times** are Japan time: ``2026年11月20日 10:00`` in Japanese, ``2026-11-20 10:00 JST`` in
  English; a day is ``2026年11月20日`` / ``2026-11-20``.
- **Lists** are joined as the language joins them: ``a、b、c`` / ``a, b, c``.

The functions that a draft to the desk also uses take ``tr``: the messages of one given language
(``In("ja")``), since a draft has a language of its own; without it, the language chosen for
everything (:func:`watcher.i18n.current`).

The site's own wording (its relative times, its status labels) is not here: that is the site
package's and the report's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from watcher import i18n
from watcher.i18n import N_, In
from watcher.jptime import JST
from watcher.models import Interval

__all__ = ["fmt_date", "fmt_interval", "fmt_short", "fmt_time", "join_list", "tr_of"]

_TIME = N_("{year}-{month:02}-{day:02} {hour:02}:{minute:02} JST")
# i18n: a time inside a range (「2026年11月20日 07:00〜08:30」), without the zone
_TIME_BARE = N_("{year}-{month:02}-{day:02} {hour:02}:{minute:02}")
_DATE = N_("{year}-{month:02}-{day:02}")
_RANGE = N_("{start}–{end} JST")
_LIST_SEPARATOR = N_(", ")


def tr_of(tr: In | None) -> In:
    """``tr``, or the messages of the language chosen for everything."""
    return tr if tr is not None else In(i18n.current())


def _parts(t: datetime) -> dict[str, int]:
    j = t.astimezone(JST)
    return {"year": j.year, "month": j.month, "day": j.day, "hour": j.hour, "minute": j.minute}


def fmt_time(t: datetime, tr: In | None = None) -> str:
    """A moment in Japan time: ``2026年11月20日 10:00`` or ``2026-11-20 10:00 JST``."""
    return tr_of(tr)(_TIME).format(**_parts(t))


def fmt_date(t: datetime, tr: In | None = None) -> str:
    """A day in Japan time: ``2026年11月20日`` or ``2026-11-20``."""
    return tr_of(tr)(_DATE).format(**_parts(t))


def fmt_short(t: datetime, now: datetime) -> str:
    """A compact moment for tables: ``11/06 10:00`` this year, ``2025/11/06 10:00`` otherwise."""
    j, n = t.astimezone(JST), now.astimezone(JST)
    return j.strftime("%m/%d %H:%M" if j.year == n.year else "%Y/%m/%d %H:%M")


def fmt_interval(iv: Interval, tr: In | None = None) -> str:
    """When the client was on the site: ``2026年11月20日 07:00〜08:30`` (the day once when it is one day)."""
    tr = tr_of(tr)
    a, b = iv.earliest.astimezone(JST), iv.latest.astimezone(JST)
    tail = b.strftime("%H:%M") if a.date() == b.date() else tr(_TIME_BARE).format(**_parts(b))
    return tr(_RANGE).format(start=tr(_TIME_BARE).format(**_parts(a)), end=tail)


def join_list(items: Iterable[str], tr: In | None = None) -> str:
    """``a, b, c`` (``a、b、c`` in Japanese)."""
    return tr_of(tr)(_LIST_SEPARATOR).join(items)
