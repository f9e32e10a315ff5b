"""Find a Chromium that Playwright can drive, and the flags to launch it with.

Order: an explicit path (config or ``CWWATCH_CHROMIUM``); Playwright's own download when both
its ``chromium-<rev>`` and ``chromium_headless_shell-<rev>`` folders hold a browser; then the
system's Chromium (Debian's ``chromium`` package, ``chromium-browser``, Google Chrome on macOS).
This module is standard library only, so the bootstrap script can use it before any install.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
from pathlib import Path

from watcher.i18n import _

ENV_VAR = "CWWATCH_CHROMIUM"

# Flags that keep Chromium quiet on a machine with no route to Google's hosts, and usable as root.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-quic",
]

_SYSTEM_CANDIDATES = [
    "/usr/lib/chromium/chromium",  # Debian: the real binary behind the /usr/bin/chromium wrapper
    "chromium",
    "chromium-browser",
    "google-chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
]


class BrowserNotFound(RuntimeError):
    pass


def playwright_browsers_dir() -> Path:
    env = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if env and env != "0":
        return Path(env)
    system = platform.system()
    if system == "Darwin":
        return Path.home() / "Library" / "Caches" / "ms-playwright"
    if system == "Windows":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "ms-playwright"
    return Path.home() / ".cache" / "ms-playwright"


def _playwright_own() -> Path | None:
    """Playwright's downloaded Chromium, only when the download is complete.

    A failed ``playwright install`` leaves ``.links`` behind, so the folder alone proves nothing.
    """
    root = playwright_browsers_dir()
    if not root.is_dir():
        return None
    fulls = sorted(root.glob("chromium-*"), reverse=True)
    shells = sorted(root.glob("chromium_headless_shell-*"), reverse=True)
    if not fulls or not shells:
        return None
    for full in fulls:
        for rel in ("chrome-linux/chrome", "chrome-linux64/chrome",
                    "chrome-mac/Chromium.app/Contents/MacOS/Chromium",
                    "chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/"
                    "Google Chrome for Testing",
                    "chrome-win/chrome.exe", "chrome-win64/chrome.exe"):
            exe = full / rel
            if exe.is_file() and os.access(exe, os.X_OK):
                return exe
    return None


def _system() -> Path | None:
    for cand in _SYSTEM_CANDIDATES:
        if os.sep in cand:
            p = Path(cand)
            if p.is_file() and os.access(p, os.X_OK):
                return p
            continue
        found = shutil.which(cand)
        if found:
            return Path(found)
    return None


def find_chromium(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the path of a usable Chromium, or raise :class:`BrowserNotFound`."""
    for given in (explicit, os.environ.get(ENV_VAR)):
        if given:
            p = Path(given).expanduser()
            if p.is_file() and os.access(p, os.X_OK):
                return p
            raise BrowserNotFound(_("the browser given as {path} is not an executable file").format(
                path=repr(str(given))))
    for found in (_playwright_own(), _system()):
        if found:
            return found
    hint = ("apt-get install chromium" if sys.platform.startswith("linux")
            else "playwright install chromium")
    raise BrowserNotFound(_("no Chromium found (install one: {hint}, or set {variable})").format(
        hint=hint, variable=ENV_VAR))


if __name__ == "__main__":  # used by the bootstrap: prints the browser or exits 1
    try:
        print(find_chromium())
    except BrowserNotFound as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
