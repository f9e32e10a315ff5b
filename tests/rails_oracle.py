"""Rails' ``distance_of_time_in_words`` (actionview 7), ported as the oracle the tests check against:
what the site's Rails writes (the readers must read all of it back around the truth, and the sample
site must write exactly it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

MINUTES_IN_YEAR = 525600
JA = {"less_than_x_seconds": "{}秒未満", "half_a_minute": "30秒前後", "less_than_x_minutes": "{}分未満",
      "x_minutes": "{}分", "about_x_hours": "約{}時間", "x_days": "{}日", "about_x_months": "約{}ヶ月",
      "x_months": "{}ヶ月", "about_x_years": "約{}年", "over_x_years": "{}年以上", "almost_x_years": "{}年弱"}
EN = {"less_than_x_seconds": ("less than 1 second", "less than {} seconds"), "half_a_minute": ("half a minute",) * 2,
      "less_than_x_minutes": ("less than a minute", "less than {} minutes"), "x_minutes": ("1 minute", "{} minutes"),
      "about_x_hours": ("about 1 hour", "about {} hours"), "x_days": ("1 day", "{} days"),
      "about_x_months": ("about 1 month", "about {} months"), "x_months": ("1 month", "{} months"),
      "about_x_years": ("about 1 year", "about {} years"), "over_x_years": ("over 1 year", "over {} years"),
      "almost_x_years": ("almost 1 year", "almost {} years")}


def _ruby_round(us: int, unit_us: int) -> int:
    return (2 * us + unit_us) // (2 * unit_us)


def _is_leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def rails_key(frm: datetime, to: datetime, include_seconds: bool = False) -> tuple[str, int]:
    """actionview's DateHelper#distance_of_time_in_words (Rails 7), as (i18n key, count)."""
    frm, to = min(frm, to), max(frm, to)
    us = (to - frm) // timedelta(microseconds=1)
    m, s = _ruby_round(us, 60_000_000), _ruby_round(us, 1_000_000)
    if m <= 1:
        if not include_seconds:
            return ("less_than_x_minutes", 1) if m == 0 else ("x_minutes", 1)
        for top, key, n in ((4, "less_than_x_seconds", 5), (9, "less_than_x_seconds", 10),
                            (19, "less_than_x_seconds", 20), (39, "half_a_minute", 0),
                            (59, "less_than_x_minutes", 1)):
            if s <= top:
                return key, n
        return "x_minutes", 1
    if m < 45:
        return "x_minutes", m
    if m < 90:
        return "about_x_hours", 1
    if m < 1440:
        return "about_x_hours", _ruby_round(m, 60)
    if m < 2520:
        return "x_days", 1
    if m < 43200:
        return "x_days", _ruby_round(m, 1440)
    if m < 86400:
        return "about_x_months", _ruby_round(m, 43200)
    if m < 525600:
        return "x_months", _ruby_round(m, 43200)
    from_year = frm.year + (1 if frm.month >= 3 else 0)
    to_year = to.year - (1 if to.month < 3 else 0)
    leap = 0 if from_year > to_year else sum(_is_leap(y) for y in range(from_year, to_year + 1))
    years, rest = divmod(m - leap * 1440, MINUTES_IN_YEAR)
    if rest < MINUTES_IN_YEAR // 4:
        return "about_x_years", years
    if rest < MINUTES_IN_YEAR * 3 // 4:
        return "over_x_years", years
    return "almost_x_years", years + 1


def rails_ja(key: tuple[str, int]) -> str:
    return JA[key[0]].format(key[1])


def rails_en(key: tuple[str, int]) -> str:
    one, other = EN[key[0]]
    return (one if key[1] == 1 else other).format(key[1])
