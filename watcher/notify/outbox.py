"""Delivering the notes that scans queued in the store (light: no browser code imported)."""

from __future__ import annotations

from watcher.notify.desktop import Notifier
from watcher.store import Store


def flush_outbox(store: Store, notifier: Notifier) -> int:
    """Deliver what scans decided to notify, oldest first; each note leaves the outbox once sent.

    The notes were queued in the scan's own transaction, with the ledger rows that keep them from
    being decided twice: a crash before delivery leaves them queued for the next flush (at least
    once), never lost, and never decided again.
    """
    sent = 0
    for note_id, note in store.pending():
        notifier.send(note)
        with store.transaction():
            store.delivered(note_id)
        sent += 1
    return sent
