"""What a desktop notification's click and buttons do: where a note leads, and which buttons it offers.

The local dashboard (``watcher/dashlink.py``) may start or stop while the daemon lives, so the link is
decided twice: when the note is sent (is there anywhere to go at all?) and again when it is clicked.

- A note about one contract (``Note.contract_id``) leads to that contract's page of the dashboard
  (``http://127.0.0.1:PORT/contracts/<id>?key=…``) when the dashboard can be reached, else to its
  CrowdWorks page (``Note.url``), as before the dashboard.
- Any other note (health, summaries, the digest) leads to the dashboard's board (``/``) when it can be
  reached, else where it led before (its ``url``, often none).
- Buttons, only where the notification service supports actions (the D-Bus capability ``actions``):
  「開く」 (the same link as a click) on every note that leads somewhere, and 「3日ミュート」 only on
  a note about one contract; a summary (many notes at once) is about no one contract and gets none.

The mute is not written here (the notification channels do not write the store: pyproject.toml's
contracts): the daemon's wiring gives the callback (``wiring.note_actions``), which mutes exactly as
``cwwatch mute CONTRACT --for 3d`` does. Apprise channels keep the CrowdWorks URL: a loopback address
means nothing on a phone.

No I/O besides :mod:`watcher.dashlink`'s files and loopback connect; :func:`buttons` is pure.
"""

from __future__ import annotations

import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from pathlib import Path

from watcher import dashlink
from watcher.i18n import _
from watcher.models import Note

MUTE_FOR = timedelta(days=3)  # the mute button's length: as `cwwatch mute CONTRACT --for 3d`


class Button(Enum):
    OPEN = "open"
    MUTE = "mute"

    @property
    def title(self) -> str:
        """The button's words, in the chosen language (「開く」, 「3日ミュート」)."""
        return _("Open") if self is Button.OPEN else _("Mute for 3 days")


def buttons(note: Note, service_has_actions: bool, *, leads_somewhere: bool, can_mute: bool) -> list[Button]:
    """The buttons ``note`` offers, in order: none when the service lacks actions; 「開く」 when the
    note leads somewhere; 「3日ミュート」 when it is about one contract and a mute callback exists."""
    if not service_has_actions:
        return []
    out = [Button.OPEN] if leads_somewhere else []
    if can_mute and note.contract_id is not None:
        out.append(Button.MUTE)
    return out


@dataclass(frozen=True)
class NoteActions:
    """The daemon's answers to a click and to the buttons.

    ``state_dir``: where the dashboard announces itself (``Paths.state_dir``). ``mute``: called with a
    contract id when 「3日ミュート」 is pressed (it mutes for :data:`MUTE_FOR` from the wall clock's now;
    errors are its own to report); it returns the note that says so (shown on the desktop), or None.
    None instead of a callback offers no mute button.
    """

    state_dir: Path
    mute: Callable[[int], Note | None] | None = None

    def link(self, note: Note) -> str:
        """Where ``note`` leads now: the dashboard's page for it when the dashboard answers, else the
        note's CrowdWorks URL ("" when it has none). Asks the dashboard (a loopback connect, at most
        half a second)."""
        path = dashlink.contract_path(note.contract_id) if note.contract_id is not None else "/"
        return dashlink.link(self.state_dir, path) or note.url

    def open(self, note: Note) -> None:
        """Open :meth:`link` in the person's browser; a dashboard link (it carries the key) through
        :func:`dashlink.open_in_browser`, never on the browser's command line."""
        link = self.link(note)
        if not link:
            return
        if link != note.url and link.startswith(f"http://{dashlink.HOST}:"):
            dashlink.open_in_browser(self.state_dir, link)
        else:
            webbrowser.open(link)
