"""Pages that stand in the way of a member page: each is recognised for what it is.

A login wall (log in once), a two-step page or a captcha (guesses) and a bot check (reported) are
challenges for the person, never a layout change; a 404 is a moved page; a member page is none of
these. The hand-written ones (``login_old_error``, ``captcha_iframe``, ``login_invisible_recaptcha``)
also say which ``[login]`` hooks must match.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pagecheck import SIDECAR, WALLS, load
from watcher.crowdworks import selectors as selector_files
from watcher.crowdworks.dom import parse_html
from watcher.crowdworks.walls import recognise
from watcher.models import PageKind
from watcher.sample.site import walls as sample_walls

SEL = selector_files.load()
SIDES = sorted(WALLS.glob(f"*{SIDECAR}"))


def test_every_wall_is_there() -> None:
    names = {s.name[: -len(SIDECAR)] for s in SIDES}
    assert {"login", "login_error", "two_step", "captcha", "bot_check", "not_found", "dashboard",
            "login_old_error", "captcha_iframe", "login_invisible_recaptcha"} <= names


@pytest.mark.parametrize("sidecar", SIDES, ids=[s.name[: -len(SIDECAR)] for s in SIDES])
def test_each_wall_is_recognised(sidecar: Path) -> None:
    exp = load(sidecar)
    html = sidecar.with_name(sidecar.name[: -len(SIDECAR)] + ".html").read_text(encoding="utf-8")
    tree = parse_html(html)
    got = recognise(tree, exp["url"], exp.get("status", 200), SEL)
    want = exp["recognise"]
    assert (str(got.kind) if got.kind else None) == want["kind"]
    assert got.logged_in == want["logged_in"]
    assert (got.login_error is not None) == want["login_error"]
    if want.get("login_error_contains"):
        assert want["login_error_contains"] in (got.login_error or "")
    for key in exp.get("present", []):
        assert tree.css_first(getattr(SEL.login, key).css) is not None, key


def test_a_member_page_that_quotes_a_wall_is_no_wall() -> None:
    """A logged-in page (the seen header says so) whose thread quotes a bot check's words and the
    two-step code, and which carries a reCAPTCHA widget (a guess's markup), is a member page: a
    client's message must never turn a scan into a login challenge."""
    html = (WALLS / "dashboard.html").read_text(encoding="utf-8")
    quoted = ('<div class="_message_"><p>Just a moment... 人間であることを確認します。認証コードは'
              '123456です</p><input name="reply"><div class="g-recaptcha" data-sitekey="x"></div></div>')
    assert "</body>" in html
    tree = parse_html(html.replace("</body>", quoted + "</body>", 1))
    got = recognise(tree, "https://crowdworks.jp/contracts/963700112", 200, SEL)
    assert got.logged_in is True and got.kind is None


# -- issue 20 item 3: a challenge told by protocol, in any language ------------------------------


_JSD = "<script src=\"/cdn-cgi/challenge-platform/scripts/jsd/main.js\"></script>"


@pytest.mark.parametrize(("html", "status", "headers", "told"), [
    (sample_walls.cloudflare_page(), 403, {"cf-mitigated": "challenge", "server": "cloudflare"},
     "cf-mitigated: challenge"),
    (sample_walls.cloudflare_page(), 503, {"CF-Mitigated": "challenge"}, "cf-mitigated: challenge"),
    (sample_walls.cloudflare_page(), 200, {}, "/cdn-cgi/challenge-platform/"),  # the script alone
    (sample_walls.aws_waf_page(False), 202, {"x-amzn-waf-action": "challenge"}, "x-amzn-waf-action: challenge"),
    (sample_walls.aws_waf_page(True), 405, {"x-amzn-waf-action": "captcha"}, "x-amzn-waf-action: captcha"),
], ids=["cloudflare 403", "cloudflare 503", "cloudflare script only", "aws waf challenge", "aws waf captcha"])
def test_a_challenge_is_told_by_protocol_not_by_words(html: str, status: int, headers: dict[str, str],
                                                     told: str) -> None:
    """Japanese challenge pages whose words no ``bot_check_texts`` entry matches: the firewall's header
    or the challenge platform's script tells them."""
    assert not any(t in html for t in SEL.login.bot_check_texts.texts)
    got = recognise(parse_html(html), "https://crowdworks.jp/e/contracts", status, SEL, headers)
    assert got.kind is PageKind.BOT_CHECK and got.challenge == told
    assert not got.header


def test_a_page_without_the_site_header_is_no_wall_by_itself_but_says_so() -> None:
    got = recognise(parse_html(sample_walls.headerless_page()), "https://crowdworks.jp/e/contracts", 200, SEL, {})
    assert got.kind is None and not got.header  # the site session (a member page expected) calls it a challenge
    member = recognise(parse_html((WALLS / "dashboard.html").read_text(encoding="utf-8")),
                       "https://crowdworks.jp/dashboard", 200, SEL, {})
    assert member.header


@pytest.mark.parametrize("name", ["dashboard", "login"])
def test_cloudflares_detection_script_on_an_ordinary_page_is_no_challenge(name: str) -> None:
    """Cloudflare injects /cdn-cgi/challenge-platform/scripts/jsd/… into ordinary pages: a page with the
    site's header is what it is (a member page, the login page), never a bot check because of it."""
    html = (WALLS / f"{name}.html").read_text(encoding="utf-8").replace("</body>", _JSD + "</body>", 1)
    got = recognise(parse_html(html), f"https://crowdworks.jp/{name}", 200, SEL, {})
    assert got.kind is not PageKind.BOT_CHECK and got.challenge is None
