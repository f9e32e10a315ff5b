"""The user service that keeps ``cwwatch daemon`` running: its definition and where it goes.

Linux: a systemd user unit, ``$XDG_CONFIG_HOME/systemd/user/cwwatch.service`` (``~/.config`` when
the variable is unset or not absolute). macOS: a launchd agent,
``~/Library/LaunchAgents/jp.cwwatch.daemon.plist``. Everything here is pure (text in, text out)
or plain file handling; ``watcher.cli.service`` talks to ``systemctl`` and ``launchctl``.

The definition never holds a secret: the password stays in the keyring, and only the few
variables in :data:`CARRIED_ENV` are copied from the environment ``install`` runs in.
"""

from __future__ import annotations

import os
import plistlib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from watcher.paths import make_private_dirs, write_atomic

UNIT_NAME = "cwwatch.service"
LAUNCHD_LABEL = "jp.cwwatch.daemon"
DESCRIPTION = "cwwatch: watches your CrowdWorks contracts and notifies what needs you"
RESTART_SEC = 60
STOP_TIMEOUT_S = 15  # the daemon stops within 10 s of SIGTERM

# Settings (never secrets) that change where the daemon looks, copied into the definition when
# set where `cwwatch service install` runs, so the daemon sees the same profile and browser.
CARRIED_ENV = ("CWWATCH_HOME", "CWWATCH_CHROMIUM", "PLAYWRIGHT_BROWSERS_PATH", "PYTHON_KEYRING_BACKEND")
_PATH_VARS = ("CWWATCH_HOME", "CWWATCH_CHROMIUM", "PLAYWRIGHT_BROWSERS_PATH")


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


def service_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the definition sets: unbuffered output, plus :data:`CARRIED_ENV` if set."""
    environ = os.environ if environ is None else environ
    env = {"PYTHONUNBUFFERED": "1"}
    for key in CARRIED_ENV:
        value = environ.get(key, "")
        if value:
            env[key] = os.path.abspath(os.path.expanduser(value)) if key in _PATH_VARS else value
    return env


# -- systemd -------------------------------------------------------------------------------------


def _no_controls(what: str, value: str) -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ServiceError(f"{what} {value!r} contains a control character (a newline?); "
                           "systemd cannot take it")


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
        raise ServiceError("no command to run")
    exe, *args = argv
    _no_controls("the program path", exe)
    if not os.path.isabs(exe):
        raise ServiceError(f"the program path {exe!r} is not absolute")
    if any(c in exe for c in "\"'\\"):
        raise ServiceError(f"systemd cannot run a program whose path holds a quote or a backslash: "
                           f"{exe!r} (install cwwatch somewhere else)")
    words = [_quote(exe.replace("%", "%%"))]
    for arg in args:
        _no_controls("the argument", arg)
        words.append(_quote(arg.replace("%", "%%").replace("$", "$$")))
    return " ".join(words)


def environment_line(key: str, value: str) -> str:
    """One ``Environment=`` assignment (no ``$`` expansion there; ``%`` is still a specifier)."""
    if not key.replace("_", "").isalnum() or key[0].isdigit():
        raise ServiceError(f"{key!r} is not a valid environment variable name")
    _no_controls(f"the value of {key}", value)
    return _quote(f"{key}={value}".replace("%", "%%"))


def unit_text(exe_argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """The systemd user unit that runs ``exe_argv`` (e.g. ``[".../cwwatch", "daemon"]``)."""
    env = {"PYTHONUNBUFFERED": "1"} if env is None else env
    lines = [
        "# Written by `cwwatch service install`; `cwwatch service uninstall` removes it.",
        "[Unit]",
        f"Description={DESCRIPTION.replace('%', '%%')}",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={exec_line(exe_argv)}",
        *(f"Environment={environment_line(k, v)}" for k, v in env.items()),
        "Restart=on-failure",
        f"RestartSec={RESTART_SEC}",
        f"TimeoutStopSec={STOP_TIMEOUT_S}",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ]
    return "\n".join(lines)


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


def wants_link(environ: Mapping[str, str] | None = None) -> Path:
    """The symlink ``systemctl --user enable`` makes for ``WantedBy=default.target``."""
    return unit_path(environ).parent / "default.target.wants" / UNIT_NAME


# -- launchd -------------------------------------------------------------------------------------


def plist_bytes(exe_argv: Sequence[str], log_dir: Path, env: Mapping[str, str] | None = None) -> bytes:
    """The launchd agent (XML plist) that runs ``exe_argv`` at login and after a failure."""
    if not exe_argv:
        raise ServiceError("no command to run")
    env = {"PYTHONUNBUFFERED": "1"} if env is None else env
    agent = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": list(exe_argv),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},  # restart after a failure, not after a clean exit
        "ThrottleInterval": RESTART_SEC,
        "ExitTimeOut": STOP_TIMEOUT_S,
        "ProcessType": "Background",
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
