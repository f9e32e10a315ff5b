"""The drawn timeline (watcher/report/timeline_svg.py): the story's contracts, hostile texts, any
events (Hypothesis), and one look in real Chromium under a Content-Security-Policy that forbids
scripts (screenshots in ``artefacts/timeline/``, gitignored)."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from watcher import i18n, wiring
from watcher.cli.report import gather
from watcher.jptime import JST
from watcher.models import AccessSeen, ContractState, Delivery, Interval, Message, Sender, Stage
from watcher.report.history import Event, Facts, build_timeline
from watcher.report.timeline_svg import Drawing, draw, first_words

SVG = "{http://www.w3.org/2000/svg}"
STORY_NOW = datetime(2026, 11, 20, 10, 0, tzinfo=JST)
STORY = (963659463, 963690555, 963688001)
ARTEFACTS = Path(__file__).resolve().parent.parent / "artefacts" / "timeline"
H = timedelta(hours=1)
D = timedelta(days=1)


def jst(*a: int) -> datetime:
    return datetime(*a, tzinfo=JST)


@pytest.fixture
def story(story_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """contract id -> (facts, events) from a private copy of the scanned story history, as
    ``cwwatch report`` builds them."""
    home = tmp_path / "home"
    shutil.copytree(story_home, home)
    monkeypatch.setenv("CWWATCH_HOME", str(home))
    env = wiring.load_env(None, None)
    out = {}
    for cid in STORY:
        facts, events, _drafts = gather(env, cid, STORY_NOW)
        out[cid] = (facts, events)
    return out


# -- what a drawing must be --------------------------------------------------------------------


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def viewbox(root: ET.Element) -> tuple[float, float]:
    x, y, w, h = (float(v) for v in root.get("viewBox", "").split())
    assert (x, y) == (0, 0) and w > 0 and h > 0
    return w, h


def shape_box(el: ET.Element) -> tuple[float, float, float, float, float]:
    """(x it stands for, min x, max x, min y, max y) of a mark's shape."""
    tag = el.tag.removeprefix(SVG)
    if tag == "circle":
        cx, cy, r = (float(el.get(k, "nan")) for k in ("cx", "cy", "r"))
        return cx, cx - r, cx + r, cy - r, cy + r
    if tag == "rect":
        x, y, w, h = (float(el.get(k, "nan")) for k in ("x", "y", "width", "height"))
        return x, x, x + w, y, y + h  # a bar: from its start
    if tag == "polygon":
        pts = [tuple(float(v) for v in p.split(",")) for p in el.get("points", "").split()]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return (min(xs) + max(xs)) / 2, min(xs), max(xs), min(ys), max(ys)
    if tag == "line":
        x1, y1, x2, y2 = (float(el.get(k, "nan")) for k in ("x1", "y1", "x2", "y2"))
        return x1, min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
    raise AssertionError(f"unexpected shape {tag}")


def marks(root: ET.Element) -> list[tuple[ET.Element, datetime, float]]:
    """Every mark: (its group, the time it stands for, its x)."""
    out = []
    w, h = viewbox(root)
    for g in root.iter(f"{SVG}g"):
        if "cw-mark" not in g.get("class", "").split():
            continue
        title = g.find(f"{SVG}title")
        assert title is not None and (title.text or "").strip(), "every mark has a tooltip"
        shapes = [c for c in g if c.tag != f"{SVG}title"]
        assert len(shapes) == 1
        x, x0, x1, y0, y1 = shape_box(shapes[0])
        assert -0.01 <= x0 <= x1 <= w + 0.01 and -0.01 <= y0 <= y1 <= h + 0.01, (g.get("class"), x0, x1, y0, y1)
        out.append((g, datetime.fromisoformat(g.get("data-at", "")), x))
    return out


def check_safe(svg: str) -> None:
    root = parse(svg)
    for el in root.iter():
        assert el.tag.removeprefix(SVG) not in ("script", "foreignObject", "image", "use", "a", "style",
                                                "iframe")
        for k in el.attrib:
            assert not k.lower().startswith("on"), k
            assert "href" not in k.lower(), k
            assert k != "style"
            assert "javascript:" not in el.attrib[k].lower() and "url(" not in el.attrib[k], (k, el.attrib[k])
    assert "<script" not in svg.lower()


def check_drawing(d: Drawing, events: list[Event]) -> ET.Element:
    """Well-formed and safe; a title and a desc; marks inside the viewBox in time order along x; one
    mark per row; rows are the events in time order."""
    check_safe(d.svg)
    root = parse(d.svg)
    assert root.get("role") == "img"
    kids = [c.tag.removeprefix(SVG) for c in root]
    assert kids[:2] == ["title", "desc"] and root[0].text and root[1].text
    w, h = viewbox(root)
    for t in root.iter(f"{SVG}text"):
        assert 0 <= float(t.get("x", "nan")) <= w and 0 < float(t.get("y", "nan")) <= h, t.attrib
    ms = marks(root)
    by_time = sorted(ms, key=lambda m: m[1])
    xs = [x for _g, _t, x in by_time]
    assert all(a <= b + 0.02 for a, b in pairwise(xs)), "x follows time"
    ordered = sorted(events, key=lambda e: e.at)
    assert [(r.at, r.kind, r.who) for r in d.rows] == [(e.at, e.kind, e.who) for e in ordered]
    rowed = sorted((int(g.get("data-row", "")), t) for g, t, _x in ms if g.get("data-row") is not None)
    assert [i for i, _t in rowed] == list(range(len(ordered))), "one mark per event"
    assert [t for _i, t in rowed] == [e.at for e in ordered]
    return root


def texts(root: ET.Element) -> str:
    return " ".join(t for el in root.iter() for t in (el.text or "",))


# -- the story ---------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [960, 390])
def test_the_story_draws_every_event_kind_in_time_order(story, width):
    kinds_seen: set[str] = set()
    for cid, (facts, events) in story.items():
        d = draw(facts, events, width=width)
        root = check_drawing(d, events)
        assert str(cid) in root[0].text
        kinds_seen |= {e.kind for e in events}
        classes = " ".join(g.get("class", "") for g in root.iter(f"{SVG}g"))
        for e in events:
            want = {"message": "cw-msg", "system": "cw-msg", "delivery": "cw-delivery", "status": "cw-status",
                    "access": "cw-access", "removed": "cw-removed"}[e.kind]
            assert want in classes
        assert "cw-now" in classes and "cw-axis" in classes
    assert kinds_seen >= {"message", "delivery", "status", "access"}


def test_the_overdue_story_contract_shows_its_delivery_as_the_report_says(story):
    facts, events = story[963659463]
    assert facts.delivery is not None and facts.delivery_basis == "first_seen"
    root = parse(draw(facts, events).svg)
    all_text = " ".join(el.text or "" for el in root.iter())
    # a first-seen delivery whose likely report is a message of mine: a hollow point marked 推定
    delivered = [g for g in root.iter(f"{SVG}g") if "cw-delivered" in g.get("class", "")]
    assert len(delivered) == 1 and "cw-likely" in delivered[0].get("class", "")
    assert "推定" in all_text and "検収期間" in all_text and "遅くとも" in all_text
    assert "連絡催促" in all_text
    window = [g for g in root.iter(f"{SVG}g") if "cw-window" in g.get("class", "")]
    assert len(window) == 1 and "cw-closed" in window[0].get("class", ""), "the week has passed: closed"
    # the axis is Japan time, days and the shaded weekend of 11/14-15 are there
    assert root.find(f".//{SVG}rect[@class='cw-off cw-weekend']") is not None
    assert "日本時間" in all_text


def test_a_first_seen_delivery_without_a_report_is_an_interval_when_unknown():
    msgs = (Message(Sender.CLIENT, jst(2026, 11, 2, 10), "お願いします", key="a"),
            Message(Sender.WORKER, jst(2026, 11, 4, 10), "進捗です", key="b"))
    d = Delivery(jst(2026, 11, 2, 10), jst(2026, 11, 6, 11), "first_seen")
    st_ = ContractState(7, "記事", 9, "株式会社テスト", Stage.IN_ACCEPTANCE, "検収中", True, msgs,
                        jst(2026, 11, 1), None, delivery=d)
    facts = Facts(st_, jst(2026, 11, 10, 9), "https://crowdworks.jp/contracts/7")
    events = build_timeline(msgs, [(jst(2026, 11, 6, 11), "検収中")], [], facts.delivery)
    root = check_drawing(draw(facts, events), events)
    bar = [g for g in root.iter(f"{SVG}g") if "cw-unknown" in g.get("class", "")]
    assert len(bar) == 1 and bar[0].find(f"{SVG}rect") is not None
    label = " ".join(el.text or "" for el in root.iter())
    assert "いつかは不明" in label
    assert "cw-likely" not in " ".join(g.get("class", "") for g in root.iter(f"{SVG}g") if "cw-delivered" in
                                       g.get("class", ""))


def test_a_hidden_last_access_and_a_removed_message_are_drawn_as_such():
    m1 = Message(Sender.CLIENT, jst(2026, 11, 2, 10), "最初の依頼", key="a")
    gone = Message(Sender.CLIENT, jst(2026, 11, 3, 10), "消されたメッセージ", key="b")
    accesses = [AccessSeen(Interval(jst(2026, 11, 2, 8), jst(2026, 11, 2, 9)), "約2時間前", jst(2026, 11, 2, 10)),
                AccessSeen(None, None, jst(2026, 11, 4, 10))]
    st_ = ContractState(8, "記事", 9, "株式会社テスト", Stage.IN_PROGRESS, "作業中", True, (m1,),
                        jst(2026, 11, 1), accesses[-1])
    facts = Facts(st_, jst(2026, 11, 5, 9), "https://crowdworks.jp/contracts/8")
    events = build_timeline([m1], [(jst(2026, 11, 2, 10), "作業中")], accesses, None, [(gone, jst(2026, 11, 4, 10))])
    root = check_drawing(draw(facts, events), events)
    classes = [g.get("class", "") for g in root.iter(f"{SVG}g")]
    assert any("cw-hidden" in c for c in classes) and any("cw-visit" in c for c in classes)
    assert any("cw-removed" in c for c in classes) and any("cw-gone" in c for c in classes)
    assert "非公開" in " ".join(el.text or "" for el in root.iter())
    window = [g for g in root.iter(f"{SVG}g") if "cw-window" in g.get("class", "")]
    assert len(window) == 1 and "cw-open" in window[0].get("class", ""), "no delivery: the window is open"


def test_english_labels_with_lang_en(story):
    facts, events = story[963659463]
    i18n.use("en")
    try:
        d = draw(facts, events)
    finally:
        i18n.use("ja")
    root = parse(d.svg)
    assert "Timeline of contract 963659463" in root[0].text
    assert "my messages" in d.svg and "JST" in d.rows[0].text


def test_rows_are_sentences_in_japan_time(story):
    facts, events = story[963688001]
    d = draw(facts, events)
    assert d.rows[0].text.startswith("2026年11月02日 14:00")
    assert d.rows[0].at.utcoffset() == timedelta(hours=9)
    assert all(re.match(r"\d{4}年\d\d月\d\d日 \d\d:\d\d", r.text) for r in d.rows)
    assert [r.at for r in d.rows] == sorted(r.at for r in d.rows)


# -- hostile text, empty histories, spans ------------------------------------------------------

HOSTILE = ('<script>alert(1)</script> ]]> <![CDATA[x]]> " onload="alert(2)" &amp; <a href="javascript:x">'
           "\x00\x1b\ufffe 𠮷")


NOW = jst(2026, 11, 20, 10)


def _facts(messages=(), stage=Stage.IN_PROGRESS, now=NOW, delivery=None, title="記事"):
    st_ = ContractState(5, title, 9, "株式会社テスト", stage, "作業中", True, tuple(messages),
                        jst(2026, 11, 1), None, delivery=delivery)
    return Facts(st_, now, "https://crowdworks.jp/contracts/5")


def test_hostile_message_text_stays_text():
    msgs = [Message(Sender.CLIENT, jst(2026, 11, 19, 10), HOSTILE, key="a"),
            Message(Sender.WORKER, jst(2026, 11, 19, 11), HOSTILE, key="b")]
    facts = _facts(msgs, title=HOSTILE)
    events = build_timeline(msgs, [(jst(2026, 11, 19, 9), HOSTILE)], [AccessSeen(None, HOSTILE, jst(2026, 11, 19, 12))])
    d = draw(facts, events)
    root = check_drawing(d, events)
    tips = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert any("<script>alert(1)</script> ]]>" in t for t in tips), "the full text, as text"
    assert "𠮷" in d.svg and "\x00" not in d.svg
    assert any("<script>alert(1)</script>" in r.text for r in d.rows), "rows are plain text: the page escapes them"


def test_an_empty_history_draws_an_axis_and_a_sentence():
    d = draw(_facts(), [])
    root = check_drawing(d, [])
    assert d.rows == ()
    assert "まだありません" in " ".join(el.text or "" for el in root.iter())
    assert root.find(f".//{SVG}g[@class='cw-axis']") is not None
    assert len(root.findall(f".//{SVG}text[@class='cw-tick-label']")) >= 2


@pytest.mark.parametrize(("span", "label"), [(5 * H, r"^\d\d:00$"), (6 * D, r"^\d+/\d+$"),
                                              (70 * D, r"^\d+/\d+$"), (300 * D, r"^\d{4}/\d+$")])
def test_ticks_follow_the_span(span, label):
    now = jst(2026, 11, 20, 10)
    msgs = [Message(Sender.CLIENT, now - span, "はじめ", key="a"), Message(Sender.WORKER, now, "いま", key="b")]
    events = build_timeline(msgs, [], [])
    root = check_drawing(draw(_facts(msgs, now=now), events), events)
    ticks = [t.text or "" for t in root.findall(f".//{SVG}text")
             if t.get("class") == "cw-tick-label"]
    assert len(ticks) >= 2
    assert any(re.match(label, t) for t in ticks), ticks


def test_first_words_cuts_long_texts():
    assert first_words("短い", 16) == "短い"
    cut = first_words("お世話になっております。本日の納品物をお送りしますのでご確認ください。", 16)
    assert cut.endswith("…") and len(cut) <= 9
    assert first_words("line one\nline two", 40) == "line one"


def test_width_out_of_range_is_an_error():
    with pytest.raises(ValueError):
        draw(_facts(), [], width=100)


# -- any events (Hypothesis) -------------------------------------------------------------------

BASE = jst(2026, 10, 1, 0)
moments = st.integers(min_value=0, max_value=120 * 24 * 60).map(lambda m: BASE + timedelta(minutes=m))
bodies = st.text(max_size=60)


@st.composite
def histories(draw_):
    msgs = draw_(st.lists(st.tuples(st.sampled_from(list(Sender)), moments, bodies), max_size=25))
    messages = [Message(s, at, b, "system" if s is Sender.SYSTEM else "message", key=f"k{i}")
                for i, (s, at, b) in enumerate(msgs)]
    statuses = sorted(draw_(st.lists(st.tuples(moments, st.sampled_from(["作業中", "検収中", "納品済み"])),
                                     max_size=4)))
    accesses = []
    for at, length, hidden in draw_(st.lists(st.tuples(moments, st.integers(0, 5 * 24 * 60), st.booleans()),
                                             max_size=8)):
        accesses.append(AccessSeen(None, None, at) if hidden
                        else AccessSeen(Interval(at - timedelta(minutes=length), at), "約2時間前", at))
    removed = [(m, m.sent_at + H) for m in messages[:draw_(st.integers(0, 2))]]
    kept = messages[len(removed):]
    delivery = None
    stage = draw_(st.sampled_from([Stage.IN_PROGRESS, Stage.IN_ACCEPTANCE, Stage.FINISHED]))
    if stage is Stage.IN_ACCEPTANCE:
        lo, hi = sorted(draw_(st.tuples(moments, moments)))
        mine = [m for m in kept if m.sender is Sender.WORKER and lo <= m.sent_at <= hi]
        how = draw_(st.sampled_from(["first_seen", "move_seen", "confirmed"]))
        pick = mine[-1] if mine and draw_(st.booleans()) else None
        delivery = Delivery(lo, hi, "move_seen" if how == "move_seen" else "first_seen",
                            likely=pick.sent_at if pick else None, likely_key=pick.key if pick else "",
                            confirmed_at=(pick.sent_at if pick else hi) if how == "confirmed" else None,
                            confirmed_key=pick.key if pick and how == "confirmed" else "",
                            confirmed_none=how != "confirmed" and draw_(st.booleans()))
    now = draw_(moments)
    state = ContractState(3, draw_(bodies), 9, "client", stage, "検収中", True, tuple(kept), BASE, None,
                          delivery=delivery)
    facts = Facts(state, now, "https://crowdworks.jp/contracts/3", year_end_break=draw_(st.booleans()),
                  acceptance_days=draw_(st.sampled_from([7, 14])))
    events = build_timeline(kept, statuses, accesses, facts.delivery, removed)
    return facts, events, draw_(st.sampled_from([960, 390]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_any_history_draws_a_well_formed_safe_svg(case):
    facts, events, width = case
    d = draw(facts, events, width=width)
    root = check_drawing(d, events)
    assert viewbox(root)[0] == width


def test_drawing_is_pure_and_repeatable(story):
    facts, events = story[963690555]
    assert draw(facts, events) == draw(replace(facts), events)


# -- in real Chromium, under a policy that forbids scripts -------------------------------------

CSP = "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
PAGE_URL = "http://cwwatch-timeline.test/"
_WATCH = """window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));"""


def _page(svg: str, rows: tuple) -> str:
    from html import escape as h

    items = "".join(f"<li>{h(r.text)}</li>" for r in rows)
    return (f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>timeline</title></head>'
            f"<body>{svg}<ol>{items}</ol></body></html>")


# Every text of the drawing as Chromium laid it out, in the viewBox's units.
_TEXT_BOXES = """() => { const svg = document.querySelector('svg.cw-timeline'); const vb = svg.viewBox.baseVal;
  return {vb: [vb.width, vb.height], texts: [...svg.querySelectorAll('text')].map((t) => {
    const b = t.getBBox(); return {text: t.textContent, cls: t.getAttribute('class'),
                                   x: b.x, y: b.y, w: b.width, h: b.height}; })}; }"""


def _overlaps(texts: list[dict]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if (a["x"] < b["x"] + b["w"] - 0.5 and b["x"] < a["x"] + a["w"] - 0.5
                    and a["y"] < b["y"] + b["h"] - 1 and b["y"] < a["y"] + a["h"] - 1):
                out.append((a["text"], b["text"]))
    return out


def _serve(html: str):
    def handler(route, _request) -> None:
        route.fulfill(status=200, body=html, headers={"Content-Type": "text/html; charset=utf-8",
                                                      "Content-Security-Policy": CSP})
    return handler


def _shoot(exe: Path, pages: dict[str, tuple[str, int]], out: Path) -> dict[str, dict]:
    """Each page served with the CSP at its viewport width: a screenshot, the drawing's box, console
    errors and policy violations; then whether an inline script still runs (it must not)."""
    from playwright.sync_api import sync_playwright

    from watcher.crowdworks.chromium import LAUNCH_ARGS

    found: dict[str, dict] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(exe), headless=True, args=LAUNCH_ARGS)
        try:
            for name, (html, width) in pages.items():
                context = browser.new_context(viewport={"width": width, "height": 800}, device_scale_factor=1,
                                              locale="ja-JP")
                page = context.new_page()
                errors: list[str] = []
                page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.add_init_script(_WATCH)
                page.route(PAGE_URL, _serve(html))
                page.goto(PAGE_URL, wait_until="load")
                page.evaluate("document.fonts.ready.then(() => true)")
                svg = page.locator("svg.cw-timeline")
                box = svg.bounding_box()
                svg.screenshot(path=str(out / f"{name}.png"))
                violations = page.evaluate("window.__violations")
                shown_errors = list(errors)
                ran = page.evaluate("""() => { window.__ran = false; const s = document.createElement('script');
                    s.textContent = 'window.__ran = true'; document.body.appendChild(s); return window.__ran; }""")
                texts_ = page.evaluate(_TEXT_BOXES)
                found[name] = {"box": box, "errors": shown_errors, "violations": violations, "inline_ran": ran,
                               "texts": texts_}
                context.close()
        finally:
            browser.close()
    return found


@pytest.mark.browser
def test_the_drawing_renders_in_chromium_under_a_csp_without_scripts(story, chromium):
    from tests.real_desktop import run_in_thread

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    pages = {}
    for cid, (facts, events) in story.items():
        for width in (960, 390):
            d = draw(facts, events, width=width)
            pages[f"{cid}_{width}"] = (_page(d.svg, d.rows), width)
    empty = draw(_facts(), [], width=390)
    pages["empty_390"] = (_page(empty.svg, empty.rows), 390)
    found = run_in_thread(_shoot, chromium, pages, ARTEFACTS, timeout=180)
    for name, f in found.items():
        box = f["box"]
        width = pages[name][1]
        assert box is not None and box["width"] > width * 0.9 and box["height"] > 100, (name, box)
        assert f["errors"] == [] and f["violations"] == [], (name, f)
        assert f["inline_ran"] is False, "the policy is in force"
        vb_w, vb_h = f["texts"]["vb"]
        texts_ = f["texts"]["texts"]
        assert texts_ and _overlaps(texts_) == [], (name, _overlaps(texts_))
        for t in texts_:
            assert t["x"] >= -0.5 and t["x"] + t["w"] <= vb_w + 0.5 and 0 <= t["y"] <= vb_h - t["h"] + 0.5, (name, t)
        png = (ARTEFACTS / f"{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000


# -- cwwatch report --svg FILE -----------------------------------------------------------------


def test_report_svg_writes_the_drawing(home, tmp_path, cli):
    target = tmp_path / "timeline.svg"
    rc, out, err = cli("report", "963659463", "--svg", str(target),
                       "--now", STORY_NOW.isoformat())
    assert rc == 0, err
    assert "■ 経緯（日本時間）" in out, "the report is printed as before"
    text = target.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    assert (target.stat().st_mode & 0o777) == 0o600, "it quotes the messages: readable by the owner only"
    facts, events, _drafts = gather(wiring.load_env(None, None), 963659463, STORY_NOW)
    assert text.split("\n", 1)[1].rstrip("\n") == draw(facts, events).svg
    check_drawing(draw(facts, events), events)


def test_report_svg_into_a_missing_folder_is_one_line(home, tmp_path, cli):
    target = tmp_path / "no-such-folder" / "timeline.svg"
    rc, out, err = cli("report", "963659463", "--svg", str(target),
                       "--now", STORY_NOW.isoformat())
    assert rc == 1 and out == ""
    assert err.count("\n") == 1 and "no-such-folder" in err and "Traceback" not in err
    assert not target.parent.exists()


@pytest.mark.parametrize("year_end_break", [False, True])
def test_days_off_are_shaded_as_bizdays_counts_them(year_end_break):
    """Across the year's end: every day's noon lies in a shaded run iff bizdays says it is a day off
    (weekends, 元日 and the other holidays; 12/29-1/3 only with the year-end break)."""
    from watcher.decide.bizdays import is_business_day

    a, b = jst(2026, 12, 20, 12), jst(2027, 1, 16, 12)
    msgs = [Message(Sender.CLIENT, a, "はじめ", key="a"), Message(Sender.WORKER, b, "おわり", key="b")]
    facts = replace(_facts(msgs, now=b), year_end_break=year_end_break)
    events = build_timeline(msgs, [], [])
    root = check_drawing(draw(facts, events), events)
    xa, xb = (x for _g, _t, x in sorted((m for m in marks(root) if m[0].get("data-row") is not None),
                                        key=lambda m: m[1]))
    off = [(float(r.get("x", "nan")), float(r.get("x", "nan")) + float(r.get("width", "nan")))
           for r in root.iter(f"{SVG}rect") if "cw-off" in r.get("class", "")]
    day = a
    while day <= b:
        x = xa + (xb - xa) * ((day - a) / (b - a))
        shaded = any(lo < x < hi for lo, hi in off)
        assert shaded == (not is_business_day(day.date(), year_end_break)), day.date()
        day += D
    assert is_business_day(jst(2026, 12, 29).date()) and not is_business_day(jst(2027, 1, 1).date())
