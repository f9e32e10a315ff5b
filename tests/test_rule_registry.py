"""One registry of rules (``watcher/decide/rules.py``): each rule declared once, and everything that
speaks of a rule — the words, the notes' urgency, status, vet's counting, the docs' tables — reads
it. Pure: no browser, no store."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests import doc_tables
from watcher import i18n
from watcher.cli import status
from watcher.decide import alerts, rules, vet_policy
from watcher.models import Finding, HealthKind, Problem
from watcher.report import words

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def test_each_rule_is_declared_once_and_found_rules_come_first():
    ids = [r.id for r in rules.REGISTRY]
    assert len(ids) == len(set(ids))
    assert tuple(r.id for r in rules.REGISTRY if r.evaluation is not None) == rules.RULES
    assert ids[: len(rules.RULES)] == list(rules.RULES), "the rules evaluate() finds lead, in their order"
    assert rules.rule(rules.CLIENT_RISK) is not None and rules.rule(rules.CLIENT_RISK).evaluation is None
    assert rules.rule("something_new") is None


@pytest.mark.parametrize("rule", rules.REGISTRY, ids=lambda r: r.id)
def test_every_rule_has_words_in_both_languages(rule):
    before = i18n.current()
    try:
        for lang in ("en", "ja"):
            i18n.use(lang)
            assert words.rule_label(rule.id) != rule.id and words.rule_meaning(rule.id) != rule.id
    finally:
        i18n.use(before)
    tr = i18n.In("ja")
    assert tr(rule.label) != rule.label and tr(rule.meaning) != rule.meaning
    if rule.evaluation is not None:
        assert rule.earlier and tr(rule.earlier) != rule.earlier, "vet names an earlier finding of it"


@pytest.mark.parametrize("rule", rules.REGISTRY, ids=lambda r: r.id)
def test_urgency_is_the_registrys_in_notes_and_in_status(rule):
    f = Finding(rule.id, 1, 2, 1, NOW, None, "t", "m")
    assert alerts.finding_note(f).urgent is rule.urgent
    facts = _Facts([rule.id])
    assert status._finding_style(facts) == ("bold red" if rule.urgent else "yellow")  # type: ignore[arg-type]


def test_only_an_overdue_acceptance_is_urgent():
    """The two lists of urgent rules disagreed before the registry (status painted quiet_client and
    escrow_missing red too); urgent means the person must act now, as the notes always had it."""
    assert frozenset({"acceptance_overdue"}) == rules.URGENT


def test_vet_counts_the_rules_declared_against_the_client():
    assert vet_policy.VetPolicy().counted_findings == rules.AGAINST_CLIENT
    assert set(rules.AGAINST_CLIENT) == {"quiet_client", "client_away", "no_reply", "acceptance_overdue"}
    text = (ROOT / "docs" / "vetting.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `counted_findings` |"))
    listed = re.findall(r"`(\w+)`", row.split("|")[2])
    assert tuple(listed) == rules.AGAINST_CLIENT, "docs/vetting.md lists what the registry counts"


def test_the_docs_tables_are_the_registrys():
    """README's rule table and docs/rules.md's overview are written from the registry:
    `.venv/bin/python tests/doc_tables.py` rewrites them."""
    assert doc_tables.stale() == [], "run: .venv/bin/python tests/doc_tables.py"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert doc_tables.readme_table() in readme


class _Facts:
    """What ``status._finding_style`` reads of a contract's facts."""

    def __init__(self, ids: list[str]) -> None:
        self.findings = ids

    def rules(self) -> list[str]:
        return self.findings


# -- the health problems: declared once too (watcher/decide/alerts.py) -------------------------------


def test_each_health_kind_is_declared_once():
    kinds = [h.kind for h in alerts.HEALTH]
    assert sorted(kinds) == sorted(HealthKind)
    assert {h.kind for h in alerts.HEALTH if h.urgent} == alerts.URGENT_HEALTH


@pytest.mark.parametrize("health", alerts.HEALTH, ids=lambda h: str(h.kind))
def test_a_health_note_is_the_declared_one(health):
    note = alerts.health_note(Problem(health.kind, "login", "detail"))
    tr = i18n.In(i18n.current())
    body = tr(health.body)
    if health.says_detail:  # the note quotes the detail (config_invalid: the file and line) before it
        body = tr("There is an error in the config file: {detail}\n{text}").format(detail="detail", text=body)
    assert (note.title, note.body, note.urgent) == (tr(health.title), body, health.urgent)


def test_the_readme_names_every_health_kind():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = readme[readme.index("…and when it cannot see:"):readme.index("*unhealthy*")]
    assert set(re.findall(r"`(\w+)`", line)) == {str(k) for k in HealthKind}
