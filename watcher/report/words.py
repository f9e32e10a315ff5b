"""The words people read: rule labels, stages, times, amounts, last access, mutes, in Japanese or
English. Pure: no I/O, no clock (``now`` is always given).

- **Times** are Japan time: ``format_jst`` (``2026年11月20日 10:00``) in Japanese,
  ``2026-11-20 10:00 JST`` in English.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from watcher.jptime import JST, format_jst, normalize
from watcher.models import AccessSeen, Interval, Mute, Stage

LANGS = ("ja", "en")
FORMATS = ("text", "md", "json")
SCHEMA = 1

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


_VERDICT_WORDS = {
    "ja": {"ok": "審査: 問題なし", "caution": "審査: 注意", "warning": "審査: 要警戒"},
    "en": {"ok": "vetted: ok", "caution": "vetted: caution", "warning": "vetted: warning"},
}


def verdict_words(verdict: str, lang: str) -> str:
    """The client's verdict (``cwwatch vet``) in a few words: 「審査: 注意」."""
    return _VERDICT_WORDS[lang].get(verdict, verdict)


def status_word(label: str, stage: Stage, lang: str) -> str:
    return label if lang == "ja" else f"{label} ({STAGE_EN.get(stage, str(stage))})"


def access_words(acc: AccessSeen | None, lang: str, now: datetime | None = None) -> str:
    """The last access as the site said it, with the time of that look (short with ``now``)."""
    if acc is None:
        return "未確認" if lang == "ja" else "not looked up"
    if acc.interval is None and acc.text:  # a wording no rule reads: unknown, not hidden
        what = f"不明（「{acc.text}」）" if lang == "ja" else f"unknown ({acc.text!r} could not be read)"
    elif acc.interval is None:
        what = "非公開" if lang == "ja" else "hidden"
    else:
        what = access_text(acc.text, lang)
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


def mute_words(mute: Mute, waiting_since: datetime | None, now: datetime, lang: str) -> str:
    """A mute as a person reads it: 「ミュート中（…まで）・返信で解除」, ``muted until …``."""
    if not mute.active(waiting_since, now):
        return "ミュート終了" if lang == "ja" else "mute ended"
    if lang == "ja":
        s = f"ミュート中（{fmt_time(mute.until, lang)}まで）" if mute.until else "ミュート中"
        return s + ("・返信で解除" if mute.until_reply_since else "")
    s = f"muted until {fmt_time(mute.until, lang)}" if mute.until else "muted"
    return s + (", ends on reply" if mute.until_reply_since else "")


def delivery_words(at: datetime, basis: str | None, lang: str) -> str:
    """When the delivery was made, and how cwwatch knows (what the acceptance deadline counts from)."""
    t = fmt_time(at, lang)
    if lang == "ja":
        return {
            "marked": f"{t}（納品完了報告）",
            "move_seen": f"{t}（検収中になるまでに送った自分の最後のメッセージ）",
            "first_seen": f"遅くとも{t}（cwwatch が初めて検収中を見た時点までの自分の最後のメッセージ。"
                          "実際の納品はそれより前かもしれません）",
        }.get(basis or "", t)
    return {
        "marked": f"{t} (the delivery report)",
        "move_seen": f"{t} (my last message before the contract moved to acceptance)",
        "first_seen": f"{t} at the latest (my last message before cwwatch first saw the contract in "
                      "acceptance; the delivery may have been earlier)",
    }.get(basis or "", t)
