"""The inbox: the page ``/messages/received?page=N`` (reader kind ``inbox``) and the API it loads,
``/api/v3/message/list?page=N`` (reader kind ``inbox_api``), in one module, since the page is only a
frame for the API's answer.

The API (seen) answers 20 items a page, one per thread that has a received message, newest first;
the page (a guess) is an app whose script fetches the API and renders the list; with
``inbox_api = false`` the page renders the list on the server. A ``layout_changed`` release renames
the page's hooks and the API's keys.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from watcher.jptime import format_jst
from watcher.sample.scenario import Scenario, SContract, SProposal
from watcher.sample.site.assets import INBOX_CSS, INBOX_JS
from watcher.sample.site.common import PAGE_SIZE, RELEASE, data_attr, hashed, jst_iso, pages_of, script_json, style
from watcher.sample.site.frame import page
from watcher.sample.site.routing import Answer, Request, Route
from watcher.sample.site.thread import message_ids


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


# The inbox API's keys, for its page's script: as seen, and as the layout_changed release names them.
INBOX_KEYS = {"items": "items", "thread": "thread_id", "id": "id", "at": "sent_at", "title": "title",
               "status": "proposal_status", "replied": "is_replied", "pagination": "pagination",
               "total": "total_pages"}
INBOX_KEYS_CHANGED = {"items": "threads", "thread": "threadId", "id": "latestMessageId", "at": "postedAt",
                       "title": "subject", "status": "proposalStatus", "replied": "replied",
                       "pagination": "meta", "total": "totalPages"}


def _inbox_classes(changed: bool) -> dict[str, str]:
    """The list's class names, of the release the page depicts."""
    if changed:
        t = "q0q0q"
        return {"list": hashed("inboxRows", 1, t), "item": hashed("inboxRow", 2, t), "link": hashed("rowLink", 3, t),
                "title": hashed("subject", 4, t), "badge": hashed("flag", 5, t), "time": hashed("postedAt", 6, t),
                "pager": hashed("pager", 7, t), "empty": hashed("empty", 8, t)}
    t = RELEASE
    return {"list": hashed("messageThreadList", 1, t), "item": hashed("messageThreadItem", 5, t),
            "link": hashed("threadLink", 6, t), "title": hashed("threadTitle", 7, t), "badge": hashed("badge", 8, t),
            "time": hashed("threadTime", 9, t), "pager": hashed("pagination", 45, t), "empty": hashed("empty", 47, t)}


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
        keys = INBOX_KEYS_CHANGED if changed else INBOX_KEYS
        scripts = "<script>" + INBOX_JS % {"keys": script_json(keys), "classes": script_json(k),
                                            "page": page_no, "root": script_json(root)} + "</script>"
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
    body = (f'<h1>メッセージ（受信）</h1><div id="{root}" data="{data_attr({"page": page_no})}" class="cw-box">'
            f'<{tag} class="{k["list"]}">{rendered}</{tag}><nav class="{k["pager"]}">{pager}</nav></div>')
    return page("メッセージ", body, True, sc, style(INBOX_CSS.substitute(k)), scripts=scripts,
                nav="messages")


def _inbox(req: Request, _: int) -> Answer:
    return Answer(inbox_page(req.sc, req.page_no, req.changed("inbox"), req.sp), count="inbox")


def _inbox_api(req: Request, _: int) -> Answer:
    return Answer.json(inbox_json(req.sc, req.page_no, req.changed("inbox")), count="inbox_api",
                       delay_ms=req.sc.faults.inbox_api_delay_ms)


ROUTES = (
    Route("/messages/received", _inbox),
    Route("/api/v3/message/list", _inbox_api),
)
