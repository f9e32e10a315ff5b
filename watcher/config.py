"""The configuration file (TOML, in the user config dir), checked key by key.

Every error names the file and the key. Unknown keys are errors too: a typo must not silently
leave a threshold at its default.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from watcher.decide.delivery import DELIVERY_WORDS
from watcher.decide.rules import Policy
from watcher.decide.vet_policy import VetPolicy
from watcher.errors import ConfigError
from watcher.i18n import N_, _


@dataclass(frozen=True)
class Config:
    base_url: str = ""  # the site; empty: the real one (crowdworks.selectors.SITE_URL)
    email: str = ""
    selectors: str = ""  # a selectors file of the user's own; empty: the bundled one
    browser: str = ""  # a Chromium executable; empty: found automatically
    quiet_business_days: int = 2
    acceptance_warning_days: int = 2
    year_end_break: bool = False
    health_notify_after: int = 2  # consecutive unhealthy scans before a health notification
    page_timeout_s: float = 30.0
    settle_s: float = 3.0  # after a page's load event, how long it may take to show what a reader needs
    min_interval_s: float = 1.0  # politeness: at least this long between two page loads
    max_list_pages: int = 50
    pool_size: int = 2  # long-lived browser pages working side by side
    profile_ttl_h: float = 3.0  # a client's profile is not loaded again within this
    revalidate_h: float = 12.0  # a thread awaiting my answer is read again after this, at the latest
    desktop_notifications: bool = True
    apprise_urls: tuple[str, ...] = ()  # optional channels (pip install 'crowdworks-watcher[apprise]')
    # the daemon
    scan_interval_min: float = 30.0
    scan_jitter_s: int = 120
    active_hours: str = "08:00-23:00"  # Japan time; scans only then
    quiet_hours: str = "23:00-08:00"  # notifications found then wait for the morning; "" for none
    digest_at: str = ""  # "HH:MM": a daily summary of what is open; "" for none
    backoff_max_min: float = 240.0
    scan_timeout_min: float = 10.0  # a scan still running after this is stopped and counted unhealthy
    keyring_timeout_s: float = 10.0  # the keyring must answer within this (a locked one is never unlocked)
    log_max_mb: float = 5.0
    log_keep: int = 5
    evidence_max_mb: float = 100.0  # saved copies of odd pages kept at most (oldest removed first)
    evidence_max_age_days: float = 30.0  # saved copies older than this are removed
    evidence_min_free_mb: float = 100.0  # no copy saved while the disk has less free (a notice says so)
    watch_applications: bool = True  # read /e/proposals and vet the clients who answer an application
    dashboard: bool = True  # the daemon serves the local dashboard on 127.0.0.1 (docs/dashboard.md)
    dashboard_port: int = 0  # its port; 0: any free one (cwwatch open finds it)
    lang: str = ""  # "ja" or "en": the language of everything printed; "" follows --lang, then the locale
    # the words of a delivery report (decide/delivery.py), Japanese first: a first scan's likely report
    delivery_words: tuple[str, ...] = DELIVERY_WORDS
    vet: tuple[tuple[str, Any], ...] = ()  # [vet] thresholds and weights over VetPolicy's defaults
    source: str = "<defaults>"

    def vet_policy(self) -> VetPolicy:
        """The vetting's thresholds: VetPolicy's documented defaults with the ``[vet]`` table over them."""
        return VetPolicy(**dict(self.vet))

    def policy(self, contract_url: str = "") -> Policy:
        """The rules' settings; ``contract_url`` a template such as ``https://…/contracts/{id}``."""
        return Policy(quiet_business_days=self.quiet_business_days,
                      due_warning_days=self.acceptance_warning_days,
                      year_end_break=self.year_end_break, contract_url=contract_url,
                      access_max_age=timedelta(hours=12), delivery_words=self.delivery_words)


_RULES: dict[str, tuple[type | tuple[type, ...], str]] = {
    "base_url": (str, N_("a URL such as https://example.com (the site's address)")),
    "email": (str, N_("the e-mail address you log in with")),
    "selectors": (str, N_("a path to a selectors TOML file")),
    "browser": (str, N_("a path to a Chromium executable")),
    "quiet_business_days": (int, N_("a whole number of business days, 1 or more")),
    "acceptance_warning_days": (int, N_("a whole number of days, 0 to 6")),
    "year_end_break": (bool, N_("true or false")),
    "health_notify_after": (int, N_("a whole number of scans, 1 or more")),
    "page_timeout_s": ((int, float), N_("seconds, more than 0")),
    "settle_s": ((int, float), N_("seconds, 0 to 30")),
    "min_interval_s": ((int, float), N_("seconds, 0 or more")),
    "max_list_pages": (int, N_("a whole number, 1 or more")),
    "pool_size": (int, N_("a whole number of pages, 1 to 8")),
    "profile_ttl_h": ((int, float), N_("hours, 0 or more")),
    "revalidate_h": ((int, float), N_("hours, more than 0 and less than 24 (shorter than any quiet threshold)")),
    "desktop_notifications": (bool, N_("true or false")),
    "apprise_urls": (list, N_("a list of Apprise URLs")),
    "delivery_words": (list, N_("a list of words that say a message delivers the work, e.g. [\"納品\", \"ご査収\"]")),
    "scan_interval_min": ((int, float), N_("minutes, 5 or more (less only for a local test site)")),
    "scan_jitter_s": (int, N_("seconds, 0 or more")),
    "active_hours": (str, N_("HH:MM-HH:MM in Japan time, e.g. 08:00-23:00")),
    "quiet_hours": (str, N_("HH:MM-HH:MM in Japan time, or \"\" for none")),
    "digest_at": (str, N_("HH:MM in Japan time, or \"\" for none")),
    "backoff_max_min": ((int, float), N_("minutes, 1 or more")),
    "scan_timeout_min": ((int, float), N_("minutes, more than 0 (keep it well under scan_interval_min)")),
    "keyring_timeout_s": ((int, float), N_("seconds, 1 to 120")),
    "log_max_mb": ((int, float), N_("megabytes, more than 0")),
    "log_keep": (int, N_("a number of old log files, 0 or more")),
    "evidence_max_mb": ((int, float), N_("megabytes, more than 0")),
    "evidence_max_age_days": ((int, float), N_("days, more than 0")),
    "evidence_min_free_mb": ((int, float), N_("megabytes, 0 or more")),
    "watch_applications": (bool, N_("true or false")),
    "dashboard": (bool, N_("true or false")),
    "dashboard_port": (int, N_("a port, 1024 to 65535, or 0 for any free one")),
    "lang": (str, N_("\"ja\" or \"en\" (\"\" to follow the locale)")),
    "vet": (dict, N_("a table of thresholds and weights (docs/vetting.md), e.g. [vet] min_completion_rate = 70")),
}


def _check_value(source: str, key: str, value: Any) -> None:
    typ, expect_msg = _RULES[key]
    expect = _(expect_msg)
    wrong_type = _("{source}: {key}: expected {expected}").format(source=source, key=key, expected=expect)
    if isinstance(value, bool) and typ is not bool:
        raise ConfigError(wrong_type)
    if not isinstance(value, typ):
        raise ConfigError(wrong_type)
    bad = (
        (key == "quiet_business_days" and not 1 <= value <= 60)
        or (key == "acceptance_warning_days" and not 0 <= value <= 6)
        or (key == "health_notify_after" and not 1 <= value <= 100)
        or (key == "page_timeout_s" and not 0 < value <= 600)
        or (key == "settle_s" and not 0 <= value <= 30)
        or (key == "min_interval_s" and not 0 <= value <= 60)
        or (key == "max_list_pages" and not 1 <= value <= 1000)
        or (key == "pool_size" and not 1 <= value <= 8)
        or (key == "profile_ttl_h" and not 0 <= value <= 24 * 7)
        or (key == "revalidate_h" and not 0 < value < 24)
        or (key == "scan_jitter_s" and not 0 <= value <= 3600)
        or (key == "backoff_max_min" and not 1 <= value <= 24 * 60)
        or (key == "scan_timeout_min" and not 0 < value <= 24 * 60)
        or (key == "keyring_timeout_s" and not 1 <= value <= 120)
        or (key == "log_max_mb" and not 0 < value <= 1000)
        or (key == "log_keep" and not 0 <= value <= 100)
        or (key == "evidence_max_mb" and not 0 < value <= 100_000)
        or (key == "evidence_max_age_days" and not 0 < value <= 3650)
        or (key == "evidence_min_free_mb" and not 0 <= value <= 100_000)
        or (key == "dashboard_port" and not (value == 0 or 1024 <= value <= 65535))
    )
    if bad:
        raise ConfigError(_("{source}: {key}: {value} is out of range (expected {expected})").format(
            source=source, key=key, value=repr(value), expected=expect))
    if key == "apprise_urls" and not all(isinstance(u, str) and "://" in u for u in value):
        raise ConfigError(wrong_type)
    if key == "delivery_words" and not all(isinstance(w, str) and w.strip() for w in value):
        raise ConfigError(wrong_type)
    if key in ("active_hours", "quiet_hours", "digest_at") and value:
        import re

        pattern = r"\d{2}:\d{2}" if key == "digest_at" else r"\d{2}:\d{2}-\d{2}:\d{2}"
        if not re.fullmatch(pattern, value) or any(int(x) > 24 for x in re.findall(r"(\d{2}):", value)):
            raise ConfigError(_("{source}: {key}: expected {expected}, got {value}").format(
                source=source, key=key, expected=expect, value=repr(value)))
    if key == "lang" and value not in ("", "ja", "en"):
        raise ConfigError(_("{source}: {key}: expected {expected}, got {value}").format(
            source=source, key=key, expected=expect, value=repr(value)))
    if key == "vet":
        _check_vet(source, value)
    if key == "base_url":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(wrong_type)


def _check_vet(source: str, table: dict[str, Any]) -> None:
    defaults = VetPolicy()
    known = {f.name: getattr(defaults, f.name) for f in fields(VetPolicy)}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(_("{source}: {key}: unknown key (known: {known})").format(
                source=source, key=f"vet.{key}", known=", ".join(sorted(known))))
        default = known[key]
        if isinstance(default, tuple):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            expect = _("a list of rule ids")
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
            expect = _("a whole number")
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            expect = _("a number")
        if not ok:
            raise ConfigError(_("{source}: {key}: expected {expected} (default {default})").format(
                source=source, key=f"vet.{key}", expected=expect, default=repr(default)))
    try:
        VetPolicy(**{k: tuple(v) if isinstance(v, list) else v for k, v in table.items()})
    except ValueError as exc:
        raise ConfigError(f"{source}: vet: {exc}") from None


def from_mapping(data: dict[str, Any], source: str) -> Config:
    for key, value in data.items():
        if key not in _RULES:
            known = ", ".join(sorted(_RULES))
            raise ConfigError(_("{source}: {key}: unknown key (known: {known})").format(
                source=source, key=key, known=known))
        _check_value(source, key, value)
    values = {k: (float(v) if k.endswith(("_s", "_h", "_min", "_mb")) else v) for k, v in data.items()}
    if "scan_jitter_s" in values:
        values["scan_jitter_s"] = int(values["scan_jitter_s"])
    for key in ("apprise_urls", "delivery_words"):
        if key in values:
            values[key] = tuple(values[key])
    if "vet" in values:
        values["vet"] = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in values["vet"].items())
    if "base_url" in values:
        values["base_url"] = values["base_url"].rstrip("/")
    cfg = replace(Config(), source=source, **values)
    local = urlsplit(cfg.base_url).hostname in ("127.0.0.1", "localhost", "::1")
    if cfg.scan_interval_min < (0.02 if local else 5):
        raise ConfigError(_("{source}: {key}: {value} is too often for the real site (5 minutes at least)").format(
            source=source, key="scan_interval_min", value=f"{cfg.scan_interval_min:g}"))
    return cfg


def _read(path: Path) -> str:
    """The config file's text. Raises ConfigError naming the file."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(_("{path}: the config file is not UTF-8 text").format(path=path)) from None
    except OSError as exc:
        raise ConfigError(_("{path}: cannot read the config file ({error})").format(
            path=path, error=exc.strerror)) from None


def load(path: Path) -> Config:
    """The config file at ``path``; the defaults when it does not exist."""
    if not path.exists():
        return Config()
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = _AT.search(str(exc))
        if at is None:
            raise ConfigError(_("{path}: not valid TOML: {error}").format(path=path, error=exc)) from None
        raise ConfigError(_("{path} line {line}: not valid TOML: {error}").format(
            path=path, line=at["line"], error=str(exc)[:at.start()].strip())) from None
    try:
        return from_mapping(data, str(path))
    except ConfigError as exc:  # a key's check: name the key's line too, when the file has it
        line = _line_of_key(text, str(exc), str(path))
        if line is None:
            raise
        raise ConfigError(_("{path} line {line}: {error}").format(
            path=path, line=line, error=str(exc).removeprefix(f"{path}: "))) from None


_AT = re.compile(r"\(at line (?P<line>\d+), column (?P<column>\d+)\)")


def _line_of_key(text: str, message: str, source: str) -> int | None:
    """The line of the key a check's message names (``{source}: {key}: …``): its last dotted part
    written as ``key =`` (bare or quoted) in the file. None when the message names no key or the
    file has no such line."""
    m = re.match(re.escape(source) + r": ([\w.-]+):", message)
    if m is None:
        return None
    key = re.escape(m[1].rsplit(".", 1)[-1])
    pattern = re.compile(rf"""^\s*(?:{key}|"{key}"|'{key}')\s*=""")
    for n, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return n
    return None


def set_email(path: Path, email: str) -> None:
    """Set ``email`` in the config file at ``path``, keeping its comments, order and layout.

    A round trip through ``tomlkit``: only the ``email`` line changes (or is added). The file is
    created when missing and written atomically, 0600. Raises ConfigError naming the file when it
    cannot be read or is not valid TOML (it is then left as it was).
    """
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    from watcher.paths import make_private_dirs, write_private

    text = _read(path) if path.exists() else ""
    try:
        doc = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(_("{path}: not valid TOML: {error}").format(path=path, error=exc)) from None
    doc["email"] = email
    make_private_dirs(path.parent)
    write_private(path, tomlkit.dumps(doc))
