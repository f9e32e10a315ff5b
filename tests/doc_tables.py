"""The docs' tables of the rules and health problems, written from their registries
(``REGISTRY`` in ``watcher/decide/rules.py``, ``HEALTH`` in ``watcher/decide/alerts.py``).

    .venv/bin/python tests/doc_tables.py          # rewrite the tables in README.md and docs/rules.md
    .venv/bin/python tests/doc_tables.py check    # exit 1 when one differs from the registry

Each table sits between two markers (``<!-- rules:NAME -->`` … ``<!-- /rules:NAME -->``);
``tests/test_rule_registry.py`` fails when a table is not what the registry writes, so the docs
cannot drift from the code. Not a test module: nothing here is collected by pytest.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from watcher.decide.alerts import HEALTH
from watcher.decide.rules import REGISTRY
from watcher.i18n import In

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RULES_DOC = ROOT / "docs" / "rules.md"


def readme_table() -> str:
    """The README's table: each rule's id and when it is found."""
    rows = ["| rule | when |", "|---|---|"]
    rows += [f"| `{r.id}` | {r.when} |" for r in REGISTRY]
    return "\n".join(rows)


def overview_table() -> str:
    """docs/rules.md's table: what status shows for each rule (English and Japanese), whether its
    notification is critical, whether it counts against the client in ``cwwatch vet``."""
    en, ja = In("en"), In("ja")
    rows = ["| rule | label (English / Japanese) | meaning | notification | counts against the client |",
            "|---|---|---|---|---|"]
    for r in REGISTRY:
        rows.append(f"| `{r.id}` | {en(r.label)} / {ja(r.label)} | {en(r.meaning)} | "
                    f"{'critical' if r.urgent else 'normal'} | {'yes' if r.against_client else 'no'} |")
    return "\n".join(rows)


def health_table() -> str:
    """docs/rules.md's table of the health problems (``HEALTH`` in ``watcher/decide/alerts.py``)."""
    rows = ["| kind | met when | notification |", "|---|---|---|"]
    rows += [f"| `{h.kind}` | {h.when} | {'critical' if h.urgent else 'normal'} |" for h in HEALTH]
    return "\n".join(rows)


TABLES = {README: {"table": readme_table}, RULES_DOC: {"overview": overview_table, "health": health_table}}


def _block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- rules:{name} -->\n)(.*?)(\n<!-- /rules:{name} -->)", re.S)


def table_in(path: Path, name: str) -> str | None:
    """The table between the markers ``name`` in ``path``; None without the markers."""
    m = _block(name).search(path.read_text(encoding="utf-8"))
    return m[2] if m else None


def write() -> list[Path]:
    """Rewrite every table from the registry; the files that changed."""
    changed = []
    for path, tables in TABLES.items():
        text = path.read_text(encoding="utf-8")
        new = text
        for name, render in tables.items():
            table = render()
            new, n = _block(name).subn(lambda m, t=table: m[1] + t + m[3], new)
            if n != 1:
                raise SystemExit(f"{path.name}: no <!-- rules:{name} --> markers")
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def stale() -> list[str]:
    """``file:table`` for each table that is not what the registry writes."""
    return [f"{path.name}:{name}" for path, tables in TABLES.items() for name, render in tables.items()
            if table_in(path, name) != render()]


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        out = stale()
        for s in out:
            print(f"differs from the registry: {s}")
        return 1 if out else 0
    for path in write():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
