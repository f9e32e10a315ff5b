"""What the history shows a person, read once for every face that shows it: ``cwwatch status`` and
``cwwatch report`` (watcher/cli/) and the dashboard (watcher/web/).

- :func:`collect`: the contracts with the findings of the last healthy scan (``status``'s rule:
  the rules applied to the history at that scan's time; the ledger's open alerts when the settings'
  thresholds changed since), their mutes and the clients' verdicts.
- :func:`contract_view`: one contract's facts, timeline, drafts (``report``).
- :func:`known_contract`: a contract the history knows, else ConfigError naming what to do.

``site`` is anything with ``policy()`` and ``contract_url(id)`` (:class:`watcher.wiring.Env`): the
dashboard sits below the wiring and is handed one. Times are aware UTC; ``now`` is always given.
Errors: ConfigError (exit 2) for an unknown contract; the store's own sqlite3 errors pass through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from watcher.decide import rules
from watcher.decide.rules import Policy
from watcher.errors import ConfigError
from watcher.i18n import _
from watcher.models import AccessSeen, ContractState, Finding, Mute, VettingRecord
from watcher.report import drafts
from watcher.report.drafts import Drafts
from watcher.report.history import Event, Facts, build_timeline
from watcher.store import Store


class SiteView(Protocol):
    """What a view needs of the environment: the rules' settings and a contract's page on the site."""

    def policy(self) -> Policy: ...

    def contract_url(self, contract_id: int) -> str: ...


@dataclass(frozen=True)
class HealthyScan:
    """The last healthy scan: when it judged, and how many findings it counted."""

    at: datetime
    findings: int


def last_healthy_scan(store: Store) -> HealthyScan | None:
    row = store.db.execute("SELECT now_at, findings FROM scans WHERE healthy=1 ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else HealthyScan(datetime.fromisoformat(row[0]), int(row[1]))


def last_scan(store: Store) -> dict[str, Any] | None:
    """The last scan (healthy or not) as ``status --json`` gives it: ``{"at", "healthy", "problems"}``."""
    scans = store.recent_scans(1)
    if not scans:
        return None
    s = scans[0]
    return {"at": s.now_at.isoformat(), "healthy": s.healthy, "problems": [p.get("kind") for p in s.problems]}


@dataclass(frozen=True)
class Seen:
    """What ``status`` and the board show: the contracts, and the findings of the last healthy scan."""

    facts: list[Facts]
    last: dict[str, Any] | None  # the last scan (healthy or not), as --json gives it
    healthy: HealthyScan | None  # the last healthy scan
    from_ledger: bool = False  # the findings are the ledger's open alerts (the settings changed since)


def ledger_findings(store: Store) -> list[Finding]:
    """The alert ledger's open findings: notified, and still found by the last healthy scan (a
    healthy scan closes the alerts whose finding is gone). Mute-held findings are not in it."""
    alerts = [a for a in store.open_alerts() if a.rule in rules.RULES]
    alerts.sort(key=lambda a: (a.contract_id, rules.RULES.index(a.rule)))
    return [Finding(a.rule, a.contract_id, None, a.stage, a.since, None, a.title, a.message) for a in alerts]


def facts_of(state: ContractState, site: SiteView, now: datetime, findings: list[Finding],
             mute: Mute | None, vetting: VettingRecord | None = None) -> Facts:
    """One contract for people at ``now``, with its findings among ``findings``."""
    policy = site.policy()
    return Facts(state=state, now=now, url=site.contract_url(state.contract_id), amount=state.amount,
                 active=state.active, findings=tuple(f for f in findings if f.contract_id == state.contract_id),
                 mute=mute, acceptance_days=policy.acceptance_days, year_end_break=policy.year_end_break,
                 vetting=vetting)


def collect(store: Store, site: SiteView, now: datetime) -> Seen:
    """The contracts, with the findings of the last healthy scan: the rules applied to the history
    at that scan's time (the history is as that scan left it); when that does not give the count
    the scan recorded (the settings' thresholds changed since), the ledger's open alerts."""
    states = store.contract_states()
    healthy = last_healthy_scan(store)
    findings = rules.evaluate(states, healthy.at, site.policy()) if healthy else []
    from_ledger = healthy is not None and len(findings) != healthy.findings
    if from_ledger:
        findings = ledger_findings(store)
    mutes = store.mutes()
    vets = store.vettings("contract")
    facts = [facts_of(st, site, now, findings, mutes.get(st.contract_id), vets.get(st.contract_id)) for st in states]
    return Seen(facts, last_scan(store), healthy, from_ledger)


def known_contract(store: Store | None, contract_id: int) -> ContractState:
    """A contract the history knows; ConfigError (exit 2) naming what to do otherwise."""
    if store is None:
        raise ConfigError(_("unknown contract {id}: no scan has run yet (cwwatch scan)").format(id=contract_id))
    state = store.contract_state(contract_id)
    if state is None:
        raise ConfigError(_("unknown contract {id}: not in the history (cwwatch status lists the known ones)").format(
            id=contract_id))
    return state


@dataclass(frozen=True)
class ContractView:
    """One contract as ``report`` and its dashboard page show it."""

    facts: Facts
    timeline: list[Event]
    drafts: Drafts
    accesses: list[AccessSeen]


def contract_view(store: Store | None, site: SiteView, now: datetime, contract_id: int) -> ContractView:
    """The contract's facts (its findings judged at ``now``), timeline and drafts. ConfigError when
    the history does not know it."""
    state = known_contract(store, contract_id)
    assert store is not None
    policy = site.policy()
    findings = rules.evaluate([state], now, policy) if state.active else []
    accesses = store.access_history(state.client_id)
    facts = facts_of(state, site, now, findings, store.mutes().get(contract_id),
                     store.vettings("contract").get(contract_id))
    timeline = build_timeline(state.messages, store.status_history(contract_id), accesses, facts.delivery,
                              store.removed_messages(contract_id))
    made = drafts.make(state, now, policy, accesses, facts.url, state.active)
    return ContractView(facts, list(timeline), made, list(accesses))
