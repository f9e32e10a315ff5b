"""Regenerate the saved-page fixtures in ``fixtures/html/<kind>/`` from the sample site's renderer.

Run from the checkout: ``python tests/make_fixtures.py``. The output is deterministic: the fixture
account (``fixtures/scenarios/fixtures.toml``) fixes ``now`` and every id, so running it twice
writes the same bytes; it rewrites only files whose content changed and deletes generated files it
no longer makes.

Most pages come straight from the sample site (:mod:`watcher.sample.site.pages`), in the shapes of
the evidence (docs/site.md). The variants the renderer does not produce but the evidence allows are made here by
post-processing its output (each edit checks that the text it replaces is really there, so a
renderer change stops this script instead of silently producing a page that no longer shows what
its name says): the `_message_` class without the `_messageItem_` wrapper, a thread whose state
sentences sit outside `div.progress_detail` while a message quotes another one, a profile whose JSON
alone or whose page alone carries the last access, a full-width colon, the English interface, an
explicit `null`, an unreadable wording, a `<time>` without `datetime`.

Each page gets a sidecar ``NAME.expected.json`` in the shape of ``cwwatch check-pages --json``
(tests/pagecheck.py: `record` matched as a subset). The expectations are computed from the scenario
and from the notes' rules (the label-to-stage table, the state sentences), never by running a
reader; a last access is checked by the instant it must contain (the client's true last visit).

Not generated, left alone: ``fixtures/html/from-notes/`` (pages written from the notes alone by
someone who had not read the readers) and the hand-written pages of ``fixtures/html/walls/``.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from watcher.sample.scenario import Scenario, SContract, SMessage, load_scenario  # noqa: E402
from watcher.sample.site import pages as render  # noqa: E402

OUT = ROOT / "fixtures" / "html"
WALLS = OUT / "walls"
SITE = "https://crowdworks.jp"
JST = ZoneInfo("Asia/Tokyo")
SCENARIO_FILE = ROOT / "fixtures" / "scenarios" / "fixtures.toml"

# Hand-written pages in walls/ (with hand-written sidecars): this script leaves them alone.
HAND_WRITTEN = ("login_old_error", "captcha_iframe", "login_invisible_recaptcha")

# The notes' table of status labels (seen and reported), written out here rather than read from
# selectors/crowdworks.toml, so the fixtures check that file instead of copying it. A label missing
# here is one the notes do not confirm: its expected stage is null.
STAGES = {
    "仮払い待ち": "awaiting_escrow",
    "進行中": "in_progress",
    "納品済み": "delivered",
    "検収中": "in_acceptance",
    "契約終了同意待ち": "ending",
    "完了": "finished",
}
# What the contract page's sentences say for each label (the notes' state sentences): delivered and
# in acceptance both read 「クライアント（発注者）が検収を行っています」.
PAGE_STAGES = {**STAGES, "納品済み": "in_acceptance"}
ESCROW = {"awaiting_escrow": False, "in_progress": True, "in_acceptance": True, "finished": True}


def scenario() -> Scenario:
    return load_scenario(SCENARIO_FILE)


# --- helpers -------------------------------------------------------------------------------------


def iso(t: datetime) -> str:
    """An instant as ISO 8601 in Japan time (what a person in Japan reads the page at)."""
    return t.astimezone(JST).isoformat()


def minute(t: datetime) -> datetime:
    """The site shows message times to the minute."""
    return t.replace(second=0, microsecond=0)


def swap(html: str, old: str, new: str, *, count: int = 1, regex: bool = False) -> str:
    """Replace ``old`` (exactly ``count`` times, or at least once when count is 0)."""
    found = len(re.findall(old, html)) if regex else html.count(old)
    if found == 0 or (count and found != count):
        raise SystemExit(f"make_fixtures: expected {count or 'some'} of {old!r} in the renderer's "
                         f"output, found {found}: the renderer changed, update this script")
    return re.sub(old, new, html) if regex else html.replace(old, new)


class Builder:
    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.files: dict[str, str] = {}

    def add(self, name: str, body: str, sidecar: dict[str, Any], ext: str = "html",
            beside: dict[str, Any] | None = None) -> None:
        name = f"{sidecar['kind']}/{name}"  # one folder per page kind (watcher/crowdworks/kinds/)
        if f"{name}.{ext}" in self.files:
            raise SystemExit(f"make_fixtures: {name} twice")
        sidecar.setdefault("fetched_at", iso(self.sc.now))
        sidecar.setdefault("ok", True)
        sidecar.setdefault("problem", None)
        ordered = {k: sidecar[k] for k in ("kind", "url", "fetched_at", "source", "description", "ok",
                                           "problem", "record") if k in sidecar}
        self.files[f"{name}.{ext}"] = body if body.endswith("\n") else body + "\n"
        self.files[f"{name}.expected.json"] = json.dumps(ordered, ensure_ascii=False, indent=2) + "\n"
        if beside is not None:
            self.files[f"{name}.messages.json"] = json.dumps(beside, ensure_ascii=False, indent=2) + "\n"


# --- expectations --------------------------------------------------------------------------------


def message_record(m: SMessage, mid: int | None, source: str) -> dict[str, Any]:
    """A message as check-pages prints it. From the JSON, the site's own messages read as the other
    side's (``own_message`` is false for them: the notes do not say more); from the page they carry
    the system class."""
    sender = m.sender if (m.sender != "system" or source == "dom") else "client"
    out: dict[str, Any] = {"sender": sender, "sent_at": iso(minute(m.at)), "body": m.body}
    if source == "json":
        out["id"] = mid
    return out


def workroom_record(sc: Scenario, c: SContract, shown: list[SMessage], source: str, folded: bool,
                    ids: dict[int, list[int]]) -> dict[str, Any]:
    stage = PAGE_STAGES.get(c.status)
    if c.escrow is False and c.status == "進行中":
        stage = "awaiting_escrow"  # the sample shows the awaiting-escrow sentences (docs/scenario.md)
    all_ids = dict(zip((id(m) for m in c.messages), ids[c.thread_id], strict=True))
    return {
        "contract_id": c.id,
        "thread_id": c.thread_id,
        "client_id": c.client,
        "client_name": sc.clients[c.client].name,
        "title": c.title,
        "amount": c.amount,
        "stage": stage,
        "escrow_deposited": ESCROW.get(stage) if stage else None,
        "folded": folded,
        "messages": [message_record(m, all_ids[id(m)], source) for m in shown],
        "source": source,
    }


# --- pages ---------------------------------------------------------------------------------------


def contracts_pages(b: Builder) -> None:
    sc = b.sc
    listed = render.listed_contracts(sc)
    assert len(listed) > render.PAGE_SIZE, "the fixture account must need two pages"

    def rows(page_no: int) -> list[dict[str, Any]]:
        return [{"id": c.id, "title": c.title, "client_name": sc.clients[c.client].name,
                 "status_label": c.status, "stage": STAGES.get(c.status)}
                for c in listed[(page_no - 1) * render.PAGE_SIZE: page_no * render.PAGE_SIZE]]

    first = rows(1)
    unmapped = next((r for r in first if r["stage"] is None), None)
    assert unmapped is not None, "page 1 shows a label the notes do not confirm"
    b.add("contracts_page1", render.contracts_page(sc, 1, False), {
        "kind": "contracts", "url": f"{SITE}/e/contracts?status=active", "source": "renderer",
        "description": "the first page of the active contracts: three sections, 20 rows, a rel=next link; every "
                       "label the notes know and 検収完了, which they do not (unknown_status: never a silent default)",
        "ok": False, "problem": {"kind": "unknown_status", "field": f"contract {unmapped['id']} status"},
        "record": {"contracts": first, "next_page": f"{SITE}/e/contracts?status=active&page=2"},
    })
    b.add("contracts_page2", render.contracts_page(sc, 2, False), {
        "kind": "contracts", "url": f"{SITE}/e/contracts?status=active&page=2", "source": "renderer",
        "description": "the last page: no next link",
        "record": {"contracts": rows(2), "next_page": None},
    })
    b.add("contracts_empty", render.contracts_page(sc, 1, False, empty=True), {
        "kind": "contracts", "url": f"{SITE}/e/contracts?status=active", "source": "renderer",
        "description": "no active contract: every section says 「契約がありません。」 "
                       "(the empty list, not a changed page)",
        "record": {"contracts": [], "next_page": None, "empty": True},
    })
    html = swap(render.contracts_page(sc, 2, False), '<div class="nodata">契約がありません。</div>', "",
                count=0)
    b.add("contracts_section_without_rows", html, {
        "kind": "contracts", "url": f"{SITE}/e/contracts?status=active&page=2", "source": "renderer, post-processed",
        "description": "page 2 whose empty sections lost their 「契約がありません。」: the rows still read",
        "record": {"contracts": rows(2)},
    })
    b.add("contracts_changed", render.contracts_page(sc, 1, True), {
        "kind": "contracts", "url": f"{SITE}/e/contracts?status=active", "source": "renderer (changed=True)",
        "description": "a release that turned the table into cards: no row, no 「契約がありません。」: layout_changed",
        "ok": False, "problem": {"kind": "layout_changed", "field": "contract rows"},
    })


WORKROOMS = [
    # (contract, name, with the thread's JSON beside it, description)
    (963710001, "workroom_awaiting_escrow", False, "仮払い待ち: 「仮払いを行っています」 + 「業務を開始しない」; "
                                                  "the page's own messages (no JSON beside it): a system message"),
    (963710002, "workroom_in_progress", True, "進行中: 「業務を開始しています」; the thread's JSON beside the page "
                                              "(system messages read as the other side's there)"),
    (963710003, "workroom_delivered", True, "納品済み: the page says 「クライアント（発注者）が検収を行っています」"),
    (963710004, "workroom_finished", False, "完了: the contract is over; a feedback link"),
    (963710006, "workroom_ending", False, "契約終了同意待ち: the client asked to end early (the sentence is a guess)"),
    (963710007, "workroom_unmapped_label", False, "検収完了, a label nobody confirms: no known sentence, stage null "
                                                  "(the scan reports unknown_status from the list)"),
    (963710008, "workroom_quotes_404_text", False, "進行中, an ordinary page where the client quotes "
                                                   "「ページが見つかりません」"),
]


def workroom_pages(b: Builder) -> None:
    sc = b.sc
    ids = render.message_ids(sc)
    for cid, name, with_json, desc in WORKROOMS:
        c = sc.contract(cid)
        assert c is not None and len(c.messages) <= render.FOLD_AFTER
        source = "json" if with_json else "dom"
        b.add(name, render.workroom(sc, c), {
            "kind": "workroom", "url": f"{SITE}/contracts/{cid}", "source": "renderer", "description": desc,
            "record": workroom_record(sc, c, c.messages, source, False, ids),
        }, beside=render.thread_json(sc, c) if with_json else None)
    long = sc.contract(963710005)
    assert long is not None and render.FOLD_AFTER < len(long.messages) <= 2 * render.FOLD_AFTER
    shown = long.messages[-render.FOLD_AFTER:]
    folded = render.workroom(sc, long)
    assert "他の" in folded
    b.add("workroom_in_acceptance_folded", folded, {
        "kind": "workroom", "url": f"{SITE}/contracts/{long.id}", "source": "renderer",
        "description": "検収中, a long thread: the oldest messages fold behind 「他のN件のメッセージを表示」",
        "record": workroom_record(sc, long, shown, "dom", True, ids),
    })
    b.add("workroom_in_acceptance_json", folded, {
        "kind": "workroom", "url": f"{SITE}/contracts/{long.id}", "source": "renderer",
        "description": "the same folded page with its thread's JSON beside it: every message, nothing folded",
        "record": workroom_record(sc, long, long.messages, "json", False, ids),
    }, beside=render.thread_json(sc, long))
    twice = sc.contract(963710009)
    assert twice is not None and len(twice.messages) > 2 * render.FOLD_AFTER
    b.add("workroom_two_folds", render.workroom(sc, twice), {
        "kind": "workroom", "url": f"{SITE}/contracts/{twice.id}", "source": "renderer",
        "description": "a thread that folds twice (25 messages, 10 shown) and two milestones, both open for delivery",
        "record": workroom_record(sc, twice, twice.messages[-render.FOLD_AFTER:], "dom", True, ids)
        | {"open_milestones": 2},
    })
    b.add("workroom_two_folds_unfolded", render.workroom(sc, twice, show_all=True), {
        "kind": "workroom", "url": f"{SITE}/contracts/{twice.id}", "source": "renderer",
        "description": "the same thread once every fold is opened",
        "record": workroom_record(sc, twice, twice.messages, "dom", False, ids),
    })
    # The other class the evidence allows: `_message_` items without the `_messageItem_` wrapper.
    c2 = sc.contract(963710002)
    assert c2 is not None
    html = swap(render.workroom(sc, c2), r'<div class="_messageItem_[a-z0-9]+_\d+">', "<div>", count=0, regex=True)
    b.add("workroom_message_class", html, {
        "kind": "workroom", "url": f"{SITE}/contracts/{c2.id}", "source": "renderer, post-processed",
        "description": "messages marked only by `_message_` (another reader of S1 selects that class)",
        "record": workroom_record(sc, c2, c2.messages, "dom", False, ids),
    })
    # The state sentences outside div.progress_detail, and a message that quotes another state's.
    c1 = sc.contract(963710001)
    assert c1 is not None
    html = swap(render.workroom(sc, c1), 'class="progress_detail"', 'class="progress_note"')
    html = swap(html, c1.messages[-1].body, c1.messages[-1].body + "（業務を開始しています、と表示されるまで待ちます）",
                count=0)
    rec = workroom_record(sc, c1, c1.messages, "dom", False, ids)
    rec["messages"][-1]["body"] += "（業務を開始しています、と表示されるまで待ちます）"
    b.add("workroom_sentence_outside_detail", html, {
        "kind": "workroom", "url": f"{SITE}/contracts/{c1.id}", "source": "renderer, post-processed",
        "description": "仮払い待ち with the state sentences outside div.progress_detail, while my own message quotes "
                       "「業務を開始しています」: the page's sentences count, the thread's never",
        "record": rec,
    })
    b.add("workroom_changed", render.workroom(sc, long, changed=True), {
        "kind": "workroom", "url": f"{SITE}/contracts/{long.id}", "source": "renderer (changed=True)",
        "description": "a release that renamed the thread root and its data attribute: layout_changed",
        "ok": False, "problem": {"kind": "layout_changed", "field": "message thread"},
    })
    html = swap(render.workroom(sc, c2), r'(<time[^>]*?) datetime="[^"]+"', r"\1", count=0, regex=True)
    b.add("workroom_changed_time", html, {
        "kind": "workroom", "url": f"{SITE}/contracts/{c2.id}", "source": "renderer, post-processed",
        "description": "a release whose <time> elements lost the datetime attribute (no JSON beside): layout_changed",
        "ok": False, "problem": {"kind": "layout_changed", "field": "message 1 time"},
    })
    b.add("thread_json", json.dumps(render.thread_json(sc, long), ensure_ascii=False, indent=2), {
        "kind": "thread", "url": f"{SITE}/message/threads/{long.thread_id}/messages.json", "source": "renderer",
        "description": "/message/threads/ID/messages.json on its own: own_message, senddate in the site's form, "
                       "body as HTML",
        "record": {"messages": [message_record(m, i, "json")
                                for m, i in zip(long.messages, ids[long.thread_id], strict=True)]},
    }, ext="json")


def profile_pages(b: Builder) -> None:
    sc = b.sc
    now = sc.now

    def page(cid: int) -> str:
        return render.profile(sc, sc.clients[cid], True, False)

    def add(name: str, cid: int, html: str, text: str | None, desc: str, source: str = "renderer",
            extra: dict[str, Any] | None = None) -> None:
        cl = sc.clients[cid]
        access: Any = None
        if text is not None:
            assert cl.last_access is not None
            access = {"text": text, "contains": iso(cl.last_access)}
        b.add(name, html, {
            "kind": "profile", "url": f"{SITE}/public/employers/{cid}", "source": source, "description": desc,
            "record": {"client_id": cid, "name": cl.name, "last_access": access} | (extra or {}),
        })

    def json_text(cid: int) -> str:
        cl = sc.clients[cid]
        assert cl.last_access is not None
        return render.last_access_text(now, cl.last_access)

    for cid, name in ((900009101, "profile_minutes"), (900009102, "profile_hours"), (900009103, "profile_days"),
                      (900009105, "profile_months"), (900009106, "profile_just_now")):
        t = json_text(cid)
        add(name, cid, page(cid), t, f"last_accessed_at 「{t}」 in the JSON and 「最終アクセス: "
                                     f"{render.visible_last_access(t)}」 on the page")
    html = page(900009104)
    assert "最終アクセス" not in html and "last_accessed_at" not in html
    add("profile_hidden", 900009104, html, None,
        "the client hides their last access: the key is absent and no line shows (a legitimate state)",
        extra={"last_access_unreadable": None})
    t = json_text(900009107)
    html = swap(page(900009107), r'<p class="_lastActivity_[^"]*">[^<]*</p>', "", regex=True)
    add("profile_json_only", 900009107, html, t, f"the last access only in the JSON (「{t}」), no visible line",
        "renderer, post-processed")
    t = json_text(900009110)
    html = swap(page(900009110), f"&quot;last_accessed_at&quot;: &quot;{t}&quot;, ", "")
    add("profile_page_only", 900009110, html, render.visible_last_access(t),
        "the last access only on the page (the JSON lost the key): the visible line is the fallback",
        "renderer, post-processed")
    t = json_text(900009109)
    vis = render.visible_last_access(t)
    html = swap(page(900009109), f"&quot;last_accessed_at&quot;: &quot;{t}&quot;, ", "")
    html = swap(html, f"最終アクセス: {vis}", f"最終アクセス：{vis}")
    add("profile_fullwidth_colon", 900009109, html, vis, f"「最終アクセス：{vis}」 with a full-width colon, "
                                                         "page only", "renderer, post-processed")
    t = json_text(900009108)
    html = swap(page(900009108), f"&quot;last_accessed_at&quot;: &quot;{t}&quot;, ", "")
    html = swap(html, f"最終アクセス: {render.visible_last_access(t)}", "Last activity: 24 hours ago")
    add("profile_english", 900009108, html, "24 hours ago", "the English interface: 「Last activity: 24 hours ago」",
        "renderer, post-processed")
    html = swap(page(900009104), "&quot;identity_verified&quot;:",
                "&quot;last_accessed_at&quot;: null, &quot;identity_verified&quot;:")
    add("profile_hidden_null", 900009104, html, None, "hidden as an explicit null in the JSON",
        "renderer, post-processed")
    t = json_text(900009103)
    html = swap(page(900009103), f"&quot;last_accessed_at&quot;: &quot;{t}&quot;",
                "&quot;last_accessed_at&quot;: &quot;しばらく前&quot;")
    html = swap(html, f"最終アクセス: {render.visible_last_access(t)}", "最終アクセス: しばらく前")
    add("profile_unreadable_access", 900009103, html, None,
        "a wording no rule reads (「しばらく前」): the access is unknown, not hidden, and the page still reads",
        "renderer, post-processed", extra={"last_access_unreadable": "しばらく前"})
    cl = sc.clients[900009105]
    add("profile_record", 900009105, page(900009105), json_text(900009105),
        "the client's record from the JSON: verification, rule check, completion, ratings with comments",
        extra={"identity_verified": cl.identity_verified, "rule_check_passed": cl.rule_check,
               "completion_rate": float(cl.completion_rate), "rating_count": cl.rating_count,
               "ratings": [{"comment": r.comment} for r in cl.ratings]})
    b.add("profile_changed", render.profile(sc, sc.clients[900009101], True, True), {
        "kind": "profile", "url": f"{SITE}/public/employers/900009101", "source": "renderer (changed=True)",
        "description": "a release that moved the JSON to another element: layout_changed",
        "ok": False, "problem": {"kind": "layout_changed", "field": "profile data"},
    })


def inbox_pages(b: Builder) -> None:
    sc = b.sc
    entries = render.inbox_entries(sc)
    assert len(entries) > render.PAGE_SIZE, "the fixture account must need two inbox pages"

    def items(chunk: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"thread_id": e["thread_id"], "message_id": e["id"], "title": e["title"],
                 "proposal_status": e["proposal_status"], "is_replied": e["is_replied"]} for e in chunk]

    for page_no in (1, 2):
        data = render.inbox_json(sc, page_no)
        chunk = entries[(page_no - 1) * render.PAGE_SIZE: page_no * render.PAGE_SIZE]
        b.add(f"inbox_api_page{page_no}", json.dumps(data, ensure_ascii=False, indent=2), {
            "kind": "inbox_api", "url": f"{SITE}/api/v3/message/list?page={page_no}", "source": "renderer",
            "description": f"the inbox API's answer, page {page_no} of 2: one item per thread, sent_at in the "
                           "site's Japanese form",
            "record": {"items": items(chunk), "total_pages": 2},
        }, ext="json")
    data = render.inbox_json(sc, 1, iso_times=True)
    b.add("inbox_api_iso", json.dumps(data, ensure_ascii=False, indent=2), {
        "kind": "inbox_api", "url": f"{SITE}/api/v3/message/list?page=1", "source": "renderer",
        "description": "the same answer with sent_at in ISO 8601 (the notes do not know the format)",
        "record": {"items": [i | {"sent_at": e["sent_at"]} for i, e in zip(items(entries[:render.PAGE_SIZE]),
                                                                             data["data"]["items"], strict=True)]},
    }, ext="json")
    b.add("inbox_api_changed", json.dumps(render.inbox_json(sc, 1, changed=True), ensure_ascii=False, indent=2), {
        "kind": "inbox_api", "url": f"{SITE}/api/v3/message/list?page=1", "source": "renderer (changed=True)",
        "description": "a release that renamed the answer's keys: layout_changed",
        "ok": False, "problem": {"kind": "layout_changed"},
    }, ext="json")
    plain = load_scenario(SCENARIO_FILE)
    plain.faults.inbox_api = False
    b.add("inbox_page1", render.inbox_page(plain, 1, False), {
        "kind": "inbox", "url": f"{SITE}/messages/received?page=1", "source": "renderer (inbox_api = false)",
        "description": "the inbox page's own list, when it made no API call (its markup is a guess)",
        "record": {"items": [{k: v for k, v in i.items() if k in ("thread_id", "message_id", "title")}
                             for i in items(entries[:render.PAGE_SIZE])],
                   "next_page": f"{SITE}/messages/received?page=2"},
    })


def wall_pages() -> dict[str, str]:
    """Pages that stand in the way of a member page, with what ``recognise`` must say of each."""
    sc = scenario()
    files: dict[str, str] = {}

    def add(name: str, html: str, url: str, status: int, kind: str | None, logged_in: bool | None,
            error: str | None, desc: str) -> None:
        files[f"{name}.html"] = html if html.endswith("\n") else html + "\n"
        files[f"{name}.expected.json"] = json.dumps({
            "url": url, "status": status, "source": "renderer", "description": desc,
            "recognise": {"kind": kind, "logged_in": logged_in, "login_error": error is not None,
                          "login_error_contains": error},
        }, ensure_ascii=False, indent=2) + "\n"

    add("login", render.login_page(), f"{SITE}/login", 200, "login", False, None, "the login form")
    add("login_error", render.login_page(error="account_missing"), f"{SITE}/login", 200, "login", False,
        "登録されていません", "the login form after a failure: #login_error data-code=account_missing")
    add("two_step", render.two_step_page(), f"{SITE}/login/two_step_authentication", 200, "two_step", False, None,
        "two-step authentication (a guess): asks for the 認証コード")
    add("captcha", render.login_page(captcha=True), f"{SITE}/login", 200, "captcha", False, None,
        "the login form with a reCAPTCHA widget (a guess)")
    add("bot_check", render.bot_check_page(), f"{SITE}/e/contracts?status=active", 202, "bot_check", None, None,
        "an AWS WAF style interstitial 「人間であることを確認します」 (reported)")
    add("not_found", render.not_found_page(True, sc), f"{SITE}/contracts/963799999", 404, "not_found", True, None,
        "「ページが見つかりません」 (HTTP 404), logged in")
    add("dashboard", render.dashboard(sc), f"{SITE}/dashboard", 200, None, True, None,
        "the page after login: an ordinary member page")
    return files


def build() -> dict[Path, str]:
    """Every generated file: path -> content."""
    b = Builder(scenario())
    contracts_pages(b)
    workroom_pages(b)
    profile_pages(b)
    inbox_pages(b)
    out = {OUT / name: text for name, text in b.files.items()}
    out |= {WALLS / name: text for name, text in wall_pages().items()}
    return out


def manifest(folder: Path, sidecars: dict[str, dict[str, Any]]) -> str:
    """A capture-style manifest for a fixture folder (file, kind, URL, time, the thread JSON beside a
    workroom page), so ``cwwatch check-pages FOLDER`` reads every file as its sidecar says. The
    names are paths inside ``folder`` (``workroom/workroom_delivered``)."""
    pages = []
    for name, side in sorted(sidecars.items()):
        page = next((f"{name}{ext}" for ext in (".html", ".json") if (folder / f"{name}{ext}").exists()), None)
        if page is None:
            continue
        entry = {"file": page, "kind": side["kind"], "url": side["url"].split(SITE, 1)[-1],
                 "fetched_at": side["fetched_at"]}
        if (folder / f"{name}.messages.json").exists():
            entry["json"] = f"{name}.messages.json"
        pages.append(entry)
    return json.dumps({"schema": 1, "source": "tests/make_fixtures.py", "pages": pages}, ensure_ascii=False,
                      indent=2) + "\n"


def _sidecars(folder: Path) -> dict[str, dict[str, Any]]:
    """The sidecars in the kind folders of ``folder``, by their path without the suffix."""
    return {p.relative_to(folder).as_posix()[: -len(".expected.json")]: json.loads(p.read_text(encoding="utf-8"))
            for p in folder.glob("*/*.expected.json") if p.parent.name not in ("walls", "from-notes")}


def main() -> int:
    files = build()
    WALLS.mkdir(parents=True, exist_ok=True)
    changed = 0
    for path, content in sorted(files.items()):
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8", newline="\n")
            changed += 1
    keep = set(files) | {p for p in WALLS.iterdir() if p.name.split(".")[0] in HAND_WRITTEN} | {OUT / "manifest.json"}
    kind_folders = [d for d in OUT.iterdir() if d.is_dir() and d.name != "from-notes"]
    stale = [p for folder in (OUT, *kind_folders) for p in folder.iterdir()
             if p.is_file() and p.suffix in (".html", ".json") and p not in keep]
    for p in stale:
        p.unlink()
    for folder in (OUT, OUT / "from-notes"):
        text = manifest(folder, _sidecars(folder))
        target = folder / "manifest.json"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8", newline="\n")
            changed += 1
    print(f"{len(files)} files in {OUT.relative_to(ROOT)} ({changed} written, {len(stale)} stale removed); "
          f"not generated: from-notes/, walls/ {', '.join(HAND_WRITTEN)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
