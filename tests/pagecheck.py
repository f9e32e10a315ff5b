"""Saved pages and their sidecars: what ``cwwatch check-pages`` must read from each.

The pages sit in one folder per page kind (``fixtures/html/<kind>/``, ``fixtures/html/from-notes/<kind>/``);
a sidecar ``NAME.expected.json`` sits beside ``NAME.html`` (or ``NAME.json``, a JSON answer):

    {"kind", "url", "fetched_at", "description", "source", "ok", "problem", "record"}

``record`` is matched as a subset of what check-pages prints: every key the sidecar names must
match, keys it leaves out are not checked. Times match as instants; a ``last_access`` written as
``{"contains": ISO}`` (a page written from the notes knows the true moment, not our rounding) must
be an interval holding that instant; ``problem`` matches on the keys it names.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "html"
SIDECAR = ".expected.json"


def _instant(s: Any) -> datetime | None:
    if not isinstance(s, str) or "T" not in s:
        return None
    try:
        t = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else None


def mismatches(expected: Any, actual: Any, path: str = "record") -> list[str]:
    """Where ``actual`` differs from the subset ``expected`` (empty when it matches)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        if "contains" in expected:
            t, lo, hi = _instant(expected["contains"]), _instant(actual.get("earliest")), _instant(actual.get("latest"))
            out = [] if t and lo and hi and lo <= t <= hi else [
                f"{path}: {expected['contains']} not within [{actual.get('earliest')}, {actual.get('latest')}]"]
            if "text" in expected and expected["text"] != actual.get("text"):
                out.append(f"{path}.text: {expected['text']!r} != {actual.get('text')!r}")
            return out
        out = []
        for k, v in expected.items():
            if k not in actual:
                out.append(f"{path}.{k}: missing")
            else:
                out += mismatches(v, actual[k], f"{path}.{k}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            n = len(actual) if isinstance(actual, list) else actual
            return [f"{path}: expected {len(expected)} items, got {n}"]
        return [e for i, (x, y) in enumerate(zip(expected, actual, strict=True))
                for e in mismatches(x, y, f"{path}[{i}]")]
    te, ta = _instant(expected), _instant(actual)
    if te is not None and ta is not None:
        return [] if te == ta else [f"{path}: {expected} != {actual}"]
    if isinstance(expected, float) and isinstance(actual, int | float):
        return [] if abs(expected - actual) < 1e-9 else [f"{path}: {expected!r} != {actual!r}"]
    return [] if expected == actual else [f"{path}: {expected!r} != {actual!r}"]


WALLS = FIXTURES / "walls"  # pages that stand in the way (login, challenges, 404): tests/test_walls.py


def sidecars(folder: Path = FIXTURES) -> list[Path]:
    """Every sidecar of a check-pages fixture under ``folder`` (the walls have their own test)."""
    return sorted(s for s in folder.rglob(f"*{SIDECAR}") if WALLS not in s.parents)


def page_of(sidecar: Path) -> Path:
    stem = sidecar.name[: -len(SIDECAR)]
    for suffix in (".html", ".json"):
        p = sidecar.with_name(stem + suffix)
        if p.exists():
            return p
    raise FileNotFoundError(f"{sidecar}: no {stem}.html or {stem}.json beside it")


def load(sidecar: Path) -> dict[str, Any]:
    return json.loads(sidecar.read_text(encoding="utf-8"))


def compare(expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """A sidecar against one object of ``check-pages --json``."""
    out = []
    if expected.get("ok") is not None and expected["ok"] != got["ok"]:
        out.append(f"ok: expected {expected['ok']}, got {got['ok']} ({got.get('problem')})")
    if expected.get("problem"):
        out += mismatches(expected["problem"], got.get("problem") or {}, "problem")
    if expected.get("record") is not None:
        out += mismatches(expected["record"], got.get("record"))
    return out
