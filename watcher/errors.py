"""Exceptions that carry what the user needs: one line of text and an exit code.

Exit codes (documented in the README; stable):

==  =====================  ==================================================================
0   ``OK``                 healthy, nothing to act on
10  ``FINDINGS``           healthy, and at least one finding is open
20  ``UNHEALTHY``          the scan could not see (login, challenge, layout, network ...)
2   ``USAGE``              bad usage, configuration, scenario or selectors file
3   ``STORAGE``            the history or a file could not be written (disk full, I/O error, read-only)
1   ``FAILURE``            anything else that stopped the command (a crash)
==  =====================  ==================================================================
"""

from __future__ import annotations

from enum import IntEnum

from watcher.i18n import _
from watcher.models import HealthKind, Problem


class Exit(IntEnum):
    OK = 0
    FAILURE = 1
    USAGE = 2
    STORAGE = 3
    FINDINGS = 10
    UNHEALTHY = 20


class CwError(Exception):
    """A problem with a one-line explanation for the user. Never carries a secret."""

    exit_code: Exit = Exit.FAILURE


class ConfigError(CwError):
    """A bad config, selectors or scenario file, or bad command-line usage."""

    exit_code = Exit.USAGE


class StoreError(CwError):
    """The history could not be opened, read or written (a full disk, an I/O error, a read-only folder)."""

    exit_code = Exit.STORAGE


class CredentialsError(CwError):
    exit_code = Exit.USAGE


class Busy(CwError):
    """Another process holds the lock (a scan, a daemon)."""


class Unhealthy(CwError):
    """The one carrier of a health problem: the scan cannot see, so it decides nothing.

    Raised by the site package (login wall, challenge, network, a page that cannot be read) and
    caught once, by the scan, which records ``problem`` and derives no finding.
    """

    exit_code = Exit.UNHEALTHY

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.kind}: {problem.page}: {problem.detail}")
        self.problem = problem

    @classmethod
    def of(cls, kind: HealthKind, page: str, detail: str, saved: str | None = None) -> Unhealthy:
        return cls(Problem(kind, page, detail, saved))


class ExtractionError(CwError):
    """A required element or field is missing from a page: the layout changed.

    Raised by the pure extractors; the page readers turn it into ``Unhealthy`` (``layout_changed``)
    after saving a redacted copy of the page.
    """

    exit_code = Exit.UNHEALTHY

    def __init__(self, page: str, field: str, detail: str = "") -> None:
        self.page = page
        self.field = field
        self.detail = detail
        if detail:
            msg = _("{page}: required field {field} not found ({detail})").format(page=page, field=repr(field),
                                                                                   detail=detail)
        else:
            msg = _("{page}: required field {field} not found").format(page=page, field=repr(field))
        super().__init__(msg)

    @property
    def what(self) -> str:
        """What is missing, without the page (a Problem names the page itself): ``field: detail``."""
        return f"{self.field}: {self.detail}" if self.detail else _("{field} not found").format(field=self.field)


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of an exception's text (a library's multi-line message), at most ``limit`` long."""
    text = str(exc).strip()
    line = text.splitlines()[0].strip() if text else type(exc).__name__
    return line if len(line) <= limit else line[: limit - 1] + "…"
