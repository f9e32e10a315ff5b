"""The benchmark compares cwwatch's contract-page reader with one written with BeautifulSoup
(``bench/bs4_reader.py``). The comparison means something only while the two read the same facts:
on every saved workroom page cwwatch reads, and on the benchmark's own pages, they agree."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from watcher.crowdworks import selectors as selector_files
from watcher.crowdworks.kinds.workroom import KIND, extract_contract_page
from watcher.errors import ExtractionError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bs4_reader  # noqa: E402
import scan_bench  # noqa: E402

SEL = selector_files.load(None)


def _readable(name: str) -> bool:
    """A saved workroom page cwwatch reads (the ones it refuses have their own tests)."""
    html = (ROOT / "fixtures" / "html" / f"{name}.html").read_text(encoding="utf-8")
    try:
        extract_contract_page(html, SEL, "https://crowdworks.jp/contracts/1")
    except ExtractionError:
        return False
    return True


PAGES = [name for name in KIND.fixtures if _readable(name)]


def test_most_saved_workroom_pages_are_compared() -> None:
    assert len(PAGES) >= len(KIND.fixtures) - 3


@pytest.mark.parametrize("name", PAGES)
def test_the_beautifulsoup_reader_reads_what_cwwatch_reads(name: str) -> None:
    html = (ROOT / "fixtures" / "html" / f"{name}.html").read_text(encoding="utf-8")
    assert bs4_reader.contract_page(html, SEL) == extract_contract_page(html, SEL, "https://crowdworks.jp/contracts/1")


def test_on_the_benchmarks_pages_too() -> None:
    sc = scan_bench.make_scenario(6, 8, 3, 0, 7)
    for contract in sc.contracts:
        html = scan_bench.render.workroom(sc, contract, True, False)
        assert bs4_reader.contract_page(html, SEL) == extract_contract_page(html, SEL, "https://crowdworks.jp/contracts/1")
