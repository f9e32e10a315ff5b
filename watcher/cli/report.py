"""``cwwatch report CONTRACT_ID``: a contract's timeline from the history, and the drafts that apply
(an inquiry to the support desk citing Art. 9(3), the reason for a 連絡催促), in the language chosen
by the global ``--lang`` (the drafts themselves are always Japanese; English adds a gloss)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from watcher import wiring
from watcher.cli.common import add_now_option, contract_id_arg, now_of
from watcher.errors import CwError
from watcher.i18n import _
from watcher.paths import write_private
from watcher.report.drafts import Drafts
from watcher.report.history import Event, Facts
from watcher.report.render import Report, render
from watcher.report.timeline_svg import draw
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
    p.add_argument("--svg", metavar="FILE", type=Path,
                   help=_("also write the timeline drawn as SVG to FILE (readable by you only), 960 px wide"))
    add_now_option(p)
    p.set_defaults(run=run)


def gather(env: wiring.Env, cid: int, now: datetime) -> tuple[Facts, list[Event], Drafts]:
    """The contract's facts, timeline and drafts from the history (ConfigError, exit 2: an unknown
    contract or no history)."""
    store = open_history(env.paths)
    try:
        view = contract_view(store, env, now, cid)
    finally:
        if store is not None:
            store.close()
    return view.facts, view.timeline, view.drafts


def write_svg(path: Path, svg: str) -> None:
    """The drawing as a standalone SVG file (UTF-8, 0600: it quotes the messages); CwError (exit 1)
    naming the file when it cannot be written."""
    try:
        write_private(path, '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n")
    except OSError as exc:
        raise CwError(_("cannot write the drawing to {path}: {reason}").format(
            path=path, reason=exc.strerror or exc.__class__.__name__)) from None


def run(args: argparse.Namespace) -> int:
    now = now_of(args)
    env = wiring.env_of(args)
    facts, timeline, made = gather(env, args.contract, now)
    if args.svg is not None:
        write_svg(args.svg, draw(facts, timeline).svg)
    sys.stdout.write(render(Report(facts, timeline, made), args.fmt))
    sys.stdout.flush()
    return 0
