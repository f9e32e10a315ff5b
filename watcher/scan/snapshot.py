"""Step 1 of a scan: what the store knows, read once before the site is (the scan lock keeps any
other scan from writing in between)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from watcher.models import Known, Message, ProposalSeen
from watcher.store import LOGIN_BLOCK_KEY, Store


@dataclass(frozen=True)
class Snapshot:
    login_allowed: bool = True  # no login failed since the last `cwwatch login`
    known: dict[int, Known] = field(default_factory=dict)  # the active contracts
    threads: dict[int, tuple[Message, ...]] = field(default_factory=dict)  # their threads, as last read
    last_healthy: datetime | None = None
    inbox_seen: set[int] = field(default_factory=set)  # inbox message ids already seen
    with_delivery: set[int] = field(default_factory=set)  # contracts whose delivery report is marked
    profiles_observed_at: dict[int, datetime] = field(default_factory=dict)
    proposals: dict[int, ProposalSeen] = field(default_factory=dict)  # the applications known
    vetted_proposals: set[int] = field(default_factory=set)
    vetted_contracts: set[int] = field(default_factory=set)


def take(store: Store, applications: bool = True) -> Snapshot:
    """Everything the plan and the vetting ask of the history; ``applications``: also the applications."""
    threads = store.threads()
    known = store.known_contracts(threads)
    return Snapshot(
        login_allowed=store.get_meta(LOGIN_BLOCK_KEY) is None, known=known,
        threads={cid: tuple(threads.get(cid, ())) for cid in known},
        last_healthy=store.last_healthy_time(), inbox_seen=store.inbox_seen_ids(),
        with_delivery=store.contracts_with_delivery(), profiles_observed_at=store.profiles_observed_at(),
        proposals=store.known_proposals() if applications else {},
        vetted_proposals=set(store.vettings("proposal")) if applications else set(),
        vetted_contracts=set(store.vettings("contract")))
