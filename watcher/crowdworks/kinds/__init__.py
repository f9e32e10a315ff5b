"""The registry of page kinds: one module per kind (its pure reading, its record for
``check-pages``, how to recognise it, its fixtures), as yt-dlp and gallery-dl keep one class per
page kind. Pure: no browser, no files.

- :data:`KINDS`: the kinds by name, in the order ``check-pages --kind`` lists them;
- :func:`get`: one kind by name (KeyError for a name no kind has);
- :func:`recognise`: the kind of a saved page or JSON answer from its content.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from watcher.crowdworks.dom import parse_html
from watcher.crowdworks.kinds import contracts, inbox, inbox_api, job, profile, proposal, proposals, thread, workroom
from watcher.crowdworks.kinds.base import Kind, Saved

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import SelectorSet

__all__ = ["KINDS", "NAMES", "Kind", "Saved", "get", "recognise", "vet_target"]

KINDS: dict[str, Kind] = {k.name: k for k in (
    contracts.KIND, workroom.KIND, thread.KIND, profile.KIND, inbox.KIND, inbox_api.KIND, proposals.KIND,
    proposal.KIND, job.KIND)}
NAMES: tuple[str, ...] = tuple(KINDS)

# The order in which content is tried: an application's page before the workroom (both have a
# thread root; the application's says so), the pages with a telling root before the lists.
_RECOGNITION = (thread.KIND, inbox_api.KIND, proposal.KIND, workroom.KIND, proposals.KIND, profile.KIND,
                contracts.KIND, inbox.KIND, job.KIND)


def get(name: str) -> Kind:
    """The kind named ``name``. Raises KeyError."""
    return KINDS[name]


def recognise(text: str, sel: SelectorSet) -> str | None:
    """The kind of a saved page or JSON answer, from its content; None when nothing fits."""
    is_json = text.lstrip()[:1] in ("{", "[")
    if is_json:
        try:
            content = json.loads(text)
        except ValueError:
            return None
    else:
        content = parse_html(text)
    for kind in _RECOGNITION:
        if kind.json == is_json and kind.recognise(content, sel):
            return kind.name
    return None


def vet_target(text: str, sel: SelectorSet) -> tuple[str, int] | None:
    """What ``cwwatch vet`` was given: ``("client", ID)`` for a client id or profile URL (or path),
    ``("job", ID)`` for a job URL; None when it is neither."""
    s = text.strip()
    if s.isdigit():
        return "client", int(s)
    path = urlsplit(s).path if "://" in s else s
    for kind, pattern in (("client", sel.workroom.client_id.pattern), ("job", sel.proposals.job_id.pattern)):
        m = pattern.match(path.rstrip("/"))
        if m:
            return kind, int(m.group(1))
    return None
