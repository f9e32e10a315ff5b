"""Everything cwwatch knows about CrowdWorks, and the only code that does.

- ``selectors``: loads and validates ``selectors/*.toml`` (the markup knowledge, as data);
- ``chromium``: finds a browser (standard library only: the bootstrap uses it);
- ``site``: the Playwright session (login, pacing, host guard, snapshots);
- ``extract``: pure, page text to records;
- ``pages``: one reader per page kind, returning records or raising ``Unhealthy``;
- ``redact``: what a saved page must not carry.

Nothing here imports ``store``, ``decide``, ``notify``, ``report`` or ``cli`` (an import-linter
contract in ``pyproject.toml``).
"""
