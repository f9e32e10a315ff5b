"""What a scan must load: the list pages, then only what can have changed. Pure decisions.

- The list pages always: every page of active contracts (statuses, new and ended contracts), and
  the inbox from its first page down to the oldest message that matters.
- A workroom when its contract is new, its status label changed, the inbox shows a message in
  its thread that the store has not seen, or the inbox says a message the store shows as
  awaiting my answer has been replied to. My own messages never reach the inbox, and its replied
  flags only cover the messages on the pages read, so a thread whose last word was the client's
  is also reloaded once its last load is older than ``revalidate`` (12 hours by default, shorter
  than any quiet threshold): a reply of mine it missed cannot have waited long enough to matter.
- A client's profile when their answer is awaited on some contract, once per scan, and not again
  within the time to live of the last observation.

- The older messages of a folded thread only when the visible part cannot answer what the rules
  ask: no client message is visible (so "waited since" may lie further back), or the contract is
  delivered and neither the visible part nor the store holds its delivery report.

``full`` ignores all of that: every workroom, unfolded, and every awaited client's profile.

Then who is vetted, once each: the clients of the contracts first seen in a scan, and of the
applications whose client wrote (the inbox's ``proposed`` threads tell which applications stirred).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from watcher.decide.rules import waited_since
from watcher.models import ContractRow, InboxItem, Known, Message, ProposalSeen, Sender, Stage, Workroom


def inbox_cutoff(last_healthy: datetime | None) -> datetime | None:
    """Read the inbox down to the last healthy scan; None: its first page is enough (a first scan)."""
    return last_healthy


def need_next_inbox_page(page_items: Sequence[InboxItem], cutoff: datetime | None) -> bool:
    if cutoff is None or not page_items:
        return False
    return min(i.sent_at for i in page_items) >= cutoff


def plan_workrooms(rows: Sequence[ContractRow], known: dict[int, Known], inbox: Sequence[InboxItem],
                   replied_flags: bool, seen_messages: set[int], now: datetime,
                   revalidate: timedelta = timedelta(hours=12), full: bool = False) -> dict[int, str]:
    """Contract id → why its workroom must be loaded, in list order."""
    active = {r.contract_id for r in rows}
    why: dict[int, str] = {}
    for r in rows:
        k = known.get(r.contract_id)
        if full:
            why[r.contract_id] = "full"
        elif k is None:
            why[r.contract_id] = "new contract"
        elif k.status_label != r.status_label:
            why[r.contract_id] = "status changed"
    by_thread = {k.thread_id: k for k in known.values() if k.thread_id is not None}
    newest: dict[int, InboxItem] = {}
    for item in inbox:
        k = by_thread.get(item.thread_id)
        if k is None or k.contract_id not in active or k.contract_id in why:
            continue
        if item.message_id not in seen_messages and (
                k.last_message_at is None or item.sent_at >= k.last_message_at):
            why[k.contract_id] = "new message"
            continue
        cur = newest.get(k.contract_id)
        if cur is None or (item.sent_at, item.message_id) > (cur.sent_at, cur.message_id):
            newest[k.contract_id] = item
    for cid, item in newest.items():
        if cid not in why and replied_flags and item.is_replied and known[cid].client_spoke_last:
            why[cid] = "replied"
    for k in known.values():
        stale = k.loaded_at is None or now - k.loaded_at >= revalidate
        if k.contract_id in active and k.contract_id not in why and k.client_spoke_last and stale:
            why[k.contract_id] = "awaiting my answer: look again"
    order = {r.contract_id: n for n, r in enumerate(rows)}
    return dict(sorted(why.items(), key=lambda kv: order[kv[0]]))


def must_unfold(visible: Sequence[Message], stage: Stage | None, stored_delivery: bool,
                full: bool = False) -> bool:
    """Whether a folded thread's older messages are needed to reason about it."""
    if full:
        return True
    if not any(m.sender is Sender.CLIENT for m in visible):
        return True
    return stage is not None and stage.delivered and not stored_delivery and not any(
        m.kind == "delivery" for m in visible)


def plan_profiles(awaited: Iterable[int], observed_at: dict[int, datetime], now: datetime,
                  ttl: timedelta, full: bool = False) -> list[int]:
    """Clients whose profile to load: awaited ones, each once, not again within ``ttl``."""
    out: list[int] = []
    for cid in awaited:
        if cid in out:
            continue
        last = observed_at.get(cid)
        if full or last is None or now - last >= ttl:
            out.append(cid)
    return out


def profiles_prove_layout_change(read: int, failed: int) -> bool:
    """Whether the profiles this scan could not read prove that the site's layout changed.

    A profile the readers do not know (the smartphone markup served to one request, a half-rendered
    page) is that one client's page: it blinds that client, not the scan. Only when every profile the
    scan read failed (one of one included) is it the page kind that changed, and the scan is
    ``layout_changed`` as before.
    """
    return failed > 0 and failed >= read


def unseen_received(messages: Sequence[Message], newest: datetime | None) -> datetime | None:
    """``newest``, the newest message the inbox listed for a thread, if its workroom does not show it.

    The inbox lists what I received (the client's and the site's messages), so a workroom whose
    newest such message is older than the inbox's lost some of its thread: a missing client reply
    would make an answered question look unanswered. The workroom's times are to the minute, the
    inbox's may carry seconds: one minute of slack.
    """
    if newest is None:
        return None
    theirs = [m.sent_at for m in messages if m.sender is not Sender.WORKER]
    if theirs and max(theirs) + timedelta(minutes=1) > newest:
        return None
    return newest


def lost_message(inbox: Sequence[InboxItem], rooms: Sequence[Workroom]) -> tuple[Workroom, datetime] | None:
    """The first workroom that does not show a message this scan's inbox listed for its thread, and
    that message's time (:func:`unseen_received`); None when every workroom is whole. A thread read only
    in part (its newest messages) lacks nothing older than what it shows. Only what is there now is
    compared: a message the history once held and the site has since removed is a removal."""
    received: dict[int, datetime] = {}
    for item in inbox:
        received[item.thread_id] = max(item.sent_at, received.get(item.thread_id, item.sent_at))
    for room in rooms:
        newest = received.get(room.thread_id) if room.thread_id is not None else None
        if newest is not None and room.partial and room.messages and \
                newest < min(m.sent_at for m in room.messages) + timedelta(minutes=1):
            continue  # older than every message a cut-short read shows: folded away, not lost
        lost = unseen_received(room.messages, newest)
        if lost is not None:
            return room, lost
    return None


def recent_first(known: Mapping[int, Known], n: int) -> list[Known]:
    """The ``n`` contracts whose thread moved most recently (an empty active list is checked on them)."""
    return sorted(known.values(), key=lambda k: k.last_message_at or datetime.min.replace(tzinfo=UTC),
                  reverse=True)[:n]


def awaited_clients(rows: Sequence[ContractRow], fresh: Mapping[int, Workroom], known: Mapping[int, Known],
                    stored: Mapping[int, Sequence[Message]]) -> list[int]:
    """The clients whose answer I am waiting for on a listed contract, in list order (with repeats): the
    thread read now, else the one the history holds (``stored``)."""
    out: list[int] = []
    for row in rows:
        room = fresh.get(row.contract_id)
        if room is not None:
            messages, client = room.messages, room.client_id
        elif row.contract_id in known:
            messages, client = tuple(stored.get(row.contract_id, ())), known[row.contract_id].client_id
        else:
            continue
        if waited_since(messages) is not None:
            out.append(client)
    return out


# -- applications and who is vetted -----------------------------------------------------------------


def stirred_applications(inbox: Sequence[InboxItem], known: Mapping[int, ProposalSeen], inbox_seen: set[int],
                         proposed: str) -> set[int]:
    """Known applications whose thread the inbox shows a new message in with the status ``proposed``."""
    by_thread = {p.thread_id: p.proposal_id for p in known.values() if p.thread_id is not None}
    return {by_thread[i.thread_id] for i in inbox if i.thread_id in by_thread
            and i.proposal_status == proposed and i.message_id not in inbox_seen}


def applications_to_read(listed: Sequence[int], known: Mapping[int, ProposalSeen], stirred: set[int]) -> list[int]:
    """The listed applications whose page to read: new ones, and stirred ones whose client has not written."""
    return [pid for pid in listed if pid not in known or (pid in stirred and known[pid].client_wrote_at is None)]


def applications_to_vet(known: Mapping[int, ProposalSeen], read: Sequence[ProposalSeen],
                        vetted: Iterable[int]) -> list[ProposalSeen]:
    """Applications whose client has written and who was not vetted for them yet (what was ``read`` now
    over what the history ``known``)."""
    done = set(vetted)
    merged = dict(known)
    merged.update({p.proposal_id: p for p in read})
    return [p for p in merged.values() if p.client_wrote_at is not None and p.client_id is not None
            and p.proposal_id not in done]


def vetting_subjects(new_contracts: Sequence[int], rooms: Sequence[Workroom], vetted_contracts: Iterable[int],
                     applications: Sequence[ProposalSeen]) -> list[tuple[str, int, int]]:
    """(subject, id, client id) of each subject to vet once: the contracts first seen now (not vetted
    yet), then the applications whose client wrote (:func:`applications_to_vet`)."""
    by_id = {w.contract_id: w for w in rooms}
    done = set(vetted_contracts)
    out = [("contract", cid, by_id[cid].client_id) for cid in new_contracts if cid in by_id and cid not in done]
    out += [("proposal", p.proposal_id, p.client_id) for p in applications if p.client_id is not None]
    return out
