"""HTML and JSON of the sample site, in the shapes the public evidence shows the real site uses.

Every shape follows ``/work/shared/platform-notes.md`` as corrected by the evidence brief; each one
that nothing public backs is marked *guess* here and in docs/scenario.md. In short:

- member pages carry ``#norman-header-section[data]`` (``headerMenuProps.isLogin``, ``userRole``);
- the contract list has three sections (``div.hourly.section`` …) of ``tr`` rows, or ``div.nodata``;
- the contract page is server-rendered: ``ul.progress`` steps, ``div.progress_detail`` sentences,
  ``table.contract.cw-table``, ``table.conditions``, milestone forms, and the thread
  ``#pack-message-thread[data]`` whose messages use CSS-module classes with a hash tail
  (``_messageItem_iq3vm_4``); threads over ten messages fold behind 「他のN件のメッセージを表示」;
- ``/message/threads/ID/messages.json`` holds the whole thread, bodies as HTML;
- the inbox page is a client-side app that loads ``/api/v3/message/list?page=N``;
- the client profile carries its props as JSON in ``div#vue-container[data]``.

A "layout changed" variant of a page kind renames the hooks readers rely on, as a release would;
with the cookie ``mobylette_device=sp`` every member page (and the profile) comes in a smartphone
markup that a desktop reader cannot read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from html import escape
from string import Template
from typing import Any

from watcher.jptime import JST, format_jst
from watcher.sample.scenario import Scenario, SClient, SContract, SMessage, SProposal, SRating

PAGE_SIZE = 20  # contracts, inbox items and applications a page
FOLD_AFTER = 10  # a thread longer than this shows only its newest FOLD_AFTER messages
FOLD_STEP = 10  # each click on 「他のN件のメッセージを表示」 brings back up to this many

# The hash tail of "this release" of the site's CSS modules, and of the release a
# ``layout_changed`` fault depicts.
RELEASE = "iq3vm"
CHANGED_RELEASE = "b4b4b"
# Older names of the tail, kept importable.
H_THREAD = H_CONTRACT = H_LIST = H_PROFILE = H_INBOX = RELEASE

# The progress bar's steps. 応募・スカウト (step 2 of an application's bar) and 納品 are seen; the rest a
# guess. 業務 and 納品 stay two steps: a reader finds the delivery step by its exact text 「納品」.
STEPS = ("応募・スカウト", "契約", "仮払い", "業務", "納品", "検収", "評価")
PROPOSAL_STEPS = ("募集", *STEPS)
ACCEPTANCE_LABELS = ("納品済み", "納品完了", "検収中")
FINISHED_LABELS = ("完了", "契約完了")
SENTENCES = {
    "escrow": "クライアントが仮払いを行っています。仮払いが完了するまで業務を開始しないでください。",
    "working": "仮払いが完了しました。業務を開始しています。",
    "acceptance": "クライアント（発注者）が検収を行っています。検収完了までしばらくお待ちください。",
    "ending": "契約終了の同意を待っています。",
    "finished": "この契約は完了しました。",
}
_CURRENT_STEP = {"escrow": 2, "working": 3, "acceptance": 5, "ending": 3, "finished": 6}
PAYMENT_NAMES = {"hourly": "時間単価制", "fixed_price": "固定報酬制", "competition": "コンペ方式"}
SECTION_TITLES = {"hourly": "時間単価制", "fixed_price": "固定報酬制", "competition": "コンペ"}
LOGIN_ERRORS = {
    "account_missing": "このメールアドレスはCrowdWorksに登録されていません",
    "password_mismatch": "メールアドレスまたはパスワードが正しくありません",
    "captcha_required": "「私はロボットではありません」にチェックを入れてください",
}
RATING_ITEMS = ("仕事内容", "コミュニケーション", "スケジュール", "報酬")  # labels: a guess
_WEEKDAYS = "月火水木金土日"
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
SITE_NAME = "クラウドワークス"


# --- small helpers -------------------------------------------------------------------------------


def _data(obj: Any) -> str:
    """JSON for a ``data`` attribute, HTML-escaped as the site does."""
    return escape(json.dumps(obj, ensure_ascii=False), quote=True)


def _script_json(obj: Any) -> str:
    """JSON safe inside ``<script>``; every non-ASCII character escaped, so no text shows."""
    return (json.dumps(obj, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))


def _h(n: str, num: int, tail: str = RELEASE) -> str:
    """A CSS-module class name: ``_messageItem_iq3vm_4``."""
    return f"_{n}_{tail}_{num}"


def _yen(n: int | None) -> str:
    return f"{n:,}円" if n is not None else "-"


def _stars(score: float) -> str:
    """Five stars, filled to ``score`` out of 5 (CSS)."""
    width = max(0.0, min(5.0, score)) * 20
    return f'<span class="stars">★★★★★<span style="width:{width:.0f}%">★★★★★</span></span>'


def _ex_tax(n: int) -> int:
    return round(n * 10 / 11)


def jst_date(t: datetime, weekday: bool = False) -> str:
    """``2026年12月03日`` or ``2026年12月03日(木)``."""
    j = t.astimezone(JST)
    return j.strftime("%Y年%m月%d日") + (f"({_WEEKDAYS[j.weekday()]})" if weekday else "")


def jst_iso(t: datetime) -> str:
    """``2026-11-20T10:00:00+09:00``."""
    return t.astimezone(JST).isoformat(timespec="seconds")


def slash_time(t: datetime) -> str:
    """``2026/11/20 10:00``: how a message shows its time."""
    return t.astimezone(JST).strftime("%Y/%m/%d %H:%M")


def other_employers(sc: Scenario, not_id: int, n: int = 3) -> list[tuple[int, str]]:
    """Employers for a sidebar's recommendations: never the contract's own client."""
    out = [(cl.id, cl.name) for cl in sc.clients.values() if cl.id != not_id][:n]
    if not out:
        fake = max([*sc.clients, 900009900]) + 1
        out = [(fake, "株式会社おすすめ企画")]
    return out


# --- the page frame ------------------------------------------------------------------------------

_CSS = """
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;background:#f4f5f0;color:#333;
font:14px/1.75 "Hiragino Kaku Gothic ProN","Hiragino Sans",
"Noto Sans CJK JP","Yu Gothic",Meiryo,sans-serif}
a{color:#0a6ebd;text-decoration:none}a:hover{text-decoration:underline}
h1{font-size:22px;margin:0 0 16px}h2{font-size:17px;margin:24px 0 10px}h3{font-size:15px;margin:0 0 8px}
.cw-header{background:#fff;border-bottom:3px solid #0c9ddc;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.cw-header_inner{max-width:1080px;margin:0 auto;padding:0 16px;min-height:60px;display:flex;align-items:center;
gap:32px}
.cw-logo{display:flex;align-items:baseline;gap:8px;white-space:nowrap}.cw-logo:hover{text-decoration:none}
.cw-logo_text{font-size:22px;font-weight:900;color:#0c9ddc;letter-spacing:.06em}
.cw-logo_note{font-size:11px;font-weight:bold;color:#fff;background:#f58220;border-radius:3px;padding:1px 6px;
letter-spacing:.05em}
.cw-header_nav{display:flex;gap:4px;flex:1;align-self:stretch}
.cw-header_nav a{display:flex;align-items:center;padding:0 12px;color:#333;font-weight:bold;
border-bottom:3px solid transparent;margin-bottom:-3px}
.cw-header_nav a:hover{text-decoration:none;color:#0c9ddc}
.cw-header_nav a.is-current{color:#0c9ddc;border-bottom-color:#f58220}
.cw-header_user{display:flex;align-items:center;gap:8px;color:#555;font-size:13px;white-space:nowrap}
.cw-header_avatar{display:inline-flex;width:28px;height:28px;border-radius:50%;background:#d9e9f5;color:#0a6ebd;
align-items:center;justify-content:center;font-weight:bold;font-size:13px}
main{flex:1 0 auto;width:100%;max-width:1080px;margin:0 auto;padding:28px 16px 56px}
.cw-footer{background:#3c4146;color:#c9cdd1;font-size:12px;margin-top:24px}
.cw-footer_inner{max-width:1080px;margin:0 auto;padding:24px 16px 32px}.cw-footer p{margin:4px 0}
.cw-footer_logo{font-size:15px;font-weight:bold;color:#fff}
.cw-footer_logo span{font-size:11px;font-weight:normal;color:#c9cdd1;margin-left:6px}
.cw-footer_small{color:#9aa0a6}
.cw-box,.section{background:#fff;border:1px solid #ddd;border-radius:4px;padding:16px 20px;margin-bottom:20px}
.cw-box>h2:first-child,.section>h2:first-child{margin-top:0}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e5e5e5;padding:9px 10px;
text-align:left;vertical-align:top}th{background:#f8f8f6;font-weight:bold;white-space:nowrap}
dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:12px 0}dt{color:#777}dd{margin:0}
.cw-button{display:inline-block;background:#f58220;color:#fff;border:0;border-radius:4px;padding:8px 18px;
font-weight:bold;cursor:pointer}.cw-button:hover{text-decoration:none;opacity:.9}
.status_label{display:inline-block;background:#eef6fc;color:#0a6ebd;border-radius:3px;padding:0 8px;
white-space:nowrap}
.pagination{display:flex;gap:16px;justify-content:center;margin:16px 0}
.cw-global_row{display:flex;gap:24px;align-items:flex-start;margin-bottom:20px}
.cw-global_row.with_side{flex-direction:row-reverse}
.cw-global_main{flex:1;min-width:0}.cw-global_side{width:270px;flex:none}
.side_box{background:#fff;border:1px solid #ddd;border-radius:4px;padding:14px 16px;margin-bottom:16px}
.side_box ul{margin:0;padding-left:18px}
.message-dialog{display:none;position:fixed;inset:0;background:rgba(0,0,0,.45);z-index:10}
.message-dialog:target{display:block}
.dialog_inner{background:#fff;max-width:560px;margin:10vh auto;padding:20px 24px;border-radius:6px}
textarea{width:100%;min-height:90px;font:inherit;padding:8px;border:1px solid #ccc;border-radius:4px}
time{color:#888}
.login_box{max-width:420px;margin:24px auto;background:#fff;border:1px solid #ddd;border-radius:6px;
padding:24px 28px}.login_box label{display:block;margin:12px 0 4px;font-weight:bold}
.login_box input[type=email],.login_box input[type=password],.login_box input[type=text]{width:100%;
padding:8px;font:inherit;border:1px solid #ccc;border-radius:4px}
.login_box .remember{font-weight:normal}.login_box button[type=submit]{width:100%;margin-top:16px}
.login_error_group{background:#fff2f2;border:1px solid #f3b5b5;border-radius:4px;padding:10px 14px;color:#c00}
.social_login button{width:100%;margin-top:8px;padding:8px;background:#fff;border:1px solid #ccc;
border-radius:4px;font:inherit}
body.sp main{max-width:480px;padding:12px}.sp-header{background:#0c9ddc;color:#fff;padding:10px 14px}
.sp-header a{color:#fff;font-weight:bold}.sp-card{background:#fff;border:1px solid #ddd;border-radius:8px;
padding:12px 14px;margin-bottom:10px;list-style:none}.sp-list{padding:0}
.sp-card span{display:block}.sp-bubble{background:#fff;border-radius:10px;padding:10px 12px;margin:8px 0}
.sp-bubble.mine{background:#dff1fb;margin-left:40px}.sp-who{font-weight:bold;margin-right:10px}
.sp-when{font-size:11px;color:#999}.sp-note{font-size:10px;background:#f58220;border-radius:3px;padding:0 4px;
margin-left:6px}
"""

# Styles that name a page's own hooks ship with that page (a release's CSS names only its classes).
_LIST_CSS = ".nodata{color:#777;padding:12px 4px}"
_CARDS_CSS = Template(".$card{background:#fff;border:1px solid #ddd;border-radius:4px;padding:12px 16px;"
                      "margin-bottom:10px;display:flex;gap:16px}")
_STEPS_CSS = Template("""
.$box{flex:1;background:#fff;border:1px solid #ddd;border-radius:4px;padding:18px 20px}
ul.$steps{display:flex;list-style:none;margin:0 0 14px;padding:0;counter-reset:step}
ul.$steps li{flex:1;position:relative;counter-increment:step;text-align:center;background:#eceeef;color:#8a8f94;
font-size:13px;font-weight:bold;line-height:20px;padding:9px 6px 9px 20px;white-space:nowrap;
clip-path:polygon(0 0,calc(100% - 14px) 0,100% 50%,calc(100% - 14px) 100%,0 100%,14px 50%);margin-right:-10px}
ul.$steps li:first-child{clip-path:polygon(0 0,calc(100% - 14px) 0,100% 50%,calc(100% - 14px) 100%,0 100%);
padding-left:10px;border-radius:3px 0 0 3px}
ul.$steps li:last-child{clip-path:polygon(0 0,100% 0,100% 100%,0 100%,14px 50%);margin-right:0;
border-radius:0 3px 3px 0}
ul.$steps li::before{content:counter(step);display:inline-block;width:18px;height:18px;line-height:18px;
margin-right:6px;border-radius:50%;background:#fff;color:#8a8f94;font-size:11px}
ul.$steps li.done{background:#cfe8f7;color:#0a6ebd}ul.$steps li.done::before{content:"✓";color:#0a6ebd}
ul.$steps li.current{background:#0c9ddc;color:#fff}ul.$steps li.current::before{color:#0c9ddc}
.$note{font-size:15px;background:#f7fbfe;border-left:4px solid #0c9ddc;padding:10px 14px}.$note p{margin:0}
.$note .action{margin-top:10px}
""")
_THREAD_CSS = Template("""
.$list{border-top:1px solid #eee}.$item{border-bottom:1px solid #eee;padding:12px 4px}
.$sent{background:#f2f8fd;border-radius:6px}.$system{background:#fbfaf3;border-radius:6px;color:#555}
.$preview{display:none}.$content{display:flex;gap:12px;padding:4px 8px}
.$avatar{display:inline-flex;width:36px;height:36px;border-radius:50%;background:#d9e9f5;
align-items:center;justify-content:center;font-weight:bold;color:#0a6ebd}
.$media{flex:1;min-width:0}.$head{display:flex;flex-wrap:wrap;column-gap:16px;align-items:baseline;
margin-bottom:4px}
.$sender,.$label{font-weight:bold;font-size:14px}.$label{color:#666}
.$time{font-size:12px;color:#999;white-space:nowrap}.$text p{margin:2px 0}
.$more{display:block;width:100%;margin:8px 0;padding:8px;background:#f7f7f7;border:1px solid #ddd;
border-radius:4px;color:#0a6ebd;cursor:pointer;font:inherit}
.$reply{margin-top:14px}
""")
_PROFILE_CSS = Template("""
.$content>div{display:flex;gap:24px;align-items:flex-start}
.$side{width:290px;flex:none;background:#fff;border:1px solid #ddd;border-radius:4px;padding:22px 20px}
.$image{text-align:center;padding-bottom:16px;border-bottom:1px solid #eee}
.$picture{display:inline-flex;width:76px;height:76px;border-radius:50%;background:#d9e9f5;
align-items:center;justify-content:center;font-size:30px;color:#0a6ebd;margin-bottom:8px}
.$name{font-size:15px;line-height:1.5}
.$access{display:inline-block;color:#555;font-size:12px;margin:8px 0 0;padding:2px 10px;background:#f2f4f5;
border-radius:12px}.$access::before{content:"";display:inline-block;width:7px;height:7px;border-radius:50%;
background:#3cb371;margin-right:6px;vertical-align:1px}
ul.$badges{list-style:none;margin:14px 0;padding:0;display:flex;flex-wrap:wrap;gap:6px}
ul.$badges li{font-size:12px;font-weight:bold;border-radius:12px;padding:1px 10px 1px 8px}
ul.$badges li.is-ok{background:#e6f5ec;color:#1e7b45}ul.$badges li.is-ok::before{content:"✓ "}
ul.$badges li.is-ng{background:#fdecea;color:#b3261e}ul.$badges li.is-ng::before{content:"! "}
.$rate{padding:12px 0;border-top:1px solid #eee}.$rate .rate_head{font-size:13px;color:#555}
.$rate .rate_value{font-size:22px;color:#333;margin-left:6px}
.$rate .rate_meter{height:8px;background:#eceeef;border-radius:4px;overflow:hidden;margin:4px 0 6px}
.$rate .rate_meter span{display:block;height:100%;background:#0c9ddc}.$rate .is-low span{background:#e8710a}
.$detail{font-size:12px;color:#777}
.$score{padding:12px 0;border-top:1px solid #eee}.$score .side_label{font-size:13px;color:#555}
.$score .score_value{font-size:20px;margin:0 4px}.$score .score_count,.$score .score_none{font-size:12px;color:#777}
dl.$facts{border-top:1px solid #eee;padding-top:12px;font-size:13px}
.$main{flex:1;min-width:0}
.stars{position:relative;display:inline-block;color:#ddd;letter-spacing:1px;margin-right:6px}
.stars span{position:absolute;left:0;top:0;overflow:hidden;white-space:nowrap;color:#f5a623}
.rating_item{border-bottom:1px solid #eee;padding:12px 0}.rating_item:last-child{border-bottom:0}
.rating_item p{margin:0}.rating_head{display:flex;flex-wrap:wrap;align-items:baseline;gap:0 10px}
.rating_job{color:#333}.rating_date{font-size:12px;color:#999}.rating_comment{margin-top:4px!important}
""")
_INBOX_CSS = Template("""
.$list{list-style:none;margin:0;padding:0}.$item{border-bottom:1px solid #eee;padding:12px 4px}
.$link{display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}.$title{font-weight:bold;flex:1;min-width:12em}
.$badge{font-size:12px;border-radius:3px;padding:0 6px;background:#eef6fc;color:#0a6ebd}
""")


def _style(css: str) -> str:
    return f"<style>{css}</style>"


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
    return (f'<header class="cw-header"><div id="norman-header-section" data="{_data(props)}">'
            f'<div class="cw-header_inner"><a class="cw-logo" href="{home}">'
            f'<span class="cw-logo_text">{SITE_NAME}</span><span class="cw-logo_note">サンプルサイト</span></a>'
            f'<nav class="cw-header_nav">{links}</nav>{user}</div></div></header>')


def _sp_header(logged_in: bool) -> str:
    props: dict[str, Any] = {"headerMenuProps": {"isLogin": logged_in}}
    if logged_in:
        props["headerMenuProps"]["userRole"] = "employee"
    return (f'<header class="sp-header"><div id="norman-header-section" data="{_data(props)}">'
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
    top = _sp_header(logged_in) if sp else header(logged_in, sc, nav)
    return (
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        f"<title>{escape(title)} | {SITE_NAME}</title><style>{_CSS}</style>{extra_head}</head>"
        f"<body{cls}>{top}<main>{body}</main>{FOOTER}{scripts}</body></html>"
    )


# --- login, bot check, two-step, 404, 500 --------------------------------------------------------


def login_page(error: str | None = None, captcha: bool = False) -> str:
    """``/login``: the seen form; ``error`` is a ``#login_error`` code (see LOGIN_ERRORS)."""
    err = ""
    if error:
        text = LOGIN_ERRORS.get(error, LOGIN_ERRORS["password_mismatch"])
        err = ('<div class="login_error_group" role="group"><p>入力内容に問題があります</p>'
               f'<div id="login_error" data-code="{escape(error)}">{text}</div></div>')
    # The invisible reCAPTCHA badge that may sit on every login page: not a challenge (a guess).
    widget = ('<div class="grecaptcha-badge" data-style="bottomright" hidden><iframe title="reCAPTCHA" '
              'src="about:blank#recaptcha-size=invisible"></iframe></div>')
    if captcha:  # a visible reCAPTCHA: a guess, nothing public shows one on this site
        widget = ('<div class="g-recaptcha" data-sitekey="6Lc-sample-site-key"></div>'
                  '<iframe title="reCAPTCHA" src="about:blank#recaptcha"></iframe>')
    body = (
        '<div class="login_box"><h1>ログイン</h1>' + err +
        '<form action="/login" method="post" accept-charset="UTF-8">'
        '<label for="username">メールアドレス</label>'
        '<input type="email" id="username" name="username" autocomplete="username">'
        '<label for="password">パスワード</label>'
        '<input type="password" id="password" name="password" autocomplete="current-password">'
        '<label class="remember"><input type="checkbox" id="enable_auto_login" name="enable_auto_login" '
        'value="1"> 次回から自動でログイン</label>' + widget +
        '<button type="submit" class="cw-button">ログイン</button></form>'
        '<div class="social_login"><button type="button">Googleでログイン</button>'
        '<button type="button">Yahoo! JAPAN IDでログイン</button>'
        '<button type="button">Appleでログイン</button></div></div>'
    )
    return page("ログイン", body, False, None)


def bot_check_page() -> str:
    """An AWS WAF style challenge interstitial (reported: the likeliest wall for a headless scan)."""
    return (
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<title>人間であることを確認します</title>"
        "<style>body{font-family:sans-serif;background:#fff;color:#222;margin:0}"
        ".box{max-width:560px;margin:12vh auto;padding:0 20px;text-align:center}"
        "#challenge-container{min-height:80px}</style>"
        "<script>window.awsWafCookieDomainList = [];"
        "window.gokuProps = {\"key\":\"AQIDAHjcYu/GjX+QlghicBgQ/7bFaQZ+m5FKCMDnO+vTbNg96AE\","
        "\"iv\":\"A6weaQCL3QAAAi9N\",\"context\":\"sample-site\"};</script>"
        "<script src=\"/challenge.js\"></script></head><body>"
        "<div class=\"box\"><h1>人間であることを確認します</h1>"
        "<p>Additional Verification Required</p>"
        "<p>続行する前に、接続のセキュリティを確認する必要があります。</p>"
        "<div id=\"challenge-container\"></div>"
        "<noscript><p>JavaScript is disabled. JavaScript を有効にしてください。</p></noscript></div>"
        "</body></html>"
    )


CHALLENGE_JS = ("/* AWS WAF challenge (sample): it never resolves for a scanner */\n"
                "window.AwsWafIntegration = {checkForceRefresh: function () { return Promise.resolve(false); },"
                " hasToken: function () { return false; }};\n")


def two_step_page() -> str:
    """The 認証コード page (a guess: nothing public shows it)."""
    body = (
        '<div class="login_box"><h1>2段階認証</h1>'
        "<p>メールアドレスに送信された認証コードを入力してください。</p>"
        '<form action="/login/two_step_authentication" method="post">'
        '<label for="code">認証コード</label><input type="text" id="code" name="code" inputmode="numeric">'
        '<button type="submit" class="cw-button">認証する</button></form></div>'
    )
    return page("2段階認証", body, False, None)


def not_found_page(logged_in: bool, sc: Scenario | None) -> str:
    body = ('<div class="cw-box"><h1>ページが見つかりません</h1>'
            "<p>お探しのページは見つかりませんでした。URLが間違っているか、ページが削除された可能性があります。</p>"
            '<p><a href="/dashboard">マイページへ戻る</a></p></div>')
    return page("ページが見つかりません", body, logged_in, sc)


def server_error_page() -> str:
    body = ('<div class="cw-box"><h1>エラーが発生しました</h1>'
            "<p>申し訳ございません。しばらくしてから再度お試しください。</p></div>")
    return page("エラー", body, False, None)


def dashboard(sc: Scenario, sp: bool = False) -> str:
    n_active = len(sc.contracts)
    unanswered = sum(1 for e in inbox_entries(sc) if not e["is_replied"])
    links = ('<li><a href="/e/contracts?status=active">契約一覧（進行中）</a></li>'
             '<li><a href="/messages/received">受信メッセージ</a></li>'
             '<li><a href="/e/proposals">応募した仕事</a></li>')
    if sp:
        body = (f"<h1>マイページ</h1><ul class=\"sp-list\"><li class=\"sp-card\">進行中の契約 {n_active}件</li>"
                f"<li class=\"sp-card\">未返信のメッセージ {unanswered}件</li></ul><ul>{links}</ul>")
        return page("マイページ", body, True, sc, sp=True)
    body = (f'<h1>マイページ</h1><div class="cw-box"><p>{escape(sc.worker.name)}さん、こんにちは。</p>'
            f"<p>進行中の契約: {n_active}件　／　返信待ちのスレッド: {unanswered}件</p>"
            f"<ul>{links}</ul></div>")
    return page("マイページ", body, True, sc, nav="dashboard")


# --- active contracts ----------------------------------------------------------------------------


def pages_of(n: int) -> int:
    return max(1, -(-n // PAGE_SIZE))


def listed_contracts(sc: Scenario) -> list[SContract]:
    """The active list's order: hourly, then fixed-price, then competition; file order within."""
    order = {"hourly": 0, "fixed_price": 1, "competition": 2}
    return sorted(sc.contracts, key=lambda c: order[payment_of(c)])


def payment_of(c: SContract) -> str:
    """The contract's section: its ``payment``, or fixed_price for anything unknown."""
    return c.payment if c.payment in PAYMENT_NAMES else "fixed_price"


def _started(c: SContract | SProposal) -> str:
    return jst_date(c.messages[0].at) if c.messages else "-"


def contracts_page(sc: Scenario, page_no: int, changed: bool, empty: bool = False,
                   next_href: str = "", sp: bool = False) -> str:
    """``/e/contracts?status=active&page=N``: twenty contracts a page across three sections."""
    listed = [] if empty else listed_contracts(sc)
    rows = listed[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE]
    total_pages = pages_of(len(listed))
    more = page_no < total_pages or bool(next_href)
    href = escape(next_href) if next_href else f"/e/contracts?status=active&amp;page={page_no + 1}"
    if sp:
        cards = "".join(
            f'<li class="sp-card"><a class="sp-card-link" href="/contracts/{c.id}">'
            f'<span class="sp-card-title">{escape(c.title)}</span>'
            f'<span class="sp-card-client">{escape(sc.clients[c.client].name)}</span>'
            f'<span class="sp-card-status">{escape(c.status)}</span></a></li>' for c in rows)
        body = (f'<h1>契約一覧</h1><ul class="sp-list">{cards or "<li>契約はありません</li>"}</ul>'
                + (f'<a class="sp-more" href="{href}">もっと見る</a>' if more else ""))
        return page("契約一覧", body, True, sc, sp=True)
    if changed:  # a release that moved the list from tables to cards
        tail = "v9v9v"
        cards = "".join(
            f'<div class="{_h("contractCard", 2, tail)}" role="listitem">'
            f'<span class="{_h("cardClient", 5, tail)}">{escape(sc.clients[c.client].name)}</span>'
            f'<a href="/contracts/{c.id}">{escape(c.title)}</a>'
            f'<span class="{_h("cardStatus", 8, tail)}">{escape(c.status)}</span></div>'
            for c in rows)
        if not rows:
            cards = f'<p class="{_h("empty", 9, tail)}">表示できる契約はありません</p>'
        nav = f'<a rel="next" href="{href}">次へ</a>' if more else ""
        body = (f'<h1>契約一覧</h1><div class="{_h("contractCards", 1, tail)}" role="list">{cards}</div>'
                f'<nav class="{_h("pager", 3, tail)}">{nav}</nav>')
        return page("契約一覧", body, True, sc, _style(_CARDS_CSS.substitute(card=_h("contractCard", 2, tail))),
                    nav="contracts")
    sections = []
    for kind in ("hourly", "fixed_price", "competition"):
        mine = [c for c in rows if payment_of(c) == kind]
        if mine:
            trs = "".join(
                "<tr>"
                f'<td class="client_name"><a href="/public/employers/{c.client}">'
                f"{escape(sc.clients[c.client].name)}</a></td>"
                f'<td class="contract_title"><a href="/contracts/{c.id}">{escape(c.title)}</a></td>'
                f'<td class="contract_status"><span class="status_label">{escape(c.status)}</span></td>'
                f'<td class="contracted_at">{_started(c)}</td>'
                f'<td class="price">{_yen(c.amount)}</td></tr>'
                for c in mine)
            inner = ('<table class="cw-table contracts_table"><thead><tr><th>クライアント</th>'
                     "<th>契約名</th><th>状態</th><th>契約日</th><th>契約金額（税込）</th></tr></thead>"
                     f"<tbody>{trs}</tbody></table>")
        else:
            inner = '<div class="nodata">契約がありません。</div>'
        sections.append(f'<div class="{kind} section"><h2 class="section_title">{SECTION_TITLES[kind]}</h2>'
                        f"{inner}</div>")
    nav = []
    if page_no > 1:
        nav.append(f'<a rel="prev" href="/e/contracts?status=active&amp;page={page_no - 1}">前へ</a>')
    if more:
        nav.append(f'<a rel="next" href="{href}">次へ</a>')
    pager = f'<div class="pagination">{"".join(nav)}</div>' if nav else ""
    body = f'<h1>契約一覧（進行中）</h1>{"".join(sections)}{pager}'
    return page("契約一覧", body, True, sc, _style(_LIST_CSS),
                body_class="employee-contracts employee-contracts-index", nav="contracts")


# --- message ids, threads and the thread JSON ----------------------------------------------------


def message_ids(sc: Scenario) -> dict[int, list[int]]:
    """Thread id -> the ids of its messages, oldest first.

    An id is the minutes since 2000-01-01 (UTC) × 1000 + the message's index in its thread: it grows
    with time across the account and stays put when newer messages are added or a contract is
    removed. Should two threads meet on one number (same minute, same index), the thread with the
    higher id takes the next free one.
    """
    owners = sorted((*sc.contracts, *sc.proposals), key=lambda o: o.thread_id)
    base = {o.thread_id: [int((m.at - _EPOCH).total_seconds() // 60) * 1000 + i
                          for i, m in enumerate(o.messages)] for o in owners}
    everyone = {x for ids in base.values() for x in ids}
    seen: set[int] = set()
    out: dict[int, list[int]] = {}
    for o in owners:
        ids: list[int] = []
        prev = -1
        for x in base[o.thread_id]:
            y = max(x, prev + 1)
            while y in seen or (y != x and y in everyone):
                y += 1
            seen.add(y)
            ids.append(y)
            prev = y
        out[o.thread_id] = ids
    return out


def _client_of(sc: Scenario, owner: SContract | SProposal) -> SClient:
    return sc.clients[owner.client]


def _view(sc: Scenario, owner: SContract | SProposal, m: SMessage) -> dict[str, Any]:
    """What one message shows: the same dict feeds the server-side HTML and the fold's script."""
    if m.sender == "worker":
        name, href = sc.worker.name, f"/public/employees/{sc.worker.id}"
    elif m.sender == "client":
        cl = _client_of(sc, owner)
        name, href = cl.name, f"/public/employers/{cl.id}"
    else:
        name, href = SITE_NAME, None
    flat = " ".join(m.body.split())
    return {"sent": m.sender == "worker", "system": m.sender == "system", "name": name, "href": href,
            "initial": name[:1], "datetime": format_jst(m.at), "shown": slash_time(m.at),
            "preview": flat if len(flat) <= 40 else flat[:40] + "…", "lines": m.body.split("\n")}


def _thread_classes(changed: bool) -> dict[str, str]:
    if changed:  # the release that renamed every hook of the thread
        t = CHANGED_RELEASE
        names = {"list": ("msgList", 17), "item": ("msgItem", 1), "msg": ("msg", 2), "sent": ("mine", 3),
                 "system": ("notice", 4), "body": ("msgBody", 5), "preview": ("msgPreview", 6),
                 "content": ("msgContent", 7), "left": ("msgAvatar", 8), "avatar": ("avatar", 9),
                 "media": ("msgMain", 10), "head": ("msgHead", 11), "sender": ("author", 12),
                 "label": ("noticeLabel", 13), "time": ("msgTime", 14), "text": ("msgText", 15),
                 "more": ("loadOlder", 16), "thread": ("conversation", 18), "reply": ("replyBox", 19)}
    else:
        t = RELEASE
        names = {"list": ("messageList", 3), "item": ("messageItem", 4), "msg": ("message", 2),
                 "sent": ("messageSent", 6), "system": ("systemMessage", 11), "body": ("messageBody", 28),
                 "preview": ("messagePreview", 29), "content": ("messageContent", 35),
                 "left": ("mediaLeft", 8), "avatar": ("avatar", 9), "media": ("mediaBody", 10),
                 "head": ("messageHeader", 14), "sender": ("senderName", 12), "label": ("systemLabel", 15),
                 "time": ("sentAt", 16), "text": ("messageText", 18), "more": ("showMore", 50),
                 "thread": ("messageThread", 1), "reply": ("replyBox", 60)}
    return {k: _h(n, num, t) for k, (n, num) in names.items()}


def thread_css(changed: bool = False) -> str:
    """The thread's styles, naming the classes of its release only."""
    return _THREAD_CSS.substitute(_thread_classes(changed))


def steps_css(changed: bool = False) -> str:
    if changed:
        t = CHANGED_RELEASE
        return _STEPS_CSS.substitute(box=_h("stateCard", 20, t), steps=_h("stepper", 21, t),
                                     note=_h("stateNote", 22, t))
    return _STEPS_CSS.substitute(box="progress", steps="progress", note="progress_detail")


def _message_html(v: dict[str, Any], k: dict[str, str]) -> str:
    """One message (the fold's script builds the very same markup from the same dict)."""
    mods = (f" {k['sent']}" if v["sent"] else "") + (f" {k['system']}" if v["system"] else "")
    if v["href"]:
        who = f'<a class="{k["sender"]}" href="{escape(v["href"])}">{escape(v["name"])}</a>'
    else:
        who = f'<span class="{k["label"]}">{escape(v["name"])}</span>'
    paras = "".join(f"<p>{escape(line)}</p>" for line in v["lines"])
    return (f'<div class="{k["item"]}"><div class="{k["msg"]}{mods}">'
            f'<div class="{k["body"]} {k["preview"]}">{escape(v["preview"])}</div>'
            f'<div class="{k["body"]}"><div class="{k["content"]}">'
            f'<div class="{k["left"]}"><span class="{k["avatar"]}">{escape(v["initial"])}</span></div>'
            f'<div class="{k["media"]}"><div class="{k["head"]}">{who} '
            f'<time class="{k["time"]}" datetime="{v["datetime"]}">{v["shown"]}</time></div>'
            f'<div class="{k["text"]}">{paras}</div></div></div></div></div></div>')


_FOLD_JS = """(function () {
  var K = %(classes)s, rest = %(hidden)s, step = %(step)d;
  var root = document.getElementById(%(root)s);
  if (!root) return;
  var btn = root.querySelector('.' + K.more), list = root.querySelector('.' + K.list);
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function item(v) {
    var wrap = el('div', K.item);
    var msg = el('div', K.msg + (v.sent ? ' ' + K.sent : '') + (v.system ? ' ' + K.system : ''));
    wrap.appendChild(msg);
    msg.appendChild(el('div', K.body + ' ' + K.preview, v.preview));
    var full = el('div', K.body), content = el('div', K.content), left = el('div', K.left);
    msg.appendChild(full); full.appendChild(content); content.appendChild(left);
    left.appendChild(el('span', K.avatar, v.initial));
    var media = el('div', K.media), head = el('div', K.head), who;
    content.appendChild(media); media.appendChild(head);
    if (v.href) { who = el('a', K.sender, v.name); who.setAttribute('href', v.href); }
    else { who = el('span', K.label, v.name); }
    head.appendChild(who); head.appendChild(document.createTextNode(' '));
    var t = el('time', K.time, v.shown); t.setAttribute('datetime', v.datetime); head.appendChild(t);
    var text = el('div', K.text); media.appendChild(text);
    v.lines.forEach(function (line) { text.appendChild(el('p', null, line)); });
    return wrap;
  }
  if (!btn || !list) return;
  btn.addEventListener('click', function () {
    var take = rest.splice(Math.max(0, rest.length - step), step);
    var frag = document.createDocumentFragment();
    take.forEach(function (v) { frag.appendChild(item(v)); });
    list.insertBefore(frag, list.firstChild);
    if (rest.length) { btn.textContent = '他の' + rest.length + '件のメッセージを表示'; }
    else { btn.parentNode.removeChild(btn); }
  });
})();"""

_THREAD_FETCH_JS = """window.addEventListener('load', function () {
  fetch('/message/threads/%(thread)d/messages.json', {credentials: 'same-origin'})
    .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.json(); })
    .then(function (j) { window.cwThreadMessages = j; })
    .catch(function (e) { window.cwThreadMessagesError = String(e); });
});"""


def thread_block(sc: Scenario, owner: SContract | SProposal, messageable: str, show_all: bool = False,
                 changed: bool = False) -> tuple[str, str]:
    """The thread's HTML and its scripts (the fold; the messages.json call unless thread_api = false).

    ``show_all`` renders every message and no fold: the server never does (a whole thread is only
    in messages.json); tests and the benchmark use it.
    """
    k = _thread_classes(changed)
    views = [_view(sc, owner, m) for m in owner.messages]
    hidden: list[dict[str, Any]] = []
    if not show_all and len(views) > FOLD_AFTER:
        hidden, views = views[:-FOLD_AFTER], views[-FOLD_AFTER:]
    proposal_id = owner.proposal_id if isinstance(owner, SContract) else owner.id
    props = {"id": owner.thread_id, "messageableType": messageable, "messageableId": owner.id,
             "proposalId": proposal_id}
    root_id, attr = ("message-thread-v2", "data-props") if changed else ("pack-message-thread", "data")
    more = (f'<button type="button" class="{k["more"]}">他の{len(hidden)}件のメッセージを表示</button>'
            if hidden else "")
    items = "".join(_message_html(v, k) for v in views)
    if not owner.messages:
        items = '<p class="no_messages">まだメッセージはありません。</p>'
    list_cls = k["list"] if changed else f"intro-employer_talking {k['list']}"
    html = (f'<div id="{root_id}" {attr}="{_data(props)}"><div class="{k["thread"]}">{more}'
            f'<div class="{list_cls}">{items}</div>'
            f'<div class="{k["reply"]}"><textarea name="message[body]" placeholder="メッセージを入力してください">'
            '</textarea><p><button type="button" class="cw-button">メッセージを投稿する</button></p></div>'
            "</div></div>")
    scripts = ""
    if hidden:
        scripts += "<script>" + _FOLD_JS % {"classes": _script_json(k), "hidden": _script_json(hidden),
                                            "step": FOLD_STEP, "root": _script_json(root_id)} + "</script>"
    if sc.faults.thread_api:
        scripts += "<script>" + _THREAD_FETCH_JS % {"thread": owner.thread_id} + "</script>"
    return html, scripts


def _rails_escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def html_body(text: str) -> str:
    """A message body as messages.json sends it: entities escaped, line breaks as ``<br>``."""
    return "<br>".join(_rails_escape(line) for line in text.split("\n"))


def thread_json(sc: Scenario, owner: SContract | SProposal) -> dict[str, Any]:
    """``/message/threads/ID/messages.json``: every message, oldest first; nothing folds.

    ``own_message`` is true for the worker's messages only: false for the client's and (a guess)
    for the site's own system messages.
    """
    ids = message_ids(sc)[owner.thread_id]
    return {"messages": [{"id": mid, "own_message": m.sender == "worker", "senddate": format_jst(m.at),
                          "body": html_body(m.body)} for mid, m in zip(ids, owner.messages, strict=True)]}


def find_message(sc: Scenario, message_id: int) -> SContract | SProposal | None:
    """The contract or application whose thread holds this message id."""
    ids = message_ids(sc)
    for owner in (*sc.contracts, *sc.proposals):
        if message_id in ids.get(owner.thread_id, ()):
            return owner
    return None


# --- the contract page ---------------------------------------------------------------------------


def contract_state(c: SContract) -> str:
    """``escrow``, ``working``, ``acceptance``, ``ending``, ``finished`` or ``other``."""
    if c.status in ACCEPTANCE_LABELS:
        return "acceptance"
    if c.status == "契約終了同意待ち":
        return "ending"
    if c.status in FINISHED_LABELS:
        return "finished"
    if c.status in ("仮払い待ち", "進行中"):
        return "working" if c.escrow_deposited else "escrow"
    return "other"


def _steps(labels: Iterable[str], current: int, cls: str) -> str:
    lis = []
    for i, label in enumerate(labels):
        state = ' class="done"' if i < current else (' class="current"' if i == current else "")
        lis.append(f"<li{state}>{label}</li>")
    return f'<ul class="{cls}">{"".join(lis)}</ul>'


def _milestones(c: SContract, state: str) -> str:
    ids = c.milestone_ids
    each = c.amount // len(ids) if c.amount is not None else None
    row_state = {"escrow": "仮払い待ち", "working": "作業中", "acceptance": "検収中", "ending": "契約終了手続き中",
                 "finished": "完了"}.get(state, c.status)
    rows, dialogs = [], []
    for n, mid in enumerate(ids, 1):
        opener = ""
        if state == "working":
            opener = f'<a class="cw-button" href="#message-dialog-completion-{mid}">納品する</a>'
        rows.append(f'<tr id="milestone-{mid}"><td>第{n}回</td><td>{_yen(each)}</td>'
                    f"<td>{escape(row_state)}</td><td>{opener}</td></tr>")
        if state in ("working", "acceptance"):
            done = state == "acceptance"  # delivered: the form stays, hidden, its button disabled
            form_style = ' style="display:none"' if done else ""
            disabled = " disabled" if done else ""
            dialogs.append(
                f'<div id="message-dialog-completion-{mid}" class="message-dialog"><div class="dialog_inner">'
                f"<h3>納品完了報告（第{n}回）</h3>"
                f'<form action="/milestones/{mid}/complete" method="post" class="milestone_complete"'
                f'{form_style}><p>納品物とメッセージを送り、クライアントに確認を依頼します。</p>'
                '<textarea name="message[body]"></textarea>'
                f'<p><input type="submit" name="commit" value="納品完了報告をする" class="cw-button"{disabled}> '
                '<a href="#" class="dialog_close">キャンセル</a></p></form></div></div>')
    return ('<div class="cw-box milestones_box"><h2>マイルストーン</h2>'
            '<table class="milestones cw-table"><thead><tr><th>マイルストーン</th><th>金額（税込）</th>'
            f'<th>状態</th><th></th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f'{"".join(dialogs)}</div>')


def _conditions(payment: str, amount: int | None) -> str:
    name = PAYMENT_NAMES.get(payment, PAYMENT_NAMES["fixed_price"])
    price = f"{_ex_tax(amount):,}円（税抜）" if amount is not None else "-"
    return f"{name} {price}"


def workroom(sc: Scenario, c: SContract, show_all: bool = False, changed: bool = False, *,
             sp: bool = False) -> str:
    """``/contracts/ID``: the server-rendered summary, the milestones, and the thread."""
    cl = sc.clients[c.client]
    state = contract_state(c)
    if sp:
        return _sp_thread_page(sc, c, f"状態: {c.status}", SENTENCES.get(state, ""))
    detail = f"<p>{SENTENCES[state]}</p>" if state in SENTENCES else f"<p>状態: {escape(c.status)}</p>"
    if state == "finished":
        detail += (f'<div class="action"><a class="cw-button" href="/contracts/{c.id}/feedbacks/new">'
                   "評価を入力する</a></div>")
    current = _CURRENT_STEP.get(state, 3 if c.escrow_deposited else 2)
    if changed:  # the release that dropped ul.progress and div.progress_detail
        progress = (f'<div class="{_h("stateCard", 20, CHANGED_RELEASE)}">'
                    f'{_steps(STEPS, current, _h("stepper", 21, CHANGED_RELEASE))}'
                    f'<div class="{_h("stateNote", 22, CHANGED_RELEASE)}">{detail}</div></div>')
    else:
        progress = (f'<div class="progress">{_steps(STEPS, current, "progress")}'
                    f'<div class="progress_detail">{detail}</div></div>')
    summary = (
        '<div class="cw-box contract_summary"><table class="contract cw-table"><tbody>'
        f'<tr><th>契約名</th><td><a href="/public/jobs/{c.job_id}">{escape(c.title)}</a></td></tr>'
        f'<tr><th>クライアント</th><td><a href="/public/employers/{cl.id}">{escape(cl.name)}</a></td></tr>'
        f"<tr><th>契約金額（税込）</th><td>{_yen(c.amount)}</td></tr>"
        f"<tr><th>契約日</th><td>{_started(c)}</td></tr></tbody></table>"
        '<h2>契約条件</h2><table class="conditions recent_condition cw-table"><tbody>'
        f"<tr><th>発注者</th><td>{escape(cl.name)}</td></tr>"
        f'<tr><th>支払い方式</th><td class="condition">{_conditions(c.payment, c.amount)}</td></tr>'
        f"<tr><th>マイルストーン数</th><td>{len(c.milestone_ids)}</td></tr></tbody></table></div>"
    )
    thread, scripts = thread_block(sc, c, "Contract", show_all, changed)
    recommended = "".join(f'<li><a href="/public/employers/{eid}">{escape(name)}</a></li>'
                          for eid, name in other_employers(sc, cl.id))
    side = (
        '<aside class="cw-global_side">'
        '<div class="side_box help_box"><h3>検収について</h3>'
        "<p>納品後、クライアントが納品物を確認して検収します。検収期間の目安は納品から1週間です。</p>"
        f'<p><a href="/contracts/{c.id}/contact_reminders/new">{escape(c.contact_link)}</a></p></div>'
        f'<div class="side_box recommend_box"><h3>おすすめのクライアント</h3><ul>{recommended}</ul></div>'
        '<div class="side_box"><h3>関連リンク</h3><ul><li><a href="/e/contracts?status=active">契約一覧へ戻る</a>'
        '</li><li><a href="/messages/received">メッセージ一覧</a></li></ul></div></aside>'
    )
    body = (
        f'<h1 class="contract_title">{escape(c.title)}</h1>'
        f'<div class="cw-global_row">{progress}</div>'
        f'<div class="cw-global_row with_side">{side}<div class="cw-global_main">{summary}'
        f'{_milestones(c, state)}<div class="cw-box message_box"><h2>メッセージ</h2>{thread}</div>'
        "</div></div>"
    )
    return page(f"{c.title} - 契約詳細", body, True, sc, _style(steps_css(changed) + thread_css(changed)),
                body_class="employee-contracts employee-contracts-show",
                scripts=scripts, nav="contracts")


def _sp_thread_page(sc: Scenario, owner: SContract | SProposal, status: str, sentence: str) -> str:
    """The smartphone markup of a contract or proposal page: tabs and speech bubbles, no tables."""
    bubbles = "".join(
        f'<div class="sp-bubble{" mine" if m.sender == "worker" else ""}">'
        f'<span class="sp-who">{escape(v["name"])}</span> <span class="sp-when">{v["shown"]}</span>'
        f'<div class="sp-text">{escape(m.body).replace(chr(10), "<br>")}</div></div>'
        for m, v in ((m, _view(sc, owner, m)) for m in owner.messages[-FOLD_AFTER:]))
    body = (f'<h1>{escape(owner.title)}</h1><div class="sp-tabs"><span>やること</span> / <span>メッセージ</span>'
            f' / <span>契約内容</span></div><div class="sp-card"><p>{escape(status)}</p>'
            f"<p>{sentence}</p></div><div class=\"sp-messages\">{bubbles}</div>")
    return page(owner.title, body, True, sc, sp=True)


# --- applications (proposals) and jobs -----------------------------------------------------------


def listed_proposals(sc: Scenario) -> list[SProposal]:
    """Applications, newest first."""
    return sorted(sc.proposals, key=lambda p: (p.applied_at or sc.now, p.id), reverse=True)


def proposals_page(sc: Scenario, page_no: int, sp: bool = False) -> str:
    """``/e/proposals?page=N``: the worker's applications, 20 a page, newest first."""
    listed = listed_proposals(sc)
    rows = listed[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE]
    total = pages_of(len(listed))
    if sp:
        cards = "".join(f'<li class="sp-card"><a href="/proposals/{p.id}">{escape(p.title)}</a>'
                        f'<span>{escape(p.status)}</span></li>' for p in rows)
        return page("応募した仕事", f'<h1>応募した仕事</h1><ul class="sp-list">{cards}</ul>', True, sc, sp=True)
    trs = "".join(
        f'<tr><td class="title"><a href="/proposals/{p.id}">{escape(p.title)}</a></td>'
        f"<td>{escape(sc.clients[p.client].name)}</td>"
        f'<td class="created_at">{format_jst(p.applied_at or sc.now)}</td>'
        f'<td class="status"><span class="status_label">{escape(p.status)}</span></td></tr>'
        for p in rows)
    if not trs:
        trs = '<tr><td colspan="4" class="nodata">応募した仕事はありません。</td></tr>'
    links = ""
    if total > 1:
        current = ' class="current"'
        parts = [f'<a href="/e/proposals?page={n}"{current if n == page_no else ""}>{n}</a>'
                 for n in range(1, total + 1)]
        if page_no < total:
            parts.append(f'<a rel="next" href="/e/proposals?page={page_no + 1}">次へ</a>')
        links = f'<div class="pagination">{"".join(parts)}</div>'
    body = ('<h1>応募した仕事</h1><div class="applications section"><table class="proposals cw-table">'
            "<thead><tr><th>仕事</th><th>クライアント</th><th>応募日時</th><th>状態</th></tr></thead>"
            f"<tbody>{trs}</tbody></table></div>{links}")
    return page("応募した仕事", body, True, sc, body_class="employee-proposals employee-proposals-index",
                nav="proposals")


def proposal_page(sc: Scenario, p: SProposal, show_all: bool = False, *, sp: bool = False) -> str:
    """``/proposals/ID``: the application's conditions, its progress (step 2) and its thread."""
    cl = sc.clients[p.client]
    if sp:
        return _sp_thread_page(sc, p, f"状態: {p.status}", "")
    price = f"固定報酬: {_yen(p.amount)}" if p.amount is not None else "固定報酬: -"
    deadline = jst_date(p.deadline or sc.now, weekday=True)
    progress = (f'<div class="progress">{_steps(PROPOSAL_STEPS, 1, "progress")}'
                '<div class="progress_detail"><p>応募しました。クライアントからの連絡をお待ちください。</p>'
                "</div></div>")
    conditions = (
        '<div class="cw-box intro-employer_proposed_project"><h2>応募内容</h2>'
        '<table class="conditions cw-table"><tbody>'
        f'<tr><th>仕事</th><td><a href="/public/jobs/{p.job_id}">{escape(p.title)}</a></td></tr>'
        f"<tr><th>クライアント</th><td>{escape(cl.name)}</td></tr>"
        f'<tr><th>契約金額（税込）</th><td class="condition"><span class="quotation_price">{price}</span>'
        f'<div class="deadline">完了予定日: {deadline}</div></td></tr>'
        f'<tr class="last"><th>応募日時</th><td class="created_at">{format_jst(p.applied_at or sc.now)}</td>'
        "</tr></tbody></table></div>"
    )
    thread, scripts = thread_block(sc, p, "Proposal", show_all, False)
    body = (f'<h1 class="proposal_title">{escape(p.title)}</h1><div class="cw-global_row">{progress}</div>'
            f'{conditions}<div class="cw-box message_box"><h2>メッセージ</h2>{thread}</div>')
    return page(f"{p.title} - 応募詳細", body, True, sc, _style(steps_css() + thread_css()),
                body_class="employee-proposals employee-proposals-show",
                scripts=scripts, nav="proposals")


def find_job(sc: Scenario, job_id: int) -> SContract | SProposal | None:
    for owner in (*sc.contracts, *sc.proposals):
        if owner.job_id == job_id:
            return owner
    return None


def job_page(sc: Scenario, owner: SContract | SProposal, logged_in: bool) -> str:
    """``/public/jobs/ID`` (public): the job and a link to its client."""
    cl = sc.clients[owner.client]
    payment = owner.payment if isinstance(owner, SContract) else "fixed_price"
    state = "募集終了" if isinstance(owner, SContract) else "募集中"
    body = (f'<div class="cw-box job_offer"><h1>{escape(owner.title)}</h1>'
            f'<p class="job_state"><span class="status_label">{state}</span> {PAYMENT_NAMES[payment]}</p>'
            f'<div class="client_info">クライアント: <a href="/public/employers/{cl.id}">{escape(cl.name)}</a>'
            "</div><h2>仕事の詳細</h2><p>詳細はクライアントとのメッセージでご確認ください。</p></div>")
    return page(owner.title, body, logged_in, sc if logged_in else None, nav="jobs")


# --- client profile ------------------------------------------------------------------------------


def last_access_text(now: datetime, t: datetime) -> str:
    """Rails' Japanese distance of time, as the profile JSON writes ``last_accessed_at``.

    Minutes come without 前 (「25分」, 「1分未満」); everything longer with it (「約2時間前」,
    「1日前」, 「約2ヶ月前」, 「1年以上前」). The wording family is a guess (likely).
    """
    seconds = max((now - t).total_seconds(), 0.0)
    minutes = round(seconds / 60)
    if minutes < 1:
        return "1分未満"
    if minutes < 45:
        return f"{minutes}分"
    if minutes < 90:
        words = "約1時間"
    elif minutes < 1440:
        words = f"約{round(minutes / 60)}時間"
    elif minutes < 2520:
        words = "1日"
    elif minutes < 43200:
        words = f"{round(minutes / 1440)}日"
    elif minutes < 86400:
        words = f"約{round(minutes / 43200)}ヶ月"
    elif minutes < 525600:
        words = f"{round(minutes / 43200)}ヶ月"
    else:
        years, rest = divmod(minutes, 525600)
        if rest < 131400:
            words = f"約{years}年"
        elif rest < 394200:
            words = f"{years}年以上"
        else:
            words = f"{years + 1}年弱"
    return words + "前"


def visible_last_access(json_text: str) -> str:
    """The sidebar's wording: 「22分前」 for the JSON's 「22分」."""
    return json_text + "前" if json_text.endswith("分") else json_text


def _created(sc: Scenario, cl: SClient) -> datetime:
    return cl.created_at or (sc.now - timedelta(days=1100))


def _job_offers(sc: Scenario, cl: SClient) -> list[dict[str, Any]]:
    offers: list[dict[str, Any]] = [
        {"job_offer_id": c.job_id, "job_offer_title": c.title, "is_active": False, "contracted": True,
         "payment_type": c.payment} for c in sc.contracts if c.client == cl.id]
    offers += [{"job_offer_id": p.job_id, "job_offer_title": p.title, "is_active": True, "contracted": False,
                "payment_type": "fixed_price"} for p in sc.proposals if p.client == cl.id]
    return offers


def profile_json(sc: Scenario, cl: SClient, logged_in: bool) -> dict[str, Any]:
    """The props of ``div#vue-container[data]`` (key tree seen in two independent readers)."""
    user: dict[str, Any] = {"id": cl.id, "display_name": cl.name}
    if cl.last_access_text:
        user["last_accessed_at"] = cl.last_access_text
    elif cl.last_access is not None:  # hidden: the key is absent (a guess)
        user["last_accessed_at"] = last_access_text(sc.now, cl.last_access)
    user.update({
        "identity_verified": cl.identity_verified, "is_certified_employer": cl.certified,
        "is_employer_rule_check_succeeded": cl.rule_check, "is_official_account": False,
        "feedback": {"average_score": cl.rating, "total_count": cl.rating_count},
        "job_offer_achievement_count": cl.jobs_posted,
        "project_finished_data": {"rate": cl.completion_rate, "total_acceptance_count": cl.acceptance_count,
                                  "total_finished_count": cl.finished_count},
        "created_at": jst_iso(_created(sc, cl)), "prefecture_name": cl.prefecture,
    })
    ratings = [{"user_id": 955600001 + k, "average_score": r.score, "comment": r.comment,
                "job_offer_id": 990000001 + (cl.id % 10000) * 100 + k, "job_offer_title": r.job,
                "rated_at": jst_iso(r.at) if r.at else None, "private": False}
               for k, r in enumerate(cl.ratings)]
    logged = {"id": sc.worker.id, "display_name": sc.worker.name} if logged_in else None
    return {
        "public_employer_page_json": {
            "employer_user": {"id": cl.id, "display_name": cl.name, "is_certified_employer": cl.certified},
            "logged_in_user": logged},
        "employer_profile_json": {"employer_user": user, "toggle_follow_button_is_available": logged_in},
        "employer_profile_summary_json": {
            "user_id": cl.id,
            "company_profile": {"description": cl.description, "url": cl.url or None},
            "feedback": {
                "total_rating": {"average_score": cl.rating, "evaluation_count": cl.rating_count,
                                 "rating_item_scores": [{"label_text": label, "score": cl.rating}
                                                        for label in RATING_ITEMS]},
                "user_ratings": ratings},
            "job_offers": _job_offers(sc, cl),
            "job_categories": [],
        },
        "is_mobile": False,
    }


def _rating_html(r: SRating) -> str:
    """One rating of the profile's comment list: stars, score, job, date, comment."""
    date = f'<span class="rating_date">{jst_date(r.at)}</span>' if r.at else ""
    return (f'<div class="rating_item"><p class="rating_head">{_stars(r.score)}<strong>{r.score:.1f}</strong>'
            f'<span class="rating_job">{escape(r.job)}</span>{date}</p>'
            f'<p class="rating_comment">{escape(r.comment)}</p></div>')


def profile(sc: Scenario, cl: SClient, logged_in: bool, changed: bool, sp: bool = False) -> str:
    """``/public/employers/ID`` (public): the props in ``#vue-container[data]`` and the sidebar."""
    words = last_access_text(sc.now, cl.last_access) if cl.last_access else None
    shown = visible_last_access(words) if words else None
    if cl.last_access_text:
        shown = cl.last_access_text
    frame_sc = sc if logged_in else None
    if sp:
        body = (f'<div class="sp-profile"><h1>{escape(cl.name)}</h1>'
                + (f'<p class="sp-last-access">最終アクセス: {shown}</p>' if shown else "")
                + f'<p>完了率 {cl.completion_rate}%（完了数 {cl.finished_count} / 契約数 {cl.acceptance_count}）</p>'
                f'<p>本人確認: {"済み" if cl.identity_verified else "未確認"}</p></div>')
        return page(f"{cl.name}のプロフィール", body, logged_in, frame_sc, sp=True)
    props = profile_json(sc, cl, logged_in)
    if changed:  # a release that moved the props, renamed their keys and dropped _lastActivity_
        t = "z0z0z"
        moved = {"employer": {"userId": cl.id, "displayName": cl.name, "lastSeen": words,
                              "verified": cl.identity_verified,
                              "completion": {"ratePercent": cl.completion_rate, "done": cl.finished_count,
                                             "total": cl.acceptance_count}}}
        body = (f'<div id="employer-profile-app" data-props="{_data(moved)}">'
                f'<div class="{_h("layout", 1, t)}"><aside class="{_h("side", 2, t)}">'
                f'<h1>{escape(cl.name)}</h1>'
                + (f'<div class="{_h("activity", 3, t)}">ログイン: {shown}</div>' if shown else "")
                + f'<div class="{_h("completion", 4, t)}">{cl.finished_count} / {cl.acceptance_count}</div>'
                "</aside></div></div>")
        return page(f"{cl.name}のプロフィール", body, logged_in, frame_sc)
    t = RELEASE
    access = f'<p class="{_h("lastActivity", 55, t)}">最終アクセス: {shown}</p>' if shown else ""
    badges = "".join(
        f'<li class="{"is-ok" if ok else "is-ng"}">{label}: {"済み" if ok else "未確認"}</li>'
        for label, ok in (("本人確認", cl.identity_verified), ("発注ルールチェック", cl.rule_check)))
    if cl.certified:
        badges += '<li class="is-ok">認定クライアント</li>'
    if cl.rating_count:
        score = (f'{_stars(cl.rating)}<strong class="score_value">{cl.rating:.1f}</strong>'
                 f'<span class="score_count">（{cl.rating_count}件）</span>')
    else:
        score = '<span class="score_none">評価はまだありません</span>'
    ratings = "".join(_rating_html(r) for r in cl.ratings) or "<p>公開されている評価コメントはありません。</p>"
    offers = "".join(f'<li>{escape(o["job_offer_title"])}{"（募集中）" if o["is_active"] else ""}</li>'
                     for o in _job_offers(sc, cl)) or "<li>公開中の仕事はありません。</li>"
    about = escape(cl.description) if cl.description else "会社概要は登録されていません。"
    url = f'<p><a href="{escape(cl.url)}" rel="nofollow">{escape(cl.url)}</a></p>' if cl.url else ""
    rate = max(0, min(100, cl.completion_rate))
    sidebar = (
        f'<div class="{_h("normanEmployerProfilePageSidebar", 34, t)}"><div>'
        f'<div class="{_h("imageContainer", 19, t)}"><div class="{_h("profileImage", 21, t)}">'
        f'{escape(cl.name[:1])}</div><div class="{_h("displayName", 23, t)}"><strong>{escape(cl.name)}</strong>'
        f"</div>{access}</div>"
        f'<ul class="{_h("badges", 60, t)}">{badges}</ul>'
        f'<div class="{_h("projectFinishedRateContainer", 95, t)}"><div class="rate_head">プロジェクト完了率 '
        f'<strong class="rate_value">{cl.completion_rate}%</strong></div>'
        f'<div class="rate_meter{" is-low" if rate < 80 else ""}"><span style="width:{rate}%"></span></div>'
        f'<div class="{_h("projectFinishedRateDetail", 2, t)}">完了数 {cl.finished_count} / 契約数 '
        f"{cl.acceptance_count}</div></div>"
        f'<div class="{_h("ratingSummary", 80, t)}"><div class="side_label">評価</div>{score}</div>'
        f'<dl class="{_h("facts", 70, t)}">'
        f"<dt>募集実績</dt><dd>{cl.jobs_posted}件（契約 {cl.jobs_contracted}件）</dd>"
        f"<dt>所在地</dt><dd>{escape(cl.prefecture)}</dd>"
        f"<dt>登録日</dt><dd>{jst_date(_created(sc, cl))}</dd></dl></div></div>"
    )
    main = (f'<div class="{_h("profileMain", 40, t)}"><div class="cw-box"><h1>{escape(cl.name)}</h1>'
            f"<h2>会社概要</h2><p>{about}</p>{url}</div>"
            f'<div class="cw-box"><h2>評価・コメント</h2>{ratings}</div>'
            f'<div class="cw-box"><h2>仕事の依頼実績</h2><ul>{offers}</ul></div></div>')
    body = (f'<div id="vue-container" data="{_data(props)}"><div class="{_h("bodyPc", 2, t)}">'
            f'<div class="{_h("contentPc", 17, t)}"><div>{sidebar}{main}</div></div></div></div>')
    css = _PROFILE_CSS.substitute(
        side=_h("normanEmployerProfilePageSidebar", 34, t), content=_h("contentPc", 17, t),
        image=_h("imageContainer", 19, t), picture=_h("profileImage", 21, t), access=_h("lastActivity", 55, t),
        main=_h("profileMain", 40, t), name=_h("displayName", 23, t), badges=_h("badges", 60, t),
        rate=_h("projectFinishedRateContainer", 95, t), detail=_h("projectFinishedRateDetail", 2, t),
        score=_h("ratingSummary", 80, t), facts=_h("facts", 70, t))
    return page(f"{cl.name}のプロフィール", body, logged_in, frame_sc, _style(css))


# --- inbox ---------------------------------------------------------------------------------------


def inbox_entries(sc: Scenario, iso_times: bool = False) -> list[dict[str, Any]]:
    """One item per thread with a received message (from the client or the site), newest first.

    The keys are exactly the seen ones; ``id`` is the thread's newest received message.
    """
    ids = message_ids(sc)
    found: list[tuple[datetime, dict[str, Any]]] = []
    owners: list[tuple[SContract | SProposal, str]] = [(c, "contracted") for c in sc.contracts]
    owners += [(p, "proposed") for p in sc.proposals]
    for owner, status in owners:
        msg_ids = ids[owner.thread_id]
        received = [(mid, m) for mid, m in zip(msg_ids, owner.messages, strict=True) if m.sender != "worker"]
        if not received:
            continue
        mid, m = received[-1]
        found.append((m.at, {
            "thread_id": owner.thread_id, "id": mid,
            "sent_at": jst_iso(m.at) if iso_times else format_jst(m.at),
            "title": owner.title, "proposal_status": status,
            "is_replied": owner.messages[-1].sender == "worker"}))
    found.sort(key=lambda x: (x[0], x[1]["id"]), reverse=True)
    return [e for _, e in found]


def inbox_json(sc: Scenario, page_no: int, changed: bool = False, iso_times: bool | None = None
               ) -> dict[str, Any]:
    """``/api/v3/message/list?page=N``: 20 items a page."""
    iso = sc.faults.inbox_iso_times if iso_times is None else iso_times
    entries = inbox_entries(sc, iso)
    chunk = entries[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE]
    total = pages_of(len(entries))
    if changed:  # the release that changed the inbox page also renamed the API's keys
        return {"status": "success", "data": {
            "threads": [{"threadId": e["thread_id"], "latestMessageId": e["id"], "postedAt": e["sent_at"],
                         "subject": e["title"], "proposalStatus": e["proposal_status"],
                         "replied": e["is_replied"]} for e in chunk],
            "meta": {"totalPages": total, "page": page_no}}}
    return {"status": "success", "data": {"items": chunk,
                                          "pagination": {"total_pages": total, "current_page": page_no}}}


_INBOX_KEYS = {"items": "items", "thread": "thread_id", "id": "id", "at": "sent_at", "title": "title",
               "status": "proposal_status", "replied": "is_replied", "pagination": "pagination",
               "total": "total_pages"}
_INBOX_KEYS_CHANGED = {"items": "threads", "thread": "threadId", "id": "latestMessageId", "at": "postedAt",
                       "title": "subject", "status": "proposalStatus", "replied": "replied",
                       "pagination": "meta", "total": "totalPages"}

_INBOX_JS = """(function () {
  var K = %(keys)s, C = %(classes)s, page = %(page)d;
  var app = document.getElementById(%(root)s);
  var list = app.querySelector('.' + C.list), pager = app.querySelector('.' + C.pager);
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function shown(t) {
    var m = /^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2})/.exec(String(t));
    return m ? m[1] + '年' + m[2] + '月' + m[3] + '日 ' + m[4] + ':' + m[5] : String(t);
  }
  fetch('/api/v3/message/list?page=' + page, {credentials: 'same-origin'})
    .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.json(); })
    .then(function (j) {
      window.cwInbox = j;
      var d = j.data || {}, items = d[K.items] || [];
      list.textContent = '';
      items.forEach(function (it) {
        var li = el('li', C.item);
        li.setAttribute('data-thread-id', it[K.thread]);
        var a = el('a', C.link); a.setAttribute('href', '/messages/' + it[K.id]);
        function gap() { a.appendChild(document.createTextNode(' ')); }
        a.appendChild(el('span', C.title, it[K.title])); gap();
        if (it[K.status] === 'proposed') { a.appendChild(el('span', C.badge, '応募')); gap(); }
        a.appendChild(el('span', C.badge, it[K.replied] ? '返信済み' : '未返信')); gap();
        var t = el('time', C.time, shown(it[K.at])); t.setAttribute('datetime', shown(it[K.at]));
        a.appendChild(t); li.appendChild(a); list.appendChild(li);
      });
      if (!items.length) { list.appendChild(el('li', C.empty, 'メッセージはありません。')); }
      var total = parseInt((d[K.pagination] || {})[K.total] || 1, 10);
      if (page < total) {
        var next = el('a', null, '次のページ'); next.setAttribute('rel', 'next');
        next.setAttribute('href', '/messages/received?page=' + (page + 1)); pager.appendChild(next);
      }
    })
    .catch(function () { list.textContent = 'メッセージを読み込めませんでした。'; });
})();"""


def _inbox_classes(changed: bool) -> dict[str, str]:
    if changed:
        t = "q0q0q"
        return {"list": _h("inboxRows", 1, t), "item": _h("inboxRow", 2, t), "link": _h("rowLink", 3, t),
                "title": _h("subject", 4, t), "badge": _h("flag", 5, t), "time": _h("postedAt", 6, t),
                "pager": _h("pager", 7, t), "empty": _h("empty", 8, t)}
    t = RELEASE
    return {"list": _h("messageThreadList", 1, t), "item": _h("messageThreadItem", 5, t),
            "link": _h("threadLink", 6, t), "title": _h("threadTitle", 7, t), "badge": _h("badge", 8, t),
            "time": _h("threadTime", 9, t), "pager": _h("pagination", 45, t), "empty": _h("empty", 47, t)}


def inbox_page(sc: Scenario, page_no: int, changed: bool, sp: bool = False) -> str:
    """``/messages/received?page=N``: an app that loads the inbox API (or, with
    ``inbox_api = false``, a server-rendered list; its markup is a guess)."""
    data = inbox_json(sc, page_no, iso_times=False)["data"]
    items, total = data["items"], data["pagination"]["total_pages"]
    if sp:
        cards = "".join(f'<li class="sp-card"><a href="/messages/{e["id"]}">{escape(e["title"])}</a>'
                        f'<span>{e["sent_at"]}</span></li>' for e in items)
        return page("メッセージ", f'<h1>メッセージ</h1><ul class="sp-list">{cards}</ul>', True, sc, sp=True)
    k = _inbox_classes(changed)
    root = "messages-index-app-v2" if changed else "pack-messages-index-page-app"
    tag = "ol" if changed else "ul"
    scripts, rendered, pager = "", "", ""
    if sc.faults.inbox_api:
        keys = _INBOX_KEYS_CHANGED if changed else _INBOX_KEYS
        scripts = "<script>" + _INBOX_JS % {"keys": _script_json(keys), "classes": _script_json(k),
                                            "page": page_no, "root": _script_json(root)} + "</script>"
    else:
        for e in items:
            badges = f'<span class="{k["badge"]}">応募</span> ' if e["proposal_status"] == "proposed" else ""
            badges += f'<span class="{k["badge"]}">{"返信済み" if e["is_replied"] else "未返信"}</span> '
            rendered += (f'<li class="{k["item"]}" data-thread-id="{e["thread_id"]}">'
                         f'<a class="{k["link"]}" href="/messages/{e["id"]}">'
                         f'<span class="{k["title"]}">{escape(e["title"])}</span> {badges}'
                         f'<time class="{k["time"]}" datetime="{e["sent_at"]}">{e["sent_at"]}</time></a></li>')
        if not items:
            rendered = f'<li class="{k["empty"]}">メッセージはありません。</li>'
        if page_no < total:
            pager = f'<a rel="next" href="/messages/received?page={page_no + 1}">次のページ</a>'
    body = (f'<h1>メッセージ（受信）</h1><div id="{root}" data="{_data({"page": page_no})}" class="cw-box">'
            f'<{tag} class="{k["list"]}">{rendered}</{tag}><nav class="{k["pager"]}">{pager}</nav></div>')
    return page("メッセージ", body, True, sc, _style(_INBOX_CSS.substitute(k)), scripts=scripts,
                nav="messages")
