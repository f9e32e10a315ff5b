"""``cwwatch check-pages PATH...``: read saved pages the way a scan would, and say what was read.

Test the tool on your own pages before trusting it, and attach the answer to a bug report. A PATH
is a saved HTML page or JSON answer, or a folder written by ``cwwatch capture`` (its manifest gives
each file's kind, URL and time). Without ``--kind`` the kind comes from the manifest or from the
content. A workroom page saved with its thread's JSON beside it (``NAME.messages.json``, or the
capture's thread entry) is read from the JSON, as a scan would.

Exit codes: 0 every page read, 20 one did not, 2 bad usage (a missing file, a kind that cannot be
told).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from watcher.cli import common
from watcher.crowdworks.check import KINDS, Checked, check, recognise_kind
from watcher.crowdworks.selectors import SITE_URL, SelectorSet
from watcher.errors import ConfigError, Exit

MANIFEST = "manifest.json"
BESIDE = ".messages.json"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("check-pages", help="read saved pages as a scan would, and say what was read",
                       description="Read saved CrowdWorks pages (HTML) or JSON answers, or a folder written "
                       "by `cwwatch capture`, the way a scan reads them. Per file: what was read, which "
                       "facts came from seen, reported or guessed hooks, and what is missing. Exit 0 when "
                       "every page read, 20 when one did not, 2 for bad usage.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="a saved page, a JSON answer, or a capture folder")
    p.add_argument("--kind", choices=KINDS, help="what the files are (default: from the manifest or the content)")
    p.add_argument("--fetched-at", metavar="ISO",
                   help="when the pages were saved, for relative times (default: each file's modification time)")
    p.add_argument("--json", action="store_true", help="one JSON object per file (schema 1)")
    p.set_defaults(run=run)


@dataclass(frozen=True)
class Entry:
    file: Path
    kind: str | None
    url: str
    fetched_at: datetime | None
    beside: Path | None = None  # the thread's JSON saved with a workroom page


def _manifest_entries(folder: Path) -> list[Entry]:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pages = data["pages"]
        assert isinstance(pages, list)
    except (OSError, ValueError, KeyError, AssertionError, UnicodeDecodeError):
        raise ConfigError(f"{path}: not a manifest written by cwwatch capture") from None
    out: list[Entry] = []
    threads = {str(p.get("url", "")): folder / str(p.get("file", "")) for p in pages
               if isinstance(p, dict) and p.get("kind") == "thread"}
    for p in pages:
        if not isinstance(p, dict) or "file" not in p:
            continue
        when = p.get("fetched_at")
        fetched = common.parse_time(when, f"{path}: fetched_at") if isinstance(when, str) else None
        beside = None
        if p.get("kind") == "workroom":
            beside = folder / str(p["json"]) if p.get("json") else threads.get(str(p.get("thread_url", "")))
        out.append(Entry(folder / str(p["file"]), p.get("kind"), str(p.get("url", "")), fetched, beside))
    return out


def _entries(paths: list[str]) -> list[Entry]:
    out: list[Entry] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            if (path / MANIFEST).is_file():
                out.extend(_manifest_entries(path))
                continue
            files = sorted(p for p in path.iterdir() if p.suffix in (".html", ".json")
                           and not p.name.endswith((BESIDE, ".expected.json")) and p.name != MANIFEST)
            out.extend(_loose(p) for p in files)
        elif path.is_file():
            out.append(_loose(path))
        else:
            raise ConfigError(f"{path}: no such file or folder")
    return out


def _loose(path: Path) -> Entry:
    beside = path.with_name(path.stem + BESIDE)
    return Entry(path, None, "", None, beside if path.suffix == ".html" and beside.is_file() else None)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text (a saved page or JSON answer?)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None


def check_entry(entry: Entry, sel: SelectorSet, kind: str | None, fetched_at: datetime | None) -> Checked:
    """Read one file as a scan would. Raises ConfigError when the file cannot be read or told."""
    text = _read_text(entry.file)
    kind = kind or entry.kind or recognise_kind(text, sel)
    if kind is None or kind not in KINDS:
        raise ConfigError(f"{entry.file}: cannot tell what page this is; say it with --kind "
                          f"({', '.join(KINDS)})")
    when = fetched_at or entry.fetched_at or datetime.fromtimestamp(entry.file.stat().st_mtime, UTC)
    beside: Any = None
    if entry.beside is not None and kind == "workroom":
        try:
            beside = json.loads(_read_text(entry.beside))
        except ValueError:
            beside = None
    url = entry.url if "://" in entry.url else SITE_URL + (entry.url or "/")
    return check(kind, text, sel, url, when, beside)


def describe(file: str, c: Checked) -> str:
    """A few lines for a person: what was read, from which hooks, what is missing."""
    head = f"{file}: {c.kind} — " + ("read" if c.ok else "NOT read")
    lines = [head]
    if c.problem:
        lines.append(f"  problem: {c.problem['kind']}: {c.problem['field']}: {c.problem.get('detail', '')}")
    r = c.record or {}
    if c.kind == "contracts" and c.record is not None:
        rows = r["contracts"]
        lines.append(f"  {len(rows)} contracts" + (" (the list says there are none)" if r.get("empty") else "")
                     + (f", next page {r['next_page']}" if r.get("next_page") else ""))
        lines += [f"    {x['id']}  {x['status_label']} → {x['stage']}  {x['client_name']}: {x['title']}" for x in rows]
    elif c.kind == "workroom" and c.record is not None:
        lines.append(f"  contract {r['contract_id']}, thread {r['thread_id']}, client {r['client_id']} "
                     f"({r['client_name']}), stage {r['stage']}, escrow {r['escrow_deposited']}, "
                     f"{len(r['messages'])} messages from the {'thread JSON' if r['source'] == 'json' else 'page'}"
                     + (" (older ones folded)" if r["folded"] else ""))
    elif c.kind == "thread" and c.record is not None:
        lines.append(f"  {len(r['messages'])} messages")
    elif c.kind == "profile" and c.record is not None:
        la = r["last_access"]
        access = (f"last access {la['text']} ({la['earliest']} – {la['latest']})" if la
                  else f"last access unreadable: {r['last_access_unreadable']}" if r["last_access_unreadable"]
                  else "last access hidden")
        lines.append(f"  client {r['client_id']} ({r['name']}), {access}, identity verified "
                     f"{r['identity_verified']}, completion {r['completion_rate']}")
    elif c.record is not None:
        lines.append(f"  {len(r['items'])} threads" + (f", {r['total_pages']} pages" if r.get("total_pages") else ""))
    for grade, names in c.trace.by_grade().items():
        if names:
            lines.append(f"  {grade} hooks ({len(names)}): {', '.join(sorted(names))}")
    lines += [f"  missing: {m}" for m in c.trace.missing]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    env = common.env_of(args)
    fetched_at = common.parse_time(args.fetched_at, "--fetched-at") if args.fetched_at else None
    entries = _entries(args.paths)
    if not entries:
        raise ConfigError("no saved pages found in " + ", ".join(args.paths))
    worst = Exit.OK
    for entry in entries:
        if args.kind is None and entry.kind == "thread" and entry.file.name.endswith(BESIDE):
            continue
        try:
            result = check_entry(entry, env.selectors, args.kind, fetched_at)
        except ConfigError as exc:
            print(f"cwwatch: error: {exc}", file=sys.stderr)
            worst = Exit.USAGE
            continue
        if args.json:
            print(json.dumps(result.to_json(str(entry.file)), ensure_ascii=False), flush=True)
        else:
            print(describe(str(entry.file), result), flush=True)
        if not result.ok and worst is Exit.OK:
            worst = Exit.UNHEALTHY
    return int(worst)
