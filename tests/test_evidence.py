"""The evidence folder's bounds (issue 20 item 6): saved copies kept within a size and an age, none
written when the disk is nearly full. Real files in a temporary folder; no browser."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from watcher import config as config_mod
from watcher.crowdworks.evidence import MB, EvidenceLimits, free_bytes, low_space, prune

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def _scan_folder(root: Path, name: str, size: int, age: timedelta) -> Path:
    d = root / name
    d.mkdir(parents=True)
    (d / "workroom-1.html").write_bytes(b"x" * size)
    t = (NOW - age).timestamp()
    os.utime(d / "workroom-1.html", (t, t))
    os.utime(d, (t, t))
    return d


def test_old_folders_go_then_the_oldest_until_the_size_fits(tmp_path: Path) -> None:
    root = tmp_path / "layout-changed"
    ancient = _scan_folder(root, "20261001T000000Z", 1000, timedelta(days=60))
    old = _scan_folder(root, "20261120T000000Z", 600_000, timedelta(days=17))
    mid = _scan_folder(root, "20261201T000000Z", 600_000, timedelta(days=6))
    new = _scan_folder(root, "20261206T000000Z", 600_000, timedelta(days=1))
    removed = prune(root, EvidenceLimits(max_bytes=1_300_000, max_age=timedelta(days=30)), NOW)
    assert removed == [ancient, old]
    assert sorted(p.name for p in root.iterdir()) == [mid.name, new.name]
    assert prune(root, EvidenceLimits(max_bytes=1_300_000, max_age=timedelta(days=30)), NOW) == []


def test_no_folder_is_no_error(tmp_path: Path) -> None:
    assert prune(tmp_path / "nothing-yet", EvidenceLimits(), NOW) == []


def test_low_space_is_told_against_the_threshold(tmp_path: Path) -> None:
    free = free_bytes(tmp_path / "not" / "made" / "yet")
    assert free is not None and free > 0
    assert low_space(tmp_path, EvidenceLimits(min_free_bytes=free + 1024 * MB)) is not None
    assert low_space(tmp_path, EvidenceLimits(min_free_bytes=0)) is None


def test_the_bounds_are_config_keys_with_defaults(tmp_path: Path) -> None:
    cfg = config_mod.Config()
    assert (cfg.evidence_max_mb, cfg.evidence_max_age_days, cfg.evidence_min_free_mb) == (100.0, 30.0, 100.0)
    f = tmp_path / "config.toml"
    f.write_text("evidence_max_mb = 20\nevidence_max_age_days = 7\nevidence_min_free_mb = 500\n", encoding="utf-8")
    got = config_mod.load(f)
    assert (got.evidence_max_mb, got.evidence_max_age_days, got.evidence_min_free_mb) == (20, 7, 500)
