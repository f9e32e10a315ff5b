"""The evidence folder's bounds: saved copies of odd pages (``<state>/layout/<scan>/``) kept within a size
and an age, and none written when the disk is nearly full (issue 20 item 6).

Each scan that saves a page has one folder, named by the UTC time of its first saved page. Before a scan
saves its first copy, :func:`prune` removes the folders older than ``evidence_max_age_days``, then the
oldest ones until what is left takes at most ``evidence_max_mb``; :func:`low_space` tells when the file
system holding the folder has less than ``evidence_min_free_mb`` free, and the copy is then skipped with a
notice (the history needs that space more). Config keys and defaults: docs/config.md.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from loguru import logger

MB = 1024 * 1024


@dataclass(frozen=True)
class EvidenceLimits:
    """How much evidence may stay: ``max_bytes`` in all, none older than ``max_age``, and nothing new
    while the file system has less than ``min_free_bytes`` free."""

    max_bytes: int = 100 * MB
    max_age: timedelta = timedelta(days=30)
    min_free_bytes: int = 100 * MB


def _size(folder: Path) -> int:
    total = 0
    for f in folder.rglob("*"):
        try:
            if f.is_file():
                total += f.stat().st_size
        except OSError:
            continue
    return total


def _mtime(folder: Path) -> float:
    try:
        return folder.stat().st_mtime
    except OSError:
        return 0.0


def prune(root: Path, limits: EvidenceLimits, now: datetime) -> list[Path]:
    """Remove the scan folders under ``root`` older than ``limits.max_age`` (by modification time), then
    the oldest until the rest take at most ``limits.max_bytes``. ``now``: aware. Returns the folders
    removed; never raises (a folder that cannot be removed is logged and left)."""
    try:
        folders = sorted((d for d in root.iterdir() if d.is_dir()), key=_mtime)
    except OSError:
        return []
    removed: list[Path] = []
    cutoff = now.timestamp() - limits.max_age.total_seconds()
    sizes = {d: _size(d) for d in folders}
    total = sum(sizes.values())
    for d in folders:
        if _mtime(d) >= cutoff and total <= limits.max_bytes:
            continue
        try:
            shutil.rmtree(d)
        except OSError as exc:
            logger.warning("could not remove the old evidence folder {}: {}", d, exc)
            continue
        removed.append(d)
        total -= sizes[d]
    if removed:
        logger.info("evidence: removed {} old folder(s); {} MB kept", len(removed), f"{total / MB:.1f}")
    return removed


def free_bytes(root: Path) -> int | None:
    """The bytes free on the file system that holds ``root`` (or its nearest existing parent); None when
    that cannot be asked."""
    p = root
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        return shutil.disk_usage(p).free
    except OSError:
        return None


def low_space(root: Path, limits: EvidenceLimits) -> int | None:
    """The bytes free when they are fewer than ``limits.min_free_bytes`` (no copy should be saved), else None."""
    free = free_bytes(root)
    return free if free is not None and free < limits.min_free_bytes else None
