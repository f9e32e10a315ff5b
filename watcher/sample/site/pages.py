"""The sample site's pages by name, for those who render them without the server: the tests, the
fixture maker (``tests/make_fixtures.py``) and the benchmark. Each lives in its page kind's module.
"""

from __future__ import annotations

from watcher.sample.site.assets import CHALLENGE_JS
from watcher.sample.site.common import PAGE_SIZE, pages_of
from watcher.sample.site.contracts import contracts_page, listed_contracts
from watcher.sample.site.dashboard import dashboard
from watcher.sample.site.inbox import inbox_entries, inbox_json, inbox_page
from watcher.sample.site.job import find_job, job_page
from watcher.sample.site.profile import profile, profile_json
from watcher.sample.site.proposal import proposal_page
from watcher.sample.site.proposals import proposals_page
from watcher.sample.site.thread import FOLD_AFTER, find_message, message_ids, thread_json
from watcher.sample.site.walls import bot_check_page, login_page, not_found_page, server_error_page, two_step_page
from watcher.sample.site.wording import last_access_text, visible_last_access
from watcher.sample.site.workroom import workroom

__all__ = [
    "CHALLENGE_JS", "FOLD_AFTER", "PAGE_SIZE", "bot_check_page", "contracts_page", "dashboard",
    "find_job", "find_message", "inbox_entries", "inbox_json", "inbox_page", "job_page", "last_access_text",
    "listed_contracts", "login_page", "message_ids", "not_found_page", "pages_of", "profile", "profile_json",
    "proposal_page", "proposals_page", "server_error_page", "thread_json", "two_step_page",
    "visible_last_access", "workroom",
]
