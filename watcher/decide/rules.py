"""The rules: pure functions ``(history, now, policy) -> findings``, and the one registry of them.

They run only on a healthy scan. Each rule is declared once, in :data:`REGISTRY` at the end of this
module: its stable id (JSON output, config, docs), the function that finds it, its label and
meaning (the messages a person reads), whether its notification is urgent, and whether it counts
against the client when ``cwwatch vet`` weighs the history. ``report/words.py`` (labels, legend),
``decide/alerts.py`` (urgency), ``cli/status.py`` (order, colour, legend), ``decide/vet_policy.py``
(what counts against a client) and the docs' tables (checked by ``tests/test_rule_registry.py``)
all read it.

The registry lives here, next to the evaluations, and not in a module of its own: :func:`evaluate`
(called by the scan and ``status``) runs the registry's evaluations in the registry's order, and a
registry module that imported the evaluations from here could not also be read from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from watcher.decide import delivery as dlv
from watcher.decide.bizdays import add_business_days, business_days_between
from watcher.decide.delivery import DELIVERY_WORDS
from watcher.i18n import N_, _, ngettext
from watcher.models import ContractState, Delivery, Finding, Message, Sender, Stage
from watcher.phrases import fmt_date as _d
from watcher.phrases import fmt_time as _t
from watcher.phrases import join_list


@dataclass(frozen=True)
class Policy:
    quiet_business_days: int = 2
    escalate_business_days: int = 5  # a wait that goes on this much longer is stage 2
    acceptance_days: int = 7  # Art. 9(3): deemed accepted one week after delivery
    due_warning_days: int = 2  # acceptance_due this long before the week ends
    access_max_age: timedelta = timedelta(hours=12)  # "certainly not visited" needs a fresh look
    year_end_break: bool = False
    contract_url: str = ""  # the contract page, e.g. "https://…/contracts/{id}" (from the site package)
    delivery_words: tuple[str, ...] = DELIVERY_WORDS  # a delivery report's wording (config delivery_words)


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
    # 連絡催促 can be asked for until one week after delivery; after that only the desk helps.
    over = _week_over(c, now, policy)
    likely = c.delivered_at
    if over == "certain":
        step = _("The period for asking for a contact reminder (one week from delivery) is over. "
                 "Ask the support desk (draft: cwwatch report {id}).").format(id=c.contract_id)
    elif over == "likely" and likely is not None:
        step = _("If the delivery was your message of {date} (a guess), the period for asking for a contact "
                 "reminder (one week from delivery) is over. Confirm the delivery first: cwwatch delivered "
                 "{id}").format(date=_d(likely), id=c.contract_id)
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
    if acc is not None and acc.interval is None and acc.text == "":  # the profile could not be read
        message = ngettext(
            "Your message in “{title}” of {date} has had no reply for {days} business day (the client's "
            "profile could not be read: the last access is unknown). {step}",
            "Your message in “{title}” of {date} has had no reply for {days} business days (the client's "
            "profile could not be read: the last access is unknown). {step}", days).format(**fields, step=step)
    elif acc is None or (acc.interval is None and not acc.text):
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


def _open_delivery(c: ContractState) -> Delivery | None:
    """The open delivery episode of a contract in a delivered stage; None otherwise."""
    d = c.episode
    return d if c.stage.delivered and d is not None and d.closed_at is None else None


def _week_over(c: ContractState, now: datetime, policy: Policy) -> str | None:
    """Whether the acceptance week is over: "certain" (confirmed, or past its latest end), "likely"
    (past the likely report's week only: a guess), None (not over, or no delivery)."""
    d = _open_delivery(c)
    if d is None:
        return None
    _lo, likely, latest = dlv.week_end(d, policy.acceptance_days)
    if now >= latest or (d.confirmed and likely is not None and now >= likely):
        return "certain"
    return "likely" if likely is not None and now >= likely else None


def _then(first: str, then: str) -> str:
    """Two sentences one after the other: a space after a Latin full stop, none after 「。」."""
    return first + then if first.endswith(("。", "）", "」")) else first + " " + then


def _how_to_confirm(c: ContractState) -> str:
    return _("If that is wrong, say which message was the delivery: cwwatch delivered {id}").format(id=c.contract_id)


def _acceptance(c: ContractState, now: datetime, policy: Policy, url: str) -> Finding | None:
    """acceptance_overdue / acceptance_due on the delivery's interval (decide/delivery.py): overdue when
    the week has certainly passed (its latest end), or has by the likely report (said as a guess);
    due when the end it would be by is near. Nothing from an interval alone before its latest end."""
    d = _open_delivery(c)
    if d is None:
        return None
    _lo, likely_end, latest_end = dlv.week_end(d, policy.acceptance_days)
    at = d.at
    facts = {"delivery": d.to_json()}
    guess = not d.confirmed and at is not None
    when = _d(at) if at is not None else _d(d.latest)
    fields = dict(title=c.title, date=when, latest=_t(d.latest))
    if d.confirmed:
        overdue_msg = _("A week has passed since “{title}” was delivered on {date}, and it has not been accepted "
                        "(deadline {deadline}). You can ask the support desk to apply Article 9(3).")
    elif now >= latest_end:
        overdue_msg = _("A week has certainly passed since “{title}” was delivered (at the latest {latest}), and "
                        "it has not been accepted (deadline {deadline} at the latest). You can ask the support "
                        "desk to apply Article 9(3).")
    else:
        overdue_msg = _("The delivery of “{title}” seems to be your message of {date} (a guess: cwwatch cannot see "
                        "which message was the delivery report). If so, a week has passed without acceptance "
                        "(deadline {deadline}): you can ask the support desk to apply Article 9(3).")
    # The week's end the finding carries: from the confirmed or likely report (what status shows),
    # else the latest; a message that says "certainly" names the latest end.
    end = likely_end if likely_end is not None else latest_end
    anchor = at if at is not None else d.latest
    base = dict(contract_id=c.contract_id, client_id=c.client_id, stage=1, since=anchor, url=url, facts=facts)
    if now >= latest_end or (likely_end is not None and now >= likely_end):
        certain = not d.confirmed and now >= latest_end
        message = overdue_msg.format(**fields, deadline=_t(latest_end if certain else end))
        if guess and now < latest_end:
            message = _then(message, _how_to_confirm(c))
        return Finding(rule="acceptance_overdue", deadline=end,
                       title=_("Acceptance overdue: {client}").format(client=c.client_name), message=message, **base)
    soon = likely_end if likely_end is not None else latest_end
    if now >= soon - timedelta(days=policy.due_warning_days):
        if d.confirmed:
            message = _("The acceptance deadline of “{title}” is {deadline} (delivered {date}). If there is no "
                        "answer by then, ask for a contact reminder (possible until one week after delivery).")
        elif at is not None:
            message = _then(_("The acceptance deadline of “{title}” is {deadline}, if the delivery was your message "
                              "of {date} (a guess). If there is no answer by then, ask for a contact reminder "
                              "(possible until one week after delivery)."), _how_to_confirm(c))
        else:
            message = _("The acceptance deadline of “{title}” is {deadline} at the latest (delivered by {latest}). If "
                        "there is no answer by then, ask for a contact reminder (possible until one week after "
                        "delivery).")
        return Finding(rule="acceptance_due", deadline=soon,
                       title=_("Acceptance deadline near: {client}").format(client=c.client_name),
                       message=message.format(**fields, deadline=_t(soon)), **base)
    return None


def _unconfirmed(c: ContractState, now: datetime, policy: Policy, url: str) -> Finding | None:
    """delivery_unconfirmed: a contract first seen in acceptance, and nothing makes a likely report."""
    d = _open_delivery(c)
    if d is None or d.basis != "first_seen" or d.at is not None or d.confirmed_none:
        return None
    mine = dlv.candidates(c.messages, d)[-5:]
    listed = join_list(f"{_t(m.sent_at)} 「{_first_words(m.body)}」" for m in mine) or _("none")
    return Finding(
        rule="delivery_unconfirmed", contract_id=c.contract_id, client_id=c.client_id, stage=1,
        since=d.latest, deadline=None, url=url, facts={"delivery": d.to_json()},
        title=_("When was it delivered? {client}").format(client=c.client_name),
        message=_("“{title}” was already in acceptance when cwwatch first saw it ({latest}), and none of your "
                  "messages reads like a delivery report, so the acceptance week cannot be counted. Your messages: "
                  "{messages}. Say which one was the delivery, or when: cwwatch delivered {id}").format(
                      title=c.title, latest=_t(d.latest), messages=listed, id=c.contract_id))


def _first_words(body: str, n: int = 20) -> str:
    text = " ".join(body.split())
    return text if len(text) <= n else text[:n] + "…"


def _escrow(c: ContractState, now: datetime, policy: Policy, url: str) -> Finding | None:
    if c.stage is not Stage.AWAITING_ESCROW and c.escrow_deposited is not False:
        return None
    return Finding(
        rule="escrow_missing", contract_id=c.contract_id, client_id=c.client_id, stage=1,
        since=c.status_since, deadline=None, url=url,
        title=_("No escrow yet: {client}").format(client=c.client_name),
        message=_("“{title}” has no escrow payment yet. Do not start the work until the escrow is paid (work done "
                  "before the escrow is not protected).").format(title=c.title))


# -- the registry ------------------------------------------------------------------------------

Evaluation = Callable[[ContractState, datetime, Policy, str], Finding | None]


@dataclass(frozen=True)
class Rule:
    """One rule, declared once: everything the code and the docs say of it.

    ``label``, ``meaning`` and ``earlier`` are message ids (marked for the catalog with ``N_``): show
    them with :func:`watcher.i18n._` (``report/words.py``: ``rule_label``, ``rule_meaning``).
    """

    id: str  # stable: JSON output, config, the alert ledger, docs
    evaluation: Evaluation | None  # finds it (rules sharing one get at most one of them from it); None:
    # not found by evaluate() (client_risk: the scan's vetting of a new client)
    label: str  # a few words for tables, lists and the scan summary
    meaning: str  # what the label means (the legend under status)
    when: str  # when it is found, as the docs' tables say it (English, the README's rule table)
    earlier: str | None = None  # an earlier finding, as vet's evidence names it (``earlier_findings``)
    urgent: bool = False  # critical notification (kept until dismissed) and red in status: the person must act
    against_client: bool = False  # an earlier finding counts against the client in ``cwwatch vet``


# The order is the order of the findings of one contract (evaluate, status, the legend).
# Urgent only where the person must act now: an acceptance past its week (the desk must be asked;
# a contact reminder is no longer possible). A wait is not urgent at its first stage, and
# escrow_missing is how every contract starts. Against the client: the waits and an overdue
# acceptance; escrow_missing fires at every contract's start and acceptance_due is a reminder.
REGISTRY: tuple[Rule, ...] = (
    Rule("quiet_client", _waiting,
         # i18n: short label of a rule, shown in tables, lists and the scan summary
         label=N_("no reply (client logs in)"),
         # i18n: what a rule label means (the legend under status)
         meaning=N_("a reply is overdue, and the client has visited the site since your message"),
         when="my message has waited the quiet threshold (2 business days) and the client has certainly "
              "visited the site since",
         earlier=N_("logged in yet no reply"), against_client=True),
    Rule("client_away", _waiting,
         label=N_("no reply (client away)"),
         meaning=N_("a reply is overdue, and the client has not visited the site since your message"),
         when="my message has waited, and the client has certainly not visited since",
         earlier=N_("no reply and no visit to the site"), against_client=True),
    Rule("no_reply", _waiting,
         label=N_("no reply"),
         meaning=N_("a reply is overdue; the client's last access is hidden or too vague to tell"),
         when="my message has waited, and the client's last access is hidden or too vague to tell",
         earlier=N_("no reply came"), against_client=True),
    Rule("acceptance_due", _acceptance,
         label=N_("acceptance due soon"),
         meaning=N_("delivered and not yet accepted; the one-week acceptance period (Art. 9(3)) ends soon"),
         when="delivered, not accepted, and the one-week acceptance period (Art. 9(3)) ends within two days",
         earlier=N_("acceptance deadline was near")),
    Rule("acceptance_overdue", _acceptance,
         label=N_("acceptance overdue"),
         meaning=N_("a week has passed since the delivery without acceptance: the support desk can "
                    "apply Art. 9(3)"),
         when="delivered, not accepted, a week has passed: ask the desk (事務局) to apply Art. 9(3)",
         earlier=N_("acceptance went past its deadline"), urgent=True, against_client=True),
    Rule("delivery_unconfirmed", _unconfirmed,
         label=N_("delivery time unknown"),
         meaning=N_("in acceptance when first seen, and no message of yours reads like the delivery report: "
                    "say when it was (cwwatch delivered)"),
         when="first seen already in acceptance, and no message of mine reads like a delivery report "
              "(once per delivery; `cwwatch delivered` answers it)",
         earlier=N_("delivery time was unknown")),
    Rule("escrow_missing", _escrow,
         label=N_("awaiting escrow"),
         meaning=N_("the client has not deposited escrow: do not start the work"),
         when="contracted, but the client has not deposited escrow (仮払い待ち)",
         earlier=N_("waiting for escrow")),
    Rule("client_risk", None,
         label=N_("client to watch"),
         meaning=N_("the client's record calls for caution (see cwwatch vet)"),
         when="a new contract's client, or the client who answered an application, has a record that looks "
              "like trouble (see `cwwatch vet` below)"),
)

_BY_ID = {r.id: r for r in REGISTRY}
RULES: tuple[str, ...] = tuple(r.id for r in REGISTRY if r.evaluation is not None)  # what evaluate() finds
URGENT: frozenset[str] = frozenset(r.id for r in REGISTRY if r.urgent)
AGAINST_CLIENT: tuple[str, ...] = tuple(r.id for r in REGISTRY if r.against_client)
CLIENT_RISK = "client_risk"
_EVALUATIONS: tuple[Evaluation, ...] = tuple(dict.fromkeys(r.evaluation for r in REGISTRY if r.evaluation))


def rule(rule_id: str) -> Rule | None:
    """The rule declared with this id; None for an id the registry does not know."""
    return _BY_ID.get(rule_id)


def evaluate(contracts: Iterable[ContractState], now: datetime, policy: Policy = Policy()
             ) -> list[Finding]:
    """Every finding for the given contracts at ``now``, in a stable order."""
    out: list[Finding] = []
    for c in contracts:
        if c.stage is Stage.FINISHED:
            continue
        url = policy.contract_url.format(id=c.contract_id) if policy.contract_url else ""
        for evaluation in _EVALUATIONS:
            f = evaluation(c, now, policy, url)
            if f is not None:
                out.append(f)
    out.sort(key=lambda f: (f.contract_id, RULES.index(f.rule)))
    return out
