"""Delivering the notes that scans queued in the store (light: no browser code imported)."""

from __future__ import annotations

from watcher.decide.alerts import summary_note
from watcher.notify.desktop import Notifier
from watcher.store import Store


def flush_outbox(store: Store, notifier: Notifier) -> int:
    """Deliver what scans decided to notify, oldest first; a note leaves the outbox once a channel
    that reaches the person took it, and stays queued otherwise (no notification service yet: the
    next flush tries again). Returns how many were delivered.

    More than ``alerts.SUMMARY_ABOVE`` notes at once reach the desktop and Apprise as one summary
    (「新しい通知が5件あります」) while the console prints each; they all leave the outbox together,
    in one transaction, once the summary was delivered, and all stay queued when it was not.

    The notes were queued in the scan's own transaction, with the ledger rows that keep them from
    being decided twice: a crash before delivery leaves them queued for the next flush (at least
    once), never lost, and never decided again.
    """
    pending = store.pending()
    summary = summary_note([note for _, note in pending])
    if summary is not None:
        if not notifier.send_summary(pending, summary):
            return 0
        with store.transaction():
            for note_id, _ in pending:
                store.delivered(note_id)
        return len(pending)
    sent = 0
    for note_id, note in pending:
        if not notifier.send(note, key=note_id):
            continue
        with store.transaction():
            store.delivered(note_id)
        sent += 1
    return sent
