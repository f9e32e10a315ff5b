"""What the client's profile says: the checks on its record and its last access, as fired signals.

``profile_signals(record, last_access, now, policy, unknown) -> list[Fired]``: pure, ``now`` given
(timezone-aware, as ``ClientRecord.created_at`` and ``Interval`` are). Each check reads one group of
the profile's facts (identity and rule check, completion, rating, the rating comments' trouble words,
the account's age, the jobs posted, the last access); a fact the profile hid or did not show is
appended to ``unknown`` (a ``FACT_LABELS`` id) and never weighed. Evidence and messages come in the
language chosen when it runs; the advice as msgids (``vet_words``). Nothing is raised here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from watcher.decide.vet_policy import Fired, Signal, VetPolicy, weight_for
from watcher.decide.vet_trouble import TOPIC_LABELS, find_trouble
from watcher.decide.vet_words import (
    ADVICE_ACCEPTANCE,
    ADVICE_CONTACT,
    ADVICE_ESCROW,
    ADVICE_JOBS,
    ADVICE_RATINGS,
    hint_only,
    plain_number,
)
from watcher.i18n import _, ngettext
from watcher.models import ClientRecord, Interval
from watcher.phrases import fmt_date


def profile_signals(r: ClientRecord, last_access: Interval | None, now: datetime, p: VetPolicy,
                    unknown: list[str]) -> list[Fired]:
    """Every check on the profile, in this order (which is also the order ``unknown`` is filled in)."""
    return [
        *_flags(r, p, unknown),
        *_completion(r, p, unknown),
        *_rating(r, p, unknown),
        *_trouble(r, p),
        *_account(r, now, p, unknown),
        *_jobs(r, p, unknown),
        *_access(last_access, now, p, unknown),
    ]


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


def _flags(r: ClientRecord, p: VetPolicy, unknown: list[str]) -> list[Fired]:
    out: list[Fired] = []
    if r.identity_verified is None:
        unknown.append("identity_verified")
    elif r.identity_verified is False:
        out.append(Fired(Signal(
            "identity_unverified", p.w_identity_unverified, False, _("Identity check: not verified"),
            _("This client has not verified their identity.")), (ADVICE_ESCROW,)))
    if r.rule_check_passed is None:
        unknown.append("rule_check_passed")
    elif r.rule_check_passed is False:
        out.append(Fired(Signal(
            "rule_check_failed", p.w_rule_check_failed, False, _("Rule check: not passed"),
            _("This client has not passed the CrowdWorks rule check. They may not know the rules of escrow and "
              "acceptance.")),
            (ADVICE_ESCROW, ADVICE_ACCEPTANCE)))
    return out


def _completion(r: ClientRecord, p: VetPolicy, unknown: list[str]) -> list[Fired]:
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
    candidates: list[Fired] = []
    if rate is not None and contracts != 0 and rate < p.min_completion_rate:
        w, light = weight_for(p.w_low_completion, contracts, p.min_contracts_for_rate, p)
        if contracts is not None:
            evidence = ngettext("Completion rate {rate}% ({n} contract)", "Completion rate {rate}% ({n} contracts)",
                                contracts).format(rate=plain_number(rate), n=contracts)
        else:
            evidence = _("Completion rate {rate}% (number of contracts hidden)").format(rate=plain_number(rate))
        candidates.append(Fired(Signal(
            "low_completion", w, rate, evidence,
            hint_only(_("The completion rate is below {rate}%. Many contracts may have ended unfinished.").format(
                rate=plain_number(p.min_completion_rate)), light, contracts)), (ADVICE_ACCEPTANCE,)))
    if len(counts) == 2 and contracts:
        finished = min(counts)
        if finished / contracts < p.min_finished_ratio:
            w, light = weight_for(p.w_few_finished, contracts, p.min_contracts_for_rate, p)
            candidates.append(Fired(Signal(
                "few_finished", w, {"finished": finished, "contracts": contracts},
                _("Finished {finished} / contracted {contracts}").format(finished=finished, contracts=contracts),
                hint_only(_("Few contracts were finished compared with those contracted: fewer than {pct}%.").format(
                    pct=plain_number(p.min_finished_ratio * 100)), light, contracts)), (ADVICE_ACCEPTANCE,)))
    if not candidates:
        return []
    # The same fact from two fields weighs once: the heavier, low_completion on a tie.
    return [max(candidates, key=lambda f: f.signal.weight)]


def _rating(r: ClientRecord, p: VetPolicy, unknown: list[str]) -> list[Fired]:
    if r.rating is None:
        unknown.append("rating")
    if r.rating_count is None:
        unknown.append("rating_count")
    if r.rating is None or r.rating_count == 0 or r.rating >= p.min_rating:
        return []
    count = r.rating_count
    w, light = weight_for(p.w_low_rating, count, p.min_ratings_for_average, p)
    average = f"{r.rating:.1f}"
    if count is not None:
        evidence = ngettext("Average rating {average} ({n} rating)", "Average rating {average} ({n} ratings)",
                            count).format(average=average, n=count)
    else:
        evidence = _("Average rating {average} (number of ratings hidden)").format(average=average)
    return [Fired(Signal(
        "low_rating", w, {"average": r.rating, "count": count}, evidence,
        hint_only(_("The average rating from workers is below {rating}.").format(rating=f"{p.min_rating:.1f}"),
             light, count)),
        (ADVICE_RATINGS,))]


def _trouble(r: ClientRecord, p: VetPolicy) -> list[Fired]:
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
    return [Fired(Signal(
        "trouble_in_ratings", p.w_trouble_in_ratings,
        {"comments": n, "topics": topics, "words": quotes}, evidence,
        _("Rating comments tell of trouble with {topics}.").format(topics=what)),
        (*(advice[t] for t in topics), ADVICE_RATINGS))]


def _account(r: ClientRecord, now: datetime, p: VetPolicy, unknown: list[str]) -> list[Fired]:
    if r.created_at is None:
        unknown.append("created_at")
        return []
    age = now - r.created_at
    if age >= timedelta(days=p.min_account_age_days):
        return []
    days = max(age.days, 0)
    return [Fired(Signal(
        "new_account", p.w_new_account, days,
        ngettext("Registered {date} ({days} day ago)", "Registered {date} ({days} days ago)", days).format(
            date=fmt_date(r.created_at), days=days),
        ngettext("A new account, registered less than {days} day ago: there is no record to judge by yet.",
                 "A new account, registered less than {days} days ago: there is no record to judge by yet.",
                 p.min_account_age_days).format(days=p.min_account_age_days)),
        (ADVICE_ESCROW,))]


def _jobs(r: ClientRecord, p: VetPolicy, unknown: list[str]) -> list[Fired]:
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
    return [Fired(Signal(
        "jobs_rarely_contracted", p.w_jobs_rarely_contracted, {"posted": posted, "contracted": contracted},
        ngettext("{contracted} of {posted} job posted contracted", "{contracted} of {posted} jobs posted contracted",
                 posted).format(contracted=contracted, posted=posted),
        _("Most of the jobs this client posted never led to a contract.")), (ADVICE_JOBS,))]


def _access(last_access: Interval | None, now: datetime, p: VetPolicy, unknown: list[str]) -> list[Fired]:
    if last_access is None:
        unknown.append("last_access")
        return []
    away = now - last_access.latest  # the least it can be: never more than the page said
    if away < timedelta(days=p.access_away_days):
        return []
    return [Fired(Signal(
        "away_long", p.w_away_long, away.days,
        ngettext("Last access at least {days} day ago", "Last access at least {days} days ago", away.days).format(
            days=away.days),
        ngettext("The client has not visited the site for {days} day or more. Escrow and replies may be late.",
                 "The client has not visited the site for {days} days or more. Escrow and replies may be late.",
                 p.access_away_days).format(days=p.access_away_days)),
        (ADVICE_CONTACT, ADVICE_ESCROW))]
