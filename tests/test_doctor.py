"""`cwwatch doctor`: every check against real components, and its output and exit code."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests import real_desktop
from watcher.cli import doctor
from watcher.config import Config
from watcher.daemon import unit
from watcher.models import HealthKind, Problem
from watcher.paths import Paths, write_private
from watcher.store import Store

pytestmark = pytest.mark.usefixtures("english")  # these tests read the English words


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
def test_fresh_home_passes(cw_home: Path, chromium: Path, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unit, "kind", lambda platform=None: "")  # no service check, installed or not
    code, checks = run_json(capsys)
    assert list(checks) == ["config", "selectors", "browser", "keyring", "notifications", "store",
                            "session", "permissions"]
    for name in ("browser", "keyring", "notifications", "selectors", "config"):
        assert checks[name]["status"] == "ok", checks[name]
    assert "SecretService" in checks["keyring"]["detail"]
    assert "launched headless" in checks["browser"]["detail"]
    assert checks["browser"]["detail"].startswith(str(chromium))  # the browser a scan uses, named first
    if "headless" in chromium.name:
        assert "scans use this headless shell; `cwwatch login --headed` uses" in checks["browser"]["detail"]
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


# -- the installed service: does it reach the desktop? -------------------------------------------

RESTART = "systemctl --user restart cwwatch.service"


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A unit written as `cwwatch service install` would, in a throwaway XDG_CONFIG_HOME."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(unit, "kind", lambda platform=None: "systemd")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    path = unit.unit_path()
    unit.write_definition(path, unit.unit_text(unit.daemon_argv(), unit.service_env({})))
    return path


def fake_systemctl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str] | None,
                   props: str = "ActiveState=inactive\nMainPID=0") -> None:
    """A systemctl first on PATH: its user manager has ``environment`` (None: no manager answers)
    and ``cwwatch.service`` has ``props``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    (tmp_path / "environment").write_text("".join(f"{k}={v}\n" for k, v in (environment or {}).items()))
    (tmp_path / "props").write_text(props + "\n")
    answer = (f'cat "{tmp_path / "environment"}"' if environment is not None
              else 'echo "Failed to connect to bus: No medium found" >&2; exit 1')
    script = bin_dir / "systemctl"
    script.write_text(f"""#!/bin/sh
case "$2" in
  show-environment) {answer} ;;
  show) cat "{tmp_path / "props"}" ;;
  *) exit 1 ;;
esac
""")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture(scope="module")
def private_bus() -> Iterator[str]:
    """A private D-Bus session bus (no activation) of our own: its address."""
    bins = real_desktop.require_binaries("dbus-daemon")
    root = Path(tempfile.mkdtemp(prefix="cwwatch-bus-"))
    try:
        address, daemon = real_desktop._start_dbus(bins["dbus-daemon"], dict(os.environ), root)
        try:
            yield address
        finally:
            daemon.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def owning(address: str, *names: str) -> Iterator[None]:
    """Hold ``names`` on the bus at ``address`` (a stand-in for dunst and gnome-keyring)."""
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.wrappers import unwrap_msg

    with open_dbus_connection(bus=address) as conn:
        for name in names:
            assert unwrap_msg(conn.send_and_get_reply(message_bus.RequestName(name), timeout=10)) == (1,)
        yield


BOTH = (doctor.NOTIFICATIONS_NAME, doctor.SECRETS_NAME)


def test_no_service_check_when_not_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path))
    fake_systemctl(tmp_path, monkeypatch, {})
    monkeypatch.setattr(unit, "kind", lambda platform=None: "systemd")
    assert doctor.check_service(Config()) == []
    monkeypatch.setattr(unit, "kind", lambda platform=None: "launchd")
    assert doctor.check_service(Config()) == []
    unit.write_definition(unit.plist_path(), unit.plist_bytes(["/x/cwwatch", "daemon"], tmp_path / "log"))
    (c,) = doctor.check_service(Config())
    assert c.name == "service" and c.status == "ok" and "Aqua" in c.detail


def test_service_without_a_user_manager_warns(installed: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    fake_systemctl(tmp_path, monkeypatch, None)
    (c,) = doctor.check_service(Config())
    assert c.status == "warn"
    assert c.detail == ("no systemd user manager answers (Failed to connect to bus: No medium found): run "
                        "cwwatch doctor in your desktop session to learn what the service reaches")


def test_service_without_the_bus_fails(installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_systemctl(tmp_path, monkeypatch, {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": "/run/user/1000"})
    (c,) = doctor.check_service(Config())
    assert c.status == "FAIL"
    assert c.detail.startswith("cwwatch.service (inactive; the user manager's environment")
    assert "no DBUS_SESSION_BUS_ADDRESS, so it reaches neither the notification service nor the keyring" in c.detail
    assert ("in your desktop session run `systemctl --user import-environment DBUS_SESSION_BUS_ADDRESS DISPLAY`, "
            f"then `{RESTART}`") in c.detail

    # the bus, but nobody listens there
    fake_systemctl(tmp_path / "2", monkeypatch, {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus",
                                                 "DISPLAY": ":5"})
    (c,) = doctor.check_service(Config())
    assert c.status == "FAIL" and f"its session bus unix:path={tmp_path}/no-bus does not answer" in c.detail


def test_service_reaching_both_is_ok(installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     private_bus: str) -> None:
    fake_systemctl(tmp_path, monkeypatch, {"DBUS_SESSION_BUS_ADDRESS": private_bus, "DISPLAY": ":5"})
    with owning(private_bus, *BOTH):
        (c,) = doctor.check_service(Config())
    assert c.status == "ok", c.detail
    assert c.detail == (f"cwwatch.service (inactive; the user manager's environment, which it gets when it "
                        f"starts): reaches org.freedesktop.Notifications (running) and org.freedesktop.secrets "
                        f"(running) on {private_bus}, DISPLAY=:5")


def test_service_missing_a_display_or_a_service(installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                private_bus: str) -> None:
    fake_systemctl(tmp_path, monkeypatch, {"DBUS_SESSION_BUS_ADDRESS": private_bus})
    with owning(private_bus, *BOTH):
        (c,) = doctor.check_service(Config())
    assert c.status == "warn"
    assert "no DISPLAY or WAYLAND_DISPLAY" in c.detail
    assert f"run `systemctl --user import-environment DISPLAY`, then `{RESTART}`" in c.detail

    fake_systemctl(tmp_path / "2", monkeypatch, {"DBUS_SESSION_BUS_ADDRESS": private_bus, "WAYLAND_DISPLAY": "w-0"})
    with owning(private_bus, doctor.NOTIFICATIONS_NAME):
        (c,) = doctor.check_service(Config())
    assert c.status == "FAIL"
    assert "no Secret Service (org.freedesktop.secrets)" in c.detail and "gnome-keyring" in c.detail
    with owning(private_bus, doctor.SECRETS_NAME):
        (c,) = doctor.check_service(Config())
    assert c.status == "warn" and "no notification service (org.freedesktop.Notifications)" in c.detail
    with owning(private_bus, doctor.SECRETS_NAME):  # notifications off: nothing to reach
        (c,) = doctor.check_service(Config(desktop_notifications=False))
    assert c.status == "ok" and "desktop notifications are off" in c.detail


def test_the_running_service_is_what_counts(installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            private_bus: str) -> None:
    """The manager has the bus now, but the running daemon started without it: restart it."""
    session = {"DBUS_SESSION_BUS_ADDRESS": private_bus, "DISPLAY": ":5"}
    bare = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY")}
    with subprocess.Popen(["sleep", "60"], env=bare) as old, subprocess.Popen(["sleep", "60"],
                                                                              env={**bare, **session}) as new:
        try:
            fake_systemctl(tmp_path, monkeypatch, session, f"ActiveState=active\nMainPID={old.pid}")
            with owning(private_bus, *BOTH):
                (c,) = doctor.check_service(Config())
            assert c.status == "FAIL"
            assert c.detail.startswith(f"the running cwwatch.service (pid {old.pid}): no DBUS_SESSION_BUS_ADDRESS")
            assert f"it started before your session's variables reached the user manager: run `{RESTART}`" in c.detail

            fake_systemctl(tmp_path / "2", monkeypatch, session, f"ActiveState=active\nMainPID={new.pid}")
            with owning(private_bus, *BOTH):
                (c,) = doctor.check_service(Config())
            assert c.status == "ok" and c.detail.startswith(f"the running cwwatch.service (pid {new.pid}): reaches")
        finally:
            old.kill()
            new.kill()


@pytest.mark.desktop
def test_installed_service_is_checked_against_the_real_desktop(
        installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cw_home: Path,
        desktop_session: real_desktop.DesktopSession, capsys: pytest.CaptureFixture[str]) -> None:
    """dunst and gnome-keyring on the session's bus: the whole doctor lists `service`, ok."""
    fake_systemctl(tmp_path, monkeypatch, {"DBUS_SESSION_BUS_ADDRESS": desktop_session.bus_address,
                                           "DISPLAY": desktop_session.display})
    code, checks = run_json(capsys)
    assert list(checks) == ["config", "selectors", "browser", "keyring", "notifications", "service", "store",
                            "session", "permissions"]
    assert checks["service"]["status"] == "ok", checks["service"]
    assert "org.freedesktop.Notifications (running) and org.freedesktop.secrets (running)" in \
        checks["service"]["detail"]
    assert code == 0
