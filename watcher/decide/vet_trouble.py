"""Trouble words in rating comments: ``find_trouble(comment) -> tuple[Trouble, ...]``.

Pure text matching: a comment (Japanese, as the profile page shows it) comes in, is folded to NFKC
without spaces, and the words of payment, acceptance or contact trouble it uses come out in order,
each with its topic (``TOPIC_LABELS`` ids) and the clause it stands in (20 characters at most).
A neutral or negated use (「支払いはスムーズ」, 「未払いもなく」) or a worry rather than an event
(「未払いが心配でしたが」) does not count. No times, nothing read or written, nothing raised.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from watcher.i18n import N_

# A word alone, or a stem with what must follow it (a regex; "" = the word is bad in itself).
# Stems like 支払 or 検収 are neutral (「支払いはスムーズ」, 「迅速な検収」): they count only with a
# negative (ない, ず, ません) or a delay (遅れ, 遅延) right after them.
_NEG = r"(?:な[いくか]|ず|ませ)"
_LATE = r"(?:遅[れいくか]|遅延)"
_GIVE = r"(?:もらえ|いただけ|頂け|くれ|下さら|くださら)"
_SLOW = r"(?:なかなか)?"  # 「連絡がなかなか取れず」
_NONE = rf"(?:[がはも]{_SLOW}(?:{_NEG}|ありませ)|なし|無し)"

_TROUBLE: dict[str, tuple[str, str]] = {
    # payment
    "未払い": ("payment", ""),
    "不払い": ("payment", ""),
    "踏み倒": ("payment", ""),
    "支払": ("payment", rf"われ{_NEG}|い{_NONE}|いされ{_NEG}|い(?:[がはも]|の)?{_LATE}"
                        rf"|(?:って|い)(?:を)?(?:して)?{_GIVE}{_NEG}"),
    "振込": ("payment", rf"み?{_NONE}|み?(?:[がはも]|の)?{_LATE}|まれ{_NEG}|んで{_GIVE}{_NEG}"),
    "振り込": ("payment", rf"み{_NONE}|み(?:[がはも]|の)?{_LATE}|まれ{_NEG}|んで{_GIVE}{_NEG}"),
    "入金": ("payment", rf"[がはも]?{_SLOW}され{_NEG}|{_NONE}|(?:[がはも]|の)?{_LATE}|(?:を)?して{_GIVE}{_NEG}"),
    "仮払い": ("payment", rf"[がはも]?{_SLOW}され{_NEG}|{_NONE}|(?:[がはも]|の)?{_LATE}|(?:を)?して{_GIVE}{_NEG}"),
    # acceptance
    "検収": ("acceptance", rf"[がはも]?{_SLOW}され{_NEG}|{_NONE}|(?:[がはも]|の)?{_LATE}"
                           rf"|(?:を)?(?:して)?{_GIVE}{_NEG}"),
    # contact
    "連絡": ("contact", rf"(?:[がはも]{_SLOW}(?:取れ|とれ|つ[かき]|付[かき]|来|こ|返って)?{_NEG}|なし|無し)"
                        rf"|[がはも](?:途絶|途切|とだえ)|(?:[がはも]|の)?{_LATE}|を(?:して)?{_GIVE}{_NEG}"),
    "返信": ("contact", rf"(?:[がはも]{_SLOW}(?:来|こ|返って)?{_NEG}|なし|無し)|[がはも](?:途絶|途切|とだえ)"
                        rf"|(?:[がはも]|の)?{_LATE}|を(?:して)?{_GIVE}{_NEG}"),
    "返事": ("contact", rf"(?:[がはも]{_SLOW}(?:来|こ|返って)?{_NEG}|なし|無し)|[がはも](?:途絶|途切|とだえ)"
                        rf"|(?:[がはも]|の)?{_LATE}|を(?:して)?{_GIVE}{_NEG}"),
    "音信不通": ("contact", ""),
    "音沙汰": ("contact", rf"[がはも]?(?:{_NEG}|なし|無し)"),
    "既読無視": ("contact", ""),
    "既読スルー": ("contact", ""),
    "途中で": ("contact", r"[^。、,.!?]{0,8}?(?:音信|連絡が(?:取れ|とれ|つか|途絶|途切)|返信が(?:な|途絶|途切)"
                          r"|打ち切|打切|キャンセル|放置|途絶|途切|いなくな|消え|中止|終了|逃げ)"),
    "キャンセル": ("acceptance", r"(?!料|ポリシー|規定|規約)"),  # the work ended unaccepted
    "放置": ("contact", ""),
}
TROUBLE_WORDS: tuple[str, ...] = tuple(_TROUBLE)
TOPIC_LABELS: dict[str, str] = {"payment": N_("payment"), "acceptance": N_("acceptance of the work"),
                                "contact": N_("communication")}

_TROUBLE_RE = tuple(
    (word, topic, re.compile(re.escape(word) + (f"(?:{after})" if after else "")))
    for word, (topic, after) in sorted(_TROUBLE.items(), key=lambda kv: -len(kv[0]))
)
# What follows a match and takes it back, within the same clause: 「未払いもなく」, 「未払いの心配はありません」,
# 「返信が遅れることは一度もなかった」, 「未払いなし」, or a worry rather than an event (「未払いが心配でしたが」,
# 「支払われないのではと不安でしたが」); a worry after an event does not (「連絡もなく不安でした」).
_CLAUSE = r"[^。、,.!?]"
_CANCEL = re.compile(
    rf"{_CLAUSE}{{0,10}}?[もはが](?:一切|全く|まったく|特に|全然|一度も|何も)?(?:な[いくかし]|無[いくかし]|ありませ|ございませ)"
    r"|(?:な[しく]|無[しく]|ゼロ)"
    rf"|[のがをにもは](?:心配|不安|懸念|恐れ|おそれ)"
    rf"|{_CLAUSE}{{0,6}}?(?:のでは|んじゃ|かも|か)(?:と|って)?(?:心配|不安|懸念|思)"
)


_CLAUSE_TEXT = re.compile(rf"{_CLAUSE}{{1,20}}")  # what a quote shows: the clause from the word on


def _fold(text: str) -> str:
    """NFKC, without spaces: the form trouble words are matched in."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class Trouble:
    word: str  # the TROUBLE_WORDS entry
    topic: str  # payment, acceptance, contact
    text: str  # what the comment said, from the word to the end of its clause (NFKC, no spaces, 20 at most)


def find_trouble(comment: str) -> tuple[Trouble, ...]:
    """The trouble words a rating comment uses, in order; a negated or positive use does not count."""
    s = _fold(comment)
    hits: list[tuple[int, Trouble]] = []
    taken: set[int] = set()  # a longer word's match hides the shorter ones inside it
    for word, topic, rx in _TROUBLE_RE:
        for m in rx.finditer(s):
            span = set(range(m.start(), m.end()))
            if span & taken or _CANCEL.match(s, m.end()):
                continue
            taken |= span
            clause = _CLAUSE_TEXT.match(s, m.start())
            text = clause.group(0) if clause and len(clause.group(0)) >= len(m.group(0)) else m.group(0)
            hits.append((m.start(), Trouble(word, topic, text)))
    return tuple(t for _pos, t in sorted(hits, key=lambda h: h[0]))
