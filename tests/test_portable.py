"""Nothing that only one platform has at import time (issue 16, item 5).

Every module of ``watcher`` imports, and every command shows its ``--help``, in a Python where the
POSIX-only modules cannot be imported and the POSIX-only names of ``signal`` and ``os`` are gone,
as on Windows. The locks are portable (``filelock``); process groups and ``/proc`` are used only
where they exist (``docs/windows.md``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from watcher.cli.main import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "watcher"

POSIX_MODULES = ("fcntl", "termios", "pwd", "grp", "resource")
POSIX_SIGNALS = ("SIGPIPE", "SIGKILL", "SIGHUP", "SIGALRM", "SIGUSR1", "SIGUSR2", "SIGQUIT", "SIGCHLD")
# Only names no third-party Unix code path needs at import (platformdirs imports os.getuid on Unix).
POSIX_OS = ("killpg", "getpgid", "setsid")

# Run first in the child: the platform without the POSIX-only parts.
WITHOUT_POSIX = textwrap.dedent(f"""
    import os, signal, sys
    for name in {POSIX_MODULES!r}:
        sys.modules[name] = None
    for name in {POSIX_SIGNALS!r}:
        if hasattr(signal, name):
            delattr(signal, name)
    for name in {POSIX_OS!r}:
        if hasattr(os, name):
            delattr(os, name)
""")


def _modules() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        if parts != ("watcher", "__main__"):  # runs the command line when imported
            out.append(".".join(parts))
    return out


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WITHOUT_POSIX + textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_the_child_really_lacks_them() -> None:
    proc = _run(f"""
        import importlib, os, signal
        for name in {POSIX_MODULES!r}:
            try:
                importlib.import_module(name)
            except ImportError:
                continue
            raise SystemExit(name + " still imports")
        assert not hasattr(signal, "SIGKILL") and not hasattr(os, "killpg")
    """)
    assert proc.returncode == 0, proc.stderr


def test_every_module_imports_without_posix_only_modules() -> None:
    modules = _modules()
    assert "watcher.daemon.locks" in modules and "watcher.cli.main" in modules
    proc = _run(f"""
        import importlib, traceback
        failed = []
        for name in {modules!r}:
            try:
                importlib.import_module(name)
            except Exception:
                failed.append(name + ": " + traceback.format_exc(limit=-3))
        if failed:
            raise SystemExit("\\n".join(failed))
    """)
    assert proc.returncode == 0, proc.stderr[-6000:]


def test_every_command_shows_its_help_without_posix_only_modules() -> None:
    """``cwwatch --help`` and ``cwwatch COMMAND --help`` for every command (one child for them all)."""
    commands = [c.__name__.rsplit(".", 1)[-1].replace("_", "-") for c in COMMANDS]
    proc = _run(f"""
        import contextlib, io
        from watcher.cli.main import main
        failed = []
        for argv in [["--help"]] + [[c, "--help"] for c in {commands!r}]:
            out = io.StringIO()
            try:
                with contextlib.redirect_stdout(out):
                    code = main(argv)
            except SystemExit as exc:
                code = exc.code
            if code not in (0, None) or not out.getvalue().lower().startswith(("usage:", "使い方:")):
                failed.append(f"{{argv}}: exit {{code}}: {{out.getvalue()[:300]}}")
        if failed:
            raise SystemExit("\\n".join(failed))
    """)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]


def test_the_lock_is_one_holder_at_a_time_and_names_it(tmp_path: Path) -> None:
    from watcher.daemon import locks
    from watcher.errors import Busy

    lock = tmp_path / "data" / "scan.lock"
    with locks.hold(lock, "busy {pid}"):
        assert lock.read_text() == str(os.getpid())
        try:
            with locks.hold(lock, "busy {pid}", wait_s=0.3):
                raise AssertionError("a second holder got the lock")
        except Busy as exc:
            assert str(exc) == f"busy {os.getpid()}"
    with locks.hold(lock, "busy {pid}"):  # released on leaving: the next one takes it at once
        assert lock.read_text() == str(os.getpid())
