"""The rules: pure functions ``(history, now, policy) -> findings``.

They run only on a healthy scan. Rule ids and meanings are stable (docs/rules.md):
``quiet_client``, ``client_away``, ``no_reply``, ``acceptance_due``, ``acceptance_overdue``,
``escrow_missing``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from watcher.decide.bizdays import add_business_days, business_days_between
from watcher.i18n import _, ngettext
from watcher.jptime import JST
from watcher.models import ContractState, Finding, Message, Sender, Stage

RULES = ("quiet_client", "client_away", "no_reply", "acceptance_due", "acceptance_overdue",
         "escrow_missing")


@dataclass(frozen=True)
class Policy:
    quiet_business_days: int = 2
    escalate_business_days: int = 5  # a wait that goes on this much longer is stage 2
    acceptance_days: int = 7  # Art. 9(3): deemed accepted one week after delivery
    due_warning_days: int = 2  # acceptance_due this long before the week ends
    access_max_age: timedelta = timedelta(hours=12)  # "certainly not visited" needs a fresh look
    year_end_break: bool = False
    contract_url: str = ""  # the contract page, e.g. "https://…/contracts/{id}" (from the site package)


def waited_since(messages: Iterable[Message]) -> datetime | None:
    """My first message after the client's last one; None when nothing of mine awaits an answer.

    My reminders do not restart the clock; a delivery report counts as mine; the site's own
    system messages count for nobody.
    """
    first_mine: datetime | None = None
    for m in sorted(messages, key=lambda x: x.sent_at):
        if m.sender is Sender.CLIENT:
            first_mine = None
        elif m.sender is Sender.WORKER and first_mine is None:
            first_mine = m.sent_at
    return first_mine


def _d(t: datetime) -> str:
    """A day in Japan time: 「2026年11月06日」 / "2026-11-06" (the same messages as report/words.py)."""
    j = t.astimezone(JST)
    return _("{year}-{month:02}-{day:02}").format(year=j.year, month=j.month, day=j.day)


def _t(t: datetime) -> str:
    """A moment in Japan time: 「2026年11月13日 10:00」 / "2026-11-13 10:00 JST"."""
    j = t.astimezone(JST)
    return _("{year}-{month:02}-{day:02} {hour:02}:{minute:02} JST").format(
        year=j.year, month=j.month, day=j.day, hour=j.hour, minute=j.minute)


def _waiting(c: ContractState, now: datetime, policy: Policy, url: str) -> Finding | None:
    since = waited_since(c.messages)
    if since is None:
        return None
    due = add_business_days(since, policy.quiet_business_days, policy.year_end_break)
    if now < due:
        return None
    days = business_days_between(since, now, policy.year_end_break)
    acc = c.access
    stage = 2 if days >= policy.quiet_business_days + policy.escalate_business_days else 1
    base = dict(contract_id=c.contract_id, client_id=c.client_id, stage=stage, since=since,
                deadline=None, url=url)
    facts = {"business_days": days, "access": acc.text if acc else None}
    fields = dict(title=c.title, date=_d(since), days=days)
    delivered = c.delivered_at
    # 連絡催促 can be asked for until one week after delivery; after that only the desk helps.
    if delivered is not None and now >= delivered + timedelta(days=policy.acceptance_days):
        step = _("The period for asking for a contact reminder (one week from delivery) is over. "
                 "Ask the support desk (draft: cwwatch report {id}).").format(id=c.contract_id)
    elif stage == 2:
        step = _("No reply for a long time. Ask for a contact reminder now, from "
                 "「契約相手と連絡とれない場合はこちら」 on the contract page.")
    else:
        step = _("You can ask for a contact reminder from 「契約相手と連絡とれない場合はこちら」 on the contract page.")
    if acc is not None and acc.interval is not None and acc.interval.earliest > since:
        return Finding(
            rule="quiet_client",
            title=_("No reply: {client}").format(client=c.client_name),
            message=ngettext(
                "Your message in “{title}” of {date} has had no reply for {days} business day, yet the client "
                "has logged in since (last access: {access}). {step}",
                "Your message in “{title}” of {date} has had no reply for {days} business days, yet the client "
                "has logged in since (last access: {access}). {step}", days).format(
                    **fields, access=acc.text, step=step),
            facts=facts, **base)
    fresh = acc is not None and now - acc.observed_at <= policy.access_max_age
    if acc is not None and acc.interval is not None and acc.interval.latest < since and fresh:
        return Finding(
            rule="client_away",
            title=_("Client away: {client}").format(client=c.client_name),
            message=ngettext(
                "Your message in “{title}” of {date} has had no reply for {days} business day. The client has "
                "not visited the site since (last access: {access}). Wait a while, or think about your next "
                "step. {step}",
                "Your message in “{title}” of {date} has had no reply for {days} business days. The client has "
                "not visited the site since (last access: {access}). Wait a while, or think about your next "
                "step. {step}", days).format(**fields, access=acc.text, step=step),
            facts=facts, **base)
    if acc is None or (acc.interval is None and not acc.text):
        message = ngettext(
            "Your message in “{title}” of {date} has had no reply for {days} business day (the client's last "
            "access is hidden). {step}",
            "Your message in “{title}” of {date} has had no reply for {days} business days (the client's last "
            "access is hidden). {step}", days).format(**fields, step=step)
    elif acc.interval is None:
        message = ngettext(
            "Your message in “{title}” of {date} has had no reply for {days} business day (the last access "
            "shown, 「{access}」, cannot be read). {step}",
            "Your message in “{title}” of {date} has had no reply for {days} business days (the last access "
            "shown, 「{access}」, cannot be read). {step}", days).format(**fields, access=acc.text, step=step)
    else:
        message = ngettext(
            "Your message in “{title}” of {date} has had no reply for {days} business day (the last access, "
            "{access}, does not tell). {step}",
            "Your message in “{title}” of {date} has had no reply for {days} business days (the last access, "
            "{access}, does not tell). {step}", days).format(**fields, access=acc.text, step=step)
    return Finding(rule="no_reply", title=_("No reply: {client}").format(client=c.client_name),
                   message=message, facts=facts, **base)


def _acceptance(c: ContractState, now: datetime, policy: Policy, url: str) -> Finding | None:
    if not c.stage.delivered:
        return None
    delivered = c.delivered_at
    if delivered is None:
        return None
    deadline = delivered + timedelta(days=policy.acceptance_days)
    base = dict(contract_id=c.contract_id, client_id=c.client_id, stage=1, since=delivered,
                deadline=deadline, url=url)
    if now >= deadline:
        return Finding(
            rule="acceptance_overdue",
            title=_("Acceptance overdue: {client}").format(client=c.client_name),
            message=_("A week has passed since “{title}” was delivered on {date}, and it has not been accepted "
                      "(deadline {deadline}). You can ask the support desk to apply Article 9(3).").format(
                          title=c.title, date=_d(delivered), deadline=_t(deadline)),
            **base)
    if now >= deadline - timedelta(days=policy.due_warning_days):
        return Finding(
            rule="acceptance_due",
            title=_("Acceptance deadline near: {client}").format(client=c.client_name),
            message=_("The acceptance deadline of “{title}” is {deadline} (delivered {date}). If there is no "
                      "answer by then, ask for a contact reminder (possible until one week after delivery).").format(
                          title=c.title, date=_d(delivered), deadline=_t(deadline)),
            **base)
    return None


def _escrow(c: ContractState, now: datetime, policy: Policy, url: str) -> Finding | None:
    if c.stage is not Stage.AWAITING_ESCROW and c.escrow_deposited is not False:
        return None
    return Finding(
        rule="escrow_missing", contract_id=c.contract_id, client_id=c.client_id, stage=1,
        since=c.status_since, deadline=None, url=url,
        title=_("No escrow yet: {client}").format(client=c.client_name),
        message=_("“{title}” has no escrow payment yet. Do not start the work until the escrow is paid (work done "
                  "before the escrow is not protected).").format(title=c.title))


def evaluate(contracts: Iterable[ContractState], now: datetime, policy: Policy = Policy()
             ) -> list[Finding]:
    """Every finding for the given contracts at ``now``, in a stable order."""
    out: list[Finding] = []
    for c in contracts:
        if c.stage is Stage.FINISHED:
            continue
        url = policy.contract_url.format(id=c.contract_id) if policy.contract_url else ""
        for rule in (_acceptance, _waiting, _escrow):
            f = rule(c, now, policy, url)
            if f is not None:
                out.append(f)
    out.sort(key=lambda f: (f.contract_id, RULES.index(f.rule)))
    return out
