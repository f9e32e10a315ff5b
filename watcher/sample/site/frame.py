"""The page frame of the sample site: the header bar (``#norman-header-section``, seen), the
footer that says it is a sample, and :func:`page`, which wraps a page kind's body in them.
"""

from __future__ import annotations

from html import escape
from typing import Any

from watcher.sample.scenario import Scenario
from watcher.sample.site.assets import FRAME_CSS
from watcher.sample.site.common import SITE_NAME, data_attr

# The header's navigation: (key, label, path). No path here is one a reader's hook matches
# (selectors/crowdworks.toml): no /contracts/ID, /proposals/ID, /public/jobs/ID, /public/employers/ID,
# no ?page= link, no rel=next.
NAV = (("dashboard", "マイページ", "/dashboard"), ("jobs", "仕事を探す", "/public/jobs"),
       ("messages", "メッセージ", "/messages/received"), ("contracts", "契約", "/e/contracts?status=active"),
       ("proposals", "応募した仕事", "/e/proposals"))
NAV_LOGGED_OUT = (("jobs", "仕事を探す", "/public/jobs"), ("login", "ログイン", "/login"))


def header(logged_in: bool, sc: Scenario | None, nav: str = "") -> str:
    """``#norman-header-section[data]`` with ``headerMenuProps`` (seen), and the visible bar: the logo
    (marked as the sample site), the navigation (``nav`` names the current item) and the user."""
    props: dict[str, Any] = {"headerMenuProps": {"isLogin": logged_in}}
    if logged_in:
        props["headerMenuProps"]["userRole"] = "employee"
    items = NAV if logged_in else NAV_LOGGED_OUT
    current = ' class="is-current"'
    links = "".join(f'<a href="{escape(href)}"{current if key == nav else ""}>{label}</a>'
                    for key, label, href in items)
    user = ""
    if logged_in and sc is not None:
        user = (f'<span class="cw-header_user"><span class="cw-header_avatar">{escape(sc.worker.name[:1])}'
                f"</span>{escape(sc.worker.name)} さん</span>")
    home = "/dashboard" if logged_in else "/login"
    return (f'<header class="cw-header"><div id="norman-header-section" data="{data_attr(props)}">'
            f'<div class="cw-header_inner"><a class="cw-logo" href="{home}">'
            f'<span class="cw-logo_text">{SITE_NAME}</span><span class="cw-logo_note">サンプルサイト</span></a>'
            f'<nav class="cw-header_nav">{links}</nav>{user}</div></div></header>')


def sp_header(logged_in: bool) -> str:
    """The smartphone markup's header: the same ``#norman-header-section``, a bar of two links."""
    props: dict[str, Any] = {"headerMenuProps": {"isLogin": logged_in}}
    if logged_in:
        props["headerMenuProps"]["userRole"] = "employee"
    return (f'<header class="sp-header"><div id="norman-header-section" data="{data_attr(props)}">'
            f'<a href="/dashboard">{SITE_NAME}</a><span class="sp-note">サンプル</span> '
            '<a class="sp-menu" href="/messages/received">'
            "メッセージ</a></div></header>")


FOOTER = ('<footer class="cw-footer"><div class="cw-footer_inner">'
          '<p class="cw-footer_logo">クラウドワークス <span>サンプルサイト</span></p>'
          "<p>cwwatch のサンプルサイトです。CrowdWorks の画面を模したもので、"
          "実在の会員・仕事・取引とは関係ありません。</p>"
          '<p class="cw-footer_small">ここに表示される名前・金額・日時はすべて架空のものです。</p>'
          "</div></footer>")


def page(title: str, body: str, logged_in: bool, sc: Scenario | None, extra_head: str = "", *,
         body_class: str = "", sp: bool = False, scripts: str = "", nav: str = "") -> str:
    """A whole page: the frame, ``body`` inside ``<main>``, ``scripts`` before ``</body>``;
    ``nav`` names the header's current item."""
    classes = " ".join(x for x in (body_class, "sp" if sp else "") if x)
    cls = f' class="{classes}"' if classes else ""
    top = sp_header(logged_in) if sp else header(logged_in, sc, nav)
    return (
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        f"<title>{escape(title)} | {SITE_NAME}</title><style>{FRAME_CSS}</style>{extra_head}</head>"
        f"<body{cls}>{top}<main>{body}</main>{FOOTER}{scripts}</body></html>"
    )

