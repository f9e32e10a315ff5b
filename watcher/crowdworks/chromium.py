"""Find a Chromium that Playwright can drive, and the flags to launch it with.

Two browsers: the full one (:func:`find_chromium`), which can show a window (``cwwatch login
--headed``), and the one scans use (:func:`find_scan_browser`): the headless shell where one is
installed (Debian's ``chromium-headless-shell`` package, or Playwright's own
``chromium_headless_shell-<rev>``), else the full browser run headless. The shell is Chromium
without the windowing and the browser's UI: it reads the same pages with less memory (about two
thirds of the full browser's PSS on one page) and launches a little faster; it can never show a
window.

Order of the full browser: an explicit path (config or ``CWWATCH_CHROMIUM``); Playwright's own
download when both its ``chromium-<rev>`` and ``chromium_headless_shell-<rev>`` folders hold a
browser; then the system's Chromium (Debian's ``chromium`` package, ``chromium-browser``, Google
Chrome on macOS). An explicit path is used for scans too (the person chose it).
This module is standard library only, so the bootstrap script can use it before any install.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import sys
from collections.abc import Iterator
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

# Scans only (headless, sandbox already off): the GPU service in the browser process and children
# started without a zygote, two processes fewer, measured at about 15 MB less PSS on one page. The full
# browser keeps its usual processes for a headed login.
# The network service runs in the browser process too (``NetworkServiceInProcess2``, as on Android's
# small devices): one process fewer, measured at about 10 MB less PSS on a rescan.
# Chromium keeps only the last ``--enable-features`` switch, and Playwright passes its own before the
# caller's: the scans' list therefore repeats Playwright's (``enabledFeatures`` in its
# ``chromiumSwitches``: new-surface screenshots, no account lookups at start; Playwright leaves out the
# first when ``PLAYWRIGHT_LEGACY_SCREENSHOT`` is set, these scans keep it: their screenshots are only
# the saved copies' pictures).
PLAYWRIGHT_FEATURES = ("CDPScreenshotNewSurface", "SkipListAccountsWithoutGaiaCookies")
SCAN_FEATURES = (*PLAYWRIGHT_FEATURES, "NetworkServiceInProcess2")
SCAN_ARGS = [*LAUNCH_ARGS, "--in-process-gpu", "--no-zygote", f"--enable-features={','.join(SCAN_FEATURES)}"]

# A scan's page: desktop width (the site's scripts may measure it), little height. Chromium draws
# the visible part of a page into shared memory whatever the reader needs; a 240-pixel band instead
# of 900 measured at about 35 MB less PSS in all (the browser's and the renderer's share). The
# readers read the DOM, never the layout; a saved copy's screenshot is of the whole page anyway.
# A page that builds its content as it is scrolled into view would build less of it in 240 pixels
# than in 900 (either is far less than a page): nothing read depends on that (a thread comes whole
# from its JSON, a fold is unfolded by clicks, which scroll). A headed login keeps the usual window.
SCAN_VIEWPORT = {"width": 1280, "height": 240}
HEADED_VIEWPORT = {"width": 1280, "height": 900}

# V8 options for Playwright's driver (its Node.js process, ~120 MB of a scan's browser memory):
# a 1 MB young generation instead of the default 16 MB halves, measured at about 12 MB less PSS on a
# rescan; the driver only relays the protocol, its collections stay short.
DRIVER_NODE_OPTIONS = "--max-semi-space-size=1"


def driver_node_options(existing: str | None) -> str:
    """``NODE_OPTIONS`` for Playwright's driver: the person's own (kept, and theirs win where they set
    the same option: Node reads the last) after :data:`DRIVER_NODE_OPTIONS`."""
    return f"{DRIVER_NODE_OPTIONS} {existing}".strip() if existing else DRIVER_NODE_OPTIONS


@contextlib.contextmanager
def driver_environment() -> Iterator[None]:
    """Around starting Playwright (it copies ``os.environ`` into its driver's): ``NODE_OPTIONS`` from
    :func:`driver_node_options`, the process's own value put back afterwards."""
    before = os.environ.get("NODE_OPTIONS")
    os.environ["NODE_OPTIONS"] = driver_node_options(before)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("NODE_OPTIONS", None)
        else:
            os.environ["NODE_OPTIONS"] = before


_SYSTEM_CANDIDATES = [
    "/usr/lib/chromium/chromium",  # Debian: the real binary behind the /usr/bin/chromium wrapper
    "chromium",
    "chromium-browser",
    "google-chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
]


# The headless shell: Debian's real binary (behind the /usr/bin wrapper), then the wrapper's name.
_SHELL_CANDIDATES = [
    "/usr/lib/chromium/chromium-headless-shell",
    "chromium-headless-shell",
]

# Where Playwright's own headless shell keeps its binary, inside chromium_headless_shell-<rev>.
_PLAYWRIGHT_SHELL_BINARIES = (
    "chrome-headless-shell-linux64/chrome-headless-shell",
    "chrome-linux/headless_shell",
    "chrome-headless-shell-mac-arm64/chrome-headless-shell",
    "chrome-headless-shell-mac-x64/chrome-headless-shell",
    "chrome-mac/headless_shell",
    "chrome-headless-shell-win64/chrome-headless-shell.exe",
    "chrome-win/headless_shell.exe",
)


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


def _playwright_shell() -> Path | None:
    """Playwright's own headless shell (``chromium_headless_shell-<rev>``), newest first."""
    root = playwright_browsers_dir()
    if not root.is_dir():
        return None
    for folder in sorted(root.glob("chromium_headless_shell-*"), reverse=True):
        for rel in _PLAYWRIGHT_SHELL_BINARIES:
            exe = folder / rel
            if exe.is_file() and os.access(exe, os.X_OK):
                return exe
    return None


def _first_executable(candidates: list[str]) -> Path | None:
    for cand in candidates:
        if os.sep in cand:
            p = Path(cand)
            if p.is_file() and os.access(p, os.X_OK):
                return p
            continue
        found = shutil.which(cand)
        if found:
            return Path(found)
    return None


def _system() -> Path | None:
    return _first_executable(_SYSTEM_CANDIDATES)


def find_headless_shell() -> Path | None:
    """The installed headless shell (Playwright's own first, as for the full browser, then Debian's
    package), or None."""
    return _playwright_shell() or _first_executable(_SHELL_CANDIDATES)


def is_headless_shell(exe: str | os.PathLike[str]) -> bool:
    """``exe`` is a headless shell (it cannot show a window), by its file name."""
    name = Path(exe).name.lower()
    return "headless_shell" in name or "headless-shell" in name


def find_scan_browser(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The browser a scan launches (headless): an explicit path (config or ``CWWATCH_CHROMIUM``)
    as given; else the headless shell where one is installed; else the full browser
    (:func:`find_chromium`). Raises :class:`BrowserNotFound`."""
    if explicit or os.environ.get(ENV_VAR):
        return find_chromium(explicit)
    return find_headless_shell() or find_chromium()


def find_chromium(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The full browser (it can show a window: ``login --headed``): its path, or raise
    :class:`BrowserNotFound`."""
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


if __name__ == "__main__":  # used by the bootstrap: prints the browser (``--shell``: the headless shell) or exits 1
    if sys.argv[1:] == ["--shell"]:
        shell = find_headless_shell()
        if shell is None:
            sys.exit(1)
        print(shell)
        sys.exit(0)
    try:
        print(find_chromium())
    except BrowserNotFound as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
