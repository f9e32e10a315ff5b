"""Vetting a client: every signal at its boundaries, unknowns never weighed, the verdict, the JSON."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.decide import vet_words
from watcher.decide.vet_history import History
from watcher.decide.vet_policy import SIGNALS, Signal, VetPolicy
from watcher.decide.vet_trouble import TROUBLE_WORDS, find_trouble
from watcher.decide.vet_words import FACT_LABELS, VERDICTS, fact_label
from watcher.decide.vetting import Verdict, vet
from watcher.i18n import In
from watcher.jptime import JST
from watcher.models import ClientRecord, Interval, Rating

# Verdict.advice holds the advice in the chosen language (Japanese, the default).
ADVICE_ACCEPTANCE, ADVICE_CONTACT, ADVICE_ESCROW, ADVICE_NO_MATERIAL, ADVICE_WARNING = map(In("ja"), (
    vet_words.ADVICE_ACCEPTANCE, vet_words.ADVICE_CONTACT, vet_words.ADVICE_ESCROW, vet_words.ADVICE_NO_MATERIAL,
    vet_words.ADVICE_WARNING))

S = timedelta(seconds=1)
DAY = timedelta(days=1)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=JST)
RECENT = Interval(NOW - timedelta(hours=2), NOW - timedelta(hours=1))
NO_HISTORY = History()
DEFAULTS = VetPolicy()

# A client with a long, clean record: nothing fires.
SOLID = ClientRecord(
    identity_verified=True, rule_check_passed=True, certified=True, official=False, rating=4.8,
    rating_count=30, jobs_contracted=41, completion_rate=98.0, acceptance_count=41, finished_count=40,
    created_at=NOW - timedelta(days=3 * 365), prefecture="東京都",
    ratings=(Rating(5.0, "迅速な検収で、支払いもスムーズでした。", "記事作成", "2026-10-01"),
             Rating(4.5, "未払いの心配もなく安心してお取引できました", "校正", "2026-09-01")),
    jobs_posted=12, jobs_posted_contracted=9,
)


def rec(**changes) -> ClientRecord:
    return dataclasses.replace(SOLID, **changes)


def ids(v: Verdict) -> list[str]:
    return [s.id for s in v.signals]


def sig(v: Verdict, sid: str) -> Signal | None:
    return next((s for s in v.signals if s.id == sid), None)


def run(record: ClientRecord | None = SOLID, last_access: Interval | None = RECENT, history: History = NO_HISTORY,
        now: datetime = NOW, policy: VetPolicy = DEFAULTS) -> Verdict:
    return vet(record, last_access, history, now, policy)


# -- the two ends ---------------------------------------------------------------------------------

def test_a_solid_client_is_ok_with_nothing_to_report():
    v = run()
    assert v.verdict == "ok" and v.label == "問題なし" and v.signals == () and v.total == 0
    assert v.unknown == ()
    assert v.advice == (ADVICE_ESCROW,)  # the platform's rule for every contract
    assert "目立った注意点はありません" in v.summary


def test_a_new_unverified_client_with_low_completion_and_unpaid_work_is_a_warning():
    bad = ClientRecord(
        identity_verified=False, rule_check_passed=True, rating=3.0, rating_count=2, completion_rate=50.0,
        acceptance_count=2, finished_count=1, created_at=NOW - timedelta(days=30),
        ratings=(Rating(1.0, "納品したのに未払いのままです。", "ロゴ", "2026-11-01"),),
        jobs_posted=3, jobs_posted_contracted=2)
    v = run(bad)
    assert v.verdict == "warning" and v.label == "要警戒"
    assert ids(v) == ["trouble_in_ratings", "identity_unverified", "low_completion", "low_rating", "new_account"]
    assert v.total == 4 + 2 + 1 + 1 + 1
    assert v.advice[0] == ADVICE_WARNING
    assert ADVICE_ESCROW in v.advice and ADVICE_ACCEPTANCE in v.advice
    trouble = sig(v, "trouble_in_ratings")
    assert trouble is not None and "未払い" in trouble.evidence
    assert "支払い" in trouble.message


def test_no_record_at_all_is_ok_but_says_there_is_nothing_to_judge_by():
    for record in (None, ClientRecord()):
        v = run(record, last_access=None)
        assert v.verdict == "ok" and v.signals == () and v.total == 0
        assert set(v.unknown) == set(FACT_LABELS)
        assert v.advice[0] == ADVICE_NO_MATERIAL and v.advice[0].startswith("判断材料がありません。")
        assert "判断材料がありません" in v.summary and "問題がないという意味ではありません" in v.summary
        assert "目立った注意点はありません" not in v.summary


def test_a_history_alone_is_material():
    v = run(ClientRecord(), last_access=None, history=History(contracts=2, escrow_waits_days=(0.5, 1.0)))
    assert v.verdict == "ok" and ADVICE_NO_MATERIAL not in v.advice
    assert "非公開・未表示" in v.summary


# -- unknown is not a bad sign -----------------------------------------------------------------------

PROFILE_FIELDS = ["identity_verified", "rule_check_passed", "completion_rate", "acceptance_count",
                  "finished_count", "rating", "rating_count", "created_at", "jobs_posted",
                  "jobs_posted_contracted"]

BAD = ClientRecord(
    identity_verified=False, rule_check_passed=False, rating=2.5, rating_count=10, completion_rate=40.0,
    acceptance_count=10, finished_count=2, created_at=NOW - timedelta(days=10),
    ratings=(Rating(1.0, "連絡が取れなくなりました", "翻訳", "2026-11-01"),), jobs_posted=20, jobs_posted_contracted=1)
AWAY = Interval(NOW - timedelta(days=60), NOW - timedelta(days=30))


@pytest.mark.parametrize("field", PROFILE_FIELDS)
def test_a_hidden_field_is_listed_and_never_weighed(field):
    v = run(rec(**{field: None}))
    assert v.signals == () and v.verdict == "ok"
    assert v.unknown == (field,)
    assert fact_label(field) in v.summary
    # On a bad record, hiding a field can only take weight away.
    full = run(BAD, AWAY)
    hidden = run(dataclasses.replace(BAD, **{field: None}), AWAY)
    assert hidden.total <= full.total and field in hidden.unknown


def test_a_hidden_last_access_is_unknown_not_away():
    v = run(last_access=None)
    assert v.signals == () and v.unknown == ("last_access",)


def test_empty_ratings_and_no_history_are_not_unknown():
    v = run(rec(ratings=()))
    assert v.unknown == () and v.signals == ()


# -- the profile's flags ------------------------------------------------------------------------------

def test_identity_and_rule_check_fire_only_on_false():
    v = run(rec(identity_verified=False, rule_check_passed=False))
    assert ids(v) == ["identity_unverified", "rule_check_failed"]
    assert v.total == 4 and v.verdict == "caution"
    s = sig(v, "identity_unverified")
    assert s is not None and s.value is False and "本人確認" in s.evidence
    assert run(rec(identity_verified=True, rule_check_passed=True)).signals == ()


# -- completion -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rate", "fires"), [(79.9, True), (80.0, False), (80.1, False)])
def test_low_completion_at_the_threshold(rate, fires):
    v = run(rec(completion_rate=rate))
    s = sig(v, "low_completion")
    assert (s is not None) == fires
    if fires:
        assert s.weight == 3 and s.value == rate and "79.9%" in s.evidence and "41件" in s.evidence
        assert "参考程度" not in s.message


@pytest.mark.parametrize(("contracts", "weight"), [(4, 1), (5, 3), (6, 3)])
def test_completion_is_weighed_by_the_number_of_contracts(contracts, weight):
    v = run(rec(completion_rate=50.0, acceptance_count=contracts, finished_count=contracts - 1))
    s = sig(v, "low_completion")
    assert s is not None and s.weight == weight
    assert ("参考程度" in s.message) == (weight == 1)


def test_completion_with_hidden_counts_is_light_and_with_no_contracts_says_nothing():
    v = run(rec(completion_rate=50.0, acceptance_count=None, finished_count=None))
    s = sig(v, "low_completion")
    assert s is not None and s.weight == 1 and "件数が分からない" in s.message and "非公開" in s.evidence
    assert set(v.unknown) == {"acceptance_count", "finished_count"}
    assert run(rec(completion_rate=0.0, acceptance_count=0, finished_count=0)).signals == ()


def test_a_perfect_rate_on_one_contract_claims_nothing():
    v = run(rec(completion_rate=100.0, acceptance_count=1, finished_count=1))
    assert v.signals == () and v.verdict == "ok"
    one_bad = run(rec(completion_rate=0.0, acceptance_count=1, finished_count=0))
    assert [(s.id, s.weight) for s in one_bad.signals] == [("low_completion", 1)]
    assert one_bad.verdict == "ok"  # one unfinished contract is an anecdote, not a pattern


@pytest.mark.parametrize(("finished", "fires"), [(4, True), (5, False), (6, False)])
def test_few_finished_at_the_threshold(finished, fires):
    v = run(rec(completion_rate=None, acceptance_count=10, finished_count=finished))
    s = sig(v, "few_finished")
    assert (s is not None) == fires
    if fires:
        assert s.weight == 3 and s.value == {"finished": 4, "contracts": 10}
        assert "完了数 4 / 契約数 10" in s.evidence


def test_few_finished_reads_the_two_counts_either_way_round():
    a = run(rec(completion_rate=None, acceptance_count=10, finished_count=2))
    b = run(rec(completion_rate=None, acceptance_count=2, finished_count=10))
    assert sig(a, "few_finished") == sig(b, "few_finished") is not None


def test_the_same_fact_from_the_rate_and_the_counts_weighs_once():
    v = run(rec(completion_rate=20.0, acceptance_count=10, finished_count=2))
    assert ids(v) == ["low_completion"] and v.total == 3
    heavier = VetPolicy(w_few_finished=4)
    assert ids(run(rec(completion_rate=20.0, acceptance_count=10, finished_count=2), policy=heavier)) == [
        "few_finished"]


# -- ratings ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rating", "fires"), [(3.9, True), (4.0, False), (4.1, False)])
def test_low_rating_at_the_threshold(rating, fires):
    s = sig(run(rec(rating=rating)), "low_rating")
    assert (s is not None) == fires
    if fires:
        assert s.weight == 3 and s.value == {"average": 3.9, "count": 30} and "3.9（30件）" in s.evidence
        assert "4.0未満" in s.message


@pytest.mark.parametrize(("count", "weight"), [(2, 1), (3, 3), (4, 3), (None, 1)])
def test_a_low_rating_is_weighed_by_the_number_of_reviews(count, weight):
    s = sig(run(rec(rating=1.0, rating_count=count)), "low_rating")
    assert s is not None and s.weight == weight
    assert ("参考程度" in s.message) == (weight == 1)


def test_one_bad_review_alone_stays_ok_and_no_reviews_are_no_rating():
    v = run(rec(rating=1.0, rating_count=1))
    assert v.verdict == "ok" and v.total == 1
    assert run(rec(rating=0.0, rating_count=0)).signals == ()


# -- trouble words ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("comment", "topic"), [
    ("納品後、未払いのままです", "payment"),
    ("報酬が支払われませんでした", "payment"),
    ("振込がありません", "payment"),
    ("振り込みが遅れました", "payment"),
    ("仮払いされないまま作業を求められました", "payment"),
    ("お支払いいただけませんでした", "payment"),
    ("検収されず放置されています", "acceptance"),
    ("検収していただけず困りました", "acceptance"),
    ("途中でキャンセルされました", "acceptance"),
    ("連絡が取れなくなりました", "contact"),
    ("連絡がなかなか取れず", "contact"),
    ("音信不通になりました", "contact"),
    ("返信がないまま一週間", "contact"),
    ("途中で連絡が途絶えました", "contact"),
    ("既読無視が続きました", "contact"),
])
def test_trouble_words_count(comment, topic):
    found = find_trouble(comment)
    assert found, comment
    assert topic in {t.topic for t in found}


@pytest.mark.parametrize("comment", [
    "支払いはスムーズでした",
    "迅速な検収、ありがとうございました",
    "未払いもなく安心でした",
    "未払いの心配はありません",
    "未払いなどのトラブルは一切ありませんでした",
    "未払いが心配でしたが、きちんとお支払いいただけました",
    "支払われないのではと不安でしたが、すぐに支払われました",
    "支払われました",
    "仮払いされてから着手できました",
    "振込も早かったです",
    "いつでも連絡が取れて安心でした",
    "連絡がつきやすく助かりました",
    "返信が早く、検収も早い",
    "返信が遅れることは一度もありませんでした",
    "途中で仕様変更がありましたが、丁寧にご説明いただきました",
    "途中で連絡が途絶えることもなく",
    "音信不通になることもなく最後まで対応いただけました",
    "キャンセル料もお支払いいただきました",
    "ストレスがなく作業できました",
    "支払いは問題なく行われました",
])
def test_negated_or_positive_phrasing_does_not_count(comment):
    assert find_trouble(comment) == (), comment


def test_trouble_words_are_matched_on_nfkc_text():
    assert find_trouble("ｷｬﾝｾﾙされました")  # half-width katakana
    assert find_trouble("連絡が　取れ ない")  # full-width and ASCII spaces
    assert find_trouble("未払い（１件）")


def test_the_words_the_issue_names_are_there():
    for w in ("未払い", "振込", "仮払い", "検収", "連絡", "音信不通", "返信", "途中で", "キャンセル"):
        assert w in TROUBLE_WORDS


def test_a_worry_after_an_event_still_counts():
    assert find_trouble("連絡もなく不安でした")


def test_trouble_in_ratings_signal():
    ratings = (Rating(1.0, "途中で連絡が取れなくなりました。", "翻訳", ""),
               Rating(2.0, "検収が遅く、未払いの期間が長かった", "校正", ""),
               Rating(5.0, "支払いはスムーズでした", "記事", ""))
    v = run(rec(ratings=ratings))
    s = sig(v, "trouble_in_ratings")
    assert s is not None and s.weight == 4 and v.verdict == "caution"
    assert s.value["comments"] == 2
    assert s.value["topics"] == ["payment", "acceptance", "contact"]
    assert "評価コメント2件" in s.evidence and "支払い・検収・連絡" in s.message
    assert v.advice[:3] == (ADVICE_ESCROW, ADVICE_ACCEPTANCE, ADVICE_CONTACT)


def test_positive_ratings_do_not_fire():
    assert run().signals == ()  # SOLID's comments: 迅速な検収, 支払いもスムーズ, 未払いの心配もなく


# -- account age, jobs, last access --------------------------------------------------------------------

@pytest.mark.parametrize(("age", "fires"), [(timedelta(days=90) - S, True), (timedelta(days=90), False),
                                            (timedelta(days=90) + S, False)])
def test_new_account_at_the_threshold(age, fires):
    s = sig(run(rec(created_at=NOW - age)), "new_account")
    assert (s is not None) == fires
    if fires:
        assert s.weight == 1 and s.value == 89 and "登録から89日" in s.evidence


@pytest.mark.parametrize(("posted", "contracted", "fires"), [
    (10, 1, True),  # 90 % never contracted: just above
    (10, 2, False),  # 80 %: at
    (10, 3, False),  # 70 %: below
    (5, 0, True),  # enough jobs to speak of a habit
    (4, 0, False),  # too few
])
def test_jobs_rarely_contracted_at_the_threshold(posted, contracted, fires):
    s = sig(run(rec(jobs_posted=posted, jobs_posted_contracted=contracted)), "jobs_rarely_contracted")
    assert (s is not None) == fires
    if fires:
        assert s.weight == 1 and s.value == {"posted": posted, "contracted": contracted}


@pytest.mark.parametrize(("away", "fires"), [(timedelta(days=14) - S, False), (timedelta(days=14), True),
                                             (timedelta(days=14) + S, True)])
def test_away_long_at_the_threshold(away, fires):
    access = Interval(NOW - away - timedelta(days=2), NOW - away)
    s = sig(run(last_access=access), "away_long")
    assert (s is not None) == fires
    if fires:
        assert s.weight == 2 and s.value == 14 and "少なくとも14日前" in s.evidence


def test_away_long_never_says_more_than_the_interval():
    # 「約1ヶ月前」 could also be 16 days ago; an interval that reaches within two weeks does not fire.
    wide = Interval(NOW - timedelta(days=60), NOW - timedelta(days=13))
    assert sig(run(last_access=wide), "away_long") is None


# -- the worker's own history ---------------------------------------------------------------------------

@pytest.mark.parametrize(("wait", "fires"), [(2.9, False), (3.0, True), (3.1, True)])
def test_escrow_late_at_the_threshold(wait, fires):
    v = run(history=History(contracts=2, escrow_waits_days=(0.5, wait)))
    s = sig(v, "escrow_late")
    assert (s is not None) == fires
    if fires:
        assert s.weight == 2 and s.value == {"late": 1, "known": 2, "longest_days": wait}
        assert f"最長 {wait:g}営業日" in s.evidence


@pytest.mark.parametrize(("never", "fires"), [(0, False), (1, True), (2, True)])
def test_escrow_never(never, fires):
    v = run(history=History(contracts=3, escrow_never=never))
    s = sig(v, "escrow_never")
    assert (s is not None) == fires
    if fires:
        assert s.weight == 4 and s.value == never and v.verdict == "caution" and v.advice[0] == ADVICE_ESCROW


@pytest.mark.parametrize(("median", "fires"), [(1.9, False), (2.0, True), (2.1, True)])
def test_slow_replies_at_the_threshold(median, fires):
    s = sig(run(history=History(contracts=1, reply_waits_days=(0.5, median, 9.0))), "slow_replies")
    assert (s is not None) == fires
    if fires:
        assert s.weight == 2 and s.value == {"median_days": median, "count": 3}


@pytest.mark.parametrize(("waits", "weight"), [((2.0,), 1), ((2.0, 3.0), 1), ((2.0, 2.0, 3.0), 2)])
def test_slow_replies_are_weighed_by_the_number_of_waits(waits, weight):
    s = sig(run(history=History(contracts=1, reply_waits_days=waits)), "slow_replies")
    assert s is not None and s.weight == weight


def test_median_of_an_even_number_of_waits():
    s = sig(run(history=History(reply_waits_days=(1.0, 1.5, 2.5, 9.0))), "slow_replies")
    assert s is not None and s.value["median_days"] == 2.0


@pytest.mark.parametrize(("late", "fires"), [(0, False), (1, True), (3, True)])
def test_acceptance_late(late, fires):
    v = run(history=History(contracts=3, acceptance_late=late))
    s = sig(v, "acceptance_late")
    assert (s is not None) == fires
    if fires:
        assert s.weight == 3 and s.value == late and ADVICE_ACCEPTANCE in v.advice


def test_earlier_findings_count_only_the_clients_faults():
    quiet = run(history=History(earlier_findings=("escrow_missing", "acceptance_due")))
    assert quiet.signals == ()
    v = run(history=History(earlier_findings=("quiet_client", "escrow_missing", "quiet_client",
                                              "acceptance_overdue")))
    s = sig(v, "earlier_findings")
    assert s is not None and s.weight == 1
    assert s.value == ["acceptance_overdue", "quiet_client"]
    assert "（2回）" in s.evidence and "検収期限切れ（1回）" in s.evidence
    assert ADVICE_ACCEPTANCE in v.advice and ADVICE_CONTACT in v.advice


# -- the verdict -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "history", "total", "verdict"), [
    ({"identity_verified": False}, NO_HISTORY, 2, "ok"),  # just below caution
    ({"identity_verified": False, "created_at": NOW - DAY}, NO_HISTORY, 3, "caution"),  # at caution
    ({"identity_verified": False, "rule_check_passed": False}, NO_HISTORY, 4, "caution"),  # above
    ({"identity_verified": False, "rule_check_passed": False, "created_at": NOW - DAY}, NO_HISTORY, 5,
     "caution"),  # just below warning
    ({"identity_verified": False, "rule_check_passed": False}, History(escrow_waits_days=(5.0,)), 6,
     "warning"),  # at warning
    ({"identity_verified": False, "rule_check_passed": False, "created_at": NOW - DAY},
     History(escrow_waits_days=(5.0,)), 7, "warning"),  # above
])
def test_verdict_thresholds(changes, history, total, verdict):
    v = run(rec(**changes), history=history)
    assert v.total == total and v.verdict == verdict
    assert v.label == {"ok": "問題なし", "caution": "注意", "warning": "要警戒"}[verdict]
    assert (ADVICE_WARNING in v.advice) == (verdict == "warning")


def test_a_weak_sign_alone_is_ok_but_listed():
    v = run(rec(created_at=NOW - DAY))
    assert v.verdict == "ok" and ids(v) == ["new_account"] and "気になる点が1つ" in v.summary


def test_reasons_are_ordered_by_weight_then_id():
    v = run(BAD, AWAY, History(contracts=4, escrow_waits_days=(4.0,), escrow_never=1, reply_waits_days=(3.0,) * 3,
                               acceptance_late=1, earlier_findings=("no_reply",)))
    assert ids(v) == [
        "escrow_never", "trouble_in_ratings",  # 4
        "acceptance_late", "low_completion", "low_rating",  # 3
        "away_long", "escrow_late", "identity_unverified", "rule_check_failed", "slow_replies",  # 2
        "earlier_findings", "jobs_rarely_contracted", "new_account",  # 1
    ]
    weights = [s.weight for s in v.signals]
    assert weights == sorted(weights, reverse=True)
    assert set(ids(v)) <= set(SIGNALS)
    assert v.advice[0] == ADVICE_WARNING and v.advice[1] == ADVICE_ESCROW


def test_thresholds_are_configuration():
    strict = VetPolicy(min_rating=4.5, caution_at=1, warning_at=2)
    v = run(rec(rating=4.4), policy=strict)
    assert ids(v) == ["low_rating"] and v.verdict == "warning"
    with pytest.raises(ValueError):
        VetPolicy(caution_at=5, warning_at=4)
    with pytest.raises(ValueError):
        VetPolicy(w_new_account=-1)


def test_now_must_be_aware():
    with pytest.raises(ValueError):
        vet(SOLID, RECENT, NO_HISTORY, datetime(2026, 11, 20, 12, 0))


# -- the JSON --------------------------------------------------------------------------------------------

def test_json_shape():
    v = run(rec(identity_verified=False, rating=3.0))
    out = v.to_json(9001, "株式会社テスト", NOW)
    assert list(out) == ["schema", "client_id", "name", "verdict", "signals", "fetched_at"]
    assert out["schema"] == 1 and out["client_id"] == 9001 and out["name"] == "株式会社テスト"
    assert out["verdict"] == "caution" and out["verdict"] in VERDICTS
    assert out["fetched_at"] == "2026-11-20T12:00:00+09:00"
    assert datetime.fromisoformat(out["fetched_at"]).utcoffset() is not None
    assert [s["id"] for s in out["signals"]] == ["low_rating", "identity_unverified"]
    for s in out["signals"]:
        assert list(s) == ["id", "weight", "value", "evidence", "message"]
        assert isinstance(s["weight"], int) and s["evidence"] and s["message"]
    assert json.loads(json.dumps(out, ensure_ascii=False)) == out  # JSON-ready all the way down


def test_json_of_every_signal_is_json_ready():
    v = run(BAD, AWAY, History(contracts=4, escrow_waits_days=(4.0,), escrow_never=1, reply_waits_days=(3.0,),
                               acceptance_late=1, earlier_findings=("no_reply",)))
    out = v.to_json(1, "x", NOW)
    assert json.loads(json.dumps(out)) == out
    assert v.to_json(1, "x", None)["fetched_at"] is None
    with pytest.raises(ValueError):
        v.to_json(1, "x", datetime(2026, 11, 20))


# -- the docs name every id and every threshold ------------------------------------------------------------

def test_docs_name_every_signal_and_threshold():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "vetting.md").read_text(encoding="utf-8")
    for sid in SIGNALS:
        assert f"`{sid}`" in doc, sid
    for f in dataclasses.fields(VetPolicy):
        assert f"`{f.name}`" in doc, f.name
    for a in (ADVICE_ESCROW, ADVICE_ACCEPTANCE, ADVICE_CONTACT, ADVICE_WARNING):
        assert a in doc
    assert "unknown, not a bad sign" in doc


# -- a property: a bad sign never lowers the verdict ----------------------------------------------------------

def _maybe(s):
    return st.one_of(st.none(), s)


records = st.builds(
    ClientRecord,
    identity_verified=_maybe(st.booleans()),
    rule_check_passed=_maybe(st.booleans()),
    rating=_maybe(st.floats(1.0, 5.0)),
    rating_count=_maybe(st.integers(0, 50)),
    completion_rate=_maybe(st.floats(0.0, 100.0)),
    acceptance_count=_maybe(st.integers(0, 50)),
    finished_count=_maybe(st.integers(0, 50)),
    created_at=_maybe(st.integers(0, 2000).map(lambda d: NOW - timedelta(days=d))),
    ratings=st.lists(st.sampled_from([
        Rating(5.0, "支払いはスムーズでした", "", ""), Rating(1.0, "未払いです", "", ""),
        Rating(3.0, "返信が遅い", "", ""), Rating(4.0, "", "", "")]), max_size=3).map(tuple),
    jobs_posted=_maybe(st.integers(0, 30)),
    jobs_posted_contracted=_maybe(st.integers(0, 30)),
)
accesses = _maybe(st.integers(0, 90).map(lambda d: Interval(NOW - timedelta(days=d + 2), NOW - timedelta(days=d))))
histories = st.builds(
    History,
    contracts=st.integers(0, 5),
    escrow_waits_days=st.lists(st.floats(0.0, 10.0), max_size=4).map(tuple),
    escrow_never=st.integers(0, 2),
    reply_waits_days=st.lists(st.floats(0.0, 10.0), max_size=5).map(tuple),
    acceptance_late=st.integers(0, 2),
    earlier_findings=st.lists(st.sampled_from(["quiet_client", "no_reply", "escrow_missing", "acceptance_due",
                                               "acceptance_overdue"]), max_size=3).map(tuple),
)


def _fewer_finished(r: ClientRecord) -> ClientRecord:
    if r.acceptance_count is None or r.finished_count is None:
        return dataclasses.replace(r, acceptance_count=r.acceptance_count or 10, finished_count=0)
    lower = "finished_count" if r.finished_count <= r.acceptance_count else "acceptance_count"
    return dataclasses.replace(r, **{lower: 0})


BAD_SIGNS = {
    "unverified": lambda r, a, h: (dataclasses.replace(r, identity_verified=False), a, h),
    "rule_check": lambda r, a, h: (dataclasses.replace(r, rule_check_passed=False), a, h),
    "low_completion": lambda r, a, h: (dataclasses.replace(r, completion_rate=10.0), a, h),
    "fewer_finished": lambda r, a, h: (_fewer_finished(r), a, h),
    "low_rating": lambda r, a, h: (dataclasses.replace(r, rating=1.5), a, h),
    "trouble": lambda r, a, h: (dataclasses.replace(
        r, ratings=(*r.ratings, Rating(1.0, "連絡が取れなくなりました", "", ""))), a, h),
    "new": lambda r, a, h: (dataclasses.replace(r, created_at=NOW - DAY), a, h),
    "jobs": lambda r, a, h: (dataclasses.replace(r, jobs_posted=max(r.jobs_posted or 0, 10),
                                                 jobs_posted_contracted=0), a, h),
    "away": lambda r, a, h: (r, Interval(NOW - timedelta(days=60), NOW - timedelta(days=30)), h),
    "escrow_late": lambda r, a, h: (r, a, dataclasses.replace(h, escrow_waits_days=(*h.escrow_waits_days, 8.0))),
    "escrow_never": lambda r, a, h: (r, a, dataclasses.replace(h, escrow_never=h.escrow_never + 1)),
    "slow_reply": lambda r, a, h: (r, a, dataclasses.replace(h, reply_waits_days=(*h.reply_waits_days, 9.0))),
    "acceptance_late": lambda r, a, h: (r, a, dataclasses.replace(h, acceptance_late=h.acceptance_late + 1)),
    "finding": lambda r, a, h: (r, a, dataclasses.replace(
        h, earlier_findings=(*h.earlier_findings, "quiet_client"))),
}


@settings(max_examples=300, deadline=None)
@given(records, accesses, histories, st.lists(st.sampled_from(sorted(BAD_SIGNS)), min_size=1, max_size=3))
def test_adding_a_bad_sign_never_lowers_the_verdict(record, access, history, signs):
    before = vet(record, access, history, NOW)
    r, a, h = record, access, history
    for name in signs:
        r, a, h = BAD_SIGNS[name](r, a, h)
    after = vet(r, a, h, NOW)
    assert VERDICTS.index(after.verdict) >= VERDICTS.index(before.verdict)
    assert after.total >= before.total
    for s in after.signals:
        assert s.id in SIGNALS and s.weight >= 0


# --- the history with a client, from the contracts the store holds (history_of) -------------------

from watcher.decide.vet_history import history_of  # noqa: E402
from watcher.models import Message, PastContract, Sender, Stage  # noqa: E402

MON = datetime(2026, 11, 9, 10, 0, tzinfo=JST)  # a Monday; no holiday that week but 11-23 (Mon)


def past(cid: int = 1, stages: tuple = (), active: bool = False, messages: tuple = (), delivered=None,
         findings: tuple = (), last_seen=None) -> PastContract:
    first = stages[0][0] if stages else MON
    return PastContract(cid, first, last_seen or first, active, stages, messages, delivered, findings)


def msg(sender: Sender, at: datetime) -> Message:
    return Message(sender, at, "本文", "message", None, f"{sender}-{at.isoformat()}")


def test_history_escrow_waits_are_business_days_from_the_first_seen_wait():
    paid_fri = past(stages=((MON, Stage.AWAITING_ESCROW), (MON + 4 * DAY, Stage.IN_PROGRESS)))
    seen_late = past(2, stages=((MON, Stage.IN_PROGRESS),))  # the wait began before the watcher: unknown
    h = history_of([paid_fri, seen_late], MON + 30 * DAY)
    assert h.contracts == 2 and h.escrow_waits_days == (4.0,) and h.escrow_never == 0


def test_history_escrow_never_and_an_ongoing_wait_at_its_threshold():
    ended_unpaid = past(stages=((MON, Stage.AWAITING_ESCROW),), active=False)
    waiting = past(2, stages=((MON, Stage.AWAITING_ESCROW),), active=True)
    assert history_of([ended_unpaid], MON + 10 * DAY).escrow_never == 1
    # Still waiting: counted once it has waited escrow_late_days (3) business days, not before.
    assert history_of([waiting], MON + 2 * DAY).escrow_waits_days == ()
    assert history_of([waiting], MON + 3 * DAY).escrow_waits_days == (3.0,)


def test_history_reply_waits_from_my_first_message_to_their_answer():
    m = (msg(Sender.CLIENT, MON), msg(Sender.WORKER, MON + DAY), msg(Sender.WORKER, MON + 2 * DAY),
         msg(Sender.CLIENT, MON + 3 * DAY), msg(Sender.WORKER, MON + 3 * DAY + timedelta(hours=1)))
    h = history_of([past(messages=m)], MON + 30 * DAY)
    assert h.reply_waits_days == (2.0,), "my reminder does not restart the wait; an open wait is not a reply"


def test_history_acceptance_late_at_one_week_and_a_day():
    delivered = MON
    on_time = past(stages=((MON - DAY, Stage.IN_PROGRESS), (MON, Stage.IN_ACCEPTANCE),
                           (MON + 7 * DAY, Stage.FINISHED)), delivered=delivered)
    late = past(2, stages=((MON, Stage.IN_ACCEPTANCE), (MON + 7 * DAY + S, Stage.FINISHED)), delivered=delivered)
    gone_late = past(3, stages=((MON, Stage.IN_ACCEPTANCE),), delivered=delivered, active=False,
                     last_seen=MON + 9 * DAY)
    open_late = past(4, stages=((MON, Stage.IN_ACCEPTANCE),), delivered=delivered, active=True)
    assert history_of([on_time], MON + 30 * DAY).acceptance_late == 0
    assert history_of([late, gone_late], MON + 30 * DAY).acceptance_late == 2
    assert history_of([open_late], MON + 7 * DAY).acceptance_late == 0
    assert history_of([open_late], MON + 7 * DAY + S).acceptance_late == 1


def test_history_earlier_findings_leave_out_the_vetting_itself():
    h = history_of([past(findings=("quiet_client", "client_risk", "quiet_client"))], MON)
    assert h.earlier_findings == ("quiet_client", "quiet_client")
    v = vet(ClientRecord(), None, h, NOW)
    assert "earlier_findings" in {s.id for s in v.signals}
