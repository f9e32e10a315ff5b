"""マイページ (``/dashboard``): where a login lands. No reader reads it; it links the member pages."""

from __future__ import annotations

from html import escape

from watcher.sample.scenario import Scenario
from watcher.sample.site.frame import page
from watcher.sample.site.inbox import inbox_entries
from watcher.sample.site.routing import Answer, Request, Route


def dashboard(sc: Scenario, sp: bool = False) -> str:
    """``/dashboard`` (マイページ): counts and links; where a login lands."""
    n_active = len(sc.contracts)
    unanswered = sum(1 for e in inbox_entries(sc) if not e["is_replied"])
    links = ('<li><a href="/e/contracts?status=active">契約一覧（進行中）</a></li>'
             '<li><a href="/messages/received">受信メッセージ</a></li>'
             '<li><a href="/e/proposals">応募した仕事</a></li>')
    if sp:
        body = (f"<h1>マイページ</h1><ul class=\"sp-list\"><li class=\"sp-card\">進行中の契約 {n_active}件</li>"
                f"<li class=\"sp-card\">未返信のメッセージ {unanswered}件</li></ul><ul>{links}</ul>")
        return page("マイページ", body, True, sc, sp=True)
    body = (f'<h1>マイページ</h1><div class="cw-box"><p>{escape(sc.worker.name)}さん、こんにちは。</p>'
            f"<p>進行中の契約: {n_active}件　／　返信待ちのスレッド: {unanswered}件</p>"
            f"<ul>{links}</ul></div>")
    return page("マイページ", body, True, sc, nav="dashboard")


def _dashboard(req: Request, _: int) -> Answer:
    return Answer(dashboard(req.sc, req.sp), count="dashboard")


ROUTES = (Route("/dashboard", _dashboard),)
