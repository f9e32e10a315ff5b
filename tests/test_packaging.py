"""The wheel carries the selectors file (and the dashboard's templates and static files), and an
installed cwwatch finds it there."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_selectors_as_data_and_installed_code_finds_them(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                        str(ROOT)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    (wheel,) = tmp_path.glob("crowdworks_watcher-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "watcher/_selectors/crowdworks.toml" in names
    assert not any(n.startswith("selectors/") for n in names), "no top-level selectors package"
    assert {"watcher/sample/story/1-delivered.toml", "watcher/sample/story/2-friday.toml"} <= set(names)
    assert any(n.endswith("entry_points.txt") for n in names)
    web = ROOT / "watcher" / "web"
    shipped = {f"watcher/web/{p.relative_to(web).as_posix()}" for d in ("templates", "static")
               for p in (web / d).iterdir()}
    assert shipped and shipped <= set(names), "the dashboard's templates and static files ship in the wheel"
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # The unpacked wheel first on the path: `watcher` and its data come from there.
    env = dict(os.environ, PYTHONPATH=str(site))
    code = ("import selectors, asyncio; from watcher.crowdworks import selectors as selectorset; "
            "print(selectorset.bundled_path()); print(selectors.__file__)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    bundled, stdlib_selectors = out.stdout.split()
    assert bundled == str(site / "watcher" / "_selectors" / "crowdworks.toml")
    assert "site-packages" not in stdlib_selectors and str(ROOT) not in stdlib_selectors


def test_the_suite_runs_one_worker_per_core_unless_the_arguments_choose() -> None:
    """`python3 -m watcher.bootstrap test` hands pytest-xdist's options to pytest, except where the
    person's own arguments choose the workers or turn xdist off."""
    from watcher.bootstrap import parallel

    assert parallel([]) == ["-n", "auto", "--dist", "worksteal"]
    assert parallel(["tests/test_store.py", "-q"]) == ["-n", "auto", "--dist", "worksteal"]
    for own in (["-n", "0"], ["-n0"], ["--numprocesses=3"], ["-p", "no:xdist"], ["--dist", "load"]):
        assert parallel(own) == [], own
