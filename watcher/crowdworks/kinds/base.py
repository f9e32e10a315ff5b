"""What every page kind is: :class:`Kind`, and the input and record helpers they share. Pure.

A kind (one module in this package, one class in it, as yt-dlp and gallery-dl keep one extractor
class per page kind) knows, for its page or JSON answer:

- its name (``check-pages --kind``, the manifest of a capture, the fixtures' folder);
- whether it is JSON or HTML;
- how to recognise it from its content (:meth:`Kind.recognise`);
- its record for ``check-pages`` (:meth:`Kind.record`, from the module's pure reader), and what
  in that record is a problem (:meth:`Kind.problem`);
- the names of its fixtures: paths inside ``fixtures/html/`` without the suffix, in the kind's
  folders (``<name>/``, and ``from-notes/<name>/`` for the pages written from the notes alone).

The readers themselves (``extract_contracts`` and so on) are module functions beside the class:
``pages`` calls them over a loaded page, tests call them over fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from watcher.crowdworks.dom import Trace, Tree
from watcher.jptime import JST
from watcher.models import InboxItem, Message

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import SelectorSet


@dataclass(frozen=True)
class Saved:
    """One saved page or JSON answer to read as a scan would: the content (``tree`` for a page,
    ``obj`` for an answer), where and when it was read, the thread's JSON saved with a workroom
    page (``beside``), and the worker's id from the page's header (``worker_id``)."""

    url: str
    fetched_at: datetime
    tree: Tree | None = None
    obj: Any = None
    beside: Any = None
    worker_id: int | None = None

    @property
    def page(self) -> Tree:
        """The parsed page (an HTML kind's input). Raises ValueError for a JSON answer."""
        if self.tree is None:
            raise ValueError("a JSON answer, not a page")
        return self.tree


class Kind:
    """One page kind. Subclasses set the class attributes and override the methods."""

    name: ClassVar[str]
    json: ClassVar[bool] = False  # a JSON answer, not an HTML page
    fixtures: ClassVar[tuple[str, ...]] = ()  # in fixtures/html/, no suffix: "<name>/<stem>" (each with a sidecar)

    def recognise(self, content: Tree | Any, sel: SelectorSet) -> bool:
        """Is ``content`` (a parsed page, or a parsed JSON answer for a JSON kind) of this kind?"""
        raise NotImplementedError

    def record(self, saved: Saved, sel: SelectorSet, trace: Trace) -> dict[str, Any]:
        """The record ``check-pages`` prints (shapes in ``watcher/crowdworks/check.py``).
        Raises ExtractionError as the reader does."""
        raise NotImplementedError

    def problem(self, record: dict[str, Any]) -> dict[str, str] | None:
        """A problem a readable record still shows (an unknown status label); None by default."""
        return None


def iso(t: datetime | None) -> str | None:
    """An instant in a record: ISO 8601 in Japan time with the offset."""
    return t.astimezone(JST).isoformat() if t else None


def message_json(m: Message) -> dict[str, Any]:
    return {"id": m.id, "sender": str(m.sender), "sent_at": iso(m.sent_at), "body": m.body, "kind": m.kind}


def item_json(i: InboxItem) -> dict[str, Any]:
    return {"thread_id": i.thread_id, "message_id": i.message_id, "sent_at": iso(i.sent_at), "title": i.title,
            "proposal_status": i.proposal_status, "is_replied": i.is_replied}
