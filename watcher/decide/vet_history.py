"""The worker's own history with a client: ``history_of(contracts, now, ...) -> History``, and its signals.

Pure, ``now`` given: the contracts the store holds with one client (``PastContract``, times
timezone-aware, as the store gives them in UTC) come in, nothing is read or written. Waits are
counted in business days on the Japanese calendar, Asia/Tokyo (``decide/bizdays.py``;
``year_end_break`` also takes 12-29 to 1-3 off); acceptance lateness in calendar days
(``acceptance_days``, one week by default).
``history_signals(history, policy) -> list[Fired]`` weighs what the history says for ``vet``.
Nothing is raised here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from watcher.decide import rules
from watcher.decide.bizdays import business_days_between
from watcher.decide.vet_policy import Fired, Signal, VetPolicy, weight_for
from watcher.decide.vet_words import ADVICE_ACCEPTANCE, ADVICE_CONTACT, ADVICE_ESCROW, hint_only, plain_number
from watcher.i18n import _, ngettext
from watcher.models import PastContract, Sender, Stage
from watcher.phrases import join_list


@dataclass(frozen=True)
class History:
    """What the worker's own history with this client says (computed from the store).

    ``escrow_waits_days``: business days from contract to escrow, per contract where known.
    ``escrow_never``: contracts whose escrow never came. ``reply_waits_days``: business days my
    messages waited for this client's reply. ``acceptance_late``: deliveries accepted after the
    one-week acceptance period, or never. ``earlier_findings``: rule ids the watcher found with
    this client (one entry per finding; repeats count).
    """

    contracts: int = 0
    escrow_waits_days: tuple[float, ...] = ()
    escrow_never: int = 0
    reply_waits_days: tuple[float, ...] = ()
    acceptance_late: int = 0
    earlier_findings: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self == History()


def _earlier(rule_id: str) -> str:
    """An earlier finding as the evidence names it (the registry's ``earlier``, decide/rules.py)."""
    declared = rules.rule(rule_id)
    return _(declared.earlier) if declared is not None and declared.earlier else rule_id


def _median(xs: Iterable[float]) -> float:
    s = sorted(xs)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def history_signals(h: History, p: VetPolicy) -> list[Fired]:
    """The signals the worker's own history with the client fires."""
    out: list[Fired] = []
    late = [d for d in h.escrow_waits_days if d >= p.escrow_late_days]
    if late:
        known = len(h.escrow_waits_days)
        out.append(Fired(Signal(
            "escrow_late", p.w_escrow_late, {"late": len(late), "known": known, "longest_days": max(late)},
            ngettext("{late} of {known} contract with a known escrow wait: {days} business days or more "
                     "(longest {longest} business days)",
                     "{late} of {known} contracts with a known escrow wait: {days} business days or more "
                     "(longest {longest} business days)", known).format(
                late=len(late), known=known, days=plain_number(p.escrow_late_days), longest=plain_number(max(late))),
            _("In an earlier contract the escrow came late.")), (ADVICE_ESCROW,)))
    if h.escrow_never > 0:
        out.append(Fired(Signal(
            "escrow_never", p.w_escrow_never, h.escrow_never,
            ngettext("{n} contract never got its escrow", "{n} contracts never got their escrow",
                     h.escrow_never).format(n=h.escrow_never),
            _("In an earlier contract the escrow never came.")), (ADVICE_ESCROW,)))
    if h.reply_waits_days:
        med = _median(h.reply_waits_days)
        if med >= p.slow_reply_days:
            n = len(h.reply_waits_days)
            w, light = weight_for(p.w_slow_replies, n, p.min_reply_samples, p)
            out.append(Fired(Signal(
                "slow_replies", w, {"median_days": med, "count": n},
                ngettext("Median wait for a reply {days} business days ({n} time)",
                         "Median wait for a reply {days} business days ({n} times)", n).format(
                    days=plain_number(med), n=n),
                hint_only(_("This client tends to take long to reply."), light, n)), (ADVICE_CONTACT,)))
    if h.acceptance_late > 0:
        out.append(Fired(Signal(
            "acceptance_late", p.w_acceptance_late, h.acceptance_late,
            ngettext("{n} delivery accepted more than a week after delivery, or never",
                     "{n} deliveries accepted more than a week after delivery, or never",
                     h.acceptance_late).format(n=h.acceptance_late),
            _("Before, a delivery was not accepted within the one-week acceptance period.")), (ADVICE_ACCEPTANCE,)))
    counted = Counter(f for f in h.earlier_findings if f in p.counted_findings)
    if counted:
        ids = sorted(counted)
        shown = join_list(ngettext("{finding} ({n} time)", "{finding} ({n} times)", counted[i]).format(
            finding=_earlier(i), n=counted[i]) for i in ids)
        advice = [ADVICE_ACCEPTANCE] if "acceptance_overdue" in counted else []
        if set(counted) - {"acceptance_overdue"}:
            advice.append(ADVICE_CONTACT)
        out.append(Fired(Signal(
            "earlier_findings", p.w_earlier_findings, ids, _("Earlier warnings from cwwatch: {findings}").format(
                findings=shown),
            _("cwwatch warned about this client in an earlier contract.")), tuple(advice)))
    return out


_ESCROWED = frozenset({Stage.IN_PROGRESS, Stage.DELIVERED, Stage.IN_ACCEPTANCE, Stage.FINISHED})
_ACCEPTED = frozenset({Stage.FINISHED, Stage.ENDING})


def history_of(contracts: Iterable[PastContract], now: datetime, policy: VetPolicy = VetPolicy(),
               acceptance_days: int = 7, year_end_break: bool = False) -> History:
    """``History`` from the contracts the watcher saw with one client (UTC times, ``now`` given).

    Escrow: business days from the contract first seen awaiting escrow to the first stage seen
    with escrow (known only when the watcher saw the wait begin); a contract that ended still
    awaiting escrow never got it; one still waiting counts once it has waited ``escrow_late_days``.
    Replies: business days from my first message after the client's last one to their answer.
    Acceptance: a delivery accepted (the contract seen finished or gone from the active list)
    more than ``acceptance_days`` after it was delivered, or still not accepted by then.
    The times are those of the scans that saw each stage: as exact as the scan interval.
    """
    escrow_waits: list[float] = []
    never = late_acceptance = 0
    replies: list[float] = []
    findings: list[str] = []
    count = 0
    for c in contracts:
        count += 1
        findings.extend(f for f in c.findings if f != rules.CLIENT_RISK)
        stages = sorted(c.stages, key=lambda x: x[0])
        if stages and stages[0][1] is Stage.AWAITING_ESCROW:
            started = stages[0][0]
            paid = next((t for t, s in stages if s in _ESCROWED), None)
            if paid is not None:
                escrow_waits.append(float(business_days_between(started, paid, year_end_break)))
            elif not c.active:
                never += 1
            else:
                waited = float(business_days_between(started, now, year_end_break))
                if waited >= policy.escrow_late_days:
                    escrow_waits.append(waited)
        if c.delivered_at is not None:
            due = c.delivered_at + timedelta(days=acceptance_days)
            accepted = next((t for t, s in stages if s in _ACCEPTED and t >= c.delivered_at), None)
            if accepted is None and not c.active:
                accepted = c.last_seen  # gone from the active list: accepted by the next scan at the latest
            if (accepted if accepted is not None else now) > due:
                late_acceptance += 1
        first_mine: datetime | None = None
        for m in sorted(c.messages, key=lambda x: x.sent_at):
            if m.sender is Sender.CLIENT:
                if first_mine is not None:
                    replies.append(float(business_days_between(first_mine, m.sent_at, year_end_break)))
                first_mine = None
            elif m.sender is Sender.WORKER and first_mine is None:
                first_mine = m.sent_at
    return History(contracts=count, escrow_waits_days=tuple(escrow_waits), escrow_never=never,
                   reply_waits_days=tuple(replies), acceptance_late=late_acceptance,
                   earlier_findings=tuple(findings))
