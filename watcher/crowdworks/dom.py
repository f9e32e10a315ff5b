"""The DOM toolkit every reader of the site's pages uses (selectolax/lexbor). Pure: no I/O.

What is here: parsing, the trace of which selector hooks answered (:class:`Trace`), looking a
hook's CSS alternatives up, walking up a tree, a node's text as matched and as people read it,
the JSON in ``data`` attributes, and ids in links. The page kinds (``kinds/``), the walls
(``walls``) and the redaction (``redact``) share it, so one page is read one way.

Shapes: nodes are :class:`selectolax.lexbor.LexborNode`; a hook is a
:class:`~watcher.crowdworks.selectors.Hook` (its alternatives in order, each with its grade).
Errors: :func:`data_json` raises :class:`~watcher.errors.ExtractionError` naming the page and the
fact; nothing else here raises for what a page holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from watcher.errors import ExtractionError
from watcher.jptime import normalize

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import Alt, Hook

Tree = LexborHTMLParser


def parse_html(html_text: str) -> Tree:
    return LexborHTMLParser(html_text)


# ---------------------------------------------------------------------------------------------
# What answered: hooks and their grades


@dataclass
class Trace:
    """Which hooks answered a page's questions (with the grade of the alternative that did), and
    which facts the page did not show. Filled by the readers; printed by ``check-pages``."""

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


def trace_or_new(trace: Trace | None) -> Trace:
    return trace if trace is not None else Trace()


# ---------------------------------------------------------------------------------------------
# Finding nodes


def hook_first(root: Tree | LexborNode, hook: Hook, trace: Trace | None = None) -> tuple[LexborNode | None, Alt | None]:
    """The first node of the first CSS alternative of ``hook`` that matches anything."""
    for alt in hook:
        if alt.kind != "css":
            continue
        node = root.css_first(alt.value)
        if node is not None:
            if trace is not None:
                trace.hit(hook, alt.grade)
            return node, alt
    return None, None


def hook_all(root: Tree | LexborNode, hook: Hook, trace: Trace | None = None) -> list[LexborNode]:
    """The nodes of the first CSS alternative of ``hook`` that matches anything."""
    for alt in hook:
        if alt.kind != "css":
            continue
        nodes = root.css(alt.value)
        if nodes:
            if trace is not None:
                trace.hit(hook, alt.grade)
            return list(nodes)
    return []


def css_safe(root: Any, css: str) -> list[LexborNode]:
    """``root.css(css)``, or nothing when lexbor rejects the selector (a user's selectors file)."""
    try:
        return list(root.css(css))
    except Exception:  # a user's selectors file with a selector lexbor rejects here: no hook
        return []


def css_safe_first(root: Any, css: str) -> LexborNode | None:
    found = css_safe(root, css)
    return found[0] if found else None


_TOP = ("html", "-undef", "-document", None)


def closest(node: LexborNode, css: str) -> LexborNode | None:
    """The nearest ancestor of ``node`` (not itself) that matches ``css``, below ``<html>``."""
    cur = node.parent
    while cur is not None and cur.tag not in _TOP:
        if cur.css_matches(css):
            return cur
        cur = cur.parent
    return None


def within(node: LexborNode, ancestor: LexborNode | None) -> bool:
    """``node`` is ``ancestor`` or lies inside it."""
    if ancestor is None:
        return False
    cur: LexborNode | None = node
    while cur is not None:
        if cur.mem_id == ancestor.mem_id:
            return True
        cur = cur.parent
    return False


def inside_tag(node: LexborNode, tag: str) -> bool:
    """Some ancestor of ``node`` (below ``<html>``) is a ``tag`` element."""
    cur = node.parent
    while cur is not None and cur.tag not in _TOP:
        if cur.tag == tag:
            return True
        cur = cur.parent
    return False


def is_hidden(node: LexborNode) -> bool:
    """``node`` or an ancestor carries ``hidden`` or ``display:none``."""
    cur: LexborNode | None = node
    while cur is not None and cur.tag not in ("html", "-undef", "-document"):
        attrs = cur.attributes
        style = (attrs.get("style") or "").replace(" ", "").lower()
        if "hidden" in attrs or "display:none" in style:
            return True
        cur = cur.parent
    return False


def by_owner(nodes: list[LexborNode], owners: set[int]) -> dict[int, list[LexborNode]]:
    """``nodes`` grouped by the nearest of ``owners`` (their ``mem_id``) that is the node itself or holds
    it, each group in the order of ``nodes``; a node under none of them is left out.

    With one ``css()`` over a common ancestor this answers what ``owner.css()`` would for each owner
    (lexbor's ``css`` counts the node it is called on too): one selector pass for a page's dozens of
    messages instead of one per message, which is most of the cost of a small query."""
    out: dict[int, list[LexborNode]] = {}
    for n in nodes:
        cur: LexborNode | None = n
        while cur is not None:
            mid = cur.mem_id
            if mid in owners:
                out.setdefault(mid, []).append(n)
                break
            cur = cur.parent
    return out


def has(node: LexborNode, css: str) -> bool:
    """``node`` matches ``css`` or holds an element that does."""
    return node.css_matches(css) or node.css_first(css) is not None


# ---------------------------------------------------------------------------------------------
# Text


def node_text(node: LexborNode | None) -> str:
    """A node's text for matching: NFKC (full-width digits and colons to ASCII), white space collapsed."""
    if node is None:
        return ""
    return normalize(node.text(deep=True, separator=" "))


def collapse(text: str) -> str:
    """White space collapsed and stripped, the characters as the site wrote them (what people read)."""
    return " ".join(text.split())


def plain_text(node: LexborNode | None) -> str:
    """A node's text as people read it (inline text run together, blocks apart): the site's
    characters, white space collapsed."""
    if node is None:
        return ""
    return " ".join(text_parts(node))


_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
_SKIP = frozenset({"script", "style", "template", "noscript"})


def text_parts(node: LexborNode) -> list[str]:
    """The node's text split where a browser's innerText would break it (cells, blocks, <br>),
    each part normalised, the empty ones left out."""
    child = node.child
    if child is not None and child.next is None and child.tag == "-text":  # one run of text (most paragraphs)
        only = collapse(child.text_content or "")
        return [only] if only else []
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


def text_outside(root: LexborNode, exclude: LexborNode | set[int] | None) -> str:
    """The normalised text of ``root`` without the text inside ``exclude`` (a node, or the
    ``mem_id`` of several: a thread may quote anything, the page's own sentences included); the
    text of one element apart from the next's by a space."""
    if exclude is None:
        return node_text(root)
    skip = exclude if isinstance(exclude, set) else {exclude.mem_id}
    out: list[str] = []

    def walk(n: LexborNode) -> None:
        child = n.child
        while child is not None:
            if child.mem_id not in skip:
                if child.tag == "-text":
                    out.append(child.text_content or "")
                elif child.tag not in _SKIP:
                    walk(child)
                    out.append(" ")
            child = child.next

    walk(root)
    return normalize("".join(out))


_UI_TAGS = frozenset({"time", "h1", "h2", "h3", "h4", "h5", "h6", "button", "script", "style"})


def text_nodes(el: LexborNode, skip_ui: bool, fold: re.Pattern[str]) -> Iterator[LexborNode]:
    """The text nodes under ``el``; never those in <time>; with ``skip_ui`` not headings, buttons or the
    fold control (「他のN件のメッセージを表示」, ``fold``) either."""

    def walk(node: LexborNode) -> Iterator[LexborNode]:
        child = node.child
        while child is not None:
            if child.is_text_node:
                yield child
            elif child.is_element_node:
                tag = child.tag or ""
                if tag in ("time", "script", "style") or (skip_ui and (
                        tag in _UI_TAGS or (tag == "a" and fold.search(child.text()))
                        or "_showMore_" in (child.attributes.get("class") or ""))):
                    pass
                else:
                    yield from walk(child)
            child = child.next

    if el.is_text_node:
        yield el
    else:
        yield from walk(el)


# ---------------------------------------------------------------------------------------------
# JSON in the page, ids in links


def json_path(obj: Any, path: str) -> Any:
    """``a.b.c`` into nested dicts; None where a key is missing."""
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def data_json(node: LexborNode, page: str, fact: str, attr: str = "data") -> dict[str, Any]:
    """The JSON object in an element's ``data`` attribute (the parser has already unescaped it).
    Raises ExtractionError when it is missing, not JSON or not an object."""
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


def path_of(href: str | None) -> str:
    """The path of a link (no query, no fragment)."""
    if not href:
        return ""
    return urlsplit(href).path if "://" in href else href.split("?", 1)[0].split("#", 1)[0]


def int_from(pattern: re.Pattern[str], href: str | None) -> int | None:
    """The id ``pattern``'s first group finds in a link's path."""
    m = pattern.search(path_of(href))
    return int(m.group(1)) if m else None


def as_int(v: Any) -> int | None:
    """An id as the site writes it: an int, or a string of digits; never a bool."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None


def page_name(kind: str, url: str) -> str:
    """How a problem names a page: ``workroom /contracts/1?x=y``."""
    parts = urlsplit(url)
    return f"{kind} {parts.path}{'?' + parts.query if parts.query else ''}"
