"""Step 2 of a scan: read from the site everything the plan (``decide.plan``, pure) asks for, given
the store's :class:`~watcher.scan.snapshot.Snapshot`. Nothing here asks the store anything: the
reading alternates only between the site and the pure plan.

The list pages first (the inbox's first page alone: it meets the login wall if there is one), then
the workrooms that can have changed, the applications, and the profiles of the clients whose answer
is awaited or who are to be vetted. A first failure cancels the pages still loading and is raised.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from watcher.crowdworks.kinds import inbox_api
from watcher.crowdworks.pages import InboxReading, Pages, workroom_page
from watcher.decide import plan
from watcher.errors import Unhealthy
from watcher.i18n import _, ngettext
from watcher.jptime import format_jst
from watcher.models import (
    ClientSeen,
    ContractRow,
    HealthKind,
    InboxItem,
    Known,
    Notice,
    Problem,
    ProposalSeen,
    Stage,
    Workroom,
)
from watcher.scan.result import ScanContext
from watcher.scan.snapshot import Snapshot

T = TypeVar("T")
EMPTY_LIST_CHECKS = 3


@dataclass
class Seen:
    """What one scan read of the site."""

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
    blinded: dict[int, Problem] = field(default_factory=dict)  # clients whose profile could not be read


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


def _needs_older(snap: Snapshot, full: bool) -> Callable[[Workroom], bool]:
    def needs(room: Workroom) -> bool:
        return plan.must_unfold(room.messages, room.stage, room.contract_id in snap.with_delivery, full)
    return needs


async def _confirm_all_ended(pages: Pages, snap: Snapshot, full: bool) -> None:
    """An empty active list while contracts were active: believe it only if their workrooms agree.

    A list that loses every row at once is more often a page that changed or failed to render its
    table than the end of all work. Up to EMPTY_LIST_CHECKS of the vanished contracts (the most
    recently active first) are read; each must show a stage the selectors map to ``finished``.
    """
    known = snap.known
    for k in plan.recent_first(known, EMPTY_LIST_CHECKS):
        room = await pages.workroom(k.contract_id, None, _needs_older(snap, full))
        if room.stage is not Stage.FINISHED:
            raise Unhealthy.of(
                HealthKind.LAYOUT_CHANGED, "contracts",
                ngettext("the active list is empty, yet {n} contract was active and contract {id}'s workroom "
                         "still reads 「{label}」",
                         "the active list is empty, yet {n} contracts were active and contract {id}'s workroom "
                         "still reads 「{label}」", len(known)).format(n=len(known), id=k.contract_id,
                                                                      label=room.status_label))


async def read_site(pages: Pages, ctx: ScanContext, snap: Snapshot, seen: Seen, full: bool, now: datetime) -> None:
    """Fill ``seen`` with what the plan asks for; raises Unhealthy on the first health problem."""
    known: dict[int, Known] = snap.known
    cutoff = plan.inbox_cutoff(snap.last_healthy)

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
        await _confirm_all_ended(pages, snap, full)
    # 2. The workrooms that can have changed.
    seen.loaded_why = plan.plan_workrooms(seen.rows, known, seen.inbox, seen.replied_flags,
                                          snap.inbox_seen, now, ctx.revalidate, full)
    by_id = {r.contract_id: r for r in seen.rows}
    seen.workrooms = await _all([pages.workroom(cid, by_id[cid], _needs_older(snap, full))
                                 for cid in seen.loaded_why])
    lost = plan.lost_message(seen.inbox, seen.workrooms)
    if lost is not None:
        room, at = lost
        raise Unhealthy.of(
            HealthKind.LAYOUT_CHANGED, workroom_page(ctx.sel, room.contract_id),
            _("the inbox lists a message of {time} that the workroom does not show").format(time=format_jst(at)))
    # 3. The profiles of the clients whose answer I am waiting for, and of those vetted once: the
    #    clients of new contracts and of applications whose client wrote.
    awaited = plan.awaited_clients(seen.rows, {w.contract_id: w for w in seen.workrooms}, known, snap.threads)
    new = [w for w in seen.workrooms if w.contract_id not in known]
    seen.new_contracts = [w.contract_id for w in new]
    to_vet = [w.client_id for w in new]
    if ctx.watch_applications:
        await _read_applications(pages, ctx, snap, seen)
        seen.applications_to_vet = plan.applications_to_vet(snap.proposals, seen.proposals, snap.vetted_proposals)
        to_vet += [p.client_id for p in seen.applications_to_vet if p.client_id is not None]
    wanted = plan.plan_profiles([*awaited, *to_vet], snap.profiles_observed_at, now, ctx.profile_ttl, full)
    got = await _all([_profile(pages, cid) for cid in wanted])
    failed = {cid: p for cid, p in zip(wanted, got, strict=True) if isinstance(p, Problem)}
    if plan.profiles_prove_layout_change(len(wanted), len(failed)):
        raise Unhealthy(next(iter(failed.values())))
    seen.clients = [c for c in got if isinstance(c, ClientSeen)]
    seen.blinded = failed
    for cid, p in failed.items():
        detail = _("client {id}: the profile could not be read ({what}); that client's last access and record "
                   "are taken as unknown ({rule}, never {quiet}; not vetted)").format(
                       id=cid, what=p.detail, rule="no_reply", quiet="quiet_client")
        if p.saved:
            detail += " " + _("(a redacted copy: {path})").format(path=p.saved)
        seen.notices.append(Notice("unreadable_profile", p.page, detail))


async def _profile(pages: Pages, client_id: int) -> ClientSeen | Problem:
    """A client's profile, or the layout problem its page met: one odd page blinds one client
    (whether it proves the layout changed is decided over all of them, ``plan.profiles_prove_layout_change``).
    Any other health problem (network, login, challenge) is raised."""
    try:
        return await pages.profile(client_id)
    except Unhealthy as exc:
        if exc.problem.kind is not HealthKind.LAYOUT_CHANGED:
            raise
        return exc.problem


async def _read_applications(pages: Pages, ctx: ScanContext, snap: Snapshot, seen: Seen) -> None:
    """The applications list, the pages of new applications and of those whose thread the inbox says
    moved (``proposal_status`` "proposed"), and, once, each application's client (from its job page)."""
    known = snap.proposals
    listed = await pages.proposals(lambda pid: pid in known)
    titles = dict(listed)
    proposed = inbox_api.proposed(ctx.sel)
    stirred = plan.stirred_applications(seen.inbox, known, snap.inbox_seen, proposed)
    to_read = plan.applications_to_read([pid for pid, _title in listed], known, stirred)
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
