"""From findings and health to the notifications a person should get. Pure decisions.

- Each (rule, contract, stage, episode) notifies once, however many scans see it: the ledger
  remembers it. A finding that is gone (the client replied, the contract ended) closes its row; a
  new wait after a reply is a new episode and notifies again.
- A health problem notifies once when it has lasted ``threshold`` consecutive scans, and its
  recovery once, on the first healthy scan after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from watcher.decide import rules
from watcher.decide.rules import waited_since
from watcher.decide.vetting import Verdict
from watcher.i18n import N_, _, ngettext
from watcher.models import ContractState, Finding, HealthKind, Mute, Note, Problem

HEALTH_RULE = "health"


@dataclass(frozen=True)
class FindingPlan:
    notify: list[Finding]
    close: list[str]


def plan_findings(findings: Sequence[Finding], notified: set[str], open_keys: Iterable[str]
                  ) -> FindingPlan:
    current = {f.key for f in findings}
    to_notify = [f for f in findings if f.key not in notified]
    to_close = sorted(k for k in open_keys if k not in current and not k.startswith(HEALTH_RULE))
    return FindingPlan(to_notify, to_close)


def muted(states: Iterable[ContractState], mutes: Mapping[int, Mute], now: datetime) -> set[int]:
    """Contracts whose notifications a mute holds now (a snooze ends when the client replies)."""
    out = set()
    for st in states:
        m = mutes.get(st.contract_id)
        if m is not None and m.active(waited_since(st.messages), now):
            out.add(st.contract_id)
    return out


@dataclass(frozen=True)
class HealthPlan:
    notify_problem: Problem | None  # the problem to announce now
    notify_recovery: bool
    key: str | None  # ledger key to open (with notify_problem) or close (with recovery)
    close: str | None = None  # an open health key the new problem replaces (its kind changed)


def health_kind_of(key: str) -> str:
    """The problem kind a health ledger key was opened for (``health|kind|scan``)."""
    parts = key.split("|")
    return parts[1] if len(parts) > 1 else ""


def plan_health(healthy: bool, problems: Sequence[Problem], consecutive_unhealthy: int,
                threshold: int, open_health_key: str | None, scan_id: int) -> HealthPlan:
    """One note when a problem has lasted ``threshold`` scans, a new one when it changes kind (the
    network came back but the login did not: the person must know what to look at now), and one on
    recovery."""
    if healthy:
        if open_health_key:
            return HealthPlan(None, True, open_health_key)
        return HealthPlan(None, False, None)
    if not problems:
        return HealthPlan(None, False, None)
    first = problems[0]
    key = f"{HEALTH_RULE}|{first.kind}|{scan_id}"
    if open_health_key:
        if health_kind_of(open_health_key) == str(first.kind):
            return HealthPlan(None, False, None)
        return HealthPlan(first, False, key, close=open_health_key)
    if consecutive_unhealthy < threshold:
        return HealthPlan(None, False, None)
    return HealthPlan(first, False, key)


@dataclass(frozen=True)
class Health:
    """One health problem kind, declared once: its note (msgids), whether the note is critical, and
    when a scan meets it (the docs' table in docs/rules.md is written from ``when``)."""

    kind: HealthKind
    title: str
    body: str
    when: str
    urgent: bool = False
    says_detail: bool = False  # the note quotes the problem's detail (a file and line the person fixes)


# Critical urgency (most desktops keep such a notification until it is dismissed) only where the person
# must act: a finding declared urgent in the rules' registry (decide/rules.py: an acceptance past its
# week, the desk must be asked), and a watch that stays stopped until the person logs in, unlocks the
# keyring or updates cwwatch. A site that does not answer and a scan that failed on its own usually pass
# by themselves (the next scans retry): normal. Everything else (the other findings, recovery, the
# digest, client_risk) is normal too.
HEALTH: tuple[Health, ...] = (
    Health(HealthKind.LOGGED_OUT,
           N_("cwwatch: cannot log in"),
           N_("No password is saved. Run `cwwatch login`."),
           "the login wall stands and no password is stored", urgent=True),
    Health(HealthKind.LOGIN_FAILED,
           N_("cwwatch: login failed"),
           N_("The password may have changed. Set it again with `cwwatch login`. Until then the watch is stopped."),
           "the site rejected the password (no further attempts until `cwwatch login`)", urgent=True),
    Health(HealthKind.KEYRING_LOCKED,
           N_("cwwatch: the keyring is locked"),
           N_("The keyring that keeps the password is locked and cannot be read. Unlock it (GNOME: "
              "“Passwords and Keys”, KDE: KWallet, KeePassXC: the database, macOS: Keychain Access)."),
           "a password is stored, but the keyring that keeps it is locked or does not answer", urgent=True),
    Health(HealthKind.LOGIN_CHALLENGE,
           N_("cwwatch: identity check needed"),
           N_("Two-step verification, a captcha or a bot check (Cloudflare, AWS WAF) was shown. Check in the "
              "browser: `cwwatch login --headed` opens it."),
           "the two-step page, a captcha or a bot check (told by the firewall's header, the challenge platform's "
           "script, its words, or a page without the site's header): needs the person (`cwwatch login --headed`); "
           "the page is saved redacted; the daemon backs off", urgent=True),
    Health(HealthKind.LAYOUT_CHANGED,
           N_("cwwatch: the pages changed"),
           N_("The CrowdWorks pages can no longer be read. Nothing is being watched. Update cwwatch; "
              "`cwwatch scan` shows which page and field."),
           "a required element or field is missing; the page is saved with a screenshot", urgent=True),
    Health(HealthKind.UNKNOWN_STATUS,
           N_("cwwatch: unknown contract status"),
           N_("A status label cwwatch does not know was shown. Nothing is being watched. Update cwwatch; "
              "`cwwatch scan` shows which label."),
           "a status label the selectors file does not map", urgent=True),
    Health(HealthKind.SITE_UNREACHABLE,
           N_("cwwatch: cannot reach the site"),
           N_("Could not connect to CrowdWorks. Check the network."),
           "network error, timeout, HTTP 5xx, or a redirect off the site"),
    Health(HealthKind.SCAN_FAILED,
           N_("cwwatch: a scan stopped halfway"),
           N_("A scan stopped on an error of cwwatch itself. The log has the details."),
           "the scan stopped on an error of cwwatch itself (the details are in the log)"),
    Health(HealthKind.CONFIG_INVALID,
           N_("cwwatch: the config file has an error"),
           N_("No scan runs until the file is fixed; the daemon reads it again as soon as it changes."),
           "the config file cannot be read (TOML syntax, an unknown key or a bad value): the note quotes the "
           "file and line; the daemon waits for the file to change", urgent=True, says_detail=True),
)
_HEALTH = {h.kind: h for h in HEALTH}
URGENT_RULES = rules.URGENT
URGENT_HEALTH = frozenset(h.kind for h in HEALTH if h.urgent)


def health_note(p: Problem) -> Note:
    """A sentence for the person: what happened, what to do, and where a copy of the page was saved.
    The technical detail (``p.detail``, a browser or OS error) is not for the notification: the scan's
    output, its record (``status``, ``doctor``) and the daemon's log carry it."""
    declared = _HEALTH[p.kind]
    title, text = declared.title, _(declared.body)
    if declared.says_detail and p.detail:
        text = _("There is an error in the config file: {detail}\n{text}").format(detail=p.detail, text=text)
    if p.saved:
        text = _("{text}\nSaved page: {path}").format(text=text, path=p.saved)
    return Note(_(title), text, urgent=declared.urgent)


def recovery_note() -> Note:
    return Note(_("cwwatch: watching again"), _("The problem is gone; the scan went through."))


def finding_note(f: Finding) -> Note:
    return Note(f.title, f.message, f.url, urgent=f.rule in URGENT_RULES, contract_id=f.contract_id)


DIGEST_LINES = 8


def digest_note(findings: Sequence[Finding]) -> Note:
    """One notification summarising what is open (the daemon's optional daily digest)."""
    if not findings:
        return Note(_("cwwatch: nothing open"), _("No watched contract needs anything from you."))
    lines = [_("• {title}").format(title=f.title) for f in findings[:DIGEST_LINES]]
    if len(findings) > DIGEST_LINES:
        more = len(findings) - DIGEST_LINES
        lines.append(ngettext("and {n} more", "and {n} more", more).format(n=more))
    n = len(findings)
    return Note(ngettext("cwwatch: {n} open item", "cwwatch: {n} open items", n).format(n=n), "\n".join(lines))


# -- many notes at once: one summary ---------------------------------------------------------------

SUMMARY_ABOVE = 3  # more new notes than this in one delivery: one summary note on the desktop
SUMMARY_LINES = 10  # the summary names this many of them by their titles


def summary_note(notes: Sequence[Note]) -> Note | None:
    """One note standing for ``notes`` when there are more than ``SUMMARY_ABOVE`` of them (a wall of
    notifications helps nobody), else None: each is shown. Critical when one of them is (an overdue
    acceptance or a stopped watch must not hide behind a normal one). No URL: ``cwwatch status`` is a
    command, not a page."""
    if len(notes) <= SUMMARY_ABOVE:
        return None
    n = len(notes)
    shown = [f"・{x.title}" for x in notes[:SUMMARY_LINES]]  # what they are about, one line each
    if n > SUMMARY_LINES:
        shown.append(ngettext("and {n} more", "and {n} more", n - SUMMARY_LINES).format(n=n - SUMMARY_LINES))
    return Note(ngettext("{n} new notification", "{n} new notifications", n).format(n=n),
                "\n".join([*shown, _("See them with cwwatch status.")]), urgent=any(x.urgent for x in notes))


# -- client_risk: a verdict on a client, before or at the start of the work ------------------------

CLIENT_RISK_RULE = rules.CLIENT_RISK


def client_risk_notifies(subject: str, verdict: str) -> bool:
    """A contract's client notifies at caution and warning; an application's only at warning (before
    a contract the person still chooses; a caution shows in ``cwwatch vet``)."""
    return verdict == "warning" or (subject == "contract" and verdict == "caution")


def client_risk_note(subject: str, subject_id: int, name: str, verdict: Verdict, url: str) -> Note:
    """One note: the verdict, what it rests on (the three heaviest signals) and what to do."""
    if subject == "proposal":
        title = _("Client of your application – {verdict}: {name}").format(verdict=verdict.label, name=name)
    else:
        title = _("Client of your contract – {verdict}: {name}").format(verdict=verdict.label, name=name)
    lines = [verdict.summary]
    lines += [_("• {message} ({evidence})").format(message=s.message, evidence=s.evidence)
              for s in verdict.signals[:3]]
    lines += [f"→ {a}" for a in verdict.advice[:2]]
    return Note(title, "\n".join(lines), url, urgent=False,
                contract_id=subject_id if subject == "contract" else None)
