"""A file of the evidence folder (saved pages and their screenshots, ``Paths.layout_dir``), found
safely: a relative path of plain names (no ``..``, no hidden names, no backslash, no drive) that,
with every symlink resolved, is a regular file inside the folder (also resolved). Anything else is
None: the route answers 404, never a file outside."""

from __future__ import annotations

import stat
from pathlib import Path, PurePosixPath

TYPES = {".html": "text/html; charset=utf-8", ".png": "image/png"}


def find(root: Path, rel: str) -> Path | None:
    """The file ``rel`` names under ``root``, or None (see the module's text). Only ``.html`` and
    ``.png`` files are served."""
    if not rel or "\\" in rel or "\x00" in rel or rel.startswith("/"):
        return None
    parts = PurePosixPath(rel).parts
    if not parts or any(p in ("", ".", "..") or p.startswith(".") or ":" in p for p in parts):
        return None
    if PurePosixPath(rel).suffix not in TYPES:
        return None
    try:
        base = root.resolve(strict=True)
        path = (base.joinpath(*parts)).resolve(strict=True)
        if not path.is_relative_to(base) or not stat.S_ISREG(path.stat().st_mode):
            return None
    except (OSError, RuntimeError, ValueError):
        return None
    return path


def relative(root: Path, saved: str | None) -> str | None:
    """The path the evidence route takes for a problem's ``saved`` file, if it is under ``root``."""
    if not saved:
        return None
    try:
        rel = Path(saved).resolve().relative_to(root.resolve())
    except (OSError, ValueError, RuntimeError):
        return None
    return rel.as_posix()
