"""The worker's applications (``/e/proposals?page=N``), reader kind ``proposals``: twenty a page,
newest first, with numbered paging links and ``a[rel="next"]``.
"""

from __future__ import annotations

from html import escape

from watcher.jptime import format_jst
from watcher.sample.scenario import Scenario, SProposal
from watcher.sample.site.common import PAGE_SIZE, pages_of
from watcher.sample.site.frame import page
from watcher.sample.site.routing import Answer, Request, Route


def listed_proposals(sc: Scenario) -> list[SProposal]:
    """Applications, newest first."""
    return sorted(sc.proposals, key=lambda p: (p.applied_at or sc.now, p.id), reverse=True)


def proposals_page(sc: Scenario, page_no: int, sp: bool = False) -> str:
    """``/e/proposals?page=N``: the worker's applications, 20 a page, newest first."""
    listed = listed_proposals(sc)
    rows = listed[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE]
    total = pages_of(len(listed))
    if sp:
        cards = "".join(f'<li class="sp-card"><a href="/proposals/{p.id}">{escape(p.title)}</a>'
                        f'<span>{escape(p.status)}</span></li>' for p in rows)
        return page("応募した仕事", f'<h1>応募した仕事</h1><ul class="sp-list">{cards}</ul>', True, sc, sp=True)
    trs = "".join(
        f'<tr><td class="title"><a href="/proposals/{p.id}">{escape(p.title)}</a></td>'
        f"<td>{escape(sc.clients[p.client].name)}</td>"
        f'<td class="created_at">{format_jst(p.applied_at or sc.now)}</td>'
        f'<td class="status"><span class="status_label">{escape(p.status)}</span></td></tr>'
        for p in rows)
    if not trs:
        trs = '<tr><td colspan="4" class="nodata">応募した仕事はありません。</td></tr>'
    links = ""
    if total > 1:
        current = ' class="current"'
        parts = [f'<a href="/e/proposals?page={n}"{current if n == page_no else ""}>{n}</a>'
                 for n in range(1, total + 1)]
        if page_no < total:
            parts.append(f'<a rel="next" href="/e/proposals?page={page_no + 1}">次へ</a>')
        links = f'<div class="pagination">{"".join(parts)}</div>'
    body = ('<h1>応募した仕事</h1><div class="applications section"><table class="proposals cw-table">'
            "<thead><tr><th>仕事</th><th>クライアント</th><th>応募日時</th><th>状態</th></tr></thead>"
            f"<tbody>{trs}</tbody></table></div>{links}")
    return page("応募した仕事", body, True, sc, body_class="employee-proposals employee-proposals-index",
                nav="proposals")


def _proposals(req: Request, _: int) -> Answer:
    return Answer(proposals_page(req.sc, req.page_no, req.sp), count="proposals")


ROUTES = (Route("/e/proposals", _proposals),)
