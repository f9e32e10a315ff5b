"""A message thread: the site's JSON (``/message/threads/{id}/messages.json``, all of it; seen) or
the page's own thread (what is unfolded), shared by the workroom and the application page.

Record for ``check-pages`` (the JSON answer): ``{"messages": [{"id", "sender", "sent_at", "body",
"kind"}]}``.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from selectolax.lexbor import LexborNode

from watcher.crowdworks.dom import (
    Trace,
    as_int,
    by_owner,
    collapse,
    hook_all,
    int_from,
    json_path,
    text_outside,
    text_parts,
    trace_or_new,
)
from watcher.crowdworks.kinds.base import Kind, Saved, message_json
from watcher.errors import ExtractionError
from watcher.jptime import TimeParseError, normalize, parse_site_datetime
from watcher.models import Message, Sender

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import SelectorSet


def canonical(text: str) -> str:
    """A body as compared across sources: NFKC, every white space removed."""
    s = text if text.isascii() or unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
    return "".join(s.split())


def message_key(sender: Sender, sent_at: datetime, body: str) -> str:
    """A message's identity within its thread: the same from the JSON and from the page."""
    minute = int(sent_at.timestamp()) // 60
    return hashlib.blake2b(f"{sender}|{minute}|{canonical(body)}".encode(), digest_size=8).hexdigest()


_ANY_ID = re.compile(r"/(\d+)")
_SPACES = re.compile(r"\s+")
_BR = re.compile(r"<\s*br\s*/?\s*>|</\s*p\s*>\s*<\s*p[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")


def html_body_text(body: str) -> str:
    """A thread JSON ``body`` (HTML: entities escaped, line breaks as ``<br>``) as plain text:
    one line per line, white space inside a line collapsed, empty lines left out."""
    s = _BR.sub("\n", body)
    s = html.unescape(_TAG.sub("", s))
    lines = (collapse(line) for line in s.splitlines())
    return "\n".join(line for line in lines if line)


def thread_from_json(obj: Any, sel: SelectorSet, page: str = "thread json",
                     trace: Trace | None = None) -> tuple[Message, ...]:
    """``/message/threads/{id}/messages.json``: every message of the thread, oldest first.

    ``own_message`` tells mine from theirs (the site's system messages, if it lists them, read as
    theirs); ``senddate`` is Japan time in the site's form or ISO 8601; ``body`` is HTML.
    Raises ExtractionError.
    """
    tr = trace_or_new(trace)
    j = sel.thread_json
    raw = json_path(obj, j.messages.value) if isinstance(obj, dict) else None
    if not isinstance(raw, list):
        raise ExtractionError(page, j.messages.value, "the answer holds no list of messages")
    tr.hit(j.messages, j.messages.first.grade)
    out: list[Message] = []
    # The keys looked up once, not per message (a thread holds dozens).
    id_key, own_key, when_key, body_key = j.id.value, j.own.value, j.sent_at.value, j.body.value
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise ExtractionError(page, f"message {i}", "not an object")
        mid = as_int(item.get(id_key))
        own = item.get(own_key)
        when = item.get(when_key)
        body = item.get(body_key)
        if mid is None:
            raise ExtractionError(page, f"message {i} {id_key}", f"not an id: {item.get(id_key)!r}")
        if not isinstance(own, bool):
            raise ExtractionError(page, f"message {i} {own_key}", f"not true or false: {own!r}")
        if not isinstance(when, str):
            raise ExtractionError(page, f"message {i} {when_key}", f"not a time: {when!r}")
        if not isinstance(body, str):
            raise ExtractionError(page, f"message {i} {body_key}", f"not a text: {type(body).__name__}")
        try:
            sent_at = parse_site_datetime(when.strip())
        except TimeParseError:
            raise ExtractionError(page, f"message {i} {when_key}", f"unreadable {when!r}") from None
        text = html_body_text(body)
        sender = Sender.WORKER if own else Sender.CLIENT
        out.append(Message(sender, sent_at, text, "message", None, message_key(sender, sent_at, text), mid))
    for hook in (j.id, j.own, j.sent_at, j.body):
        tr.hit(hook, hook.first.grade)
    return tuple(sorted(out, key=lambda m: (m.sent_at, m.id or 0)))


def _items(thread: LexborNode, sel: SelectorSet, trace: Trace) -> list[LexborNode]:
    """The thread's message elements: the outermost of the alternatives that match."""
    nodes = hook_all(thread, sel.thread.message, trace)
    ids = {n.mem_id for n in nodes}
    out = []
    for n in nodes:  # an item nested in another item (a quote) is part of it
        p = n.parent
        nested = False
        while p is not None and p.mem_id != thread.mem_id:
            if p.mem_id in ids:
                nested = True
                break
            p = p.parent
        if not nested:
            out.append(n)
    return out


def _paragraphs_by_body(thread: LexborNode, paragraph_css: str, body_in: dict[int, list[LexborNode]],
                        items: set[int]) -> dict[int, list[LexborNode]]:
    """The paragraphs in each message body (``mem_id`` -> nodes in page order, the body itself
    counted as ``body.css(paragraph_css)`` would), for the bodies of ``body_in``; bodies without any
    are left out."""
    bodies = {b.mem_id for found in body_in.values() for b in found}
    out: dict[int, list[LexborNode]] = {}
    for p in thread.css(paragraph_css):
        cur: LexborNode | None = p
        while cur is not None:  # every body holding it, up to its message
            mid = cur.mem_id
            if mid in bodies:
                out.setdefault(mid, []).append(p)
            if mid in items:
                break
            cur = cur.parent
    return out


def thread_from_dom(thread: LexborNode, sel: SelectorSet, page: str, worker_id: int | None = None,
                    trace: Trace | None = None) -> tuple[tuple[Message, ...], bool]:
    """The messages the page shows, oldest first, and whether older ones are folded away.

    Mine carry ``_messageSent_`` (seen); the full body is the ``_messageBody_`` that holds ``<p>``
    paragraphs (seen); the time is ``<time datetime="2026年09月27日 15:55">`` (seen). The system-message
    class and the delivery card are guesses. Raises ExtractionError for a message without a readable
    time.
    """
    tr = trace_or_new(trace)
    t = sel.thread
    out: list[Message] = []
    # The hooks, their CSS and grades looked up once, not per message (a page holds dozens).
    mine_hook, system_hook, time_hook, body_hook = t.mine, t.system, t.time, t.body
    sender_hook, delivery_hook = t.sender, t.delivery
    mine_css, system_css, time_css, body_css = mine_hook.css, system_hook.css, time_hook.css, body_hook.css
    paragraph_css, sender_css, delivery_css = t.paragraph.css, sender_hook.css, delivery_hook.css
    mine_grade, system_grade, time_grade = mine_hook.first.grade, system_hook.first.grade, time_hook.first.grade
    body_grade, sender_grade, delivery_grade = body_hook.first.grade, sender_hook.first.grade, delivery_hook.first.grade
    delivery_texts = t.delivery_texts.texts
    items = _items(thread, sel, tr)
    # Each selector once over the thread, its matches given to the message holding them (what
    # item.css() would answer, for a fraction of the cost: a page holds dozens of messages).
    ids = {item.mem_id for item in items}
    mine_in, system_in, time_in, body_in, sender_in, delivery_in = (
        by_owner(thread.css(css), ids) if items else {}
        for css in (mine_css, system_css, time_css, body_css, sender_css, delivery_css))
    paragraphs = _paragraphs_by_body(thread, paragraph_css, body_in, ids) if items else {}
    for i, item in enumerate(items, start=1):
        key = item.mem_id
        mine = key in mine_in
        system = not mine and key in system_in
        if mine:
            tr.hit(mine_hook, mine_grade)
        if system:
            tr.hit(system_hook, system_grade)
        tnode = time_in[key][0] if key in time_in else None
        raw = tnode.attributes.get("datetime") if tnode is not None else None
        if not raw:
            raise ExtractionError(page, f"message {i} time", f"no {time_css!r}")
        try:
            sent_at = parse_site_datetime(normalize(raw))
        except TimeParseError:
            raise ExtractionError(page, f"message {i} time", f"unreadable {raw!r}") from None
        tr.hit(time_hook, time_grade)
        body_node = next((b for b in body_in.get(key, ()) if b.mem_id in paragraphs), None)
        if body_node is not None:
            tr.hit(body_hook, body_grade)
            body = "\n".join(line for p in paragraphs[body_node.mem_id] for line in text_parts(p))
        else:
            tr.miss(f"message {i} body", "no message body with paragraphs")
            body = ""
        link = sender_in[key][0] if key in sender_in else None
        sender_id = None
        if link is not None:
            tr.hit(sender_hook, sender_grade)
            sender_id = int_from(_ANY_ID, link.attributes.get("href"))
        sender = Sender.WORKER if mine else Sender.SYSTEM if system else Sender.CLIENT
        delivery = key in delivery_in or body.startswith(delivery_texts)
        if delivery and sender is not Sender.CLIENT:
            tr.hit(delivery_hook, delivery_grade)
            sender = Sender.WORKER
        kind = ("delivery" if delivery and sender is Sender.WORKER
                else "system" if sender is Sender.SYSTEM else "message")
        out.append(Message(sender, sent_at, body, kind, sender_id, message_key(sender, sent_at, body)))
    # The fold control's words (「他のN件のメッセージを表示」) in the thread's own text around its
    # messages: one search over that text (a message's words are never the control, and the bodies,
    # most of the text, need no second reading).
    # Its words may be split by inline markup (an icon, <wbr>, <br>), which that text joins with
    # spaces; Japanese words have none between them, so the search reads the text without any.
    around = _SPACES.sub("", text_outside(thread, {item.mem_id for item in items}))
    folded = t.fold_text.pattern.search(around) is not None
    if folded:
        tr.hit(t.fold_text, t.fold_text.first.grade)
    elif thread.css_first(t.fold.css) is not None:
        folded = True
        tr.hit(t.fold, t.fold.first.grade)
    return tuple(sorted(out, key=lambda m: m.sent_at)), folded


class Thread(Kind):
    name = "thread"
    json = True
    fixtures: ClassVar[tuple[str, ...]] = (
        "from-notes/thread/thread_japanese_senddate",
        "thread/thread_json",
    )

    def recognise(self, content: Any, sel: SelectorSet) -> bool:
        return isinstance(content, dict) and isinstance(content.get("messages"), list)

    def record(self, saved: Saved, sel: SelectorSet, trace: Trace) -> dict[str, Any]:
        return {"messages": [message_json(m) for m in thread_from_json(saved.obj, sel, f"thread {saved.url}", trace)]}


KIND = Thread()
