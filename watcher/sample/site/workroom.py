"""The contract page (``/contracts/ID``), reader kind ``workroom``.

Server-rendered: ``ul.progress`` steps and ``div.progress_detail`` sentences (the state), the
sidebar (which links another employer before the contract's own client), ``table.contract``,
``table.conditions``, the milestones with their delivery forms, and the thread
(:mod:`watcher.sample.site.thread`). A ``layout_changed`` release drops ``ul.progress`` and renames
the thread's hooks; the smartphone markup shows bubbles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

from watcher.sample.scenario import Scenario, SContract
from watcher.sample.site.assets import STEPS_CSS
from watcher.sample.site.common import (
    CHANGED_RELEASE,
    PAYMENT_NAMES,
    ex_tax,
    hashed,
    other_employers,
    started_on,
    style,
    yen,
)
from watcher.sample.site.frame import page
from watcher.sample.site.routing import Answer, Request, Route
from watcher.sample.site.thread import sp_thread_page, thread_block, thread_css

# The progress bar's steps. 応募・スカウト (step 2 of an application's bar) and 納品 are seen; the rest a
# guess. 業務 and 納品 stay two steps: a reader finds the delivery step by its exact text 「納品」.
STEPS = ("応募・スカウト", "契約", "仮払い", "業務", "納品", "検収", "評価")
ACCEPTANCE_LABELS = ("納品済み", "納品完了", "検収中")
FINISHED_LABELS = ("完了", "契約完了")
SENTENCES = {
    "escrow": "クライアントが仮払いを行っています。仮払いが完了するまで業務を開始しないでください。",
    "working": "仮払いが完了しました。業務を開始しています。",
    "acceptance": "クライアント（発注者）が検収を行っています。検収完了までしばらくお待ちください。",
    "ending": "契約終了の同意を待っています。",
    "finished": "この契約は完了しました。",
}
_CURRENT_STEP = {"escrow": 2, "working": 3, "acceptance": 5, "ending": 3, "finished": 6}


def steps_css(changed: bool = False) -> str:
    """The progress bar's styles, naming the classes of its release only."""
    if changed:
        t = CHANGED_RELEASE
        return STEPS_CSS.substitute(box=hashed("stateCard", 20, t), steps=hashed("stepper", 21, t),
                                    note=hashed("stateNote", 22, t))
    return STEPS_CSS.substitute(box="progress", steps="progress", note="progress_detail")


def contract_state(c: SContract) -> str:
    """``escrow``, ``working``, ``acceptance``, ``ending``, ``finished`` or ``other``."""
    if c.status in ACCEPTANCE_LABELS:
        return "acceptance"
    if c.status == "契約終了同意待ち":
        return "ending"
    if c.status in FINISHED_LABELS:
        return "finished"
    if c.status in ("仮払い待ち", "進行中"):
        return "working" if c.escrow_deposited else "escrow"
    return "other"


def steps_bar(labels: Iterable[str], current: int, cls: str) -> str:
    """The progress bar: steps before ``current`` done, ``current`` current."""
    lis = []
    for i, label in enumerate(labels):
        state = ' class="done"' if i < current else (' class="current"' if i == current else "")
        lis.append(f"<li{state}>{label}</li>")
    return f'<ul class="{cls}">{"".join(lis)}</ul>'


def _milestones(c: SContract, state: str) -> str:
    """The milestone rows, with their delivery forms while working (open) or delivered (hidden)."""
    ids = c.milestone_ids
    each = c.amount // len(ids) if c.amount is not None else None
    row_state = {"escrow": "仮払い待ち", "working": "作業中", "acceptance": "検収中", "ending": "契約終了手続き中",
                 "finished": "完了"}.get(state, c.status)
    rows, dialogs = [], []
    for n, mid in enumerate(ids, 1):
        opener = ""
        if state == "working":
            opener = f'<a class="cw-button" href="#message-dialog-completion-{mid}">納品する</a>'
        rows.append(f'<tr id="milestone-{mid}"><td>第{n}回</td><td>{yen(each)}</td>'
                    f"<td>{escape(row_state)}</td><td>{opener}</td></tr>")
        if state in ("working", "acceptance"):
            done = state == "acceptance"  # delivered: the form stays, hidden, its button disabled
            form_style = ' style="display:none"' if done else ""
            disabled = " disabled" if done else ""
            dialogs.append(
                f'<div id="message-dialog-completion-{mid}" class="message-dialog"><div class="dialog_inner">'
                f"<h3>納品完了報告（第{n}回）</h3>"
                f'<form action="/milestones/{mid}/complete" method="post" class="milestone_complete"'
                f'{form_style}><p>納品物とメッセージを送り、クライアントに確認を依頼します。</p>'
                '<textarea name="message[body]"></textarea>'
                f'<p><input type="submit" name="commit" value="納品完了報告をする" class="cw-button"{disabled}> '
                '<a href="#" class="dialog_close">キャンセル</a></p></form></div></div>')
    return ('<div class="cw-box milestones_box"><h2>マイルストーン</h2>'
            '<table class="milestones cw-table"><thead><tr><th>マイルストーン</th><th>金額（税込）</th>'
            f'<th>状態</th><th></th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f'{"".join(dialogs)}</div>')


def _conditions(payment: str, amount: int | None) -> str:
    """「固定報酬制 15,000円（税抜）」."""
    name = PAYMENT_NAMES.get(payment, PAYMENT_NAMES["fixed_price"])
    price = f"{ex_tax(amount):,}円（税抜）" if amount is not None else "-"
    return f"{name} {price}"


def workroom(sc: Scenario, c: SContract, show_all: bool = False, changed: bool = False, *,
             sp: bool = False) -> str:
    """``/contracts/ID``: the server-rendered summary, the milestones, and the thread."""
    cl = sc.clients[c.client]
    state = contract_state(c)
    if sp:
        return sp_thread_page(sc, c, f"状態: {c.status}", SENTENCES.get(state, ""))
    detail = f"<p>{SENTENCES[state]}</p>" if state in SENTENCES else f"<p>状態: {escape(c.status)}</p>"
    if state == "finished":
        detail += (f'<div class="action"><a class="cw-button" href="/contracts/{c.id}/feedbacks/new">'
                   "評価を入力する</a></div>")
    current = _CURRENT_STEP.get(state, 3 if c.escrow_deposited else 2)
    if changed:  # the release that dropped ul.progress and div.progress_detail
        progress = (f'<div class="{hashed("stateCard", 20, CHANGED_RELEASE)}">'
                    f'{steps_bar(STEPS, current, hashed("stepper", 21, CHANGED_RELEASE))}'
                    f'<div class="{hashed("stateNote", 22, CHANGED_RELEASE)}">{detail}</div></div>')
    else:
        progress = (f'<div class="progress">{steps_bar(STEPS, current, "progress")}'
                    f'<div class="progress_detail">{detail}</div></div>')
    summary = (
        '<div class="cw-box contract_summary"><table class="contract cw-table"><tbody>'
        f'<tr><th>契約名</th><td><a href="/public/jobs/{c.job_id}">{escape(c.title)}</a></td></tr>'
        f'<tr><th>クライアント</th><td><a href="/public/employers/{cl.id}">{escape(cl.name)}</a></td></tr>'
        f"<tr><th>契約金額（税込）</th><td>{yen(c.amount)}</td></tr>"
        f"<tr><th>契約日</th><td>{started_on(c)}</td></tr></tbody></table>"
        '<h2>契約条件</h2><table class="conditions recent_condition cw-table"><tbody>'
        f"<tr><th>発注者</th><td>{escape(cl.name)}</td></tr>"
        f'<tr><th>支払い方式</th><td class="condition">{_conditions(c.payment, c.amount)}</td></tr>'
        f"<tr><th>マイルストーン数</th><td>{len(c.milestone_ids)}</td></tr></tbody></table></div>"
    )
    thread, scripts = thread_block(sc, c, "Contract", show_all, changed)
    recommended = "".join(f'<li><a href="/public/employers/{eid}">{escape(name)}</a></li>'
                          for eid, name in other_employers(sc, cl.id))
    side = (
        '<aside class="cw-global_side">'
        '<div class="side_box help_box"><h3>検収について</h3>'
        "<p>納品後、クライアントが納品物を確認して検収します。検収期間の目安は納品から1週間です。</p>"
        f'<p><a href="/contracts/{c.id}/contact_reminders/new">{escape(c.contact_link)}</a></p></div>'
        f'<div class="side_box recommend_box"><h3>おすすめのクライアント</h3><ul>{recommended}</ul></div>'
        '<div class="side_box"><h3>関連リンク</h3><ul><li><a href="/e/contracts?status=active">契約一覧へ戻る</a>'
        '</li><li><a href="/messages/received">メッセージ一覧</a></li></ul></div></aside>'
    )
    body = (
        f'<h1 class="contract_title">{escape(c.title)}</h1>'
        f'<div class="cw-global_row">{progress}</div>'
        f'<div class="cw-global_row with_side">{side}<div class="cw-global_main">{summary}'
        f'{_milestones(c, state)}<div class="cw-box message_box"><h2>メッセージ</h2>{thread}</div>'
        "</div></div>"
    )
    return page(f"{c.title} - 契約詳細", body, True, sc, style(steps_css(changed) + thread_css(changed)),
                body_class="employee-contracts employee-contracts-show",
                scripts=scripts, nav="contracts")


def _workroom(req: Request, contract_id: int) -> Answer | None:
    c = req.sc.contract(contract_id)
    if c is None:
        return None
    return Answer(workroom(req.sc, c, False, req.changed("workroom"), sp=req.sp), count="workroom")


ROUTES = (Route(re.compile(r"^/contracts/(\d+)$"), _workroom),)
