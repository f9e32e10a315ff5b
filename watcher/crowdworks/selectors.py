"""The selector set: what cwwatch knows about CrowdWorks' markup, loaded once per run from
``selectors/*.toml`` (version 2).

Every hook carries the grade of its evidence (``seen``, ``reported``, ``guess``; docs/site.md) and
may be a chain of alternatives, tried in order. Loading checks every key, compiles every regular
expression and tries every CSS selector once, so a broken file fails at start with the file and
the key (:class:`~watcher.errors.ConfigError`), never halfway through a scan.

The bundled file ships inside the wheel as ``watcher/_selectors/`` and is read from the source
tree's ``selectors/`` in a checkout. A user may point to a file of their own.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from watcher.errors import ConfigError
from watcher.i18n import _
from watcher.models import Stage

BUNDLED_NAME = "crowdworks.toml"
VERSION = 2
SITE_URL = "https://crowdworks.jp"  # the real site: the default of the config key base_url
GRADES = ("seen", "reported", "guess")
KINDS = ("css", "re", "path", "texts", "all", "label", "cookie", "str")

# section -> key -> the kind of markup the hook holds
SCHEMA: dict[str, dict[str, str]] = {
    "session": {"device_cookie": "cookie", "header": "css", "header_is_login": "path",
                "header_user_id": "path"},
    "login": {"form": "css", "username": "css", "password": "css", "remember": "css", "submit": "css",
              "error": "css", "error_texts": "texts", "two_step_url": "str", "two_step_texts": "texts",
              "captcha": "css", "captcha_invisible": "css", "bot_check_texts": "texts", "bot_check": "css",
              "challenge_headers": "texts", "challenge_scripts": "texts", "not_found_texts": "texts"},
    "ready": {"contracts": "css", "workroom": "css", "profile": "css", "proposals": "css"},
    "contracts": {"row_link": "css", "row_link_id": "re", "row": "css", "sections": "css", "empty": "css",
                  "empty_texts": "texts", "next_page": "css", "status_cell": "css"},
    "workroom": {"thread": "css", "thread_id": "path", "thread_contract_id": "path", "thread_type": "path",
                 "client_link": "css", "client_id": "re", "title": "label|css", "amount": "label",
                 "state_area": "css", "progress_step": "css", "progress_done": "str",
                 "progress_current": "str", "delivery_step": "texts", "milestone_form": "css",
                 "milestone_submit": "css", "feedback_link": "css", "contact_reminder_texts": "texts"},
    "thread_json": {"messages": "path", "id": "path", "own": "path", "sent_at": "path", "body": "path"},
    "thread": {"message": "css", "mine": "css", "system": "css", "sender": "css", "time": "css", "body": "css",
               "paragraph": "css", "fold_text": "re", "fold": "css", "delivery": "css", "delivery_texts": "texts"},
    "profile": {"container": "css", "user": "path", "public_user": "path", "summary": "path", "id": "path",
                "display_name": "path", "last_access": "path", "identity_verified": "path", "rule_check": "path",
                "certified": "path", "official": "path", "rating": "path", "rating_count": "path",
                "jobs_contracted": "path", "completion_rate": "path", "acceptance_count": "path",
                "finished_count": "path", "created_at": "path", "prefecture": "path", "ratings": "path",
                "rating_score": "path", "rating_comment": "path", "rating_job": "path", "rating_at": "path",
                "job_offers": "path", "job_active": "path", "job_contracted": "path",
                "last_activity": "css", "last_activity_label": "re", "hidden_texts": "texts"},
    "inbox_api": {"status": "path", "ok_status": "str", "items": "path", "total_pages": "path",
                  "thread_id": "path", "message_id": "path", "sent_at": "path", "title": "path",
                  "proposal_status": "path", "is_replied": "path", "proposed": "str"},
    "inbox": {"list": "css", "item": "css", "item_thread": "str", "item_link": "css", "item_message": "re",
              "item_title": "css", "time": "css", "next_page": "css", "next_page_texts": "texts",
              "empty_texts": "texts"},
    "proposals": {"table": "css", "row_link": "css", "row_link_id": "re", "page_link": "css",
                  "page_link_number": "re", "job_link": "css", "job_id": "re", "price": "css",
                  "thread_proposal_id": "path", "title": "css", "job_client_link": "css"},
}
URL_KEYS = ("login", "dashboard", "contracts", "workroom", "thread_json", "profile", "inbox", "inbox_api",
            "proposals", "proposal", "job")
# Allowed in [urls], not required: pages only `cwwatch capture` loads (crowdworks/evidence_pages.py has defaults).
OPTIONAL_URL_KEYS = ("milestones", "notifications")


@dataclass(frozen=True)
class Alt:
    """One alternative of a hook: its markup, and the grade and source of the evidence for it."""

    kind: str  # one of KINDS
    value: Any  # a string, or a list of strings for texts / all
    grade: str
    source: str = ""
    pattern: re.Pattern[str] | None = None  # compiled, for kind "re"


@dataclass(frozen=True)
class Hook:
    """A named piece of markup knowledge, ``section.key``, with its alternatives in order."""

    name: str
    alts: tuple[Alt, ...]

    def __iter__(self) -> Iterator[Alt]:
        return iter(self.alts)

    @property
    def first(self) -> Alt:
        return self.alts[0]

    @property
    def grade(self) -> str:
        """The best grade among the alternatives (what the hook can rely on)."""
        return min((a.grade for a in self.alts), key=GRADES.index)

    @property
    def css(self) -> str:
        """Every CSS alternative as one selector list (for a query that takes any of them)."""
        return ", ".join(a.value for a in self.alts if a.kind == "css")

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(t for a in self.alts if a.kind in ("texts", "all") for t in a.value)

    @property
    def value(self) -> Any:
        return self.first.value

    @property
    def pattern(self) -> re.Pattern[str]:
        assert self.first.pattern is not None, f"{self.name} is not a regular expression"
        return self.first.pattern


@dataclass(frozen=True)
class Section:
    name: str
    hooks: dict[str, Hook]

    def __getattr__(self, key: str) -> Hook:
        try:
            return self.hooks[key]
        except KeyError:
            raise AttributeError(f"selectors [{self.name}] has no {key!r}") from None


@dataclass(frozen=True)
class StateRule:
    """A contract state the page says in words: every text of ``all`` appears."""

    stage: Stage
    all: tuple[str, ...]
    grade: str
    source: str = ""


@dataclass(frozen=True)
class Label:
    stage: Stage
    grade: str
    source: str = ""


@dataclass(frozen=True)
class Urls:
    values: dict[str, str]

    def __getattr__(self, key: str) -> str:
        try:
            return self.values[key]
        except KeyError:
            raise AttributeError(f"selectors [urls] has no {key!r}") from None


@dataclass(frozen=True)
class SelectorSet:
    source: str
    urls: Urls
    document_end: str
    session: Section
    login: Section
    ready: Section
    contracts: Section
    workroom: Section
    thread_json: Section
    thread: Section
    profile: Section
    inbox_api: Section
    inbox: Section
    proposals: Section
    states: tuple[StateRule, ...]
    status_labels: dict[str, Label]

    def stage_of(self, label: str) -> Stage | None:
        found = self.status_labels.get(label.strip())
        return found.stage if found else None

    def hook(self, name: str) -> Hook:
        """A hook by its full name, ``section.key``."""
        section, key = name.split(".", 1)
        return getattr(getattr(self, section), key)

    def page_url(self, base_url: str, kind: str, **fields: object) -> str:
        """The absolute URL of a page from ``[urls]``: ``page_url(base, "workroom", id=1)``."""
        return f"{(base_url or SITE_URL).rstrip('/')}{self.urls.values[kind].format(**fields)}"

    def url_template(self, base_url: str, kind: str) -> str:
        """``[urls]`` as an absolute template, e.g. ``https://crowdworks.jp/contracts/{id}``."""
        return f"{(base_url or SITE_URL).rstrip('/')}{self.urls.values[kind]}"


def bundled_path() -> Path:
    """The selectors file that ships with cwwatch (wheel) or sits in the checkout."""
    try:
        res = resources.files("watcher").joinpath("_selectors", BUNDLED_NAME)
        if res.is_file():
            return Path(str(res))
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover
        pass
    checkout = Path(__file__).resolve().parents[2] / "selectors" / BUNDLED_NAME
    if checkout.is_file():
        return checkout
    raise ConfigError(_("the bundled selectors file {name} is missing from this install").format(name=BUNDLED_NAME))


_PROBE = LexborHTMLParser("<html><body><p class='x'>x</p></body></html>")


def _alt(where: str, kinds: str, raw: Any) -> Alt:
    if not isinstance(raw, dict):
        raise ConfigError(_("{where}: expected a table such as {example}").format(
            where=where, example='{ css = "...", grade = "seen" }'))
    present = [k for k in KINDS if k in raw]
    allowed = kinds.split("|")
    if len(present) != 1 or present[0] not in allowed:
        raise ConfigError(_("{where}: expected exactly one of {allowed}").format(
            where=where, allowed=", ".join(allowed)))
    extra = set(raw) - {present[0], "grade", "source", "note"}
    if extra:
        raise ConfigError(_("{where}: unknown key {key}").format(where=where, key=repr(sorted(extra)[0])))
    kind = present[0]
    value = raw[kind]
    grade = raw.get("grade")
    if grade not in GRADES:
        raise ConfigError(_("{where}: {key}: expected one of {allowed}").format(
            where=where, key="grade", allowed=", ".join(GRADES)))
    source = raw.get("source", "")
    if not isinstance(source, str):
        raise ConfigError(_("{where}: {key}: expected a string").format(where=where, key="source"))
    pattern = None
    if kind in ("texts", "all"):
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(_("{where}: {key}: expected a list of non-empty strings").format(where=where, key=kind))
    elif not isinstance(value, str) or not value.strip():
        raise ConfigError(_("{where}: {key}: expected a non-empty string").format(where=where, key=kind))
    elif kind == "css":
        try:
            _PROBE.css(value)
        except Exception as exc:
            raise ConfigError(_("{where}: not a valid CSS selector ({error})").format(where=where, error=exc)) from None
    elif kind == "re":
        try:
            pattern = re.compile(value)
        except re.error as exc:
            raise ConfigError(_("{where}: not a valid regular expression ({error})").format(
                where=where, error=exc)) from None
    elif kind == "cookie" and not re.fullmatch(r"[A-Za-z0-9_\-]+=[^;\s]+", value):
        raise ConfigError(_("{where}: expected name=value").format(where=where))
    return Alt(kind, value, grade, source, pattern)


def _hook(source: str, section: str, key: str, kinds: str, raw: Any) -> Hook:
    where = f"{source}: [{section}] {key}"
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise ConfigError(_("{where}: an empty list of alternatives").format(where=where))
    return Hook(f"{section}.{key}", tuple(_alt(f"{where}[{i}]" if isinstance(raw, list) else where, kinds, r)
                                          for i, r in enumerate(items)))


def _stage(source: str, where: str, value: Any) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        allowed = ", ".join(s.value for s in Stage)
        raise ConfigError(_("{source}: {where}: {value} is not one of {allowed}").format(
            source=source, where=where, value=repr(value), allowed=allowed)) from None


def parse(text: str, source: str) -> SelectorSet:
    """A selector set from the text of a selectors file; ConfigError naming the file and key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("{path}: not valid TOML: {error}").format(path=source, error=exc)) from None
    version = data.get("version")
    if version == 1:
        raise ConfigError(_("{source}: version 1 is the format of an older cwwatch; copy the bundled file "
                            "({bundled}) and make your change again").format(source=source, bundled=bundled_path()))
    if version != VERSION:
        raise ConfigError(_("{source}: {key}: expected {expected}, found {value}").format(
            source=source, key="version", expected=VERSION, value=repr(version)))
    known = set(SCHEMA) | {"version", "site", "urls", "labels", "states"}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(_("{source}: unknown section {section}").format(
            source=source, section=f"[{sorted(unknown)[0]}]"))
    urls = data.get("urls")
    if not isinstance(urls, dict):
        raise ConfigError(_("{source}: the section {section} is missing").format(source=source, section="[urls]"))
    for key in URL_KEYS:
        v = urls.get(key)
        if not isinstance(v, str) or not v.startswith("/"):
            raise ConfigError(_("{source}: {where}: expected a path on the site starting with '/'").format(
                source=source, where=f"[urls] {key}"))
    for key in OPTIONAL_URL_KEYS:
        if key in urls and not (isinstance(urls[key], str) and urls[key].startswith("/")):
            raise ConfigError(_("{source}: {where}: expected a path on the site starting with '/'").format(
                source=source, where=f"[urls] {key}"))
    extra = set(urls) - set(URL_KEYS) - set(OPTIONAL_URL_KEYS)
    if extra:
        raise ConfigError(_("{source}: {where}: unknown key").format(source=source, where=f"[urls] {sorted(extra)[0]}"))
    sections: dict[str, Section] = {}
    document_end = ""
    for name, keys in SCHEMA.items():
        raw = data.get(name)
        if not isinstance(raw, dict):
            raise ConfigError(_("{source}: the section {section} is missing").format(
                source=source, section=f"[{name}]"))
        raw = dict(raw)
        if name == "session":
            document_end = raw.pop("document_end", "")
            if not isinstance(document_end, str):
                raise ConfigError(_("{source}: {where}: expected a string (empty for none)").format(
                    source=source, where="[session] document_end"))
        extra = set(raw) - set(keys)
        if extra:
            raise ConfigError(_("{source}: {where}: unknown key").format(
                source=source, where=f"[{name}] {sorted(extra)[0]}"))
        hooks = {}
        for key, kinds in keys.items():
            if key not in raw:
                raise ConfigError(_("{source}: {where}: required selector missing").format(
                    source=source, where=f"[{name}] {key}"))
            hooks[key] = _hook(source, name, key, kinds, raw[key])
        sections[name] = Section(name, hooks)
    states_raw = data.get("states")
    if not isinstance(states_raw, list) or not states_raw:
        raise ConfigError(_("{source}: {section} is missing or empty").format(source=source, section="[[states]]"))
    states = []
    for i, st in enumerate(states_raw):
        where = f"[[states]] {i + 1}"
        if not isinstance(st, dict) or set(st) - {"stage", "all", "grade", "source"}:
            raise ConfigError(_("{source}: {where}: expected stage, all, grade (and source)").format(
                source=source, where=where))
        alt = _alt(f"{source}: {where}", "all", {k: v for k, v in st.items() if k != "stage"})
        states.append(StateRule(_stage(source, f"{where} stage", st.get("stage")), tuple(alt.value), alt.grade,
                                alt.source))
    labels_raw = data.get("labels", {}).get("status")
    if not isinstance(labels_raw, dict) or not labels_raw:
        raise ConfigError(_("{source}: {section} is missing or empty").format(source=source, section="[labels.status]"))
    labels: dict[str, Label] = {}
    for label, value in labels_raw.items():
        where = f"[labels.status] {label!r}"
        if isinstance(value, str):
            labels[label.strip()] = Label(_stage(source, where, value), "seen")
            continue
        if not isinstance(value, dict) or value.get("grade") not in GRADES or set(value) - {"stage", "grade", "source"}:
            raise ConfigError(_("{source}: {where}: expected a stage, or {example}").format(
                source=source, where=where, example="{ stage = …, grade = … }"))
        labels[label.strip()] = Label(_stage(source, where, value.get("stage")), value["grade"],
                                      str(value.get("source", "")))
    return SelectorSet(source=source, urls=Urls(dict(urls)), document_end=document_end,
                       states=tuple(states), status_labels=labels, **sections)


@cache
def _load_cached(path: str, mtime_ns: int) -> SelectorSet:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(_("{path}: cannot read the selectors file ({error})").format(
            path=path, error=exc.strerror)) from None
    except UnicodeDecodeError:
        raise ConfigError(_("{path}: the selectors file is not UTF-8 text").format(path=path)) from None
    return parse(text, str(p))


def load(path: str | Path | None = None) -> SelectorSet:
    """Load and validate a selectors file (the bundled one when ``path`` is None)."""
    p = Path(path).expanduser() if path else bundled_path()
    try:
        mtime = p.stat().st_mtime_ns
    except OSError:
        raise ConfigError(_("{path}: the selectors file does not exist").format(path=p)) from None
    return _load_cached(str(p.resolve()), mtime)
