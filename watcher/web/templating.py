"""The dashboard's Jinja2 environment: the package's templates, autoescaped, with the i18n extension
bound to :mod:`watcher.i18n` (``_()`` and ``ngettext()`` in a template are the catalog's, in the
language chosen for the process; placeholders are ``{name}`` fields filled with ``.format()``, as in
the code). Babel extracts the templates' messages too (``tests/catalogs.py``)."""

from __future__ import annotations

from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from watcher import i18n
from watcher.report.words import fmt_time


def _time(t: datetime | None) -> str:
    return fmt_time(t) if t is not None else "-"


def environment() -> Environment:
    env = Environment(loader=PackageLoader("watcher.web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda m: i18n._(m), ngettext=lambda s, p, n: i18n.ngettext(s, p, n), newstyle=False)
    env.filters["jst"] = _time
    env.globals["lang"] = i18n.current
    return env
