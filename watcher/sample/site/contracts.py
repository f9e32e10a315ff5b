"""The active contracts (``/e/contracts?status=active&page=N``), reader kind ``contracts``.

Twenty contracts a page across three sections (hourly, fixed-price, competition) of ``tr`` rows, or
``div.nodata``; a ``layout_changed`` release shows cards; the smartphone markup shows a list.
"""

from __future__ import annotations

from html import escape

from watcher.sample.scenario import Scenario, SContract
from watcher.sample.site.assets import CARDS_CSS, LIST_CSS
from watcher.sample.site.common import PAGE_SIZE, PAYMENT_NAMES, hashed, pages_of, started_on, style, yen
from watcher.sample.site.frame import page
from watcher.sample.site.routing import Answer, Request, Route

SECTION_TITLES = {"hourly": "時間単価制", "fixed_price": "固定報酬制", "competition": "コンペ"}


def listed_contracts(sc: Scenario) -> list[SContract]:
    """The active list's order: hourly, then fixed-price, then competition; file order within."""
    order = {"hourly": 0, "fixed_price": 1, "competition": 2}
    return sorted(sc.contracts, key=lambda c: order[payment_of(c)])


def payment_of(c: SContract) -> str:
    """The contract's section: its ``payment``, or fixed_price for anything unknown."""
    return c.payment if c.payment in PAYMENT_NAMES else "fixed_price"


def contracts_page(sc: Scenario, page_no: int, changed: bool, empty: bool = False,
                   next_href: str = "", sp: bool = False) -> str:
    """``/e/contracts?status=active&page=N``: twenty contracts a page across three sections."""
    listed = [] if empty else listed_contracts(sc)
    rows = listed[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE]
    total_pages = pages_of(len(listed))
    more = page_no < total_pages or bool(next_href)
    href = escape(next_href) if next_href else f"/e/contracts?status=active&amp;page={page_no + 1}"
    if sp:
        cards = "".join(
            f'<li class="sp-card"><a class="sp-card-link" href="/contracts/{c.id}">'
            f'<span class="sp-card-title">{escape(c.title)}</span>'
            f'<span class="sp-card-client">{escape(sc.clients[c.client].name)}</span>'
            f'<span class="sp-card-status">{escape(c.status)}</span></a></li>' for c in rows)
        body = (f'<h1>契約一覧</h1><ul class="sp-list">{cards or "<li>契約はありません</li>"}</ul>'
                + (f'<a class="sp-more" href="{href}">もっと見る</a>' if more else ""))
        return page("契約一覧", body, True, sc, sp=True)
    if changed:  # a release that moved the list from tables to cards
        tail = "v9v9v"
        cards = "".join(
            f'<div class="{hashed("contractCard", 2, tail)}" role="listitem">'
            f'<span class="{hashed("cardClient", 5, tail)}">{escape(sc.clients[c.client].name)}</span>'
            f'<a href="/contracts/{c.id}">{escape(c.title)}</a>'
            f'<span class="{hashed("cardStatus", 8, tail)}">{escape(c.status)}</span></div>'
            for c in rows)
        if not rows:
            cards = f'<p class="{hashed("empty", 9, tail)}">表示できる契約はありません</p>'
        nav = f'<a rel="next" href="{href}">次へ</a>' if more else ""
        body = (f'<h1>契約一覧</h1><div class="{hashed("contractCards", 1, tail)}" role="list">{cards}</div>'
                f'<nav class="{hashed("pager", 3, tail)}">{nav}</nav>')
        return page("契約一覧", body, True, sc, style(CARDS_CSS.substitute(card=hashed("contractCard", 2, tail))),
                    nav="contracts")
    sections = []
    for kind in ("hourly", "fixed_price", "competition"):
        mine = [c for c in rows if payment_of(c) == kind]
        if mine:
            trs = "".join(
                "<tr>"
                f'<td class="client_name"><a href="/public/employers/{c.client}">'
                f"{escape(sc.clients[c.client].name)}</a></td>"
                f'<td class="contract_title"><a href="/contracts/{c.id}">{escape(c.title)}</a></td>'
                f'<td class="contract_status"><span class="status_label">{escape(c.status)}</span></td>'
                f'<td class="contracted_at">{started_on(c)}</td>'
                f'<td class="price">{yen(c.amount)}</td></tr>'
                for c in mine)
            inner = ('<table class="cw-table contracts_table"><thead><tr><th>クライアント</th>'
                     "<th>契約名</th><th>状態</th><th>契約日</th><th>契約金額（税込）</th></tr></thead>"
                     f"<tbody>{trs}</tbody></table>")
        else:
            inner = '<div class="nodata">契約がありません。</div>'
        sections.append(f'<div class="{kind} section"><h2 class="section_title">{SECTION_TITLES[kind]}</h2>'
                        f"{inner}</div>")
    nav = []
    if page_no > 1:
        nav.append(f'<a rel="prev" href="/e/contracts?status=active&amp;page={page_no - 1}">前へ</a>')
    if more:
        nav.append(f'<a rel="next" href="{href}">次へ</a>')
    pager = f'<div class="pagination">{"".join(nav)}</div>' if nav else ""
    body = f'<h1>契約一覧（進行中）</h1>{"".join(sections)}{pager}'
    return page("契約一覧", body, True, sc, style(LIST_CSS),
                body_class="employee-contracts employee-contracts-index", nav="contracts")


def _contracts(req: Request, _: int) -> Answer:
    faults = req.sc.faults
    return Answer(contracts_page(req.sc, req.page_no, req.changed("contracts"), faults.empty_list,
                                 faults.next_link, req.sp), count="contracts")


ROUTES = (Route("/e/contracts", _contracts),)
