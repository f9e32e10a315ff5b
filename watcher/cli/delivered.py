"""``cwwatch delivered CONTRACT_ID``: say when the contract was delivered (docs/rules.md, "When was it
delivered?").

The site marks no message as the delivery report and its text may be empty, so cwwatch knows the
delivery as an interval with, at best, a likely report; only the person can make it a point. Without
an option the command lists the delivery as cwwatch knows it and the messages of mine that could be
the report (time, first words, an id to give). ``--message ID`` (the id shown), ``--at TIME`` (Japan
time unless an offset is given) or ``--none`` (no message was the report: an empty delivery text)
confirm it; ``--undo`` takes the confirmation back. The guesses stay kept either way. The checks and the writing are
:mod:`watcher.actions`' (the dashboard's form uses the same).
"""

from __future__ import annotations

import argparse

from watcher import actions, wiring
from watcher.cli.common import add_now_option, contract_id_arg, now_of, parse_time
from watcher.i18n import _
from watcher.models import Delivery, Message
from watcher.report.words import delivery_words, fmt_time
from watcher.wiring import open_history


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("delivered", help=_("say when a contract was delivered"),
                       description=_("List the messages that could be the delivery report of a contract in "
                                     "acceptance, or say which one it was (--message), when it was (--at), or "
                                     "that no message was (--none). --undo takes it back."))
    p.add_argument("contract", type=contract_id_arg, metavar=_("CONTRACT_ID"),
                   help=_("the contract id (or its page URL)"))
    how = p.add_mutually_exclusive_group()
    how.add_argument("--message", metavar="ID", help=_("the id of the delivery report, as the list shows it"))
    how.add_argument("--at", metavar=_("TIME"),
                     help=_("when it was delivered: 2026-12-01T09:00 (Japan time), or ISO 8601 with an offset"))
    how.add_argument("--none", action="store_true",
                     help=_("no message was the delivery report (the delivery text was empty)"))
    how.add_argument("--undo", action="store_true", help=_("take back what was said"))
    add_now_option(p)
    p.set_defaults(run=run)


def _first_words(body: str, n: int = 30) -> str:
    text = " ".join(body.split())
    return text if len(text) <= n else text[:n] + "…"


def run(args: argparse.Namespace) -> int:
    now = now_of(args)
    store = open_history(wiring.env_of(args).paths)
    try:
        if args.message is None and args.at is None and not (args.none or args.undo):
            choice = actions.delivery_choice(store, args.contract)
            _show(args.contract, choice.delivery, choice.mine, choice.ids)
            return 0
        at = parse_time(args.at, "--at") if args.at is not None else None
        text = actions.confirm_delivery(store, args.contract, now, message=args.message, at=at,
                                        none=bool(args.none), undo=bool(args.undo))
    finally:
        if store is not None:
            store.close()
    print(text, flush=True)
    return 0
def _show(cid: int, d: Delivery, mine: list[Message], ids: list[str]) -> None:
    print(_("Delivered: {when}").format(when=delivery_words(d)))
    if not mine:
        print(_("No message of yours can be the delivery report. Say when it was: cwwatch delivered {id} --at "
                "TIME").format(id=cid))
        return
    print(_("The messages of yours that can be the delivery report:"))
    for i, m in zip(ids, mine, strict=True):
        mark = " *" if m.key and m.key == d.report_key else ""
        print(f"  {i:>10}  {fmt_time(m.sent_at)}  「{_first_words(m.body)}」{mark}")
    print(_("Confirm with: cwwatch delivered {id} --message ID (or --at TIME, or --none)").format(id=cid), flush=True)
