"""Everything cwwatch knows about CrowdWorks, and the only code that does.

- ``selectors``: loads and validates ``selectors/*.toml`` (the markup knowledge, as data);
- ``chromium``: finds a browser (standard library only: the bootstrap uses it);
- ``site``: the Playwright session (login, pacing, host guard, snapshots); ``login``: the steps of
  ``cwwatch login`` in the browser (the headed login's form, the logged-in check);
- ``kinds``: pure, one module per page kind (its reader, its ``check-pages`` record, how to
  recognise it, its fixtures) and the registry of kinds;
- ``dom``, ``walls``, ``wording``: pure, what the kinds share: the DOM toolkit, the login wall and
  the challenges, the site's relative-time wording;
- ``check``: pure, one saved page read as a scan would (``cwwatch check-pages``);
- ``pages``: one loader per page kind over the site, returning records or raising ``Unhealthy``;
- ``redact``: what a saved page must not carry.

Nothing here imports ``store``, ``decide``, ``notify``, ``report`` or ``cli`` (an import-linter
contract in ``pyproject.toml``).
"""
