"""Pure functions from a page's HTML (or the JSON the site answers) and the selector set to records.

No browser, no I/O. A required element that is missing raises :class:`ExtractionError` naming the
page and the field: the caller turns that into a ``layout_changed`` health problem. Only hooks
graded *seen* are ever required; a *reported* or *guess* hook that is absent falls back or leaves
the fact unknown (``None``). Each function can fill a :class:`Trace`: which hooks answered, with
their grade, and which facts the page did not show (``cwwatch check-pages`` prints it).

Times are aware UTC datetimes; the site writes Japan time (docs/site.md).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from watcher.errors import ExtractionError
from watcher.jptime import TimeParseError, find_relative, normalize, parse_site_datetime
from watcher.models import (
    ClientRecord,
    ClientSeen,
    ContractRow,
    InboxItem,
    Message,
    PageKind,
    Rating,
    Sender,
    Stage,
    Workroom,
)

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import Alt, Hook, SelectorSet

Tree = LexborHTMLParser


def parse_html(html_text: str) -> Tree:
    return LexborHTMLParser(html_text)


# ---------------------------------------------------------------------------------------------
# What answered: hooks and their grades


@dataclass
class Trace:
    """Which hooks answered a page's questions (with the grade of the alternative that did), and
    which facts the page did not show. Filled by the extractors; printed by ``check-pages``."""

    used: dict[str, str] = field(default_factory=dict)  # hook name -> grade
    missing: list[str] = field(default_factory=list)  # "fact: why"

    def hit(self, hook: Hook | str, grade: str) -> None:
        name = hook if isinstance(hook, str) else hook.name
        if name not in self.used:
            self.used[name] = grade

    def miss(self, fact: str, why: str) -> None:
        line = f"{fact}: {why}"
        if line not in self.missing:
            self.missing.append(line)

    def by_grade(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {"seen": [], "reported": [], "guess": []}
        for name, grade in self.used.items():
            out.setdefault(grade, []).append(name)
        return out


def _trace(trace: Trace | None) -> Trace:
    return trace if trace is not None else Trace()


# ---------------------------------------------------------------------------------------------
# Small helpers


def _text(node: LexborNode | None) -> str:
    """A node's text for matching: NFKC (full-width digits and colons to ASCII), white space collapsed."""
    if node is None:
        return ""
    return normalize(node.text(deep=True, separator=" "))


def collapse(text: str) -> str:
    """White space collapsed and stripped, the characters as the site wrote them (what people read)."""
    return " ".join(text.split())


def _plain(node: LexborNode | None) -> str:
    """A node's text as people read it (inline text run together, blocks apart): the site's
    characters, white space collapsed."""
    if node is None:
        return ""
    return " ".join(text_parts(node))


def _css_first(root: Tree | LexborNode, hook: Hook, trace: Trace | None = None) -> tuple[LexborNode | None, Alt | None]:
    """The first node of the first CSS alternative that matches anything."""
    for alt in hook:
        if alt.kind != "css":
            continue
        node = root.css_first(alt.value)
        if node is not None:
            if trace is not None:
                trace.hit(hook, alt.grade)
            return node, alt
    return None, None


def _css_all(root: Tree | LexborNode, hook: Hook, trace: Trace | None = None) -> list[LexborNode]:
    """The nodes of the first CSS alternative that matches anything."""
    for alt in hook:
        if alt.kind != "css":
            continue
        nodes = root.css(alt.value)
        if nodes:
            if trace is not None:
                trace.hit(hook, alt.grade)
            return list(nodes)
    return []


def json_path(obj: Any, path: str) -> Any:
    """``a.b.c`` into nested dicts; None where a key is missing."""
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def data_json(node: LexborNode, page: str, fact: str, attr: str = "data") -> dict[str, Any]:
    """The JSON in an element's ``data`` attribute (the parser has already unescaped it)."""
    raw = node.attributes.get(attr)
    if not raw:
        raise ExtractionError(page, fact, f"the element has no {attr} attribute")
    try:
        value = json.loads(raw)
    except ValueError:
        raise ExtractionError(page, fact, f"the {attr} attribute is not JSON") from None
    if not isinstance(value, dict):
        raise ExtractionError(page, fact, f"the {attr} attribute is not a JSON object")
    return value


def _path_of(href: str | None) -> str:
    if not href:
        return ""
    return urlsplit(href).path if "://" in href else href.split("?", 1)[0].split("#", 1)[0]


def _int_from(pattern: re.Pattern[str], href: str | None) -> int | None:
    m = pattern.search(_path_of(href))
    return int(m.group(1)) if m else None


def _as_int(v: Any) -> int | None:
    """An id as the site writes it: an int, or a string of digits; never a bool."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None


def _page_name(kind: str, url: str) -> str:
    parts = urlsplit(url)
    return f"{kind} {parts.path}{'?' + parts.query if parts.query else ''}"


def _closest(node: LexborNode, css: str) -> LexborNode | None:
    cur = node.parent
    while cur is not None and cur.tag not in ("html", "-undef", "-document"):
        if cur.css_matches(css):
            return cur
        cur = cur.parent
    return None


def _within(node: LexborNode, ancestor: LexborNode | None) -> bool:
    if ancestor is None:
        return False
    cur: LexborNode | None = node
    while cur is not None:
        if cur.mem_id == ancestor.mem_id:
            return True
        cur = cur.parent
    return False


_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
_SKIP = frozenset({"script", "style", "template", "noscript"})


def text_parts(node: LexborNode) -> list[str]:
    """The node's text split where a browser's innerText would break it (cells, blocks, <br>),
    each part normalised, the empty ones left out."""
    parts: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        s = collapse("".join(buf))
        if s:
            parts.append(s)
        buf.clear()

    def walk(n: LexborNode) -> None:
        child = n.child
        while child is not None:
            tag = child.tag or ""
            if tag == "-text":
                buf.append(child.text_content or "")
            elif tag not in _SKIP and not tag.startswith("-"):
                block = tag in _BLOCK
                if block:
                    flush()
                walk(child)
                if block:
                    flush()
            child = child.next

    walk(node)
    flush()
    return parts


def _text_outside(root: LexborNode, exclude: LexborNode | None) -> str:
    """The normalised text of ``root`` without the text inside ``exclude`` (a thread may quote
    anything, the page's own sentences included)."""
    if exclude is None:
        return _text(root)
    out: list[str] = []

    def walk(n: LexborNode) -> None:
        child = n.child
        while child is not None:
            if child.mem_id != exclude.mem_id:
                if child.tag == "-text":
                    out.append(child.text_content or "")
                elif child.tag not in _SKIP:
                    walk(child)
                    out.append(" ")
            child = child.next

    walk(root)
    return normalize("".join(out))


def canonical(text: str) -> str:
    """A body as compared across sources: NFKC, every white space removed."""
    s = text if text.isascii() or unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
    return "".join(s.split())


def message_key(sender: Sender, sent_at: datetime, body: str) -> str:
    """A message's identity within its thread: the same from the JSON and from the page."""
    minute = int(sent_at.timestamp()) // 60
    return hashlib.blake2b(f"{sender}|{minute}|{canonical(body)}".encode(), digest_size=8).hexdigest()


_BR = re.compile(r"<\s*br\s*/?\s*>|</\s*p\s*>\s*<\s*p[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")


def html_body_text(body: str) -> str:
    """A thread JSON ``body`` (HTML: entities escaped, line breaks as ``<br>``) as plain text:
    one line per line, white space inside a line collapsed, empty lines left out."""
    s = _BR.sub("\n", body)
    s = html.unescape(_TAG.sub("", s))
    lines = (collapse(line) for line in s.splitlines())
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------------------------------
# What kind of page is this? (login wall, two-step, captcha, bot check, 404, or a member page)


@dataclass(frozen=True)
class Recognised:
    kind: PageKind | None  # None: an ordinary page
    logged_in: bool | None  # from the header JSON, when the page has the header
    login_error: str | None  # the text of a login failure message
    worker_id: int | None  # from the header JSON (a guess: never required)


def _heading(tree: Tree) -> str:
    """The page's title and first heading: where a 404 page says so (a message body may quote it)."""
    return " ".join(_text(tree.css_first(css)) for css in ("title", "h1"))


def _visible_captcha(tree: Tree, sel: SelectorSet) -> bool:
    """A challenge the person must solve; an invisible reCAPTCHA badge on every login page is not one."""
    invisible = sel.login.captcha_invisible.css
    for node in tree.css(sel.login.captcha.css):
        if node.css_matches(invisible) or _closest(node, invisible) is not None:
            continue
        return True
    return False


def recognise(tree: Tree, url: str, status: int, sel: SelectorSet) -> Recognised:
    lg = sel.login
    s = sel.session
    logged_in: bool | None = None
    worker_id: int | None = None
    header, _ = _css_first(tree, s.header)
    if header is not None:
        try:
            hdata = data_json(header, "header", "header")
        except ExtractionError:
            hdata = {}
        flag = json_path(hdata, s.header_is_login.value)
        logged_in = flag if isinstance(flag, bool) else None
        worker_id = _as_int(json_path(hdata, s.header_user_id.value))
    body_text = _text(tree.body) if tree.body is not None else ""
    form, _ = _css_first(tree, lg.form)
    err_node, _ = _css_first(tree, lg.error)
    err_text = _text(err_node) if err_node is not None else None
    if not err_text and form is not None:
        err_text = next((t for t in lg.error_texts.texts if t in body_text), None)
    heading = _heading(tree)
    kind: PageKind | None = None
    # A page whose header says it is logged in (seen) is a member page, never a wall: the walls'
    # texts (reported) and markup (guesses) could otherwise match a message or a widget on it.
    walled = logged_in is not True
    if walled and (any(t in body_text or t in heading for t in lg.bot_check_texts.texts)
                   or tree.css_first(lg.bot_check.css) is not None):
        kind = PageKind.BOT_CHECK
    elif walled and (lg.two_step_url.value in url or (
            any(t in body_text for t in lg.two_step_texts.texts) and tree.css_first("input") is not None)):
        kind = PageKind.TWO_STEP
    elif walled and _visible_captcha(tree, sel):
        kind = PageKind.CAPTCHA
    elif walled and form is not None:
        kind = PageKind.LOGIN
    elif status == 404 or any(t in heading for t in lg.not_found_texts.texts):
        kind = PageKind.NOT_FOUND
    return Recognised(kind, logged_in, err_text or None, worker_id)


# ---------------------------------------------------------------------------------------------
# The active contracts list


@dataclass(frozen=True)
class ContractsPage:
    rows: tuple[ContractRow, ...]
    next_url: str | None
    empty: bool = False  # the page says, in every section, that there are no contracts


def _row_label(parts: list[str], title: str, sel: SelectorSet) -> str | None:
    """The status label found anywhere in the row: a part that is a known label, else a known label
    inside a part other than the title (S1 reads the label anywhere in the row)."""
    labels = sorted(sel.status_labels, key=len, reverse=True)
    wanted = {normalize(label): label for label in labels}
    for p in parts:
        if normalize(p) in wanted:
            return wanted[normalize(p)]
    for p in parts:
        if p == title:
            continue
        for label in labels:  # a label inside a longer part, as a word of its own (完了 is not in 検収完了)
            if re.search(rf"(?<!{_WORD}){re.escape(normalize(label))}(?!{_WORD})", normalize(p)):
                return label
    return None


_WORD = r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]"


def extract_contracts(doc: str | Tree, sel: SelectorSet, url: str, trace: Trace | None = None) -> ContractsPage:
    """The rows of the active-contracts list (``/e/contracts?status=active``).

    Each contract is a ``tr`` holding a ``/contracts/ID`` link whose text is the title; the row's first
    text part is the client, the status label sits anywhere in the row (seen, S1). A page with no
    such row is the empty list only when its sections say 「契約がありません。」 (reported); otherwise its
    layout changed. Raises ExtractionError.
    """
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = _trace(trace)
    c = sel.contracts
    page = _page_name("contracts", url)
    rows: list[ContractRow] = []
    seen: set[int] = set()
    row_css = c.row.css
    for link in _css_all(tree, c.row_link, tr):
        cid = _int_from(c.row_link_id.pattern, link.attributes.get("href"))
        title = _plain(link)
        if cid is None or not title or cid in seen:
            continue  # another link to the contract, an icon, or a link to one of its sub-pages
        row = _closest(link, row_css)
        if row is None:
            continue  # S1 reads only links inside a table row
        tr.hit(c.row_link_id, c.row_link_id.first.grade)
        tr.hit(c.row, c.row.first.grade)
        parts = text_parts(row)
        client = parts[0] if parts and parts[0] != title else ""
        label = _row_label(parts, title, sel)
        if label is None:  # name what the row shows where a status would be (a guess), else all of it
            cell = row.css_first(c.status_cell.css)
            rest = [p for p in parts if p not in (client, title)]
            label = _plain(cell) if cell is not None and _plain(cell) else " / ".join(rest) or "(none)"
            tr.miss(f"row {cid} status label", f"no known label in the row: 「{label}」")
        else:
            found = sel.status_labels[label]
            tr.hit(f"labels.status.{label}", found.grade)
        seen.add(cid)
        rows.append(ContractRow(cid, title, client, label, sel.stage_of(label)))
    nxt, _ = _css_first(tree, c.next_page, tr if rows else None)
    href = nxt.attributes.get("href") if nxt is not None else None
    next_url = urljoin(url, href) if href else None
    if rows:
        return ContractsPage(tuple(rows), next_url)
    nodata = [n for n in tree.css(c.empty.css) if any(t in _text(n) for t in c.empty_texts.texts)]
    sections = tree.css(c.sections.css)
    # Only when every section says so is the list empty (reported): one section of the three gone
    # (its rows with it) must not read as "no contracts".
    kinds = [k.strip() for k in c.sections.css.split(",") if k.strip()]
    every_kind = not sections or all(tree.css_first(k) is not None for k in kinds)
    if nodata and every_kind and all(any(_within(n, s) for n in nodata) for s in sections):
        tr.hit(c.empty, c.empty.first.grade)
        if sections:
            tr.hit(c.sections, c.sections.first.grade)
        return ContractsPage((), None, empty=True)
    if nodata:
        raise ExtractionError(page, "contract rows", "some sections say 「契約がありません。」, the others show no "
                              f"row with a {c.row_link.css!r} link")
    raise ExtractionError(page, "contract rows", f"no table row with a {c.row_link.css!r} link and no "
                          "「契約がありません。」")


# ---------------------------------------------------------------------------------------------
# The contract page (workroom): the summary, and the thread as the page shows it


@dataclass(frozen=True)
class ContractPage:
    """What ``/contracts/ID`` shows, before the thread's JSON is read."""

    contract_id: int
    thread_id: int
    thread_type: str | None
    client_id: int
    client_name: str
    title: str
    amount: int | None
    stage: Stage | None  # from the page's sentences (None: none of the known ones)
    stage_text: str  # the sentence that said so, or the state text when none did
    escrow_deposited: bool | None
    open_milestones: int
    milestones: int
    delivery_step_done: bool | None  # the 「納品」 progress step carries `done` (None: no such step)
    messages: tuple[Message, ...]  # the thread as the page shows it
    folded: bool  # older messages hidden behind 「他のN件のメッセージを表示」


def _label_value(tree: Tree, label: str) -> tuple[str, LexborNode] | None:
    """The cell beside a row header reading ``label`` (with or without （税込）-style suffixes)."""
    want = normalize(label)
    for th in tree.css("th"):
        text = re.sub(r"[（(][^）)]*[）)]$", "", _text(th)).strip()
        if text == want:
            td = th.next
            while td is not None and td.tag != "td":
                td = td.next
            if td is not None:
                return _text(td), td
    return None


def _yen(text: str) -> int | None:
    m = re.search(r"([\d,]+)\s*円", text)
    if not m:
        return None
    digits = m.group(1).replace(",", "")
    return int(digits) if digits else None


def _hidden(node: LexborNode) -> bool:
    cur: LexborNode | None = node
    while cur is not None and cur.tag not in ("html", "-undef", "-document"):
        attrs = cur.attributes
        style = (attrs.get("style") or "").replace(" ", "").lower()
        if "hidden" in attrs or "display:none" in style:
            return True
        cur = cur.parent
    return False


def page_stage(text: str, sel: SelectorSet, trace: Trace | None = None) -> tuple[Stage | None, str]:
    """The stage the page's sentences say, and the sentence (first rule whose texts all appear)."""
    for rule in sel.states:
        wanted = [normalize(t) for t in rule.all]
        if all(w in text for w in wanted):
            if trace is not None:
                trace.hit(f"states.{rule.stage}", rule.grade)
            return rule.stage, " … ".join(rule.all)
    return None, text[:80]


def extract_contract_page(doc: str | Tree, sel: SelectorSet, url: str, worker_id: int | None = None,
                          trace: Trace | None = None) -> ContractPage:
    """The contract page's summary (client, state, milestones) and its thread as shown.

    Required (seen): the thread root ``#pack-message-thread`` with its ``data`` (thread id, contract id)
    and a link to the client. The state comes from the page's sentences (never the bare word 検収).
    Raises ExtractionError.
    """
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = _trace(trace)
    w = sel.workroom
    page = _page_name("workroom", url)
    thread, _ = _css_first(tree, w.thread, tr)
    if thread is None:
        raise ExtractionError(page, "message thread", f"no element matches {w.thread.css!r}")
    tdata = data_json(thread, page, "message thread data")
    cid = _as_int(json_path(tdata, w.thread_contract_id.value))
    if cid is None:
        raise ExtractionError(page, "contract id", f"no {w.thread_contract_id.value!r} in the thread's data")
    tid = _as_int(json_path(tdata, w.thread_id.value))
    if tid is None:
        raise ExtractionError(page, "thread id", f"no {w.thread_id.value!r} in the thread's data")
    tr.hit(w.thread_contract_id, w.thread_contract_id.first.grade)
    tr.hit(w.thread_id, w.thread_id.first.grade)
    ttype = json_path(tdata, w.thread_type.value)
    # The client: the link in the contract's own table (reported), else any employer link outside the thread.
    client_link = None
    for alt in w.client_link:
        for node in tree.css(alt.value):
            if not _within(node, thread) and _int_from(w.client_id.pattern, node.attributes.get("href")):
                client_link = node
                tr.hit(w.client_link, alt.grade)
                break
        if client_link is not None:
            break
    if client_link is None:
        raise ExtractionError(page, "client link", f"no element matches {w.client_link.css!r}")
    client_id = _int_from(w.client_id.pattern, client_link.attributes.get("href"))
    assert client_id is not None
    title = ""
    for alt in w.title:
        if alt.kind == "label":
            found = _label_value(tree, alt.value)
            title = _plain(found[1]) if found else ""
        else:
            node = tree.css_first(alt.value)
            title = _plain(node) if node is not None and not _within(node, thread) else ""
        if title:
            tr.hit(w.title, alt.grade)
            break
    if not title:
        tr.miss("title", "no 契約名 row and no heading")
    amount = None
    found_amount = _label_value(tree, w.amount.value)
    if found_amount is not None:
        amount = _yen(found_amount[0])
        tr.hit(w.amount, w.amount.first.grade)
    else:
        tr.miss("amount", "no 契約金額 row")
    area, _ = _css_first(tree, w.state_area, tr)
    state_text = _text(area) if area is not None else _text_outside(tree.body, thread) if tree.body else ""
    stage, said = page_stage(state_text, sel, tr)
    if stage is None and tree.css_first(w.feedback_link.css) is not None:
        stage, said = Stage.FINISHED, "評価を入力"
        tr.hit(w.feedback_link, w.feedback_link.first.grade)
    if stage is None:
        tr.miss("state", "none of the known state sentences")
    escrow = {Stage.AWAITING_ESCROW: False, Stage.IN_PROGRESS: True, Stage.DELIVERED: True,
              Stage.IN_ACCEPTANCE: True, Stage.FINISHED: True}.get(stage) if stage else None
    # Milestones: a form is open for delivery while it shows and its submit is enabled.
    forms: dict[str, bool] = {}
    for form in tree.css(w.milestone_form.css):
        action = form.attributes.get("action") or ""
        submit = form.css_first(w.milestone_submit.css)
        open_now = submit is not None and "disabled" not in submit.attributes and not _hidden(form)
        forms[action] = forms.get(action, False) or open_now
    if forms:
        tr.hit(w.milestone_form, w.milestone_form.first.grade)
    delivery_done: bool | None = None
    done_class, step_css = w.progress_done.value, w.progress_step.css
    for li in tree.css(step_css):
        if _text(li) in w.delivery_step.texts:
            delivery_done = done_class in (li.attributes.get("class") or "").split()
            tr.hit(w.progress_step, w.progress_step.first.grade)
            tr.hit(w.delivery_step, w.delivery_step.first.grade)
    messages, folded = thread_from_dom(thread, sel, page, worker_id, tr)
    return ContractPage(
        contract_id=cid, thread_id=tid, thread_type=ttype if isinstance(ttype, str) else None,
        client_id=client_id, client_name=_plain(client_link), title=title, amount=amount, stage=stage,
        stage_text=said, escrow_deposited=escrow, open_milestones=sum(forms.values()), milestones=len(forms),
        delivery_step_done=delivery_done, messages=messages, folded=folded)


def stage_family(stage: Stage | None) -> str | None:
    """Stages that name the same moment: delivered and in acceptance are one."""
    if stage is None:
        return None
    return "delivered" if stage.delivered else str(stage)


def workroom_from(page: ContractPage, row: ContractRow | None, messages: tuple[Message, ...], source: str,
                  folded: bool) -> Workroom:
    """A workroom record from the contract page, the contract list's row (None: read alone) and the
    thread as read (``source``: "json" or "dom"). The stage is the page's sentences'; the list's
    label, when it names the same stage, is the finer word (検収中 / 納品済み)."""
    stage = page.stage if page.stage is not None else (row.stage if row is not None else None)
    if row is not None and row.stage is not None and stage_family(row.stage) == stage_family(page.stage):
        stage = row.stage
    return Workroom(
        contract_id=page.contract_id, title=page.title or (row.title if row else ""), client_id=page.client_id,
        client_name=page.client_name, status_label=row.status_label if row else "", stage=stage,
        escrow_deposited=page.escrow_deposited, amount=page.amount, messages=messages, folded=folded,
        thread_id=page.thread_id, source=source, page_stage=page.stage, open_milestones=page.open_milestones)


# ---------------------------------------------------------------------------------------------
# The thread: the site's JSON (all of it), or the page (what is unfolded)


def thread_from_json(obj: Any, sel: SelectorSet, page: str = "thread json",
                     trace: Trace | None = None) -> tuple[Message, ...]:
    """``/message/threads/{id}/messages.json``: every message of the thread, oldest first.

    ``own_message`` tells mine from theirs (the site's system messages, if it lists them, read as
    theirs); ``senddate`` is Japan time in the site's form or ISO 8601; ``body`` is HTML.
    Raises ExtractionError.
    """
    tr = _trace(trace)
    j = sel.thread_json
    raw = json_path(obj, j.messages.value) if isinstance(obj, dict) else None
    if not isinstance(raw, list):
        raise ExtractionError(page, j.messages.value, "the answer holds no list of messages")
    tr.hit(j.messages, j.messages.first.grade)
    out: list[Message] = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise ExtractionError(page, f"message {i}", "not an object")
        mid = _as_int(item.get(j.id.value))
        own = item.get(j.own.value)
        when = item.get(j.sent_at.value)
        body = item.get(j.body.value)
        if mid is None:
            raise ExtractionError(page, f"message {i} {j.id.value}", f"not an id: {item.get(j.id.value)!r}")
        if not isinstance(own, bool):
            raise ExtractionError(page, f"message {i} {j.own.value}", f"not true or false: {own!r}")
        if not isinstance(when, str):
            raise ExtractionError(page, f"message {i} {j.sent_at.value}", f"not a time: {when!r}")
        if not isinstance(body, str):
            raise ExtractionError(page, f"message {i} {j.body.value}", f"not a text: {type(body).__name__}")
        try:
            sent_at = parse_site_datetime(when.strip())
        except TimeParseError:
            raise ExtractionError(page, f"message {i} {j.sent_at.value}", f"unreadable {when!r}") from None
        text = html_body_text(body)
        sender = Sender.WORKER if own else Sender.CLIENT
        out.append(Message(sender, sent_at, text, "message", None, message_key(sender, sent_at, text), mid))
    for hook in (j.id, j.own, j.sent_at, j.body):
        tr.hit(hook, hook.first.grade)
    return tuple(sorted(out, key=lambda m: (m.sent_at, m.id or 0)))


def _items(thread: LexborNode, sel: SelectorSet, trace: Trace) -> list[LexborNode]:
    """The thread's message elements: the outermost of the alternatives that match."""
    nodes = _css_all(thread, sel.thread.message, trace)
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


def _has(node: LexborNode, css: str) -> bool:
    return node.css_matches(css) or node.css_first(css) is not None


def thread_from_dom(thread: LexborNode, sel: SelectorSet, page: str, worker_id: int | None = None,
                    trace: Trace | None = None) -> tuple[tuple[Message, ...], bool]:
    """The messages the page shows, oldest first, and whether older ones are folded away.

    Mine carry ``_messageSent_`` (seen); the full body is the ``_messageBody_`` that holds ``<p>``
    paragraphs (seen); the time is ``<time datetime="2026年09月27日 15:55">`` (seen). The system-message
    class and the delivery card are guesses. Raises ExtractionError for a message without a readable
    time.
    """
    tr = _trace(trace)
    t = sel.thread
    out: list[Message] = []
    mine_css, system_css = t.mine.css, t.system.css
    for i, item in enumerate(_items(thread, sel, tr), start=1):
        mine = _has(item, mine_css)
        system = not mine and _has(item, system_css)
        if mine:
            tr.hit(t.mine, t.mine.first.grade)
        if system:
            tr.hit(t.system, t.system.first.grade)
        tnode = item.css_first(t.time.css)
        raw = tnode.attributes.get("datetime") if tnode is not None else None
        if not raw:
            raise ExtractionError(page, f"message {i} time", f"no {t.time.css!r}")
        try:
            sent_at = parse_site_datetime(normalize(raw))
        except TimeParseError:
            raise ExtractionError(page, f"message {i} time", f"unreadable {raw!r}") from None
        tr.hit(t.time, t.time.first.grade)
        body_node = next((b for b in item.css(t.body.css) if b.css_first(t.paragraph.css) is not None), None)
        if body_node is not None:
            tr.hit(t.body, t.body.first.grade)
            body = "\n".join(line for p in body_node.css(t.paragraph.css) for line in text_parts(p))
        else:
            tr.miss(f"message {i} body", "no message body with paragraphs")
            body = ""
        link = item.css_first(t.sender.css)
        sender_id = None
        if link is not None:
            tr.hit(t.sender, t.sender.first.grade)
            sender_id = _int_from(re.compile(r"/(\d+)"), link.attributes.get("href"))
        sender = Sender.WORKER if mine else Sender.SYSTEM if system else Sender.CLIENT
        delivery = item.css_first(t.delivery.css) is not None or body.startswith(t.delivery_texts.texts)
        if delivery and sender is not Sender.CLIENT:
            tr.hit(t.delivery, t.delivery.first.grade)
            sender = Sender.WORKER
        kind = ("delivery" if delivery and sender is Sender.WORKER
                else "system" if sender is Sender.SYSTEM else "message")
        out.append(Message(sender, sent_at, body, kind, sender_id, message_key(sender, sent_at, body)))
    fold_re = t.fold_text.pattern
    folded = any(fold_re.search(normalize(n.text(deep=False))) for n in thread.css("*"))
    if folded:
        tr.hit(t.fold_text, t.fold_text.first.grade)
    elif thread.css_first(t.fold.css) is not None:
        folded = True
        tr.hit(t.fold, t.fold.first.grade)
    return tuple(sorted(out, key=lambda m: m.sent_at)), folded


# ---------------------------------------------------------------------------------------------
# A client's profile: who they are, when they last visited, their record


def _flag(v: Any) -> bool | None:
    return v if isinstance(v, bool) else None


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _count(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _when(v: Any) -> datetime | None:
    if not isinstance(v, str) or not v.strip():
        return None
    try:
        return parse_site_datetime(v.strip())
    except TimeParseError:
        return None


def _record(user: dict[str, Any], summary: Any, sel: SelectorSet, tr: Trace) -> ClientRecord:
    p = sel.profile

    def get(hook: Hook, obj: Any = user) -> Any:
        v = json_path(obj, hook.value)
        if v is not None:
            tr.hit(hook, hook.first.grade)
        return v

    ratings: list[Rating] = []
    raw = get(p.ratings, summary) if isinstance(summary, dict) else None
    for r in raw if isinstance(raw, list) else []:
        if isinstance(r, dict):
            comment, job, at = (json_path(r, h.value) for h in (p.rating_comment, p.rating_job, p.rating_at))
            ratings.append(Rating(_num(json_path(r, p.rating_score.value)), comment if isinstance(comment, str) else "",
                                  job if isinstance(job, str) else "", at if isinstance(at, str) else ""))
    jobs = get(p.job_offers, summary) if isinstance(summary, dict) else None
    jobs = [j for j in jobs if isinstance(j, dict)] if isinstance(jobs, list) else None
    pref = get(p.prefecture)
    return ClientRecord(
        identity_verified=_flag(get(p.identity_verified)), rule_check_passed=_flag(get(p.rule_check)),
        certified=_flag(get(p.certified)), official=_flag(get(p.official)), rating=_num(get(p.rating)),
        rating_count=_count(get(p.rating_count)), jobs_contracted=_count(get(p.jobs_contracted)),
        completion_rate=_num(get(p.completion_rate)), acceptance_count=_count(get(p.acceptance_count)),
        finished_count=_count(get(p.finished_count)), created_at=_when(get(p.created_at)),
        prefecture=pref if isinstance(pref, str) and pref else None, ratings=tuple(ratings),
        jobs_posted=len(jobs) if jobs is not None else None,
        jobs_posted_contracted=sum(1 for j in jobs if json_path(j, p.job_contracted.value) is True)
        if jobs is not None else None)


_PROFILE_URL = re.compile(r"/public/employers/(\d+)")


def extract_profile(doc: str | Tree, sel: SelectorSet, url: str, fetched_at: datetime,
                    trace: Trace | None = None) -> ClientSeen:
    """``/public/employers/ID``: the client's name, last access and record.

    The ``#vue-container`` JSON is read first (seen: ``employer_profile_json.employer_user``), the
    visible 「最終アクセス: …」 line as the fallback. A last access that is absent, null or empty is
    hidden (a legitimate state); a wording no rule reads leaves it unknown (``last_access_unreadable``),
    never a made-up time. Relative times are anchored at ``fetched_at``. Raises ExtractionError.
    """
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = _trace(trace)
    p = sel.profile
    page = _page_name("profile", url)
    container, _ = _css_first(tree, p.container, tr)
    if container is None:
        raise ExtractionError(page, "profile data", f"no element matches {p.container.css!r}")
    pdata = data_json(container, page, "profile data")
    user = json_path(pdata, p.user.value)
    if not isinstance(user, dict):
        raise ExtractionError(page, p.user.value, "missing from the profile data")
    tr.hit(p.user, p.user.first.grade)
    public = json_path(pdata, p.public_user.value)
    public = public if isinstance(public, dict) else {}
    if public:
        tr.hit(p.public_user, p.public_user.first.grade)
    from_url = _int_from(_PROFILE_URL, urlsplit(url).path)
    uid = from_url if from_url is not None else _as_int(public.get(p.id.value)) or _as_int(user.get(p.id.value))
    if uid is None:
        raise ExtractionError(page, p.id.value, "no id in the URL or the profile data")
    tr.hit(p.id, p.id.first.grade)
    name = user.get(p.display_name.value) or public.get(p.display_name.value)
    if not isinstance(name, str) or not name.strip():
        raise ExtractionError(page, p.display_name.value, "missing")
    tr.hit(p.display_name, p.display_name.first.grade)
    texts: list[tuple[str, str]] = []  # (text, hook)
    json_text = user.get(p.last_access.value)
    if isinstance(json_text, str) and json_text.strip():
        texts.append((normalize(json_text), p.last_access.name))
    label_re = re.compile(rf"^\s*(?:{p.last_activity_label.value})\s*[:：]?\s*(.*)$", re.I | re.S)
    for node in tree.css(p.last_activity.css):
        m = label_re.match(_text(node))
        if m and m.group(1).strip():
            texts.append((m.group(1).strip(), p.last_activity.name))
    summary = json_path(pdata, p.summary.value)
    record = _record(user, summary, sel, tr)
    unreadable: str | None = None
    for raw, hook in texts:
        found = find_relative(raw, fetched_at)
        if found is not None:
            tr.hit(hook, sel.hook(hook).first.grade)
            return ClientSeen(uid, name.strip(), found[1], found[0], fetched_at, record)
        if raw.split(" ")[0] in p.hidden_texts.texts:
            tr.hit(p.hidden_texts, p.hidden_texts.first.grade)
            return ClientSeen(uid, name.strip(), None, None, fetched_at, record)
        unreadable = unreadable or raw
    if unreadable is not None:
        tr.miss("last access", f"unreadable {unreadable!r}: unknown, not hidden")
        return ClientSeen(uid, name.strip(), None, None, fetched_at, record, last_access_unreadable=unreadable)
    tr.miss("last access", "not shown (hidden)")
    return ClientSeen(uid, name.strip(), None, None, fetched_at, record)


# ---------------------------------------------------------------------------------------------
# The inbox: the answer of the page's own API call, or the page (a guess)


@dataclass(frozen=True)
class InboxPage:
    items: tuple[InboxItem, ...]
    next_url: str | None = None  # the page's own 「次のページ」 (DOM)
    total_pages: int | None = None  # the API's pagination.total_pages
    says_empty: bool = False  # the page says in words that there is no message (DOM)


def _items_of(obj: Any, sel: SelectorSet, page: str, tr: Trace) -> Iterator[tuple[int, dict[str, Any]]]:
    a = sel.inbox_api
    if not isinstance(obj, dict):
        raise ExtractionError(page, "answer", "not a JSON object")
    status = json_path(obj, a.status.value)
    if status != a.ok_status.value:
        raise ExtractionError(page, a.status.value, f"{status!r}, not {a.ok_status.value!r}")
    tr.hit(a.status, a.status.first.grade)
    items = json_path(obj, a.items.value)
    if not isinstance(items, list):
        raise ExtractionError(page, a.items.value, "the answer holds no list")
    tr.hit(a.items, a.items.first.grade)
    for i, it in enumerate(items, start=1):
        if not isinstance(it, dict):
            raise ExtractionError(page, f"item {i}", "not an object")
        yield i, it


def inbox_from_json(obj: Any, sel: SelectorSet, page: str = "inbox api", trace: Trace | None = None) -> InboxPage:
    """The inbox API's answer (``{"status": "success", "data": {"items": […], "pagination": …}}``):
    one item per thread, its newest message received. Raises ExtractionError."""
    tr = _trace(trace)
    a = sel.inbox_api
    out: list[InboxItem] = []
    for i, it in _items_of(obj, sel, page, tr):
        tid, mid = _as_int(json_path(it, a.thread_id.value)), _as_int(json_path(it, a.message_id.value))
        when = json_path(it, a.sent_at.value)
        if tid is None or mid is None:
            raise ExtractionError(page, f"item {i}", f"unreadable {a.thread_id.value} or {a.message_id.value}")
        if not isinstance(when, str):
            raise ExtractionError(page, f"item {i} {a.sent_at.value}", f"not a time: {when!r}")
        try:
            sent_at = parse_site_datetime(when.strip())
        except TimeParseError:
            raise ExtractionError(page, f"item {i} {a.sent_at.value}", f"unreadable {when!r}") from None
        title = json_path(it, a.title.value)
        status = json_path(it, a.proposal_status.value)
        replied = json_path(it, a.is_replied.value)
        out.append(InboxItem(tid, mid, sent_at, title if isinstance(title, str) else "", "",
                             status if isinstance(status, str) else None,
                             replied if isinstance(replied, bool) else None))
    for hook in (a.thread_id, a.message_id, a.sent_at, a.title, a.proposal_status, a.is_replied):
        tr.hit(hook, hook.first.grade)
    total = _as_int(json_path(obj, a.total_pages.value))
    if total is None:
        raise ExtractionError(page, a.total_pages.value, "missing or not a number")
    tr.hit(a.total_pages, a.total_pages.first.grade)
    return InboxPage(tuple(out), None, total)


def extract_inbox(doc: str | Tree, sel: SelectorSet, url: str, trace: Trace | None = None) -> InboxPage:
    """The inbox page's own list (markup a guess): read only when the page made no API call."""
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = _trace(trace)
    ib = sel.inbox
    page = _page_name("inbox", url)
    lst, _ = _css_first(tree, ib.list, tr)
    if lst is None:
        raise ExtractionError(page, "message list", f"no element matches {ib.list.css!r} (a guess: what does "
                              "your inbox page show?)")
    items: list[InboxItem] = []
    for i, li in enumerate(lst.css(ib.item.css), start=1):
        tnode = li.css_first(ib.time.css)
        raw = tnode.attributes.get("datetime") if tnode is not None else None
        thread = _as_int(li.attributes.get(ib.item_thread.value))
        link = li.css_first(ib.item_link.css)
        mid = _int_from(ib.item_message.pattern, link.attributes.get("href")) if link is not None else None
        if not raw or thread is None or mid is None:
            raise ExtractionError(page, f"item {i}", "time, thread id or message id missing or unreadable")
        try:
            sent_at = parse_site_datetime(normalize(raw))
        except TimeParseError:
            raise ExtractionError(page, f"item {i} time", f"unreadable {raw!r}") from None
        title, _ = _css_first(li, ib.item_title, tr)
        items.append(InboxItem(thread, mid, sent_at, _plain(title), "", None, None))
    tr.hit(ib.item, ib.item.first.grade)
    nxt, _ = _css_first(tree, ib.next_page, tr)
    if nxt is None:
        nxt = next((a for a in tree.css("a") if _text(a) in ib.next_page_texts.texts), None)
    href = nxt.attributes.get("href") if nxt is not None else None
    says_empty = not items and any(t in _text(lst) for t in ib.empty_texts.texts)
    return InboxPage(tuple(items), urljoin(url, href) if href else None, None, says_empty)


def unique(items: Iterable[InboxItem]) -> list[InboxItem]:
    """One item per thread, the first seen (pages are newest first)."""
    seen: set[int] = set()
    out = []
    for it in items:
        if it.thread_id not in seen:
            seen.add(it.thread_id)
            out.append(it)
    return out


# ---------------------------------------------------------------------------------------------
# Applications: the list /e/proposals, an application's page /proposals/ID, a job's client


@dataclass(frozen=True)
class ProposalsPage:
    """One page of ``/e/proposals``: the applications listed, newest first (seen, S1)."""

    proposals: tuple[tuple[int, str], ...]  # (proposal id, title as listed)
    page_no: int
    total_pages: int | None  # the highest page number the paging links name (None: no paging links)
    next_url: str | None  # the path of the next page, if a paging link names it


def _page_no(url: str) -> int:
    m = re.search(r"[?&]page=(\d+)", url)
    return int(m.group(1)) if m else 1


def extract_proposals(doc: str | Tree, sel: SelectorSet, url: str, trace: Trace | None = None) -> ProposalsPage:
    """The applications of one list page. The table is required (seen); an empty table is an empty
    list. Paging: ``a[href*="/e/proposals?page="]`` links (seen). Raises ExtractionError."""
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = _trace(trace)
    p = sel.proposals
    page = _page_name("proposals", url)
    table, _ = _css_first(tree, p.table, tr)
    if table is None:
        raise ExtractionError(page, "applications table", f"no element matches {p.table.css!r}")
    found: dict[int, str] = {}
    for link in _css_all(table, p.row_link, tr):
        pid = _int_from(p.row_link_id.pattern, link.attributes.get("href"))
        if pid is not None and pid not in found:
            found[pid] = _plain(link)
    if found:
        tr.hit(p.row_link_id, p.row_link_id.first.grade)
    here = _page_no(url)
    numbers: dict[int, str] = {}
    for link in tree.css(p.page_link.css):
        href = link.attributes.get("href") or ""
        m = p.page_link_number.pattern.search(href)
        if m:
            numbers.setdefault(int(m.group(1)), _path_of(href) + "?" + urlsplit(href).query)
    if numbers:
        tr.hit(p.page_link, p.page_link.first.grade)
    return ProposalsPage(tuple(found.items()), here, max(numbers) if numbers else None, numbers.get(here + 1))


@dataclass(frozen=True)
class ProposalPage:
    """``/proposals/ID``: the application, its job and its thread as shown."""

    proposal_id: int
    thread_id: int
    job_id: int | None  # the job link (seen); None when the page shows none
    title: str
    messages: tuple[Message, ...]
    folded: bool

    @property
    def client_wrote(self) -> datetime | None:
        """When the client first wrote in this thread (None: not yet)."""
        return next((m.sent_at for m in self.messages if m.sender is Sender.CLIENT), None)


def extract_proposal_page(doc: str | Tree, sel: SelectorSet, url: str, worker_id: int | None = None,
                          trace: Trace | None = None) -> ProposalPage:
    """The application's thread root (``#pack-message-thread``: ``id``, ``proposalId``; seen), its
    job link (seen) and the thread as the page shows it. Raises ExtractionError."""
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = _trace(trace)
    w, p = sel.workroom, sel.proposals
    page = _page_name("proposal", url)
    thread, _ = _css_first(tree, w.thread, tr)
    if thread is None:
        raise ExtractionError(page, "message thread", f"no element matches {w.thread.css!r}")
    tdata = data_json(thread, page, "message thread data")
    tid = _as_int(json_path(tdata, w.thread_id.value))
    pid = _as_int(json_path(tdata, p.thread_proposal_id.value))
    if tid is None or pid is None:
        raise ExtractionError(page, "thread data", f"no {w.thread_id.value!r} or {p.thread_proposal_id.value!r}")
    tr.hit(w.thread_id, w.thread_id.first.grade)
    tr.hit(p.thread_proposal_id, p.thread_proposal_id.first.grade)
    job_id = None
    for link in tree.css(p.job_link.css):
        if not _within(link, thread):
            job_id = _int_from(p.job_id.pattern, link.attributes.get("href"))
            if job_id is not None:
                tr.hit(p.job_link, p.job_link.first.grade)
                break
    if job_id is None:
        tr.miss("job link", f"no {p.job_link.css!r} outside the thread")
    node = tree.css_first(p.title.css)
    title = _plain(node) if node is not None and not _within(node, thread) else ""
    messages, folded = thread_from_dom(thread, sel, page, worker_id, tr)
    return ProposalPage(pid, tid, job_id, title, messages, folded)


def client_of_job(doc: str | Tree, sel: SelectorSet, url: str, trace: Trace | None = None) -> int | None:
    """The client of a public job page ``/public/jobs/ID``: its link to ``/public/employers/ID``
    (a guess: None when the page shows no such link)."""
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = _trace(trace)
    p = sel.proposals
    for link in tree.css(p.job_client_link.css):
        cid = _int_from(sel.workroom.client_id.pattern, link.attributes.get("href"))
        if cid is not None:
            tr.hit(p.job_client_link, p.job_client_link.first.grade)
            return cid
    tr.miss("client link", f"no {p.job_client_link.css!r} on the job page")
    return None


def vet_target(text: str, sel: SelectorSet) -> tuple[str, int] | None:
    """What ``cwwatch vet`` was given: ``("client", ID)`` for a client id or profile URL (or path),
    ``("job", ID)`` for a job URL; None when it is neither."""
    s = text.strip()
    if s.isdigit():
        return "client", int(s)
    path = urlsplit(s).path if "://" in s else s
    for kind, pattern in (("client", sel.workroom.client_id.pattern), ("job", sel.proposals.job_id.pattern)):
        m = pattern.match(path.rstrip("/"))
        if m:
            return kind, int(m.group(1))
    return None
