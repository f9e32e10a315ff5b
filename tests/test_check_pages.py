"""`cwwatch check-pages` over the saved pages: every fixture reads as its sidecar says.

The fixtures are of two origins: pages the sample site renders (``tests/make_fixtures.py``, with
variants the evidence allows), and pages written from ``../shared/platform-notes.md`` alone by
someone who had not read the readers (``fixtures/html/from-notes/``), in shapes the sample site
does not use (another column order, no ``<main>``, a profile whose JSON alone carries the last
access, escaped JSON, a fold between messages).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from tests.pagecheck import FIXTURES, SIDECAR, compare, load, page_of, sidecars
from watcher.cli.check_pages import Entry, check_entry
from watcher.crowdworks import selectors as selector_files

SEL = selector_files.load()
ALL = sidecars()
FROM_NOTES = FIXTURES / "from-notes"


def test_every_fixture_has_a_sidecar_and_every_sidecar_a_fixture() -> None:
    assert len(ALL) >= 40 and len(list(FROM_NOTES.rglob(f"*{SIDECAR}"))) >= 12
    pages = [p for p in FIXTURES.rglob("*") if p.suffix in (".html", ".json") and not p.name.endswith(SIDECAR)
             and not p.name.endswith(".messages.json") and p.name != "manifest.json"]
    missing = [str(p.relative_to(FIXTURES)) for p in pages if not p.with_name(p.stem + SIDECAR).exists()]
    assert not missing, f"pages without a sidecar: {missing}"
    for side in ALL:
        page_of(side)  # raises when the page is missing


@pytest.mark.parametrize("sidecar", ALL, ids=[str(s.relative_to(FIXTURES))[: -len(SIDECAR)] for s in ALL])
def test_each_page_reads_as_its_sidecar_says(sidecar: Path) -> None:
    exp = load(sidecar)
    page = page_of(sidecar)
    beside = page.with_name(page.stem + ".messages.json")
    entry = Entry(page, exp["kind"], exp["url"].split("crowdworks.jp", 1)[-1], None,
                  beside if beside.exists() else None)
    got = check_entry(entry, SEL, None, datetime.fromisoformat(exp["fetched_at"])).to_json(str(page))
    problems = compare(exp, got)
    assert not problems, f"{sidecar.name}: {exp.get('description', '')}\n" + "\n".join(problems)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "watcher", "check-pages", *args], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("folder", [FIXTURES, FROM_NOTES], ids=["rendered", "from-notes"])
def test_check_pages_json_over_a_folder_agrees_with_every_sidecar(folder: Path) -> None:
    """The command itself, as a person runs it on a folder (kind recognised from the content)."""
    mine = sorted(s for s in sidecars(folder) if folder == FROM_NOTES or FROM_NOTES not in s.parents)
    when = {load(s)["fetched_at"] for s in mine}
    assert len(when) == 1, "one fetched_at per folder, so one --fetched-at serves all"
    r = _cli("--json", "--fetched-at", when.pop(), str(folder))
    assert r.returncode in (0, 20), r.stderr
    got = {Path(o["file"]).name: o for o in map(json.loads, r.stdout.splitlines())}
    problems = []
    for side in mine:
        exp = load(side)
        page = page_of(side).name
        if page not in got:
            problems.append(f"{page}: not in the output")
            continue
        assert got[page]["schema"] == 1 and got[page]["kind"] == exp["kind"], (page, got[page]["kind"])
        problems += [f"{page}: {p}" for p in compare(exp, got[page])]
    assert not problems, "\n".join(problems)
    broken = [s for s in mine if load(s)["ok"] is False]
    assert r.returncode == (20 if broken else 0)


def test_exit_codes_and_one_line_errors(tmp_path: Path) -> None:
    good = next(s for s in ALL if load(s)["ok"] and load(s)["kind"] == "profile")
    assert _cli("--kind", "profile", str(page_of(good))).returncode == 0
    bad = next(s for s in ALL if load(s)["ok"] is False)
    r = _cli("--kind", load(bad)["kind"], str(page_of(bad)))
    assert r.returncode == 20 and "読めませんでした" in r.stdout
    r = _cli(str(tmp_path / "nowhere.html"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    odd = tmp_path / "odd.html"
    odd.write_text("<html><body><p>何かのページ</p></body></html>", encoding="utf-8")
    r = _cli(str(odd))
    assert r.returncode == 2 and "--kind" in r.stderr and "Traceback" not in r.stderr
    binary = tmp_path / "x.html"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    r = _cli("--kind", "workroom", str(binary))
    assert r.returncode == 2 and "UTF-8" in r.stderr and "Traceback" not in r.stderr
    r = _cli()
    assert r.returncode == 2


def test_every_readable_page_is_recognised_from_its_content() -> None:
    """Without a manifest or --kind, the kind comes from the content (a page saved from a browser)."""
    from watcher.crowdworks.kinds import recognise as recognise_kind

    wrong = []
    for side in ALL:
        exp = load(side)
        if exp["ok"]:
            got = recognise_kind(page_of(side).read_text(encoding="utf-8"), SEL)
            if got != exp["kind"]:
                wrong.append(f"{side.name}: {got} (expected {exp['kind']})")
    assert not wrong, "\n".join(wrong)


def test_the_text_output_names_hooks_by_grade() -> None:
    side = next(s for s in ALL if load(s)["kind"] == "workroom" and load(s)["ok"])
    exp = load(side)
    r = _cli("--kind", "workroom", "--fetched-at", exp["fetched_at"], str(page_of(side)))
    assert r.returncode == 0, r.stderr
    assert "実物で確認したフック" in r.stdout and "workroom.thread" in r.stdout


GUESS_ONLY_KINDS = {"inbox"}  # the inbox page's own HTML list: read only when the API (seen) did not answer


def _blind_guesses(path: Path) -> int:
    """Write the bundled selectors with every hook graded guess made to match nothing (css, str,
    JSON path, pattern, texts); return how many hooks were blinded."""
    import tomlkit

    doc = tomlkit.parse(selector_files.bundled_path().read_text(encoding="utf-8"))
    never = {"css": "x-cwwatch-never", "str": "cwwatch-never", "path": "cwwatch_never",
             "pattern": r"cwwatch-never-(\d+)"}
    count = 0

    def walk(node: object) -> None:
        nonlocal count
        if isinstance(node, dict):
            if node.get("grade") == "guess":
                count += 1
                for key in never.keys() & node.keys():
                    node[key] = never[key]
                if "texts" in node:
                    node["texts"] = ["cwwatch-never"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    return count


def test_no_page_needs_a_guess(tmp_path: Path) -> None:
    """A guess is never required: with every guessed hook matching nothing, every page that reads
    (the rendered fixtures and the pages written from the notes alone) still reads, but for the
    one page whose reading is a guess by nature (the inbox's HTML list, only used without the API)."""
    blind = tmp_path / "blind.toml"
    assert _blind_guesses(blind) >= 20
    sel = selector_files.load(blind)
    failed = []
    for side in ALL:
        exp = load(side)
        if not exp["ok"]:
            continue
        page = page_of(side)
        beside = page.with_name(page.stem + ".messages.json")
        entry = Entry(page, exp["kind"], exp["url"].split("crowdworks.jp", 1)[-1], None,
                      beside if beside.exists() else None)
        got = check_entry(entry, sel, None, datetime.fromisoformat(exp["fetched_at"])).to_json(str(page))
        if not got["ok"] and exp["kind"] not in GUESS_ONLY_KINDS:
            failed.append(f"{side.name}: {got['problem']}")
    assert not failed, "\n".join(failed)


def test_each_kind_names_its_fixtures() -> None:
    """Each kind module names the fixtures in its folders (fixtures/html/<kind>/, from-notes/<kind>/)."""
    from watcher.crowdworks import kinds

    on_disk: dict[str, set[str]] = {}
    for side in ALL:
        name = side.relative_to(FIXTURES).as_posix()[: -len(SIDECAR)]
        assert side.parent.name == load(side)["kind"], f"{name}: not in its kind's folder"
        on_disk.setdefault(load(side)["kind"], set()).add(name)
    for name, kind in kinds.KINDS.items():
        assert set(kind.fixtures) == on_disk.get(name, set()), name
