"""``cwwatch service install|uninstall|status``: run ``cwwatch daemon`` as a user service.

Linux: a systemd user unit, started with ``systemctl --user enable --now`` when a user manager
answers; where none does (a container, CI, a login without a user bus) the unit is still written
and the command says what to run. macOS: a launchd agent, loaded with ``launchctl bootstrap``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from watcher.daemon import unit as service
from watcher.errors import ConfigError, Exit
from watcher.paths import Paths

CALL_TIMEOUT_S = 30.0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("service", help="install, remove or inspect the background service",
                       description="Run `cwwatch daemon` as a user service: a systemd user unit on "
                       "Linux, a launchd agent on macOS.")
    actions = p.add_subparsers(dest="service_action", metavar="ACTION", required=True)
    inst = actions.add_parser("install", help="write the service definition and start it",
                              description="Write the service definition (systemd user unit or "
                              "launchd agent) for `cwwatch daemon`, then enable and start it when "
                              "the service manager answers.")
    inst.add_argument("--no-start", action="store_true", help="only write the definition")
    inst.add_argument("--print", dest="print_only", action="store_true",
                      help="print the definition instead of writing it")
    actions.add_parser("uninstall", help="stop and disable the service, remove its definition")
    actions.add_parser("status", help="whether the service is installed, known and running")
    p.set_defaults(run=run)


def _kind() -> str:
    k = service.kind()
    if not k:
        raise ConfigError(f"cwwatch service: not supported on this platform ({sys.platform}); "
                          "run `cwwatch daemon` from your own scheduler")
    return k


@dataclass
class Result:
    ok: bool
    out: str

    @property
    def first_line(self) -> str:
        lines = [ln.strip() for ln in self.out.splitlines() if ln.strip()]
        return lines[0] if lines else "no output"


def _call(argv: list[str]) -> Result:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=CALL_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return Result(False, f"{' '.join(argv)}: no answer within {CALL_TIMEOUT_S:.0f} s")
    except OSError as exc:
        return Result(False, f"{argv[0]}: {exc.strerror}")
    return Result(proc.returncode == 0, (proc.stdout or "") + (proc.stderr or ""))


# -- systemd -------------------------------------------------------------------------------------


def _systemctl() -> str | None:
    return shutil.which("systemctl")


def _user_manager(systemctl: str | None) -> tuple[bool, str]:
    """Whether a systemd user manager answers, and why not."""
    if not systemctl:
        return False, "systemctl not available"
    r = _call([systemctl, "--user", "show-environment"])
    if r.ok:
        return True, ""
    return False, f"no systemd user manager answers ({r.first_line})"


def _manual_steps(path: Path) -> str:
    return ("  systemctl --user daemon-reload\n"
            f"  systemctl --user enable --now {service.UNIT_NAME}\n"
            f"(the unit is {path})")


def _install_systemd(args: argparse.Namespace) -> int:
    text = service.unit_text(service.daemon_argv(), service.service_env())
    if args.print_only:
        sys.stdout.write(text)
        return int(Exit.OK)
    path = service.unit_path()
    changed = service.write_definition(path, text)
    print(f"{'wrote' if changed else 'unchanged:'} {path}")
    carried = [k for k in service.service_env() if k in service.CARRIED_ENV]
    if carried:
        print(f"  carried over from this environment: {', '.join(carried)}")
    if args.no_start:
        print("not started (--no-start). To start it:\n" + _manual_steps(path))
        return int(Exit.OK)
    systemctl = _systemctl()
    up, why = _user_manager(systemctl)
    if not up:
        print(f"not started: {why}.\nIn your desktop session, run:\n" + _manual_steps(path))
        return int(Exit.OK)
    assert systemctl is not None
    # restart, not start, after a change: a running daemon must pick up the new definition
    for step in (["daemon-reload"], ["enable", service.UNIT_NAME],
                 ["restart" if changed else "start", service.UNIT_NAME]):
        r = _call([systemctl, "--user", *step])
        if not r.ok:
            print(f"cwwatch: error: systemctl --user {' '.join(step)} failed: {r.first_line}",
                  file=sys.stderr)
            return int(Exit.FAILURE)
    state = _call([systemctl, "--user", "is-active", service.UNIT_NAME]).first_line
    print(f"enabled and started: {service.UNIT_NAME} is {state} "
          f"(logs: journalctl --user -u {service.UNIT_NAME})")
    return int(Exit.OK)


def _uninstall_systemd(args: argparse.Namespace) -> int:
    path = service.unit_path()
    link = service.wants_link()
    systemctl = _systemctl()
    up, why = _user_manager(systemctl)
    if not path.exists() and not link.is_symlink():
        print(f"not installed: no {path}")
        return int(Exit.OK)
    if up:
        assert systemctl is not None
        r = _call([systemctl, "--user", "disable", "--now", service.UNIT_NAME])
        print("stopped and disabled" if r.ok else f"could not stop it: {r.first_line}")
    else:
        print(f"not stopped: {why}")
    if link.is_symlink():
        link.unlink()
    path.unlink(missing_ok=True)
    print(f"removed {path}")
    if up:
        assert systemctl is not None
        _call([systemctl, "--user", "daemon-reload"])
        _call([systemctl, "--user", "reset-failed", service.UNIT_NAME])
    return int(Exit.OK)


def _file_state(path: Path, expected: bytes) -> str:
    if not path.exists():
        return "not installed"
    try:
        same = path.read_bytes() == expected
    except OSError as exc:
        return f"installed, unreadable ({exc.strerror})"
    if same:
        return "installed, up to date"
    return "installed, differs from what `cwwatch service install` would write now (run it again to update)"


def _status_systemd(args: argparse.Namespace) -> int:
    path = service.unit_path()
    try:
        expected = service.unit_text(service.daemon_argv(), service.service_env()).encode()
    except service.ServiceError:
        expected = b""
    print(f"unit file: {path} ({_file_state(path, expected)})")
    systemctl = _systemctl()
    up, why = _user_manager(systemctl)
    if not up:
        print(f"systemd: {why}")
        return int(Exit.OK)
    assert systemctl is not None
    r = _call([systemctl, "--user", "show", service.UNIT_NAME,
               "--property=LoadState,UnitFileState,ActiveState,SubState"])
    props = dict(line.split("=", 1) for line in r.out.splitlines() if "=" in line)
    load = props.get("LoadState", "")
    if not r.ok or not load:
        print(f"systemd: cannot ask about {service.UNIT_NAME}: {r.first_line}")
    elif load == "not-found":
        print(f"systemd: does not know {service.UNIT_NAME}"
              + (" (run: systemctl --user daemon-reload)" if path.exists() else ""))
    else:
        enabled = props.get("UnitFileState") or "unknown"
        print(f"systemd: knows it ({load}), {enabled}, "
              f"{props.get('ActiveState', 'unknown')} ({props.get('SubState', 'unknown')})")
    return int(Exit.OK)


# -- launchd -------------------------------------------------------------------------------------


def _launchctl() -> str | None:
    return shutil.which("launchctl")


def _gui_domain() -> str:
    return f"gui/{os.getuid()}"


def _launchd_up(launchctl: str | None) -> tuple[bool, str]:
    if not launchctl:
        return False, "launchctl not available"
    r = _call([launchctl, "print", _gui_domain()])
    if r.ok:
        return True, ""
    return False, f"no GUI login session for launchd ({r.first_line})"


def _plist() -> bytes:
    return service.plist_bytes(service.daemon_argv(), Paths.default().log_dir, service.service_env())


def _install_launchd(args: argparse.Namespace) -> int:
    data = _plist()
    if args.print_only:
        sys.stdout.write(data.decode())
        return int(Exit.OK)
    paths = Paths.default()
    paths.ensure(paths.log_dir)  # launchd opens the log files but does not create their folder
    path = service.plist_path()
    changed = service.write_definition(path, data)
    print(f"{'wrote' if changed else 'unchanged:'} {path}")
    steps = f"  launchctl bootstrap {_gui_domain()} {path}"
    if args.no_start:
        print("not started (--no-start). To start it:\n" + steps)
        return int(Exit.OK)
    launchctl = _launchctl()
    up, why = _launchd_up(launchctl)
    if not up:
        print(f"not started: {why}.\nIn your login session, run:\n" + steps)
        return int(Exit.OK)
    assert launchctl is not None
    target = f"{_gui_domain()}/{service.LAUNCHD_LABEL}"
    _call([launchctl, "bootout", target])  # a loaded older copy: ignore "not loaded"
    _call([launchctl, "enable", target])
    r = _call([launchctl, "bootstrap", _gui_domain(), str(path)])
    if not r.ok:
        print(f"cwwatch: error: launchctl bootstrap failed: {r.first_line}", file=sys.stderr)
        return int(Exit.FAILURE)
    print(f"loaded: {service.LAUNCHD_LABEL} (logs in {paths.log_dir})")
    return int(Exit.OK)


def _uninstall_launchd(args: argparse.Namespace) -> int:
    path = service.plist_path()
    if not path.exists():
        print(f"not installed: no {path}")
        return int(Exit.OK)
    launchctl = _launchctl()
    up, why = _launchd_up(launchctl)
    if up:
        assert launchctl is not None
        r = _call([launchctl, "bootout", f"{_gui_domain()}/{service.LAUNCHD_LABEL}"])
        print("stopped and unloaded" if r.ok else f"not loaded ({r.first_line})")
    else:
        print(f"not stopped: {why}")
    path.unlink(missing_ok=True)
    print(f"removed {path}")
    return int(Exit.OK)


def _status_launchd(args: argparse.Namespace) -> int:
    path = service.plist_path()
    try:
        expected = _plist()
    except service.ServiceError:
        expected = b""
    print(f"agent file: {path} ({_file_state(path, expected)})")
    launchctl = _launchctl()
    up, why = _launchd_up(launchctl)
    if not up:
        print(f"launchd: {why}")
        return int(Exit.OK)
    assert launchctl is not None
    r = _call([launchctl, "print", f"{_gui_domain()}/{service.LAUNCHD_LABEL}"])
    if not r.ok:
        print(f"launchd: does not know {service.LAUNCHD_LABEL}")
        return int(Exit.OK)
    state = next((ln.split("=", 1)[1].strip() for ln in r.out.splitlines()
                  if ln.strip().startswith("state =")), "unknown")
    print(f"launchd: knows it, {state}")
    return int(Exit.OK)


# -- the commands --------------------------------------------------------------------------------


_ACTIONS = {
    ("systemd", "install"): _install_systemd, ("systemd", "uninstall"): _uninstall_systemd,
    ("systemd", "status"): _status_systemd, ("launchd", "install"): _install_launchd,
    ("launchd", "uninstall"): _uninstall_launchd, ("launchd", "status"): _status_launchd,
}


def run(args: argparse.Namespace) -> int:
    action = _ACTIONS[(_kind(), args.service_action)]
    try:
        return int(action(args))
    except service.ServiceError as exc:
        raise ConfigError(f"cwwatch service: {exc}") from None
    except OSError as exc:
        where = f" {exc.filename}:" if exc.filename else ""
        print(f"cwwatch: error:{where} {exc.strerror or exc}", file=sys.stderr)
        return int(Exit.FAILURE)
