"""The dashboard's Starlette app: its routes, behind :class:`~watcher.web.guards.Guards`.

Routes (every one behind the guards; contract pages at ``dashlink.contract_path(id)``):

- ``GET /`` the board; ``GET /contracts/<id>`` a contract; ``GET /scans`` the scans;
- ``GET /evidence/<path>`` a saved page (served sandboxed: no script runs, nothing loads) or its
  screenshot, from the evidence folder only (:mod:`watcher.web.evidence`);
- ``GET /static/<name>`` the package's own style and script;
- ``POST /contracts/<id>/mute``, ``/unmute``, ``/delivered``: the actions, through
  :mod:`watcher.actions` (the commands' code); each answers 303 back to the contract page, or the
  page again with the refusal in words (400).

A page reads the history on each request (a short read; the scan's writes use WAL).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from jinja2 import Environment
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from watcher import actions, dashlink
from watcher.errors import ConfigError
from watcher.i18n import N_, _
from watcher.jptime import JST
from watcher.web import evidence, pages
from watcher.web.guards import CSRF_FIELD, Guards, derive
from watcher.web.templating import environment

STATIC = {"style.css": "text/css; charset=utf-8", "dashboard.js": "text/javascript; charset=utf-8"}
MUTE_FOR = {"1d": timedelta(days=1), "3d": timedelta(days=3), "1w": timedelta(weeks=1), "2w": timedelta(weeks=2)}
SANDBOX = "sandbox; default-src 'none'; img-src 'none'; style-src 'unsafe-inline'"


def refusal_page(env: Environment) -> Callable[[int, str], bytes]:
    """The body of a refusal: what was refused, and how to open the dashboard (no detail of why a
    key or token did not match)."""
    def body(status: int, reason: str) -> bytes:
        words = {
            "host": _("This address is not the dashboard's. Open it with `cwwatch open`."),
            "method": _("This request is not allowed."),
            "key": _("The link is not valid. Open the dashboard with "
                     "`cwwatch open`."),
            "cookie": _("Open the dashboard with `cwwatch open` (or a notification's link): this browser has "
                        "not been let in."),
            "origin": _("A change can only come from the dashboard's own page."),
            "csrf": _("The form is out of date or not the dashboard's. Reload the page and try again."),
            "form": _("The form could not be read."),
        }[reason]
        return env.get_template("refused.html").render(status=status, words=words).encode("utf-8")
    return body


def build(dash: pages.Dashboard, secret: str, port: Callable[[], int]) -> Guards:
    """The app behind its guards, for the server on 127.0.0.1:``port()`` opened with ``secret``."""
    env = environment()
    csrf = derive(secret, "csrf")

    def render(name: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = env.get_template(name).render(csrf=csrf, csrf_field=CSRF_FIELD, **values)
        return HTMLResponse(html, status_code=status)

    async def board(request: Request) -> Response:
        return render("board.html", board=pages.board(dash), page="board")

    def contract_or_404(cid: int, **extra: Any) -> Response:
        try:
            page = pages.contract(dash, cid)
        except ConfigError as exc:
            return render("missing.html", status=404, words=str(exc), page="contract")
        now = dash.clock()
        return render("contract.html", c=page, page="contract", now_local=now.astimezone(JST).strftime(
            "%Y-%m-%dT%H:%M"), **extra)

    async def contract(request: Request) -> Response:
        said = request.query_params.get("said", "")
        return contract_or_404(int(request.path_params["cid"]), said=SAID.get(said))

    async def act(request: Request) -> Response:
        cid = int(request.path_params["cid"])
        what = request.path_params["what"]
        form = await request.form()
        now = dash.clock()
        store = dash.open_store()
        try:
            if what == "mute":
                choice = str(form.get("for", ""))
                if choice != "reply" and choice not in MUTE_FOR:
                    raise ConfigError(_("Choose how long to mute."))
                until = None if choice == "reply" else now + MUTE_FOR[choice]
                actions.mute(store, cid, now, until, str(form.get("reason", ""))[:200])
            elif what == "unmute":
                actions.unmute(store, cid)
            elif what == "delivered":
                how = str(form.get("how", ""))
                if how.startswith("message:"):
                    actions.confirm_delivery(store, cid, now, message=how.removeprefix("message:"))
                elif how == "at":
                    actions.confirm_delivery(store, cid, now, at=_local_time(str(form.get("at", ""))))
                elif how in ("none", "undo"):
                    actions.confirm_delivery(store, cid, now, none=how == "none", undo=how == "undo")
                else:
                    raise ConfigError(_("Choose the message, the time, or that none was the report."))
            else:
                return render("missing.html", status=404, words=_("No such page."), page="")
        except ConfigError as exc:
            return contract_or_404(cid, error=str(exc))
        finally:
            if store is not None:
                store.close()
        return RedirectResponse(f"{dashlink.contract_path(cid)}?said={what}", status_code=303)

    async def scans(request: Request) -> Response:
        asked = request.query_params.get("doctor") == "1" and dash.doctor is not None
        doctor = dash.doctor() if asked and dash.doctor else None
        return render("scans.html", scans=pages.scans(dash), doctor=doctor, can_doctor=dash.doctor is not None,
                      page="scans")

    async def saved(request: Request) -> Response:
        path = evidence.find(dash.paths.layout_dir, request.path_params["rel"])
        if path is None:
            return render("missing.html", status=404, words=_("No such saved page."), page="scans")
        kind = evidence.TYPES[path.suffix]
        headers = {"content-security-policy": SANDBOX} if path.suffix == ".html" else {}
        return FileResponse(path, media_type=kind, headers=headers)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return render("missing.html", status=404, words=_("No such page."), page="")
        data = (resources.files("watcher.web") / "static" / name).read_bytes()
        return Response(data, media_type=STATIC[name])

    routes = [
        Route("/", board, methods=["GET"]),
        Route("/contracts/{cid:int}", contract, methods=["GET"]),
        Route("/contracts/{cid:int}/{what:str}", act, methods=["POST"]),
        Route("/scans", scans, methods=["GET"]),
        Route("/evidence/{rel:path}", saved, methods=["GET"]),
        Route("/static/{name:str}", static, methods=["GET"]),
    ]
    return Guards(Starlette(routes=routes), secret, port, refusal_page(env))


SAID = {"mute": N_("Muted."), "unmute": N_("Unmuted."), "delivered": N_("Saved when it was delivered.")}


def _local_time(text: str) -> datetime:
    """``2026-11-20T10:00`` from a datetime-local field: Japan time. ConfigError otherwise."""
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(_("Give the time of the delivery.")) from None
    return (t if t.tzinfo else t.replace(tzinfo=JST)).astimezone(UTC)
