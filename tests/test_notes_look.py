"""Notifications look like a product: they come from "cwwatch" with its own icon, are critical only
where the person must act, arrive as one summary when many come at once, and never carry a raw
browser or OS error. Checked on dunst's side (its history) for the desktop, on recording channels
for the delivery rules."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.real_desktop import dunst_clear_history, dunst_history, run_in_thread
from watcher import i18n
from watcher.decide import alerts, rules
from watcher.decide.vet_history import History
from watcher.decide.vetting import vet
from watcher.jptime import JST
from watcher.models import ClientRecord, Finding, HealthKind, Note, Problem
from watcher.notify.desktop import APP_NAME, ICON, ConsoleChannel, DesktopChannel, Notifier
from watcher.scan.outbox import flush_outbox
from watcher.store import Store

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=JST)
CRITICAL_HEALTH = {HealthKind.LOGGED_OUT, HealthKind.KEYRING_LOCKED, HealthKind.LOGIN_FAILED,
                   HealthKind.LOGIN_CHALLENGE, HealthKind.LAYOUT_CHANGED, HealthKind.UNKNOWN_STATUS,
                   HealthKind.CONFIG_INVALID}
RAW_ERROR = ("playwright._impl._errors.TimeoutError: Page.goto: net::ERR_CONNECTION_REFUSED at "
             "https://crowdworks.jp/login\nCall log:\n  - navigating to \"https://crowdworks.jp/login\"")


def finding(rule: str, client: str = "株式会社テスト") -> Finding:
    return Finding(rule=rule, contract_id=963659463, client_id=9, stage=1, since=NOW - timedelta(days=3),
                   deadline=None, title=f"{rule}: {client}", message=f"{rule} の本文",
                   url="https://crowdworks.jp/contracts/963659463")


class Recorder:
    """A channel that keeps what it was given (and takes it, or not)."""

    def __init__(self, name: str, takes: bool = True) -> None:
        self.name = name
        self.takes = takes
        self.notes: list[Note] = []

    def send(self, note: Note) -> bool:
        self.notes.append(note)
        return self.takes

    def close(self) -> None:
        pass


@pytest.fixture
def english() -> Iterator[None]:
    before = i18n.current()
    i18n.use("en")
    try:
        yield
    finally:
        i18n.use(before)


def queue(db: Path, notes: list[Note]) -> Store:
    store = Store(db)
    with store.transaction():
        for n in notes:
            store.enqueue(n, datetime.now(UTC))
    return store


def notes_of(n: int) -> list[Note]:
    return [alerts.finding_note(finding("escrow_missing", f"株式会社テスト{i}")) for i in range(n)]


# -- urgency: critical only where the person must act ------------------------------------------------


@pytest.mark.parametrize("rule", rules.RULES)
def test_only_an_overdue_acceptance_is_a_critical_finding(rule):
    assert alerts.finding_note(finding(rule)).urgent is (rule == "acceptance_overdue")


@pytest.mark.parametrize("kind", list(HealthKind))
def test_health_is_critical_only_when_the_watch_needs_the_person(kind):
    note = alerts.health_note(Problem(kind, "login", RAW_ERROR))
    assert note.urgent is (kind in CRITICAL_HEALTH)
    if kind in (HealthKind.SITE_UNREACHABLE, HealthKind.SCAN_FAILED):  # they usually pass by themselves
        assert not note.urgent


def test_recovery_digest_and_client_risk_are_normal():
    verdict = vet(ClientRecord(identity_verified=False, rule_check_passed=False, completion_rate=40.0,
                               acceptance_count=20, finished_count=8), None, History(), NOW)
    assert verdict.verdict == "warning"
    for note in (alerts.recovery_note(), alerts.digest_note([]), alerts.digest_note([finding("acceptance_overdue")]),
                 alerts.client_risk_note("contract", 1, "株式会社テスト", verdict, "https://crowdworks.jp/x")):
        assert not note.urgent, note


# -- a health note is a sentence for the person ----------------------------------------------------


@pytest.mark.parametrize("kind", [k for k in HealthKind if k is not HealthKind.CONFIG_INVALID])
def test_a_health_note_carries_no_raw_error_but_keeps_the_saved_page(kind):
    saved = "/home/me/.local/state/cwwatch/layout-changed/20261120-100000/workroom-963659463.html"
    note = alerts.health_note(Problem(kind, "workroom /contracts/963659463", RAW_ERROR, saved))
    for raw in ("TimeoutError", "net::", "Call log", "playwright", "workroom /contracts"):
        assert raw not in note.body and raw not in note.title
    assert note.body.endswith(f"\n保存先: {saved}")
    assert note.body.split("\n")[0].endswith("。")  # a sentence
    assert "保存先" not in alerts.health_note(Problem(kind, "login", RAW_ERROR)).body


def test_a_config_note_quotes_the_file_and_line():
    """config_invalid's detail is cwwatch's own sentence naming the file and line: the note says it."""
    detail = "/home/me/.config/cwwatch/config.toml 12行目: TOML として正しくありません: Invalid value"
    note = alerts.health_note(Problem(HealthKind.CONFIG_INVALID, "scan", detail))
    assert note.urgent and note.title == "cwwatch: 設定ファイルに誤りがあります"
    assert note.body.startswith(f"設定ファイルに誤りがあります: {detail}\n")
    assert note.body.endswith("。")


def test_health_notes_in_english(english):
    note = alerts.health_note(Problem(HealthKind.LOGIN_FAILED, "login", RAW_ERROR, "/tmp/x.html"))
    assert note.title == "cwwatch: login failed"
    assert note.body.startswith("The password may have changed.") and note.body.endswith("\nSaved page: /tmp/x.html")
    assert "TimeoutError" not in note.body


def test_findings_and_verdicts_in_english(english):
    from watcher.models import AccessSeen, ContractState, Delivery, Message, Sender, Stage

    delivered = datetime(2026, 11, 6, 10, 0, tzinfo=JST)
    c = ContractState(963659463, "旅行記事", 9, "株式会社テスト", Stage.IN_ACCEPTANCE, "検収中", True,
                      (Message(Sender.WORKER, delivered, "納品します", "delivery"),), delivered,
                      AccessSeen(None, None, NOW),
                      delivery=Delivery(delivered, delivered, "move_seen", confirmed_at=delivered))
    overdue = next(f for f in rules.evaluate([c], NOW) if f.rule == "acceptance_overdue")
    assert overdue.title == "Acceptance overdue: 株式会社テスト"
    assert overdue.message == ("A week has passed since “旅行記事” was delivered on 2026-11-06, and it has not been "
                               "accepted (deadline 2026-11-13 10:00 JST). You can ask the support desk to apply "
                               "Article 9(3).")
    verdict = vet(ClientRecord(identity_verified=False, rule_check_passed=False, completion_rate=40.0,
                               acceptance_count=20, finished_count=8), None, History(), NOW)
    note = alerts.client_risk_note("proposal", 1, "株式会社テスト", verdict, "")
    assert note.title == "Client of your application – High risk: 株式会社テスト"
    assert "• This client has not verified their identity. (Identity check: not verified)" in note.body


def test_the_console_prints_every_line_of_a_body_under_its_title():
    out = io.StringIO()
    ConsoleChannel(out).send(alerts.health_note(Problem(HealthKind.LAYOUT_CHANGED, "workroom", "x", "/tmp/p.html")))
    title, *body = out.getvalue().splitlines()
    assert title == "‼ cwwatch: ページの構成が変わりました"
    assert len(body) == 2 and all(line.startswith("    ") for line in body) and body[1] == "    保存先: /tmp/p.html"


# -- many notes at once: one summary ------------------------------------------------------------------


def test_the_summary_threshold_is_more_than_three():
    assert alerts.summary_note(notes_of(3)) is None
    four = alerts.summary_note(notes_of(4))
    assert four is not None and four.title == "新しい通知が4件あります"
    assert "cwwatch status で確認できます" in four.body and four.url == "" and not four.urgent
    assert [line[1:] for line in four.body.splitlines()[:4]] == [n.title for n in notes_of(4)]
    many = alerts.summary_note(notes_of(alerts.SUMMARY_LINES + 3))
    assert many is not None and "ほか3件" in many.body and many.body.count("・") == alerts.SUMMARY_LINES
    five = alerts.summary_note([*notes_of(4), alerts.finding_note(finding("acceptance_overdue"))])
    assert five is not None and five.title == "新しい通知が5件あります" and five.urgent  # a critical one is inside


def test_the_summary_in_english(english):
    note = alerts.summary_note(notes_of(5))
    assert note is not None and note.title == "5 new notifications"
    assert note.body.endswith("See them with cwwatch status.")


def test_four_queued_notes_reach_the_desktop_as_one_summary_and_the_console_one_by_one(tmp_path):
    store = queue(tmp_path / "db.sqlite3", notes_of(4))
    console, desktop, apprise = Recorder("console"), Recorder("desktop"), Recorder("apprise")
    try:
        assert flush_outbox(store, Notifier([console, desktop, apprise], console_counts=False)) == 4
        assert [n.title for n in desktop.notes] == [n.title for n in apprise.notes] == ["新しい通知が4件あります"]
        assert [n.title for n in console.notes] == [n.title for n in notes_of(4)]
        assert store.waiting()[0] == 0
    finally:
        store.close()


def test_three_queued_notes_are_three_notes(tmp_path):
    store = queue(tmp_path / "db.sqlite3", notes_of(3))
    console, desktop = Recorder("console"), Recorder("desktop")
    try:
        assert flush_outbox(store, Notifier([console, desktop], console_counts=False)) == 3
        assert [n.title for n in desktop.notes] == [n.title for n in console.notes] == [n.title for n in notes_of(3)]
        assert store.waiting()[0] == 0
    finally:
        store.close()


def test_a_summary_nobody_took_keeps_every_note_and_the_console_prints_each_once(tmp_path):
    store = queue(tmp_path / "db.sqlite3", notes_of(5))
    console, desktop = Recorder("console"), Recorder("desktop", takes=False)
    notifier = Notifier([console, desktop], console_counts=False)  # the daemon: the console does not count
    try:
        assert flush_outbox(store, notifier) == 0
        assert flush_outbox(store, notifier) == 0
        assert store.waiting()[0] == 5, "a note whose summary nobody saw was dropped"
        desktop.takes = True  # the notification service came up
        assert flush_outbox(store, notifier) == 5
        assert store.waiting()[0] == 0
        assert flush_outbox(store, notifier) == 0  # never twice
        assert len(console.notes) == 5, "the console printed a waiting note again"
        assert [n.title for n in desktop.notes] == ["新しい通知が5件あります"] * 3
    finally:
        store.close()


def test_with_the_console_alone_a_command_delivers_every_note(tmp_path):
    store = queue(tmp_path / "db.sqlite3", notes_of(5))
    console = Recorder("console")
    try:
        assert flush_outbox(store, Notifier([console], console_counts=True)) == 5
        assert len(console.notes) == 5 and store.waiting()[0] == 0
    finally:
        store.close()


# -- the icon -------------------------------------------------------------------------------------


def test_the_icon_is_ours_a_128_pixel_png_inside_the_package():
    import desktop_notifier.resources

    data = ICON.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (kind, length, width, height, depth, colour) == (b"IHDR", 13, 128, 128, 8, 6)  # RGBA
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0]
    python_logo = Path(desktop_notifier.resources.__file__).with_name("python.png")
    assert data != python_logo.read_bytes()
    package = Path(i18n.__file__).resolve().parent
    assert ICON.is_relative_to(package), "the icon must ship inside the watcher package (the wheel)"


# -- on the real desktop (dunst) ---------------------------------------------------------------------


def _urgency(item: dict) -> str:
    """What dunst received: its history's ``urgency`` (dunst 1.12.2 on), else the timeout dunst
    chose by urgency (the tests' dunstrc keeps dunst's defaults: critical never times out)."""
    if "urgency" in item:
        value = str(item["urgency"]).upper()
        return "critical" if value in ("CRITICAL", "2") else "normal" if value in ("NORMAL", "1") else value
    return "critical" if int(item["timeout"]) == 0 else "normal"


def _send_all(notes: list[Note]) -> list[bool]:
    def send() -> list[bool]:
        ch = DesktopChannel(warn=io.StringIO())
        try:
            return [ch.send(n) for n in notes]
        finally:
            ch.close()

    return run_in_thread(send)  # a private event loop, away from any loop pytest-playwright left running


@pytest.mark.desktop
def test_desktop_notes_come_from_cwwatch_with_its_icon_and_their_urgency():
    notes = {
        "acceptance_overdue": (alerts.finding_note(finding("acceptance_overdue")), "critical"),
        "escrow_missing": (alerts.finding_note(finding("escrow_missing")), "normal"),
        "quiet_client": (alerts.finding_note(finding("quiet_client")), "normal"),
        "logged_out": (alerts.health_note(Problem(HealthKind.LOGGED_OUT, "login", "")), "critical"),
        "layout_changed": (alerts.health_note(Problem(HealthKind.LAYOUT_CHANGED, "workroom", "x")), "critical"),
        "site_unreachable": (alerts.health_note(Problem(HealthKind.SITE_UNREACHABLE, "login", "x")), "normal"),
        "scan_failed": (alerts.health_note(Problem(HealthKind.SCAN_FAILED, "scan", "x")), "normal"),
        "recovered": (alerts.recovery_note(), "normal"),
    }
    dunst_clear_history()
    assert _send_all([n for n, _ in notes.values()]) == [True] * len(notes)
    history = dunst_history(full=True)
    assert [h["summary"] for h in history] == [n.title for n, _ in notes.values()], history
    for (kind, (_note, urgency)), item in zip(notes.items(), history, strict=True):
        assert item["appname"] == APP_NAME == "cwwatch"
        assert item["icon_path"] == str(ICON), item  # ours, not the Python logo
        assert _urgency(item) == urgency, f"{kind}: {item}"


@pytest.mark.desktop
def test_five_queued_notes_are_one_summary_on_the_desktop_and_five_lines_on_the_console(tmp_path):
    db = tmp_path / "db.sqlite3"
    queue(db, notes_of(5)).close()
    console = io.StringIO()

    def flush() -> tuple[int, int]:
        store = Store(db)  # in the worker thread: sqlite3 objects stay in the thread that made them
        notifier = Notifier([ConsoleChannel(console), DesktopChannel(warn=io.StringIO())], console_counts=False)
        try:
            return flush_outbox(store, notifier), store.waiting()[0]
        finally:
            notifier.close()
            store.close()

    dunst_clear_history()
    delivered, waiting = run_in_thread(flush)
    assert (delivered, waiting) == (5, 0), "the outbox kept notes the summary delivered"
    history = [h for h in dunst_history(full=True) if h["appname"] == "cwwatch"]
    assert [h["summary"] for h in history] == ["新しい通知が5件あります"], history
    body = history[0]["body"]
    assert all(n.title in body for n in notes_of(5)) and body.endswith("cwwatch status で確認できます。")
    assert history[0]["icon_path"] == str(ICON) and _urgency(history[0]) == "normal"
    printed = console.getvalue()
    for n in notes_of(5):
        assert printed.count(n.title) == 1, printed
    assert printed.count("\n• ") + printed.startswith("• ") == 5


@pytest.mark.desktop
def test_a_health_note_on_the_desktop_has_no_exception_text():
    saved = "/tmp/cwwatch-test/layout-changed/login.html"
    note = alerts.health_note(Problem(HealthKind.LOGIN_FAILED, "login", RAW_ERROR, saved))
    dunst_clear_history()
    assert _send_all([note]) == [True]
    (item,) = [h for h in dunst_history(full=True) if h["appname"] == "cwwatch"]
    assert item["summary"] == "cwwatch: ログインに失敗しました"
    for raw in ("Error", "net::", "Call log", "playwright", "https://crowdworks.jp/login"):
        assert raw not in item["body"], item["body"]
    assert item["body"].startswith("パスワードが変わった可能性があります。") and saved in item["body"]
    assert _urgency(item) == "critical"
