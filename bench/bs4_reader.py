"""The contract page read with BeautifulSoup, for the benchmark's comparison of extractors.

:func:`contract_page` returns the same :class:`~watcher.crowdworks.kinds.workroom.ContractPage` as
``extract_contract_page`` (the benchmark checks that the two are equal on every page it times): the
client, title, amount, stage, milestones, the delivery step, every message (sender, time, body,
kind, sender id, key) and the fold. BeautifulSoup (``html.parser``) does everything read from the
markup, with the same selectors; the pure helpers that involve no parser (the site's times, the
message key, the state sentences, the yen amount) are cwwatch's own, so the two readers differ
only where a parser works.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from watcher.crowdworks.dom import _BLOCK, _SKIP, as_int, int_from, json_path
from watcher.crowdworks.kinds.thread import message_key
from watcher.crowdworks.kinds.workroom import ContractPage, _yen, page_stage
from watcher.crowdworks.selectors import Hook, SelectorSet
from watcher.jptime import normalize, parse_site_datetime
from watcher.models import Message, Sender, Stage

_ANY_ID = re.compile(r"/(\d+)")
_SUFFIX = re.compile(r"[（(][^）)]*[）)]$")


def _first(root: Tag, hook: Hook) -> Tag | None:
    for alt in hook:
        if alt.kind == "css":
            node = root.select_one(alt.value)
            if node is not None:
                return node
    return None


def _all(root: Tag, hook: Hook) -> list[Tag]:
    for alt in hook:
        if alt.kind == "css":
            nodes = root.select(alt.value)
            if nodes:
                return nodes
    return []


def _strings(node: Tag) -> list[str]:
    """Every text node below ``node``, in order (what lexbor's ``text(deep=True)`` joins)."""
    return [str(s) for s in node.descendants if isinstance(s, NavigableString) and not isinstance(s, Comment)]


def _node_text(node: Tag | None) -> str:
    return normalize(" ".join(_strings(node))) if node is not None else ""


def _text_parts(node: Tag) -> list[str]:
    parts: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        s = " ".join("".join(buf).split())
        if s:
            parts.append(s)
        buf.clear()

    def walk(n: Tag) -> None:
        for child in n.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, Comment):
                    buf.append(str(child))
            elif isinstance(child, Tag) and child.name not in _SKIP:
                block = child.name in _BLOCK
                if block:
                    flush()
                walk(child)
                if block:
                    flush()

    walk(node)
    flush()
    return parts


def _plain(node: Tag | None) -> str:
    return " ".join(_text_parts(node)) if node is not None else ""


def _text_outside(root: Tag, skip: set[int]) -> str:
    out: list[str] = []

    def walk(n: Tag) -> None:
        for child in n.children:
            if id(child) in skip:
                continue
            if isinstance(child, Comment):
                out.append(" ")  # lexbor walks a comment as an element without text
            elif isinstance(child, NavigableString):
                out.append(str(child))
            elif isinstance(child, Tag) and child.name not in _SKIP:
                walk(child)
                out.append(" ")

    walk(root)
    return normalize("".join(out))


def _within(node: Tag, ancestor: Tag) -> bool:
    return node is ancestor or any(p is ancestor for p in node.parents)


def _hidden(node: Tag) -> bool:
    cur: Any = node
    while isinstance(cur, Tag) and cur.name not in ("html", "[document]"):
        style = (cur.get("style") or "").replace(" ", "").lower()
        if cur.has_attr("hidden") or "display:none" in style:
            return True
        cur = cur.parent
    return False


def _owned(nodes: list[Tag], owners: set[int]) -> dict[int, list[Tag]]:
    """``nodes`` grouped by the nearest owner (itself or an ancestor), as ``dom.by_owner``."""
    out: dict[int, list[Tag]] = {}
    for n in nodes:
        cur: Any = n
        while cur is not None:
            if id(cur) in owners:
                out.setdefault(id(cur), []).append(n)
                break
            cur = cur.parent
    return out


def _label(soup: BeautifulSoup, label: str) -> Tag | None:
    want = normalize(label)
    for th in soup.find_all("th"):
        if _SUFFIX.sub("", _node_text(th)).strip() == want:
            td = th.find_next_sibling("td")
            if td is not None:
                return td
    return None


def _messages(thread: Tag, sel: SelectorSet) -> tuple[tuple[Message, ...], bool]:
    t = sel.thread
    found = _all(thread, t.message)
    ids = {id(n) for n in found}
    items = []
    for n in found:  # an item nested in another item (a quote) is part of it
        p = n.parent
        while p is not None and p is not thread and id(p) not in ids:
            p = p.parent
        if p is None or p is thread:
            items.append(n)
    owners = {id(i) for i in items}
    mine_in, system_in, time_in, body_in, sender_in, delivery_in = (
        _owned(thread.select(hook.css), owners) for hook in (t.mine, t.system, t.time, t.body, t.sender, t.delivery))
    out: list[Message] = []
    for item in items:
        key = id(item)
        mine = key in mine_in
        system = not mine and key in system_in
        sent_at = parse_site_datetime(normalize(time_in[key][0]["datetime"]))
        body = ""
        for b in body_in.get(key, ()):
            paragraphs = b.select(t.paragraph.css)
            if paragraphs:
                body = "\n".join(line for p in paragraphs for line in _text_parts(p))
                break
        link = sender_in[key][0] if key in sender_in else None
        sender_id = int_from(_ANY_ID, link.get("href")) if link is not None else None
        sender = Sender.WORKER if mine else Sender.SYSTEM if system else Sender.CLIENT
        delivery = key in delivery_in or body.startswith(t.delivery_texts.texts)
        if delivery and sender is not Sender.CLIENT:
            sender = Sender.WORKER
        kind = ("delivery" if delivery and sender is Sender.WORKER
                else "system" if sender is Sender.SYSTEM else "message")
        out.append(Message(sender, sent_at, body, kind, sender_id, message_key(sender, sent_at, body)))
    around = "".join(_text_outside(thread, owners).split())
    folded = t.fold_text.pattern.search(around) is not None or thread.select_one(t.fold.css) is not None
    return tuple(sorted(out, key=lambda m: m.sent_at)), folded


def contract_page(html: str, sel: SelectorSet) -> ContractPage:
    """The page's facts, equal to ``extract_contract_page``'s on a well-formed contract page."""
    w = sel.workroom
    soup = BeautifulSoup(html, "html.parser")
    thread = _first(soup, w.thread)
    assert thread is not None, "no message thread"
    data = json.loads(thread["data"])
    client_link = next(n for alt in w.client_link for n in soup.select(alt.value)
                       if not _within(n, thread) and int_from(w.client_id.pattern, n.get("href")))
    title = ""
    for alt in w.title:
        if alt.kind == "label":
            td = _label(soup, alt.value)
            title = _plain(td)
        else:
            node = soup.select_one(alt.value)
            title = _plain(node) if node is not None and not _within(node, thread) else ""
        if title:
            break
    amount_td = _label(soup, w.amount.value)
    area = _first(soup, w.state_area)
    state_text = _node_text(area) if area is not None else _text_outside(soup.body, {id(thread)})
    stage, said = page_stage(state_text, sel)
    if stage is None and soup.select_one(w.feedback_link.css) is not None:
        stage, said = Stage.FINISHED, "評価を入力"
    escrow = {Stage.AWAITING_ESCROW: False, Stage.IN_PROGRESS: True, Stage.DELIVERED: True,
              Stage.IN_ACCEPTANCE: True, Stage.FINISHED: True}.get(stage) if stage else None
    forms: dict[str, bool] = {}
    for form in soup.select(w.milestone_form.css):
        submit = form.select_one(w.milestone_submit.css)
        open_now = submit is not None and not submit.has_attr("disabled") and not _hidden(form)
        action = form.get("action") or ""
        forms[action] = forms.get(action, False) or open_now
    delivery_done: bool | None = None
    for li in soup.select(w.progress_step.css):
        if _node_text(li) in w.delivery_step.texts:
            delivery_done = w.progress_done.value in (li.get("class") or [])
    messages, folded = _messages(thread, sel)
    ttype = json_path(data, w.thread_type.value)
    return ContractPage(
        contract_id=as_int(json_path(data, w.thread_contract_id.value)) or 0,
        thread_id=as_int(json_path(data, w.thread_id.value)) or 0,
        thread_type=ttype if isinstance(ttype, str) else None,
        client_id=int_from(w.client_id.pattern, client_link.get("href")) or 0, client_name=_plain(client_link),
        title=title, amount=_yen(_node_text(amount_td)) if amount_td is not None else None, stage=stage,
        stage_text=said, escrow_deposited=escrow, open_milestones=sum(forms.values()), milestones=len(forms),
        delivery_step_done=delivery_done, messages=messages, folded=folded)
