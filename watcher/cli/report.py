"""``cwwatch report CONTRACT_ID``: a contract's timeline from the history, and the drafts that apply
(an inquiry to the support desk citing Art. 9(3), the reason for a 連絡催促), in the language chosen
by the global ``--lang`` (the drafts themselves are always Japanese; English adds a gloss)."""

from __future__ import annotations

import argparse
import sys

from watcher import wiring
from watcher.cli.common import add_now_option, contract_id_arg, now_of
from watcher.i18n import _
from watcher.report.render import Report, render
from watcher.report.words import FORMATS
from watcher.views import contract_view
from watcher.wiring import open_history


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help=_("a contract's timeline and drafted texts for the desk"),
                       description=_("The contract's history as scanned (messages in and out, deliveries, "
                                     "status changes, the client's last access), in Japan time; then, when they "
                                     "apply, a drafted inquiry to the support desk (事務局) asking it to apply "
                                     "Article 9(3) of the terms, and a drafted reason for a contact reminder "
                                     "(連絡催促). The drafts are always Japanese; --lang en adds an English "
                                     "gloss of each."))
    p.add_argument("contract", type=contract_id_arg, metavar="CONTRACT_ID",
                   help=_("the contract id (or its page URL)"))
    p.add_argument("--format", choices=FORMATS, default="text", dest="fmt",
                   help=_("text (default), md (Markdown) or json (schema 1)"))
    add_now_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    now = now_of(args)
    env = wiring.env_of(args)
    cid = args.contract
    store = open_history(env.paths)
    try:
        view = contract_view(store, env, now, cid)
    finally:
        if store is not None:
            store.close()
    sys.stdout.write(render(Report(view.facts, view.timeline, view.drafts), args.fmt))
    sys.stdout.flush()
    return 0
