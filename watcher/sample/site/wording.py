"""How the sample site words a client's last access: Rails' Japanese distance of time.

The real site is a Rails application; its profile JSON writes ``last_accessed_at`` with Rails'
``distance_of_time_in_words`` in the rails-i18n ``ja`` wording (the family is a guess, likely):
minutes bare (「1分未満」, 「25分」), everything longer with 前 (「約2時間前」, 「1日前」, 「約2ヶ月前」,
「1年以上前」, 「2年弱前」). The sidebar adds 前 to minutes too (「最終アクセス: 25分前」).

This is the sample site's one encoding of that wording; ``tests/test_sample_wording.py`` checks it
against a port of Rails' own method. (The readers' side parses the wording; it does not write it.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from watcher.jptime import JST

_MINUTE_US = 60_000_000
_YEAR_MIN = 525_600  # Rails' MINUTES_IN_YEAR


def _half_up(numerator: int, denominator: int) -> int:
    """Ruby's ``(a.to_f / b).round`` for a, b >= 0: halves round up."""
    return (2 * numerator + denominator) // (2 * denominator)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def distance_of_time_in_words(frm: datetime, to: datetime) -> str:
    """Rails' ``distance_of_time_in_words(frm, to)`` (actionview 7, no ``include_seconds``), in ``ja``.

    「1分未満」, 「N分」 (1–44), 「約1時間」 (45–89 min), 「約N時間」, 「1日」 (24–42 h), 「N日」, 「約Nヶ月」
    (30–60 days), 「Nヶ月」, then 「約N年」 / 「N年以上」 / 「N年弱」 by the quarter of the year, after
    discounting the 29 Februaries between the two dates. The distance has no sign. Rails counts
    in the application's zone: the calendar here is Japan's.
    """
    frm, to = sorted((frm.astimezone(JST), to.astimezone(JST)))
    minutes = _half_up((to - frm) // timedelta(microseconds=1), _MINUTE_US)
    if minutes == 0:
        return "1分未満"
    if minutes < 45:
        return f"{minutes}分"
    if minutes < 90:
        return "約1時間"
    if minutes < 1440:
        return f"約{_half_up(minutes, 60)}時間"
    if minutes < 2520:
        return "1日"
    if minutes < 43200:
        return f"{_half_up(minutes, 1440)}日"
    if minutes < 86400:
        return f"約{_half_up(minutes, 43200)}ヶ月"
    if minutes < _YEAR_MIN:
        return f"{_half_up(minutes, 43200)}ヶ月"
    from_year = frm.year + (1 if frm.month >= 3 else 0)
    to_year = to.year - (1 if to.month < 3 else 0)
    leap_days = sum(_is_leap(y) for y in range(from_year, to_year + 1))  # none when from_year > to_year
    years, rest = divmod(minutes - leap_days * 1440, _YEAR_MIN)
    if rest < _YEAR_MIN // 4:
        return f"約{years}年"
    if rest < _YEAR_MIN * 3 // 4:
        return f"{years}年以上"
    return f"{years + 1}年弱"


def last_access_text(now: datetime, t: datetime) -> str:
    """The profile JSON's ``last_accessed_at`` for a last access at ``t``, seen at ``now``.

    Minutes come without 前 (「25分」, 「1分未満」); everything longer with it (「約2時間前」).
    A last access after ``now`` (a scenario's mistake: the site cannot show one) reads as now.
    """
    words = distance_of_time_in_words(min(t, now), now)
    return words if words.endswith("分") or words.endswith("分未満") else words + "前"


def visible_last_access(json_text: str) -> str:
    """The sidebar's wording: 「22分前」 for the JSON's 「22分」."""
    return json_text + "前" if json_text.endswith("分") else json_text
