"""Pure functions from a page's HTML and the selector set to records.

No browser, no I/O. Every required element that is missing raises :class:`ExtractionError`
naming the page and the field: the caller turns that into a ``layout_changed`` health problem.
Optional facts that are absent (a hidden last access, no escrow text) come back as ``None``.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from watcher.errors import ExtractionError
from watcher.jptime import TimeParseError, find_relative, normalize, parse_site_datetime
from watcher.models import (
    ClientSeen,
    ContractRow,
    InboxItem,
    Message,
    PageKind,
    Sender,
    Workroom,
)

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import SelectorSet

Tree = LexborHTMLParser


def parse_html(html: str) -> Tree:
    return LexborHTMLParser(html)


def _text(node: LexborNode | None) -> str:
    if node is None:
        return ""
    return normalize(node.text(deep=True, separator=" "))


def _first(root: Tree | LexborNode, css: str) -> LexborNode | None:
    return root.css_first(css)


def _require(root: Tree | LexborNode, css: str, page: str, field: str) -> LexborNode:
    node = root.css_first(css)
    if node is None:
        raise ExtractionError(page, field, f"no element matches {css!r}")
    return node


def json_path(obj: Any, path: str) -> Any:
    """``a.b.c`` into nested dicts; None where a key is missing."""
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def data_json(node: LexborNode, page: str, field: str) -> dict[str, Any]:
    """The JSON in an element's ``data`` attribute (the parser has already unescaped it)."""
    raw = node.attributes.get("data")
    if not raw:
        raise ExtractionError(page, field, "the element has no data attribute")
    try:
        value = json.loads(raw)
    except ValueError:
        raise ExtractionError(page, field, "the data attribute is not JSON") from None
    if not isinstance(value, dict):
        raise ExtractionError(page, field, "the data attribute is not a JSON object")
    return value


def _int_from(pattern: re.Pattern[str], href: str | None) -> int | None:
    if not href:
        return None
    m = pattern.search(urlsplit(href).path if "://" in href else href)
    return int(m.group(1)) if m else None


def _page_name(kind: str, url: str) -> str:
    parts = urlsplit(url)
    return f"{kind} {parts.path}{'?' + parts.query if parts.query else ''}"


# ---------------------------------------------------------------------------------------------
# What kind of page is this? (login wall, two-step, captcha, 404, or a member page)


@dataclass(frozen=True)
class Recognised:
    kind: PageKind | None  # None: an ordinary page
    logged_in: bool | None  # from the header JSON, when the page has the header
    login_error: str | None  # the text of a login failure message
    worker_id: int | None


def _heading(tree: Tree) -> str:
    """The page's title and first heading: where a 404 page says so (a message body may quote it)."""
    return " ".join(_text(tree.css_first(css)) for css in ("title", "h1"))


def _visible_captcha(tree: Tree, sel: SelectorSet) -> bool:
    """A challenge the person must solve; an invisible reCAPTCHA badge on every login is not one."""
    invisible = sel.login.captcha_invisible
    for node in tree.css(sel.login.captcha):
        cur: LexborNode | None = node
        hidden = False
        while cur is not None and cur.tag not in ("html", "-undef"):
            if cur.css_matches(invisible):
                hidden = True
                break
            cur = cur.parent
        if not hidden:
            return True
    return False


def recognise(tree: Tree, url: str, status: int, sel: SelectorSet) -> Recognised:
    lg = sel.login
    logged_in: bool | None = None
    worker_id: int | None = None
    header = _first(tree, sel.common.header)
    if header is not None:
        try:
            hdata = data_json(header, "header", "header")
        except ExtractionError:
            hdata = {}
        flag = json_path(hdata, sel.common.header_is_login)
        logged_in = flag if isinstance(flag, bool) else None
        uid = json_path(hdata, sel.common.header_user_id)
        worker_id = uid if isinstance(uid, int) else None
    body_text = _text(tree.body) if tree.body is not None else ""
    err_node = _first(tree, lg.error)
    err_text = _text(err_node) if err_node is not None else None
    if err_text is None and _first(tree, lg.form) is not None:
        hit = next((t for t in lg.error_texts if t in body_text), None)
        err_text = hit
    kind: PageKind | None = None
    if lg.two_step_url in url or (
        any(t in body_text for t in lg.two_step_texts) and logged_in is not True
        and tree.css_first("input") is not None
    ):
        kind = PageKind.TWO_STEP
    elif _visible_captcha(tree, sel):
        kind = PageKind.CAPTCHA
    elif _first(tree, lg.form) is not None and logged_in is not True:
        kind = PageKind.LOGIN
    elif status == 404 or any(t in _heading(tree) for t in lg.not_found_texts):
        kind = PageKind.NOT_FOUND
    return Recognised(kind, logged_in, err_text or None, worker_id)


# ---------------------------------------------------------------------------------------------
# Active contracts list


@dataclass(frozen=True)
class ContractsPage:
    rows: tuple[ContractRow, ...]
    next_url: str | None


def extract_contracts(html: str | Tree, sel: SelectorSet, url: str) -> ContractsPage:
    tree = parse_html(html) if isinstance(html, str) else html
    c = sel.contracts
    page = _page_name("contracts", url)
    table = _first(tree, c.table)
    if table is None:
        if _first(tree, c.empty) is not None:
            return ContractsPage((), None)
        raise ExtractionError(page, "contracts table", f"no element matches {c.table!r}")
    rows: list[ContractRow] = []
    for i, tr in enumerate(table.css(c.row), start=1):
        link = tr.css_first(c.link)
        if link is None:
            continue  # a header or spacer row
        cid = _int_from(c.re("link_id"), link.attributes.get("href"))
        if cid is None:
            raise ExtractionError(page, f"row {i} contract id", "the link has no contract id")
        title = _text(link)
        client = _text(tr.css_first(c.client_cell))
        status_node = tr.css_first(c.status_cell)
        if status_node is None:
            raise ExtractionError(page, f"row {i} status", f"no element matches {c.status_cell!r}")
        label = _text(status_node)
        if not title or not label:
            raise ExtractionError(page, f"row {i} {'title' if not title else 'status'}", "empty")
        rows.append(ContractRow(cid, title, client, label, sel.stage_of(label)))
    nxt = _first(tree, c.next_page)
    href = nxt.attributes.get("href") if nxt is not None else None
    return ContractsPage(tuple(rows), urljoin(url, href) if href else None)


# ---------------------------------------------------------------------------------------------
# Workroom: the contract page with its message thread


@dataclass(frozen=True)
class _ThreadHooks:
    """The workroom's per-message selectors as plain values, prepared once per selector set."""

    message: str
    sender: str
    time: str
    time_attr: str
    body: str
    delivery: str
    delivery_texts: tuple[str, ...]
    sent_class: str
    system_class: str
    client_re: re.Pattern[str]
    worker_re: re.Pattern[str]


_HOOKS: dict[int, tuple[SelectorSet, _ThreadHooks]] = {}


def _thread_hooks(sel: SelectorSet) -> _ThreadHooks:
    hit = _HOOKS.get(id(sel))
    if hit is not None and hit[0] is sel:
        return hit[1]
    w = sel.workroom
    hooks = _ThreadHooks(w.message, w.sender, w.time, w.time_attr, w.body, w.delivery, tuple(w.delivery_texts),
                         w.message_sent_class, w.message_system_class, w.re("sender_client"), w.re("sender_worker"))
    _HOOKS[id(sel)] = (sel, hooks)
    return hooks


class _ItemParts:
    """Each message's time, sender link, body paragraphs and delivery card, found with one query
    per hook over the whole thread (not four per message) and handed to the message they are in."""

    def __init__(self, thread: LexborNode, items: list[LexborNode], h: _ThreadHooks) -> None:
        self._index = {it.mem_id: n for n, it in enumerate(items)}
        count = len(items)
        self.times: list[LexborNode | None] = [None] * count
        self.senders: list[LexborNode | None] = [None] * count
        self.bodies: list[list[LexborNode]] = [[] for _ in range(count)]
        self.delivery = [False] * count
        for node in thread.css(h.time):
            n = self._owner(node)
            if n is not None and self.times[n] is None:
                self.times[n] = node
        for node in thread.css(h.sender):
            n = self._owner(node)
            if n is not None and self.senders[n] is None:
                self.senders[n] = node
        for node in thread.css(h.body):
            n = self._owner(node)
            if n is not None:
                self.bodies[n].append(node)
        for node in thread.css(h.delivery):
            n = self._owner(node)
            if n is not None:
                self.delivery[n] = True

    def _owner(self, node: LexborNode) -> int | None:
        p = node.parent
        while p is not None:
            n = self._index.get(p.mem_id)
            if n is not None:
                return n
            p = p.parent
        return None


def _sender(item: LexborNode, link: LexborNode | None, h: _ThreadHooks,
            worker_id: int | None) -> tuple[Sender | None, int | None]:
    classes = item.attrs.get("class") or ""
    if h.system_class in classes:
        return Sender.SYSTEM, None
    if link is None:  # neither the site's nor anyone's: guessing would move the wait (unhealthy)
        return None, None
    href = link.attributes.get("href")
    client_id = _int_from(h.client_re, href)
    if client_id is not None:
        return Sender.CLIENT, client_id
    worker = _int_from(h.worker_re, href)
    if worker is not None:
        if worker_id is None or worker == worker_id:
            return Sender.WORKER, worker
        return Sender.CLIENT, worker
    # A sender link we cannot read: fall back on the class the site puts on my own messages.
    return (Sender.WORKER if h.sent_class in classes else Sender.CLIENT), None


def _message_key(sender: Sender, sent_at: datetime, body: str) -> str:
    return hashlib.blake2b(f"{sender}|{sent_at.timestamp():.0f}|{body}".encode(), digest_size=8).hexdigest()


def extract_workroom(
    html: str | Tree, sel: SelectorSet, url: str, worker_id: int | None = None
) -> Workroom:
    tree = parse_html(html) if isinstance(html, str) else html
    w = sel.workroom
    page = _page_name("workroom", url)
    thread = _require(tree, w.thread, page, "message thread")
    tdata = data_json(thread, page, "message thread data")
    cid = json_path(tdata, w.thread_contract_id)
    if not isinstance(cid, int):
        raise ExtractionError(page, "contract id", f"no {w.thread_contract_id!r} in thread data")
    title = _text(_require(tree, w.title, page, "title"))
    client_link = _require(tree, w.client_link, page, "client link")
    client_id = _int_from(w.re("client_id"), client_link.attributes.get("href"))
    if client_id is None:
        raise ExtractionError(page, "client id", "the client link has no id")
    label = _text(_require(tree, w.status, page, "status"))
    if not label:
        raise ExtractionError(page, "status", "empty")
    escrow_node = _first(tree, w.escrow)
    escrow_text = _text(escrow_node) if escrow_node is not None else ""
    escrow: bool | None = None
    if any(t in escrow_text for t in w.escrow_missing_texts):
        escrow = False
    elif any(t in escrow_text for t in w.escrow_deposited_texts):
        escrow = True
    amount_node = _first(tree, w.amount)
    amount = None
    if amount_node is not None:
        digits = re.sub(r"[^\d]", "", _text(amount_node).split("円")[0])
        amount = int(digits) if digits else None
    messages: list[Message] = []
    h = _thread_hooks(sel)
    items = thread.css(h.message)
    parts = _ItemParts(thread, items, h)
    for i, item in enumerate(items, start=1):
        n = i - 1
        sender, sender_id = _sender(item, parts.senders[n], h, worker_id)
        if sender is None:
            raise ExtractionError(page, f"message {i} sender", "no sender link and not a system message")
        tnode = parts.times[n]
        raw_time = tnode.attributes.get(h.time_attr) if tnode is not None else None
        if not raw_time:
            raise ExtractionError(page, f"message {i} time", f"no <{h.time} {h.time_attr}=...>")
        try:
            sent_at = parse_site_datetime(raw_time)
        except TimeParseError:
            raise ExtractionError(page, f"message {i} time", f"unreadable {raw_time!r}") from None
        body = "\n".join(filter(None, (" ".join(p.text(deep=True, separator=" ").split())
                                       for p in parts.bodies[n])))
        if not body.isascii() and not unicodedata.is_normalized("NFKC", body):
            body = unicodedata.normalize("NFKC", body)
        is_delivery = parts.delivery[n] or body.startswith(h.delivery_texts)
        kind = "delivery" if is_delivery else ("system" if sender is Sender.SYSTEM else "message")
        if is_delivery and sender is Sender.SYSTEM:
            sender = Sender.WORKER  # the site may render the delivery report as a system card
        messages.append(
            Message(sender, sent_at, body, kind, sender_id, _message_key(sender, sent_at, body))
        )
    # The fold link by its hook, else by its text (on a link that is not a sender's name).
    folded = _first(thread, w.show_more) is not None or any(
        any(t in _text(a) for t in w.show_more_texts)
        for a in thread.css("a:not([href*='/public/']), button"))
    client_name = _text(client_link)
    return Workroom(
        contract_id=cid,
        title=title,
        client_id=client_id,
        client_name=client_name,
        status_label=label,
        stage=sel.stage_of(label),
        escrow_deposited=escrow,
        amount=amount,
        messages=tuple(sorted(messages, key=lambda m: m.sent_at)),
        folded=folded,
        thread_id=tid if isinstance(tid := json_path(tdata, w.thread_id), int) else None,
    )


# ---------------------------------------------------------------------------------------------
# Client profile: who they are and when they last visited


def extract_profile(
    html: str | Tree, sel: SelectorSet, url: str, fetched_at: datetime
) -> ClientSeen:
    tree = parse_html(html) if isinstance(html, str) else html
    p = sel.profile
    page = _page_name("profile", url)
    container = _require(tree, p.container, page, "profile data")
    pdata = data_json(container, page, "profile data")
    if not isinstance(json_path(pdata, p.user), dict):
        raise ExtractionError(page, p.user, "missing from the profile data")
    uid = json_path(pdata, p.user_id)
    name = json_path(pdata, p.user_name)
    if not isinstance(uid, int):
        raise ExtractionError(page, p.user_id, "missing or not a number")
    if not isinstance(name, str) or not name:
        raise ExtractionError(page, p.user_name, "missing")
    label_re = re.compile(rf"(?:{p.last_access_label})\s*[:：]?\s*(.*)$", re.I | re.S)
    split_re = re.compile(rf"(?=(?:{p.last_access_label}))", re.I)
    texts: list[str] = []
    for node in tree.css(p.last_access):
        for chunk in split_re.split(_text(node)):
            m = label_re.match(chunk.strip())
            if m and m.group(1).strip():
                texts.append(m.group(1).strip())
    json_text = json_path(pdata, p.last_access_json)
    if isinstance(json_text, str) and json_text.strip():
        texts.append(json_text.strip())
    hidden = False
    for raw in texts:
        found = find_relative(raw, fetched_at)
        if found is not None:
            return ClientSeen(uid, name, found[1], found[0], fetched_at)
        if raw.split(" ")[0] in p.hidden_texts:
            hidden = True
    if texts and not hidden:
        raise ExtractionError(page, "last access", f"unreadable {texts[0]!r}")
    return ClientSeen(uid, name, None, None, fetched_at)


# ---------------------------------------------------------------------------------------------
# Inbox: received messages, from the page or from the JSON the page loads


@dataclass(frozen=True)
class InboxPage:
    items: tuple[InboxItem, ...]
    next_url: str | None


def inbox_from_json(obj: Any, page: str = "inbox api") -> tuple[InboxItem, ...]:
    items = obj.get("data", obj.get("items")) if isinstance(obj, dict) else obj
    if not isinstance(items, list):
        raise ExtractionError(page, "items", "the response holds no list")
    out: list[InboxItem] = []
    for i, it in enumerate(items, start=1):
        if not isinstance(it, dict):
            raise ExtractionError(page, f"item {i}", "not an object")
        try:
            sent_at = parse_site_datetime(str(it["sent_at"]))
            out.append(InboxItem(
                thread_id=int(it["thread_id"]),
                message_id=int(it["id"]),
                sent_at=sent_at,
                title=str(it.get("title", "")),
                sender_name=str(it.get("sender_name", "")),
                proposal_status=it.get("proposal_status"),
                is_replied=it.get("is_replied"),
            ))
        except (KeyError, TypeError, ValueError) as exc:
            raise ExtractionError(page, f"item {i}", f"bad field {exc}") from None
    return tuple(out)


def extract_inbox(html: str | Tree, sel: SelectorSet, url: str) -> InboxPage:
    tree = parse_html(html) if isinstance(html, str) else html
    ib = sel.inbox
    page = _page_name("inbox", url)
    lst = _require(tree, ib.list, page, "message list")
    items: list[InboxItem] = []
    for i, li in enumerate(lst.css(ib.item), start=1):
        tnode = li.css_first(ib.time)
        raw = tnode.attributes.get(ib.time_attr) if tnode is not None else None
        thread = li.attributes.get(ib.item_thread)
        mid = li.attributes.get(ib.item_message)
        if not raw or not thread or not mid:
            raise ExtractionError(page, f"item {i}", "time, thread id or message id missing")
        try:
            sent_at = parse_site_datetime(raw)
        except TimeParseError:
            raise ExtractionError(page, f"item {i} time", f"unreadable {raw!r}") from None
        try:
            ids = int(thread), int(mid)
        except ValueError:
            raise ExtractionError(page, f"item {i}", f"unreadable thread id {thread!r} or message id {mid!r}"
                                  ) from None
        items.append(InboxItem(*ids, sent_at, _text(li.css_first(ib.item_title)),
                               _text(li.css_first(ib.sender)), None, None))
    nxt = _first(tree, ib.next_page)
    if nxt is None:
        nxt = next((a for a in tree.css("a") if _text(a) in ib.next_page_texts), None)
    href = nxt.attributes.get("href") if nxt is not None else None
    return InboxPage(tuple(items), urljoin(url, href) if href else None)
