"""Where alerts go: the console always, the desktop when a notification service answers.

Desktop notifications go through desktop-notifier (D-Bus ``org.freedesktop.Notifications`` on
Linux, Notification Center on macOS, WinRT on Windows). Its ``send()`` never raises when nobody
listens, so this module asks the service for its capabilities first and says plainly, once, when
no service answers; the console still gets every alert.

Clicks and buttons are heard while the process that sent the note lives: the channel's event loop
runs on its own thread, so the daemon hears them between its jobs (a one-shot ``cwwatch scan``
exits, and its notes' clicks with it). With the daemon's :class:`~watcher.notify.actions.NoteActions`
a click opens the dashboard's page for the note when the dashboard answers, else the CrowdWorks page,
decided again at the click; where the service supports actions the note also offers 「開く」 and, when
it is about one contract, 「3日ミュート」 (notify/actions.py). Without them a click opens the note's
CrowdWorks URL. The body carries the CrowdWorks URL, never the dashboard's link (its key would stay
in the notification service's history).

Every desktop notification comes from the app "cwwatch" with its own icon (``assets/cwwatch.png``),
critical when the note is urgent (``Note.urgent``, decided in ``decide/alerts.py``), normal otherwise.
Many notes at once reach the desktop as one summary (``send_summary``); the console prints each.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, TextIO

from loguru import logger

from watcher.i18n import _
from watcher.models import Note
from watcher.notify.actions import Button, NoteActions, buttons

# desktop-notifier logs its own failures through the logging module; we report them ourselves.
logging.getLogger("desktop_notifier").setLevel(logging.CRITICAL)

APP_NAME = "cwwatch"
ICON = Path(__file__).resolve().with_name("assets") / "cwwatch.png"  # 128×128; assets/cwwatch.svg is the same


class Channel(Protocol):
    name: str

    def send(self, note: Note) -> bool: ...

    def close(self) -> None: ...


class ConsoleChannel:
    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, note: Note) -> bool:
        mark = "‼" if note.urgent else "•"
        body = note.body.replace("\n", "\n    ")  # every line of the body under its title
        url = f"\n    {note.url}" if note.url else ""
        print(f"{mark} {note.title}\n    {body}{url}", file=self.stream, flush=True)
        return True

    def close(self) -> None:
        pass


class DesktopChannel:
    """desktop-notifier on a private event loop, checked before the first send.

    The loop runs on its own (daemon) thread for the channel's life, so that a click or a button
    pressed long after the send is heard; ``send`` waits for the service's answer up to ``timeout``
    seconds. ``actions``: the daemon's answers to clicks and buttons (None: a click opens the note's
    CrowdWorks URL, and no buttons).
    """

    name = "desktop"

    def __init__(self, warn: TextIO | None = None, timeout: float = 5.0,
                 actions: NoteActions | None = None) -> None:
        self.warn = warn or sys.stderr
        self.timeout = timeout
        self.actions = actions
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="cwwatch-notify", daemon=True)
        self._thread.start()
        self._notifier: object | None = None
        self._available: bool | None = None
        self._has_actions = False  # the service's capabilities include actions (buttons)
        self.reason = ""

    def _run(self, coro: object) -> object:
        """``coro`` on the channel's loop; its result, or TimeoutError past ``timeout`` seconds."""
        future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(coro, self.timeout), self._loop)  # type: ignore[arg-type]
        return future.result(self.timeout + 1)

    def available(self) -> bool:
        """Whether a notification service answers now. A "no" is asked again at the next note (the
        service may start after the daemon, as a desktop session comes up); it is said once."""
        if self._available:
            return True
        try:
            from desktop_notifier import Capability, DesktopNotifier, Icon

            notifier = DesktopNotifier(app_name=APP_NAME, app_icon=Icon(path=ICON))
            backend = type(getattr(notifier, "_backend", None)).__name__
            if backend.startswith("Dummy"):
                raise RuntimeError("no notification backend for this platform")
            caps = self._run(notifier.get_capabilities())
            if not caps:
                raise RuntimeError("the notification service reports no capabilities")
            self._notifier = notifier
            self._has_actions = Capability.BUTTONS in caps  # type: ignore[operator]
            self._available = True
        except Exception as exc:  # no bus, no daemon, a timeout: all mean "nobody listens"
            self.reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if self._available is None:  # said once; asked again at every note
                print(_("cwwatch: the desktop notification service does not answer. Notifications go to the "
                        "console only (`cwwatch doctor` says why)."), file=self.warn, flush=True)
                logger.info("no desktop notification service: {}", self.reason)
            self._available = False
        return bool(self._available)

    def _link(self, note: Note) -> str:
        return self.actions.link(note) if self.actions is not None else note.url

    def _open(self, note: Note) -> None:
        """A click or 「開く」: the note's link as it is now (the dashboard may have started or stopped)."""
        if self.actions is not None:
            self.actions.open(note)  # never logged: a dashboard link carries its key
        elif note.url:
            webbrowser.open(note.url)

    def _mute(self, contract_id: int) -> None:
        """「3日ミュート」: the daemon's callback, then its answer on the desktop (never on the loop's
        own thread: ``send`` waits for the loop)."""
        if self.actions is not None and self.actions.mute is not None:
            said = self.actions.mute(contract_id)
            if said is not None:
                self.send(said)

    @staticmethod
    def _later(fn: Callable[[], None], what: str) -> Callable[[], None]:
        """``fn`` off the loop's thread (it may connect, start a browser, write the history); its
        failure is logged, never raised into the loop."""
        def run() -> None:
            try:
                fn()
            except Exception as exc:
                logger.warning("notification {} failed: {}", what, exc)
        return lambda: threading.Thread(target=run, name=f"cwwatch-{what}", daemon=True).start()

    def send(self, note: Note) -> bool:
        if not self.available():
            return False
        from desktop_notifier import Button as NotifierButton
        from desktop_notifier import Icon, Urgency

        leads = bool(self._link(note))  # decided now, and again at the click
        on_clicked = self._later(lambda: self._open(note), "click") if leads else None
        # Buttons only for the daemon (``actions``): a one-shot command exits before anyone presses one.
        offered = buttons(note, self._has_actions, leads_somewhere=leads,
                          can_mute=self.actions.mute is not None) if self.actions is not None else []
        cid = note.contract_id
        pressed = {Button.OPEN: self._later(lambda: self._open(note), "open"),
                   Button.MUTE: self._later(lambda: self._mute(cid), "mute") if cid is not None else None}
        body = f"{note.body}\n{note.url}" if note.url else note.body
        try:
            self._run(self._notifier.send(  # type: ignore[attr-defined]
                title=note.title, message=body,
                urgency=Urgency.Critical if note.urgent else Urgency.Normal,
                icon=Icon(path=ICON), on_clicked=on_clicked,
                buttons=[NotifierButton(title=b.title, on_pressed=pressed[b], identifier=b.value)
                         for b in offered]))
        except Exception as exc:
            logger.warning("desktop notification failed: {}", exc)
            self._available = False  # ask again next time
            return False
        return True

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.timeout)
        if not self._loop.is_running():
            self._loop.close()


class Notifier:
    """Send each note to every channel. ``send`` is True when the note was delivered: a channel that
    reaches the person took it. The console counts only with ``console_counts`` (a person runs the
    command in a terminal); for the daemon it does not, so a note nobody could see stays queued."""

    def __init__(self, channels: list[Channel], console_counts: bool = True) -> None:
        self.channels = channels
        self.console_counts = console_counts
        self._on_console: set[object] = set()  # keys of the queued notes the console has shown

    def _offer(self, ch: Channel, note: Note, key: object | None) -> bool:
        """``note`` to one channel: True when the channel took it. A queued note (``key``: its outbox
        id) the console showed before counts as shown and is not printed twice. One broken channel
        must not stop the others."""
        console = ch.name == "console"
        if console and key is not None and key in self._on_console:
            return True
        try:
            took = ch.send(note)
        except Exception as exc:
            logger.warning("{} channel failed: {}", ch.name, exc)
            return False
        if console and key is not None:
            self._on_console.add(key)
        return took

    def _reaches(self, ch: Channel) -> bool:
        """Whether a note this channel took was delivered (the console only with ``console_counts``)."""
        return ch.name != "console" or self.console_counts

    def send(self, note: Note, key: object | None = None) -> bool:
        """``key``: the note's outbox id. A note offered again (it waits for a notification service)
        is not printed on the console a second time."""
        ok = False
        for ch in self.channels:
            if self._offer(ch, note, key) and self._reaches(ch):
                ok = True
        return ok

    def send_summary(self, notes: Sequence[tuple[object, Note]], summary: Note) -> bool:
        """Many notes at once: the console prints each (once: ``key`` as in ``send``), every other
        channel gets ``summary`` instead. True when they were delivered: a channel that reaches the
        person took the summary, or the console showed every one of them and counts."""
        ok = False
        for ch in self.channels:
            if ch.name == "console":  # all() stops at the first note the console failed to show
                took = all(self._offer(ch, note, key) for key, note in notes)
            else:
                took = self._offer(ch, summary, None)
            if took and self._reaches(ch):
                ok = True
        return ok

    def close(self) -> None:
        for ch in self.channels:
            ch.close()
