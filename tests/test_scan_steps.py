"""The scan's own decisions, pure (``decide.delivery`` and the plan's choice of who is vetted and
which applications stirred): no store, no browser, ``now`` given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from watcher.decide import delivery, plan
from watcher.models import InboxItem, Message, ProposalSeen, Sender, Stage

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def msg(sender: Sender, minutes: int, kind: str = "message") -> Message:
    return Message(sender, T0 + timedelta(minutes=minutes), "…", kind)


def test_a_marked_report_dates_the_delivery_even_once_removed() -> None:
    at, basis = delivery.delivery_time([msg(Sender.WORKER, 50)], [msg(Sender.WORKER, 10, "delivery")],
                                       T0 + timedelta(hours=2), moved=True)
    assert (at, basis) == (T0 + timedelta(minutes=10), "marked")


def test_else_my_newest_message_by_then_else_the_scan() -> None:
    seen_at = T0 + timedelta(minutes=30)
    thread = [msg(Sender.WORKER, 5), msg(Sender.CLIENT, 20), msg(Sender.WORKER, 25), msg(Sender.WORKER, 40)]
    assert delivery.delivery_time(thread, [], seen_at, moved=False) == (T0 + timedelta(minutes=25), "first_seen")
    assert delivery.delivery_time([msg(Sender.CLIENT, 5)], [], seen_at, moved=True) == (seen_at, "move_seen")


def test_dated_once_when_it_becomes_delivered() -> None:
    assert delivery.needs_dating(Stage.IN_ACCEPTANCE, None, False)
    assert delivery.needs_dating(Stage.IN_ACCEPTANCE, Stage.IN_PROGRESS, False)
    assert not delivery.needs_dating(Stage.IN_ACCEPTANCE, Stage.IN_ACCEPTANCE, True)
    assert delivery.needs_dating(Stage.IN_ACCEPTANCE, Stage.IN_ACCEPTANCE, False)
    assert not delivery.needs_dating(Stage.IN_PROGRESS, None, False)


def test_an_application_stirs_when_its_thread_has_a_new_proposed_message() -> None:
    known = {7: ProposalSeen(7, "a", thread_id=70), 8: ProposalSeen(8, "b", thread_id=80, client_wrote_at=T0)}
    inbox = [InboxItem(70, 1, T0, "a", "x", "proposed", None), InboxItem(80, 2, T0, "b", "y", "proposed", None),
             InboxItem(70, 3, T0, "a", "x", "contracted", None)]
    stirred = plan.stirred_applications(inbox, known, {2}, "proposed")
    assert stirred == {7}
    assert plan.applications_to_read([6, 7, 8], known, {7, 8}) == [6, 7]


def test_each_subject_is_vetted_once() -> None:
    wrote = ProposalSeen(9, "c", client_id=90, client_wrote_at=T0)
    known = {9: ProposalSeen(9, "c", client_id=90), 10: ProposalSeen(10, "d", client_id=None, client_wrote_at=T0)}
    assert plan.applications_to_vet(known, [wrote], vetted=[]) == [wrote]
    assert plan.applications_to_vet(known, [wrote], vetted=[9]) == []
