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


def pytest_configure(config: pytest.Config) -> None:
    # pytest-playwright's own `base_url` fixture triggers this pytest 9 deprecation: not ours.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods"
        ":pytest.PytestRemovedIn10Warning",
    )
