"""The local dashboard (issue 18, docs/dashboard.md): a Starlette app served by uvicorn on 127.0.0.1,
in the daemon's process (watcher/daemon/dashboard.py) or by ``cwwatch open``.

- ``app.py``: the app: its routes, the guards in front (``guards.py``), the templates (``templating.py``)
- ``pages.py``: each page's data from the history (``watcher.views``) and the actions
  (``watcher.actions``), the same code ``status``, ``report``, ``mute`` and ``delivered`` run
- ``evidence.py``: a saved page or screenshot, only from the evidence folder
- ``serve.py``: uvicorn in a thread; the address announced (``watcher.dashlink``) while it listens

Nothing here is imported unless the dashboard serves: this package imports Starlette, uvicorn and
Jinja2, which a daemon with the dashboard off, and every other command, does not load.
"""
