"""The walls: pages that stand between a scan and the member page it asked for. Pure: no I/O.

:func:`recognise` tells the login page, a two-step page, a captcha, a bot check and the 404 page
from an ordinary page, and reads the header's JSON (logged in or not, the worker's id) where the
page has one. A challenge is told by protocol first (:func:`challenge_header`: the firewall's own
header; :func:`challenge_script`: the challenge platform's script on a page without the site's header),
in any language, then by its words. :data:`WALL_PROBLEMS` says what each wall means for a saved page
read by ``check-pages``. Every text and selector comes from the ``[login]`` and ``[session]`` sections of
the selector set, each with its grade: the header JSON's login flag is *seen*; the walls' texts
are *reported*, their markup *guesses* (docs/site.md, platform-notes.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from watcher.crowdworks.dom import Tree, as_int, closest, data_json, hook_first, json_path, node_text
from watcher.errors import ExtractionError
from watcher.i18n import N_
from watcher.models import HealthKind, PageKind

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import SelectorSet


@dataclass(frozen=True)
class Recognised:
    kind: PageKind | None  # None: an ordinary page
    logged_in: bool | None  # from the header JSON, when the page has the header
    login_error: str | None  # the text of a login failure message
    worker_id: int | None  # from the header JSON (a guess: never required)
    header: bool = False  # the page carries the site's header (``[session] header``, seen)
    challenge: str | None = None  # what told a challenge by protocol (a header, the platform's script)


# What a wall means for a page saved as a member page: (health problem, why; to be translated).
WALL_PROBLEMS: dict[PageKind, tuple[HealthKind, str]] = {
    PageKind.LOGIN: (HealthKind.LOGGED_OUT, N_("this is the login page, not a member page")),
    PageKind.TWO_STEP: (HealthKind.LOGIN_CHALLENGE, N_("this is the two-step authentication page")),
    PageKind.CAPTCHA: (HealthKind.LOGIN_CHALLENGE, N_("this is a captcha page")),
    PageKind.BOT_CHECK: (HealthKind.LOGIN_CHALLENGE, N_("this is a bot check (「人間であることを確認します」)")),
    PageKind.NOT_FOUND: (HealthKind.LAYOUT_CHANGED, N_("this is the 404 page")),
}


def _heading(tree: Tree) -> str:
    """The page's title and first heading: where a 404 page says so (a message body may quote it)."""
    return " ".join(node_text(tree.css_first(css)) for css in ("title", "h1"))


def _visible_captcha(tree: Tree, sel: SelectorSet) -> bool:
    """A challenge the person must solve; an invisible reCAPTCHA badge on every login page is not one."""
    invisible = sel.login.captcha_invisible.css
    for node in tree.css(sel.login.captcha.css):
        if node.css_matches(invisible) or closest(node, invisible) is not None:
            continue
        return True
    return False


def challenge_header(headers: Mapping[str, str], sel: SelectorSet) -> str | None:
    """The firewall's own word that an answer is a challenge, whatever the page says and in any
    language: ``"cf-mitigated: challenge"`` (Cloudflare), ``"x-amzn-waf-action: challenge"`` or
    ``captcha`` (AWS WAF), as ``[login] challenge_headers`` lists them (reported: the vendors'
    documentation). ``headers``: the answer's headers (names in any case). None: no such header."""
    low = {k.lower(): v.strip().lower() for k, v in headers.items()}
    for text in sel.login.challenge_headers.texts:
        name, _sep, value = text.partition(":")
        if low.get(name.strip().lower()) == value.strip().lower():
            return f"{name.strip()}: {low[name.strip().lower()]}"
    return None


def challenge_script(tree: Tree, sel: SelectorSet) -> str | None:
    """The challenge platform's script on the page (its ``src`` or its inline text), as ``[login]
    challenge_scripts`` lists the markers (``/cdn-cgi/challenge-platform/``, AWS WAF's
    ``AwsWafIntegration``; reported). None: no such script."""
    markers = sel.login.challenge_scripts.texts
    for node in tree.css("script"):
        src = (node.attributes.get("src") or "") if node.attributes else ""
        text = node.text(deep=True) or ""
        for m in markers:
            if m in src or m in text:
                return m
    return None


def recognise(tree: Tree, url: str, status: int, sel: SelectorSet,
              headers: Mapping[str, str] | None = None) -> Recognised:
    """What kind of page ``tree`` (answered ``status`` at ``url`` with ``headers``) is: a wall, or an
    ordinary page.

    A challenge is told by protocol first (the firewall's header, the challenge platform's script:
    ``Recognised.challenge`` says which), then by words. A page whose header says it is logged in
    (seen) is a member page, never a wall, unless the firewall's own header says otherwise. Never raises.
    """
    lg = sel.login
    s = sel.session
    logged_in: bool | None = None
    worker_id: int | None = None
    header, _ = hook_first(tree, s.header)
    if header is not None:
        try:
            hdata = data_json(header, "header", "header")
        except ExtractionError:
            hdata = {}
        flag = json_path(hdata, s.header_is_login.value)
        logged_in = flag if isinstance(flag, bool) else None
        worker_id = as_int(json_path(hdata, s.header_user_id.value))
    body_text = node_text(tree.body) if tree.body is not None else ""
    form, _ = hook_first(tree, lg.form)
    err_node, _ = hook_first(tree, lg.error)
    err_text = node_text(err_node) if err_node is not None else None
    if not err_text and form is not None:
        err_text = next((t for t in lg.error_texts.texts if t in body_text), None)
    heading = _heading(tree)
    kind: PageKind | None = None
    # A page whose header says it is logged in (seen) is a member page, never a wall: the walls'
    # texts (reported) and markup (guesses) could otherwise match a message or a widget on it.
    walled = logged_in is not True
    # The platform's script only on a page without the site's header: Cloudflare also injects its
    # detection script (/cdn-cgi/challenge-platform/scripts/jsd/…) into ordinary pages, the login page too.
    challenge = challenge_header(headers or {}, sel) or (challenge_script(tree, sel) if header is None else None)
    if challenge is not None or (walled and (any(t in body_text or t in heading for t in lg.bot_check_texts.texts)
                                             or tree.css_first(lg.bot_check.css) is not None)):
        kind = PageKind.BOT_CHECK
    elif walled and (lg.two_step_url.value in url or (
            any(t in body_text for t in lg.two_step_texts.texts) and tree.css_first("input") is not None)):
        kind = PageKind.TWO_STEP
    elif walled and _visible_captcha(tree, sel):
        kind = PageKind.CAPTCHA
    elif walled and form is not None:
        kind = PageKind.LOGIN
    elif status == 404 or any(t in heading for t in lg.not_found_texts.texts):
        kind = PageKind.NOT_FOUND
    return Recognised(kind, logged_in, err_text or None, worker_id, header is not None, challenge)
