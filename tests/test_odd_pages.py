"""Issue 20 items 1 and 2: one odd page blinds one client, not the scan (the pure decisions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from watcher.crowdworks.site import UNFOLD_CLICKS, unfold_limit
from watcher.decide import plan
from watcher.decide.plan import profiles_prove_layout_change
from watcher.models import InboxItem, Message, Sender, Stage, Workroom


@pytest.mark.parametrize(("read", "failed", "proves"), [
    (0, 0, False),
    (3, 0, False),
    (3, 1, False),  # one of several: that client's page
    (3, 2, False),  # some still read: the readers know the layout
    (3, 3, True),  # every profile read failed: the page kind changed
    (1, 1, True),  # the one profile read failed: nothing tells it from a change
])
def test_profile_failures_prove_a_layout_change_only_when_none_was_read(read: int, failed: int,
                                                                         proves: bool) -> None:
    assert profiles_prove_layout_change(read, failed) is proves


# -- item 2: a very long thread read from the page ------------------------------------------------


@pytest.mark.parametrize(("clicks", "limit", "text", "expected"), [
    (0, 0, "他の490件のメッセージを表示", 490),  # 500 messages, ten shown: never cut at a fixed 30
    (10, 490, "他の390件のメッセージを表示", 490),  # never lowered as the count falls
    (0, 0, "他の１，２００件のメッセージを表示", 1200),  # full-width digits, a thousands separator
    (0, 0, "過去のメッセージを表示", UNFOLD_CLICKS),  # no count announced
    (49, 490, "他の600件のメッセージを表示", 649),  # a second fold further up adds its own count
])
def test_the_unfolding_bound_follows_the_count_the_fold_announces(clicks: int, limit: int, text: str,
                                                                  expected: int) -> None:
    assert unfold_limit(clicks, limit, text) == expected


T0 = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)


def _room(messages: list[Message], partial: bool) -> Workroom:
    return Workroom(1, "t", 9, "c", "", Stage.IN_PROGRESS, True, None, tuple(messages), thread_id=5,
                    partial=partial, cut_short=partial)


def test_a_cut_short_thread_lacks_nothing_older_than_it_shows_but_still_its_newest() -> None:
    """The inbox's newest client message, folded away above the newest messages a cut-short read shows,
    is folded, not lost; one newer than what it shows is still lost."""
    shown = [Message(Sender.WORKER, T0 + timedelta(hours=h), f"m{h}") for h in range(1, 4)]
    folded = InboxItem(5, 77, T0, "t", "c", None, None)
    assert plan.lost_message([folded], [_room(shown, partial=True)]) is None
    assert plan.lost_message([folded], [_room(shown, partial=False)]) is not None  # a whole read lacks it
    newer = InboxItem(5, 78, T0 + timedelta(hours=5), "t", "c", None, None)
    assert plan.lost_message([newer], [_room(shown, partial=True)]) is not None
