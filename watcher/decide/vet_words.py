"""The vetting's words: the verdicts, the profile's facts and the advice, as msgids (``N_``).

Pure and data only: nothing is read or written. The constants here are English msgids marked for
the catalog; ``verdict_label``, ``fact_label`` and ``plain_number``/``hint_only`` return text in the
language chosen when they run (``watcher.i18n``). The verdict ids (``VERDICTS``) and the fact ids
(``FACT_LABELS``) are stable: ``cwwatch vet --json`` and the history carry them (docs/vetting.md).
Raises ``KeyError`` for a verdict id that is not one of ``VERDICTS``; nothing else raises.
"""

from __future__ import annotations

from typing import Literal

from watcher.i18n import N_, _

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


def plain_number(x: float) -> str:
    """A number as a person writes it: 80, 62.5, 3.25 (two decimals at most)."""
    return f"{round(x, 2):.2f}".rstrip("0").rstrip(".")


def hint_only(message: str, light: bool, count: int | None) -> str:
    """``message``, with a note that it rests on few data points when its weight is light."""
    if not light:
        return message
    if count is None:
        return _("{message} (the count is not known, so take it as a hint only)").format(message=message)
    return _("{message} (few data points, so take it as a hint only)").format(message=message)
