"""The command line itself: the global options before or after the command, ``--home``, and a reader
that closes stdout early (``cwwatch … | head -1``). Real processes, as a user runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from watcher.cli.main import READER_GONE_EXIT, _subparsers, _verbosity, build_parser
from watcher.jptime import JST

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "html"
CWWATCH = [sys.executable, "-m", "watcher"]
GLOBAL_FLAGS = ("--config", "--selectors", "--home", "-v", "--verbose")


LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without a CWWATCH_HOME or a locale of its own (cwwatch speaks its
    default, Japanese), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "CWWATCH_HOME" and k not in LOCALE_VARS}
    return env | extra


def cw(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CWWATCH, *args], capture_output=True, text=True, timeout=120, cwd=cwd or ROOT,
                          env=clean_env(**env))


def bad_config(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / "config.toml"
    f.write_text("quiet_days = 2\n", encoding="utf-8")
    return f


def one_line_error(r: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


# -- 1. global options before or after the command --------------------------------------------------


def all_parsers() -> list[tuple[str, object]]:
    found = []

    def walk(p, name):
        for child in _subparsers(p):
            found.append((f"{name} {child.prog.split()[-1]}".strip(), child))
            walk(child, f"{name} {child.prog.split()[-1]}")
    walk(build_parser(), "")
    return found


def test_every_command_and_subcommand_takes_every_global_option():
    parsers = all_parsers()
    names = {n for n, _ in parsers}
    assert {"status", "daemon", "demo", "service install", "service status"} <= names
    for name, p in parsers:
        missing = [f for f in GLOBAL_FLAGS if f not in p._option_string_actions]
        assert missing == [], f"cwwatch {name} lacks {missing}"


@pytest.mark.parametrize(("argv", "expected"), [
    (["status"], {"config": None, "selectors": None, "home": None, "verbose": 0}),
    (["-v", "status"], {"verbose": 1}),
    (["status", "-v"], {"verbose": 1}),
    (["-v", "daemon", "-vv"], {"verbose": 3}),  # the counts add up
    (["--verbose", "service", "-v", "status", "-v"], {"verbose": 3}),
    (["--config", "a.toml", "status"], {"config": "a.toml"}),
    (["status", "--config", "a.toml"], {"config": "a.toml"}),
    (["--config", "a.toml", "status", "--config", "b.toml"], {"config": "b.toml"}),  # the later wins
    (["--selectors", "s.toml", "report", "963659463"], {"selectors": "s.toml", "contract": 963659463}),
    (["report", "963659463", "--selectors", "s.toml"], {"selectors": "s.toml"}),
    (["--home", "h", "mute", "963659463", "--for", "3d"], {"home": "h", "config": None}),
    (["mute", "963659463", "--home", "h"], {"home": "h"}),
    (["--home", "h", "service", "install"], {"home": "h"}),  # not reset by install's own --home
    (["service", "install", "--home", "u", "-v"], {"home": "u", "verbose": 1}),
    (["--home", "h", "service", "install", "--home", "u"], {"home": "u"}),
    (["service", "--config", "c.toml", "status"], {"config": "c.toml"}),
])
def test_global_options_parse_before_and_after_the_command(argv, expected):
    args = build_parser().parse_args(argv)
    args.verbose = _verbosity(args)
    got = {k: getattr(args, k) for k in expected}
    assert got == expected
    assert not [k for k in vars(args) if k.startswith("verbose_")]


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_and_selectors_work_on_either_side_of_the_command(tmp_path, where):
    f = bad_config(tmp_path / "c")
    opt = ["--config", str(f)]
    r = cw(*([*opt, "status"] if where == "before" else ["status", *opt]), CWWATCH_HOME=str(tmp_path / "h"))
    assert r.returncode == 2
    assert str(f) in one_line_error(r) and "quiet_days: " in r.stderr
    sel = tmp_path / "sel.toml"
    sel.write_text("version = 3\n", encoding="utf-8")
    opt = ["--selectors", str(sel)]
    r = cw(*([*opt, "status"] if where == "before" else ["status", *opt]), CWWATCH_HOME=str(tmp_path / "h"))
    assert r.returncode == 2 and str(sel) in one_line_error(r)


def test_given_on_both_sides_the_later_wins(tmp_path):
    bad = bad_config(tmp_path / "bad")
    good = tmp_path / "good.toml"
    good.write_text("quiet_business_days = 3\n", encoding="utf-8")
    home = str(tmp_path / "h")
    r = cw("--config", str(bad), "status", "--config", str(good), CWWATCH_HOME=home)
    assert r.returncode == 0, r.stderr
    r = cw("--config", str(good), "status", "--config", str(bad), CWWATCH_HOME=home)
    assert r.returncode == 2 and str(bad) in one_line_error(r)


def test_usage_errors_stay_one_line_wherever_the_options_are():
    r = cw("status", "-v", "--bogus")
    assert r.returncode == 2 and "--bogus" in one_line_error(r)


def daemon_config(home: Path) -> None:
    """A daemon that scans nothing: its active hours are six hours from now."""
    start = datetime.now(JST) + timedelta(hours=6)
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(
        f'active_hours = "{start:%H}:00-{start + timedelta(hours=1):%H}:00"\n'
        "desktop_notifications = false\n", encoding="utf-8")


def test_daemon_dash_v_after_the_command_as_the_readme_writes_it(tmp_path):
    """README: `cwwatch daemon -v`, here with --home after the command too."""
    home = tmp_path / "home"
    daemon_config(home)
    proc = subprocess.Popen([*CWWATCH, "daemon", "-v", "--home", str(home)], cwd=ROOT, env=clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        log = home / "log" / "cwwatch.log"
        deadline = time.monotonic() + 60
        while not (log.exists() and "デーモンを開始しました" in log.read_text(encoding="utf-8")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the daemon did not start within 60 s"
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "知らない引数です" not in err and "Traceback" not in err
    assert "INFO デーモンを開始しました" in err and "INFO デーモンを停止しました" in err  # -v: log lines on the console


# -- 3. --home ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["before", "after"])
def test_home_puts_everything_under_the_folder_like_cwwatch_home(tmp_path, where):
    home = tmp_path / "home"
    f = bad_config(home / "config")
    opt = ["--home", str(home)]
    via_option = cw(*([*opt, "status"] if where == "before" else ["status", *opt]))
    via_env = cw("status", CWWATCH_HOME=str(home))
    assert via_option.returncode == via_env.returncode == 2
    assert one_line_error(via_option) == one_line_error(via_env)
    assert str(f) in via_option.stderr


def test_home_wins_over_an_exported_cwwatch_home_and_is_made_absolute(tmp_path):
    exported = tmp_path / "exported"
    bad_config(exported / "config")
    f = bad_config(tmp_path / "rel" / "config")
    r = cw("--home", "rel", "status", cwd=tmp_path, CWWATCH_HOME=str(exported))
    assert r.returncode == 2
    line = one_line_error(r)
    assert str(f) in line and str(exported) not in line


def test_an_empty_home_is_a_usage_error():
    r = cw("--home", "", "status")
    assert r.returncode == 2 and "--home" in one_line_error(r)


def test_home_reaches_the_service_definition_like_install_home(tmp_path):
    home = tmp_path / "h"
    before = cw("--home", str(home), "service", "install", "--print")
    after = cw("service", "install", "--print", "--home", str(home))
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr
    assert before.stdout == after.stdout and f"CWWATCH_HOME={home}" in before.stdout
    assert "CWWATCH_HOME" not in cw("service", "install", "--print").stdout


# -- 2. a reader that closes early --------------------------------------------------------------------

QUIET_COMMANDS = [
    ["--help"],
    ["status", "--help"],
    ["check-pages", str(FIXTURES)],
    ["status"],  # no history yet: its one message
    ["status", "--lang", "en", "--json"],
]


@pytest.mark.parametrize("argv", QUIET_COMMANDS, ids=" ".join)
def test_a_reader_gone_before_the_first_line_ends_the_command_quietly(tmp_path, argv):
    """The pipe's read end is closed before the command writes: every write meets EPIPE."""
    proc = subprocess.Popen([*CWWATCH, *argv], cwd=ROOT, env=clean_env(CWWATCH_HOME=str(tmp_path / "h")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert err == ""
    assert proc.returncode == READER_GONE_EXIT == 141


# check-pages over the fixtures four times: over 100 KB, more than a pipe (64 KB) and head's one read
# can hold together, so it meets the reader gone however the two processes are scheduled (once, 26 KB
# fitted into the pipe when check-pages outran head on a busy machine).
PIPE_FILLING = ["check-pages", *[str(FIXTURES)] * 4]


@pytest.mark.parametrize("argv", [["--help"], PIPE_FILLING, ["check-pages", "--help"]],
                         ids=lambda a: " ".join(a[:2]))
def test_piped_into_head_ends_quietly(tmp_path, argv):
    """`cwwatch … | head -1` in a shell: head leaves after one line."""
    cmd = " ".join([*CWWATCH, *argv]) + " | head -1; echo \"rc=${PIPESTATUS[0]}\""
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120, cwd=ROOT,
                       env=clean_env(CWWATCH_HOME=str(tmp_path / "h")))
    assert r.stderr == ""
    first, rc = r.stdout.splitlines()
    assert first.strip()
    assert rc in ("rc=0", f"rc={READER_GONE_EXIT}")  # 0 when everything fitted into the pipe first
    if argv == PIPE_FILLING:
        assert rc == f"rc={READER_GONE_EXIT}", "check-pages prints more than a pipe holds"
