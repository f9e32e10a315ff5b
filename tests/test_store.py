"""The history database: schema versions, migrations, permissions, transactions."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime

import pytest

from watcher.errors import StoreError
from watcher.store import _SCHEMA, SCHEMA_VERSION, Store

pytestmark = pytest.mark.usefixtures("english")  # these tests read the English words

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def test_new_store_is_private_and_current(tmp_path):
    s = Store(tmp_path / "d" / "h.sqlite3")
    try:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert stat.S_IMODE(os.stat(tmp_path / "d" / "h.sqlite3").st_mode) == 0o600
        assert stat.S_IMODE(os.stat(tmp_path / "d").st_mode) == 0o700
        assert s.integrity_ok()
    finally:
        s.close()


def test_version_1_database_is_migrated_keeping_its_rows(tmp_path):
    f = tmp_path / "h.sqlite3"
    db = sqlite3.connect(f)
    db.executescript(_SCHEMA)
    db.execute("INSERT INTO meta VALUES('k', 'v')")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    s = Store(f)
    try:
        assert s.get_meta("k") == "v"
        with s.transaction():
            s.set_mute(1, NOW, None, "test", NOW)
        assert 1 in s.mutes()
    finally:
        s.close()


def test_newer_schema_is_refused_clearly(tmp_path):
    f = tmp_path / "h.sqlite3"
    db = sqlite3.connect(f)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(StoreError, match="newer cwwatch"):
        Store(f)


def test_a_failed_transaction_leaves_nothing(tmp_path):
    s = Store(tmp_path / "h.sqlite3")
    try:
        with pytest.raises(RuntimeError), s.transaction():
            s.set_meta("half", "written")
            raise RuntimeError("boom")
        assert s.get_meta("half") is None
    finally:
        s.close()


def test_not_a_database_is_a_clear_error(tmp_path):
    f = tmp_path / "h.sqlite3"
    f.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the history"):
        Store(f)
