"""Reading one saved page (or JSON answer) the way a scan would, for ``cwwatch check-pages``.

Pure: text in, a :class:`Checked` out (the record read, the problem met, and which hooks answered
with their grades). The command handles files, folders and output. Each kind's record is its
module's (``watcher/crowdworks/kinds/<kind>.py``, whose docstring gives the record's shape); ids
are integers, times ISO 8601 in Japan time with the offset, stages as in docs/site.md. A page
that is a wall (login, two-step, captcha, bot check, 404) is that wall's problem
(``walls.WALL_PROBLEMS``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from watcher.crowdworks import kinds
from watcher.crowdworks.dom import Trace, parse_html
from watcher.crowdworks.walls import WALL_PROBLEMS, recognise
from watcher.errors import ExtractionError
from watcher.i18n import _
from watcher.models import HealthKind

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import SelectorSet

SCHEMA = 1


@dataclass
class Checked:
    kind: str
    ok: bool
    problem: dict[str, str] | None
    record: dict[str, Any] | None
    trace: Trace = field(default_factory=Trace)

    def to_json(self, file: str) -> dict[str, Any]:
        return {"schema": SCHEMA, "file": file, "kind": self.kind, "ok": self.ok, "problem": self.problem,
                "record": self.record, "hooks": self.trace.by_grade(), "missing": self.trace.missing}


def check(kind: str, text: str, sel: SelectorSet, url: str, fetched_at: datetime,
          beside: Any = None) -> Checked:
    """Read ``text`` as a page (or answer) of ``kind``. ``beside``: the thread's JSON answer saved with a
    workroom page, if any. Never raises for what the page holds: problems come back in the result
    (a ``kind`` no kind has: ValueError)."""
    tr = Trace()
    try:
        record = _read(kind, text, sel, url, fetched_at, beside, tr)
    except ExtractionError as exc:
        return Checked(kind, False, {"kind": str(HealthKind.LAYOUT_CHANGED), "field": exc.field,
                                     "detail": exc.detail}, None, tr)
    except _Wall as wall:
        return Checked(kind, False, wall.problem, None, tr)
    unknown = kinds.get(kind).problem(record)
    if unknown is not None:
        return Checked(kind, False, unknown, record, tr)
    return Checked(kind, True, None, record, tr)


class _Wall(Exception):
    def __init__(self, problem: dict[str, str]) -> None:
        super().__init__(problem["detail"])
        self.problem = problem


def _read(name: str, text: str, sel: SelectorSet, url: str, fetched_at: datetime, beside: Any,
          tr: Trace) -> dict[str, Any]:
    if name not in kinds.KINDS:
        raise ValueError(f"unknown kind {name!r}")
    kind = kinds.get(name)
    if kind.json:
        try:
            obj = json.loads(text)
        except ValueError:
            raise ExtractionError(f"{name} {url}", "answer", _("not JSON (cut short?)")) from None
        return kind.record(kinds.Saved(url, fetched_at, obj=obj), sel, tr)
    tree = parse_html(text)
    rec = recognise(tree, url, 200, sel)
    if rec.kind in WALL_PROBLEMS:
        health, what = WALL_PROBLEMS[rec.kind]
        raise _Wall({"kind": str(health), "field": "page", "detail": _(what)})
    return kind.record(kinds.Saved(url, fetched_at, tree=tree, beside=beside, worker_id=rec.worker_id), sel, tr)
