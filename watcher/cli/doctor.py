"""``cwwatch doctor``: check everything a scan needs, one line each, without scanning.

Each check is ``ok``, ``warn`` (works, but something deserves attention) or ``FAIL`` (a scan or
the daemon cannot work). The exit code is 1 when a check FAILs, else 0. ``--json`` prints
``{"schema": 1, "checks": [{"name", "status", "detail"}]}``; ``--fix`` tightens the permissions
of the data and state folders (folders 0700, files 0600).

When ``cwwatch service install`` put a service in place, ``service`` says whether it reaches the
desktop: the session bus and a display in its environment, and on that bus the notification
service and the Secret Service.

The doctor reads; it never logs in, never shows a password, and never creates the history.

One module over 400 lines, as one job: a list of independent checks, each a short function, in the
order the doctor prints them.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from watcher import config as config_mod
from watcher import keychain
from watcher.cli.common import call_in_thread
from watcher.config import Config
from watcher.crowdworks import chromium as browser_mod
from watcher.crowdworks import selectors as selectorset
from watcher.daemon import unit
from watcher.errors import CwError, Exit, first_line
from watcher.i18n import N_, _, ngettext
from watcher.paths import Paths
from watcher.wiring import Env

SCHEMA = 1
OK, WARN, FAIL = "ok", "warn", "FAIL"
SESSION_MAX_AGE_DAYS = 14
BROWSER_TIMEOUT_S = 60.0
NOTIFY_TIMEOUT_S = 5.0
KEYRING_PROBE_USER = "doctor-probe@cwwatch.invalid"  # a name nobody stores a password under
SERVICE_TIMEOUT_S = 10.0
NOTIFICATIONS_NAME = "org.freedesktop.Notifications"
SECRETS_NAME = "org.freedesktop.secrets"
_MAX_LISTED = 5
# How a name stands on the bus (the keys are what _bus_names says, the values what a person reads).
_BUS_STATES = {"running": N_("running"), "activatable": N_("activatable")}

T = TypeVar("T")


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok" | "warn" | "FAIL"
    detail: str


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("doctor", help=_("check the browser, keyring, notifications, files and history"),
                       description=_("Check everything a scan needs, one line each: ok, warn or FAIL. "
                                     "Exit code 1 when a check FAILs, else 0."))
    p.add_argument("--json", action="store_true",
                   help=_("print {json}").format(json='{"schema": 1, "checks": [{"name", "status", "detail"}]}'))
    p.add_argument("--fix", action="store_true",
                   help=_("tighten the data and state folders' permissions (folders 0700, files 0600)"))
    p.set_defaults(run=run)


def _age(seconds: float) -> str:
    if seconds < 90:
        return _("{n} s").format(n=f"{max(seconds, 0):.0f}")
    if seconds < 90 * 60:
        return _("{n} min").format(n=f"{seconds / 60:.0f}")
    if seconds < 48 * 3600:
        return _("{n} h").format(n=f"{seconds / 3600:.0f}")
    days = round(seconds / 86400)
    return ngettext("{n} day", "{n} days", days).format(n=days)


# -- the checks ----------------------------------------------------------------------------------


def check_config(config_path: str | None, paths: Paths) -> tuple[Config, Check]:
    """The config file (the defaults stand in for the other checks when it is broken)."""
    path = Path(config_path).expanduser() if config_path else paths.config_file
    if not path.exists():
        if config_path:
            return Config(), Check("config", FAIL, _("{path}: the config file does not exist").format(path=path))
        return Config(), Check("config", OK, _("no config file, the defaults ({path})").format(path=path))
    try:
        cfg = config_mod.load(path)
    except CwError as exc:
        return Config(), Check("config", FAIL, str(exc))
    return cfg, Check("config", OK, str(path))


def check_selectors(selectors_path: str | None, cfg: Config) -> Check:
    given = selectors_path or cfg.selectors or None
    try:
        sel = selectorset.load(given)
    except CwError as exc:
        return Check("selectors", FAIL, str(exc))
    return Check("selectors", OK, sel.source if given else _("bundled: {path}").format(path=sel.source))


def _launch(exe: Path) -> tuple[str, float]:
    """Chromium's version and the seconds from launch to about:blank closed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        started = time.monotonic()
        b = pw.chromium.launch(executable_path=str(exe), headless=True, args=browser_mod.LAUNCH_ARGS,
                               timeout=BROWSER_TIMEOUT_S * 1000 / 2)
        try:
            page = b.new_page()
            page.goto("about:blank", timeout=BROWSER_TIMEOUT_S * 1000 / 4)
            version = b.version
        finally:
            b.close()
        return version, time.monotonic() - started


def _headed_browser(cfg: Config, scan_exe: Path) -> str:
    """Which browser scans use and which one a headed login uses, as one sentence."""
    if not browser_mod.is_headless_shell(scan_exe):
        shell_hint = ("apt-get install chromium-headless-shell" if sys.platform.startswith("linux")
                      else "playwright install chromium-headless-shell")
        return _("scans use this full browser (a headless shell would be lighter: {hint})").format(hint=shell_hint)
    try:
        full = browser_mod.find_chromium(cfg.browser or None)
    except browser_mod.BrowserNotFound as exc:
        return _("scans use this headless shell; no full browser for `cwwatch login --headed`: {error}").format(
            error=exc)
    return _("scans use this headless shell; `cwwatch login --headed` uses {full}").format(full=full)


def check_browser(cfg: Config) -> Check:
    """The browser a scan launches (the headless shell where one is installed), launched once."""
    try:
        exe = browser_mod.find_scan_browser(cfg.browser or None)
    except browser_mod.BrowserNotFound as exc:
        return Check("browser", FAIL, str(exc))
    started = time.monotonic()
    try:
        version, took = call_in_thread(lambda: _launch(exe), BROWSER_TIMEOUT_S, "cwwatch-doctor")
    except Exception as exc:
        return Check("browser", FAIL, _("{exe} does not start headless: {error}").format(
            exe=exe, error=first_line(exc)))
    total = time.monotonic() - started
    launched = _("{exe} (Chromium {version}): launched headless, loaded about:blank and closed "
                 "in {took} s ({total} s with Playwright's start)").format(
                     exe=exe, version=version, took=f"{took:.2f}", total=f"{total:.2f}")
    return Check("browser", OK, _("{launched}; {which}").format(launched=launched, which=_headed_browser(cfg, exe)))


def check_keyring(cfg: Config) -> Check:
    try:
        name = keychain.backend_name()
    except Exception as exc:
        return Check("keyring", FAIL, _("no keyring backend: {error}").format(error=first_line(exc)))
    if not keychain.backend_is_usable():
        return Check("keyring", FAIL, _("{backend} cannot store passwords: on Linux start a Secret Service "
                                        "(gnome-keyring, KeePassXC) in your session").format(backend=name))
    try:  # a real read: a locked or absent Secret Service shows here, not at the next scan
        stored = keychain.get_password(cfg.email or KEYRING_PROBE_USER) is not None
    except CwError as exc:
        return Check("keyring", FAIL, str(exc))
    if keychain.backend_is_plaintext():
        return Check("keyring", WARN, _("{backend} stores passwords in PLAIN TEXT; install and use a Secret Service "
                                        "(gnome-keyring, KeePassXC) or set PYTHON_KEYRING_BACKEND").format(
                                            backend=name))
    if not cfg.email:
        return Check("keyring", OK, _("{backend} (no account yet: run cwwatch login)").format(backend=name))
    if not stored:
        return Check("keyring", WARN, _("{backend}: no password stored for {email}: run cwwatch login").format(
            backend=name, email=cfg.email))
    return Check("keyring", OK, _("{backend}: a password is stored for {email}").format(backend=name, email=cfg.email))


def check_notifications(cfg: Config) -> Check:
    if not cfg.desktop_notifications:
        return Check("notifications", OK, _("desktop notifications are off in the config (console only)"))
    from watcher.notify.desktop import DesktopChannel

    def probe() -> tuple[bool, str]:
        ch = DesktopChannel(warn=io.StringIO(), timeout=NOTIFY_TIMEOUT_S)
        try:
            return ch.available(), ch.reason
        finally:
            ch.close()

    try:
        ok, reason = call_in_thread(probe, NOTIFY_TIMEOUT_S * 3, "cwwatch-doctor")
    except Exception as exc:
        ok, reason = False, first_line(exc)
    if ok:
        return Check("notifications", OK, _("a desktop notification service answers"))
    return Check("notifications", WARN, _("no desktop notification service ({reason}): alerts go to the console only"
                                          ).format(reason=reason))


# -- the installed service: what it reaches ------------------------------------------------------


def _systemctl_user(systemctl: str, *args: str) -> tuple[bool, str]:
    try:
        proc = subprocess.run([systemctl, "--user", *args], capture_output=True, text=True,
                              timeout=SERVICE_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return False, _("no answer within {seconds} s").format(seconds=f"{SERVICE_TIMEOUT_S:.0f}")
    except OSError as exc:
        return False, exc.strerror or str(exc)
    return proc.returncode == 0, (proc.stdout or "") + (proc.stderr or "")


def _process_env(pid: int) -> dict[str, str] | None:
    """The environment process ``pid`` started with (Linux ``/proc``), or None when unreadable."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    env = {}
    for item in raw.split(b"\0"):
        key, sep, value = item.partition(b"=")
        if sep and key:
            env[os.fsdecode(key)] = os.fsdecode(value)
    return env


def _bus_names(address: str, names: tuple[str, ...]) -> dict[str, str]:
    """Each name on the bus at ``address``: "running" (owned), "activatable" or "missing"."""
    from jeepney import Message
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.wrappers import unwrap_msg

    with open_dbus_connection(bus=address) as conn:
        def ask(msg: Message) -> object:
            return unwrap_msg(conn.send_and_get_reply(msg, timeout=SERVICE_TIMEOUT_S))[0]

        activatable = set(ask(message_bus.ListActivatableNames()))  # type: ignore[call-overload]
        return {n: "running" if ask(message_bus.NameHasOwner(n)) else
                "activatable" if n in activatable else "missing" for n in names}


def check_service(cfg: Config) -> list[Check]:
    """``service``, only when ``cwwatch service install`` put a unit or agent in place.

    Linux: whether the service's environment (the running daemon's, else the systemd user
    manager's, which it gets at its next start) has the session bus and a display, and whether
    the notification service and the Secret Service answer on that bus.
    """
    kind = unit.kind()
    if kind == "systemd" and unit.unit_path().exists():
        return [_check_systemd_service(cfg, unit.unit_path())]
    if kind == "launchd" and unit.plist_path().exists():
        return [Check("service", OK, _("launchd agent {path}: runs in your Aqua (GUI login) session, with its "
                                       "notifications and login keychain").format(path=unit.plist_path()))]
    return []


def _check_systemd_service(cfg: Config, path: Path) -> Check:
    restart = f"systemctl --user restart {unit.UNIT_NAME}"
    systemctl = shutil.which("systemctl")
    if not systemctl:
        return Check("service", WARN, _("{path} is installed but systemctl is not available: nothing starts it"
                                        ).format(path=path))
    ok, out = _systemctl_user(systemctl, "show-environment")
    if not ok:
        why = first_line(out) if out.strip() else _("no answer")
        return Check("service", WARN, _("no systemd user manager answers ({why}): run cwwatch doctor in your "
                                        "desktop session to learn what the service reaches").format(why=why))
    manager = unit.parse_environment(out)
    try:
        unit_env = unit.read_unit(path.read_text())[1]
    except (OSError, UnicodeDecodeError):
        unit_env = {}
    _ok, out = _systemctl_user(systemctl, "show", unit.UNIT_NAME, "--property=ActiveState,MainPID")
    props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    active = props.get("ActiveState") or "unknown"  # systemd's word, shown as it is
    pid = int(props["MainPID"]) if props.get("MainPID", "").isdigit() else 0
    running = _process_env(pid) if active == "active" and pid > 0 else None
    if running is not None:
        env, who = running, _("the running {unit} (pid {pid})").format(unit=unit.UNIT_NAME, pid=pid)
    else:
        env, who = manager, _("{unit} ({state}; the user manager's environment, which it gets when it starts)"
                              ).format(unit=unit.UNIT_NAME, state=active)

    problems: list[tuple[str, str]] = []  # (status, what is wrong and what to do)
    if active == "failed":
        problems.append((WARN, _("it has failed: see {command}").format(
            command=f"journalctl --user -u {unit.UNIT_NAME}")))
    bus = env.get("DBUS_SESSION_BUS_ADDRESS", "")
    display = next((f"{k}={env[k]}" for k in ("WAYLAND_DISPLAY", "DISPLAY") if env.get(k)), "")
    wanted = "WAYLAND_DISPLAY" if os.environ.get("WAYLAND_DISPLAY") else "DISPLAY"
    missing = [k for k, v in (("DBUS_SESSION_BUS_ADDRESS", bus), (wanted, display)) if not v]
    fix = _("in your desktop session run `{command}`, then `{restart}`").format(
        command=f"systemctl --user import-environment {' '.join(missing)}", restart=restart)
    if running is not None and missing and all(manager.get(k) for k in missing):
        fix = _("it started before your session's variables reached the user manager: run `{restart}`").format(
            restart=restart)
    if not bus:
        problems.append((FAIL, _("no DBUS_SESSION_BUS_ADDRESS, so it reaches neither the notification service "
                                 "nor the keyring; {fix}").format(fix=fix)))
        return _service_check(who, problems)
    if not display:
        problems.append((WARN, _("no DISPLAY or WAYLAND_DISPLAY, so a notification service or keyring prompt "
                                 "started on demand cannot show; {fix}").format(fix=fix)))
    try:
        names = call_in_thread(lambda: _bus_names(bus, (NOTIFICATIONS_NAME, SECRETS_NAME)),
                               SERVICE_TIMEOUT_S * 2, "cwwatch-doctor")
    except Exception as exc:
        problems.append((FAIL, _("its session bus {bus} does not answer ({error}): in your desktop session run "
                                 "`{command}`, then `{restart}`").format(
                                     bus=bus, error=first_line(exc),
                                     command="systemctl --user import-environment DBUS_SESSION_BUS_ADDRESS",
                                     restart=restart)))
        return _service_check(who, problems)

    reached = []
    if not cfg.desktop_notifications:
        reached.append(_("no notification service (desktop notifications are off in the config)"))
    elif names[NOTIFICATIONS_NAME] == "missing":
        problems.append((WARN, _("no notification service ({name}) on its bus {bus}, so alerts go to its log only; "
                                 "start one in your session (your desktop's, dunst, mako)").format(
                                     name=NOTIFICATIONS_NAME, bus=bus)))
    else:
        reached.append(f"{NOTIFICATIONS_NAME} ({_bus_state(names[NOTIFICATIONS_NAME])})")
    backend = env.get("PYTHON_KEYRING_BACKEND") or unit_env.get("PYTHON_KEYRING_BACKEND", "")
    if backend and "SecretService" not in backend:
        reached.append(_("its keyring {backend} (no Secret Service needed)").format(backend=backend))
    elif names[SECRETS_NAME] == "missing":
        problems.append((FAIL, _("no Secret Service ({name}) on its bus {bus}, so it cannot read the password to "
                                 "log in again; start gnome-keyring or KeePassXC in your session").format(
                                     name=SECRETS_NAME, bus=bus)))
    else:
        reached.append(f"{SECRETS_NAME} ({_bus_state(names[SECRETS_NAME])})")
    if problems:
        return _service_check(who, problems)
    first, second = reached  # one for the notifications, one for the keyring
    return Check("service", OK, _("{who}: reaches {first} and {second} on {bus}, {display}").format(
        who=who, first=first, second=second, bus=bus, display=display))


def _bus_state(state: str) -> str:
    return _(_BUS_STATES[state]) if state in _BUS_STATES else state


def _service_check(who: str, problems: list[tuple[str, str]]) -> Check:
    status = FAIL if any(s == FAIL for s, _d in problems) else WARN
    ordered = sorted(problems, key=lambda p: p[0] != FAIL)  # the FAIL first
    return Check("service", status, f"{who}: " + "; ".join(d for _s, d in ordered))


def _loose(paths: list[Path]) -> list[tuple[Path, int, bool]]:
    """(path, mode, is_dir) of everything under ``paths`` that group or others can access."""
    found = []
    for root in paths:
        if not root.exists() or root.is_symlink():
            continue
        for dirpath, _dirnames, filenames in os.walk(root):
            d = Path(dirpath)
            entries = [(d, True)] + [(d / n, False) for n in filenames]
            for p, is_dir in entries:
                st = p.lstat()
                if stat.S_ISLNK(st.st_mode):
                    continue  # a link's own mode means nothing; its target is checked where it lives
                mode = stat.S_IMODE(st.st_mode)
                if mode & 0o077:
                    found.append((p, mode, is_dir))
    return found


def check_permissions(paths: Paths, fix: bool = False) -> Check:
    roots = list(dict.fromkeys([paths.data_dir, paths.state_dir]))
    if not any(r.exists() for r in roots):
        return Check("permissions", OK, _("nothing stored yet"))
    try:
        loose = _loose(roots)
    except OSError as exc:
        return Check("permissions", FAIL, _("cannot read {path}: {error}").format(
            path=exc.filename, error=exc.strerror))
    uid = os.getuid() if hasattr(os, "getuid") else None
    foreign = []
    if uid is not None:
        for r in roots:
            if r.exists() and r.stat().st_uid != uid:
                foreign.append(_("{path} (owner uid {uid})").format(path=r, uid=r.stat().st_uid))
    where = ", ".join(str(r) for r in roots if r.exists())
    if loose and fix:
        errors = []
        for p, mode, _is_dir in loose:
            try:
                os.chmod(p, mode & 0o700)  # drop group and other bits, keep the owner's
            except OSError as exc:
                errors.append(f"{p} ({exc.strerror})")
        if errors:
            return Check("permissions", FAIL, _("could not tighten: {paths}").format(paths=", ".join(errors)))
        if foreign:
            return Check("permissions", WARN, ngettext(
                "tightened {n} path; owned by someone else: {paths}",
                "tightened {n} paths; owned by someone else: {paths}", len(loose)).format(
                    n=len(loose), paths=", ".join(foreign)))
        return Check("permissions", OK, ngettext(
            "tightened {n} path (folders 0700, files 0600) in {where}",
            "tightened {n} paths (folders 0700, files 0600) in {where}", len(loose)).format(n=len(loose), where=where))
    if loose:
        listed = ", ".join(f"{p} ({mode:04o})" for p, mode, _is_dir in loose[:_MAX_LISTED])
        if len(loose) > _MAX_LISTED:
            return Check("permissions", WARN, _("readable by others: {paths} and {n} more: run cwwatch doctor --fix"
                                                ).format(paths=listed, n=len(loose) - _MAX_LISTED))
        return Check("permissions", WARN, _("readable by others: {paths}: run cwwatch doctor --fix").format(
            paths=listed))
    if foreign:
        return Check("permissions", WARN, _("owned by someone else: {paths}").format(paths=", ".join(foreign)))
    return Check("permissions", OK, _("folders 0700, files 0600 in {where}").format(where=where))


def check_session(paths: Paths, now: float | None = None) -> Check:
    f = paths.session_file
    try:
        mtime = f.stat().st_mtime
    except FileNotFoundError:
        return Check("session", WARN, _("no saved session: run cwwatch login"))
    except OSError as exc:
        return Check("session", FAIL, f"{f}: {exc.strerror}")
    age = (time.time() if now is None else now) - mtime
    if age > SESSION_MAX_AGE_DAYS * 86400:
        return Check("session", WARN, _("the saved session is {age} old (more than {days} days): the site may have "
                                        "ended it; run cwwatch login if scans report logged_out").format(
                                            age=_age(age), days=SESSION_MAX_AGE_DAYS))
    return Check("session", OK, _("saved {age} ago ({path})").format(age=_age(age), path=f))


def check_store(paths: Paths) -> Check:
    db = paths.db_file
    if not db.exists():
        return Check("store", WARN, _("no history yet ({path}): never scanned").format(path=db))
    from watcher.store import Store

    try:
        store = Store(db)
    except CwError as exc:
        return Check("store", FAIL, str(exc))
    try:
        if not store.integrity_ok():
            return Check("store", FAIL, _("{path}: the integrity check failed (move it aside; the next scan starts "
                                          "a new history)").format(path=db))
        scans = store.recent_scans(1)
    except Exception as exc:  # sqlite3.DatabaseError and kin: a damaged file
        return Check("store", FAIL, f"{db}: {first_line(exc)}")
    finally:
        store.close()
    if not scans:
        return Check("store", WARN, _("{path}: never scanned").format(path=db))
    last = scans[0]
    when = last.started_at
    if when:
        head = _("last scan #{id} {age} ago").format(id=last.id, age=_age((datetime.now(UTC) - when).total_seconds()))
    else:
        head = _("last scan #{id} at an unknown time").format(id=last.id)
    if last.healthy:
        return Check("store", OK, ngettext("{head}: healthy, {n} page loaded", "{head}: healthy, {n} pages loaded",
                                           last.pages_loaded).format(head=head, n=last.pages_loaded))
    kinds = sorted({str(p.get("kind", "?")) for p in last.problems}) or ["unknown"]
    return Check("store", WARN, _("{head}: UNHEALTHY ({kinds}): see cwwatch scan").format(
        head=head, kinds=", ".join(kinds)))


def run_checks(config_path: str | None = None, selectors_path: str | None = None, fix: bool = False,
               paths: Paths | None = None) -> list[Check]:
    paths = paths or Paths.default()
    cfg, config_check = check_config(config_path, paths)
    return [
        config_check,
        check_selectors(selectors_path, cfg),
        check_browser(cfg),
        check_keyring(cfg),
        check_notifications(cfg),
        *check_service(cfg),  # only when the service is installed
        check_store(paths),
        check_session(paths),
        check_permissions(paths, fix=fix),  # last: sees whatever the store check touched
    ]


def doctor_of(args: argparse.Namespace, env: Env) -> Callable[[], list[tuple[str, str, str]]]:
    """The checks for the dashboard's scans page, run when it asks: (name, status, what it says)."""
    def checks() -> list[tuple[str, str, str]]:
        found = run_checks(getattr(args, "config", None), getattr(args, "selectors", None), paths=env.paths)
        return [(c.name, c.status, c.detail) for c in found]
    return checks


def run(args: argparse.Namespace) -> int:
    checks = run_checks(getattr(args, "config", None), getattr(args, "selectors", None), args.fix)
    if args.json:
        print(json.dumps({"schema": SCHEMA, "checks": [asdict(c) for c in checks]}, ensure_ascii=False),
              flush=True)
    else:
        width = max(len(c.name) for c in checks)
        for c in checks:
            print(f"{c.status:<4} {c.name:<{width}}  {c.detail}", flush=True)
    return int(Exit.FAILURE if any(c.status == FAIL for c in checks) else Exit.OK)
