"""Regenerate the saved-page fixtures in ``fixtures/html/`` from the sample site's renderer.

Run from the checkout: ``python tests/make_fixtures.py``. The output is deterministic: the
scenario below fixes ``now`` and every id, so running it twice writes the same bytes.

Most pages come straight from :mod:`watcher.sample.render`. The variants the renderer does not
produce (the English interface, a full-width colon in a ``<dl>``, the JSON-only last access, the
``<vue-container>`` element, a hidden-but-labelled last access, a release with new CSS-module
hashes and a plain-text fold button, a release that dropped the ``datetime`` attribute) are made
here by post-processing the renderer's output; every edit checks that the text it replaces is
really there, so a renderer change stops this script instead of silently producing a page that
no longer shows what its name says. Two pages are hand-written files that this script never
touches: ``login_old_error.html`` and ``captcha_iframe.html`` (see ``fixtures/html/README.md``).

Each page gets a sidecar ``NAME.expected.json`` holding what an extractor must read from it. The
expectations are computed from the scenario and from the notes' rules (the label-to-stage table,
the meaning of a relative time), never by running an extractor.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from watcher.sample import render  # noqa: E402
from watcher.sample.scenario import Scenario, SContract, SMessage, load_scenario  # noqa: E402

OUT = ROOT / "fixtures" / "html"
SITE = "https://crowdworks.jp"
JST = ZoneInfo("Asia/Tokyo")

# Files in fixtures/html/ written by hand; this script leaves them alone.
HAND_WRITTEN = ("login_old_error", "captcha_iframe", "login_invisible_recaptcha")

# The notes' table of status labels ("Contract status labels seen on the site"), written out here
# rather than read from selectors/crowdworks.toml, so the fixtures check that file instead of
# copying it. A label missing here is one the notes do not confirm: its expected stage is null.
STAGES = {
    "仮払い待ち": "awaiting_escrow",
    "進行中": "in_progress",
    "納品済み": "delivered",
    "納品完了": "delivered",
    "検収中": "in_acceptance",
    "契約終了同意待ち": "ending",
}

# The fixture account, a scenario file like any other (docs/scenario.md).
SCENARIO_FILE = ROOT / "fixtures" / "scenarios" / "fixtures.toml"


def scenario() -> Scenario:
    return load_scenario(SCENARIO_FILE)


# --- helpers -------------------------------------------------------------------------------------


def iso(t: datetime) -> str:
    """An instant as ISO 8601 in Japan time (what a person in Japan reads the page at)."""
    return t.astimezone(JST).isoformat()


def minute(t: datetime) -> datetime:
    """The site shows message times to the minute."""
    return t.replace(second=0, microsecond=0)


def site_text(s: str) -> str:
    """Page text as the extractors read it: NFKC (full-width ASCII to ASCII), spaces collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", s)).strip()


def swap(html: str, old: str, new: str, *, count: int = 1, regex: bool = False) -> str:
    """Replace ``old`` (exactly ``count`` times, or at least once when count is 0)."""
    found = len(re.findall(old, html)) if regex else html.count(old)
    if found == 0 or (count and found != count):
        raise SystemExit(f"make_fixtures: expected {count or 'some'} of {old!r} in the renderer's "
                         f"output, found {found}: the renderer changed, update this script")
    return re.sub(old, new, html) if regex else html.replace(old, new)


_UNIT_SECONDS = {"分": 60, "時間": 3600, "日": 86400, "ヶ月": 30 * 86400,
                 "minute": 60, "hour": 3600, "day": 86400}


def relative_interval(text: str, fetched_at: datetime) -> dict[str, str]:
    """What a relative last-access text means, by the rule in the notes and watcher/jptime.py.

    「N分前」 (and the JSON's 「N分」): at least N and less than N+1 units ago. With 約 the site may
    have rounded either way: N-0.5 to N+1 units ago. A month is 30 days give or take 2 days.
    「たった今」: within the last minute. "N hours ago" reads like 「N時間前」.
    """
    if text == "たった今":
        return {"earliest": iso(fetched_at - timedelta(minutes=1)), "latest": iso(fetched_at)}
    m = (re.fullmatch(r"(?P<about>約)?(?P<n>\d+)(?P<unit>分|時間|日|ヶ月)前?", text)
         or re.fullmatch(r"(?P<about>about )?(?P<n>\d+) (?P<unit>minute|hour|day)s? ago", text))
    if not m:
        raise SystemExit(f"make_fixtures: no rule for the relative time {text!r}")
    n, unit = int(m["n"]), _UNIT_SECONDS[m["unit"]]
    lo, hi = (n - 0.5, n + 1.0) if m["about"] else (float(n), n + 1.0)
    slack = 2 * 86400 if unit == 30 * 86400 else 0
    return {"earliest": iso(fetched_at - timedelta(seconds=unit * hi + slack)),
            "latest": iso(fetched_at - timedelta(seconds=unit * lo - slack))}


class Builder:
    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.files: dict[str, str] = {}

    def add(self, name: str, body: str, sidecar: dict[str, Any], ext: str = "html") -> None:
        if name in self.files or name in HAND_WRITTEN:
            raise SystemExit(f"make_fixtures: {name} twice")
        sidecar.setdefault("fetched_at", iso(self.sc.now))
        sidecar.setdefault("status", 200)
        ordered = {k: sidecar[k] for k in ("kind", "url", "fetched_at", "status", "source",
                                           "description") if k in sidecar}
        ordered.update({k: v for k, v in sidecar.items() if k not in ordered})
        self.files[f"{name}.{ext}"] = body if body.endswith("\n") else body + "\n"
        text = json.dumps(ordered, ensure_ascii=False, indent=2)
        self.files[f"{name}.expected.json"] = text + "\n"


# --- expectations --------------------------------------------------------------------------------


def workroom_expected(sc: Scenario, c: SContract, shown: list[SMessage], folded: bool
                      ) -> dict[str, Any]:
    deliveries = [minute(m.at) for m in shown if m.kind == "delivery"]
    return {
        "contract_id": c.id,
        "title": site_text(c.title),
        "client_id": c.client,
        "client_name": site_text(sc.clients[c.client].name),
        "status_label": c.status,
        "stage": STAGES.get(c.status),
        "escrow_deposited": c.escrow_deposited,
        "amount": c.amount,
        "message_count": len(shown),
        # system messages are "system"; a delivery report is the worker's even when it is a card
        "senders": [m.sender for m in shown],
        "kinds": [m.kind for m in shown],
        "sent_at": [iso(minute(m.at)) for m in shown],
        # paragraphs are joined with a newline, each one normalised on its own
        "bodies": ["\n".join(site_text(p) for p in m.body.split("\n")) for m in shown],
        "delivered_at": iso(max(deliveries)) if deliveries else None,
        "folded": folded,
    }


# --- pages ---------------------------------------------------------------------------------------


def contracts_pages(b: Builder) -> None:
    sc = b.sc
    total = len(sc.contracts)
    assert total > render.PAGE_SIZE, "the fixture account must need two pages"
    for page_no, name, desc in (
        (1, "contracts_page1", "first page of the active contracts: 20 rows and a rel=next link; "
                               "one row for every mapped status label and one with 検収完了"),
        (2, "contracts_page2", "last page of the active contracts: no next link"),
    ):
        rows = sc.contracts[(page_no - 1) * render.PAGE_SIZE: page_no * render.PAGE_SIZE]
        url = f"{SITE}/e/contracts?status=active&page={page_no}"
        nxt = (f"{SITE}/e/contracts?status=active&page={page_no + 1}"
               if page_no * render.PAGE_SIZE < total else None)
        b.add(name, render.contracts_page(sc, page_no, False), {
            "kind": "contracts", "url": url, "source": "renderer", "description": desc,
            "expected": {
                "rows": [[c.id, site_text(c.title), site_text(sc.clients[c.client].name),
                          c.status, STAGES.get(c.status)] for c in rows],
                "next_url": nxt,
            },
        })
    empty = Scenario(sc.now, True, sc.worker, sc.clients, [], sc.faults, sc.source)
    b.add("contracts_empty", render.contracts_page(empty, 1, False), {
        "kind": "contracts", "url": f"{SITE}/e/contracts?status=active&page=1",
        "source": "renderer", "description": "no active contract: the empty-state text, no table",
        "expected": {"rows": [], "next_url": None},
    })
    b.add("contracts_changed", render.contracts_page(sc, 1, True), {
        "kind": "contracts", "url": f"{SITE}/e/contracts?status=active&page=1",
        "source": "renderer (changed=True)",
        "description": "a release that turned the table into cards: extraction must fail",
        "expected": {"error_page": "contracts /e/contracts?status=active&page=1",
                     "error_field": "contracts table"},
    })


WORKROOMS = [
    (63710001, "workroom_awaiting_escrow", "仮払い待ち: escrow not deposited, a system message"),
    (63710002, "workroom_in_progress", "進行中: escrow deposited, client, worker and system "
                                       "messages, a full-width question mark"),
    (63710003, "workroom_delivered",
     "納品済み: a delivery report (納品完了報告) then a system card"),
    (63710004, "workroom_delivery_done", "納品完了: a two-paragraph delivery report"),
    (63710006, "workroom_ending", "契約終了同意待ち: the client asked to end early"),
    (63710007, "workroom_unmapped_label", "検収完了, a label the selectors file does not map: "
                                          "stage null (the scan reports an unknown label)"),
    (63710008, "workroom_quotes_404_text", "進行中, an ordinary page (HTTP 200) where the client's "
                                           "message quotes 「ページが見つかりません」"),
]


def workroom_pages(b: Builder) -> None:
    sc = b.sc
    for cid, name, desc in WORKROOMS:
        c = sc.contract(cid)
        assert c is not None and len(c.messages) <= render.FOLD_AFTER
        b.add(name, render.workroom(sc, c, False, False), {
            "kind": "workroom", "url": f"{SITE}/contracts/{cid}", "source": "renderer",
            "description": desc, "worker_id": sc.worker.id,
            "expected": workroom_expected(sc, c, c.messages, False),
        })
    long = sc.contract(63710005)
    assert long is not None and len(long.messages) > render.FOLD_AFTER
    shown = long.messages[-render.FOLD_AFTER:]
    folded_html = render.workroom(sc, long, False, False)
    b.add("workroom_in_acceptance_folded", folded_html, {
        "kind": "workroom", "url": f"{SITE}/contracts/{long.id}", "source": "renderer",
        "description": "検収中, a long thread: the oldest messages are folded behind "
                       "「以前のメッセージを表示」",
        "worker_id": sc.worker.id,
        "expected": workroom_expected(sc, long, shown, True),
    })
    b.add("workroom_in_acceptance_unfolded", render.workroom(sc, long, True, False), {
        "kind": "workroom", "url": f"{SITE}/contracts/{long.id}?show_all=1", "source": "renderer",
        "description": "the same long thread with every message shown",
        "worker_id": sc.worker.id,
        "expected": workroom_expected(sc, long, long.messages, False),
    })
    # Another release of the same page: new CSS-module hash tails everywhere, and the fold link
    # is a plain button that only its text identifies.
    hidden = len(long.messages) - render.FOLD_AFTER
    html = swap(folded_html, render.H_THREAD, "t7w2c", count=0)
    html = swap(html, render.H_CONTRACT, "h4n6r", count=0)
    html = swap(html, f'<a class="_showMore_t7w2c_50" href="/contracts/{long.id}?show_all=1">'
                      f"以前のメッセージを表示（{hidden}件）</a>",
                f'<button type="button" class="_loadPrevious_t7w2c_50">'
                f"以前のメッセージを表示（{hidden}件）</button>")
    b.add("workroom_release2_folded", html, {
        "kind": "workroom", "url": f"{SITE}/contracts/{long.id}",
        "source": "renderer, post-processed",
        "description": "the folded thread after a release that changed every CSS-module hash "
                       "tail and made the fold link a <button> with no _showMore_ class",
        "worker_id": sc.worker.id,
        "expected": workroom_expected(sc, long, shown, True),
    })
    b.add("workroom_changed", render.workroom(sc, long, False, True), {
        "kind": "workroom", "url": f"{SITE}/contracts/{long.id}",
        "source": "renderer (changed=True)",
        "description": "a release that renamed the thread root and its data attribute",
        "worker_id": sc.worker.id,
        "expected": {"error_page": f"workroom /contracts/{long.id}",
                     "error_field": "message thread"},
    })
    c2 = sc.contract(63710002)
    assert c2 is not None
    html = swap(render.workroom(sc, c2, False, False), r'<time datetime="([^"]+)">', r"<time>",
                count=0, regex=True)
    b.add("workroom_changed_time", html, {
        "kind": "workroom", "url": f"{SITE}/contracts/{c2.id}",
        "source": "renderer, post-processed",
        "description": "a release whose <time> elements lost the datetime attribute",
        "worker_id": sc.worker.id,
        "expected": {"error_page": f"workroom /contracts/{c2.id}", "error_field": "message 1 time"},
    })


def profile_pages(b: Builder) -> None:
    sc = b.sc
    now = sc.now
    hp = render.H_PROFILE

    def page(cid: int) -> str:
        return render.profile(sc, sc.clients[cid], True, False)

    def add(name: str, cid: int, html: str, text: str | None, desc: str, source: str) -> None:
        cl = sc.clients[cid]
        if text is not None and cl.last_access is not None:
            iv = relative_interval(text, now)
            truth = iso(cl.last_access)
            assert iv["earliest"] <= truth <= iv["latest"], (name, iv, truth)
        b.add(name, html, {
            "kind": "profile", "url": f"{SITE}/public/employers/{cid}", "source": source,
            "description": desc,
            "expected": {"client_id": cid, "name": cl.name, "last_access_text": text,
                         "last_access": relative_interval(text, now) if text else None},
        })

    def visible(cid: int, text: str) -> str:
        html = page(cid)
        swap(html, f'<div class="_lastAccess_{hp}_9">最終アクセス: {text}</div>', "")  # check only
        return html

    add("profile_minutes", 9101, visible(9101, "22分前"), "22分前",
        "「最終アクセス: 22分前」", "renderer")
    add("profile_hours", 9102, visible(9102, "約5時間前"), "約5時間前",
        "「最終アクセス: 約5時間前」", "renderer")
    add("profile_days", 9103, visible(9103, "約3日前"), "約3日前",
        "「最終アクセス: 約3日前」", "renderer")
    add("profile_months", 9105, visible(9105, "約2ヶ月前"), "約2ヶ月前",
        "「最終アクセス: 約2ヶ月前」", "renderer")
    add("profile_just_now", 9106, visible(9106, "たった今"), "たった今",
        "「最終アクセス: たった今」", "renderer")
    html = page(9104)
    assert "最終アクセス" not in html
    add("profile_hidden", 9104, html, None,
        "the client hides their last access: no text, null in the JSON (a legitimate state)",
        "renderer")
    html = swap(page(9104), f'<aside class="_sidebar_{hp}_5">',
                f'<aside class="_sidebar_{hp}_5"><div class="_lastAccess_{hp}_9">'
                "最終アクセス: 非公開</div>")
    add("profile_hidden_label", 9104, html, None,
        "hidden last access shown as 「最終アクセス: 非公開」", "renderer, post-processed")
    html = swap(visible(9109, "約1日前"),
                f'<div class="_lastAccess_{hp}_9">最終アクセス: 約1日前</div>',
                f'<dl class="_accessInfo_{hp}_9"><dt>最終アクセス：</dt><dd>約1日前</dd></dl>')
    add("profile_fullwidth_colon", 9109, html, "約1日前",
        "「最終アクセス：約1日前」 with a full-width colon, as a <dl> in the sidebar",
        "renderer, post-processed")
    # The English interface. The sidebar's other items are English too.
    html = visible(9108, "約1日前")
    html = swap(html, '<html lang="ja">', '<html lang="en">')
    html = swap(html, "のプロフィール | クラウドワークス", " | CrowdWorks")
    html = swap(html, "最終アクセス: 約1日前", "Last activity: 24 hours ago")
    html = swap(html, "プロジェクト完了率: 98%", "Project completion rate: 98%")
    html = swap(html, "本人確認: 済み", "Identity verified")
    add("profile_english", 9108, html, "24 hours ago",
        "the English interface: \"Last activity: 24 hours ago\", then the rest of the sidebar",
        "renderer, post-processed")
    html = swap(visible(9107, "25分前"),
                f'<div class="_lastAccess_{hp}_9">最終アクセス: 25分前</div>', "")
    swap(html, "&quot;last_accessed_at&quot;: &quot;25分&quot;", "")  # check only
    add("profile_json_only", 9107, html, "25分",
        "no visible last access; the JSON in #vue-container says 「25分」",
        "renderer, post-processed")
    html = swap(visible(9110, "40分前"), r'<div id="vue-container" (data="[^"]*")></div>',
                r"<vue-container \1></vue-container>", regex=True)
    add("profile_vue_element", 9110, html, "40分前",
        "the profile JSON on a <vue-container data=…> element instead of div#vue-container",
        "renderer, post-processed")
    b.add("profile_changed", render.profile(sc, sc.clients[9101], True, True), {
        "kind": "profile", "url": f"{SITE}/public/employers/9101",
        "source": "renderer (changed=True)",
        "description": "a release that moved the profile JSON to another element and attribute",
        "expected": {"error_page": "profile /public/employers/9101", "error_field": "profile data"},
    })


def inbox_items(entries: list[dict[str, Any]], api: bool) -> list[dict[str, Any]]:
    out = []
    for e in entries:
        item = {"thread_id": e["thread_id"], "message_id": e["id"],
                "sent_at": iso(datetime.strptime(e["sent_at"], "%Y年%m月%d日 %H:%M")
                               .replace(tzinfo=JST)),
                "title": site_text(e["title"]), "sender_name": site_text(e["sender_name"])}
        if api:
            item.update(title=e["title"], sender_name=e["sender_name"],
                        proposal_status=e["proposal_status"], is_replied=e["is_replied"])
        out.append(item)
    return out


def inbox_pages(b: Builder) -> None:
    sc = b.sc
    pages = render.pages_of(len(render.inbox_entries(sc)))
    assert pages == 2, f"the fixture account's inbox should fill two pages, not {pages}"
    for page_no in (1, 2):
        data = render.inbox_json(sc, page_no)
        b.add(f"inbox_page{page_no}", render.inbox_page(sc, page_no, False), {
            "kind": "inbox", "url": f"{SITE}/messages/received?page={page_no}",
            "source": "renderer",
            "description": ("received messages, first page: 20 items and 「次のページ」"
                            if page_no == 1 else "received messages, last page"),
            "expected": {"items": inbox_items(data["data"], api=False),
                         "next_url": f"{SITE}/messages/received?page=2" if page_no == 1 else None},
        })
    data = render.inbox_json(sc, 1)
    b.add("inbox_api_page1", json.dumps(data, ensure_ascii=False, indent=2), {
        "kind": "inbox_api", "url": f"{SITE}/api/v3/message/list?page=1", "source": "renderer",
        "description": "the JSON the inbox page loads from /api/v3/message/list",
        "expected": {"items": inbox_items(data["data"], api=True)},
    }, ext="json")
    b.add("inbox_changed", render.inbox_page(sc, 1, True), {
        "kind": "inbox", "url": f"{SITE}/messages/received?page=1",
        "source": "renderer (changed=True)",
        "description": "a release that turned the list into an <ol> with other classes",
        "expected": {"error_page": "inbox /messages/received?page=1",
                     "error_field": "message list"},
    })


LOGIN_KEYS = ["form", "username", "password", "remember", "submit"]


def recognition_pages(b: Builder) -> None:
    sc = b.sc

    def rec(kind: str | None, logged_in: bool | None, error: str | None = None,
            worker_id: int | None = None) -> dict[str, Any]:
        return {"kind": kind, "logged_in": logged_in, "login_error": error is not None,
                "login_error_contains": error, "worker_id": worker_id}

    b.add("login", render.login_page(), {
        "kind": "login", "url": f"{SITE}/login", "source": "renderer",
        "description": "the login form (current markup: #username, button 「ログイン」)",
        "expected": {"recognise": rec("login", False), "present": LOGIN_KEYS},
    })
    b.add("login_error", render.login_page(error="account_missing"), {
        "kind": "login", "url": f"{SITE}/login", "source": "renderer",
        "description": "the login form after a failure: #login_error data-code=account_missing",
        "expected": {"recognise": rec("login", False, "正しくありません"),
                     "present": [*LOGIN_KEYS, "error"]},
    })
    b.add("two_step", render.two_step_page(), {
        "kind": "two_step", "url": f"{SITE}/login/two_step_authentication", "source": "renderer",
        "description": "two-step authentication: asks for the 認証コード sent by e-mail",
        "expected": {"recognise": rec("two_step", False), "present": []},
    })
    b.add("captcha", render.login_page(captcha=True), {
        "kind": "captcha", "url": f"{SITE}/login", "source": "renderer",
        "description": "the login form with a reCAPTCHA widget (div.g-recaptcha and its iframe)",
        "expected": {"recognise": rec("captcha", False), "present": [*LOGIN_KEYS, "captcha"]},
    })
    b.add("not_found", render.not_found_page(True, sc), {
        "kind": "not_found", "url": f"{SITE}/contracts/63799999", "status": 404,
        "source": "renderer",
        "description": "「ページが見つかりません」 (HTTP 404), logged in",
        "expected": {"recognise": rec("not_found", True, None, sc.worker.id), "present": []},
    })
    b.add("dashboard", render.dashboard(sc), {
        "kind": "dashboard", "url": f"{SITE}/dashboard", "source": "renderer",
        "description": "the page after login: an ordinary member page",
        "expected": {"recognise": rec(None, True, None, sc.worker.id), "present": []},
    })


def build() -> dict[str, str]:
    """Every generated file: name -> content."""
    b = Builder(scenario())
    contracts_pages(b)
    workroom_pages(b)
    profile_pages(b)
    inbox_pages(b)
    recognition_pages(b)
    return b.files


def main() -> int:
    files = build()
    OUT.mkdir(parents=True, exist_ok=True)
    changed = 0
    for name, content in sorted(files.items()):
        path = OUT / name
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8", newline="\n")
            changed += 1
    print(f"{len(files)} files in {OUT.relative_to(ROOT)} ({changed} written); hand-written, "
          f"left alone: {', '.join(HAND_WRITTEN)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
