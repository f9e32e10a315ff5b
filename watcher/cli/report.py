"""``cwwatch report CONTRACT_ID``: a contract's timeline from the history, and the drafts that apply
(an inquiry to the support desk citing Art. 9(3), the reason for a 連絡催促)."""

from __future__ import annotations

import argparse
import sys

from watcher import drafts, rules
from watcher.cli.status import (
    add_now_option,
    contract_id_arg,
    facts_of,
    load_config,
    mute_of,
    now_of,
    open_history,
    state_of,
)
from watcher.errors import ConfigError
from watcher.timeline import FORMATS, LANGS, Report, build_timeline, render


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help="a contract's timeline and drafted texts for the desk",
                       description="The contract's history as scanned (messages in and out, deliveries, "
                       "status changes, the client's last access), in Japan time; then, when they apply, a "
                       "drafted inquiry to the support desk (事務局) asking it to apply Article 9(3) of the "
                       "terms, and a drafted reason for a contact reminder (連絡催促). The drafts are always "
                       "Japanese; --lang en adds an English gloss of each.")
    p.add_argument("contract", type=contract_id_arg, metavar="CONTRACT_ID",
                   help="the contract id (or its page URL)")
    p.add_argument("--lang", choices=LANGS, default="ja", help="language of the report (default: ja)")
    p.add_argument("--format", choices=FORMATS, default="text", dest="fmt",
                   help="text (default), md (Markdown) or json (schema 1)")
    add_now_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    now = now_of(args)
    paths, cfg = load_config(args)
    cid = args.contract
    store = open_history(paths)
    if store is None:
        raise ConfigError(f"unknown contract {cid}: no scan has run yet (cwwatch scan)")
    try:
        found = state_of(store, cid)
        if found is None:
            raise ConfigError(f"unknown contract {cid}: not in the history (cwwatch status lists the known ones)")
        state, row = found
        active = bool(row["active"])
        findings = rules.evaluate([state], now, cfg.policy()) if active else []
        accesses = store.access_history(state.client_id)
        facts = facts_of(state, row, cfg, now, findings, mute_of(store.mutes().get(cid)))
        timeline = build_timeline(state.messages, store.status_history(cid), accesses)
    finally:
        store.close()
    made = drafts.make(state, now, cfg.policy(), accesses, facts.url, active)
    sys.stdout.write(render(Report(facts, timeline, made), args.lang, args.fmt))
    sys.stdout.flush()
    return 0
