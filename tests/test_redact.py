"""Redaction: nothing personal from the scenario survives; the page still reads the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.sitefixtures import story
from watcher import selectorset
from watcher.extract import extract_contracts, extract_profile, extract_workroom, parse_html, recognise
from watcher.redact import Redactor, redact_html
from watcher.sample import render

SEL = selectorset.load()
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "html"


def story_pages(sc):
    pages = {"contracts": render.contracts_page(sc, 1, False), "inbox": render.inbox_page(sc, 1, False),
             "login": render.login_page(error="password_mismatch"), "dashboard": render.dashboard(sc)}
    for c in sc.contracts:
        pages[f"workroom-{c.id}"] = render.workroom(sc, c, True, False)
    for cl in sc.clients.values():
        pages[f"profile-{cl.id}"] = render.profile(sc, cl, True, False)
    return pages


def secrets_of(sc):
    out = {sc.worker.name, sc.worker.email, sc.worker.password, str(sc.worker.id)}
    out |= {cl.name for cl in sc.clients.values()} | {str(cid) for cid in sc.clients}
    for c in sc.contracts:
        out |= {c.title, str(c.id)} | {line for m in c.messages for line in m.body.split("\n")}
    return out


def test_no_name_body_id_email_or_password_survives_without_being_told():
    sc = story()
    r = Redactor()  # nothing known: the markup hooks and patterns alone
    for name, page in story_pages(sc).items():
        out = r.redact(page)
        for secret in secrets_of(sc):
            assert secret not in out, (name, secret)


def test_what_is_known_goes_too_and_the_page_still_reads_the_same():
    sc = story()
    r = Redactor(secrets_of(sc))
    for c in sc.contracts:
        page = render.workroom(sc, c, True, False)
        before = extract_workroom(page, SEL, "https://crowdworks.jp/contracts/1", sc.worker.id)
        out = r.redact(page)
        after = extract_workroom(out, SEL, "https://crowdworks.jp/contracts/1", None)
        assert after.status_label == before.status_label and after.stage == before.stage
        assert [(m.sender, m.sent_at, m.kind) for m in after.messages] == [
            (m.sender, m.sent_at, m.kind) for m in before.messages]
        assert after.contract_id != c.id and len(str(after.contract_id)) == len(str(c.id))
        assert "<time datetime=" in out
    listing = extract_contracts(r.redact(render.contracts_page(sc, 1, False)), SEL, "https://crowdworks.jp/e/contracts")
    assert [x.status_label for x in listing.rows] == [c.status for c in sc.contracts]
    prof = r.redact(render.profile(sc, sc.clients[9001], True, False))
    seen = extract_profile(prof, SEL, "https://crowdworks.jp/public/employers/1", sc.now)
    assert seen.last_access_text == "約2時間前" and "最終アクセス" in prof


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("*.html")))
def test_fixtures_keep_their_kind_after_redaction(fixture):
    page = (FIXTURES / fixture).read_text(encoding="utf-8")
    out = redact_html(page)
    a = recognise(parse_html(page), "https://crowdworks.jp/x", 200, SEL)
    b = recognise(parse_html(out), "https://crowdworks.jp/x", 200, SEL)
    assert (a.kind, a.logged_in) == (b.kind, b.logged_in)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=3, max_size=40))
def test_any_message_body_is_replaced(text):
    sc = story()
    text = text.strip()
    if len(text) < 3 or "<" in text or "&" in text:
        return
    sc.contracts[0].messages[-1].body = text
    out = Redactor().redact(render.workroom(sc, sc.contracts[0], True, False))
    import html

    assert html.escape(text, quote=False) not in out.split("_messageBody_", 1)[1].split("</section>")[0] or (
        text in out.split("<main>")[0])
