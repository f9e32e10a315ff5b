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
