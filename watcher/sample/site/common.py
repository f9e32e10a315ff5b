"""What every page of the sample site shares: the hash tail of the release, paging, JSON in
attributes and scripts, money, stars and the site's ways of writing a date.

The page frame is :mod:`watcher.sample.site.frame`; the styles and scripts are
:mod:`watcher.sample.site.assets`.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any

from watcher.jptime import JST
from watcher.sample.scenario import Scenario, SContract, SProposal

PAGE_SIZE = 20  # contracts, inbox items and applications a page

# The hash tail of "this release" of the site's CSS modules, and of the release a
# ``layout_changed`` fault depicts.
RELEASE = "iq3vm"
CHANGED_RELEASE = "b4b4b"

_WEEKDAYS = "月火水木金土日"
SITE_NAME = "クラウドワークス"
PAYMENT_NAMES = {"hourly": "時間単価制", "fixed_price": "固定報酬制", "competition": "コンペ方式"}


def data_attr(obj: Any) -> str:
    """JSON for a ``data`` attribute, HTML-escaped as the site does."""
    return escape(json.dumps(obj, ensure_ascii=False), quote=True)


def script_json(obj: Any) -> str:
    """JSON safe inside ``<script>``; every non-ASCII character escaped, so no text shows."""
    return (json.dumps(obj, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))


def hashed(n: str, num: int, tail: str = RELEASE) -> str:
    """A CSS-module class name: ``_messageItem_iq3vm_4``."""
    return f"_{n}_{tail}_{num}"


def yen(n: int | None) -> str:
    """``16,500円``, or 「-」 when there is no amount."""
    return f"{n:,}円" if n is not None else "-"


def stars(score: float) -> str:
    """Five stars, filled to ``score`` out of 5 (CSS)."""
    width = max(0.0, min(5.0, score)) * 20
    return f'<span class="stars">★★★★★<span style="width:{width:.0f}%">★★★★★</span></span>'


def ex_tax(n: int) -> int:
    """A tax-included amount without the 10 % consumption tax."""
    return round(n * 10 / 11)


def jst_date(t: datetime, weekday: bool = False) -> str:
    """``2026年12月03日`` or ``2026年12月03日(木)``."""
    j = t.astimezone(JST)
    return j.strftime("%Y年%m月%d日") + (f"({_WEEKDAYS[j.weekday()]})" if weekday else "")


def jst_iso(t: datetime) -> str:
    """``2026-11-20T10:00:00+09:00``."""
    return t.astimezone(JST).isoformat(timespec="seconds")


def slash_time(t: datetime) -> str:
    """``2026/11/20 10:00``: how a message shows its time."""
    return t.astimezone(JST).strftime("%Y/%m/%d %H:%M")


def other_employers(sc: Scenario, not_id: int, n: int = 3) -> list[tuple[int, str]]:
    """Employers for a sidebar's recommendations: never the contract's own client."""
    out = [(cl.id, cl.name) for cl in sc.clients.values() if cl.id != not_id][:n]
    if not out:
        fake = max([*sc.clients, 900009900]) + 1
        out = [(fake, "株式会社おすすめ企画")]
    return out


def style(css: str) -> str:
    """A page's own styles, for the head."""
    return f"<style>{css}</style>"


def pages_of(n: int) -> int:
    """How many pages of PAGE_SIZE ``n`` things fill (at least one)."""
    return max(1, -(-n // PAGE_SIZE))


def started_on(c: SContract | SProposal) -> str:
    """The day a contract or application started (its first message), or 「-」."""
    return jst_date(c.messages[0].at) if c.messages else "-"

