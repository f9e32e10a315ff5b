"""The report (``cwwatch report``): a contract's facts, its timeline and the drafts that apply,
rendered as text, Markdown or a JSON-ready dict, in Japanese or English. Pure: no I/O, no clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watcher.models import VettingRecord
from watcher.report.drafts import Drafts
from watcher.report.history import Event, Facts
from watcher.report.words import (
    LANGS,
    RULE_LABELS,
    SCHEMA,
    access_text,
    access_words,
    delivery_words,
    escrow_word,
    fmt_days_left,
    fmt_interval,
    fmt_time,
    fmt_yen,
    mute_words,
    plural,
    status_word,
    verdict_words,
)

_WHO = {
    "ja": {"worker": "自分 → クライアント", "client": "クライアント → 自分", "system": "システム"},
    "en": {"worker": "me → client", "client": "client → me", "system": "site"},
}


def event_head(e: Event, lang: str) -> str:
    """What kind of event, in a few words."""
    ja = lang == "ja"
    if e.kind == "delivery":
        return "納品完了報告（自分 → クライアント）" if ja else "delivery report (me → client)"
    if e.kind in ("message", "system"):
        return _WHO[lang][e.who or "system"]
    if e.kind == "status":
        if e.previous is None:
            return "状態（初めて確認）" if ja else "status (first seen)"
        return "状態の変化" if ja else "status changed"
    if e.kind == "removed":
        return "メッセージが削除されていました" if ja else "a message was removed"
    return "クライアントの最終アクセス" if ja else "client's last access"


def event_body(e: Event, lang: str) -> str:
    ja = lang == "ja"
    if e.kind == "removed":
        when = fmt_time(datetime.fromisoformat(e.previous), lang) if e.previous else "?"
        who = _WHO[lang][e.who or "system"]
        if ja:
            return (f"{when} の {who} のメッセージがサイトに表示されなくなりました"
                    "（事務局による削除、または送信者による削除）")
        return f"the message of {when} ({who}) is no longer on the site (removed by the desk, or deleted by its sender)"
    if e.removed_at is not None:
        note = (f"（{fmt_time(e.removed_at, lang)} の時点で削除されていました）" if ja
                else f" (gone from the site as of {fmt_time(e.removed_at, lang)})")
        return e.text + note
    if e.kind == "status":
        return e.text if e.previous is None else f"{e.previous} → {e.text}"
    if e.kind == "access":
        if e.hidden:
            body = "非公開" if ja else "hidden"
        elif e.interval is not None:
            body = (f"{e.text}（{fmt_interval(e.interval, lang)} ごろ）" if ja
                    else f"{access_text(e.text, lang)}, so at some point {fmt_interval(e.interval, lang)}")
        else:
            body = e.text
        if e.seen > 1 and e.last_seen is not None:
            body += (f"［{e.seen}回確認、最後は{fmt_time(e.last_seen, lang)}］" if ja
                     else f" [seen {e.seen} times, last at {fmt_time(e.last_seen, lang)}]")
        return body
    return e.text


# -- the report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    facts: Facts
    timeline: Sequence[Event]
    drafts: Drafts

    def to_json(self, lang: str) -> dict[str, Any]:
        d = self.drafts
        return {
            "schema": SCHEMA,
            "lang": lang,
            "now": self.facts.now.isoformat(),
            "contract": self.facts.to_json(),
            "timeline": [e.to_json() for e in self.timeline],
            "findings": [f.to_json() for f in self.facts.findings],
            "notes": list(d.notes_for(lang)),
            "drafts": {"desk_inquiry": d.desk_inquiry, "contact_reminder": d.contact_reminder},
            "drafts_gloss": ({"desk_inquiry": d.desk_inquiry_en, "contact_reminder": d.contact_reminder_en}
                             if lang == "en" else None),
        }


_L = {
    "ja": {
        "contract": "契約", "client": "クライアント", "status": "状態", "escrow": "仮払い",
        "amount": "金額", "url": "URL", "now": "基準時刻", "waiting": "返信待ち",
        "access": "最終アクセス", "deadline": "検収期限（納品から1週間）", "delivered": "納品",
        "mute": "ミュート", "inactive": "（有効な契約一覧にありません）",
        "timeline": "経緯（日本時間）", "empty": "（記録がありません）",
        "findings": "未対応の検知", "notes": "注意", "none": "なし",
        "desk": "事務局への問い合わせ（下書き）", "reminder": "連絡催促の理由（下書き）",
        "desk_where": "送り先: ヘルプページのお問い合わせフォーム（事務局）",
        "reminder_where": "依頼先: 契約ページの「契約相手と連絡とれない場合はこちら」",
        "not_applicable": "今は該当しません。",
    },
    "en": {
        "contract": "Contract", "client": "Client", "status": "Status", "escrow": "Escrow",
        "amount": "Amount", "url": "URL", "now": "As of", "waiting": "Waiting for a reply since",
        "access": "Last access", "deadline": "Acceptance deadline (delivery + 1 week)", "delivered": "Delivered",
        "mute": "Mute", "inactive": "(no longer on the active contracts list)",
        "timeline": "Timeline (Japan time)", "empty": "(nothing recorded)",
        "findings": "Open findings", "notes": "Notes", "none": "none",
        "desk": "Inquiry to the support desk (事務局), draft",
        "reminder": "Reason for a contact reminder (連絡催促), draft",
        "desk_where": "Send it through the help inquiry form (お問い合わせフォーム) to the desk.",
        "reminder_where": "Request it from the contract page: 「契約相手と連絡とれない場合はこちら」.",
        "not_applicable": "Does not apply now.",
        "gloss": "English gloss (for your understanding; send the Japanese above)",
    },
}


def _verdict_lines(v: VettingRecord, lang: str) -> list[str]:
    """The client's verdict as the timeline opens with it: the summary and the heaviest reasons."""
    head = v.summary if lang == "ja" else f"(vetted when the contract first appeared) {v.summary}"
    return [head] + [f"・{s['message']}（{s['evidence']}）" for s in v.signals[:3]]


def _head_lines(r: Report, lang: str) -> list[tuple[str, str]]:
    f, s, L = r.facts, r.facts.state, _L[lang]
    rows = [
        (L["client"], f"{s.client_name}（ID {s.client_id}）" if lang == "ja"
         else f"{s.client_name} (ID {s.client_id})"),
        (L["status"], status_word(s.status_label, s.stage, lang)),
        (L["escrow"], escrow_word(s.escrow_deposited, lang)),
        (L["amount"], fmt_yen(f.amount, lang)),
        (L["url"], f.url),
        (L["now"], fmt_time(f.now, lang)),
    ]
    since = f.waiting_since
    if since is not None:
        n = f.waiting_business_days
        rows.append((L["waiting"], f"{fmt_time(since, lang)}（{n}営業日）" if lang == "ja"
                     else f"{fmt_time(since, lang)} ({plural(n or 0, 'business day')})"))
    rows.append((L["access"], access_words(s.access, lang)))
    if f.deadline is not None and f.delivered_at is not None:
        rows.append((L["delivered"], delivery_words(f.delivered_at, f.delivery_basis, lang)))
        rows.append((L["deadline"], f"{fmt_time(f.deadline, lang)}（{fmt_days_left(f.deadline, f.now, lang)}）"
                     if lang == "ja" else f"{fmt_time(f.deadline, lang)} ({fmt_days_left(f.deadline, f.now, lang)})"))
    if f.mute is not None:
        m = mute_words(f.mute, f.waiting_since, f.now, lang)
        if f.mute.reason:
            m += f"（メモ: {f.mute.reason}）" if lang == "ja" else f" (note: {f.mute.reason})"
        rows.append((L["mute"], m))
    return rows


def _title(r: Report, lang: str) -> str:
    s = r.facts.state
    tail = "" if r.facts.active else " " + _L[lang]["inactive"]
    if lang == "ja":
        return f"契約 {s.contract_id}「{s.title}」{tail}"
    return f"Contract {s.contract_id}: {s.title}{tail}"


_CUT_START = {"ja": "-" * 20 + " ここから " + "-" * 20, "en": "-" * 20 + " copy from here " + "-" * 20}
_CUT_END = {"ja": "-" * 20 + " ここまで " + "-" * 20, "en": "-" * 20 + " copy up to here " + "-" * 20}


def render_text(r: Report, lang: str) -> str:
    L, d = _L[lang], r.drafts
    out = [_title(r, lang)]
    width = max(len(k) for k, _ in _head_lines(r, lang))
    pad = (lambda k: k + "：") if lang == "ja" else (lambda k: f"{k + ':':<{width + 1}}")
    out += [f"  {pad(k)} {v}" if lang == "en" else f"  {pad(k)}{v}" for k, v in _head_lines(r, lang)]
    out += ["", f"■ {L['timeline']}"]
    v = r.facts.vetting
    if v is not None:
        out.append(f"  {fmt_time(v.vetted_at, lang)}  {verdict_words(v.verdict, lang)}")
        out += [f"      {line}" for line in _verdict_lines(v, lang)]
    if not r.timeline and v is None:
        out.append("  " + L["empty"])
    for e in r.timeline:
        out.append(f"  {fmt_time(e.at, lang)}  {event_head(e, lang)}")
        out += [f"      {line}" for line in event_body(e, lang).splitlines() or [""]]
    out += ["", f"■ {L['findings']}"]
    if not r.facts.findings:
        out.append(f"  {L['none']}")
    for f in r.facts.findings:
        out.append(f"  - [{f.rule}] {RULE_LABELS[lang].get(f.rule, f.rule)}")
        if lang == "ja":
            out.append(f"      {f.message}")
    notes = d.notes_for(lang)
    if notes:
        out += ["", f"■ {L['notes']}"] + [f"  - {n}" for n in notes]
    for key, text, gloss, where in (("desk", d.desk_inquiry, d.desk_inquiry_en, "desk_where"),
                                    ("reminder", d.contact_reminder, d.contact_reminder_en, "reminder_where")):
        out += ["", f"■ {L[key]}"]
        if text is None:
            out.append("  " + L["not_applicable"])
            continue
        out += [f"  {L[where]}", _CUT_START[lang], text, _CUT_END[lang]]
        if lang == "en" and gloss:
            out += [f"  {L['gloss']}:", "", *(f"  {line}" if line else "" for line in gloss.splitlines())]
    return "\n".join(out) + "\n"


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def _md(s: str) -> str:
    return s.translate(_MD_SPECIAL)


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in ``text``."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def render_md(r: Report, lang: str) -> str:
    L, d = _L[lang], r.drafts
    out = [f"# {_md(_title(r, lang))}", ""]
    out += [f"- **{k}**: {_md(v) if k != L['url'] else '<' + v + '>'}" for k, v in _head_lines(r, lang)]
    out += ["", f"## {L['timeline']}", ""]
    v = r.facts.vetting
    if v is not None:
        lines = _verdict_lines(v, lang)
        out.append(f"- **{fmt_time(v.vetted_at, lang)}** {_md(verdict_words(v.verdict, lang))}: {_md(lines[0])}")
        out += [f"  {_md(line)}" for line in lines[1:]]
    if not r.timeline and v is None:
        out.append(L["empty"])
    for e in r.timeline:
        lines = event_body(e, lang).splitlines() or [""]
        out.append(f"- **{fmt_time(e.at, lang)}** {_md(event_head(e, lang))}: {_md(lines[0])}")
        out += [f"  {_md(line)}" for line in lines[1:]]
    out += ["", f"## {L['findings']}", ""]
    out += [f"- `{f.rule}` {_md(RULE_LABELS[lang].get(f.rule, f.rule))}"
            + (f": {_md(f.message)}" if lang == "ja" else "") for f in r.facts.findings] or [L["none"]]
    notes = d.notes_for(lang)
    if notes:
        out += ["", f"## {L['notes']}", ""] + [f"- {_md(n)}" for n in notes]
    for key, text, gloss, where in (("desk", d.desk_inquiry, d.desk_inquiry_en, "desk_where"),
                                    ("reminder", d.contact_reminder, d.contact_reminder_en, "reminder_where")):
        out += ["", f"## {L[key]}", ""]
        if text is None:
            out.append(L["not_applicable"])
            continue
        out += [_md(L[where]), "", _fence(text) + "text", text, _fence(text)]
        if lang == "en" and gloss:
            out += ["", f"{L['gloss']}:", "", _fence(gloss) + "text", gloss, _fence(gloss)]
    return "\n".join(out) + "\n"


def render(r: Report, lang: str, fmt: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    if fmt == "json":
        return json.dumps(r.to_json(lang), ensure_ascii=False, indent=2) + "\n"
    if fmt == "md":
        return render_md(r, lang)
    if fmt == "text":
        return render_text(r, lang)
    raise ValueError(f"unknown format {fmt!r}")
