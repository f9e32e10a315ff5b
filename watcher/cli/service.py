"""``cwwatch service install|uninstall|status``: run ``cwwatch daemon`` as a user service.

Linux: a systemd user unit bound to ``graphical-session.target`` (or, where the user's systemd has
none or the desktop session does not start it, ``default.target``; the command says which and
why), started with ``systemctl --user enable --now`` when a user manager answers. The session
variables set in the installing shell (``DISPLAY``, ``WAYLAND_DISPLAY``,
``DBUS_SESSION_BUS_ADDRESS``, ``XDG_RUNTIME_DIR``) are imported into the user manager, never
written into the unit. Where no manager answers (a container, CI, a login without a user bus) the
unit is still written and the command says what to run. macOS: a launchd agent in the Aqua
session, loaded with ``launchctl bootstrap``.

``CWWATCH_HOME`` goes into the definition only with ``--home DIR``.

One module over 400 lines, as one job: install, uninstall and status of the one service, for the
two service managers side by side, so that what each writes and checks can be compared.
"""

from __future__ import annotations

import argparse
import os
import plistlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from watcher.daemon import unit as service
from watcher.errors import ConfigError, Exit
from watcher.i18n import _
from watcher.paths import APP, Paths, make_private_dirs

CALL_TIMEOUT_S = 30.0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("service", help=_("install, remove or inspect the background service"),
                       description=_("Run `cwwatch daemon` as a user service: a systemd user unit on "
                                     "Linux, a launchd agent on macOS."))
    actions = p.add_subparsers(dest="service_action", metavar="ACTION", required=True)
    inst = actions.add_parser("install", help=_("write the service definition and start it"),
                              description=_("Write the service definition (systemd user unit or "
                                            "launchd agent) for `cwwatch daemon`, then enable and start it when "
                                            "the service manager answers."))
    inst.add_argument("--no-start", action="store_true",
                      help=_("only write the definition (and import nothing into the service manager)"))
    inst.add_argument("--print", dest="print_only", action="store_true",
                      help=_("print the definition instead of writing it"))
    inst.add_argument("--home", metavar="DIR",
                      help=_("write CWWATCH_HOME=DIR into the definition (an exported CWWATCH_HOME is "
                             "not written without it)"))
    inst.add_argument("--target", choices=service.TARGETS,
                      help=_("systemd: the target that starts the service (default: {graphical} when this "
                             "systemd has it and your session starts it, else {fallback})").format(
                                 graphical=service.GRAPHICAL_TARGET, fallback=service.DEFAULT_TARGET))
    actions.add_parser("uninstall", help=_("stop and disable the service, remove its definition"),
                       description=_("Stop and disable the service, then remove its definition."))
    actions.add_parser("status", help=_("whether the service is installed, known and running"),
                       description=_("Say whether the service definition is installed and up to date, whether "
                                     "the service manager knows it, and whether it is running."))
    p.set_defaults(run=run)


def _kind() -> str:
    k = service.kind()
    if not k:
        raise ConfigError(_("cwwatch service: not supported on this platform ({platform}); "
                            "run `cwwatch daemon` from your own scheduler").format(platform=sys.platform))
    return k


@dataclass
class Result:
    ok: bool
    out: str

    @property
    def first_line(self) -> str:
        lines = [ln.strip() for ln in self.out.splitlines() if ln.strip()]
        return lines[0] if lines else _("no output")


def _call(argv: list[str]) -> Result:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=CALL_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return Result(False, _("{command}: no answer within {seconds} s").format(
            command=" ".join(argv), seconds=f"{CALL_TIMEOUT_S:.0f}"))
    except OSError as exc:
        return Result(False, f"{argv[0]}: {exc.strerror}")
    return Result(proc.returncode == 0, (proc.stdout or "") + (proc.stderr or ""))


# -- systemd -------------------------------------------------------------------------------------


def _systemctl() -> str | None:
    return shutil.which("systemctl")


def _user_manager(systemctl: str | None) -> tuple[bool, str]:
    """Whether a systemd user manager answers, and why not."""
    if not systemctl:
        return False, _("{program} not available").format(program="systemctl")
    r = _call([systemctl, "--user", "show-environment"])
    if r.ok:
        return True, ""
    return False, _("no systemd user manager answers ({why})").format(why=r.first_line)


def _choose_target(systemctl: str | None, asked: str | None) -> tuple[str, str]:
    """The target the unit is wanted by, and why that one (for the user to read)."""
    graphical, fallback = service.GRAPHICAL_TARGET, service.DEFAULT_TARGET
    if asked:
        return asked, _("as asked (--target)")
    if not systemctl:
        return fallback, _("systemctl not available, so no {target} to bind to").format(target=graphical)
    # list-unit-files reads the unit folders: it answers without a running user manager too
    r = _call([systemctl, "--user", "list-unit-files", "--no-legend", graphical])
    if not any(line.split()[:1] == [graphical] for line in r.out.splitlines()):
        if r.out.strip():
            return fallback, _("systemctl --user cannot list {target} ({why})").format(target=graphical,
                                                                                        why=r.first_line)
        return fallback, _("this systemd has no {target} (a server, or systemd older than 234)").format(
            target=graphical)
    r = _call([systemctl, "--user", "show", "--property=ActiveState", graphical])
    state = _props(r.out).get("ActiveState", "") if r.ok else ""
    if not state:
        return graphical, _("this systemd has it (no user manager answers to say whether your session starts it)")
    if state == "active":
        return graphical, _("your desktop session has started it")
    display = {k: v for k, v in _desktop_session().items() if k in ("DISPLAY", "WAYLAND_DISPLAY")}
    if display:
        where = ", ".join(f"{k}={v}" for k, v in display.items())
        return fallback, _("{target} is {state} in this desktop session ({where}): your session does not "
                           "start it (some window managers do not)").format(target=graphical, state=state, where=where)
    return graphical, _("this systemd has it, {state} now (no desktop session in this shell): the service starts "
                        "when your session starts it; if yours never does, install again with --target {fallback}"
                        ).format(state=state, fallback=fallback)


def _props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError):
        return None


def _report_env(env: dict[str, str], previous_home: str | None) -> None:
    """Say what the definition carries: CWWATCH_HOME (only from --home) and the carried settings."""
    home = env.get(service.HOME_ENV)
    exported = os.environ.get(service.HOME_ENV, "")
    if home:
        print("  " + _("{setting} (from --home)").format(setting=f"{service.HOME_ENV}={home}"))
    elif exported:
        print("  " + _("{name} is set here ({value}) but NOT written into the definition: the service uses the "
                       "default folders (to use this one: --home {value})").format(name=service.HOME_ENV,
                                                                                   value=exported))
    if previous_home and previous_home != home:
        if home:
            print("  " + _("the previous definition had {setting}; this one has {home}").format(
                setting=f"{service.HOME_ENV}={previous_home}", home=home))
        else:
            print("  " + _("the previous definition had {setting}; this one has none (to keep it: --home {home})"
                           ).format(setting=f"{service.HOME_ENV}={previous_home}", home=previous_home))
    carried = [f"{k}={v}" for k, v in env.items() if k in service.CARRIED_ENV]
    if carried:
        print("  " + _("carried over from this environment: {settings}").format(settings=", ".join(carried)))


def _over_ssh() -> bool:
    return bool(os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"))


def _desktop_session() -> dict[str, str]:
    """The session variables of this shell when it is a desktop's; over SSH they are the SSH
    login's (a forwarded DISPLAY), not to be handed to the service."""
    return {} if _over_ssh() else service.session_env()


def _manual_steps(path: Path, session: dict[str, str]) -> str:
    imports = f"  systemctl --user import-environment {' '.join(session)}\n" if session else ""
    return (imports + "  systemctl --user daemon-reload\n"
            f"  systemctl --user enable --now {service.UNIT_NAME}\n"
            + _("(the unit is {path})").format(path=path))


def _import_session(systemctl: str, session: dict[str, str]) -> None:
    """Give the user manager the session variables this shell has (desktops usually do it too)."""
    if not session:
        where = _("this shell is an SSH login") if _over_ssh() else \
            _("none of {names} is set in this shell").format(names=", ".join(service.SESSION_ENV))
        print("  " + _("{where}: nothing imported (the service gets what your desktop session gives the user "
                       "manager; cwwatch doctor tells)").format(where=where))
        return
    r = _call([systemctl, "--user", "import-environment", *session])
    if r.ok:
        print("  " + _("imported into the systemd user manager: {settings}").format(
            settings=", ".join(f"{k}={v}" for k, v in session.items())))
    else:
        print(_("cwwatch: warning: {command} failed: {why}").format(
            command="systemctl --user import-environment", why=r.first_line), file=sys.stderr)


def _install_systemd(args: argparse.Namespace) -> int:
    systemctl = _systemctl()
    target, why = _choose_target(systemctl, args.target)
    env = service.service_env(home=args.home)
    text = service.unit_text(service.daemon_argv(), env, target)
    if args.print_only:
        sys.stdout.write(text)
        return int(Exit.OK)
    path = service.unit_path()
    previous = _read_text(path)
    changed = service.write_definition(path, text)
    print((_("wrote {path}") if changed else _("unchanged: {path}")).format(path=path))
    if target == service.GRAPHICAL_TARGET:
        print("  " + _("started by {target} (bound to your desktop session): {why}").format(target=target, why=why))
    else:
        print("  " + _("started by {target} (fallback): {why}").format(target=target, why=why))
    _report_env(env, service.read_unit(previous)[1].get(service.HOME_ENV) if previous else None)
    for link in service.wants_links():
        if link != service.wants_link(target) and link.is_symlink():
            link.unlink()  # left by an install for the other target: enable makes the new one
            print("  " + _("removed the old link {path}").format(path=link))
    session = _desktop_session()
    if args.no_start:
        print(_("not started (--no-start). To start it:") + "\n" + _manual_steps(path, session))
        return int(Exit.OK)
    up, why = _user_manager(systemctl)
    if not up:
        print(_("not started: {why}.\nIn your desktop session, run:").format(why=why) + "\n"
              + _manual_steps(path, session))
        return int(Exit.OK)
    assert systemctl is not None
    _import_session(systemctl, session)
    # restart, not start, after a change: a running daemon must pick up the new definition
    for step in (["daemon-reload"], ["enable", service.UNIT_NAME],
                 ["restart" if changed else "start", service.UNIT_NAME]):
        r = _call([systemctl, "--user", *step])
        if not r.ok:
            print(_("cwwatch: error: {command} failed: {why}").format(
                command=f"systemctl --user {' '.join(step)}", why=r.first_line), file=sys.stderr)
            return int(Exit.FAILURE)
    state = _call([systemctl, "--user", "is-active", service.UNIT_NAME]).first_line
    print(_("enabled and started: {unit} is {state} (logs: {logs}; cwwatch doctor checks what it reaches)").format(
        unit=service.UNIT_NAME, state=state, logs=f"journalctl --user -u {service.UNIT_NAME}"))
    return int(Exit.OK)


def _uninstall_systemd(args: argparse.Namespace) -> int:
    path = service.unit_path()
    links = [link for link in service.wants_links() if link.is_symlink()]
    systemctl = _systemctl()
    up, why = _user_manager(systemctl)
    if not path.exists() and not links:
        print(_("not installed: no {path}").format(path=path))
        return int(Exit.OK)
    if up:
        assert systemctl is not None
        r = _call([systemctl, "--user", "disable", "--now", service.UNIT_NAME])
        print(_("stopped and disabled") if r.ok else _("could not stop it: {why}").format(why=r.first_line))
    else:
        print(_("not stopped: {why}").format(why=why))
    for link in links:
        if link.is_symlink():
            link.unlink()
    path.unlink(missing_ok=True)
    print(_("removed {path}").format(path=path))
    if up:
        assert systemctl is not None
        _call([systemctl, "--user", "daemon-reload"])
        _call([systemctl, "--user", "reset-failed", service.UNIT_NAME])
    return int(Exit.OK)


def _file_state(path: Path, expected: bytes, home: str | None = None) -> str:
    if not path.exists():
        return _("not installed")
    try:
        same = path.read_bytes() == expected
    except OSError as exc:
        return _("installed, unreadable ({error})").format(error=exc.strerror)
    if same:
        return _("installed, up to date")
    again = "cwwatch service install" + (f" --home {home}" if home else "")
    return _("installed, differs from what `{command}` would write now (run it again to update)").format(command=again)


def _status_systemd(args: argparse.Namespace) -> int:
    path = service.unit_path()
    text = _read_text(path)
    target, env = service.read_unit(text) if text is not None else (None, {})
    home = env.get(service.HOME_ENV)
    try:
        expected = service.unit_text(service.daemon_argv(), service.service_env(home=home),
                                     target or service.GRAPHICAL_TARGET).encode()
    except service.ServiceError:
        expected = b""
    print(_("unit file: {path} ({state})").format(path=path, state=_file_state(path, expected, home)))
    if text is not None:
        started = (_("started by {target}").format(target=target) if target
                   else _("started by no target cwwatch knows"))
        print("  " + started + (f"; {service.HOME_ENV}={home}" if home else ""))
    systemctl = _systemctl()
    up, why = _user_manager(systemctl)
    if not up:
        print(f"systemd: {why}")
        return int(Exit.OK)
    assert systemctl is not None
    r = _call([systemctl, "--user", "show", service.UNIT_NAME,
               "--property=LoadState,UnitFileState,ActiveState,SubState"])
    props = _props(r.out)
    load = props.get("LoadState", "")
    if not r.ok or not load:
        print(_("systemd: cannot ask about {unit}: {why}").format(unit=service.UNIT_NAME, why=r.first_line))
    elif load == "not-found":
        print(_("systemd: does not know {unit} (run: {command})").format(
            unit=service.UNIT_NAME, command="systemctl --user daemon-reload") if path.exists()
              else _("systemd: does not know {unit}").format(unit=service.UNIT_NAME))
    else:
        # systemd's own words (loaded, enabled, active, running), shown as they are
        enabled = props.get("UnitFileState") or "unknown"
        print(_("systemd: knows it ({load}), {enabled}, {active} ({sub})").format(
            load=load, enabled=enabled, active=props.get("ActiveState", "unknown"),
            sub=props.get("SubState", "unknown")))
    return int(Exit.OK)


# -- launchd -------------------------------------------------------------------------------------


def _launchctl() -> str | None:
    return shutil.which("launchctl")


def _gui_domain() -> str:
    return f"gui/{os.getuid()}"


def _launchd_up(launchctl: str | None) -> tuple[bool, str]:
    if not launchctl:
        return False, _("{program} not available").format(program="launchctl")
    r = _call([launchctl, "print", _gui_domain()])
    if r.ok:
        return True, ""
    return False, _("no GUI login session for launchd ({why})").format(why=r.first_line)


def _log_dir(home: str | None) -> Path:
    """The log folder of the daemon the agent runs: under its CWWATCH_HOME, else the platform's
    (not under a CWWATCH_HOME exported here, which the agent does not get)."""
    return Paths.under(Path(home)).log_dir if home else Path(platformdirs.user_log_dir(APP))


def _plist(home: str | None) -> bytes:
    env = service.service_env(home=home)
    return service.plist_bytes(service.daemon_argv(), _log_dir(env.get(service.HOME_ENV)), env)


def _installed_plist_home(path: Path) -> str | None:
    try:
        agent = plistlib.loads(path.read_bytes())
    except (OSError, plistlib.InvalidFileException, ValueError):
        return None
    env = agent.get("EnvironmentVariables") if isinstance(agent, dict) else None
    home = env.get(service.HOME_ENV) if isinstance(env, dict) else None
    return home if isinstance(home, str) else None


def _install_launchd(args: argparse.Namespace) -> int:
    if args.target:
        print("  " + _("--target {target}: systemd only; a launchd agent runs in your Aqua (GUI login) session"
                       ).format(target=args.target))
    env = service.service_env(home=args.home)
    home = env.get(service.HOME_ENV)
    data = _plist(args.home)
    if args.print_only:
        sys.stdout.write(data.decode())
        return int(Exit.OK)
    log_dir = _log_dir(home)
    make_private_dirs(log_dir)  # launchd opens the log files but does not create their folder
    path = service.plist_path()
    previous_home = _installed_plist_home(path) if path.exists() else None
    changed = service.write_definition(path, data)
    print((_("wrote {path}") if changed else _("unchanged: {path}")).format(path=path))
    print("  " + _("runs in your Aqua (GUI login) session: nothing to import, launchd gives it the session"))
    _report_env(env, previous_home)
    steps = f"  launchctl bootstrap {_gui_domain()} {path}"
    if args.no_start:
        print(_("not started (--no-start). To start it:") + "\n" + steps)
        return int(Exit.OK)
    launchctl = _launchctl()
    up, why = _launchd_up(launchctl)
    if not up:
        print(_("not started: {why}.\nIn your login session, run:").format(why=why) + "\n" + steps)
        return int(Exit.OK)
    assert launchctl is not None
    target = f"{_gui_domain()}/{service.LAUNCHD_LABEL}"
    _call([launchctl, "bootout", target])  # a loaded older copy: ignore "not loaded"
    _call([launchctl, "enable", target])
    r = _call([launchctl, "bootstrap", _gui_domain(), str(path)])
    if not r.ok:
        print(_("cwwatch: error: {command} failed: {why}").format(command="launchctl bootstrap", why=r.first_line),
              file=sys.stderr)
        return int(Exit.FAILURE)
    print(_("loaded: {label} (logs in {path})").format(label=service.LAUNCHD_LABEL, path=log_dir))
    return int(Exit.OK)


def _uninstall_launchd(args: argparse.Namespace) -> int:
    path = service.plist_path()
    if not path.exists():
        print(_("not installed: no {path}").format(path=path))
        return int(Exit.OK)
    launchctl = _launchctl()
    up, why = _launchd_up(launchctl)
    if up:
        assert launchctl is not None
        r = _call([launchctl, "bootout", f"{_gui_domain()}/{service.LAUNCHD_LABEL}"])
        print(_("stopped and unloaded") if r.ok else _("not loaded ({why})").format(why=r.first_line))
    else:
        print(_("not stopped: {why}").format(why=why))
    path.unlink(missing_ok=True)
    print(_("removed {path}").format(path=path))
    return int(Exit.OK)


def _status_launchd(args: argparse.Namespace) -> int:
    path = service.plist_path()
    home = _installed_plist_home(path) if path.exists() else None
    try:
        expected = _plist(home)
    except service.ServiceError:
        expected = b""
    print(_("agent file: {path} ({state})").format(path=path, state=_file_state(path, expected, home)))
    if home:
        print(f"  {service.HOME_ENV}={home}")
    launchctl = _launchctl()
    up, why = _launchd_up(launchctl)
    if not up:
        print(f"launchd: {why}")
        return int(Exit.OK)
    assert launchctl is not None
    r = _call([launchctl, "print", f"{_gui_domain()}/{service.LAUNCHD_LABEL}"])
    if not r.ok:
        print(_("launchd: does not know {label}").format(label=service.LAUNCHD_LABEL))
        return int(Exit.OK)
    state = next((ln.split("=", 1)[1].strip() for ln in r.out.splitlines()
                  if ln.strip().startswith("state =")), "unknown")  # launchd's word, shown as it is
    print(_("launchd: knows it, {state}").format(state=state))
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
        what = f"{exc.filename}: {exc.strerror or exc}" if exc.filename else str(exc.strerror or exc)
        print(_("cwwatch: error: {what}").format(what=what), file=sys.stderr)
        return int(Exit.FAILURE)
