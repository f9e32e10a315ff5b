"""File locks: one scan at a time, one daemon at a time. Released by the operating system when the
process ends, however it ends, so a killed scan never leaves a stale lock behind.

The lock itself is :func:`filelock.lock_descriptor` (``flock`` on Linux and macOS, ``LockFileEx``
on Windows), so this module, and every command that imports it, starts on any platform. The holder
writes its pid into the file for the message a second process shows; where the platform's lock
keeps others from reading the file (Windows), that message says ``?`` instead."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import lock_descriptor

from watcher.errors import Busy

PID_BYTES = 32


def _holder(fd: int) -> str:
    """The pid the lock's holder wrote, or ``?`` when it cannot be read."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, PID_BYTES).decode(errors="replace").strip() or "?"
    except OSError:
        return "?"


@contextlib.contextmanager
def hold(path: Path, busy: str, wait_s: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock on ``path``, waiting up to ``wait_s`` seconds for it. ``busy``: the
    sentence for a person when another process holds it, with a ``{pid}`` field (translated by the
    caller). Raises Busy."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    try:
        deadline = time.monotonic() + wait_s
        while not lock_descriptor(fd, blocking=False):
            if time.monotonic() >= deadline:
                raise Busy(busy.format(pid=_holder(fd))) from None
            time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)
