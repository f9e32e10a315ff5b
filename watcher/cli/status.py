"""``cwwatch status``: one table of the active contracts, from the history (no scan, no browser)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from watcher.cli import common
from watcher.cli.common import Env, add_now_option, facts_of, now_of, open_history
from watcher.decide import rules
from watcher.report.history import Facts
from watcher.report.words import (
    LANGS,
    RULE_LABELS,
    SCHEMA,
    access_words,
    escrow_word,
    fmt_days_left,
    fmt_short,
    fmt_time,
    mute_words,
    plural,
    status_word,
    verdict_words,
)
from watcher.store import Store

# -- the command --------------------------------------------------------------------------------


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("status", help="show the active contracts as last scanned",
                       description="One table of the active contracts from the history of past scans "
                       "(no scan is run): client, status, escrow, how long a reply has been awaited "
                       "(business days), the client's last access, the acceptance deadline, open findings "
                       "and mutes. Colours only on a terminal.")
    p.add_argument("--json", action="store_true", help='print {"schema": 1, "contracts": [...]}')
    p.add_argument("--lang", choices=LANGS, default="ja", help="language of the table (default: ja)")
    add_now_option(p)
    p.set_defaults(run=run)


_NO_SCAN = {
    "ja": "まだスキャンが実行されていません。`cwwatch scan` で自分のアカウントを、"
          "`cwwatch demo` でサンプルサイトを試せます。",
    "en": "No scan has run yet. Run `cwwatch scan` for your account, or `cwwatch demo` to try the sample site.",
}
_NO_CONTRACTS = {"ja": "有効な契約はありません。", "en": "No active contracts."}


def _last_scan(store: Store) -> dict[str, Any] | None:
    scans = store.recent_scans(1)
    if not scans:
        return None
    s = scans[0]
    return {"at": s.now_at.isoformat(), "healthy": s.healthy, "problems": [p.get("kind") for p in s.problems]}


def collect(store: Store, env: Env, now: datetime) -> list[Facts]:
    states = store.contract_states()
    findings = rules.evaluate(states, now, env.policy())
    mutes = store.mutes()
    vets = store.vettings("contract")
    return [facts_of(st, env, now, findings, mutes.get(st.contract_id), vets.get(st.contract_id)) for st in states]


def run(args: argparse.Namespace) -> int:
    now = now_of(args)
    env = common.env_of(args)
    store = open_history(env.paths)
    try:
        last = _last_scan(store) if store else None
        facts = collect(store, env, now) if store else []
        waiting, oldest = store.waiting() if store else (0, None)
    finally:
        if store:
            store.close()
    if args.json:
        print(json.dumps({"schema": SCHEMA, "now": now.isoformat(), "last_scan": last,
                          "notes_waiting": {"count": waiting, "oldest": oldest.isoformat() if oldest else None},
                          "contracts": [f.to_json() for f in facts]}, ensure_ascii=False), flush=True)
        return 0
    lang = args.lang
    if last is None:
        print(_NO_SCAN[lang], flush=True)
    else:
        print_table(facts, last, now, lang)
    if waiting:
        print(_WAITING[lang].format(n=waiting, at=fmt_time(oldest, lang) if oldest else "?"), flush=True)
    return 0


_WAITING = {
    "ja": "未配信の通知が {n} 件あります（最も古いもの: {at}）。通知サービスが応答すると送られます"
          "（`cwwatch doctor` で確認できます）。",
    "en": "{n} notification(s) not delivered yet (oldest: {at}). They go out when a notification service "
          "answers (`cwwatch doctor` checks).",
}


_HEAD = {
    "ja": ("クライアント", "案件", "状態", "仮払い", "返信待ち", "最終アクセス", "検収期限", "検知", "ミュート"),
    "en": ("Client", "Title", "Status", "Escrow", "Waiting since", "Last access", "Acceptance deadline",
           "Findings", "Mute"),
}
_URGENT = {"acceptance_overdue", "quiet_client", "escrow_missing"}


def row_cells(f: Facts, lang: str) -> list[str]:
    s, now, ja = f.state, f.now, lang == "ja"
    since = f.waiting_since
    waiting = "—" if since is None else (
        f"{fmt_short(since, now, lang)}（{f.waiting_business_days}営業日）" if ja
        else f"{fmt_short(since, now, lang)} ({plural(f.waiting_business_days or 0, 'business day')})")
    deadline = "—" if f.deadline is None else (
        f"{fmt_short(f.deadline, now, lang)}（{fmt_days_left(f.deadline, now, lang)}）" if ja
        else f"{fmt_short(f.deadline, now, lang)} ({fmt_days_left(f.deadline, now, lang)})")
    mute = "" if f.mute is None else mute_words(f.mute, f.waiting_since, now, lang)
    if f.mute is not None and f.mute.reason:
        mute += f"\n{f.mute.reason}"
    client = s.client_name
    if f.vetting is not None:
        client += f"\n{verdict_words(f.vetting.verdict, lang)}"
    return [client, f"{s.title}\n{s.contract_id}", status_word(s.status_label, s.stage, lang),
            escrow_word(s.escrow_deposited, lang), waiting, access_words(s.access, lang, now), deadline,
            "\n".join(f.rules()) or "—", mute]


def print_table(facts: list[Facts], last: dict[str, Any], now: datetime, lang: str) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(force_terminal=None, highlight=False)
    ja = lang == "ja"
    at = fmt_time(datetime.fromisoformat(last["at"]), lang)
    health = ("正常" if ja else "healthy") if last["healthy"] else (
        ("異常: " if ja else "unhealthy: ") + ", ".join(last["problems"]))
    if not facts:
        console.print(f"{_NO_CONTRACTS[lang]}（最終スキャン: {at}、{health}）" if ja
                      else f"{_NO_CONTRACTS[lang]} (last scan: {at}, {health})")
        return
    table = Table(title=(f"有効な契約（{fmt_time(now, lang)} 現在）" if ja
                         else f"Active contracts (as of {fmt_time(now, lang)})"),
                  caption=(f"最終スキャン: {at}（{health}）" if ja else f"Last scan: {at} ({health})"),
                  show_lines=True)
    for h in _HEAD[lang]:
        table.add_column(h, overflow="fold")
    for f in facts:
        cells = row_cells(f, lang)
        rules_txt = Text(cells[7])
        if f.findings:
            rules_txt.stylize("bold red" if _URGENT & set(f.rules()) else "yellow")
        mute_txt = Text(cells[8], style="cyan" if f.muted else "dim")
        style = "dim" if f.muted else None
        table.add_row(*cells[:7], rules_txt, mute_txt, style=style)
    if not console.is_terminal:  # a pipe or a file: as wide as the table needs, no wrapping
        console.width = max(console.measure(table, options=console.options.update(max_width=400)).maximum, 60)
    console.print(table)
    if any(f.findings for f in facts):
        legend = "; ".join(f"{r}: {RULE_LABELS[lang][r]}" for r in rules.RULES
                           if any(r in f.rules() for f in facts))
        console.print(legend, style="dim")
