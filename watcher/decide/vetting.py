"""Vetting a client before the contract: ``vet(record, last_access, history, now, policy) -> Verdict``.

Pure: the profile's record and the worker's own history come in, ``now`` is given (timezone-aware;
``ValueError`` otherwise), nothing is read or written here. Every signal carries its evidence (what
the page or the history showed, with the number) and a plain Japanese sentence. A field the profile
hid or did not show is **unknown**: it is listed in ``Verdict.unknown`` and never weighed, because a
hidden field is not a bad sign.

This module composes the verdict; its parts are their own modules: ``vet_policy`` (``VetPolicy``,
``Signal``, ``SIGNALS``), ``vet_words`` (the verdicts' and facts' labels, the advice),
``vet_profile`` (the checks on the profile), ``vet_trouble`` (trouble words in rating comments)
and ``vet_history`` (``History``, ``history_of``: the worker's own history with the client).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watcher.decide.vet_history import History, history_signals
from watcher.decide.vet_policy import Signal, VetPolicy
from watcher.decide.vet_profile import profile_signals
from watcher.decide.vet_words import (
    ADVICE_ESCROW,
    ADVICE_NO_MATERIAL,
    ADVICE_WARNING,
    VerdictKind,
    fact_label,
    verdict_label,
)
from watcher.i18n import _, ngettext
from watcher.models import ClientRecord, Interval
from watcher.phrases import join_list


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
        *profile_signals(r, last_access, now, p, unknown),
        *history_signals(history, p),
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
