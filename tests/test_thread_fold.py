"""Whether a thread is folded (「他のN件のメッセージを表示」) is read from the thread's own text around
its messages: the control folds, a message that quotes its words does not."""

from __future__ import annotations

from pathlib import Path

from watcher.crowdworks import selectors as selectorset
from watcher.crowdworks.kinds.workroom import extract_contract_page

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "html" / "workroom"
URL = "https://crowdworks.jp/contracts/963710005"
QUOTE = "「他の３件のメッセージを表示」を押すと古いメッセージが出ます。"
CONTROL = '<button type="button" class="cw-button">他の 3 件のメッセージを表示</button>'


def _page(name: str) -> str:
    return (FIXTURES / f"{name}.html").read_text(encoding="utf-8")


def test_a_message_quoting_the_fold_control_is_not_a_fold() -> None:
    sel = selectorset.load()
    html = _page("workroom_in_progress")
    assert not extract_contract_page(html, sel, URL).folded
    quoted = html.replace("業務を開始してください。</p>", f"業務を開始してください。</p><p>{QUOTE}</p>", 1)
    assert quoted != html
    page = extract_contract_page(quoted, sel, URL)
    assert not page.folded
    assert any("他の３件のメッセージを表示" in m.body for m in page.messages)


def test_the_control_among_the_messages_is_a_fold_whatever_its_class() -> None:
    sel = selectorset.load()
    html = _page("workroom_in_progress")
    folded = html.replace('<div class="_messageThread_iq3vm_1">', '<div class="_messageThread_iq3vm_1">' + CONTROL, 1)
    assert folded != html
    assert extract_contract_page(folded, sel, URL).folded
    assert extract_contract_page(_page("workroom_in_acceptance_folded"), sel, URL).folded


def test_the_control_split_by_inline_markup_is_still_a_fold() -> None:
    """The control's words broken by an icon, a <wbr> or a <br> (each read as the text of several
    elements, which the thread's text joins with spaces) are still its words."""
    sel = selectorset.load()
    html = _page("workroom_in_progress")
    for control in ('<button type="button">他の9件の<i class="icon"></i>メッセージを表示</button>',
                    '<button type="button">他の9件の<wbr>メッセージを表示</button>',
                    '<button type="button">他の9件のメッセージを<br>表示</button>',
                    '<button type="button">他の<span>9</span>件のメッセージを表示</button>'):
        root = '<div class="_messageThread_iq3vm_1">'
        folded = html.replace(root, root + control, 1)
        assert folded != html
        assert extract_contract_page(folded, sel, URL).folded, control
