"""When a contract was delivered (docs/rules.md, "When was it delivered?"). Pure: the thread as the
history holds it and the moment of the scan are given; the store only keeps the answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from watcher.models import Message, Sender, Stage


def needs_dating(stage: Stage, before: Stage | None, dated: bool) -> bool:
    """Whether a contract read now in ``stage`` needs its delivery dated: it is delivered and was not
    before (``before``: the stage the history held; None: never seen), or it was and was never dated."""
    return stage.delivered and (before is None or not before.delivered or not dated)


def delivery_time(current: Sequence[Message], removed: Sequence[Message], seen_at: datetime,
                  moved: bool) -> tuple[datetime, str]:
    """When a contract seen in acceptance was delivered, and the basis: a delivery report the page marked
    (``marked``; removed messages count too), else my newest message still shown at or before this
    scan (the report is a message of mine), else this scan. ``moved``: an earlier scan saw it before
    acceptance, so the move happened since (``move_seen``); else ``first_seen``."""
    marked = [m.sent_at for m in (*current, *removed) if m.kind == "delivery"]
    if marked:
        return max(marked), "marked"
    mine = [m.sent_at for m in current if m.sender is Sender.WORKER and m.sent_at <= seen_at]
    return (max(mine) if mine else seen_at), ("move_seen" if moved else "first_seen")
