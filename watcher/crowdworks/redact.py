"""Redaction of saved pages, so a user can hand us what the scanner saw. Pure: no I/O, no browser.

A page is parsed (selectolax/lexbor), rewritten node by node and serialised again, so the result
is still valid HTML with the same tags, class names, attribute names and JSON shapes: a redacted
page still works as a fixture. Three kinds of replacement, all consistent within one
:class:`Redactor` (one page, or every page of one capture):

* **by place**: the text of message bodies, sender names, titles, client names in the contracts
  table, profile names (the hooks come from the selectors file, plus the site's CSS-module naming
  habits as a fallback for a release that renamed them) and the name/title/body fields of JSON in
  ``data`` attributes become ``〈本文3〉``, ``〈名前1〉``, ``〈件名2〉`` (the same text, the same
  placeholder). What was found that way is then replaced wherever else it appears (``<title>``,
  a greeting, an ``alt``);
* **what the caller knows** (names, titles, bodies from the history, the e-mail, the password,
  cookie values): replaced wherever it appears (text, attributes, JSON, URLs, percent-encoded or
  NFKC-normalised), longest first;
* **by pattern**: ids in links and JSON (mapped to fake ids with the same number of digits, so links
  still match the JSON), e-mail addresses, query-string values that are not plain words, long
  hex/base64-looking tokens, ``csrf-*`` meta content, input values, ``<script>`` bodies other than
  JSON data, textarea contents.

Kept: status labels and the site's own phrases, 「最終アクセス: 約2時間前」-style texts, ``<time>``
elements (text and ``datetime``), class names, ``<style>``, the element structure.

One module over 400 lines, as one job: the three kinds of replacement share one table per
:class:`Redactor` (placeholders and fake ids consistent across every page of a capture), which each
of them reads and fills. The DOM walking it needs is ``dom``'s.

The redaction is thorough, not infallible: text in an element no hook knows (a release that
renamed everything) is only caught when it is known or matches a pattern.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from watcher.crowdworks.dom import closest, css_safe, inside_tag, text_nodes, within
from watcher.crowdworks.selectors import SelectorSet

NAME, TITLE, BODY, KNOWN = "名前", "件名", "本文", "伏字"
EMAIL_PH = "〈メール〉"
TOKEN_PH = "〈トークン〉"
VALUE_PH = "〈値〉"
SCRIPT_PH = "/* 〈script〉 */"
URL_PH = "redacted"  # inside URLs, where a placeholder must stay URL-safe
URL_EMAIL = "redacted@example.invalid"

# The site's own words: never taken for personal text by substring replacement.
SITE_WORDS = ("クラウドワークス", "CrowdWorks", "最終アクセス", "Last activity", "Last access", "ワークルーム",
              "プロフィール", "メッセージ", "クライアント", "ログイン", "パスワード", "メールアドレス")
SITE_NAMES = frozenset({"クラウドワークス", "CrowdWorks", "クラウドワークス事務局", "事務局"})

_PLACEHOLDER = re.compile(r"(〈[^〈〉\s]{1,12}〉)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'、。「」（）()]+")
_TOKEN_RUN = re.compile(r"[A-Za-z0-9+/=_\-]{20,}")
_HEX = re.compile(r"[0-9a-fA-F]{20,}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CSS_MODULE = re.compile(r"_[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9]{3,8}_\d+")
_DIGITS = re.compile(r"(?<!\d)\d{4,}(?!\d)")
_ALL_DIGITS = re.compile(r"\d+")
# A numeric path segment after one of these is the id of a contract, proposal, person, thread, message.
_ID_PARENTS = frozenset({"contracts", "proposals", "employers", "employees", "users", "messages", "threads",
                         "jobs", "job_offers"})
_TITLE_LINK = re.compile(r"^/(?:contracts|proposals|jobs|job_offers)/\d+/?$")
_PROFILE_LINK = re.compile(r"/public/(?:employers|employees)/\d+")
# CSS-module class names of elements that hold people's words: `_messageBody_iq3vm_20`, `_cardClient_x_5`.
_HOOK_CLASS = re.compile(r"^_[a-z][A-Za-z0-9]*?(Body|Text|Comment|Excerpt|Preview|Snippet|Name|Client|Sender|Author|"
                         r"Title|Subject)_")
_HOOK_KIND = {"Body": BODY, "Text": BODY, "Comment": BODY, "Excerpt": BODY, "Preview": BODY, "Snippet": BODY,
              "Name": NAME, "Client": NAME, "Sender": NAME, "Author": NAME, "Title": TITLE, "Subject": TITLE}
# CSS-module class names of one message in a thread: `_messageItem_…`, `_msgItem_…`, `_chatBubble_…`.
_ITEM_CLASS = re.compile(r"^_(?:message|msg|chat|comment|post)(?:Item|Row|Bubble|Card|Entry)?_")

_URL_ATTRS = frozenset({"href", "src", "action", "formaction", "poster", "cite", "background", "longdesc",
                        "ping", "manifest", "data-href", "data-url", "data-src", "xlink:href"})
# Attribute values that are markup, not content: left alone (ids in them are still mapped).
_STRUCTURAL = frozenset({"class", "style", "type", "rel", "method", "role", "lang", "charset", "for", "dir",
                         "autocomplete", "inputmode", "http-equiv", "target", "media", "crossorigin",
                         "referrerpolicy", "sandbox", "allow", "loading", "decoding", "width", "height",
                         "tabindex", "frameborder", "scrolling", "hidden", "checked", "disabled", "selected",
                         "async", "defer", "enctype", "accept-charset", "aria-hidden", "datetime"})
_KEEP_INPUT_VALUE = frozenset({"checkbox", "radio", "submit", "button", "reset", "image"})
_JSON_SCRIPT = re.compile(r"^application/(?:[\w.\-]+\+)?json$", re.I)

# JSON keys, compared lower-case without _ and -.
_SECRET_KEY = re.compile(r"token|secret|passw|csrf|session|cookie|apikey|nonce|signature|otp|credential")
_EMAIL_KEY = re.compile(r"e?mail(address)?$")
_NAME_EXCLUDED = frozenset({"typename", "classname", "tagname", "filename", "hostname", "pathname",
                            "eventname", "routename", "componentname", "keyname", "fieldname"})
_TITLE_KEYS = frozenset({"subject", "headline", "caption"})
_BODY_KEYS = frozenset({"body", "message", "text", "content", "comment", "description", "excerpt", "preview",
                        "snippet", "summary", "note", "memo", "lastmessage", "messagebody", "bodyhtml", "html"})
# Query-string parameters whose values are secrets or personal whatever they look like.
_SECRET_PARAM = re.compile(r"token|secret|pass|auth|session|sig|key|code|csrf|nonce|mail|user|name|ticket|otp|"
                           r"sid|state|^q$|query|keyword|search", re.I)
_PLAIN_WORD = re.compile(r"[A-Za-z][A-Za-z_.\-]{0,15}")


def nfkc(text: str) -> str:
    """As the extractors read text: NFKC, whitespace collapsed, stripped (so known strings match)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def _norm_key(key: str) -> str:
    return re.sub(r"[_\-]", "", key).lower()


def _is_id_key(key: str) -> bool:
    k = key.lower()
    return k in ("id", "ids") or k.endswith(("_id", "_ids", "-id")) or key.endswith(("Id", "Ids", "ID"))


def _json_kind(key: str) -> str | None:
    """What a JSON string under this key holds: a name, a title, a body, a secret, an e-mail, or None."""
    k = _norm_key(key)
    if _SECRET_KEY.search(k):
        return "secret"
    if _EMAIL_KEY.search(k):
        return "email"
    if (k.endswith("name") and k not in _NAME_EXCLUDED) or k in ("login", "nickname"):
        return NAME
    if k.endswith("title") or k in _TITLE_KEYS:
        return TITLE
    if k in _BODY_KEYS or k.endswith("body"):
        return BODY
    return None


def is_token(s: str) -> bool:
    """A long hex/base64-looking run (a session id, a key, a signature), not a word or a CSS-module class."""
    core = s.strip("=")
    if len(core) < 20 or _CSS_MODULE.fullmatch(core):
        return False
    if "/" in core:
        if any(is_token(p) for p in core.split("/")):
            return True
        flat = core.replace("/", "")
        return ("+" in core or s.endswith("=")) and _mixed(flat)
    if _HEX.fullmatch(core) or _UUID.fullmatch(core):
        return True
    pieces = re.split(r"[-_.]", core)
    if len(pieces) > 1 and all((p.isalpha() and p.islower()) or (len(p) <= 12 and p == p.lower()) for p in pieces):
        return False  # words joined by - or _, or an asset fingerprint (application-3f1c2a9e)
    has_digit = any(c.isdigit() for c in core)
    has_alpha = any(c.isalpha() for c in core)
    return (has_digit and has_alpha) or _mixed(core)


def _mixed(s: str) -> bool:
    """Random-looking case (base64), not camelCase words: at least a quarter upper and a quarter lower."""
    upper = sum(c.isupper() for c in s)
    lower = sum(c.islower() for c in s)
    return len(s) >= 20 and min(upper, lower) >= len(s) / 4


class Redactor:
    """One redaction table for a set of pages: the same id or text maps to the same placeholder.

    ``known``: strings the caller knows to be personal (names, titles, message bodies, the e-mail,
    the password, cookie values); multi-line strings are also matched line by line, digit-only ones
    are ids. ``selectors``: where the markup hooks come from (the bundled file when None).
    """

    def __init__(self, known: Iterable[str] = (), selectors: SelectorSet | None = None) -> None:
        if selectors is None:
            from watcher.crowdworks import selectors as selectorset

            selectors = selectorset.load()
        self.sel = selectors
        self.protected = self._protected_words(selectors)
        self.table: dict[str, str] = {}  # normalised text -> placeholder
        self.counters: dict[str, int] = {}
        self.ids: dict[str, str] = {}  # real id (digits) -> fake id (same length)
        self._used_fakes: set[str] = set()
        self._avoid: set[str] = set()  # digit runs seen in the input: a fake id must not be one of them
        self._known_ids: set[str] = set()
        self._known: dict[str, None] = {}
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._page: list[tuple[str, re.Pattern[str]]] = []  # the known strings present in the current input
        self.add_known(known)

    # --- the table ------------------------------------------------------------------------------

    @staticmethod
    def _protected_words(sel: SelectorSet) -> tuple[str, ...]:
        w, lg = sel.workroom, sel.login
        words: list[str] = [*sel.status_labels, *(t for rule in sel.states for t in rule.all),
                            *sel.thread.delivery_texts.texts, *w.contact_reminder_texts.texts,
                            *w.delivery_step.texts, *lg.error_texts.texts, *lg.two_step_texts.texts,
                            *lg.not_found_texts.texts, *lg.bot_check_texts.texts, *sel.inbox.next_page_texts.texts,
                            *sel.profile.hidden_texts.texts, *sel.contracts.empty_texts.texts, *SITE_WORDS]
        return tuple(dict.fromkeys(x for x in words if x))

    def _is_protected(self, text: str) -> bool:
        return any(text in word for word in self.protected)

    def add_known(self, known: Iterable[str]) -> None:
        for item in known:
            if not isinstance(item, str):
                continue
            for piece in {item, *item.splitlines()}:
                p = piece.strip()
                if p.isdigit():
                    if len(p) >= 4:
                        self._known_ids.add(p)
                    continue
                for form in {p, nfkc(p)}:
                    if len(form) >= 2 and not self._is_protected(form):
                        self._known[form] = None

    def placeholder(self, text: str, kind: str) -> str:
        """The placeholder of a text (normalised), numbered per kind in order of appearance."""
        key = nfkc(text)
        if key not in self.table:
            n = self.counters.get(kind, 0) + 1
            self.counters[kind] = n
            self.table[key] = f"〈{kind}{n}〉"
        return self.table[key]

    def fake_id(self, real: str) -> str:
        """A stable fake id with the same number of digits (no leading zero), never an id of the input."""
        if real in self.ids:
            return self.ids[real]
        self._avoid.add(real)
        n = len(real)
        base = 10 ** (n - 1) if n > 1 else 0
        room = 10**n - base
        k = self.counters.get(f"id{n}", 0)
        fake = real
        for _ in range(room):
            k += 1
            fake = str(base + k % room)
            if len(fake) == n and fake not in self._avoid and fake not in self._used_fakes:
                break
        self.counters[f"id{n}"] = k
        self.ids[real] = fake
        self._used_fakes.add(fake)
        return fake

    def _pattern(self, k: str) -> re.Pattern[str]:
        rx = self._patterns.get(k)
        if rx is None:
            variants = {k, quote(k, safe=""), quote_plus(k, safe=""), quote(k), json.dumps(k)[1:-1]}
            alt = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
            rx = re.compile(alt, re.I if k.isascii() else 0)
            self._patterns[k] = rx
        return rx

    def _prepare(self, texts: Iterable[str]) -> None:
        """Which known and found strings occur in this input, longest first (cheap prefilter first)."""
        big = "\x00".join(texts)
        big = "\x00".join((big, nfkc(big), unquote_plus(big)))
        low = big.lower()
        found = {k for k, ph in self.table.items() if len(k) >= (2 if ph.startswith(f"〈{NAME}") else 3)
                 and not self._is_protected(k) and k not in SITE_NAMES}
        # percent-encoded occurrences are in `big` decoded; ASCII strings match case-insensitively
        cands = [k for k in dict.fromkeys([*self._known, *found])
                 if k in big or (k.isascii() and k.lower() in low)]
        cands.sort(key=len, reverse=True)
        self._page = [(k, self._pattern(k)) for k in cands]

    def _known_ph(self, k: str) -> str:
        if nfkc(k) in self.table:
            return self.table[nfkc(k)]
        if _EMAIL.fullmatch(k):
            return EMAIL_PH
        return self.placeholder(k, KNOWN)

    def _replace_known(self, s: str) -> str:
        """The known and found strings present in this input, longest first; placeholders already in
        ``s`` are left alone (a known 「名前」 must not cut 〈名前1〉)."""
        if not self._page:
            return s
        for k, rx in self._page:
            if k.lower() in s.lower() or rx.search(s):
                s = _sub_outside_placeholders(rx, s, self._known_ph(k))
        n = nfkc(s)  # the history holds normalised text: 「（税込）」 on the page is 「(税込)」 there
        if n != s and any(k in n for k, _ in self._page):
            for k, rx in self._page:
                n = _sub_outside_placeholders(rx, n, self._known_ph(k))
            s = n
        return s

    # --- strings ------------------------------------------------------------------------------

    def _digits(self, s: str) -> str:
        """Digit runs that are ids: those already mapped or known (4+ digits), and any run of 6+ digits."""
        def sub(m: re.Match[str]) -> str:
            d = m.group(0)
            if d in self._known_ids or (len(d) >= 5 and (d in self.ids or len(d) >= 6)):
                return self.fake_id(d)
            return d

        return _DIGITS.sub(sub, s)

    def _scrub_plain(self, s: str) -> str:
        s = _EMAIL.sub(EMAIL_PH, s)
        s = _TOKEN_RUN.sub(lambda m: TOKEN_PH if is_token(m.group(0)) else m.group(0), s)
        return self._digits(s)

    def scrub_text(self, s: str) -> str:
        """Free text: known strings, URLs, e-mail addresses, tokens, ids (each part rewritten once)."""
        if not s or s.isspace():
            return s
        s = self._replace_known(s)
        out: list[str] = []
        pos = 0
        for m in _URL_IN_TEXT.finditer(s):
            out += [self._scrub_plain(s[pos:m.start()]), self.scrub_url(m.group(0))]
            pos = m.end()
        out.append(self._scrub_plain(s[pos:]))
        return "".join(out)

    def scrub_url(self, url: str) -> str:
        """A URL or path: credentials dropped, ids mapped, query values that are not plain words replaced."""
        raw = url.strip()
        low = raw.lower()
        if low.startswith("#"):  # an anchor in the page: its ids as the element ids (#dialog-123)
            return self._digits(self._replace_known(url))
        if not raw or low.startswith(("data:", "about:")):
            return self._replace_known(url) if not low.startswith("data:") else url
        if low.startswith("mailto:"):
            return "mailto:" + URL_EMAIL
        if low.startswith("javascript:"):
            return "javascript:void(0)"
        try:
            parts = urlsplit(raw)
        except ValueError:
            return URL_PH
        netloc = parts.netloc
        if "@" in netloc:
            netloc = netloc.rsplit("@", 1)[1]
        segs = self._replace_known(parts.path).split("/")
        path = "/".join(self._path_segment(seg, segs[i - 1] if i else "") for i, seg in enumerate(segs))
        query = "&".join(self._query_pair(p) for p in parts.query.split("&")) if parts.query else ""
        fragment = self.scrub_text(parts.fragment) if parts.fragment else ""
        return urlunsplit((parts.scheme, netloc, path, query, fragment))

    def _path_segment(self, seg: str, before: str) -> str:
        if not seg:
            return seg
        if seg.isdigit():
            is_id = before in _ID_PARENTS or len(seg) >= 5 or seg in self.ids or seg in self._known_ids
            return self.fake_id(seg) if is_id else seg
        if _EMAIL.search(unquote(seg)):
            return _EMAIL.sub(URL_EMAIL, unquote(seg))
        return _TOKEN_RUN.sub(lambda m: URL_PH if is_token(m.group(0)) else m.group(0), seg)

    def _query_pair(self, pair: str) -> str:
        if "=" not in pair:
            return pair if _PLAIN_WORD.fullmatch(pair) or not pair else URL_PH
        name, value = pair.split("=", 1)
        decoded = unquote_plus(value)
        if not decoded:
            return pair
        if decoded.isdigit():
            keep = len(decoded) <= 4 and decoded not in self._known_ids and decoded not in self.ids
            return pair if keep else f"{name}={self.fake_id(decoded)}"
        if not _SECRET_PARAM.search(unquote_plus(name)) and _PLAIN_WORD.fullmatch(decoded) \
                and self._replace_known(decoded) == decoded:
            return pair
        return f"{name}={URL_PH}"

    # --- JSON ---------------------------------------------------------------------------------

    def _harvest_json(self, obj: Any, key: str = "") -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                self._harvest_json(v, str(k))
        elif isinstance(obj, list):
            for v in obj:
                self._harvest_json(v, key)
        elif isinstance(obj, str) and obj.strip():
            nested = _json_value(obj)
            if nested is not None:
                self._harvest_json(nested[0], key)
                return
            kind = _json_kind(key)
            if kind in (NAME, TITLE, BODY) and not (kind == NAME and obj.strip() in SITE_NAMES):
                self.placeholder(obj, kind)
        elif isinstance(obj, int) and not isinstance(obj, bool) and _is_id_key(key):
            self.fake_id(str(abs(obj)))

    def scrub_json(self, obj: Any, key: str = "") -> Any:
        """Same shape, same keys; ids mapped, names/titles/bodies replaced, other strings scrubbed."""
        if isinstance(obj, dict):
            return {k: self.scrub_json(v, str(k)) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.scrub_json(v, key) for v in obj]
        if isinstance(obj, bool) or obj is None or isinstance(obj, float):
            return obj
        if isinstance(obj, int):
            if _is_id_key(key):
                fake = self.fake_id(str(abs(obj)))
                return int(fake) * (1 if obj >= 0 else -1)
            return obj
        if not isinstance(obj, str):
            return obj
        if not obj.strip():
            return obj
        if _is_id_key(key) and obj.isdigit():
            return self.fake_id(obj)
        nested = _json_value(obj)
        if nested is not None:  # JSON inside a JSON string: same treatment, same shape
            return self._dump(self.scrub_json(nested[0], key), nested[1])
        kind = _json_kind(key)
        if kind == "secret":
            return VALUE_PH
        if kind == "email":
            return EMAIL_PH if _EMAIL.search(obj) or "@" in obj else self.scrub_text(obj)
        if kind in (NAME, TITLE, BODY):
            return obj if kind == NAME and obj.strip() in SITE_NAMES else self.placeholder(obj, kind)
        if obj.startswith(("/", "http://", "https://")) and " " not in obj:
            return self.scrub_url(obj)
        return self.scrub_text(obj)

    @staticmethod
    def _dump(value: Any, raw: str) -> str:
        compact = '": ' not in raw and '", ' not in raw and ", " not in raw
        return json.dumps(value, ensure_ascii=raw.isascii(), separators=(",", ":") if compact else None)

    def redact_json(self, text: str) -> str:
        """A JSON document (the inbox API's answer): same shape, redacted values."""
        try:
            value = json.loads(text)
        except ValueError:
            return self.redact_text(text)
        self._avoid |= set(_ALL_DIGITS.findall(text))
        self._harvest_json(value)
        self._prepare(_json_strings(value))
        out = self.scrub_json(value)
        indent = 2 if "\n" in text.strip() else None
        return json.dumps(out, ensure_ascii=text.isascii(), indent=indent)

    # --- HTML ---------------------------------------------------------------------------------

    def redact_html(self, page: str) -> str:
        tree = LexborHTMLParser(page)
        self._avoid |= set(_ALL_DIGITS.findall(page))
        roots: list[LexborNode] = [tree.root] if tree.root is not None else []
        for root in roots:  # the contents of <template> elements are fragments outside the tree
            roots.extend(root.template_fragments())
        nodes = [n for root in roots for n in root.traverse(include_text=True)]
        json_attrs: dict[tuple[int, str], Any] = {}
        for node in nodes:
            if node.is_element_node:
                for name, value in node.attributes.items():
                    parsed = _json_value(value)
                    if parsed is not None:
                        json_attrs[(node.mem_id, name)] = parsed
                        self._harvest_json(parsed[0])
                if node.tag == "script" and _JSON_SCRIPT.match(node.attributes.get("type") or ""):
                    parsed = _json_value(node.text(deep=True))
                    if parsed is not None:
                        json_attrs[(node.mem_id, "#script")] = parsed
                        self._harvest_json(parsed[0])
        plan: dict[int, str] = {}
        for root in roots:
            self._hooks(root, plan)
        texts: list[str] = []
        for node in nodes:
            if node.is_text_node:
                texts.append(node.text_content or "")
            elif node.is_element_node:
                texts.extend(v for v in node.attributes.values() if v)
        for value, _raw in json_attrs.values():
            texts.extend(_json_strings(value))
        self._prepare(texts)
        for node in nodes:
            if node.is_text_node:
                self._text_node(node, plan)
            elif node.is_comment_node:
                content = node.comment_content or ""
                if self.scrub_text(content) != content:
                    node.decompose()
            elif node.is_element_node:
                self._element(node, json_attrs)
        return tree.html or ""

    def _text_node(self, node: LexborNode, plan: dict[int, str]) -> None:
        parent = node.parent
        ptag = parent.tag if parent is not None else ""
        raw = node.text_content or ""
        if ptag in ("style", "script") or inside_tag(node, "time"):
            return  # scripts are handled with their element; <time> is kept whole
        if node.mem_id in plan:
            new = plan[node.mem_id]
        elif ptag == "textarea":
            new = self.placeholder(raw, BODY) if raw.strip() else raw
        else:
            new = self.scrub_text(raw)
        if new != raw:
            node.replace_with(new)

    def _element(self, node: LexborNode, json_attrs: dict[tuple[int, str], Any]) -> None:
        tag = node.tag or ""
        attrs = node.attributes
        itype = (attrs.get("type") or "text").lower()
        for name, value in list(attrs.items()):
            if value is None or value == "":
                continue
            lname = name.lower()
            if (node.mem_id, name) in json_attrs:
                parsed, raw = json_attrs[(node.mem_id, name)]
                new = self._dump(self.scrub_json(parsed), raw)
            elif (tag == "time" and lname == "datetime") or lname == "class" or lname == "style":
                continue
            elif tag == "input" and lname == "value":
                new = self._digits(value) if itype in _KEEP_INPUT_VALUE else VALUE_PH
            elif tag == "meta" and lname == "content":
                meta = (attrs.get("name") or attrs.get("property") or "").lower()
                if meta.startswith("csrf") or _SECRET_KEY.search(_norm_key(meta)):
                    new = VALUE_PH
                elif value.startswith(("http://", "https://", "/")):
                    new = self.scrub_url(value)
                else:
                    new = self.scrub_text(value)
            elif lname in _URL_ATTRS or (tag == "object" and lname == "data"):
                new = self.scrub_url(value)
            elif lname == "srcset":
                new = ", ".join(" ".join([self.scrub_url(p.split()[0]), *p.split()[1:]]) if p.split() else p
                                for p in value.split(","))
            elif lname in _STRUCTURAL or lname in ("id", "name"):
                new = self._digits(value) if lname in ("id", "name") else value
            elif _is_id_key(lname.removeprefix("data-")) and value.isdigit():
                new = self.fake_id(value)
            elif value.startswith(("http://", "https://")) and " " not in value:
                new = self.scrub_url(value)
            else:
                new = self.scrub_text(value)
            if new != value:
                node.attrs[name] = new
        if tag == "script":
            self._script(node, json_attrs)

    def _script(self, node: LexborNode, json_attrs: dict[tuple[int, str], Any]) -> None:
        child = node.child
        if child is None or not child.is_text_node:
            return
        raw = child.text_content or ""
        if not raw.strip():
            return
        if (node.mem_id, "#script") in json_attrs:
            parsed, text = json_attrs[(node.mem_id, "#script")]
            new = self._dump(self.scrub_json(parsed), text).replace("</", "<\\/")
        else:
            new = SCRIPT_PH
        child.replace_with(new)

    def _hooks(self, tree: LexborNode, plan: dict[int, str]) -> None:
        """Text nodes to replace by place: mem_id -> placeholder (the first hook to claim a node wins)."""
        sel = self.sel
        w, t, ib, ct = sel.workroom, sel.thread, sel.inbox, sel.contracts
        fold = t.fold_text.pattern

        def claim(el: LexborNode | None, kind: str, skip_ui: bool = False) -> None:
            if el is None:
                return
            for node in text_nodes(el, skip_ui, fold):
                if node.mem_id in plan:
                    continue
                raw = node.text_content or ""
                if not raw.strip():
                    if not raw.isascii():
                        plan[node.mem_id] = " "
                    continue
                if raw.strip() in SITE_NAMES and (kind == NAME or skip_ui):
                    continue  # the site's own name as a sender or a system label
                plan[node.mem_id] = self.placeholder(raw, kind)

        def each(css: str, kind: str) -> None:
            for el in css_safe(tree, css):
                claim(el, kind)

        each(t.sender.css, NAME)
        each(w.client_link.css, NAME)
        for header in css_safe(tree, sel.session.header.css):  # who is logged in: any text but the links
            for node in text_nodes(header, True, fold):
                text = (node.text_content or "").strip()
                if not inside_tag(node, "a") and text and node.mem_id not in plan:
                    plan[node.mem_id] = self.placeholder(text, NAME)
                    bare = re.sub(r"\s*(?:さん|様|氏)$", "", text)
                    if bare != text and len(bare) >= 2:
                        self.placeholder(bare, NAME)  # 「山田 花子さん、こんにちは」 elsewhere on the page
        for link in css_safe(tree, ct.row_link.css):
            row = closest(link, ct.row.css)
            if row is None:
                continue
            first = next((n for n in text_nodes(row, True, fold) if (n.text_content or "").strip()), None)
            if first is not None and not within(first, link):
                claim(first, NAME)  # the row's first text part is the client's name
            claim(link, TITLE)
        for th in tree.css("th"):
            label = nfkc(th.text())
            if any(label.startswith(a.value) for a in w.title if a.kind == "label"):
                td = th.next
                while td is not None and td.tag != "td":
                    td = td.next
                claim(td, TITLE)
        each("h1", TITLE)
        each(ib.item_title.css, TITLE)
        each(t.body.css, BODY)
        for el in tree.css("[class]"):
            for token in (el.attributes.get("class") or "").split():
                m = _HOOK_CLASS.match(token)
                if m:
                    claim(el, _HOOK_KIND[m.group(1)])
                    break
        for el in tree.css("a[href]"):
            href = el.attributes.get("href") or ""
            path = urlsplit(href).path if "://" in href else href
            if _PROFILE_LINK.search(path):
                claim(el, NAME)
            elif _TITLE_LINK.match(path) and "?" not in href:
                claim(el, TITLE)
        items = list(css_safe(tree, t.message.css)) + [
            el for el in tree.css("[class]")
            if any(_ITEM_CLASS.match(tok) for tok in (el.attributes.get("class") or "").split())]
        for el in items:
            claim(el, BODY, skip_ui=True)

    # --- dispatch -----------------------------------------------------------------------------

    def redact_text(self, text: str) -> str:
        self._avoid |= set(_ALL_DIGITS.findall(text))
        self._prepare([text])
        return self.scrub_text(text)

    def redact_url(self, url: str) -> str:
        self._avoid |= set(_ALL_DIGITS.findall(url))
        self._prepare([url, unquote(url)])
        return self.scrub_url(url)

    def redact(self, content: str) -> str:
        """An HTML page, a JSON document, a URL or a path, or plain text: whichever ``content`` is."""
        head = content.lstrip()[:1]
        if head == "<":
            return self.redact_html(content)
        if head in ("{", "["):
            try:
                json.loads(content)
            except ValueError:
                pass
            else:
                return self.redact_json(content)
        if content.strip() and not any(c.isspace() for c in content.strip()) and (
                content.lstrip().startswith("/") or "://" in content):
            return self.redact_url(content)
        return self.redact_text(content)


# --- helpers ------------------------------------------------------------------------------------


def _sub_outside_placeholders(rx: re.Pattern[str], s: str, ph: str) -> str:
    """``rx.sub(ph, s)`` outside the placeholders already in ``s``."""
    parts = _PLACEHOLDER.split(s)
    for i in range(0, len(parts), 2):
        parts[i] = rx.sub(lambda _m: ph, parts[i])
    return "".join(parts)


def _json_value(raw: str | None) -> tuple[Any, str] | None:
    if not raw:
        return None
    s = raw.strip()
    if not s or s[0] not in "{[":
        return None
    try:
        return json.loads(s), s
    except ValueError:
        return None


def _json_strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _json_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _json_strings(v)
    elif isinstance(obj, str):
        yield obj


def redact_html(html: str, known: Iterable[str] = (), selectors: SelectorSet | None = None) -> str:
    """One page, redacted: see the module's docstring. Use one :class:`Redactor` for several pages."""
    return Redactor(known, selectors).redact_html(html)


def redact_json(text: str, known: Iterable[str] = (), selectors: SelectorSet | None = None) -> str:
    return Redactor(known, selectors).redact_json(text)


def redact_url(url: str, known: Iterable[str] = (), selectors: SelectorSet | None = None) -> str:
    return Redactor(known, selectors).redact_url(url)
