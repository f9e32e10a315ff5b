"""``cwwatch status``: the active contracts, from the history (no scan, no browser).

**What the 検知 (findings) show**: what the last healthy scan found, not a judgement made now. The
history holds the contracts exactly as the last healthy scan stored them (an unhealthy scan
overwrites nothing), and the rules are pure, so the rules applied to that history at that scan's
own time are that scan's findings (the count is checked against the one the scan recorded; when
the settings' thresholds changed since, the count differs: then the alert ledger's open alerts
are shown, and the output says so). This is also what the notifications followed: the ledger
opens an alert for each of these findings that is not held by a mute, and closes those that are
gone. Waiting times, days left and mutes are worked out at ``now`` (the title says when); the
findings at the scan's time (the caption says when).

**Layout**: as wide as ``COLUMNS`` (else the terminal; else 80 in a pipe). A table of the contracts
when it fits (titles, client names and mute notes cut with …; nothing else shrinks), else one
block per contract (long texts wrapped). Contract ids, dates and times are never broken across
lines. Colours only on a terminal.

One module over 400 lines, as one job: the one ``status`` view, its two layouts (table and blocks)
sharing the columns and the width rules.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime

from watcher import wiring
from watcher.cli.common import add_now_option, now_of
from watcher.decide import rules
from watcher.i18n import N_, _, ngettext
from watcher.report.history import Facts
from watcher.report.words import (
    SCHEMA,
    access_parts,
    access_words,
    business_days,
    cell_len,
    delivery_words,
    escrow_word,
    fmt_days_left,
    fmt_short,
    fmt_time,
    mute_words,
    rule_label,
    rule_meaning,
    status_word,
    verdict_words,
)
from watcher.views import Seen, collect
from watcher.wiring import open_history

# -- the command --------------------------------------------------------------------------------


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("status", help=_("show the active contracts as last scanned"),
                       description=_("The active contracts from the history of past scans (no scan is run): "
                                     "client, status, escrow, how long a reply has been awaited (business "
                                     "days), the client's last access, the acceptance deadline, what the last "
                                     "healthy scan found, and mutes. A table when the terminal is wide enough "
                                     "(COLUMNS), one block per contract otherwise. Colours only on a terminal."))
    p.add_argument("--json", action="store_true", help=_('print {"schema": 1, "contracts": [...]}'))
    add_now_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    now = now_of(args)
    env = wiring.env_of(args)
    store = open_history(env.paths)
    try:
        seen = collect(store, env, now) if store else Seen([], None, None)
        waiting, oldest = store.waiting() if store else (0, None)
    finally:
        if store:
            store.close()
    if args.json:
        print(json.dumps({"schema": SCHEMA, "now": now.isoformat(), "last_scan": seen.last,
                          "notes_waiting": {"count": waiting, "oldest": oldest.isoformat() if oldest else None},
                          "contracts": [f.to_json() for f in seen.facts]}, ensure_ascii=False), flush=True)
        return 0
    width = max(shutil.get_terminal_size((80, 24)).columns, 20)
    lines: list[Line] = []
    if seen.last is None:
        lines += _para(_("No scan has run yet. Run `cwwatch scan` for your account, or `cwwatch demo` to try the "
                         "sample site."), width)
    else:
        lines += page(seen, now, width)
    if waiting:
        lines += _para(ngettext(
            "{n} notification is not delivered yet (oldest: {at}). It goes out when a notification service "
            "answers (`cwwatch doctor` checks).",
            "{n} notifications are not delivered yet (oldest: {at}). They go out when a notification service "
            "answers (`cwwatch doctor` checks).", waiting).format(n=waiting, at=fmt_time(oldest) if oldest else "?"),
            width)
    emit(lines)
    return 0


# -- text that fits: cells, wrapping, cutting ---------------------------------------------------

Line = list[tuple[str, str | None]]  # a printed line: (text, rich style) segments

_CJK = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_TOKEN = re.compile(rf"""
    \d{{4}}年\d{{1,2}}月\d{{1,2}}日(?:[ ]\d{{1,2}}:\d{{2}})?           # 2026年11月20日 10:00
  | \d{{4}}[-/]\d{{1,2}}[-/]\d{{1,2}}(?:[ ]\d{{1,2}}:\d{{2}}(?:[ ]JST)?)?  # 2026-11-20 10:00 JST
  | \d{{1,2}}/\d{{1,2}}(?:[ ]\d{{1,2}}:\d{{2}})?                       # 11/20 10:00
  | \d[\d,.:]*(?:営業日|時間|か月|ヶ月|週間|[日件本回分秒年月週円])?      # 963659463, 10営業日
  | `[^`\n]*`                                                         # `cwwatch scan`
  | [^\s{_CJK}]+                                                      # a Latin word, a URL
  | \s+
  | .
""", re.X)
_NO_START = set("、。，．・：；？！）」』】〕〉》ー々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ…,.;:!?)]}%")
_NO_END = set("（「『【〔〈《([{")


def tokens(text: str) -> list[str]:
    """Pieces a line may break between: spaces, and between Japanese characters; never inside a
    date, a time, a number, a Latin word or a `command`; not before a closing bracket or 「、。」,
    not after an opening bracket."""
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        prev = out[-1] if out else None
        if prev is not None and not prev.isspace() and not tok.isspace() and (tok[0] in _NO_START
                                                                              or prev[-1] in _NO_END):
            out[-1] = prev + tok
        else:
            out.append(tok)
    return out


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns (a piece wider than that alone is folded)."""
    lines: list[str] = []
    for para in text.split("\n"):
        cur, space = "", ""
        start = len(lines)
        for tok in tokens(para):
            if tok.isspace():
                space = " " if cur else ""
                continue
            if cell_len(cur) + cell_len(space) + cell_len(tok) <= width:
                cur += space + tok
            else:
                if cur:
                    lines.append(cur)
                cur = ""
                for ch in tok:  # wider than a line: fold it
                    if cell_len(cur) + cell_len(ch) > width:
                        lines.append(cur)
                        cur = ""
                    cur += ch
            space = ""
        if cur or len(lines) == start:
            lines.append(cur)
    return lines


def cut(text: str, width: int) -> str:
    """``text`` on one line of at most ``width`` columns, cut with … when longer."""
    text = " ".join(text.split())
    if cell_len(text) <= width:
        return text
    out = ""
    for ch in text:
        if cell_len(out) + cell_len(ch) + 1 > width:
            break
        out += ch
    return out.rstrip() + "…"


def pad(text: str, width: int) -> str:
    return text + " " * max(width - cell_len(text), 0)


def _para(text: str, width: int, indent: int = 0, style: str | None = None) -> list[Line]:
    lines = wrap(text, width - indent)
    return [[(" " * indent + line, style)] for line in lines]


def emit(lines: list[Line]) -> None:
    """Print the lines; colours only on a terminal (and never with NO_COLOR)."""
    from rich.console import Console
    from rich.text import Text

    console = Console(force_terminal=None, highlight=False, soft_wrap=True, emoji=False, markup=False)
    if not console.is_terminal or console.no_color or console.color_system is None:
        console.file.write("".join("".join(t for t, _s in line).rstrip() + "\n" for line in lines))
        console.file.flush()
        return
    for line in lines:
        text = Text()
        for t, style in line:
            text.append(t, style=style)
        text.rstrip()
        console.print(text)


# -- the contracts for people -------------------------------------------------------------------

_DASH = "-"


@dataclass
class Cell:
    """One cell: lines of (text, how it may shrink: "fixed" (not at all) or "cut" (with …))."""

    parts: list[tuple[str, str]] = field(default_factory=list)
    style: str | None = None

    def natural(self) -> int:
        return max((cell_len(line) for t, _k in self.parts for line in t.split("\n")), default=0)

    def minimum(self) -> int:
        return max((cell_len(t) if kind == "fixed" else min(cell_len(t), 12) for t, kind in self.parts), default=0)

    def lines(self, width: int) -> list[str]:
        return [cut(t, width) if kind == "cut" else t for t, kind in self.parts]


def _finding_style(f: Facts) -> str | None:
    if not f.findings:
        return None
    return "bold red" if rules.URGENT & set(f.rules()) else "yellow"  # urgent: declared so (decide/rules.py)


_HEADS = {
    "contract": N_("Contract"), "title": N_("Title"), "client": N_("Client"), "status": N_("Status"),
    "waiting": N_("Waiting since"), "access": N_("Last access"), "deadline": N_("Deadline"),
    "findings": N_("Findings"), "mute": N_("Mute"),
    "delivered": N_("Delivered"),  # the cards only (not a table column)
}


def _mute_lines(f: Facts) -> list[str]:
    if f.mute is None:
        return []
    m = mute_words(f.mute, f.waiting_since, f.now)
    return [m, _("note: {reason}").format(reason=f.mute.reason)] if f.mute.reason else [m]


def table_cells(f: Facts, with_mute: bool) -> list[Cell]:
    """One contract as the table's cells (the second line of a cell: what goes with the first)."""
    s, now = f.state, f.now
    client = Cell([(s.client_name, "cut")])
    if f.vetting is not None:
        client.parts.append((verdict_words(f.vetting.verdict), "fixed"))
    since = f.waiting_since
    waiting = Cell([(_DASH, "fixed")]) if since is None else Cell(
        [(fmt_short(since, now), "fixed"), (business_days(f.waiting_business_days or 0), "fixed")])
    what, at = access_parts(s.access, now)
    access = Cell([(what, "fixed")] + ([(_("as of {time}").format(time=at), "fixed")] if at else []))
    deadline = Cell([(_DASH, "fixed")]) if f.deadline is None else Cell(
        [(fmt_short(f.deadline, now), "fixed"), (fmt_days_left(f.deadline, now), "fixed")])
    found = Cell([(rule_label(r), "fixed") for r in f.rules()] or [(_DASH, "fixed")], _finding_style(f))
    cells = [Cell([(str(s.contract_id), "fixed")], "bold"), Cell([(s.title, "cut")]), client,
             Cell([(status_word(s.status_label, s.stage), "fixed"),
                   (_("escrow {state}").format(state=escrow_word(s.escrow_deposited)), "fixed")]),
             waiting, access, deadline, found]
    if with_mute:
        mute = Cell([], "cyan" if f.muted else "dim")
        if f.mute is not None:
            mute.parts.append((mute_words(f.mute, f.waiting_since, now, short=True), "fixed"))
            if f.mute.reason:
                mute.parts.append((f.mute.reason, "cut"))
        cells.append(mute)
    return cells


_GAP = "  "


def table(facts: list[Facts], width: int) -> list[Line] | None:
    """The contracts as a table of ``width`` columns; None when it cannot fit."""
    with_mute = any(f.mute is not None for f in facts)
    keys = list(_HEADS)[: 9 if with_mute else 8]
    heads = [Cell([(_(_HEADS[k]), "fixed")], "bold") for k in keys]
    rows = [table_cells(f, with_mute) for f in facts]
    columns = list(zip(heads, *rows, strict=True))
    mins = [max(c.minimum() for c in col) for col in columns]
    naturals = [max(max(c.natural() for c in col), m) for col, m in zip(columns, mins, strict=True)]
    room = width - cell_len(_GAP) * (len(columns) - 1)
    if sum(mins) > room:
        return None
    widths = list(mins)
    while sum(widths) < room:  # grow the column that lacks the most, until all are natural or no room is left
        lack = [n - w for n, w in zip(naturals, widths, strict=True)]
        i = max(range(len(lack)), key=lambda j: lack[j])
        if lack[i] <= 0:
            break
        widths[i] += 1

    def lines_of(cells: list[Cell], dim: bool) -> list[Line]:
        texts = [c.lines(w) for c, w in zip(cells, widths, strict=True)]
        out: list[Line] = []
        for n in range(max(len(t) for t in texts)):
            line: Line = []
            for i, (c, t) in enumerate(zip(cells, texts, strict=True)):
                text = pad(t[n] if n < len(t) else "", widths[i]) + (_GAP if i < len(cells) - 1 else "")
                line.append((text, "dim" if dim and c.style not in ("cyan",) else c.style))
            out.append(line)
        return out

    out = lines_of(heads, False)
    out.append([(_GAP.join("-" * w for w in widths), "dim")])
    for f, cells in zip(facts, rows, strict=True):
        out += lines_of(cells, f.muted)
    return out


def blocks(facts: list[Facts], width: int) -> list[Line]:
    """One block per contract: the id and title, then a line per fact."""
    labels = {k: _(v) for k, v in _HEADS.items() if k not in ("contract", "title")}
    label_w = max(cell_len(v) for v in labels.values())
    inline = width - (2 + label_w + 2) >= 16  # values beside their labels, else under them
    out: list[Line] = []
    for n, f in enumerate(facts):
        s, now = f.state, f.now
        dim = "dim" if f.muted else None
        if n:
            out.append([])
        head = str(s.contract_id)
        rest = wrap(s.title, max(width - cell_len(head) - 2, 10))
        out.append([(head, "bold"), ("  " + rest[0], dim or "bold")])
        out += [[(" " * (cell_len(head) + 2) + line, dim or "bold")] for line in rest[1:]]
        client = s.client_name if f.vetting is None else _("{name} ({verdict})").format(
            name=s.client_name, verdict=verdict_words(f.vetting.verdict))
        since = f.waiting_since
        rows: list[tuple[str, list[str], str | None]] = [
            ("client", [client], dim),
            ("status", [_("{status}; {escrow}").format(
                status=status_word(s.status_label, s.stage),
                escrow=_("escrow {state}").format(state=escrow_word(s.escrow_deposited)))], dim),
            ("waiting", [_DASH if since is None else _("{time} ({days})").format(
                time=fmt_short(since, now), days=business_days(f.waiting_business_days or 0))], dim),
            ("access", [access_words(s.access, now)], dim),
        ]
        if f.delivery is not None:
            rows.append(("delivered", [delivery_words(f.delivery)], dim))
        if f.deadline is not None:
            short = fmt_short(f.deadline, now)
            if f.delivery is not None and not f.delivery.confirmed:  # a guess or an upper bound, said so
                short = (_("around {time}") if f.delivery.at is not None else _("{time} at the latest")).format(
                    time=short)
            rows.append(("deadline", [_("{time} ({left})").format(time=short,
                                                                   left=fmt_days_left(f.deadline, now))], dim))
        rows.append(("findings", [rule_label(r) for r in f.rules()] or [_DASH], _finding_style(f)))
        mute = _mute_lines(f)
        if mute:
            rows.append(("mute", mute, "cyan" if f.muted else "dim"))
        for key, values, style in rows:
            label = labels[key]
            if inline:
                indent = 2 + label_w + 2
                first = True
                for value in values:
                    for line in wrap(value, width - indent):
                        lead = "  " + pad(label, label_w) + "  " if first else " " * indent
                        out.append([(lead, "dim"), (line, style)])
                        first = False
            else:
                out.append([("  " + label, "dim")])
                for value in values:
                    out += [[("    " + line, style)] for line in wrap(value, width - 4)]
    return out


def page(seen: Seen, now: datetime, width: int) -> list[Line]:
    """Everything ``status`` prints after a scan: the contracts, when the findings were found, the
    legend of the rule labels shown."""
    last = seen.last
    assert last is not None
    at = fmt_time(datetime.fromisoformat(last["at"]))
    health = _("healthy") if last["healthy"] else _("unhealthy: {problems}").format(
        problems=", ".join(str(p) for p in last["problems"]))
    scan_line = _("Last scan: {time} ({health})").format(time=at, health=health)
    facts = seen.facts
    if not facts:
        return _para(_("No active contracts (last scan: {time}, {health}).").format(time=at, health=health), width)
    out = _para(_("Active contracts (as of {time})").format(time=fmt_time(now)), width, style="bold")
    out.append([])
    out += table(facts, width) or blocks(facts, width)
    out.append([])
    out += _para(scan_line, width, style="dim")
    if seen.healthy is not None:
        out += _para(_("Findings: as the last healthy scan found them, at {time}.").format(
            time=fmt_time(seen.healthy.at)), width, style="dim")
        if seen.from_ledger:
            out += _para(ngettext(
                "The settings' thresholds changed since that scan, so the findings shown are its notifications "
                "still open (the scan counted {n} finding).",
                "The settings' thresholds changed since that scan, so the findings shown are its notifications "
                "still open (the scan counted {n} findings).", seen.healthy.findings).format(n=seen.healthy.findings),
                width, style="yellow")
    shown = [r for r in rules.RULES if any(r in f.rules() for f in facts)]
    for r in shown:
        text = _("{label}: {meaning}").format(label=rule_label(r), meaning=rule_meaning(r))
        lines = wrap(text, width - 4)
        out.append([("  " + lines[0], "dim")])
        out += [[("    " + line, "dim")] for line in lines[1:]]
    return out
