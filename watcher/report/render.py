"""The report (``cwwatch report``): a contract's facts, its timeline and the drafts that apply,
rendered as text, Markdown or a JSON-ready dict, in the language chosen (``watcher.i18n``). Pure: no
I/O, no clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watcher import i18n
from watcher.i18n import N_, _, ngettext
from watcher.models import VettingRecord
from watcher.report import drafts as drafts_mod
from watcher.report.drafts import Drafts
from watcher.report.history import Event, Facts
from watcher.report.words import (
    SCHEMA,
    access_text,
    access_words,
    business_days,
    cell_len,
    deadline_words,
    delivery_words,
    escrow_word,
    fmt_days_left,
    fmt_interval,
    fmt_time,
    fmt_yen,
    mute_words,
    rule_label,
    status_word,
    verdict_words,
)

_WHO = {"worker": N_("me → client"), "client": N_("client → me"), "system": N_("site")}


def event_head(e: Event) -> str:
    """What kind of event, in a few words."""
    if e.kind == "delivery":
        if e.basis == "confirmed":
            return _("delivery report (me → client; confirmed)")
        return _("delivery report? (me → client; likely, not confirmed)")
    if e.kind in ("message", "system"):
        return _(_WHO[e.who or "system"])
    if e.kind == "status":
        return _("status (first seen)") if e.previous is None else _("status changed")
    if e.kind == "removed":
        return _("a message was removed")
    return _("client's last access")


def event_body(e: Event) -> str:
    if e.kind == "removed":
        when = fmt_time(datetime.fromisoformat(e.previous)) if e.previous else "?"
        return _("the message of {when} ({who}) is no longer on the site (removed by the desk, or deleted by "
                 "its sender)").format(when=when, who=_(_WHO[e.who or "system"]))
    if e.removed_at is not None:
        return _("{text} (gone from the site as of {time})").format(text=e.text, time=fmt_time(e.removed_at))
    if e.kind == "status":
        return e.text if e.previous is None else f"{e.previous} → {e.text}"
    if e.kind == "access":
        if e.hidden:
            body = _("hidden")
        elif e.interval is not None:
            body = _("{access}, so at some point {interval}").format(access=access_text(e.text),
                                                                     interval=fmt_interval(e.interval))
        else:
            body = e.text
        if e.seen > 1 and e.last_seen is not None:
            body = ngettext("{body} [seen {n} time, last at {time}]", "{body} [seen {n} times, last at {time}]",
                            e.seen).format(body=body, n=e.seen, time=fmt_time(e.last_seen))
        return body
    return e.text


# -- the report --------------------------------------------------------------------------------


def _gloss_wanted() -> bool:
    """The drafts are Japanese; a reader in another language gets an English gloss of each."""
    return i18n.current() != drafts_mod.LANG


@dataclass(frozen=True)
class Report:
    facts: Facts
    timeline: Sequence[Event]
    drafts: Drafts

    def to_json(self) -> dict[str, Any]:
        d = self.drafts
        return {
            "schema": SCHEMA,
            "lang": i18n.current(),
            "now": self.facts.now.isoformat(),
            "contract": self.facts.to_json(),
            "timeline": [e.to_json() for e in self.timeline],
            "findings": [f.to_json() for f in self.facts.findings],
            "notes": list(d.notes),
            "drafts": {"desk_inquiry": d.desk_inquiry, "contact_reminder": d.contact_reminder},
            "drafts_gloss": ({"desk_inquiry": d.desk_inquiry_en, "contact_reminder": d.contact_reminder_en}
                             if _gloss_wanted() else None),
        }


_CLIENT = N_("Client")
_URL = N_("URL")
_TIMELINE = N_("Timeline (Japan time)")
_EMPTY = N_("(nothing recorded)")
_FINDINGS = N_("Open findings")
_NOTES = N_("Notes")
_NONE = N_("none")
_NOT_APPLICABLE = N_("Does not apply now.")
_GLOSS = N_("English gloss (for your understanding; send the Japanese above):")
_DRAFTS = (  # heading, where to send it
    (N_("Inquiry to the support desk (事務局), draft"),
     N_("Send it through the help inquiry form (お問い合わせフォーム) to the desk.")),
    (N_("Reason for a contact reminder (連絡催促), draft"),
     N_("Request it from the contract page: 「契約相手と連絡とれない場合はこちら」.")),
)


def _verdict_lines(v: VettingRecord) -> list[str]:
    """The client's verdict as the timeline opens with it: the summary and the heaviest reasons
    (written by the scan that vetted the client, in its language)."""
    # i18n: {summary} is the verdict's summary as stored when the contract first appeared
    head = _("(vetted when the contract first appeared) {summary}").format(summary=v.summary)
    return [head] + [f"・{s['message']}（{s['evidence']}）" for s in v.signals[:3]]


def _head_lines(r: Report) -> list[tuple[str, str]]:
    f, s = r.facts, r.facts.state
    rows = [
        (_(_CLIENT), _("{name} (ID {id})").format(name=s.client_name, id=s.client_id)),
        (_("Status"), status_word(s.status_label, s.stage)),
        (_("Escrow"), escrow_word(s.escrow_deposited)),
        (_("Amount"), fmt_yen(f.amount)),
        (_(_URL), f.url),
        (_("As of"), fmt_time(f.now)),
    ]
    since = f.waiting_since
    if since is not None:
        rows.append((_("Waiting for a reply since"), _("{time} ({days})").format(
            time=fmt_time(since), days=business_days(f.waiting_business_days or 0))))
    rows.append((_("Last access"), access_words(s.access)))
    if f.deadline is not None and f.delivery is not None:
        rows.append((_("Delivered"), delivery_words(f.delivery)))
        rows.append((_("Acceptance deadline (delivery + 1 week)"), _("{time} ({left})").format(
            time=deadline_words(f.delivery, f.deadline), left=fmt_days_left(f.deadline, f.now))))
    if f.mute is not None:
        m = mute_words(f.mute, f.waiting_since, f.now)
        if f.mute.reason:
            m = _("{mute} (note: {reason})").format(mute=m, reason=f.mute.reason)
        rows.append((_("Mute"), m))
    return rows


def _title(r: Report) -> str:
    s = r.facts.state
    if r.facts.active:
        return _("Contract {id}: {title}").format(id=s.contract_id, title=s.title)
    return _("Contract {id}: {title} (no longer on the active contracts list)").format(id=s.contract_id,
                                                                                         title=s.title)


def _cut_line(words: str) -> str:
    return "-" * 20 + f" {words} " + "-" * 20


def _labelled(rows: list[tuple[str, str]]) -> list[str]:
    """``label: value`` lines, the values aligned; a label ending in a full-width colon (「：」)
    carries its own space and is not padded."""
    labels = [_("{label}:").format(label=k) for k, _v in rows]
    width = max(cell_len(k) for k in labels)
    out = []
    for k, (_k, v) in zip(labels, rows, strict=True):
        out.append(f"  {k}{v}" if k.endswith("：") else f"  {k}{' ' * (width - cell_len(k))} {v}")
    return out


def render_text(r: Report) -> str:
    d = r.drafts
    out = [_title(r), *_labelled(_head_lines(r))]
    out += ["", f"■ {_(_TIMELINE)}"]
    v = r.facts.vetting
    if v is not None:
        out.append(f"  {fmt_time(v.vetted_at)}  {verdict_words(v.verdict)}")
        out += [f"      {line}" for line in _verdict_lines(v)]
    if not r.timeline and v is None:
        out.append("  " + _(_EMPTY))
    for e in r.timeline:
        out.append(f"  {fmt_time(e.at)}  {event_head(e)}")
        out += [f"      {line}" for line in event_body(e).splitlines() or [""]]
    out += ["", f"■ {_(_FINDINGS)}"]
    if not r.facts.findings:
        out.append(f"  {_(_NONE)}")
    for f in r.facts.findings:
        out.append(f"  - {rule_label(f.rule)}")
        out += [f"      {line}" for line in f.message.splitlines()]
    if d.notes:
        out += ["", f"■ {_(_NOTES)}"] + [f"  - {n}" for n in d.notes]
    for (head, where), text, gloss in zip(_DRAFTS, (d.desk_inquiry, d.contact_reminder),
                                          (d.desk_inquiry_en, d.contact_reminder_en), strict=True):
        out += ["", f"■ {_(head)}"]
        if text is None:
            out.append("  " + _(_NOT_APPLICABLE))
            continue
        out += [f"  {_(where)}", _cut_line(_("copy from here")), text, _cut_line(_("copy up to here"))]
        if _gloss_wanted() and gloss:
            out += [f"  {_(_GLOSS)}", "", *(f"  {line}" if line else "" for line in gloss.splitlines())]
    return "\n".join(out) + "\n"


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def _md(s: str) -> str:
    return s.translate(_MD_SPECIAL)


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in ``text``."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def render_md(r: Report) -> str:
    d = r.drafts
    out = [f"# {_md(_title(r))}", ""]
    url = _(_URL)
    out += [f"- **{k}**: {_md(v) if k != url else '<' + v + '>'}" for k, v in _head_lines(r)]
    out += ["", f"## {_(_TIMELINE)}", ""]
    v = r.facts.vetting
    if v is not None:
        lines = _verdict_lines(v)
        out.append(f"- **{fmt_time(v.vetted_at)}** {_md(verdict_words(v.verdict))}: {_md(lines[0])}")
        out += [f"  {_md(line)}" for line in lines[1:]]
    if not r.timeline and v is None:
        out.append(_(_EMPTY))
    for e in r.timeline:
        lines = event_body(e).splitlines() or [""]
        out.append(f"- **{fmt_time(e.at)}** {_md(event_head(e))}: {_md(lines[0])}")
        out += [f"  {_md(line)}" for line in lines[1:]]
    out += ["", f"## {_(_FINDINGS)}", ""]
    out += [f"- {_md(rule_label(f.rule))}: {_md(f.message)}" for f in r.facts.findings] or [_(_NONE)]
    if d.notes:
        out += ["", f"## {_(_NOTES)}", ""] + [f"- {_md(n)}" for n in d.notes]
    for (head, where), text, gloss in zip(_DRAFTS, (d.desk_inquiry, d.contact_reminder),
                                          (d.desk_inquiry_en, d.contact_reminder_en), strict=True):
        out += ["", f"## {_(head)}", ""]
        if text is None:
            out.append(_(_NOT_APPLICABLE))
            continue
        out += [_md(_(where)), "", _fence(text) + "text", text, _fence(text)]
        if _gloss_wanted() and gloss:
            out += ["", _(_GLOSS), "", _fence(gloss) + "text", gloss, _fence(gloss)]
    return "\n".join(out) + "\n"


def render(r: Report, fmt: str) -> str:
    """The report in the language chosen (:func:`watcher.i18n.current`), as text, md or json."""
    if fmt == "json":
        return json.dumps(r.to_json(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "md":
        return render_md(r)
    if fmt == "text":
        return render_text(r)
    raise ValueError(f"unknown format {fmt!r}")
