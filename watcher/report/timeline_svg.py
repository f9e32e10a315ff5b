"""A contract's timeline drawn as one server-rendered SVG, and the same events as rows of text (the
dashboard's contract page shows both; ``cwwatch report --svg FILE`` writes the drawing). Pure: no
I/O, no clock (``facts.now`` is the time).

What the drawing shows, on a time axis in Japan time (ticks of hours, days, weeks or months, chosen
by the span), one lane each, top to bottom:

- **status**: each status change (or the first status seen), a flag;
- **the client's messages** and **mine** (the delivery report a diamond: filled when confirmed,
  hollow and marked 「推定」 when it is only likely), and the site's system messages; a message the site
  no longer shows is hollow, its removal a cross at the time it was found gone;
- **the client's last access**: each observation (a tick where it was looked), and what it says as
  an interval, the earliest–latest bar of the visit; a hidden last access is a dashed ring 「非公開」;
- **delivery and acceptance**: the open delivery episode (decide/delivery.py) as a point when it is
  confirmed or likely (「推定」), otherwise as its earliest–latest interval (「いつかは不明」); the
  acceptance week from it (:func:`watcher.decide.delivery.week_end`): the week, then the range in which
  it ends, its likely end and its latest end;
- **the 連絡催促 window**: open before any delivery, until one week after it, as the drafts count it
  (:func:`watcher.report.drafts.situation`);

business days stay white; weekends, public holidays and (when configured) the year-end break, as
:mod:`watcher.decide.bizdays` counts them, are shaded; "now" is a vertical line. An empty history
draws an axis around now and a sentence.

The words are the report's (:mod:`watcher.report.render`, :mod:`watcher.report.words`): the drawing
and ``cwwatch report`` never disagree. The language is the one chosen (:func:`watcher.i18n.current`).

The SVG is safe to put inline in a page whose Content-Security-Policy forbids scripts and inline
styles: no ``<script>``, no ``href``, no event handler, no ``style``; its looks are presentation
attributes on elements that carry classes (``cw-…``), so a page's stylesheet may restyle them. Every
text is escaped; characters XML cannot carry are replaced by U+FFFD. Each mark is a ``<g
class="cw-mark …">`` with a ``<title>`` (the full text, a tooltip) and ``data-at`` (ISO 8601 in UTC, the
time its x stands for); a mark drawn for an event also has ``data-row``: the index of its row.

The classes a page may style: ``cw-timeline`` (the ``<svg>``), ``cw-lane cw-lane-<status|client|worker|
system|access|delivery|window>``, ``cw-lane-head``, ``cw-label``; marks: ``cw-msg`` with ``cw-client``,
``cw-worker`` or ``cw-system`` (``cw-gone``: removed since), ``cw-delivery`` (the report; ``cw-likely``:
a guess), ``cw-removed``, ``cw-status``, ``cw-access`` with ``cw-seen`` (an observation), ``cw-visit``
(its interval) or ``cw-hidden``, ``cw-delivered`` (``cw-likely``, ``cw-unknown``: an interval),
``cw-week``, ``cw-week-end`` (the range its end falls in), ``cw-deadline`` (``cw-likely``, ``cw-latest``),
``cw-window`` (``cw-open``, ``cw-closed``), ``cw-now``; the frame: ``cw-off`` with ``cw-weekend`` or
``cw-holiday``, ``cw-axis``, ``cw-tick``, ``cw-grid``, ``cw-tick-label``, ``cw-axis-note``,
``cw-now-line``, ``cw-now-label``, ``cw-empty``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from xml.sax.saxutils import escape

from watcher.decide.bizdays import is_business_day
from watcher.decide.delivery import week_end
from watcher.decide.rules import Policy
from watcher.i18n import N_, _
from watcher.jptime import JST
from watcher.models import Stage
from watcher.report.drafts import situation
from watcher.report.history import Event, Facts
from watcher.report.render import event_body, event_head
from watcher.report.words import (
    cell_len,
    deadline_words,
    delivery_words,
    fmt_days_left,
    fmt_time,
    sentences,
)

__all__ = ["Drawing", "Row", "draw"]

MIN_WIDTH = 320  # narrower than a phone draws nothing readable
MAX_WIDTH = 4000
FONT = 12  # px in the viewBox: the drawing is meant at its own width (960 on a desk, 390 on a phone)
SMALL = 11
ROW_PITCH = 17  # a label row: CJK fonts draw 11 px text about 16 px tall
PAD_X = 8
LABEL_GAP = 6
MIN_TICK_PX = 64

_LANE_HEADS = {
    "status": N_("status"),
    "client": N_("client's messages"),
    "worker": N_("my messages"),
    "system": N_("site's messages"),
    "access": N_("client's last access"),
    "delivery": N_("delivery and acceptance week"),
    "window": N_("contact reminder (連絡催促) window"),
}
_LANES = ("status", "client", "worker", "system", "access", "delivery", "window")


@dataclass(frozen=True)
class Row:
    """One event as a sentence a screen reader reads: ``at`` (aware, in Japan time, as the text says it),
    ``kind`` and ``who`` as :class:`~watcher.report.history.Event` has them, ``text`` the sentence."""

    at: datetime
    kind: str
    who: str | None
    text: str


@dataclass(frozen=True)
class Drawing:
    """``svg``: one complete ``<svg>`` element (a string, no XML declaration); ``rows``: the events
    as text, in time order (the order of :func:`watcher.report.history.build_timeline`)."""

    svg: str
    rows: tuple[Row, ...]


# -- text --------------------------------------------------------------------------------------

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(s: str) -> str:
    return _NOT_XML.sub("\ufffd", s)


def _esc(s: str) -> str:
    """Text or an attribute value, escaped (quotes included), characters XML cannot carry replaced."""
    return escape(_clean(s), {'"': "&quot;", "'": "&#39;"})


def _text_px(s: str, size: int = FONT) -> float:
    """About how wide ``s`` is drawn: a wide (CJK) character takes a font size, a narrow one 0.6 of it."""
    return cell_len(s) * size * 0.6


_BREAKS = "、。，．,. 　！？!?）」』"


def first_words(text: str, cells: int) -> str:
    """The first line of ``text``, cut to about ``cells`` terminal columns at a word or phrase boundary
    when there is one in its second half, with 「…」 when cut."""
    line = next((x.strip() for x in text.splitlines() if x.strip()), "")
    if cell_len(line) <= cells:
        return line
    out, used, cut = "", 0, -1
    for c in line:
        w = cell_len(c)
        if used + w > cells - 1:
            break
        out += c
        used += w
        if c in _BREAKS and used >= cells // 2:
            cut = len(out)
    if cut > 0:
        out = out[:cut]
    return out.rstrip(" 　、,") + "…"


def _one_line(s: str) -> str:
    return " ".join(x.strip() for x in s.splitlines() if x.strip())


def row_text(e: Event) -> str:
    """An event as one sentence: its time in Japan time, what kind, and its text (the report's words)."""
    # i18n: one event of the drawn timeline, read aloud: {time} (Japan time), {head} (what), {body}
    return _("{time} {head}: {body}").format(time=fmt_time(e.at), head=event_head(e),
                                              body=_one_line(event_body(e)) or _("(no text)"))


# -- the time axis -----------------------------------------------------------------------------

H = timedelta(hours=1)
D = timedelta(days=1)


@dataclass(frozen=True)
class _Axis:
    t0: datetime
    t1: datetime
    left: float
    right: float

    def x(self, t: datetime) -> float:
        span = (self.t1 - self.t0).total_seconds()
        f = (t - self.t0).total_seconds() / span
        return round(self.left + min(1.0, max(0.0, f)) * (self.right - self.left), 2)


def _span(times: Sequence[datetime], now: datetime) -> tuple[datetime, datetime]:
    """The axis's ends: every time given and now, padded by 4 % of the span (at least an hour in all)."""
    lo, hi = min(times, default=now), max(times, default=now)
    if not times:
        lo, hi = now - D, now + 2 * H
    span = max(hi - lo, 2 * H)
    mid = lo + (hi - lo) / 2
    lo, hi = min(lo, mid - span / 2), max(hi, mid + span / 2)
    pad = span * 0.04
    return lo - pad, hi + pad


_STEPS = (H, 2 * H, 3 * H, 6 * H, 12 * H, D, 2 * D, 7 * D, 14 * D, 30 * D, 91 * D)


def _step(ax: _Axis) -> timedelta:
    """The smallest step whose ticks stay ``MIN_TICK_PX`` apart."""
    span = ax.t1 - ax.t0
    px = ax.right - ax.left
    for s in _STEPS:
        if px * (s / span) >= MIN_TICK_PX:
            return s
    return _STEPS[-1]


def _ticks(ax: _Axis) -> list[tuple[datetime, str, bool]]:
    """(time, label, major) for the axis: on whole hours, midnights, Mondays or months' firsts (JST).
    A major tick (a new day under hours, a new month under days or weeks) says more."""
    step = _step(ax)
    start = ax.t0.astimezone(JST)
    out: list[tuple[datetime, str, bool]] = []
    if step < D:
        hours = int(step / H)
        t = datetime.combine(start.date(), time(0), tzinfo=JST)
        while t < ax.t0:
            t += step
        while t <= ax.t1:
            major = t.hour < hours
            out.append((t, f"{t.month}/{t.day}" if major else f"{t.hour:02}:00", major))
            t += step
        if out and not any(major for _t, _l, major in out):  # hours of one day: say which day once
            first = out[0][0]
            out[0] = (first, f"{first.month}/{first.day} {first.hour:02}:00", True)
        return out
    if step < 7 * D:
        t = datetime.combine(start.date(), time(0), tzinfo=JST)
        while t < ax.t0:
            t += D
        n = 0
        prev_month = None
        while t <= ax.t1:
            if n % step.days == 0:
                out.append((t, f"{t.month}/{t.day}", prev_month is not None and t.month != prev_month))
                prev_month = t.month
            t += D
            n += 1
        return out
    if step < 30 * D:
        d = start.date()
        d += timedelta(days=(7 - d.weekday()) % 7)
        t = datetime.combine(d, time(0), tzinfo=JST)
        prev_month = None
        while t <= ax.t1:
            if t >= ax.t0:
                out.append((t, f"{t.month}/{t.day}", prev_month is not None and t.month != prev_month))
                prev_month = t.month
            t += step
        return out
    months = 1 if step < 91 * D else 3
    y, m = start.year, start.month
    while True:
        m += 1
        if m > 12:
            y, m = y + 1, 1
        t = datetime(y, m, 1, tzinfo=JST)
        if t > ax.t1:
            return out
        if (m - 1) % months == 0:
            out.append((t, f"{y}/{m}", m == 1))


def _days_off(ax: _Axis, year_end_break: bool) -> list[tuple[datetime, datetime, str]]:
    """Runs of days off within the axis (JST midnights): (start, end, "holiday" or "weekend")."""
    d = ax.t0.astimezone(JST).date()
    last = ax.t1.astimezone(JST).date()
    if (last - d).days > 800:  # years: a pixel per day says nothing
        return []
    runs: list[tuple[date, date, str]] = []
    while d <= last:
        if not is_business_day(d, year_end_break):
            kind = "weekend" if d.weekday() >= 5 else "holiday"
            if runs and runs[-1][1] == d and runs[-1][2] == kind:
                runs[-1] = (runs[-1][0], d + timedelta(days=1), kind)
            else:
                runs.append((d, d + timedelta(days=1), kind))
        d += timedelta(days=1)
    return [(max(ax.t0, datetime.combine(a, time(0), tzinfo=JST)),
             min(ax.t1, datetime.combine(b, time(0), tzinfo=JST)), k) for a, b, k in runs]


# -- marks and lanes ---------------------------------------------------------------------------


@dataclass
class _Mark:
    """One thing drawn in a lane: a point (``end`` None) or a bar, its label and its tooltip."""

    at: datetime
    cls: str
    tip: str
    label: str = ""
    end: datetime | None = None
    shape: str = "dot"  # dot, ring, diamond, flag, cross, tick (points); bar (intervals)
    row: int | None = None
    first: bool = False  # its label takes its place before the others


@dataclass
class _Lane:
    key: str
    marks: list[_Mark] = field(default_factory=list)


def _event_mark(e: Event, i: int, cells: int) -> tuple[str, _Mark]:
    """The lane and the mark of an event (its label: the first words)."""
    tip = row_text(e)
    if e.kind == "status":
        return "status", _Mark(e.at, "cw-status", tip, first_words(e.text, cells), shape="flag", row=i)
    if e.kind == "access":
        if e.hidden:
            return "access", _Mark(e.at, "cw-access cw-hidden", tip, _("hidden"), shape="ring", row=i)
        label = first_words(e.text, cells) if e.text else _("unknown")
        return "access", _Mark(e.at, "cw-access cw-seen", tip, label, shape="tick", row=i)
    lane = e.who if e.who in ("client", "worker") else "system"
    if e.kind == "removed":
        return lane, _Mark(e.at, "cw-removed", tip, _("removed"), shape="cross", row=i)
    if e.kind == "delivery":
        confirmed = e.basis == "confirmed"
        label = _("delivery report") if confirmed else _("delivery report? (likely)")
        return lane, _Mark(e.at, "cw-delivery" + ("" if confirmed else " cw-likely"), tip, label,
                           shape="diamond" if confirmed else "hollow-diamond", row=i)
    cls = f"cw-msg cw-{lane}" + (" cw-gone" if e.removed_at is not None else "")
    return lane, _Mark(e.at, cls, tip, first_words(e.text, cells) or _("(no text)"),
                       shape="ring" if e.removed_at is not None else "dot", row=i)


def _delivery_marks(facts: Facts, ax_end: datetime) -> tuple[list[_Mark], list[_Mark]]:
    """The delivery episode and its acceptance week (lane "delivery"), and the 連絡催促 window (lane
    "window"), with the report's and the drafts' words."""
    d = facts.delivery
    out: list[_Mark] = []
    window: list[_Mark] = []
    label_of = _("{label}:").format
    if d is not None:
        how = label_of(label=_("Delivered")) + " " + delivery_words(d)
        if d.at is not None:
            likely = not d.confirmed
            out.append(_Mark(d.at, "cw-delivered" + (" cw-likely" if likely else ""), how,
                             _("delivery (likely)") if likely else _("delivery (confirmed)"),
                             shape="hollow-diamond" if likely else "diamond", first=True))
        else:
            unknown = _("delivery, somewhere in here") if d.basis == "move_seen" else _("delivery, when unknown")
            out.append(_Mark(d.earliest, "cw-delivered cw-unknown", how, unknown,
                             end=d.latest, shape="bar", first=True))
        lo, likely_end, hi = week_end(d, facts.acceptance_days)
        deadline = likely_end if likely_end is not None else hi
        dl = label_of(label=_("Acceptance deadline (delivery + 1 week)")) + " " + _("{time} ({left})").format(
            time=deadline_words(d, deadline), left=fmt_days_left(deadline, facts.now))
        start = d.at if d.at is not None else d.latest
        week_to = likely_end if likely_end is not None else lo
        if week_to > start:
            out.append(_Mark(start, "cw-week", dl, _("acceptance week"), end=week_to, shape="bar"))
        if hi > lo:
            out.append(_Mark(lo, "cw-week-end", dl, "", end=hi, shape="bar"))
        if likely_end is not None:
            out.append(_Mark(likely_end, "cw-deadline" + ("" if d.confirmed else " cw-likely"), dl,
                             _("deadline") if d.confirmed else _("deadline (likely)"), shape="tick", first=True))
        if likely_end is None or hi > likely_end:
            out.append(_Mark(hi, "cw-deadline cw-latest", dl, _("deadline at the latest"), shape="tick", first=True))
    if facts.state.stage is not Stage.FINISHED:
        s = situation(facts.state, facts.now, Policy(acceptance_days=facts.acceptance_days,
                                                     year_end_break=facts.year_end_break), facts.active)
        if s.deadline is None:
            window.append(_Mark(ax_end, "cw-window cw-open", _("open: no delivery yet"),
                                _("open (no delivery yet)"), end=ax_end, shape="open-bar"))
        else:
            tip = _("until {time} (one week after the delivery)").format(time=deadline_words(d, s.deadline)
                                                                          if d is not None else fmt_time(s.deadline))
            window.append(_Mark(s.deadline, "cw-window" + ("" if s.window_open else " cw-closed"), tip,
                                _("open") if s.window_open else _("closed"), end=s.deadline, shape="open-bar"))
    return out, window


def _label_x(m: _Mark, ax: _Axis) -> float:
    """Where a mark's label starts: at its time; an open window's at the axis's start, a closed one's
    at its end."""
    if m.shape == "open-bar":
        return ax.left if "cw-open" in m.cls else ax.x(m.end or m.at)
    return ax.x(m.at)


def _label_text(m: _Mark, anchor: str) -> str:
    """A label; one that ends at its point (near the right edge) points to it: 「検収期限 →」."""
    return f"{m.label} →" if anchor == "end" and m.end is None else m.label


def _place_labels(marks: Sequence[tuple[float, _Mark]], right: float, rows: int) -> list[tuple[int, float, str]]:
    """Labels in rows below the marks, none overlapping another: (row, x, anchor) per mark, in the
    order given; row -1 when no row has room (the tooltip still says it). The important ones
    (``_Mark.first``: the delivery, the deadlines, the window) take their place first, then the
    others left to right."""
    taken: list[list[tuple[float, float]]] = [[] for _ in range(rows)]
    out: list[tuple[int, float, str]] = [(-1, x, "start") for x, _m in marks]
    for i in sorted(range(len(marks)), key=lambda i: not marks[i][1].first):
        x, m = marks[i]
        if not m.label:
            continue
        w = _text_px(m.label, SMALL)
        lx, anchor, left = x, "start", x
        if x + w > right:
            w = _text_px(_label_text(m, "end"), SMALL)
            lx, anchor, left = x, "end", x - w
        if left < PAD_X:
            lx, anchor, left = PAD_X, "start", PAD_X
        for r in range(rows):
            if all(left + w + LABEL_GAP <= a or b + LABEL_GAP <= left for a, b in taken[r]):
                taken[r].append((left, left + w))
                out[i] = (r, lx, anchor)
                break
    return out


# -- drawing -----------------------------------------------------------------------------------

_FILL = {"cw-client": "#c2410c", "cw-worker": "#1d4ed8", "cw-system": "#6b7280"}


def _shape(m: _Mark, ax: _Axis, y: float) -> str:
    x = ax.x(m.at)
    cls = _esc(m.cls)
    colour = next((c for k, c in _FILL.items() if k in m.cls), "#374151")
    if m.shape == "dot":
        return f'<circle class="cw-shape {cls}" cx="{x}" cy="{y}" r="4.5" fill="{colour}"/>'
    if m.shape == "ring":
        dash = ' stroke-dasharray="2 2"' if "cw-hidden" in m.cls else ""
        return (f'<circle class="cw-shape {cls}" cx="{x}" cy="{y}" r="4.5" fill="#ffffff" stroke="{colour}"'
                f' stroke-width="1.5"{dash}/>')
    if m.shape in ("diamond", "hollow-diamond"):
        pts = f"{x},{y - 6} {x + 6},{y} {x},{y + 6} {x - 6},{y}"
        fill = "#047857" if m.shape == "diamond" else "#ffffff"
        return (f'<polygon class="cw-shape {cls}" points="{pts}" fill="{fill}" stroke="#047857" stroke-width="1.5"'
                + (' stroke-dasharray="2 1.5"' if m.shape == "hollow-diamond" else "") + "/>")
    if m.shape == "flag":
        pts = f"{x - 5},{y + 5} {x},{y - 5} {x + 5},{y + 5}"
        return f'<polygon class="cw-shape {cls}" points="{pts}" fill="#7c3aed"/>'
    if m.shape == "cross":
        a = 4
        pts = " ".join(f"{x + dx},{y + dy}" for dx, dy in (
            (-a, -a + 1.5), (-a + 1.5, -a), (0, -1.5), (a - 1.5, -a), (a, -a + 1.5), (1.5, 0), (a, a - 1.5),
            (a - 1.5, a), (0, 1.5), (-a + 1.5, a), (-a, a - 1.5), (-1.5, 0)))
        return f'<polygon class="cw-shape {cls}" points="{pts}" fill="#b91c1c"/>'
    if m.shape == "tick":
        colour = ("#991b1b" if "cw-latest" in m.cls else "#b45309") if "cw-deadline" in m.cls else "#0f766e"
        dash = ""
        return (f'<line class="cw-shape {cls}" x1="{x}" y1="{y - 7}" x2="{x}" y2="{y + 7}" stroke="{colour}"'
                f' stroke-width="2.5"{dash}/>')
    # bars: from at to end; an open bar (the 連絡催促 window) from the axis's start
    x0 = ax.left if m.shape == "open-bar" else x
    x1 = ax.x(m.end or m.at)
    if m.shape == "open-bar" and "cw-open" in m.cls:
        x1 = ax.right
    fills = {"cw-access": "#99f6e4", "cw-unknown": "#a7f3d0", "cw-week-end": "#fde68a", "cw-week": "#fef3c7",
             "cw-window": "#ddd6fe"}
    fill = next((c for k, c in fills.items() if k in m.cls), "#e5e7eb")
    if "cw-closed" in m.cls:
        fill = "#ede9fe"
    w = round(max(x1 - x0, min(2.0, ax.right - x0)), 2)  # at least 2 px, never past the axis's end
    return (f'<rect class="cw-shape {cls}" x="{round(x0, 2)}" y="{y - 5}" width="{w}" height="10" rx="2"'
            f' fill="{fill}" stroke="#6b7280" stroke-width="0.5"/>')


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat()


def _mark_svg(m: _Mark, ax: _Axis, y: float, data_at: datetime) -> str:
    row = f' data-row="{m.row}"' if m.row is not None else ""
    return (f'<g class="cw-mark {_esc(m.cls)}" data-at="{_iso(data_at)}"{row}>'
            f"<title>{_esc(m.tip)}</title>{_shape(m, ax, y)}</g>")


def _title(facts: Facts) -> str:
    s = facts.state
    # i18n: the drawn timeline's title (its accessible name)
    return _("Timeline of contract {id}: {title} (Japan time)").format(id=s.contract_id, title=s.title)


def _desc(facts: Facts, events: Sequence[Event]) -> str:
    mine = sum(1 for e in events if e.kind in ("message", "delivery") and e.who == "worker")
    theirs = sum(1 for e in events if e.kind == "message" and e.who == "client")
    parts = [_("Messages: {theirs} from the client, {mine} of mine.").format(theirs=theirs, mine=mine)]
    d = facts.delivery
    if d is not None:
        parts.append(_("{label}: {value}.").format(label=_("Delivered"), value=delivery_words(d)))
        dl = facts.deadline
        if dl is not None:
            parts.append(_("{label}: {value}.").format(
                label=_("Acceptance deadline (delivery + 1 week)"),
                value=_("{time} ({left})").format(time=deadline_words(d, dl), left=fmt_days_left(dl, facts.now))))
    parts.append(_("Shaded: weekends and public holidays (and the year-end break when configured); the "
                   "line is now, {time}.").format(time=fmt_time(facts.now)))
    if not events:
        parts.insert(0, _("Nothing is recorded for this contract yet."))
    return sentences(parts)


def draw(facts: Facts, events: Sequence[Event], *, width: int = 960) -> Drawing:
    """The timeline of ``facts``'s contract as SVG, and its ``events`` (from
    :func:`watcher.report.history.build_timeline`; any order) as rows in time order.

    ``width``: the viewBox's width in px, the width the page shows it at (960 on a desk, 390 on a
    phone: the labels keep their size, fewer fit). The height follows the lanes in use. Raises
    ValueError for a width outside 320–4000 or a naive time in ``facts.now``."""
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"width must be {MIN_WIDTH}–{MAX_WIDTH} px, not {width}")
    if facts.now.tzinfo is None:
        raise ValueError("facts.now must be timezone-aware")
    ordered = sorted(events, key=lambda e: e.at)  # stable: build_timeline's order within a minute
    rows = tuple(Row(e.at.astimezone(JST), e.kind, e.who, row_text(e)) for e in ordered)

    cells = 16 if width >= 640 else 10
    lanes = {k: _Lane(k) for k in _LANES}
    for i, e in enumerate(ordered):
        key, mark = _event_mark(e, i, cells)
        lanes[key].marks.append(mark)
        if e.kind == "access" and e.interval is not None:
            lanes["access"].marks.append(_Mark(e.interval.earliest, "cw-access cw-visit", row_text(e), "",
                                               end=e.interval.latest, shape="bar"))
    times = [e.at for e in ordered] + [facts.now]
    d = facts.delivery
    if d is not None:
        lo, _likely, hi = week_end(d, facts.acceptance_days)
        times += [d.earliest, d.latest, lo, hi]
    t0, t1 = _span(times, facts.now)
    head_w = 0.0
    ax = _Axis(t0, t1, PAD_X + head_w, width - PAD_X)
    delivery, window = _delivery_marks(facts, t1)
    lanes["delivery"].marks += delivery
    lanes["window"].marks += window
    lanes = {k: v for k, v in lanes.items() if v.marks or (ordered and k in ("client", "worker"))}

    label_rows = 3 if width >= 640 else 2
    body: list[str] = []
    y = 34.0  # below "now"'s label
    for lane in lanes.values():
        body.append(f'<g class="cw-lane cw-lane-{lane.key}">')
        body.append(f'<text class="cw-lane-head" x="{PAD_X}" y="{y + FONT}" font-size="{FONT}" font-weight="bold"'
                    f' fill="#111827">{_esc(_(_LANE_HEADS[lane.key]))}</text>')
        mark_y = y + FONT + 14
        order = sorted(lane.marks, key=lambda m: (m.at, m.end or m.at))
        placed = _place_labels([(_label_x(m, ax), m) for m in order],
                               width - PAD_X, 4 if lane.key == "delivery" else label_rows)
        used = 0
        for m in sorted(order, key=lambda m: m.end is None):  # bars first: a point on a bar stays seen
            data_at = m.at
            if m.shape == "open-bar":
                data_at = t0
            body.append(_mark_svg(m, ax, mark_y, data_at))
        for m, (r, lx, anchor) in zip(order, placed, strict=True):
            if r < 0:
                continue
            used = max(used, r + 1)
            ty = mark_y + 8 + (r + 1) * ROW_PITCH
            body.append(f'<text class="cw-label {_esc(m.cls)}" x="{round(lx, 2)}" y="{ty}" font-size="{SMALL}"'
                        f' text-anchor="{anchor}" fill="#374151">{_esc(_label_text(m, anchor))}</text>')
        body.append("</g>")
        y = mark_y + 10 + used * ROW_PITCH + 8

    plot_top, plot_bottom = 30.0, y
    if not ordered:
        sentence = _("Nothing is recorded for this contract yet.")
        w = min(_text_px(sentence), width - 2 * PAD_X)
        body.append(f'<rect class="cw-empty-back" x="{round(width / 2 - w / 2 - 4, 2)}" y="{y + 8}"'
                    f' width="{round(w + 8, 2)}" height="{FONT + 8}" fill="#ffffff"/>'
                    f'<text class="cw-empty" x="{width / 2}" y="{y + FONT + 8}" font-size="{FONT}"'
                    f' text-anchor="middle" fill="#374151">{_esc(sentence)}</text>')
        y += FONT + 20
        plot_bottom = y
    axis_y = plot_bottom + 4
    out: list[str] = []
    for a, b, kind in _days_off(ax, facts.year_end_break):
        x0, x1 = ax.x(a), ax.x(b)
        if x1 > x0:
            fill = "#f3f4f6" if kind == "weekend" else "#fee2e2"
            out.append(f'<rect class="cw-off cw-{kind}" x="{x0}" y="{plot_top}" width="{round(x1 - x0, 2)}"'
                       f' height="{round(axis_y - plot_top, 2)}" fill="{fill}"/>')
    shading = "".join(out)
    axis = [f'<g class="cw-axis"><line x1="{ax.left}" y1="{axis_y}" x2="{ax.right}" y2="{axis_y}" stroke="#6b7280"/>']
    last_end = -1e9
    bold = ' font-weight="bold"'
    for t, label, major in _ticks(ax):
        x = ax.x(t)
        axis.append(f'<line class="cw-tick" x1="{x}" y1="{axis_y}" x2="{x}" y2="{axis_y + (7 if major else 4)}"'
                    f' stroke="#6b7280"/>')
        if major:
            axis.append(f'<line class="cw-grid" x1="{x}" y1="{plot_top}" x2="{x}" y2="{axis_y}" stroke="#d1d5db"'
                        ' stroke-width="0.5"/>')
        w = _text_px(label, SMALL)
        lx = min(max(x, ax.left + w / 2), ax.right - w / 2)
        if lx - w / 2 >= last_end + 4:
            axis.append(f'<text class="cw-tick-label" x="{round(lx, 2)}" y="{axis_y + 8 + SMALL}" font-size="{SMALL}"'
                        f' text-anchor="middle" fill="#374151"{bold if major else ""}>'
                        f"{_esc(label)}</text>")
            last_end = lx + w / 2
    # i18n: under the drawn timeline's axis
    zone = _("Japan time; shaded: days off")
    axis.append(f'<text class="cw-axis-note" x="{ax.right}" y="{axis_y + 8 + SMALL + ROW_PITCH}" font-size="{SMALL}"'
                f' text-anchor="end" fill="#6b7280">{_esc(zone)}</text></g>')
    height = round(axis_y + 14 + SMALL + ROW_PITCH, 2)
    nx = ax.x(facts.now)
    now_label = _("now {time}").format(time=fmt_time(facts.now))
    w = _text_px(now_label, SMALL)
    anchor = "end" if nx + w / 2 > width - PAD_X else ("start" if nx - w / 2 < PAD_X else "middle")
    lx = nx
    now = (f'<g class="cw-mark cw-now" data-at="{_iso(facts.now)}"><title>{_esc(now_label)}</title>'
           f'<line class="cw-shape cw-now-line" x1="{nx}" y1="{plot_top - 6}" x2="{nx}" y2="{axis_y}" stroke="#dc2626"'
           f' stroke-width="1.5"/></g><text class="cw-now-label" x="{lx}" y="{plot_top - 10}" font-size="{SMALL}"'
           f' text-anchor="{anchor}" fill="#dc2626">{_esc(now_label)}</text>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="cw-timeline" viewBox="0 0 {width} {height}"'
           f' width="100%" role="img" font-family="sans-serif" font-size="{FONT}">'
           f"<title>{_esc(_title(facts))}</title><desc>{_esc(_desc(facts, ordered))}</desc>"
           f'<rect class="cw-background" x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
           f"{shading}{''.join(axis)}{now}{''.join(body)}</svg>")
    return Drawing(svg, rows)
