"""Errors, doctor and the set-up script speak the person's language: Japanese by default, English
with ``--lang en`` or an English locale. Config and selectors errors stay one line naming the file
and the key, in either language."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from watcher import config, i18n
from watcher.crowdworks import selectors
from watcher.errors import ConfigError, Exit, StoreError
from watcher.keychain import KeyringLockedError
from watcher.store import Store

ROOT = Path(__file__).resolve().parent.parent
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def lang() -> Iterator[None]:
    """Whatever a test chooses with i18n.use, the language is the one before after it."""
    before = i18n.current()
    yield
    i18n.use(before)


def _env(tmp_path: Path, locale: str = "C.UTF-8", **extra: str) -> dict[str, str]:
    """A child's environment: a throwaway CWWATCH_HOME and HOME, and only LANG among the locale
    variables (C.UTF-8 names no language: the default, Japanese)."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS and k != "CWWATCH_HOME"}
    env.update(CWWATCH_HOME=str(tmp_path / "cwhome"), HOME=str(tmp_path / "home"), LANG=locale,
               XDG_CONFIG_HOME=str(tmp_path / "home" / ".config"), **extra)
    return env


def _cwwatch(tmp_path: Path, *argv: str, locale: str = "C.UTF-8", **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "watcher", *argv], capture_output=True, text=True, cwd=ROOT,
                          env=_env(tmp_path, locale, **extra), timeout=120, stdin=subprocess.DEVNULL)


# -- config errors: one line, the file and the key, in the person's language -----------------------

BAD_CONFIGS = {
    "unknown_key": ("quiet_busines_days = 3\n", "quiet_busines_days", "知らないキーです", "unknown key"),
    "wrong_type": ('quiet_business_days = "two"\n', "quiet_business_days",
                   "1 以上の整数（営業日数） を指定してください",
                   "expected a whole number of business days, 1 or more"),
    "bad_toml": ("quiet_business_days = \n", "", "TOML として正しくありません", "not valid TOML"),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_a_config_error_is_one_japanese_line_by_default(tmp_path: Path, case: str) -> None:
    text, key, ja, en = BAD_CONFIGS[case]
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    proc = _cwwatch(tmp_path, "--config", str(bad), "status")
    assert proc.returncode == Exit.USAGE, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(bad) in lines[0] and key in lines[0] and ja in lines[0], lines[0]
    assert en not in lines[0]


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_a_config_error_is_english_with_lang_en(tmp_path: Path, case: str) -> None:
    text, key, _ja, en = BAD_CONFIGS[case]
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    proc = _cwwatch(tmp_path, "--lang", "en", "--config", str(bad), "status")
    assert proc.returncode == Exit.USAGE, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(bad) in lines[0] and key in lines[0] and en in lines[0], lines[0]
    assert not JAPANESE.search(lines[0]), lines[0]


def test_a_config_error_is_english_in_an_english_locale(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("quiet_busines_days = 3\n", encoding="utf-8")
    proc = _cwwatch(tmp_path, "--config", str(bad), "status", locale="en_US.UTF-8")
    assert proc.returncode == Exit.USAGE, proc.stderr
    assert "quiet_busines_days: unknown key (known: " in proc.stderr
    assert not JAPANESE.search(proc.stderr), proc.stderr


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_config_errors_in_process(tmp_path: Path, lang: None, case: str) -> None:
    text, key, ja, en = BAD_CONFIGS[case]
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    for chosen, words in (("ja", ja), ("en", en)):
        i18n.use(chosen)
        with pytest.raises(ConfigError) as exc:
            config.load(bad)
        msg = str(exc.value)
        # the file, the key's line when the file sets the key (issue 20 item 7), then the key
        assert re.match(rf"{re.escape(str(bad))}(?: \d+行目| line \d+)?: {re.escape(key)}", msg), msg
        assert words in msg and "\n" not in msg, msg


def test_config_range_and_vet_errors_name_the_key(lang: None) -> None:
    i18n.use("ja")
    with pytest.raises(ConfigError, match=r"^cfg\.toml: pool_size: 9 は範囲外です"
                                          r"（1〜8 の整数（ページ数） を指定してください）$"):
        config.from_mapping({"pool_size": 9}, "cfg.toml")
    with pytest.raises(ConfigError, match=r"^cfg\.toml: vet\.nope: 知らないキーです（使えるキー: "):
        config.from_mapping({"vet": {"nope": 1}}, "cfg.toml")
    i18n.use("en")
    with pytest.raises(ConfigError, match=r"^cfg\.toml: pool_size: 9 is out of range \(expected a whole number of "
                                          r"pages, 1 to 8\)$"):
        config.from_mapping({"pool_size": 9}, "cfg.toml")
    with pytest.raises(ConfigError, match=r"^cfg\.toml: lang: expected .* got 'fr'$"):
        config.from_mapping({"lang": "fr"}, "cfg.toml")


# -- the selectors file, the history, the keyring ----------------------------------------------------


def test_a_selectors_error_is_japanese_by_default(tmp_path: Path, lang: None) -> None:
    bad = tmp_path / "selectors.toml"
    bad.write_text("version = 2\n[urls]\nlogin = \"login\"\n", encoding="utf-8")
    i18n.use("ja")
    with pytest.raises(ConfigError) as exc:
        selectors.load(bad)
    assert str(exc.value) == f"{bad}: [urls] login: '/' で始まるサイト上のパスを指定してください"
    with pytest.raises(ConfigError, match="セレクタファイルがありません"):
        selectors.load(tmp_path / "nope.toml")
    i18n.use("en")
    with pytest.raises(ConfigError) as exc:
        selectors.load(bad)
    assert str(exc.value) == f"{bad}: [urls] login: expected a path on the site starting with '/'"


def test_a_selectors_error_on_the_command_line(tmp_path: Path) -> None:
    bad = tmp_path / "selectors.toml"
    bad.write_text("version = 1\n", encoding="utf-8")
    proc = _cwwatch(tmp_path, "--selectors", str(bad), "doctor", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
                    CWWATCH_CHROMIUM=str(tmp_path / "no-chromium"))
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("FAIL selectors"))
    assert f"{bad}: version 1 は古い cwwatch の形式です" in line, proc.stdout


def test_store_errors_follow_the_language(tmp_path: Path, lang: None) -> None:
    db = tmp_path / "cwwatch.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    i18n.use("ja")
    with pytest.raises(StoreError, match="履歴データベースを開けません"):
        Store(db)
    i18n.use("en")
    with pytest.raises(StoreError, match="cannot open the history database"):
        Store(db)


def test_the_locked_keyring_keeps_its_japanese(lang: None) -> None:
    i18n.use("ja")
    text = str(KeyringLockedError())
    assert text.startswith("キーリングがロックされています。ロックを解除してから、もう一度試してください（GNOME: "
                           "「パスワードと鍵」(Seahorse) で「ログイン」キーリングのロックを解除するか、")
    assert text.endswith("macOS: キーチェーンアクセスで「ログイン」キーチェーンのロックを解除する）")
    i18n.use("en")
    assert str(KeyringLockedError("late")).startswith("The keyring is locked. Unlock it, then try again (GNOME: ")
    assert str(KeyringLockedError("late")).endswith("). late")


# -- doctor ------------------------------------------------------------------------------------------


def _doctor(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "cwhome" / "config" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text("desktop_notifications = false\n", encoding="utf-8")
    return _cwwatch(tmp_path, *argv, "doctor", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
                    CWWATCH_CHROMIUM=str(tmp_path / "no-chromium"))


def test_doctor_speaks_japanese_by_default(tmp_path: Path) -> None:
    proc = _doctor(tmp_path)
    assert proc.returncode == Exit.FAILURE, proc.stdout + proc.stderr  # no browser, no usable keyring
    assert "Traceback" not in proc.stderr
    lines = {ln.split()[1]: ln for ln in proc.stdout.splitlines()}
    assert lines["config"].startswith("ok") and str(tmp_path / "cwhome" / "config" / "config.toml") in lines["config"]
    assert "同梱: " in lines["selectors"]
    assert "パスワードを保存できません" in lines["keyring"]
    assert "設定でデスクトップ通知がオフです（コンソールのみ）" in lines["notifications"]
    assert "履歴はまだありません" in lines["store"] and "スキャンしたことがありません" in lines["store"]
    assert "保存されたセッションがありません。cwwatch login を実行してください" in lines["session"]
    assert "まだ何も保存されていません" in lines["permissions"]


def test_doctor_speaks_english_with_lang_en(tmp_path: Path) -> None:
    proc = _doctor(tmp_path, "--lang", "en")
    assert proc.returncode == Exit.FAILURE, proc.stdout + proc.stderr
    lines = {ln.split()[1]: ln for ln in proc.stdout.splitlines()}
    assert "bundled: " in lines["selectors"]
    assert "desktop notifications are off in the config (console only)" in lines["notifications"]
    assert "no saved session: run cwwatch login" in lines["session"]
    assert not JAPANESE.search(proc.stdout), proc.stdout


# -- the set-up script, before anything is installed -------------------------------------------------


def _bootstrap(tmp_path: Path, locale: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "watcher.bootstrap"], capture_output=True, text=True, cwd=ROOT,
                          env=_env(tmp_path, locale), timeout=60, stdin=subprocess.DEVNULL)


def test_the_bootstrap_usage_is_japanese_by_default(tmp_path: Path) -> None:
    proc = _bootstrap(tmp_path, "C.UTF-8")
    assert proc.returncode == 2
    assert proc.stderr.startswith("使い方: python3 -m watcher.bootstrap demo [ARGS...]"), proc.stderr
    assert "準備してからテストを実行します" in proc.stderr


def test_the_bootstrap_usage_is_english_in_an_english_locale(tmp_path: Path) -> None:
    proc = _bootstrap(tmp_path, "en_US.UTF-8")
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: python3 -m watcher.bootstrap demo [ARGS...]   set up, then run"), proc.stderr
    assert not JAPANESE.search(proc.stderr), proc.stderr


def test_the_bootstrap_reads_the_locale_as_i18n_does() -> None:
    from watcher import bootstrap

    cases = [
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANGUAGE": "fr:en", "LANG": "ja_JP.UTF-8"}, "en"),
        ({"LC_ALL": "C.UTF-8", "LANG": "en_US.UTF-8"}, "ja"),  # the first set decides: C names none
        ({}, "ja"),
    ]
    for env, want in cases:
        saved = {k: os.environ.pop(k, None) for k in LOCALE_VARS}
        try:
            os.environ.update(env)
            assert bootstrap._language() == want, env
            assert (i18n.from_locale([os.environ.get(v) for v in LOCALE_VARS]) or i18n.DEFAULT) == want, env
        finally:
            for k in LOCALE_VARS:
                os.environ.pop(k, None)
            os.environ.update({k: v for k, v in saved.items() if v is not None})
