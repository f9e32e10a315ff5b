"""What the commands share for people: logging to the terminal, a scan's progress line and summary,
its exit code, time and contract-id arguments, a contract's facts for people, and a call in a thread
with a time limit. The wiring (environment, history, site, notifier, one scan's context) is
:mod:`watcher.wiring`; the names below that re-export it keep the commands not yet rewired working."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from loguru import logger

from watcher import wallclock
from watcher.errors import ConfigError, Exit
from watcher.i18n import _, ngettext
from watcher.jptime import JST
from watcher.report.words import rule_label, verdict_words
from watcher.store import Store
from watcher.views import facts_of as facts_of  # re-exported: the commands' old home of these
from watcher.views import known_contract as known_contract

if TYPE_CHECKING:
    from watcher.scan import ScanResult

T = TypeVar("T")


def setup_logging(verbose: int) -> None:
    logger.remove()
    level = "DEBUG" if verbose > 1 else "INFO" if verbose == 1 else "WARNING"
    logger.add(sys.stderr, level=level, format="<dim>{time:HH:mm:ss}</dim> {level} {message}")


@contextlib.contextmanager
def progress(enabled: bool) -> Iterator[Callable[[str, str, str], None] | None]:
    """A live line on a terminal while a scan loads pages (Rich); nothing when piped or in the daemon."""
    if not enabled:
        yield None
        return
    from rich.console import Console

    counts: dict[str, int] = {}
    with Console(stderr=True).status(_("scanning…")) as status:

        def on_page(kind: str, url: str, html: str) -> None:
            counts[kind] = counts.get(kind, 0) + 1
            total = sum(counts.values())
            done = ", ".join(f"{k} {n}" for k, n in counts.items())  # page kinds: ids, as in --json
            status.update(ngettext("scanning… {n} page ({kinds})", "scanning… {n} pages ({kinds})", total).format(
                n=total, kinds=done))

        yield on_page


def exit_code(result: ScanResult) -> Exit:
    if not result.healthy:
        return Exit.UNHEALTHY
    return Exit.FINDINGS if result.findings else Exit.OK


def text_width(text: str) -> int:
    """Columns a terminal gives ``text``: two for a wide (Japanese) character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    """``text`` filled with spaces to ``width`` columns."""
    return text + " " * max(width - text_width(text), 0)


def contract_names(store: Store, result: ScanResult) -> dict[int, str]:
    """Who and what each contract of the result's findings is, for people:
    ``株式会社サンプルトラベル「旅行スポット紹介記事 5本」``."""
    names: dict[int, str] = {}
    for f in result.findings:
        state = None if f.contract_id in names else store.contract_state(f.contract_id)
        if state is not None:
            names[f.contract_id] = _('{client} "{title}"').format(client=state.client_name or "?",
                                                                   title=state.title)
    return names


def client_names(store: Store, result: ScanResult) -> dict[int, str]:
    """The names of the clients this scan vetted, by client id (:func:`print_summary`)."""
    return {v.client_id: store.client_name(v.client_id) or str(v.client_id) for v in result.vetted}


def print_summary(result: ScanResult, out: TextIO, names: dict[int, str] | None = None,
                  clients: dict[int, str] | None = None) -> None:
    """The scan for a person: one line on how it went, its problems and notices, then one line per
    open finding: new or not, the rule's label, the contract and who and what it is (``names``,
    :func:`contract_names`), then one line per client this scan vetted whose record is not clean:
    the verdict, the contract or application, the client (``clients``, :func:`client_names`).
    The count of notes sent counts both."""
    pages = ngettext("{n} page loaded", "{n} pages loaded", result.pages_loaded).format(n=result.pages_loaded)
    notified = len(result.notified) + len(result.vetted_notified)
    if result.healthy:
        head = _("scan ok: {contracts}, {pages}, {findings} ({notified})").format(
            contracts=ngettext("{n} contract", "{n} contracts", result.contracts_seen).format(
                n=result.contracts_seen),
            pages=pages,
            findings=ngettext("{n} open finding", "{n} open findings", len(result.findings)).format(
                n=len(result.findings)),
            notified=ngettext("{n} notified now", "{n} notified now", notified).format(n=notified))
    else:
        head = _("scan UNHEALTHY ({pages}): no findings from this scan").format(pages=pages)
    print(head, file=out)
    for p in result.problems:  # health kinds and page kinds are ids, as in --json and the docs
        print(f"  ! {p.kind}: {p.page}: {p.detail}", file=out)
        if p.saved:
            print("    " + _("saved: {path}").format(path=p.saved), file=out)
    for n in result.notices:
        print(f"  ? {n.kind}: {n.page}: {n.detail}", file=out)
    new = _("new")
    labels = [rule_label(f.rule) for f in result.findings]
    vetted = [v for v in result.vetted if v.verdict != "ok"]
    verdicts = [verdict_words(v.verdict) for v in vetted]
    width = max(map(text_width, labels + verdicts), default=0)
    for f, label in zip(result.findings, labels, strict=True):
        mark = new if f in result.notified else ""
        what = (names or {}).get(f.contract_id, "")
        print(f"  {pad(mark, text_width(new))}  {pad(label, width)}  {f.contract_id}  {what}".rstrip(), file=out)
    for v, label in zip(vetted, verdicts, strict=True):
        mark = new if f"{v.subject}:{v.subject_id}" in result.vetted_notified else ""
        subject = (str(v.subject_id) if v.subject == "contract"
                   else _("application {id}").format(id=v.subject_id))
        who = (clients or {}).get(v.client_id, str(v.client_id))
        print(f"  {pad(mark, text_width(new))}  {pad(label, width)}  {subject}  {who}".rstrip(), file=out)
    out.flush()


# -- arguments: times and contract ids ------------------------------------------------------------


def parse_time(text: str, what: str) -> datetime:
    """``2026-12-01``, ``2026-12-01T09:00`` (Japan time) or ISO 8601 with an offset."""
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(_("{what}: {text!r} is not a date or time (expected 2026-12-01, 2026-12-01T09:00 or "
                            "ISO 8601 with an offset)").format(what=what, text=text)) from None
    return (t if t.tzinfo else t.replace(tzinfo=JST)).astimezone(UTC)


def demo_marker(home: Path) -> Path:
    """The file ``cwwatch demo`` writes into its home: it marks the folder as the demo's (the next
    run may clear it) and holds the story's clock, ``now = "2026-11-20T10:00:00+09:00"``."""
    return home / "cwwatch-demo.toml"


def now_of(args: argparse.Namespace) -> datetime:
    """The moment to judge at: ``--now``; else, in a demo home (``CWWATCH_HOME``, ``--home``), the
    story's clock from its :func:`demo_marker`; else the real clock."""
    text = getattr(args, "now", None)
    if text:
        return parse_time(text, "--now")
    import os
    import tomllib

    from watcher.paths import HOME_ENV

    home = os.environ.get(HOME_ENV)
    marker = demo_marker(Path(home)) if home else None
    if marker is None or not marker.is_file():
        return wallclock.now()
    try:
        clock = tomllib.loads(marker.read_text(encoding="utf-8")).get("now")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(_("{file}: not valid TOML ({error})").format(file=marker, error=exc)) from None
    if clock is None:  # a demo of scenarios without a fixed `now`: they lived at the real time
        return datetime.now(UTC)
    if not isinstance(clock, str):
        raise ConfigError(_("{file}: now: expected a string (ISO 8601 with an offset)").format(file=marker))
    return parse_time(clock, f"{marker}: now")


def add_now_option(p: argparse.ArgumentParser) -> None:
    """Hidden: the moment to judge at (the tests and the demo's story live in 2026-11-20)."""
    p.add_argument("--now", metavar="ISO", help=argparse.SUPPRESS)


def contract_id_arg(text: str) -> int:
    """A contract id, or a contract page URL (whatever ends in ``/ID``)."""
    s = text.strip().rstrip("/")
    tail = s.rsplit("/", 1)[-1] if "://" in s else s
    if not tail.isdigit():
        raise argparse.ArgumentTypeError(_("not a contract id: {text!r} (expected a number such as 963659463)").format(
            text=text))
    return int(tail)


# -- a contract for people -------------------------------------------------------------------------


# -- a call with a time limit ----------------------------------------------------------------------


def call_in_thread(fn: Callable[[], T], timeout: float, name: str = "cwwatch-worker") -> T:
    """``fn()`` in a fresh daemon thread: its result, or its exception; TimeoutError past ``timeout``.

    Playwright's sync API and desktop-notifier's own loop refuse to run in a thread that already
    runs an asyncio loop, and a hung browser must not hang the caller.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(_("{call} gave no answer within {seconds} s").format(
            call=getattr(fn, "__name__", "the call"), seconds=f"{timeout:g}"))
    if "error" in box:
        raise box["error"]
    return box["value"]


