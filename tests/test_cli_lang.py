"""The language of the command line, chosen once: ``--lang`` (before or after the command), else the
config's ``lang``, else the locale, else Japanese. Every ``--help`` of every command and subcommand
in Japanese by default, in English with ``--lang en`` or an English locale; usage errors and the
daemon's log lines follow. Real processes (``python -m watcher``), as a person runs them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest

from watcher import i18n
from watcher.cli.main import _subparsers, build_parser
from watcher.jptime import JST

ROOT = Path(__file__).resolve().parent.parent
CWWATCH = [sys.executable, "-m", "watcher"]
LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")  # kana and kanji
WIDE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")  # and their punctuation
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z][a-z']*(?: [A-Za-z][a-z']*){3,}\b")  # four words or more
# The site's own words an English help quotes as they are, so that the person finds them on the site
# (report: "the support desk (事務局)", "a contact reminder (連絡催促)"); 「第9条第3項」 of the terms is
# "Art. 9(3)" or "Article 9(3)" in English, but may be quoted too.
SITE_WORDS = ("事務局", "連絡催促", "第9条第3項")


def env_of(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any locale or CWWATCH_HOME of its own, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in (*LOCALE_VARS, "CWWATCH_HOME")}
    return env | {"CWWATCH_HOME": str(home)} | extra


def cw(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CWWATCH, *args], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)


def command_paths() -> list[tuple[str, ...]]:
    """Every command and subcommand (``("service", "install")``), the top (``()``) first."""
    found: list[tuple[str, ...]] = [()]

    def walk(p, path):  # type: ignore[no-untyped-def]
        for child in _subparsers(p):
            here = (*path, child.prog.split()[-1])
            found.append(here)
            walk(child, here)
    walk(build_parser(), ())
    return found


PATHS = command_paths()
IDS = [" ".join(p) or "cwwatch" for p in PATHS]
# --lang after the command and an English locale choose the language the same way for every parser:
# checked on the top, a command, one with a positional argument, and a subcommand (each run is a
# process; the whole tree is checked in Japanese and with --lang en before the command).
SAMPLE = [p for p in PATHS if p in ((), ("status",), ("vet",), ("service", "install"))]


# -- reading a help text --------------------------------------------------------------------------


def entries(help_text: str) -> list[tuple[str, str]]:
    """(invocation, help) of every option, argument and command the help lists: a line indented by
    2 (options, arguments) or 4 (commands) opens one, deeper lines continue its help; two spaces part
    the invocation (``--config ファイル``) from its help."""
    out: list[tuple[str, str]] = []
    in_section = False
    for line in help_text.splitlines():
        if line and not line[0].isspace():
            in_section = line.rstrip().endswith(":") and not line.startswith(("usage:", "使い方:"))
            continue
        if not in_section or not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent in (2, 4):
            invocation, _, rest = line.strip().partition("  ")
            out.append((invocation, rest.strip()))
        elif out:
            out[-1] = (out[-1][0], f"{out[-1][1]} {line.strip()}".strip())
    return out


def description(help_text: str) -> str:
    """The paragraphs between the usage and the first section (a line ending in ":" over indented ones)."""
    out = []
    for block in help_text.split("\n\n")[1:]:
        lines = block.split("\n")
        if lines[0].rstrip().endswith(":") and len(lines) > 1 and lines[1].startswith(" "):
            break
        out.append(block)
    return "\n".join(out)


@pytest.fixture(scope="module")
def helps(tmp_path_factory) -> dict[str, dict[tuple[str, ...], subprocess.CompletedProcess[str]]]:
    """The commands' --help, four ways: a Japanese locale and --lang en before the command (every
    command), --lang en after it and an English locale (SAMPLE). In parallel (each is a process)."""
    home = tmp_path_factory.mktemp("home")
    ways = {
        "ja": (PATHS, lambda p: ([*p, "--help"], env_of(home, LANG="ja_JP.UTF-8"))),
        "en-before": (PATHS, lambda p: (["--lang", "en", *p, "--help"], env_of(home, LANG="ja_JP.UTF-8"))),
        "en-after": (SAMPLE, lambda p: ([*p, "--lang", "en", "--help"], env_of(home, LANG="ja_JP.UTF-8"))),
        "en-locale": (SAMPLE, lambda p: ([*p, "--help"], env_of(home, LANG="en_US.UTF-8"))),
    }
    jobs = {(way, path): make(path) for way, (paths, make) in ways.items() for path in paths}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        done = {key: pool.submit(cw, *argv, env=env) for key, (argv, env) in jobs.items()}
        results = {key: f.result() for key, f in done.items()}
    assert not (home / "config").exists() and not (home / "data").exists(), "--help stores nothing"
    return {way: {path: results[(way, path)] for path in paths} for way, (paths, _make) in ways.items()}


# -- 1. Japanese by default -------------------------------------------------------------------------


def test_the_walk_finds_every_command():
    names = set(IDS)
    assert {"cwwatch", "scan", "daemon", "vet", "check-pages", "service install", "service status"} <= names


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_help_is_japanese_with_a_japanese_locale(helps, path):
    r = helps["ja"][path]
    assert r.returncode == 0 and r.stderr == "", r.stderr
    text = r.stdout
    assert text.startswith("使い方: cwwatch"), text[:100]
    assert JAPANESE.search(description(text)), f"no Japanese in the description:\n{text}"
    listed = entries(text)
    assert listed, text
    english = [f"{inv}  {hlp}" for inv, hlp in listed if hlp and not JAPANESE.search(hlp)]
    assert not english, "help lines without Japanese:\n" + "\n".join(english)
    sentences = ENGLISH_SENTENCE.findall(text)
    assert not sentences, f"English sentences in the Japanese help: {sentences}\n{text}"


# -- 2. English on request ----------------------------------------------------------------------------


@pytest.mark.parametrize(("way", "path"), [("en-before", p) for p in PATHS] + [
    (way, p) for way in ("en-after", "en-locale") for p in SAMPLE],
    ids=[f"en-before {i}" for i in IDS] + [f"{way} {' '.join(p) or 'cwwatch'}" for way in ("en-after", "en-locale")
                                          for p in SAMPLE])
def test_help_is_english_with_lang_en_or_an_english_locale(helps, way, path):
    r = helps[way][path]
    assert r.returncode == 0 and r.stderr == "", r.stderr
    text = r.stdout
    for word in SITE_WORDS:
        text = text.replace(word, "")
    assert text.startswith("usage: cwwatch"), text[:100]
    assert not WIDE.search(text), f"Japanese in the English help: {WIDE.findall(text)}\n{r.stdout}"
    assert helps["ja"][path].stdout.count("\n") > 3 and text.count("\n") > 3
    # the same options and commands in both languages (the arguments' names are translated)
    def options(help_text: str) -> list[str]:
        return [inv.split(" ")[0] if inv.startswith("-") else "ARG" for inv, _ in entries(help_text)]
    assert options(text) == options(helps["ja"][path].stdout)


# -- 3. which wins -----------------------------------------------------------------------------------


def config_home(tmp_path: Path, lang: str, extra: str = "") -> Path:
    home = tmp_path / f"home-{lang}"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(f'lang = "{lang}"\n{extra}', encoding="utf-8")
    return home


def is_japanese(r: subprocess.CompletedProcess[str]) -> bool:
    return r.stdout.startswith("使い方: ") and "このヘルプを表示して終了します" in r.stdout


def is_english(r: subprocess.CompletedProcess[str]) -> bool:
    return r.stdout.startswith("usage: ") and "show this help message and exit" in r.stdout


def test_lang_wins_over_the_locale(tmp_path):
    assert is_japanese(cw("--lang", "ja", "status", "--help", env=env_of(tmp_path, LANG="en_US.UTF-8")))
    assert is_japanese(cw("status", "--lang=ja", "--help", env=env_of(tmp_path, LANGUAGE="en", LC_ALL="en_US.UTF-8")))
    assert is_english(cw("--lang", "en", "status", "--help", env=env_of(tmp_path, LANG="ja_JP.UTF-8")))


def test_lang_wins_over_the_config_and_the_config_over_the_locale(tmp_path):
    english_home = config_home(tmp_path, "en")
    japanese_home = config_home(tmp_path, "ja")
    assert is_japanese(cw("--lang", "ja", "scan", "--help", env=env_of(english_home)))
    assert is_english(cw("scan", "--help", "--lang", "en", env=env_of(japanese_home, LANG="ja_JP.UTF-8")))
    assert is_english(cw("scan", "--help", env=env_of(english_home, LANG="ja_JP.UTF-8")))
    assert is_japanese(cw("scan", "--help", env=env_of(japanese_home, LANGUAGE="en")))
    # --home and --config name the config the language comes from, before or after the command
    assert is_english(cw("--home", str(english_home), "scan", "--help", env=env_of(japanese_home)))
    assert is_english(cw("scan", "--help", "--config", str(english_home / "config" / "config.toml"),
                         env=env_of(japanese_home)))


def test_no_locale_and_no_config_is_japanese(tmp_path):
    assert is_japanese(cw("--help", env=env_of(tmp_path)))
    assert is_japanese(cw("--help", env=env_of(tmp_path, LANG="C.UTF-8")))
    assert is_japanese(cw("--help", env=env_of(tmp_path, LANG="de_DE.UTF-8")))


def test_a_broken_config_still_gives_its_language_and_its_own_error(tmp_path):
    home = config_home(tmp_path, "en", "quiet_days = 2\n")
    r = cw("status", env=env_of(home))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr and not WIDE.search(lines[0]), r.stderr
    assert "quiet_days" in lines[0] and str(home / "config" / "config.toml") in lines[0]


# -- 4. errors -------------------------------------------------------------------------------------


def test_a_usage_error_is_one_japanese_line_by_default(tmp_path):
    r = cw("status", "--bogus", env=env_of(tmp_path))
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].startswith("cwwatch: エラー: ") and "--bogus" in lines[0] and JAPANESE.search(lines[0])
    r = cw("status", "--bogus", "--lang", "en", env=env_of(tmp_path))
    assert r.returncode == 2
    assert r.stderr.strip() == "cwwatch: error: unrecognized arguments: --bogus (see cwwatch --help)"


def test_an_error_of_a_command_follows_the_language(tmp_path):
    ja = cw("mute", "963659463", "--for", "3x", env=env_of(tmp_path))
    en = cw("--lang", "en", "mute", "963659463", "--for", "3x", env=env_of(tmp_path))
    assert ja.returncode == en.returncode == 2
    assert ja.stderr.startswith("cwwatch: エラー: --for: '3x' は期間ではありません"), ja.stderr
    assert en.stderr.startswith("cwwatch: error: --for: '3x' is not a duration"), en.stderr
    bad = cw("vet", env=env_of(tmp_path))
    assert bad.returncode == 2 and JAPANESE.search(bad.stderr) and bad.stderr.count("\n") == 1


def all_parsers() -> list[tuple[str, object]]:
    found = []

    def walk(p, name):  # type: ignore[no-untyped-def]
        for child in _subparsers(p):
            here = f"{name} {child.prog.split()[-1]}".strip()
            found.append((here, child))
            walk(child, here)
    walk(build_parser(), "")
    return found


def test_every_command_has_one_lang_option_the_global_one():
    """vet's own --lang is gone; status's and report's, while they last, are taken as the global one."""
    for name, p in all_parsers():
        langs = [a for a in p._actions if "--lang" in a.option_strings]  # type: ignore[attr-defined]
        assert len(langs) == 1, f"cwwatch {name}: {len(langs)} --lang options"
    assert build_parser().parse_args(["vet", "--lang", "en", "1"]).lang == "en"
    assert build_parser().parse_args(["--lang", "en", "status"]).lang == "en"
    assert build_parser().parse_args(["status"]).lang == i18n.current()


# -- 5. the scan summary and the daemon's log ---------------------------------------------------------


@pytest.fixture
def english():
    i18n.use("en")
    try:
        yield
    finally:
        i18n.use(i18n.DEFAULT)


def summary_of() -> str:
    from watcher.cli.common import print_summary
    from watcher.models import Finding
    from watcher.scan import ScanResult

    now = datetime(2026, 11, 20, 1, tzinfo=UTC)
    quiet = Finding("quiet_client", 963659463, 900009001, 1, now, None, "返信がありません: 株式会社サンプルトラベル",
                    "…")
    escrow = Finding("escrow_missing", 963700112, 900009003, 1, None, None, "仮払いがまだです: 合同会社ミドリ商店",
                     "…")
    result = ScanResult(started_at=now, now=now, healthy=True, findings=[quiet, escrow], notified=[quiet],
                        contracts_seen=4)
    result.pages_by_kind.update({"contracts": 1, "workroom": 11})
    out = StringIO()
    print_summary(result, out, {963659463: "株式会社サンプルトラベル「旅行スポット紹介記事 5本」"})
    return out.getvalue()


def test_the_scan_summary_shows_each_finding_once_with_its_label_and_contract():
    assert summary_of().splitlines() == [
        "スキャン正常: 契約 4 件、12 ページを読み込み、未対応 2 件（今回の通知 1 件）",
        "  新規  返信なし（ログインあり）  963659463  株式会社サンプルトラベル「旅行スポット紹介記事 5本」",
        "        仮払い待ち                963700112",
    ]


def test_the_scan_summary_counts_the_vetting_notes_and_lists_the_clients_not_clean():
    """Two notes about clients went out with the finding's: the count says three, and each client
    whose record is not clean has its line (the clean one has none)."""
    from watcher.cli.common import print_summary
    from watcher.models import Finding, VettingRecord
    from watcher.scan import ScanResult

    now = datetime(2026, 11, 20, 1, tzinfo=UTC)
    escrow = Finding("escrow_missing", 963700112, 900009002, 1, None, None, "仮払いがまだです", "…")

    def vetted(subject: str, sid: int, client: int, verdict: str) -> VettingRecord:
        return VettingRecord(subject, sid, client, verdict, 0, (), "", (), now)

    result = ScanResult(started_at=now, now=now, healthy=True, findings=[escrow], notified=[escrow],
                        contracts_seen=4,
                        vetted=[vetted("contract", 963700112, 900009002, "caution"),
                                vetted("contract", 963688001, 900009003, "ok"),
                                vetted("proposal", 981200451, 900009005, "warning")],
                        vetted_notified=["contract:963700112", "proposal:981200451"])
    out = StringIO()
    print_summary(result, out, {}, {900009002: "合同会社ミドリ商店", 900009005: "合同会社スターライトメディア"})
    assert out.getvalue().splitlines() == [
        "スキャン正常: 契約 4 件、0 ページを読み込み、未対応 1 件（今回の通知 3 件）",
        "  新規  仮払い待ち    963700112",
        "  新規  審査: 注意    963700112  合同会社ミドリ商店",
        "  新規  審査: 要警戒  応募 981200451  合同会社スターライトメディア",
    ]


def test_the_scan_summary_in_english(english):
    lines = summary_of().splitlines()
    assert lines[0] == "scan ok: 4 contracts, 12 pages loaded, 2 open findings (1 notified now)"
    assert lines[1].startswith("  new  no reply (client logs in)  963659463  ")
    assert not WIDE.search(lines[0] + lines[1].split("963659463")[0] + lines[2])


def test_the_daemon_speaks_the_chosen_language_with_local_times():
    from watcher.daemon.scheduler import child_argv, fmt_local, fmt_minutes, fmt_span, next_at, parse_span

    span = parse_span("08:00-23:00", "active_hours")
    night = datetime(2026, 12, 9, 23, 30, tzinfo=JST)
    assert next_at(night, span[0]) == datetime(2026, 12, 10, 8, 0, tzinfo=JST)
    assert next_at(datetime(2026, 12, 10, 7, 0, tzinfo=JST), span[0]) == datetime(2026, 12, 10, 8, 0, tzinfo=JST)
    assert fmt_minutes(timedelta(minutes=30)) == "30 分"
    assert fmt_span(parse_span("00:00-24:00", "a"), night, "").startswith("00:00-24:00")
    local = fmt_local(datetime(2026, 12, 10, 8, 0, tzinfo=JST))
    assert re.fullmatch(r"\d{1,2}月\d{1,2}日 \d\d:\d\d( \S+)?", local), local
    i18n.use("en")
    try:
        assert fmt_minutes(timedelta(minutes=30)) == "30 min"
        assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d\d:\d\d( \S+)?", fmt_local(night)), fmt_local(night)
        assert child_argv(None, None)[3:5] == ["--lang", "en"], "the scans speak the daemon's language"
    finally:
        i18n.use(i18n.DEFAULT)


@pytest.mark.parametrize(("lang", "started", "next_scan", "stopped"), [
    ("ja", "INFO デーモンを開始しました。スキャンの間隔 30 分、稼働時間 ", "次回のスキャン: ",
     "INFO デーモンを停止しました"),
    ("en", "INFO daemon started: a scan every 30 min; active hours ", "next scan: ", "INFO daemon stopped"),
])
def test_the_daemons_log_in_japan_time(tmp_path, lang, started, next_scan, stopped):
    """A daemon outside its active hours, on a computer in Japan time: its log file in the chosen
    language, each line's time with its offset, the next scan's time, and no Python reprs."""
    home = tmp_path / "home"
    start = datetime.now(JST) + timedelta(hours=6)
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(
        f'active_hours = "{start:%H}:00-{start + timedelta(hours=1):%H}:00"\ndesktop_notifications = false\n',
        encoding="utf-8")
    proc = subprocess.Popen([*CWWATCH, "--lang", lang, "daemon"], cwd=ROOT, text=True,
                            env=env_of(home, TZ="Asia/Tokyo"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    log = home / "log" / "cwwatch.log"
    try:
        deadline = time.monotonic() + 60
        while not (log.exists() and next_scan in log.read_text(encoding="utf-8")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the daemon logged no next scan within 60 s"
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    text = log.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00 ", line) for line in lines), text
    assert started in text and stopped in text
    assert f"{start:%H}:00-{start + timedelta(hours=1):%H}:00" in text and " JST" not in text, text
    when = text.split(next_scan, 1)[1].splitlines()[0]
    shown = (f"{start.month}月{start.day}日 {start:%H}:00" if lang == "ja"
             else f"{start.day} {start:%b} {start:%H}:00")
    assert when == shown, text
    assert "datetime." not in text and "timedelta" not in text
    if lang == "en":
        assert not WIDE.search(text), text
