"""Two member pages no reader reads, which ``cwwatch capture`` saves so that a user's capture shows
whether the site keeps a delivery date there (issue 17):

- ``/contracts/ID/milestones``: the page exists (the client pays escrow there; reported, S6);
  whether a worker may open it and what it lists is unknown.
- ``/notifications`` (お知らせ): a feed of contract events (reported from an old userscript, its
  markup a guess for today).

Everything on them here is the sample's **guess**, kept plain: a table of the milestones with their
state, and a list of events with their day. Neither shows a delivery time. While a contract waits
for escrow its milestones page refuses the worker (403), also a guess, so that a capture meets a
refused page as it may on the real site.
"""

from __future__ import annotations

import re
from html import escape

from watcher.sample.scenario import Scenario, SContract
from watcher.sample.site.common import jst_date, yen
from watcher.sample.site.frame import page
from watcher.sample.site.routing import Answer, Request, Route
from watcher.sample.site.workroom import contract_state

_STATE_WORDS = {"escrow": "仮払い待ち", "working": "作業中", "acceptance": "検収中", "ending": "契約終了手続き中",
                "finished": "完了"}


def milestones_page(sc: Scenario, c: SContract) -> str:
    """``/contracts/ID/milestones``: each milestone, its amount and state (the sample's guess)."""
    each = c.amount // len(c.milestone_ids) if c.amount is not None else None
    state = _STATE_WORDS.get(contract_state(c), c.status)
    rows = "".join(f"<tr><td>第{n}回</td><td>{yen(each)}</td><td>{escape(state)}</td></tr>"
                   for n, _mid in enumerate(c.milestone_ids, 1))
    body = (f'<div class="cw-box"><h1>マイルストーン</h1><p><a href="/contracts/{c.id}">{escape(c.title)}</a></p>'
            '<table class="milestones cw-table"><thead><tr><th>マイルストーン</th><th>金額（税込）</th><th>状態</th>'
            f"</tr></thead><tbody>{rows}</tbody></table></div>")
    return page("マイルストーン", body, True, sc, nav="contracts")


def notifications_page(sc: Scenario) -> str:
    """``/notifications`` (お知らせ): the contracts' events, newest first (the sample's guess)."""
    items = []
    for c in sorted(sc.contracts, key=lambda c: c.id, reverse=True):
        first = min((m.at for m in c.messages), default=sc.now)
        items.append(f'<li><a class="cwv-table-message" href="/contracts/{c.id}">「{escape(c.title)}」の契約が'
                     f"成立しました。</a> <span class=\"date\">{jst_date(first)}</span></li>")
    body = f'<div class="cw-box"><h1>お知らせ</h1><ul class="notifications">{"".join(items)}</ul></div>'
    return page("お知らせ", body, True, sc)


def _milestones(req: Request, cid: int) -> Answer | None:
    c = req.sc.contract(cid)
    if c is None:
        return None
    if contract_state(c) == "escrow":
        refused = '<div class="cw-box"><p>このページを表示する権限がありません。</p></div>'
        return Answer(page("アクセスできません", refused, True, req.sc), status=403, count="milestones")
    return Answer(milestones_page(req.sc, c), count="milestones")


def _notifications(req: Request, _: int) -> Answer:
    return Answer(notifications_page(req.sc), count="notifications")


ROUTES = (
    Route(re.compile(r"^/contracts/(\d+)/milestones$"), _milestones),
    Route("/notifications", _notifications),
)
