"""Drafted texts the worker can send, and when each applies. Pure: no I/O, no clock.

Two drafts, both in polite Japanese (what the worker sends), each with an English gloss for
``cwwatch report --lang en`` (for the worker's understanding only: the desk reads Japanese):

- **desk_inquiry** (事務局への問い合わせ): when the acceptance week is over: the status is a
  delivered one (納品済み, 納品完了, 検収中), the latest delivery report (納品完了報告) is at least
  ``policy.acceptance_days`` (7) days old, and the contract is still on the active list. It cites
  利用規約第9条第3項 (no acceptance result within one week of delivery → deemed accepted) with the
  delivery date, the dates of the worker's messages since, the date the week ran out and the
  client's observed access since the delivery, and asks the desk to apply it. Applying it is at
  the desk's discretion; the worker sends it through the help inquiry form.
- **contact_reminder** (連絡催促の理由): while the 連絡催促 window is open, and a reply is awaited
  long enough to be a finding: the wait reached ``policy.quiet_business_days`` business days, or
  the acceptance week ends within ``policy.due_warning_days`` days. The window closes one week
  after the delivery (the same moment the acceptance week ends); before any delivery it is open.
  When a reply is awaited and the window has closed, a note says so (and points to the desk).

Notes (Japanese and English) say what the drafts cannot: a client message after the delivery
that may be an acceptance result, a delivered status without a delivery report in the thread, a
contract no longer on the active list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from watcher.decide.bizdays import add_business_days, business_days_between
from watcher.decide.rules import Policy, waited_since
from watcher.jptime import format_jst
from watcher.models import AccessSeen, ContractState, Message, Sender, Stage
from watcher.report.history import access_events, delivery_anchor
from watcher.report.words import access_text, fmt_time, plural

MAX_ACCESS_LINES = 5  # the desk needs evidence, not a log
DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Situation:
    """What the drafts depend on, computed once."""

    active: bool  # on the active contracts list
    finished: bool
    delivered_at: datetime | None  # the latest delivery report, while the status is delivered
    deadline: datetime | None  # the acceptance week ends; the 連絡催促 window closes
    waiting_since: datetime | None  # my first message after the client's last one
    waiting_days: int  # business days waited (0 when not waiting)
    waiting_due: bool  # waited at least the quiet threshold
    due_soon: bool  # the acceptance week ends within the warning days (not yet over)
    overdue: bool  # the acceptance week is over
    delivery_missing: bool  # a delivered status, but no delivery report in the thread

    @property
    def window_open(self) -> bool:
        """The 連絡催促 window: open until one week after delivery (open before any delivery)."""
        return self.deadline is None or not self.overdue

    @property
    def desk_applies(self) -> bool:
        return self.active and not self.finished and self.overdue

    @property
    def reminder_applies(self) -> bool:
        return (self.active and not self.finished and self.window_open and self.waiting_since is not None
                and (self.waiting_due or self.due_soon))


def situation(state: ContractState, now: datetime, policy: Policy = DEFAULT_POLICY, active: bool = True) -> Situation:
    delivered = delivery_anchor(state)
    deadline = delivered + timedelta(days=policy.acceptance_days) if delivered else None
    since = waited_since(state.messages)
    due = since is not None and now >= add_business_days(since, policy.quiet_business_days, policy.year_end_break)
    overdue = deadline is not None and now >= deadline
    return Situation(
        active=active,
        finished=state.stage is Stage.FINISHED,
        delivered_at=delivered,
        deadline=deadline,
        waiting_since=since,
        waiting_days=business_days_between(since, now, policy.year_end_break) if since else 0,
        waiting_due=due,
        due_soon=(deadline is not None and not overdue
                  and now >= deadline - timedelta(days=policy.due_warning_days)),
        overdue=overdue,
        delivery_missing=state.stage.delivered and state.delivered_at is None,
    )


@dataclass(frozen=True)
class Drafts:
    situation: Situation
    desk_inquiry: str | None  # Japanese: what to send to the desk
    contact_reminder: str | None  # Japanese: the reason to give with a 連絡催促
    desk_inquiry_en: str | None  # English gloss of desk_inquiry
    contact_reminder_en: str | None
    notes: tuple[str, ...] = ()
    notes_en: tuple[str, ...] = ()

    def notes_for(self, lang: str) -> tuple[str, ...]:
        return self.notes if lang == "ja" else self.notes_en


def _d(t: datetime) -> str:
    return format_jst(t)


def _after(messages: Sequence[Message], t: datetime, sender: Sender, kinds: tuple[str, ...]) -> list[datetime]:
    return [m.sent_at for m in messages if m.sender is sender and m.kind in kinds and m.sent_at > t]


@dataclass(frozen=True)
class _Access:
    """What the observations say about the client's visits after a moment."""

    after: list[AccessSeen]  # observations showing a visit certainly after it (one per visit)
    latest: AccessSeen | None  # the latest observation
    hidden: bool  # the latest observation found the last access hidden


def _access_since(accesses: Sequence[AccessSeen], t: datetime) -> _Access:
    obs = sorted(accesses, key=lambda a: a.observed_at)
    firsts = {e.at for e in access_events(obs)}  # the first observation of each visit
    after = [a for a in obs if a.observed_at in firsts and a.interval is not None and a.interval.earliest > t]
    latest = obs[-1] if obs else None
    return _Access(after[-MAX_ACCESS_LINES:], latest, latest is not None and latest.interval is None)


def _seen_line(a: AccessSeen, lang: str) -> str:
    if lang == "ja":
        return f"{_d(a.observed_at)} 時点の最終アクセス: {a.text}"
    return f"last access as of {fmt_time(a.observed_at, 'en')}: {access_text(a.text, 'en')}"


# -- 事務局への問い合わせ ---------------------------------------------------------------------------


def _desk(state: ContractState, s: Situation, acc: _Access, url: str, lang: str) -> str:
    assert s.delivered_at is not None and s.deadline is not None
    ja = lang == "ja"
    earlier = [m.sent_at for m in state.messages
               if m.sender is Sender.WORKER and m.kind == "delivery" and m.sent_at < s.delivered_at]
    mine = _after(state.messages, s.delivered_at, Sender.WORKER, ("message", "delivery"))
    t = (lambda x: _d(x)) if ja else (lambda x: fmt_time(x, "en"))
    sep = "、" if ja else ", "

    if ja:
        lines = [
            f"件名: 検収が行われない契約について（利用規約第9条第3項の適用のお願い・契約ID {state.contract_id}）",
            "",
            "クラウドワークス事務局 御中",
            "",
            "いつもお世話になっております。",
            "下記の契約について、納品から1週間が過ぎてもクライアント様から検収結果のご連絡がないため、ご相談いたします。",
            "",
            f"・契約: {state.title}（契約ID: {state.contract_id}）",
            f"・契約ページ: {url}",
            f"・クライアント: {state.client_name} 様",
            f"・納品完了報告: {t(s.delivered_at)}"
            + (f"（これ以前の納品: {sep.join(map(t, earlier))}）" if earlier else ""),
            f"・検収期間（納品から1週間）の終了: {t(s.deadline)}",
        ]
        if mine:
            lines.append(f"・納品後に当方からお送りしたメッセージ: {sep.join(map(t, mine))}")
        if len(acc.after) == 1:
            lines.append(f"・クライアント様の最終アクセス（当方で確認したもの）: {_seen_line(acc.after[0], 'ja')}")
        elif acc.after:
            lines.append("・クライアント様の最終アクセス（当方で確認したもの）:")
            lines += [f"　　{_seen_line(a, 'ja')}" for a in acc.after]
        elif acc.hidden:
            lines.append("・クライアント様の最終アクセス: 非公開のため確認できません")
        elif acc.latest is not None:
            lines.append(f"・クライアント様の最終アクセス: 納品後のアクセスは確認できていません"
                         f"（{_seen_line(acc.latest, 'ja')}）")
        lines += [
            "",
            "利用規約第9条第3項では、納品後1週間以内に正当な理由なく検収結果の通知がない場合、"
            "検収に合格したものとみなすと定められています。",
            ("クライアント様は納品後もサイトにアクセスされているようですが、検収結果のご連絡はいただけておりません。"
             if acc.after else "現在まで、クライアント様から検収結果のご連絡はいただけておりません。"),
            "",
            "つきましては、同項を適用し、本契約の検収を完了していただけますようお願い申し上げます。",
            "お手数をおかけいたしますが、ご確認のほどよろしくお願いいたします。",
        ]
        return "\n".join(lines)

    lines = [
        f"Subject: A contract that is not being accepted (request to apply Article 9(3) of the terms; "
        f"contract ID {state.contract_id})",
        "",
        "To the CrowdWorks support desk,",
        "",
        "Thank you for your continued support.",
        "One week has passed since I delivered the work under the contract below, and the client has not "
        "notified me of the acceptance result, so I am writing to ask for your help.",
        "",
        f"- Contract: {state.title} (contract ID: {state.contract_id})",
        f"- Contract page: {url}",
        f"- Client: {state.client_name}",
        f"- Delivery report: {t(s.delivered_at)}"
        + (f" (earlier deliveries: {sep.join(map(t, earlier))})" if earlier else ""),
        f"- End of the acceptance period (one week after delivery): {t(s.deadline)}",
    ]
    if mine:
        lines.append(f"- Messages I sent after the delivery: {sep.join(map(t, mine))}")
    if len(acc.after) == 1:
        lines.append(f"- The client's last access (as I observed it): {_seen_line(acc.after[0], 'en')}")
    elif acc.after:
        lines.append("- The client's last access (as I observed it):")
        lines += [f"    {_seen_line(a, 'en')}" for a in acc.after]
    elif acc.hidden:
        lines.append("- The client's last access: hidden, so I cannot tell")
    elif acc.latest is not None:
        lines.append("- The client's last access: no visit since the delivery observed "
                     f"({_seen_line(acc.latest, 'en')})")
    lines += [
        "",
        "Article 9(3) of the terms of use provides that if the client does not notify the acceptance result "
        "within one week of delivery without a reasonable cause, the delivery is deemed accepted.",
        ("The client seems to keep visiting the site since the delivery, yet has not told me the result."
         if acc.after else "To date, the client has not told me the acceptance result."),
        "",
        "I therefore ask you to apply that provision and complete the acceptance of this contract.",
        "Thank you for your time and help.",
    ]
    return "\n".join(lines)


# -- 連絡催促の理由 -------------------------------------------------------------------------------


def _reminder(state: ContractState, s: Situation, accesses: Sequence[AccessSeen], lang: str) -> str:
    assert s.waiting_since is not None
    ja = lang == "ja"
    t = (lambda x: _d(x)) if ja else (lambda x: fmt_time(x, "en"))
    sep = "、" if ja else ", "
    since = s.waiting_since
    anchor = s.delivered_at if s.delivered_at is not None else since
    later = _after(state.messages, anchor, Sender.WORKER, ("message", "delivery"))
    acc = _access_since(accesses, since)
    out: list[str] = []
    if s.delivered_at is not None:
        out.append(f"{t(s.delivered_at)}に納品完了報告をいたしましたが、検収のご連絡をいただけておりません"
                   f"（検収期間は{t(s.deadline)}までです）。" if ja else  # type: ignore[arg-type]
                   f"I reported the delivery on {t(s.delivered_at)}, but have had no word on acceptance "
                   f"(the acceptance period ends {t(s.deadline)}).")  # type: ignore[arg-type]
        if later:
            out.append(f"その後も{sep.join(map(t, later))}にご連絡しています。" if ja
                       else f"I have written since, on {sep.join(map(t, later))}.")
    else:
        out.append(f"{t(since)}にお送りしたメッセージに、{s.waiting_days}営業日ご返信がありません。" if ja
                   else f"My message of {t(since)} has had no reply for {plural(s.waiting_days, 'business day')}.")
        if later:
            out.append(f"その後も{sep.join(map(t, later))}にご連絡しています。" if ja
                       else f"I have written again since, on {sep.join(map(t, later))}.")
    if acc.after:
        a = acc.after[-1]
        out.append(f"クライアント様はその後もサイトにアクセスされています（{_seen_line(a, 'ja')}）。" if ja
                   else f"The client has visited the site since ({_seen_line(a, 'en')}).")
    elif acc.hidden:
        out.append("クライアント様の最終アクセスは非公開のため、ご覧いただけているか分かりません。" if ja
                   else "The client hides their last access, so I cannot tell whether they have seen it.")
    elif acc.latest is not None and acc.latest.interval is not None and acc.latest.interval.latest < since:
        out.append(f"クライアント様はその後サイトにアクセスされていないようです（{_seen_line(acc.latest, 'ja')}）。"
                   if ja else f"The client seems not to have visited the site since ({_seen_line(acc.latest, 'en')}).")
    if s.delivered_at is not None:
        out.append("検収を進めていただけるよう、クライアント様へご連絡をお促しいただけますと幸いです。" if ja
                   else "I would be grateful if you could prompt the client to proceed with acceptance.")
    else:
        out.append("業務を進めるためにご回答が必要ですので、クライアント様へご連絡をお促しいただけますと幸いです。"
                   if ja
                   else "I need an answer to go on with the work; I would be grateful if you could prompt "
                        "the client to reply.")
    return ("" if ja else " ").join(out)


# -- notes ---------------------------------------------------------------------------------------


def _notes(state: ContractState, s: Situation) -> tuple[tuple[str, ...], tuple[str, ...]]:
    ja: list[str] = []
    en: list[str] = []
    if not s.active:
        ja.append("この契約は有効な契約の一覧にありません（終了した可能性があります）。下書きは作りません。")
        en.append("This contract is no longer on the active contracts list (it may have ended): no drafts.")
        return tuple(ja), tuple(en)
    if s.finished:
        return tuple(ja), tuple(en)
    if s.delivery_missing:
        ja.append("状態は納品済みですが、スレッドに納品完了報告が見つかりません（古いメッセージが折りたたまれている"
                  "可能性があります）。検収期限と連絡催促の受付期間を計算できません。")
        en.append("The status is a delivered one, but no delivery report was found in the thread (older "
                  "messages may be folded): the acceptance deadline and the contact-reminder window are unknown.")
    if s.desk_applies and s.delivered_at is not None:
        replies = _after(state.messages, s.delivered_at, Sender.CLIENT, ("message", "delivery"))
        if replies:
            dates = "、".join(map(_d, replies))
            ja.append(f"納品後にクライアントからのメッセージがあります（{dates}）。検収結果（不合格・修正依頼など）の"
                      "通知でないか確かめてから事務局に送ってください。")
            en.append(f"The client wrote after the delivery ({', '.join(fmt_time(r, 'en') for r in replies)}). "
                      "Check that it was not an acceptance result (a rejection or a revision request) before "
                      "writing to the desk.")
    if s.waiting_since is not None and not s.window_open and s.deadline is not None:
        ja.append(f"返信を待っていますが、連絡催促の受付期間（納品から1週間、{_d(s.deadline)}まで）は終わっています。"
                  + ("事務局への問い合わせ（下書きあり）を使ってください。" if s.desk_applies else ""))
        en.append(f"A reply is awaited, but the contact-reminder (連絡催促) window closed one week after the "
                  f"delivery, at {fmt_time(s.deadline, 'en')}."
                  + (" Use the inquiry to the desk (drafted below)." if s.desk_applies else ""))
    if s.reminder_applies:
        until = f"（{_d(s.deadline)}まで）" if s.deadline else ""
        ja.append(f"連絡催促は契約ページの「契約相手と連絡とれない場合はこちら」から依頼できます{until}。"
                  "事務局の確認に2営業日ほどかかり、その後クライアントにメールとサイト上で連絡されます。")
        en.append("You can request a contact reminder from the contract page (「契約相手と連絡とれない場合はこちら」)"
                  + (f" until {fmt_time(s.deadline, 'en')}" if s.deadline else "")
                  + ". The desk reviews it within about two business days, then prompts the client by mail "
                    "and on the site.")
    if s.desk_applies:
        ja.append("事務局へはヘルプページのお問い合わせフォームから送ります。第9条第3項を適用するかは事務局の判断です。")
        en.append("Send the inquiry through the help page's inquiry form. Whether to apply Article 9(3) is "
                  "at the desk's discretion.")
    return tuple(ja), tuple(en)


def make(state: ContractState, now: datetime, policy: Policy = DEFAULT_POLICY, accesses: Sequence[AccessSeen] = (),
         url: str = "", active: bool = True) -> Drafts:
    """The drafts that apply to ``state`` at ``now``; ``accesses`` are the client's observations."""
    s = situation(state, now, policy, active)
    desk = desk_en = rem = rem_en = None
    if s.desk_applies:
        acc = _access_since(accesses, s.delivered_at)  # type: ignore[arg-type]
        desk, desk_en = _desk(state, s, acc, url, "ja"), _desk(state, s, acc, url, "en")
    if s.reminder_applies:
        rem, rem_en = _reminder(state, s, accesses, "ja"), _reminder(state, s, accesses, "en")
    notes, notes_en = _notes(state, s)
    return Drafts(s, desk, rem, desk_en, rem_en, notes, notes_en)
