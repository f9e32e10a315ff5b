"""A job (``/public/jobs/ID``, public), reader kind ``job``: the job and a link to its client."""

from __future__ import annotations

import re
from html import escape

from watcher.sample.scenario import Scenario, SContract, SProposal
from watcher.sample.site.common import PAYMENT_NAMES
from watcher.sample.site.frame import page
from watcher.sample.site.routing import Answer, Request, Route


def find_job(sc: Scenario, job_id: int) -> SContract | SProposal | None:
    """The contract or application this job led to."""
    for owner in (*sc.contracts, *sc.proposals):
        if owner.job_id == job_id:
            return owner
    return None


def job_page(sc: Scenario, owner: SContract | SProposal, logged_in: bool) -> str:
    """``/public/jobs/ID`` (public): the job and a link to its client."""
    cl = sc.clients[owner.client]
    payment = owner.payment if isinstance(owner, SContract) else "fixed_price"
    state = "募集終了" if isinstance(owner, SContract) else "募集中"
    body = (f'<div class="cw-box job_offer"><h1>{escape(owner.title)}</h1>'
            f'<p class="job_state"><span class="status_label">{state}</span> {PAYMENT_NAMES[payment]}</p>'
            f'<div class="client_info">クライアント: <a href="/public/employers/{cl.id}">{escape(cl.name)}</a>'
            "</div><h2>仕事の詳細</h2><p>詳細はクライアントとのメッセージでご確認ください。</p></div>")
    return page(owner.title, body, logged_in, sc if logged_in else None, nav="jobs")


def _job(req: Request, job_id: int) -> Answer | None:
    owner = find_job(req.sc, job_id)
    if owner is None:
        return None
    return Answer(job_page(req.sc, owner, req.logged_in), count="job")


ROUTES = (Route(re.compile(r"^/public/jobs/(\d+)$"), _job, "public"),)
