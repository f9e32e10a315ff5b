"""A client's public profile, ``/public/employers/ID``: who they are, when they last visited (the
``#vue-container`` JSON, seen; the visible 「最終アクセス: …」 line as the fallback) and their record.

Record for ``check-pages``: ``{"client_id", "name", "last_access": null | {"text", "earliest",
"latest"}, "last_access_unreadable", "identity_verified", ...the record}``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from watcher.crowdworks.dom import (
    Trace,
    Tree,
    as_int,
    data_json,
    hook_first,
    int_from,
    json_path,
    node_text,
    page_name,
    parse_html,
    trace_or_new,
)
from watcher.crowdworks.kinds.base import Kind, Saved, iso
from watcher.crowdworks.wording import find_relative
from watcher.errors import ExtractionError
from watcher.jptime import TimeParseError, normalize, parse_site_datetime
from watcher.models import ClientRecord, ClientSeen, Rating

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import Hook, SelectorSet


def _flag(v: Any) -> bool | None:
    return v if isinstance(v, bool) else None


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _count(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _when(v: Any) -> datetime | None:
    if not isinstance(v, str) or not v.strip():
        return None
    try:
        return parse_site_datetime(v.strip())
    except TimeParseError:
        return None


def _record(user: dict[str, Any], summary: Any, sel: SelectorSet, tr: Trace) -> ClientRecord:
    p = sel.profile

    def get(hook: Hook, obj: Any = user) -> Any:
        v = json_path(obj, hook.value)
        if v is not None:
            tr.hit(hook, hook.first.grade)
        return v

    ratings: list[Rating] = []
    raw = get(p.ratings, summary) if isinstance(summary, dict) else None
    for r in raw if isinstance(raw, list) else []:
        if isinstance(r, dict):
            comment, job, at = (json_path(r, h.value) for h in (p.rating_comment, p.rating_job, p.rating_at))
            ratings.append(Rating(_num(json_path(r, p.rating_score.value)), comment if isinstance(comment, str) else "",
                                  job if isinstance(job, str) else "", at if isinstance(at, str) else ""))
    jobs = get(p.job_offers, summary) if isinstance(summary, dict) else None
    jobs = [j for j in jobs if isinstance(j, dict)] if isinstance(jobs, list) else None
    pref = get(p.prefecture)
    return ClientRecord(
        identity_verified=_flag(get(p.identity_verified)), rule_check_passed=_flag(get(p.rule_check)),
        certified=_flag(get(p.certified)), official=_flag(get(p.official)), rating=_num(get(p.rating)),
        rating_count=_count(get(p.rating_count)), jobs_contracted=_count(get(p.jobs_contracted)),
        completion_rate=_num(get(p.completion_rate)), acceptance_count=_count(get(p.acceptance_count)),
        finished_count=_count(get(p.finished_count)), created_at=_when(get(p.created_at)),
        prefecture=pref if isinstance(pref, str) and pref else None, ratings=tuple(ratings),
        jobs_posted=len(jobs) if jobs is not None else None,
        jobs_posted_contracted=sum(1 for j in jobs if json_path(j, p.job_contracted.value) is True)
        if jobs is not None else None)


_PROFILE_URL = re.compile(r"/public/employers/(\d+)")


def extract_profile(doc: str | Tree, sel: SelectorSet, url: str, fetched_at: datetime,
                    trace: Trace | None = None) -> ClientSeen:
    """``/public/employers/ID``: the client's name, last access and record.

    The ``#vue-container`` JSON is read first (seen: ``employer_profile_json.employer_user``), the
    visible 「最終アクセス: …」 line as the fallback. A last access that is absent, null or empty is
    hidden (a legitimate state); a wording no rule reads leaves it unknown (``last_access_unreadable``),
    never a made-up time. Relative times are anchored at ``fetched_at``. Raises ExtractionError.
    """
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = trace_or_new(trace)
    p = sel.profile
    page = page_name("profile", url)
    container, _ = hook_first(tree, p.container, tr)
    if container is None:
        raise ExtractionError(page, "profile data", f"no element matches {p.container.css!r}")
    pdata = data_json(container, page, "profile data")
    user = json_path(pdata, p.user.value)
    if not isinstance(user, dict):
        raise ExtractionError(page, p.user.value, "missing from the profile data")
    tr.hit(p.user, p.user.first.grade)
    public = json_path(pdata, p.public_user.value)
    public = public if isinstance(public, dict) else {}
    if public:
        tr.hit(p.public_user, p.public_user.first.grade)
    from_url = int_from(_PROFILE_URL, urlsplit(url).path)
    uid = from_url if from_url is not None else as_int(public.get(p.id.value)) or as_int(user.get(p.id.value))
    if uid is None:
        raise ExtractionError(page, p.id.value, "no id in the URL or the profile data")
    tr.hit(p.id, p.id.first.grade)
    name = user.get(p.display_name.value) or public.get(p.display_name.value)
    if not isinstance(name, str) or not name.strip():
        raise ExtractionError(page, p.display_name.value, "missing")
    tr.hit(p.display_name, p.display_name.first.grade)
    texts: list[tuple[str, str]] = []  # (text, hook)
    json_text = user.get(p.last_access.value)
    if isinstance(json_text, str) and json_text.strip():
        texts.append((normalize(json_text), p.last_access.name))
    label_re = re.compile(rf"^\s*(?:{p.last_activity_label.value})\s*[:：]?\s*(.*)$", re.I | re.S)
    for node in tree.css(p.last_activity.css):
        m = label_re.match(node_text(node))
        if m and m.group(1).strip():
            texts.append((m.group(1).strip(), p.last_activity.name))
    summary = json_path(pdata, p.summary.value)
    record = _record(user, summary, sel, tr)
    unreadable: str | None = None
    for raw, hook in texts:
        found = find_relative(raw, fetched_at)
        if found is not None:
            tr.hit(hook, sel.hook(hook).first.grade)
            return ClientSeen(uid, name.strip(), found[1], found[0], fetched_at, record)
        if raw.split(" ")[0] in p.hidden_texts.texts:
            tr.hit(p.hidden_texts, p.hidden_texts.first.grade)
            return ClientSeen(uid, name.strip(), None, None, fetched_at, record)
        unreadable = unreadable or raw
    if unreadable is not None:
        tr.miss("last access", f"unreadable {unreadable!r}: unknown, not hidden")
        return ClientSeen(uid, name.strip(), None, None, fetched_at, record, last_access_unreadable=unreadable)
    tr.miss("last access", "not shown (hidden)")
    return ClientSeen(uid, name.strip(), None, None, fetched_at, record)


def profile_json(c: ClientSeen) -> dict[str, Any]:
    """A profile's record for ``check-pages``."""
    r = c.record
    iv = c.last_access
    return {
        "client_id": c.client_id, "name": c.name,
        "last_access": None if iv is None else {"text": c.last_access_text, "earliest": iso(iv.earliest),
                                                 "latest": iso(iv.latest)},
        "last_access_unreadable": c.last_access_unreadable,
        "identity_verified": r.identity_verified, "rule_check_passed": r.rule_check_passed,
        "certified": r.certified, "rating": r.rating, "rating_count": r.rating_count,
        "completion_rate": r.completion_rate, "acceptance_count": r.acceptance_count,
        "finished_count": r.finished_count, "jobs_contracted": r.jobs_contracted,
        "jobs_posted": r.jobs_posted, "jobs_posted_contracted": r.jobs_posted_contracted,
        "created_at": iso(r.created_at), "prefecture": r.prefecture,
        "ratings": [{"score": x.score, "comment": x.comment, "job": x.job, "rated_at": x.rated_at} for x in r.ratings],
    }


class Profile(Kind):
    name = "profile"
    fixtures: ClassVar[tuple[str, ...]] = (
        "from-notes/profile/profile_hidden_key_absent",
        "from-notes/profile/profile_hidden_null",
        "from-notes/profile/profile_json_only_ascii_escaped",
        "from-notes/profile/profile_visible_fullwidth_colon",
        "profile/profile_changed",
        "profile/profile_days",
        "profile/profile_english",
        "profile/profile_fullwidth_colon",
        "profile/profile_hidden",
        "profile/profile_hidden_null",
        "profile/profile_hours",
        "profile/profile_json_only",
        "profile/profile_just_now",
        "profile/profile_minutes",
        "profile/profile_months",
        "profile/profile_page_only",
        "profile/profile_record",
        "profile/profile_unreadable_access",
    )

    def recognise(self, content: Any, sel: SelectorSet) -> bool:
        return content.css_first(sel.profile.container.css) is not None

    def record(self, saved: Saved, sel: SelectorSet, trace: Trace) -> dict[str, Any]:
        return profile_json(extract_profile(saved.page, sel, saved.url, saved.fetched_at, trace))


KIND = Profile()
