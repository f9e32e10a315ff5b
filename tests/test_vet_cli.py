"""`cwwatch vet` as a person runs it: on every saved profile page (--page), and against the sample
site in real Chromium (a client id, a profile URL, a job URL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sitefixtures import story
from watcher.sample.server import SampleSite

ROOT = Path(__file__).resolve().parent.parent
PROFILES = sorted((ROOT / "fixtures" / "html" / "profile").glob("profile_*.html")) + sorted(
    (ROOT / "fixtures" / "html" / "from-notes" / "profile").glob("profile*.html"))
NOW = "2026-11-20T10:00:00+09:00"


def vet(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "watcher", "vet", *args], capture_output=True, text=True,
                          env=dict(env or os.environ, CWWATCH_HOME=str(home)), timeout=180)


def expected_of(page: Path) -> dict | None:
    sidecar = page.with_name(page.stem + ".expected.json")
    return json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else None


@pytest.mark.parametrize("page", PROFILES, ids=[p.relative_to(ROOT / "fixtures" / "html").as_posix() for p in PROFILES])
def test_vet_page_on_every_profile_fixture(page: Path, tmp_path: Path) -> None:
    r = vet(tmp_path, "--page", str(page), "--json", "--now", NOW)
    exp = expected_of(page)
    if exp is not None and not exp.get("ok", True):  # a page whose layout changed: it cannot be read
        assert r.returncode == 20, r.stdout + r.stderr
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
        return
    assert r.returncode in (0, 10), r.stderr
    out = json.loads(r.stdout)
    assert set(out) >= {"schema", "client_id", "name", "verdict", "signals", "fetched_at"}
    assert out["schema"] == 1 and out["verdict"] in ("ok", "caution", "warning")
    assert r.returncode == (0 if out["verdict"] == "ok" else 10)
    assert isinstance(out["client_id"], int) and out["client_id"] > 0 and out["name"]
    for s in out["signals"]:
        assert set(s) == {"id", "weight", "value", "evidence", "message"} and s["evidence"] and s["message"]
    weights = [s["weight"] for s in out["signals"]]
    assert weights == sorted(weights, reverse=True), "heaviest first"
    assert out["total"] == sum(weights)
    rec = (exp or {}).get("record") or {}
    if "last_access" in rec and rec["last_access"] is None:  # hidden or unreadable: unknown, never weighed
        assert "last_access" in out["unknown"] and "away_long" not in {s["id"] for s in out["signals"]}
    text = vet(tmp_path, "--page", str(page), "--now", NOW)
    assert text.returncode == r.returncode
    assert text.stdout.splitlines()[1].startswith("判定: " + {"ok": "問題なし", "caution": "注意",
                                                            "warning": "要警戒"}[out["verdict"]])
    assert "仮払いを確認してから着手してください" in text.stdout


def test_vet_page_reads_the_worrying_record(tmp_path: Path) -> None:
    r = vet(tmp_path, "--page", str(ROOT / "fixtures/html/profile/profile_record.html"), "--json", "--now", NOW)
    out = json.loads(r.stdout)
    assert r.returncode == 10 and out["verdict"] == "warning"
    assert {"trouble_in_ratings", "low_completion", "low_rating"} <= {s["id"] for s in out["signals"]}


@pytest.mark.parametrize("args", [[], ["900009005", "--page", "x.html"], ["あいう"], ["https://example.com/a/b"]])
def test_vet_bad_usage_is_one_line_and_exit_2(args: list[str], tmp_path: Path) -> None:
    r = vet(tmp_path, *args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.strip().count("\n") == 0 and "Traceback" not in r.stderr


def test_vet_a_missing_page_file_is_one_line(tmp_path: Path) -> None:
    r = vet(tmp_path, "--page", str(tmp_path / "nope.html"))
    assert r.returncode != 0 and "nope.html" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.browser
def test_vet_against_the_sample_site(chromium, tmp_path: Path) -> None:
    """Three clients of the bundled story, by id, profile URL and job URL: the verdicts and codes."""
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    with SampleSite(story()) as site:
        (home / "config" / "config.toml").write_text(f'base_url = "{site.url}"\nmin_interval_s = 0\n',
                                                     encoding="utf-8")
        risky = vet(home, "900009005", "--json", "--now", NOW)
        assert risky.returncode == 10, risky.stderr
        out = json.loads(risky.stdout)
        assert out["verdict"] == "warning" and out["client_id"] == 900009005
        by_job = vet(home, f"{site.url}/public/jobs/990700233", "--json", "--now", NOW)
        assert by_job.returncode == 10 and json.loads(by_job.stdout)["client_id"] == 900009005
        solid = vet(home, f"{site.url}/public/employers/900009003", "--now", NOW)
        assert solid.returncode == 0, solid.stdout + solid.stderr
        assert "判定: 問題なし" in solid.stdout
        missing = vet(home, "900009999", "--now", NOW)
        assert missing.returncode == 20 and "Traceback" not in missing.stderr
        assert site.stats["login_post"] == 0, "a public page needs no login"
