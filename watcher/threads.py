"""Running a call in a thread of its own, with a time limit.

Playwright's sync API and desktop-notifier's own loop refuse to run in a thread that already runs
an asyncio loop, and a hung browser must not hang the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def call_in_thread(fn: Callable[[], T], timeout: float, name: str = "cwwatch-worker") -> T:
    """``fn()`` in a fresh daemon thread: its result, or its exception; TimeoutError past ``timeout``."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"{getattr(fn, '__name__', 'the call')} gave no answer within {timeout:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]
