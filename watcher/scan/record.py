"""Steps 3 and 4 of a scan, in one transaction: record what was read, then decide (the rules, the
alerts and the vetting, all pure in ``decide/``) over the history the store returns, and record the
decisions: the alert ledger, the verdicts and the notes queued in the outbox.

The rules judge the history, not one scan's reading: the states they see are the records the store
returns once this scan's observations are in it. An unhealthy scan records only its own row and its
health.
"""

from __future__ import annotations

from watcher.decide import alerts, delivery, plan, rules
from watcher.models import Stage, VettingRecord, Workroom
from watcher.scan.health import record_health
from watcher.scan.read import Seen
from watcher.scan.result import ScanContext, ScanResult
from watcher.scan.snapshot import Snapshot
from watcher.scan.vet import vet_client
from watcher.store import LOGIN_BLOCK_KEY, Store


def record(ctx: ScanContext, result: ScanResult, seen: Seen, snap: Snapshot, login_failed: bool) -> None:
    """The scan's one transaction (its id goes into ``result.scan_id``)."""
    store = ctx.store
    now = result.now
    with store.transaction():
        scan_id = store.next_scan_id()
        result.scan_id = scan_id
        if login_failed:
            store.set_meta(LOGIN_BLOCK_KEY, now.isoformat())
        if result.healthy:
            _observations(store, seen, scan_id, result)
            _findings(ctx, result)
            _vet_new(ctx, result, seen, snap)
        result.health_notified += record_health(store, scan_id, result.healthy, result.problems, now,
                                                ctx.health_notify_after)
        store.add_scan(result.started_at, now, result.healthy, result.problems,
                       result.pages_loaded, len(result.findings))


def _save_workroom(store: Store, room: Workroom, result: ScanResult, scan_id: int) -> None:
    """The workroom, and when it was delivered if that is to be decided now (``decide.delivery``)."""
    before = store.save_workroom(room, result.now, scan_id)
    stage = room.stage or Stage.IN_PROGRESS  # as the store keeps it
    if not delivery.needs_dating(stage, before[0] if before else None, before is not None and before[1]):
        return
    at, basis = delivery.delivery_time(store.messages_of(room.contract_id),
                                       [m for m, _at in store.removed_messages(room.contract_id)],
                                       result.now, moved=before is not None)
    store.set_delivery(room.contract_id, at, basis)


def _observations(store: Store, seen: Seen, scan_id: int, result: ScanResult) -> None:
    now = result.now
    for room in seen.workrooms:
        _save_workroom(store, room, result, scan_id)
    store.touch_contracts((r.contract_id for r in seen.rows if r.contract_id not in seen.loaded_why), now)
    store.save_inbox_seen(seen.inbox, now)
    for client in seen.clients:
        store.save_client_seen(client, scan_id)
    store.mark_inactive_except(r.contract_id for r in seen.rows)
    for p in seen.proposals:
        store.save_proposal(p, now)


def _findings(ctx: ScanContext, result: ScanResult) -> None:
    """The rules over the history, then who hears of them: new findings notify once, unless muted."""
    store = ctx.store
    now = result.now
    states = store.contract_states()
    result.findings = rules.evaluate(states, now, ctx.policy)
    fplan = alerts.plan_findings(result.findings, store.notified_keys(), [a.key for a in store.open_alerts()])
    store.close_alerts(fplan.close, now)
    held = alerts.muted(states, store.mutes(), now)
    for f in fplan.notify:
        if f.contract_id in held:  # a mute or snooze holds it; it notifies once the mute ends
            result.held.append(f)
            continue
        store.enqueue(alerts.finding_note(f), now)
        store.record_finding_alert(f, now)
        result.notified.append(f)


def _vet_new(ctx: ScanContext, result: ScanResult, seen: Seen, snap: Snapshot) -> None:
    """Vet the clients of the contracts first seen now, and of the applications whose client wrote;
    each subject once. A caution or warning about a contract, a warning about an application,
    notifies (rule ``client_risk``), once: the verdict kept in the history is the ledger."""
    store = ctx.store
    now = result.now
    fresh = {c.client_id: c for c in seen.clients}
    subjects = plan.vetting_subjects(seen.new_contracts, seen.workrooms, snap.vetted_contracts,
                                     seen.applications_to_vet)
    for subject, sid, client_id in subjects:
        found = vet_client(store, client_id, now, ctx.vet_policy, ctx.policy, fresh.get(client_id),
                           exclude=sid if subject == "contract" else None)
        if found is None:
            continue
        name, verdict = found
        record = VettingRecord(subject, sid, client_id, verdict.verdict, verdict.total,
                               tuple(s.to_json() for s in verdict.signals), verdict.summary, verdict.advice, now)
        store.save_vetting(record)
        result.vetted.append(record)
        if alerts.client_risk_notifies(subject, verdict.verdict):
            url = (ctx.policy.contract_url if subject == "contract" else ctx.proposal_url).format(id=sid)
            store.enqueue(alerts.client_risk_note(subject, sid, name, verdict, url), now)
            result.vetted_notified.append(f"{subject}:{sid}")
