"""`cwwatch service`: the systemd unit and launchd agent, their paths, install/uninstall/status."""

from __future__ import annotations

import argparse
import os
import plistlib
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.real_desktop import require
from watcher.cli import service as service_cmd
from watcher.daemon import unit as service

SECRET = "hunter2-not-in-any-file"


def cwwatch_exe() -> str:
    """The installed cwwatch next to the interpreter (a real file, for systemd-analyze)."""
    return service.daemon_argv()[0]


def run_cli(*argv: str) -> int:
    ap = argparse.ArgumentParser(prog="cwwatch")
    sub = ap.add_subparsers(dest="command")
    service_cmd.add_parser(sub)
    args = ap.parse_args(["service", *argv])
    return args.run(args)


def verify(unit: str, tmp_path: Path, name: str = "cwwatch.service") -> str:
    """``systemd-analyze verify`` on ``unit``: its output (empty when the unit is clean)."""
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        require("systemd-analyze", "'systemd-analyze' is not installed (Debian/Ubuntu: apt-get install systemd)")
    folder = tmp_path / "units"
    folder.mkdir(exist_ok=True)
    f = folder / name
    f.write_text(unit)
    proc = subprocess.run([analyze, "verify", str(f)], capture_output=True, text=True, timeout=60,
                          cwd=folder)
    out = (proc.stdout + proc.stderr).strip()
    assert proc.returncode == 0, f"systemd-analyze verify failed:\n{out}\n--- unit:\n{unit}"
    return out


# -- generation ----------------------------------------------------------------------------------


def test_unit_has_what_the_daemon_needs() -> None:
    argv = [cwwatch_exe(), "daemon"]
    text = service.unit_text(argv, {"PYTHONUNBUFFERED": "1"})
    lines = text.splitlines()
    assert "[Unit]" in lines and "[Service]" in lines and "[Install]" in lines
    assert any(ln.startswith("Description=") and len(ln) > len("Description=") for ln in lines)
    assert "Type=simple" in lines
    assert f"ExecStart={argv[0]} daemon" in lines
    assert os.path.isabs(argv[0])
    assert "Restart=on-failure" in lines
    assert "RestartSec=60" in lines
    assert "TimeoutStopSec=15" in lines
    assert "WantedBy=default.target" in lines
    assert [ln for ln in lines if ln.startswith("Environment=")] == ["Environment=PYTHONUNBUFFERED=1"]


def test_daemon_argv_prefers_the_installed_script(tmp_path: Path) -> None:
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    python = venv_bin / "python"
    python.write_text("")
    assert service.daemon_argv(str(python)) == [str(python), "-m", "watcher", "daemon"]
    script = venv_bin / "cwwatch"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert service.daemon_argv(str(python)) == [str(script), "daemon"]
    # the real one: next to this interpreter, absolute, not resolved through the venv's symlink
    real = service.daemon_argv()
    assert os.path.isabs(real[0]) and real[-1] == "daemon"
    assert Path(real[0]).parent == Path(os.path.abspath(sys.executable)).parent


def test_env_carries_settings_never_secrets() -> None:
    environ = {"CWWATCH_HOME": "~/cw home", "CWWATCH_PASSWORD": SECRET, "PASSWORD": SECRET,
               "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring", "HOME": "/h"}
    env = service.service_env(environ)
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["CWWATCH_HOME"] == os.path.join(os.path.expanduser("~"), "cw home")
    assert env["PYTHON_KEYRING_BACKEND"] == "keyring.backends.SecretService.Keyring"
    assert SECRET not in repr(env)
    assert set(env) <= {"PYTHONUNBUFFERED", *service.CARRIED_ENV}


def test_unit_quoting() -> None:
    line = service.exec_line(["/opt/my apps/cw%watch$x", "-m", "a b", "$HOME", "50%"])
    assert line == '"/opt/my apps/cw%%watch$x" -m "a b" $$HOME 50%%'
    assert service.environment_line("CWWATCH_HOME", '/x/a "b"\\c 100%') == '"CWWATCH_HOME=/x/a \\"b\\"\\\\c 100%%"'
    for bad in (["relative/cwwatch", "daemon"], ['/opt/a"b/cwwatch', "daemon"], ["/opt/a\\b", "daemon"],
                ["/opt/a\nb", "daemon"], ["/opt/cwwatch", "dae\nmon"], []):
        with pytest.raises(service.ServiceError):
            service.exec_line(bad)


def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    unit = service.unit_text(service.daemon_argv(), {"PYTHONUNBUFFERED": "1"})
    out = verify(unit, tmp_path)
    assert out == "", f"systemd-analyze verify complained:\n{out}"


def test_unit_with_awkward_paths_passes_verify(tmp_path: Path) -> None:
    """A program and a CWWATCH_HOME with blanks, % and $: systemd must find the very same file."""
    folder = tmp_path / "my apps 100%"
    folder.mkdir()
    exe = folder / "cw watch$1"
    shutil.copy(sys.executable if os.path.isfile(sys.executable) else "/bin/true", exe)
    exe.chmod(0o755)
    env = service.service_env({"CWWATCH_HOME": str(tmp_path / "home 50% $HOME \\x")})
    unit = service.unit_text([str(exe), "-m", "watcher", "daemon"], env)
    out = verify(unit, tmp_path)
    assert out == "", f"systemd-analyze verify complained:\n{out}"
    # and a wrongly quoted path really would be caught by the check above
    broken = unit.replace(f'"{str(exe).replace("%", "%%")}"', str(exe).replace("%", "%%"))
    assert broken != unit
    analyze = shutil.which("systemd-analyze")
    assert analyze
    (tmp_path / "units" / "broken.service").write_text(broken)
    proc = subprocess.run([analyze, "verify", str(tmp_path / "units" / "broken.service")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 or (proc.stdout + proc.stderr).strip()


def test_plist_round_trip(tmp_path: Path) -> None:
    argv = ["/Users/me/cw watch/.venv/bin/cwwatch", "daemon"]
    data = service.plist_bytes(argv, tmp_path / "log", {"PYTHONUNBUFFERED": "1", "CWWATCH_HOME": "/x y"})
    assert data.startswith(b"<?xml")
    agent = plistlib.loads(data)
    assert agent["Label"] == "jp.cwwatch.daemon"
    assert agent["ProgramArguments"] == argv
    assert agent["RunAtLoad"] is True
    assert agent["KeepAlive"] == {"SuccessfulExit": False}
    assert agent["EnvironmentVariables"] == {"PYTHONUNBUFFERED": "1", "CWWATCH_HOME": "/x y"}
    assert Path(agent["StandardOutPath"]).parent == tmp_path / "log"
    assert Path(agent["StandardErrorPath"]).parent == tmp_path / "log"
    assert agent["StandardOutPath"] != agent["StandardErrorPath"]


def test_paths_respect_xdg_config_home(tmp_path: Path) -> None:
    assert service.unit_path({"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "HOME": "/nowhere"}) == (
        tmp_path / "cfg" / "systemd" / "user" / "cwwatch.service")
    # a relative XDG_CONFIG_HOME is invalid by the spec: ignored
    assert service.unit_path({"XDG_CONFIG_HOME": "rel", "HOME": str(tmp_path)}) == (
        tmp_path / ".config" / "systemd" / "user" / "cwwatch.service")
    assert service.unit_path({"HOME": str(tmp_path)}).parent == tmp_path / ".config" / "systemd" / "user"
    assert service.plist_path(tmp_path) == tmp_path / "Library" / "LaunchAgents" / "jp.cwwatch.daemon.plist"


# -- install / uninstall / status ----------------------------------------------------------------


@pytest.fixture
def user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway HOME and XDG_CONFIG_HOME, and a secret in the environment that must not leak."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg config"))
    monkeypatch.delenv("CWWATCH_HOME", raising=False)
    monkeypatch.setenv("CWWATCH_PASSWORD", SECRET)
    monkeypatch.setattr(service, "kind", lambda platform=None: "systemd")
    return home


def fake_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, systemctl: str | None) -> Path:
    """PATH = one folder holding only a fake systemctl (or nothing). Returns the call log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "systemctl.log"
    if systemctl is not None:
        script = bin_dir / "systemctl"
        script.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\n{systemctl}\n')
        script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    return log


def test_install_uninstall_without_systemctl(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    fake_path(tmp_path, monkeypatch, None)
    unit = user_home / "xdg config" / "systemd" / "user" / "cwwatch.service"

    assert run_cli("status") == 0
    out = capsys.readouterr().out
    assert "not installed" in out and "systemctl not available" in out

    assert run_cli("install") == 0
    out = capsys.readouterr().out
    assert unit.is_file()
    assert stat.S_IMODE(unit.stat().st_mode) == 0o644
    assert stat.S_IMODE(unit.parent.stat().st_mode) & 0o022 == 0  # no one else may plant units
    assert "systemctl not available" in out
    assert "systemctl --user enable --now cwwatch.service" in out
    text = unit.read_text()
    assert text == service.unit_text(service.daemon_argv(), service.service_env())
    assert SECRET not in text
    assert "PASSWORD" not in text

    assert run_cli("install") == 0  # idempotent
    assert "unchanged" in capsys.readouterr().out

    assert run_cli("status") == 0
    out = capsys.readouterr().out
    assert "installed, up to date" in out and "systemctl not available" in out

    assert run_cli("uninstall") == 0
    assert f"removed {unit}" in capsys.readouterr().out
    assert not unit.exists()
    assert run_cli("uninstall") == 0
    assert "not installed" in capsys.readouterr().out


def test_install_print_writes_nothing(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    log = fake_path(tmp_path, monkeypatch, "exit 0")
    assert run_cli("install", "--print") == 0
    assert capsys.readouterr().out == service.unit_text(service.daemon_argv(), service.service_env())
    assert not service.unit_path().exists()
    assert not log.exists()


def test_install_with_a_user_manager(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    log = fake_path(tmp_path, monkeypatch, """case "$2" in
  show) printf 'LoadState=loaded\\nUnitFileState=enabled\\nActiveState=active\\nSubState=running\\n' ;;
  is-active) echo active ;;
esac
exit 0""")
    monkeypatch.setenv("CWWATCH_HOME", str(tmp_path / "cw home"))
    assert run_cli("install") == 0
    out = capsys.readouterr().out
    assert "enabled and started" in out and "active" in out
    assert "carried over from this environment: CWWATCH_HOME" in out
    calls = log.read_text().splitlines()
    assert calls[0] == "--user show-environment"
    assert calls[1:4] == ["--user daemon-reload", "--user enable cwwatch.service", "--user restart cwwatch.service"]
    text = service.unit_path().read_text()
    assert f'Environment="CWWATCH_HOME={tmp_path / "cw home"}"' in text
    assert SECRET not in text

    log.unlink()
    assert run_cli("install") == 0  # unchanged: start, not restart
    assert "--user start cwwatch.service" in log.read_text().splitlines()

    assert run_cli("status") == 0
    out = capsys.readouterr().out
    assert "systemd: knows it (loaded), enabled, active (running)" in out

    # what `enable` would have made: uninstall removes it with the unit
    link = service.wants_link()
    link.parent.mkdir()
    link.symlink_to(service.unit_path())
    log.unlink()
    assert run_cli("uninstall") == 0
    assert "stopped and disabled" in capsys.readouterr().out
    assert "--user disable --now cwwatch.service" in log.read_text().splitlines()
    assert not service.unit_path().exists() and not link.is_symlink()


def test_no_user_manager_still_writes_and_exits_0(user_home: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    log = fake_path(tmp_path, monkeypatch, 'echo "Failed to connect to bus: No medium found" >&2; exit 1')
    assert run_cli("install") == 0
    out = capsys.readouterr().out
    assert "no systemd user manager answers (Failed to connect to bus: No medium found)" in out
    assert "systemctl --user daemon-reload" in out
    assert service.unit_path().is_file()
    assert log.read_text().splitlines() == ["--user show-environment"]


def test_no_start_only_writes(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    log = fake_path(tmp_path, monkeypatch, "exit 0")
    assert run_cli("install", "--no-start") == 0
    assert service.unit_path().is_file()
    assert not log.exists()
    assert "--no-start" in capsys.readouterr().out


def test_a_failing_enable_is_a_failure(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    fake_path(tmp_path, monkeypatch, '[ "$2" = enable ] && { echo "Access denied" >&2; exit 1; }; exit 0')
    assert run_cli("install") == 1
    assert "Access denied" in capsys.readouterr().err


def test_launchd_install_round_trip(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The macOS flow, run on any system with launchctl absent."""
    fake_path(tmp_path, monkeypatch, None)
    monkeypatch.setattr(service, "kind", lambda platform=None: "launchd")
    monkeypatch.setenv("CWWATCH_HOME", str(tmp_path / "cw"))
    assert run_cli("install") == 0
    out = capsys.readouterr().out
    plist = user_home / "Library" / "LaunchAgents" / "jp.cwwatch.daemon.plist"
    assert plist.is_file() and stat.S_IMODE(plist.stat().st_mode) == 0o644
    assert "launchctl not available" in out and f"launchctl bootstrap gui/{os.getuid()} {plist}" in out
    agent = plistlib.loads(plist.read_bytes())
    assert agent["ProgramArguments"] == service.daemon_argv()
    assert Path(agent["StandardErrorPath"]).parent.is_dir()  # launchd does not create it
    assert SECRET.encode() not in plist.read_bytes()
    assert run_cli("status") == 0
    assert "installed, up to date" in capsys.readouterr().out
    assert run_cli("uninstall") == 0
    assert not plist.exists()


def test_unsupported_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    from watcher.errors import ConfigError

    assert service.kind("win32") == ""
    assert service.kind("linux") == "systemd" and service.kind("darwin") == "launchd"
    monkeypatch.setattr(service, "kind", lambda platform=None: "")
    with pytest.raises(ConfigError, match="not supported"):
        run_cli("status")
