"""The walls: pages that stand between a scan and the member page it asked for. Pure: no I/O.

:func:`recognise` tells the login page, a two-step page, a captcha, a bot check and the 404 page
from an ordinary page, and reads the header's JSON (logged in or not, the worker's id) where the
page has one. :data:`WALL_PROBLEMS` says what each wall means for a saved page read by
``check-pages``. Every text and selector comes from the ``[login]`` and ``[session]`` sections of
the selector set, each with its grade: the header JSON's login flag is *seen*; the walls' texts
are *reported*, their markup *guesses* (docs/site.md, platform-notes.md).
"""

from __future__ import annotations

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


def recognise(tree: Tree, url: str, status: int, sel: SelectorSet) -> Recognised:
    """What kind of page ``tree`` (answered ``status`` at ``url``) is: a wall, or an ordinary page.

    A page whose header says it is logged in (seen) is a member page, never a wall. Never raises.
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
    if walled and (any(t in body_text or t in heading for t in lg.bot_check_texts.texts)
                   or tree.css_first(lg.bot_check.css) is not None):
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
    return Recognised(kind, logged_in, err_text or None, worker_id)
