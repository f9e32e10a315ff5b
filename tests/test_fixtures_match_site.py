"""The sample site shows the shapes the evidence gives, and reads like the fixtures.

The fixtures (fixtures/html/) and the sample site (watcher/sample/site/) must show the real
site's *seen* shapes: every hook graded seen that a reader relies on is found on the sample site's
pages of its kind, and every page the sample site serves for the bundled story reads (check-pages)
without a problem. A changed layout fails alike on the sample site and in the fixtures. One test
reads a workroom and its thread's JSON through the real HTTP server with urllib. No browser.
"""

from __future__ import annotations

import http.cookiejar
import json
import urllib.request
from urllib.parse import urlencode

import pytest

from tests.pagecheck import load, sidecars
from tests.sitefixtures import story_states
from watcher.crowdworks import selectors as selector_files
from watcher.crowdworks.check import check
from watcher.crowdworks.dom import parse_html
from watcher.crowdworks.kinds.thread import thread_from_json
from watcher.crowdworks.kinds.workroom import extract_contract_page
from watcher.crowdworks.walls import recognise
from watcher.models import PageKind
from watcher.sample.scenario import Scenario, load_scenario
from watcher.sample.server import SampleSite
from watcher.sample.site import pages as render

SEL = selector_files.load()
SITE = "https://crowdworks.jp"
FIXTURE_ACCOUNT = load_scenario("fixtures/scenarios/fixtures.toml")


def rendered(kind: str) -> list[tuple[str, str, Scenario]]:
    """(name, text, scenario) of every page of ``kind`` the sample site renders for the story and
    the fixture account."""
    out: list[tuple[str, str, Scenario]] = []
    for sc in [*story_states(), FIXTURE_ACCOUNT]:
        tag = sc.source.rsplit("/", 1)[-1]
        if kind == "contracts":
            out += [(f"{tag} list {n}", render.contracts_page(sc, n, False), sc)
                    for n in range(1, render.pages_of(len(sc.contracts)) + 1)]
        elif kind == "workroom":
            out += [(f"{tag} workroom {c.id}", render.workroom(sc, c), sc) for c in sc.contracts]
        elif kind == "thread":
            out += [(f"{tag} thread {c.id}", json.dumps(render.thread_json(sc, c), ensure_ascii=False), sc)
                    for c in sc.contracts]
        elif kind == "profile":
            out += [(f"{tag} profile {cl.id}", render.profile(sc, cl, True, False), sc) for cl in sc.clients.values()]
        elif kind == "inbox_api":
            out += [(f"{tag} inbox api {n}", json.dumps(render.inbox_json(sc, n), ensure_ascii=False), sc)
                    for n in range(1, render.pages_of(len(render.inbox_entries(sc))) + 1)]
    return out


KINDS = ("contracts", "workroom", "thread", "profile", "inbox_api")
PAGES = [(kind, name, text, sc) for kind in KINDS for name, text, sc in rendered(kind)]


@pytest.mark.parametrize(("kind", "name", "text", "sc"), PAGES, ids=[p[1] for p in PAGES])
def test_every_page_the_sample_site_renders_reads(kind: str, name: str, text: str, sc: Scenario) -> None:
    got = check(kind, text, SEL, SITE + "/", sc.now)
    unknown_label = got.problem is not None and got.problem["kind"] == "unknown_status"
    assert got.ok or unknown_label, (name, got.problem)
    guessed = {k for k, g in got.trace.used.items() if g == "guess"}
    assert guessed <= OPTIONAL_GUESSES, f"{name} read through a guessed hook: {sorted(guessed - OPTIONAL_GUESSES)}"


# Guessed hooks a reader may use when they answer, never needs: a next page link, the system-message
# class, the fold control's class, an ending or finished sentence, the two-step/captcha pages.
OPTIONAL_GUESSES = {"contracts.next_page", "contracts.status_cell", "thread.system", "thread.fold",
                    "thread.delivery", "states.ending", "states.finished", "workroom.title"}


SEEN_CSS = {  # kind -> the seen CSS hooks its reader relies on, each of which the sample site must show
    "contracts": ["contracts.row_link", "contracts.row"],
    "workroom": ["workroom.thread", "workroom.client_link", "workroom.state_area", "workroom.progress_step",
                 "workroom.milestone_form", "thread.message", "thread.mine", "thread.sender", "thread.time",
                 "thread.body", "thread.paragraph", "session.header"],
    "profile": ["profile.container", "profile.last_activity"],
}


@pytest.mark.parametrize(("kind", "hook"), [(k, h) for k, hooks in SEEN_CSS.items() for h in hooks])
def test_every_seen_hook_shows_on_the_sample_site(kind: str, hook: str) -> None:
    h = SEL.hook(hook)
    assert h.grade == "seen", f"{hook} is graded {h.grade}: move it out of SEEN_CSS"
    pages = rendered(kind)
    seen_alts = [a.value for a in h if a.grade == "seen"]
    assert any(parse_html(text).css_first(css) is not None for _, text, _ in pages for css in seen_alts), (
        f"no {kind} page of the sample site shows {hook} ({seen_alts})")


CHANGED = {"contracts": lambda sc: render.contracts_page(sc, 1, True),
           "workroom": lambda sc: render.workroom(sc, sc.contracts[0], changed=True),
           "profile": lambda sc: render.profile(sc, next(iter(sc.clients.values())), True, True),
           "inbox_api": lambda sc: json.dumps(render.inbox_json(sc, 1, changed=True), ensure_ascii=False)}


@pytest.mark.parametrize("kind", sorted(CHANGED))
def test_a_changed_layout_fails_alike_on_the_sample_site_and_in_a_fixture(kind: str) -> None:
    sc = story_states()[-1]
    got = check(kind, CHANGED[kind](sc), SEL, SITE + "/", sc.now)
    assert not got.ok and got.problem is not None and got.problem["kind"] == "layout_changed", got.problem
    fields = {load(s)["problem"].get("field") for s in sidecars() if load(s)["kind"] == kind
              and load(s)["ok"] is False and load(s)["problem"]["kind"] == "layout_changed"}
    assert fields, f"no layout-changed {kind} fixture"
    assert any(f is None or f in got.problem["field"] for f in fields), (got.problem, fields)


# --- through the HTTP server ------------------------------------------------------------------


def _opener() -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def _get(opener: urllib.request.OpenerDirector, url: str, data: bytes | None = None) -> tuple[str, str]:
    with opener.open(url, data=data, timeout=10) as resp:
        return resp.geturl(), resp.read().decode("utf-8")


def test_a_served_workroom_and_its_thread_json_read_like_the_rendered_ones() -> None:
    sc = story_states()[-1]
    c = sc.contracts[0]
    path = f"/contracts/{c.id}"
    with SampleSite(sc) as site:
        opener = _opener()
        final, html = _get(opener, site.url + path)
        assert final.endswith("/login"), f"a logged-out visit to {path} landed on {final}"
        assert recognise(parse_html(html), final, 200, SEL).kind is PageKind.LOGIN
        form = urlencode({"username": sc.worker.email, "password": sc.worker.password}).encode()
        final, html = _get(opener, site.url + "/login", form)
        assert final.endswith("/dashboard"), f"logging in landed on {final}"
        rec = recognise(parse_html(html), final, 200, SEL)
        assert rec.kind is None and rec.logged_in is True and rec.worker_id is None, rec  # no id: a guess
        final, served = _get(opener, site.url + path)
        assert final == site.url + path
        page = extract_contract_page(served, SEL, final)
        _, answer = _get(opener, site.url + SEL.urls.thread_json.format(id=page.thread_id))
    assert page == extract_contract_page(render.workroom(sc, c), SEL, final)
    messages = thread_from_json(json.loads(answer), SEL)
    assert [m.sent_at for m in messages] == sorted(m.at.replace(second=0) for m in c.messages)
    assert page.contract_id == c.id and page.client_id == c.client
