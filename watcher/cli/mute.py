"""``cwwatch mute CONTRACT_ID`` and ``cwwatch unmute CONTRACT_ID``: hold a contract's notifications.

A mute lasts ``--for`` a while, ``--until`` a moment, or until ``unmute``. It also records the wait
it was set on (``until_reply_since``: the contract's current "waited since"), so that the alerts
can end it when the client replies. What is written is :mod:`watcher.actions`' (the dashboard's
buttons write the same).
"""

from __future__ import annotations

import argparse
from datetime import datetime

from watcher import actions, wiring
from watcher.actions import MAX_MUTE, parse_duration
from watcher.cli.common import add_now_option, contract_id_arg, now_of, parse_time
from watcher.errors import ConfigError
from watcher.i18n import _
from watcher.wiring import open_history

__all__ = ["MAX_MUTE", "add_parser", "parse_duration", "run_mute", "run_unmute"]

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


def run_mute(args: argparse.Namespace) -> int:
    now = now_of(args)
    until: datetime | None = None
    if args.duration:
        until = now + parse_duration(args.duration)
    elif args.until:
        until = parse_time(args.until, "--until")
        if until <= now:
            raise ConfigError(_("--until: {text!r} is already past").format(text=args.until))
    store = open_history(wiring.env_of(args).paths)
    try:
        done = actions.mute(store, args.contract, now, until, args.reason)
    finally:
        if store is not None:
            store.close()
    print(done.words(args.contract), flush=True)
    return 0


def run_unmute(args: argparse.Namespace) -> int:
    store = open_history(wiring.env_of(args).paths)
    try:
        text = actions.unmute(store, args.contract)
    finally:
        if store is not None:
            store.close()
    print(text, flush=True)
    return 0
