"""The client profile (``/public/employers/ID``, public), reader kind ``profile``.

The props sit as JSON in ``div#vue-container[data]`` (key tree seen in two independent readers):
the client's record and ``last_accessed_at`` in Rails' wording (:mod:`watcher.sample.site.wording`),
hidden when the scenario hides it. The visible sidebar repeats the last access
(``_lastActivity_``), the completion rate and the ratings. A ``layout_changed`` release moves the
props and renames their keys; the smartphone markup shows a card.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import escape
from typing import Any

from watcher.sample.scenario import Scenario, SClient, SRating
from watcher.sample.site.assets import PROFILE_CSS
from watcher.sample.site.common import RELEASE, data_attr, hashed, jst_date, jst_iso, stars, style
from watcher.sample.site.frame import page
from watcher.sample.site.routing import Answer, Request, Route
from watcher.sample.site.wording import last_access_text, visible_last_access

RATING_ITEMS = ("仕事内容", "コミュニケーション", "スケジュール", "報酬")  # labels: a guess



def _created(sc: Scenario, cl: SClient) -> datetime:
    """When the client registered: given, or about three years before the scenario's now."""
    return cl.created_at or (sc.now - timedelta(days=1100))


def _job_offers(sc: Scenario, cl: SClient) -> list[dict[str, Any]]:
    """The client's jobs: those of the scenario's contracts (closed) and applications (open)."""
    offers: list[dict[str, Any]] = [
        {"job_offer_id": c.job_id, "job_offer_title": c.title, "is_active": False, "contracted": True,
         "payment_type": c.payment} for c in sc.contracts if c.client == cl.id]
    offers += [{"job_offer_id": p.job_id, "job_offer_title": p.title, "is_active": True, "contracted": False,
                "payment_type": "fixed_price"} for p in sc.proposals if p.client == cl.id]
    return offers


def profile_json(sc: Scenario, cl: SClient, logged_in: bool) -> dict[str, Any]:
    """The props of ``div#vue-container[data]`` (key tree seen in two independent readers)."""
    user: dict[str, Any] = {"id": cl.id, "display_name": cl.name}
    if cl.last_access_text:
        user["last_accessed_at"] = cl.last_access_text
    elif cl.last_access is not None:  # hidden: the key is absent (a guess)
        user["last_accessed_at"] = last_access_text(sc.now, cl.last_access)
    user.update({
        "identity_verified": cl.identity_verified, "is_certified_employer": cl.certified,
        "is_employer_rule_check_succeeded": cl.rule_check, "is_official_account": False,
        "feedback": {"average_score": cl.rating, "total_count": cl.rating_count},
        "job_offer_achievement_count": cl.jobs_posted,
        "project_finished_data": {"rate": cl.completion_rate, "total_acceptance_count": cl.acceptance_count,
                                  "total_finished_count": cl.finished_count},
        "created_at": jst_iso(_created(sc, cl)), "prefecture_name": cl.prefecture,
    })
    ratings = [{"user_id": 955600001 + k, "average_score": r.score, "comment": r.comment,
                "job_offer_id": 990000001 + (cl.id % 10000) * 100 + k, "job_offer_title": r.job,
                "rated_at": jst_iso(r.at) if r.at else None, "private": False}
               for k, r in enumerate(cl.ratings)]
    logged = {"id": sc.worker.id, "display_name": sc.worker.name} if logged_in else None
    return {
        "public_employer_page_json": {
            "employer_user": {"id": cl.id, "display_name": cl.name, "is_certified_employer": cl.certified},
            "logged_in_user": logged},
        "employer_profile_json": {"employer_user": user, "toggle_follow_button_is_available": logged_in},
        "employer_profile_summary_json": {
            "user_id": cl.id,
            "company_profile": {"description": cl.description, "url": cl.url or None},
            "feedback": {
                "total_rating": {"average_score": cl.rating, "evaluation_count": cl.rating_count,
                                 "rating_item_scores": [{"label_text": label, "score": cl.rating}
                                                        for label in RATING_ITEMS]},
                "user_ratings": ratings},
            "job_offers": _job_offers(sc, cl),
            "job_categories": [],
        },
        "is_mobile": False,
    }


def _rating_html(r: SRating) -> str:
    """One rating of the profile's comment list: stars, score, job, date, comment."""
    date = f'<span class="rating_date">{jst_date(r.at)}</span>' if r.at else ""
    return (f'<div class="rating_item"><p class="rating_head">{stars(r.score)}<strong>{r.score:.1f}</strong>'
            f'<span class="rating_job">{escape(r.job)}</span>{date}</p>'
            f'<p class="rating_comment">{escape(r.comment)}</p></div>')


def profile(sc: Scenario, cl: SClient, logged_in: bool, changed: bool, sp: bool = False) -> str:
    """``/public/employers/ID`` (public): the props in ``#vue-container[data]`` and the sidebar."""
    words = last_access_text(sc.now, cl.last_access) if cl.last_access else None
    shown = visible_last_access(words) if words else None
    if cl.last_access_text:
        shown = cl.last_access_text
    frame_sc = sc if logged_in else None
    if sp:
        body = (f'<div class="sp-profile"><h1>{escape(cl.name)}</h1>'
                + (f'<p class="sp-last-access">最終アクセス: {shown}</p>' if shown else "")
                + f'<p>完了率 {cl.completion_rate}%（完了数 {cl.finished_count} / 契約数 {cl.acceptance_count}）</p>'
                f'<p>本人確認: {"済み" if cl.identity_verified else "未確認"}</p></div>')
        return page(f"{cl.name}のプロフィール", body, logged_in, frame_sc, sp=True)
    props = profile_json(sc, cl, logged_in)
    if changed:  # a release that moved the props, renamed their keys and dropped _lastActivity_
        t = "z0z0z"
        moved = {"employer": {"userId": cl.id, "displayName": cl.name, "lastSeen": words,
                              "verified": cl.identity_verified,
                              "completion": {"ratePercent": cl.completion_rate, "done": cl.finished_count,
                                             "total": cl.acceptance_count}}}
        body = (f'<div id="employer-profile-app" data-props="{data_attr(moved)}">'
                f'<div class="{hashed("layout", 1, t)}"><aside class="{hashed("side", 2, t)}">'
                f'<h1>{escape(cl.name)}</h1>'
                + (f'<div class="{hashed("activity", 3, t)}">ログイン: {shown}</div>' if shown else "")
                + f'<div class="{hashed("completion", 4, t)}">{cl.finished_count} / {cl.acceptance_count}</div>'
                "</aside></div></div>")
        return page(f"{cl.name}のプロフィール", body, logged_in, frame_sc)
    t = RELEASE
    access = f'<p class="{hashed("lastActivity", 55, t)}">最終アクセス: {shown}</p>' if shown else ""
    badges = "".join(
        f'<li class="{"is-ok" if ok else "is-ng"}">{label}: {"済み" if ok else "未確認"}</li>'
        for label, ok in (("本人確認", cl.identity_verified), ("発注ルールチェック", cl.rule_check)))
    if cl.certified:
        badges += '<li class="is-ok">認定クライアント</li>'
    if cl.rating_count:
        score = (f'{stars(cl.rating)}<strong class="score_value">{cl.rating:.1f}</strong>'
                 f'<span class="score_count">（{cl.rating_count}件）</span>')
    else:
        score = '<span class="score_none">評価はまだありません</span>'
    ratings = "".join(_rating_html(r) for r in cl.ratings) or "<p>公開されている評価コメントはありません。</p>"
    offers = "".join(f'<li>{escape(o["job_offer_title"])}{"（募集中）" if o["is_active"] else ""}</li>'
                     for o in _job_offers(sc, cl)) or "<li>公開中の仕事はありません。</li>"
    about = escape(cl.description) if cl.description else "会社概要は登録されていません。"
    url = f'<p><a href="{escape(cl.url)}" rel="nofollow">{escape(cl.url)}</a></p>' if cl.url else ""
    rate = max(0, min(100, cl.completion_rate))
    sidebar = (
        f'<div class="{hashed("normanEmployerProfilePageSidebar", 34, t)}"><div>'
        f'<div class="{hashed("imageContainer", 19, t)}"><div class="{hashed("profileImage", 21, t)}">'
        f'{escape(cl.name[:1])}</div><div class="{hashed("displayName", 23, t)}"><strong>{escape(cl.name)}</strong>'
        f"</div>{access}</div>"
        f'<ul class="{hashed("badges", 60, t)}">{badges}</ul>'
        f'<div class="{hashed("projectFinishedRateContainer", 95, t)}"><div class="rate_head">プロジェクト完了率 '
        f'<strong class="rate_value">{cl.completion_rate}%</strong></div>'
        f'<div class="rate_meter{" is-low" if rate < 80 else ""}"><span style="width:{rate}%"></span></div>'
        f'<div class="{hashed("projectFinishedRateDetail", 2, t)}">完了数 {cl.finished_count} / 契約数 '
        f"{cl.acceptance_count}</div></div>"
        f'<div class="{hashed("ratingSummary", 80, t)}"><div class="side_label">評価</div>{score}</div>'
        f'<dl class="{hashed("facts", 70, t)}">'
        f"<dt>募集実績</dt><dd>{cl.jobs_posted}件（契約 {cl.jobs_contracted}件）</dd>"
        f"<dt>所在地</dt><dd>{escape(cl.prefecture)}</dd>"
        f"<dt>登録日</dt><dd>{jst_date(_created(sc, cl))}</dd></dl></div></div>"
    )
    main = (f'<div class="{hashed("profileMain", 40, t)}"><div class="cw-box"><h1>{escape(cl.name)}</h1>'
            f"<h2>会社概要</h2><p>{about}</p>{url}</div>"
            f'<div class="cw-box"><h2>評価・コメント</h2>{ratings}</div>'
            f'<div class="cw-box"><h2>仕事の依頼実績</h2><ul>{offers}</ul></div></div>')
    body = (f'<div id="vue-container" data="{data_attr(props)}"><div class="{hashed("bodyPc", 2, t)}">'
            f'<div class="{hashed("contentPc", 17, t)}"><div>{sidebar}{main}</div></div></div></div>')
    css = PROFILE_CSS.substitute(
        side=hashed("normanEmployerProfilePageSidebar", 34, t), content=hashed("contentPc", 17, t),
        image=hashed("imageContainer", 19, t), picture=hashed("profileImage", 21, t),
        access=hashed("lastActivity", 55, t),
        main=hashed("profileMain", 40, t), name=hashed("displayName", 23, t), badges=hashed("badges", 60, t),
        rate=hashed("projectFinishedRateContainer", 95, t), detail=hashed("projectFinishedRateDetail", 2, t),
        score=hashed("ratingSummary", 80, t), facts=hashed("facts", 70, t))
    return page(f"{cl.name}のプロフィール", body, logged_in, frame_sc, style(css))


def _profile(req: Request, client_id: int) -> Answer | None:
    cl = req.sc.clients.get(client_id)
    if cl is None:
        return None
    odd = client_id in req.sc.faults.odd_profiles  # this one profile in a layout the readers do not know
    return Answer(profile(req.sc, cl, req.logged_in, req.changed("profile") or odd, req.sp), count="profile")


ROUTES = (Route(re.compile(r"^/public/employers/(\d+)$"), _profile, "public"),)
