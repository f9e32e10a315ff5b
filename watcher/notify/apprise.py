"""Optional notification channels through Apprise (e-mail, Slack, LINE, ntfy, Telegram …), for people
away from their desk: ``pip install 'crowdworks-watcher[apprise]'`` and ``apprise_urls`` in the config.

Apprise URLs carry passwords and tokens (``mailto://user:pass@host``, ``tgram://BOT_TOKEN/CHAT``,
``slack://A/B/C``): they are never printed or logged whole, only as :func:`mask_url` shows them
(scheme, a host name that is a real host name, a port). Apprise's own log lines, which quote URLs,
are silenced; failures are reported here, masked.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Any

from loguru import logger

from watcher.errors import ConfigError
from watcher.models import Note

# Apprise logs through the logging module, with URLs in its messages: we report failures ourselves.
logging.getLogger("apprise").setLevel(logging.CRITICAL + 1)

NOT_INSTALLED = "apprise_urls is set but apprise is not installed: pip install 'crowdworks-watcher[apprise]'"

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9\-]{1,63}(?<!-)")


def _public_host(host: str) -> bool:
    """A host name worth showing: an IP address, localhost, or a DNS name whose labels look like words.

    Many Apprise schemes put a token where the host goes (``ntfy://TOPIC``, ``discord://WEBHOOK_ID/…``,
    ``tgram://BOT:TOKEN/…``); those are masked.
    """
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) < 2 or not labels[-1].isalpha() or len(labels[-1]) < 2:
        return False
    for label in labels:
        if not _LABEL.fullmatch(label):
            return False
        digits = sum(c.isdigit() for c in label)
        if len(label) >= 16 or digits >= 4:  # a random-looking label is a token, not a name
            return False
    return True


def mask_url(url: str) -> str:
    """``mailto://user:s3cret@example.com/x`` → ``mailto://***@example.com/…``: what may be shown of a URL.

    Kept: the scheme, a host that is a real host name, a numeric port. Masked: user and password,
    a token in the host position, the path, the query and the fragment (shown as ``/…``).
    """
    if not isinstance(url, str):
        return "<not a URL>"
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep or not _SCHEME.fullmatch(scheme):
        return "<unreadable URL>"
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    tail = rest[len(authority):]
    user = ""
    if "@" in authority:
        user = "***@"
        authority = authority.rsplit("@", 1)[1]
    host, port = authority, ""
    m = re.fullmatch(r"(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?", authority)
    if m:
        host, port = m.group(1), m.group(2) or ""
    else:
        port = ""  # `bot123:TOKEN` in the host position: the part after the colon is no port
    shown = host if m and _public_host(host) else ("***" if authority else "")
    more = "/…" if tail.strip("/") else ""
    return f"{scheme}://{user}{shown}{':' + port if port and shown != '***' else ''}{more}"


class AppriseChannel:
    """A :class:`watcher.notify.Channel` that hands each note to Apprise, for every configured URL."""

    name = "apprise"

    def __init__(self, urls: list[str]) -> None:
        try:
            import apprise
        except ImportError:
            raise ConfigError(NOT_INSTALLED) from None
        if not urls:
            raise ConfigError("apprise_urls is empty: give at least one Apprise URL, or remove the key")
        self._notify_type = apprise.NotifyType
        self._apprise = apprise.Apprise()
        self.targets: list[str] = []  # the URLs as they may be shown (masked)
        for url in urls:
            if not isinstance(url, str):
                raise ConfigError(f"apprise_urls: expected a URL string, found {type(url).__name__}")
            try:
                ok = bool(self._apprise.add(url))
            except Exception:  # Apprise's parsers raise on some malformed URLs
                ok = False
            if not ok:
                raise ConfigError(f"apprise_urls: Apprise does not accept {mask_url(url)} "
                                  "(unknown scheme or malformed URL; see the Apprise wiki for the format)")
            self.targets.append(mask_url(url))

    def send(self, note: Note) -> bool:
        """True when at least one target took the note. Never raises; failures are logged, masked."""
        body = f"{note.body}\n{note.url}" if note.url else note.body
        kind = self._notify_type.WARNING if note.urgent else self._notify_type.INFO
        try:
            result: Any = self._apprise.notify(body=body, title=note.title, notify_type=kind)
        except Exception as exc:  # a broken channel must not stop the others; the message may quote a URL
            logger.warning("Apprise failed ({}): {}", ", ".join(self.targets), type(exc).__name__)
            return False
        try:
            failed = getattr(result, "failed_count", None)
            succeeded = getattr(result, "success_count", None)
            if succeeded is None:  # Apprise < 2: a plain bool
                ok = bool(result)
                failed = 0 if ok else len(self.targets)
            else:
                ok = succeeded > 0
            if failed:
                logger.warning("Apprise could not deliver to {} of {} target(s): {}", failed, len(self.targets),
                               ", ".join(self.targets))
            return ok
        finally:
            close = getattr(result, "close", None)
            if callable(close):
                close()

    def close(self) -> None:
        self._apprise.clear()
