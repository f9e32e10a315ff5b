"""``cwwatch mute CONTRACT_ID`` and ``cwwatch unmute CONTRACT_ID``: hold a contract's notifications.

A mute lasts ``--for`` a while, ``--until`` a moment, or until ``unmute``. It also records the wait
it was set on (``until_reply_since``: the contract's current "waited since"), so that the alerts
can end it when the client replies.
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timedelta

from watcher import wiring
from watcher.cli.common import add_now_option, contract_id_arg, known_contract, now_of, parse_time
from watcher.errors import ConfigError
from watcher.i18n import _
from watcher.models import ContractState
from watcher.report.words import muted_sentence
from watcher.store import Store
from watcher.wiring import open_history

_DURATION = re.compile(r"^\s*(\d{1,4})\s*([hdw])\s*$", re.I)
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MAX_MUTE = timedelta(days=366)


def parse_duration(text: str) -> timedelta:
    """``12h``, ``3d``, ``2w``."""
    m = _DURATION.match(text)
    if not m or int(m[1]) == 0:
        raise ConfigError(_("--for: {text!r} is not a duration (expected a number and h, d or w: 12h, 3d, 2w)").format(
            text=text))
    d = int(m[1]) * _UNIT[m[2].lower()]
    if d > MAX_MUTE:
        raise ConfigError(_("--for: {text!r} is longer than a year (to mute for good, leave out --for)").format(
            text=text))
    return d


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("mute", help=_("hold a contract's notifications"),
                       description=_("Hold a contract's notifications for a while (--for), until a moment "
                                     "(--until), or until `cwwatch unmute`. A reply from the client ends the mute "
                                     "of the wait it was set on."))
    p.add_argument("contract", type=contract_id_arg, metavar=_("CONTRACT_ID"),
                   help=_("the contract id (or its page URL)"))
    when = p.add_mutually_exclusive_group()
    when.add_argument("--for", dest="duration", metavar=_("DURATION"), help=_("how long: 12h, 3d, 2w"))
    when.add_argument("--until", metavar=_("DATE"),
                      help=_("until when: 2026-12-01 or 2026-12-01T09:00 (Japan time), or ISO 8601 with an "
                             "offset"))
    p.add_argument("--reason", default="", metavar=_("TEXT"),
                   help=_("a note for yourself (shown by status and report)"))
    add_now_option(p)
    p.set_defaults(run=run_mute)

    u = sub.add_parser("unmute", help=_("end a contract's mute"), description=_("End a contract's mute."))
    u.add_argument("contract", type=contract_id_arg, metavar=_("CONTRACT_ID"),
                   help=_("the contract id (or its page URL)"))
    add_now_option(u)
    u.set_defaults(run=run_unmute)


def _open(args: argparse.Namespace) -> tuple[Store, ContractState]:
    store = open_history(wiring.env_of(args).paths)
    try:
        state = known_contract(store, args.contract)
    except BaseException:
        if store is not None:
            store.close()
        raise
    assert store is not None
    return store, state


def run_mute(args: argparse.Namespace) -> int:
    now = now_of(args)
    until: datetime | None = None
    if args.duration:
        until = now + parse_duration(args.duration)
    elif args.until:
        until = parse_time(args.until, "--until")
        if until <= now:
            raise ConfigError(_("--until: {text!r} is already past").format(text=args.until))
    store, state = _open(args)
    try:
        since = wiring.mute_contract(store, state, until, args.reason, now)
    finally:
        store.close()
    print(muted_sentence(args.contract, state.title, until, since), flush=True)
    return 0


def run_unmute(args: argparse.Namespace) -> int:
    store, state = _open(args)
    try:
        with store.transaction():
            removed = store.clear_mute(args.contract)
    finally:
        store.close()
    text = _('Unmuted {id} "{title}".') if removed else _('{id} "{title}" is not muted.')
    print(text.format(id=args.contract, title=state.title), flush=True)
    return 0
