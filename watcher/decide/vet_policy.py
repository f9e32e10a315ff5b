"""What a vetting weighs with: ``VetPolicy`` (every threshold and weight) and the ``Signal`` a check fires.

Pure: nothing is read or written. Units: percentages 0-100 (``min_completion_rate``), ratios 0-1
(``min_finished_ratio``, ``max_jobs_uncontracted_ratio``), calendar days for the profile
(``min_account_age_days``, ``access_away_days``), business days on the Japanese calendar for the
worker's own history (``escrow_late_days``, ``slow_reply_days``); weights are integers >= 0 and
their sum makes the verdict (``caution_at``, ``warning_at``). ``VetPolicy`` raises ``ValueError``
on thresholds out of order or a weight that is not an integer >= 0. Reasons in full: docs/vetting.md.

Signal ids are stable (docs/vetting.md): ``identity_unverified``, ``rule_check_failed``,
``low_completion``, ``few_finished``, ``low_rating``, ``trouble_in_ratings``, ``new_account``,
``jobs_rarely_contracted``, ``away_long``, ``escrow_late``, ``escrow_never``, ``slow_replies``,
``acceptance_late``, ``earlier_findings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from watcher.decide import rules

SIGNALS = (
    "identity_unverified", "rule_check_failed", "low_completion", "few_finished", "low_rating",
    "trouble_in_ratings", "new_account", "jobs_rarely_contracted", "away_long", "escrow_late",
    "escrow_never", "slow_replies", "acceptance_late", "earlier_findings",
)


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
class Fired:
    signal: Signal
    advice: tuple[str, ...]


def weight_for(full: int, count: int | None, solid: int, policy: VetPolicy) -> tuple[int, bool]:
    """The weight of a statistic over ``count`` data points: full from ``solid`` on, else light."""
    if count is not None and count >= solid:
        return full, False
    return min(full, policy.w_few_data), True
