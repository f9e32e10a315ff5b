"""The user service that keeps ``cwwatch daemon`` running: its definition and where it goes.

Linux: a systemd user unit, ``$XDG_CONFIG_HOME/systemd/user/cwwatch.service`` (``~/.config`` when
the variable is unset or not absolute). macOS: a launchd agent,
``~/Library/LaunchAgents/jp.cwwatch.daemon.plist``. Everything here is pure (text in, text out)
or plain file handling; ``watcher.cli.service`` talks to ``systemctl`` and ``launchctl``.

The systemd unit is bound to the desktop session (``graphical-session.target``, see
systemd.special(7)): started when the session starts, stopped when it ends, so that it sees the
session's bus, display and keyring. Where the user's systemd has no such target (a server, an old
systemd) the fallback is ``default.target``: started with the user manager. The launchd agent
runs in the Aqua (GUI login) session.

The definition never holds a secret: the password stays in the keyring, and only the few
variables in :data:`CARRIED_ENV` are copied from the environment ``install`` runs in.
``CWWATCH_HOME`` goes in only when asked for (``cwwatch service install --home DIR``). The
session's own variables (:data:`SESSION_ENV`) never go in: they change with every login.
"""

from __future__ import annotations

import os
import plistlib
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from watcher.errors import Exit
from watcher.i18n import _
from watcher.paths import make_private_dirs, write_atomic

UNIT_NAME = "cwwatch.service"
LAUNCHD_LABEL = "jp.cwwatch.daemon"
DESCRIPTION = "cwwatch: watches your CrowdWorks contracts and notifies what needs you"
RESTART_SEC = 60
EXIT_USAGE = int(Exit.USAGE)  # the daemon's exit on bad usage or a config broken at its start: no restart
STOP_TIMEOUT_S = 15  # the daemon stops within 10 s of SIGTERM

# Settings (never secrets) that change which browser and keyring the daemon uses, copied into the
# definition when set where `cwwatch service install` runs. CWWATCH_HOME is not among them: it is
# written only with `--home DIR` (an exported one must not be baked in unnoticed).
HOME_ENV = "CWWATCH_HOME"
CARRIED_ENV = ("CWWATCH_CHROMIUM", "PLAYWRIGHT_BROWSERS_PATH", "PYTHON_KEYRING_BACKEND")
_PATH_VARS = ("CWWATCH_CHROMIUM", "PLAYWRIGHT_BROWSERS_PATH")

# What the desktop session gives its programs: how to reach the session bus (notifications, the
# Secret Service) and the screen. `install` imports those set in its shell into the systemd user
# manager (`systemctl --user import-environment`); they are never written into the unit.
SESSION_ENV = ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")

# The target that starts the unit: the desktop session's, else (no such target) the user manager's.
GRAPHICAL_TARGET = "graphical-session.target"
DEFAULT_TARGET = "default.target"
TARGETS = (GRAPHICAL_TARGET, DEFAULT_TARGET)


class ServiceError(ValueError):
    """A service definition cannot be made (an unusable path); the message says why."""


# -- what to run ---------------------------------------------------------------------------------


def daemon_argv(executable: str | None = None) -> list[str]:
    """The daemon's command line with absolute paths.

    The ``cwwatch`` script installed next to the running interpreter (a virtualenv's ``bin/``),
    else the interpreter itself with ``-m watcher``. Symlinks are kept as they are: a venv's
    ``python`` must stay the venv's, not the base interpreter it points to.
    """
    python = os.path.abspath(executable or sys.executable)
    script = Path(python).parent / ("cwwatch.exe" if os.name == "nt" else "cwwatch")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script), "daemon"]
    return [python, "-m", "watcher", "daemon"]


def _abs(value: str) -> str:
    return os.path.abspath(os.path.expanduser(value))


def service_env(environ: Mapping[str, str] | None = None, home: str | None = None) -> dict[str, str]:
    """The environment the definition sets.

    Unbuffered output; ``CWWATCH_HOME`` only when ``home`` is given (``--home``), never from
    ``environ``; and :data:`CARRIED_ENV` where set in ``environ``.
    """
    environ = os.environ if environ is None else environ
    env = {"PYTHONUNBUFFERED": "1"}
    if home is not None:
        if not home.strip():
            raise ServiceError(_("--home: an empty folder name"))
        env[HOME_ENV] = _abs(home)
    for key in CARRIED_ENV:
        value = environ.get(key, "")
        if value:
            env[key] = _abs(value) if key in _PATH_VARS else value
    return env


def session_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The :data:`SESSION_ENV` variables set (non-empty) in ``environ``, in that order."""
    environ = os.environ if environ is None else environ
    return {k: environ[k] for k in SESSION_ENV if environ.get(k)}


def parse_environment(text: str) -> dict[str, str]:
    """``systemctl --user show-environment`` output as a dict.

    systemd writes a value that needs quoting as ``$'...'`` with C escapes (``\\n``, ``\\xNN``...).
    """
    env: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if not sep or not key or not key.replace("_", "").isalnum():
            continue
        if len(value) >= 3 and value.startswith("$'") and value.endswith("'"):
            value = _c_unescape(value[2:-1])
        env[key] = value
    return env


_C_ESCAPES = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "e": 27}


def _c_unescape(body: str) -> str:
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\" or i + 1 == len(body):
            out += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        n = body[i + 1]
        hexa = re.match(r"[0-9A-Fa-f]{1,2}", body[i + 2:]) if n == "x" else None
        octal = re.match(r"[0-7]{1,3}", body[i + 1:])
        if n in _C_ESCAPES:
            out.append(_C_ESCAPES[n])
            i += 2
        elif hexa:
            out.append(int(hexa.group(), 16))
            i += 2 + hexa.end()
        elif octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + octal.end()
        else:
            out += n.encode("utf-8", "surrogateescape")
            i += 2
    return out.decode("utf-8", "surrogateescape")


# -- systemd -------------------------------------------------------------------------------------


def _no_controls(what: str, value: str) -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ServiceError(_("{what} {value} contains a control character (a newline?); systemd cannot take it"
                             ).format(what=what, value=repr(value)))


def _quote(word: str) -> str:
    """A word for a unit file line: quoted and C-escaped when it has blanks or quotes."""
    if word and not any(c in word for c in " \t\"'\\;"):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def exec_line(argv: Sequence[str]) -> str:
    """``argv`` as the value of ``ExecStart=``.

    ``%`` is a specifier everywhere (written ``%%``); ``$`` expands in the arguments but not in
    the program's path (written ``$$`` only in the arguments); systemd refuses a program path
    holding a quote or a backslash, so that is an error here rather than a broken unit.
    """
    if not argv:
        raise ServiceError(_("no command to run"))
    exe, *args = argv
    _no_controls(_("the program path"), exe)
    if not os.path.isabs(exe):
        raise ServiceError(_("the program path {path} is not absolute").format(path=repr(exe)))
    if any(c in exe for c in "\"'\\"):
        raise ServiceError(_("systemd cannot run a program whose path holds a quote or a backslash: "
                             "{path} (install cwwatch somewhere else)").format(path=repr(exe)))
    words = [_quote(exe.replace("%", "%%"))]
    for arg in args:
        _no_controls(_("the argument"), arg)
        words.append(_quote(arg.replace("%", "%%").replace("$", "$$")))
    return " ".join(words)


def environment_line(key: str, value: str) -> str:
    """One ``Environment=`` assignment (no ``$`` expansion there; ``%`` is still a specifier)."""
    if not key.replace("_", "").isalnum() or key[0].isdigit():
        raise ServiceError(_("{name} is not a valid environment variable name").format(name=repr(key)))
    _no_controls(_("the value of {name}").format(name=key), value)
    return _quote(f"{key}={value}".replace("%", "%%"))


def unit_text(exe_argv: Sequence[str], env: Mapping[str, str] | None = None,
              target: str = GRAPHICAL_TARGET) -> str:
    """The systemd user unit that runs ``exe_argv`` (e.g. ``[".../cwwatch", "daemon"]``).

    ``target`` :data:`GRAPHICAL_TARGET`: ordered after the desktop session's target, part of it
    (stopped when the session ends) and wanted by it (started when the session starts).
    :data:`DEFAULT_TARGET`, the fallback where there is no such target: started with the user
    manager, and nothing ties it to a session.
    """
    if target not in TARGETS:
        raise ServiceError(_("unknown target {target} (one of: {targets})").format(
            target=repr(target), targets=", ".join(TARGETS)))
    env = {"PYTHONUNBUFFERED": "1"} if env is None else env
    if target == GRAPHICAL_TARGET:
        binding = ["# Started and stopped with your desktop session (systemd.special(7)).",
                   f"After={GRAPHICAL_TARGET}", f"PartOf={GRAPHICAL_TARGET}"]
    else:
        binding = [f"# Tied to no desktop session: started with the user manager ({DEFAULT_TARGET})."]
    lines = [
        "# Written by `cwwatch service install`; `cwwatch service uninstall` removes it.",
        "[Unit]",
        f"Description={DESCRIPTION.replace('%', '%%')}",
        *binding,
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={exec_line(exe_argv)}",
        *(f"Environment={environment_line(k, v)}" for k, v in env.items()),
        "Restart=on-failure",
        # A usage or config error (exit 2) is not cured by starting again: the file must be fixed.
        f"RestartPreventExitStatus={EXIT_USAGE}",
        f"RestartSec={RESTART_SEC}",
        f"TimeoutStopSec={STOP_TIMEOUT_S}",
        "",
        "[Install]",
        f"WantedBy={target}",
        "",
    ]
    return "\n".join(lines)


def _unquote(word: str) -> str:
    """The inverse of :func:`_quote` followed by ``%`` doubling."""
    if len(word) >= 2 and word[0] == word[-1] == '"':
        word = re.sub(r"\\(.)", r"\1", word[1:-1])
    return word.replace("%%", "%")


def read_unit(text: str) -> tuple[str | None, dict[str, str]]:
    """What an installed unit (one :func:`unit_text` wrote) was made with: its target and env.

    The target is ``None`` when ``WantedBy=`` names none of :data:`TARGETS` (an older unit or a
    hand-edited one).
    """
    target: str | None = None
    env: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if not sep:
            continue
        if key == "WantedBy":
            target = value.strip() if value.strip() in TARGETS else None
        elif key == "Environment":
            name, eq, val = _unquote(value.strip()).partition("=")
            if eq:
                env[name] = val
    return target, env


def config_home(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME`` if set to an absolute path (as the spec asks), else ``~/.config``."""
    environ = os.environ if environ is None else environ
    xdg = environ.get("XDG_CONFIG_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg)
    home = environ.get("HOME") or str(Path.home())
    return Path(home) / ".config"


def unit_path(environ: Mapping[str, str] | None = None) -> Path:
    return config_home(environ) / "systemd" / "user" / UNIT_NAME


def wants_link(target: str, environ: Mapping[str, str] | None = None) -> Path:
    """The symlink ``systemctl --user enable`` makes for ``WantedBy=<target>``."""
    return unit_path(environ).parent / f"{target}.wants" / UNIT_NAME


def wants_links(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The ``enable`` symlinks for every target this or an earlier install may have used."""
    return [wants_link(t, environ) for t in TARGETS]


# -- launchd -------------------------------------------------------------------------------------


def plist_bytes(exe_argv: Sequence[str], log_dir: Path, env: Mapping[str, str] | None = None) -> bytes:
    """The launchd agent (XML plist) that runs ``exe_argv`` at login and after a failure.

    ``LimitLoadToSessionType`` Aqua: it runs in the GUI login session, where the notification
    center and the login keychain are; there is nothing to import (launchd gives the agent the
    session's context itself).
    """
    if not exe_argv:
        raise ServiceError(_("no command to run"))
    env = {"PYTHONUNBUFFERED": "1"} if env is None else env
    agent = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": list(exe_argv),
        "RunAtLoad": True,
        # Restart after a failure, not after a clean exit. launchd has no per-code exception like
        # systemd's RestartPreventExitStatus: a config broken at the start is tried again every
        # ThrottleInterval (a config broken while it runs is waited out by the daemon itself).
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": RESTART_SEC,
        "ExitTimeOut": STOP_TIMEOUT_S,
        "ProcessType": "Background",
        "LimitLoadToSessionType": "Aqua",
        "EnvironmentVariables": dict(env),
        "StandardOutPath": str(Path(log_dir) / "daemon.out.log"),
        "StandardErrorPath": str(Path(log_dir) / "daemon.err.log"),
    }
    return plistlib.dumps(agent, fmt=plistlib.FMT_XML, sort_keys=False)


def plist_path(home: str | Path | None = None) -> Path:
    return Path(home or Path.home()) / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"


# -- files ---------------------------------------------------------------------------------------


def write_definition(path: Path, data: bytes | str) -> bool:
    """Write ``data`` to ``path`` atomically with mode 0644; False when it was already so."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        if path.read_bytes() == raw:
            os.chmod(path, 0o644)
            return False
    except OSError:
        pass
    make_private_dirs(path.parent)
    write_atomic(path, raw, 0o644)  # whatever the umask
    return True


def kind(platform: str | None = None) -> str:
    """``"systemd"`` (Linux), ``"launchd"`` (macOS), or ``""`` (not supported)."""
    platform = platform or sys.platform
    if platform.startswith("linux"):
        return "systemd"
    if platform == "darwin":
        return "launchd"
    return ""
