"""The words people read: rule labels, stages, times, amounts, last access, mutes. Pure: no I/O, no
clock (``now`` is always given).

The language is the one chosen for everything (:func:`watcher.i18n.current`). The functions a
draft to the desk also uses take ``tr``: the messages of one given language (``In("ja")``), since a
draft has a language of its own.

- **Times** are Japan time: ``2026年11月20日 10:00`` in Japanese, ``2026-11-20 10:00 JST`` in
  English. The time and list wording lives in :mod:`watcher.phrases` (the decisions write it too);
  it is re-exported here for the reports and commands.
- **Rule labels and meanings** are declared in the rules' registry (:data:`watcher.decide.rules.REGISTRY`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta

from watcher import i18n
from watcher.decide import rules
from watcher.i18n import N_, In, _, ngettext
from watcher.jptime import normalize
from watcher.models import AccessSeen, Delivery, Mute, Stage
from watcher.phrases import fmt_date as fmt_date
from watcher.phrases import fmt_interval as fmt_interval
from watcher.phrases import fmt_short as fmt_short
from watcher.phrases import fmt_time as fmt_time
from watcher.phrases import join_list as join_list
from watcher.phrases import tr_of

SITE_LANG = "ja"  # the language of the site's own words (status labels, last access): glossed for others
FORMATS = ("text", "md", "json")
SCHEMA = 1

def rule_label(rule: str) -> str:
    """What a person reads for a rule id: 「返信なし（ログインあり）」 for ``quiet_client``; an
    unknown id as it is. The labels are the registry's (``decide/rules.py``)."""
    declared = rules.rule(rule)
    return _(declared.label) if declared else rule


def rule_meaning(rule: str) -> str:
    """A rule label's meaning, in a few words (the legend)."""
    declared = rules.rule(rule)
    return _(declared.meaning) if declared else rule


_STAGES = {
    Stage.AWAITING_ESCROW: N_("awaiting escrow"),
    Stage.IN_PROGRESS: N_("in progress"),
    Stage.DELIVERED: N_("delivered"),
    Stage.IN_ACCEPTANCE: N_("in acceptance"),
    Stage.ENDING: N_("early end requested"),
    Stage.FINISHED: N_("finished"),
}


# -- text on a terminal and in sentences (times and lists: watcher.phrases) ---------------------


def cell_len(text: str) -> int:
    """Columns ``text`` takes on a terminal: East Asian wide and full-width characters take two."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def sentences(parts: Sequence[str]) -> str:
    """Sentences one after the other: a space after a Latin full stop, none after 「。」."""
    out = ""
    for p in parts:
        out += p if not out or out.endswith(("。", "）", "」")) else " " + p
    return out


# -- the site's words ----------------------------------------------------------------------------

_REL = re.compile(r"^(約|およそ)?\s*(\d+)\s*(秒|分|時間|日|週間|週|か月|ヶ月|ケ月|カ月|ヵ月|年)(前|以上前)?$")
_REL_UNITS = {"秒": "second", "分": "minute", "時間": "hour", "日": "day", "週間": "week", "週": "week",
              "年": "year"}


def relative_en(text: str) -> str:
    """「約2時間前」 as English (``about 2 hours ago``); a text it does not know, unchanged."""
    s = normalize(text)
    if s in ("たった今", "今"):
        return "just now"
    m = _REL.match(s)
    if not m:
        return text
    n = int(m[2])
    unit = _REL_UNITS.get(m[3], "month")
    return f"{'about ' if m[1] else ''}{n} {unit}{'s' if n != 1 else ''}{' ago' if m[4] else ''}"


def access_text(text: str | None, tr: In | None = None) -> str:
    """The site's last-access text; for a reader of another language than the site's, with its
    English reading first (``about 2 hours ago (約2時間前)``)."""
    tr = tr_of(tr)
    if not text:
        return tr(N_("unknown"))
    reading = relative_en(text)
    if tr.lang == SITE_LANG or reading == text:
        return text
    # i18n: {reading}: the English reading of the site's own words {text} (not shown to Japanese readers)
    return tr(N_("{reading} ({text})")).format(reading=reading, text=text)


def fmt_yen(amount: int | None) -> str:
    if amount is None:
        return _("unknown")
    return _("¥{amount}").format(amount=f"{amount:,}")


_ESCROW = {True: N_("deposited"), False: N_("not deposited"), None: N_("unknown")}


def escrow_word(escrow: bool | None) -> str:
    return _(_ESCROW[escrow])


_VERDICTS = {"ok": N_("vetted: ok"), "caution": N_("vetted: caution"), "warning": N_("vetted: warning")}


def verdict_words(verdict: str) -> str:
    """The client's verdict (``cwwatch vet``) in a few words: 「審査: 注意」."""
    words = _VERDICTS.get(verdict)
    return _(words) if words else verdict


def status_word(label: str, stage: Stage) -> str:
    """The site's status label (data, as the site writes it: 検収中); for a reader of another
    language than the site's, with what it means (``検収中 (in acceptance)``)."""
    stage_words = _STAGES.get(stage)
    if i18n.current() == SITE_LANG:
        return label
    # i18n: {label}: the site's own status label (検収中); {stage}: what it means (not shown to Japanese readers)
    return _("{label} ({stage})").format(label=label, stage=_(stage_words) if stage_words else str(stage))


def access_parts(acc: AccessSeen | None, now: datetime | None = None) -> tuple[str, str | None]:
    """The last access as the site said it, and when that was looked (short with ``now``)."""
    if acc is None:
        return _("not looked up"), None
    if acc.interval is None and acc.text:  # a wording no rule reads: unknown, not hidden
        what = _("unknown (“{text}” could not be read)").format(text=acc.text)
    elif acc.interval is None:
        what = _("hidden")
    else:
        what = access_text(acc.text)
    return what, fmt_short(acc.observed_at, now) if now else fmt_time(acc.observed_at)


def access_words(acc: AccessSeen | None, now: datetime | None = None) -> str:
    """The last access as the site said it, with the time of that look (short with ``now``)."""
    what, at = access_parts(acc, now)
    return what if at is None else as_of(what, at)


def as_of(what: str, at: str, tr: In | None = None) -> str:
    """``約2時間前（11/20 10:00 時点）``."""
    return tr_of(tr)(N_("{what}, as of {at}")).format(what=what, at=at)


def days_left(deadline: datetime, now: datetime) -> tuple[int, bool]:
    """Whole days left before ``deadline`` (False), or whole days past it (True). At the deadline
    itself it is past, as the rules count it (``acceptance_overdue`` fires at ``now >= deadline``)."""
    delta = deadline - now
    if delta > timedelta(0):
        return delta // timedelta(days=1), False
    return (-delta) // timedelta(days=1), True


def fmt_days_left(deadline: datetime, now: datetime) -> str:
    n, over = days_left(deadline, now)
    if over:
        return ngettext("{n} day over", "{n} days over", n).format(n=n) if n else _("just over")
    return ngettext("{n} day left", "{n} days left", n).format(n=n) if n else _("less than a day left")


def business_days(n: int, tr: In | None = None) -> str:
    return tr_of(tr).ngettext("{n} business day", "{n} business days", n).format(n=n)


def mute_words(mute: Mute, waiting_since: datetime | None, now: datetime, short: bool = False) -> str:
    """A mute as a person reads it: 「ミュート中（…まで）・返信で解除」, ``muted until …``.
    ``short``: its end as tables write times (``11/23 10:00``)."""
    if not mute.active(waiting_since, now):
        return _("mute ended")
    if mute.until is None:
        return _("muted, ends on reply") if mute.until_reply_since else _("muted")
    until = fmt_short(mute.until, now) if short else fmt_time(mute.until)
    if mute.until_reply_since:
        return _("muted until {time}, ends on reply").format(time=until)
    return _("muted until {time}").format(time=until)


def muted_sentence(contract_id: int, title: str, until: datetime | None, since: datetime | None) -> str:
    """What a mute just set says (``cwwatch mute``, and the note after a 「3日ミュート」 button):
    until when (Japan time), and whether the client's reply ends it (``since``: the wait it was set on)."""
    if until and since:
        text = _('Muted the notifications of {id} "{title}" until {until} (a reply from the client ends the mute).')
    elif until:
        text = _('Muted the notifications of {id} "{title}" until {until}.')
    elif since:
        text = _('Muted the notifications of {id} "{title}" until you unmute them (a reply from the client ends '
                 'the mute).')
    else:
        text = _('Muted the notifications of {id} "{title}" until you unmute them.')
    return text.format(id=contract_id, title=title, until=fmt_time(until) if until else "")


def delivery_words(d: Delivery) -> str:
    """When the delivery was made, and how cwwatch knows (docs/rules.md, "When was it delivered?"):
    「12月01日 10:00（確認済み）」, 「… ごろ（文面から推定。cwwatch delivered で確定できます）」,
    「…〜…のあいだ（空の納品報告）」. Never a guess said as a fact."""
    if d.confirmed_at is not None:
        return _("{time} (confirmed)").format(time=fmt_time(d.confirmed_at))
    at = d.at
    if at is not None and d.basis == "move_seen":
        return _("around {time} (your message while the contract moved to acceptance; confirm it with "
                 "cwwatch delivered)").format(time=fmt_time(at))
    if at is not None:
        return _("around {time} (guessed from its wording; confirm it with cwwatch delivered)").format(
            time=fmt_time(at))
    if d.basis == "move_seen":
        return _("between {earliest} and {latest} (an empty delivery report)").format(
            earliest=fmt_time(d.earliest), latest=fmt_time(d.latest))
    if d.confirmed_none:
        return _("by {latest} at the latest (no message was the report, as you said)").format(
            latest=fmt_time(d.latest))
    return _("by {latest} at the latest (no message tells when; say it with cwwatch delivered)").format(
        latest=fmt_time(d.latest))


def deadline_words(d: Delivery, deadline: datetime) -> str:
    """The acceptance week's end as known: a time, 「〜ごろ」 from a likely report, or 「遅くとも〜」."""
    if d.confirmed:
        return fmt_time(deadline)
    if d.at is not None:
        return _("around {time}").format(time=fmt_time(deadline))
    return _("{time} at the latest").format(time=fmt_time(deadline))
