"""The browserless scan (``tests/browserless.py``) is a faithful stand-in: the history it builds from
the sample site is the one real Chromium builds, row for row, and it reports the site's faults the
way the real scan names them. The fast tier's ``status``, ``mute`` and ``report`` tests rest on it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.sitefixtures import EXPECTED_STORY, rules_of, story, with_faults
from watcher.models import HealthKind

# Columns that are the wall clock of the run, not what was read.
WALL_CLOCK = {"scans": ("started_at", "finished_at")}


def history(home: Path) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(home / "data" / "cwwatch.sqlite3")
    try:
        out = {}
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")
                    if r[1] not in WALL_CLOCK.get(table, ())]
            out[table] = sorted(con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr)
        return out
    finally:
        con.close()


@pytest.mark.browser
def test_the_history_is_the_one_chromium_builds(story_home: Path, story_home_chromium: Path) -> None:
    without, real = history(story_home), history(story_home_chromium)
    assert without.keys() == real.keys()
    for table in real:
        assert without[table] == real[table], table


def test_the_story_reads_healthy_with_its_findings_and_reuses_the_session(http_harness) -> None:
    h = http_harness(story())
    first = h.scan()
    assert first.healthy, first.problems
    assert rules_of(first) == EXPECTED_STORY
    assert first.logins == 1
    again = h.scan()
    assert again.healthy and again.logins == 0, "the saved session is used again"


def test_a_wrong_password_is_login_failed(http_harness) -> None:
    h = http_harness(with_faults(story(), login="wrong_password"))
    r = h.scan()
    assert not r.healthy and [p.kind for p in r.problems] == [HealthKind.LOGIN_FAILED], r.problems


def test_a_server_error_is_site_unreachable(http_harness) -> None:
    h = http_harness(story())
    assert h.scan().healthy
    h.set(with_faults(story(), server_error=["/e/contracts"]))
    r = h.scan(full=True)
    assert not r.healthy and [p.kind for p in r.problems] == [HealthKind.SITE_UNREACHABLE], r.problems
    assert "500" in r.problems[0].detail
