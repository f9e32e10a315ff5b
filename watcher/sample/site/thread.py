"""A message thread, reader kind ``thread``: as the contract and application pages show it, and as
``/message/threads/ID/messages.json`` (the whole thread, bodies as HTML) and the message links
``/messages/ID`` serve it.

The thread ``#pack-message-thread[data]`` uses CSS-module classes with a hash tail
(``_messageItem_iq3vm_4``); over ten messages it folds behind 「他のN件のメッセージを表示」, whose
script brings older ones back. Message ids are derived from the time (:func:`message_ids`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape
from typing import Any

from watcher.jptime import format_jst
from watcher.sample.scenario import Scenario, SClient, SContract, SMessage, SProposal
from watcher.sample.site.assets import FOLD_JS, THREAD_CSS, THREAD_FETCH_JS
from watcher.sample.site.common import CHANGED_RELEASE, RELEASE, SITE_NAME, data_attr, hashed, script_json, slash_time
from watcher.sample.site.frame import page
from watcher.sample.site.routing import Answer, Request, Route

FOLD_AFTER = 10  # a thread longer than this shows only its newest FOLD_AFTER messages
FOLD_STEP = 10  # each click on 「他のN件のメッセージを表示」 brings back up to this many
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


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
    """The thread's class names, of this release or of the one that renamed every hook."""
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
    return {k: hashed(n, num, t) for k, (n, num) in names.items()}


def thread_css(changed: bool = False) -> str:
    """The thread's styles, naming the classes of its release only."""
    return THREAD_CSS.substitute(_thread_classes(changed))



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
    html = (f'<div id="{root_id}" {attr}="{data_attr(props)}"><div class="{k["thread"]}">{more}'
            f'<div class="{list_cls}">{items}</div>'
            f'<div class="{k["reply"]}"><textarea name="message[body]" placeholder="メッセージを入力してください">'
            '</textarea><p><button type="button" class="cw-button">メッセージを投稿する</button></p></div>'
            "</div></div>")
    scripts = ""
    if hidden:
        scripts += "<script>" + FOLD_JS % {"classes": script_json(k), "hidden": script_json(hidden),
                                            "step": FOLD_STEP, "root": script_json(root_id),
                                            "limit": sc.faults.fold_stops_after} + "</script>"
    if sc.faults.thread_api:
        scripts += "<script>" + THREAD_FETCH_JS % {"thread": owner.thread_id} + "</script>"
    return html, scripts


def _rails_escape(text: str) -> str:
    """Rails' ``html_escape``: the five characters ``&``, ``<``, ``>``, ``"`` and ``'`` as entities."""
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


def sp_thread_page(sc: Scenario, owner: SContract | SProposal, status: str, sentence: str) -> str:
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


def _thread_json(req: Request, thread_id: int) -> Answer:
    """``messages.json``: the thread, or the ``thread_json`` fault's 500, or a JSON 404."""
    sc = req.sc
    owner = sc.thread(thread_id)
    if owner is None:
        return Answer.json({"status": "error", "error": "not_found"}, status=404, count="not_found")
    if sc.faults.thread_json_fails(owner.id):
        return Answer.json({"status": "error", "error": "internal_server_error"}, status=500,
                           count="thread_json")
    return Answer.json(thread_json(sc, owner), count="thread_json")


def _message_link(req: Request, message_id: int) -> Answer | None:
    """``/messages/ID``: to the contract or application page that holds the message (seen)."""
    owner = find_message(req.sc, message_id)
    if owner is None:
        return None
    kind = "contracts" if req.sc.contract(owner.id) is owner else "proposals"
    return Answer.redirect(f"/{kind}/{owner.id}#scroll_to_message", count="message_link")


ROUTES = (
    Route(re.compile(r"^/message/threads/(\d+)/messages\.json$"), _thread_json),
    Route(re.compile(r"^/messages/(\d+)$"), _message_link),
)
