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

pytestmark = pytest.mark.usefixtures("english")  # these tests read the English words

SECRET = "hunter2-not-in-any-file"
ANALYZE = shutil.which("systemd-analyze")  # found before a test points PATH at a fake systemctl


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
    """``systemd-analyze verify`` on ``unit``, in the system and in the user scope (where a user
    unit belongs, with the user unit folders that hold ``graphical-session.target``): the output
    (empty when the unit is clean)."""
    analyze = ANALYZE
    if not analyze:
        require("systemd-analyze", "'systemd-analyze' is not installed (Debian/Ubuntu: apt-get install systemd)")
    folder = tmp_path / "units"
    folder.mkdir(exist_ok=True)
    f = folder / name
    f.write_text(unit)
    runtime = tmp_path / "runtime"  # the user scope needs an XDG_RUNTIME_DIR, not a running manager
    runtime.mkdir(mode=0o700, exist_ok=True)
    outs = []
    for scope in ([], ["--user"]):
        proc = subprocess.run([analyze, *scope, "verify", str(f)], capture_output=True, text=True, timeout=60,
                              cwd=folder, env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)})
        out = (proc.stdout + proc.stderr).strip()
        assert proc.returncode == 0, f"systemd-analyze {' '.join(scope)} verify failed:\n{out}\n--- unit:\n{unit}"
        outs.append(out)
    return "\n".join(o for o in outs if o)


# -- generation ----------------------------------------------------------------------------------


def section(text: str, name: str) -> list[str]:
    """The lines of one ``[name]`` section of a unit, comments left out."""
    lines, inside = [], False
    for ln in text.splitlines():
        if ln.startswith("["):
            inside = ln == f"[{name}]"
        elif inside and ln and not ln.startswith("#"):
            lines.append(ln)
    return lines


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
    assert [ln for ln in lines if ln.startswith("Environment=")] == ["Environment=PYTHONUNBUFFERED=1"]
    # bound to the desktop session: ordered after it, stopped with it, started by it
    assert section(text, "Unit")[1:] == ["After=graphical-session.target", "PartOf=graphical-session.target"]
    assert section(text, "Install") == ["WantedBy=graphical-session.target"]
    # the session's variables change at every login: never in the unit
    for name in service.SESSION_ENV:
        assert name not in text


def test_unit_does_not_restart_a_daemon_that_exits_on_a_usage_or_config_error() -> None:
    """Issue 20 item 7: a daemon that exits on a bad config was restarted every minute for ever."""
    from watcher.errors import ConfigError, Exit
    lines = section(service.unit_text([cwwatch_exe(), "daemon"], {}), "Service")
    assert ConfigError.exit_code == Exit.USAGE == 2
    assert f"RestartPreventExitStatus={int(Exit.USAGE)}" in lines
    assert "Restart=on-failure" in lines  # a crash is still restarted


def test_fallback_unit_is_started_by_the_user_manager() -> None:
    argv = [cwwatch_exe(), "daemon"]
    text = service.unit_text(argv, {"PYTHONUNBUFFERED": "1"}, service.DEFAULT_TARGET)
    assert section(text, "Install") == ["WantedBy=default.target"]
    assert [ln for ln in section(text, "Unit") if not ln.startswith("Description=")] == []
    assert "graphical-session.target" not in "\n".join(section(text, "Unit") + section(text, "Install"))
    # the rest is the same unit
    graphical = service.unit_text(argv, {"PYTHONUNBUFFERED": "1"})
    assert section(text, "Service") == section(graphical, "Service")
    with pytest.raises(service.ServiceError, match="unknown target"):
        service.unit_text(argv, None, "multi-user.target")


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
               "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring", "HOME": "/h",
               "DISPLAY": ":0", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}
    env = service.service_env(environ)
    assert env == {"PYTHONUNBUFFERED": "1", "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}
    # CWWATCH_HOME only when asked for (--home), never from the environment
    assert "CWWATCH_HOME" not in service.CARRIED_ENV
    env = service.service_env(environ, home="~/other home")
    assert env["CWWATCH_HOME"] == os.path.join(os.path.expanduser("~"), "other home")
    assert SECRET not in repr(env)
    assert set(env) <= {"PYTHONUNBUFFERED", "CWWATCH_HOME", *service.CARRIED_ENV}
    with pytest.raises(service.ServiceError, match="--home"):
        service.service_env(environ, home=" ")


def test_session_env_and_parse_environment() -> None:
    environ = {"DISPLAY": ":0", "WAYLAND_DISPLAY": "", "XDG_RUNTIME_DIR": "/run/user/1000", "HOME": "/h"}
    assert service.session_env(environ) == {"DISPLAY": ":0", "XDG_RUNTIME_DIR": "/run/user/1000"}
    assert service.session_env({}) == {}
    # `systemctl --user show-environment` quotes what needs it as $'...' with C escapes
    out = ("DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus\nDISPLAY=:0\n"
           "NOTE=$'a b\\tc\\'d\\\\e\\xc3\\xa9'\nnot a line\n")
    assert service.parse_environment(out) == {
        "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus", "DISPLAY": ":0", "NOTE": "a b\tc'd\\eé"}


def test_read_unit_gives_back_target_and_env() -> None:
    env = service.service_env({}, home="/x/a \"b\"\\c 100% $HOME")
    for target in service.TARGETS:
        assert service.read_unit(service.unit_text(["/bin/true", "daemon"], env, target)) == (target, env)
    assert service.read_unit("[Install]\nWantedBy=multi-user.target\n") == (None, {})


def test_unit_quoting() -> None:
    line = service.exec_line(["/opt/my apps/cw%watch$x", "-m", "a b", "$HOME", "50%"])
    assert line == '"/opt/my apps/cw%%watch$x" -m "a b" $$HOME 50%%'
    assert service.environment_line("CWWATCH_HOME", '/x/a "b"\\c 100%') == '"CWWATCH_HOME=/x/a \\"b\\"\\\\c 100%%"'
    for bad in (["relative/cwwatch", "daemon"], ['/opt/a"b/cwwatch', "daemon"], ["/opt/a\\b", "daemon"],
                ["/opt/a\nb", "daemon"], ["/opt/cwwatch", "dae\nmon"], []):
        with pytest.raises(service.ServiceError):
            service.exec_line(bad)


@pytest.mark.parametrize("target", service.TARGETS)
def test_unit_passes_systemd_analyze_verify(tmp_path: Path, target: str) -> None:
    unit = service.unit_text(service.daemon_argv(), {"PYTHONUNBUFFERED": "1"}, target)
    out = verify(unit, tmp_path)
    assert out == "", f"systemd-analyze verify complained:\n{out}"


def test_unit_with_awkward_paths_passes_verify(tmp_path: Path) -> None:
    """A program and a CWWATCH_HOME with blanks, % and $: systemd must find the very same file."""
    folder = tmp_path / "my apps 100%"
    folder.mkdir()
    exe = folder / "cw watch$1"
    shutil.copy(sys.executable if os.path.isfile(sys.executable) else "/bin/true", exe)
    exe.chmod(0o755)
    env = service.service_env({}, home=str(tmp_path / "home 50% $HOME \\x"))
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
    assert agent["LimitLoadToSessionType"] == "Aqua"  # the GUI login session: notifications, keychain
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
    """A throwaway HOME and XDG_CONFIG_HOME, and a secret in the environment that must not leak.

    No session variables, no CWWATCH_HOME, nothing carried: each test sets what it is about.
    """
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    for name in ("CWWATCH_HOME", "SSH_CONNECTION", "SSH_TTY", *service.CARRIED_ENV, *service.SESSION_ENV):
        monkeypatch.delenv(name, raising=False)
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


LIST = "--user list-unit-files --no-legend graphical-session.target"
ASK_ACTIVE = "--user show --property=ActiveState graphical-session.target"


def manager(graphical: str | None = "active", *, up: bool = True, fail: str = "") -> str:
    """A fake systemctl for a user manager (``up``) whose graphical-session.target is in state
    ``graphical`` (None: this systemd has no such target). ``fail``: a verb that fails."""
    listed = 'echo "graphical-session.target static -"' if graphical is not None else "exit 1"
    down = "" if up else 'echo "Failed to connect to bus: No medium found" >&2; exit 1'
    return f"""case "$2" in
  list-unit-files) {listed} ;;
  {fail or "no-such-verb"}) echo "Access denied" >&2; exit 1 ;;
  *) {down or ":"} ;;
esac
case "$*" in
  *show*graphical-session.target) echo "ActiveState={graphical}" ;;
  *show*cwwatch.service*) printf 'LoadState=loaded\nUnitFileState=enabled\nActiveState=active\nSubState=running\n' ;;
  *is-active*) echo active ;;
esac
exit 0"""


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
    assert "started by default.target (fallback): systemctl not available" in out
    assert "systemctl --user enable --now cwwatch.service" in out
    text = unit.read_text()
    assert text == service.unit_text(service.daemon_argv(), service.service_env(), service.DEFAULT_TARGET)
    assert SECRET not in text
    assert "PASSWORD" not in text

    assert run_cli("install") == 0  # idempotent
    assert "unchanged" in capsys.readouterr().out

    assert run_cli("status") == 0
    out = capsys.readouterr().out
    assert "installed, up to date" in out and "started by default.target" in out
    assert "systemctl not available" in out

    assert run_cli("uninstall") == 0
    assert f"removed {unit}" in capsys.readouterr().out
    assert not unit.exists()
    assert run_cli("uninstall") == 0
    assert "not installed" in capsys.readouterr().out


def test_install_print_writes_nothing(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    log = fake_path(tmp_path, monkeypatch, manager("active"))
    monkeypatch.setenv("DISPLAY", ":42")
    assert run_cli("install", "--print") == 0
    assert capsys.readouterr().out == service.unit_text(service.daemon_argv(), service.service_env())
    assert not service.unit_path().exists()
    assert log.read_text().splitlines() == [LIST, ASK_ACTIVE]  # it only asked which target


def test_install_with_a_user_manager(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    log = fake_path(tmp_path, monkeypatch, manager("active"))
    monkeypatch.setenv("DISPLAY", ":42")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/4242/bus")
    monkeypatch.setenv("CWWATCH_CHROMIUM", str(tmp_path / "chrome"))
    monkeypatch.setenv("CWWATCH_HOME", str(tmp_path / "exported home"))
    assert run_cli("install") == 0
    out = capsys.readouterr().out
    assert "started by graphical-session.target (bound to your desktop session): your desktop session has " \
           "started it" in out
    assert "imported into the systemd user manager: DISPLAY=:42, " \
           "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/4242/bus" in out
    assert f"carried over from this environment: CWWATCH_CHROMIUM={tmp_path / 'chrome'}" in out
    assert f"CWWATCH_HOME is set here ({tmp_path / 'exported home'}) but NOT written" in out
    assert "enabled and started" in out and "active" in out
    assert log.read_text().splitlines() == [
        LIST, ASK_ACTIVE, "--user show-environment",
        "--user import-environment DISPLAY DBUS_SESSION_BUS_ADDRESS",
        "--user daemon-reload", "--user enable cwwatch.service", "--user restart cwwatch.service",
        "--user is-active cwwatch.service"]
    text = service.unit_path().read_text()
    assert text == service.unit_text(service.daemon_argv(), service.service_env())
    assert "WantedBy=graphical-session.target" in text and "PartOf=graphical-session.target" in text
    assert "CWWATCH_HOME" not in text  # exported, not asked for: not baked in
    assert ":42" not in text and "DISPLAY" not in text and "/run/user/4242" not in text
    assert SECRET not in text

    log.unlink()
    assert run_cli("install") == 0  # unchanged: start, not restart
    assert "--user start cwwatch.service" in log.read_text().splitlines()

    assert run_cli("status") == 0
    out = capsys.readouterr().out
    assert "installed, up to date" in out and "started by graphical-session.target" in out
    assert "systemd: knows it (loaded), enabled, active (running)" in out

    # what `enable` made (and what an earlier install for the other target made): uninstall removes them
    links = service.wants_links()
    for link in links:
        link.parent.mkdir()
        link.symlink_to(service.unit_path())
    log.unlink()
    assert run_cli("uninstall") == 0
    assert "stopped and disabled" in capsys.readouterr().out
    assert "--user disable --now cwwatch.service" in log.read_text().splitlines()
    assert not service.unit_path().exists() and not any(link.is_symlink() for link in links)


def test_cwwatch_home_only_with_home(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    fake_path(tmp_path, monkeypatch, manager("active"))
    monkeypatch.setenv("CWWATCH_HOME", str(tmp_path / "exported"))
    wanted = tmp_path / "cw home 100%"
    assert run_cli("install", "--home", str(wanted)) == 0
    out = capsys.readouterr().out
    assert f"CWWATCH_HOME={wanted} (from --home)" in out
    text = service.unit_path().read_text()
    assert service.read_unit(text)[1]["CWWATCH_HOME"] == str(wanted)
    assert f'Environment="CWWATCH_HOME={str(wanted).replace("%", "%%")}"' in text
    assert "exported" not in text
    verify(text, tmp_path)

    assert run_cli("status") == 0
    out = capsys.readouterr().out
    assert "installed, up to date" in out and f"CWWATCH_HOME={wanted}" in out

    # installing again without --home drops it, and says so
    assert run_cli("install") == 0
    out = capsys.readouterr().out
    assert f"the previous definition had CWWATCH_HOME={wanted}; this one has none (to keep it: --home {wanted})" \
        in out
    assert "CWWATCH_HOME" not in service.unit_path().read_text()


@pytest.mark.parametrize("session", [
    {},
    {"WAYLAND_DISPLAY": "wayland-1"},
    {"DISPLAY": ":7", "XDG_RUNTIME_DIR": "/run/user/77"},
    {"DISPLAY": ":7", "WAYLAND_DISPLAY": "wayland-1", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/77/bus",
     "XDG_RUNTIME_DIR": "/run/user/77"},
])
def test_import_environment_exactly_the_set_variables(user_home: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str],
                                                      session: dict[str, str]) -> None:
    log = fake_path(tmp_path, monkeypatch, manager("active"))
    monkeypatch.setenv("WAYLAND_DISPLAY", "")  # set but empty: not imported
    for k, v in session.items():
        monkeypatch.setenv(k, v)
    assert run_cli("install") == 0
    out = capsys.readouterr().out
    imports = [c for c in log.read_text().splitlines() if "import-environment" in c]
    names = [k for k in service.SESSION_ENV if k in session]  # in a fixed order
    if names:
        assert imports == ["--user import-environment " + " ".join(names)]
        assert "imported into the systemd user manager: " + ", ".join(f"{k}={session[k]}" for k in names) in out
    else:
        assert imports == []
        assert "nothing imported" in out
    text = service.unit_path().read_text()
    assert not any(v in text for v in session.values())


def test_nothing_imported_over_ssh(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """An SSH login's variables (a forwarded DISPLAY) are not the desktop's: not handed over."""
    log = fake_path(tmp_path, monkeypatch, manager("inactive"))
    monkeypatch.setenv("SSH_CONNECTION", "192.0.2.1 50000 192.0.2.2 22")
    monkeypatch.setenv("DISPLAY", "localhost:10.0")
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/77")
    assert run_cli("install") == 0
    out = capsys.readouterr().out
    assert "this shell is an SSH login: nothing imported" in out
    assert not any("import-environment" in c for c in log.read_text().splitlines())
    # and its DISPLAY says nothing about the desktop session: the target stays the session's
    assert "started by graphical-session.target (" in out


@pytest.mark.parametrize(("fake", "session", "target", "why"), [
    (manager(None), {"DISPLAY": ":1"}, "default.target",
     "this systemd has no graphical-session.target (a server, or systemd older than 234)"),
    (manager("inactive"), {"DISPLAY": ":1"}, "default.target",
     "graphical-session.target is inactive in this desktop session (DISPLAY=:1): your session does not start it"),
    (manager("inactive"), {}, "graphical-session.target",
     "if yours never does, install again with --target default.target"),
    (manager("active", up=False), {}, "graphical-session.target",
     "no user manager answers to say whether your session starts it"),
])
def test_target_is_chosen_and_said(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str], fake: str, session: dict[str, str],
                                   target: str, why: str) -> None:
    fake_path(tmp_path, monkeypatch, fake)
    for k, v in session.items():
        monkeypatch.setenv(k, v)
    assert run_cli("install") == 0
    out = capsys.readouterr().out
    assert f"started by {target} (" in out and why in out
    text = service.unit_path().read_text()
    assert service.read_unit(text)[0] == target
    assert text == service.unit_text(service.daemon_argv(), service.service_env(), target)
    verify(text, tmp_path)


def test_target_can_be_asked_for_and_the_old_link_goes(user_home: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    log = fake_path(tmp_path, monkeypatch, manager("active"))
    assert run_cli("install") == 0
    old = service.wants_link(service.GRAPHICAL_TARGET)  # what `enable` made
    old.parent.mkdir()
    old.symlink_to(service.unit_path())
    capsys.readouterr()
    log.unlink()
    assert run_cli("install", "--target", "default.target") == 0
    out = capsys.readouterr().out
    assert "started by default.target (fallback): as asked (--target)" in out
    assert f"removed the old link {old}" in out and not old.is_symlink()
    assert LIST not in log.read_text().splitlines()  # nothing to ask
    assert "--user restart cwwatch.service" in log.read_text().splitlines()
    assert service.read_unit(service.unit_path().read_text())[0] == "default.target"


def test_no_user_manager_still_writes_and_exits_0(user_home: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    log = fake_path(tmp_path, monkeypatch, manager("active", up=False))
    monkeypatch.setenv("DISPLAY", ":3")
    assert run_cli("install") == 0
    out = capsys.readouterr().out
    assert "no systemd user manager answers (Failed to connect to bus: No medium found)" in out
    assert "systemctl --user import-environment DISPLAY\n  systemctl --user daemon-reload" in out
    assert service.unit_path().is_file()
    assert log.read_text().splitlines() == [LIST, ASK_ACTIVE, "--user show-environment"]


def test_no_start_only_writes(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    log = fake_path(tmp_path, monkeypatch, manager("active"))
    monkeypatch.setenv("DISPLAY", ":3")
    assert run_cli("install", "--no-start") == 0
    assert service.unit_path().is_file()
    assert log.read_text().splitlines() == [LIST, ASK_ACTIVE]  # asked which target; changed nothing
    out = capsys.readouterr().out
    assert "--no-start" in out and "systemctl --user import-environment DISPLAY" in out


def test_a_failing_enable_is_a_failure(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    fake_path(tmp_path, monkeypatch, manager("active", fail="enable"))
    assert run_cli("install") == 1
    assert "Access denied" in capsys.readouterr().err


def test_launchd_install_round_trip(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The macOS flow, run on any system with launchctl absent."""
    fake_path(tmp_path, monkeypatch, None)
    monkeypatch.setattr(service, "kind", lambda platform=None: "launchd")
    monkeypatch.setenv("CWWATCH_HOME", str(tmp_path / "exported"))
    monkeypatch.setenv("DISPLAY", ":9")
    assert run_cli("install") == 0
    out = capsys.readouterr().out
    plist = user_home / "Library" / "LaunchAgents" / "jp.cwwatch.daemon.plist"
    assert plist.is_file() and stat.S_IMODE(plist.stat().st_mode) == 0o644
    assert "launchctl not available" in out and f"launchctl bootstrap gui/{os.getuid()} {plist}" in out
    assert "Aqua" in out and "nothing to import" in out
    assert "CWWATCH_HOME is set here" in out and "NOT written" in out
    agent = plistlib.loads(plist.read_bytes())
    assert agent["ProgramArguments"] == service.daemon_argv()
    assert agent["LimitLoadToSessionType"] == "Aqua"
    assert "CWWATCH_HOME" not in agent["EnvironmentVariables"]
    assert "DISPLAY" not in agent["EnvironmentVariables"]
    assert Path(agent["StandardErrorPath"]).parent.is_dir()  # launchd does not create it
    assert not str(agent["StandardErrorPath"]).startswith(str(tmp_path / "exported"))
    assert SECRET.encode() not in plist.read_bytes()
    assert run_cli("status") == 0
    assert "installed, up to date" in capsys.readouterr().out

    assert run_cli("install", "--home", str(tmp_path / "cw")) == 0
    assert f"CWWATCH_HOME={tmp_path / 'cw'} (from --home)" in capsys.readouterr().out
    agent = plistlib.loads(plist.read_bytes())
    assert agent["EnvironmentVariables"]["CWWATCH_HOME"] == str(tmp_path / "cw")
    assert Path(agent["StandardErrorPath"]).parent == tmp_path / "cw" / "log"
    assert (tmp_path / "cw" / "log").is_dir()
    assert run_cli("status") == 0
    out = capsys.readouterr().out
    assert "installed, up to date" in out and f"CWWATCH_HOME={tmp_path / 'cw'}" in out
    assert run_cli("uninstall") == 0
    assert not plist.exists()


def test_unsupported_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    from watcher.errors import ConfigError

    assert service.kind("win32") == ""
    assert service.kind("linux") == "systemd" and service.kind("darwin") == "launchd"
    monkeypatch.setattr(service, "kind", lambda platform=None: "")
    with pytest.raises(ConfigError, match="not supported"):
        run_cli("status")
