"""The extractors against saved pages: every fixture in fixtures/html/ reads as its sidecar says.

A fixture is ``NAME.html`` (or ``NAME.json`` for the inbox API) next to ``NAME.expected.json``;
the sidecar format is described in fixtures/html/README.md. Regenerate the generated ones with
``python tests/make_fixtures.py``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from watcher.crowdworks import selectors as selectorset
from watcher.crowdworks.extract import (
    extract_contracts,
    extract_inbox,
    extract_profile,
    extract_workroom,
    inbox_from_json,
    parse_html,
    recognise,
)
from watcher.errors import ExtractionError
from watcher.models import InboxItem

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "html"
SIDECAR = ".expected.json"
KINDS = {"contracts", "workroom", "profile", "inbox", "inbox_api", "login", "two_step", "captcha",
         "not_found", "dashboard"}
RECOGNITION = {"login", "two_step", "captcha", "not_found", "dashboard"}

# Fixtures that once failed because of a bug in watcher/ (left failing until fixed, never skipped).
# Name -> what was wrong. Both earlier entries (profile_english, workroom_quotes_404_text) are fixed.
KNOWN_BUGS: dict[str, str] = {}


def page_files() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir()
                  if p.suffix in (".html", ".json") and not p.name.endswith(SIDECAR))


def sidecar_of(page: Path) -> Path:
    return page.with_name(page.stem + SIDECAR)


def load_sidecar(page: Path) -> dict[str, Any]:
    return json.loads(sidecar_of(page).read_text(encoding="utf-8"))


def all_fixtures() -> list[tuple[Path, dict[str, Any]]]:
    return [(p, load_sidecar(p)) for p in page_files() if sidecar_of(p).exists()]


def ids(items: list[Path]) -> list[str]:
    return [p.stem for p in items]


SEL = selectorset.load()
PAGES = [p for p in page_files() if sidecar_of(p).exists()]


def when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class Diff:
    """Collects field mismatches so one failure lists every wrong field of a fixture."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[str] = []

    def eq(self, field: str, got: Any, want: Any) -> None:
        if got != want:
            self.problems.append(f"  {field}: extracted {got!r}, sidecar expects {want!r}")

    def check(self) -> None:
        if self.problems:
            note = f"\n{KNOWN_BUGS[self.name]}" if self.name in KNOWN_BUGS else ""
            pytest.fail(f"{self.name}: {len(self.problems)} field(s) differ from "
                        f"{self.name}{SIDECAR}:\n" + "\n".join(self.problems) + note)


# --- the fixture set itself -------------------------------------------------------------------


def test_the_fixture_directory_is_not_empty() -> None:
    assert len(PAGES) >= 30, f"only {len(PAGES)} fixtures in {FIXTURES}"


def test_every_fixture_has_a_sidecar_and_every_sidecar_a_fixture() -> None:
    pages = page_files()
    no_sidecar = [p.name for p in pages if not sidecar_of(p).exists()]
    stems = {p.stem for p in pages}
    orphans = [s.name for s in FIXTURES.glob(f"*{SIDECAR}")
               if s.name[: -len(SIDECAR)] not in stems]
    assert not no_sidecar, f"fixtures without a {SIDECAR} sidecar: {no_sidecar}"
    assert not orphans, f"sidecars without a fixture: {orphans}"
    strays = [p.name for p in FIXTURES.iterdir()
              if p.suffix not in (".html", ".json") and p.name != "README.md"]
    assert not strays, f"unexpected files in {FIXTURES}: {strays}"


# (not named `page`: pytest-playwright owns that fixture name)
@pytest.mark.parametrize("fixture_file", PAGES, ids=ids(PAGES))
def test_sidecar_format(fixture_file: Path) -> None:
    page = fixture_file
    sc = load_sidecar(page)
    where = f"{sidecar_of(page).name}"
    assert sc.get("kind") in KINDS, (
        f"{where}: kind {sc.get('kind')!r} is not one of {sorted(KINDS)}")
    assert str(sc.get("url", "")).startswith("https://crowdworks.jp/"), f"{where}: url"
    fetched = datetime.fromisoformat(sc["fetched_at"])
    assert fetched.tzinfo is not None, f"{where}: fetched_at needs an offset"
    assert isinstance(sc.get("status", 200), int), f"{where}: status"
    assert isinstance(sc.get("expected"), dict), f"{where}: no 'expected' object"
    assert (page.suffix == ".json") == (sc["kind"] == "inbox_api"), f"{where}: .json is the API"


# --- extraction -------------------------------------------------------------------------------


def _error_case(name: str, sc: dict[str, Any], run: Any) -> None:
    exp = sc["expected"]
    with pytest.raises(ExtractionError) as info:
        run()
    err = info.value
    assert exp["error_field"] in err.field, (
        f"{name}: ExtractionError names the field {err.field!r}; the sidecar expects one "
        f"containing {exp['error_field']!r} ({err})")
    if "error_page" in exp:
        assert err.page == exp["error_page"], f"{name}: ExtractionError names the page {err.page!r}"


def _contracts(name: str, html: str, sc: dict[str, Any]) -> None:
    exp = sc["expected"]
    got = extract_contracts(html, SEL, sc["url"])
    d = Diff(name)
    d.eq("row count", len(got.rows), len(exp["rows"]))
    for i, (row, want) in enumerate(zip(got.rows, exp["rows"], strict=False), start=1):
        have = [row.contract_id, row.title, row.client_name, row.status_label,
                row.stage.value if row.stage else None]
        fields = ("id", "title", "client", "label", "stage")
        for field, h, w in zip(fields, have, want, strict=True):
            d.eq(f"row {i} {field}", h, w)
    d.eq("next_url", got.next_url, exp["next_url"])
    d.check()


def _workroom(name: str, html: str, sc: dict[str, Any]) -> None:
    exp = sc["expected"]
    tree = parse_html(html)
    worker_id = recognise(tree, sc["url"], sc["status"], SEL).worker_id
    assert worker_id == sc["worker_id"], f"{name}: header worker id {worker_id}"
    room = extract_workroom(tree, SEL, sc["url"], worker_id)
    d = Diff(name)
    for field in ("contract_id", "title", "client_id", "client_name", "status_label",
                  "escrow_deposited", "amount", "folded"):
        d.eq(field, getattr(room, field), exp[field])
    d.eq("stage", room.stage.value if room.stage else None, exp["stage"])
    d.eq("message_count", len(room.messages), exp["message_count"])
    d.eq("senders", [m.sender.value for m in room.messages], exp["senders"])
    d.eq("kinds", [m.kind for m in room.messages], exp["kinds"])
    d.eq("sent_at", [m.sent_at for m in room.messages], [when(t) for t in exp["sent_at"]])
    d.eq("bodies", [m.body for m in room.messages], exp["bodies"])
    d.eq("delivered_at", room.delivered_at, when(exp["delivered_at"]))
    d.eq("message keys unique", len({m.key for m in room.messages}), len(room.messages))
    for m in room.messages:
        if m.sender.value == "client":
            d.eq(f"client message {m.sent_at} sender_id", m.sender_id, exp["client_id"])
        elif m.sender.value == "worker" and m.sender_id is not None:
            d.eq(f"worker message {m.sent_at} sender_id", m.sender_id, sc["worker_id"])
    d.check()


def _profile(name: str, html: str, sc: dict[str, Any]) -> None:
    exp = sc["expected"]
    fetched = datetime.fromisoformat(sc["fetched_at"])
    try:
        seen = extract_profile(html, SEL, sc["url"], fetched)
    except ExtractionError as exc:
        if name in KNOWN_BUGS:
            pytest.fail(f"{name}: {exc}\n{KNOWN_BUGS[name]}")
        raise
    d = Diff(name)
    d.eq("client_id", seen.client_id, exp["client_id"])
    d.eq("name", seen.name, exp["name"])
    d.eq("last_access_text", seen.last_access_text, exp["last_access_text"])
    d.eq("observed_at", seen.observed_at, fetched)
    want = exp["last_access"]
    if want is None:
        d.eq("last_access (hidden)", seen.last_access, None)
    elif seen.last_access is None:
        d.eq("last_access", None, want)
    else:
        d.eq("last_access.earliest", seen.last_access.earliest, when(want["earliest"]))
        d.eq("last_access.latest", seen.last_access.latest, when(want["latest"]))
    d.check()


def _items(d: Diff, got: tuple[InboxItem, ...], want: list[dict[str, Any]]) -> None:
    d.eq("item count", len(got), len(want))
    for i, (item, w) in enumerate(zip(got, want, strict=False), start=1):
        d.eq(f"item {i} thread_id", item.thread_id, w["thread_id"])
        d.eq(f"item {i} message_id", item.message_id, w["message_id"])
        d.eq(f"item {i} sent_at", item.sent_at, when(w["sent_at"]))
        d.eq(f"item {i} title", item.title, w["title"])
        d.eq(f"item {i} sender_name", item.sender_name, w["sender_name"])
        for opt in ("proposal_status", "is_replied"):
            d.eq(f"item {i} {opt}", getattr(item, opt), w.get(opt))


def _inbox(name: str, html: str, sc: dict[str, Any]) -> None:
    got = extract_inbox(html, SEL, sc["url"])
    d = Diff(name)
    _items(d, got.items, sc["expected"]["items"])
    d.eq("next_url", got.next_url, sc["expected"]["next_url"])
    d.check()


def _inbox_api(name: str, text: str, sc: dict[str, Any]) -> None:
    d = Diff(name)
    _items(d, inbox_from_json(json.loads(text)), sc["expected"]["items"])
    d.check()


def _recognition(name: str, html: str, sc: dict[str, Any]) -> None:
    exp = sc["expected"]
    want = exp["recognise"]
    tree = parse_html(html)
    rec = recognise(tree, sc["url"], sc["status"], SEL)
    d = Diff(name)
    d.eq("kind", rec.kind.value if rec.kind else None, want["kind"])
    d.eq("logged_in", rec.logged_in, want["logged_in"])
    d.eq("worker_id", rec.worker_id, want["worker_id"])
    d.eq("login_error present", rec.login_error is not None, want["login_error"])
    if want.get("login_error_contains"):
        d.eq(f"login_error contains {want['login_error_contains']!r}",
             want["login_error_contains"] in (rec.login_error or ""), True)
    for key in exp.get("present", []):
        d.eq(f"[login] {key} matches", tree.css_first(getattr(SEL.login, key)) is not None, True)
    d.check()


EXTRACT = {"contracts": _contracts, "workroom": _workroom, "profile": _profile, "inbox": _inbox,
           "inbox_api": _inbox_api}


def _runner(kind: str, text: str, sc: dict[str, Any]) -> Any:
    if kind == "contracts":
        return lambda: extract_contracts(text, SEL, sc["url"])
    if kind == "workroom":
        return lambda: extract_workroom(text, SEL, sc["url"], sc.get("worker_id"))
    if kind == "profile":
        fetched = datetime.fromisoformat(sc["fetched_at"])
        return lambda: extract_profile(text, SEL, sc["url"], fetched)
    if kind == "inbox":
        return lambda: extract_inbox(text, SEL, sc["url"])
    return lambda: inbox_from_json(json.loads(text))


@pytest.mark.parametrize("fixture_file", PAGES, ids=ids(PAGES))
def test_fixture_extracts_as_its_sidecar_says(fixture_file: Path) -> None:
    page = fixture_file
    sc = load_sidecar(page)
    sc.setdefault("status", 200)
    text = page.read_text(encoding="utf-8")
    kind = sc["kind"]
    if "error_field" in sc["expected"]:
        _error_case(page.stem, sc, _runner(kind, text, sc))
    elif kind in RECOGNITION:
        _recognition(page.stem, text, sc)
    else:
        EXTRACT[kind](page.stem, text, sc)
        if kind != "inbox_api":
            # A member page is recognised as an ordinary, logged-in page.
            rec = recognise(parse_html(text), sc["url"], sc["status"], SEL)
            note = f"\n{KNOWN_BUGS[page.stem]}" if page.stem in KNOWN_BUGS else ""
            assert rec.kind is None and rec.logged_in is True, (
                f"{page.stem}: recognise() says kind={rec.kind}, logged_in={rec.logged_in}, "
                f"expected an ordinary logged-in page{note}")


def test_every_page_has_the_header_with_its_json() -> None:
    missing = []
    for page, sc in all_fixtures():
        if sc["kind"] == "inbox_api":
            continue
        header = parse_html(page.read_text(encoding="utf-8")).css_first(SEL.common.header)
        if header is None or not json.loads(header.attributes.get("data") or "null"):
            missing.append(page.name)
    assert not missing, f"pages without {SEL.common.header} and its data JSON: {missing}"


# --- coverage: the fixture set shows every state the notes describe ----------------------------


def _of(kind: str) -> list[tuple[str, dict[str, Any], str]]:
    return [(p.stem, sc["expected"], p.read_text(encoding="utf-8"))
            for p, sc in all_fixtures() if sc["kind"] == kind]


def test_every_mapped_status_label_is_covered() -> None:
    rows = [r for _, exp, _ in _of("contracts") for r in exp.get("rows", [])]
    row_labels = {r[3] for r in rows}
    room_labels = {exp["status_label"] for _, exp, _ in _of("workroom") if "status_label" in exp}
    mapped = set(SEL.status_labels)
    assert mapped <= row_labels, (
        f"labels in no contracts-list fixture: {sorted(mapped - row_labels)}")
    assert mapped <= room_labels, f"labels in no workroom fixture: {sorted(mapped - room_labels)}"
    for r in rows:  # the sidecars agree with the selectors file on every label
        want = SEL.status_labels.get(r[3])
        assert r[4] == (want.value if want else None), f"row {r}: the selectors file maps to {want}"
    unmapped = [r for r in rows if r[3] not in mapped]
    assert unmapped and all(r[4] is None for r in unmapped), (
        "no contracts row with a label the selectors file does not map (expected stage null)")
    assert any(exp.get("stage", "x") is None for _, exp, _ in _of("workroom")), (
        "no workroom with an unmapped label")


LAST_ACCESS_FORMS = {
    "N分前": r"^\d+分前$",
    "約N時間前": r"^約\d+時間前$",
    "約N日前": r"^約\d+日前$",
    "ヶ月前": r"^約?\d+ヶ月前$",
    "たった今": r"^たった今$",
    "English 'N hours ago'": r"^\d+ hours? ago$",
    "JSON-only 「N分」": r"^\d+分$",
}


def test_every_last_access_form_is_covered() -> None:
    profiles = [(n, e, h) for n, e, h in _of("profile") if "error_field" not in e]
    texts = [e["last_access_text"] for _, e, _ in profiles]
    for label, pattern in LAST_ACCESS_FORMS.items():
        assert any(t and re.match(pattern, t) for t in texts), f"no profile fixture shows {label}"
    assert any(e["last_access"] is None for _, e, _ in profiles), "no hidden last access"
    assert any("最終アクセス：" in h for _, _, h in profiles), (
        "no full-width colon 「最終アクセス：」")
    assert any("Last activity: 24 hours ago" in h for _, _, h in profiles), "no English profile"
    assert any("<vue-container" in h for _, _, h in profiles), "no <vue-container> element"
    assert any('id="vue-container"' in h for _, _, h in profiles), "no div#vue-container"
    json_only = [h for (_, e, h) in profiles if e["last_access_text"]
                 and re.match(r"^\d+分$", e["last_access_text"])]
    assert json_only and all("最終アクセス" not in h for h in json_only), (
        "the JSON-only fixture must not show a visible last access")


def test_every_page_state_is_covered() -> None:
    contracts = [e for _, e, _ in _of("contracts") if "rows" in e]
    assert any(e["next_url"] for e in contracts), "no contracts page with a rel=next link"
    assert any(e["rows"] and e["next_url"] is None for e in contracts), "no last contracts page"
    assert any(not e["rows"] for e in contracts), "no empty contracts list"
    rooms = [e for _, e, _ in _of("workroom") if "senders" in e]
    assert {True, False} <= {e["escrow_deposited"] for e in rooms}, "escrow deposited and not"
    assert {"worker", "client", "system"} <= {s for e in rooms for s in e["senders"]}
    assert any("delivery" in e["kinds"] for e in rooms), "no delivery report"
    folded = {e["contract_id"] for e in rooms if e["folded"]}
    unfolded = {e["contract_id"] for e in rooms if not e["folded"]}
    assert folded & unfolded, "no long thread both folded and unfolded"
    inbox = [e for _, e, _ in _of("inbox") if "items" in e]
    assert any(e["next_url"] for e in inbox) and any(e["next_url"] is None for e in inbox)
    assert any(e["items"] for _, e, _ in _of("inbox_api")), "no inbox API JSON"
    recognised = [(sc["expected"]["recognise"], p) for p, sc in all_fixtures()
                  if sc["kind"] in RECOGNITION]
    kinds = {r["kind"] for r, _ in recognised}
    assert {"login", "two_step", "captcha", "not_found", None} <= kinds, kinds
    assert any(r["login_error"] for r, _ in recognised), "no login page with an error"
    old = [p for r, p in recognised if r["kind"] == "login"
           and (tree := parse_html(p.read_text(encoding="utf-8"))).css_first(".flash-error")
           and tree.css_first('input[name="commit"]')]
    assert old, "no older login markup (.flash-error, input[name=commit])"
    two_step = [sc for p, sc in all_fixtures() if sc["kind"] == "two_step"]
    assert all("two_step_authentication" in sc["url"] for sc in two_step)
    changed = {sc["kind"] for _, sc in all_fixtures() if "error_field" in sc["expected"]}
    assert {"contracts", "workroom", "profile", "inbox"} <= changed, (
        f"layout-changed fixtures only for {sorted(changed)}")
