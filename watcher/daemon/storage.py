"""When the history cannot be written (a full disk, an I/O error, a read-only folder): the daemon says so
to the person directly and counts the scans lost (issue 20 item 6).

The history is where notes wait (the outbox) and where scans are counted, so neither can carry this
news. Instead:

- the first scan lost sends one desktop note at once, through the notifier, without the history;
  while the history stays unwritable it is sent again at most every ``NOTE_EVERY`` (throttled: one
  note, not one per scan);
- the scans lost are counted in the daemon's memory and in a small state file beside the history
  (``lost-scans.json``, written atomically; when even that cannot be written, memory alone keeps the
  count, and a daemon restarted meanwhile starts from the file's last count);
- the first scan recorded again ends the episode: its note (queued in the history, so quiet hours
  hold it like any other) says how many scans were lost and since when.

The moments in the file are UTC (ISO 8601); the notes show them in this computer's local time.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from loguru import logger

from watcher.i18n import _, ngettext
from watcher.models import Note
from watcher.paths import write_private

NOTE_EVERY = timedelta(hours=12)  # while the history stays unwritable, its note at most this often
STATE_NAME = "lost-scans.json"


@dataclass
class LostScans:
    """The episode under way: how many scans were lost, since when, the last error, the last note."""

    count: int = 0
    since: datetime | None = None
    error: str = ""
    noted_at: datetime | None = None


def lost_note(error: str) -> Note:
    """The note said directly, without the history: what happened and what to do (urgent: nothing is
    watched until space is freed)."""
    return Note(_("cwwatch: the history cannot be saved"),
                _("The disk is full or cannot be written, so the scans' results are lost and nothing is being "
                  "watched. Free some space; the scans lost are counted and said when saving works again.\n"
                  "{error}").format(error=error), urgent=True)


def recovered_note(lost: LostScans, fmt: Callable[[datetime], str]) -> Note:
    """The note of the first scan recorded again: how many scans were lost, since when."""
    since = fmt(lost.since) if lost.since is not None else "?"
    return Note(_("cwwatch: the history is saved again"),
                ngettext("{n} scan was lost while the history could not be saved (since {since}); what "
                         "happened on the site meanwhile is read again now.",
                         "{n} scans were lost while the history could not be saved (since {since}); what "
                         "happened on the site meanwhile is read again now.", lost.count).format(
                    n=lost.count, since=since))


class StorageWatch:
    """The daemon's memory of scans lost to an unwritable history. ``state_file``: beside the history;
    ``send``: delivers a note without the history (True when a channel took it)."""

    def __init__(self, state_file: Path, send: Callable[[Note], bool],
                 note_every: timedelta = NOTE_EVERY) -> None:
        self.state_file = state_file
        self.send = send
        self.note_every = note_every
        self.lost = self._load()

    def _load(self) -> LostScans:
        try:
            raw = json.loads(self.state_file.read_text(encoding="utf-8"))
            return LostScans(int(raw["count"]), _when(raw.get("since")), str(raw.get("error", "")),
                             _when(raw.get("noted_at")))
        except FileNotFoundError:
            return LostScans()
        except (OSError, ValueError, KeyError, TypeError):
            logger.warning("{} is unreadable; counting lost scans from 0", self.state_file)
            return LostScans()

    def _save(self) -> None:
        lost = self.lost
        data = {"count": lost.count, "since": _iso(lost.since), "error": lost.error, "noted_at": _iso(lost.noted_at)}
        try:
            write_private(self.state_file, json.dumps(data, ensure_ascii=False))
        except OSError as exc:  # the same disk, most likely: memory keeps the count
            logger.warning("could not write {}: {}; the count stays in memory", self.state_file, exc.strerror or exc)

    def failed(self, now: datetime, error: str) -> bool:
        """One scan lost at ``now`` (aware) on ``error``: counted, and the person told directly unless told
        within ``note_every``. Returns whether a note went out."""
        lost = self.lost
        lost.count += 1
        lost.since = lost.since or now
        lost.error = error
        logger.error(_("the history cannot be saved: {error} (scans lost: {n})").format(error=error, n=lost.count))
        sent = False
        if lost.noted_at is None or now - lost.noted_at >= self.note_every:
            sent = self.send(lost_note(error))
            if sent:
                lost.noted_at = now
        self._save()
        return sent

    def recovered(self) -> LostScans | None:
        """The history was written again: the episode that ended (None: there was none); the state file
        is removed."""
        if self.lost.count == 0:
            return None
        ended, self.lost = self.lost, LostScans()
        with contextlib.suppress(OSError):
            self.state_file.unlink(missing_ok=True)
        logger.info(_("the history is saved again; scans lost meanwhile: {n}").format(n=ended.count))
        return ended


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _when(text: object) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) and text else None
