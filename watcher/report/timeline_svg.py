"""A contract's timeline drawn as SVG (server-rendered, for the dashboard's contract page).

PLACEHOLDER on the ``web`` branch: the real drawing is another helper's and replaces this module at
merge. The API is the fixed one: :func:`draw` gives a complete ``<svg>`` element (escaped, no script,
no external reference) and the same events as text rows in time order, for screen readers. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from watcher.report.history import Event, Facts


@dataclass(frozen=True)
class Row:
    at: datetime
    kind: str
    who: str | None
    text: str


@dataclass(frozen=True)
class Drawing:
    svg: str
    rows: tuple[Row, ...]


def draw(facts: Facts, events: Sequence[Event], *, width: int = 960) -> Drawing:
    """An empty drawing ``width`` pixels wide, and ``events`` as rows in time order."""
    rows = tuple(Row(e.at, e.kind, e.who, e.text) for e in sorted(events, key=lambda e: e.at))
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="{int(width)}" height="0" role="presentation"></svg>'
    return Drawing(svg, rows)
