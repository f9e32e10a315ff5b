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


def test_the_active_threads_in_one_read_are_each_thread_as_read_alone(tmp_path):
    """``threads()`` (one query, what a scan's snapshot and the rules' states read) answers what
    ``messages_of`` answers contract by contract: removed messages left out, oldest first, only the
    active contracts, none for a contract without messages."""
    from datetime import timedelta

    from watcher.models import Message, Sender, Stage, Workroom

    store = Store(tmp_path / "h.sqlite3")

    def msg(minutes: int, body: str, sender: Sender = Sender.CLIENT) -> Message:
        return Message(sender, NOW + timedelta(minutes=minutes), body, key=f"k{minutes}{body}", id=minutes)

    def room(cid: int, *messages: Message) -> Workroom:
        return Workroom(cid, f"案件{cid}", 500 + cid, "クライアント", "作業中", Stage.IN_PROGRESS, True, 1000,
                        messages, source="json")

    with store.transaction():
        store.save_workroom(room(1, msg(3, "c"), msg(1, "a"), msg(2, "b", Sender.WORKER)), NOW, 1)
        store.save_workroom(room(1, msg(3, "c"), msg(1, "a")), NOW + timedelta(hours=1), 2)  # "b" removed
        store.save_workroom(room(2), NOW, 1)
        store.save_workroom(room(3, msg(5, "gone")), NOW, 1)
        store.mark_inactive_except([1, 2])
    threads = store.threads()
    assert threads == {1: store.messages_of(1)}
    assert [m.body for m in threads[1]] == ["a", "c"]
    assert [m.id for m in threads[1]] == [1, 3]
    assert store.known_contracts(threads) == store.known_contracts()
    assert [s.messages for s in store.contract_states()] == [tuple(store.messages_of(1)), ()]
    store.close()
