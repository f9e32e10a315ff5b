"""Every rule at its boundaries, weekends and Japanese holidays included; the alert decisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from watcher.decide.alerts import plan_findings, plan_health
from watcher.decide.rules import Policy, evaluate, waited_since
from watcher.jptime import JST
from watcher.models import AccessSeen, ContractState, Delivery, HealthKind, Interval, Message, Problem, Sender, Stage

S = timedelta(seconds=1)


def jst(*a):
    return datetime(*a, tzinfo=JST)


def msg(sender, at, kind=None):
    s = Sender(sender)
    return Message(s, at, f"{sender} {at}", kind or ("system" if s is Sender.SYSTEM else "message"))


def state(messages, stage=Stage.IN_PROGRESS, access=None, escrow=True, status_since=None):
    return ContractState(1, "記事", 9, "株式会社テスト", stage, "進行中", escrow, tuple(messages),
                         status_since or jst(2026, 11, 1), access)


def seen(earliest, latest, observed):
    return AccessSeen(Interval(earliest, latest), "約1日前", observed)


def rules(findings):
    return [f.rule for f in findings]


# -- waited since ---------------------------------------------------------------------------------

def test_waited_since_is_my_first_message_after_the_clients_last():
    t = jst(2026, 11, 2, 10)
    ms = [msg("client", t), msg("worker", t + 2 * S), msg("worker", t + 9 * S),
          msg("system", t + 10 * S)]
    assert waited_since(ms) == t + 2 * S  # the reminder does not restart the clock


def test_a_client_message_resets_and_a_delivery_counts_as_mine():
    t = jst(2026, 11, 2, 10)
    ms = [msg("worker", t), msg("client", t + S), msg("worker", t + 5 * S, "delivery")]
    assert waited_since(ms) == t + 5 * S
    assert waited_since(ms[:2]) is None
    assert waited_since([msg("system", t)]) is None
    assert waited_since([]) is None


# -- the waiting rules at the quiet threshold -----------------------------------------------------

FRI = jst(2026, 11, 20, 15, 0)  # Friday; Monday 23rd is 勤労感謝の日
WED = jst(2026, 11, 25, 15, 0)  # two business days after FRI


def quiet_case(now, access):
    return evaluate([state([msg("client", FRI - timedelta(days=1)), msg("worker", FRI)],
                           access=access)], now)


def test_quiet_threshold_is_two_business_days_across_a_weekend_and_a_holiday():
    visited = seen(WED - timedelta(hours=2), WED - timedelta(hours=1), WED)
    assert rules(quiet_case(WED - S, visited)) == []
    found = quiet_case(WED, visited)
    assert rules(found) == ["quiet_client"]
    f = found[0]
    assert f.since == FRI and f.stage == 1 and f.client_id == 9
    assert "2営業日" in f.message and "連絡催促" in f.message
    # Monday the 23rd is a holiday: a calendar-day count would have fired on Sunday.
    assert rules(quiet_case(jst(2026, 11, 24, 15, 0), visited)) == []


def test_threshold_is_configurable():
    visited = seen(WED - timedelta(hours=2), WED - timedelta(hours=1), WED)
    c = state([msg("worker", FRI)], access=visited)
    assert rules(evaluate([c], jst(2026, 11, 24, 15, 0), Policy(quiet_business_days=1))) == ["quiet_client"]
    assert rules(evaluate([c], WED, Policy(quiet_business_days=3))) == []


def test_access_interval_straddling_the_message_is_no_reply():
    straddle = seen(FRI - timedelta(hours=1), FRI + timedelta(hours=1), WED)
    assert rules(quiet_case(WED, straddle)) == ["no_reply"]


def test_access_just_after_sending_is_quiet_client_only_when_certain():
    assert rules(quiet_case(WED, seen(FRI + S, FRI + 2 * S, WED))) == ["quiet_client"]
    assert rules(quiet_case(WED, seen(FRI, FRI + S, WED))) == ["no_reply"]  # not strictly after


def test_client_away_needs_a_fresh_observation():
    before = seen(FRI - timedelta(days=3), FRI - S, WED)
    assert rules(quiet_case(WED, before)) == ["client_away"]
    stale = seen(FRI - timedelta(days=3), FRI - S, WED - timedelta(days=2))
    assert rules(quiet_case(WED, stale)) == ["no_reply"]


def test_hidden_or_unknown_access_is_no_reply_never_quiet_client():
    assert rules(quiet_case(WED, AccessSeen(None, None, WED))) == ["no_reply"]
    assert rules(quiet_case(WED, None)) == ["no_reply"]


@pytest.mark.usefixtures("english")
def test_an_unread_profile_is_no_reply_said_as_unread_not_hidden():
    """Issue 20 item 1: a profile the scan could not read (text "") is unknown: no_reply, never
    quiet_client, and said as unread, not as a client who hides the access."""
    (f,) = quiet_case(WED, AccessSeen(None, "", WED))
    assert f.rule == "no_reply" and "could not be read" in f.message and "hidden" not in f.message


# -- acceptance (Art. 9(3)) -----------------------------------------------------------------------

DELIVERED = jst(2026, 11, 6, 10, 0)
DEADLINE = DELIVERED + timedelta(days=7)


def delivered_state(stage=Stage.IN_ACCEPTANCE):
    """Delivered on DELIVERED, as the person confirmed it (the one basis that is a fact)."""
    confirmed = Delivery(DELIVERED - timedelta(days=1), DELIVERED, "move_seen", confirmed_at=DELIVERED)
    return replace(state([msg("worker", DELIVERED)], stage=stage, access=AccessSeen(None, None, DEADLINE)),
                   delivery=confirmed)


@pytest.mark.parametrize(("now", "expected"), [
    (DEADLINE - timedelta(days=2) - S, []),
    (DEADLINE - timedelta(days=2), ["acceptance_due"]),
    (DEADLINE - S, ["acceptance_due"]),
    (DEADLINE, ["acceptance_overdue"]),
    (DEADLINE + timedelta(days=30), ["acceptance_overdue"]),
])
def test_acceptance_due_and_overdue_at_their_boundaries(now, expected):
    found = [f for f in evaluate([delivered_state()], now) if f.rule.startswith("acceptance")]
    assert rules(found) == expected
    if found:
        assert found[0].deadline == DEADLINE and found[0].since == DELIVERED


def test_overdue_names_article_9_3():
    f = next(f for f in evaluate([delivered_state()], DEADLINE) if f.rule == "acceptance_overdue")
    assert "第9条第3項" in f.message and "事務局" in f.message


@pytest.mark.parametrize("stage", [Stage.DELIVERED, Stage.IN_ACCEPTANCE])
def test_both_delivered_stages_count(stage):
    assert "acceptance_overdue" in rules(evaluate([delivered_state(stage)], DEADLINE))


def test_acceptance_needs_a_delivered_stage_and_a_delivery():
    assert "acceptance_overdue" not in rules(evaluate([delivered_state(Stage.IN_PROGRESS)], DEADLINE))
    # A message the page marked (the guessed class) is no delivery by itself: the scan's episode is.
    no_episode = state([msg("worker", DELIVERED, "delivery")], stage=Stage.IN_ACCEPTANCE)
    assert not [f for f in evaluate([no_episode], DEADLINE) if f.rule.startswith("acceptance")]


# -- escrow ---------------------------------------------------------------------------------------

def test_escrow_missing_when_awaiting_escrow_or_not_deposited():
    since = jst(2026, 11, 18)
    a = state([], stage=Stage.AWAITING_ESCROW, escrow=False, status_since=since)
    found = evaluate([a], jst(2026, 11, 20))
    assert rules(found) == ["escrow_missing"] and found[0].since == since
    assert "業務を開始しないで" in found[0].message
    b = state([], stage=Stage.IN_PROGRESS, escrow=False)
    assert rules(evaluate([b], jst(2026, 11, 20))) == ["escrow_missing"]
    assert rules(evaluate([state([], escrow=None)], jst(2026, 11, 20))) == []


def test_finished_contracts_yield_nothing_and_order_is_stable():
    done = state([msg("worker", DELIVERED, "delivery")], stage=Stage.FINISHED, escrow=False)
    assert evaluate([done], DEADLINE) == []
    both = replace(delivered_state(), escrow_deposited=False)
    assert rules(evaluate([both], DEADLINE)) == ["no_reply", "acceptance_overdue", "escrow_missing"]


# -- alert decisions ------------------------------------------------------------------------------

def test_each_finding_notifies_once_and_a_gone_finding_closes():
    f = evaluate([delivered_state()], DEADLINE)
    first = plan_findings(f, set(), [])
    assert first.notify == f and first.close == []
    keys = {x.key for x in f}
    again = plan_findings(f, keys, keys)
    assert again.notify == [] and again.close == []
    gone = plan_findings([], keys, keys)
    assert gone.notify == [] and gone.close == sorted(keys)


def test_a_new_wait_after_a_reply_is_a_new_episode():
    one = evaluate([state([msg("worker", FRI)], access=AccessSeen(None, None, WED))], WED)
    later = FRI + timedelta(days=14)
    two = evaluate([state([msg("worker", FRI), msg("client", FRI + S), msg("worker", later)],
                          access=AccessSeen(None, None, WED))], later + timedelta(days=7))
    assert one[0].key != two[0].key


def test_health_notifies_after_the_threshold_once_and_recovers_once():
    p = [Problem(HealthKind.LAYOUT_CHANGED, "workroom", "x")]
    assert plan_health(False, p, 1, 2, None, 1).notify_problem is None
    hp = plan_health(False, p, 2, 2, None, 2)
    assert hp.notify_problem == p[0] and hp.key
    assert plan_health(False, p, 3, 2, hp.key, 3).notify_problem is None
    rec = plan_health(True, [], 0, 2, hp.key, 4)
    assert rec.notify_recovery and rec.key == hp.key
    assert not plan_health(True, [], 0, 2, None, 5).notify_recovery


def test_a_wait_that_goes_on_escalates_to_stage_2_once():
    visited = lambda now: seen(now - timedelta(hours=2), now - timedelta(hours=1), now)  # noqa: E731
    # FRI + 2 business days = WED 25th; 5 more business days = WED 2nd December.
    stage1 = quiet_case(jst(2026, 12, 2, 14, 59), visited(jst(2026, 12, 2, 14, 59)))
    stage2 = quiet_case(jst(2026, 12, 2, 15, 0), visited(jst(2026, 12, 2, 15, 0)))
    assert [f.stage for f in stage1] == [1] and [f.stage for f in stage2] == [2]
    assert stage1[0].key != stage2[0].key  # each stage notifies once
    assert "今すぐ" in stage2[0].message


def test_at_the_deadline_itself_the_words_say_past_as_the_rule_does() -> None:
    """`status` said 「あと1日未満」 at the very moment acceptance_overdue fired (``now >= deadline``)."""
    from watcher.report.words import days_left

    deadline = datetime(2026, 12, 9, 12, 0, tzinfo=JST)
    assert days_left(deadline, deadline) == (0, True)
    assert days_left(deadline, deadline - timedelta(microseconds=1)) == (0, False)
    assert days_left(deadline, deadline - timedelta(days=2)) == (2, False)
    assert days_left(deadline, deadline + timedelta(days=1)) == (1, True)
