"""Set up everything cwwatch needs on this machine, then run the demo or the test suite.

From the repository root, with Python 3.11 or newer::

    python3 -m watcher.bootstrap demo [ARGS...]   # then runs `cwwatch demo ARGS...`
    python3 -m watcher.bootstrap test [ARGS...]   # then runs `pytest ARGS...`

Steps, each skipped quickly when already done: check the Python version; create ``.venv``;
``pip install -e .`` (``.[test]`` for ``test``) unless a stamp in ``.venv`` shows that this
``pyproject.toml`` is already installed; find a Chromium (else install Debian's with apt-get when
root, else ``playwright install chromium``); for ``test`` also the desktop components the tests
start themselves (Xvfb, D-Bus, dunst, gnome-keyring) and Japanese fonts.

Standard library only, and it must stay parseable by old Pythons so that they get a clear
message instead of a SyntaxError: it runs before anything is installed. For the same reason it is
one module over 400 lines: it can import nothing of the package (not installed yet) but itself.
"""

import gettext
import os
import sys

MIN_PYTHON = (3, 11)


def _language():
    """The language of the messages, from the locale as ``watcher.i18n.from_locale`` reads it (that
    module needs the installed package): the first set of LANGUAGE, LC_ALL, LC_MESSAGES, LANG
    decides; English when it names English, else Japanese (also when unset, C or POSIX)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if not value:
            continue
        for item in value.split(":"):
            code = item.split(".")[0].split("_")[0].split("@")[0].lower()
            if code in ("ja", "en"):
                return code
        return "ja"
    return "ja"


# The package's own catalog, read with the standard library (English: the messages themselves).
_ = gettext.translation("cwwatch", localedir=os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale"),
                        languages=[_language()], fallback=True).gettext

if sys.version_info < MIN_PYTHON:
    sys.stderr.write("cwwatch setup: " + _(
        "error: Python {version} or newer is needed, but this is {this} ({executable}); run this command with a "
        "newer python3 (for example python3.11 -m watcher.bootstrap ...)").format(
            version=f"{MIN_PYTHON[0]}.{MIN_PYTHON[1]}", this=sys.version.split()[0], executable=sys.executable) + "\n")
    sys.exit(1)

import hashlib  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".cwwatch-setup.json"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
EXE = ".exe" if os.name == "nt" else ""

# What the tests start themselves, and the Debian packages that provide it.
DESKTOP_BINARIES = (
    "Xvfb", "dunst", "dunstctl", "dbus-daemon", "dbus-send", "gnome-keyring-daemon", "notify-send",
    "systemd-analyze",
)
DESKTOP_PACKAGES = ("xvfb", "dunst", "libnotify-bin", "gnome-keyring", "dbus-x11", "systemd")
BROWSER_PACKAGES = ("chromium", "fonts-noto-cjk")
# The lighter browser scans use where it is installed (the full one stays for `login --headed`).
SHELL_PACKAGE = "chromium-headless-shell"
FONT_PACKAGE = "fonts-noto-cjk"

USAGE = _("""\
usage: python3 -m watcher.bootstrap demo [ARGS...]   set up, then run `cwwatch demo ARGS...`
       python3 -m watcher.bootstrap test [ARGS...]   set up, then run the tests (ARGS go to pytest)
""")


class SetupError(Exception):
    """An expected failure: reported as one line, without a traceback."""


def log(message: str) -> None:
    print(f"cwwatch setup: {message}", file=sys.stderr, flush=True)


def _run(argv: list[str], what: str, *, timeout: float = 1800, env: dict | None = None,
         cwd: Path = ROOT) -> str:
    """Run a set-up command with its output captured; show the output's end if it fails."""
    try:
        proc = subprocess.run(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace", timeout=timeout,
        )
    except FileNotFoundError as exc:
        raise SetupError(_("{what}: {program} not found").format(what=what, program=argv[0])) from exc
    except subprocess.TimeoutExpired as exc:
        raise SetupError(_("{what}: gave up after {seconds} s").format(what=what, seconds=f"{timeout:.0f}")
                         ) from exc
    if proc.returncode != 0:
        tail = proc.stdout.strip().splitlines()[-25:]
        for line in tail:
            print(f"    {line}", file=sys.stderr)
        raise SetupError(_("{what} failed (exit code {code}): {command}").format(
            what=what, code=proc.returncode, command=shlex.join(argv)))
    return proc.stdout


# ---------------------------------------------------------------------------------------------
# apt (Debian/Ubuntu, as root only)


_apt_updated = False


def _can_apt() -> bool:
    return (sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0
            and shutil.which("apt-get") is not None)


def _apt_env() -> dict:
    return {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def _apt_update() -> None:
    global _apt_updated
    if not _apt_updated:
        log("apt-get update ...")
        _run(["apt-get", "update", "-qq", "-o", "DPkg::Lock::Timeout=300"], "apt-get update",
             env=_apt_env())
        _apt_updated = True


def _apt_available(package: str) -> bool:
    proc = subprocess.run(["apt-cache", "show", "--no-all-versions", package],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    return proc.returncode == 0


def apt_install(packages: list[str]) -> list[str]:
    """Install what apt offers of ``packages``; return those it does not offer."""
    _apt_update()
    wanted = list(dict.fromkeys(packages))
    available = [p for p in wanted if _apt_available(p)]
    missing = [p for p in wanted if p not in available]
    if missing:
        log(_("not available from apt here: {packages}").format(packages=" ".join(missing)))
    if available:
        log(_("{command} (a minute or two the first time) ...").format(
            command=f"apt-get install {' '.join(available)}"))
        _run(["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300", *available],
             "apt-get install", env=_apt_env())
    return missing


# ---------------------------------------------------------------------------------------------
# the virtual environment


def venv_python() -> Path:
    return BIN / f"python{EXE}"


def _venv_ok(python: Path) -> bool:
    if not python.exists():
        return False
    check = f"import sys, pip; sys.exit(0 if sys.version_info >= {MIN_PYTHON!r} else 3)"
    try:
        proc = subprocess.run([str(python), "-c", check], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _venv_packages() -> list[str]:
    return [f"python{sys.version_info[0]}.{sys.version_info[1]}-venv", "python3-venv"]


def ensure_venv() -> Path:
    python = venv_python()
    if _venv_ok(python):
        return python
    if VENV.exists():
        log(_(".venv is incomplete or made by an older Python: recreating it"))
    tried_apt = False
    if importlib.util.find_spec("ensurepip") is None and _can_apt():
        _install_venv_support()
        tried_apt = True
    while True:
        log(_("creating .venv with {python} ...").format(python=sys.executable))
        argv = [sys.executable, "-m", "venv"]
        if VENV.exists():
            argv.append("--clear")
        proc = subprocess.run([*argv, str(VENV)], cwd=ROOT, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              errors="replace")
        if proc.returncode == 0 and _venv_ok(python):
            return python
        if not tried_apt and _can_apt():
            _install_venv_support()
            tried_apt = True
            continue
        for line in proc.stdout.strip().splitlines()[-10:]:
            print(f"    {line}", file=sys.stderr)
        if shutil.which("apt-get"):
            raise SetupError(_("could not create .venv with {python}: venv/ensurepip is missing or broken "
                               "(Debian/Ubuntu: {command})").format(python=sys.executable,
                                                                    command="sudo apt-get install python3-venv"))
        raise SetupError(_("could not create .venv with {python}: venv/ensurepip is missing or broken").format(
            python=sys.executable))


def _install_venv_support() -> None:
    _apt_update()
    for package in _venv_packages():
        if _apt_available(package):
            apt_install([package])
            return
    raise SetupError(_("apt offers neither {first} nor {second}").format(first=_venv_packages()[0],
                                                                          second=_venv_packages()[1]))


# ---------------------------------------------------------------------------------------------
# the package


def _read_stamp() -> dict:
    try:
        data = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def ensure_package(python: Path, with_test: bool) -> None:
    pyproject = ROOT / "pyproject.toml"
    try:
        digest = hashlib.sha256(pyproject.read_bytes()).hexdigest()
    except OSError as exc:
        raise SetupError(_("cannot read {path}: {error}").format(path=pyproject, error=exc.strerror)) from exc
    stamp = _read_stamp()
    current = stamp.get("pyproject_sha256") == digest and stamp.get("root") == str(ROOT)
    if current and (stamp.get("test") or not with_test) and (BIN / f"cwwatch{EXE}").exists():
        return
    target = ".[test]" if with_test else "."
    log(_("{command} into .venv (under a minute the first time) ...").format(command=f"pip install -e '{target}'"))
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    _run([str(python), "-m", "pip", "install", "-q", "-e", target], "pip install", env=env)
    STAMP.write_text(json.dumps({
        "pyproject_sha256": digest,
        "root": str(ROOT),
        "test": with_test or (current and bool(stamp.get("test"))),
    }) + "\n")


# ---------------------------------------------------------------------------------------------
# browser, desktop components, fonts


def find_browser(python: Path) -> str | None:
    """What ``python -m watcher.crowdworks.chromium`` finds (it prints the path, or exits 1)."""
    try:
        proc = subprocess.run([str(python), "-m", "watcher.crowdworks.chromium"], cwd=ROOT,
                              capture_output=True, text=True, errors="replace", timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = proc.stdout.strip()
    if proc.returncode == 0 and found:
        return found
    if os.environ.get("CWWATCH_CHROMIUM"):  # set, but wrong: installing another will not help
        raise SetupError(proc.stderr.strip() or _("CWWATCH_CHROMIUM does not name a browser"))
    return None


def find_shell(python: Path) -> str | None:
    """What ``python -m watcher.crowdworks.chromium --shell`` finds: the headless shell, or None."""
    try:
        proc = subprocess.run([str(python), "-m", "watcher.crowdworks.chromium", "--shell"], cwd=ROOT,
                              capture_output=True, text=True, errors="replace", timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = proc.stdout.strip()
    return found if proc.returncode == 0 and found else None


def _playwright_install(python: Path) -> None:
    argv = [str(python), "-m", "playwright", "install", "chromium"]
    if _can_apt():
        argv.insert(-1, "--with-deps")
    log(_("trying: {command} ...").format(command=shlex.join(["playwright", *argv[3:]])))
    try:
        _run(argv, "playwright install", timeout=900)
    except SetupError as exc:
        log(str(exc))


def _missing_desktop() -> list[str]:
    return [b for b in DESKTOP_BINARIES if shutil.which(b) is None]


def _has_cjk_fonts() -> bool:
    if shutil.which("fc-list"):
        try:
            proc = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True,
                                  text=True, errors="replace", timeout=60)
            # Noto Sans CJK JP in particular: the screenshot tests check that Chromium drew with it.
            if proc.returncode == 0 and "Noto Sans CJK JP" in proc.stdout:
                return True
        except (OSError, subprocess.TimeoutExpired):
            pass
    if shutil.which("dpkg-query"):
        proc = subprocess.run(["dpkg-query", "-W", "-f=${Status}", FONT_PACKAGE],
                              capture_output=True, text=True, timeout=60)
        return "install ok installed" in proc.stdout
    return False


def ensure_system(python: Path, command: str) -> None:
    linux = sys.platform.startswith("linux")
    apt = _can_apt()
    packages: list[str] = []

    browser = find_browser(python)
    if browser is None and apt:
        packages += BROWSER_PACKAGES
    shell = find_shell(python)
    if shell is None and apt:  # the headless shell scans use (Debian packages it beside chromium)
        packages.append(SHELL_PACKAGE)
    desktop_missing = _missing_desktop() if (linux and command == "test") else []
    if desktop_missing and apt:
        packages += DESKTOP_PACKAGES
    fonts_missing = linux and command == "test" and not _has_cjk_fonts()
    if fonts_missing and apt:
        packages.append(FONT_PACKAGE)

    if packages:
        apt_install(packages)

    if browser is None:
        browser = find_browser(python)
    if browser is None:
        _playwright_install(python)
        browser = find_browser(python)
    if browser is None:
        raise SetupError(_("no Chromium found and none could be installed; install Chromium or "
                           "Google Chrome, or set CWWATCH_CHROMIUM=/path/to/chromium"))
    log(_("browser: {path}").format(path=browser))
    shell = shell or find_shell(python)
    if shell is not None:
        log(_("scans use the headless shell: {path}").format(path=shell))

    if command != "test":
        return
    if not linux:
        log(_("note: the desktop tests (Xvfb, dunst, gnome-keyring) need Linux; they will be "
              "skipped here"))
        return
    still_missing = _missing_desktop()
    if still_missing:
        log(_("warning: not installed: {programs}; their tests will be skipped (fail under CI=true). "
              "Install: {command}").format(programs=" ".join(still_missing),
                                           command=f"sudo apt-get install {' '.join(DESKTOP_PACKAGES)}"))
    if fonts_missing and not _has_cjk_fonts():
        log(_("warning: no Japanese font; Japanese text renders as boxes in screenshots. "
              "Install: {command}").format(command=f"sudo apt-get install {FONT_PACKAGE}"))


# ---------------------------------------------------------------------------------------------
# main


def parallel(args: list[str]) -> list[str]:
    """pytest-xdist's options for the suite: one worker per core (``-n auto``), tests handed out as
    workers free up (``--dist worksteal``: the slow tier's tests differ a hundredfold in length).
    Each worker starts its own desktop (Xvfb on a free display, D-Bus, dunst, gnome-keyring), site
    and browser, so the workers share nothing but the machine. Nothing is added when the arguments
    choose for themselves (``-n``, ``--numprocesses``, ``-p no:xdist``)."""
    chosen = any(a == "-n" or a.startswith(("-n", "--numprocesses", "--dist")) for a in args) or \
        any(a == "no:xdist" or a == "-pno:xdist" for a in args)
    return [] if chosen else ["-n", "auto", "--dist", "worksteal"]


def run_tests(python: Path, args: list[str]) -> int:
    args = [*parallel(args), *args]
    argv = [str(python), "-m", "pytest", *args]
    log(_("running: {command}").format(command=f"pytest {shlex.join(args)}".rstrip()))
    sys.stdout.flush()
    proc = subprocess.Popen(argv, cwd=ROOT)
    try:
        code = proc.wait()
    except KeyboardInterrupt:  # pytest got the SIGINT too: let it finish its teardown
        code = proc.wait()
    if code == 5:
        log(_("error: pytest collected no tests; that is a failure, not a pass"))
        return 1
    if code < 0:  # killed by a signal
        return 128 - code
    return code


def run_demo(args: list[str]) -> int:
    cwwatch = BIN / f"cwwatch{EXE}"
    if not cwwatch.exists():
        raise SetupError(_("{path} is missing after the install").format(path=cwwatch))
    argv = [str(cwwatch), "demo", *args]
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "nt":
        return subprocess.call(argv, cwd=ROOT)
    os.execv(str(cwwatch), argv)
    return 1  # not reached


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stderr.write(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command not in ("demo", "test"):
        sys.stderr.write("cwwatch setup: " + _("unknown command {command}").format(command=repr(command))
                         + "\n" + USAGE)
        return 2
    try:
        if not (ROOT / "pyproject.toml").is_file():
            raise SetupError(_("{path} does not look like the cwwatch repository (no pyproject.toml)").format(
                path=ROOT))
        python = ensure_venv()
        ensure_package(python, with_test=command == "test")
        ensure_system(python, command)
        if command == "test":
            return run_tests(python, rest)
        return run_demo(rest)
    except SetupError as exc:
        log(_("error: {message}").format(message=exc))
        return 1
    except KeyboardInterrupt:
        log(_("interrupted"))
        return 130


if __name__ == "__main__":
    sys.exit(main())
