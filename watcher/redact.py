"""Redaction of saved pages, so a user can attach what the scanner saw to a bug report. Pure.

Two passes over the HTML text:

1. every string the caller knows to be personal (names, titles, message bodies, the e-mail, the
   password, cookie values) is replaced wherever it appears, raw, HTML-escaped or JSON-escaped,
   longest first;
2. patterns catch the rest: the text of message bodies, titles and sender names by their markup
   hooks, e-mail addresses, long tokens, ids in links and in JSON (mapped to stable fake ids with
   the same number of digits, so links still match within a capture), hidden input values and
   script bodies.

Markup (tags, class names, attribute names, the JSON's shape), status labels, 「最終アクセス」 texts
and ``<time datetime>`` values are kept: the page stays useful as a fixture.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{24,}(?![A-Za-z0-9_\-])")
_ID_PATH = re.compile(r"(/(?:contracts|proposals|public/employers|public/employees|messages)/)(\d+)")
_ID_JSON = re.compile(r"((?:&quot;|\")(?:id|messageableId|proposalId|thread_id|contract_id|user_id|employer_id)"
                      r"(?:&quot;|\")\s*:\s*)(\d+)")
_ID_ATTR = re.compile(r"(data-(?:thread|message|contract|user)-id=\")(\d+)")
_SCRIPT = re.compile(r"(<script\b[^>]*>)(.*?)(</script>)", re.S | re.I)
_HIDDEN = re.compile(r"(<input\b[^>]*type=\"hidden\"[^>]*value=\")([^\"]*)", re.I)
_META = re.compile(r"(<meta\b[^>]*name=\"csrf-[^\"]*\"[^>]*content=\")([^\"]*)", re.I)
# Text inside the elements that carry people's words and names (by the site's class-name hooks).
_TEXT_HOOKS = re.compile(
    r"(<(?P<tag>[a-z0-9]+)\b[^>]*class=\"[^\"]*_(?:messageBody|contractTitle|senderName|clientName|clientLink|"
    r"contractLink|messageTitle|cardClient)_[^\"]*\"[^>]*>)(?P<inner>.*?)(</(?P=tag)>)", re.S)
_TEXT = re.compile(r">([^<>]+)<")
_NAME_JSON = re.compile(r"((?:&quot;|\")(?:display_name|displayName|name|title|sender_name|body)(?:&quot;|\")\s*:\s*"
                        r"(?:&quot;|\"))(.*?)((?:&quot;|\"))")


class Redactor:
    """One redaction table for a set of pages: the same id or name maps to the same placeholder."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self.known = sorted({k for k in known if k and len(k.strip()) >= 2}, key=len, reverse=True)
        self.ids: dict[str, str] = {}
        self.names: dict[str, str] = {}

    def fake_id(self, real: str) -> str:
        if real not in self.ids:
            n = len(self.ids) + 1
            self.ids[real] = str(10 ** (len(real) - 1) + n)[-len(real):] if len(real) > 1 else str(n % 10)
        return self.ids[real]

    def placeholder(self, text: str) -> str:
        if text not in self.names:
            self.names[text] = f"〈伏字{len(self.names) + 1}〉"
        return self.names[text]

    def _variants(self, s: str) -> list[str]:
        out = {s, html.escape(s, quote=True), html.escape(s, quote=False),
               json.dumps(s, ensure_ascii=False)[1:-1], json.dumps(s)[1:-1]}
        out.add(html.escape(json.dumps(s, ensure_ascii=False)[1:-1], quote=True))
        return sorted(out, key=len, reverse=True)

    def _harvest(self, page: str) -> None:
        """Names and words found by their hooks are personal wherever else they appear."""
        found: set[str] = set()
        for m in _NAME_JSON.finditer(page):
            try:
                found.add(json.loads('"' + html.unescape(m.group(2)) + '"'))
            except ValueError:
                found.add(html.unescape(m.group(2)))
        for m in _TEXT_HOOKS.finditer(page):
            for t in _TEXT.findall(">" + m.group("inner") + "<"):
                found.add(html.unescape(t).strip())
        new = {f for f in found if len(f.strip()) >= 2 and "〈" not in f} - set(self.known)
        if new:
            self.known = sorted(set(self.known) | new, key=len, reverse=True)

    def redact(self, page: str) -> str:
        self._harvest(page)
        out = page
        for k in self.known:
            ph = self.fake_id(k) if k.isdigit() else self.placeholder(k)
            for v in self._variants(k):
                out = out.replace(v, ph)
            for line in k.splitlines():  # bodies are rendered one paragraph per line
                if len(line.strip()) >= 2:
                    for v in self._variants(line.strip()):
                        out = out.replace(v, ph)
        out = _SCRIPT.sub(lambda m: m.group(1) + ("/* 〈script〉 */" if m.group(2).strip() else "") + m.group(3), out)
        out = _TEXT_HOOKS.sub(self._hook_text, out)
        out = _NAME_JSON.sub(lambda m: m.group(1) + self.placeholder(m.group(2)) + m.group(3)
                             if m.group(2) and "〈" not in m.group(2) else m.group(0), out)
        out = _HIDDEN.sub(lambda m: m.group(1) + "〈値〉", out)
        out = _META.sub(lambda m: m.group(1) + "〈値〉", out)
        out = _EMAIL.sub("user@example.invalid", out)
        out = _ID_PATH.sub(lambda m: m.group(1) + self.fake_id(m.group(2)), out)
        out = _ID_JSON.sub(lambda m: m.group(1) + self.fake_id(m.group(2)), out)
        out = _ID_ATTR.sub(lambda m: m.group(1) + self.fake_id(m.group(2)), out)
        return _TOKEN.sub(_token, out)

    def _hook_text(self, m: re.Match[str]) -> str:
        inner = _TEXT.sub(lambda t: ">" + (self.placeholder(t.group(1).strip()) if t.group(1).strip()
                                           and "〈" not in t.group(1) else t.group(1)) + "<",
                          ">" + m.group("inner") + "<")[1:-1]
        if "<" not in m.group("inner") and m.group("inner").strip() and "〈" not in m.group("inner"):
            inner = self.placeholder(m.group("inner").strip())
        return m.group(1) + inner + m.group(4)


def _token(m: re.Match[str]) -> str:
    """A long run of letters and digits is a token (a session, a key), unless it is a CSS-module class name."""
    t = m.group(0)
    if t.startswith("_") or sum(ch.isdigit() for ch in t) < 2 or not any(ch.isalpha() for ch in t):
        return t
    return "〈token〉"


def redact_html(page: str, known: Iterable[str] = ()) -> str:
    return Redactor(known).redact(page)
