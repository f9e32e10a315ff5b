"""Delivering the notes that scans queued in the store (light: no browser code imported)."""

from __future__ import annotations

from watcher.notify.desktop import Notifier
from watcher.store import Store


def flush_outbox(store: Store, notifier: Notifier) -> int:
    """Deliver what scans decided to notify, oldest first; a note leaves the outbox once a channel
    that reaches the person took it, and stays queued otherwise (no notification service yet: the
    next flush tries again). Returns how many were delivered.

    The notes were queued in the scan's own transaction, with the ledger rows that keep them from
    being decided twice: a crash before delivery leaves them queued for the next flush (at least
    once), never lost, and never decided again.
    """
    sent = 0
    for note_id, note in store.pending():
        if not notifier.send(note, key=note_id):
            continue
        with store.transaction():
            store.delivered(note_id)
        sent += 1
    return sent
