"""`cwwatch status`, `cwwatch mute` and `cwwatch unmute`, against a store built by real scans of the
bundled story (sample site; read without a browser, and for the tests marked ALSO_IN_CHROMIUM also
in real Chromium), through the real main()."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.sitefixtures import ALSO_IN_CHROMIUM
from watcher.jptime import JST
from watcher.models import HealthKind, Mute, Problem
from watcher.store import Store

STORY_NOW = "2026-11-20T10:00:00+09:00"
NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
EXPECTED = {
    963659463: ["quiet_client", "acceptance_overdue"],
    963688001: [],
    963690555: ["no_reply"],
    963700112: ["escrow_missing"],
}


def status_json(cli):
    rc, out, err = cli("status", "--json", "--now", STORY_NOW)
    assert rc == 0, err
    assert out.count("\n") == 1
    return json.loads(out)


def store_of(home):
    return Store(home / "data" / "cwwatch.sqlite3")


# -- status -----------------------------------------------------------------------------------------


@ALSO_IN_CHROMIUM
def test_status_json_lists_the_four_story_contracts_with_their_findings(home, cli):
    doc = status_json(cli)
    assert doc["schema"] == 1
    assert doc["last_scan"] == {"at": "2026-11-20T01:00:00+00:00", "healthy": True, "problems": []}
    got = {c["contract_id"]: c["findings"] for c in doc["contracts"]}
    assert got == EXPECTED
    by_id = {c["contract_id"]: c for c in doc["contracts"]}
    first = by_id[963659463]
    assert first["waiting_since"] == "2026-11-06T01:00:00+00:00" and first["waiting_business_days"] == 10
    assert first["acceptance_deadline"] == "2026-11-13T01:00:00+00:00"
    assert (first["days_left"], first["overdue"]) == (-7, True)
    assert first["last_access"]["text"] == "約2時間前" and first["last_access"]["hidden"] is False
    assert by_id[963690555]["last_access"]["hidden"] is True
    assert by_id[963700112]["escrow_deposited"] is False
    assert all(c["mute"] is None for c in doc["contracts"])
    assert all(c["url"] == f"https://crowdworks.jp/contracts/{c['contract_id']}" for c in doc["contracts"])


@ALSO_IN_CHROMIUM
def test_status_is_plain_text_when_piped_with_rule_labels_not_ids(home, cli):
    rc, out, err = cli("status", "--now", STORY_NOW)
    assert rc == 0, err
    assert "\x1b[" not in out, "no colour codes in a pipe"
    titles = ("旅行スポット紹介記事 5本", "ECサイト商品説明文 20件", "ブログ記事リライト 10本", "アプリ紹介文の作成")
    for title in titles:
        assert title in out
    for rule in ("quiet_client", "acceptance_overdue", "no_reply", "escrow_missing"):
        assert rule not in out, "rule ids only in --json"
    for label in ("返信なし（ログインあり）", "検収期限切れ", "返信なし", "仮払い待ち"):
        assert label in out
    assert "11/13 10:00 ごろ（7日超過）" in out  # from the likely delivery report, said as a guess
    flat = out.replace("\n", "").replace(" " * 16, "")  # the card wraps its lines
    assert "2026年11月06日 10:00 ごろ（文面から推定。cwwatch delivered で確定できます）" in flat
    assert "11/06 10:00（10営業日）" in out
    assert "非公開" in out and "未入金" in out
    assert "最終スキャン: 2026年11月20日 10:00（正常）" in out
    assert "検知: 最後の正常なスキャン（2026年11月20日 10:00）で見つかったものです。" in out
    assert "返信なし（ログインあり）：返信がなく、クライアントはメッセージの後もサイトに" in out  # the legend
    rc, out, _ = cli("--lang", "en", "status", "--now", STORY_NOW)
    assert rc == 0 and "7 days over" in out and "about 2 hours ago" in out
    assert "no reply (client logs in)" in out and "quiet_client" not in out
    assert "Findings: as the last healthy scan found them, at 2026-11-20 10:00 JST." in out


def test_findings_are_those_of_the_last_healthy_scan_not_of_now(home, cli):
    """Later (the story's 963700112 has waited long enough by then), and after an unhealthy scan,
    status still shows what the last healthy scan found, and says when."""
    later = "2026-11-27T10:00:00+09:00"
    s = store_of(home)
    try:
        with s.transaction():
            s.add_scan(datetime(2026, 11, 27, 0, 50, tzinfo=UTC), datetime(2026, 11, 27, 1, 0, tzinfo=UTC), False,
                       [Problem(HealthKind.LOGGED_OUT, "contracts", "login wall")], 1, 0)
    finally:
        s.close()
    rc, out, err = cli("status", "--json", "--now", later)
    assert rc == 0, err
    doc = json.loads(out)
    assert {c["contract_id"]: c["findings"] for c in doc["contracts"]} == EXPECTED
    assert doc["last_scan"]["healthy"] is False
    rc, out, _ = cli("status", "--now", later)
    assert "有効な契約（2026年11月27日 10:00 現在）" in out
    assert "最終スキャン: 2026年11月27日 10:00（異常: logged_out）" in out
    assert "検知: 最後の正常なスキャン（2026年11月20日 10:00）で見つかったものです。" in out
    assert "11/19 10:00（5営業日）" in out, "waiting times are worked out at now (11/23 is a holiday)"


def test_after_the_thresholds_changed_status_shows_the_ledgers_open_alerts(home, cli):
    """quiet_business_days = 5 would drop 963690555's no_reply (4 business days): the notifications
    of the last healthy scan are shown instead, and the output says why."""
    (home / "config").mkdir(exist_ok=True)
    (home / "config" / "config.toml").write_text("quiet_business_days = 5\n", encoding="utf-8")
    doc = status_json(cli)
    assert {c["contract_id"]: c["findings"] for c in doc["contracts"]} == EXPECTED
    _rc, out, _ = cli("status", "--now", STORY_NOW)
    assert "設定のしきい値が変わったため" in out.replace("\n", "")


def test_status_before_any_scan_says_so_and_exits_0(tmp_path, cli, monkeypatch):
    monkeypatch.setenv("CWWATCH_HOME", str(tmp_path))
    rc, out, err = cli("status")
    assert rc == 0 and err == ""
    assert "まだスキャンが実行されていません" in out and "cwwatch scan" in out and "cwwatch demo" in out
    rc, out, _ = cli("status", "--json")
    assert rc == 0 and json.loads(out)["contracts"] == [] and json.loads(out)["last_scan"] is None
    assert not (tmp_path / "data").exists(), "a read-only command creates no history"


# -- mute and unmute --------------------------------------------------------------------------------


@ALSO_IN_CHROMIUM
def test_mute_marks_the_contract_and_unmute_removes_it(home, cli):
    rc, out, err = cli("mute", "963690555", "--for", "3d", "--reason", "返事待ち", "--now", STORY_NOW)
    assert rc == 0, err
    assert out == ("963690555「アプリ紹介文の作成」の通知を2026年11月23日 10:00までミュートしました"
                   "（クライアントから返信があれば解除されます）。\n")
    s = store_of(home)
    try:
        m = s.mutes()[963690555]
        assert m.until == datetime.fromisoformat("2026-11-23T01:00:00+00:00")
        assert m.until_reply_since == datetime.fromisoformat("2026-11-14T01:00:00+00:00")  # the current waited_since
        assert m.reason == "返事待ち" and m.created_at == datetime.fromisoformat("2026-11-20T01:00:00+00:00")
    finally:
        s.close()

    doc = status_json(cli)
    muted = {c["contract_id"]: c["mute"] for c in doc["contracts"] if c["mute"]}
    assert list(muted) == [963690555] and muted[963690555]["active"] is True
    assert {c["contract_id"] for c in doc["contracts"]} == set(EXPECTED), "a muted contract still appears"
    rc, out, _ = cli("status", "--now", STORY_NOW)
    assert "ミュート中（2026年11月23日 10:00まで）・返信で解除" in out and "メモ: 返事待ち" in out
    # After the mute's end it shows as ended, not as holding.
    rc, out, _ = cli("status", "--json", "--now", "2026-11-24T10:00:00+09:00")
    assert {c["contract_id"]: c["mute"] for c in json.loads(out)["contracts"]}[963690555]["active"] is False

    rc, out, err = cli("unmute", "963690555")
    assert rc == 0 and out == "963690555「アプリ紹介文の作成」のミュートを解除しました。\n"
    assert all(c["mute"] is None for c in status_json(cli)["contracts"])
    rc, out, _ = cli("unmute", "963690555")
    assert rc == 0 and "ミュートされていません" in out


@pytest.mark.parametrize(("args", "until"), [
    ([], None),
    (["--for", "12h"], "2026-11-20T13:00:00+00:00"),
    (["--for", "2w"], "2026-12-04T01:00:00+00:00"),
    (["--until", "2026-12-01"], "2026-11-30T15:00:00+00:00"),
    (["--until", "2026-12-01T09:00"], "2026-12-01T00:00:00+00:00"),
    (["--until", "2026-12-01T09:00:00+00:00"], "2026-12-01T09:00:00+00:00"),
])
def test_mute_durations_and_dates(home, cli, args, until):
    rc, out, err = cli("mute", "963659463", *args, "--now", STORY_NOW)
    assert rc == 0, err
    s = store_of(home)
    try:
        m = s.mutes()[963659463]
    finally:
        s.close()
    assert m.until == (datetime.fromisoformat(until) if until else None)
    assert m.until_reply_since == datetime.fromisoformat("2026-11-06T01:00:00+00:00")
    assert ("解除するまで" in out) == (until is None)


@pytest.mark.parametrize("args", [
    ["--for", "3x"], ["--for", "0d"], ["--for", "d"], ["--for", "400w"],
    ["--until", "tomorrow"], ["--until", "2026-11-01"],
])
def test_bad_mute_values_are_one_line_and_exit_2(home, cli, args):
    rc, out, err = cli("mute", "963659463", *args, "--now", STORY_NOW)
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(("cwwatch: エラー: ", "cwwatch: error: ")) and "Traceback" not in err
    s = store_of(home)
    try:
        assert s.mutes() == {}
    finally:
        s.close()


def test_mute_and_unmute_of_an_unknown_contract_are_exit_2(home, cli):
    for argv in (["mute", "1234"], ["unmute", "1234"], ["mute", "963659463", "--for", "3d", "--until", "2026-12-01"]):
        rc, out, err = cli(*argv)
        assert rc == 2 and out == "" and err.count("\n") == 1, argv


# -- the mute's meaning (pure) ----------------------------------------------------------------------


def test_a_mute_holds_until_its_time_or_the_clients_reply():
    since = datetime(2026, 11, 14, 10, tzinfo=JST)
    m = Mute(NOW + timedelta(days=3), since, "", NOW)
    assert m.active(since, NOW)
    assert not m.active(since, NOW + timedelta(days=3))  # its time came
    assert not m.active(None, NOW)  # the client replied
    assert not m.active(since + timedelta(days=2), NOW)  # replied, and a new wait began
    forever = Mute(None, None, "", NOW)
    assert forever.active(None, NOW + timedelta(days=999))
