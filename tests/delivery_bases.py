"""What a person reads for each basis of a delivery (docs/rules.md, "When was it delivered?"):
``cwwatch status``'s card, the notification and the desk draft (or the note instead of it).

    .venv/bin/python tests/delivery_bases.py [--lang en]

Each basis is one contract's history, built the way scans build it (``scan.record``'s workroom
step into a real store, in a throwaway home), judged at the moment given. Not a test module:
nothing here is collected by pytest; ``tests/test_delivery_truth.py`` holds the assertions.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from watcher.cli.main import main
from watcher.decide.alerts import finding_note
from watcher.decide.delivery import DELIVERY_WORDS
from watcher.decide.rules import Policy, evaluate
from watcher.jptime import JST
from watcher.models import Message, Sender, Stage, Workroom
from watcher.paths import HOME_ENV, Paths
from watcher.report import drafts
from watcher.scan.record import _save_workroom
from watcher.store import Store

CID = 963700001
LABEL = {Stage.IN_PROGRESS: "進行中", Stage.IN_ACCEPTANCE: "検収中"}


def jst(*a: int) -> datetime:
    return datetime(*a, tzinfo=JST)


START = Message(Sender.SYSTEM, jst(2026, 11, 20, 10), "契約が成立しました。", "system", key="s0")
ASKED = Message(Sender.CLIENT, jst(2026, 11, 20, 12), "よろしくお願いします。", key="c1", id=201)
ANNOUNCE = Message(Sender.WORKER, jst(2026, 11, 27, 10), "来週前半に仕上がる予定です。", key="m1", id=101)
REPORT = Message(Sender.WORKER, jst(2026, 12, 1, 10), "記事5本を納品いたします。ご査収のほどよろしくお願いいたします。",
                 key="m2", id=102)
REMINDER = Message(Sender.WORKER, jst(2026, 12, 5, 10), "お忙しいところ恐れ入ります。ご確認いただけましたら幸いです。",
                   key="m3", id=103)


def _scan(store: Store, at: datetime, stage: Stage, *messages: Message) -> None:
    shown = tuple(m for m in (START, ASKED, *messages) if m.sent_at <= at)
    room = Workroom(CID, "記事作成", 900001, "株式会社テスト", LABEL[stage], stage, True, 10000, shown,
                    source="json")
    with store.transaction():
        sid = store.next_scan_id()
        _save_workroom(store, room, SimpleNamespace(now=at), sid, DELIVERY_WORDS)  # type: ignore[arg-type]
        store.add_scan(at, at, True, [], 1, len(evaluate(store.contract_states(), at)))


# basis: (scans, confirmation, the moment judged)
BASES = {
    "move seen, with a message": (
        [(jst(2026, 12, 1, 9, 30), Stage.IN_PROGRESS, (ANNOUNCE,)),
         (jst(2026, 12, 1, 10, 30), Stage.IN_ACCEPTANCE, (ANNOUNCE, REPORT, REMINDER))], None, jst(2026, 12, 8, 12)),
    "move seen, with an empty text": (
        [(jst(2026, 12, 1, 12), Stage.IN_PROGRESS, (ANNOUNCE,)),
         (jst(2026, 12, 2, 12), Stage.IN_ACCEPTANCE, (ANNOUNCE,))], None, jst(2026, 12, 9, 12)),
    "first seen, likely by its wording": (
        [(jst(2026, 12, 9, 12), Stage.IN_ACCEPTANCE, (ANNOUNCE, REPORT, REMINDER))], None, jst(2026, 12, 9, 12)),
    "first seen, nothing telling": (
        [(jst(2026, 12, 9, 12), Stage.IN_ACCEPTANCE, (ANNOUNCE, REMINDER))], None, jst(2026, 12, 9, 12)),
    "first seen, nothing telling, a week later": (
        [(jst(2026, 12, 9, 12), Stage.IN_ACCEPTANCE, (ANNOUNCE, REMINDER))], None, jst(2026, 12, 16, 12)),
    "confirmed by message": (
        [(jst(2026, 12, 9, 12), Stage.IN_ACCEPTANCE, (ANNOUNCE, REPORT, REMINDER))], ["--message", "102"],
        jst(2026, 12, 9, 12)),
    "confirmed by time": (
        [(jst(2026, 12, 9, 12), Stage.IN_ACCEPTANCE, (ANNOUNCE, REMINDER))], ["--at", "2026-12-01T18:00"],
        jst(2026, 12, 9, 12)),
}


def _cli(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        main(argv)
    return out.getvalue().rstrip()


def show(name: str, lang: str) -> None:
    scans, confirm, now = BASES[name]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[HOME_ENV] = tmp
        paths = Paths.under(Path(tmp))
        paths.db_file.parent.mkdir(parents=True, exist_ok=True)
        store = Store(paths.db_file)
        for at, stage, msgs in scans:
            _scan(store, at, stage, *msgs)
        store.close()
        if confirm:
            _cli(["--lang", lang, "delivered", str(CID), *confirm, "--now", now.isoformat()])
        store = Store(paths.db_file)
        _scan(store, now + timedelta(seconds=1), scans[-1][1], *scans[-1][2])  # the scan of the moment judged
        store.close()
        print(f"=== {name} (judged at {now:%m-%d %H:%M} JST) ===")
        print("--- cwwatch status")
        print(_cli(["--lang", lang, "status", "--now", now.isoformat()]))
        store = Store(paths.db_file)
        state = store.contract_state(CID)
        store.close()
        assert state is not None
        found = [f for f in evaluate([state], now) if f.rule in ("acceptance_due", "acceptance_overdue",
                                                                  "delivery_unconfirmed")]
        print("--- notification")
        for f in found:
            note = finding_note(f)
            print(f"[{f.rule}] {note.title}\n{note.body}")
        if not found:
            print("(none about the delivery)")
        d = drafts.make(state, now, Policy(), url=f"https://crowdworks.jp/contracts/{CID}")
        print("--- desk draft")
        print(d.desk_inquiry or "(none)")
        for n in d.notes:
            print(f"note: {n}")
        print()


if __name__ == "__main__":
    language = "en" if "--lang" in sys.argv and sys.argv[-1] == "en" else "ja"
    for basis in BASES:
        show(basis, language)
