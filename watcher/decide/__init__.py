"""The pure decisions, ``now`` always given: what to load (``plan``), business days
(``bizdays``), what the history means (``rules``) and who hears about it (``alerts``).

No Playwright, no sqlite3, no file I/O (an import-linter contract in ``pyproject.toml``).
"""
