"""What one scan is given (:class:`ScanContext`) and what it ends in (:class:`ScanResult`, one named
:class:`Outcome`, its versioned JSON)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watcher.crowdworks.evidence import EvidenceLimits
from watcher.decide import rules
from watcher.decide.vet_policy import VetPolicy
from watcher.models import Finding, Notice, Problem, VettingRecord

if TYPE_CHECKING:  # the browser code is imported only where a scan runs
    from watcher.crowdworks.selectors import SelectorSet
    from watcher.crowdworks.site import Site
    from watcher.notify.desktop import Notifier
    from watcher.store import Store

JSON_SCHEMA = 1


class Outcome:
    OK = "ok"  # healthy, nothing to act on
    FINDINGS = "findings"  # healthy, findings open
    UNHEALTHY = "unhealthy"


class Interrupted(KeyboardInterrupt):
    """The person stopped the scan (Ctrl-C): nothing is recorded, no health problem is counted."""


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

    def unhealthy(self, problem: Problem) -> None:
        """The scan met a health problem: it is unhealthy, and says which."""
        self.healthy = False
        self.problems.append(problem)

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
    vet_policy: VetPolicy = field(default_factory=VetPolicy)
    proposal_url: str = ""  # the application page, e.g. "https://…/proposals/{id}"
    evidence: EvidenceLimits = field(default_factory=EvidenceLimits)  # the saved copies' bounds
