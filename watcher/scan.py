"""One scan: site → extract → store → rules → alerts → notify, ending in one named outcome.

Health first: any problem met on the way (login, challenge, layout, unmapped status, network)
makes the scan unhealthy; it then stores only its own row and the health ledger, derives no
finding and notifies no finding. A healthy scan writes what it saw, runs the rules over the stored
history and notifies what the ledger has not seen, all in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from loguru import logger
from playwright.async_api import Page

from watcher import alerts, plan, rules
from watcher.errors import ExtractionError
from watcher.extract import (
    extract_contracts,
    extract_inbox,
    extract_profile,
    extract_workroom,
    inbox_from_json,
)
from watcher.jptime import format_jst
from watcher.models import (
    ClientSeen,
    ContractRow,
    Finding,
    HealthKind,
    InboxItem,
    Problem,
    Stage,
    Workroom,
)
from watcher.notify import Notifier
from watcher.outbox import flush_outbox
from watcher.redact import Redactor
from watcher.selectorset import SelectorSet
from watcher.site import Fetched, Site, SiteProblem
from watcher.store import LOGIN_BLOCK_KEY, Store
from watcher.timeline import Mute

JSON_SCHEMA = 1
T = TypeVar("T")


class Outcome:
    OK = "ok"  # healthy, nothing to act on
    FINDINGS = "findings"  # healthy, findings open
    UNHEALTHY = "unhealthy"


@dataclass
class ScanResult:
    started_at: datetime
    now: datetime
    healthy: bool
    problems: list[Problem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notified: list[Finding] = field(default_factory=list)
    held: list[Finding] = field(default_factory=list)  # found, not notified: the contract is muted
    health_notified: list[str] = field(default_factory=list)
    pages_by_kind: Counter[str] = field(default_factory=Counter)
    contracts_seen: int = 0
    workrooms_loaded: dict[int, str] = field(default_factory=dict)
    logins: int = 0
    scan_id: int = 0

    @property
    def outcome(self) -> str:
        if not self.healthy:
            return Outcome.UNHEALTHY
        return Outcome.FINDINGS if self.findings else Outcome.OK

    @property
    def pages_loaded(self) -> int:
        return sum(self.pages_by_kind.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": JSON_SCHEMA,
            "outcome": self.outcome,
            "healthy": self.healthy,
            "now": self.now.isoformat(),
            "problems": [p.to_json() for p in self.problems],
            "findings": [f.to_json() for f in self.findings],
            "notified": [f.to_json() for f in self.notified],
            "held": [f.to_json() for f in self.held],
            "health_notified": self.health_notified,
            "pages_loaded": self.pages_loaded,
            "pages_by_kind": dict(sorted(self.pages_by_kind.items())),
            "contracts": self.contracts_seen,
            "workrooms_loaded": {str(k): v for k, v in self.workrooms_loaded.items()},
            "logins": self.logins,
            "scan_id": self.scan_id,
        }


@dataclass
class ScanContext:
    sel: SelectorSet
    store: Store
    notifier: Notifier | None  # None: leave the notes in the outbox (the daemon delivers them)
    make_site: Callable[[bool], Site]  # login_allowed -> an unopened Site
    policy: rules.Policy
    layout_dir: Path
    health_notify_after: int = 2
    max_list_pages: int = 50
    profile_ttl: timedelta = timedelta(hours=3)
    revalidate: timedelta = timedelta(hours=12)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    on_page: Callable[[str, str, str], None] | None = None  # (kind, url, html) of every page read


@dataclass
class _Seen:
    rows: list[ContractRow] = field(default_factory=list)
    workrooms: list[Workroom] = field(default_factory=list)
    clients: list[ClientSeen] = field(default_factory=list)
    inbox: list[InboxItem] = field(default_factory=list)
    replied_flags: bool = False
    loaded_why: dict[int, str] = field(default_factory=dict)


class _Unhealthy(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def redactor(ctx: ScanContext, site: Site) -> Redactor:
    """What a saved page must not show: everything personal the history and the login know."""
    known = ctx.store.personal_strings()
    creds = site.credentials_seen
    if creds is not None:
        known |= {creds.email, creds.password}
    return Redactor(known, ctx.sel)


async def _layout(site: Site, page: Page, ctx: ScanContext, fetched: Fetched, exc: ExtractionError,
                  kind: str) -> _Unhealthy:
    stamp = ctx.clock().strftime("%Y%m%dT%H%M%SZ")
    folder = ctx.layout_dir / stamp
    try:
        saved: str | None = str(await site.save_copy(page, fetched, folder, kind, redactor(ctx, site).redact))
    except OSError as err:
        saved = None
        logger.warning("could not save the changed page: {}", err)
    detail = f"{exc.field}: {exc.detail}" if exc.detail else f"{exc.field} not found"
    return _Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, exc.page, detail, saved))


def _found(fetched: Fetched, page: str, detail: str) -> None:
    """A page the scan needs answered 404: the site moved it (a layout change), not "no data"."""
    if fetched.not_found:
        raise _Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, page, detail))


def _seen_page(ctx: ScanContext, kind: str, fetched: Fetched) -> None:
    if ctx.on_page is not None:
        ctx.on_page(kind, fetched.url, fetched.html)


async def _read_inbox(site: Site, ctx: ScanContext, seen: _Seen, cutoff: datetime | None,
                      first: int, last: int | None) -> bool:
    """Inbox pages ``first``.. (``last`` at most); True when more pages may be needed."""
    sel = ctx.sel
    page_no = first
    async with site.page() as page:
        while True:
            path = sel.urls.inbox.format(page=page_no)
            fetched = await site.get(page, path, "inbox", capture=sel.urls.inbox_api)
            _seen_page(ctx, "inbox", fetched)
            _found(fetched, "inbox", f"{path} answered 404")
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
                    raise await _layout(site, page, ctx, fetched, exc, "inbox") from None
            seen.replied_flags = flags and (page_no == 1 or seen.replied_flags)
            seen.inbox.extend(items)
            if not next_url or not plan.need_next_inbox_page(items, cutoff):
                return False
            if last is not None and page_no >= last:
                return True
            page_no += 1
            if page_no > ctx.max_list_pages:
                raise _Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, "inbox",
                                         f"more than {ctx.max_list_pages} inbox pages: paging loops?"))


async def _read_contracts(site: Site, ctx: ScanContext, seen: _Seen) -> None:
    sel = ctx.sel
    page_no = 1
    next_path: str | None = sel.urls.contracts.format(page=1)
    async with site.page() as page:
        while next_path is not None:
            fetched = await site.get(page, next_path, "contracts")
            _seen_page(ctx, "contracts", fetched)
            _found(fetched, "contracts", f"{next_path} answered 404")
            try:
                listing = extract_contracts(fetched.tree, sel, fetched.url)
            except ExtractionError as exc:
                raise await _layout(site, page, ctx, fetched, exc, "contracts") from None
            for row in listing.rows:
                if row.stage is None:
                    raise _Unhealthy(Problem(HealthKind.UNKNOWN_STATUS, f"contracts page {page_no}",
                                             f"contract {row.contract_id}: 「{row.status_label}」"))
            seen.rows.extend(listing.rows)
            page_no += 1
            next_path = listing.next_url
            if page_no > ctx.max_list_pages and next_path:
                raise _Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, "contracts",
                                         f"more than {ctx.max_list_pages} list pages: paging loops?"))
    ids = [r.contract_id for r in seen.rows]
    if len(set(ids)) != len(ids):
        raise _Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, "contracts",
                                 "the same contract appeared on two list pages"))


async def _read_workroom(site: Site, ctx: ScanContext, row: ContractRow, full: bool) -> Workroom:
    sel = ctx.sel
    w = sel.workroom
    path = sel.urls.workroom.format(id=row.contract_id)
    async with site.page() as page:
        fetched = await site.get(page, path, "workroom")
        _seen_page(ctx, "workroom", fetched)
        _found(fetched, f"workroom {path}", "listed as active but answered 404")
        try:
            room = extract_workroom(fetched.tree, sel, fetched.url, site.worker_id)
            if room.folded and plan.must_unfold(room.messages, room.stage,
                                                ctx.store.has_delivery(row.contract_id), full):
                more = await site.expand_thread(page, w.show_more, w.show_more_texts, "workroom_more")
                if more is not None:
                    fetched = more
                    _seen_page(ctx, "workroom_more", fetched)
                    room = extract_workroom(fetched.tree, sel, fetched.url, site.worker_id)
                if room.folded:
                    raise ExtractionError(f"workroom {path}", "whole thread", "older messages stay folded")
            elif room.folded:
                room = dataclasses.replace(room, folded=False, partial=True)  # the visible part suffices
        except ExtractionError as exc:
            raise await _layout(site, page, ctx, fetched, exc, "workroom") from None
    if room.contract_id != row.contract_id:
        raise _Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, f"workroom {path}",
                                 f"the page is about contract {room.contract_id}"))
    if room.stage is None:
        raise _Unhealthy(Problem(HealthKind.UNKNOWN_STATUS, f"workroom {path}", f"「{room.status_label}」"))
    return room


def _check_threads_whole(store: Store, seen: _Seen) -> None:
    """A workroom must show every message the inbox listed for its thread (see plan.unseen_received)."""
    received = store.received_by_thread()
    for item in seen.inbox:
        received[item.thread_id] = max(item.sent_at, received.get(item.thread_id, item.sent_at))
    for room in seen.workrooms:
        newest = received.get(room.thread_id) if room.thread_id is not None else None
        lost = plan.unseen_received(room.messages, newest)
        if lost is not None:
            raise _Unhealthy(Problem(
                HealthKind.LAYOUT_CHANGED, f"workroom /contracts/{room.contract_id}",
                f"the inbox lists a message of {format_jst(lost)} that the workroom does not show"))


EMPTY_LIST_CHECKS = 3


async def _confirm_all_ended(site: Site, ctx: ScanContext, known: dict[int, plan.Known], full: bool) -> None:
    """An empty active list while contracts were active: believe it only if their workrooms agree.

    A list that loses every row at once is more often a page that changed or failed to render its
    table than the end of all work. Up to EMPTY_LIST_CHECKS of the vanished contracts (the most
    recently active first) are read; each must show a stage the selectors map to ``finished``.
    """
    recent = sorted(known.values(), key=lambda k: k.last_message_at or datetime.min.replace(tzinfo=UTC),
                    reverse=True)[:EMPTY_LIST_CHECKS]
    for k in recent:
        row = ContractRow(k.contract_id, "", "", k.status_label, ctx.sel.stage_of(k.status_label))
        room = await _read_workroom(site, ctx, row, full)
        if room.stage is not Stage.FINISHED:
            raise _Unhealthy(Problem(
                HealthKind.LAYOUT_CHANGED, "contracts",
                f"the active list is empty, yet {len(known)} contracts were active and contract "
                f"{k.contract_id}'s workroom still reads 「{room.status_label}」"))


async def _read_profile(site: Site, ctx: ScanContext, client_id: int) -> ClientSeen:
    path = ctx.sel.urls.profile.format(id=client_id)
    async with site.page() as page:
        fetched = await site.get(page, path, "profile")
        _seen_page(ctx, "profile", fetched)
        _found(fetched, f"profile {path}", "the client's profile answered 404")
        try:
            return extract_profile(fetched.tree, ctx.sel, fetched.url, fetched.fetched_at)
        except ExtractionError as exc:
            raise await _layout(site, page, ctx, fetched, exc, "profile") from None


async def _all(jobs: list[Coroutine[Any, Any, T]]) -> list[T]:
    """Run jobs on the page pool; the first failure cancels the rest and is raised."""
    tasks = [asyncio.ensure_future(j) for j in jobs]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _read_site(site: Site, ctx: ScanContext, seen: _Seen, full: bool, now: datetime) -> None:
    store = ctx.store
    known = store.known_contracts()
    cutoff = plan.inbox_cutoff(store.last_healthy_time())
    # 1. The list pages. The inbox's first page alone (it meets the login wall if there is one),
    #    then its further pages and the active contracts side by side.
    more = await _read_inbox(site, ctx, seen, cutoff, 1, 1)
    jobs = [_read_contracts(site, ctx, seen)]
    if more:
        jobs.append(_read_inbox(site, ctx, seen, cutoff, 2, None))
    await _all(jobs)
    if not seen.rows and known:
        await _confirm_all_ended(site, ctx, known, full)
    # 2. The workrooms that can have changed.
    seen.loaded_why = plan.plan_workrooms(seen.rows, known, seen.inbox, seen.replied_flags,
                                          store.inbox_seen_ids(), now, ctx.revalidate, full)
    by_id = {r.contract_id: r for r in seen.rows}
    seen.workrooms = await _all([_read_workroom(site, ctx, by_id[cid], full) for cid in seen.loaded_why])
    _check_threads_whole(store, seen)
    # 3. The profiles of the clients whose answer I am waiting for.
    fresh = {w.contract_id: w for w in seen.workrooms}
    awaited: list[int] = []
    for row in seen.rows:
        room = fresh.get(row.contract_id)
        if room is not None:
            messages, client = room.messages, room.client_id
        elif row.contract_id in known:
            messages, client = tuple(store.messages_of(row.contract_id)), known[row.contract_id].client_id
        else:
            continue
        if rules.waited_since(messages) is not None:
            awaited.append(client)
    wanted = plan.plan_profiles(awaited, store.profiles_observed_at(), now, ctx.profile_ttl, full)
    seen.clients = await _all([_read_profile(site, ctx, cid) for cid in wanted])


async def _scan(ctx: ScanContext, result: ScanResult, seen: _Seen, site: Site, full: bool) -> None:
    try:
        await site.open()
        try:
            await _read_site(site, ctx, seen, full, result.now)
        finally:
            if site.logged_in_by_us:
                try:
                    await site.save_session()
                except Exception as exc:  # the scan still counts; the next one logs in again
                    logger.warning("could not save the session: {}", type(exc).__name__)
    except SiteProblem as exc:
        result.healthy = False
        result.problems.append(exc.problem)
    except _Unhealthy as exc:
        result.healthy = False
        result.problems.append(exc.problem)
    finally:
        await site.close()


def run_scan(ctx: ScanContext, full: bool = False) -> ScanResult:
    started = datetime.now(UTC)
    now = ctx.clock()
    result = ScanResult(started_at=started, now=now, healthy=True)
    login_allowed = ctx.store.get_meta(LOGIN_BLOCK_KEY) is None
    seen = _Seen()
    site = ctx.make_site(login_allowed)
    asyncio.run(_scan(ctx, result, seen, site, full))
    result.pages_by_kind = Counter(site.loads)
    result.logins = site.logins
    result.contracts_seen = len(seen.rows)
    result.workrooms_loaded = dict(seen.loaded_why)
    _record(ctx, result, seen, site)
    if ctx.notifier is not None:
        flush_outbox(ctx.store, ctx.notifier)
    return result




def _muted(store: Store, states: list[rules.ContractState], now: datetime) -> set[int]:
    """Contracts whose notifications a mute holds now (a snooze ends when the client replies)."""
    rows = store.mutes()
    out = set()
    for st in states:
        row = rows.get(st.contract_id)
        if row is not None and Mute.from_row(row).active(rules.waited_since(st.messages), now):
            out.add(st.contract_id)
    return out


def _record(ctx: ScanContext, result: ScanResult, seen: _Seen, site: Site) -> None:
    store = ctx.store
    now = result.now
    with store.transaction():
        scan_id = store.next_scan_id()
        result.scan_id = scan_id
        if site.login_failed:
            store.set_meta(LOGIN_BLOCK_KEY, now.isoformat())
        if result.healthy:
            for room in seen.workrooms:
                store.save_workroom(room, now, scan_id)
            store.touch_contracts((r.contract_id for r in seen.rows
                                   if r.contract_id not in seen.loaded_why), now)
            store.save_inbox_seen(seen.inbox, now)
            for client in seen.clients:
                store.save_client_seen(client, scan_id)
            store.mark_inactive_except(r.contract_id for r in seen.rows)
            states = store.contract_states()
            result.findings = rules.evaluate(states, now, ctx.policy)
            open_keys = [r["key"] for r in store.open_alerts()]
            plan = alerts.plan_findings(result.findings, store.notified_keys(), open_keys)
            store.close_alerts(plan.close, now)
            held = _muted(store, states, now)
            for f in plan.notify:
                if f.contract_id in held:  # a mute or snooze holds it; it notifies once the mute ends
                    result.held.append(f)
                    continue
                store.enqueue(alerts.finding_note(f), now)
                store.record_finding_alert(f, now)
                result.notified.append(f)
        open_health = next((r["key"] for r in store.open_alerts()
                            if r["rule"] == alerts.HEALTH_RULE), None)
        hplan = alerts.plan_health(result.healthy, result.problems,
                                   store.consecutive_unhealthy() + (0 if result.healthy else 1),
                                   ctx.health_notify_after, open_health, scan_id)
        if hplan.notify_problem is not None and hplan.key:
            note = alerts.health_note(hplan.notify_problem)
            store.enqueue(note, now)
            store.record_alert(hplan.key, alerts.HEALTH_RULE, 0, 1, None, note.title, note.body,
                               now)
            result.health_notified.append(str(hplan.notify_problem.kind))
        if hplan.notify_recovery and hplan.key:
            store.enqueue(alerts.recovery_note(), now)
            store.close_alerts([hplan.key], now)
            result.health_notified.append("recovered")
        store.add_scan(result.started_at, now, result.healthy, result.problems,
                       result.pages_loaded, len(result.findings))
