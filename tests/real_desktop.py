"""Real desktop components for the tests, started by the tests themselves.

``desktop_session`` (session scope) starts, in order:

1. ``Xvfb`` on a free display number;
2. a private D-Bus session bus (never the user's own bus), with D-Bus activation switched off so
   that nothing can quietly start a second dunst or a locked gnome-keyring behind our back;
3. ``gnome-keyring-daemon`` with only its Secret Service, unlocked with a throwaway password, in a
   fresh ``XDG_DATA_HOME`` / ``XDG_RUNTIME_DIR``;
4. ``dunst``, the notification daemon, drawing on that Xvfb.

For the rest of the test session it sets ``DISPLAY``, ``DBUS_SESSION_BUS_ADDRESS``,
``XDG_DATA_HOME``, ``XDG_RUNTIME_DIR`` and ``PYTHON_KEYRING_BACKEND`` in ``os.environ`` (so that
subprocesses such as ``cwwatch demo`` inherit them), and removes ``WAYLAND_DISPLAY``,
``DBUS_SESSION_BUS_PID`` and ``GNOME_KEYRING_CONTROL``. Everything is undone at the end.

A missing component goes through :func:`require`: a skip on a developer's machine, a failure
when ``CI=true``. A component that is installed but does not start is always a failure.

Note: once a pytest-playwright fixture (``page``, ``browser``...) has run, the main thread has a
running asyncio loop for the rest of the session, so ``asyncio.run()`` and
``sync_playwright()`` fail there. Use :func:`run_in_thread` / :func:`run_async` for those.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import dataclasses
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from xml.sax.saxutils import escape as xml_escape

import pytest

import watcher.crowdworks.chromium
from tests.daemonfixtures import wait_for
from watcher.cli.common import call_in_thread

T = TypeVar("T")

KEYRING_PASSWORD = "cwwatch-throwaway-test-password"
SECRET_SERVICE_BACKEND = "keyring.backends.SecretService.Keyring"
NOTIFICATIONS_NAME = "org.freedesktop.Notifications"
SECRETS_NAME = "org.freedesktop.secrets"

# Seconds each component gets to come up (a cold first start on a slow CI machine included).
START_TIMEOUT = float(os.environ.get("CWWATCH_TEST_START_TIMEOUT", "20"))
CALL_TIMEOUT = 10.0

# Binary -> the Debian package that provides it (for the messages).
_PACKAGES = {
    "Xvfb": "xvfb",
    "dbus-daemon": "dbus-x11",
    "dbus-send": "dbus-x11",
    "gnome-keyring-daemon": "gnome-keyring",
    "dunst": "dunst",
    "dunstctl": "dunst",
    "notify-send": "libnotify-bin",
    "systemd-analyze": "systemd",
}

# os.environ keys the session sets or removes (and restores at the end).
_SESSION_VARS = (
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS",
    "DBUS_SESSION_BUS_PID",
    "XDG_DATA_HOME",
    "XDG_RUNTIME_DIR",
    "GNOME_KEYRING_CONTROL",
    "PYTHON_KEYRING_BACKEND",
)


# --------------------------------------------------------------------------------------------
# skipping


def require(component: str, reason: str) -> NoReturn:
    """Give up on a test because ``component`` is missing: skip it, or fail it under CI=true.

    Every skip in the suite goes through here, so that CI can never pass by skipping.
    """
    message = f"{component}: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true, so a missing component is a failure)", pytrace=False)
    pytest.skip(message)


def require_binaries(*names: str) -> dict[str, str]:
    """Paths of the given programs; :func:`require` for the first one that is not installed."""
    found: dict[str, str] = {}
    for name in names:
        path = shutil.which(name)
        if not path:
            pkg = _PACKAGES.get(name)
            hint = f" (Debian/Ubuntu: apt-get install {pkg})" if pkg else ""
            require(name, f"'{name}' is not installed{hint}")
        found[name] = path
    return found


# --------------------------------------------------------------------------------------------
# helpers for code that needs its own event loop


def run_in_thread(fn: Callable[..., T], *args: Any, timeout: float = 120.0, **kwargs: Any) -> T:
    """Run ``fn`` in a fresh thread and return its result (or raise its exception).

    Needed for ``asyncio.run`` and ``sync_playwright`` once pytest-playwright's session-scoped
    fixtures have left an event loop running in the main thread.
    """
    return call_in_thread(lambda: fn(*args, **kwargs), timeout, "cwwatch-test-worker")


def run_async(make_coro: Callable[[], Coroutine[Any, Any, T]], timeout: float = 120.0) -> T:
    """``asyncio.run(make_coro())`` in a fresh thread (see :func:`run_in_thread`)."""
    return run_in_thread(lambda: asyncio.run(make_coro()), timeout=timeout)


# --------------------------------------------------------------------------------------------
# processes


if sys.platform.startswith("linux"):
    try:
        _LIBC: Any = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover
        _LIBC = None
else:
    _LIBC = None


def _child_setup() -> None:  # pragma: no cover - runs in the child between fork and exec
    # Die with the test run even when pytest is killed with SIGKILL and no teardown runs.
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclasses.dataclass
class Daemon:
    """One background process we started, with its output going to a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self, max_chars: int = 3000) -> str:
        try:
            text = self.log.read_text(errors="replace").strip()
        except OSError:
            return "(no output)"
        if len(text) > max_chars:
            text = "...\n" + text[-max_chars:]
        return text or "(no output)"

    def stop(self, timeout: float = 5.0) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.popen.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.popen.wait(timeout)
        for stream in (self.popen.stdin, self.popen.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _spawn(
    name: str,
    argv: list[str],
    env: dict[str, str],
    log: Path,
    *,
    stdin: int | None = subprocess.DEVNULL,
    stdout: int | None = None,
) -> Daemon:
    with open(log, "wb") as fh:
        popen = subprocess.Popen(
            argv,
            env=env,
            stdin=stdin,
            stdout=fh if stdout is None else stdout,
            stderr=fh,
            cwd=log.parent,
            start_new_session=True,  # a Ctrl-C in the terminal goes to pytest, which tears down
            preexec_fn=_child_setup if _LIBC is not None else None,
        )
    return Daemon(name, popen, log)


def _fail_start(daemon: Daemon, what: str) -> NoReturn:
    """Stop ``daemon`` (it is not in the session's list yet) and fail, showing its output."""
    code = daemon.popen.poll()
    state = "it was still running" if code is None else f"exit code {code}"
    daemon.stop()
    pytest.fail(
        f"desktop_session: {daemon.name} {what} ({state}). Its output:\n{daemon.output()}",
        pytrace=False,
    )


# --------------------------------------------------------------------------------------------
# D-Bus


def _dbus_escape(value: str) -> str:
    """Escape a value for a D-Bus address (everything but [-0-9A-Za-z_/.\\*] as %XX)."""
    ok = set(b"-_/.\\*0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return "".join(chr(b) if b in ok else f"%{b:02x}" for b in os.fsencode(value))


_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <!-- A private session bus for the tests. No <servicedir>: no D-Bus activation. -->
  <type>session</type>
  <keep_umask/>
  <listen>{listen}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def name_has_owner(name: str, env: dict[str, str]) -> bool:
    """Whether ``name`` is owned on the session bus of ``env`` (asked with ``dbus-send``)."""
    try:
        out = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/",
             "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
            env=env, capture_output=True, text=True, timeout=CALL_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return False
    return out.returncode == 0 and "boolean true" in out.stdout


def _wait_for_name(daemon: Daemon, name: str, env: dict[str, str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        if not daemon.alive():
            _fail_start(daemon, f"exited before it took the D-Bus name {name}")
        if name_has_owner(name, env):
            return
        if time.monotonic() > deadline:
            _fail_start(daemon, f"did not take the D-Bus name {name} within {timeout:.0f} s")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.2)


# --------------------------------------------------------------------------------------------
# the four components


def _x_lock(n: int) -> Path:
    return Path(f"/tmp/.X{n}-lock")


def _x_socket(n: int) -> Path:
    return Path(f"/tmp/.X11-unix/X{n}")


def _lock_pid(n: int) -> int | None:
    try:
        return int(_x_lock(n).read_text().strip())
    except (OSError, ValueError):
        return None


def _x_listening(n: int) -> bool:
    if _x_socket(n).exists():
        return True
    if sys.platform.startswith("linux"):  # Xvfb also listens on an abstract socket
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            try:
                s.connect(f"\0/tmp/.X11-unix/X{n}")
                return True
            except OSError:
                return False
    return False


def _free_displays(first: int = 99, last: int = 299) -> Iterator[int]:
    for n in range(first, last):
        if not _x_lock(n).exists() and not _x_socket(n).exists():
            yield n


def _start_xvfb(xvfb: str, env: dict[str, str], root: Path) -> tuple[int, Daemon]:
    tried: list[int] = []
    for n in _free_displays():
        if len(tried) >= 10:
            break
        tried.append(n)
        daemon = _spawn(
            f"Xvfb :{n}",
            [xvfb, f":{n}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp", "-noreset"],
            env, root / f"xvfb-{n}.log",
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if not daemon.alive():
                text = daemon.output()
                if "already active" in text or _x_lock(n).exists():
                    break  # another X server took this display meanwhile: try the next one
                _fail_start(daemon, "exited at start")
            if _lock_pid(n) == daemon.pid and _x_listening(n):
                return n, daemon
            if time.monotonic() > deadline:
                _fail_start(daemon, f"did not open display :{n} within {START_TIMEOUT:.0f} s")
            time.sleep(0.02)
    pytest.fail(f"desktop_session: Xvfb found no free display (tried {tried})", pytrace=False)


def _start_dbus(dbus_daemon: str, env: dict[str, str], root: Path) -> tuple[str, Daemon]:
    sock = root / "bus"
    if len(os.fsencode(sock)) > 100:  # AF_UNIX paths are limited to about 108 bytes
        pytest.fail(f"desktop_session: temporary folder path too long for a socket: {sock}",
                    pytrace=False)
    listen = "unix:path=" + _dbus_escape(str(sock))
    conf = root / "bus.conf"
    conf.write_text(_BUS_CONFIG.format(listen=xml_escape(listen)))
    daemon = _spawn(
        "dbus-daemon",
        [dbus_daemon, f"--config-file={conf}", "--nofork", "--print-address=1"],
        env, root / "dbus-daemon.log", stdout=subprocess.PIPE,
    )
    assert daemon.popen.stdout is not None
    fd = daemon.popen.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + START_TIMEOUT
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            _fail_start(daemon, f"did not print its address within {START_TIMEOUT:.0f} s")
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    daemon.popen.wait(5)
                _fail_start(daemon, "exited at start")
            buf += chunk
    address = buf.split(b"\n", 1)[0].decode().strip()
    if not address.startswith("unix:"):
        _fail_start(daemon, f"printed an unexpected address {address!r}")
    return address, daemon


def _start_keyring(gkd: str, env: dict[str, str], root: Path) -> Daemon:
    child_env = dict(env)
    child_env["GSETTINGS_BACKEND"] = "memory"  # no dconf, no writes to ~/.config
    daemon = _spawn(
        "gnome-keyring-daemon",
        [gkd, "--foreground", "--unlock", "--components=secrets"],
        child_env, root / "gnome-keyring.log", stdin=subprocess.PIPE,
    )
    assert daemon.popen.stdin is not None
    try:
        daemon.popen.stdin.write(KEYRING_PASSWORD.encode())
        daemon.popen.stdin.close()
    except OSError:
        pass  # it died already; _wait_for_name reports it with its output
    _wait_for_name(daemon, SECRETS_NAME, env, START_TIMEOUT)
    _wait_for_unlocked_collection(daemon, env["DBUS_SESSION_BUS_ADDRESS"])
    return daemon


def _wait_for_unlocked_collection(daemon: Daemon, address: str) -> None:
    """Wait until the default collection (the fresh "login" keyring) exists and is unlocked."""
    try:
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection
    except ImportError:  # not on Linux, or the deps are not installed: keyring tests will tell
        return
    deadline = time.monotonic() + START_TIMEOUT
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not daemon.alive():
            _fail_start(daemon, "exited before its keyring was ready")
        try:
            with open_dbus_connection(bus=address) as conn:
                # Collection(), not get_default_collection(): that one would try to create a
                # missing collection, which needs a password prompt.
                if not secretstorage.Collection(conn).is_locked():
                    return
                last = RuntimeError("the default collection is locked")
        except Exception as exc:
            last = exc
        time.sleep(0.05)
    _fail_start(daemon, f"has no unlocked default keyring after {START_TIMEOUT:.0f} s ({last})")


_DUNSTRC = """\
# dunst configuration for the tests (written by tests/real_desktop.py)
[global]
    history_length = 1000
    sticky_history = yes
    idle_threshold = 0
    show_indicators = no
"""


# dunst's context menu runs this as its dmenu: it records the lines dunst offered (one per action and
# URL: ``#Open (TITLE) [ID,open]``) in ``dmenu.offered`` and prints the first one holding the text in
# ``dmenu.choice`` (none: the menu is dismissed), as a person picking it would. See dunst_context().
_DMENU = """#!/bin/sh
input=$(cat)
choice=$(cat "$0.choice" 2>/dev/null)
printf '%s\\n' "$input" > "$0.offered.tmp" && mv "$0.offered.tmp" "$0.offered"
[ -n "$choice" ] && printf '%s\\n' "$input" | grep -F -- "$choice" | head -n 1
exit 0
"""


def _start_dunst(dunst: str, env: dict[str, str], root: Path) -> Daemon:
    conf = root / "dunstrc"
    menu = root / "dmenu"
    menu.write_text(_DMENU)
    menu.chmod(0o755)
    conf.write_text(_DUNSTRC + f"    dmenu = {menu} -p dunst\n")
    daemon = _spawn("dunst", [dunst, "-config", str(conf)], env, root / "dunst.log")
    # NameHasOwner via dbus-send, not dunstctl: dunstctl could D-Bus-activate another dunst.
    _wait_for_name(daemon, NOTIFICATIONS_NAME, env, START_TIMEOUT)
    return daemon


# --------------------------------------------------------------------------------------------
# the session


@dataclasses.dataclass
class DesktopSession:
    """What ``desktop_session`` yields."""

    env: dict[str, str]  # the full environment to give subprocesses (os.environ has it too)
    display: str  # ":99"
    bus_address: str  # DBUS_SESSION_BUS_ADDRESS of the private bus
    data_home: Path  # XDG_DATA_HOME (gnome-keyring keeps its keyrings under keyrings/)
    runtime_dir: Path  # XDG_RUNTIME_DIR
    root: Path  # temporary folder holding all of the above and the daemons' logs
    keyring_password: str
    startup_seconds: float
    daemons: dict[str, Daemon]  # "xvfb", "dbus", "keyring", "dunst"

    def history(self) -> list[dict[str, str]]:
        return dunst_history(self.env)

    def clear_history(self) -> None:
        dunst_clear_history(self.env)

    def logs(self) -> str:
        """Every daemon's output, for a failing test's message."""
        return "\n".join(f"--- {d.name}:\n{d.output()}" for d in self.daemons.values())


def _reinit_keyring() -> None:
    """Make ``keyring`` pick its backend again from the current environment."""
    if "keyring" not in sys.modules:
        return
    import keyring.core

    keyring.core.init_backend()


@contextlib.contextmanager
def desktop(session_root: Path | None = None) -> Iterator[DesktopSession]:
    """Start the four components and set ``os.environ``; undo it all on exit.

    The body of the ``desktop_session`` fixture, usable on its own as a context manager.
    """
    bins = require_binaries(
        "Xvfb", "dbus-daemon", "dbus-send", "gnome-keyring-daemon", "dunst", "dunstctl"
    )
    started = time.monotonic()
    saved = {k: os.environ.get(k) for k in _SESSION_VARS}
    with contextlib.ExitStack() as stack:
        root = Path(tempfile.mkdtemp(prefix="cwwatch-desktop-", dir=session_root))
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        data_home = root / "data"
        runtime_dir = root / "runtime"
        data_home.mkdir(mode=0o700)
        runtime_dir.mkdir(mode=0o700)

        env = dict(os.environ)
        # Not ours to pass on: another desktop's variables, and a test's own CWWATCH_HOME.
        for k in ("WAYLAND_DISPLAY", "DBUS_SESSION_BUS_PID", "GNOME_KEYRING_CONTROL",
                  "CWWATCH_HOME"):
            env.pop(k, None)
        env["XDG_DATA_HOME"] = str(data_home)
        env["XDG_RUNTIME_DIR"] = str(runtime_dir)
        env["PYTHON_KEYRING_BACKEND"] = SECRET_SERVICE_BACKEND
        # Until our bus is up, point at nothing rather than at the user's bus.
        env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + _dbus_escape(str(root / "no-bus-yet"))

        daemons: dict[str, Daemon] = {}

        def stop_all() -> None:
            for d in reversed(list(daemons.values())):
                d.stop()

        stack.callback(stop_all)

        number, daemons["xvfb"] = _start_xvfb(bins["Xvfb"], env, root)
        env["DISPLAY"] = f":{number}"
        address, daemons["dbus"] = _start_dbus(bins["dbus-daemon"], env, root)
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        daemons["keyring"] = _start_keyring(bins["gnome-keyring-daemon"], env, root)
        daemons["dunst"] = _start_dunst(bins["dunst"], env, root)

        def restore_environ() -> None:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            _reinit_keyring()

        stack.callback(restore_environ)
        for k in _SESSION_VARS:
            if k in env:
                os.environ[k] = env[k]
            else:
                os.environ.pop(k, None)
        _reinit_keyring()

        yield DesktopSession(
            env=env,
            display=env["DISPLAY"],
            bus_address=address,
            data_home=data_home,
            runtime_dir=runtime_dir,
            root=root,
            keyring_password=KEYRING_PASSWORD,
            startup_seconds=time.monotonic() - started,
            daemons=daemons,
        )


@pytest.fixture(scope="session")
def desktop_session() -> Iterator[DesktopSession]:
    """Xvfb + private D-Bus session bus + unlocked gnome-keyring + dunst, for the whole run."""
    with desktop() as session:
        yield session


@pytest.fixture(autouse=True)
def _desktop_marker(request: pytest.FixtureRequest) -> None:
    """Tests marked ``@pytest.mark.desktop`` get ``desktop_session`` without asking for it."""
    if request.node.get_closest_marker("desktop") is not None:
        request.getfixturevalue("desktop_session")


# --------------------------------------------------------------------------------------------
# dunst's history


# Per bus address: the highest notification id that dunst_clear_history() hid (dunst before
# 1.10 has no "history-clear", and its ids only grow).
_HISTORY_WATERMARK: dict[str, int] = {}


def _session_env(env: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ if env is None else env)
    if not env.get("DBUS_SESSION_BUS_ADDRESS"):
        raise RuntimeError("no DBUS_SESSION_BUS_ADDRESS: is desktop_session running?")
    return env


def _dunstctl(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["dunstctl", *args], env=env, capture_output=True, text=True,
                          timeout=CALL_TIMEOUT)


def _raw_history(env: dict[str, str]) -> list[dict[str, Any]]:
    """dunst's NotificationListHistory as busctl's JSON shape: ``{key: {"type", "data"}}``."""
    if shutil.which("busctl"):  # `dunstctl history` is `busctl --user --json=pretty call ...`
        out = _dunstctl(["history"], env)
        if out.returncode != 0:
            raise RuntimeError(f"dunstctl history failed: {(out.stderr or out.stdout).strip()}")
        return json.loads(out.stdout)["data"][0]
    # No busctl (it comes with systemd, which a bare container may lack): same call via jeepney.
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.wrappers import unwrap_msg

    target = DBusAddress("/org/freedesktop/Notifications", bus_name=NOTIFICATIONS_NAME,
                         interface="org.dunstproject.cmd0")
    with open_dbus_connection(bus=env["DBUS_SESSION_BUS_ADDRESS"]) as conn:
        reply = conn.send_and_get_reply(new_method_call(target, "NotificationListHistory"),
                                        timeout=CALL_TIMEOUT)
    (items,) = unwrap_msg(reply)
    return [{k: {"type": sig, "data": v} for k, (sig, v) in item.items()} for item in items]


def _close_all(env: dict[str, str]) -> None:
    # dunst only lists closed notifications in its history: close those still on screen (or
    # waiting) so that everything that arrived is listed.
    out = _dunstctl(["close-all"], env)
    if out.returncode != 0:
        raise RuntimeError(f"dunstctl close-all failed: {(out.stderr or out.stdout).strip()}")


def dunst_history(env: dict[str, str] | None = None, *, full: bool = False) -> list[dict]:
    """The notifications the running dunst received, oldest first.

    Each is ``{"summary": str, "body": str, "appname": str}`` (with ``full=True``: every field
    dunst keeps, unwrapped, such as ``id``, ``urgency``, ``category``, ``timestamp``).
    Notifications still on screen are closed first so that they are listed too.
    ``env`` defaults to ``os.environ`` (which ``desktop_session`` points at its bus).
    """
    env = _session_env(env)
    _close_all(env)
    items = [{k: v["data"] for k, v in raw.items()} for raw in _raw_history(env)]
    mark = _HISTORY_WATERMARK.get(env["DBUS_SESSION_BUS_ADDRESS"], 0)
    items = [it for it in items if int(it.get("id", 0)) > mark]
    items.sort(key=lambda it: int(it.get("id", 0)))
    if full:
        return items
    return [{"summary": str(it.get("summary", "")), "body": str(it.get("body", "")),
             "appname": str(it.get("appname", ""))} for it in items]


def dunst_close_all(env: dict[str, str] | None = None) -> None:
    """Close every notification on screen (they go to the history): the next one is alone, at
    position 0 for ``dunstctl action 0``."""
    _close_all(_session_env(env))


def _count(what: str, env: dict[str, str]) -> int:
    out = _dunstctl(["count", what], env)
    try:
        return int(out.stdout.strip())
    except ValueError:
        raise RuntimeError(f"dunstctl count {what} failed: {(out.stderr or out.stdout).strip()}") from None


def _wait_on_screen(env: dict[str, str], timeout: float) -> None:
    """Until dunst shows what it received: nothing waiting, something on screen (dunst moves a new
    notification from its queue to the screen in its own loop; a menu or an action asked before
    that would find nothing)."""
    wait_for(lambda: not _count("waiting", env) and _count("displayed", env) > 0, timeout,
             "dunst to put the notification on screen", every=0.05)


def dunst_context(session: DesktopSession, choose: str = "", timeout: float = START_TIMEOUT) -> list[str]:
    """Open dunst's context menu (``dunstctl context``: every action and URL of the notifications on
    screen) and pick the first line holding ``choose`` ("" picks nothing), through the tests' dmenu.
    Returns the lines dunst offered. dunst answers in its own thread: this waits for the menu to have
    run, up to ``timeout`` seconds; what the chosen action does is the caller's to wait for."""
    menu = session.root / "dmenu"
    offered = menu.with_name("dmenu.offered")
    offered.unlink(missing_ok=True)
    menu.with_name("dmenu.choice").write_text(choose, encoding="utf-8")
    _wait_on_screen(session.env, timeout)
    out = _dunstctl(["context"], session.env)
    if out.returncode != 0:
        raise RuntimeError(f"dunstctl context failed: {(out.stderr or out.stdout).strip()}")
    wait_for(offered.exists, timeout, "dunst's context menu to run", every=0.05)
    return offered.read_text(encoding="utf-8").splitlines()


def dunst_click(session: DesktopSession, position: int = 0) -> None:
    """Click the notification at ``position`` on screen as a person would (``dunstctl action``: its
    default action, the one a left click runs)."""
    _wait_on_screen(session.env, START_TIMEOUT)
    out = _dunstctl(["action", str(position)], session.env)
    if out.returncode != 0:
        raise RuntimeError(f"dunstctl action failed: {(out.stderr or out.stdout).strip()}")


def dunst_clear_history(env: dict[str, str] | None = None) -> None:
    """Start from an empty history (``dunstctl history-clear``, or hide what is there)."""
    env = _session_env(env)
    _close_all(env)
    if _dunstctl(["history-clear"], env).returncode == 0:
        return
    ids = [int(it["id"]["data"]) for it in _raw_history(env) if "id" in it]
    if ids:
        address = env["DBUS_SESSION_BUS_ADDRESS"]
        _HISTORY_WATERMARK[address] = max(max(ids), _HISTORY_WATERMARK.get(address, 0))


# --------------------------------------------------------------------------------------------
# keyring, browser, CWWATCH_HOME


@pytest.fixture
def keyring_backend(desktop_session: DesktopSession) -> Any:
    """The ``keyring`` backend, checked to be the real Secret Service (gnome-keyring)."""
    import keyring
    import keyring.core
    from keyring.backends import SecretService

    backend = keyring.get_keyring()
    if not isinstance(backend, SecretService.Keyring):  # e.g. someone called set_keyring()
        keyring.core.init_backend()
        backend = keyring.get_keyring()
    assert isinstance(backend, SecretService.Keyring), (
        f"keyring picked {backend!r}, not the Secret Service backend"
    )
    return backend


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch options plus the browser scans use (the headless shell where one is
    installed) and our flags."""
    try:
        exe = watcher.crowdworks.chromium.find_scan_browser()
    except watcher.crowdworks.chromium.BrowserNotFound as exc:
        require("chromium", str(exc))
    args = list(browser_type_launch_args.get("args", []))
    args += [a for a in watcher.crowdworks.chromium.LAUNCH_ARGS if a not in args]
    return {**browser_type_launch_args, "executable_path": str(exe), "args": args}


@pytest.fixture
def cw_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh CWWATCH_HOME for this test, set for its duration (the folder is not created)."""
    home = tmp_path / "cwhome"
    monkeypatch.setenv("CWWATCH_HOME", str(home))
    return home
