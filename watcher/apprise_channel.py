"""Optional notification channels through Apprise (e-mail, Slack, LINE, ntfy, …), for people away
from their desk: ``pip install 'crowdworks-watcher[apprise]'`` and ``apprise_urls`` in the config.

Apprise URLs often carry passwords or tokens: they are never printed or logged whole.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from loguru import logger

from watcher.errors import ConfigError
from watcher.notify import Note

# Apprise logs through the logging module, with URLs in its messages: we report failures ourselves.
logging.getLogger("apprise").setLevel(logging.CRITICAL + 1)

_SECRETISH = re.compile(r"[A-Za-z0-9_\-]{12,}")


def mask_url(url: str) -> str:
    """``mailto://user:s3cret@host/…`` → ``mailto://***@host/…``: scheme and host only."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    host = parts.hostname or ""
    host = _SECRETISH.sub("***", host) if not re.fullmatch(r"[\d.]+|localhost", host) else host
    port = f":{parts.port}" if parts.port else ""
    user = "***@" if parts.username or parts.password else ""
    rest = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{user}{host}{port}{rest}"


class AppriseChannel:
    name = "apprise"

    def __init__(self, urls: list[str]) -> None:
        try:
            import apprise
        except ImportError:
            raise ConfigError("apprise_urls is set but Apprise is not installed: "
                              "pip install 'crowdworks-watcher[apprise]'") from None
        self._apprise = apprise.Apprise()
        for url in urls:
            if not self._apprise.add(url):
                raise ConfigError(f"apprise_urls: Apprise does not accept {mask_url(url)}")
        self._masked = [mask_url(u) for u in urls]

    def send(self, note: Note) -> bool:
        body = f"{note.body}\n{note.url}" if note.url else note.body
        try:
            ok = bool(self._apprise.notify(title=note.title, body=body))
        except Exception as exc:  # a broken channel must not stop the others
            logger.warning("Apprise failed ({}): {}", ", ".join(self._masked), type(exc).__name__)
            return False
        if not ok:
            logger.warning("Apprise could not deliver to {}", ", ".join(self._masked))
        return ok

    def close(self) -> None:
        pass
