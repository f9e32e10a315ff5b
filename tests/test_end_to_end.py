"""End to end, as a user runs it: `cwwatch demo`, `cwwatch login` and `cwwatch scan` as
subprocesses, with real Chromium, the real keyring (gnome-keyring) and a real notification
daemon (dunst), whose own history is what we check."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.real_desktop import dunst_clear_history, dunst_history
from tests.sitefixtures import STORY, STORY_STATES, story
from watcher.sample.server import SampleSite

pytestmark = [pytest.mark.browser, pytest.mark.desktop]

EXPECTED = [
    {"rule": "quiet_client", "contract_id": 963659463, "client_id": 900009001},
    {"rule": "acceptance_overdue", "contract_id": 963659463, "client_id": 900009001},
    {"rule": "escrow_missing", "contract_id": 963700112, "client_id": 900009002},
    {"rule": "no_reply", "contract_id": 963690555, "client_id": 900009004},
]
EXPECTED_TITLES = {
    "返信がありません: 株式会社サンプルトラベル",
    "検収期限を過ぎました: 株式会社サンプルトラベル",
    "仮払いがまだです: 合同会社ミドリ商店",
    "返信がありません: 株式会社ノースゲート",
}
# The Friday scan also meets a new contract with a new, unverified client, and an application whose
# client has a worrying record: six notes, shown on the desktop as one summary naming them.
VETTING_TITLES = {
    "契約先のクライアントに注意: 合同会社ミドリ商店",
    "応募先のクライアントに要警戒: 合同会社スターライトメディア",
}


def cwwatch() -> list[str]:
    exe = shutil.which("cwwatch", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "watcher"]


def run(args, env, input_text=None, timeout=180):
    return subprocess.run(cwwatch() + args, env=env, input=input_text, capture_output=True,
                          text=True, timeout=timeout)


def key(f):
    return {k: f[k] for k in ("rule", "contract_id", "client_id")}


def test_demo_json_yields_the_story_and_dunst_shows_it_once(desktop_session, chromium, tmp_path):
    env = dict(desktop_session.env)
    dunst_clear_history(env)
    states = [a for f in STORY_STATES for a in ("--scenario", str(f))]
    r = run(["--home", str(tmp_path / "demo"), "demo", "--json", *states, "--scenario", str(STORY)], env)
    assert r.returncode == 10, r.stderr  # findings open after the last state, as `cwwatch scan` says it
    assert "Traceback" not in r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(lines) == 3
    delivered, first, second = lines
    # 6 November, an hour after the re-delivery: nothing is due yet.
    assert delivered["healthy"] is True and delivered["findings"] == [] and delivered["logins"] == 1
    for scan in (first, second):
        assert scan["schema"] == 1 and scan["healthy"] is True and scan["problems"] == []
        assert sorted(map(key, scan["findings"]), key=str) == sorted(EXPECTED, key=str)
        for f in scan["findings"]:
            assert set(f) >= {"rule", "contract_id", "client_id", "stage", "since", "deadline", "message"}
    assert sorted(map(key, first["notified"]), key=str) == sorted(EXPECTED, key=str)
    assert second["notified"] == [], "a second identical scan notifies nothing"
    assert second["logins"] == 0 and first["logins"] == 0
    overdue = next(f for f in first["findings"] if f["rule"] == "acceptance_overdue")
    assert overdue["deadline"] == "2026-11-13T01:00:00+00:00"
    assert "事務局に第9条第3項の適用を依頼できます" in overdue["message"]
    assert {(v["subject"], v["id"], v["verdict"]) for v in first["vetted"] if v["notified"]} == {
        ("contract", 963700112, "caution"), ("proposal", 981200451, "warning")}
    # What the notification daemon itself received: one summary, in Japanese, naming the six, once.
    history = [h for h in dunst_history(env) if h["appname"] == "cwwatch"]
    assert [h["summary"] for h in history] == ["新しい通知が6件あります"], history
    for title in EXPECTED_TITLES | VETTING_TITLES:
        assert history[0]["body"].count(title) == 1, (title, history[0]["body"])
    # The console (the person's terminal: stderr beside --json) showed each note whole, once.
    for title in EXPECTED_TITLES | VETTING_TITLES:
        assert r.stderr.count(title) == 1, (title, r.stderr[-3000:])
    assert "第9条第3項" in r.stderr and "/contracts/963659463" in r.stderr


def test_demo_without_arguments_plays_the_bundled_story(desktop_session, chromium, tmp_path):
    env = dict(desktop_session.env)
    r = run(["demo", "--json", "--no-notify", "--home", str(tmp_path / "demo")], env)
    assert r.returncode == 10, r.stderr
    scans = [json.loads(line) for line in r.stdout.splitlines()]
    assert [s["scenario"].rsplit("/", 1)[-1] for s in scans] == ["1-delivered.toml", "2-friday.toml"]
    assert sorted(map(key, scans[-1]["findings"]), key=str) == sorted(EXPECTED, key=str)


def test_demo_says_plainly_when_no_notification_service_answers(chromium, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp_path}/no-bus"
    r = run(["--home", str(tmp_path / "demo"), "demo"], env)
    assert r.returncode == 10, r.stderr
    assert r.stderr.count("デスクトップ通知サービスが応答しません") == 1
    assert "返信がありません: 株式会社サンプルトラベル" in r.stdout  # the console always


def test_login_stores_the_password_in_the_keyring_and_scan_uses_it(desktop_session, chromium,
                                                                   tmp_path):
    import keyring

    sc = story()
    home = tmp_path / "home"
    env = dict(desktop_session.env, CWWATCH_HOME=str(home))
    with SampleSite(sc) as site:
        (home / "config").mkdir(parents=True)
        (home / "config" / "config.toml").write_text(
            f'base_url = "{site.url}"\nmin_interval_s = 0\n', encoding="utf-8")
        r = run(["login", "--email", sc.worker.email, "--password-stdin"], env,
                input_text=sc.worker.password + "\n")
        assert r.returncode == 0, r.stderr
        assert keyring.get_keyring().__class__.__name__ == "Keyring"
        assert "SecretService" in type(keyring.get_keyring()).__module__
        assert keyring.get_password("cwwatch", sc.worker.email) == sc.worker.password
        assert site.stats["login_ok"] == 1
        cfg = (home / "config" / "config.toml").read_text(encoding="utf-8")
        assert sc.worker.email in cfg and sc.worker.password not in cfg
        session = home / "data" / "session.json"
        assert stat.S_IMODE(session.stat().st_mode) == 0o600
        # A scan with the saved session: no new login.
        r = run(["scan", "--json", "--no-notify"], env)
        assert r.returncode == 10, r.stderr  # healthy, with findings
        out = json.loads(r.stdout)
        assert out["healthy"] and out["logins"] == 0
        # The session expires: the scan logs in again with the keyring's password.
        site.expire_sessions()
        r = run(["scan", "--json", "--no-notify"], env)
        out = json.loads(r.stdout)
        assert r.returncode == 10 and out["logins"] == 1 and site.stats["login_ok"] == 2
        for f in home.rglob("*"):
            if f.is_file():
                assert sc.worker.password.encode() not in f.read_bytes(), f
    keyring.delete_password("cwwatch", sc.worker.email)


def test_scan_exit_codes_tell_outcomes_apart(desktop_session, chromium, tmp_path):
    sc = story()
    sc.contracts = [c for c in sc.contracts if c.id == 963688001]  # the client answered yesterday
    home = tmp_path / "home"
    env = dict(desktop_session.env, CWWATCH_HOME=str(home))
    with SampleSite(sc) as site:
        (home / "config").mkdir(parents=True)
        (home / "config" / "config.toml").write_text(
            f'base_url = "{site.url}"\nmin_interval_s = 0\nemail = "nobody@example.com"\n',
            encoding="utf-8")
        r = run(["scan", "--no-notify"], env)  # nothing in the keyring for that e-mail
        assert r.returncode == 20, r.stdout + r.stderr
        assert "logged_out" in r.stdout
        import keyring

        keyring.set_password("cwwatch", "nobody@example.com", "wrong")
        r = run(["scan", "--json", "--no-notify"], env)
        assert r.returncode == 20 and json.loads(r.stdout)["problems"][0]["kind"] == "login_failed"
        keyring.delete_password("cwwatch", "nobody@example.com")
        sc.worker.email = "nobody@example.com"
        r = run(["login", "--email", "nobody@example.com", "--password-stdin"], env,
                input_text=sc.worker.password + "\n")
        assert r.returncode == 0, r.stderr
        r = run(["scan", "--json", "--no-notify"], env)
        assert r.returncode == 0, r.stdout  # healthy, nothing to act on
        keyring.delete_password("cwwatch", "nobody@example.com")
