"""One scan: site → extract → store → rules → alerts → notify, ending in one named outcome.

Health first: any problem met on the way (login, challenge, layout, unmapped status, network)
makes the scan unhealthy; it then stores only its own row and the health ledger, derives no
finding and notifies no finding. A healthy scan writes what it saw, runs the rules over the stored
history and notifies what the ledger has not seen, all in one transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loguru import logger

from watcher import alerts, rules
from watcher.errors import ExtractionError
from watcher.extract import (
    extract_contracts,
    extract_inbox,
    extract_profile,
    extract_workroom,
)
from watcher.models import (
    ClientSeen,
    ContractRow,
    Finding,
    HealthKind,
    InboxItem,
    Problem,
    Workroom,
)
from watcher.notify import Notifier
from watcher.selectorset import SelectorSet
from watcher.site import Fetched, Site, SiteProblem
from watcher.store import Store

JSON_SCHEMA = 1
LOGIN_BLOCK_KEY = "login_failed_at"


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
    health_notified: list[str] = field(default_factory=list)
    pages_by_kind: Counter[str] = field(default_factory=Counter)
    contracts_seen: int = 0
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
            "health_notified": self.health_notified,
            "pages_loaded": self.pages_loaded,
            "pages_by_kind": dict(sorted(self.pages_by_kind.items())),
            "contracts": self.contracts_seen,
            "logins": self.logins,
            "scan_id": self.scan_id,
        }


@dataclass
class ScanContext:
    sel: SelectorSet
    store: Store
    notifier: Notifier
    make_site: Callable[[bool], Site]  # login_allowed -> an unopened Site
    policy: rules.Policy
    layout_dir: Path
    health_notify_after: int = 2
    max_list_pages: int = 50
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


@dataclass
class _Seen:
    rows: list[ContractRow] = field(default_factory=list)
    workrooms: list[Workroom] = field(default_factory=list)
    clients: list[ClientSeen] = field(default_factory=list)
    inbox: list[InboxItem] = field(default_factory=list)


class _Unhealthy(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def _layout(site: Site, ctx: ScanContext, fetched: Fetched, exc: ExtractionError,
            kind: str) -> _Unhealthy:
    stamp = ctx.clock().strftime("%Y%m%dT%H%M%SZ")
    folder = ctx.layout_dir / stamp
    try:
        saved: str | None = str(site.save_copy(fetched, folder, kind))
    except OSError as err:
        saved = None
        logger.warning("could not save the changed page: {}", err)
    detail = f"{exc.field}: {exc.detail}" if exc.detail else f"{exc.field} not found"
    return _Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, exc.page, detail, saved))


def _read_site(site: Site, ctx: ScanContext, seen: _Seen) -> None:
    sel = ctx.sel
    # 0. The inbox's first page: the newest received messages (and a check that it still reads).
    inbox_path = sel.urls.inbox.format(page=1)
    fetched = site.get(inbox_path, "inbox")
    if fetched.not_found:
        raise _Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, "inbox", f"{inbox_path} answered 404"))
    try:
        seen.inbox.extend(extract_inbox(fetched.tree, sel, fetched.url).items)
    except ExtractionError as exc:
        raise _layout(site, ctx, fetched, exc, "inbox") from None
    # 1. The active contracts, page by page.
    page_no = 1
    next_path: str | None = sel.urls.contracts.format(page=1)
    while next_path is not None:
        fetched = site.get(next_path, "contracts")
        if fetched.not_found:
            raise _Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, "contracts",
                                     f"{next_path} answered 404"))
        try:
            listing = extract_contracts(fetched.tree, sel, fetched.url)
        except ExtractionError as exc:
            raise _layout(site, ctx, fetched, exc, "contracts") from None
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
    # 2. Each workroom, unfolding long threads.
    w = sel.workroom
    for row in seen.rows:
        path = sel.urls.workroom.format(id=row.contract_id)
        fetched = site.get(path, "workroom")
        if fetched.not_found:
            raise _Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, f"workroom {path}",
                                     "listed as active but answered 404"))
        try:
            room = extract_workroom(fetched.tree, sel, fetched.url, site.worker_id)
            if room.folded:
                more = site.expand_thread(w.show_more, w.show_more_texts, "workroom_more")
                if more is not None:
                    fetched = more
                    room = extract_workroom(fetched.tree, sel, fetched.url, site.worker_id)
                if room.folded:
                    raise ExtractionError(f"workroom {path}", "whole thread",
                                          "older messages stay folded")
        except ExtractionError as exc:
            raise _layout(site, ctx, fetched, exc, "workroom") from None
        if room.contract_id != row.contract_id:
            raise _Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, f"workroom {path}",
                                     f"the page is about contract {room.contract_id}"))
        if room.stage is None:
            raise _Unhealthy(Problem(HealthKind.UNKNOWN_STATUS, f"workroom {path}",
                                     f"「{room.status_label}」"))
        seen.workrooms.append(room)
    # 3. The profiles of clients whose answer I am waiting for, each once.
    awaited: list[int] = []
    for room in seen.workrooms:
        if rules.waited_since(room.messages) is not None and room.client_id not in awaited:
            awaited.append(room.client_id)
    for client_id in awaited:
        path = sel.urls.profile.format(id=client_id)
        fetched = site.get(path, "profile")
        if fetched.not_found:
            raise _Unhealthy(Problem(HealthKind.LAYOUT_CHANGED, f"profile {path}",
                                     "the client's profile answered 404"))
        try:
            seen.clients.append(extract_profile(fetched.tree, sel, fetched.url,
                                                fetched.fetched_at))
        except ExtractionError as exc:
            raise _layout(site, ctx, fetched, exc, "profile") from None


def run_scan(ctx: ScanContext) -> ScanResult:
    started = datetime.now(UTC)
    now = ctx.clock()
    result = ScanResult(started_at=started, now=now, healthy=True)
    login_allowed = ctx.store.get_meta(LOGIN_BLOCK_KEY) is None
    seen = _Seen()
    site = ctx.make_site(login_allowed)
    try:
        site.open()
        try:
            _read_site(site, ctx, seen)
        finally:
            if site.logins and not site.login_failed:
                try:
                    site.save_session()
                except Exception as exc:  # the scan still counts; the next one logs in again
                    logger.warning("could not save the session: {}", type(exc).__name__)
    except SiteProblem as exc:
        result.healthy = False
        result.problems.append(exc.problem)
    except _Unhealthy as exc:
        result.healthy = False
        result.problems.append(exc.problem)
    finally:
        site.close()
        result.pages_by_kind = Counter(site.loads)
        result.logins = site.logins
    result.contracts_seen = len(seen.rows)
    _record(ctx, result, seen, site)
    return result


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
            for client in seen.clients:
                store.save_client_seen(client, scan_id)
            store.mark_inactive_except(r.contract_id for r in seen.rows)
            result.findings = rules.evaluate(store.contract_states(), now, ctx.policy)
            open_keys = [r["key"] for r in store.open_alerts()]
            plan = alerts.plan_findings(result.findings, store.notified_keys(), open_keys)
            store.close_alerts(plan.close, now)
            for f in plan.notify:
                ctx.notifier.send(alerts.finding_note(f))
                store.record_finding_alert(f, now)
                result.notified.append(f)
        open_health = next((r["key"] for r in store.open_alerts()
                            if r["rule"] == alerts.HEALTH_RULE), None)
        hplan = alerts.plan_health(result.healthy, result.problems,
                                   store.consecutive_unhealthy() + (0 if result.healthy else 1),
                                   ctx.health_notify_after, open_health, scan_id)
        if hplan.notify_problem is not None and hplan.key:
            note = alerts.health_note(hplan.notify_problem)
            ctx.notifier.send(note)
            store.record_alert(hplan.key, alerts.HEALTH_RULE, 0, 1, None, note.title, note.body,
                               now)
            result.health_notified.append(str(hplan.notify_problem.kind))
        if hplan.notify_recovery and hplan.key:
            ctx.notifier.send(alerts.recovery_note())
            store.close_alerts([hplan.key], now)
            result.health_notified.append("recovered")
        store.add_scan(result.started_at, now, result.healthy, result.problems,
                       result.pages_loaded, len(result.findings))
