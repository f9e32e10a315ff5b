"""Screenshots of the sample site in real Chromium: the Japanese text renders as glyphs, not tofu.

A new user's first `cwwatch demo` opens the sample site in Chromium; with no Japanese font every
kanji is an identical box ("tofu"). Three pages of the bundled story are screenshotted (the contract
page of 963659463, the profile of client 900009005, the application 981200451). On each, every
distinct kana and kanji of the page's heading is cropped from the saved screenshot by its own
bounding box (a DOM Range per character), turned into an ink mask and compared with the others:
real glyphs differ from each other; tofu boxes do not. The same comparison run on code points no
font has (U+0378 …, drawn as the .notdef box) must find them alike, so the test can tell.

The font is Debian's `fonts-noto-cjk` (the bootstrap installs it with Chromium). It is a component
like the others: missing, it skips the glyph tests on a developer's machine and fails them under
CI=true (the layout checks of the same screenshots run either way).
`document.fonts.check()` cannot tell: Chromium answers true even for a family that is not installed,
so the font actually used is asked from the DevTools protocol (CSS.getPlatformFontsForNode).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from tests.real_desktop import require, run_in_thread
from tests.sitefixtures import story
from watcher.crowdworks.chromium import LAUNCH_ARGS
from watcher.sample.server import SampleSite

pytestmark = pytest.mark.browser

FONT = "Noto Sans CJK JP"
FONT_PACKAGE = "fonts-noto-cjk"
PAGES = {  # name -> path on the sample site (the bundled story's Friday state)
    "contract-963659463": "/contracts/963659463",
    "profile-900009005": "/public/employers/900009005",
    "proposal-981200451": "/proposals/981200451",
}
HEADING = "main h1"
MAX_GLYPHS = 8
# Code points assigned to nothing: every font draws them as its .notdef box (tofu).
TOFU = "\u0378\u0379\u0380\u0381"
# An ink mask's distance to another (1 - intersection / union, both trimmed to their ink):
DIFFERENT = 0.30  # two different glyphs are at least this far apart
ALIKE = 0.15  # two tofu boxes are at most this far apart
VIEWPORT = {"width": 1280, "height": 900}

# The kana and kanji of a text node, each with its box in page coordinates (the document, not the
# viewport: a full-page screenshot starts at the document's top left).
_GLYPH_BOXES_JS = """([selector, limit]) => {
  const root = document.querySelector(selector);
  if (!root) return null;
  const seen = new Set(), out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode()) && out.length < limit) {
    for (let i = 0; i < node.data.length && out.length < limit; i++) {
      const ch = node.data[i];
      if (seen.has(ch) || ch === "\u30fb" || !/[\\u3040-\\u30ff\\u3400-\\u9fff\\u0370-\\u03ff]/.test(ch)) continue;
      const range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      const r = range.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) continue;
      seen.add(ch);
      out.push({ch: ch, x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height});
    }
  }
  return out;
}"""


# --- the font ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cjk_font() -> str:
    """The Japanese font the sample site's CSS names for Linux, as fontconfig knows it."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        require(FONT_PACKAGE, "fc-list (fontconfig) is not installed, so no font can be found")
    families = subprocess.run([fc_list, ":lang=ja", "family"], capture_output=True, text=True,
                              timeout=60).stdout
    if FONT not in families:
        require(FONT_PACKAGE, f"no {FONT!r} font (Debian: sudo apt-get install {FONT_PACKAGE}); "
                              "Japanese text would render as boxes")
    return FONT


# --- PNG (8 bits a channel, not interlaced: what Chromium writes), standard library only ----------


@dataclass
class Png:
    width: int
    height: int
    channels: int
    _raw: bytes
    _rows: list[bytearray]

    @classmethod
    def read(cls, data: bytes) -> Png:
        assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
        pos, idat, header = 8, bytearray(), None
        while pos < len(data):
            (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
            body = data[pos + 8:pos + 8 + length]
            if kind == b"IHDR":
                header = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                idat += body
            pos += 12 + length
        assert header is not None, "a PNG without IHDR"
        width, height, depth, colour, _, _, interlace = header
        channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
        assert depth == 8 and channels is not None and interlace == 0, f"unexpected PNG format {header}"
        return cls(width, height, channels, zlib.decompress(bytes(idat)), [])

    def row(self, y: int) -> bytearray:
        """Row ``y``'s bytes, unfiltered (rows are undone in order, only as far as asked)."""
        stride = self.width * self.channels
        bpp = self.channels
        while len(self._rows) <= y:
            n = len(self._rows)
            start = n * (stride + 1)
            kind, line = self._raw[start], bytearray(self._raw[start + 1:start + 1 + stride])
            prev = self._rows[-1] if self._rows else bytearray(stride)
            if kind == 1:
                for i in range(bpp, stride):
                    line[i] = (line[i] + line[i - bpp]) & 0xFF
            elif kind == 2:
                line = bytearray((a + b) & 0xFF for a, b in zip(line, prev, strict=True))
            elif kind == 3:
                for i in range(stride):
                    left = line[i - bpp] if i >= bpp else 0
                    line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
            elif kind == 4:
                for i in range(stride):
                    a = line[i - bpp] if i >= bpp else 0
                    b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                    line[i] = (line[i] + pred) & 0xFF
            self._rows.append(line)
        return self._rows[y]

    def luminance(self, x: int, y: int) -> int:
        row, i = self.row(y), x * self.channels
        if self.channels < 3:
            return row[i]
        return (299 * row[i] + 587 * row[i + 1] + 114 * row[i + 2]) // 1000


Mask = frozenset[tuple[int, int]]


def ink(png: Png, box: dict[str, Any], threshold: int = 140) -> Mask:
    """The dark pixels inside ``box`` (a glyph's bounding box), moved so that the ink starts at 0, 0."""
    x0, y0 = max(0, int(box["x"])), max(0, int(box["y"]))
    x1, y1 = min(png.width, int(box["x"] + box["w"] + 1)), min(png.height, int(box["y"] + box["h"] + 1))
    dots = [(x, y) for y in range(y0, y1) for x in range(x0, x1) if png.luminance(x, y) < threshold]
    if not dots:
        return frozenset()
    left, top = min(x for x, _ in dots), min(y for _, y in dots)
    return frozenset((x - left, y - top) for x, y in dots)


def distance(a: Mask, b: Mask) -> float:
    """0 for the same shape, 1 for shapes that share no pixel."""
    union = len(a | b)
    return 1 - len(a & b) / union if union else 0.0


# --- the browser ---------------------------------------------------------------------------------


@dataclass
class Shot:
    name: str
    file: Path
    glyphs: list[tuple[str, Mask]]  # the heading's kana and kanji, cut from the saved screenshot
    tofu: list[Mask]  # code points no font has, drawn into the same heading afterwards
    fonts: list[dict[str, Any]]  # the platform fonts Chromium used for the heading
    checks: dict[str, Any]  # what the page's own elements show (see _page_checks)


_PAGE_CHECKS_JS = """() => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height, right: r.right,
            size: parseFloat(getComputedStyle(el).fontSize), color: getComputedStyle(el).color,
            bg: getComputedStyle(el).backgroundColor}; };
  const q = (s) => document.querySelector(s);
  const steps = [...document.querySelectorAll('ul.progress li')].map((li) => ({text: li.textContent,
      cls: li.className, top: Math.round(li.getBoundingClientRect().top), bg: getComputedStyle(li).backgroundColor}));
  const sender = q('#pack-message-thread [class*="_senderName_"]');
  return {logo: box(q('.cw-logo')), logoText: (q('.cw-logo') || {}).textContent || '',
          nav: [...document.querySelectorAll('.cw-header_nav a')].map((a) => a.textContent),
          footer: box(q('footer')), steps: steps,
          sender: box(sender), time: box(sender && sender.parentElement.querySelector('time[datetime]')),
          sidebar: box(q('[class*="_normanEmployerProfilePageSidebar_"]')),
          sidebarText: (q('[class*="_normanEmployerProfilePageSidebar_"]') || {}).innerText || ''};
}"""


def _screenshots(exe: Path, base_url: str, email: str, password: str, out: Path) -> list[Shot]:
    from playwright.sync_api import sync_playwright

    shots: list[Shot] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(exe), headless=True, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, locale="ja-JP")
            page = context.new_page()
            page.goto(base_url + "/login")
            page.fill("#username", email)
            page.fill("#password", password)
            with page.expect_navigation():
                page.click('form[action="/login"] button[type="submit"]')
            cdp = context.new_cdp_session(page)
            for name, path in PAGES.items():
                page.goto(base_url + path, wait_until="load")
                page.evaluate("document.fonts.ready.then(() => true)")
                file = out / f"{name}.png"
                png = Png.read(page.screenshot(path=str(file), full_page=True))
                boxes = page.evaluate(_GLYPH_BOXES_JS, [HEADING, MAX_GLYPHS])
                assert boxes, f"{name}: no kana or kanji in {HEADING!r}"
                glyphs = [(b["ch"], ink(png, b)) for b in boxes]
                checks = page.evaluate(_PAGE_CHECKS_JS)
                doc = cdp.send("DOM.getDocument")
                cdp.send("CSS.enable")
                node = cdp.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": HEADING})
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
                # The same heading with a few code points no font has, for comparison (after the
                # saved screenshot, which stays the page as served).
                page.evaluate("""([sel, text]) => { const s = document.createElement('span');
                    s.id = 'tofu-probe'; s.textContent = text; document.querySelector(sel).appendChild(s); }""",
                              [HEADING, TOFU])
                tofu_png = Png.read(page.screenshot(full_page=True))
                tofu_boxes = page.evaluate(_GLYPH_BOXES_JS, ["#tofu-probe", len(TOFU)])
                tofu = [ink(tofu_png, b) for b in tofu_boxes]
                shots.append(Shot(name, file, glyphs, tofu, fonts, checks))
        finally:
            browser.close()
    return shots


@pytest.fixture(scope="module")
def shots(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Shot]]:
    out = tmp_path_factory.mktemp("screenshots")
    sc = story()
    with SampleSite(sc) as site:
        yield run_in_thread(_screenshots, chromium, site.url, sc.worker.email, sc.worker.password, out, timeout=180)


def by_name(shots: list[Shot], name: str) -> Shot:
    return next(s for s in shots if s.name == name)


# --- the tests -----------------------------------------------------------------------------------


def test_three_pages_are_screenshotted(shots: list[Shot]) -> None:
    assert [s.name for s in shots] == list(PAGES)
    for s in shots:
        png = Png.read(s.file.read_bytes())
        assert png.width == VIEWPORT["width"] and png.height >= VIEWPORT["height"] // 2, (s.file, png.width)


@pytest.mark.parametrize("name", list(PAGES))
def test_the_heading_is_drawn_in_the_japanese_font(cjk_font: str, shots: list[Shot], name: str) -> None:
    s = by_name(shots, name)
    used = {f["familyName"]: f["glyphCount"] for f in s.fonts}
    assert used.get(cjk_font, 0) >= len(s.glyphs), f"{name}: the heading was drawn with {used}, not {cjk_font!r}"


@pytest.mark.parametrize("name", list(PAGES))
def test_distinct_characters_are_distinct_glyphs_not_tofu(cjk_font: str, shots: list[Shot], name: str) -> None:
    s = by_name(shots, name)
    assert len(s.glyphs) >= 5, f"{name}: too few kana and kanji in the heading: {[c for c, _ in s.glyphs]}"
    for ch, mask in s.glyphs:
        assert len(mask) >= 8, f"{name}: {ch!r} left (almost) no ink in {s.file}"
    alike = [(a, b, round(distance(ma, mb), 3)) for (a, ma), (b, mb) in combinations(s.glyphs, 2)
             if distance(ma, mb) < DIFFERENT]
    assert not alike, f"{name}: characters drawn alike (tofu?) in {s.file}: {alike}"
    # The measure tells: boxes of code points no font has come out alike, and unlike the glyphs.
    assert len(s.tofu) == len(TOFU), f"{name}: the tofu probe was not laid out: {len(s.tofu)} boxes"
    assert all(distance(a, b) <= ALIKE for a, b in combinations(s.tofu, 2)), (
        f"{name}: tofu boxes came out different: {[round(distance(a, b), 3) for a, b in combinations(s.tofu, 2)]}")
    near = [ch for ch, mask in s.glyphs if distance(mask, s.tofu[0]) < DIFFERENT]
    assert not near, f"{name}: these characters look like the tofu box in {s.file}: {near}"


def test_every_page_has_the_header_the_navigation_and_the_footer(shots: list[Shot]) -> None:
    for s in shots:
        assert "クラウドワークス" in s.checks["logoText"] and "サンプルサイト" in s.checks["logoText"], s.checks
        nav = set(s.checks["nav"])
        assert {"マイページ", "仕事を探す", "メッセージ", "契約", "応募した仕事"} <= nav, s.checks["nav"]
        assert s.checks["footer"] and s.checks["footer"]["h"] > 20, s.name


def test_the_contract_page_shows_its_steps_as_one_bar(shots: list[Shot]) -> None:
    steps = by_name(shots, "contract-963659463").checks["steps"]
    assert [st["text"] for st in steps] == ["応募・スカウト", "契約", "仮払い", "業務", "納品", "検収", "評価"]
    assert len({st["top"] for st in steps}) == 1, "the steps are not on one line"
    current = [st for st in steps if "current" in st["cls"].split()]
    done = [st for st in steps if "done" in st["cls"].split()]
    assert [st["text"] for st in current] == ["検収"] and "納品" in [st["text"] for st in done]
    todo = next(st for st in steps if not st["cls"])
    assert len({current[0]["bg"], done[0]["bg"], todo["bg"]}) == 3, "done, current and later steps look alike"


@pytest.mark.parametrize("name", ["contract-963659463", "proposal-981200451"])
def test_sender_and_date_are_apart_and_the_date_is_smaller(shots: list[Shot], name: str) -> None:
    c = by_name(shots, name).checks
    sender, time = c["sender"], c["time"]
    assert sender and time, name
    assert abs(sender["y"] - time["y"]) < sender["h"], f"{name}: the date is not beside the sender"
    assert time["x"] - sender["right"] >= 8, f"{name}: sender and date run together ({sender}, {time})"
    assert time["size"] < sender["size"] and time["color"] != sender["color"], (sender, time)


def test_the_profile_sidebar_shows_the_record(shots: list[Shot]) -> None:
    c = by_name(shots, "profile-900009005").checks
    assert c["sidebar"] and c["sidebar"]["w"] > 200, c["sidebar"]
    text = c["sidebarText"]
    for words in ("最終アクセス", "本人確認", "発注ルールチェック", "完了数 5 / 契約数 13", "評価"):
        assert words in text, (words, text)
