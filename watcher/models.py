"""Records that flow through the pipe: what a page showed, what the rules found, what a scan did.

Pure data: no I/O, no browser. Datetimes are aware and in UTC.

One module over 400 lines, as one job: the records every layer passes on, in one place so that no
layer imports another for a type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    """A contract's stage, mapped from the site's status label by the selectors file."""

    AWAITING_ESCROW = "awaiting_escrow"  # 仮払い待ち
    IN_PROGRESS = "in_progress"  # 進行中
    DELIVERED = "delivered"  # 納品済み / 納品完了
    IN_ACCEPTANCE = "in_acceptance"  # 検収中
    ENDING = "ending"  # 契約終了同意待ち
    FINISHED = "finished"

    @property
    def delivered(self) -> bool:
        return self in (Stage.DELIVERED, Stage.IN_ACCEPTANCE)


class Sender(StrEnum):
    WORKER = "worker"
    CLIENT = "client"
    SYSTEM = "system"


class HealthKind(StrEnum):
    LOGGED_OUT = "logged_out"
    LOGIN_FAILED = "login_failed"
    KEYRING_LOCKED = "keyring_locked"  # the password is there, behind a locked keyring
    LOGIN_CHALLENGE = "login_challenge"
    LAYOUT_CHANGED = "layout_changed"
    UNKNOWN_STATUS = "unknown_status"
    SITE_UNREACHABLE = "site_unreachable"
    SCAN_FAILED = "scan_failed"  # the scan stopped on an error of its own (the detail is in the log)
    CONFIG_INVALID = "config_invalid"  # the config file has an error (the note names the file and line)


class PageKind(StrEnum):
    LOGIN = "login"
    TWO_STEP = "two_step"
    CAPTCHA = "captcha"
    BOT_CHECK = "bot_check"  # an AWS WAF / Cloudflare interstitial: the person must pass it
    NOT_FOUND = "not_found"
    DASHBOARD = "dashboard"
    CONTRACTS = "contracts"
    WORKROOM = "workroom"
    PROFILE = "profile"
    INBOX = "inbox"


@dataclass(frozen=True)
class Interval:
    """A moment known only within bounds: ``earliest <= t <= latest``."""

    earliest: datetime
    latest: datetime

    def __post_init__(self) -> None:
        if self.earliest.tzinfo is None or self.latest.tzinfo is None:
            raise ValueError("Interval bounds must be timezone-aware")
        if self.earliest > self.latest:
            raise ValueError("Interval earliest is after latest")

    @classmethod
    def point(cls, t: datetime) -> Interval:
        return cls(t, t)


@dataclass(frozen=True)
class ContractRow:
    """One row of the active-contracts list."""

    contract_id: int
    title: str
    client_name: str
    status_label: str
    stage: Stage | None  # None: a label the selectors file does not map
    hourly: bool = False  # listed in the hourly section (時間単価: no delivery, no acceptance week)


@dataclass(frozen=True)
class Message:
    """One message of a thread. ``sent_at`` is aware UTC (the site shows Japan time, to the minute)."""

    sender: Sender
    sent_at: datetime
    body: str  # paragraphs joined by a newline
    kind: str = "message"  # "message", "delivery", "system"
    sender_id: int | None = None
    key: str = ""  # stable identity within the thread, the same whichever source read it
    id: int | None = None  # the site's message id (from the thread's JSON); None from the page

    @property
    def mine(self) -> bool:
        return self.sender is Sender.WORKER


@dataclass(frozen=True)
class Workroom:
    """A contract page (``/contracts/ID``) and its thread, as one scan read them."""

    contract_id: int
    title: str
    client_id: int
    client_name: str
    status_label: str  # the contract list's label ("" when the page was read alone)
    stage: Stage | None
    escrow_deposited: bool | None  # None: the page did not say
    amount: int | None  # yen, tax included
    messages: tuple[Message, ...]
    folded: bool = False  # older messages still hidden behind 「他のN件のメッセージを表示」
    thread_id: int | None = None
    partial: bool = False  # only the newest messages were read (enough for the rules)
    cut_short: bool = False  # the older messages were needed, but unfolding them could not finish
    source: str = "dom"  # where the messages came from: "json" (the thread's JSON) or "dom" (the page)
    page_stage: Stage | None = None  # what the page's own sentences say (None: none of the known ones)
    open_milestones: int = 0  # milestones whose delivery report can be sent now


@dataclass(frozen=True)
class Rating:
    """One rating a worker gave the client (the profile's public ratings)."""

    score: float | None
    comment: str
    job: str
    rated_at: str


@dataclass(frozen=True)
class ClientRecord:
    """What a client's public profile says of their record (None: the page does not say)."""

    identity_verified: bool | None = None
    rule_check_passed: bool | None = None
    certified: bool | None = None
    official: bool | None = None
    rating: float | None = None  # average score, 1 to 5
    rating_count: int | None = None
    jobs_contracted: int | None = None  # job_offer_achievement_count
    completion_rate: float | None = None  # percent
    acceptance_count: int | None = None
    finished_count: int | None = None
    created_at: datetime | None = None
    prefecture: str | None = None
    ratings: tuple[Rating, ...] = ()
    jobs_posted: int | None = None  # job offers listed on the profile
    jobs_posted_contracted: int | None = None  # of those, how many were contracted


@dataclass(frozen=True)
class ClientSeen:
    """A client's profile as observed: their last access, or that they hide it."""

    client_id: int
    name: str
    last_access: Interval | None  # None: hidden (a legitimate state)
    last_access_text: str | None
    observed_at: datetime
    record: ClientRecord = field(default_factory=ClientRecord)
    last_access_unreadable: str | None = None  # a wording no rule reads: the access is unknown


@dataclass(frozen=True)
class InboxItem:
    thread_id: int
    message_id: int
    sent_at: datetime
    title: str
    sender_name: str
    proposal_status: str | None
    is_replied: bool | None


@dataclass(frozen=True)
class Problem:
    kind: HealthKind
    page: str
    detail: str
    saved: str | None = None  # where a copy of the offending page was saved

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": str(self.kind), "page": self.page, "detail": self.detail}
        if self.saved:
            out["saved"] = self.saved
        return out


@dataclass(frozen=True)
class Notice:
    """Something a healthy scan could not read about one client or contract, named so the person can
    tell us (an unreadable last-access wording): it blinds that one, not the scan."""

    kind: str  # "unreadable_access"
    page: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "page": self.page, "detail": self.detail}


@dataclass(frozen=True)
class Finding:
    rule: str
    contract_id: int
    client_id: int | None
    stage: int
    since: datetime | None
    deadline: datetime | None
    title: str  # notification title (Japanese)
    message: str  # notification body (Japanese)
    url: str = ""  # the contract page
    facts: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        """Identity in the alert ledger: one notification per (rule, contract, stage, episode)."""
        anchor = self.since.isoformat() if self.since else "-"
        return f"{self.rule}|{self.contract_id}|{self.stage}|{anchor}"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "contract_id": self.contract_id,
            "client_id": self.client_id,
            "stage": self.stage,
            "since": self.since.isoformat() if self.since else None,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "message": self.message,
            "title": self.title,
            "url": self.url,
            # the delivery the finding reasons on (acceptance rules): earliest, likely, latest, basis
            "delivery": self.facts.get("delivery"),
        }


# -- what the store gives back (the history) ------------------------------------------------


@dataclass(frozen=True)
class AccessSeen:
    """The client's last access as last observed; ``interval`` None means hidden (``text`` None), a
    wording nobody could read (the text), or a profile the scan could not read (``text`` "")."""

    interval: Interval | None
    text: str | None
    observed_at: datetime


@dataclass(frozen=True)
class Delivery:
    """One delivery episode: a move of the contract into a delivered stage, until it leaves it
    (docs/rules.md, "When was it delivered?"). The site marks no message as the delivery report and
    its text can be empty (platform notes, contract page: reported), so the delivery is known as an
    interval, ``earliest <= t <= latest`` (aware UTC), with a likely report inside it when a message
    of mine tells, and a point only when the person confirmed it.

    ``basis``: "move_seen" (between the last scan that saw the contract before the move and the first
    that saw it delivered) or "first_seen" (already delivered at the contract's first scan: between
    the thread's start and that scan). ``likely``/``likely_key``: the likely report (a guess, never a
    fact). ``confirmed_at``/``confirmed_key``: what the person said (``cwwatch delivered``); it always
    wins. ``confirmed_none``: the person said none of their messages was the report (an empty text)."""

    earliest: datetime
    latest: datetime
    basis: str  # "move_seen" | "first_seen"
    likely: datetime | None = None
    likely_key: str = ""
    confirmed_at: datetime | None = None
    confirmed_key: str = ""
    confirmed_none: bool = False
    episode: int = 0  # the store's id of the episode (0: not stored)
    closed_at: datetime | None = None  # left the delivered stages (rejected, or finished)

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def how(self) -> str:
        """The basis as people read it: "confirmed", "move_seen" or "first_seen"."""
        return "confirmed" if self.confirmed else self.basis

    @property
    def at(self) -> datetime | None:
        """The delivery as a point: confirmed, else the likely report (a guess); None: an interval only."""
        if self.confirmed_at is not None:
            return self.confirmed_at
        return None if self.confirmed_none else self.likely

    @property
    def report_key(self) -> str:
        """The message that is (confirmed) or likely is the delivery report; "" when none."""
        if self.confirmed:
            return self.confirmed_key
        return "" if self.confirmed_none else self.likely_key

    def to_json(self) -> dict[str, Any]:
        """``earliest``/``likely``/``latest`` (ISO, UTC) and ``basis``; confirmed: all three the same."""
        if self.confirmed_at is not None:
            t = self.confirmed_at.isoformat()
            return {"earliest": t, "likely": t, "latest": t, "basis": "confirmed",
                    "confirmed_by": "message" if self.confirmed_key else "time"}
        likely = self.at
        return {"earliest": self.earliest.isoformat(), "likely": likely.isoformat() if likely else None,
                "latest": self.latest.isoformat(), "basis": self.basis}


@dataclass(frozen=True)
class ContractState:
    """A contract as the history knows it: what the rules, ``status`` and ``report`` reason on."""

    contract_id: int
    title: str
    client_id: int
    client_name: str
    stage: Stage
    status_label: str
    escrow_deposited: bool | None
    messages: Sequence[Message]
    status_since: datetime  # when this status was first observed
    access: AccessSeen | None = None
    facts: dict[str, object] = field(default_factory=dict)
    amount: int | None = None  # yen, tax included, as the contract page said
    active: bool = True  # still on the active contracts list
    delivery_at: datetime | None = None  # a delivery known as a point (pure tests; the scan gives ``delivery``)
    delivery_basis: str | None = None  # with ``delivery_at``: "move_seen" or "first_seen"
    delivery: Delivery | None = None  # the latest delivery episode the history keeps (open or closed)

    @property
    def episode(self) -> Delivery | None:
        """The delivery episode the rules read: the kept one, else ``delivery_at`` as a tightly seen move."""
        if self.delivery is not None:
            return self.delivery
        if self.delivery_at is None:
            return None
        return Delivery(self.delivery_at, self.delivery_at, self.delivery_basis or "move_seen",
                        likely=self.delivery_at)

    @property
    def delivered_at(self) -> datetime | None:
        """The latest delivery as a point, while the episode is open: confirmed, else the likely report
        (a guess: say it as one); None when it is known only as an interval."""
        d = self.episode
        return d.at if d is not None and d.closed_at is None else None


@dataclass(frozen=True)
class Known:
    """What the store knows of an active contract, enough to tell whether it changed."""

    contract_id: int
    client_id: int
    status_label: str
    thread_id: int | None
    last_message_at: datetime | None
    last_client_message_at: datetime | None
    client_spoke_last: bool  # the thread's last non-system message is the client's
    loaded_at: datetime | None = None  # when its workroom was last read


@dataclass(frozen=True)
class Mute:
    """A hold on a contract's notifications (``cwwatch mute``), as the store keeps it."""

    until: datetime | None  # None: until unmuted
    until_reply_since: datetime | None  # the wait it snoozes: the client's reply ends it
    reason: str
    created_at: datetime

    def active(self, waiting_since: datetime | None, now: datetime) -> bool:
        """Still holding: not past ``until``, and the wait it was set on has not been answered."""
        if self.until is not None and now >= self.until:
            return False
        return self.until_reply_since is None or waiting_since == self.until_reply_since

    def to_json(self, waiting_since: datetime | None, now: datetime) -> dict[str, Any]:
        return {
            "until": _iso(self.until),
            "until_reply_since": _iso(self.until_reply_since),
            "reason": self.reason,
            "created_at": _iso(self.created_at),
            "active": self.active(waiting_since, now),
        }


@dataclass(frozen=True)
class Note:
    """A notification: decided in a scan's transaction (the outbox), delivered after it."""

    title: str
    body: str
    url: str = ""  # where it leads on CrowdWorks ("": nowhere); the body carries it too
    urgent: bool = False
    contract_id: int | None = None  # the one contract it is about (None: health, summaries, digests)


@dataclass(frozen=True)
class ScanRecord:
    """One scan as the store keeps it (``status``, ``doctor``)."""

    id: int
    started_at: datetime
    now_at: datetime
    healthy: bool
    problems: list[dict[str, str]]
    pages_loaded: int


@dataclass(frozen=True)
class AlertRecord:
    """A row of the alert ledger: one notification decided for a finding (or a health problem)."""

    key: str
    rule: str
    contract_id: int
    stage: int
    since: datetime | None
    notified_at: datetime
    title: str
    message: str
    closed_at: datetime | None


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def jsonable(obj: Any) -> Any:
    """Dataclasses and datetimes to JSON-ready values (for --json and the store)."""
    if isinstance(obj, datetime):
        return obj.isoformat()
    if hasattr(obj, "__dataclass_fields__"):
        return {k: jsonable(v) for k, v in asdict(obj).items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    return obj


def record_from_json(obj: Any) -> ClientRecord:
    """A ClientRecord from what ``jsonable`` made of one (the store keeps it as JSON)."""
    if not isinstance(obj, dict):
        return ClientRecord()
    known = {f for f in ClientRecord.__dataclass_fields__}
    kw = {k: v for k, v in obj.items() if k in known}
    if kw.get("created_at"):
        kw["created_at"] = datetime.fromisoformat(kw["created_at"])
    kw["ratings"] = tuple(Rating(r.get("score"), r.get("comment", ""), r.get("job", ""), r.get("rated_at", ""))
                          for r in kw.get("ratings") or () if isinstance(r, dict))
    return ClientRecord(**kw)


@dataclass(frozen=True)
class ProposalSeen:
    """An application (応募) as the scans saw it: ``/proposals/ID`` before any contract."""

    proposal_id: int
    title: str
    job_id: int | None = None
    client_id: int | None = None  # from the job page (a guess); None: not known
    thread_id: int | None = None
    client_wrote_at: datetime | None = None  # the client's first message in the thread (UTC)
    first_seen: datetime | None = None


@dataclass(frozen=True)
class PastContract:
    """One contract of the worker's history with a client, as the vetting's history reads it.

    ``stages``: the stages seen, with when each was first seen (UTC), in order. ``findings``: the
    rule ids cwwatch notified for it."""

    contract_id: int
    first_seen: datetime
    last_seen: datetime
    active: bool
    stages: tuple[tuple[datetime, Stage], ...]
    messages: tuple[Message, ...]
    delivered_at: datetime | None
    findings: tuple[str, ...]


@dataclass(frozen=True)
class VettingRecord:
    """A verdict kept in the history: about a contract or an application (``subject``)."""

    subject: str  # "contract" | "proposal"
    subject_id: int
    client_id: int
    verdict: str  # "ok" | "caution" | "warning"
    total: int
    signals: tuple[dict[str, Any], ...]  # as Signal.to_json()
    summary: str
    advice: tuple[str, ...]
    vetted_at: datetime
