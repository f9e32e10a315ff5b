"""One application (``/proposals/ID``), reader kind ``proposal``: its conditions, its progress
(step 2 of the bar) and its thread. Once a contract came of it, the page redirects to the contract
(seen), even while a scenario still lists the application.
"""

from __future__ import annotations

import re
from html import escape

from watcher.jptime import format_jst
from watcher.sample.scenario import Scenario, SProposal
from watcher.sample.site.common import jst_date, style, yen
from watcher.sample.site.frame import page
from watcher.sample.site.routing import Answer, Request, Route
from watcher.sample.site.thread import sp_thread_page, thread_block, thread_css
from watcher.sample.site.workroom import STEPS, steps_bar, steps_css

PROPOSAL_STEPS = ("募集", *STEPS)  # 応募・スカウト (step 2) is seen; 募集 a guess


def proposal_page(sc: Scenario, p: SProposal, show_all: bool = False, *, sp: bool = False) -> str:
    """``/proposals/ID``: the application's conditions, its progress (step 2) and its thread."""
    cl = sc.clients[p.client]
    if sp:
        return sp_thread_page(sc, p, f"状態: {p.status}", "")
    price = f"固定報酬: {yen(p.amount)}" if p.amount is not None else "固定報酬: -"
    deadline = jst_date(p.deadline or sc.now, weekday=True)
    progress = (f'<div class="progress">{steps_bar(PROPOSAL_STEPS, 1, "progress")}'
                '<div class="progress_detail"><p>応募しました。クライアントからの連絡をお待ちください。</p>'
                "</div></div>")
    conditions = (
        '<div class="cw-box intro-employer_proposed_project"><h2>応募内容</h2>'
        '<table class="conditions cw-table"><tbody>'
        f'<tr><th>仕事</th><td><a href="/public/jobs/{p.job_id}">{escape(p.title)}</a></td></tr>'
        f"<tr><th>クライアント</th><td>{escape(cl.name)}</td></tr>"
        f'<tr><th>契約金額（税込）</th><td class="condition"><span class="quotation_price">{price}</span>'
        f'<div class="deadline">完了予定日: {deadline}</div></td></tr>'
        f'<tr class="last"><th>応募日時</th><td class="created_at">{format_jst(p.applied_at or sc.now)}</td>'
        "</tr></tbody></table></div>"
    )
    thread, scripts = thread_block(sc, p, "Proposal", show_all, False)
    body = (f'<h1 class="proposal_title">{escape(p.title)}</h1><div class="cw-global_row">{progress}</div>'
            f'{conditions}<div class="cw-box message_box"><h2>メッセージ</h2>{thread}</div>')
    return page(f"{p.title} - 応募詳細", body, True, sc, style(steps_css() + thread_css()),
                body_class="employee-proposals employee-proposals-show",
                scripts=scripts, nav="proposals")


def _proposal(req: Request, proposal_id: int) -> Answer | None:
    sc = req.sc
    contract = next((c for c in sc.contracts if c.proposal_id == proposal_id), None)
    if contract is not None:
        return Answer.redirect(f"/contracts/{contract.id}", count="proposal")
    p = sc.proposal(proposal_id)
    if p is None:
        return None
    return Answer(proposal_page(sc, p, sp=req.sp), count="proposal")


ROUTES = (Route(re.compile(r"^/proposals/(\d+)$"), _proposal),)
