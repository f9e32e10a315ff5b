"""The local history: SQLite (WAL), one transaction per scan, schema version in ``user_version``.

It keeps what was observed (contracts, status changes, messages, last-access observations, every
scan and its health) and the alert ledger (what was notified, for which finding, when). An
unhealthy scan writes only its own row and the health ledger: it never replaces what a healthy
scan saw.

It stores and returns records and decides nothing (when a contract was delivered is
``decide.delivery``'s). Over 400 lines as one job: it is the only module that speaks SQL, so the
schema, its migrations and every query on it stay in one place.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from watcher import wallclock
from watcher.decide import delivery
from watcher.errors import StoreError
from watcher.i18n import _
from watcher.models import (
    AccessSeen,
    AlertRecord,
    ClientRecord,
    ClientSeen,
    ContractState,
    Delivery,
    Finding,
    InboxItem,
    Interval,
    Known,
    Message,
    Mute,
    Note,
    PastContract,
    Problem,
    ProposalSeen,
    ScanRecord,
    Sender,
    Stage,
    VettingRecord,
    Workroom,
    jsonable,
    record_from_json,
)

SCHEMA_VERSION = 8
UNREAD = ""  # client_access.text of a profile a scan could not read (hidden: NULL): the access is unknown
LOGIN_BLOCK_KEY = "login_failed_at"  # meta: a login failed; no more attempts until `cwwatch login`

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scans (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL, finished_at TEXT NOT NULL, now_at TEXT NOT NULL,
  healthy INTEGER NOT NULL, problems TEXT NOT NULL, pages_loaded INTEGER NOT NULL,
  findings INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS contracts (
  id INTEGER PRIMARY KEY, title TEXT NOT NULL, client_id INTEGER NOT NULL,
  status_label TEXT NOT NULL, stage TEXT NOT NULL, escrow INTEGER, amount INTEGER,
  active INTEGER NOT NULL DEFAULT 1, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
  status_since TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS status_changes (
  contract_id INTEGER NOT NULL, status_label TEXT NOT NULL, stage TEXT NOT NULL,
  seen_at TEXT NOT NULL, scan_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
  contract_id INTEGER NOT NULL, key TEXT NOT NULL, sender TEXT NOT NULL, sender_id INTEGER,
  kind TEXT NOT NULL, sent_at TEXT NOT NULL, body TEXT NOT NULL, first_seen TEXT NOT NULL,
  PRIMARY KEY (contract_id, key));
CREATE INDEX IF NOT EXISTS messages_by_time ON messages (contract_id, sent_at);
CREATE TABLE IF NOT EXISTS clients (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS client_access (
  client_id INTEGER NOT NULL, observed_at TEXT NOT NULL, earliest TEXT, latest TEXT,
  text TEXT, scan_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS access_by_client ON client_access (client_id, observed_at);
CREATE TABLE IF NOT EXISTS alerts (
  key TEXT PRIMARY KEY, rule TEXT NOT NULL, contract_id INTEGER NOT NULL, stage INTEGER NOT NULL,
  since TEXT, notified_at TEXT NOT NULL, title TEXT NOT NULL, message TEXT NOT NULL,
  closed_at TEXT);
"""

# Each entry upgrades the schema from version (index + 1) to (index + 2).
_MIGRATIONS = [
    """
CREATE TABLE IF NOT EXISTS mutes (
  contract_id INTEGER PRIMARY KEY, until TEXT, until_reply_since TEXT, reason TEXT NOT NULL,
  created_at TEXT NOT NULL);
""",
    """
ALTER TABLE contracts ADD COLUMN thread_id INTEGER;
ALTER TABLE contracts ADD COLUMN loaded_at TEXT;
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, body TEXT NOT NULL, url TEXT NOT NULL,
  urgent INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inbox_seen (
  message_id INTEGER PRIMARY KEY, thread_id INTEGER NOT NULL, sent_at TEXT NOT NULL,
  is_replied INTEGER, first_seen TEXT NOT NULL);
""",
    """
ALTER TABLE messages ADD COLUMN site_id INTEGER;
ALTER TABLE contracts ADD COLUMN delivered_at TEXT;
ALTER TABLE contracts ADD COLUMN delivery_basis TEXT;
ALTER TABLE clients ADD COLUMN record TEXT;
""",
    """
ALTER TABLE messages ADD COLUMN removed_at TEXT;
""",
    """
CREATE TABLE IF NOT EXISTS proposals (
  id INTEGER PRIMARY KEY, title TEXT NOT NULL, job_id INTEGER, client_id INTEGER, thread_id INTEGER,
  client_wrote_at TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vettings (
  subject TEXT NOT NULL, subject_id INTEGER NOT NULL, client_id INTEGER NOT NULL, verdict TEXT NOT NULL,
  total INTEGER NOT NULL, signals TEXT NOT NULL, summary TEXT NOT NULL, advice TEXT NOT NULL,
  vetted_at TEXT NOT NULL, PRIMARY KEY (subject, subject_id));
""",
    # Delivery episodes (decide/delivery.py). contracts.delivered_at/delivery_basis stay as they were
    # (an older cwwatch's guess, kept, no longer read); _backfill_deliveries turns them into episodes.
    """
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT, contract_id INTEGER NOT NULL, basis TEXT NOT NULL,
  earliest TEXT NOT NULL, likely TEXT, likely_key TEXT NOT NULL DEFAULT '', latest TEXT NOT NULL,
  confirmed_at TEXT, confirmed_key TEXT NOT NULL DEFAULT '', confirmed_none INTEGER NOT NULL DEFAULT 0,
  confirmed_on TEXT, closed_at TEXT);
CREATE INDEX IF NOT EXISTS deliveries_by_contract ON deliveries (contract_id, id);
""",
    # A queued note's contract (NULL: about no one contract): its click leads to that contract's page
    # of the dashboard, and its 3-day mute button mutes that contract (notify/actions.py).
    """
ALTER TABLE outbox ADD COLUMN contract_id INTEGER;
""",
]
_DELIVERIES_FROM = 7  # the schema version that brought the deliveries table


def _iso(t: datetime | None) -> str | None:
    return t.astimezone(UTC).isoformat() if t else None


def _dt(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


# A stored message as the readers of the history get it: the columns in this order, then _message.
_MESSAGE_COLUMNS = "contract_id, sender, sent_at, body, kind, sender_id, key, site_id"
_SENDERS = {str(s): s for s in Sender}


def _message(r: sqlite3.Row) -> Message:
    """A row of ``_MESSAGE_COLUMNS`` (by position: a thread has dozens, a history thousands)."""
    return Message(_SENDERS[r[1]], datetime.fromisoformat(r[2]), r[3], r[4], r[5], r[6], r[7])


def _certain(d: Delivery | None) -> datetime | None:
    """The latest a delivery can have been (confirmed: that time): what the vetting may count."""
    if d is None:
        return None
    return d.confirmed_at if d.confirmed_at is not None else d.latest


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            new = not path.exists()
            if new:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(_("{path}: made by a newer cwwatch (schema {version}); upgrade cwwatch").format(
                    path=path, version=version))
            if version < SCHEMA_VERSION:
                with self.transaction():
                    scripts = ([_SCHEMA] if version == 0 else []) + _MIGRATIONS[max(version - 1, 0):]
                    for script in scripts:
                        for stmt in script.split(";"):
                            if stmt.strip():
                                self.db.execute(stmt)
                    if 0 < version < _DELIVERIES_FROM:
                        self._backfill_deliveries()
                    self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise StoreError(_("{path}: cannot open the history database ({error})").format(
                path=path, error=exc)) from None
        except OSError as exc:
            raise StoreError(_("{path}: cannot create the history database ({error})").format(
                path=path, error=exc.strerror)) from None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction: everything in it lands, or nothing does."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(_("{path}: the history is busy or unwritable ({error})").format(
                path=self.path, error=exc)) from None
        try:
            yield self.db
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.Error):  # e.g. the disk filled up in the middle
                raise StoreError(_("{path}: nothing was saved ({error})").format(path=self.path, error=exc)
                                 ) from None
            raise
        else:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise StoreError(_("{path}: could not save the scan; nothing was saved ({error})").format(
                    path=self.path, error=exc)) from None

    def _rollback(self) -> None:
        """Undo the open transaction (SQLite may already have, after a full disk or I/O error)."""
        with contextlib.suppress(sqlite3.Error):
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")

    # -- meta --------------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta(key, value) VALUES(?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))

    def clear_login_block(self) -> None:
        """Allow logins again (after `cwwatch login` succeeded)."""
        with self.transaction():
            self.db.execute("DELETE FROM meta WHERE key=?", (LOGIN_BLOCK_KEY,))

    # -- scans -------------------------------------------------------------------------------------

    def add_scan(self, started_at: datetime, now: datetime, healthy: bool,
                 problems: Iterable[Problem], pages_loaded: int, findings: int) -> int:
        cur = self.db.execute(
            "INSERT INTO scans(started_at, finished_at, now_at, healthy, problems, pages_loaded,"
            " findings) VALUES(?,?,?,?,?,?,?)",
            (_iso(started_at), _iso(wallclock.now()), _iso(now), int(healthy),
             json.dumps([p.to_json() for p in problems], ensure_ascii=False), pages_loaded,
             findings))
        return int(cur.lastrowid or 0)

    def recent_scans(self, limit: int = 20) -> list[ScanRecord]:
        rows = self.db.execute("SELECT * FROM scans ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [ScanRecord(r["id"], _dt(r["started_at"]), _dt(r["now_at"]), bool(r["healthy"]),  # type: ignore[arg-type]
                        json.loads(r["problems"]), r["pages_loaded"]) for r in rows]

    def consecutive_unhealthy(self) -> int:
        n = 0
        for (healthy,) in self.db.execute("SELECT healthy FROM scans ORDER BY id DESC"):
            if healthy:
                break
            n += 1
        return n

    # -- observations of a healthy scan ----------------------------------------------------------

    def next_scan_id(self) -> int:
        row = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name='scans'").fetchone()
        return (row[0] if row else 0) + 1

    def save_workroom(self, w: Workroom, seen_at: datetime, scan_id: int) -> tuple[Stage, datetime] | None:
        """What a healthy scan read of a contract page: its state and messages. Returns what the history
        held before: the stage and when a scan last saw the contract (UTC; None: a contract never seen);
        its delivery episodes are decided by the caller (``decide.delivery``) and kept by
        :meth:`open_delivery` / :meth:`close_delivery`."""
        stage = w.stage or Stage.IN_PROGRESS
        now = _iso(seen_at)
        old = self.db.execute("SELECT status_label, stage, last_seen FROM contracts WHERE id=?",
                              (w.contract_id,)).fetchone()
        changed = old is None or old["status_label"] != w.status_label
        escrow = None if w.escrow_deposited is None else int(w.escrow_deposited)
        self.db.execute(
            "INSERT INTO contracts(id, title, client_id, status_label, stage, escrow, amount,"
            " active, first_seen, last_seen, status_since) VALUES(?,?,?,?,?,?,?,1,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET title=excluded.title, client_id=excluded.client_id,"
            " status_label=excluded.status_label, stage=excluded.stage, escrow=excluded.escrow,"
            " amount=excluded.amount, active=1, last_seen=excluded.last_seen,"
            " status_since=CASE WHEN contracts.status_label=excluded.status_label"
            " THEN contracts.status_since ELSE excluded.status_since END",
            (w.contract_id, w.title, w.client_id, w.status_label, str(stage), escrow, w.amount,
             now, now, now))
        if changed:
            self.db.execute("INSERT INTO status_changes VALUES(?,?,?,?,?)",
                            (w.contract_id, w.status_label, str(stage), now, scan_id))
        self.db.execute("UPDATE contracts SET thread_id=?, loaded_at=? WHERE id=?",
                        (w.thread_id, now, w.contract_id))
        self.db.executemany(
            "INSERT INTO messages(contract_id, key, sender, sender_id, kind, sent_at,"
            " body, first_seen, site_id) VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(contract_id, key) DO UPDATE"
            " SET site_id=COALESCE(messages.site_id, excluded.site_id),"
            " kind=CASE WHEN excluded.kind='delivery' THEN 'delivery' ELSE messages.kind END",
            [(w.contract_id, m.key, str(m.sender), m.sender_id, m.kind, _iso(m.sent_at), m.body,
              now, m.id) for m in w.messages])
        if w.source == "json" or not (w.partial or w.folded):  # the whole thread: what is gone was removed
            keys = [m.key for m in w.messages]
            marks = ",".join("?" * len(keys)) or "''"
            self.db.execute(f"UPDATE messages SET removed_at=? WHERE contract_id=? AND removed_at IS NULL"
                            f" AND key NOT IN ({marks})", (now, w.contract_id, *keys))
            self.db.execute(f"UPDATE messages SET removed_at=NULL WHERE contract_id=? AND removed_at IS NOT NULL"
                            f" AND key IN ({marks})",
                            (w.contract_id, *keys))
        self.save_client_name(w.client_id, w.client_name, seen_at)
        return None if old is None else (Stage(old["stage"]), _dt(old["last_seen"]))  # type: ignore[return-value]

    # -- delivery episodes (decide/delivery.py decides them; the store keeps them) ----------------

    def _backfill_deliveries(self) -> None:
        """An older history's deliveries as episodes (the schema 7 migration): one per move into a
        delivered stage that status_changes holds, closed at the next move out of it (a finished
        contract's episode stays for the vetting). A move seen between two healthy scans is
        ``move_seen``; the older cwwatch's ``delivered_at`` is kept as the likely report of the last
        episode only where it lies inside that move (elsewhere it was my newest message, not a report).
        A contract already delivered when first seen is ``first_seen``, read as a new scan reads it
        (``decide.delivery.open_episode``, the default wording)."""
        for r in self.db.execute("SELECT id, stage, delivered_at, first_seen FROM contracts").fetchall():
            moves = [(m["seen_at"], Stage(m["stage"])) for m in self.db.execute(
                "SELECT seen_at, stage FROM status_changes WHERE contract_id=? ORDER BY seen_at, rowid", (r["id"],))]
            if not moves and Stage(r["stage"]).delivered:
                moves = [(r["first_seen"], Stage(r["stage"]))]
            episodes: list[list[str | None]] = []  # [moved at, closed at], oldest first
            for i, (at, stage) in enumerate(moves):
                if stage.delivered and (i == 0 or not moves[i - 1][1].delivered):
                    episodes.append([at, None])
                elif not stage.delivered and episodes and episodes[-1][1] is None:
                    episodes[-1][1] = at
            for n, (latest, closed) in enumerate(episodes):
                assert latest is not None
                if latest == moves[0][0]:  # delivered when first seen
                    d = delivery.open_episode(self.messages_of(r["id"]), _dt(latest), None)  # type: ignore[arg-type]
                    values = ("first_seen", _iso(d.earliest), _iso(d.likely), d.likely_key)
                else:
                    prev = self.db.execute("SELECT MAX(now_at) FROM scans WHERE healthy=1 AND now_at < ?",
                                           (latest,)).fetchone()[0] or latest
                    old = r["delivered_at"] if n == len(episodes) - 1 else None
                    likely = old if old and prev < old <= latest else None
                    key = self.db.execute("SELECT key FROM messages WHERE contract_id=? AND sender='worker'"
                                          " AND sent_at=? ORDER BY rowid DESC", (r["id"], likely)).fetchone()
                    values = ("move_seen", prev, likely if key else None, key[0] if key else "")
                self.db.execute("INSERT INTO deliveries(contract_id, basis, earliest, likely, likely_key, latest,"
                                " closed_at) VALUES(?,?,?,?,?,?,?)", (r["id"], *values, latest, closed))

    def open_delivery(self, contract_id: int, d: Delivery) -> None:
        """Keep a new delivery episode (any open one is closed first, at its ``latest``)."""
        self.close_delivery(contract_id, d.latest)
        self.db.execute(
            "INSERT INTO deliveries(contract_id, basis, earliest, likely, likely_key, latest) VALUES(?,?,?,?,?,?)",
            (contract_id, d.basis, _iso(d.earliest), _iso(d.likely), d.likely_key, _iso(d.latest)))

    def close_delivery(self, contract_id: int, at: datetime) -> None:
        """The contract left the delivered stages: its open episode ends."""
        self.db.execute("UPDATE deliveries SET closed_at=? WHERE contract_id=? AND closed_at IS NULL",
                        (_iso(at), contract_id))

    def confirm_delivery(self, episode: int, at: datetime | None, key: str, none: bool, on: datetime) -> None:
        """What the person said of an episode (``cwwatch delivered``): the time, the message (its key)
        or that no message was the report; ``at`` None with ``none`` False undoes it. The guesses stay."""
        self.db.execute("UPDATE deliveries SET confirmed_at=?, confirmed_key=?, confirmed_none=?, confirmed_on=?"
                        " WHERE id=?", (_iso(at), key, int(none), _iso(on) if (at or none) else None, episode))

    def delivery_of(self, contract_id: int) -> Delivery | None:
        """The contract's latest delivery episode (open or closed); None: never delivered."""
        r = self.db.execute("SELECT * FROM deliveries WHERE contract_id=? ORDER BY id DESC LIMIT 1",
                            (contract_id,)).fetchone()
        return None if r is None else self._delivery(r)

    def deliveries_of(self, contract_id: int) -> list[Delivery]:
        """Every delivery episode of the contract, oldest first."""
        return [self._delivery(r) for r in self.db.execute(
            "SELECT * FROM deliveries WHERE contract_id=? ORDER BY id", (contract_id,))]

    @staticmethod
    def _delivery(r: sqlite3.Row) -> Delivery:
        return Delivery(_dt(r["earliest"]), _dt(r["latest"]), r["basis"], likely=_dt(r["likely"]),  # type: ignore[arg-type]
                        likely_key=r["likely_key"], confirmed_at=_dt(r["confirmed_at"]),
                        confirmed_key=r["confirmed_key"], confirmed_none=bool(r["confirmed_none"]),
                        episode=r["id"], closed_at=_dt(r["closed_at"]))

    def save_client_name(self, client_id: int, name: str, seen_at: datetime) -> None:
        now = _iso(seen_at)
        self.db.execute(
            "INSERT INTO clients(id, name, first_seen, last_seen) VALUES(?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET name=excluded.name, last_seen=excluded.last_seen",
            (client_id, name, now, now))

    def save_client_seen(self, seen: ClientSeen, scan_id: int) -> None:
        """A profile read: the last access (hidden: no interval, no text; a wording nobody could read:
        no interval, the text) and the client's record as the profile showed it."""
        self.save_client_name(seen.client_id, seen.name, seen.observed_at)
        self.db.execute("UPDATE clients SET record=? WHERE id=?",
                        (json.dumps(jsonable(seen.record), ensure_ascii=False), seen.client_id))
        iv = seen.last_access
        text = seen.last_access_text if iv is not None else seen.last_access_unreadable
        self.db.execute(
            "INSERT INTO client_access VALUES(?,?,?,?,?,?)",
            (seen.client_id, _iso(seen.observed_at), _iso(iv.earliest) if iv else None,
             _iso(iv.latest) if iv else None, text, scan_id))

    def save_client_unread(self, client_id: int, observed_at: datetime, scan_id: int) -> None:
        """A profile this scan could not read: the last access is unknown from now on (no interval, the
        text ``UNREAD``), so no rule reads an older observation as today's. It does not count as a read
        (``profiles_observed_at``): the next scan reads the profile again."""
        self.db.execute("INSERT INTO client_access VALUES(?,?,?,?,?,?)",
                        (client_id, _iso(observed_at), None, None, UNREAD, scan_id))

    def save_inbox_seen(self, items: Iterable[InboxItem], seen_at: datetime) -> None:
        self.db.executemany(
            "INSERT INTO inbox_seen(message_id, thread_id, sent_at, is_replied, first_seen)"
            " VALUES(?,?,?,?,?) ON CONFLICT(message_id) DO UPDATE SET is_replied=excluded.is_replied",
            [(i.message_id, i.thread_id, _iso(i.sent_at), None if i.is_replied is None else int(i.is_replied),
              _iso(seen_at)) for i in items])

    def inbox_seen_ids(self) -> set[int]:
        return {r[0] for r in self.db.execute("SELECT message_id FROM inbox_seen")}

    def touch_contracts(self, ids: Iterable[int], seen_at: datetime) -> None:
        """Contracts seen on the list unchanged (their workroom was not loaded)."""
        self.db.executemany("UPDATE contracts SET last_seen=?, active=1 WHERE id=?",
                            [(_iso(seen_at), i) for i in ids])

    def mark_inactive_except(self, active_ids: Iterable[int]) -> list[int]:
        """Contracts no longer on the active list: they ended (or moved to another list)."""
        ids = set(active_ids)
        gone = [r[0] for r in self.db.execute("SELECT id FROM contracts WHERE active=1")
                if r[0] not in ids]
        self.db.executemany("UPDATE contracts SET active=0 WHERE id=?", [(i,) for i in gone])
        return gone

    # -- reading the history -----------------------------------------------------------------------

    def known_contracts(self, threads: dict[int, list[Message]] | None = None) -> dict[int, Known]:
        """What a scan needs to decide which workrooms can have changed; ``threads``: the active
        contracts' threads when already read (:meth:`threads`)."""
        if threads is None:
            threads = self.threads()
        out: dict[int, Known] = {}
        for r in self.db.execute("SELECT id, client_id, status_label, thread_id, loaded_at FROM contracts"
                                 " WHERE active=1"):
            msgs = threads.get(r["id"], [])
            talk = [m for m in msgs if m.sender is not Sender.SYSTEM]
            client_times = [m.sent_at for m in msgs if m.sender is Sender.CLIENT]
            out[r["id"]] = Known(
                contract_id=r["id"], client_id=r["client_id"], status_label=r["status_label"],
                thread_id=r["thread_id"], last_message_at=max((m.sent_at for m in msgs), default=None),
                last_client_message_at=max(client_times, default=None),
                client_spoke_last=bool(talk) and talk[-1].sender is Sender.CLIENT,
                loaded_at=_dt(r["loaded_at"]))
        return out

    def last_healthy_time(self) -> datetime | None:
        row = self.db.execute("SELECT now_at FROM scans WHERE healthy=1 ORDER BY id DESC LIMIT 1").fetchone()
        return _dt(row[0]) if row else None

    def profiles_observed_at(self) -> dict[int, datetime]:
        return {r[0]: _dt(r[1]) for r in self.db.execute(  # type: ignore[misc]
            "SELECT client_id, MAX(observed_at) FROM client_access WHERE text IS NULL OR text != ? "
            "GROUP BY client_id", (UNREAD,))}

    def active_contract_ids(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM contracts WHERE active=1 ORDER BY id")]

    def contracts_with_delivery(self) -> set[int]:
        """The contracts with an open delivery episode (their thread need not be unfolded to date it)."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT contract_id FROM deliveries WHERE closed_at IS NULL")}

    def messages_of(self, contract_id: int) -> list[Message]:
        """The thread as last read (messages removed since are left out), oldest first."""
        return [_message(r) for r in self.db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE contract_id=? AND removed_at IS NULL "
            "ORDER BY sent_at, rowid", (contract_id,))]

    def threads(self) -> dict[int, list[Message]]:
        """The active contracts' threads as :meth:`messages_of` reads each, in one query: contract id ->
        messages oldest first (a contract without any is left out)."""
        out: dict[int, list[Message]] = {}
        for r in self.db.execute(
                f"SELECT {', '.join('m.' + c for c in _MESSAGE_COLUMNS.split(', '))} FROM messages m"
                " JOIN contracts c ON c.id=m.contract_id WHERE c.active=1 AND m.removed_at IS NULL"
                " ORDER BY m.contract_id, m.sent_at, m.rowid"):
            out.setdefault(r[0], []).append(_message(r))
        return out

    def removed_messages(self, contract_id: int) -> list[tuple[Message, datetime]]:
        """Messages a scan once read that a later whole read no longer showed (removed by the desk
        after a report, or deleted by their sender), with when that was first seen."""
        return [(Message(Sender(r["sender"]), _dt(r["sent_at"]), r["body"], r["kind"],  # type: ignore[arg-type]
                         r["sender_id"], r["key"], r["site_id"]), _dt(r["removed_at"]))  # type: ignore[misc]
                for r in self.db.execute("SELECT * FROM messages WHERE contract_id=? AND removed_at IS NOT NULL"
                                         " ORDER BY sent_at, rowid", (contract_id,))]

    def latest_access(self, client_id: int) -> AccessSeen | None:
        r = self.db.execute("SELECT * FROM client_access WHERE client_id=? "
                            "ORDER BY observed_at DESC, rowid DESC LIMIT 1", (client_id,)).fetchone()
        if r is None:
            return None
        iv = (Interval(_dt(r["earliest"]), _dt(r["latest"]))  # type: ignore[arg-type]
              if r["earliest"] else None)
        return AccessSeen(iv, r["text"], _dt(r["observed_at"]))  # type: ignore[arg-type]

    def _state(self, r: sqlite3.Row, messages: list[Message] | None = None) -> ContractState:
        """``messages``: the thread when already read (else read here)."""
        return ContractState(
            contract_id=r["id"], title=r["title"], client_id=r["client_id"],
            client_name=r["client_name"] or str(r["client_id"]), stage=Stage(r["stage"]),
            status_label=r["status_label"],
            escrow_deposited=None if r["escrow"] is None else bool(r["escrow"]),
            messages=tuple(self.messages_of(r["id"]) if messages is None else messages),
            status_since=_dt(r["status_since"]),  # type: ignore[arg-type]
            access=self.latest_access(r["client_id"]),
            amount=r["amount"], active=bool(r["active"]),
            delivery=self.delivery_of(r["id"]),
        )

    def contract_states(self) -> list[ContractState]:
        """The active contracts, as the rules see them, by id."""
        threads = self.threads()
        return [self._state(r, threads.get(r["id"], [])) for r in self.db.execute(
            "SELECT c.*, cl.name AS client_name FROM contracts c "
            "LEFT JOIN clients cl ON cl.id=c.client_id WHERE c.active=1 ORDER BY c.id")]

    def contract_state(self, contract_id: int) -> ContractState | None:
        """One contract, active or no longer listed; None when the history never saw it."""
        r = self.db.execute(
            "SELECT c.*, cl.name AS client_name FROM contracts c LEFT JOIN clients cl"
            " ON cl.id=c.client_id WHERE c.id=?", (contract_id,)).fetchone()
        return None if r is None else self._state(r)

    # -- the alert ledger --------------------------------------------------------------------------

    def notified_keys(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT key FROM alerts")}

    @staticmethod
    def _alert(r: sqlite3.Row) -> AlertRecord:
        return AlertRecord(r["key"], r["rule"], r["contract_id"], r["stage"], _dt(r["since"]),
                           _dt(r["notified_at"]), r["title"], r["message"], _dt(r["closed_at"]))  # type: ignore[arg-type]

    def open_alerts(self) -> list[AlertRecord]:
        return [self._alert(r) for r in self.db.execute("SELECT * FROM alerts WHERE closed_at IS NULL")]

    def record_alert(self, key: str, rule: str, contract_id: int, stage: int,
                     since: datetime | None, title: str, message: str, at: datetime) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO alerts(key, rule, contract_id, stage, since, notified_at, title,"
            " message) VALUES(?,?,?,?,?,?,?,?)",
            (key, rule, contract_id, stage, _iso(since), _iso(at), title, message))

    def record_finding_alert(self, f: Finding, at: datetime) -> None:
        self.record_alert(f.key, f.rule, f.contract_id, f.stage, f.since, f.title, f.message, at)

    def close_alerts(self, keys: Iterable[str], at: datetime) -> None:
        self.db.executemany("UPDATE alerts SET closed_at=? WHERE key=? AND closed_at IS NULL",
                            [(_iso(at), k) for k in keys])

    # -- mutes and snoozes -------------------------------------------------------------------------

    def set_mute(self, contract_id: int, until: datetime | None, until_reply_since: datetime | None,
                 reason: str, at: datetime) -> None:
        """Hold a contract's notifications until ``until``, or (a snooze) until the client replies
        to the wait that began at ``until_reply_since``."""
        self.db.execute(
            "INSERT INTO mutes(contract_id, until, until_reply_since, reason, created_at)"
            " VALUES(?,?,?,?,?) ON CONFLICT(contract_id) DO UPDATE SET until=excluded.until,"
            " until_reply_since=excluded.until_reply_since, reason=excluded.reason,"
            " created_at=excluded.created_at",
            (contract_id, _iso(until), _iso(until_reply_since), reason, _iso(at)))

    def clear_mute(self, contract_id: int) -> bool:
        return self.db.execute("DELETE FROM mutes WHERE contract_id=?", (contract_id,)).rowcount > 0

    def mutes(self) -> dict[int, Mute]:
        return {r["contract_id"]: Mute(_dt(r["until"]), _dt(r["until_reply_since"]), r["reason"] or "",
                                       _dt(r["created_at"]))  # type: ignore[arg-type]
                for r in self.db.execute("SELECT * FROM mutes")}

    # -- history for people (status, report) -------------------------------------------------------

    def status_history(self, contract_id: int) -> list[tuple[datetime, str]]:
        return [(_dt(r["seen_at"]), r["status_label"]) for r in self.db.execute(  # type: ignore[misc]
            "SELECT seen_at, status_label FROM status_changes WHERE contract_id=?"
            " ORDER BY seen_at, rowid", (contract_id,))]

    def access_history(self, client_id: int) -> list[AccessSeen]:
        out = []
        for r in self.db.execute("SELECT * FROM client_access WHERE client_id=?"
                                 " ORDER BY observed_at, rowid", (client_id,)):
            iv = Interval(_dt(r["earliest"]), _dt(r["latest"])) if r["earliest"] else None  # type: ignore[arg-type]
            out.append(AccessSeen(iv, r["text"], _dt(r["observed_at"])))  # type: ignore[arg-type]
        return out

    def alerts_of(self, contract_id: int) -> list[AlertRecord]:
        return [self._alert(r) for r in self.db.execute(
            "SELECT * FROM alerts WHERE contract_id=? ORDER BY notified_at", (contract_id,))]

    # -- clients: their record, and my history with them ------------------------------------------

    def client_record(self, client_id: int) -> tuple[str, ClientRecord] | None:
        """The client's name and record as the last profile read showed them; None: never read."""
        r = self.db.execute("SELECT name, record FROM clients WHERE id=?", (client_id,)).fetchone()
        if r is None or r["record"] is None:
            return None
        return r["name"], record_from_json(json.loads(r["record"]))

    def client_name(self, client_id: int) -> str | None:
        r = self.db.execute("SELECT name FROM clients WHERE id=?", (client_id,)).fetchone()
        return None if r is None else r["name"]

    def past_contracts(self, client_id: int, exclude: int | None = None) -> list[PastContract]:
        """Every contract the history holds with this client (but ``exclude``), for the vetting."""
        out = []
        for r in self.db.execute("SELECT * FROM contracts WHERE client_id=? ORDER BY first_seen", (client_id,)):
            cid = r["id"]
            if cid == exclude:
                continue
            stages = tuple((_dt(x["seen_at"]), Stage(x["stage"])) for x in self.db.execute(
                "SELECT seen_at, stage FROM status_changes WHERE contract_id=? ORDER BY seen_at, rowid", (cid,)))
            rules = tuple(x["rule"] for x in self.db.execute(
                "SELECT rule FROM alerts WHERE contract_id=? ORDER BY notified_at", (cid,)))
            out.append(PastContract(cid, _dt(r["first_seen"]), _dt(r["last_seen"]),  # type: ignore[arg-type]
                                    bool(r["active"]), stages, tuple(self.messages_of(cid)),  # type: ignore[arg-type]
                                    _certain(self.delivery_of(cid)), rules))
        return out

    # -- applications and verdicts -----------------------------------------------------------------

    def known_proposals(self) -> dict[int, ProposalSeen]:
        return {r["id"]: ProposalSeen(r["id"], r["title"], r["job_id"], r["client_id"], r["thread_id"],
                                      _dt(r["client_wrote_at"]), _dt(r["first_seen"]))
                for r in self.db.execute("SELECT * FROM proposals")}

    def save_proposal(self, p: ProposalSeen, seen_at: datetime) -> None:
        self.db.execute(
            "INSERT INTO proposals(id, title, job_id, client_id, thread_id, client_wrote_at, first_seen, last_seen)"
            " VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET title=excluded.title,"
            " job_id=COALESCE(excluded.job_id, job_id), client_id=COALESCE(excluded.client_id, client_id),"
            " thread_id=COALESCE(excluded.thread_id, thread_id),"
            " client_wrote_at=COALESCE(client_wrote_at, excluded.client_wrote_at), last_seen=excluded.last_seen",
            (p.proposal_id, p.title, p.job_id, p.client_id, p.thread_id, _iso(p.client_wrote_at),
             _iso(seen_at), _iso(seen_at)))

    def save_vetting(self, v: VettingRecord) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO vettings VALUES(?,?,?,?,?,?,?,?,?)",
            (v.subject, v.subject_id, v.client_id, v.verdict, v.total,
             json.dumps(list(v.signals), ensure_ascii=False), v.summary, json.dumps(list(v.advice), ensure_ascii=False),
             _iso(v.vetted_at)))

    def vettings(self, subject: str) -> dict[int, VettingRecord]:
        return {r["subject_id"]: VettingRecord(
            r["subject"], r["subject_id"], r["client_id"], r["verdict"], r["total"],
            tuple(json.loads(r["signals"])), r["summary"], tuple(json.loads(r["advice"])),
            _dt(r["vetted_at"]))  # type: ignore[arg-type]
            for r in self.db.execute("SELECT * FROM vettings WHERE subject=?", (subject,))}

    # -- the outbox: notifications decided in a scan's transaction, delivered after it ------------

    def enqueue(self, note: Note, at: datetime) -> None:
        self.db.execute("INSERT INTO outbox(title, body, url, urgent, contract_id, created_at) VALUES(?,?,?,?,?,?)",
                        (note.title, note.body, note.url, int(note.urgent), note.contract_id, _iso(at)))

    def pending(self) -> list[tuple[int, Note]]:
        return [(r["id"], Note(r["title"], r["body"], r["url"], bool(r["urgent"]), r["contract_id"]))
                for r in self.db.execute("SELECT * FROM outbox ORDER BY id")]

    def waiting(self) -> tuple[int, datetime | None]:
        """Notes no channel has taken yet: how many, and when the oldest was queued (UTC)."""
        r = self.db.execute("SELECT COUNT(*), MIN(created_at) FROM outbox").fetchone()
        return int(r[0]), (datetime.fromisoformat(r[1]) if r[1] else None)

    def delivered(self, note_id: int) -> None:
        self.db.execute("DELETE FROM outbox WHERE id=?", (note_id,))

    def personal_strings(self) -> set[str]:
        """Names, titles and message bodies the history holds: what redaction must remove."""
        out: set[str] = set()
        for sql in ("SELECT name FROM clients", "SELECT title FROM contracts", "SELECT body FROM messages",
                    "SELECT title FROM proposals"):
            out |= {r[0] for r in self.db.execute(sql) if r[0]}
        return out

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
