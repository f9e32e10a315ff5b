"""File locks (``flock``): one scan at a time, one daemon at a time. Released by the kernel when the
process ends, however it ends, so a killed scan never leaves a stale lock behind."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from watcher.errors import Busy


@contextlib.contextmanager
def hold(path: Path, busy: str, wait_s: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock on ``path``, waiting up to ``wait_s`` seconds for it. ``busy``: the
    sentence for a person when another process holds it, with a ``{pid}`` field (translated by the
    caller). Raises Busy."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    raise Busy(busy.format(pid=holder)) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
