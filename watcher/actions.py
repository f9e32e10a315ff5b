"""What a person says about a contract, written to the history: mute, unmute, and when it was
delivered. One implementation for ``cwwatch mute``, ``unmute`` and ``delivered`` (watcher/cli/) and
for the dashboard's buttons (watcher/web/), so that ``cwwatch status`` shows the same whichever
face wrote it.

Each function checks its input, writes in one transaction and returns what it did; a refusal is a
ConfigError whose message says what was wrong and what to do (the CLI prints it on one line and
exits 2, the dashboard shows it on the page). Times are aware UTC; ``now`` is always given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from watcher.decide.delivery import candidates
from watcher.decide.rules import waited_since
from watcher.errors import ConfigError
from watcher.i18n import _
from watcher.models import ContractState, Delivery, Message
from watcher.report.words import delivery_words, fmt_time, muted_sentence
from watcher.store import Store
from watcher.views import known_contract

_DURATION = re.compile(r"^\s*(\d{1,4})\s*([hdw])\s*$", re.I)
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MAX_MUTE = timedelta(days=366)


def parse_duration(text: str) -> timedelta:
    """``12h``, ``3d``, ``2w``; ConfigError otherwise, or past a year."""
    m = _DURATION.match(text)
    if not m or int(m[1]) == 0:
        raise ConfigError(_("--for: {text!r} is not a duration (expected a number and h, d or w: 12h, 3d, 2w)").format(
            text=text))
    d = int(m[1]) * _UNIT[m[2].lower()]
    if d > MAX_MUTE:
        raise ConfigError(_("--for: {text!r} is longer than a year (to mute for good, leave out --for)").format(
            text=text))
    return d


# -- mute -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Muted:
    """A mute as set: until when (None: until unmuted), and the wait it ends with (None: none)."""

    title: str
    until: datetime | None
    since: datetime | None

    def words(self, contract_id: int) -> str:
        """The sentence ``cwwatch mute`` prints, the dashboard shows and the 「3日ミュート」 note says."""
        return muted_sentence(contract_id, self.title, self.until, self.since)


def mute(store: Store | None, contract_id: int, now: datetime, until: datetime | None, reason: str = "") -> Muted:
    """Hold the contract's notifications until ``until`` (None: until unmuted); the mute also ends
    when the client answers the wait it was set on. ConfigError: an unknown contract, or ``until``
    already past."""
    if until is not None and until <= now:
        raise ConfigError(_("{time} is already past: a mute ends later than now").format(time=fmt_time(until)))
    state = known_contract(store, contract_id)
    assert store is not None
    since = waited_since(state.messages)
    with store.transaction():
        store.set_mute(contract_id, until, since, reason, now)
    return Muted(state.title, until, since)


def unmute(store: Store | None, contract_id: int) -> str:
    """End the contract's mute: the sentence that says so (also when there was none)."""
    state = known_contract(store, contract_id)
    assert store is not None
    with store.transaction():
        removed = store.clear_mute(contract_id)
    text = _('Unmuted {id} "{title}".') if removed else _('{id} "{title}" is not muted.')
    return text.format(id=contract_id, title=state.title)


# -- the delivery -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryChoice:
    """The delivery as cwwatch knows it, and the messages of mine that could be its report, each with
    the id a person gives (the site's message id, else its place in the list)."""

    state: ContractState
    delivery: Delivery
    mine: list[Message]
    ids: list[str]


def delivery_choice(store: Store | None, contract_id: int) -> DeliveryChoice:
    """ConfigError: an unknown contract, or one cwwatch has not seen delivered."""
    state = known_contract(store, contract_id)
    assert store is not None
    d = store.delivery_of(contract_id)
    if d is None:
        raise ConfigError(_("{id}: cwwatch has not seen this contract delivered (no delivery to confirm)").format(
            id=contract_id))
    mine = candidates(state.messages, d)
    ids = [str(m.id) if m.id is not None else str(n) for n, m in enumerate(mine, 1)]
    return DeliveryChoice(state, d, mine, ids)


def confirm_delivery(store: Store | None, contract_id: int, now: datetime, *, message: str | None = None,
                     at: datetime | None = None, none: bool = False, undo: bool = False) -> str:
    """Say which message was the delivery report (``message``: an id of :func:`delivery_choice`),
    when it was (``at``), that none was (``none``), or take it back (``undo``): exactly one. The
    sentence ``cwwatch delivered`` prints. ConfigError when the choice does not fit what was seen."""
    if sum((message is not None, at is not None, none, undo)) != 1:
        raise ConfigError(_("say one of: the message, the time, none, or undo"))
    choice = delivery_choice(store, contract_id)
    assert store is not None
    state, d = choice.state, choice.delivery
    key, when = "", None
    if message is not None:
        if message not in choice.ids:
            raise ConfigError(_("--message: {id!r} is not one of the messages that can be the delivery report "
                                "(cwwatch delivered {contract} lists them)").format(id=message, contract=contract_id))
        m = choice.mine[choice.ids.index(message)]
        key, when = m.key, m.sent_at
    elif at is not None:
        low = d.earliest if d.basis == "move_seen" else None
        start = min((m.sent_at for m in state.messages), default=None)
        if low is None and start is not None and at < start:
            raise ConfigError(_("--at: {time} is before the contract's thread begins ({start}): the delivery "
                                "came after it").format(time=fmt_time(at), start=fmt_time(start)))
        if at > d.latest or (low is not None and at < low):
            raise ConfigError(_("--at: {time} is outside what cwwatch saw: the delivery was made {when}").format(
                time=fmt_time(at), when=delivery_words(d)))
        when = at
    with store.transaction():
        store.confirm_delivery(d.episode, when, key, none, now)
    after = store.delivery_of(contract_id)
    assert after is not None
    return _('{id} "{title}": delivered {when}').format(id=contract_id, title=state.title,
                                                        when=delivery_words(after))
