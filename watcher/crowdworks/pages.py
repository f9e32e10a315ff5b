"""One reader per page kind: the contract list, a workroom, a client's profile, the inbox.

Each reader loads its page through the open :class:`~watcher.crowdworks.site.Site` (pacing, host
guard, login wall), hands the HTML (and the JSON the page itself loaded) to the pure reader of its kind
(``kinds/<kind>.py``),
and returns records, or raises :class:`~watcher.errors.Unhealthy` naming the page and what is
wrong with it. A page whose required element is missing is saved, redacted, before the
``layout_changed`` problem is raised, so the person can send it to us.

The readers decide nothing about the account: what counts as "more inbox pages are needed" or
"the folded part of a thread is needed" comes in as a callable from the scan (``decide/plan``).

A little over 400 lines, as one job: the readers share one state (the site, the scan's evidence folder
and its bounds, the notices of copies not saved); the bounds themselves live in ``evidence.py``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from loguru import logger
from playwright.async_api import Page

from watcher.crowdworks import evidence
from watcher.crowdworks.kinds.contracts import extract_contracts
from watcher.crowdworks.kinds.inbox import InboxPage, extract_inbox, unique
from watcher.crowdworks.kinds.inbox_api import inbox_from_json
from watcher.crowdworks.kinds.job import client_of_job
from watcher.crowdworks.kinds.profile import extract_profile
from watcher.crowdworks.kinds.proposal import ProposalPage, extract_proposal_page
from watcher.crowdworks.kinds.proposals import extract_proposals
from watcher.crowdworks.kinds.thread import thread_from_json
from watcher.crowdworks.kinds.workroom import extract_contract_page, stage_family, workroom_from
from watcher.crowdworks.redact import Redactor
from watcher.crowdworks.selectors import SelectorSet
from watcher.crowdworks.site import Challenged, Fetched, Site
from watcher.errors import ExtractionError, Unhealthy
from watcher.i18n import _
from watcher.models import ClientSeen, ContractRow, HealthKind, InboxItem, Message, Notice, Problem, Workroom

PageHook = Callable[[str, str, str], None]  # (kind, url, html) of every page read
T = TypeVar("T")


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
    limits: evidence.EvidenceLimits = dataclasses.field(default_factory=evidence.EvidenceLimits)
    on_notice: Callable[[Notice], None] | None = None  # a copy not saved (space low, a write failed)
    _scan_folder: Path | None = dataclasses.field(default=None, init=False, repr=False)

    # -- helpers ---------------------------------------------------------------------------------

    def _seen(self, kind: str, fetched: Fetched) -> None:
        if self.on_page is not None:
            self.on_page(kind, fetched.url, fetched.html)

    def _seen_json(self, kind: str, url: str, body: Any) -> None:
        if self.on_page is not None:
            self.on_page(kind, self.site.url(url), json.dumps(body, ensure_ascii=False))

    def redactor(self) -> Redactor:
        """What a saved page must not show: everything personal the history and the login know."""
        known = self.known_strings()
        creds = self.site.credentials_seen
        if creds is not None:
            known |= {creds.email, creds.password}
        return Redactor(known, self.sel)

    def evidence_name(self, name: str) -> tuple[Path, str]:
        """This scan's evidence folder (one per scan, named by the time of its first saved page, UTC) and
        a file stem in it that nothing saved before has: ``workroom-963659463``, then
        ``workroom-963659463-2``. Two pages failing in one scan never overwrite each other."""
        if self._scan_folder is None:
            evidence.prune(self.layout_dir, self.limits, self.clock())
            stamp = self.clock().strftime("%Y%m%dT%H%M%SZ")
            folder = self.layout_dir / stamp
            n = 1
            while folder.exists():  # a second scan in the same second keeps its own folder
                n += 1
                folder = self.layout_dir / f"{stamp}-{n}"
            self._scan_folder = folder
        folder = self._scan_folder
        stem, n = name, 1
        while any((folder / f"{stem}{ext}").exists() for ext in (".html", ".png")):
            n += 1
            stem = f"{name}-{n}"
        return folder, stem

    async def save_evidence(self, page: Page, fetched: Fetched, kind: str, ident: int | str,
                            where: str, scripts: bool = True) -> tuple[str | None, str]:
        """Save ``fetched`` as evidence (``kind-ident.html`` and ``.png``, redacted), within the evidence
        folder's bounds (:mod:`~watcher.crowdworks.evidence`): ``(path of the saved HTML, "")``, or
        ``(None, why)`` when no copy was saved (space low, a write failed), with a notice naming
        ``where``. A copy is named saved only once its file is complete on disk."""
        free = evidence.low_space(self.layout_dir, self.limits)
        if free is not None:
            why = _("no copy of the page was saved: only {free} MB free on the disk (evidence_min_free_mb = "
                    "{limit:g})").format(free=free // evidence.MB, limit=self.limits.min_free_bytes / evidence.MB)
        else:
            try:
                folder, stem = self.evidence_name(f"{kind}-{ident}")
                return str(await self.site.save_copy(page, fetched, folder, stem, self.redactor().redact,
                                                     scripts)), ""
            except OSError as err:
                logger.warning("could not save the page: {}", err)
                why = _("no copy of the page was saved: {error}").format(error=err.strerror or err)
        if self.on_notice is not None:
            self.on_notice(Notice("evidence_skipped", where, why))
        return None, why

    async def _layout(self, page: Page, fetched: Fetched, exc: ExtractionError, kind: str,
                      ident: int | str) -> Unhealthy:
        """Save the page whose layout changed as evidence and the problem naming it (a copy that
        could not be saved is said so in the detail)."""
        saved, why = await self.save_evidence(page, fetched, kind, ident, exc.page)
        return Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, exc.page, f"{exc.what} ({why})" if why else exc.what,
                                 saved))

    async def _load(self, page: Page, path: str, kind: str, missing: tuple[str, str] | None,
                    **get: Any) -> Fetched:
        """One page through the site session (pacing, host guard, settling: ``Site.get`` with ``get``),
        shown to the progress hook. ``missing`` = (where, detail): the scan needs this page, so a 404
        is the site having moved it (a layout change named so), not "no data"; None: the caller
        looks at ``not_found`` itself. Raises Unhealthy."""
        try:
            fetched = await self.site.get(page, path, kind, **get)
        except Challenged as wall:  # the challenge page is kept, redacted, as a changed page is
            self._seen(kind, wall.fetched)
            p = wall.problem
            saved, why = await self.save_evidence(page, wall.fetched, "challenge", kind, p.page, scripts=False)
            raise Unhealthy(Problem(p.kind, p.page, f"{p.detail} ({why})" if why else p.detail, saved)) from None
        self._seen(kind, fetched)
        if missing is not None and fetched.not_found:
            raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, *missing)
        return fetched

    async def _read(self, page: Page, fetched: Fetched, kind: str, ident: int | str, read: Callable[[], T]) -> T:
        """``read()`` (a pure extractor over ``fetched``); its ExtractionError becomes the layout
        change, with the page saved as evidence (:meth:`_layout`). Raises Unhealthy."""
        try:
            return read()
        except ExtractionError as exc:
            raise await self._layout(page, fetched, exc, kind, ident) from None

    # -- the inbox ---------------------------------------------------------------------------------

    async def inbox(self, first: int, last: int | None,
                    more_wanted: Callable[[Sequence[InboxItem]], bool]) -> InboxReading:
        """Inbox pages ``first``.. (``last`` at most), while ``more_wanted(page_items)``.

        The list is the answer of the page's own API call (seen), never asked for directly; a page
        that made no such call is read as it shows (a guess). An answer that never came is
        unhealthy, never "no messages".
        """
        sel = self.sel
        page_no = first
        out: list[InboxItem] = []
        flags_all = True
        api = (_prefix(sel.urls.inbox_api),)
        async with self.site.page() as page:
            while True:
                path = sel.urls.inbox.format(page=page_no)
                fetched = await self._load(page, path, "inbox", ("inbox", _("{path} answered 404").format(path=path)),
                                           capture=api)
                reading: InboxPage | None = None
                for url, payload in fetched.json_payloads:  # the page's own JSON, when it loaded some
                    self._seen_json("inbox_api", url, payload)
                    reading = await self._read(page, fetched, "inbox", page_no,
                                               partial(inbox_from_json, payload, sel, f"inbox api page {page_no}"))
                    break
                if reading is None:  # no API answer (seen): only the page's own list (a guess) is left
                    try:
                        reading = extract_inbox(fetched.tree, sel, fetched.url)
                    except ExtractionError as exc:  # a guess that does not match proves no layout change
                        logger.info("inbox page {}: no API answer, and the page's own list is unreadable ({})",
                                    page_no, exc)
                    if reading is None or (not reading.items and not reading.says_empty):
                        # The page fills its list from its API call: an answer that never came is not
                        # "no messages", and not a changed page either.
                        raise Unhealthy.of(HealthKind.SITE_UNREACHABLE, f"inbox page {page_no}",
                                           _("the inbox's list never arrived (its own API answer did not "
                                             "come within {seconds} s)").format(
                                               seconds=f"{self.site.opts.page_timeout_s:g}"))
                # The replied flags come only with the JSON: without them, my replies are invisible here.
                flags_all = flags_all and all(i.is_replied is not None for i in reading.items)
                out.extend(reading.items)
                more_pages = (reading.total_pages > page_no if reading.total_pages is not None
                              else reading.next_url is not None)
                if not more_pages or not more_wanted(reading.items):
                    return InboxReading(tuple(unique(out)), flags_all, False)
                if last is not None and page_no >= last:
                    return InboxReading(tuple(unique(out)), flags_all, True)
                page_no += 1
                if page_no > self.max_list_pages:
                    raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, "inbox",
                                       _("more than {n} inbox pages: paging loops?").format(n=self.max_list_pages))

    # -- the active contracts --------------------------------------------------------------------

    async def contracts(self) -> list[ContractRow]:
        """Every row of the active contracts list, every page followed (paging is a guess)."""
        sel = self.sel
        page_no = 1
        rows: list[ContractRow] = []
        next_path: str | None = sel.urls.contracts
        async with self.site.page() as page:
            while next_path is not None:
                fetched = await self._load(page, next_path, "contracts",
                                           ("contracts", _("{path} answered 404").format(path=next_path)),
                                           ready=sel.ready.contracts.css)
                listing = await self._read(page, fetched, "contracts", page_no,
                                           partial(extract_contracts, fetched.tree, sel, fetched.url))
                for row in listing.rows:
                    if row.stage is None:
                        raise Unhealthy.of(HealthKind.UNKNOWN_STATUS, f"contracts page {page_no}",
                                           _("contract {id}: 「{label}」").format(id=row.contract_id,
                                                                                 label=row.status_label))
                rows.extend(listing.rows)
                page_no += 1
                next_path = listing.next_url
                if page_no > self.max_list_pages and next_path:
                    raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, "contracts",
                                       _("more than {n} list pages: paging loops?").format(n=self.max_list_pages))
        ids = [r.contract_id for r in rows]
        if len(set(ids)) != len(ids):
            raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, "contracts",
                               _("the same contract appeared on two list pages"))
        return rows

    # -- a workroom --------------------------------------------------------------------------------

    async def workroom(self, contract_id: int, row: ContractRow | None,
                       needs_older: Callable[[Workroom], bool]) -> Workroom:
        """The contract page and its whole thread.

        The thread comes from the site's own JSON (``messages.json``: the answer the page loaded, else
        fetched once through the browser context's request API, ``Site.fetch_json``), the page's
        messages as the fallback, unfolded when ``needs_older(room)``. The stage is what the page's
        sentences say; when the contract list's label (``row``) says another, that is
        ``unknown_status``, never a silent pick.
        """
        sel = self.sel
        site = self.site
        path = sel.urls.workroom.format(id=contract_id)
        where = workroom_page(sel, contract_id)
        async with site.page() as page:
            fetched = await self._load(page, path, "workroom", (where, _("listed as active but answered 404")),
                                       capture=(_template(sel.urls.thread_json),), ready=sel.ready.workroom.css)
            try:
                summary = extract_contract_page(fetched.tree, sel, fetched.url, site.worker_id)
                messages, source = await self._thread_json(page, fetched, summary.thread_id)
                folded = False
                if messages is None:
                    messages, folded, source = summary.messages, summary.folded, "dom"
                room = workroom_from(summary, row, messages, source, folded)
                if room.folded and needs_older(room):
                    more = await site.unfold(page, sel.thread.fold_text.pattern, "workroom_more")
                    if more is not None:
                        fetched = more
                        self._seen("workroom_more", fetched)
                        summary = extract_contract_page(fetched.tree, sel, fetched.url, site.worker_id)
                        room = workroom_from(summary, row, summary.messages, "dom", summary.folded)
                    if room.folded:  # the unfolding could not finish: the newest messages are certain
                        room = dataclasses.replace(room, folded=False, partial=True, cut_short=True)
                elif room.folded:
                    room = dataclasses.replace(room, folded=False, partial=True)  # the visible part suffices
            except ExtractionError as exc:
                raise await self._layout(page, fetched, exc, "workroom", contract_id) from None
        if room.contract_id != contract_id:
            raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, where,
                               _("the page is about contract {id}").format(id=room.contract_id))
        if row is not None and room.page_stage is not None and stage_family(room.page_stage) != stage_family(row.stage):
            raise Unhealthy.of(HealthKind.UNKNOWN_STATUS, where,
                               _("the contract list says 「{listed}」 but the contract page says 「{page}」").format(
                                   listed=row.status_label, page=summary.stage_text))
        if room.stage is None:
            said = row.status_label if row is not None else summary.stage_text
            raise Unhealthy.of(HealthKind.UNKNOWN_STATUS, where, _("no known state: 「{said}」").format(said=said))
        return room

    async def _thread_json(self, page: Page, fetched: Fetched,
                           thread_id: int) -> tuple[tuple[Message, ...] | None, str]:
        """The thread from its JSON: the answer the page itself loaded, else one request (``Site.fetch_json``)."""
        sel = self.sel
        path = sel.urls.thread_json.format(id=thread_id)
        body: Any = None
        for url, payload in fetched.json_payloads:
            if urlsplit(url).path == path:
                body = payload
                break
        if body is None:
            status, body = await self.site.fetch_json(page, path, "thread_json")
            if body is None:
                logger.info("thread {}: no JSON (HTTP {}); reading the page", thread_id, status)
                return None, "dom"
        self._seen_json("thread", path, body)
        try:
            return thread_from_json(body, sel, f"thread {path}"), "json"
        except ExtractionError as exc:
            logger.warning("thread {}: the JSON is unreadable ({}); reading the page", thread_id, exc)
            return None, "dom"

    # -- a client's profile ----------------------------------------------------------------------

    async def profile(self, client_id: int) -> ClientSeen:
        """A client's public profile, read as the server sends it, never drawn: what the reader reads
        (the ``#vue-container`` data, the last-access line) is in the page the server sends (seen: S3
        reads it with a plain GET), so no script has to run. Raises Unhealthy."""
        path = self.sel.urls.profile.format(id=client_id)
        async with self.site.page() as page:
            fetched = await self._load(page, path, "profile",
                                       (profile_page(self.sel, client_id), _("the client's profile answered 404")),
                                       render=False)
            return await self._read(page, fetched, "profile", client_id,
                                    partial(extract_profile, fetched.tree, self.sel, fetched.url, fetched.fetched_at))


    # -- applications ------------------------------------------------------------------------------

    async def proposals(self, known: Callable[[int], bool]) -> list[tuple[int, str]]:
        """The applications of ``/e/proposals`` (id, title), newest first. Paging stops at the last
        page, or at a page that lists one ``known`` application (newest first: the rest are older)."""
        sel = self.sel
        out: dict[int, str] = {}
        page_no = 1
        async with self.site.page() as page:
            while True:
                path = sel.urls.proposals.format(page=page_no)
                fetched = await self._load(page, path, "proposals",
                                           ("proposals", _("{path} answered 404").format(path=path)),
                                           ready=sel.ready.proposals.css)
                listing = await self._read(page, fetched, "proposals", page_no,
                                           partial(extract_proposals, fetched.tree, sel, fetched.url))
                fresh = [pid for pid, _title in listing.proposals if pid not in out]
                out.update(listing.proposals)
                more = listing.next_url is not None or (listing.total_pages or 0) > page_no
                if not more or not fresh or any(known(pid) for pid in fresh):  # the rest are older, known
                    return list(out.items())
                page_no += 1
                if page_no > self.max_list_pages:
                    raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, "proposals",
                                       _("more than {n} application pages: paging loops?").format(
                                           n=self.max_list_pages))

    async def proposal(self, proposal_id: int) -> ProposalPage | None:
        """An application's page; None when it has become a contract (the site redirects
        ``/proposals/ID`` to ``/contracts/ID``, seen): the contract list has it then."""
        sel = self.sel
        path = sel.urls.proposal.format(id=proposal_id)
        async with self.site.page() as page:
            fetched = await self._load(page, path, "proposal",
                                       (f"proposal {path}", _("listed as an application but answered 404")),
                                       ready=sel.ready.workroom.css)
            if _template(sel.urls.workroom).search(urlsplit(fetched.url).path):
                return None
            return await self._read(page, fetched, "proposal", proposal_id,
                                    partial(extract_proposal_page, fetched.tree, sel, fetched.url, self.site.worker_id))

    async def job_client(self, job_id: int) -> int | None:
        """The client of a public job page (the link to their profile: a guess). None when the page
        shows none: that one application's client stays unknown, the scan stays healthy."""
        path = self.sel.urls.job.format(id=job_id)
        async with self.site.page() as page:
            fetched = await self._load(page, path, "job", None)
            if fetched.not_found:
                return None
            return client_of_job(fetched.tree, self.sel, fetched.url)


def workroom_page(sel: SelectorSet, contract_id: int) -> str:
    """How a problem names a contract's workroom (``workroom /contracts/ID``)."""
    return f"workroom {sel.urls.workroom.format(id=contract_id)}"


def _prefix(path: str) -> re.Pattern[str]:
    """A request to ``path`` (with any query)."""
    return re.compile(re.escape(path) + r"(?:[?#]|$)")


def _template(path: str) -> re.Pattern[str]:
    """A request to a ``[urls]`` template such as ``/message/threads/{id}/messages.json``."""
    return re.compile(re.escape(path).replace(re.escape("{id}"), r"\d+") + r"(?:[?#]|$)")


def profile_page(sel: SelectorSet, client_id: int) -> str:
    """How a notice names a client's profile (``profile /public/employers/ID``)."""
    return f"profile {sel.urls.profile.format(id=client_id)}"
