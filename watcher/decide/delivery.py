"""When a contract was delivered (docs/rules.md, "When was it delivered?"). Pure: the thread as the
history holds it, the scans' times and the config's wording are given; the store only keeps the answer.

The site marks no message as the delivery report, and its text may be empty (platform notes,
contract page: reported). So a delivery is an **interval** with its basis, one per episode (each
move into a delivered stage; back to work in progress closes it):

- ``move_seen``: between the last scan that saw the contract before the move and the first scan
  that saw it delivered; a message of mine inside that interval is the likely report (none: an
  empty text, the interval stays);
- ``first_seen``: already delivered at the contract's first scan: between the thread's start (or
  the client's last message that asked for work: a revision request) and that scan; the latest
  message of mine inside whose words say it delivers is the likely report;
- ``confirmed``: the person said which message, or when (``cwwatch delivered``): it always wins.

A message a page marks as delivery (``kind == "delivery"``, the guessed class ``_deliveryReport_``:
platform notes row 99, nothing backs it) is at most a likely report, and never outside a seen move.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from watcher.models import Delivery, Message, Sender, Stage

# The wording of a delivery report (config ``delivery_words``), Japanese first.
DELIVERY_WORDS: tuple[str, ...] = ("納品", "検収をお願い", "検収のほど", "検収お願い", "成果物", "ご査収",
                                   "お納めください", "deliver")
# The words of a client's message that asks for (more) work: a revision request (修正依頼) or a
# rejection. The delivery in acceptance now came after the latest such message.
ASKED_WORDS: tuple[str, ...] = ("修正してください", "修正をお願い", "修正お願い", "修正依頼", "差し戻", "やり直",
                                "直してください")
# A seen move bounds the delivery tightly when its interval is at most this long: a draft may then
# name the delivery date (the daemon scans every half hour; a day-long gap is no longer a date).
TIGHT = timedelta(hours=6)


def needs_episode(stage: Stage, before: Stage | None, open_episode: bool) -> bool:
    """Whether a contract read now in ``stage`` starts a delivery episode: it is delivered and was not
    before (``before``: the stage the history held; None: never seen), or no episode is open."""
    return stage.delivered and (before is None or not before.delivered or not open_episode)


def closes_episode(stage: Stage) -> bool:
    """Whether a contract read in ``stage`` closes its open episode: back to work (a rejection), or
    anything else that is no longer delivered (完了 closes everything)."""
    return not stage.delivered


def says_delivery(m: Message, words: Iterable[str]) -> bool:
    """Whether a message of mine is worded as a delivery report (or a page marked it so: a guess)."""
    body = m.body.casefold()
    return m.kind == "delivery" or any(w.casefold() in body for w in words if w)


def open_episode(messages: Sequence[Message], seen_at: datetime, before_seen: datetime | None,
                 words: Iterable[str] = DELIVERY_WORDS) -> Delivery:
    """The episode a scan at ``seen_at`` (UTC) opens. ``before_seen``: when a scan last saw the
    contract before the move (None: the contract is first seen delivered). ``messages``: the thread."""
    mine = sorted((m for m in messages if m.sender is Sender.WORKER and m.sent_at <= seen_at),
                  key=lambda m: m.sent_at)
    if before_seen is not None:
        earliest = min(before_seen, seen_at)
        inside = [m for m in mine if m.sent_at > earliest]
        marked = [m for m in inside if m.kind == "delivery"]
        pick = (marked or inside or [None])[-1]
        basis = "move_seen"
    else:  # from the contract's start (the thread's first message), or the client's last request for work
        earliest = min((m.sent_at for m in messages), default=seen_at)
        asked = [m.sent_at for m in messages if m.sender is Sender.CLIENT and m.sent_at <= seen_at
                 and any(w in m.body for w in ASKED_WORDS)]
        earliest = min(max([earliest, *asked]), seen_at)
        telling = [m for m in mine if m.sent_at >= earliest and says_delivery(m, tuple(words))]
        pick = (telling or [None])[-1]
        basis = "first_seen"
    return Delivery(earliest, seen_at, basis, likely=pick.sent_at if pick else None,
                    likely_key=pick.key if pick else "")


def candidates(messages: Sequence[Message], d: Delivery) -> list[Message]:
    """My messages that could be the delivery report, oldest first: inside a seen move's interval
    (a message outside it never can be), or up to a first scan."""
    lo = d.earliest if d.basis == "move_seen" else None
    return [m for m in messages if m.sender is Sender.WORKER and m.sent_at <= d.latest
            and (lo is None or m.sent_at > lo)]


def tight(d: Delivery) -> bool:
    """Whether the delivery may be named as a date: confirmed, or bounded tightly by a seen move."""
    return d.confirmed or (d.basis == "move_seen" and d.latest - d.earliest <= TIGHT)


def week_end(d: Delivery, days: int) -> tuple[datetime, datetime | None, datetime]:
    """The acceptance week's end as an interval: (earliest end, likely end or None, latest end).
    Confirmed: all three the same point."""
    week = timedelta(days=days)
    if d.confirmed_at is not None:
        end = d.confirmed_at + week
        return end, end, end
    at = d.at
    return d.earliest + week, (at + week if at is not None else None), d.latest + week


def certain_anchor(d: Delivery | None) -> datetime | None:
    """The latest the delivery can have been (confirmed: that point): what counts against a client."""
    if d is None:
        return None
    return d.confirmed_at if d.confirmed_at is not None else d.latest
