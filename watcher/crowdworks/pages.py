"""One reader per page kind: the contract list, a workroom, a client's profile, the inbox.

Each reader loads its page through the open :class:`~watcher.crowdworks.site.Site` (pacing, host
guard, login wall), hands the HTML (and the JSON the page itself loaded) to the pure extractors,
and returns records, or raises :class:`~watcher.errors.Unhealthy` naming the page and what is
wrong with it. A page whose required element is missing is saved, redacted, before the
``layout_changed`` problem is raised, so the person can send it to us.

The readers decide nothing about the account: what counts as "more inbox pages are needed" or
"the folded part of a thread is needed" comes in as a callable from the scan (``decide/plan``).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from loguru import logger
from playwright.async_api import Page

from watcher.crowdworks.extract import (
    extract_contracts,
    extract_inbox,
    extract_profile,
    extract_workroom,
    inbox_from_json,
)
from watcher.crowdworks.redact import Redactor
from watcher.crowdworks.selectors import SelectorSet
from watcher.crowdworks.site import Fetched, Site
from watcher.errors import ExtractionError, Unhealthy
from watcher.models import ClientSeen, ContractRow, HealthKind, InboxItem, Problem, Workroom

PageHook = Callable[[str, str, str], None]  # (kind, url, html) of every page read


@dataclass(frozen=True)
class InboxReading:
    """What some inbox pages showed."""

    items: tuple[InboxItem, ...]
    replied_flags: bool  # every item carried the page JSON's replied flag
    more: bool  # stopped at ``last`` while further pages may be needed


@dataclass
class Pages:
    """The page readers of one scan, over an open site."""

    site: Site
    sel: SelectorSet
    layout_dir: Path  # where pages whose layout changed are saved (a folder per scan inside)
    known_strings: Callable[[], set[str]]  # personal text a saved page must not show
    clock: Callable[[], datetime]
    max_list_pages: int = 50
    on_page: PageHook | None = None

    # -- helpers ---------------------------------------------------------------------------------

    def _seen(self, kind: str, fetched: Fetched) -> None:
        if self.on_page is not None:
            self.on_page(kind, fetched.url, fetched.html)

    def redactor(self) -> Redactor:
        """What a saved page must not show: everything personal the history and the login know."""
        known = self.known_strings()
        creds = self.site.credentials_seen
        if creds is not None:
            known |= {creds.email, creds.password}
        return Redactor(known, self.sel)

    async def _layout(self, page: Page, fetched: Fetched, exc: ExtractionError, kind: str) -> Unhealthy:
        folder = self.layout_dir / self.clock().strftime("%Y%m%dT%H%M%SZ")
        try:
            saved: str | None = str(await self.site.save_copy(page, fetched, folder, kind,
                                                               self.redactor().redact))
        except OSError as err:
            saved = None
            logger.warning("could not save the changed page: {}", err)
        detail = f"{exc.field}: {exc.detail}" if exc.detail else f"{exc.field} not found"
        return Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, exc.page, detail, saved))

    @staticmethod
    def _found(fetched: Fetched, page: str, detail: str) -> None:
        """A page the scan needs answered 404: the site moved it (a layout change), not "no data"."""
        if fetched.not_found:
            raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, page, detail)

    # -- the inbox ---------------------------------------------------------------------------------

    async def inbox(self, first: int, last: int | None,
                    more_wanted: Callable[[Sequence[InboxItem]], bool]) -> InboxReading:
        """Inbox pages ``first``.. (``last`` at most), while ``more_wanted(page_items)``."""
        sel = self.sel
        page_no = first
        out: list[InboxItem] = []
        flags_all = True
        async with self.site.page() as page:
            while True:
                path = sel.urls.inbox.format(page=page_no)
                fetched = await self.site.get(page, path, "inbox", capture=sel.urls.inbox_api)
                self._seen("inbox", fetched)
                self._found(fetched, "inbox", f"{path} answered 404")
                items: tuple[InboxItem, ...] | None = None
                next_url: str | None = None
                for payload in fetched.json_payloads:  # the page's own JSON, when it loaded some
                    with contextlib.suppress(ExtractionError):
                        items = inbox_from_json(payload, f"inbox api page {page_no}")
                        meta = payload.get("meta", {}) if isinstance(payload, dict) else {}
                        if isinstance(meta.get("total_pages"), int) and meta["total_pages"] > page_no:
                            next_url = sel.urls.inbox.format(page=page_no + 1)
                        break
                # The replied flags come only with the JSON: without them, my replies are invisible here.
                flags = items is not None and all(i.is_replied is not None for i in items)
                try:
                    dom = extract_inbox(fetched.tree, sel, fetched.url)
                    next_url = dom.next_url or next_url
                    if items is None:
                        items = dom.items
                except ExtractionError as exc:
                    if items is None:  # neither the JSON nor the page can be read
                        raise await self._layout(page, fetched, exc, "inbox") from None
                flags_all = flags_all and flags
                out.extend(items)
                if not next_url or not more_wanted(items):
                    return InboxReading(tuple(out), flags_all, False)
                if last is not None and page_no >= last:
                    return InboxReading(tuple(out), flags_all, True)
                page_no += 1
                if page_no > self.max_list_pages:
                    raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, "inbox",
                                       f"more than {self.max_list_pages} inbox pages: paging loops?")

    # -- the active contracts --------------------------------------------------------------------

    async def contracts(self) -> list[ContractRow]:
        """Every row of the active contracts list, every page followed."""
        sel = self.sel
        page_no = 1
        rows: list[ContractRow] = []
        next_path: str | None = sel.urls.contracts.format(page=1)
        async with self.site.page() as page:
            while next_path is not None:
                fetched = await self.site.get(page, next_path, "contracts")
                self._seen("contracts", fetched)
                self._found(fetched, "contracts", f"{next_path} answered 404")
                try:
                    listing = extract_contracts(fetched.tree, sel, fetched.url)
                except ExtractionError as exc:
                    raise await self._layout(page, fetched, exc, "contracts") from None
                for row in listing.rows:
                    if row.stage is None:
                        raise Unhealthy.of(HealthKind.UNKNOWN_STATUS, f"contracts page {page_no}",
                                           f"contract {row.contract_id}: 「{row.status_label}」")
                rows.extend(listing.rows)
                page_no += 1
                next_path = listing.next_url
                if page_no > self.max_list_pages and next_path:
                    raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, "contracts",
                                       f"more than {self.max_list_pages} list pages: paging loops?")
        ids = [r.contract_id for r in rows]
        if len(set(ids)) != len(ids):
            raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, "contracts",
                               "the same contract appeared on two list pages")
        return rows

    # -- a workroom --------------------------------------------------------------------------------

    async def workroom(self, contract_id: int, needs_older: Callable[[Workroom], bool]) -> Workroom:
        """The contract page and its thread; the folded older messages when ``needs_older(room)``."""
        sel = self.sel
        w = sel.workroom
        site = self.site
        path = sel.urls.workroom.format(id=contract_id)
        async with site.page() as page:
            fetched = await site.get(page, path, "workroom")
            self._seen("workroom", fetched)
            self._found(fetched, workroom_page(sel, contract_id), "listed as active but answered 404")
            try:
                room = extract_workroom(fetched.tree, sel, fetched.url, site.worker_id)
                if room.folded and needs_older(room):
                    more = await site.expand_thread(page, w.show_more, w.show_more_texts, "workroom_more")
                    if more is not None:
                        fetched = more
                        self._seen("workroom_more", fetched)
                        room = extract_workroom(fetched.tree, sel, fetched.url, site.worker_id)
                    if room.folded:
                        raise ExtractionError(f"workroom {path}", "whole thread", "older messages stay folded")
                elif room.folded:
                    room = dataclasses.replace(room, folded=False, partial=True)  # the visible part suffices
            except ExtractionError as exc:
                raise await self._layout(page, fetched, exc, "workroom") from None
        if room.contract_id != contract_id:
            raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, f"workroom {path}",
                               f"the page is about contract {room.contract_id}")
        if room.stage is None:
            raise Unhealthy.of(HealthKind.UNKNOWN_STATUS, f"workroom {path}", f"「{room.status_label}」")
        return room

    # -- a client's profile ----------------------------------------------------------------------

    async def profile(self, client_id: int) -> ClientSeen:
        path = self.sel.urls.profile.format(id=client_id)
        async with self.site.page() as page:
            fetched = await self.site.get(page, path, "profile")
            self._seen("profile", fetched)
            self._found(fetched, f"profile {path}", "the client's profile answered 404")
            try:
                return extract_profile(fetched.tree, self.sel, fetched.url, fetched.fetched_at)
            except ExtractionError as exc:
                raise await self._layout(page, fetched, exc, "profile") from None



def workroom_page(sel: SelectorSet, contract_id: int) -> str:
    """How a problem names a contract's workroom (``workroom /contracts/ID``)."""
    return f"workroom {sel.urls.workroom.format(id=contract_id)}"
