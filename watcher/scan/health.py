"""Health notes: whether this scan's health is news for the person, queued in the same transaction
as the scan's row. Used by the scan itself and by the daemon, which records a scan that died or
ran out of time on the scan's behalf."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from loguru import logger

from watcher.decide import alerts
from watcher.models import Problem
from watcher.store import Store


def record_health(store: Store, scan_id: int, healthy: bool, problems: Sequence[Problem], now: datetime,
                  threshold: int) -> list[str]:
    """Open, replace or close the health ledger row and queue its note (inside the caller's
    transaction). Returns what was notified: problem kinds, or "recovered"."""
    notified: list[str] = []
    for p in problems:  # the technical detail goes to the log; the note says what to do
        logger.warning("{}: {}: {}", p.kind, p.page, p.detail)
    open_health = next((a.key for a in store.open_alerts() if a.rule == alerts.HEALTH_RULE), None)
    plan = alerts.plan_health(healthy, problems, store.consecutive_unhealthy() + (0 if healthy else 1),
                              threshold, open_health, scan_id)
    if plan.close:
        store.close_alerts([plan.close], now)
    if plan.notify_problem is not None and plan.key:
        note = alerts.health_note(plan.notify_problem)
        store.enqueue(note, now)
        store.record_alert(plan.key, alerts.HEALTH_RULE, 0, 1, None, note.title, note.body, now)
        notified.append(str(plan.notify_problem.kind))
    if plan.notify_recovery and plan.key:
        store.enqueue(alerts.recovery_note(), now)
        store.close_alerts([plan.key], now)
        notified.append("recovered")
    return notified


def record_failed_scan(store: Store, problem: Problem, started: datetime, now: datetime, threshold: int) -> list[str]:
    """A scan that ended without recording itself (it died, or the daemon stopped it at its time
    limit): its row and its health, so that it counts and, past the threshold, is notified."""
    with store.transaction():
        scan_id = store.next_scan_id()
        notified = record_health(store, scan_id, False, [problem], now, threshold)
        store.add_scan(started, now, False, [problem], 0, 0)
    return notified
