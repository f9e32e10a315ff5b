"""HTML of the sample site, in the markup the real site is described to use.

CSS-module class names carry a hash tail (``_messageItem_iq3vm_4``), JSON rides in ``data``
attributes, message times are ``<time datetime="2026年09月27日 15:55">``, the profile says
「最終アクセス: 約24時間前」. A "layout changed" variant of each member page renames the hooks the
selectors rely on, the way a site release would.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any

from watcher.jptime import describe_ago, format_jst
from watcher.sample.scenario import Scenario, SClient, SContract

PAGE_SIZE = 20
FOLD_AFTER = 10  # a thread longer than this shows only its last FOLD_AFTER messages

# The hash tails of "this release" of the site.
H_THREAD = "iq3vm"
H_CONTRACT = "p2k9d"
H_LIST = "x8k2p"
H_PROFILE = "k3j2d"
H_INBOX = "m7q1z"


def _data(obj: Any) -> str:
    return escape(json.dumps(obj, ensure_ascii=False), quote=True)


def header(logged_in: bool, sc: Scenario | None) -> str:
    props: dict[str, Any] = {"headerMenuProps": {"isLogin": logged_in}}
    if logged_in and sc is not None:
        props["headerMenuProps"]["currentUser"] = {
            "id": sc.worker.id, "displayName": sc.worker.name, "role": "employee"}
    return f'<div id="norman-header-section" data="{_data(props)}"></div>'


def page(title: str, body: str, logged_in: bool, sc: Scenario | None, extra_head: str = "") -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)} | クラウドワークス</title>"
        "<style>body{font-family:'Noto Sans CJK JP',sans-serif;margin:0}"
        "main{max-width:960px;margin:0 auto;padding:16px}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:6px}"
        "[class*=_messageItem_]{border-bottom:1px solid #eee;padding:8px}"
        "[class*=_messageSent_]{background:#f3f9ff}</style>"
        f"{extra_head}</head><body>{header(logged_in, sc)}<main>{body}</main></body></html>"
    )


# --- login, two-step, captcha, 404 -------------------------------------------------------------


def login_page(error: str | None = None, captcha: bool = False) -> str:
    err = ""
    if error:
        err = (f'<div id="login_error" data-code="{escape(error)}" class="_loginError_a1b2c_3">'
               "メールアドレスまたはパスワードが正しくありません。</div>")
    # The invisible reCAPTCHA badge that may sit on every login page: not a challenge.
    widget = ('<div class="grecaptcha-badge" data-style="bottomright"><iframe title="reCAPTCHA" '
              'src="about:blank#recaptcha-size=invisible"></iframe></div>')
    if captcha:
        widget = ('<div class="g-recaptcha" data-sitekey="6Lc-sample-site-key"></div>'
                  '<iframe title="reCAPTCHA" src="about:blank#recaptcha"></iframe>')
    body = (
        "<h1>ログイン</h1>" + err +
        '<form action="/login" method="post" class="_loginForm_a1b2c_7">'
        '<label>メールアドレス<input type="email" id="username" name="username"></label>'
        '<label>パスワード<input type="password" id="password" name="password"></label>'
        '<label><input type="checkbox" id="enable_auto_login" name="enable_auto_login" '
        'value="1">ログインしたままにする</label>' + widget +
        '<button type="submit">ログイン</button></form>'
        '<div class="_socialLogin_a1b2c_9"><button type="button">Googleでログイン</button>'
        '<button type="button">Yahoo! JAPAN IDでログイン</button></div>'
    )
    return page("ログイン", body, False, None)


def two_step_page() -> str:
    body = (
        "<h1>2段階認証</h1><p>メールアドレスに送信された認証コードを入力してください。</p>"
        '<form action="/login/two_step_authentication" method="post">'
        '<label>認証コード<input type="text" name="code" inputmode="numeric"></label>'
        '<button type="submit">認証する</button></form>'
    )
    return page("2段階認証", body, False, None)


def not_found_page(logged_in: bool, sc: Scenario | None) -> str:
    body = "<h1>ページが見つかりません</h1><p>お探しのページは見つかりませんでした。</p>"
    return page("ページが見つかりません", body, logged_in, sc)


def server_error_page() -> str:
    return page("エラー", "<h1>エラーが発生しました</h1><p>しばらくしてから再度お試しください。</p>",
                False, None)


def dashboard(sc: Scenario) -> str:
    body = (f"<h1>マイページ</h1><p>{escape(sc.worker.name)}さん、こんにちは。</p>"
            '<ul><li><a href="/e/contracts?status=active">進行中の契約</a></li>'
            '<li><a href="/messages/received">受信メッセージ</a></li></ul>')
    return page("マイページ", body, True, sc)


# --- active contracts ----------------------------------------------------------------------------


def pages_of(n: int) -> int:
    return max(1, -(-n // PAGE_SIZE))


def contracts_page(sc: Scenario, page_no: int, changed: bool, empty: bool = False,
                   next_href: str = "") -> str:
    listed = [] if empty else sc.contracts
    rows = listed[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE]
    total_pages = pages_of(len(listed))
    if changed:  # a release that moved the list from a table to cards
        cards = "".join(
            f'<div class="_contractCard_v9v9v_2" role="listitem">'
            f'<span class="_cardClient_v9v9v_5">{escape(sc.clients[c.client].name)}</span>'
            f'<a href="/contracts/{c.id}">{escape(c.title)}</a>'
            f'<span class="_cardStatus_v9v9v_8">{escape(c.status)}</span></div>'
            for c in rows)
        body = f'<h1>進行中の契約</h1><div class="_contractCards_v9v9v_1" role="list">{cards}</div>'
        return page("進行中の契約", body, True, sc)
    trs = "".join(
        f'<tr class="_contractRow_{H_LIST}_20">'
        f'<td class="_clientName_{H_LIST}_24">{escape(sc.clients[c.client].name)}</td>'
        f'<td><a href="/contracts/{c.id}" class="_contractLink_{H_LIST}_28">{escape(c.title)}</a></td>'
        f'<td><span class="_statusBadge_{H_LIST}_31">{escape(c.status)}</span></td>'
        "<td>-</td></tr>"
        for c in rows)
    if rows:
        table = (f'<table class="_contractsTable_{H_LIST}_12"><thead><tr><th>クライアント</th>'
                 "<th>仕事</th><th>状態</th><th>次のアクション</th></tr></thead>"
                 f"<tbody>{trs}</tbody></table>")
    else:
        table = f'<p class="_emptyState_{H_LIST}_40">進行中の契約はありません。</p>'
    nav = []
    if page_no > 1:
        nav.append(f'<a rel="prev" href="/e/contracts?status=active&amp;page={page_no - 1}">前へ</a>')
    if page_no < total_pages or next_href:
        href = escape(next_href) if next_href else f"/e/contracts?status=active&amp;page={page_no + 1}"
        nav.append(f'<a rel="next" class="_nextPage_{H_LIST}_50" href="{href}">次へ</a>')
    pager = f'<nav class="_pagination_{H_LIST}_45">{"".join(nav)}</nav>'
    return page("進行中の契約", f"<h1>進行中の契約</h1>{table}{pager}", True, sc)


# --- workroom ------------------------------------------------------------------------------------


def _message(sc: Scenario, c: SContract, m: Any, changed: bool) -> str:
    item = "_msgItem_b4b4b_1" if changed else f"_messageItem_{H_THREAD}_4"
    sent = f" _messageSent_{H_THREAD}_9" if m.sender == "worker" else ""
    system = f" _systemMessage_{H_THREAD}_11" if m.sender == "system" else ""
    when = format_jst(m.at)
    if m.sender == "worker":
        who = (f'<a class="_senderName_{H_THREAD}_12" href="/public/employees/{sc.worker.id}">'
               f"{escape(sc.worker.name)}</a>")
    elif m.sender == "client":
        cl = sc.clients[c.client]
        who = (f'<a class="_senderName_{H_THREAD}_12" href="/public/employers/{cl.id}">'
               f"{escape(cl.name)}</a>")
    else:
        who = f'<span class="_systemLabel_{H_THREAD}_14">クラウドワークス</span>'
    paras = "".join(f"<p>{escape(line)}</p>" for line in m.body.split("\n"))
    delivery = ""
    if m.kind == "delivery":
        delivery = (f'<div class="_deliveryReport_{H_THREAD}_40"><h4>納品完了報告</h4>'
                    "<p>納品物を送付しました。検収をお願いいたします。</p></div>")
    return (f'<div class="{item}{sent}{system}">{who}'
            f'<time datetime="{when}">{when}</time>{delivery}'
            f'<div class="_messageBody_{H_THREAD}_20">{paras}</div></div>')


def workroom(sc: Scenario, c: SContract, show_all: bool, changed: bool) -> str:
    cl = sc.clients[c.client]
    msgs = c.messages
    fold = ""
    if not show_all and len(msgs) > FOLD_AFTER:
        hidden = len(msgs) - FOLD_AFTER
        msgs = msgs[-FOLD_AFTER:]
        fold = (f'<a class="_showMore_{H_THREAD}_50" href="/contracts/{c.id}?show_all=1">'
                f"以前のメッセージを表示（{hidden}件）</a>")
    items = "".join(_message(sc, c, m, changed) for m in msgs)
    thread_data = {"id": 700000000 + c.id % 100000000, "messageableType": "Contract",
                   "messageableId": c.id, "proposalId": 90000000 + c.id % 10000000}
    thread_id = "message-thread-v2" if changed else "pack-message-thread"
    thread_attr = "data-props" if changed else "data"
    if c.escrow_deposited:
        escrow = "仮払い済み：業務を開始しています"
    else:
        escrow = "仮払い待ち：クライアントの仮払いが完了するまで業務を開始しないでください"
    amount = f"{c.amount:,}円（税込）" if c.amount is not None else "-"
    body = (
        f'<section class="_contractSummary_{H_CONTRACT}_3">'
        f'<h1 class="_contractTitle_{H_CONTRACT}_8">{escape(c.title)}</h1>'
        f'<p>クライアント: <a class="_clientLink_{H_CONTRACT}_10" href="/public/employers/{cl.id}">'
        f"{escape(cl.name)}</a></p>"
        f'<p>状態: <span class="_statusLabel_{H_CONTRACT}_15">{escape(c.status)}</span></p>'
        f'<p class="_escrowStatus_{H_CONTRACT}_30">{escrow}</p>'
        f'<p>契約金額: <span class="_contractAmount_{H_CONTRACT}_33">{amount}</span></p>'
        "</section>"
        f'<section class="_workroom_{H_THREAD}_1"><h2>メッセージ</h2>'
        f'<div id="{thread_id}" {thread_attr}="{_data(thread_data)}">{fold}{items}</div>'
        '<form class="_replyForm_iq3vm_60"><textarea name="message[body]"></textarea>'
        '<button type="button">送信する</button></form>'
        f'<p><a href="/contracts/{c.id}/contact_reminders/new">契約相手と連絡とれない場合はこちら</a></p>'
        "</section>"
    )
    return page(f"{c.title} - ワークルーム", body, True, sc)


# --- client profile ------------------------------------------------------------------------------


def _json_ago(now: datetime, t: datetime) -> str:
    text = describe_ago(now - t, about=False)
    return text[:-1] if text.endswith("分前") else text  # the JSON writes 「25分」


def profile(sc: Scenario, cl: SClient, logged_in: bool, changed: bool) -> str:
    visible = describe_ago(sc.now - cl.last_access) if cl.last_access else None
    user = {
        "id": cl.id, "display_name": cl.name,
        "last_accessed_at": _json_ago(sc.now, cl.last_access) if cl.last_access else None,
        "identity_verified": cl.identity_verified, "is_certified_employer": False,
        "is_employer_rule_check_succeeded": True,
        "project_finished_data": {"rate": 98, "total_acceptance_count": 41,
                                  "total_finished_count": 40},
        "feedback": {"average_score": 4.8, "total_count": 37},
    }
    access = (f'<div class="_lastAccess_{H_PROFILE}_9">最終アクセス: {visible}</div>'
              if visible else "")
    if changed:  # a release that moved the props to another element and attribute
        container = f'<div id="employer-profile-app" data-props="{_data({"user": user})}"></div>'
        access = f'<div class="_activity_z0z0z_3">{visible or ""}</div>'
    else:
        container = f'<div id="vue-container" data="{_data({"employer_user": user})}"></div>'
    body = (
        f'<div class="_profile_{H_PROFILE}_1"><h1>{escape(cl.name)}</h1>{container}</div>'
        f'<aside class="_sidebar_{H_PROFILE}_5">{access}'
        f'<div class="_rate_{H_PROFILE}_12">プロジェクト完了率: 98%</div>'
        f'<div class="_identity_{H_PROFILE}_14">本人確認: {"済み" if cl.identity_verified else "未確認"}'
        "</div></aside>"
    )
    return page(f"{cl.name}のプロフィール", body, logged_in, sc)


# --- inbox ---------------------------------------------------------------------------------------


def inbox_entries(sc: Scenario) -> list[dict[str, Any]]:
    """Received messages (from clients and the site), newest first, as the JSON API lists them."""
    out = []
    for c in sc.contracts:
        replied = bool(c.messages) and c.messages[-1].sender == "worker"
        for n, m in enumerate(c.messages):
            if m.sender == "worker":
                continue
            sender = sc.clients[c.client].name if m.sender == "client" else "クラウドワークス"
            out.append({
                "thread_id": 700000000 + c.id % 100000000,
                "id": c.id * 1000 + n,
                "contract_id": c.id,
                "sent_at": format_jst(m.at),
                "title": c.title,
                "sender_name": sender,
                "proposal_status": "contracted",
                "is_replied": replied,
            })
    out.sort(key=lambda e: (e["sent_at"], e["id"]), reverse=True)
    return out


def inbox_json(sc: Scenario, page_no: int, changed: bool = False) -> dict[str, Any]:
    entries = inbox_entries(sc)
    chunk = entries[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE]
    meta = {"page": page_no, "total_count": len(entries), "total_pages": pages_of(len(entries))}
    if changed:  # the release that changed the inbox page also renamed the API's fields
        return {"messages": [{"threadId": e["thread_id"], "messageId": e["id"], "postedAt": e["sent_at"],
                              "subject": e["title"]} for e in chunk], "pagination": meta}
    return {"data": chunk, "meta": meta}


def inbox_page(sc: Scenario, page_no: int, changed: bool) -> str:
    data = inbox_json(sc, page_no)
    li = "".join(
        f'<li class="_messageListItem_{H_INBOX}_3" data-thread-id="{e["thread_id"]}" '
        f'data-message-id="{e["id"]}"><a href="/contracts/{e["contract_id"]}">'
        f'<span class="_messageTitle_{H_INBOX}_6">{escape(e["title"])}</span></a>'
        f'<span class="_senderName_{H_INBOX}_8">{escape(e["sender_name"])}</span>'
        f'<time datetime="{e["sent_at"]}">{e["sent_at"]}</time></li>'
        for e in data["data"])
    lst = ("ol" if changed else "ul")
    cls = "_inboxRows_q0q0q_1" if changed else f"_messageList_{H_INBOX}_1"
    nav = ""
    if page_no < data["meta"]["total_pages"]:
        nav = f'<a rel="next" href="/messages/received?page={page_no + 1}">次のページ</a>'
    # The real page loads its list from the JSON API; the sample renders it and also makes the
    # same request, so a scanner can read either.
    script = ""
    if sc.faults.inbox_api:
        script = ("<script>fetch('/api/v3/message/list?page=" + str(page_no) +
                  "',{credentials:'same-origin'}).then(r=>r.json()).then(j=>{window.__inbox=j;})"
                  ".catch(()=>{});</script>")
    body = f'<h1>受信メッセージ</h1><{lst} class="{cls}">{li}</{lst}>{nav}{script}'
    return page("受信メッセージ", body, True, sc)
