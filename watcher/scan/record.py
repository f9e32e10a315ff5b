"""Steps 3 to 5 of a scan, in one transaction: record what was read; read back the history the
decisions need (:class:`~watcher.scan.judge.Ledger`); decide (:func:`~watcher.scan.judge.judge`,
pure); record the decisions: the alert ledger, the verdicts and the notes queued in the outbox.

The rules judge the history, not one scan's reading: the states they see are the records the store
returns once this scan's observations are in it (the store's merge of a thread is the one encoding
of it). An unhealthy scan records only its own row and its health.
"""

from __future__ import annotations

from watcher.decide import delivery, plan
from watcher.models import Stage, Workroom
from watcher.scan.health import record_health
from watcher.scan.judge import Decisions, Ledger, judge
from watcher.scan.read import Seen
from watcher.scan.result import ScanContext, ScanResult
from watcher.scan.snapshot import Snapshot
from watcher.scan.vet import to_vet
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
            _observations(store, seen, scan_id, result, ctx.policy.delivery_words)
            decisions = judge(_ledger(store, seen, snap), now, ctx.policy, ctx.vet_policy, ctx.proposal_url)
            _decisions(store, decisions, result)
        result.health_notified += record_health(store, scan_id, result.healthy, result.problems, now,
                                                ctx.health_notify_after)
        store.add_scan(result.started_at, now, result.healthy, result.problems,
                       result.pages_loaded, len(result.findings))


def _save_workroom(store: Store, room: Workroom, result: ScanResult, scan_id: int, words: tuple[str, ...],
                   hourly: bool = False) -> None:
    """The workroom, and its delivery episode if one opens or closes now (``decide.delivery``);
    ``hourly``: the list shows it among the hourly contracts, which have no delivery."""
    before = store.save_workroom(room, result.now, scan_id)
    stage = room.stage or Stage.IN_PROGRESS  # as the store keeps it
    kept = store.delivery_of(room.contract_id)
    is_open = kept is not None and kept.closed_at is None
    if hourly:  # 時間単価: no delivery in this sense, so no episode and no acceptance week
        return
    if delivery.closes_episode(stage):
        if is_open:
            store.close_delivery(room.contract_id, result.now)
        return
    if not delivery.needs_episode(stage, before[0] if before else None, is_open):
        return
    moved = before is not None and not before[0].delivered
    d = delivery.open_episode(store.messages_of(room.contract_id), result.now,
                              before[1] if moved and before else None, words)
    store.open_delivery(room.contract_id, d)


def _observations(store: Store, seen: Seen, scan_id: int, result: ScanResult, words: tuple[str, ...]) -> None:
    now = result.now
    hourly = {r.contract_id for r in seen.rows if r.hourly}
    for room in seen.workrooms:
        _save_workroom(store, room, result, scan_id, words, room.contract_id in hourly)
    store.touch_contracts((r.contract_id for r in seen.rows if r.contract_id not in seen.loaded_why), now)
    store.save_inbox_seen(seen.inbox, now)
    for client in seen.clients:
        store.save_client_seen(client, scan_id)
    for cid in seen.blinded:
        store.save_client_unread(cid, now, scan_id)
    store.mark_inactive_except(r.contract_id for r in seen.rows)
    for p in seen.proposals:
        store.save_proposal(p, now)


def _ledger(store: Store, seen: Seen, snap: Snapshot) -> Ledger:
    """What the decisions read of the history: the active contracts' states, the alert ledger, the
    mutes, and the clients to vet once (``decide.plan.vetting_subjects``) with what is known of them."""
    subjects = plan.vetting_subjects(seen.new_contracts, seen.workrooms, snap.vetted_contracts,
                                     seen.applications_to_vet)
    return Ledger(states=store.contract_states(), notified=store.notified_keys(),
                  open_alerts=[a.key for a in store.open_alerts()], mutes=store.mutes(),
                  to_vet=to_vet(store, subjects, {c.client_id: c for c in seen.clients}, set(seen.blinded)))


def _decisions(store: Store, d: Decisions, result: ScanResult) -> None:
    """Keep the decisions: close the alerts whose finding is gone, queue each new finding's note with its
    ledger row, keep each verdict (the ledger of ``client_risk``) and queue its note."""
    now = result.now
    result.findings = d.findings
    store.close_alerts(d.close, now)
    result.held += d.held
    for f, note in d.notify:
        store.enqueue(note, now)
        store.record_finding_alert(f, now)
        result.notified.append(f)
    for vetted, note in d.vetted:
        store.save_vetting(vetted)
        result.vetted.append(vetted)
        if note is not None:
            store.enqueue(note, now)
            result.vetted_notified.append(f"{vetted.subject}:{vetted.subject_id}")
