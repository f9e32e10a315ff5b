"""`cwwatch status`, `cwwatch mute` and `cwwatch unmute`, against a store built by a real scan of the
bundled story (sample site, real Chromium), through the real main()."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from watcher.jptime import JST
from watcher.models import Mute
from watcher.store import Store

STORY_NOW = "2026-11-20T10:00:00+09:00"
NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
EXPECTED = {
    963659463: ["quiet_client", "acceptance_overdue"],
    963688001: [],
    963690555: ["no_reply"],
    963700112: ["escrow_missing"],
}


@pytest.fixture
def cli(capsys, monkeypatch):
    """`cwwatch ARGV` through the real main(), with this feature's commands registered."""
    from watcher.cli import main as main_mod
    from watcher.cli import mute, report, status

    extra = tuple(m for m in (status, report, mute) if m not in main_mod.COMMANDS)
    monkeypatch.setattr(main_mod, "COMMANDS", main_mod.COMMANDS + extra)

    def run(*argv):
        try:
            rc = main_mod.main(list(argv))
        except SystemExit as exc:
            rc = exc.code
        out, err = capsys.readouterr()
        return rc, out, err

    return run


def status_json(cli):
    rc, out, err = cli("status", "--json", "--now", STORY_NOW)
    assert rc == 0, err
    assert out.count("\n") == 1
    return json.loads(out)


def store_of(home):
    return Store(home / "data" / "cwwatch.sqlite3")


# -- status -----------------------------------------------------------------------------------------


@pytest.mark.browser
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


@pytest.mark.browser
def test_status_table_is_plain_text_when_piped(home, cli):
    rc, out, err = cli("status", "--now", STORY_NOW)
    assert rc == 0, err
    assert "\x1b[" not in out, "no colour codes in a pipe"
    titles = ("旅行スポット紹介記事 5本", "ECサイト商品説明文 20件", "ブログ記事リライト 10本", "アプリ紹介文の作成")
    for title in titles:
        assert title in out
    for rule in ("quiet_client", "acceptance_overdue", "no_reply", "escrow_missing"):
        assert rule in out
    assert "11/13 10:00（7日超過）" in out
    assert "11/06 10:00（10営業日）" in out
    assert "非公開" in out and "未入金" in out
    assert "最終スキャン: 2026年11月20日 10:00（正常）" in out
    rc, out, _ = cli("status", "--lang", "en", "--now", STORY_NOW)
    assert rc == 0 and "7 days over" in out and "about 2 hours ago" in out


def test_status_before_any_scan_says_so_and_exits_0(tmp_path, cli, monkeypatch):
    monkeypatch.setenv("CWWATCH_HOME", str(tmp_path))
    rc, out, err = cli("status")
    assert rc == 0 and err == ""
    assert "まだスキャンが実行されていません" in out and "cwwatch scan" in out and "cwwatch demo" in out
    rc, out, _ = cli("status", "--json")
    assert rc == 0 and json.loads(out)["contracts"] == [] and json.loads(out)["last_scan"] is None
    assert not (tmp_path / "data").exists(), "a read-only command creates no history"


# -- mute and unmute --------------------------------------------------------------------------------


@pytest.mark.browser
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
    assert "ミュート中（2026年11月23日 10:00まで）" in out and "返事待ち" in out
    # After the mute's end it shows as ended, not as holding.
    rc, out, _ = cli("status", "--json", "--now", "2026-11-24T10:00:00+09:00")
    assert {c["contract_id"]: c["mute"] for c in json.loads(out)["contracts"]}[963690555]["active"] is False

    rc, out, err = cli("unmute", "963690555")
    assert rc == 0 and out == "963690555「アプリ紹介文の作成」のミュートを解除しました。\n"
    assert all(c["mute"] is None for c in status_json(cli)["contracts"])
    rc, out, _ = cli("unmute", "963690555")
    assert rc == 0 and "ミュートされていません" in out


@pytest.mark.browser
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


@pytest.mark.browser
@pytest.mark.parametrize("args", [
    ["--for", "3x"], ["--for", "0d"], ["--for", "d"], ["--for", "400w"],
    ["--until", "tomorrow"], ["--until", "2026-11-01"],
])
def test_bad_mute_values_are_one_line_and_exit_2(home, cli, args):
    rc, out, err = cli("mute", "963659463", *args, "--now", STORY_NOW)
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("cwwatch: error: ") and "Traceback" not in err
    s = store_of(home)
    try:
        assert s.mutes() == {}
    finally:
        s.close()


@pytest.mark.browser
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
