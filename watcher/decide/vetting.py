"""Vetting a client before the contract: ``vet(record, last_access, history, now, policy) -> Verdict``.

Pure: the profile's record and the worker's own history come in, ``now`` is given, nothing is read
or written here. Every signal carries its evidence (what the page or the history showed, with the
number) and a plain Japanese sentence. A field the profile hid or did not show is **unknown**: it
is listed in ``Verdict.unknown`` and never weighed, because a hidden field is not a bad sign.

Signal ids are stable (docs/vetting.md): ``identity_unverified``, ``rule_check_failed``,
``low_completion``, ``few_finished``, ``low_rating``, ``trouble_in_ratings``, ``new_account``,
``jobs_rarely_contracted``, ``away_long``, ``escrow_late``, ``escrow_never``, ``slow_replies``,
``acceptance_late``, ``earlier_findings``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from watcher.decide import rules
from watcher.decide.bizdays import business_days_between
from watcher.i18n import N_, _, ngettext
from watcher.models import ClientRecord, Interval, PastContract, Sender, Stage
from watcher.phrases import fmt_date, join_list

SIGNALS = (
    "identity_unverified", "rule_check_failed", "low_completion", "few_finished", "low_rating",
    "trouble_in_ratings", "new_account", "jobs_rarely_contracted", "away_long", "escrow_late",
    "escrow_never", "slow_replies", "acceptance_late", "earlier_findings",
)

VerdictKind = Literal["ok", "caution", "warning"]
VERDICTS: tuple[VerdictKind, ...] = ("ok", "caution", "warning")
# The verdicts as a person reads them: verdict_label(id).
LABELS: dict[str, str] = {"ok": N_("No concerns"), "caution": N_("Needs caution"), "warning": N_("High risk")}

# The profile's facts that vet reads; when one is None it is listed in Verdict.unknown by this id.
# Marked for the catalog: show them with fact_label(id).
FACT_LABELS: dict[str, str] = {
    "identity_verified": N_("Identity check"),
    "rule_check_passed": N_("Rule check"),
    "completion_rate": N_("Completion rate"),
    "acceptance_count": N_("Finished and contracted counts"),  # which of the two is which is unclear (platform notes)
    "finished_count": N_("Finished and contracted counts"),
    "rating": N_("Average rating"),
    "rating_count": N_("Number of ratings"),
    "created_at": N_("Registration date"),
    "jobs_posted": N_("Jobs posted"),
    "jobs_posted_contracted": N_("Jobs posted"),
    "last_access": N_("Last access"),
}


def fact_label(fact: str) -> str:
    """The name of a profile fact (a ``FACT_LABELS`` id) in the chosen language."""
    return _(FACT_LABELS[fact]) if fact in FACT_LABELS else fact


def verdict_label(verdict: str) -> str:
    """問題なし / 注意 / 要警戒 (No concerns / Needs caution / High risk) in the chosen language."""
    return _(LABELS[verdict])

# What to do, chosen by the signals that fired (docs/vetting.md, "Advice"). Marked for the catalog;
# Verdict.advice holds them translated (_(ADVICE_ESCROW)), in the language chosen when vet ran.
ADVICE_ESCROW = N_("Check the escrow payment before you start")
ADVICE_ACCEPTANCE = N_("Before the contract, agree in writing on how you deliver and how acceptance works")
ADVICE_CONTACT = N_("Keep your exchanges in the contract's messages, in case contact breaks off halfway")
ADVICE_RATINGS = N_("Read the rating comments and find out what earlier workers had trouble with")
ADVICE_JOBS = N_("Before applying, ask in a message whether they really mean to order, and whether the pay "
                 "and the deadline are settled")
ADVICE_WARNING = N_("Several warning signs come together. Think carefully before you take the contract")
ADVICE_NO_MATERIAL = N_("Nothing to judge by: the profile's fields are hidden or not shown, and you have no "
                        "history with this client. Confirm the terms in a message before the contract")

@dataclass(frozen=True)
class VetPolicy:
    """Every threshold ``vet`` uses, with its default. Reasons in full: docs/vetting.md."""

    # -- the profile ----------------------------------------------------------------------------
    min_completion_rate: float = 80.0  # below 80 %, one contract in five or more did not finish
    min_finished_ratio: float = 0.5  # fewer than half of the contracts finished (ongoing ones count too)
    min_contracts_for_rate: int = 5  # a rate over fewer contracts is an anecdote: light weight
    min_rating: float = 4.0  # on the site most averages sit at 4.5 or above; below 4 stands out
    min_ratings_for_average: int = 3  # an average of one or two reviews is one or two people
    min_account_age_days: int = 90  # a client younger than three months has no record to read yet
    max_jobs_uncontracted_ratio: float = 0.8  # over 4 in 5 posted jobs never contracted
    min_jobs_posted: int = 5  # fewer posted jobs say nothing about a habit
    access_away_days: int = 14  # two weeks without visiting: the platform's own warning sign
    # -- the worker's own history (business days, Japanese calendar) ------------------------------
    escrow_late_days: float = 3.0  # escrow is due before work starts; three business days is slow
    slow_reply_days: float = 2.0  # the same two business days that start quiet_client (docs/rules.md)
    min_reply_samples: int = 3  # a median of fewer waits is an anecdote: light weight
    counted_findings: tuple[str, ...] = rules.AGAINST_CLIENT  # the rules declared against_client (decide/rules.py)
    # -- weights (integers; their sum makes the verdict) -----------------------------------------
    w_identity_unverified: int = 2  # common for new individuals, yet the site's first trust check
    w_rule_check_failed: int = 2  # has not shown they know the rules (escrow first, acceptance)
    w_low_completion: int = 3  # contracts that end unfinished are where work goes unpaid
    w_few_finished: int = 3  # the same fact from the counts: the heavier of the two weighs
    w_low_rating: int = 3  # workers who worked for them were unhappy
    w_trouble_in_ratings: int = 4  # a worker wrote of payment, acceptance or contact trouble: an event
    w_new_account: int = 1  # new is normal; it only means there is nothing to check yet
    w_jobs_rarely_contracted: int = 1  # many jobs posted and few contracted: weak alone
    w_away_long: int = 2  # a client who does not visit cannot pay into escrow or accept
    w_escrow_late: int = 2  # my own escrow came late before
    w_escrow_never: int = 4  # my own contract with them never got its escrow
    w_slow_replies: int = 2  # they kept me waiting before
    w_acceptance_late: int = 3  # my delivery sat past the one-week acceptance period
    w_earlier_findings: int = 1  # the watcher warned me before: mostly the same waits as above, so light
    w_few_data: int = 1  # the weight of a statistic over too few data points
    # -- the verdict ----------------------------------------------------------------------------
    caution_at: int = 3  # one solid bad sign, or two weak ones
    warning_at: int = 6  # a strong sign with another, or several

    def __post_init__(self) -> None:
        if not 0 < self.caution_at <= self.warning_at:
            raise ValueError("VetPolicy: need 0 < caution_at <= warning_at")
        weights = {k: v for k, v in vars(self).items() if k.startswith("w_")}
        bad = [k for k, v in weights.items() if not isinstance(v, int) or v < 0]
        if bad:
            raise ValueError(f"VetPolicy: weights must be integers >= 0: {', '.join(bad)}")


@dataclass(frozen=True)
class History:
    """What the worker's own history with this client says (computed from the store).

    ``escrow_waits_days``: business days from contract to escrow, per contract where known.
    ``escrow_never``: contracts whose escrow never came. ``reply_waits_days``: business days my
    messages waited for this client's reply. ``acceptance_late``: deliveries accepted after the
    one-week acceptance period, or never. ``earlier_findings``: rule ids the watcher found with
    this client (one entry per finding; repeats count).
    """

    contracts: int = 0
    escrow_waits_days: tuple[float, ...] = ()
    escrow_never: int = 0
    reply_waits_days: tuple[float, ...] = ()
    acceptance_late: int = 0
    earlier_findings: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self == History()


@dataclass(frozen=True)
class Signal:
    id: str
    weight: int
    value: object  # JSON-ready
    evidence: str  # what the page or the history showed, with the number (in the chosen language)
    message: str  # a plain sentence for a freelancer (in the chosen language)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "weight": self.weight, "value": self.value, "evidence": self.evidence,
                "message": self.message}


@dataclass(frozen=True)
class Verdict:
    verdict: VerdictKind
    label: str  # 問題なし / 注意 / 要警戒 (in the chosen language; the id is ``verdict``)
    signals: tuple[Signal, ...]  # by weight, heaviest first, then by id
    advice: tuple[str, ...]  # what to do (in the chosen language)
    unknown: tuple[str, ...]  # the facts the profile hid or did not show (FACT_LABELS ids): never weighed
    total: int = 0  # the sum of the weights
    summary: str = ""  # one plain sentence: what the verdict rests on

    def to_json(self, client_id: int, name: str, fetched_at: datetime | None) -> dict[str, Any]:
        """The ``cwwatch vet --json`` answer: ``schema`` 1, times ISO 8601 with their offset."""
        if fetched_at is not None and fetched_at.tzinfo is None:
            raise ValueError("fetched_at must be timezone-aware")
        return {
            "schema": 1,
            "client_id": client_id,
            "name": name,
            "verdict": self.verdict,
            "signals": [s.to_json() for s in self.signals],
            "fetched_at": fetched_at.isoformat() if fetched_at is not None else None,
        }


# ---------------------------------------------------------------------------------------------
# Trouble words in rating comments

# A word alone, or a stem with what must follow it (a regex; "" = the word is bad in itself).
# Stems like 支払 or 検収 are neutral (「支払いはスムーズ」, 「迅速な検収」): they count only with a
# negative (ない, ず, ません) or a delay (遅れ, 遅延) right after them.
_NEG = r"(?:な[いくか]|ず|ませ)"
_LATE = r"(?:遅[れいくか]|遅延)"
_GIVE = r"(?:もらえ|いただけ|頂け|くれ|下さら|くださら)"
_SLOW = r"(?:なかなか)?"  # 「連絡がなかなか取れず」
_NONE = rf"(?:[がはも]{_SLOW}(?:{_NEG}|ありませ)|なし|無し)"

_TROUBLE: dict[str, tuple[str, str]] = {
    # payment
    "未払い": ("payment", ""),
    "不払い": ("payment", ""),
    "踏み倒": ("payment", ""),
    "支払": ("payment", rf"われ{_NEG}|い{_NONE}|いされ{_NEG}|い(?:[がはも]|の)?{_LATE}"
                        rf"|(?:って|い)(?:を)?(?:して)?{_GIVE}{_NEG}"),
    "振込": ("payment", rf"み?{_NONE}|み?(?:[がはも]|の)?{_LATE}|まれ{_NEG}|んで{_GIVE}{_NEG}"),
    "振り込": ("payment", rf"み{_NONE}|み(?:[がはも]|の)?{_LATE}|まれ{_NEG}|んで{_GIVE}{_NEG}"),
    "入金": ("payment", rf"[がはも]?{_SLOW}され{_NEG}|{_NONE}|(?:[がはも]|の)?{_LATE}|(?:を)?して{_GIVE}{_NEG}"),
    "仮払い": ("payment", rf"[がはも]?{_SLOW}され{_NEG}|{_NONE}|(?:[がはも]|の)?{_LATE}|(?:を)?して{_GIVE}{_NEG}"),
    # acceptance
    "検収": ("acceptance", rf"[がはも]?{_SLOW}され{_NEG}|{_NONE}|(?:[がはも]|の)?{_LATE}"
                           rf"|(?:を)?(?:して)?{_GIVE}{_NEG}"),
    # contact
    "連絡": ("contact", rf"(?:[がはも]{_SLOW}(?:取れ|とれ|つ[かき]|付[かき]|来|こ|返って)?{_NEG}|なし|無し)"
                        rf"|[がはも](?:途絶|途切|とだえ)|(?:[がはも]|の)?{_LATE}|を(?:して)?{_GIVE}{_NEG}"),
    "返信": ("contact", rf"(?:[がはも]{_SLOW}(?:来|こ|返って)?{_NEG}|なし|無し)|[がはも](?:途絶|途切|とだえ)"
                        rf"|(?:[がはも]|の)?{_LATE}|を(?:して)?{_GIVE}{_NEG}"),
    "返事": ("contact", rf"(?:[がはも]{_SLOW}(?:来|こ|返って)?{_NEG}|なし|無し)|[がはも](?:途絶|途切|とだえ)"
                        rf"|(?:[がはも]|の)?{_LATE}|を(?:して)?{_GIVE}{_NEG}"),
    "音信不通": ("contact", ""),
    "音沙汰": ("contact", rf"[がはも]?(?:{_NEG}|なし|無し)"),
    "既読無視": ("contact", ""),
    "既読スルー": ("contact", ""),
    "途中で": ("contact", r"[^。、,.!?]{0,8}?(?:音信|連絡が(?:取れ|とれ|つか|途絶|途切)|返信が(?:な|途絶|途切)"
                          r"|打ち切|打切|キャンセル|放置|途絶|途切|いなくな|消え|中止|終了|逃げ)"),
    "キャンセル": ("acceptance", r"(?!料|ポリシー|規定|規約)"),  # the work ended unaccepted
    "放置": ("contact", ""),
}
TROUBLE_WORDS: tuple[str, ...] = tuple(_TROUBLE)
TOPIC_LABELS: dict[str, str] = {"payment": N_("payment"), "acceptance": N_("acceptance of the work"),
                                "contact": N_("communication")}

_TROUBLE_RE = tuple(
    (word, topic, re.compile(re.escape(word) + (f"(?:{after})" if after else "")))
    for word, (topic, after) in sorted(_TROUBLE.items(), key=lambda kv: -len(kv[0]))
)
# What follows a match and takes it back, within the same clause: 「未払いもなく」, 「未払いの心配はありません」,
# 「返信が遅れることは一度もなかった」, 「未払いなし」, or a worry rather than an event (「未払いが心配でしたが」,
# 「支払われないのではと不安でしたが」); a worry after an event does not (「連絡もなく不安でした」).
_CLAUSE = r"[^。、,.!?]"
_CANCEL = re.compile(
    rf"{_CLAUSE}{{0,10}}?[もはが](?:一切|全く|まったく|特に|全然|一度も|何も)?(?:な[いくかし]|無[いくかし]|ありませ|ございませ)"
    r"|(?:な[しく]|無[しく]|ゼロ)"
    rf"|[のがをにもは](?:心配|不安|懸念|恐れ|おそれ)"
    rf"|{_CLAUSE}{{0,6}}?(?:のでは|んじゃ|かも|か)(?:と|って)?(?:心配|不安|懸念|思)"
)


_CLAUSE_TEXT = re.compile(rf"{_CLAUSE}{{1,20}}")  # what a quote shows: the clause from the word on


def _fold(text: str) -> str:
    """NFKC, without spaces: the form trouble words are matched in."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class Trouble:
    word: str  # the TROUBLE_WORDS entry
    topic: str  # payment, acceptance, contact
    text: str  # what the comment said, from the word to the end of its clause (NFKC, no spaces, 20 at most)


def find_trouble(comment: str) -> tuple[Trouble, ...]:
    """The trouble words a rating comment uses, in order; a negated or positive use does not count."""
    s = _fold(comment)
    hits: list[tuple[int, Trouble]] = []
    taken: set[int] = set()  # a longer word's match hides the shorter ones inside it
    for word, topic, rx in _TROUBLE_RE:
        for m in rx.finditer(s):
            span = set(range(m.start(), m.end()))
            if span & taken or _CANCEL.match(s, m.end()):
                continue
            taken |= span
            clause = _CLAUSE_TEXT.match(s, m.start())
            text = clause.group(0) if clause and len(clause.group(0)) >= len(m.group(0)) else m.group(0)
            hits.append((m.start(), Trouble(word, topic, text)))
    return tuple(t for _pos, t in sorted(hits, key=lambda h: h[0]))


# ---------------------------------------------------------------------------------------------
# The weighing


@dataclass(frozen=True)
class _Fired:
    signal: Signal
    advice: tuple[str, ...]


def _n(x: float) -> str:
    """A number as a person writes it: 80, 62.5, 3.25 (two decimals at most)."""
    return f"{round(x, 2):.2f}".rstrip("0").rstrip(".")


def _light(full: int, count: int | None, solid: int, policy: VetPolicy) -> tuple[int, bool]:
    """The weight of a statistic over ``count`` data points: full from ``solid`` on, else light."""
    if count is not None and count >= solid:
        return full, False
    return min(full, policy.w_few_data), True


def _few(message: str, light: bool, count: int | None) -> str:
    """``message``, with a note that it rests on few data points when its weight is light."""
    if not light:
        return message
    if count is None:
        return _("{message} (the count is not known, so take it as a hint only)").format(message=message)
    return _("{message} (few data points, so take it as a hint only)").format(message=message)


def _earlier(rule_id: str) -> str:
    """An earlier finding as the evidence names it (the registry's ``earlier``, decide/rules.py)."""
    declared = rules.rule(rule_id)
    return _(declared.earlier) if declared is not None and declared.earlier else rule_id


def _topics(items: Iterable[str]) -> str:
    """Trouble topics together: 「支払い・検収・連絡」 / "payment, acceptance of the work and communication"."""
    rest = list(items)
    if not rest:
        return ""
    out = rest.pop()
    if rest:
        out = _("{topic} and {last_topic}").format(topic=rest.pop(), last_topic=out)
    while rest:
        out = _("{topic}, {more_topics}").format(topic=rest.pop(), more_topics=out)
    return out


def _flags(r: ClientRecord, p: VetPolicy, unknown: list[str]) -> list[_Fired]:
    out: list[_Fired] = []
    if r.identity_verified is None:
        unknown.append("identity_verified")
    elif r.identity_verified is False:
        out.append(_Fired(Signal(
            "identity_unverified", p.w_identity_unverified, False, _("Identity check: not verified"),
            _("This client has not verified their identity.")), (ADVICE_ESCROW,)))
    if r.rule_check_passed is None:
        unknown.append("rule_check_passed")
    elif r.rule_check_passed is False:
        out.append(_Fired(Signal(
            "rule_check_failed", p.w_rule_check_failed, False, _("Rule check: not passed"),
            _("This client has not passed the CrowdWorks rule check. They may not know the rules of escrow and "
              "acceptance.")),
            (ADVICE_ESCROW, ADVICE_ACCEPTANCE)))
    return out


def _completion(r: ClientRecord, p: VetPolicy, unknown: list[str]) -> list[_Fired]:
    rate = r.completion_rate
    if rate is None:
        unknown.append("completion_rate")
    if r.acceptance_count is None:
        unknown.append("acceptance_count")
    if r.finished_count is None:
        unknown.append("finished_count")
    counts = [c for c in (r.acceptance_count, r.finished_count) if c is not None]
    # Which count is 完了数 and which 契約数 is unclear (platform notes): the larger is the contracts.
    contracts = max(counts) if counts else None
    candidates: list[_Fired] = []
    if rate is not None and contracts != 0 and rate < p.min_completion_rate:
        w, light = _light(p.w_low_completion, contracts, p.min_contracts_for_rate, p)
        if contracts is not None:
            evidence = ngettext("Completion rate {rate}% ({n} contract)", "Completion rate {rate}% ({n} contracts)",
                                contracts).format(rate=_n(rate), n=contracts)
        else:
            evidence = _("Completion rate {rate}% (number of contracts hidden)").format(rate=_n(rate))
        candidates.append(_Fired(Signal(
            "low_completion", w, rate, evidence,
            _few(_("The completion rate is below {rate}%. Many contracts may have ended unfinished.").format(
                rate=_n(p.min_completion_rate)), light, contracts)), (ADVICE_ACCEPTANCE,)))
    if len(counts) == 2 and contracts:
        finished = min(counts)
        if finished / contracts < p.min_finished_ratio:
            w, light = _light(p.w_few_finished, contracts, p.min_contracts_for_rate, p)
            candidates.append(_Fired(Signal(
                "few_finished", w, {"finished": finished, "contracts": contracts},
                _("Finished {finished} / contracted {contracts}").format(finished=finished, contracts=contracts),
                _few(_("Few contracts were finished compared with those contracted: fewer than {pct}%.").format(
                    pct=_n(p.min_finished_ratio * 100)), light, contracts)), (ADVICE_ACCEPTANCE,)))
    if not candidates:
        return []
    # The same fact from two fields weighs once: the heavier, low_completion on a tie.
    return [max(candidates, key=lambda f: f.signal.weight)]


def _rating(r: ClientRecord, p: VetPolicy, unknown: list[str]) -> list[_Fired]:
    if r.rating is None:
        unknown.append("rating")
    if r.rating_count is None:
        unknown.append("rating_count")
    if r.rating is None or r.rating_count == 0 or r.rating >= p.min_rating:
        return []
    count = r.rating_count
    w, light = _light(p.w_low_rating, count, p.min_ratings_for_average, p)
    average = f"{r.rating:.1f}"
    if count is not None:
        evidence = ngettext("Average rating {average} ({n} rating)", "Average rating {average} ({n} ratings)",
                            count).format(average=average, n=count)
    else:
        evidence = _("Average rating {average} (number of ratings hidden)").format(average=average)
    return [_Fired(Signal(
        "low_rating", w, {"average": r.rating, "count": count}, evidence,
        _few(_("The average rating from workers is below {rating}.").format(rating=f"{p.min_rating:.1f}"),
             light, count)),
        (ADVICE_RATINGS,))]


def _trouble(r: ClientRecord, p: VetPolicy) -> list[_Fired]:
    found = [(rt, find_trouble(rt.comment)) for rt in r.ratings if rt.comment]
    found = [(rt, t) for rt, t in found if t]
    if not found:
        return []
    topics = sorted({t.topic for _rt, ts in found for t in ts}, key=list(TOPIC_LABELS).index)
    quotes: list[str] = []
    for _rt, ts in found:
        for t in ts:
            if not any(t.text in q for q in quotes):  # 「連絡が取れなくなりました」 inside the clause before it
                quotes.append(t.text)
    shown = "".join(f"「{q}」" for q in quotes[:3])  # the comments' own words, as written
    n = len(found)
    if len(quotes) > 3:
        evidence = ngettext("{n} rating comment says {quotes} and more", "{n} rating comments say {quotes} and more",
                            n).format(n=n, quotes=shown)
    else:
        evidence = ngettext("{n} rating comment says {quotes}", "{n} rating comments say {quotes}", n).format(
            n=n, quotes=shown)
    advice = {"payment": ADVICE_ESCROW, "acceptance": ADVICE_ACCEPTANCE, "contact": ADVICE_CONTACT}
    what = _topics(_(TOPIC_LABELS[t]) for t in topics)
    return [_Fired(Signal(
        "trouble_in_ratings", p.w_trouble_in_ratings,
        {"comments": n, "topics": topics, "words": quotes}, evidence,
        _("Rating comments tell of trouble with {topics}.").format(topics=what)),
        (*(advice[t] for t in topics), ADVICE_RATINGS))]


def _account(r: ClientRecord, now: datetime, p: VetPolicy, unknown: list[str]) -> list[_Fired]:
    if r.created_at is None:
        unknown.append("created_at")
        return []
    age = now - r.created_at
    if age >= timedelta(days=p.min_account_age_days):
        return []
    days = max(age.days, 0)
    return [_Fired(Signal(
        "new_account", p.w_new_account, days,
        ngettext("Registered {date} ({days} day ago)", "Registered {date} ({days} days ago)", days).format(
            date=fmt_date(r.created_at), days=days),
        ngettext("A new account, registered less than {days} day ago: there is no record to judge by yet.",
                 "A new account, registered less than {days} days ago: there is no record to judge by yet.",
                 p.min_account_age_days).format(days=p.min_account_age_days)),
        (ADVICE_ESCROW,))]


def _jobs(r: ClientRecord, p: VetPolicy, unknown: list[str]) -> list[_Fired]:
    posted, contracted = r.jobs_posted, r.jobs_posted_contracted
    if posted is None:
        unknown.append("jobs_posted")
    if contracted is None:
        unknown.append("jobs_posted_contracted")
    if posted is None or contracted is None or posted < p.min_jobs_posted:
        return []
    contracted = min(contracted, posted)
    if (posted - contracted) / posted <= p.max_jobs_uncontracted_ratio:
        return []
    return [_Fired(Signal(
        "jobs_rarely_contracted", p.w_jobs_rarely_contracted, {"posted": posted, "contracted": contracted},
        ngettext("{contracted} of {posted} job posted contracted", "{contracted} of {posted} jobs posted contracted",
                 posted).format(contracted=contracted, posted=posted),
        _("Most of the jobs this client posted never led to a contract.")), (ADVICE_JOBS,))]


def _access(last_access: Interval | None, now: datetime, p: VetPolicy, unknown: list[str]) -> list[_Fired]:
    if last_access is None:
        unknown.append("last_access")
        return []
    away = now - last_access.latest  # the least it can be: never more than the page said
    if away < timedelta(days=p.access_away_days):
        return []
    return [_Fired(Signal(
        "away_long", p.w_away_long, away.days,
        ngettext("Last access at least {days} day ago", "Last access at least {days} days ago", away.days).format(
            days=away.days),
        ngettext("The client has not visited the site for {days} day or more. Escrow and replies may be late.",
                 "The client has not visited the site for {days} days or more. Escrow and replies may be late.",
                 p.access_away_days).format(days=p.access_away_days)),
        (ADVICE_CONTACT, ADVICE_ESCROW))]


def _median(xs: Iterable[float]) -> float:
    s = sorted(xs)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def _history(h: History, p: VetPolicy) -> list[_Fired]:
    out: list[_Fired] = []
    late = [d for d in h.escrow_waits_days if d >= p.escrow_late_days]
    if late:
        known = len(h.escrow_waits_days)
        out.append(_Fired(Signal(
            "escrow_late", p.w_escrow_late, {"late": len(late), "known": known, "longest_days": max(late)},
            ngettext("{late} of {known} contract with a known escrow wait: {days} business days or more "
                     "(longest {longest} business days)",
                     "{late} of {known} contracts with a known escrow wait: {days} business days or more "
                     "(longest {longest} business days)", known).format(
                late=len(late), known=known, days=_n(p.escrow_late_days), longest=_n(max(late))),
            _("In an earlier contract the escrow came late.")), (ADVICE_ESCROW,)))
    if h.escrow_never > 0:
        out.append(_Fired(Signal(
            "escrow_never", p.w_escrow_never, h.escrow_never,
            ngettext("{n} contract never got its escrow", "{n} contracts never got their escrow",
                     h.escrow_never).format(n=h.escrow_never),
            _("In an earlier contract the escrow never came.")), (ADVICE_ESCROW,)))
    if h.reply_waits_days:
        med = _median(h.reply_waits_days)
        if med >= p.slow_reply_days:
            n = len(h.reply_waits_days)
            w, light = _light(p.w_slow_replies, n, p.min_reply_samples, p)
            out.append(_Fired(Signal(
                "slow_replies", w, {"median_days": med, "count": n},
                ngettext("Median wait for a reply {days} business days ({n} time)",
                         "Median wait for a reply {days} business days ({n} times)", n).format(days=_n(med), n=n),
                _few(_("This client tends to take long to reply."), light, n)), (ADVICE_CONTACT,)))
    if h.acceptance_late > 0:
        out.append(_Fired(Signal(
            "acceptance_late", p.w_acceptance_late, h.acceptance_late,
            ngettext("{n} delivery accepted more than a week after delivery, or never",
                     "{n} deliveries accepted more than a week after delivery, or never",
                     h.acceptance_late).format(n=h.acceptance_late),
            _("Before, a delivery was not accepted within the one-week acceptance period.")), (ADVICE_ACCEPTANCE,)))
    counted = Counter(f for f in h.earlier_findings if f in p.counted_findings)
    if counted:
        ids = sorted(counted)
        shown = join_list(ngettext("{finding} ({n} time)", "{finding} ({n} times)", counted[i]).format(
            finding=_earlier(i), n=counted[i]) for i in ids)
        advice = [ADVICE_ACCEPTANCE] if "acceptance_overdue" in counted else []
        if set(counted) - {"acceptance_overdue"}:
            advice.append(ADVICE_CONTACT)
        out.append(_Fired(Signal(
            "earlier_findings", p.w_earlier_findings, ids, _("Earlier warnings from cwwatch: {findings}").format(
                findings=shown),
            _("cwwatch warned about this client in an earlier contract.")), tuple(advice)))
    return out


def _material(r: ClientRecord, last_access: Interval | None, history: History) -> bool:
    """Whether anything at all is known: a profile fact vet reads, the access, or a history."""
    facts = (r.identity_verified, r.rule_check_passed, r.completion_rate, r.acceptance_count,
             r.finished_count, r.rating, r.rating_count, r.created_at, r.jobs_posted, r.jobs_posted_contracted)
    return any(f is not None for f in facts) or bool(r.ratings) or last_access is not None or not history.empty


def vet(record: ClientRecord | None, last_access: Interval | None, history: History, now: datetime,
        policy: VetPolicy = VetPolicy()) -> Verdict:
    """Weigh what the client's profile and the worker's own history say, at ``now``.

    ``record`` None (no profile read) is the same as an empty record: everything unknown.
    ``last_access`` None: hidden or unreadable (unknown, never a bad sign).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    r = record if record is not None else ClientRecord()
    p = policy
    unknown: list[str] = []
    fired = [
        *_flags(r, p, unknown),
        *_completion(r, p, unknown),
        *_rating(r, p, unknown),
        *_trouble(r, p),
        *_account(r, now, p, unknown),
        *_jobs(r, p, unknown),
        *_access(last_access, now, p, unknown),
        *_history(history, p),
    ]
    fired.sort(key=lambda f: (-f.signal.weight, f.signal.id))
    total = sum(f.signal.weight for f in fired)
    kind: VerdictKind = "warning" if total >= p.warning_at else "caution" if total >= p.caution_at else "ok"
    material = _material(r, last_access, history)

    advice: list[str] = []  # msgids here, translated below
    if not material:
        advice.append(ADVICE_NO_MATERIAL)
    if kind == "warning":
        advice.append(ADVICE_WARNING)
    for f in fired:
        advice.extend(a for a in f.advice if a not in advice)
    if ADVICE_ESCROW not in advice:
        advice.append(ADVICE_ESCROW)  # the platform's rule for every contract: work before escrow is unprotected

    n = len(fired)
    if not material:
        summary = _("Nothing to judge by: the profile's fields are hidden or not shown, and you have no history "
                    "with this client. That does not mean there is no problem.")
    elif kind == "warning":
        summary = ngettext("There is {n} point to watch, and they come together.",
                           "There are {n} points to watch, and they come together.", n).format(n=n)
    elif kind == "caution":
        summary = ngettext("There is {n} point that needs care.", "There are {n} points that need care.", n).format(n=n)
    elif fired:
        summary = ngettext("No big problem is in sight, but there is {n} point of concern.",
                           "No big problem is in sight, but there are {n} points of concern.", n).format(n=n)
    else:
        summary = _("Within what is public and your history with this client, nothing stands out.")
    if material and unknown:
        hidden = join_list(dict.fromkeys(fact_label(u) for u in unknown))
        summary = _("{summary} (not judged, as hidden or not shown: {fields})").format(summary=summary, fields=hidden)

    return Verdict(verdict=kind, label=verdict_label(kind), signals=tuple(f.signal for f in fired),
                   advice=tuple(_(a) for a in advice), unknown=tuple(unknown), total=total, summary=summary)


# ---------------------------------------------------------------------------------------------
# The worker's own history with a client, from the contracts the store holds


_ESCROWED = frozenset({Stage.IN_PROGRESS, Stage.DELIVERED, Stage.IN_ACCEPTANCE, Stage.FINISHED})
_ACCEPTED = frozenset({Stage.FINISHED, Stage.ENDING})


def history_of(contracts: Iterable[PastContract], now: datetime, policy: VetPolicy = VetPolicy(),
               acceptance_days: int = 7, year_end_break: bool = False) -> History:
    """``History`` from the contracts the watcher saw with one client (UTC times, ``now`` given).

    Escrow: business days from the contract first seen awaiting escrow to the first stage seen
    with escrow (known only when the watcher saw the wait begin); a contract that ended still
    awaiting escrow never got it; one still waiting counts once it has waited ``escrow_late_days``.
    Replies: business days from my first message after the client's last one to their answer.
    Acceptance: a delivery accepted (the contract seen finished or gone from the active list)
    more than ``acceptance_days`` after it was delivered, or still not accepted by then.
    The times are those of the scans that saw each stage: as exact as the scan interval.
    """
    escrow_waits: list[float] = []
    never = late_acceptance = 0
    replies: list[float] = []
    findings: list[str] = []
    count = 0
    for c in contracts:
        count += 1
        findings.extend(f for f in c.findings if f != rules.CLIENT_RISK)
        stages = sorted(c.stages, key=lambda x: x[0])
        if stages and stages[0][1] is Stage.AWAITING_ESCROW:
            started = stages[0][0]
            paid = next((t for t, s in stages if s in _ESCROWED), None)
            if paid is not None:
                escrow_waits.append(float(business_days_between(started, paid, year_end_break)))
            elif not c.active:
                never += 1
            else:
                waited = float(business_days_between(started, now, year_end_break))
                if waited >= policy.escrow_late_days:
                    escrow_waits.append(waited)
        if c.delivered_at is not None:
            due = c.delivered_at + timedelta(days=acceptance_days)
            accepted = next((t for t, s in stages if s in _ACCEPTED and t >= c.delivered_at), None)
            if accepted is None and not c.active:
                accepted = c.last_seen  # gone from the active list: accepted by the next scan at the latest
            if (accepted if accepted is not None else now) > due:
                late_acceptance += 1
        first_mine: datetime | None = None
        for m in sorted(c.messages, key=lambda x: x.sent_at):
            if m.sender is Sender.CLIENT:
                if first_mine is not None:
                    replies.append(float(business_days_between(first_mine, m.sent_at, year_end_break)))
                first_mine = None
            elif m.sender is Sender.WORKER and first_mine is None:
                first_mine = m.sent_at
    return History(contracts=count, escrow_waits_days=tuple(escrow_waits), escrow_never=never,
                   reply_waits_days=tuple(replies), acceptance_late=late_acceptance,
                   earlier_findings=tuple(findings))
