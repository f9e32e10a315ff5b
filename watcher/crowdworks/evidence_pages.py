"""Pages no reader reads, loaded only for ``cwwatch capture`` as evidence from the user's own
account: each contract's ``/contracts/ID/milestones`` and the ``/notifications`` feed (お知らせ).
Whether either keeps a delivery date is unknown (docs/site.md: the milestones page is *reported*,
S6, what it lists a *guess*; the notifications feed is *reported*, its markup a *guess*), so a
capture that holds them can tell us.

Nothing here is required: a page that does not exist, is refused for a worker, or cannot be loaded
is recorded as not available, with the reason, and never makes the capture or the scan unhealthy.
The site is asked as a scan asks it (paced, the saved session, never leaving the host), but never
logs in for them: a login wall met here is a reason, not a login.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from watcher.errors import Unhealthy

if TYPE_CHECKING:  # the browser's stack is imported by whoever opens a Site, never by the commands' list
    from watcher.crowdworks.site import Site

# (kind, [urls] key) of the pages saved beside a scan's own; grades: docs/site.md.
MILESTONES = "milestones"
NOTIFICATIONS = "notifications"
DEFAULT_URLS = {MILESTONES: "/contracts/{id}/milestones", NOTIFICATIONS: "/notifications"}


@dataclass(frozen=True)
class Evidence:
    """One page asked for: its kind, the path asked, and either its HTML (``text``) with the URL it
    ended at, or ``None`` and why it was not available (``reason``: ``HTTP 403``, the problem)."""

    kind: str
    path: str
    url: str
    fetched_at: datetime
    text: str | None
    reason: str = ""


_CONTRACT_PATH = re.compile(r"/contracts/(\d+)(?:[/?#]|$)")


def contracts_read(pages: Iterable[tuple[str, str]]) -> list[int]:
    """The ids of the contracts whose workroom a scan read, in order, from its (kind, URL) pairs."""
    ids = (_CONTRACT_PATH.search(url) for kind, url in pages if kind == "workroom")
    return list(dict.fromkeys(int(m.group(1)) for m in ids if m))


def evidence_paths(site: Site, contract_ids: Iterable[int]) -> list[tuple[str, str]]:
    """(kind, path) of every page to ask for: each contract's milestones, then the notifications."""
    urls = {**DEFAULT_URLS, **site.sel.urls.values}  # a selectors file of the user's own may lack them
    paths = [(MILESTONES, urls[MILESTONES].format(id=cid)) for cid in dict.fromkeys(contract_ids)]
    return [*paths, (NOTIFICATIONS, urls[NOTIFICATIONS])]


async def _read(site: Site, wanted: list[tuple[str, str]]) -> list[Evidence]:
    out: list[Evidence] = []
    async with site, site.page() as page:
        for kind, path in wanted:
            try:
                fetched = await site.get(page, path, kind)
            except Unhealthy as exc:
                out.append(Evidence(kind, path, site.url(path), site.clock(), None,
                                    f"{exc.problem.kind}: {exc.problem.detail}"))
                continue
            if fetched.status >= 400 or fetched.not_found:
                out.append(Evidence(kind, path, fetched.url, fetched.fetched_at, None,
                                    f"HTTP {fetched.status}" if fetched.status >= 400 else "404"))
            else:
                out.append(Evidence(kind, path, fetched.url, fetched.fetched_at, fetched.html))
    return out


def read_evidence(site: Site, wanted: list[tuple[str, str]]) -> list[Evidence]:
    """Load each (kind, path) of ``wanted`` with ``site`` (unopened; opened and closed here), in
    order. Never raises for a page: one that cannot be had is an :class:`Evidence` without text.
    When the browser itself cannot start, every page is not available for that reason."""
    try:
        return asyncio.run(_read(site, wanted))
    except Unhealthy as exc:
        reason = f"{exc.problem.kind}: {exc.problem.detail}"
        return [Evidence(kind, path, site.url(path), site.clock(), None, reason) for kind, path in wanted]
