"""Shared pytest set-up.

Fixtures live in plugins: ``tests/real_desktop.py`` (real components: Xvfb, D-Bus, gnome-keyring,
dunst, Chromium) and ``tests/sitefixtures.py`` (the sample site and scans).
"""

from __future__ import annotations

import os

import pytest

import watcher.crowdworks.chromium

pytest_plugins = ["tests.real_desktop", "tests.sitefixtures"]


def pytest_report_header(config: pytest.Config) -> list[str]:
    try:
        chromium = str(watcher.crowdworks.chromium.find_chromium())
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
