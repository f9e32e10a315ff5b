"""Each dashboard page's data, read from the history with the same code the commands run
(``watcher.views`` for ``status`` and ``report``, ``watcher.actions`` for ``mute``, ``unmute`` and
``delivered``), for the templates. Times are aware UTC (the templates print them in Japan time);
``now`` is the dashboard's clock (the story's in a demo home).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from watcher.decide import rules
from watcher.decide.alerts import health_note
from watcher.i18n import _
from watcher.models import HealthKind, Problem
from watcher.paths import Paths
from watcher.report import timeline_svg
from watcher.report.history import Facts
from watcher.report.render import event_body, event_head
from watcher.report.words import (
    access_words,
    business_days,
    deadline_words,
    delivery_words,
    escrow_word,
    fmt_days_left,
    fmt_time,
    mute_words,
    rule_label,
    rule_meaning,
    status_word,
    verdict_words,
)
from watcher.store import Store
from watcher.views import ContractView, SiteView, collect, contract_view
from watcher.web import evidence

NARROW_PX = 390  # the width the phone's drawing is made for (style.css switches below 40rem)

Doctor = Callable[[], Sequence[tuple[str, str, str]]]  # (check, "ok" | "warn" | "FAIL", what it says)


@dataclass(frozen=True)
class Dashboard:
    """What the server is given: where the files are, the site's rules and URLs (``Env``), the clock
    (the story's in a demo home), when the daemon's next scan runs (None: no daemon serves), and
    what ``doctor`` says (None: not known here)."""

    paths: Paths
    site: SiteView
    clock: Callable[[], datetime]
    next_scan: Callable[[], datetime | None] | None = None
    doctor: Doctor | None = None

    def open_store(self) -> Store | None:
        """The history (the caller closes it); None before the first scan has made it."""
        if not self.paths.db_file.exists():
            return None
        return Store(self.paths.db_file)


# -- the board ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One contract on the board."""

    facts: Facts
    client: str
    verdict: str | None
    verdict_id: str | None
    stage: str
    escrow: str
    waiting: str | None
    access: str
    deadline: str | None
    delivered: str | None
    mute: str | None
    findings: list[tuple[str, str, bool]]  # (label, meaning, urgent)
    urgent: bool


@dataclass(frozen=True)
class HealthLine:
    title: str
    text: str
    page: str


@dataclass
class Board:
    now: datetime
    last_at: datetime | None = None
    healthy: bool | None = None
    problems: list[HealthLine] = field(default_factory=list)
    notes_waiting: int = 0
    notes_oldest: datetime | None = None
    next_scan: datetime | None = None
    action: list[Card] = field(default_factory=list)
    rest: list[Card] = field(default_factory=list)
    applications: list[tuple[str, str, str, list[str]]] = field(default_factory=list)  # title, verdict, id, advice
    findings_at: datetime | None = None


def card(f: Facts) -> Card:
    s, now = f.state, f.now
    since = f.waiting_since
    d, deadline = f.delivery, f.deadline
    dl = None
    if deadline is not None and d is not None:
        dl = _("{time} ({left})").format(time=deadline_words(d, deadline), left=fmt_days_left(deadline, now))
    found = [(rule_label(r), rule_meaning(r), r in rules.URGENT) for r in f.rules()]
    return Card(
        facts=f, client=s.client_name or "?",
        verdict=verdict_words(f.vetting.verdict) if f.vetting else None,
        verdict_id=f.vetting.verdict if f.vetting else None,
        stage=status_word(s.status_label, s.stage), escrow=escrow_word(s.escrow_deposited),
        waiting=None if since is None else _("{time} ({days})").format(
            time=fmt_time(since), days=business_days(f.waiting_business_days or 0)),
        access=access_words(s.access, now), deadline=dl,
        delivered=delivery_words(d) if d is not None else None,
        mute=mute_words(f.mute, since, now) if f.mute is not None else None,
        findings=found, urgent=any(u for _l, _m, u in found))


def _urgency(c: Card) -> tuple[int, int, int]:
    order = [rules.RULES.index(r) for r in c.facts.rules() if r in rules.RULES]
    return (0 if c.urgent else 1, min(order, default=99), -len(order))


def board(dash: Dashboard) -> Board:
    """The board: the watcher's health, then the contracts needing action (by urgency: an urgent
    rule first, then the registry's order), then the rest, then the applications whose client was
    vetted caution or warning."""
    now = dash.clock()
    out = Board(now=now, next_scan=dash.next_scan() if dash.next_scan else None)
    store = dash.open_store()
    if store is None:
        return out
    try:
        seen = collect(store, dash.site, now)
        out.notes_waiting, out.notes_oldest = store.waiting()
        scans = store.recent_scans(1)
        if scans:
            last = scans[0]
            out.last_at, out.healthy = last.now_at, last.healthy
            out.problems = [_health(p) for p in last.problems]
        out.findings_at = seen.healthy.at if seen.healthy else None
        cards = [card(f) for f in seen.facts if f.active]
        out.action = sorted((c for c in cards if c.findings), key=_urgency)
        out.rest = [c for c in cards if not c.findings]
        proposals = store.known_proposals()
        for pid, v in sorted(store.vettings("proposal").items()):
            if v.verdict in ("caution", "warning"):
                p = proposals.get(pid)
                out.applications.append((p.title if p else str(pid), verdict_words(v.verdict), v.verdict,
                                         list(v.advice)))
    finally:
        store.close()
    return out


def _health(p: dict[str, str]) -> HealthLine:
    try:
        kind = HealthKind(p.get("kind", ""))
    except ValueError:
        return HealthLine(str(p.get("kind", "?")), str(p.get("detail", "")), str(p.get("page", "")))
    note = health_note(Problem(kind, p.get("page", ""), p.get("detail", ""), None))
    return HealthLine(note.title, note.body, p.get("page", ""))


# -- one contract ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowText:
    at: datetime
    head: str
    body: str


@dataclass(frozen=True)
class ContractPage:
    view: ContractView
    card: Card
    svg: str  # the drawing 960 units wide
    svg_narrow: str  # the same drawn for a phone's width (the stylesheet shows one of the two)
    rows: list[RowText]
    candidates: list[tuple[str, datetime, str, bool]]  # (id, sent at, first words, the likely one)
    can_confirm: bool


def contract(dash: Dashboard, contract_id: int) -> ContractPage:
    """ConfigError when the history does not know the contract."""
    from watcher import actions
    from watcher.errors import ConfigError

    now = dash.clock()
    store = dash.open_store()
    try:
        view = contract_view(store, dash.site, now, contract_id)
        try:
            choice = actions.delivery_choice(store, contract_id)
            cands = [(i, m.sent_at, _first_words(m.body), bool(m.key) and m.key == choice.delivery.report_key)
                     for i, m in zip(choice.ids, choice.mine, strict=True)]
            can_confirm = True
        except ConfigError:
            cands, can_confirm = [], False
    finally:
        if store is not None:
            store.close()
    drawing = timeline_svg.draw(view.facts, view.timeline)
    narrow = timeline_svg.draw(view.facts, view.timeline, width=NARROW_PX)  # a phone: labels keep their size
    # The drawing's events as text, in the report's words (head: who or what; body: the message).
    rows = [RowText(e.at, event_head(e), event_body(e)) for e in view.timeline]
    return ContractPage(view, card(view.facts), drawing.svg, narrow.svg, rows, cands, can_confirm)


def _first_words(body: str, n: int = 40) -> str:
    text = " ".join(body.split())
    return text if len(text) <= n else text[:n] + "…"


# -- the scans ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanLine:
    id: int
    at: datetime
    healthy: bool
    pages: int
    problems: list[tuple[HealthLine, str | None, str | None]]  # (words, the saved page, its screenshot)


def scans(dash: Dashboard, limit: int = 30) -> list[ScanLine]:
    """The recent scans, newest first, each problem with its saved evidence (paths the evidence route
    serves; None when nothing was saved or it is gone)."""
    store = dash.open_store()
    if store is None:
        return []
    try:
        records = store.recent_scans(limit)
    finally:
        store.close()
    root = dash.paths.layout_dir
    out = []
    for s in records:
        probs = []
        for p in s.problems:
            rel = evidence.relative(root, p.get("saved"))
            page = rel if rel and evidence.find(root, rel) else None
            shot = None
            if rel:
                png = str(Path(rel).with_suffix(".png").as_posix())
                shot = png if evidence.find(root, png) else None
            probs.append((_health(p), page, shot))
        out.append(ScanLine(s.id, s.now_at, s.healthy, s.pages_loaded, probs))
    return out
