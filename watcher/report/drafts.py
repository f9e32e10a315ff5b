"""Drafted texts the worker can send, and when each applies. Pure: no I/O, no clock.

Two drafts, both in polite Japanese (what the worker sends), each with an English gloss for
``cwwatch --lang en report`` (for the worker's understanding only: the desk reads Japanese). Both
come from the same messages: the catalog's Japanese (``In("ja")``) and the English msgids
(``In("en")``), whatever language was chosen:

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

Neither states a guess as a fact (docs/rules.md, "When was it delivered?"): they name a delivery
date only when it is confirmed or bounded tightly by a seen move; otherwise they say what is
certain (「検収中となってから1週間以上」, 「遅くとも〇〇までに納品」), and when only a likely report's week
has passed, no inquiry is drafted: a note asks the person to confirm the delivery first.

Notes (in the language chosen) say what the drafts cannot: a client message after the delivery
that may be an acceptance result, a delivered status without a delivery report in the thread, a
contract no longer on the active list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from watcher.decide.bizdays import add_business_days, business_days_between
from watcher.decide.delivery import tight, week_end
from watcher.decide.rules import Policy, waited_since
from watcher.i18n import N_, In, _
from watcher.models import AccessSeen, ContractState, Delivery, Interval, Message, Sender, Stage
from watcher.phrases import fmt_interval
from watcher.report.history import access_events, open_delivery
from watcher.report.words import access_text, as_of, fmt_time, join_list, sentences

LANG = "ja"  # the drafts' own language: the desk reads Japanese
MAX_ACCESS_LINES = 5  # the desk needs evidence, not a log
DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Situation:
    """What the drafts depend on, computed once."""

    active: bool  # on the active contracts list
    finished: bool
    delivery: Delivery | None  # the open delivery episode, while the status is delivered
    delivered_at: datetime | None  # the delivery as a point (confirmed, else the likely report: a guess)
    named: bool  # a draft may name the delivery date: confirmed, or bounded tightly by a seen move
    deadline: datetime | None  # the acceptance week ends (confirmed or likely, else at the latest)
    certain_deadline: datetime | None  # the week has certainly ended by then
    waiting_since: datetime | None  # my first message after the client's last one
    waiting_days: int  # business days waited (0 when not waiting)
    waiting_due: bool  # waited at least the quiet threshold
    due_soon: bool  # the acceptance week ends within the warning days (not yet over)
    overdue: bool  # the acceptance week is over (by the likely report, or certainly)
    delivery_missing: bool  # a delivered status, but no delivery episode in the history

    @property
    def certainly_overdue(self) -> bool:
        return self.overdue and (self.named or self.deadline == self.certain_deadline)

    @property
    def to_confirm(self) -> bool:
        """Overdue only by a likely report: the person must confirm the delivery before the desk."""
        return self.active and not self.finished and self.overdue and not self.certainly_overdue

    @property
    def window_open(self) -> bool:
        """The 連絡催促 window: open until one week after delivery (open before any delivery)."""
        return self.deadline is None or not self.overdue

    @property
    def desk_applies(self) -> bool:
        return self.active and not self.finished and self.certainly_overdue

    @property
    def reminder_applies(self) -> bool:
        return (self.active and not self.finished and self.window_open and self.waiting_since is not None
                and (self.waiting_due or self.due_soon))


def situation(state: ContractState, now: datetime, policy: Policy = DEFAULT_POLICY, active: bool = True) -> Situation:
    d = open_delivery(state)
    deadline = certain = None
    if d is not None:
        _lo, likely, certain = week_end(d, policy.acceptance_days)
        deadline = likely if likely is not None else certain
        if now >= certain:  # the week has certainly passed: count from what is certain
            deadline = certain if not (d.confirmed or tight(d)) else deadline
    since = waited_since(state.messages)
    due = since is not None and now >= add_business_days(since, policy.quiet_business_days, policy.year_end_break)
    overdue = deadline is not None and now >= deadline
    return Situation(
        active=active,
        finished=state.stage is Stage.FINISHED,
        delivery=d,
        delivered_at=None if d is None else d.at,
        named=d is not None and tight(d),
        deadline=deadline,
        certain_deadline=certain,
        waiting_since=since,
        waiting_days=business_days_between(since, now, policy.year_end_break) if since else 0,
        waiting_due=due,
        due_soon=(deadline is not None and not overdue
                  and now >= deadline - timedelta(days=policy.due_warning_days)),
        overdue=overdue,
        delivery_missing=state.stage.delivered and d is None,
    )


@dataclass(frozen=True)
class Drafts:
    situation: Situation
    desk_inquiry: str | None  # Japanese: what to send to the desk
    contact_reminder: str | None  # Japanese: the reason to give with a 連絡催促
    desk_inquiry_en: str | None  # English gloss of desk_inquiry
    contact_reminder_en: str | None
    notes: tuple[str, ...] = ()  # for the worker, in the language chosen when they were made


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


def _seen(a: AccessSeen, tr: In) -> dict[str, str]:
    """An observation's fields for a message: ``time`` (of the look) and ``text`` (what it said)."""
    return {"time": fmt_time(a.observed_at, tr), "text": access_text(a.text, tr)}


def _seen_value(a: AccessSeen, tr: In) -> str:
    """An observation after a 「最終アクセス」 label: 「約2時間前（2026年11月20日 10:00 時点）」."""
    s = _seen(a, tr)
    return as_of(s["text"], s["time"], tr)


# -- 事務局への問い合わせ ---------------------------------------------------------------------------


def _named(s: Situation, tr: In) -> str | None:
    """The delivery date a draft may name: confirmed, or inside a tight seen move (its likely report,
    else the move's interval); None: the drafts say only what is certain."""
    d = s.delivery
    if d is None or not s.named:
        return None
    if d.at is not None:
        return fmt_time(d.at, tr)
    return fmt_interval(Interval(d.earliest, d.latest), tr)


def _anchor(s: Situation) -> datetime:
    """From when the drafts count "after the delivery": the named point, else the latest it can be."""
    assert s.delivery is not None
    return s.delivered_at if s.named and s.delivered_at is not None else s.delivery.latest


def _desk(state: ContractState, s: Situation, acc: _Access, url: str, tr: In) -> str:
    assert s.delivery is not None and s.deadline is not None
    named = _named(s, tr)
    anchor = _anchor(s)
    earlier = [m.sent_at for m in state.messages
               if m.sender is Sender.WORKER and m.kind == "delivery" and m.sent_at < anchor] if named else []
    mine = _after(state.messages, anchor, Sender.WORKER, ("message", "delivery"))

    def times(ts: list[datetime]) -> str:
        return join_list([fmt_time(x, tr) for x in ts], tr)

    cid = state.contract_id
    if named is not None:
        opening = tr(N_("One week has passed since I delivered the work under the contract below, and the client "
                        "has not notified me of the acceptance result, so I am writing to ask for your help."))
        delivered = (tr(N_("- Delivery report: {time} (earlier deliveries: {times})")).format(
            time=named, times=times(earlier)) if earlier else tr(N_("- Delivery report: {time}")).format(time=named))
        if (s.delivery.confirmed and not s.delivery.confirmed_key) or s.delivery.at is None:
            # a time the person gave, or a tight move's interval: no message to call the report
            delivered = tr(N_("- Delivery: {time}")).format(time=named)
        end = tr(N_("- End of the acceptance period (one week after delivery): {time}")).format(
            time=fmt_time(s.deadline, tr))
    else:
        opening = tr(N_("More than one week has passed since the contract below went into acceptance (検収中), and "
                        "the client has not notified me of the acceptance result, so I am writing to ask for your "
                        "help."))
        delivered = tr(N_("- Delivery: by {time} at the latest (the contract was in acceptance (検収中) then)")).format(
            time=fmt_time(s.delivery.latest, tr))
        end = tr(N_("- End of the acceptance period (one week after delivery): {time} at the latest")).format(
            time=fmt_time(s.deadline, tr))
    lines = [
        tr(N_("Subject: A contract that is not being accepted (request to apply Article 9(3) of the terms; "
              "contract ID {id})")).format(id=cid),
        "",
        tr(N_("To the CrowdWorks support desk,")),
        "",
        tr(N_("Thank you for your continued support.")),
        opening,
        "",
        tr(N_("- Contract: {title} (contract ID: {id})")).format(title=state.title, id=cid),
        tr(N_("- Contract page: {url}")).format(url=url),
        tr(N_("- Client: {name}")).format(name=state.client_name),
        delivered,
        end,
    ]
    if mine:
        lines.append(tr(N_("- Messages I sent after the delivery: {times}")).format(times=times(mine)))
    if len(acc.after) == 1:
        lines.append(tr(N_("- The client's last access (as I observed it): {seen}")).format(
            seen=_seen_value(acc.after[0], tr)))
    elif acc.after:
        lines.append(tr(N_("- The client's last access (as I observed it):")))
        # i18n: an item under the line above, indented
        lines += [tr(N_("    {item}")).format(item=_seen_value(a, tr)) for a in acc.after]
    elif acc.hidden:
        lines.append(tr(N_("- The client's last access: hidden, so I cannot tell")))
    elif acc.latest is not None:
        lines.append(tr(N_("- The client's last access: no visit since the delivery observed "
                           "(on {time} the profile said: {text})")).format(**_seen(acc.latest, tr)))
    lines += [
        "",
        tr(N_("Article 9(3) of the terms of use provides that if the client does not notify the acceptance result "
              "within one week of delivery without a reasonable cause, the delivery is deemed accepted.")),
        (tr(N_("The client seems to keep visiting the site since the delivery, yet has not told me the result."))
         if acc.after else tr(N_("To date, the client has not told me the acceptance result."))),
        "",
        tr(N_("I therefore ask you to apply that provision and complete the acceptance of this contract.")),
        tr(N_("Thank you for your time and help.")),
    ]
    return "\n".join(lines)


# -- 連絡催促の理由 -------------------------------------------------------------------------------


def _reminder(state: ContractState, s: Situation, accesses: Sequence[AccessSeen], tr: In) -> str:
    assert s.waiting_since is not None
    since = s.waiting_since
    anchor = _anchor(s) if s.delivery is not None else since
    later = join_list([fmt_time(x, tr) for x in _after(state.messages, anchor, Sender.WORKER,
                                                        ("message", "delivery"))], tr)
    acc = _access_since(accesses, since)
    out: list[str] = []
    named = _named(s, tr)
    if s.delivery is not None:
        assert s.deadline is not None
        if named is not None:
            out.append(tr(N_("I reported the delivery on {delivered}, but have had no word on acceptance "
                             "(the acceptance period ends {deadline}).")).format(
                delivered=named, deadline=fmt_time(s.deadline, tr)))
        else:
            out.append(tr(N_("I delivered the work by {latest} at the latest (the contract has been in acceptance "
                             "(検収中) since), but have had no word on acceptance.")).format(
                latest=fmt_time(s.delivery.latest, tr)))
        if later:
            out.append(tr(N_("I have written since, on {times}.")).format(times=later))
    else:
        out.append(tr.ngettext("My message of {since} has had no reply for {n} business day.",
                               "My message of {since} has had no reply for {n} business days.",
                               s.waiting_days).format(since=fmt_time(since, tr), n=s.waiting_days))
        if later:
            out.append(tr(N_("I have written again since, on {times}.")).format(times=later))
    if acc.after:
        out.append(tr(N_("The client has visited the site since (last access as of {time}: {text}).")).format(
            **_seen(acc.after[-1], tr)))
    elif acc.hidden:
        out.append(tr(N_("The client hides their last access, so I cannot tell whether they have seen it.")))
    elif acc.latest is not None and acc.latest.interval is not None and acc.latest.interval.latest < since:
        out.append(tr(N_("The client seems not to have visited the site since (last access as of {time}: "
                         "{text}).")).format(**_seen(acc.latest, tr)))
    if s.delivery is not None:
        out.append(tr(N_("I would be grateful if you could prompt the client to proceed with acceptance.")))
    else:
        out.append(tr(N_("I need an answer to go on with the work; I would be grateful if you could prompt "
                         "the client to reply.")))
    return sentences(out)


# -- notes ---------------------------------------------------------------------------------------


def _window_known(s: Situation) -> bool:
    """Whether the week's end (``s.deadline``) is known, not guessed: the delivery is named (confirmed,
    or tightly seen), or the deadline is the latest end (certain as a bound)."""
    return s.named or s.deadline == s.certain_deadline


def _window_end(s: Situation) -> str:
    """The 連絡催促 window's end as known (Japan time): a time when the delivery is named, 「〜ごろ」
    from a likely report (a guess), 「遅くとも〜」 when only the latest end is known."""
    assert s.deadline is not None
    if s.named:
        return fmt_time(s.deadline)
    if s.deadline != s.certain_deadline:
        return _("around {time}").format(time=fmt_time(s.deadline))
    return _("{time} at the latest").format(time=fmt_time(s.deadline))


def _notes(state: ContractState, s: Situation) -> tuple[str, ...]:
    """What the drafts cannot say, for the worker (in the language chosen)."""
    out: list[str] = []
    if not s.active:
        out.append(_("This contract is no longer on the active contracts list (it may have ended): no drafts."))
        return tuple(out)
    if s.finished:
        return tuple(out)
    if s.delivery_missing:
        out.append(_("The status is a delivered one, but no delivery report was found in the thread (older "
                     "messages may be folded): the acceptance deadline and the contact-reminder window are "
                     "unknown."))
    if s.to_confirm and s.delivery is not None and s.delivered_at is not None:
        out.append(_("The acceptance week has passed if the delivery was your message of {time}, but that is a "
                     "guess (the site marks no message as the delivery). Confirm it first: cwwatch delivered {id}. "
                     "The inquiry to the desk is drafted once the delivery is confirmed, or once a week has "
                     "certainly passed ({deadline}).").format(
            time=fmt_time(s.delivered_at), id=state.contract_id, deadline=fmt_time(s.certain_deadline)  # type: ignore[arg-type]
        ))
    if s.desk_applies and s.delivery is not None:
        replies = _after(state.messages, _anchor(s), Sender.CLIENT, ("message", "delivery"))
        if replies:
            out.append(_("The client wrote after the delivery ({dates}). Check that it was not an acceptance "
                         "result (a rejection or a revision request) before writing to the desk.").format(
                dates=join_list([fmt_time(r) for r in replies])))
    if s.waiting_since is not None and not s.window_open and s.deadline is not None and not _window_known(s):
        out.append(_("A reply is awaited. If the delivery was your message of {time} (a guess), the "
                     "contact-reminder (連絡催促) window closed one week after it, around {deadline}.").format(
            time=fmt_time(s.delivered_at) if s.delivered_at else "?", deadline=fmt_time(s.deadline)))
    elif s.waiting_since is not None and not s.window_open and s.deadline is not None:
        if s.desk_applies:
            out.append(_("A reply is awaited, but the contact-reminder (連絡催促) window closed one week after the "
                         "delivery, at {deadline}. Use the inquiry to the desk (drafted below).").format(
                deadline=_window_end(s)))
        else:
            out.append(_("A reply is awaited, but the contact-reminder (連絡催促) window closed one week after the "
                         "delivery, at {deadline}.").format(deadline=_window_end(s)))
    if s.reminder_applies:
        if s.deadline is not None:
            out.append(_("You can request a contact reminder from the contract page "
                         "(「契約相手と連絡とれない場合はこちら」) until {deadline}. The desk reviews it within about "
                         "two business days, then prompts the client by mail and on the site.").format(
                deadline=_window_end(s)))
        else:
            out.append(_("You can request a contact reminder from the contract page "
                         "(「契約相手と連絡とれない場合はこちら」). The desk reviews it within about two business "
                         "days, then prompts the client by mail and on the site."))
    if s.desk_applies:
        out.append(_("Send the inquiry through the help page's inquiry form. Whether to apply Article 9(3) is "
                     "at the desk's discretion."))
    return tuple(out)


def make(state: ContractState, now: datetime, policy: Policy = DEFAULT_POLICY, accesses: Sequence[AccessSeen] = (),
         url: str = "", active: bool = True) -> Drafts:
    """The drafts that apply to ``state`` at ``now``; ``accesses`` are the client's observations.
    The drafts are Japanese with an English gloss, built from the same messages; the notes are in
    the language chosen now."""
    s = situation(state, now, policy, active)
    ja, en = In(LANG), In("en")
    desk = desk_en = rem = rem_en = None
    if s.desk_applies:
        acc = _access_since(accesses, _anchor(s))
        desk, desk_en = _desk(state, s, acc, url, ja), _desk(state, s, acc, url, en)
    if s.reminder_applies:
        rem, rem_en = _reminder(state, s, accesses, ja), _reminder(state, s, accesses, en)
    return Drafts(s, desk, rem, desk_en, rem_en, _notes(state, s))
