"""Step 4 of a scan, pure: the decisions over the history the store returned once this scan's
observations were in it (:class:`Ledger`). The rules find; the alerts choose who hears (each finding
once, a mute holds it); each new contract's or application's client gets a verdict, which notifies
(``client_risk``) at caution or warning. Nothing here reads or writes: :mod:`~watcher.scan.record`
gathers the ledger and keeps the :class:`Decisions`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from watcher.decide import alerts, rules, vet_history, vetting
from watcher.decide.vet_policy import VetPolicy
from watcher.models import ClientRecord, ContractState, Finding, Interval, Mute, Note, PastContract, VettingRecord


@dataclass(frozen=True)
class ToVet:
    """One subject to vet and what the history holds of its client (no record: no profile ever read)."""

    subject: str  # "contract" | "proposal"
    subject_id: int
    client_id: int
    name: str = ""
    record: ClientRecord | None = None
    access: Interval | None = None
    past: tuple[PastContract, ...] = ()
    known: bool = True  # False: no profile of the client was ever read; not vetted


@dataclass(frozen=True)
class Ledger:
    """What the decisions read of the history."""

    states: list[ContractState]
    notified: set[str]  # finding keys ever notified
    open_alerts: list[str]  # keys of the open alerts
    mutes: dict[int, Mute]
    to_vet: list[ToVet] = field(default_factory=list)


@dataclass
class Decisions:
    findings: list[Finding] = field(default_factory=list)
    close: list[str] = field(default_factory=list)  # alerts whose finding is gone
    notify: list[tuple[Finding, Note]] = field(default_factory=list)  # each with its note
    held: list[Finding] = field(default_factory=list)  # found, not notified: the contract is muted
    vetted: list[tuple[VettingRecord, Note | None]] = field(default_factory=list)


def judge(ledger: Ledger, now: datetime, policy: rules.Policy, vet_policy: VetPolicy,
          proposal_url: str) -> Decisions:
    out = Decisions(findings=rules.evaluate(ledger.states, now, policy))
    fplan = alerts.plan_findings(out.findings, ledger.notified, ledger.open_alerts)
    out.close = list(fplan.close)
    held = alerts.muted(ledger.states, ledger.mutes, now)
    for f in fplan.notify:
        if f.contract_id in held:  # a mute or snooze holds it; it notifies once the mute ends
            out.held.append(f)
        else:
            out.notify.append((f, alerts.finding_note(f)))
    for s in ledger.to_vet:
        if not s.known:
            continue
        history = vet_history.history_of(s.past, now, vet_policy, policy.acceptance_days, policy.year_end_break)
        verdict = vetting.vet(s.record, s.access, history, now, vet_policy)
        record = VettingRecord(s.subject, s.subject_id, s.client_id, verdict.verdict, verdict.total,
                               tuple(x.to_json() for x in verdict.signals), verdict.summary, verdict.advice, now)
        note = None
        if alerts.client_risk_notifies(s.subject, verdict.verdict):
            url = (policy.contract_url if s.subject == "contract" else proposal_url).format(id=s.subject_id)
            note = alerts.client_risk_note(s.subject, s.subject_id, s.name, verdict, url)
        out.vetted.append((record, note))
    return out
