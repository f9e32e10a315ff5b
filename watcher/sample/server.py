"""The sample site: a small local web server that renders a scenario like the real site.

It serves ``cwwatch demo``, the end-to-end tests and the benchmark. It listens on 127.0.0.1 only,
on a free port, with a login form, session cookies, a redirect to ``/login`` when logged out,
paging, the ``mobylette_device`` switch to smartphone markup, and the faults the scenario switches
on. It counts what it serves (``stats``) so tests can tell a reused session from a new login.

The pages are the page kinds' (:mod:`watcher.sample.site`): the server looks a path up in their
route table (:data:`watcher.sample.site.ROUTES`) and sends the kind's answer. What is not a page is
the server's: sessions and the login form's POST, the faults, the counters.

Run it alone: ``python -m watcher.sample.server SCENARIO.toml [--port N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import secrets
import socket
import sys
import threading
import time
from collections import Counter
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from watcher.sample.scenario import Scenario, load_scenario
from watcher.sample.site import ROUTES, walls
from watcher.sample.site.assets import MOVE_ONCE_JS, RELOAD_JS
from watcher.sample.site.routing import JSON_TYPE, Answer, Request, find_route

COOKIE = "_cw_session_id"  # the real site's session cookie (reported)
DEVICE_COOKIE = "mobylette_device"  # "sp": smartphone markup; "pc" or none: desktop (seen)


class SampleSite:
    """Serve a scenario; swap it for the next state of the story with :meth:`set_scenario`."""

    def __init__(self, scenario: Scenario, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Lock()
        self.scenario = scenario
        self.sessions: set[str] = set()
        self.pending_two_step: set[str] = set()
        self.stats: Counter[str] = Counter()
        self.paths: list[str] = []  # every request's path and query, in order
        self.bytes_sent = 0  # bytes of response bodies
        self.member_pages = 0  # member pages served since the scenario was set (for session expiry)
        self._expired = False
        self._expired_at = False  # the scenario's session_expires_at has been used up
        handler = type("Handler", (_Handler,), {"site": self})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SampleSite:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="sample-site",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> SampleSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_scenario(self, scenario: Scenario) -> None:
        with self._lock:
            self.scenario = scenario
            self.member_pages = 0
            self._expired = False
            self._expired_at = False

    def expire_sessions(self) -> None:
        """Forget every session, as when the real site's session times out."""
        with self._lock:
            self.sessions.clear()

    def expire_at(self) -> None:
        """Forget every session, once a scenario: the session ends right before this request
        (``session_expires_at``: e.g. between the inbox page and its own API call)."""
        with self._lock:
            if not self._expired_at:
                self.sessions.clear()
                self._expired_at = True

    def served_member_page(self) -> None:
        """Count a member page; forget every session once the scenario's allowance is used up."""
        with self._lock:
            self.member_pages += 1
            limit = self.scenario.faults.session_expires_after
            if limit and not self._expired and self.member_pages >= limit:
                self.sessions.clear()
                self._expired = True

    def count(self, key: str) -> None:
        with self._lock:
            self.stats[key] += 1

    def count_bytes(self, n: int) -> None:
        """Bytes of response bodies served (the benchmark's cost of a scan)."""
        with self._lock:
            self.bytes_sent += n

    def reset_stats(self) -> None:
        with self._lock:
            self.stats.clear()
            self.paths.clear()
            self.bytes_sent = 0


_JSON_PATHS = ("/api/", "/message/threads/")


class _Handler(BaseHTTPRequestHandler):
    site: SampleSite
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "cwwatch-sample/1"
    _truncate = False
    _script = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- helpers ---------------------------------------------------------------------------------

    def _cookie(self, name: str) -> str | None:
        raw = self.headers.get("Cookie")
        if not raw:
            return None
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw)
        except Exception:
            return None
        morsel = jar.get(name)
        return morsel.value if morsel else None

    def _session(self) -> str | None:
        return self._cookie(COOKIE)

    def _send(self, status: int, body: str | bytes, ctype: str = "text/html; charset=utf-8",
              headers: dict[str, str] | list[tuple[str, str]] | None = None) -> None:
        if self._script and isinstance(body, str) and "</body>" in body:  # a page that moves by itself
            body = body.replace("</body>", self._script + "</body>", 1)
        raw = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if self._truncate:  # the body ends where the connection drops: nothing says it is short
            self.send_header("Connection", "close")
        else:
            self.send_header("Content-Length", str(len(raw)))
        self.send_header("Cache-Control", "no-store")
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        for k, v in pairs:
            self.send_header(k, v)
        self.end_headers()
        if self.command == "HEAD":
            return
        self.site.count_bytes(len(raw) if not self._truncate else len(raw) // 2)
        if self._truncate:  # the connection drops half-way through the page
            self.wfile.write(raw[: len(raw) // 2])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(raw)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False), JSON_TYPE)

    def _redirect(self, location: str, cookie: str | None = None, device: str | None = None) -> None:
        headers = [("Location", location)]
        if cookie is not None:
            headers.append(("Set-Cookie", f"{COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax"
                            if cookie else f"{COOKIE}=; Path=/; Max-Age=0"))
        if device:
            headers.append(("Set-Cookie", f"{DEVICE_COOKIE}={device}; Path=/"))
        self._send(HTTPStatus.FOUND, b"", headers=headers)

    # -- routes ----------------------------------------------------------------------------------

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        """Answer one request: the faults first, then the session, then the page kind's route."""
        site = self.site
        sc = site.scenario
        parts = urlsplit(self.path)
        path = parts.path
        site.paths.append(self.path)
        faults = sc.faults

        def hit(paths: list[str] | dict[str, str]) -> bool:  # a fault set for this path or path?query
            return path in paths or self.path in paths

        self._truncate = hit(faults.truncated)
        self._script = RELOAD_JS if hit(faults.reload_loop) else MOVE_ONCE_JS if hit(faults.redirect_once) else ""
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if path == "/__sample__/stats":
            self._json(200, dict(site.stats))
            return
        route, number = find_route(ROUTES, path) or (None, 0)  # the page kind that answers the path
        if hit(faults.session_expires_at):
            site.expire_at()
        token = self._session()
        logged_in = token is not None and token in site.sessions
        req = Request(sc, parse_qs(parts.query), logged_in, self._cookie(DEVICE_COOKIE) == "sp")
        if route is not None and route.access == "asset":
            self._answer(route.handler(req, number))
            return
        if faults.login == "bot_check":  # the WAF answers every page before the site does
            site.count("bot_check")
            status = HTTPStatus.METHOD_NOT_ALLOWED if method == "POST" else HTTPStatus.ACCEPTED
            self._send(status, walls.bot_check_page(), headers={"x-amzn-waf-action": "challenge"})
            return
        if faults.challenge and (not faults.challenge_on or hit(faults.challenge_on)):
            self._challenge(faults.challenge)
            return
        if hit(faults.slow):
            site.count("slow")
            time.sleep(faults.slow_ms / 1000)
        if hit(faults.redirect):
            site.count("redirect")
            self._redirect(faults.redirect.get(self.path) or faults.redirect[path])
            return
        if hit(faults.server_error):
            site.count("server_error")
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, walls.server_error_page())
            return
        if path == "/login" and method == "POST":
            self._login_post(sc)
            return
        if path == "/logout":
            if token:
                site.sessions.discard(token)
            self._redirect("/login", cookie="")
            return
        if route is None or route.access != "public":  # a member page (or none: 404 to members only)
            if not logged_in:
                site.count("login_wall")
                if path.startswith(_JSON_PATHS):
                    self._json(sc.faults.unauthorized_status, {"status": "error", "error": "unauthorized"})
                    return
                self._redirect("/login")
                return
            site.served_member_page()
        self._answer(route.handler(req, number) if route is not None else None, logged_in)

    def _challenge(self, kind: str) -> None:
        """A firewall's challenge instead of the page (the ``challenge`` fault), told by protocol only."""
        self.site.count("challenge")
        if kind.startswith("cloudflare"):
            status = HTTPStatus.SERVICE_UNAVAILABLE if kind == "cloudflare_503" else HTTPStatus.FORBIDDEN
            self._send(status, walls.cloudflare_page(), headers={
                "cf-mitigated": "challenge", "server": "cloudflare", "cf-ray": "8f0c1a2b3c4d5e6f-NRT"})
        elif kind.startswith("aws_waf"):
            captcha = kind == "aws_waf_captcha"
            self._send(HTTPStatus.METHOD_NOT_ALLOWED if captcha else HTTPStatus.ACCEPTED, walls.aws_waf_page(captcha),
                       headers={"x-amzn-waf-action": "captcha" if captcha else "challenge"})
        else:
            self._send(HTTPStatus.OK, walls.headerless_page())

    def _answer(self, answer: Answer | None, logged_in: bool = True) -> None:
        """Send a route's answer, counted; no answer is the 404 page."""
        if answer is None:
            self._not_found(logged_in)
            return
        if answer.count:
            self.site.count(answer.count)
        if answer.delay_ms:
            time.sleep(answer.delay_ms / 1000)
        if answer.location:
            self._redirect(answer.location)
            return
        self._send(answer.status, answer.body, answer.ctype)

    def _not_found(self, logged_in: bool) -> None:
        self.site.count("not_found")
        self._send(HTTPStatus.NOT_FOUND, walls.not_found_page(logged_in, self.site.scenario))

    def _login_post(self, sc: Scenario) -> None:
        site = self.site
        site.count("login_post")
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        user = form.get("username", [""])[0]
        password = form.get("password", [""])[0]
        if sc.faults.login == "captcha":
            self._send(200, walls.login_page(error="captcha_required", captcha=True))
            return
        if user != sc.worker.email:
            site.count("login_failed")
            self._send(200, walls.login_page(error="account_missing"))
            return
        if password != sc.worker.password or sc.faults.login == "wrong_password":
            site.count("login_failed")
            self._send(200, walls.login_page(error="password_mismatch"))
            return
        token = secrets.token_urlsafe(24)
        device = "sp" if sc.faults.smartphone else None
        if sc.faults.login == "two_step":
            site.pending_two_step.add(token)
            self._redirect("/login/two_step_authentication", cookie=token, device=device)
            return
        site.sessions.add(token)
        site.count("login_ok")
        self._redirect("/dashboard", cookie=token, device=device)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m watcher.sample.server",
                                 description="Serve a scenario file as the sample site.")
    ap.add_argument("scenario")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    from watcher.errors import CwError

    try:
        sc = load_scenario(args.scenario)
    except CwError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    site = SampleSite(sc, port=args.port)
    print(site.url, flush=True)
    try:
        site.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        site.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
