"""The scan's own decisions, pure (``decide.delivery`` and the plan's choice of who is vetted and
which applications stirred): no store, no browser, ``now`` given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from watcher.decide import delivery, plan
from watcher.models import InboxItem, Message, ProposalSeen, Sender, Stage

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def msg(sender: Sender, minutes: int, kind: str = "message") -> Message:
    return Message(sender, T0 + timedelta(minutes=minutes), "…", kind)


def test_a_marked_report_is_at_most_likely_and_never_outside_a_seen_move() -> None:
    before, seen_at = T0 + timedelta(minutes=30), T0 + timedelta(hours=2)
    d = delivery.open_episode([msg(Sender.WORKER, 10, "delivery"), msg(Sender.WORKER, 50)], seen_at, before)
    assert (d.basis, d.earliest, d.latest) == ("move_seen", before, seen_at)
    assert d.likely == T0 + timedelta(minutes=50) and not d.confirmed  # the marked one lies before the move
    inside = delivery.open_episode([msg(Sender.WORKER, 40, "delivery"), msg(Sender.WORKER, 50)], seen_at, before)
    assert inside.likely == T0 + timedelta(minutes=40)


def test_a_seen_move_with_an_empty_text_stays_an_interval() -> None:
    thread = [msg(Sender.WORKER, 5), msg(Sender.CLIENT, 20)]
    d = delivery.open_episode(thread, T0 + timedelta(hours=2), T0 + timedelta(hours=1))
    assert d.likely is None and d.at is None and (d.earliest, d.latest) == (T0 + timedelta(hours=1),
                                                                            T0 + timedelta(hours=2))


def test_a_first_scan_takes_the_latest_message_worded_as_a_delivery() -> None:
    seen_at = T0 + timedelta(hours=5)
    thread = [Message(Sender.SYSTEM, T0, "契約が成立しました。", "system"),
              Message(Sender.WORKER, T0 + timedelta(minutes=30), "納品いたします。ご査収ください。", key="a"),
              Message(Sender.WORKER, T0 + timedelta(hours=2), "検収の状況はいかがでしょうか。", key="b")]
    d = delivery.open_episode(thread, seen_at, None)
    assert (d.basis, d.earliest, d.latest, d.likely, d.likely_key) == (
        "first_seen", T0, seen_at, T0 + timedelta(minutes=30), "a")
    bare = delivery.open_episode(thread[:1] + thread[2:], seen_at, None)
    assert bare.likely is None
    assert delivery.open_episode(thread[2:], seen_at, None, words=("いかが",)).likely_key == "b"


def test_an_episode_opens_on_a_move_into_delivery_and_closes_on_leaving_it() -> None:
    assert delivery.needs_episode(Stage.IN_ACCEPTANCE, None, False)
    assert delivery.needs_episode(Stage.IN_ACCEPTANCE, Stage.IN_PROGRESS, False)
    assert not delivery.needs_episode(Stage.IN_ACCEPTANCE, Stage.IN_ACCEPTANCE, True)
    assert delivery.needs_episode(Stage.IN_ACCEPTANCE, Stage.IN_ACCEPTANCE, False)
    assert not delivery.needs_episode(Stage.IN_PROGRESS, None, False)
    assert delivery.closes_episode(Stage.IN_PROGRESS) and delivery.closes_episode(Stage.FINISHED)
    assert not delivery.closes_episode(Stage.DELIVERED)


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


def test_a_first_scan_counts_from_the_clients_last_request_for_work() -> None:
    seen_at = T0 + timedelta(days=5)
    thread = [Message(Sender.SYSTEM, T0, "契約が成立しました。", "system"),
              Message(Sender.WORKER, T0 + timedelta(days=1), "納品いたします。", key="a"),
              Message(Sender.CLIENT, T0 + timedelta(days=2), "3本目を修正してください。", key="c")]
    d = delivery.open_episode(thread, seen_at, None)
    # The delivery in acceptance now came after the request: the earlier report is not it.
    assert (d.earliest, d.likely) == (T0 + timedelta(days=2), None)
    again = [*thread, Message(Sender.WORKER, T0 + timedelta(days=3), "修正版を納品いたします。", key="b")]
    assert delivery.open_episode(again, seen_at, None).likely_key == "b"
