"""How a page kind of the sample site says which paths it answers, and what it answers.

Each page kind module declares ``ROUTES``, a tuple of :class:`Route`; :data:`watcher.sample.site.ROUTES`
gathers them into the one table the server (:mod:`watcher.sample.server`) looks a path up in. A
route's handler gets the :class:`Request` (the scenario, the query, who asks, which markup) and the
number in the path, and returns an :class:`Answer`, or ``None`` for "no such page" (the server
answers its 404 page). What is not a page stays with the server: sessions and the login form's
POST, the faults, the counters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from watcher.sample.scenario import Scenario

HTML = "text/html; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
JS_TYPE = "application/javascript; charset=utf-8"

# Who may have a route's answer, and when:
#   asset:  anyone, before any fault (the bot check's own script);
#   public: anyone, once the faults had their say (login, profiles, jobs);
#   member: a logged-in session only (the rest: a logged-out visit meets the login wall).
Access = Literal["asset", "public", "member"]


@dataclass(frozen=True)
class Request:
    """What a handler may know of the request."""

    sc: Scenario
    query: dict[str, list[str]] = field(default_factory=dict)
    logged_in: bool = False
    sp: bool = False  # the cookie asks for the smartphone markup

    @property
    def page_no(self) -> int:
        """``?page=N`` (1 when absent or not a number)."""
        try:
            return max(1, int(self.query.get("page", ["1"])[0]))
        except ValueError:
            return 1

    def changed(self, kind: str) -> bool:
        """Whether the scenario's ``layout_changed`` fault names this page kind."""
        return kind in self.sc.faults.layout_changed


@dataclass(frozen=True)
class Answer:
    """A response, and the counter of ``SampleSite.stats`` it adds to."""

    body: str | bytes = ""
    status: int = 200
    ctype: str = HTML
    count: str = ""
    location: str = ""  # set: a 302 to this Location
    delay_ms: int = 0  # the answer leaves only after this long (a fault)

    @classmethod
    def json(cls, obj: Any, *, status: int = 200, count: str = "", delay_ms: int = 0) -> Answer:
        """JSON as the site sends it (UTF-8, not ASCII-escaped)."""
        return cls(json.dumps(obj, ensure_ascii=False), status, JSON_TYPE, count, delay_ms=delay_ms)

    @classmethod
    def redirect(cls, location: str, *, count: str = "") -> Answer:
        """A 302 to ``location``."""
        return cls(b"", 302, HTML, count, location)


Handler = Callable[[Request, int], "Answer | None"]


@dataclass(frozen=True)
class Route:
    """A path (exact, or a pattern whose one group is a number), its handler and who may ask."""

    path: str | re.Pattern[str]
    handler: Handler
    access: Access = "member"

    def match(self, path: str) -> int | None:
        """The path's number (0 for an exact path), or None when this route does not answer it."""
        if isinstance(self.path, str):
            return 0 if path == self.path else None
        m = self.path.match(path)
        return int(m.group(1)) if m else None


def find_route(routes: tuple[Route, ...], path: str) -> tuple[Route, int] | None:
    """The first route that answers ``path``, with the path's number."""
    for route in routes:
        if (number := route.match(path)) is not None:
            return route, number
    return None
