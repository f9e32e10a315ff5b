"""The dashboard's guards (watcher/web/guards.py, docs/dashboard.md "Threat model"), each against a
real server (uvicorn on 127.0.0.1, as the daemon and ``cwwatch open`` run it) over the scanned story,
with raw HTTP so that every header is the test's own. Each test fails without its guard.

Fast tier: no browser (tests/test_dashboard_browser.py drives the pages in Chromium).
"""

from __future__ import annotations

import http.client
import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from watcher import dashlink
from watcher.models import HealthKind, Problem
from watcher.paths import Paths
from watcher.store import Store
from watcher.web.guards import COOKIE, CSP, derive
from watcher.web.pages import Dashboard
from watcher.web.serve import Server
from watcher.wiring import load_env

NOW = datetime.fromisoformat("2026-11-20T10:00:00+09:00")
CID = 963659463  # the story's quiet client, acceptance overdue


@pytest.fixture
def served(home: Path) -> Iterator[Server]:
    paths = Paths.under(home)
    server = Server(Dashboard(paths=paths, site=load_env(None, None, paths), clock=lambda: NOW)).start()
    yield server
    server.stop()


def ask(server: Server, method: str, path: str, *, host: str | None = None, cookie: bool = True,
        headers: dict[str, str] | None = None, body: bytes | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    h = {"Host": host or f"127.0.0.1:{server.port}"}
    if cookie:
        h["Cookie"] = f"{COOKIE}={derive(secret(server), 'cookie')}"
    h.update(headers or {})
    conn.request(method, path, body=body, headers=h)
    resp = conn.getresponse()
    resp.body = resp.read()  # type: ignore[attr-defined]
    conn.close()
    return resp


def secret(server: Server) -> str:
    return dashlink.secret(server.dash.paths.state_dir)


def csrf(server: Server) -> str:
    page = ask(server, "GET", dashlink.contract_path(CID)).body  # type: ignore[attr-defined]
    found = re.search(rb'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "the contract page has no CSRF field"
    return found[1].decode()


def post(server: Server, path: str, fields: dict[str, str], **kw: object) -> http.client.HTTPResponse:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://127.0.0.1:{server.port}"}
    headers.update(kw.pop("headers", {}) or {})  # type: ignore[arg-type]
    return ask(server, "POST", path, headers=headers, body=urlencode(fields).encode(), **kw)  # type: ignore[arg-type]


def muted(server: Server) -> bool:
    store = Store(server.dash.paths.db_file)
    try:
        return CID in store.mutes()
    finally:
        store.close()


# -- the key and the cookie ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", dashlink.contract_path(CID), "/scans", "/static/style.css",
                                  "/evidence/x/page.html"])
def test_without_the_key_or_its_cookie_every_page_is_refused(served: Server, path: str) -> None:
    resp = ask(served, "GET", path, cookie=False)
    assert resp.status == 403
    assert "株式会社サンプルトラベル".encode() not in resp.body  # type: ignore[attr-defined]
    wrong = ask(served, "GET", path, cookie=False, headers={"Cookie": f"{COOKIE}={'0' * 64}"})
    assert wrong.status == 403


def test_a_wrong_key_is_refused_and_lets_nobody_in(served: Server) -> None:
    resp = ask(served, "GET", "/?key=" + "A" * 43, cookie=False)
    assert resp.status == 403
    assert resp.getheader("set-cookie") is None


def test_the_key_becomes_a_strict_http_only_cookie_and_leaves_the_address(served: Server) -> None:
    link = dashlink.link(served.dash.paths.state_dir, dashlink.contract_path(CID))
    assert link is not None and link.startswith(served.origin)
    path = link.removeprefix(served.origin)
    resp = ask(served, "GET", path, cookie=False)
    assert resp.status == 200
    cookie = resp.getheader("set-cookie") or ""
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert value != secret(served) and secret(served) not in cookie
    body = resp.body.decode()  # type: ignore[attr-defined]
    assert secret(served) not in body
    assert f'url={dashlink.contract_path(CID)}"' in body  # moves on to the address without the key
    page = ask(served, "GET", dashlink.contract_path(CID), cookie=False, headers={"Cookie": f"{COOKIE}={value}"})
    assert page.status == 200 and "旅行スポット紹介記事".encode() in page.body  # type: ignore[attr-defined]


def test_a_key_link_never_redirects_off_the_server(served: Server) -> None:
    resp = ask(served, "GET", f"//evil.example/?key={secret(served)}", cookie=False)
    assert resp.status == 200
    assert b"evil.example" not in resp.body  # type: ignore[attr-defined]


# -- Host (DNS rebinding) -------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "localhost:{port}", "127.0.0.1",
                                  "127.0.0.1:1", "[::1]:{port}"])
def test_a_foreign_host_is_refused(served: Server, host: str) -> None:
    resp = ask(served, "GET", "/", host=host.format(port=served.port))
    assert resp.status == 421
    assert "株式会社サンプルトラベル".encode() not in resp.body  # type: ignore[attr-defined]
    key = ask(served, "GET", f"/?key={secret(served)}", host=host.format(port=served.port), cookie=False)
    assert key.status == 421 and key.getheader("set-cookie") is None


def test_the_server_listens_on_the_loopback_only(served: Server) -> None:
    where = dashlink.announced(served.dash.paths.state_dir)
    assert where is not None and where.port == served.port and where.pid == os.getpid()
    assert served._sock is not None and served._sock.getsockname()[0] == "127.0.0.1"


# -- state-changing requests: same origin, CSRF token --------------------------------------------------


def test_a_post_with_the_token_from_the_page_itself_mutes(served: Server) -> None:
    resp = post(served, f"/contracts/{CID}/mute", {"csrf": csrf(served), "for": "3d"})
    assert resp.status == 303 and resp.getheader("location") == f"{dashlink.contract_path(CID)}?said=mute"
    assert muted(served)


@pytest.mark.parametrize("origin", [{"Origin": "http://evil.example"}, {"Origin": "null"},
                                    {"Origin": "http://127.0.0.1:1"},
                                    {"Origin": "", "Sec-Fetch-Site": "cross-site"}])
def test_a_cross_origin_post_is_refused(served: Server, origin: dict[str, str]) -> None:
    token = csrf(served)
    headers = dict(origin)
    if headers.get("Origin") == "":
        headers = {"Sec-Fetch-Site": "cross-site"}
        resp = ask(served, "POST", f"/contracts/{CID}/mute", body=urlencode({"csrf": token, "for": "3d"}).encode(),
                   headers={"Content-Type": "application/x-www-form-urlencoded", **headers})
    else:
        resp = post(served, f"/contracts/{CID}/mute", {"csrf": token, "for": "3d"}, headers=headers)
    assert resp.status == 403
    assert not muted(served)


def test_a_post_without_origin_or_fetch_site_is_refused(served: Server) -> None:
    resp = ask(served, "POST", f"/contracts/{CID}/mute", body=urlencode({"csrf": csrf(served), "for": "3d"}).encode(),
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 403 and not muted(served)


@pytest.mark.parametrize("fields", [{"for": "3d"}, {"csrf": "", "for": "3d"}, {"csrf": "0" * 64, "for": "3d"},
                                    {"csrf": "{secret}", "for": "3d"}])
def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(served: Server, fields: dict[str, str]) -> None:
    fields = {k: v.format(secret=secret(served)) for k, v in fields.items()}
    resp = post(served, f"/contracts/{CID}/mute", fields)
    assert resp.status == 403 and not muted(served)


def test_a_post_that_is_not_a_form_is_refused(served: Server) -> None:
    resp = ask(served, "POST", f"/contracts/{CID}/mute", body=b'{"for": "3d"}',
               headers={"Content-Type": "application/json", "Origin": served.origin})
    assert resp.status == 413 and not muted(served)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_refused(served: Server, method: str) -> None:
    assert ask(served, method, f"/contracts/{CID}/mute").status == 405


def test_a_get_changes_nothing(served: Server) -> None:
    resp = ask(served, "GET", f"/contracts/{CID}/mute?for=3d&csrf={csrf(served)}")
    assert resp.status in (404, 405) and not muted(served)


# -- the headers: CSP with no external source, no inline script ---------------------------------------


@pytest.mark.parametrize("path", ["/", dashlink.contract_path(CID), "/scans"])
def test_every_page_has_the_strict_policy_and_no_inline_script(served: Server, path: str) -> None:
    resp = ask(served, "GET", path)
    assert resp.status == 200
    assert resp.getheader("content-security-policy") == CSP
    assert "http" not in CSP and "unsafe" not in CSP and "*" not in CSP
    assert resp.getheader("referrer-policy") == "same-origin"
    assert resp.getheader("x-content-type-options") == "nosniff"
    html = resp.body.decode()  # type: ignore[attr-defined]
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", html), "an inline script"
    assert not re.search(r"\son[a-z]+=", html), "an inline event handler"
    assert not re.search(r"\sstyle=", html), "an inline style"
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert ref.startswith(("/", "https://crowdworks.jp/", "http://127.0.0.1")), ref  # the site's own link


# -- the evidence folder ---------------------------------------------------------------------------------


@pytest.fixture
def evidence(served: Server, tmp_path: Path) -> dict[str, Path]:
    root = served.dash.paths.layout_dir
    folder = root / "20261120T010000Z"
    folder.mkdir(parents=True)
    page = folder / "workroom-963659463.html"
    page.write_text("<html><body><p>保存したページ</p><script>alert(1)</script></body></html>", encoding="utf-8")
    (folder / "workroom-963659463.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    outside = tmp_path / "outside.html"
    outside.write_text("<p>OUTSIDE-SECRET</p>", encoding="utf-8")
    (folder / "leak.html").symlink_to(outside)
    (root / "linked").symlink_to(tmp_path, target_is_directory=True)
    store = Store(served.dash.paths.db_file)
    try:
        with store.transaction():
            store.add_scan(NOW, NOW, False, [Problem(HealthKind.LAYOUT_CHANGED, "workroom", "no thread",
                                                     str(page))], 3, 0)
    finally:
        store.close()
    return {"page": page, "outside": outside}


def test_the_scans_page_links_a_problems_saved_page_and_screenshot(served: Server, evidence: dict[str, Path]) -> None:
    html = ask(served, "GET", "/scans").body.decode()  # type: ignore[attr-defined]
    assert 'href="/evidence/20261120T010000Z/workroom-963659463.html"' in html
    assert 'href="/evidence/20261120T010000Z/workroom-963659463.png"' in html
    page = ask(served, "GET", "/evidence/20261120T010000Z/workroom-963659463.html")
    assert page.status == 200 and "保存したページ".encode() in page.body  # type: ignore[attr-defined]
    policy = page.getheader("content-security-policy") or ""
    assert policy.startswith("sandbox") and "default-src 'none'" in policy  # its scripts never run
    shot = ask(served, "GET", "/evidence/20261120T010000Z/workroom-963659463.png")
    assert shot.status == 200 and shot.getheader("content-type") == "image/png"


@pytest.mark.parametrize("path", [
    "/evidence/../../config/config.toml", "/evidence/%2e%2e/%2e%2e/data/cwwatch.sqlite3",
    "/evidence/20261120T010000Z/..%2f..%2f..%2fdashboard-secret", "/evidence/20261120T010000Z/leak.html",
    "/evidence/linked/outside.html", "/evidence//etc/passwd", "/evidence/%2Fetc%2Fpasswd",
    "/evidence/20261120T010000Z/..%5c..%5cdashboard-secret", "/evidence/.hidden.html",
])
def test_nothing_outside_the_evidence_folder_is_served(served: Server, evidence: dict[str, Path], path: str) -> None:
    resp = ask(served, "GET", path)
    assert resp.status == 404, path
    body = resp.body  # type: ignore[attr-defined]
    assert b"OUTSIDE-SECRET" not in body and secret(served).encode() not in body and b"root:" not in body
