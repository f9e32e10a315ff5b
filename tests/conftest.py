"""Shared pytest set-up.

Fixtures live in plugins: ``tests/real_desktop.py`` (real components: Xvfb, D-Bus, gnome-keyring,
dunst, Chromium), ``tests/sitefixtures.py`` (the sample site and scans), ``tests/browserless.py``
(the same scans without a browser: the histories that ``status``, ``mute`` and ``report`` read)
and ``tests/daemonfixtures.py`` (the daemon and scans as subprocesses; ``wait_for``). Test modules
import shared helpers from these, never from one another (``tests/test_layout.py``).
"""

from __future__ import annotations

import compileall
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import watcher
import watcher.crowdworks.chromium
from watcher import i18n

# The language is Japanese unless a test asks for English: the runner's own locale must not decide
# what the tests read (a developer's LANG=en_US would otherwise turn every Japanese check English).
for _name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"

pytest_plugins = ["tests.daemonfixtures", "tests.real_desktop", "tests.sitefixtures", "tests.browserless"]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Byte-compile the package once: the hundreds of ``python -m watcher`` processes the tests start
    then load it compiled, also where PYTHONDONTWRITEBYTECODE keeps each of them from saving it."""
    compileall.compile_dir(Path(watcher.__file__).parent, quiet=1)


def pytest_report_header(config: pytest.Config) -> list[str]:
    try:
        chromium = (f"{watcher.crowdworks.chromium.find_scan_browser()} for scans, "
                    f"{watcher.crowdworks.chromium.find_chromium()} headed")
    except watcher.crowdworks.chromium.BrowserNotFound as exc:
        chromium = f"none ({exc})"
    mode = ("CI=true: a missing component FAILS its tests" if os.environ.get("CI") == "true"
            else "a missing component skips its tests (CI=true makes that a failure)")
    return [f"cwwatch: chromium: {chromium}", f"cwwatch: {mode}"]


# Fixtures that start a real component: a test that uses one is slow (outside the fast tier).
_SLOW_FIXTURES = {"chromium", "harness", "desktop_session", "keyring_backend", "page", "browser", "context"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``slow``: every test that drives Chromium or the desktop, except the one ``smoke`` scan.

    The fast tier (``pytest -m "not slow"``, README: Development) is then every test that needs no
    browser, plus one real scan.
    """
    slow = pytest.mark.slow
    for item in items:
        if item.get_closest_marker("smoke"):
            continue
        real = item.get_closest_marker("browser") or item.get_closest_marker("desktop")
        if real or _SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(slow)


def pytest_configure(config: pytest.Config) -> None:
    # pytest-playwright's own `base_url` fixture triggers this pytest 9 deprecation: not ours.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods"
        ":pytest.PytestRemovedIn10Warning",
    )


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """English messages in this process, and an English locale for the commands a test runs.

    For the tests that check what cwwatch decides rather than its words (the words have their own
    tests, in Japanese and English): ``pytestmark = pytest.mark.usefixtures("english")``.
    """
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    before = i18n.current()
    i18n.use("en")
    yield
    i18n.use(before)
