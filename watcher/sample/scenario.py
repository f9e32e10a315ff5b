"""Scenario files: an account's contracts, messages and clients, as TOML.

The format is an interface (documented in docs/scenario.md): fields may be added, never changed.
Errors name the file and, where it can be found, the line: ``story.toml:12: contracts[0].status:
expected a string``.
"""

from __future__ import annotations

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
KINDS = ("message", "delivery", "system")
LOGIN_FAULTS = ("two_step", "captcha", "wrong_password")
PAGE_KINDS = ("contracts", "workroom", "profile", "inbox")


@dataclass
class SMessage:
    sender: str
    at: datetime
    body: str
    kind: str = "message"


@dataclass
class SClient:
    id: int
    name: str
    last_access: datetime | None  # None: hidden
    identity_verified: bool = True


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

    @property
    def escrow_deposited(self) -> bool:
        return self.escrow if self.escrow is not None else self.status != "仮払い待ち"


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
    server_error: list[str] = field(default_factory=list)
    latency_ms: int = 0
    inbox_api: bool = True  # False: the inbox page renders its list without loading the JSON
    slow: list[str] = field(default_factory=list)  # paths answered only after slow_ms
    slow_ms: int = 5000
    truncated: list[str] = field(default_factory=list)  # paths whose answer stops half-way
    session_expires_after: int = 0  # member pages served before every session expires (once)
    empty_list: bool = False  # the contract list shows no rows while the workrooms still exist
    redirect: dict[str, str] = field(default_factory=dict)  # path -> Location (302)
    next_link: str = ""  # the contract list's 「次へ」 link points here instead


@dataclass
class Scenario:
    now: datetime
    now_given: bool
    worker: SWorker
    clients: dict[int, SClient]
    contracts: list[SContract]
    faults: SFaults
    source: str = "<scenario>"

    def contract(self, cid: int) -> SContract | None:
        return next((c for c in self.contracts if c.id == cid), None)


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


def _take(ctx: _Ctx, path: list[str | int], table: Any, spec: dict[str, tuple[type, bool]]
          ) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ctx.fail(path, "expected a table")
    for key in table:
        if key not in spec:
            raise ctx.fail([*path, key], f"unknown key (known: {', '.join(spec)})")
    out: dict[str, Any] = {}
    for key, (typ, required) in spec.items():
        if key not in table:
            if required:
                raise ctx.fail(path, f"the key {key!r} is required")
            continue
        value = table[key]
        ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
        if not ok:
            kinds = typ if isinstance(typ, tuple) else (typ,)
            names = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in kinds)
            raise ctx.fail([*path, key], f"expected {names}")
        out[key] = value
    return out


_TIME = (str, datetime)
_TYPE_NAMES = {str: "a string", int: "a whole number", bool: "true or false", list: "a list",
               dict: "a table", datetime: "a date-time"}


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
                                "faults": (dict, False)})
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
        c = _take(ctx, path, raw, {"id": (int, True), "name": (str, True),
                                   "last_access": (_TIME, False),
                                   "identity_verified": (bool, False)})
        la = c.get("last_access", "hidden")
        access = None if la == "hidden" else _time(ctx, [*path, "last_access"], la, now)
        if c["id"] in clients:
            raise ctx.fail([*path, "id"], f"client {c['id']} is defined twice")
        clients[c["id"]] = SClient(c["id"], c["name"], access, c.get("identity_verified", True))
    contracts: list[SContract] = []
    for i, raw in enumerate(top.get("contracts", [])):
        path = ["contracts", i]
        c = _take(ctx, path, raw, {"id": (int, True), "client": (int, True),
                                   "title": (str, True), "status": (str, True),
                                   "amount": (int, False), "delivered_at": (_TIME, False),
                                   "escrow": (bool, False), "messages": (list, False)})
        if c["client"] not in clients:
            raise ctx.fail([*path, "client"], f"no client with id {c['client']} in [[clients]]")
        if any(x.id == c["id"] for x in contracts):
            raise ctx.fail([*path, "id"], f"contract {c['id']} is defined twice")
        msgs: list[SMessage] = []
        for j, mraw in enumerate(c.get("messages", [])):
            mpath: list[str | int] = [*path, "messages", j]
            m = _take(ctx, mpath, mraw, {"from": (str, True), "at": (_TIME, True),
                                         "body": (str, True), "kind": (str, False)})
            if m["from"] not in SENDERS:
                raise ctx.fail([*mpath, "from"], f"expected one of {', '.join(SENDERS)}")
            kind = m.get("kind", "system" if m["from"] == "system" else "message")
            if kind not in KINDS:
                raise ctx.fail([*mpath, "kind"], f"expected one of {', '.join(KINDS)}")
            msgs.append(SMessage(m["from"], _time(ctx, [*mpath, "at"], m["at"], now),
                                 m["body"], kind))
        delivered = c.get("delivered_at")
        contracts.append(SContract(
            id=c["id"], client=c["client"], title=c["title"], status=c["status"],
            amount=c.get("amount"),
            delivered_at=_time(ctx, [*path, "delivered_at"], delivered, now) if delivered else None,
            escrow=c.get("escrow"), messages=sorted(msgs, key=lambda x: x.at),
        ))
    f = _take(ctx, ["faults"], top.get("faults", {}), {
        "login": (str, False), "layout_changed": (list, False), "server_error": (list, False),
        "latency_ms": (int, False), "inbox_api": (bool, False), "slow": (list, False),
        "slow_ms": (int, False), "truncated": (list, False), "session_expires_after": (int, False),
        "empty_list": (bool, False), "redirect": (dict, False), "next_link": (str, False)})
    if f.get("login") not in (None, *LOGIN_FAULTS):
        raise ctx.fail(["faults", "login"], f"expected one of {', '.join(LOGIN_FAULTS)}")
    for kind in f.get("layout_changed", []):
        if kind not in PAGE_KINDS:
            raise ctx.fail(["faults", "layout_changed"],
                           f"{kind!r} is not one of {', '.join(PAGE_KINDS)}")
    for key in ("server_error", "slow", "truncated"):
        if not all(isinstance(p, str) and p.startswith("/") for p in f.get(key, [])):
            raise ctx.fail(["faults", key], "expected a list of paths starting with '/'")
    if not all(isinstance(k, str) and k.startswith("/") and isinstance(v, str)
               for k, v in f.get("redirect", {}).items()):
        raise ctx.fail(["faults", "redirect"], "expected a table of \"/path\" = \"location\"")
    for key in ("latency_ms", "slow_ms", "session_expires_after"):
        if f.get(key, 0) < 0:
            raise ctx.fail(["faults", key], "must not be negative")
    faults = SFaults(f.get("login"), list(f.get("layout_changed", [])),
                     list(f.get("server_error", [])), f.get("latency_ms", 0), f.get("inbox_api", True),
                     list(f.get("slow", [])), f.get("slow_ms", 5000), list(f.get("truncated", [])),
                     f.get("session_expires_after", 0), f.get("empty_list", False),
                     dict(f.get("redirect", {})), f.get("next_link", ""))
    return Scenario(now, "now" in head, worker, clients, contracts, faults, source)


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
