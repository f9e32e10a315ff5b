"""A contract's history for people: events in time order, the facts ``status`` shows, and the
report (``cwwatch report``) rendered as text, Markdown or a JSON-ready dict, in Japanese or English.

Pure: no I/O, no browser, no clock (``now`` is always given). The CLI modules read the store and
print what these functions return.

- **Timeline**: messages in and out (with who), deliveries (納品完了報告), status changes, and the
  client's last-access observations. Observations that agree on the same visit (their intervals
  overlap) are merged into one event with a count, so a daemon scanning every half hour does not
  bury the thread under identical 「約2時間前」 lines; a new visit, or the client hiding their last
  access, starts a new event.
- **Times** are Japan time: ``format_jst`` (``2026年11月20日 10:00``) in Japanese,
  ``2026-11-20 10:00 JST`` in English.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from watcher.bizdays import business_days_between
from watcher.jptime import JST, format_jst, normalize
from watcher.models import Finding, Interval, Message, Sender, Stage
from watcher.rules import AccessSeen, ContractState, waited_since

if TYPE_CHECKING:
    from watcher.drafts import Drafts

LANGS = ("ja", "en")
FORMATS = ("text", "md", "json")
SCHEMA = 1

# -- words -------------------------------------------------------------------------------------

RULE_LABELS: dict[str, dict[str, str]] = {
    "ja": {
        "quiet_client": "返信なし（ログインあり）",
        "client_away": "返信なし（不在）",
        "no_reply": "返信なし",
        "acceptance_due": "検収期限が近い",
        "acceptance_overdue": "検収期限切れ",
        "escrow_missing": "仮払い待ち",
    },
    "en": {
        "quiet_client": "no reply, yet the client logs in",
        "client_away": "no reply, the client is away",
        "no_reply": "no reply (last access hidden or unclear)",
        "acceptance_due": "acceptance period ends soon",
        "acceptance_overdue": "acceptance period is over: ask the desk to apply Art. 9(3)",
        "escrow_missing": "escrow not deposited: do not start",
    },
}

STAGE_EN = {
    Stage.AWAITING_ESCROW: "awaiting escrow",
    Stage.IN_PROGRESS: "in progress",
    Stage.DELIVERED: "delivered",
    Stage.IN_ACCEPTANCE: "in acceptance",
    Stage.ENDING: "early end requested",
    Stage.FINISHED: "finished",
}


def fmt_time(t: datetime, lang: str) -> str:
    """A moment in Japan time: ``2026年11月20日 10:00`` or ``2026-11-20 10:00 JST``."""
    if lang == "ja":
        return format_jst(t)
    return t.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")


def fmt_date(t: datetime, lang: str) -> str:
    if lang == "ja":
        return format_jst(t, with_time=False)
    return t.astimezone(JST).strftime("%Y-%m-%d")


def fmt_short(t: datetime, now: datetime, lang: str) -> str:
    """A compact moment for tables: ``11/06 10:00`` this year, ``2025/11/06 10:00`` otherwise."""
    j, n = t.astimezone(JST), now.astimezone(JST)
    return j.strftime("%m/%d %H:%M" if j.year == n.year else "%Y/%m/%d %H:%M")


def fmt_interval(iv: Interval, lang: str) -> str:
    """When the client was on the site: ``2026年11月20日 07:00〜08:30``."""
    a, b = iv.earliest.astimezone(JST), iv.latest.astimezone(JST)
    tail = b.strftime("%H:%M") if a.date() == b.date() else fmt_time(b, lang).removesuffix(" JST")
    head = fmt_time(a, lang).removesuffix(" JST")
    return f"{head}〜{tail}" if lang == "ja" else f"{head}–{tail} JST"


_REL = re.compile(r"^(約|およそ)?\s*(\d+)\s*(秒|分|時間|日|週間|週|か月|ヶ月|ケ月|カ月|ヵ月|年)(前|以上前)?$")
_REL_UNITS = {"秒": "second", "分": "minute", "時間": "hour", "日": "day", "週間": "week", "週": "week",
              "年": "year"}


def relative_en(text: str) -> str:
    """「約2時間前」 as English (``about 2 hours ago``); a text it does not know, unchanged."""
    s = normalize(text)
    if s in ("たった今", "今"):
        return "just now"
    m = _REL.match(s)
    if not m:
        return text
    n = int(m[2])
    unit = _REL_UNITS.get(m[3], "month")
    return f"{'about ' if m[1] else ''}{n} {unit}{'s' if n != 1 else ''}{' ago' if m[4] else ''}"


def access_text(text: str | None, lang: str) -> str:
    """The site's last-access text, with its English reading in English."""
    if not text:
        return "不明" if lang == "ja" else "unknown"
    if lang == "ja":
        return text
    en = relative_en(text)
    return text if en == text else f"{en} ({text})"


def fmt_yen(amount: int | None, lang: str) -> str:
    if amount is None:
        return "不明" if lang == "ja" else "unknown"
    return f"{amount:,}円" if lang == "ja" else f"¥{amount:,}"


def escrow_word(escrow: bool | None, lang: str) -> str:
    if lang == "ja":
        return {True: "済み", False: "未入金", None: "不明"}[escrow]
    return {True: "deposited", False: "not deposited", None: "unknown"}[escrow]


def status_word(label: str, stage: Stage, lang: str) -> str:
    return label if lang == "ja" else f"{label} ({STAGE_EN.get(stage, str(stage))})"


def access_words(acc: AccessSeen | None, lang: str, now: datetime | None = None) -> str:
    """The last access as the site said it, with the time of that look (short with ``now``)."""
    if acc is None:
        return "未確認" if lang == "ja" else "not looked up"
    hidden = "非公開" if lang == "ja" else "hidden"
    what = hidden if acc.interval is None else access_text(acc.text, lang)
    at = fmt_short(acc.observed_at, now, lang) if now else fmt_time(acc.observed_at, lang)
    return f"{what}（{at} 時点）" if lang == "ja" else f"{what}, as of {at}"


def days_left(deadline: datetime, now: datetime) -> tuple[int, bool]:
    """Whole days left before ``deadline`` (False), or whole days past it (True)."""
    delta = deadline - now
    if delta >= timedelta(0):
        return delta // timedelta(days=1), False
    return (-delta) // timedelta(days=1), True


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def fmt_days_left(deadline: datetime, now: datetime, lang: str) -> str:
    n, over = days_left(deadline, now)
    if lang == "ja":
        if over:
            return f"{n}日超過" if n else "期限切れ"
        return f"あと{n}日" if n else "あと1日未満"
    if over:
        return f"{plural(n, 'day')} over" if n else "just over"
    return f"{plural(n, 'day')} left" if n else "less than a day left"


# -- mutes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mute:
    """A row of the ``mutes`` table, read back."""

    until: datetime | None  # None: until unmuted
    until_reply_since: datetime | None  # the wait it snoozes: the client's reply ends it
    reason: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Mute:
        """From a row of the ``mutes`` table."""

        def t(key: str) -> datetime | None:
            return datetime.fromisoformat(row[key]) if row[key] else None

        return cls(t("until"), t("until_reply_since"), row["reason"] or "", t("created_at"))  # type: ignore[arg-type]

    def active(self, waiting_since: datetime | None, now: datetime) -> bool:
        """Still holding: not past ``until``, and the wait it was set on has not been answered."""
        if self.until is not None and now >= self.until:
            return False
        return self.until_reply_since is None or waiting_since == self.until_reply_since

    def to_json(self, waiting_since: datetime | None, now: datetime) -> dict[str, Any]:
        return {
            "until": _iso(self.until),
            "until_reply_since": _iso(self.until_reply_since),
            "reason": self.reason,
            "created_at": _iso(self.created_at),
            "active": self.active(waiting_since, now),
        }

    def describe(self, waiting_since: datetime | None, now: datetime, lang: str) -> str:
        if not self.active(waiting_since, now):
            return "ミュート終了" if lang == "ja" else "mute ended"
        if lang == "ja":
            s = f"ミュート中（{fmt_time(self.until, lang)}まで）" if self.until else "ミュート中"
            return s + ("・返信で解除" if self.until_reply_since else "")
        s = f"muted until {fmt_time(self.until, lang)}" if self.until else "muted"
        return s + (", ends on reply" if self.until_reply_since else "")


# -- the facts of one contract (status rows, the report's head) -------------------------------


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def delivery_anchor(state: ContractState) -> datetime | None:
    """The latest delivery report while the status is a delivered one: the week runs from it."""
    return state.delivered_at if state.stage.delivered else None


@dataclass(frozen=True)
class Facts:
    state: ContractState
    now: datetime
    url: str
    amount: int | None = None
    active: bool = True
    findings: tuple[Finding, ...] = ()
    mute: Mute | None = None
    acceptance_days: int = 7
    year_end_break: bool = False

    @property
    def waiting_since(self) -> datetime | None:
        return waited_since(self.state.messages)

    @property
    def waiting_business_days(self) -> int | None:
        since = self.waiting_since
        return None if since is None else business_days_between(since, self.now, self.year_end_break)

    @property
    def delivered_at(self) -> datetime | None:
        return delivery_anchor(self.state)

    @property
    def deadline(self) -> datetime | None:
        d = self.delivered_at
        return d + timedelta(days=self.acceptance_days) if d else None

    @property
    def muted(self) -> bool:
        return self.mute is not None and self.mute.active(self.waiting_since, self.now)

    def rules(self) -> list[str]:
        return [f.rule for f in self.findings]

    def to_json(self) -> dict[str, Any]:
        s = self.state
        acc = s.access
        deadline = self.deadline
        left = days_left(deadline, self.now) if deadline else None
        return {
            "contract_id": s.contract_id,
            "title": s.title,
            "client_id": s.client_id,
            "client_name": s.client_name,
            "status_label": s.status_label,
            "stage": str(s.stage),
            "escrow_deposited": s.escrow_deposited,
            "amount": self.amount,
            "active": self.active,
            "url": self.url,
            "waiting_since": _iso(self.waiting_since),
            "waiting_business_days": self.waiting_business_days,
            "last_access": None if acc is None else {
                "text": acc.text,
                "hidden": acc.interval is None,
                "earliest": _iso(acc.interval.earliest) if acc.interval else None,
                "latest": _iso(acc.interval.latest) if acc.interval else None,
                "observed_at": _iso(acc.observed_at),
            },
            "delivered_at": _iso(self.delivered_at),
            "acceptance_deadline": _iso(deadline),
            "days_left": None if left is None else (-left[0] if left[1] else left[0]),
            "overdue": None if left is None else left[1],
            "findings": self.rules(),
            "mute": self.mute.to_json(self.waiting_since, self.now) if self.mute else None,
        }


# -- the timeline ------------------------------------------------------------------------------

_KIND_ORDER = {"system": 0, "message": 1, "delivery": 1, "status": 2, "access": 3}


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # "message", "delivery", "system", "status", "access"
    who: str | None  # "worker", "client", "system"; None for status and access
    text: str  # the body, the status label, or the last-access text ("" when hidden)
    previous: str | None = None  # status: the label before (None: first seen)
    interval: Interval | None = None  # access: when the client was last on the site
    hidden: bool = False  # access: the client hides their last access
    seen: int = 1  # access: how many observations agree on this visit
    last_seen: datetime | None = None  # access: the latest of those observations

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"at": self.at.isoformat(), "kind": self.kind, "who": self.who,
                               "text": self.text}
        if self.kind == "status":
            out["previous"] = self.previous
        if self.kind == "access":
            out |= {"hidden": self.hidden,
                    "earliest": _iso(self.interval.earliest) if self.interval else None,
                    "latest": _iso(self.interval.latest) if self.interval else None,
                    "observations": self.seen, "last_observed_at": _iso(self.last_seen)}
        return out


def access_events(accesses: Iterable[AccessSeen]) -> list[Event]:
    """Observations in time order, those that agree on one visit merged (see the module doc)."""
    out: list[Event] = []
    run: Interval | None = None  # what the merged observations jointly say
    for a in sorted(accesses, key=lambda x: x.observed_at):
        prev = out[-1] if out else None
        if prev is not None and prev.hidden and a.interval is None:
            out[-1] = _seen_again(prev, a)
            continue
        if prev is not None and not prev.hidden and a.interval is not None and run is not None:
            lo, hi = max(run.earliest, a.interval.earliest), min(run.latest, a.interval.latest)
            if lo <= hi:
                run = Interval(lo, hi)
                out[-1] = _seen_again(prev, a)
                continue
        run = a.interval
        out.append(Event(a.observed_at, "access", None, a.text or "", interval=a.interval,
                         hidden=a.interval is None, last_seen=a.observed_at))
    return out


def _seen_again(e: Event, a: AccessSeen) -> Event:
    return Event(e.at, e.kind, e.who, e.text, interval=e.interval, hidden=e.hidden, seen=e.seen + 1,
                 last_seen=a.observed_at)


def build_timeline(messages: Iterable[Message], statuses: Iterable[tuple[datetime, str]],
                   accesses: Iterable[AccessSeen]) -> list[Event]:
    events: list[Event] = []
    for m in messages:
        kind = "system" if m.sender is Sender.SYSTEM else ("delivery" if m.kind == "delivery" else "message")
        events.append(Event(m.sent_at, kind, str(m.sender), m.body))
    prev: str | None = None
    for at, label in statuses:
        if label != prev:
            events.append(Event(at, "status", None, label, previous=prev))
        prev = label
    events.extend(access_events(accesses))
    events.sort(key=lambda e: (e.at, _KIND_ORDER[e.kind]))  # stable: thread order within a minute
    return events


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
    return "クライアントの最終アクセス" if ja else "client's last access"


def event_body(e: Event, lang: str) -> str:
    ja = lang == "ja"
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
        "access": "最終アクセス", "deadline": "検収期限（納品から1週間）",
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
        "access": "Last access", "deadline": "Acceptance deadline (delivery + 1 week)",
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
    if f.deadline is not None:
        rows.append((L["deadline"], f"{fmt_time(f.deadline, lang)}（{fmt_days_left(f.deadline, f.now, lang)}）"
                     if lang == "ja" else f"{fmt_time(f.deadline, lang)} ({fmt_days_left(f.deadline, f.now, lang)})"))
    if f.mute is not None:
        m = f.mute.describe(f.waiting_since, f.now, lang)
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
    if not r.timeline:
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
    if not r.timeline:
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
