"""The sample site's pages and the saved-page fixtures satisfy the same selectors.

The fixtures (fixtures/html/) are our model of the real site; the sample site
(watcher/sample/render.py) is what the demo, the end-to-end tests and the benchmark scan. If a
selector in selectors/crowdworks.toml matches one and not the other, one of them has drifted: either
the sample site exercises markup the real site is not known to have, or the fixtures show markup
the sample site never produces. So, for each page kind and each CSS selector of its section (and
of [common]): the selector matches in some rendered page if and only if it matches in some fixture
of that kind, and the extractor reads every one of those pages.

The rendered pages come from the bundled story (what ``cwwatch demo`` serves) plus the few states
the story does not reach, derived from it below: an empty contracts list, a list and an inbox
long enough to page, a thread long enough to fold. With those, no selector needs an exemption;
OPTIONAL is where one would go, with the reason.

No browser: pages are rendered in-process, and one test reads a workroom through the real HTTP
server with urllib.
"""

from __future__ import annotations

import copy
import http.cookiejar
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.test_extract_fixtures import KNOWN_BUGS, all_fixtures
from watcher.crowdworks import selectors as selectorset
from watcher.crowdworks.extract import (
    extract_contracts,
    extract_inbox,
    extract_profile,
    extract_workroom,
    parse_html,
    recognise,
)
from watcher.errors import ExtractionError
from watcher.models import PageKind
from watcher.sample import render
from watcher.sample.scenario import (
    Scenario,
    SClient,
    SContract,
    SMessage,
    bundled_story,
    load_scenario,
)
from watcher.sample.server import SampleSite

SEL = selectorset.load()
SITE = "https://crowdworks.jp"

# page kind -> the selector sections that describe it, and the fixture kinds that show it
SECTIONS = {"contracts": ["contracts", "common"], "workroom": ["workroom", "common"],
            "profile": ["profile", "common"], "inbox": ["inbox", "common"],
            "login": ["login", "common"]}
FIXTURE_KINDS = {"contracts": {"contracts"}, "workroom": {"workroom"}, "profile": {"profile"},
                 "inbox": {"inbox"}, "login": {"login", "two_step", "captcha"}}

# (page kind, selector key) -> why the sample site and the fixtures may legitimately differ.
# Empty on purpose: the rendered set below is chosen to reach every state the fixtures show.
OPTIONAL: dict[tuple[str, str], str] = {}


def story() -> Scenario:
    return load_scenario(bundled_story()[0])


@dataclass(frozen=True)
class Page:
    name: str
    html: str
    url: str
    status: int = 200
    read: Callable[[], Any] | None = None  # the extractor, or recognise() for login pages


def _paged(sc: Scenario) -> Scenario:
    """The story with its contracts repeated until the list and the inbox need two pages."""
    out = copy.deepcopy(sc)
    base = list(out.contracts)
    n = 0
    size = render.PAGE_SIZE
    while len(out.contracts) <= size or len(render.inbox_entries(out)) <= size:
        n += 1
        out.contracts.extend(replace(c, id=c.id + 1000 * n, messages=list(c.messages))
                             for c in base)
    return out


def _long_thread(sc: Scenario) -> Scenario:
    """The story with its first contract's thread made long enough to fold."""
    out = copy.deepcopy(sc)
    c = out.contracts[0]
    last = c.messages[-1].at
    for i in range(render.FOLD_AFTER):
        sender = "worker" if i % 2 else "client"
        at = last + timedelta(hours=i + 1)
        c.messages.append(SMessage(sender, at, f"追加のやり取り {i + 1}"))
    return out


def _contracts_page(label: str, sc: Scenario, no: int) -> Page:
    html = render.contracts_page(sc, no, False)
    url = f"{SITE}/e/contracts?status=active&page={no}"
    return Page(f"contracts {label}", html, url, read=lambda: extract_contracts(html, SEL, url))


def _workroom_page(label: str, sc: Scenario, c: SContract, show_all: bool) -> Page:
    html = render.workroom(sc, c, show_all, False)
    url = f"{SITE}/contracts/{c.id}"
    return Page(f"workroom {label}", html, url,
                read=lambda: extract_workroom(html, SEL, url, sc.worker.id))


def _profile_page(sc: Scenario, cl: SClient) -> Page:
    html = render.profile(sc, cl, True, False)
    url = f"{SITE}/public/employers/{cl.id}"
    return Page(f"profile story {cl.id}", html, url,
                read=lambda: extract_profile(html, SEL, url, sc.now))


def _inbox_page(label: str, sc: Scenario, no: int) -> Page:
    html = render.inbox_page(sc, no, False)
    url = f"{SITE}/messages/received?page={no}"
    return Page(f"inbox {label}", html, url, read=lambda: extract_inbox(html, SEL, url))


def _login_page(label: str, html: str, url: str, want: PageKind) -> Page:
    def check() -> None:
        got = recognise(parse_html(html), url, 200, SEL).kind
        assert got is want, f"recognise() says {got}, expected {want}"

    return Page(label, html, url, read=check)


def rendered(kind: str) -> list[Page]:
    """The sample site's pages of one kind: the bundled story and the states derived from it."""
    sc = story()
    if kind == "contracts":
        empty = copy.deepcopy(sc)
        empty.contracts = []
        paged = _paged(sc)
        return [_contracts_page("story", sc, 1), _contracts_page("empty", empty, 1),
                _contracts_page("paged p1", paged, 1), _contracts_page("paged p2", paged, 2)]
    if kind == "workroom":
        long = _long_thread(sc)
        c0 = long.contracts[0]
        return [*(_workroom_page(f"story {c.id}", sc, c, False) for c in sc.contracts),
                _workroom_page(f"long {c0.id} folded", long, c0, False),
                _workroom_page(f"long {c0.id} all", long, c0, True)]
    if kind == "profile":
        return [_profile_page(sc, cl) for cl in sc.clients.values()]
    if kind == "inbox":
        paged = _paged(sc)
        return [_inbox_page("story", sc, 1), _inbox_page("paged p1", paged, 1),
                _inbox_page("paged p2", paged, 2)]
    assert kind == "login"
    return [
        _login_page("login", render.login_page(), f"{SITE}/login", PageKind.LOGIN),
        _login_page("login error", render.login_page(error="password_mismatch"), f"{SITE}/login",
                    PageKind.LOGIN),
        _login_page("captcha", render.login_page(captcha=True), f"{SITE}/login",
                    PageKind.CAPTCHA),
        _login_page("two-step", render.two_step_page(), f"{SITE}/login/two_step_authentication",
                    PageKind.TWO_STEP),
    ]


def fixtures(kind: str) -> list[Page]:
    """The fixtures of a page kind, leaving out the layout-changed ones."""
    out = []
    for path, sc in all_fixtures():
        if sc["kind"] not in FIXTURE_KINDS[kind] or "error_field" in sc["expected"]:
            continue
        html = path.read_text(encoding="utf-8")
        out.append(Page(path.stem, html, sc["url"], sc.get("status", 200)))
    return out


def css_keys(section: str) -> list[str]:
    return [k for k, t in selectorset.SCHEMA[section].items() if t == "css"]


CASES = [(kind, section, key) for kind, sections in SECTIONS.items()
         for section in sections for key in css_keys(section)]


def _matches(pages: list[Page], css: str) -> list[str]:
    return [p.name for p in pages if parse_html(p.html).css_first(css) is not None]


@pytest.mark.parametrize(("kind", "section", "key"), CASES,
                         ids=[f"{k}-{s}.{key}" for k, s, key in CASES])
def test_selector_matches_the_sample_site_iff_it_matches_a_fixture(kind: str, section: str,
                                                                    key: str) -> None:
    css = getattr(getattr(SEL, section), key)
    site_pages, fixture_pages = rendered(kind), fixtures(kind)
    assert fixture_pages, f"no {kind} fixture"
    in_site, in_fixtures = _matches(site_pages, css), _matches(fixture_pages, css)
    if (kind, key) in OPTIONAL:
        assert in_fixtures, f"[{section}] {key} = {css!r} matches no {kind} fixture"
        return
    assert bool(in_site) == bool(in_fixtures), (
        f"[{section}] {key} = {css!r} matches "
        f"{'the sample site (' + ', '.join(in_site) + ')' if in_site else 'no sample-site page'} "
        f"but {'fixtures ' + ', '.join(in_fixtures) if in_fixtures else 'no fixture'} of kind "
        f"{kind}: one of them drifted (or add ({kind!r}, {key!r}) to OPTIONAL with the reason)")


READ_CASES = [(kind, p) for kind in SECTIONS for p in rendered(kind)]


@pytest.mark.parametrize(("kind", "site_page"), READ_CASES, ids=[p.name for _, p in READ_CASES])
def test_extractor_reads_the_sample_site(kind: str, site_page: Page) -> None:
    assert site_page.read is not None
    site_page.read()


def _read_fixture(kind: str, p: Page) -> None:
    tree = parse_html(p.html)
    rec = recognise(tree, p.url, p.status, SEL)
    if kind == "login":
        assert rec.kind in (PageKind.LOGIN, PageKind.CAPTCHA, PageKind.TWO_STEP), rec
    elif kind == "contracts":
        extract_contracts(tree, SEL, p.url)
    elif kind == "workroom":
        extract_workroom(tree, SEL, p.url, rec.worker_id)
    elif kind == "profile":
        sc = {q.stem: s for q, s in all_fixtures()}[p.name]
        extract_profile(tree, SEL, p.url, datetime.fromisoformat(sc["fetched_at"]))
    else:
        extract_inbox(tree, SEL, p.url)


FIXTURE_CASES = [(kind, p) for kind in SECTIONS for p in fixtures(kind)]


@pytest.mark.parametrize(("kind", "fixture_page"), FIXTURE_CASES,
                         ids=[p.name for _, p in FIXTURE_CASES])
def test_extractor_reads_the_fixture(kind: str, fixture_page: Page) -> None:
    try:
        _read_fixture(kind, fixture_page)
    except ExtractionError as exc:
        # A fixture listed in KNOWN_BUGS fails here on purpose until watcher/ is fixed.
        note = KNOWN_BUGS.get(fixture_page.name, "")
        pytest.fail(f"{fixture_page.name}: {exc}\n{note}".rstrip())


CHANGED = {"contracts": lambda sc: render.contracts_page(sc, 1, True),
           "workroom": lambda sc: render.workroom(sc, sc.contracts[0], False, True),
           "profile": lambda sc: render.profile(sc, next(iter(sc.clients.values())), True, True),
           "inbox": lambda sc: render.inbox_page(sc, 1, True)}


@pytest.mark.parametrize("kind", sorted(CHANGED))
def test_a_changed_layout_fails_alike_on_the_sample_site_and_in_a_fixture(kind: str) -> None:
    sc = story()
    html = CHANGED[kind](sc)
    url = {"contracts": f"{SITE}/e/contracts?status=active&page=1",
           "workroom": f"{SITE}/contracts/{sc.contracts[0].id}",
           "profile": f"{SITE}/public/employers/{next(iter(sc.clients))}",
           "inbox": f"{SITE}/messages/received?page=1"}[kind]
    read = {"contracts": lambda: extract_contracts(html, SEL, url),
            "workroom": lambda: extract_workroom(html, SEL, url, sc.worker.id),
            "profile": lambda: extract_profile(html, SEL, url, sc.now),
            "inbox": lambda: extract_inbox(html, SEL, url)}[kind]
    with pytest.raises(ExtractionError) as info:
        read()
    assert info.value.page.startswith(f"{kind} "), info.value.page
    fields = {s["expected"]["error_field"] for _, s in all_fixtures()
              if s["kind"] == kind and "error_field" in s["expected"]}
    assert any(f in info.value.field for f in fields), (
        f"the sample site's changed {kind} page fails on {info.value.field!r}; the fixtures expect "
        f"{sorted(fields)}")


# --- through the HTTP server ------------------------------------------------------------------


def _opener() -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def _get(opener: urllib.request.OpenerDirector, url: str, data: bytes | None = None
         ) -> tuple[str, str]:
    with opener.open(url, data=data, timeout=10) as resp:
        return resp.geturl(), resp.read().decode("utf-8")


def test_a_served_workroom_reads_like_the_rendered_one() -> None:
    sc = story()
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
        assert rec.kind is None and rec.logged_in is True and rec.worker_id == sc.worker.id, rec
        final, served = _get(opener, site.url + path)
        assert final == site.url + path
    got = extract_workroom(served, SEL, site.url + path, rec.worker_id)
    rendered_html = render.workroom(sc, c, False, False)
    want = extract_workroom(rendered_html, SEL, site.url + path, sc.worker.id)
    assert got == want
    assert got.contract_id == c.id and len(got.messages) == len(c.messages)
