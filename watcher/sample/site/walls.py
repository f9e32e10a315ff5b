"""The walls of the sample site: the login form, the bot check, the two-step page, 404 and 500.

The login form's POST, the sessions and the faults that raise a wall (``login = "bot_check"``,
``server_error``) are the server's (:mod:`watcher.sample.server`); the pages are here.
"""

from __future__ import annotations

from html import escape

from watcher.sample.scenario import Scenario
from watcher.sample.site.assets import BOT_CHECK_CSS, BOT_CHECK_JS, CHALLENGE_JS
from watcher.sample.site.frame import page
from watcher.sample.site.routing import JS_TYPE, Answer, Request, Route

LOGIN_ERRORS = {
    "account_missing": "このメールアドレスはCrowdWorksに登録されていません",
    "password_mismatch": "メールアドレスまたはパスワードが正しくありません",
    "captcha_required": "「私はロボットではありません」にチェックを入れてください",
}


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
        f"<style>{BOT_CHECK_CSS}</style><script>{BOT_CHECK_JS}</script>"
        "<script src=\"/challenge.js\"></script></head><body>"
        "<div class=\"box\"><h1>人間であることを確認します</h1>"
        "<p>Additional Verification Required</p>"
        "<p>続行する前に、接続のセキュリティを確認する必要があります。</p>"
        "<div id=\"challenge-container\"></div>"
        "<noscript><p>JavaScript is disabled. JavaScript を有効にしてください。</p></noscript></div>"
        "</body></html>"
    )


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
    """The 404 page, in the frame of whoever asks."""
    body = ('<div class="cw-box"><h1>ページが見つかりません</h1>'
            "<p>お探しのページは見つかりませんでした。URLが間違っているか、ページが削除された可能性があります。</p>"
            '<p><a href="/dashboard">マイページへ戻る</a></p></div>')
    return page("ページが見つかりません", body, logged_in, sc)


def server_error_page() -> str:
    """The 500 page (the ``server_error`` fault)."""
    body = ('<div class="cw-box"><h1>エラーが発生しました</h1>'
            "<p>申し訳ございません。しばらくしてから再度お試しください。</p></div>")
    return page("エラー", body, False, None)


def _challenge_js(req: Request, _: int) -> Answer:
    return Answer(CHALLENGE_JS, ctype=JS_TYPE)


def _login(req: Request, _: int) -> Answer:
    return Answer(login_page(captcha=req.sc.faults.login == "captcha"), count="login_page")


def _two_step(req: Request, _: int) -> Answer:
    return Answer(two_step_page(), count="two_step_page")


def _nothing(req: Request, _: int) -> None:
    return None


ROUTES = (
    Route("/challenge.js", _challenge_js, "asset"),
    Route("/login", _login, "public"),  # GET; the form's POST is the server's
    Route("/login/two_step_authentication", _two_step, "public"),
    Route("/", _nothing, "public"),  # 404 to anyone, logged in or not
    Route("/favicon.ico", _nothing, "public"),
)


# The challenge pages of the ``challenge`` fault (sample.scenario.CHALLENGE_FAULTS): Japanese, and worded so
# that no text of ``[login] bot_check_texts`` matches: only the protocol tells them (issue 20 item 3).
_CF_SCRIPT = ("(function(){window._cf_chl_opt={cvId:'3',cZone:'crowdworks.jp',cType:'managed',"
              "cRay:'8f0c1a2b3c4d5e6f',cH:'sample'};var a=document.createElement('script');"
              "a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8f0c1a2b3c4d5e6f';"
              "document.getElementsByTagName('head')[0].appendChild(a);}());")


def cloudflare_page() -> str:
    """A Cloudflare managed challenge as a Japanese browser sees it (reported: Cloudflare's own page,
    localised): 「しばらくお待ちください…」 and the challenge platform's script."""
    return (
        "<!DOCTYPE html><html lang=\"ja-JP\"><head><title>しばらくお待ちください…</title>"
        "<meta http-equiv=\"content-type\" content=\"text/html; charset=UTF-8\">"
        "<meta name=\"robots\" content=\"noindex,nofollow\"></head><body>"
        "<div class=\"main-wrapper\" role=\"main\"><div class=\"main-content\">"
        "<h1 class=\"zone-name-title h1\">crowdworks.jp</h1>"
        "<h2 class=\"h2\">続行する前に、crowdworks.jp で接続のセキュリティを確認します。</h2>"
        "<noscript><div>続行するには JavaScript と Cookie を有効にしてください</div></noscript></div></div>"
        f"<script>{_CF_SCRIPT}</script></body></html>"
    )


def aws_waf_page(captcha: bool) -> str:
    """An AWS WAF challenge (or CAPTCHA) answer with nothing but a waiting text: only its header
    ``x-amzn-waf-action`` tells it."""
    what = "以下の確認を完了してください。" if captcha else "読み込み中です。"
    return ("<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title></title></head><body>"
            f"<div id=\"wait\"><p>{what}</p></div></body></html>")


def headerless_page() -> str:
    """A page with none of the site's frame (no header) and no known wording: what an unknown firewall
    or a proxy's interstitial might serve where a member page was expected."""
    return ("<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>crowdworks.jp</title>"
            "</head><body><p>アクセスを確認しています。しばらくしてから再度お試しください。</p></body></html>")
