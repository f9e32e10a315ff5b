"""One scan: the store's snapshot → the plan and the site's pages → record, judge and record the
decisions in one transaction → notify (see :mod:`watcher.scan.run` for the steps, one module each).

The public names are importable from here, loaded on first use: the daemon imports the light parts
(:mod:`~watcher.scan.health`, :mod:`~watcher.scan.outbox`) without the browser code that the
reading needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from watcher.scan.outbox import flush_outbox
    from watcher.scan.read import EMPTY_LIST_CHECKS
    from watcher.scan.result import JSON_SCHEMA, Interrupted, Outcome, ScanContext, ScanResult
    from watcher.scan.run import run_scan
    from watcher.scan.vet import client_history, vet_client

_HOMES = {
    "run_scan": "run",
    "JSON_SCHEMA": "result", "Interrupted": "result", "Outcome": "result", "ScanContext": "result",
    "ScanResult": "result",
    "vet_client": "vet", "client_history": "vet",
    "flush_outbox": "outbox",
    "EMPTY_LIST_CHECKS": "read",
}

__all__ = ["EMPTY_LIST_CHECKS", "JSON_SCHEMA", "Interrupted", "Outcome", "ScanContext", "ScanResult",
           "client_history", "flush_outbox", "run_scan", "vet_client"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
