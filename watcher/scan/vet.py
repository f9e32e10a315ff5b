"""A client's verdict as the scan and ``cwwatch vet`` weigh it: their profile's record (read now, or
the last one the history holds) and the worker's own history with them, judged by ``decide.vetting``."""

from __future__ import annotations

from datetime import datetime

from watcher.decide import rules, vetting
from watcher.models import ClientSeen
from watcher.store import Store


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
