"""One language, chosen once: every message has Japanese, the compiled catalog is current, the
placeholders survive translation, and the language is chosen as documented."""

from __future__ import annotations

import re

import pytest

from tests.catalogs import JA_MO, compile_bytes, extract_catalog, read_catalog, untranslated
from watcher import i18n

FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:[!:][^}]*)?\}|%\((\w+)\)[sdr]|%[sdr]")


@pytest.fixture(scope="module")
def template():
    return extract_catalog()


@pytest.fixture(scope="module")
def ja():
    return read_catalog()


def test_every_message_has_japanese(template, ja) -> None:
    missing = untranslated(template, ja)
    assert not missing, (f"{len(missing)} messages have no Japanese entry: run `.venv/bin/python tests/catalogs.py "
                         "update`, translate them in watcher/locale/ja/LC_MESSAGES/cwwatch.po, then `compile`:\n"
                         + "\n".join(f"  {m!r}" for m in missing[:40]))


def test_the_compiled_catalog_is_the_po_compiled(ja) -> None:
    assert JA_MO.read_bytes() == compile_bytes(ja), "run `.venv/bin/python tests/catalogs.py compile`"


def _fields(text: str) -> list[str]:
    return sorted(a or b or "%" for a, b in FIELD.findall(text))


def test_translations_keep_every_placeholder(template, ja) -> None:
    bad = []
    for m in template:
        if not m.id:
            continue
        t = ja.get(m.id, m.context)
        if t is None:
            continue
        ids = m.id if isinstance(m.id, tuple | list) else (m.id,)
        strings = t.string if isinstance(t.string, tuple | list) else (t.string,)
        want = _fields(ids[-1])
        bad += [f"{ids[0]!r} → {s!r}" for s in strings if _fields(s) != want
                and not (len(ids) > 1 and _fields(s) == _fields(ids[0]))]
    assert not bad, "placeholders lost or renamed:\n" + "\n".join(bad)


def test_messages_name_their_fields(template) -> None:
    """``{}`` cannot be moved by a translation: every field has a name."""
    anonymous = [m.id for m in template if m.id and any("{}" in x for x in (m.id if isinstance(m.id, tuple)
                                                                        else (m.id,)))]
    assert not anonymous, anonymous


@pytest.mark.parametrize(("values", "lang"), [
    (["", None, "", "en_US.UTF-8"], "en"),
    (["ja_JP.UTF-8"], "ja"),
    (["fr:en"], "en"),
    (["", "C.UTF-8"], None),
    (["de_DE.UTF-8"], None),
    ([None, None, None, None], None),
])
def test_the_language_of_a_locale(values, lang) -> None:
    assert i18n.from_locale(values) == lang


def test_english_is_the_message_and_japanese_its_translation() -> None:
    assert i18n.In("en")("usage: ") == "usage: "
    assert i18n.In("ja")("usage: ") == "使い方: "
    with pytest.raises(ValueError):
        i18n.use("fr")
