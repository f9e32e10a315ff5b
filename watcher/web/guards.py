"""The dashboard's guards, as one ASGI middleware in front of every route (docs/dashboard.md, "Threat
model", says what each one stops).

In the order a request meets them:

1. **Host**: the ``Host`` header must be ``127.0.0.1:<port>`` exactly (a page of another site that
   rebinds its name to 127.0.0.1 sends its own name): else 421.
2. **Method**: GET, HEAD and POST only: else 405.
3. **The key**: a GET whose query holds ``key`` equal to the secret (compared in constant time) gets
   the session cookie (HttpOnly, SameSite=Strict, Path=/) and a page that moves on (meta refresh) to
   the same address without the key; a wrong key is 403. Any other request needs the cookie: else
   403 (a page that says how to open the dashboard). The cookie's value is derived from the secret
   (HMAC), never the secret itself.
4. **POST**: same origin (``Origin`` equal to ``http://127.0.0.1:<port>``; without an ``Origin``,
   ``Sec-Fetch-Site: same-origin``; neither: refused) else 403; a form
   (``application/x-www-form-urlencoded``, at most 64 KiB) whose ``csrf`` field is the token (HMAC of
   the secret; compared in constant time) else 403. The body read here is replayed to the route.
5. **Headers on every answer**: a strict Content-Security-Policy (only this server's own scripts,
   styles and images; no inline script; no frame; forms only to itself), ``same-origin`` referrers (no
   address of the dashboard leaves in a Referer; ``no-referrer`` would make the browser send
   ``Origin: null`` on the dashboard's own forms), ``nosniff``, ``no-store``, DENY framing.

No secret, cookie value or token is logged or put into an error text.
"""

from __future__ import annotations

import hashlib
import hmac
import html
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "cwwatch_dashboard"
CSRF_FIELD = "csrf"
MAX_FORM = 64 * 1024
HOST = "127.0.0.1"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


def derive(secret: str, purpose: str) -> str:
    """A value made from the secret for one ``purpose`` ("cookie", "csrf"): hex HMAC-SHA256."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Guards:
    """The middleware: ``app`` behind the guards, for ``secret`` and a server on 127.0.0.1:``port()``
    (known once the socket is bound). ``refused(status, reason)`` makes the body of a refusal."""

    def __init__(self, app: ASGIApp, secret: str, port: Callable[[], int],
                 refused: Callable[[int, str], bytes]) -> None:
        self.app = app
        self.cookie = derive(secret, "cookie")
        self.csrf = derive(secret, "csrf")
        self._secret = secret
        self._port = port
        self._refused = refused

    # -- the ASGI entry ----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            return  # no websockets
        send = self._with_headers(send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = f"http://{HOST}:{self._port()}"
        if headers.get("host", "") != f"{HOST}:{self._port()}":
            await self._refuse(send, 421, "host")
            return
        method = scope["method"]
        if method not in ("GET", "HEAD", "POST"):
            await self._refuse(send, 405, "method")
            return
        query = scope.get("query_string", b"").decode("latin-1")
        pairs = parse_qsl(query, keep_blank_values=True)
        keys = [v for k, v in pairs if k == "key"]
        if keys and method in ("GET", "HEAD"):
            if len(keys) != 1 or not _same(keys[0], self._secret):
                await self._refuse(send, 403, "key")
                return
            rest = urlencode([(k, v) for k, v in pairs if k != "key"])
            path = scope.get("path", "/")
            if not path.startswith("/") or path.startswith("//") or "\\" in path:
                path = "/"  # never off this server (//host is another site)
            await self._let_in(send, path + (f"?{rest}" if rest else ""))
            return
        if not self._has_cookie(headers.get("cookie", "")):
            await self._refuse(send, 403, "cookie")
            return
        if method == "POST":
            if not self._same_origin(headers, origin):
                await self._refuse(send, 403, "origin")
                return
            body = await self._form_body(receive, headers)
            if body is None:
                await self._refuse(send, 413, "form")
                return
            fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            tokens = [v for k, v in fields if k == CSRF_FIELD]
            if len(tokens) != 1 or not _same(tokens[0], self.csrf):
                await self._refuse(send, 403, "csrf")
                return
            receive = _replay(body)
        await self.app(scope, receive, send)

    # -- the checks --------------------------------------------------------------------------------

    def _has_cookie(self, header: str) -> bool:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header)
        except Exception:  # a malformed Cookie header is no cookie
            return False
        got = jar.get(COOKIE)
        return got is not None and _same(got.value, self.cookie)

    @staticmethod
    def _same_origin(headers: dict[str, str], origin: str) -> bool:
        sent = headers.get("origin")
        if sent is not None:
            return sent == origin
        return headers.get("sec-fetch-site") == "same-origin"

    @staticmethod
    async def _form_body(receive: Receive, headers: dict[str, str]) -> bytes | None:
        """The whole body of a urlencoded form of at most MAX_FORM bytes, else None."""
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_FORM:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    # -- answers -----------------------------------------------------------------------------------

    @staticmethod
    def _with_headers(send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _v in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in HEADERS if k not in names]
            await send(message)
        return wrapped

    async def _refuse(self, send: Send, status: int, reason: str) -> None:
        body = self._refused(status, reason)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def _cookie_header(self) -> bytes:
        return f"{COOKIE}={self.cookie}; HttpOnly; SameSite=Strict; Path=/".encode()

    async def _let_in(self, send: Send, where: str) -> None:
        """The cookie, and the page again without the key. Not a 303: a redirect keeps the first
        request's initiator, and a link opened from a file or another app would then not carry a
        SameSite=Strict cookie; a refresh from this origin's own answer does."""
        url = html.escape(quote(where, safe="/?=&%:@+,;~-._"), quote=True)
        body = (f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={url}">'
                f'<title>cwwatch</title><a href="{url}">cwwatch</a>').encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()),
                                (b"set-cookie", self._cookie_header())]})
        await send({"type": "http.response.body", "body": body})


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive
