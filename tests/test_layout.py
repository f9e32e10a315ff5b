"""The house: the layers hold (import-linter), the site is one room, and the folder shows the pipe."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "watcher"

# Where CrowdWorks may be named: the site package, the sample site (another implementation of the
# site) and the bootstrap (which names no page, only the package that finds the browser).
SITE_ROOMS = ("crowdworks", "sample")
# The local dashboard's own routes: a contract's page is /contracts/ID there too (dashlink.contract_path),
# on 127.0.0.1, never a CrowdWorks address.
DASHBOARD_ROUTES = {("dashlink.py",), ("web", "app.py")}

# What a CrowdWorks URL or a piece of its markup looks like in a string.
SITE_LITERAL = re.compile(
    r"crowdworks\.jp|/contracts/|/public/|/e/contracts|/messages/|/message/threads|/api/v\d|/proposals"
    r"|/milestones/|\[class\*=|\[data-|#pack-|#vue-|#norman-|_messageItem_|_messageBody_|_lastActivity_"
    r"|_showMore_|ul\.progress|table\.conditions|a\[href|mobylette"
)


def _lint_imports() -> str:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if exe is None:
        pytest.fail("lint-imports is not installed (pip install -e '.[test]')")
    return exe


def test_the_layers_hold() -> None:
    """import-linter's contracts in pyproject.toml: layers, no circle, the site package alone, pure decisions."""
    proc = subprocess.run([_lint_imports()], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants that are not docstrings (a docstring may show a URL to a person)."""
    docs: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docs.add(id(body[0].value))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def test_no_site_literal_outside_the_site_package() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in SITE_ROOMS or rel.parts in DASHBOARD_ROUTES:
            continue
        for line, text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            m = SITE_LITERAL.search(text)
            if m:
                offenders.append(f"watcher/{rel}:{line}: {m.group(0)!r} in {text[:60]!r}")
    assert not offenders, "CrowdWorks URLs or markup outside watcher/crowdworks/:\n" + "\n".join(offenders)


def test_the_literal_check_sees_a_literal() -> None:
    """The check above would catch a URL built by hand (it is not a test that cannot fail)."""
    tree = ast.parse('"""Docs may say /contracts/ID."""\nURL = f"{base}/contracts/{cid}"\nX = "[class*=_a_]"\n')
    hits = [t for _, t in _strings(tree) if SITE_LITERAL.search(t)]
    assert sorted(hits) == ["/contracts/", "[class*=_a_]"]


def test_the_folder_shows_the_pipe() -> None:
    entries = {p.name for p in PACKAGE.iterdir() if not p.name.startswith(("_", ".")) or p.name == "__main__.py"}
    entries.discard("__pycache__")
    assert entries == {
        "models.py", "errors.py", "i18n.py", "locale", "paths.py", "config.py", "jptime.py", "phrases.py",
        "wallclock.py",
        "keychain.py", "bootstrap.py", "crowdworks", "store.py", "decide", "notify", "scan", "report", "daemon",
        "cli", "sample", "wiring.py", "__main__.py", "dashlink.py", "views.py", "actions.py", "web",
    }
    rooms = {d.name: {p.stem for p in d.glob("*.py")} - {"__init__"} for d in PACKAGE.iterdir() if d.is_dir()
             and (d / "__init__.py").exists()}
    assert rooms["crowdworks"] >= {"selectors", "chromium", "site", "dom", "walls", "wording", "pages", "redact"}
    kinds = {p.stem for p in (PACKAGE / "crowdworks" / "kinds").glob("*.py")} - {"__init__", "base"}
    assert kinds == {"contracts", "workroom", "thread", "profile", "inbox", "inbox_api", "proposals", "proposal", "job"}
    assert rooms["decide"] >= {"plan", "bizdays", "rules", "alerts", "delivery", "vetting", "vet_policy", "vet_words",
                               "vet_profile", "vet_trouble", "vet_history"}
    assert rooms["notify"] == {"desktop", "apprise", "actions"}
    assert rooms["scan"] == {"snapshot", "read", "judge", "record", "run", "result", "vet", "health", "outbox"}
    assert rooms["report"] == {"words", "history", "drafts", "render", "timeline_svg"}
    assert rooms["daemon"] == {"scheduler", "clockstep", "unit", "locks", "storage", "dashboard"}
    assert rooms["web"] == {"app", "guards", "pages", "evidence", "serve", "templating"}


def test_selectors_folder_is_data_only() -> None:
    """A package named ``selectors`` would shadow the standard library module asyncio imports."""
    folder = ROOT / "selectors"
    assert not (folder / "__init__.py").exists()
    assert {p.suffix for p in folder.iterdir()} <= {".toml", ".md"}


def test_no_test_module_imports_another() -> None:
    """Shared helpers and fixtures live in the plugins (``conftest.pytest_plugins``) and helper
    modules, never in a test module another one imports (which would run its tests twice over and
    tie the two together)."""
    tests = ROOT / "tests"
    offenders = []
    for path in sorted(tests.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(re.fullmatch(r"tests\.test_\w+", n) for n in names):
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, offenders


def test_no_fixed_sleep_in_a_test_module() -> None:
    """Wait for the condition (``tests.daemonfixtures.wait_for``), never a fixed ``sleep(1)``: a
    sleep is only allowed as the pause inside a loop that polls for something."""
    offenders = []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_loop = {id(n) for loop in ast.walk(tree) if isinstance(loop, ast.While | ast.For)
                   for n in ast.walk(loop)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "sleep"
                    and id(node) not in in_loop):
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, offenders
