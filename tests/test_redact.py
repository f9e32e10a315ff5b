"""Redaction: nothing personal survives, the page still reads the same, the markup stays."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.pagecheck import page_of, sidecars
from tests.sitefixtures import secrets_of, story
from watcher.crowdworks import selectors as selectorset
from watcher.crowdworks.check import check
from watcher.crowdworks.dom import parse_html
from watcher.crowdworks.kinds.contracts import extract_contracts
from watcher.crowdworks.kinds.profile import extract_profile
from watcher.crowdworks.kinds.workroom import extract_contract_page
from watcher.crowdworks.redact import Redactor, is_token, redact_html, redact_json, redact_url
from watcher.crowdworks.walls import recognise
from watcher.jptime import format_jst
from watcher.sample.site import pages as render

SEL = selectorset.load()
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "html"
SIDECAR = ".expected.json"


def story_pages(sc, changed: bool = False) -> dict[str, str]:
    """Every page the sample renders for a scenario (``changed``: the layout-changed variants too)."""
    pages = {"contracts": render.contracts_page(sc, 1, False), "inbox": render.inbox_page(sc, 1, False),
             "login": render.login_page(error="password_mismatch"), "dashboard": render.dashboard(sc)}
    for c in sc.contracts:
        pages[f"workroom-{c.id}"] = render.workroom(sc, c, True, False)
        pages[f"workroom-folded-{c.id}"] = render.workroom(sc, c, False, False)
    for cl in sc.clients.values():
        pages[f"profile-{cl.id}"] = render.profile(sc, cl, True, False)
    if changed:
        pages["contracts-changed"] = render.contracts_page(sc, 1, True)
        pages["inbox-changed"] = render.inbox_page(sc, 1, True)
        pages["workroom-changed"] = render.workroom(sc, sc.contracts[0], True, True)
        pages["profile-changed"] = render.profile(sc, sc.clients[900009001], True, True)
    return pages


def leaks(text: str, secrets: set[str]) -> list[str]:
    return sorted(s for s in secrets if s in text or html.escape(s) in text)


# --- the bundled story ----------------------------------------------------------------------------


def test_no_name_body_email_password_or_id_survives_without_being_told():
    sc = story()
    r = Redactor()  # nothing known: the markup hooks and the patterns alone
    for name, page in story_pages(sc, changed=True).items():
        assert not leaks(r.redact(page), secrets_of(sc)), name


def test_no_value_survives_each_page_on_its_own():
    sc = story()
    for name, page in story_pages(sc, changed=True).items():
        assert not leaks(redact_html(page), secrets_of(sc)), name


def test_a_login_page_with_the_credentials_filled_in():
    sc = story()
    page = render.login_page().replace(
        'id="username" name="username"', f'id="username" name="username" value="{sc.worker.email}"').replace(
        'id="password" name="password"', f'id="password" name="password" value="{sc.worker.password}"')
    assert sc.worker.email in page and sc.worker.password in page
    for out in (redact_html(page), redact_html(page, [sc.worker.email, sc.worker.password])):
        assert sc.worker.email not in out and sc.worker.password not in out
        assert recognise(parse_html(out), "https://crowdworks.jp/login", 200, SEL).kind == "login"


def test_status_labels_times_and_last_access_survive():
    sc = story()
    r = Redactor(secrets_of(sc))
    contracts = r.redact(render.contracts_page(sc, 1, False))
    for c in sc.contracts:
        assert f'<span class="status_label">{c.status}</span>' in contracts
        room = r.redact(render.workroom(sc, c, True, False))
        for m in c.messages:
            assert f'datetime="{format_jst(m.at)}"' in room
    inbox = render.inbox_json(sc, 1)
    out = json.loads(r.redact(json.dumps(inbox, ensure_ascii=False)))
    assert [i["sent_at"] for i in out["data"]["items"]] == [i["sent_at"] for i in inbox["data"]["items"]]
    assert "最終アクセス: 約2時間前" in r.redact(render.profile(sc, sc.clients[900009001], True, False))
    waiting = next(c for c in sc.contracts if c.status == "仮払い待ち")
    assert "仮払いが完了するまで業務を開始しないでください" in r.redact(render.workroom(sc, waiting, True, False))


def test_the_story_reads_the_same_after_redaction():
    sc = story()
    r = Redactor(secrets_of(sc))
    for c in sc.contracts:
        page = render.workroom(sc, c, True, False)
        before = extract_contract_page(page, SEL, "https://crowdworks.jp/contracts/1")
        out = r.redact(page)
        after = extract_contract_page(out, SEL, "https://crowdworks.jp/contracts/1")
        assert (after.stage, after.escrow_deposited, after.amount, after.open_milestones) == (
            before.stage, before.escrow_deposited, before.amount, before.open_milestones)
        assert [(m.sender, m.sent_at, m.kind) for m in after.messages] == [
            (m.sender, m.sent_at, m.kind) for m in before.messages]
        assert after.contract_id != c.id and len(str(after.contract_id)) == len(str(c.id))
        assert after.thread_id != before.thread_id and len(str(after.thread_id)) == len(str(before.thread_id))
        assert after.title.startswith("〈件名") and after.client_name.startswith("〈名前")
    listing = extract_contracts(r.redact(render.contracts_page(sc, 1, False)), SEL, "https://crowdworks.jp/e/contracts")
    assert [x.status_label for x in listing.rows] == [c.status for c in render.listed_contracts(sc)]
    seen = extract_profile(r.redact(render.profile(sc, sc.clients[900009001], True, False)), SEL,
                           "https://crowdworks.jp/public/employers/1", sc.now)
    assert seen.last_access_text == "約2時間前" and seen.name.startswith("〈名前")


def test_placeholders_and_ids_are_consistent_across_the_pages_of_one_capture():
    sc = story()
    r = Redactor()
    c = render.listed_contracts(sc)[0]
    room = extract_contract_page(r.redact(render.workroom(sc, c, True, False)), SEL, "https://crowdworks.jp/x")
    listing = extract_contracts(r.redact(render.contracts_page(sc, 1, False)), SEL, "https://crowdworks.jp/x")
    prof = extract_profile(r.redact(render.profile(sc, sc.clients[c.client], True, False)), SEL,
                           "https://crowdworks.jp/x", sc.now)
    row = listing.rows[0]
    assert (row.contract_id, row.title, row.client_name) == (room.contract_id, room.title, room.client_name)
    assert (prof.client_id, prof.name) == (room.client_id, room.client_name)
    # the manifest of a capture: a path redacted with the same table points at the same fake ids
    assert r.redact(f"/contracts/{c.id}") == f"/contracts/{room.contract_id}"
    assert r.redact_url(f"/message/threads/{c.thread_id}/messages.json") == \
        f"/message/threads/{room.thread_id}/messages.json"
    # numbering: same text, same placeholder; different texts, different numbers
    bodies = [m.body for m in room.messages]
    assert all(re.fullmatch(r"(〈本文\d+〉\n?)+", b) for b in bodies)
    assert len(set(bodies)) == len({m.body for m in c.messages})


# --- every saved fixture --------------------------------------------------------------------------


FIXTURE_LIST = [(page_of(side), json.loads(side.read_text(encoding="utf-8"))) for side in sidecars()
                if "from-notes" not in side.parts]


def _personal(side: dict[str, Any]) -> set[str]:
    """What the sidecar says is personal: names, titles, bodies, ids."""
    rec = side.get("record") or {}
    out: set[str] = set()
    for row in rec.get("contracts", []):
        out |= {str(row["id"]), row["title"], row["client_name"]}
    for key in ("contract_id", "client_id", "thread_id", "title", "client_name", "name"):
        if rec.get(key) is not None:
            out.add(str(rec[key]))
    for m in rec.get("messages", []):
        out |= {line for line in m["body"].split("\n") if line}
        if m.get("id"):
            out.add(str(m["id"]))
    for item in rec.get("items", []):
        out |= {str(item["thread_id"]), str(item["message_id"]), item.get("title", "")}
    return {s for s in out if s and len(s) > 1}


def _id_shape(a: Any, b: Any) -> None:
    assert (a is None) == (b is None)
    if a is not None:
        assert a != b and len(str(a)) == len(str(b))


def _same_equalities(xs: list[Any], ys: list[Any]) -> None:
    """Values that were equal stay equal, values that differed still differ (ids mapped one to one)."""
    assert [[x == x2 for x2 in xs] for x in xs] == [[y == y2 for y2 in ys] for y in ys]


KEEP = {  # what redaction must not change, per kind
    "contracts": lambda r: ([(x["status_label"], x["stage"]) for x in r["contracts"]], r["next_page"], r.get("empty")),
    "workroom": lambda r: (r["stage"], r["escrow_deposited"], r["amount"], r["folded"], r["source"],
                           r["open_milestones"], [(m["sender"], m["kind"], m["sent_at"], m["body"].count("\n"))
                                                  for m in r["messages"]]),
    "thread": lambda r: [(m["sender"], m["sent_at"], m["body"].count("\n")) for m in r["messages"]],
    "profile": lambda r: (r["last_access"], r["last_access_unreadable"], r["identity_verified"],
                          r["completion_rate"], r["rating"]),
    "inbox_api": lambda r: ([(i["sent_at"], i["proposal_status"], i["is_replied"]) for i in r["items"]],
                            r["total_pages"]),
    "inbox": lambda r: ([i["sent_at"] for i in r["items"]], r["next_page"]),
}
IDS = {
    "contracts": lambda r: [x["id"] for x in r["contracts"]],
    "workroom": lambda r: [r["contract_id"], r["client_id"], r["thread_id"]],
    "thread": lambda r: [m["id"] for m in r["messages"]],
    "profile": lambda r: [r["client_id"]],
    "inbox_api": lambda r: [i["thread_id"] for i in r["items"]] + [i["message_id"] for i in r["items"]],
    "inbox": lambda r: [i["thread_id"] for i in r["items"]],
}


def _compare(kind: str, before: str, after: str, side: dict[str, Any], beside: tuple[Any, Any] | None,
             r: Redactor) -> None:
    url = side["url"]
    fetched = datetime.fromisoformat(side["fetched_at"])
    a = check(kind, before, SEL, url, fetched, beside[0] if beside else None)
    b = check(kind, after, SEL, r.redact_url(url), fetched, beside[1] if beside else None)
    digits = re.compile(r"\d+")
    assert (a.ok, a.problem and digits.sub("N", a.problem["field"])) == (
        b.ok, b.problem and digits.sub("N", b.problem["field"]))
    if a.record is None:
        assert b.record is None
        return
    assert KEEP[kind](a.record) == KEEP[kind](b.record)
    xs, ys = IDS[kind](a.record), IDS[kind](b.record)
    _same_equalities(xs, ys)
    for x, y in zip(xs, ys, strict=True):
        _id_shape(x, y)


def _structure(page: str) -> list[tuple[str, str, tuple[str, ...]]]:
    tree = parse_html(page)
    return [(n.tag, n.attributes.get("class") or "", tuple(n.attributes)) for n in tree.root.traverse()]


@pytest.mark.parametrize(("fixture", "sidecar"), FIXTURE_LIST, ids=[p.stem for p, _ in FIXTURE_LIST])
def test_every_fixture_reads_the_same_after_redaction(fixture, sidecar):
    r = Redactor()
    before = fixture.read_text(encoding="utf-8")
    after = r.redact(before)
    side = fixture.with_name(fixture.stem + ".messages.json")
    beside = None
    if side.exists():
        raw = side.read_text(encoding="utf-8")
        beside = (json.loads(raw), json.loads(r.redact(raw)))
    _compare(sidecar["kind"], before, after, sidecar, beside, r)
    assert not leaks(after, _personal(sidecar))
    if fixture.suffix == ".html":
        assert _structure(after) == _structure(before)  # same tags, classes and attribute names, in order
        assert re.findall(r"<time[^>]*>[^<]*</time>", after) == re.findall(r"<time[^>]*>[^<]*</time>",
                                                                         _serialised(before))


def _serialised(page: str) -> str:
    return parse_html(page).html or ""


# --- what the caller knows ------------------------------------------------------------------------


PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>山田 花子さんのページ</title>
<meta name="csrf-token" content="k3J9xQ2mP8vL4nR7tY1wZ5bC0dF6gH">
<script>window.user = {"email": "hanako@example.com", "sid": "s%3Aabc123"};</script>
<script type="application/json" id="props">{"user": {"id": 955500001, "display_name": "山田 花子", "role": "employee",
 "avatar": "/public/employees/955500001/avatar.png", "session_token": "zzzz"}}</script>
</head><body>
<!-- debug: hanako@example.com -->
<div id="app" data-props="{&quot;name&quot;: &quot;山田 花子&quot;, &quot;messageableId&quot;: 963659463}"></div>
<p>こんにちは、山田 花子さん。山田さんのメールは Hanako@Example.com です。</p>
<p>連絡先: other.person@mail.example.jp / 090-1234-5678</p>
<p>API key: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08</p>
<p>uuid 123e4567-e89b-12d3-a456-426614174000, asset application-3f1c2a9e</p>
<img alt="山田 花子" src="/img/avatar.png?user=%E5%B1%B1%E7%94%B0%20%E8%8A%B1%E5%AD%90&amp;size=large">
<a href="/search?q=hanako%40example.com&amp;page=2">検索</a>
<a href="https://crowdworks.jp/contracts/963659463?token=Zk29aQ81bXcvP0LmN4rT&amp;status=active">契約</a>
<a href="mailto:hanako@example.com">mail</a>
<a href="https://user:pw@example.com/x">basic</a>
<form action="/login"><input type="hidden" name="authenticity_token" value="abc">
<input type="email" name="username" value="hanako@example.com">
<input type="checkbox" name="enable_auto_login" value="1"><input type="submit" name="commit" value="ログインする">
<textarea name="message[body]">下書き: 明日お電話します</textarea></form>
<p>Cookie: _cw_session=demo-cookie-value-1</p>
</body></html>"""


def test_known_strings_go_wherever_they_appear_longest_first():
    known = ["山田 花子", "山田", "hanako@example.com", "demo-cookie-value-1"]
    out = redact_html(PAGE, known)
    for secret in ("山田", "花子", "hanako", "Hanako", "%E5%B1%B1%E7%94%B0", "demo-cookie-value-1"):
        assert secret not in out, secret
    tree = parse_html(out)
    greeting = tree.css("p")[0].text()
    full = re.search(r"こんにちは、(〈[^〉]+〉)さん", greeting).group(1)
    part = re.search(r"。(〈[^〉]+〉)さんのメール", greeting).group(1)
    assert full != part  # 「山田 花子」 went whole, before 「山田」 could cut it
    assert tree.css_first("img").attributes["alt"] == full
    assert tree.css_first("title").text().startswith(full)


def test_patterns_catch_what_nobody_named():
    out = redact_html(PAGE)
    tree = parse_html(out)
    for secret in ("hanako@example.com", "Hanako@Example.com", "other.person@mail.example.jp", "k3J9xQ2mP8vL4nR7",
                   "9f86d081884c7d659a2feaa0c55ad015", "123e4567-e89b", "Zk29aQ81bXcvP0LmN4rT", "955500001",
                   "963659463", "s%3Aabc123", "zzzz", "user:pw", "明日お電話します", "山田 花子"):
        assert secret not in out, secret
    assert tree.css_first('meta[name="csrf-token"]').attributes["content"] == "〈値〉"
    assert tree.css_first('input[type="hidden"]').attributes["value"] == "〈値〉"
    assert tree.css_first('input[type="email"]').attributes["value"] == "〈値〉"
    assert tree.css_first('input[type="checkbox"]').attributes["value"] == "1"
    assert tree.css_first('input[type="submit"]').attributes["value"] == "ログインする"
    assert tree.css_first("script").text() == "/* 〈script〉 */"
    props = json.loads(tree.css_first("script#props").text())
    assert set(props["user"]) == {"id", "display_name", "role", "avatar", "session_token"}
    assert props["user"]["role"] == "employee" and props["user"]["display_name"].startswith("〈名前")
    assert props["user"]["avatar"] == f"/public/employees/{props['user']['id']}/avatar.png"
    data = json.loads(tree.css_first("#app").attributes["data-props"])
    assert data["name"] == props["user"]["display_name"]  # the same name, the same placeholder
    links = [a.attributes["href"] for a in tree.css("a")]
    assert links[0] == "/search?q=redacted&page=2"
    assert links[1] == f"https://crowdworks.jp/contracts/{data['messageableId']}?token=redacted&status=active"
    assert links[2] == "mailto:redacted@example.invalid" and links[3] == "https://example.com/x"
    assert "application-3f1c2a9e" in out  # an asset fingerprint is not a token
    assert "<!--" not in out  # a comment that held an address is dropped


def test_ids_keep_their_digit_count_and_never_become_another_real_id():
    page = ('<div id="pack-message-thread" data="{&quot;id&quot;: 10000001, &quot;messageableId&quot;: 963659463}">'
            '<a href="/contracts/963659463">x</a><a href="/contracts/10000001">y</a></div>')
    out = parse_html(redact_html(page))
    data = json.loads(out.css_first("#pack-message-thread").attributes["data"])
    hrefs = [a.attributes["href"] for a in out.css("a")]
    assert hrefs == [f"/contracts/{data['messageableId']}", f"/contracts/{data['id']}"]
    assert {str(data["id"]), str(data["messageableId"])}.isdisjoint({"10000001", "963659463"})
    assert (len(str(data["id"])), len(str(data["messageableId"]))) == (8, 9)


def test_json_documents_and_urls():
    api = (FIXTURES / "inbox_api" / "inbox_api_page1.json").read_text(encoding="utf-8")
    out = redact_json(api)
    assert "合同会社サクラ企画" not in out and "963710002" not in out and "2026年11月20日 07:00" in out
    assert redact_url("https://crowdworks.jp/public/employers/900009001?page=2").startswith(
        "https://crowdworks.jp/public/employers/")
    assert "900009001" not in redact_url("/public/employers/900009001")
    assert redact_url("/e/contracts?status=active&page=2") == "/e/contracts?status=active&page=2"


def test_tokens_are_told_from_words_and_class_names():
    assert is_token("9f86d081884c7d659a2feaa0c55ad015")
    assert is_token("Xq3kYvF0aB9cD8eF7gH6iJ5kL4==")
    assert is_token("eyJhbGciOiJIUzI1NiIsInR5cCI6")
    assert not is_token("_messageItem_iq3vm_4")
    assert not is_token("allow-popups-to-escape-sandbox")
    assert not is_token("application-3f1c2a9e")
    assert not is_token("isEmployerRuleCheckSucceeded")


# --- any message body -----------------------------------------------------------------------------


_BASELINE: dict[str, str] = {}


def _page_with_body(text: str) -> str:
    sc = story()
    sc.contracts[0].messages[-1].body = text
    return render.workroom(sc, sc.contracts[0], True, False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60))
def test_any_text_in_a_message_body_never_survives(text):
    if "page" not in _BASELINE:
        _BASELINE["page"] = redact_html(_page_with_body("x"))
    baseline = _BASELINE["page"]
    forms = {text, html.escape(text, quote=False), html.escape(text)}
    # Text that the page itself contains anyway (a tag name, 「クラウドワークス」, a digit) proves nothing.
    assume(text.strip() and not any(f in baseline for f in forms))
    out = redact_html(_page_with_body(text))
    assert not any(f in out for f in forms)
    page = extract_contract_page(out, SEL, "https://crowdworks.jp/x")
    assert len(page.messages) == len(story().contracts[0].messages)


def test_template_contents_and_json_inside_json_strings_are_redacted_too():
    page = ('<html><body><template id="row"><div class="_messageBody_x1y2z_20"><p>テンプレートの中の本文</p>'
            '<template><a href="/public/employers/123456">入れ子の名前</a></template></div></template>'
            '<div id="app" data="{&quot;props&quot;: &quot;{\\&quot;sender_name\\&quot;: \\&quot;入れ子の名前\\&quot;, '
            '\\&quot;thread_id\\&quot;: 76365946}&quot;}"></div></body></html>')
    out = redact_html(page)
    for secret in ("テンプレートの中の本文", "入れ子の名前", "123456", "76365946"):
        assert secret not in out, secret
    inner = json.loads(json.loads(parse_html(out).css_first("#app").attributes["data"])["props"])
    assert set(inner) == {"sender_name", "thread_id"} and len(str(inner["thread_id"])) == 8


def test_history_strings_match_the_page_whatever_its_width():
    # The history stores text as the extractors read it (NFKC): 「(20ページ)」 for the page's 「（２０ページ）」.
    page = "<html><body><p>件名: 英語マニュアルの和訳（２０ページ）の件</p><p>お世話になります</p></body></html>"
    out = redact_html(page, ["英語マニュアルの和訳(20ページ)"])
    assert "マニュアル" not in out and "〈伏字1〉" in out and "お世話になります" in out


def test_a_known_string_never_cuts_into_a_placeholder_nor_into_the_site_words():
    page = "<html><body><p>名前: 山田</p><p>状態: 検収中</p><p>最終アクセス: 約2時間前</p></body></html>"
    out = redact_html(page, ["名前", "山田", "検収中", "検収", "アクセス"])
    assert "山田" not in out and "名前" not in out
    assert "〈〈" not in out  # 「名前」 did not cut into an earlier 〈伏字N〉
    assert "検収中" in out and "最終アクセス: 約2時間前" in out  # the site's words are not personal


def test_the_bundled_selectors_need_not_be_read_from_disk():
    r = Redactor(["山田"], SEL)
    assert r.redact("<p>山田</p>") != "<p>山田</p>" and "山田" not in r.redact("<p>山田</p>")
