"""A client's verdict as the scan and ``cwwatch vet`` weigh it: their profile's record (read now, or
the last one the history holds) and the worker's own history with them, judged by ``decide.vetting``.
:func:`to_vet` reads what the scan's judgement (:mod:`~watcher.scan.judge`) needs of the history."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from watcher.decide import rules, vet_history, vetting
from watcher.decide.vet_policy import VetPolicy
from watcher.models import ClientSeen
from watcher.scan.judge import ToVet
from watcher.store import Store


def to_vet(store: Store, subjects: Sequence[tuple[str, int, int]], fresh: Mapping[int, ClientSeen],
           blinded: Collection[int] = ()) -> list[ToVet]:
    """Each subject with its client's profile (``fresh``: read in this scan, else the last one the
    history holds) and every contract the history holds with them (but the subject itself). A client
    whose profile this scan could not read (``blinded``) is unknown: never vetted on an old record."""
    out: list[ToVet] = []
    for subject, sid, client_id in subjects:
        if client_id in blinded:
            out.append(ToVet(subject, sid, client_id, known=False))
            continue
        seen = fresh.get(client_id)
        if seen is not None:
            name, record, access = seen.name, seen.record, seen.last_access
        else:
            kept = store.client_record(client_id)
            if kept is None:
                out.append(ToVet(subject, sid, client_id, known=False))
                continue
            name, record = kept
            latest = store.latest_access(client_id)
            access = latest.interval if latest is not None else None
        past = store.past_contracts(client_id, exclude=sid if subject == "contract" else None)
        out.append(ToVet(subject, sid, client_id, name, record, access, tuple(past)))
    return out


def vet_client(store: Store, client_id: int, now: datetime, policy: VetPolicy,
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


def client_history(store: Store, client_id: int, now: datetime, policy: VetPolicy,
                   rules_policy: rules.Policy, exclude: int | None = None) -> vet_history.History:
    """The worker's own history with the client, as the vetting weighs it (every contract the store
    holds with them but ``exclude``; delays in business days, ``now`` given)."""
    return vet_history.history_of(store.past_contracts(client_id, exclude=exclude), now, policy,
                              rules_policy.acceptance_days, rules_policy.year_end_break)
