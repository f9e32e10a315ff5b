"""The translation catalogs: extract the messages, update the Japanese catalog, compile it (Babel).

    .venv/bin/python tests/catalogs.py extract            # watcher/locale/cwwatch.pot from the code
    .venv/bin/python tests/catalogs.py update [FRAGMENT.po ...]
        # ja.po follows the template: new messages come in untranslated, gone ones are dropped;
        # translations from the fragments (msgid → msgstr) fill in what they name
    .venv/bin/python tests/catalogs.py compile            # ja.po → ja/LC_MESSAGES/cwwatch.mo
    .venv/bin/python tests/catalogs.py check              # exit 1 listing every message without Japanese
    .venv/bin/python tests/catalogs.py cover FRAGMENT.po FILE.py ...
        # the messages of these files that neither the fragment nor ja.po translates

The messages are the code's English strings in ``_()``, ``N_()`` and ``ngettext()`` (in the Python
modules and in the dashboard's Jinja2 templates, ``watcher/web/templates/``), plus the
messages of the standard library's argparse that a person sees in ``--help`` and usage errors.
``tests/test_i18n.py`` runs the same extraction and fails on any message without Japanese, and on
a compiled catalog that is not the compilation of the ``.po``.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "watcher"
LOCALE = PACKAGE / "locale"
POT = LOCALE / "cwwatch.pot"
JA_PO = LOCALE / "ja" / "LC_MESSAGES" / "cwwatch.po"
JA_MO = LOCALE / "ja" / "LC_MESSAGES" / "cwwatch.mo"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}

# What argparse itself prints that a person reads (its messages for programmers are left out), as
# Python 3.11-3.13 write them (argparse looks them up in the process's default gettext domain,
# which the command line points at this catalog).
ARGPARSE_MESSAGES = {
    "usage: ", "positional arguments", "options", "show this help message and exit",
    "argument %(argument_name)s: %(message)s", "unrecognized arguments: %s", "not allowed with argument %s",
    "the following arguments are required: %s", "one of the arguments %s is required", "expected one argument",
    "expected at most one argument", "expected at least one argument",
    ("expected %s argument", "expected %s arguments"),
    "ambiguous option: %(option)s could match %(matches)s", "invalid %(type)s value: %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)", "%(prog)s: error: %(message)s\n",
    "can't open '%(filename)s': %(error)s", "ignored explicit argument %r",
}


def _new_catalog() -> Catalog:
    return Catalog(project="cwwatch", domain="cwwatch", charset="utf-8", fuzzy=False,
                   creation_date=datetime(2026, 1, 1), revision_date=datetime(2026, 1, 1))


def extract_catalog() -> Catalog:
    """Every message of the package (and argparse's), with where it is used."""
    cat = _new_catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
            PACKAGE, method_map=[("**.py", "python"), ("web/templates/**.html", "jinja2.ext:babel_extract")],
            options_map={"web/templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}},
            keywords=KEYWORDS, comment_tags=("i18n:",)):
        cat.add(message, locations=[(f"watcher/{filename}", lineno)], auto_comments=comments, context=context)
    for message in sorted(ARGPARSE_MESSAGES, key=str):  # fixed: the same on every Python
        cat.add(message, locations=[("argparse", 0)], flags=("python-format",))
    return cat


def read_catalog(path: Path = JA_PO) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale="ja", domain="cwwatch")


def compile_bytes(cat: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    return buf.getvalue()


def untranslated(template: Catalog, ja: Catalog) -> list[str]:
    """The template's messages that have no Japanese (missing, empty or fuzzy)."""
    out = []
    for m in template:
        if not m.id:
            continue
        t = ja.get(m.id, m.context)
        strings = (t.string if isinstance(t.string, tuple | list) else (t.string,)) if t is not None else ("",)
        if t is None or t.fuzzy or not all(strings):
            out.append(m.id if isinstance(m.id, str) else m.id[0])
    return out


def _write(cat: Catalog, path: Path, **kw: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, cat, width=100, sort_output=True, **kw)  # type: ignore[arg-type]


def update(fragments: list[Path]) -> list[str]:
    """ja.po from the template, keeping its translations and taking the fragments'."""
    template = extract_catalog()
    ja = read_catalog() if JA_PO.exists() else Catalog(locale="ja", domain="cwwatch")
    ja.locale = "ja"  # type: ignore[assignment]
    ja.project, ja.version, ja.fuzzy = "cwwatch", "1", False
    ja.header_comment = ("# Japanese messages of cwwatch: what a person reads, in Japanese.\n"
                         "# Updated by tests/catalogs.py; translate each msgstr, keep the {fields}.")
    ja.last_translator = ja.language_team = "cwwatch"
    ja.revision_date = ja.creation_date = datetime(2026, 1, 1)
    for frag in fragments:
        for m in read_catalog(frag):
            if m.id and m.string:
                old = ja.get(m.id, m.context)
                if old is None:
                    ja.add(m.id, m.string, context=m.context)
                else:
                    old.string = m.string
                    old.flags.discard("fuzzy")
    ja.update(template, no_fuzzy_matching=True)
    ja.obsolete.clear()
    _write(ja, JA_PO, omit_header=False)
    return untranslated(template, ja)


def messages_of(files: list[Path]) -> list[str | tuple[str, str]]:
    """The messages the given source files mark (``_``, ``N_``, ``ngettext``)."""
    from babel.messages.extract import extract

    out: list[str | tuple[str, str]] = []
    for f in files:
        with f.open("rb") as src:
            for _lineno, message, _comments, _context in extract("python", src, keywords=KEYWORDS):
                out.append(message if isinstance(message, str) else tuple(message))  # type: ignore[arg-type]
    return out


def cover(fragment: Path, files: list[Path]) -> list[str]:
    """The messages of ``files`` with no Japanese in ``fragment`` nor in ja.po."""
    known = {}
    for cat in (read_catalog(fragment) if fragment.exists() else Catalog(), read_catalog()):
        for m in cat:
            if m.id and m.string and not m.fuzzy and all(m.string if isinstance(m.string, tuple | list)
                                                         else (m.string,)):
                known[m.id if isinstance(m.id, str) else m.id[0]] = True
    missing = []
    for msg in messages_of(files):
        key = msg if isinstance(msg, str) else msg[0]
        if key not in known and key not in missing:
            missing.append(key)
    return missing


def main(argv: list[str]) -> int:
    if argv and argv[0] == "cover" and len(argv) >= 3:
        missing = cover(Path(argv[1]), [Path(a) for a in argv[2:]])
        for m in missing:
            print(f"no Japanese: {m!r}")
        print(f"{len(missing)} messages without Japanese")
        return 1 if missing else 0
    if not argv or argv[0] not in ("extract", "update", "compile", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[0]
    if cmd == "extract":
        _write(extract_catalog(), POT)
        print(f"wrote {POT.relative_to(ROOT)}")
        return 0
    if cmd == "update":
        missing = update([Path(a) for a in argv[1:]])
        print(f"wrote {JA_PO.relative_to(ROOT)}; {len(missing)} messages without Japanese")
        for m in missing:
            print(f"  {m!r}")
        return 0
    if cmd == "compile":
        JA_MO.write_bytes(compile_bytes(read_catalog()))
        print(f"wrote {JA_MO.relative_to(ROOT)}")
        return 0
    missing = untranslated(extract_catalog(), read_catalog())
    for m in missing:
        print(f"no Japanese: {m!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
