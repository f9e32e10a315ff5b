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
import signal
import sqlite3
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from loguru import logger

from watcher.crowdworks.pages import InboxReading, Pages, profile_page, workroom_page
from watcher.crowdworks.selectors import SelectorSet
from watcher.crowdworks.site import Site
from watcher.decide import alerts, plan, rules, vetting
from watcher.errors import CwError, Unhealthy, first_line
from watcher.i18n import _, ngettext
from watcher.jptime import format_jst
from watcher.models import (
    ClientSeen,
    ContractRow,
    Finding,
    HealthKind,
    InboxItem,
    Known,
    Notice,
    Problem,
    ProposalSeen,
    Stage,
    VettingRecord,
    Workroom,
)
from watcher.notify.desktop import Notifier
from watcher.notify.health import record_health
from watcher.notify.outbox import flush_outbox
from watcher.store import LOGIN_BLOCK_KEY, Store

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
    notices: list[Notice] = field(default_factory=list)  # what one client's page did not let us read
    findings: list[Finding] = field(default_factory=list)
    notified: list[Finding] = field(default_factory=list)
    held: list[Finding] = field(default_factory=list)  # found, not notified: the contract is muted
    health_notified: list[str] = field(default_factory=list)
    pages_by_kind: Counter[str] = field(default_factory=Counter)
    contracts_seen: int = 0
    workrooms_loaded: dict[int, str] = field(default_factory=dict)
    thread_sources: dict[int, str] = field(default_factory=dict)  # contract id -> "json" | "dom"
    vetted: list[VettingRecord] = field(default_factory=list)  # clients vetted in this scan
    vetted_notified: list[str] = field(default_factory=list)  # "contract:ID" / "proposal:ID" notified now
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
            "notices": [n.to_json() for n in self.notices],
            "findings": [f.to_json() for f in self.findings],
            "notified": [f.to_json() for f in self.notified],
            "held": [f.to_json() for f in self.held],
            "health_notified": self.health_notified,
            "pages_loaded": self.pages_loaded,
            "pages_by_kind": dict(sorted(self.pages_by_kind.items())),
            "contracts": self.contracts_seen,
            "workrooms_loaded": {str(k): v for k, v in self.workrooms_loaded.items()},
            "thread_sources": {str(k): v for k, v in self.thread_sources.items()},
            "vetted": [{"subject": v.subject, "id": v.subject_id, "client_id": v.client_id, "verdict": v.verdict,
                        "notified": f"{v.subject}:{v.subject_id}" in self.vetted_notified} for v in self.vetted],
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
    timeout: timedelta = timedelta(minutes=10)  # a scan still running after this is stopped, unhealthy
    watch_applications: bool = True  # read /e/proposals and vet the clients who answer
    vet_policy: vetting.VetPolicy = field(default_factory=vetting.VetPolicy)
    proposal_url: str = ""  # the application page, e.g. "https://…/proposals/{id}"


@dataclass
class _Seen:
    rows: list[ContractRow] = field(default_factory=list)
    workrooms: list[Workroom] = field(default_factory=list)
    clients: list[ClientSeen] = field(default_factory=list)
    inbox: list[InboxItem] = field(default_factory=list)
    replied_flags: bool = False
    loaded_why: dict[int, str] = field(default_factory=dict)
    new_contracts: list[int] = field(default_factory=list)  # first seen in this scan: vetted once
    proposals: list[ProposalSeen] = field(default_factory=list)  # applications read in this scan
    applications_to_vet: list[ProposalSeen] = field(default_factory=list)  # their client wrote, not vetted yet
    notices: list[Notice] = field(default_factory=list)


def _check_threads_whole(ctx: ScanContext, seen: _Seen) -> None:
    """A workroom must show every message this scan's inbox listed for its thread (see
    plan.unseen_received). Only what is there now is compared: a message the history once held and
    the site has since removed is a removal (recorded), not a page that lost it."""
    received: dict[int, datetime] = {}
    for item in seen.inbox:
        received[item.thread_id] = max(item.sent_at, received.get(item.thread_id, item.sent_at))
    for room in seen.workrooms:
        newest = received.get(room.thread_id) if room.thread_id is not None else None
        lost = plan.unseen_received(room.messages, newest)
        if lost is not None:
            raise Unhealthy.of(
                HealthKind.LAYOUT_CHANGED, workroom_page(ctx.sel, room.contract_id),
                _("the inbox lists a message of {time} that the workroom does not show").format(time=format_jst(lost)))


EMPTY_LIST_CHECKS = 3


async def _confirm_all_ended(pages: Pages, ctx: ScanContext, known: dict[int, Known], full: bool) -> None:
    """An empty active list while contracts were active: believe it only if their workrooms agree.

    A list that loses every row at once is more often a page that changed or failed to render its
    table than the end of all work. Up to EMPTY_LIST_CHECKS of the vanished contracts (the most
    recently active first) are read; each must show a stage the selectors map to ``finished``.
    """
    recent = sorted(known.values(), key=lambda k: k.last_message_at or datetime.min.replace(tzinfo=UTC),
                    reverse=True)[:EMPTY_LIST_CHECKS]
    for k in recent:
        room = await pages.workroom(k.contract_id, None, _needs_older(ctx, full))
        if room.stage is not Stage.FINISHED:
            raise Unhealthy.of(
                HealthKind.LAYOUT_CHANGED, "contracts",
                ngettext("the active list is empty, yet {n} contract was active and contract {id}'s workroom "
                         "still reads 「{label}」",
                         "the active list is empty, yet {n} contracts were active and contract {id}'s workroom "
                         "still reads 「{label}」", len(known)).format(n=len(known), id=k.contract_id,
                                                                      label=room.status_label))


def _needs_older(ctx: ScanContext, full: bool) -> Callable[[Workroom], bool]:
    def needs(room: Workroom) -> bool:
        return plan.must_unfold(room.messages, room.stage, ctx.store.has_delivery(room.contract_id), full)
    return needs


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


async def _read_site(pages: Pages, ctx: ScanContext, seen: _Seen, full: bool, now: datetime) -> None:
    store = ctx.store
    known = store.known_contracts()
    cutoff = plan.inbox_cutoff(store.last_healthy_time())

    def more_wanted(items: Sequence[InboxItem]) -> bool:
        return plan.need_next_inbox_page(items, cutoff)

    # 1. The list pages. The inbox's first page alone (it meets the login wall if there is one),
    #    then its further pages and the active contracts side by side.
    first = await pages.inbox(1, 1, more_wanted)
    jobs: list[Coroutine[Any, Any, Any]] = [pages.contracts()]
    if first.more:
        jobs.append(pages.inbox(2, None, more_wanted))
    done = await _all(jobs)
    seen.rows = done[0]
    seen.inbox = list(first.items)
    seen.replied_flags = first.replied_flags
    if first.more:
        rest: InboxReading = done[1]
        seen.inbox.extend(rest.items)
        seen.replied_flags = seen.replied_flags and rest.replied_flags
    if not seen.rows and known:
        await _confirm_all_ended(pages, ctx, known, full)
    # 2. The workrooms that can have changed.
    seen.loaded_why = plan.plan_workrooms(seen.rows, known, seen.inbox, seen.replied_flags,
                                          store.inbox_seen_ids(), now, ctx.revalidate, full)
    needs_older = _needs_older(ctx, full)
    by_id = {r.contract_id: r for r in seen.rows}
    seen.workrooms = await _all([pages.workroom(cid, by_id[cid], needs_older) for cid in seen.loaded_why])
    _check_threads_whole(ctx, seen)
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
    # 3b. New contracts and applications whose client wrote: their clients are vetted once.
    new = [w for w in seen.workrooms if w.contract_id not in known]
    seen.new_contracts = [w.contract_id for w in new]
    to_vet = [w.client_id for w in new]
    if ctx.watch_applications:
        await _read_applications(pages, ctx, seen)
        seen.applications_to_vet = _proposals_to_vet(store, seen)
        to_vet += [p.client_id for p in seen.applications_to_vet if p.client_id is not None]
    wanted = plan.plan_profiles([*awaited, *to_vet], store.profiles_observed_at(), now, ctx.profile_ttl, full)
    seen.clients = await _all([pages.profile(cid) for cid in wanted])


async def _read_applications(pages: Pages, ctx: ScanContext, seen: _Seen) -> None:
    """The applications list, the pages of new applications and of those whose thread the inbox says
    moved (``proposal_status`` "proposed"), and, once, each application's client (from its job page)."""
    store = ctx.store
    known = store.known_proposals()
    listed = await pages.proposals(lambda pid: pid in known)
    titles = dict(listed)
    by_thread = {p.thread_id: p.proposal_id for p in known.values() if p.thread_id is not None}
    inbox_known = store.inbox_seen_ids()
    proposed = ctx.sel.inbox_api.proposed.value
    stirred = {by_thread[i.thread_id] for i in seen.inbox if i.thread_id in by_thread
               and i.proposal_status == proposed and i.message_id not in inbox_known}
    to_read = [pid for pid, _title in listed
               if pid not in known or (pid in stirred and known[pid].client_wrote_at is None)]
    read = await _all([pages.proposal(pid) for pid in to_read])
    out: list[ProposalSeen] = []
    for pid, page in zip(to_read, read, strict=True):
        before = known.get(pid)
        if page is None:  # it became a contract: the contract list has it, and vets its client. Kept
            # as known (the store keeps what it knew), so a list that still shows it costs no request
            # again; with no job and no client's message here, it is neither looked up nor vetted.
            out.append(ProposalSeen(pid, titles.get(pid, ""), first_seen=before.first_seen if before else None))
            continue
        out.append(ProposalSeen(pid, page.title or titles.get(pid, ""), page.job_id or (before and before.job_id),
                                before.client_id if before else None, page.thread_id, page.client_wrote,
                                before.first_seen if before else None))
    jobs = [p for p in out if p.client_id is None and p.job_id is not None]
    clients = await _all([pages.job_client(p.job_id) for p in jobs if p.job_id is not None])
    found = {p.proposal_id: c for p, c in zip(jobs, clients, strict=True)}
    for i, p in enumerate(out):
        if p.proposal_id in found:
            cid = found[p.proposal_id]
            out[i] = dataclasses.replace(p, client_id=cid)
            if cid is None:
                seen.notices.append(Notice(
                    "unknown_client", f"job {ctx.sel.urls.job.format(id=p.job_id)}",
                    _("application {id}: the job page shows no link to its client's profile; "
                      "that application's client is not vetted (what does your page show?)").format(id=p.proposal_id)))
    seen.proposals = out


def _proposals_to_vet(store: Store, seen: _Seen) -> list[ProposalSeen]:
    """Applications whose client has written and who was not vetted for them yet."""
    vetted = store.vettings("proposal")
    merged = dict(store.known_proposals())
    merged.update({p.proposal_id: p for p in seen.proposals})
    return [p for p in merged.values() if p.client_wrote_at is not None and p.client_id is not None
            and p.proposal_id not in vetted]


class Interrupted(KeyboardInterrupt):
    """The person stopped the scan (Ctrl-C): nothing is recorded, no health problem is counted."""


async def _scan(ctx: ScanContext, result: ScanResult, seen: _Seen, site: Site, full: bool) -> None:
    pages = Pages(site, ctx.sel, ctx.layout_dir, ctx.store.personal_strings, ctx.clock,
                  ctx.max_list_pages, ctx.on_page)
    try:
        await site.open()
        try:
            await _read_site(pages, ctx, seen, full, result.now)
        finally:
            if site.logged_in_by_us:
                try:
                    await site.save_session()
                except Exception as exc:  # the scan still counts; the next one logs in again
                    logger.warning("could not save the session: {}", type(exc).__name__)
    except Unhealthy as exc:
        result.healthy = False
        result.problems.append(exc.problem)
    finally:
        await site.close()


def _unhealthy(result: ScanResult, kind: HealthKind, page: str, detail: str) -> None:
    result.healthy = False
    result.problems.append(Problem(kind, page, detail))


async def _guarded(ctx: ScanContext, result: ScanResult, seen: _Seen, site: Site, full: bool) -> bool:
    """The scan within its time limit, Ctrl-C and any unexpected error each ending it one named way.

    Returns True when the person interrupted it (SIGINT): then nothing is to be recorded. A scan
    past ``ctx.timeout`` is ``site_unreachable``; an error of cwwatch's own is ``scan_failed`` (its
    traceback goes to the log, never to the person).
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(_scan(ctx, result, seen, site, full))
    interrupted = False

    def on_sigint() -> None:
        nonlocal interrupted
        interrupted = True
        task.cancel()

    installed = False
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
        loop.add_signal_handler(signal.SIGINT, on_sigint)
        installed = True
    try:
        await asyncio.wait_for(asyncio.shield(task), ctx.timeout.total_seconds())
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        minutes = ctx.timeout.total_seconds() / 60
        _unhealthy(result, HealthKind.SITE_UNREACHABLE, "scan",
                   _("the scan did not finish within {minutes} min ({key}); stopped").format(
                       minutes=f"{minutes:g}", key="scan_timeout_min"))
    except asyncio.CancelledError:
        if not interrupted:
            raise
    except Exception as exc:
        logger.opt(exception=exc).error("the scan stopped on an unexpected error")
        _unhealthy(result, HealthKind.SCAN_FAILED, "scan", f"{type(exc).__name__}: {first_line(exc)}")
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGINT)
    return interrupted


def run_scan(ctx: ScanContext, full: bool = False) -> ScanResult:
    """One scan, recorded in one transaction, then the outbox delivered (when there is a notifier).

    Raises Interrupted (a KeyboardInterrupt) when the person pressed Ctrl-C: nothing is recorded.
    """
    started = datetime.now(UTC)
    now = ctx.clock()
    result = ScanResult(started_at=started, now=now, healthy=True)
    login_allowed = ctx.store.get_meta(LOGIN_BLOCK_KEY) is None
    seen = _Seen()
    site = ctx.make_site(login_allowed)
    try:
        interrupted = asyncio.run(_guarded(ctx, result, seen, site, full))
    except KeyboardInterrupt:
        interrupted = True
    if interrupted:
        raise Interrupted()
    result.pages_by_kind = Counter(site.loads)
    result.logins = site.logins
    result.contracts_seen = len(seen.rows)
    result.workrooms_loaded = dict(seen.loaded_why)
    result.thread_sources = {w.contract_id: w.source for w in seen.workrooms}
    result.notices = seen.notices + [Notice("unreadable_access", profile_page(ctx.sel, c.client_id),
                             _("the last access reads 「{text}」, a wording cwwatch cannot read: taken as "
                               "unknown ({rule}, never {quiet}); what does your page show?").format(
                                 text=c.last_access_unreadable, rule="no_reply", quiet="quiet_client"))
                      for c in seen.clients if c.last_access_unreadable]
    try:
        _record(ctx, result, seen, site)
    except (OSError, sqlite3.Error, CwError):
        raise  # the disk or the history failed: said in one line by the command, nothing half written
    except Exception as exc:  # an error of ours while deciding: nothing of this scan's reading is kept
        logger.opt(exception=exc).error("the scan stopped on an unexpected error while recording")
        failed = ScanResult(started_at=started, now=now, healthy=True, pages_by_kind=result.pages_by_kind,
                            logins=result.logins)
        _unhealthy(failed, HealthKind.SCAN_FAILED, "scan", f"{type(exc).__name__}: {first_line(exc)}")
        _record(ctx, failed, _Seen(), site)  # the transaction above was rolled back
        result = failed
    if ctx.notifier is not None:
        flush_outbox(ctx.store, ctx.notifier)
    return result


def vet_client(store: Store, client_id: int, now: datetime, policy: vetting.VetPolicy,
               rules_policy: rules.Policy, fresh: ClientSeen | None = None,
               exclude: int | None = None) -> tuple[str, vetting.Verdict] | None:
    """The client's name and verdict from their profile (``fresh``, else the last one the history
    holds) and the worker's own history with them (but contract ``exclude``). None when no profile
    of theirs was ever read."""
    if fresh is not None:
        name, record, access = fresh.name, fresh.record, fresh.last_access
    else:
        kept = store.client_record(client_id)
        if kept is None:
            return None
        name, record = kept
        seen_access = store.latest_access(client_id)
        access = seen_access.interval if seen_access is not None else None
    history = client_history(store, client_id, now, policy, rules_policy, exclude)
    return name, vetting.vet(record, access, history, now, policy)


def client_history(store: Store, client_id: int, now: datetime, policy: vetting.VetPolicy,
                   rules_policy: rules.Policy, exclude: int | None = None) -> vetting.History:
    """The worker's own history with the client, as the vetting weighs it (every contract the store
    holds with them but ``exclude``; delays in business days, ``now`` given)."""
    return vetting.history_of(store.past_contracts(client_id, exclude=exclude), now, policy,
                              rules_policy.acceptance_days, rules_policy.year_end_break)


def _vet_new(ctx: ScanContext, result: ScanResult, seen: _Seen, now: datetime) -> None:
    """Vet the clients of the contracts first seen now, and of the applications whose client wrote;
    each subject once. A caution or warning about a contract, a warning about an application,
    notifies (rule ``client_risk``), once: the verdict kept in the history is the ledger."""
    store = ctx.store
    fresh = {c.client_id: c for c in seen.clients}
    rooms = {w.contract_id: w for w in seen.workrooms}
    for p in seen.proposals:
        store.save_proposal(p, now)
    vetted_contracts = store.vettings("contract")
    subjects: list[tuple[str, int, int]] = [("contract", cid, rooms[cid].client_id) for cid in seen.new_contracts
                                            if cid in rooms and cid not in vetted_contracts]
    subjects += [("proposal", p.proposal_id, p.client_id) for p in seen.applications_to_vet
                 if p.client_id is not None]
    for subject, sid, client_id in subjects:
        found = vet_client(store, client_id, now, ctx.vet_policy, ctx.policy, fresh.get(client_id),
                           exclude=sid if subject == "contract" else None)
        if found is None:
            continue
        name, verdict = found
        record = VettingRecord(subject, sid, client_id, verdict.verdict, verdict.total,
                               tuple(s.to_json() for s in verdict.signals), verdict.summary, verdict.advice, now)
        store.save_vetting(record)
        result.vetted.append(record)
        if alerts.client_risk_notifies(subject, verdict.verdict):
            url = (ctx.policy.contract_url if subject == "contract" else ctx.proposal_url).format(id=sid)
            store.enqueue(alerts.client_risk_note(subject, sid, name, verdict, url), now)
            result.vetted_notified.append(f"{subject}:{sid}")


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
            open_keys = [a.key for a in store.open_alerts()]
            fplan = alerts.plan_findings(result.findings, store.notified_keys(), open_keys)
            store.close_alerts(fplan.close, now)
            held = alerts.muted(states, store.mutes(), now)
            for f in fplan.notify:
                if f.contract_id in held:  # a mute or snooze holds it; it notifies once the mute ends
                    result.held.append(f)
                    continue
                store.enqueue(alerts.finding_note(f), now)
                store.record_finding_alert(f, now)
                result.notified.append(f)
            _vet_new(ctx, result, seen, now)
        result.health_notified += record_health(store, scan_id, result.healthy, result.problems, now,
                                                ctx.health_notify_after)
        store.add_scan(result.started_at, now, result.healthy, result.problems,
                       result.pages_loaded, len(result.findings))
