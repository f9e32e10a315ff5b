"""`cwwatch status` laid out for the width there is: `python -m watcher status` run as a subprocess
(piped, as a person's `| less` or a script would) in a copy of the scanned story home, at 80, 60
and 200 columns and with no COLUMNS at all, in Japanese (the default) and English.

Every line fits in COLUMNS, counted in terminal columns (East Asian wide characters take two);
every contract id and every date or time status prints is whole on one line; the narrow layout is
one block per contract, the wide one a table; long titles and client names are cut with … in the
table and wrapped in the blocks."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from watcher.i18n import In
from watcher.report.words import fmt_short, fmt_time

STORY_NOW = "2026-11-20T10:00:00+09:00"
IDS = ("963659463", "963688001", "963690555", "963700112")
LABELS_JA = ("返信なし（ログインあり）", "検収期限切れ", "返信なし", "仮払い待ち")
LABELS_EN = ("no reply (client logs in)", "acceptance overdue", "no reply", "awaiting escrow")
RULE_IDS = ("quiet_client", "acceptance_overdue", "no_reply", "escrow_missing")
LONG_TITLE = ("とても長い案件名の例として、旅行スポット紹介記事と写真キャプション作成と校正の一式を"
              "まとめてお願いする案件")
LONG_CLIENT = "株式会社とても長い名前のサンプルトラベルアンドツーリズムホールディングス"



def width_of(line: str) -> int:
    """Terminal columns: East Asian wide (W) and full-width (F) characters take two."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in line)


def status(home: Path, *args: str, columns: int | None, lang_env: str = "C.UTF-8") -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "FORCE_COLOR", "CLICOLOR_FORCE")}
    env |= {"CWWATCH_HOME": str(home), "LANG": lang_env, "PYTHONIOENCODING": "utf-8"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    done = subprocess.run([sys.executable, "-m", "watcher", "status", *args, "--now", STORY_NOW],
                          env=env, capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


_STORY_JSON: dict[str, Any] = {}


def expected_pieces(home: Path, tr: In) -> set[str]:
    """The ids, dates and times status prints for the story (from its --json; every test's home holds
    the same scanned story, so it is asked once per module)."""
    if "doc" not in _STORY_JSON:
        _STORY_JSON["doc"] = json.loads(status(home, "--json", columns=None))
    doc = _STORY_JSON["doc"]
    now = datetime.fromisoformat(doc["now"])
    out = {fmt_time(now, tr), fmt_time(datetime.fromisoformat(doc["last_scan"]["at"]), tr)}
    for c in doc["contracts"]:
        out.add(str(c["contract_id"]))
        for key in ("waiting_since", "acceptance_deadline"):
            if c[key]:
                out.add(fmt_short(datetime.fromisoformat(c[key]), now))
        if c["last_access"]:
            out.add(fmt_short(datetime.fromisoformat(c["last_access"]["observed_at"]), now))
    return out


def check_fits(out: str, columns: int, pieces: set[str]) -> list[str]:
    lines = out.splitlines()
    assert "\x1b[" not in out, "no colour codes in a pipe"
    too_long = [(width_of(line), line) for line in lines if width_of(line) > columns]
    assert not too_long, f"lines wider than {columns} columns: {too_long}"
    for piece in pieces:
        assert any(piece in line for line in lines), f"{piece!r} is not whole on one line:\n{out}"
    return lines


@pytest.mark.parametrize("columns", [80, 60, 200, None])
def test_japanese_fits_the_width_and_keeps_ids_and_dates_whole(home, columns):
    out = status(home, columns=columns)
    pieces = expected_pieces(home, In("ja"))
    assert "11/06 10:00" in pieces and "2026年11月20日 10:00" in pieces
    lines = check_fits(out, columns or 80, pieces)
    assert lines[0] == "有効な契約（2026年11月20日 10:00 現在）"
    for label in LABELS_JA:
        assert any(label in line for line in lines)
    for rule in RULE_IDS:
        assert rule not in out, "rule ids only in --json"
    assert "最終スキャン: 2026年11月20日 10:00（正常）" in lines
    table = any("案件" in line and "検知" in line for line in lines)
    assert table == (columns == 200), "a table when wide, one block per contract when narrow"
    if not table:
        assert sum(1 for line in lines if line[:9] in IDS) == 4, "each block opens with its contract id"


@pytest.mark.parametrize("columns", [80, 60, 200])
def test_english_with_lang_en_fits_the_width_too(home, columns):
    out = status(home, "--lang", "en", columns=columns)
    lines = check_fits(out, columns, expected_pieces(home, In("en")))
    assert lines[0] == "Active contracts (as of 2026-11-20 10:00 JST)"
    for label in LABELS_EN:
        assert any(label in line for line in lines)
    assert "Last scan: 2026-11-20 10:00 JST (healthy)" in lines


def test_an_english_locale_gives_english(home):
    out = status(home, columns=80, lang_env="en_US.UTF-8")
    assert out.startswith("Active contracts (as of 2026-11-20 10:00 JST)\n")


def test_long_titles_and_names_are_cut_in_the_table_and_wrapped_in_blocks(home):
    db = sqlite3.connect(home / "data" / "cwwatch.sqlite3")
    try:
        db.execute("UPDATE contracts SET title=? WHERE id=963659463", (LONG_TITLE,))
        db.execute("UPDATE clients SET name=? WHERE id=(SELECT client_id FROM contracts WHERE id=963659463)",
                   (LONG_CLIENT,))
        db.commit()
    finally:
        db.close()
    pieces = expected_pieces(home, In("ja"))
    wide = check_fits(status(home, columns=200), 200, pieces)
    row = next(line for line in wide if line.startswith("963659463"))
    assert "…" in row and LONG_TITLE not in row and LONG_TITLE[:10] in row
    for columns in (80, 60):
        narrow = check_fits(status(home, columns=columns), columns, pieces)
        start = next(i for i, line in enumerate(narrow) if line.startswith("963659463"))
        block = "".join(line.strip() for line in narrow[start:start + 8])
        assert LONG_TITLE in block.replace("963659463", "", 1), "the whole title, wrapped"
        assert LONG_CLIENT in block.replace(" ", ""), "the whole client name, wrapped"
        assert "…" not in "".join(narrow[start:start + 8])
