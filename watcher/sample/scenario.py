"""Scenario files: an account's contracts, applications, messages and clients, as TOML.

The format is an interface (documented in docs/scenario.md): fields may be added, never changed.
Errors name the file and, where it can be found, the line: ``story.toml:12: contracts[0].status:
expected a string``.

One job, kept in one module though it is long: the records a scenario holds and the reading that
checks every key of the file against them, with the line it sits on; split, each half would have to
know the other's every field.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from watcher.errors import ConfigError

_OFFSET = re.compile(r"^([+-])((?:\d+[wdhms])+)$")
_PART = re.compile(r"(\d+)([wdhms])")
_UNIT = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}

SENDERS = ("worker", "client", "system")
KINDS = ("message", "delivery", "system", "acceptance", "revision")
# Who may send each kind: a delivery is mine (an empty text posts nothing: the site shows no message);
# the client's acceptance or revision request (不合格 / 修正依頼) is a dialog that can post a message.
KIND_SENDERS = {"delivery": ("worker",), "acceptance": ("client",), "revision": ("client",)}
LOGIN_FAULTS = ("two_step", "captcha", "wrong_password", "bot_check")
# A firewall's challenge told by protocol, not by words (docs/scenario.md): Cloudflare (403 or 503 with
# cf-mitigated: challenge), AWS WAF (202 challenge, 405 captcha: x-amzn-waf-action), or a page without the
# site's header where a member page was expected.
CHALLENGE_FAULTS = ("cloudflare", "cloudflare_503", "aws_waf", "aws_waf_captcha", "headerless")
PAGE_KINDS = ("contracts", "workroom", "profile", "inbox")
PAYMENTS = ("hourly", "fixed_price", "competition")
# Both spellings of the contact-reminder link exist on the real site (S5).
CONTACT_LINKS = ("契約相手と連絡とれない場合はこちら", "契約相手と連絡がとれない場合はこちら")
MAX_MILESTONES = 9

# Ids the site derives when a scenario does not give them (kept apart from the given ids).
THREAD_OFFSET = 1_000_000_000  # a thread's id: its contract's or proposal's id + this
JOB_OFFSET = 2_000_000_000  # a contract's job: the contract id + this
PROPOSAL_OFFSET = 3_000_000_000  # the application a contract came from: the contract id + this


@dataclass
class SMessage:
    sender: str
    at: datetime
    body: str
    kind: str = "message"


@dataclass
class SRating:
    """One rating a worker left on a client's profile."""

    score: float
    comment: str = ""
    job: str = ""
    at: datetime | None = None


@dataclass
class SClient:
    id: int
    name: str
    last_access: datetime | None  # None: hidden
    identity_verified: bool = True
    # The client's record, as the profile's JSON shows it (docs/scenario.md gives the defaults).
    rule_check: bool = True
    certified: bool = False
    completion_rate: int = 98
    finished_count: int = 40
    acceptance_count: int = 41
    rating: float = 4.8
    rating_count: int = 37
    ratings: list[SRating] = field(default_factory=list)
    created_at: datetime | None = None  # None: about three years before the scenario's now
    jobs_posted: int = 52
    jobs_contracted: int = 41
    prefecture: str = "東京都"
    description: str = ""
    url: str = ""
    last_access_text: str = ""  # shown as the last access instead of the site's wording (a test of readers)


@dataclass
class SContract:
    id: int
    client: int
    title: str
    status: str
    amount: int | None = None
    delivered_at: datetime | None = None
    escrow: bool | None = None  # None: follows the status (仮払い待ち means not deposited)
    messages: list[SMessage] = field(default_factory=list)
    payment: str = "fixed_price"
    thread: int | None = None  # None: derived (id + THREAD_OFFSET)
    milestones: int = 1
    job: int | None = None  # None: derived (id + JOB_OFFSET)
    proposal: int | None = None  # None: derived (id + PROPOSAL_OFFSET)
    contact_link: str = CONTACT_LINKS[0]

    @property
    def escrow_deposited(self) -> bool:
        return self.escrow if self.escrow is not None else self.status != "仮払い待ち"

    @property
    def thread_id(self) -> int:
        return self.thread if self.thread is not None else self.id + THREAD_OFFSET

    @property
    def job_id(self) -> int:
        return self.job if self.job is not None else self.id + JOB_OFFSET

    @property
    def proposal_id(self) -> int:
        return self.proposal if self.proposal is not None else self.id + PROPOSAL_OFFSET

    @property
    def milestone_ids(self) -> list[int]:
        return [self.id * 10 + n for n in range(1, max(1, self.milestones) + 1)]


@dataclass
class SProposal:
    """An application (応募), before any contract: ``/proposals/ID``."""

    id: int
    client: int
    title: str
    job: int | None = None  # None: derived (id + JOB_OFFSET)
    status: str = "応募中"
    amount: int | None = None
    messages: list[SMessage] = field(default_factory=list)
    thread: int | None = None  # None: derived (id + THREAD_OFFSET)
    applied_at: datetime | None = None  # None: the first message's time, else the scenario's now
    deadline: datetime | None = None  # None: 14 days after applied_at

    @property
    def thread_id(self) -> int:
        return self.thread if self.thread is not None else self.id + THREAD_OFFSET

    @property
    def job_id(self) -> int:
        return self.job if self.job is not None else self.id + JOB_OFFSET


@dataclass
class SWorker:
    id: int
    name: str
    email: str
    password: str = field(repr=False)


@dataclass
class SFaults:
    login: str | None = None
    layout_changed: list[str] = field(default_factory=list)
    fold_stops_after: int = 0  # the fold 「他のN件のメッセージを表示」 stops working after this many clicks
    odd_profiles: list[int] = field(default_factory=list)  # these clients' profiles alone come in the changed layout
    server_error: list[str] = field(default_factory=list)
    latency_ms: int = 0
    inbox_api: bool = True  # False: the inbox page renders its list without loading the JSON
    slow: list[str] = field(default_factory=list)  # paths answered only after slow_ms
    slow_ms: int = 5000
    truncated: list[str] = field(default_factory=list)  # paths whose answer stops half-way
    session_expires_after: int = 0  # member pages served before every session expires (once)
    session_expires_at: list[str] = field(default_factory=list)  # the first request to one of these
    # paths finds every session ended (once): e.g. the inbox API, after its page loaded
    unauthorized_status: int = 401  # what a JSON path answers without a session (401 or 403)
    empty_list: bool = False  # the contract list shows no rows while the workrooms still exist
    redirect: dict[str, str] = field(default_factory=dict)  # path -> Location (302)
    next_link: str = ""  # the contract list's 「次へ」 link points here instead
    smartphone: bool = False  # login also sets mobylette_device=sp
    thread_api: bool = True  # False: contract and proposal pages do not fetch messages.json
    thread_json: bool | list[int] = True  # False: every messages.json answers 500; a list: the
    # threads of these contract or proposal ids answer 500
    inbox_iso_times: bool = False  # the inbox API's sent_at in ISO 8601 (+09:00)
    inbox_api_delay_ms: int = 0  # the inbox API answers only after this long
    reload_loop: list[str] = field(default_factory=list)  # pages that reload themselves right after loading, for ever
    redirect_once: list[str] = field(default_factory=list)  # pages that move once, by script, right after loading
    challenge: str = ""  # one of CHALLENGE_FAULTS: a firewall answers instead of the site
    challenge_on: list[str] = field(default_factory=list)  # the paths it answers; empty: every page

    def thread_json_fails(self, owner_id: int) -> bool:
        if isinstance(self.thread_json, bool):
            return not self.thread_json
        return owner_id in self.thread_json


@dataclass
class Scenario:
    now: datetime
    now_given: bool
    worker: SWorker
    clients: dict[int, SClient]
    contracts: list[SContract]
    faults: SFaults
    source: str = "<scenario>"
    proposals: list[SProposal] = field(default_factory=list)
    title: str = ""

    def contract(self, cid: int) -> SContract | None:
        return next((c for c in self.contracts if c.id == cid), None)

    def proposal(self, pid: int) -> SProposal | None:
        return next((p for p in self.proposals if p.id == pid), None)

    def thread(self, thread_id: int) -> SContract | SProposal | None:
        """The contract or application whose message thread has this id."""
        for owner in (*self.contracts, *self.proposals):
            if owner.thread_id == thread_id:
                return owner
        return None


def prefix_of(path: list[str | int]) -> str:
    """``contracts.`` for the path ``["contracts", 0]``: the dotted name a table's keys sit under."""
    return "".join(f"{part}." for part in path if isinstance(part, str))


class _Ctx:
    """Turns a dotted key path into 'file:line: key: problem'."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.lines = text.splitlines()

    def line_of(self, path: list[str | int]) -> int | None:
        idx = 0
        section_done = False
        for i, part in enumerate(path):
            if isinstance(part, int):
                continue
            nxt_is_index = i + 1 < len(path) and isinstance(path[i + 1], int)
            if nxt_is_index:
                header = re.compile(rf"^\s*\[\[\s*(?:\w+\.)*{re.escape(part)}\s*\]\]")
                want = path[i + 1]
                count = -1
                for j in range(idx, len(self.lines)):
                    if header.match(self.lines[j]):
                        count += 1
                        if count == want:
                            idx = j
                            break
                section_done = True
            else:
                key = re.compile(rf"^\s*\"?{re.escape(part)}\"?\s*=")
                table = re.compile(rf"^\s*\[\s*{re.escape(part)}\s*\]")
                for j in range(idx, len(self.lines)):
                    if key.match(self.lines[j]) or (not section_done and table.match(self.lines[j])):
                        idx = j
                        break
                else:
                    return idx + 1 if idx else None
        return idx + 1

    def header_of(self, path: list[str | int], key: str) -> tuple[int, str] | None:
        """The first table header at or after ``path``'s line that opens table ``key`` under ``path``
        (``[key]``, ``[[key]]``, ``[[contracts.key]]``, or a deeper one such as ``[key.sub]``): its line
        number and its text as written. TOML parsers give no line for a key, so the text is scanned."""
        names = [part for part in path if isinstance(part, str)] + [key]
        dotted = r"\s*\.\s*".join(rf'(?:"{re.escape(n)}"|\'{re.escape(n)}\'|{re.escape(n)})' for n in names)
        header = re.compile(rf"^\s*(\[\[?\s*{dotted}\s*(?:\.[^\]]*)?\]\]?)")
        start = (self.line_of(path) or 1) - 1 if path else 0
        for j in range(start, len(self.lines)):
            m = header.match(self.lines[j])
            if m:
                return j + 1, " ".join(m.group(1).split())
        # Not a header: an inline table (``key = {…}``) or dotted keys (``key.sub = …``).
        inline = re.compile(rf"^\s*(?:\"{re.escape(key)}\"|{re.escape(key)})\s*[.=]")
        for j in range(start, len(self.lines)):
            if inline.match(self.lines[j]):
                return j + 1, prefix_of(path) + key
        return None

    def fail(self, path: list[str | int], problem: str) -> ConfigError:
        dotted = ""
        for part in path:
            dotted += f"[{part}]" if isinstance(part, int) else (f".{part}" if dotted else part)
        line = self.line_of(path)
        where = f"{self.source}:{line}" if line else self.source
        return ConfigError(f"{where}: {dotted}: {problem}")


def parse_offset(value: str, now: datetime) -> datetime:
    m = _OFFSET.match(value.strip())
    if not m:
        raise ValueError("not an offset like -14d, -2h, -1d3h or -90m")
    delta = timedelta()
    for n, unit in _PART.findall(m.group(2)):
        delta += timedelta(**{_UNIT[unit]: int(n)})
    return now - delta if m.group(1) == "-" else now + delta


def _time(ctx: _Ctx, path: list[str | int], value: Any, now: datetime) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ctx.fail(path, "a date-time needs an offset, e.g. 2026-11-20T10:00:00+09:00")
        return value.astimezone(UTC)
    if isinstance(value, str):
        try:
            return parse_offset(value, now)
        except ValueError:
            pass
        try:
            t = datetime.fromisoformat(value)
        except ValueError:
            raise ctx.fail(path, f"{value!r} is neither an offset (-14d, -2h) nor ISO 8601") from None
        if t.tzinfo is None:
            raise ctx.fail(path, "a date-time needs an offset, e.g. 2026-11-20T10:00:00+09:00")
        return t.astimezone(UTC)
    raise ctx.fail(path, "expected an offset such as \"-2h\" or an ISO 8601 date-time")


def _take(ctx: _Ctx, path: list[str | int], table: Any, spec: dict[str, tuple[Any, bool]]
          ) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ctx.fail(path, "expected a table")
    for key in table:
        if key not in spec:
            raise _unknown(ctx, path, key, table[key], spec)
    out: dict[str, Any] = {}
    for key, (typ, required) in spec.items():
        if key not in table:
            if required:
                raise ctx.fail(path, f"the key {key!r} is required")
            continue
        value = table[key]
        kinds = typ if isinstance(typ, tuple) else (typ,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            names = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in kinds)
            found = ctx.header_of(path, key) if _is_table(value) and dict not in kinds else None
            if found is not None:  # a table header where a value belongs: e.g. [[clients.rating]]
                others = [k for k in spec if k != key and spec[k][0] in (dict, list)]
                close = difflib.get_close_matches(key, others, n=1, cutoff=0.6)
                hint = f"; did you mean {_shown(path, close[0], spec)}?" if close else ""
                raise ConfigError(f"{ctx.source}:{found[0]}: {found[1]}: not a table: "
                                  f"{prefix_of(path)}{key} expects {names}{hint}")
            raise ctx.fail([*path, key], f"expected {names}")
        out[key] = value
    return out


def _is_table(value: Any) -> bool:
    """A TOML table (``[name]``) or array of tables (``[[name]]``)."""
    return isinstance(value, dict) or (isinstance(value, list) and bool(value)
                                       and all(isinstance(x, dict) for x in value))


def _shown(path: list[str | int], name: str, spec: dict[str, tuple[Any, bool]]) -> str:
    """How a known key is written: ``[faults]``, ``[[contracts.messages]]``, or the bare key."""
    typ = spec[name][0]
    if typ is dict:
        return f"[{prefix_of(path)}{name}]"
    if typ is list and name in _TABLE_LISTS:
        return f"[[{prefix_of(path)}{name}]]"
    return name


def _unknown(ctx: _Ctx, path: list[str | int], key: str, value: Any, spec: dict[str, tuple[Any, bool]]
             ) -> ConfigError:
    """An unknown key, or an unknown (misspelt) table: one line naming it, its line and what is known.

    ``[[contract]]`` becomes ``story.toml:12: [[contract]]: unknown table (did you mean [[contracts]]?
    known here: [scenario], [worker], [[clients]], …)``.
    """
    def shown(name: str) -> str:
        return _shown(path, name, spec)

    known = ", ".join(shown(k) for k in spec)
    close = difflib.get_close_matches(key, list(spec), n=1, cutoff=0.6)
    hint = f"did you mean {shown(close[0])}? " if close else ""
    if not _is_table(value):
        return ctx.fail([*path, key], f"unknown key ({hint}known: {known})")
    found = ctx.header_of(path, key)
    if found is not None:
        line, written = found
        return ConfigError(f"{ctx.source}:{line}: {written}: unknown table ({hint}known here: {known})")
    return ctx.fail([*path, key], f"unknown table ({hint}known here: {known})")


# Keys whose value is an array of tables (``[[name]]``): named so in an error.
_TABLE_LISTS = ("clients", "contracts", "proposals", "messages", "ratings")
_TIME = (str, datetime)
_NUMBER = (int, float)
_TYPE_NAMES = {str: "a string", int: "a whole number", bool: "true or false", list: "a list",
               dict: "a table", datetime: "a date-time", float: "a number"}


def _positive(ctx: _Ctx, path: list[str | int], table: dict[str, Any], *keys: str) -> None:
    for key in keys:
        if key in table and table[key] <= 0:
            raise ctx.fail([*path, key], "must be a positive whole number")


def _not_negative(ctx: _Ctx, path: list[str | int], table: dict[str, Any], *keys: str) -> None:
    for key in keys:
        if key in table and table[key] < 0:
            raise ctx.fail([*path, key], "must not be negative")


def _messages(ctx: _Ctx, path: list[str | int], raw: list[Any], now: datetime) -> list[SMessage]:
    msgs: list[SMessage] = []
    for j, mraw in enumerate(raw):
        mpath: list[str | int] = [*path, "messages", j]
        m = _take(ctx, mpath, mraw, {"from": (str, True), "at": (_TIME, True),
                                     "body": (str, True), "kind": (str, False)})
        if m["from"] not in SENDERS:
            raise ctx.fail([*mpath, "from"], f"expected one of {', '.join(SENDERS)}")
        kind = m.get("kind", "system" if m["from"] == "system" else "message")
        if kind not in KINDS:
            raise ctx.fail([*mpath, "kind"], f"expected one of {', '.join(KINDS)}")
        if m["from"] not in KIND_SENDERS.get(kind, SENDERS):
            raise ctx.fail([*mpath, "kind"], f"a {kind} is sent by {' or '.join(KIND_SENDERS[kind])}")
        if kind == "delivery" and not m["body"].strip():
            continue  # an empty delivery text: the site shows no message at all (platform notes: reported)
        msgs.append(SMessage(m["from"], _time(ctx, [*mpath, "at"], m["at"], now), m["body"], kind))
    return sorted(msgs, key=lambda x: x.at)  # stable: equal times keep the file's order


def _client(ctx: _Ctx, path: list[str | int], raw: Any, now: datetime) -> SClient:
    c = _take(ctx, path, raw, {
        "id": (int, True), "name": (str, True), "last_access": (_TIME, False),
        "identity_verified": (bool, False), "rule_check": (bool, False), "certified": (bool, False),
        "completion_rate": (int, False), "finished_count": (int, False),
        "acceptance_count": (int, False), "rating": (_NUMBER, False), "rating_count": (int, False),
        "ratings": (list, False), "created_at": (_TIME, False), "jobs_posted": (int, False),
        "jobs_contracted": (int, False), "prefecture": (str, False), "description": (str, False),
        "url": (str, False), "last_access_text": (str, False)})
    _positive(ctx, path, c, "id")
    _not_negative(ctx, path, c, "finished_count", "acceptance_count", "rating_count", "jobs_posted",
                  "jobs_contracted")
    if not 0 <= c.get("completion_rate", 0) <= 100:
        raise ctx.fail([*path, "completion_rate"], "expected a percentage from 0 to 100")
    if not 0 <= c.get("rating", 0) <= 5:
        raise ctx.fail([*path, "rating"], "expected a score from 0 to 5")
    la = c.get("last_access", "hidden")
    access = None if la == "hidden" else _time(ctx, [*path, "last_access"], la, now)
    ratings: list[SRating] = []
    for k, rraw in enumerate(c.get("ratings", [])):
        rpath: list[str | int] = [*path, "ratings", k]
        r = _take(ctx, rpath, rraw, {"score": (_NUMBER, True), "comment": (str, False),
                                     "job": (str, False), "at": (_TIME, False)})
        if not 0 <= r["score"] <= 5:
            raise ctx.fail([*rpath, "score"], "expected a score from 0 to 5")
        at = _time(ctx, [*rpath, "at"], r["at"], now) if "at" in r else None
        ratings.append(SRating(float(r["score"]), r.get("comment", ""), r.get("job", ""), at))
    d = SClient(c["id"], c["name"], access)
    created = _time(ctx, [*path, "created_at"], c["created_at"], now) if "created_at" in c else None
    return SClient(
        c["id"], c["name"], access, c.get("identity_verified", True),
        rule_check=c.get("rule_check", d.rule_check), certified=c.get("certified", d.certified),
        completion_rate=c.get("completion_rate", d.completion_rate),
        finished_count=c.get("finished_count", d.finished_count),
        acceptance_count=c.get("acceptance_count", d.acceptance_count),
        rating=float(c.get("rating", d.rating)), rating_count=c.get("rating_count", d.rating_count),
        ratings=ratings, created_at=created, jobs_posted=c.get("jobs_posted", d.jobs_posted),
        jobs_contracted=c.get("jobs_contracted", d.jobs_contracted),
        prefecture=c.get("prefecture", d.prefecture), description=c.get("description", ""),
        url=c.get("url", ""), last_access_text=c.get("last_access_text", ""))


def parse_scenario(text: str, source: str = "<scenario>", real_now: datetime | None = None
                   ) -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        where = f"{source}:{m.group(1)}" if m else source
        raise ConfigError(f"{where}: not valid TOML: {msg}") from None
    ctx = _Ctx(source, text)
    top = _take(ctx, [], data, {"scenario": (dict, False), "worker": (dict, True),
                                "clients": (list, False), "contracts": (list, False),
                                "proposals": (list, False), "faults": (dict, False)})
    head = _take(ctx, ["scenario"], top.get("scenario", {}), {"now": (_TIME, False),
                                                              "title": (str, False)})
    clock = (real_now or datetime.now(UTC)).replace(microsecond=0)
    now = _time(ctx, ["scenario", "now"], head["now"], clock) if "now" in head else clock
    w = _take(ctx, ["worker"], top["worker"], {"id": (int, True), "name": (str, True),
                                               "email": (str, True), "password": (str, True)})
    worker = SWorker(w["id"], w["name"], w["email"], w["password"])
    clients: dict[int, SClient] = {}
    for i, raw in enumerate(top.get("clients", [])):
        path: list[str | int] = ["clients", i]
        cl = _client(ctx, path, raw, now)
        if cl.id in clients:
            raise ctx.fail([*path, "id"], f"client {cl.id} is defined twice")
        clients[cl.id] = cl
    threads: dict[int, str] = {}

    def claim_thread(path: list[str | int], thread_id: int, owner: str) -> None:
        if thread_id in threads:
            raise ctx.fail(path, f"thread {thread_id} belongs to {threads[thread_id]} already")
        threads[thread_id] = owner

    contracts: list[SContract] = []
    for i, raw in enumerate(top.get("contracts", [])):
        path = ["contracts", i]
        c = _take(ctx, path, raw, {"id": (int, True), "client": (int, True),
                                   "title": (str, True), "status": (str, True),
                                   "amount": (int, False), "delivered_at": (_TIME, False),
                                   "escrow": (bool, False), "messages": (list, False),
                                   "payment": (str, False), "thread": (int, False),
                                   "milestones": (int, False), "job": (int, False),
                                   "proposal": (int, False), "contact_link": (str, False)})
        _positive(ctx, path, c, "id", "thread", "job", "proposal")
        if c["client"] not in clients:
            raise ctx.fail([*path, "client"], f"no client with id {c['client']} in [[clients]]")
        if any(x.id == c["id"] for x in contracts):
            raise ctx.fail([*path, "id"], f"contract {c['id']} is defined twice")
        if c.get("payment", "fixed_price") not in PAYMENTS:
            raise ctx.fail([*path, "payment"], f"expected one of {', '.join(PAYMENTS)}")
        if not 1 <= c.get("milestones", 1) <= MAX_MILESTONES:
            raise ctx.fail([*path, "milestones"], f"expected 1 to {MAX_MILESTONES}")
        if c.get("contact_link", CONTACT_LINKS[0]) not in CONTACT_LINKS:
            raise ctx.fail([*path, "contact_link"], f"expected one of {', '.join(CONTACT_LINKS)}")
        delivered = c.get("delivered_at")
        contract = SContract(
            id=c["id"], client=c["client"], title=c["title"], status=c["status"],
            amount=c.get("amount"),
            delivered_at=_time(ctx, [*path, "delivered_at"], delivered, now) if delivered else None,
            escrow=c.get("escrow"), messages=_messages(ctx, path, c.get("messages", []), now),
            payment=c.get("payment", "fixed_price"), thread=c.get("thread"),
            milestones=c.get("milestones", 1), job=c.get("job"), proposal=c.get("proposal"),
            contact_link=c.get("contact_link", CONTACT_LINKS[0]),
        )
        claim_thread([*path, "thread" if "thread" in c else "id"], contract.thread_id,
                     f"contract {contract.id}")
        contracts.append(contract)
    proposals: list[SProposal] = []
    for i, raw in enumerate(top.get("proposals", [])):
        path = ["proposals", i]
        p = _take(ctx, path, raw, {"id": (int, True), "client": (int, True), "title": (str, True),
                                   "job": (int, False), "status": (str, False),
                                   "amount": (int, False), "messages": (list, False),
                                   "thread": (int, False), "applied_at": (_TIME, False),
                                   "deadline": (_TIME, False)})
        _positive(ctx, path, p, "id", "job", "thread")
        if p["client"] not in clients:
            raise ctx.fail([*path, "client"], f"no client with id {p['client']} in [[clients]]")
        if any(x.id == p["id"] for x in proposals):
            raise ctx.fail([*path, "id"], f"proposal {p['id']} is defined twice")
        msgs = _messages(ctx, path, p.get("messages", []), now)
        applied = (_time(ctx, [*path, "applied_at"], p["applied_at"], now) if "applied_at" in p
                   else (msgs[0].at if msgs else now))
        deadline = (_time(ctx, [*path, "deadline"], p["deadline"], now) if "deadline" in p
                    else applied + timedelta(days=14))
        proposal = SProposal(p["id"], p["client"], p["title"], p.get("job"),
                             p.get("status", "応募中"), p.get("amount"), msgs, p.get("thread"),
                             applied, deadline)
        claim_thread([*path, "thread" if "thread" in p else "id"], proposal.thread_id,
                     f"proposal {proposal.id}")
        proposals.append(proposal)
    faults = _faults(ctx, top.get("faults", {}))
    return Scenario(now, "now" in head, worker, clients, contracts, faults, source, proposals,
                    head.get("title", ""))


def _faults(ctx: _Ctx, raw: Any) -> SFaults:
    f = _take(ctx, ["faults"], raw, {
        "login": (str, False), "layout_changed": (list, False), "odd_profiles": (list, False),
        "fold_stops_after": (int, False), "server_error": (list, False),
        "latency_ms": (int, False), "inbox_api": (bool, False), "slow": (list, False),
        "slow_ms": (int, False), "truncated": (list, False), "session_expires_after": (int, False),
        "empty_list": (bool, False), "redirect": (dict, False), "next_link": (str, False),
        "smartphone": (bool, False), "thread_api": (bool, False),
        "thread_json": ((bool, list), False), "inbox_iso_times": (bool, False),
        "inbox_api_delay_ms": (int, False), "reload_loop": (list, False), "redirect_once": (list, False),
        "session_expires_at": (list, False), "unauthorized_status": (int, False), "challenge": (str, False),
        "challenge_on": (list, False)})
    if f.get("login") not in (None, *LOGIN_FAULTS):
        raise ctx.fail(["faults", "login"], f"expected one of {', '.join(LOGIN_FAULTS)}")
    if f.get("challenge", "") not in ("", *CHALLENGE_FAULTS):
        raise ctx.fail(["faults", "challenge"], f"expected one of {', '.join(CHALLENGE_FAULTS)}")
    for kind in f.get("layout_changed", []):
        if kind not in PAGE_KINDS:
            raise ctx.fail(["faults", "layout_changed"],
                           f"{kind!r} is not one of {', '.join(PAGE_KINDS)}")
    for key in ("server_error", "slow", "truncated", "reload_loop", "redirect_once", "session_expires_at",
                "challenge_on"):
        if not all(isinstance(p, str) and p.startswith("/") for p in f.get(key, [])):
            raise ctx.fail(["faults", key], "expected a list of paths starting with '/'")
    if not all(isinstance(k, str) and k.startswith("/") and isinstance(v, str)
               for k, v in f.get("redirect", {}).items()):
        raise ctx.fail(["faults", "redirect"], "expected a table of \"/path\" = \"location\"")
    for key in ("latency_ms", "slow_ms", "session_expires_after", "inbox_api_delay_ms", "fold_stops_after"):
        if f.get(key, 0) < 0:
            raise ctx.fail(["faults", key], "must not be negative")
    if not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in f.get("odd_profiles", [])):
        raise ctx.fail(["faults", "odd_profiles"], "expected a list of client ids")
    if f.get("unauthorized_status", 401) not in (401, 403):
        raise ctx.fail(["faults", "unauthorized_status"], "expected 401 or 403")
    thread_json = f.get("thread_json", True)
    if isinstance(thread_json, list):
        if not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in thread_json):
            raise ctx.fail(["faults", "thread_json"],
                           "expected true, false or a list of contract or proposal ids")
        thread_json = list(thread_json)
    return SFaults(
        login=f.get("login"), layout_changed=list(f.get("layout_changed", [])),
        odd_profiles=list(f.get("odd_profiles", [])), fold_stops_after=f.get("fold_stops_after", 0),
        server_error=list(f.get("server_error", [])), latency_ms=f.get("latency_ms", 0),
        inbox_api=f.get("inbox_api", True), slow=list(f.get("slow", [])),
        slow_ms=f.get("slow_ms", 5000), truncated=list(f.get("truncated", [])),
        session_expires_after=f.get("session_expires_after", 0),
        empty_list=f.get("empty_list", False), redirect=dict(f.get("redirect", {})),
        next_link=f.get("next_link", ""), smartphone=f.get("smartphone", False),
        thread_api=f.get("thread_api", True), thread_json=thread_json,
        inbox_iso_times=f.get("inbox_iso_times", False), inbox_api_delay_ms=f.get("inbox_api_delay_ms", 0),
        reload_loop=list(f.get("reload_loop", [])), redirect_once=list(f.get("redirect_once", [])),
        session_expires_at=list(f.get("session_expires_at", [])),
        unauthorized_status=f.get("unauthorized_status", 401), challenge=f.get("challenge", ""),
        challenge_on=list(f.get("challenge_on", [])))


def load_scenario(path: str | Path, real_now: datetime | None = None) -> Scenario:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such scenario file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: the scenario file is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read the scenario file ({exc.strerror})") from None
    return parse_scenario(text, str(p), real_now)


def bundled_story() -> list[Path]:
    """The bundled story's scenario files, in order (the successive states of one account)."""
    folder = Path(__file__).parent / "story"
    return sorted(folder.glob("*.toml"))
