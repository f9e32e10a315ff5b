"""A contract's history for people: events in time order and the facts ``status`` and the report
show. Pure: no I/O, no browser, no clock (``now`` is always given).

- **Timeline**: messages in and out (with who), deliveries (納品完了報告), status changes, and the
  client's last-access observations. Observations that agree on the same visit (their intervals
  overlap) are merged into one event with a count, so a daemon scanning every half hour does not
  bury the thread under identical 「約2時間前」 lines; a new visit, or the client hiding their last
  access, starts a new event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watcher.decide.bizdays import business_days_between
from watcher.decide.delivery import week_end
from watcher.decide.rules import waited_since
from watcher.models import AccessSeen, ContractState, Delivery, Finding, Interval, Message, Mute, Sender, VettingRecord
from watcher.report.words import days_left


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def delivery_anchor(state: ContractState) -> datetime | None:
    """The delivery as a point while the status is a delivered one: confirmed, else the likely report
    (a guess); None when it is known only as an interval (see :func:`open_delivery`)."""
    return state.delivered_at if state.stage.delivered else None


def open_delivery(state: ContractState) -> Delivery | None:
    """The open delivery episode while the status is a delivered one (decide/delivery.py)."""
    d = state.episode
    return d if state.stage.delivered and d is not None and d.closed_at is None else None


@dataclass(frozen=True)
class Facts:
    state: ContractState
    now: datetime
    url: str
    amount: int | None = None
    active: bool = True
    findings: tuple[Finding, ...] = ()
    mute: Mute | None = None
    acceptance_days: int = 7
    year_end_break: bool = False
    vetting: VettingRecord | None = None  # the client's verdict when the contract first appeared

    @property
    def waiting_since(self) -> datetime | None:
        return waited_since(self.state.messages)

    @property
    def waiting_business_days(self) -> int | None:
        since = self.waiting_since
        return None if since is None else business_days_between(since, self.now, self.year_end_break)

    @property
    def delivered_at(self) -> datetime | None:
        return delivery_anchor(self.state)

    @property
    def delivery(self) -> Delivery | None:
        return open_delivery(self.state)

    @property
    def delivery_basis(self) -> str | None:
        """How the delivery is known: "confirmed", "move_seen" or "first_seen" (docs/rules.md)."""
        d = self.delivery
        return None if d is None else d.how

    @property
    def deadline(self) -> datetime | None:
        """The acceptance week's end: from the confirmed or likely delivery, else at the latest."""
        d = self.delivery
        if d is None:
            return None
        _lo, likely, latest = week_end(d, self.acceptance_days)
        return likely if likely is not None else latest

    @property
    def muted(self) -> bool:
        return self.mute is not None and self.mute.active(self.waiting_since, self.now)

    def rules(self) -> list[str]:
        return [f.rule for f in self.findings]

    def to_json(self) -> dict[str, Any]:
        s = self.state
        acc = s.access
        deadline = self.deadline
        left = days_left(deadline, self.now) if deadline else None
        return {
            "contract_id": s.contract_id,
            "title": s.title,
            "client_id": s.client_id,
            "client_name": s.client_name,
            "status_label": s.status_label,
            "stage": str(s.stage),
            "escrow_deposited": s.escrow_deposited,
            "amount": self.amount,
            "active": self.active,
            "url": self.url,
            "waiting_since": _iso(self.waiting_since),
            "waiting_business_days": self.waiting_business_days,
            "last_access": None if acc is None else {
                "text": acc.text,
                "hidden": acc.interval is None,
                "earliest": _iso(acc.interval.earliest) if acc.interval else None,
                "latest": _iso(acc.interval.latest) if acc.interval else None,
                "observed_at": _iso(acc.observed_at),
            },
            "delivered_at": _iso(self.delivered_at),
            "delivery_basis": self.delivery_basis,
            "delivery": None if self.delivery is None else self.delivery.to_json(),
            "acceptance_deadline": _iso(deadline),
            "days_left": None if left is None else (-left[0] if left[1] else left[0]),
            "overdue": None if left is None else left[1],
            "findings": self.rules(),
            "mute": self.mute.to_json(self.waiting_since, self.now) if self.mute else None,
            "client_verdict": None if self.vetting is None else {
                "verdict": self.vetting.verdict, "total": self.vetting.total,
                "signals": [x["id"] for x in self.vetting.signals], "vetted_at": _iso(self.vetting.vetted_at)},
        }


# -- the timeline ------------------------------------------------------------------------------

_KIND_ORDER = {"system": 0, "message": 1, "delivery": 1, "status": 2, "access": 3, "removed": 4}


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # "message", "delivery", "system", "status", "access"
    who: str | None  # "worker", "client", "system"; None for status and access
    text: str  # the body, the status label, or the last-access text ("" when hidden)
    previous: str | None = None  # status: the label before (None: first seen)
    interval: Interval | None = None  # access: when the client was last on the site
    hidden: bool = False  # access: the client hides their last access
    seen: int = 1  # access: how many observations agree on this visit
    last_seen: datetime | None = None  # access: the latest of those observations
    removed_at: datetime | None = None  # message: the site no longer shows it (first found gone then)
    basis: str | None = None  # delivery: how it is known ("confirmed", "move_seen", "first_seen": likely)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"at": self.at.isoformat(), "kind": self.kind, "who": self.who,
                               "text": self.text}
        if self.kind == "status":
            out["previous"] = self.previous
        if self.kind == "removed":
            out["sent_at"] = self.previous
        if self.removed_at is not None:
            out["removed_at"] = self.removed_at.isoformat()
        if self.kind == "delivery":
            out["basis"] = self.basis
        if self.kind == "access":
            out |= {"hidden": self.hidden,
                    "earliest": _iso(self.interval.earliest) if self.interval else None,
                    "latest": _iso(self.interval.latest) if self.interval else None,
                    "observations": self.seen, "last_observed_at": _iso(self.last_seen)}
        return out


def access_events(accesses: Iterable[AccessSeen]) -> list[Event]:
    """Observations in time order, those that agree on one visit merged (see the module doc)."""
    out: list[Event] = []
    run: Interval | None = None  # what the merged observations jointly say
    for a in sorted(accesses, key=lambda x: x.observed_at):
        prev = out[-1] if out else None
        if prev is not None and prev.hidden and a.interval is None:
            out[-1] = _seen_again(prev, a)
            continue
        if prev is not None and not prev.hidden and a.interval is not None and run is not None:
            lo, hi = max(run.earliest, a.interval.earliest), min(run.latest, a.interval.latest)
            if lo <= hi:
                run = Interval(lo, hi)
                out[-1] = _seen_again(prev, a)
                continue
        run = a.interval
        out.append(Event(a.observed_at, "access", None, a.text or "", interval=a.interval,
                         hidden=a.interval is None, last_seen=a.observed_at))
    return out


def _seen_again(e: Event, a: AccessSeen) -> Event:
    return Event(e.at, e.kind, e.who, e.text, interval=e.interval, hidden=e.hidden, seen=e.seen + 1,
                 last_seen=a.observed_at)


def build_timeline(messages: Iterable[Message], statuses: Iterable[tuple[datetime, str]],
                   accesses: Iterable[AccessSeen], delivery: Delivery | None = None,
                   removed: Iterable[tuple[Message, datetime]] = ()) -> list[Event]:
    """Every event in time order. ``delivery``: the delivery episode; only its confirmed or likely
    report is shown as the delivery report, with its basis (``Event.basis``). ``removed``: messages the
    site no longer shows, with when a scan first found them gone (each shown where it was, and its
    removal)."""
    events: list[Event] = []
    for m, at in removed:
        events.append(Event(m.sent_at, "message" if m.sender is not Sender.SYSTEM else "system", str(m.sender),
                            m.body, removed_at=at))
        events.append(Event(at, "removed", str(m.sender), m.body, previous=m.sent_at.isoformat()))
    for m in messages:
        report = (delivery is not None and m.sender is Sender.WORKER and bool(m.key)
                  and m.key == delivery.report_key)
        kind = "system" if m.sender is Sender.SYSTEM else ("delivery" if report else "message")
        events.append(Event(m.sent_at, kind, str(m.sender), m.body,
                            basis=delivery.how if report and delivery is not None else None))
    prev: str | None = None
    for at, label in statuses:
        if label != prev:
            events.append(Event(at, "status", None, label, previous=prev))
        prev = label
    events.extend(access_events(accesses))
    events.sort(key=lambda e: (e.at, _KIND_ORDER[e.kind]))  # stable: thread order within a minute
    return events


