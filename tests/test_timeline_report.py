"""`cwwatch report`: the timeline, which drafts apply (pure, at their boundaries), and golden files.

Golden files: ``tests/golden/report_<contract>_<lang>.<txt|md|json>`` hold the exact output of
``cwwatch report <contract> --lang <lang> --format <format>`` (the global ``--lang``) for a store
built by a real scan of the bundled story against the sample site (at the story's fixed now,
2026-11-20 10:00 JST, with the default base_url, so no real clock and no random port reaches the
text). After a deliberate change of the texts, regenerate them and review the diff:

    CWWATCH_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_timeline_report.py -q
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.sitefixtures import ALSO_IN_CHROMIUM
from watcher import i18n
from watcher.decide.rules import Policy
from watcher.i18n import In
from watcher.jptime import JST
from watcher.models import AccessSeen, ContractState, Delivery, Interval, Message, Sender, Stage
from watcher.report.drafts import make, situation
from watcher.report.history import access_events, build_timeline
from watcher.report.words import fmt_interval, fmt_time, relative_en, rule_label

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CWWATCH_UPDATE_GOLDEN") == "1"
STORY_NOW = "2026-11-20T10:00:00+09:00"
URL = "https://crowdworks.jp/contracts/1"
H = timedelta(hours=1)
M = timedelta(minutes=1)
D = timedelta(days=1)


@pytest.fixture
def english():
    """Everything in English for the test (the notes are made in the language chosen)."""
    i18n.use("en")
    yield
    i18n.use("ja")


def jst(*a):
    return datetime(*a, tzinfo=JST)


def msg(sender, at, kind=None, body=None):
    s = Sender(sender)
    return Message(s, at, body or f"{sender} {at:%m/%d %H:%M}", kind or ("system" if s is Sender.SYSTEM else "message"))


def state(messages, stage=Stage.IN_ACCEPTANCE, access=None, label="検収中"):
    """A contract; its latest message marked "delivery" is its delivery, as the person confirmed it
    (the site marks none: decide/delivery.py; tests/test_delivery_truth.py has the other bases)."""
    messages = [replace(m, key=m.key or f"k{i}") for i, m in enumerate(messages)]
    marked = [m for m in messages if m.kind == "delivery"]
    d = (Delivery(marked[-1].sent_at - H, marked[-1].sent_at, "move_seen", confirmed_at=marked[-1].sent_at,
                  confirmed_key=marked[-1].key) if marked else None)
    return ContractState(1, "記事 5本", 9, "株式会社テスト", stage, label, True, tuple(messages),
                         jst(2026, 11, 1), access, delivery=d)


def seen(text, earliest, latest, observed):
    return AccessSeen(Interval(earliest, latest), text, observed)


DELIVERED = jst(2026, 11, 2, 10, 0)  # Monday


def delivered_state(*extra, stage=Stage.IN_ACCEPTANCE):
    return state([msg("client", DELIVERED - 3 * D), msg("worker", DELIVERED, "delivery"), *extra], stage)


# -- which drafts apply, at their boundaries -------------------------------------------------------


def test_reminder_window_is_open_on_day_6_and_only_the_reminder_applies():
    d = make(delivered_state(), DELIVERED + 6 * D, url=URL)
    assert d.situation.window_open and not d.situation.overdue and d.situation.due_soon
    assert d.desk_inquiry is None
    assert d.contact_reminder is not None
    assert "2026年11月02日 10:00に納品完了報告" in d.contact_reminder
    assert "検収期間は2026年11月09日 10:00まで" in d.contact_reminder
    assert any("2026年11月09日 10:00まで" in n for n in d.notes)
    assert d.contact_reminder_en and "acceptance period ends 2026-11-09 10:00 JST" in d.contact_reminder_en


def test_one_second_before_the_week_ends_the_window_is_still_open():
    d = make(delivered_state(), DELIVERED + 7 * D - timedelta(seconds=1), url=URL)
    assert d.contact_reminder is not None and d.desk_inquiry is None


@pytest.mark.parametrize("after", [7 * D, 7 * D + H, 14 * D, 60 * D])
def test_from_day_7_the_window_is_closed_and_the_desk_inquiry_applies(after):
    d = make(delivered_state(), DELIVERED + after, url=URL)
    assert not d.situation.window_open and d.situation.overdue
    assert d.contact_reminder is None and d.contact_reminder_en is None
    assert d.desk_inquiry is not None and d.desk_inquiry_en is not None
    assert any("連絡催促の受付期間" in n and "終わっています" in n for n in d.notes)


def test_notes_are_in_the_language_chosen_and_the_drafts_japanese_with_a_gloss(english):
    d = make(delivered_state(), DELIVERED + 8 * D, url=URL)
    assert any("window closed" in n for n in d.notes)
    assert not any("連絡催促の受付期間" in n for n in d.notes)
    assert d.desk_inquiry is not None and d.desk_inquiry.startswith("件名: 検収が行われない契約について")
    assert d.desk_inquiry_en is not None and d.desk_inquiry_en.startswith("Subject: A contract")
    assert "2026-11-09 10:00 JST" in d.desk_inquiry_en and "2026年11月09日 10:00" in d.desk_inquiry


def test_desk_inquiry_cites_article_9_3_with_every_date():
    t = DELIVERED
    st = delivered_state(msg("worker", t + 4 * D), msg("worker", t + 9 * D))
    accesses = [seen("約1日前", t - 5 * D, t - 3 * D, t - 2 * D),  # before the delivery: not evidence
                seen("約2時間前", t + 12 * D - 3 * H, t + 12 * D - 90 * M, t + 12 * D)]
    d = make(st, t + 12 * D, accesses=accesses, url=URL)
    text = d.desk_inquiry
    assert text is not None
    assert "利用規約第9条第3項" in text and "納品後1週間以内" in text and "合格したものとみなす" in text
    assert "・納品完了報告: 2026年11月02日 10:00" in text
    assert "・検収期間（納品から1週間）の終了: 2026年11月09日 10:00" in text
    assert "2026年11月06日 10:00、2026年11月11日 10:00" in text
    assert "・クライアント様の最終アクセス（当方で確認したもの）: 約2時間前（2026年11月14日 10:00 時点）" in text
    assert "約1日前" not in text
    assert "同項を適用し" in text and "株式会社テスト 様" in text and URL in text
    assert "9条3項" not in text
    assert all(line.count("最終アクセス") <= 1 for line in text.splitlines()), "「最終アクセス」 once per sentence"
    assert "Article 9(3)" in (d.desk_inquiry_en or "")
    assert "about 2 hours ago (約2時間前), as of 2026-11-14 10:00 JST" in (d.desk_inquiry_en or "")


def test_desk_inquiry_lists_several_visits_under_one_label():
    t = DELIVERED
    visits = [seen("約2時間前", t + d * D - 3 * H, t + d * D - 90 * M, t + d * D) for d in (8, 10, 12)]
    text = make(delivered_state(), t + 12 * D, accesses=visits, url=URL).desk_inquiry or ""
    assert "・クライアント様の最終アクセス（当方で確認したもの）:\n　　約2時間前（2026年11月10日 10:00 時点）\n" in text
    assert text.count("最終アクセス") == 1


def test_desk_inquiry_says_when_the_last_access_is_hidden_or_not_since():
    hidden = [AccessSeen(None, None, DELIVERED + 8 * D)]
    d = make(delivered_state(), DELIVERED + 8 * D, accesses=hidden, url=URL)
    assert "非公開のため確認できません" in (d.desk_inquiry or "")
    old = [seen("約1日前", DELIVERED - 2 * D, DELIVERED - D, DELIVERED + 8 * D)]
    d = make(delivered_state(), DELIVERED + 8 * D, accesses=old, url=URL)
    assert ("・クライアント様の最終アクセス: 納品後のアクセスは確認できていません"
            "（2026年11月10日 10:00 時点の表示: 約1日前）") in (d.desk_inquiry or "")
    assert "アクセスされているようですが" not in (d.desk_inquiry or "")


def test_earlier_deliveries_are_listed_and_the_week_runs_from_the_latest():
    first = DELIVERED - 4 * D
    st = state([msg("worker", first, "delivery"), msg("client", first + D), msg("worker", DELIVERED, "delivery")])
    assert make(st, first + 8 * D).desk_inquiry is None  # a week after the first, but not the latest
    d = make(st, DELIVERED + 7 * D)
    assert "（これ以前の納品: 2026年10月29日 10:00）" in (d.desk_inquiry or "")


def test_no_delivery_no_desk_draft_but_a_reminder_once_the_wait_is_due():
    ask = jst(2026, 11, 16, 10)  # Monday
    st = state([msg("client", ask - D), msg("worker", ask)], Stage.IN_PROGRESS, label="進行中")
    assert make(st, ask + D).contact_reminder is None  # 1 business day: not yet
    d = make(st, ask + 2 * D)
    assert d.desk_inquiry is None and d.situation.window_open
    assert d.contact_reminder is not None and "2営業日ご返信がありません" in d.contact_reminder
    assert "2 business days" in (d.contact_reminder_en or "")


def test_a_delivery_while_the_status_is_in_progress_does_not_start_the_week():
    st = delivered_state(stage=Stage.IN_PROGRESS)
    s = situation(st, DELIVERED + 10 * D, Policy())
    assert s.deadline is None and s.window_open and not s.desk_applies


@pytest.mark.parametrize("stage", [Stage.FINISHED])
def test_finished_contract_gets_nothing(stage):
    d = make(delivered_state(stage=stage), DELIVERED + 10 * D)
    assert (d.desk_inquiry, d.contact_reminder, d.notes) == (None, None, ())


def test_contract_off_the_active_list_gets_no_draft_only_a_note():
    d = make(delivered_state(), DELIVERED + 10 * D, active=False)
    assert d.desk_inquiry is None and d.contact_reminder is None
    assert "有効な契約の一覧にありません" in d.notes[0]


def test_client_reply_after_delivery_ends_the_reminder_and_warns_before_the_desk():
    st = delivered_state(msg("client", DELIVERED + 2 * D, body="確認中です"))
    d = make(st, DELIVERED + 5 * D)
    assert d.contact_reminder is None  # nothing of mine awaits an answer
    d = make(st, DELIVERED + 8 * D)
    assert d.desk_inquiry is not None
    assert any("納品後にクライアントからのメッセージがあります（2026年11月04日 10:00）" in n for n in d.notes)
    assert not any("連絡催促の受付期間" in n for n in d.notes)  # not waiting: nothing to say about it


def test_delivered_status_without_a_delivery_report_says_so():
    st = state([msg("worker", DELIVERED)], Stage.DELIVERED, label="納品済み")
    d = make(st, DELIVERED + 10 * D)
    assert d.desk_inquiry is None
    assert any("納品完了報告が見つかりません" in n for n in d.notes)


def test_reminder_mentions_visits_since_the_wait():
    ask = jst(2026, 11, 16, 10)
    st = state([msg("worker", ask)], Stage.IN_PROGRESS, label="進行中")
    now = ask + 3 * D
    visit = seen("約2時間前", now - 3 * H, now - 90 * M, now)
    d = make(st, now, accesses=[visit])
    assert "その後もサイトにアクセスされています（2026年11月19日 10:00 時点の最終アクセス: 約2時間前）" in (
        d.contact_reminder or "")
    away = seen("約5日前", now - 6 * D, now - 4 * D, now)
    d = make(st, now, accesses=[away])
    assert "アクセスされていないようです" in (d.contact_reminder or "")


# -- the timeline ----------------------------------------------------------------------------------


def test_access_observations_of_one_visit_merge_and_a_new_visit_starts_a_new_event():
    t = jst(2026, 11, 20, 10)
    obs = [
        seen("約2時間前", t - 3 * H, t - 90 * M, t),
        seen("約2時間前", t - 150 * M, t - H, t + 30 * M),
        seen("3分前", t + H - 4 * M, t + H - 3 * M, t + H),
        AccessSeen(None, None, t + 2 * H),
        AccessSeen(None, None, t + 3 * H),
    ]
    events = access_events(obs)
    assert [(e.text, e.seen, e.hidden) for e in events] == [("約2時間前", 2, False), ("3分前", 1, False),
                                                             ("", 2, True)]
    assert events[0].last_seen == t + 30 * M


def test_timeline_orders_messages_status_changes_and_accesses():
    t = jst(2026, 11, 2, 10)
    ms = [msg("system", t - D), msg("client", t - 2 * H), replace(msg("worker", t - H), key="a"),
          replace(msg("worker", t), key="b")]
    statuses = [(t - D, "進行中"), (t + H, "進行中"), (t + 2 * H, "検収中")]
    likely = Delivery(t + H, t + 2 * H, "move_seen", likely=t, likely_key="b")
    ev = build_timeline(ms, statuses, [seen("約1日前", t - D, t, t + 2 * H)], likely)
    assert [(e.kind, e.who, e.text if e.kind == "status" else None) for e in ev] == [
        ("system", "system", None), ("status", None, "進行中"), ("message", "client", None),
        ("message", "worker", None), ("delivery", "worker", None), ("status", None, "検収中"),
        ("access", None, None)]
    assert ev[5].previous == "進行中" and ev[4].basis == "move_seen"
    # Only the confirmed or likely report is marked: none without a delivery, the confirmed one after it.
    assert not [e for e in build_timeline(ms, statuses, []) if e.kind == "delivery"]
    confirmed = replace(likely, confirmed_at=t - H, confirmed_key="a")
    assert [(e.at, e.basis) for e in build_timeline(ms, statuses, [], confirmed) if e.kind == "delivery"] == [
        (t - H, "confirmed")]


def test_english_readings_of_the_sites_words():
    assert relative_en("約2時間前") == "about 2 hours ago"
    assert relative_en("1日前") == "1 day ago"
    assert relative_en("25分") == "25 minutes"
    assert relative_en("なにか") == "なにか"
    iv = Interval(jst(2026, 11, 20, 7), jst(2026, 11, 20, 8, 30))
    assert fmt_interval(iv) == "2026年11月20日 07:00〜08:30"
    assert fmt_interval(iv, In("en")) == "2026-11-20 07:00–08:30 JST"
    two_days = Interval(jst(2026, 11, 19, 23), jst(2026, 11, 20, 1))
    assert fmt_interval(two_days) == "2026年11月19日 23:00〜2026年11月20日 01:00"


def test_times_and_rule_labels_follow_the_language_chosen(english):
    t = jst(2026, 11, 20, 10)
    assert fmt_time(t) == "2026-11-20 10:00 JST" and fmt_time(t, In("ja")) == "2026年11月20日 10:00"
    assert rule_label("quiet_client") == "no reply (client logs in)"
    i18n.use("ja")
    assert fmt_time(t) == "2026年11月20日 10:00"
    assert rule_label("quiet_client") == "返信なし（ログインあり）" and rule_label("client_away") == "返信なし（不在）"
    assert rule_label("something_new") == "something_new"


# -- the command, against a store built by a real scan of the story ------------------------------


def cwwatch(capsys, monkeypatch, *argv):
    """`cwwatch ARGV` through the real main(), with this feature's commands registered (Japanese
    unless ARGV asks otherwise)."""
    from watcher.cli import main as main_mod
    from watcher.cli import mute, report, status

    extra = tuple(m for m in (status, report, mute) if m not in main_mod.COMMANDS)
    monkeypatch.setattr(main_mod, "COMMANDS", main_mod.COMMANDS + extra)
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    try:
        rc = main_mod.main(list(argv))
    except SystemExit as exc:
        rc = exc.code
    finally:
        i18n.use("ja")
    out, err = capsys.readouterr()
    return rc, out, err


SUFFIX = {"text": "txt", "md": "md", "json": "json"}
CASES = [(c, lang, fmt) for c in (963659463, 963690555, 963688001) for lang in ("ja", "en")
         for fmt in ("text", "md", "json")]


@ALSO_IN_CHROMIUM
@pytest.mark.parametrize(("contract", "lang", "fmt"), CASES, ids=[f"{c}-{lg}-{f}" for c, lg, f in CASES])
def test_report_matches_golden(home, capsys, monkeypatch, contract, lang, fmt):
    rc, out, err = cwwatch(capsys, monkeypatch, "report", str(contract), "--lang", lang, "--format", fmt,
                           "--now", STORY_NOW)
    assert rc == 0, err
    assert "127.0.0.1" not in out
    assert "9条3項" not in out, "one spelling: 第9条第3項"
    assert not any(rule in out for rule in ("[quiet_client]", "`quiet_client`", "[no_reply]", "`no_reply`")), \
        "rule ids only in JSON"
    golden = GOLDEN / f"report_{contract}_{lang}.{SUFFIX[fmt]}"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert golden.exists(), f"{golden.name} missing: run with CWWATCH_UPDATE_GOLDEN=1"
    assert out == golden.read_text(encoding="utf-8")


@ALSO_IN_CHROMIUM
def test_report_json_shape_and_which_drafts_apply_in_the_story(home, capsys, monkeypatch):
    def report(cid):
        rc, out, _ = cwwatch(capsys, monkeypatch, "report", str(cid), "--format", "json", "--now", STORY_NOW)
        assert rc == 0
        return json.loads(out)

    overdue = report(963659463)
    assert overdue["schema"] == 1
    assert set(overdue) >= {"contract", "timeline", "drafts"}
    assert set(overdue["drafts"]) == {"desk_inquiry", "contact_reminder"}
    assert overdue["contract"]["findings"] == ["quiet_client", "acceptance_overdue"]
    assert overdue["contract"]["acceptance_deadline"] == "2026-11-13T01:00:00+00:00"
    desk = overdue["drafts"]["desk_inquiry"]
    # First seen an hour after the delivery: only what is certain is said to the desk.
    assert "利用規約第9条第3項" in desk and "遅くとも2026年11月06日 11:00までに納品" in desk
    assert "検収中となってから1週間以上" in desk
    assert "・クライアント様の最終アクセス（当方で確認したもの）: 約2時間前（2026年11月20日 10:00 時点）" in desk
    assert overdue["drafts"]["contact_reminder"] is None
    kinds = [e["kind"] for e in overdue["timeline"]]
    # the re-delivery, seen an hour after it was made (nothing in the thread marks a delivery report)
    assert [e["at"] for e in overdue["timeline"] if e["kind"] == "delivery"] == ["2026-11-06T01:00:00+00:00"]
    assert overdue["contract"]["delivery_basis"] == "first_seen"
    assert "status" in kinds and "access" in kinds

    hidden = report(963690555)
    assert hidden["drafts"]["desk_inquiry"] is None
    assert "非公開" in hidden["drafts"]["contact_reminder"]

    calm = report(963688001)
    assert calm["drafts"] == {"desk_inquiry": None, "contact_reminder": None}
    assert calm["findings"] == [] and calm["notes"] == []


def test_report_of_an_unknown_contract_is_one_line_and_exit_2(home, capsys, monkeypatch):
    rc, out, err = cwwatch(capsys, monkeypatch, "report", "123", "--now", STORY_NOW)
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and "123" in err and "Traceback" not in err
    rc, _, err = cwwatch(capsys, monkeypatch, "report", "abc")
    assert rc == 2 and err.count("\n") == 1


def test_report_accepts_the_contract_url(home, capsys, monkeypatch):
    rc, out, _ = cwwatch(capsys, monkeypatch, "report", "https://crowdworks.jp/contracts/963688001",
                         "--now", STORY_NOW)
    assert rc == 0 and "963688001" in out


def test_report_without_any_scan_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CWWATCH_HOME", str(tmp_path))
    rc, out, err = cwwatch(capsys, monkeypatch, "report", "963659463")
    assert rc == 2 and out == "" and err.count("\n") == 1 and "cwwatch scan" in err
    assert not (tmp_path / "data").exists(), "a read-only command creates no history"
