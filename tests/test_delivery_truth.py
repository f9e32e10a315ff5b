"""Issue 17, "Delivery truth": the delivery as an interval with its basis, per episode; the rules on
intervals; the person's confirmation; the drafts that never state a guess as a fact.

A history is built the way scans build it (``scan.record``'s workroom step into a real store, one
transaction per scan), without a browser: each situation of the issue is a few scans of one contract.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.browserless import HttpHarness
from tests.sitefixtures import harnesses
from watcher import i18n
from watcher.cli.main import main
from watcher.decide.delivery import DELIVERY_WORDS
from watcher.decide.rules import Policy, evaluate
from watcher.errors import ConfigError
from watcher.jptime import JST
from watcher.models import ContractState, Delivery, Message, Sender, Stage, Workroom
from watcher.paths import HOME_ENV, Paths
from watcher.report import drafts
from watcher.report.history import build_timeline
from watcher.report.words import delivery_words
from watcher.sample.scenario import SMessage, load_scenario
from watcher.scan.record import _save_workroom
from watcher.store import _MIGRATIONS, _SCHEMA, Store

pytestmark = pytest.mark.usefixtures("english")

CID = 963700001
LABEL = {Stage.IN_PROGRESS: "進行中", Stage.IN_ACCEPTANCE: "検収中", Stage.FINISHED: "完了"}
WEEK = timedelta(days=7)
S = timedelta(seconds=1)


def jst(*a: int) -> datetime:
    return datetime(*a, tzinfo=JST)


def utc(t: datetime) -> str:
    """A time as the store and the JSON keep it."""
    return t.astimezone(UTC).isoformat()


def mine(at: datetime, body: str, n: int) -> Message:
    return Message(Sender.WORKER, at, body, key=f"m{n}", id=100 + n)


def theirs(at: datetime, body: str, n: int) -> Message:
    return Message(Sender.CLIENT, at, body, key=f"c{n}", id=200 + n)


START = Message(Sender.SYSTEM, jst(2026, 11, 20, 10), "契約が成立しました。", "system", key="s0")


class History:
    """One contract's history, scan by scan, in a real store (what ``scan.record`` writes)."""

    def __init__(self, path: Path) -> None:
        self.store = Store(path)

    def scan(self, at: datetime, stage: Stage, *messages: Message) -> None:
        room = Workroom(CID, "記事作成", 900001, "株式会社テスト", LABEL[stage], stage, True, 10000,
                        (START, *messages), source="json")
        with self.store.transaction():
            sid = self.store.next_scan_id()
            _save_workroom(self.store, room, SimpleNamespace(now=at), sid, DELIVERY_WORDS)  # type: ignore[arg-type]
            self.store.add_scan(at, at, True, [], 1, 0)

    def state(self) -> ContractState:
        s = self.store.contract_state(CID)
        assert s is not None
        return s

    def rules(self, now: datetime) -> dict[str, object]:
        return {f.rule: f for f in evaluate([self.state()], now)}


@pytest.fixture
def hist(tmp_path: Path):
    h = History(tmp_path / "h.sqlite3")
    yield h
    h.store.close()


# -- 1. first seen, with a delivery wording and a later reminder ---------------------------------

DELIVERED = jst(2026, 12, 1, 10)
REPORT = mine(DELIVERED, "記事5本を納品いたします。ご査収のほどよろしくお願いいたします。", 1)
REMINDER = mine(jst(2026, 12, 5, 10), "お忙しいところ恐れ入ります。ご確認いただけましたら幸いです。", 2)


def test_first_seen_with_a_delivery_wording_and_a_later_reminder_is_overdue_as_likely(hist):
    hist.scan(jst(2026, 12, 9, 12), Stage.IN_ACCEPTANCE, REPORT, REMINDER)
    d = hist.state().delivery
    assert d is not None and (d.basis, d.likely, d.likely_key, d.latest) == (
        "first_seen", DELIVERED, "m1", jst(2026, 12, 9, 12))
    found = hist.rules(jst(2026, 12, 9, 12))
    f = found["acceptance_overdue"]
    assert f.since == DELIVERED and f.deadline == DELIVERED + WEEK  # type: ignore[attr-defined]
    assert "seems to be your message of 2026-12-01" in f.message and "cwwatch delivered 963700001" in f.message  # type: ignore[attr-defined]
    assert f.to_json()["delivery"] == {  # type: ignore[attr-defined]
        "earliest": utc(START.sent_at), "likely": utc(DELIVERED), "latest": utc(jst(2026, 12, 9, 12)),
        "basis": "first_seen"}
    # The wait's next step says the 連絡催促 window is over only as the guess it is.
    assert "If the delivery was your message of 2026-12-01 (a guess)" in found["no_reply"].message  # type: ignore[attr-defined]
    # The timeline marks the likely report, not the reminder, and says it is likely.
    events = build_timeline(hist.state().messages, [], [], hist.state().delivery)
    marked = [e for e in events if e.kind == "delivery"]
    assert [(e.at, e.basis) for e in marked] == [(DELIVERED, "first_seen")]


def test_the_japanese_findings_join_their_sentences_without_a_latin_space(hist):
    hist.scan(jst(2026, 12, 9, 12), Stage.IN_ACCEPTANCE, REPORT, REMINDER)
    i18n.use("ja")
    try:
        overdue = hist.rules(jst(2026, 12, 9, 12))["acceptance_overdue"].message  # type: ignore[attr-defined]
        due = hist.rules(jst(2026, 12, 6, 12))["acceptance_due"].message  # type: ignore[attr-defined]
    finally:
        i18n.use("en")
    for message in (overdue, due):
        assert "cwwatch delivered 963700001" in message and "。 " not in message, message


# -- 2. first seen with nothing telling ------------------------------------------------------------

QUIET = (mine(jst(2026, 12, 1, 10), "よろしくお願いいたします。", 1),
         mine(jst(2026, 12, 2, 10), "ご確認いただけましたら幸いです。", 2))
FIRST = jst(2026, 12, 9, 12)


def test_first_seen_with_nothing_telling_asks_the_person_and_finds_no_acceptance(hist):
    hist.scan(FIRST, Stage.IN_ACCEPTANCE, *QUIET)
    found = hist.rules(FIRST)
    assert "delivery_unconfirmed" in found and not {r for r in found if r.startswith("acceptance")}
    f = found["delivery_unconfirmed"]
    assert "2026-12-01 10:00" in f.message and "cwwatch delivered 963700001" in f.message  # type: ignore[attr-defined]
    assert f.since == FIRST  # type: ignore[attr-defined]  # once per episode
    assert hist.rules(FIRST + timedelta(days=2))["delivery_unconfirmed"].key == f.key  # type: ignore[attr-defined]
    # A week after the first scan it has certainly passed, whatever the delivery's time.
    later = hist.rules(FIRST + WEEK)
    assert "acceptance_overdue" in later and "certainly" in later["acceptance_overdue"].message  # type: ignore[attr-defined]
    assert "acceptance_overdue" not in hist.rules(FIRST + WEEK - S)


# -- 3. an empty delivery text between two scans ---------------------------------------------------

ANNOUNCE = mine(jst(2026, 11, 25, 10), "来週、納品の予定です。", 1)
BEFORE, MOVED = jst(2026, 12, 1, 12), jst(2026, 12, 2, 12)


def test_an_empty_delivery_text_between_two_scans_waits_for_the_interval(hist):
    hist.scan(BEFORE, Stage.IN_PROGRESS, ANNOUNCE)
    hist.scan(MOVED, Stage.IN_ACCEPTANCE, ANNOUNCE)
    d = hist.state().delivery
    assert d is not None and (d.basis, d.earliest, d.latest, d.likely) == ("move_seen", BEFORE, MOVED, None)
    assert delivery_words(d) == "between 2026-12-01 12:00 JST and 2026-12-02 12:00 JST (an empty delivery report)"
    for now in (BEFORE + WEEK - S, BEFORE + WEEK, MOVED + WEEK - S):  # never from the older message
        assert "acceptance_overdue" not in hist.rules(now), now
    assert "acceptance_overdue" in hist.rules(MOVED + WEEK)
    assert "delivery_unconfirmed" not in hist.rules(MOVED)  # a seen move is not asked about


def test_a_message_inside_a_seen_move_is_the_likely_report(hist):
    hist.scan(BEFORE, Stage.IN_PROGRESS, ANNOUNCE)
    report = mine(BEFORE + timedelta(hours=3), "修正版です。", 2)
    hist.scan(MOVED, Stage.IN_ACCEPTANCE, ANNOUNCE, report)
    d = hist.state().delivery
    assert d is not None and (d.likely, d.likely_key) == (report.sent_at, "m2")
    assert "acceptance_overdue" in hist.rules(report.sent_at + WEEK)
    assert "acceptance_overdue" not in hist.rules(report.sent_at + WEEK - S)


# -- 4. the person confirms ------------------------------------------------------------------------

def _cli(home: Path, *argv: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
         ) -> tuple[int, str]:
    monkeypatch.setenv(HOME_ENV, str(home))
    code = main(["delivered", str(CID), *argv])
    printed = capsys.readouterr()
    return code, printed.out + printed.err


@pytest.fixture
def home_hist(tmp_path: Path):
    paths = Paths.under(tmp_path)
    paths.db_file.parent.mkdir(parents=True, exist_ok=True)
    h = History(paths.db_file)
    yield tmp_path, h
    h.store.close()


def test_confirmed_by_message_wins_and_can_be_undone(home_hist, monkeypatch, capsys):
    home, hist = home_hist
    hist.scan(FIRST, Stage.IN_ACCEPTANCE, *QUIET)
    code, out = _cli(home, "--now", FIRST.isoformat(), monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and "101" in out and "102" in out and "よろしくお願いいたします" in out
    code, out = _cli(home, "--message", "102", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and "2026-12-02 10:00 JST (confirmed)" in out
    found = hist.rules(FIRST)
    assert "delivery_unconfirmed" not in found
    assert found["acceptance_overdue"].deadline == QUIET[1].sent_at + WEEK  # type: ignore[attr-defined]
    assert found["acceptance_overdue"].to_json()["delivery"]["basis"] == "confirmed"  # type: ignore[attr-defined]
    d = hist.state().delivery
    assert d is not None and d.likely is None and d.latest == FIRST  # the guesses stay as they were
    code, _out = _cli(home, "--undo", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and "delivery_unconfirmed" in hist.rules(FIRST)


def test_confirmed_by_time_and_refused_outside_what_was_seen(home_hist, monkeypatch, capsys):
    home, hist = home_hist
    hist.scan(FIRST, Stage.IN_ACCEPTANCE, *QUIET)
    code, out = _cli(home, "--at", "2026-12-05T09:30", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and "2026-12-05 09:30 JST (confirmed)" in out
    f = hist.rules(jst(2026, 12, 12, 9, 30))["acceptance_overdue"]
    assert f.deadline == jst(2026, 12, 12, 9, 30) and "delivered on 2026-12-05" in f.message  # type: ignore[attr-defined]
    assert "acceptance_overdue" not in hist.rules(jst(2026, 12, 12, 9, 29))
    code, out = _cli(home, "--at", "2026-12-10T09:00", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and "outside what cwwatch saw" in out
    code = main(["delivered", str(CID), "--message", "999"])
    assert code == 2 and "not one of the messages" in capsys.readouterr().err


def test_an_empty_option_value_is_a_one_line_error_not_the_list(home_hist, monkeypatch, capsys):
    home, hist = home_hist
    hist.scan(FIRST, Stage.IN_ACCEPTANCE, *QUIET)
    for option in ("--message", "--at"):
        code, out = _cli(home, option, "", monkeypatch=monkeypatch, capsys=capsys)
        assert code == 2 and out.count("\n") == 1 and out.startswith("cwwatch:"), out
    assert hist.state().delivery.confirmed_at is None  # type: ignore[union-attr]


def test_a_time_before_the_thread_begins_is_refused_for_a_first_seen_delivery(home_hist, monkeypatch, capsys):
    home, hist = home_hist
    hist.scan(FIRST, Stage.IN_ACCEPTANCE, *QUIET)
    code, out = _cli(home, "--at", "2026-10-20T09:00", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and "before the contract's thread begins (2026-11-20 10:00 JST)" in out, out
    assert hist.state().delivery.confirmed_at is None  # type: ignore[union-attr]


def test_none_says_no_message_was_the_report(home_hist, monkeypatch, capsys):
    home, hist = home_hist
    hist.scan(jst(2026, 12, 9, 12), Stage.IN_ACCEPTANCE, REPORT, REMINDER)
    code, out = _cli(home, "--none", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and "as you said" in out
    assert "acceptance_overdue" not in hist.rules(jst(2026, 12, 9, 12))  # the likely report is set aside
    assert "delivery_unconfirmed" not in hist.rules(jst(2026, 12, 9, 12))


# -- 5. around the week: a client message, a rejection and re-delivery, 完了 ------------------------

def test_rejection_and_an_empty_redelivery_start_a_new_week(hist):
    first = mine(BEFORE + timedelta(hours=1), "納品いたします。", 1)
    hist.scan(BEFORE, Stage.IN_PROGRESS)
    hist.scan(MOVED, Stage.IN_ACCEPTANCE, first)
    fix = theirs(jst(2026, 12, 3, 10), "修正をお願いします。", 1)
    hist.scan(jst(2026, 12, 3, 12), Stage.IN_PROGRESS, first, fix)
    assert hist.store.deliveries_of(CID)[0].closed_at == jst(2026, 12, 3, 12)
    assert not hist.rules(first.sent_at + WEEK)  # rejected: no week runs
    again = jst(2026, 12, 4, 12)
    hist.scan(again, Stage.IN_ACCEPTANCE, first, fix)  # re-delivered with an empty text
    episodes = hist.store.deliveries_of(CID)
    assert len(episodes) == 2 and episodes[1].earliest == jst(2026, 12, 3, 12) and episodes[1].likely is None
    assert "acceptance_overdue" not in hist.rules(first.sent_at + WEEK + timedelta(days=2))
    assert "acceptance_overdue" in hist.rules(again + WEEK)
    hist.scan(again + timedelta(days=1), Stage.FINISHED, first, fix)
    assert hist.store.deliveries_of(CID)[1].closed_at is not None and not hist.rules(again + WEEK)


def test_a_client_message_in_acceptance_ends_the_wait_not_the_week(hist):
    hist.scan(BEFORE, Stage.IN_PROGRESS)
    report = mine(BEFORE + timedelta(hours=1), "納品いたします。", 1)
    hist.scan(MOVED, Stage.IN_ACCEPTANCE, report)
    ack = theirs(report.sent_at + timedelta(days=1), "確認いたします。", 1)
    hist.scan(MOVED + timedelta(days=2), Stage.IN_ACCEPTANCE, report, ack)
    found = hist.rules(report.sent_at + WEEK)
    assert "acceptance_overdue" in found and not {"quiet_client", "client_away", "no_reply"} & set(found)


# -- the store keeps it: migration of an older history ---------------------------------------------

def test_an_older_history_becomes_episodes_without_losing_anything(tmp_path):
    f = tmp_path / "h.sqlite3"
    db = sqlite3.connect(f)
    db.executescript(_SCHEMA)
    for script in _MIGRATIONS[:5]:
        db.executescript(script)
    db.execute("PRAGMA user_version=6")
    iso = utc
    db.execute("INSERT INTO scans(started_at, finished_at, now_at, healthy, problems, pages_loaded) VALUES"
               " (?,?,?,1,'[]',1), (?,?,?,1,'[]',1)", (iso(BEFORE), iso(BEFORE), iso(BEFORE),
                                                       iso(MOVED), iso(MOVED), iso(MOVED)))
    db.execute("INSERT INTO contracts(id, title, client_id, status_label, stage, active, first_seen, last_seen,"
               " status_since, delivered_at, delivery_basis) VALUES (?,?,?,?,?,1,?,?,?,?,?)",
               (CID, "記事", 1, "検収中", "in_acceptance", iso(BEFORE), iso(MOVED), iso(MOVED),
                iso(ANNOUNCE.sent_at), "move_seen"))
    db.execute("INSERT INTO status_changes VALUES (?,?,?,?,1), (?,?,?,?,2)",
               (CID, "進行中", "in_progress", iso(BEFORE), CID, "検収中", "in_acceptance", iso(MOVED)))
    db.execute("INSERT INTO messages(contract_id, key, sender, kind, sent_at, body, first_seen) VALUES"
               " (?,?,?,?,?,?,?)", (CID, "m1", "worker", "message", iso(ANNOUNCE.sent_at), ANNOUNCE.body, iso(BEFORE)))
    db.commit()
    db.close()
    s = Store(f)
    try:
        d = s.delivery_of(CID)
        # The older guess (my newest message, before the move) is no report: the interval stays.
        assert d is not None and (d.basis, d.earliest, d.latest, d.likely) == ("move_seen", BEFORE, MOVED, None)
        row = s.db.execute("SELECT delivered_at, delivery_basis FROM contracts").fetchone()
        assert tuple(row) == (iso(ANNOUNCE.sent_at), "move_seen")  # kept as it was
        assert "acceptance_overdue" not in {x.rule for x in evaluate(s.contract_states(), BEFORE + WEEK)}
    finally:
        s.close()


def test_an_older_history_keeps_its_finished_deliveries_and_reads_a_first_scan_like_a_new_one(tmp_path):
    """The schema 7 migration makes episodes of every delivery the older history saw, not only of the
    contracts still in acceptance (the vetting counts a finished contract's late acceptance), and a
    contract first seen in acceptance gets the likely report a new scan would give it."""
    f = tmp_path / "h.sqlite3"
    db = sqlite3.connect(f)
    db.executescript(_SCHEMA)
    for script in _MIGRATIONS[:5]:
        db.executescript(script)
    db.execute("PRAGMA user_version=6")
    iso, done, other = utc, MOVED + timedelta(days=10), CID + 1
    for at in (BEFORE, MOVED, done):
        db.execute("INSERT INTO scans(started_at, finished_at, now_at, healthy, problems, pages_loaded)"
                   " VALUES (?,?,?,1,'[]',1)", (iso(at), iso(at), iso(at)))
    db.execute("INSERT INTO contracts(id, title, client_id, status_label, stage, active, first_seen, last_seen,"
               " status_since, delivered_at, delivery_basis) VALUES (?,?,?,?,?,0,?,?,?,?,?), (?,?,?,?,?,1,?,?,?,?,?)",
               (CID, "記事", 1, "完了", "finished", iso(BEFORE), iso(done), iso(done), iso(ANNOUNCE.sent_at),
                "move_seen", other, "記事2", 1, "検収中", "in_acceptance", iso(FIRST), iso(FIRST), iso(FIRST),
                iso(REMINDER.sent_at), "first_seen"))
    db.execute("INSERT INTO status_changes VALUES (?,?,?,?,1), (?,?,?,?,2), (?,?,?,?,3), (?,?,?,?,3)",
               (CID, "進行中", "in_progress", iso(BEFORE), CID, "検収中", "in_acceptance", iso(MOVED),
                CID, "完了", "finished", iso(done), other, "検収中", "in_acceptance", iso(FIRST)))
    db.execute("INSERT INTO messages(contract_id, key, sender, kind, sent_at, body, first_seen) VALUES"
               " (?,?,?,?,?,?,?), (?,?,?,?,?,?,?)",
               (other, "m1", "worker", "message", iso(REPORT.sent_at), REPORT.body, iso(FIRST),
                other, "m2", "worker", "message", iso(REMINDER.sent_at), REMINDER.body, iso(FIRST)))
    db.commit()
    db.close()
    s = Store(f)
    try:
        (d,) = s.deliveries_of(CID)
        assert (d.basis, d.earliest, d.latest, d.closed_at) == ("move_seen", BEFORE, MOVED, done)
        (past,) = s.past_contracts(1, exclude=other)
        assert past.delivered_at == MOVED  # the vetting still sees when it was delivered at the latest
        d = s.delivery_of(other)
        assert d is not None and (d.basis, d.latest, d.likely, d.likely_key) == ("first_seen", FIRST,
                                                                                REPORT.sent_at, "m1")
    finally:
        s.close()


# -- the drafts' wording for each basis ------------------------------------------------------------

def _state(d: Delivery, *messages: Message) -> ContractState:
    return ContractState(CID, "記事作成", 900001, "株式会社テスト", Stage.IN_ACCEPTANCE, "検収中", True,
                         (START, *messages), START.sent_at, delivery=d)


@pytest.mark.parametrize(("d", "named", "desk"), [
    # confirmed by message and by time: the date is named
    (Delivery(DELIVERED - timedelta(days=1), DELIVERED, "move_seen", confirmed_at=DELIVERED, confirmed_key="m1"),
     "2026年12月01日 10:00", True),
    (Delivery(START.sent_at, FIRST, "first_seen", confirmed_at=DELIVERED), "・納品: 2026年12月01日 10:00", True),
    # a tight seen move with its message: named
    (Delivery(DELIVERED - timedelta(hours=1), DELIVERED + timedelta(hours=1), "move_seen", likely=DELIVERED,
              likely_key="m1"), "2026年12月01日 10:00", True),
    # first seen, likely by wording: no date named, no inquiry before the week has certainly passed
    (Delivery(START.sent_at, FIRST, "first_seen", likely=DELIVERED, likely_key="m1"), None, False),
    # first seen, nothing telling, a week after the first scan: only what is certain
    (Delivery(START.sent_at, DELIVERED, "first_seen"), None, True),
    # a long seen move with an empty text: only what is certain
    (Delivery(DELIVERED - timedelta(days=3), DELIVERED, "move_seen"), None, True),
])
def test_drafts_name_a_delivery_date_only_when_confirmed_or_tightly_seen(d, named, desk):
    now = jst(2026, 12, 10, 12)
    out = drafts.make(_state(d, REPORT), now, Policy())
    if not desk:
        assert out.desk_inquiry is None
        assert any("cwwatch delivered 963700001" in n for n in out.notes)
        return
    assert out.desk_inquiry is not None
    if named:
        assert (named if named.startswith("・") else f"・納品完了報告: {named}") in out.desk_inquiry
    else:
        assert "検収中となってから1週間以上" in out.desk_inquiry and "遅くとも" in out.desk_inquiry
        assert "2026年12月01日 10:00" not in out.desk_inquiry.split("遅くとも")[0]
        assert "納品完了報告:" not in out.desk_inquiry


def test_a_tight_move_with_an_empty_text_names_no_delivery_report_in_the_desk_draft():
    d = Delivery(DELIVERED - timedelta(hours=1), DELIVERED + timedelta(hours=1), "move_seen")
    out = drafts.make(_state(d, REPORT), jst(2026, 12, 10, 12), Policy())
    assert out.desk_inquiry is not None and "・納品: 2026年12月01日 09:00" in out.desk_inquiry
    assert "納品完了報告:" not in out.desk_inquiry


def test_the_reminder_reason_says_what_is_certain_without_a_date(hist):
    hist.scan(FIRST, Stage.IN_ACCEPTANCE, *QUIET)
    s = replace(hist.state(), messages=(START, *QUIET))
    out = drafts.make(s, FIRST + timedelta(days=1), Policy())
    assert out.contact_reminder is not None and "遅くとも2026年12月09日 12:00までに納品" in out.contact_reminder
    assert "12月02日 10:00に納品完了報告" not in out.contact_reminder


def test_the_notes_say_the_reminder_window_by_what_is_known(english):
    """The notes name the 連絡催促 window's end as certain only when the delivery is: a likely report's
    week is a guess (and its closing too), an unknown delivery gives only the latest end."""
    waiting = mine(jst(2026, 12, 2, 10), "ご確認をお願いいたします。", 2)
    likely = Delivery(START.sent_at, FIRST, "first_seen", likely=DELIVERED, likely_key="m1")
    notes = " ".join(drafts.make(_state(likely, REPORT, waiting), FIRST, Policy()).notes)
    assert "window closed one week after the delivery" not in notes
    assert "If the delivery was your message of 2026-12-01 10:00 JST (a guess)" in notes
    assert "around 2026-12-08 10:00 JST" in notes
    unknown = Delivery(START.sent_at, FIRST, "first_seen")
    notes = " ".join(drafts.make(_state(unknown, waiting), FIRST, Policy()).notes)
    assert "until 2026-12-16 12:00 JST at the latest" in notes
    confirmed = replace(likely, confirmed_at=DELIVERED, confirmed_key="m1")
    notes = " ".join(drafts.make(_state(confirmed, REPORT, waiting), FIRST, Policy()).notes)
    assert "window closed one week after the delivery, at 2026-12-08 10:00 JST" in notes


# -- the sample site and the story's chapter -------------------------------------------------------

CHAPTER = Path(__file__).resolve().parent.parent / "watcher" / "sample" / "story" / "first-scan" / "installed-late.toml"


@pytest.fixture
def site(tmp_path: Path):
    yield from harnesses(tmp_path, HttpHarness)


def test_the_chapter_where_cwwatch_meets_contracts_already_in_acceptance(site):
    sc = load_scenario(CHAPTER)
    assert [m.body for m in sc.contract(963720002).messages if m.sender == "worker"] == [
        "資料を拝見しました。週内に仕上げます。"]  # the empty delivery text shows no message
    h = site(sc)
    result = h.scan()
    assert result.healthy, result.problems
    found = {(f.rule, f.contract_id) for f in result.findings}
    assert ("acceptance_overdue", 963720001) in found and ("delivery_unconfirmed", 963720002) in found
    assert not {r for r, c in found if c == 963720002 and r.startswith("acceptance")}
    overdue = next(f for f in result.findings if f.rule == "acceptance_overdue")
    assert overdue.since == jst(2026, 11, 9, 10) and overdue.to_json()["delivery"]["basis"] == "first_seen"
    store = h.store()
    try:  # the sample site marks no message as the delivery: the store has none so marked
        assert all(m.kind != "delivery" for m in store.messages_of(963720001))
    finally:
        store.close()


def test_a_scenario_says_who_sends_a_delivery_or_an_acceptance(tmp_path):
    text = CHAPTER.read_text(encoding="utf-8").replace('from = "worker"\nat = "2026-11-12T17:00:00+09:00"',
                                                      'from = "client"\nat = "2026-11-12T17:00:00+09:00"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="a delivery is sent by worker"):
        load_scenario(bad)


def test_a_rejection_and_an_empty_redelivery_through_the_sample_site(site):
    """Three scans of the sample site: delivered (a message that says so), rejected with the client's
    revision request (back to 進行中), delivered again with an empty text. The week runs from the
    re-delivery's interval, never from the first report or the client's request."""
    sc = load_scenario(CHAPTER)
    c = sc.contract(963720001)
    assert c is not None
    h = site(sc)
    first = h.scan(jst(2026, 11, 9, 12))  # the report of 11/09 10:00 lies before this first scan
    assert first.healthy and ("acceptance_overdue", 963720001) not in {(f.rule, f.contract_id) for f in first.findings}
    c.status = "進行中"
    c.messages.append(SMessage("client", jst(2026, 11, 10, 9), "3本目を修正してください。", "revision"))
    h.set(sc)
    assert h.scan(jst(2026, 11, 10, 12)).healthy
    c.status = "検収中"  # re-delivered on 11/11 with an empty text: no message
    h.set(sc)
    assert h.scan(jst(2026, 11, 11, 12)).healthy
    store = h.store()
    try:
        episodes = store.deliveries_of(963720001)
        assert [(d.basis, d.closed_at is not None) for d in episodes] == [("first_seen", True), ("move_seen", False)]
        assert (episodes[1].earliest, episodes[1].latest, episodes[1].likely) == (
            jst(2026, 11, 10, 12), jst(2026, 11, 11, 12), None)
    finally:
        store.close()
    late = h.scan(jst(2026, 11, 18, 11, 59))  # a week after the first report and the request: not yet
    assert not {f.rule for f in late.findings if f.contract_id == 963720001 and f.rule.startswith("acceptance_o")}
    done = h.scan(jst(2026, 11, 18, 12))
    assert ("acceptance_overdue", 963720001) in {(f.rule, f.contract_id) for f in done.findings}


def test_an_hourly_contract_has_no_delivery_rules(site):
    sc = load_scenario(CHAPTER)
    c = sc.contract(963720002)
    assert c is not None
    c.payment = "hourly"  # listed in the hourly section (時間単価): no delivery in this sense
    h = site(sc)
    result = h.scan()
    assert result.healthy, result.problems
    assert not [f for f in result.findings if f.contract_id == 963720002
                and f.rule in ("acceptance_due", "acceptance_overdue", "delivery_unconfirmed")]
    assert ("acceptance_overdue", 963720001) in {(f.rule, f.contract_id) for f in result.findings}
    store = h.store()
    try:
        assert store.delivery_of(963720002) is None and store.delivery_of(963720001) is not None
    finally:
        store.close()
