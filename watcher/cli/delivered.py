"""``cwwatch delivered CONTRACT_ID``: say when the contract was delivered (docs/rules.md, "When was it
delivered?").

The site marks no message as the delivery report and its text may be empty, so cwwatch knows the
delivery as an interval with, at best, a likely report; only the person can make it a point. Without
an option the command lists the delivery as cwwatch knows it and the messages of mine that could be
the report (time, first words, an id to give). ``--message ID`` (the id shown), ``--at TIME`` (Japan
time unless an offset is given) or ``--none`` (no message was the report: an empty delivery text)
confirm it; ``--undo`` takes the confirmation back. The guesses stay kept either way.
"""

from __future__ import annotations

import argparse

from watcher import wiring
from watcher.cli.common import add_now_option, contract_id_arg, known_contract, now_of, parse_time
from watcher.decide.delivery import candidates
from watcher.errors import ConfigError
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


def _ids(mine: list[Message]) -> list[str]:
    """The id a person gives for each candidate: the site's message id, else its place in the list."""
    return [str(m.id) if m.id is not None else str(n) for n, m in enumerate(mine, 1)]


def _first_words(body: str, n: int = 30) -> str:
    text = " ".join(body.split())
    return text if len(text) <= n else text[:n] + "…"


def run(args: argparse.Namespace) -> int:
    now = now_of(args)
    store = open_history(wiring.env_of(args).paths)
    try:
        state = known_contract(store, args.contract)
        assert store is not None
        d = store.delivery_of(args.contract)
        if d is None:
            raise ConfigError(_("{id}: cwwatch has not seen this contract delivered (no delivery to confirm)").format(
                id=args.contract))
        mine = candidates(state.messages, d)
        ids = _ids(mine)
        if args.message is None and args.at is None and not (args.none or args.undo):
            _show(args.contract, d, mine, ids)
            return 0
        key, at = "", None
        if args.message is not None:
            if args.message not in ids:
                raise ConfigError(_("--message: {id!r} is not one of the messages that can be the delivery report "
                                    "(cwwatch delivered {contract} lists them)").format(
                    id=args.message, contract=args.contract))
            m = mine[ids.index(args.message)]
            key, at = m.key, m.sent_at
        elif args.at is not None:
            at = parse_time(args.at, "--at")
            low = d.earliest if d.basis == "move_seen" else None
            start = min((m.sent_at for m in state.messages), default=None)
            if low is None and start is not None and at < start:
                raise ConfigError(_("--at: {time} is before the contract's thread begins ({start}): the delivery "
                                    "came after it").format(time=fmt_time(at), start=fmt_time(start)))
            if at > d.latest or (low is not None and at < low):
                raise ConfigError(_("--at: {time} is outside what cwwatch saw: the delivery was made {when}").format(
                    time=fmt_time(at), when=delivery_words(d)))
        with store.transaction():
            store.confirm_delivery(d.episode, at, key, bool(args.none), now)
        d = store.delivery_of(args.contract)
    finally:
        if store is not None:
            store.close()
    assert d is not None
    print(_('{id} "{title}": delivered {when}').format(id=args.contract, title=state.title, when=delivery_words(d)),
          flush=True)
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
