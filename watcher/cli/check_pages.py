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

from watcher import wiring
from watcher.cli import common
from watcher.crowdworks import kinds
from watcher.crowdworks.check import Checked, check
from watcher.crowdworks.selectors import SITE_URL, SelectorSet
from watcher.errors import ConfigError, Exit
from watcher.i18n import N_, _, ngettext

MANIFEST = "manifest.json"
BESIDE = ".messages.json"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("check-pages", help=_("read saved pages as a scan would, and say what was read"),
                       description=_("Read saved CrowdWorks pages (HTML) or JSON answers, or a folder written "
                                     "by `cwwatch capture`, the way a scan reads them. Per file: what was read, "
                                     "which facts came from seen, reported or guessed hooks, and what is "
                                     "missing. Exit 0 when every page read, 20 when one did not, 2 for bad "
                                     "usage."))
    p.add_argument("paths", nargs="+", metavar=_("PATH"),
                   help=_("a saved page, a JSON answer, or a capture folder"))
    p.add_argument("--kind", choices=kinds.NAMES,
                   help=_("what the files are (default: from the manifest or the content)"))
    p.add_argument("--fetched-at", metavar="ISO",
                   help=_("when the pages were saved, for relative times (default: each file's modification "
                          "time)"))
    p.add_argument("--json", action="store_true", help=_("one JSON object per file (schema 1)"))
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
        raise ConfigError(_("{file}: not a manifest written by cwwatch capture").format(file=path)) from None
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
            raise ConfigError(_("{file}: no such file or folder").format(file=path))
    return out


def _loose(path: Path) -> Entry:
    beside = path.with_name(path.stem + BESIDE)
    return Entry(path, None, "", None, beside if path.suffix == ".html" and beside.is_file() else None)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(_("{file}: not UTF-8 text (a saved page or JSON answer?)").format(file=path)) from None
    except OSError as exc:
        raise ConfigError(_("{file}: cannot read it ({error})").format(file=path, error=exc.strerror)) from None


def check_entry(entry: Entry, sel: SelectorSet, kind: str | None, fetched_at: datetime | None) -> Checked:
    """Read one file as a scan would. Raises ConfigError when the file cannot be read or told."""
    text = _read_text(entry.file)
    kind = kind or entry.kind or kinds.recognise(text, sel)
    if kind is None or kind not in kinds.KINDS:
        raise ConfigError(_("{file}: cannot tell what page this is; say it with --kind ({kinds})").format(
            file=entry.file, kinds=", ".join(kinds.NAMES)))
    when = fetched_at or entry.fetched_at or datetime.fromtimestamp(entry.file.stat().st_mtime, UTC)
    beside: Any = None
    if entry.beside is not None and kind == "workroom":
        try:
            beside = json.loads(_read_text(entry.beside))
        except ValueError:
            beside = None
    url = entry.url if "://" in entry.url else SITE_URL + (entry.url or "/")
    return check(kind, text, sel, url, when, beside)


# i18n: how sure a hook is (docs/site.md): seen on real pages, reported by others, or a guess
_GRADES = {"seen": N_("seen"), "reported": N_("reported"), "guess": N_("guessed")}


def describe(file: str, c: Checked) -> str:
    """A few lines for a person: what was read, from which hooks, what is missing. Kinds, stages,
    fields and hook names are the ids of docs/site.md and ``--json``; the values are as read."""
    head = _("{file}: {kind} — read") if c.ok else _("{file}: {kind} — NOT read")
    lines = [head.format(file=file, kind=c.kind)]
    if c.problem:
        lines.append("  " + _("problem: {kind}: {field}: {detail}").format(
            kind=c.problem["kind"], field=c.problem["field"], detail=c.problem.get("detail", "")))
    r = c.record or {}
    if c.kind == "contracts" and c.record is not None:
        rows = r["contracts"]
        line = ngettext("{n} contract", "{n} contracts", len(rows)).format(n=len(rows))
        if r.get("empty"):
            line = _("{contracts} (the list says there are none)").format(contracts=line)
        if r.get("next_page"):
            line = _("{contracts}, next page {page}").format(contracts=line, page=r["next_page"])
        lines.append("  " + line)
        lines += [f"    {x['id']}  {x['status_label']} → {x['stage']}  {x['client_name']}: {x['title']}" for x in rows]
    elif c.kind == "workroom" and c.record is not None:
        n = len(r["messages"])
        messages = (ngettext("{n} message from the thread JSON", "{n} messages from the thread JSON", n)
                    if r["source"] == "json" else ngettext("{n} message from the page", "{n} messages from the page",
                                                           n)).format(n=n)
        if r["folded"]:
            messages = _("{messages} (older ones folded)").format(messages=messages)
        lines.append("  " + _("contract {contract}, thread {thread}, client {client} ({name}), stage {stage}, "
                              "escrow {escrow}, {messages}").format(
            contract=r["contract_id"], thread=r["thread_id"], client=r["client_id"], name=r["client_name"],
            stage=r["stage"], escrow=r["escrow_deposited"], messages=messages))
    elif c.kind == "thread" and c.record is not None:
        lines.append("  " + ngettext("{n} message", "{n} messages", len(r["messages"])).format(n=len(r["messages"])))
    elif c.kind == "profile" and c.record is not None:
        la = r["last_access"]
        access = (_("last access {text} ({earliest} – {latest})").format(
                      text=la["text"], earliest=la["earliest"], latest=la["latest"]) if la
                  else _("last access unreadable: {text}").format(text=r["last_access_unreadable"])
                  if r["last_access_unreadable"] else _("last access hidden"))
        lines.append("  " + _("client {client} ({name}), {access}, identity verified {verified}, completion "
                              "{rate}").format(client=r["client_id"], name=r["name"], access=access,
                                               verified=r["identity_verified"], rate=r["completion_rate"]))
    elif c.kind == "proposals" and c.record is not None:
        n = len(r["proposals"])
        lines.append("  " + ngettext("{n} application", "{n} applications", n).format(n=n))
        lines += [f"    {x['id']}  {x['title']}" for x in r["proposals"]]
    elif c.kind == "proposal" and c.record is not None:
        lines.append("  " + _("application {proposal}, thread {thread}, job {job}, the client wrote: {wrote}").format(
            proposal=r["proposal_id"], thread=r["thread_id"], job=r["job_id"],
            wrote=r["client_wrote_at"] or _("not yet")))
    elif c.kind == "job" and c.record is not None:
        lines.append("  " + (_("client {client}").format(client=r["client_id"]) if r["client_id"]
                             else _("no link to the client's profile")))
    elif c.record is not None:
        line = ngettext("{n} thread", "{n} threads", len(r["items"])).format(n=len(r["items"]))
        if r.get("total_pages"):
            line = ngettext("{threads}, {n} page", "{threads}, {n} pages", r["total_pages"]).format(
                threads=line, n=r["total_pages"])
        lines.append("  " + line)
    for grade, names in c.trace.by_grade().items():
        if names:
            label = _(_GRADES[grade]) if grade in _GRADES else grade
            lines.append("  " + _("{grade} hooks ({n}): {names}").format(grade=label, n=len(names),
                                                                       names=", ".join(sorted(names))))
    lines += ["  " + _("missing: {what}").format(what=m) for m in c.trace.missing]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    env = wiring.env_of(args)
    fetched_at = common.parse_time(args.fetched_at, "--fetched-at") if args.fetched_at else None
    entries = _entries(args.paths)
    if not entries:
        raise ConfigError(_("no saved pages found in {paths}").format(paths=", ".join(args.paths)))
    worst = Exit.OK
    for entry in entries:
        if args.kind is None and entry.kind == "thread" and entry.file.name.endswith(BESIDE):
            continue
        try:
            result = check_entry(entry, env.selectors, args.kind, fetched_at)
        except ConfigError as exc:
            print(_("cwwatch: error: {message}").format(message=exc), file=sys.stderr)
            worst = Exit.USAGE
            continue
        if args.json:
            print(json.dumps(result.to_json(str(entry.file)), ensure_ascii=False), flush=True)
        else:
            print(describe(str(entry.file), result), flush=True)
        if not result.ok and worst is Exit.OK:
            worst = Exit.UNHEALTHY
    return int(worst)
