"""Every command in the README's code blocks runs as written, and the demo leads somewhere.

Each ``cwwatch …`` / ``.venv/bin/cwwatch …`` line of a ```sh, ```bash or ```console block runs with
``--help`` appended (nothing is scanned, installed or stored). The README's demo runs for real against
the sample site, in a home of its own; then the command it prints, and the README's ``status`` and
``report`` lines, run for real in that home."""

from __future__ import annotations

import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from watcher.cli.main import READER_GONE_EXIT

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CWWATCH = [sys.executable, "-m", "watcher"]
SHELL_BLOCKS = {"sh", "bash", "console"}
FENCE = re.compile(r"^\s*```\s*([\w-]*)\s*$")
STORY_IDS = ("963659463", "963688001", "963690555", "963700112")
STORY_CLIENTS = ("株式会社サンプルトラベル", "合同会社ミドリ商店", "株式会社ノースゲート")
HINT = "結果を見るには: "


def readme_commands(text: str) -> list[tuple[int, list[str]]]:
    """(line number, the arguments after ``cwwatch``) of every cwwatch line in a shell code block.
    A ``# comment`` after the command is the shell's, not an argument; ``$ `` is a console prompt."""
    found: list[tuple[int, list[str]]] = []
    lang: str | None = None
    for n, line in enumerate(text.splitlines(), start=1):
        fence = FENCE.match(line)
        if fence:
            lang = None if lang is not None else fence.group(1).lower()
            continue
        if lang not in SHELL_BLOCKS:
            continue
        words = shlex.split(line.strip().removeprefix("$ "), comments=True)
        if words and words[0] in ("cwwatch", ".venv/bin/cwwatch"):
            found.append((n, words[1:]))
    return found


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def clean_env(**extra: str) -> dict[str, str]:
    """Without a CWWATCH_HOME or a locale of its own: cwwatch speaks its default, Japanese."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CWWATCH_HOME", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    return env | extra


def cw(args: list[str], timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CWWATCH, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env=clean_env(**env))


def test_the_readme_has_the_commands_this_file_checks():
    """The extraction finds the README's commands (a silent zero would pass everything below)."""
    texts = [" ".join(args) for _, args in COMMANDS]
    assert len(COMMANDS) >= 20, texts
    for expected in ("daemon -v", "demo", "status", "report 963659463 --lang en --format md",
                     "mute 963659463 --for 3d", "service install", "check-pages --kind profile saved.html --json"):
        assert expected in texts, (expected, texts)
    assert not any("#" in t for t in texts), "comments are not arguments"


@pytest.mark.parametrize(("line", "args"), COMMANDS, ids=[f"README:{n} {' '.join(a)}" for n, a in COMMANDS])
def test_readme_command_is_accepted(tmp_path, line, args):
    r = cw([*args, "--help"], CWWATCH_HOME=str(tmp_path / "home"))
    assert r.returncode == 0, f"README.md:{line}: cwwatch {' '.join(args)} --help: {r.stderr}"
    usage = "usage: cwwatch" if "--lang" in args and args[args.index("--lang") + 1] == "en" else "使い方: cwwatch"
    assert r.stdout.startswith(usage), r.stdout[:200]
    assert r.stderr == ""
    assert not (tmp_path / "home").exists(), "--help stores nothing"


# -- the demo's home, without a browser ------------------------------------------------------------


def test_demo_refuses_a_folder_that_is_not_a_demo_home(tmp_path):
    home = tmp_path / "mine"
    (home / "data").mkdir(parents=True)
    precious = home / "data" / "cwwatch.sqlite3"
    precious.write_bytes(b"my own history")
    for argv in (["--home", str(home), "demo", "--no-notify"], ["demo", "--no-notify", "--home", str(home)]):
        r = cw(argv)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
        assert str(home) in lines[0] and "デモ用のフォルダではなく" in lines[0]
        assert r.stdout == ""
    r = cw(["demo", "--no-notify"], CWWATCH_HOME=str(home))  # the same for an exported CWWATCH_HOME
    assert r.returncode == 2 and "デモ用のフォルダではなく" in r.stderr and "CWWATCH_HOME" in r.stderr
    assert precious.read_bytes() == b"my own history"
    assert sorted(p.name for p in home.rglob("*")) == ["cwwatch.sqlite3", "data"]


def test_demo_checks_its_scenario_before_it_touches_the_home(tmp_path):
    home = tmp_path / "home"
    bad = tmp_path / "bad.toml"
    bad.write_text("[worker]\nid = 'x'\n", encoding="utf-8")
    r = cw(["--home", str(home), "demo", "--scenario", str(bad)])
    assert r.returncode == 2 and r.stderr.strip() == f"cwwatch: エラー: {bad}:2: worker.id: expected a whole number"
    assert not home.exists()


def write_marker(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "cwwatch-demo.toml").write_text(text, encoding="utf-8")


def test_status_in_a_demo_home_judges_at_the_story_clock(tmp_path):
    home = tmp_path / "demo"
    write_marker(home, '# cwwatch demo\nnow = "2026-11-20T10:00:00+09:00"\n')
    r = cw(["--home", str(home), "status", "--json"])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["now"] == "2026-11-20T01:00:00+00:00"
    r = cw(["status", "--json", "--now", "2026-12-01T09:00"], CWWATCH_HOME=str(home))  # --now still wins
    assert json.loads(r.stdout)["now"] == "2026-12-01T00:00:00+00:00"
    elsewhere = cw(["--home", str(tmp_path / "other"), "status", "--json"])
    assert not json.loads(elsewhere.stdout)["now"].startswith("2026-11-20T01:00")


@pytest.mark.parametrize(("text", "words"), [
    ('now = "yesterday"\n', "now: 'yesterday' は日付でも日時でもありません"),
    ("now = [\n", "TOML として正しくありません"),
    ("now = 3\n", "now: 文字列"),
])
def test_a_broken_demo_marker_is_one_line(tmp_path, text, words):
    home = tmp_path / "demo"
    write_marker(home, text)
    r = cw(["--home", str(home), "status"])
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and str(home / "cwwatch-demo.toml") in lines[0], r.stderr


# -- the README's demo, for real ---------------------------------------------------------------------


def readme_demo() -> list[str]:
    demos = [args for _, args in COMMANDS if args == ["demo"]]
    assert demos, "the README runs the bundled story with `cwwatch demo`"
    return demos[0]


def printed_command(stdout: str) -> list[str]:
    last = stdout.rstrip("\n").splitlines()[-1]
    assert last.startswith(HINT), f"the demo's last line: {last!r}"
    words = shlex.split(last.removeprefix(HINT))
    assert words[0] == "cwwatch", words
    return words[1:]


def scans_in(home: Path) -> list[int]:
    with sqlite3.connect(home / "data" / "cwwatch.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT id FROM scans ORDER BY id")]


def piped_into_head(args: list[str]) -> tuple[str, str]:
    """``cwwatch ARGS | head -1``: head's line, and cwwatch's exit code."""
    cmd = shlex.join([*CWWATCH, *args]) + ' | head -1; echo "rc=${PIPESTATUS[0]}"'
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=300, cwd=ROOT,
                       env=clean_env())
    assert r.stderr == "", f"{' '.join(args)} | head -1: {r.stderr}"
    first, rc = r.stdout.splitlines()
    return first, rc.removeprefix("rc=")


@pytest.mark.browser
def test_the_readme_demo_runs_and_leads_to_its_result(chromium, tmp_path):
    home = tmp_path / "demo home"  # a space: the printed command must quote it
    demo = readme_demo()
    r = cw(["--home", str(home), *demo, "--no-notify"], timeout=300)
    assert r.returncode == 10, r.stderr  # findings, as `cwwatch scan` says it
    assert "Traceback" not in r.stderr
    assert str(home) in r.stdout.splitlines()[0]
    status_args = printed_command(r.stdout)
    assert status_args == ["--home", str(home), "status"]
    assert "cwwatch-demo.toml" in os.listdir(home)

    status = cw(status_args)
    assert status.returncode == 0, status.stderr
    for shown in (*STORY_IDS, *STORY_CLIENTS, "2026年11月20日 10:00", "検収期限切れ", "仮払い待ち"):
        assert shown in status.stdout, shown
    assert "acceptance_overdue" not in status.stdout, "rule ids only in --json"
    # The story's clock: the acceptance week ended on 13 November, 7 days before the story's Friday.
    assert "7日超過" in status.stdout

    # The README's own status and report lines, for real, in the demo's home.
    for _, args in COMMANDS:
        if args and args[0] in ("status", "report"):
            r2 = cw(["--home", str(home), *args])
            assert r2.returncode == 0, (args, r2.stderr)
            assert r2.stdout.strip() and r2.stderr == "", (args, r2.stderr)
    report = cw(["--home", str(home), "report", "963659463"])
    assert "第9条第3項" in report.stdout and "第9条3項" not in report.stdout

    # A reader that leaves after one line: quiet (stderr checked in piped_into_head).
    for args in (status_args, ["--home", str(home), "report", "963659463"]):
        first, rc = piped_into_head(args)
        assert first.strip() and rc in ("0", str(READER_GONE_EXIT))
    first, rc = piped_into_head(["--home", str(home), "demo", "--no-notify"])
    assert "デモの保存先" in first and rc == str(READER_GONE_EXIT)

    # Another run starts the story again: nothing of the runs before is left, a config/ is kept.
    stray = home / "data" / "left-by-an-earlier-run"
    stray.write_text("x", encoding="utf-8")
    (home / "config").mkdir(exist_ok=True)
    (home / "config" / "config.toml").write_text("quiet_business_days = 2\n", encoding="utf-8")
    again = cw(["demo", "--json", "--no-notify", "--home", str(home)], timeout=300)
    assert again.returncode == 10, again.stderr
    lines = [json.loads(line) for line in again.stdout.splitlines()]
    assert [s["scan_id"] for s in lines] == [1, 2] and scans_in(home) == [1, 2]
    assert sorted(f["rule"] for f in lines[1]["notified"]) == sorted(f["rule"] for f in lines[1]["findings"])
    assert not stray.exists() and (home / "config" / "config.toml").exists()
    assert again.stderr.rstrip().splitlines()[-1] == f"{HINT}cwwatch {shlex.join(status_args)}"


@pytest.mark.browser
def test_demo_exits_20_when_a_scan_was_unhealthy_even_if_the_last_was_not(chromium, tmp_path):
    """The codes of `cwwatch scan`: an unhealthy state in the middle of the story is not hidden."""
    from tests.sitefixtures import STORY

    changed = tmp_path / "changed.toml"
    changed.write_text(STORY.read_text(encoding="utf-8") + '\n[faults]\nlayout_changed = ["contracts"]\n',
                       encoding="utf-8")
    r = cw(["--home", str(tmp_path / "demo"), "demo", "--json", "--no-notify",
            "--scenario", str(STORY), "--scenario", str(changed), "--scenario", str(STORY)], timeout=300)
    scans = [json.loads(line) for line in r.stdout.splitlines()]
    assert [s["healthy"] for s in scans] == [True, False, True], r.stderr
    assert scans[-1]["findings"], "the last state alone would say 10"
    assert r.returncode == 20, r.stderr
    assert r.stderr.rstrip().splitlines()[-1].startswith(HINT)
