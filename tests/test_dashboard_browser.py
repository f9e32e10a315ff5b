"""The dashboard in real Chromium, served by a real ``cwwatch daemon`` that scanned the sample site
(the bundled story, anchored at the real clock), with the real desktop (keyring, dunst).

- the board shows the story's findings, needing action first, and the watcher's health;
- a contract page opened from a notification's link (``?key=`` in a fresh browser) holds the
  timeline's events, as text rows, in the right order;
- mute and confirm-delivery, clicked in the page, change what ``cwwatch status`` prints; then the
  desk's draft is there, and its copy button puts it on the clipboard;
- axe-core reports no serious or critical violation on any page;
- screenshots at 1280 and 390 pixels wide are kept (the folder is printed, gitignored), and the
  Japanese glyphs are real glyphs, not tofu.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from playwright.sync_api import Browser, Page

from tests.daemonfixtures import EMAIL, scans, start_daemon, stop, wait_for
from tests.sitefixtures import live_story
from watcher import dashlink
from watcher.crowdworks.chromium import LAUNCH_ARGS
from watcher.sample.server import SampleSite

pytestmark = [pytest.mark.browser, pytest.mark.desktop]

ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = ROOT / "test-artifacts" / "dashboard"  # gitignored
QUIET = 963659463  # quiet client, acceptance overdue
NO_REPLY = 963690555
ESCROW = 963700112
CALM = 963688001


@dataclass
class Served:
    home: Path
    env: dict[str, str]

    @property
    def state(self) -> Path:
        return self.home / "state"

    def link(self, path: str = "/") -> str:
        url = dashlink.link(self.state, path)
        assert url is not None, "the daemon's dashboard is not reachable"
        return url

    def status(self) -> str:
        """`cwwatch status` in blocks (70 columns: the delivery has its own line)."""
        done = subprocess.run([sys.executable, "-m", "watcher", "status"], env=dict(self.env, CWWATCH_HOME=str(
            self.home), COLUMNS="70"), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def served(desktop_session: object, tmp_path_factory: pytest.TempPathFactory, chromium: Path) -> Iterator[Served]:
    """A daemon (one scan, then the next in 5 minutes) serving the dashboard."""
    env = dict(desktop_session.env)  # type: ignore[attr-defined]
    env.pop("LANG", None)
    env["LANGUAGE"] = "ja"
    home = tmp_path_factory.mktemp("dash-home")
    keyring.set_password("cwwatch", EMAIL, "demo-pass")
    try:
        with SampleSite(live_story()) as site:
            proc = start_daemon(home, site, env, interval_min=5)
            try:
                wait_for(lambda: any(h for _i, h in scans(home)), 180, "a healthy scan", proc)
                wait_for(lambda: dashlink.reachable(home / "state") is not None, 30, "the dashboard", proc)
                yield Served(home, env)
            finally:
                stop(proc)
        assert dashlink.announced(home / "state") is None, "the daemon left its announcement behind"
    finally:
        keyring.delete_password("cwwatch", EMAIL)


@pytest.fixture(scope="module")
def own_browser(chromium: Path) -> Iterator[Browser]:
    """A Chromium for this module only, closed at its end (a session-wide one would outlive it, and
    tests/test_daemon.py looks for Chromium processes left behind)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=list(LAUNCH_ARGS), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(own_browser: Browser) -> Iterator[Page]:
    context = own_browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP",
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    yield page
    context.close()


def enter(page: Page, served: Served, path: str = "/") -> None:
    page.goto(served.link(path))
    page.wait_for_url(lambda url: "key=" not in url and url.split("?")[0].endswith(path))
    page.wait_for_load_state("load")


def test_the_board_shows_the_storys_findings_needing_action_first(page: Page, served: Served) -> None:
    enter(page, served)
    assert "key=" not in page.url
    action = page.locator("section[aria-labelledby=h-action] article")
    titles = action.locator("h3 a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert titles[0] == f"/contracts/{QUIET}"  # urgent (acceptance overdue) first
    assert set(titles) == {f"/contracts/{QUIET}", f"/contracts/{NO_REPLY}", f"/contracts/{ESCROW}"}
    quiet = page.locator(f"article[aria-labelledby=t{QUIET}]").first.inner_text()
    assert "返信なし（ログインあり）" in quiet and "検収期限切れ" in quiet and "株式会社サンプルトラベル" in quiet
    assert "仮払い待ち" in page.locator(f"article[aria-labelledby=t{ESCROW}]").first.inner_text()
    assert "審査: 注意" in page.locator(f"article[aria-labelledby=t{ESCROW}]").first.inner_text()
    rest = page.locator("section[aria-labelledby=h-rest]").inner_text()
    assert "ブログ記事リライト" in rest
    health = page.locator("section[aria-labelledby=h-health]").inner_text()
    assert "最終スキャン" in health and "正常" in health and "次のスキャン" in health
    apps = page.locator("section[aria-labelledby=h-apps]").inner_text()
    assert "SNS投稿文の作成" in apps and "要警戒" in apps


def test_a_notification_link_opens_the_contracts_timeline_in_order(page: Page, served: Served) -> None:
    enter(page, served, dashlink.contract_path(QUIET))  # a fresh browser: the key lets it in here
    rows = page.locator("ol.timeline > li")
    texts = rows.all_inner_texts()
    stamps = rows.locator("time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert stamps == sorted(stamps), "the rows are not in time order"
    expected = ["契約が成立しました", "よろしくお願いします", "仮払いを完了しました", "5本の記事を納品いたします",
                "キャプションを修正してください", "修正が完了しました", "検収中", "クライアントの最終アクセス"]
    at = [next(i for i, t in enumerate(texts) if word in t) for word in expected]
    assert at == sorted(at), list(zip(expected, at, strict=True))
    assert "納品完了報告？" in texts[at[5]]  # the likely delivery report, said as such
    assert page.locator("figure.drawing svg").count() == 2  # one for a wide screen, one for a phone
    assert page.locator("figure.drawing.wide svg").is_visible()
    assert not page.locator("figure.drawing.narrow svg").is_visible()
    link = page.locator("a", has_text="クラウドワークスで開く")
    assert link.get_attribute("href", timeout=5000).endswith(f"/contracts/{QUIET}")  # type: ignore[union-attr]


def test_mute_and_confirm_delivery_change_what_status_prints_and_copy_puts_the_draft_on_the_clipboard(
        page: Page, served: Served) -> None:
    before = served.status()
    assert "ミュート" not in before
    assert "文面から推定" in before  # the delivery is a guess until confirmed
    enter(page, served, dashlink.contract_path(QUIET))
    page.locator("input[name=for][value='1w']").check()
    page.locator("#reason").fill("電話で確認中")
    page.locator("form[action$='/mute'] button[type=submit]").click()
    page.wait_for_url(f"**/contracts/{QUIET}?said=mute")
    assert "ミュートしました。" in page.locator("p.said").inner_text()
    muted = served.status()
    assert "ミュート" in muted and "電話で確認中" in muted

    page.locator("input[name=how][value^='message:']").first.check()  # the likely report, offered first
    page.locator("form[action$='/delivered'] button[type=submit]").click()
    page.wait_for_url(f"**/contracts/{QUIET}?said=delivered")
    confirmed = served.status()
    assert "文面から推定" not in confirmed.split(str(NO_REPLY))[0]
    assert confirmed != muted

    page.locator("form[action$='/unmute'] button[type=submit]").click()
    page.wait_for_url(f"**/contracts/{QUIET}?said=unmute")
    assert "電話で確認中" not in served.status()

    # Confirmed, the week has certainly passed: the desk inquiry is drafted, and its button copies it.
    draft = page.locator("#draft-desk").input_value()
    assert "利用規約第9条第3項" in draft
    page.evaluate("navigator.clipboard.writeText('')")
    page.locator("button.copy[data-copy=draft-desk]").click()
    wait_for(lambda: page.evaluate("navigator.clipboard.readText()") == draft, 10, "the draft on the clipboard")
    assert page.locator("#draft-desk ~ p .copied, button.copy[data-copy=draft-desk] ~ .copied").first.inner_text()


def test_axe_finds_no_serious_violation_on_any_page(page: Page, served: Served) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    for path in ("/", dashlink.contract_path(QUIET), dashlink.contract_path(CALM), "/scans"):
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            enter(page, served, path) if path == "/" and width == 1280 else page.goto(
                served.link(path).split("?")[0])
            results = axe.run(page)
            bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                   for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
            assert not bad, (path, width, bad)


_GLYPHS = """([a, b]) => {
  const font = getComputedStyle(document.body).fontFamily;
  const draw = (ch) => {
    const c = document.createElement('canvas'); c.width = 64; c.height = 64;
    const g = c.getContext('2d'); g.font = '48px ' + font; g.fillStyle = '#000'; g.fillText(ch, 4, 52);
    return Array.from(g.getImageData(0, 0, 64, 64).data).join(',');
  };
  return [draw(a), draw(b), draw('\\u{10FFFD}'), draw('\\u{10FFFC}')];
}"""


def test_screenshots_at_1280_and_390_show_real_japanese_glyphs(page: Page, served: Served) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\ndashboard screenshots: {ARTEFACTS}")
    enter(page, served)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in (("board", "/"), ("contract", dashlink.contract_path(QUIET)), ("scans", "/scans")):
            page.goto(served.link(path).split("?")[0])
            page.wait_for_load_state("load")
            shot = ARTEFACTS / f"{name}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            if name == "contract":  # the drawing made for the width shown, never one shrunk to it
                shown = "narrow" if width == 390 else "wide"
                assert page.locator(f"figure.drawing.{shown} svg").is_visible()
                assert page.locator("figure.drawing svg:visible").count() == 1
        # no page wider than the screen at 390 px (nothing to scroll sideways on the board)
        if width == 390:
            page.goto(served.link("/").split("?")[0])
            assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    # Two different kanji drawn in the page's own font differ; missing glyphs (tofu) would all be the
    # same box, like two characters no font has.
    kan, sa, tofu1, tofu2 = page.evaluate(_GLYPHS, ["検", "査"])
    assert tofu1 == tofu2, "the two missing-glyph boxes should look alike"
    assert kan != sa and kan != tofu1 and sa != tofu1, "the kanji are drawn as missing-glyph boxes (tofu)"
