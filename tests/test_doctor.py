"""`cwwatch doctor`: every check against real components, and its output and exit code."""

from __future__ import annotations

import argparse
import json
import os
import stat
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from watcher.cli import doctor
from watcher.config import Config
from watcher.models import HealthKind, Problem
from watcher.paths import Paths, write_private
from watcher.store import Store


def run_cli(*argv: str, config: str | None = None) -> int:
    ap = argparse.ArgumentParser(prog="cwwatch")
    ap.add_argument("--config")
    ap.add_argument("--selectors")
    sub = ap.add_subparsers(dest="command")
    doctor.add_parser(sub)
    args = ap.parse_args([*(["--config", config] if config else []), "doctor", *argv])
    return args.run(args)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, dict[str, str]]]:
    code = run_cli("--json", *argv)
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == 1
    assert all(set(c) == {"name", "status", "detail"} for c in doc["checks"])
    assert all(c["status"] in ("ok", "warn", "FAIL") for c in doc["checks"])
    return code, {c["name"]: c for c in doc["checks"]}


# -- the whole doctor, with the real desktop components ------------------------------------------


@pytest.mark.desktop
def test_fresh_home_passes(cw_home: Path, chromium: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, checks = run_json(capsys)
    assert list(checks) == ["config", "selectors", "browser", "keyring", "notifications", "store",
                            "session", "permissions"]
    for name in ("browser", "keyring", "notifications", "selectors", "config"):
        assert checks[name]["status"] == "ok", checks[name]
    assert "SecretService" in checks["keyring"]["detail"]
    assert "launched headless" in checks["browser"]["detail"]
    assert checks["session"] == {"name": "session", "status": "warn",
                                 "detail": "no saved session: run cwwatch login"}
    assert checks["store"]["status"] == "warn" and "never scanned" in checks["store"]["detail"]
    assert code == 0  # warnings alone
    assert not (cw_home / "data" / "cwwatch.sqlite3").exists()  # the doctor creates no history

    assert run_cli() == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 8
    assert [ln.split()[0] for ln in lines] == [checks[n]["status"] for n in checks]
    assert lines[0].split()[:2] == ["ok", "config"]


@pytest.mark.desktop
def test_broken_config_fails(cw_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = Paths.default().config_file
    cfg.parent.mkdir(parents=True)
    cfg.write_text('quiet_business_days = "two"\n')
    code, checks = run_json(capsys)
    assert code == 1
    assert checks["config"]["status"] == "FAIL"
    assert str(cfg) in checks["config"]["detail"] and "quiet_business_days" in checks["config"]["detail"]
    assert checks["selectors"]["status"] == "ok"  # the others go on with the defaults

    assert run_cli() == 1
    line = next(ln for ln in capsys.readouterr().out.splitlines() if " config " in ln)
    assert line.startswith("FAIL config")


@pytest.mark.desktop
def test_missing_explicit_config_fails(cw_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(config=str(tmp_path / "nope.toml")) == 1
    assert "FAIL config" in capsys.readouterr().out


@pytest.mark.desktop
def test_loose_permissions_warn_and_fix(cw_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = Paths.default()
    paths.ensure(paths.data_dir)
    loose = paths.data_dir / "notes.json"
    loose.write_text("{}")
    loose.chmod(0o644)
    tight = paths.data_dir / "session.json"
    write_private(tight, "{}")
    open_dir = paths.state_dir / "layout-changed"
    open_dir.mkdir(parents=True, mode=0o755)
    open_dir.chmod(0o755)
    paths.state_dir.chmod(0o700)

    code, checks = run_json(capsys)
    assert code == 0
    perm = checks["permissions"]
    assert perm["status"] == "warn"
    assert f"{loose} (0644)" in perm["detail"] and f"{open_dir} (0755)" in perm["detail"]
    assert str(tight) not in perm["detail"]
    assert "--fix" in perm["detail"]

    code, checks = run_json(capsys, "--fix")
    assert code == 0
    assert checks["permissions"]["status"] == "ok" and "tightened 2" in checks["permissions"]["detail"]
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    assert stat.S_IMODE(open_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(tight.stat().st_mode) == 0o600

    _, checks = run_json(capsys)
    assert checks["permissions"]["status"] == "ok"
    # a fresh session file counts
    assert checks["session"]["status"] == "ok"


# -- single checks (no desktop needed) -----------------------------------------------------------


def test_session_age(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    assert doctor.check_session(paths).status == "warn"
    paths.ensure(paths.data_dir)
    write_private(paths.session_file, "{}")
    assert doctor.check_session(paths).status == "ok"
    old = time.time() - 20 * 86400
    os.utime(paths.session_file, (old, old))
    c = doctor.check_session(paths)
    assert c.status == "warn" and "20 days" in c.detail and "cwwatch login" in c.detail


def test_store_health(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    c = doctor.check_store(paths)
    assert c.status == "warn" and "never scanned" in c.detail
    assert not paths.db_file.exists()

    store = Store(paths.db_file)
    store.close()
    c = doctor.check_store(paths)
    assert c.status == "warn" and "never scanned" in c.detail

    now = datetime.now(UTC)
    store = Store(paths.db_file)
    store.add_scan(now, now, True, [], 7, 0)
    store.close()
    c = doctor.check_store(paths)
    assert c.status == "ok" and "healthy" in c.detail and "7 pages" in c.detail

    store = Store(paths.db_file)
    store.add_scan(now, now, False, [Problem(HealthKind.LAYOUT_CHANGED, "workroom /contracts/1", "x"),
                                     Problem(HealthKind.LOGGED_OUT, "contracts", "y")], 2, 0)
    store.close()
    c = doctor.check_store(paths)
    assert c.status == "warn" and "UNHEALTHY (layout_changed, logged_out)" in c.detail


def test_damaged_store_fails(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    paths.ensure(paths.data_dir)
    write_private(paths.db_file, b"this is not a database" * 100)
    c = doctor.check_store(paths)
    assert c.status == "FAIL" and str(paths.db_file) in c.detail


def test_bad_selectors_and_missing_browser_fail(tmp_path: Path) -> None:
    bad = tmp_path / "sel.toml"
    bad.write_text("version = 1\n")
    c = doctor.check_selectors(str(bad), Config())
    assert c.status == "FAIL" and str(bad) in c.detail
    assert doctor.check_selectors(None, Config()).status == "ok"
    c = doctor.check_browser(Config(browser=str(tmp_path / "no-chromium")))
    assert c.status == "FAIL" and "no-chromium" in c.detail


def test_notifications_off_in_config() -> None:
    c = doctor.check_notifications(Config(desktop_notifications=False))
    assert c.status == "ok" and "off" in c.detail


def test_no_notification_service_is_a_warning(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # a bus address where nothing listens: never the user's own session bus
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    c = doctor.check_notifications(Config())
    assert c.status == "warn" and "no desktop notification service" in c.detail
