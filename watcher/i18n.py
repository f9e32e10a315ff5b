"""One language for everything a person reads, chosen once: gettext catalogs.

The messages in the code are English (the msgids); the Japanese catalog
``watcher/locale/ja/LC_MESSAGES/cwwatch.mo``, compiled by Babel from the ``.po`` beside it,
translates them. Japanese is the default: the people who use cwwatch are Japanese freelancers.
English comes with ``--lang en``, the config's ``lang``, or an English locale; the command line
picks the language once (``use``) before it builds its parser or prints anything.

In code::

    from watcher.i18n import _, N_, ngettext

    _("No active contracts.")                         # translated now
    ngettext("{n} page", "{n} pages", n).format(n=n)  # English plural; Japanese has one form
    LABEL = N_("Escrow")                              # marked at import, translated at use: _(LABEL)

Placeholders are ``str.format`` fields with names (``{name}``), never ``%`` or positional ``{}``,
so that a translation can put them in its own order. ``tests/catalogs.py`` extracts, updates and
compiles the catalogs; ``tests/test_i18n.py`` fails when a message has no Japanese entry.

Pure: reading a compiled catalog from the package is the only I/O, on first use.
"""

from __future__ import annotations

import gettext
from functools import cache
from importlib import resources

DOMAIN = "cwwatch"
LANGS = ("ja", "en")
DEFAULT = "ja"

_lang = DEFAULT


def localedir() -> str:
    """The folder holding ``<lang>/LC_MESSAGES/cwwatch.mo`` (inside the installed package)."""
    return str(resources.files("watcher") / "locale")


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of ``lang``: English is the messages themselves. Raises ValueError for an
    unknown language; a missing Japanese catalog is a broken install (FileNotFoundError)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (known: {', '.join(LANGS)})")
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir(), languages=[lang])


def use(lang: str) -> None:
    """Choose the language of everything printed from now on (``ja`` or ``en``)."""
    global _lang
    translations(lang)  # fail here, not in the middle of a sentence
    _lang = lang


def current() -> str:
    return _lang


def from_locale(values: list[str | None]) -> str | None:
    """The language a locale setting names: the first set value of ``LANGUAGE`` (a colon list),
    ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, in that order; ``en_US.UTF-8`` → "en", ``ja_JP`` → "ja".
    None when none names a language we have (``C``, ``POSIX``, unset: the default applies)."""
    for value in values:
        if not value:
            continue
        for item in value.split(":"):  # LANGUAGE lists languages in the order wanted
            code = item.split(".")[0].split("_")[0].split("@")[0].lower()
            if code in LANGS:
                return code
        return None  # the first variable set decides, as gettext does
    return None


def _(message: str) -> str:
    """``message`` in the chosen language."""
    return translations(_lang).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for ``n`` in the chosen language (Japanese has one)."""
    return translations(_lang).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it now (a module-level constant)."""
    return message


class In:
    """The messages of one given language, whatever was chosen: ``In("ja")("Escrow")``. For texts
    that have a language of their own (a draft to the desk is always Japanese)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._t = translations(lang)

    def __call__(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)
