"""The selector set: markup knowledge loaded once per run from ``selectors/*.toml``.

The bundled file ships inside the wheel as ``watcher/_selectors/`` and is read from the source
tree's ``selectors/`` in a checkout. A user may point to a file of their own. Loading checks every
required key, compiles every regular expression and tries every CSS selector once, so a broken file
fails at start with the file and the key, not halfway through a scan.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from watcher.errors import ConfigError
from watcher.models import Stage

BUNDLED_NAME = "crowdworks.toml"
SITE_URL = "https://crowdworks.jp"  # the real site: the default of the config key base_url

# section -> key -> kind ("css", "re", "texts", "path", "str", "url"; "optional": a string that may
# be left out or empty, meaning off)
SCHEMA: dict[str, dict[str, str]] = {
    "urls": {"login": "url", "dashboard": "url", "contracts": "url", "workroom": "url",
             "profile": "url", "inbox": "url", "inbox_api": "url"},
    "common": {"header": "css", "header_is_login": "path", "header_user_id": "path",
               "document_end": "optional"},
    "login": {"form": "css", "username": "css", "password": "css", "remember": "css",
              "submit": "css", "error": "css", "error_texts": "texts", "two_step_url": "str",
              "two_step_texts": "texts", "captcha": "css", "captcha_invisible": "css",
              "not_found_texts": "texts"},
    "contracts": {"table": "css", "row": "css", "link": "css", "link_id": "re",
                  "client_cell": "css", "status_cell": "css", "empty": "css",
                  "next_page": "css"},
    "workroom": {"title": "css", "client_link": "css", "client_id": "re", "status": "css",
                 "escrow": "css", "escrow_deposited_texts": "texts",
                 "escrow_missing_texts": "texts", "amount": "css", "thread": "css",
                 "thread_contract_id": "path", "thread_id": "path", "message": "css", "message_sent_class": "str",
                 "message_system_class": "str", "sender": "css", "sender_worker": "re",
                 "sender_client": "re", "time": "css", "time_attr": "str", "body": "css",
                 "delivery": "css", "delivery_texts": "texts", "show_more": "css",
                 "show_more_texts": "texts", "contact_reminder_texts": "texts"},
    "profile": {"container": "css", "user": "path", "user_id": "path", "user_name": "path",
                "last_access_json": "path", "last_access": "css", "last_access_label": "re",
                "hidden_texts": "texts"},
    "inbox": {"list": "css", "item": "css", "item_link": "css", "item_thread": "str",
              "item_message": "str", "item_title": "css", "sender": "css", "time": "css",
              "time_attr": "str", "next_page": "css", "next_page_texts": "texts"},
}


@dataclass(frozen=True)
class Section:
    name: str
    values: dict[str, Any]
    patterns: dict[str, re.Pattern[str]]

    def __getattr__(self, key: str) -> Any:
        try:
            return self.values[key]
        except KeyError:
            raise AttributeError(f"selectors [{self.name}] has no {key!r}") from None

    def re(self, key: str) -> re.Pattern[str]:
        return self.patterns[key]


@dataclass(frozen=True)
class SelectorSet:
    source: str
    urls: Section
    common: Section
    login: Section
    contracts: Section
    workroom: Section
    profile: Section
    inbox: Section
    status_labels: dict[str, Stage]

    def stage_of(self, label: str) -> Stage | None:
        return self.status_labels.get(label.strip())

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
    raise ConfigError(f"the bundled selectors file {BUNDLED_NAME} is missing from this install")


_PROBE = LexborHTMLParser("<html><body><p class='x'>x</p></body></html>")


def _check(file: str, section: str, key: str, kind: str, value: Any) -> None:
    where = f"{file}: [{section}] {key}"
    if kind == "optional":
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string (empty for none)")
        return
    if kind == "texts":
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"{where}: expected a list of non-empty strings")
        return
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: expected a non-empty string")
    if kind == "css":
        try:
            _PROBE.css(value)
        except Exception as exc:
            raise ConfigError(f"{where}: not a valid CSS selector ({exc})") from None
    elif kind == "re":
        try:
            re.compile(value)
        except re.error as exc:
            raise ConfigError(f"{where}: not a valid regular expression ({exc})") from None
    elif kind == "url" and not value.startswith("/"):
        raise ConfigError(f"{where}: a path on the site must start with '/'")


def parse(text: str, source: str) -> SelectorSet:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    if data.get("version") != 1:
        raise ConfigError(f"{source}: version: expected 1, found {data.get('version')!r}")
    unknown = set(data) - set(SCHEMA) - {"version", "site", "labels"}
    if unknown:
        raise ConfigError(f"{source}: unknown section [{sorted(unknown)[0]}]")
    sections: dict[str, Section] = {}
    for name, keys in SCHEMA.items():
        raw = data.get(name)
        if not isinstance(raw, dict):
            raise ConfigError(f"{source}: the section [{name}] is missing")
        extra = set(raw) - set(keys)
        if extra:
            raise ConfigError(f"{source}: [{name}] {sorted(extra)[0]}: unknown key")
        pats: dict[str, re.Pattern[str]] = {}
        raw = dict(raw)
        for key, kind in keys.items():
            if key not in raw and kind == "optional":
                raw[key] = ""
            if key not in raw:
                raise ConfigError(f"{source}: [{name}] {key}: required selector missing")
            _check(source, name, key, kind, raw[key])
            if kind == "re":
                pats[key] = re.compile(raw[key])
        sections[name] = Section(name, dict(raw), pats)
    labels_raw = data.get("labels", {}).get("status")
    if not isinstance(labels_raw, dict) or not labels_raw:
        raise ConfigError(f"{source}: [labels.status] is missing or empty")
    labels: dict[str, Stage] = {}
    for label, stage in labels_raw.items():
        try:
            labels[label.strip()] = Stage(stage)
        except ValueError:
            allowed = ", ".join(s.value for s in Stage)
            raise ConfigError(
                f"{source}: [labels.status] {label!r}: {stage!r} is not one of {allowed}"
            ) from None
    return SelectorSet(source=source, status_labels=labels, **sections)


@cache
def _load_cached(path: str, mtime_ns: int) -> SelectorSet:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the selectors file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the selectors file is not UTF-8 text") from None
    return parse(text, str(p))


def load(path: str | Path | None = None) -> SelectorSet:
    """Load and validate a selectors file (the bundled one when ``path`` is None)."""
    p = Path(path).expanduser() if path else bundled_path()
    try:
        mtime = p.stat().st_mtime_ns
    except OSError:
        raise ConfigError(f"{p}: the selectors file does not exist") from None
    return _load_cached(str(p.resolve()), mtime)
