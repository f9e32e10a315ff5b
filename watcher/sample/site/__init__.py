"""The sample site's pages, one module per page kind, mirroring the readers' kinds
(``watcher/crowdworks/kinds/<kind>.py``), in the shapes the public evidence shows the real site uses.

Every shape follows ``/work/shared/platform-notes.md`` as corrected by the evidence brief; each one
that nothing public backs is marked *guess* in its module and in docs/scenario.md.

============  ==========================================================================
module        pages
============  ==========================================================================
contracts     ``/e/contracts?status=active&page=N``: three sections of ``tr`` rows
workroom      ``/contracts/ID``: steps, sentences, tables, milestones, the thread
thread        the thread inside a workroom or an application, its ``messages.json`` (kind
              ``thread``) and the message links ``/messages/ID``
inbox         ``/messages/received`` (kind ``inbox``) and the API it loads,
              ``/api/v3/message/list`` (kind ``inbox_api``): the page is a frame for the API
profile       ``/public/employers/ID``: props in ``#vue-container[data]``
proposals     ``/e/proposals?page=N``
proposal      ``/proposals/ID`` (a redirect once a contract came of it)
job           ``/public/jobs/ID``
walls         the login form, the bot check, the two-step page, 404 and 500
dashboard     マイページ, where a login lands (no reader reads it)
evidence      ``/contracts/ID/milestones`` and ``/notifications``: no reader reads them; ``cwwatch
              capture`` saves them (their markup here is the sample's guess)
============  ==========================================================================

Shared by them: ``frame`` (header, footer, :func:`~watcher.sample.site.frame.page`), ``assets``
(every style and script), ``common`` (the release's hash tail, paging, dates, money), ``wording``
(Rails' distance of time, for the last access) and ``routing`` (each kind's ``ROUTES``, gathered
here into :data:`ROUTES`, the server's table).

A "layout changed" variant of a page kind renames the hooks readers rely on, as a release would;
with the cookie ``mobylette_device=sp`` every member page (and the profile) comes in a smartphone
markup that a desktop reader cannot read.

:mod:`watcher.sample.site.pages` names the pages for those who render them without the server
(the tests, the fixture maker, the benchmark).
"""

from __future__ import annotations

from watcher.sample.site import (
    contracts,
    dashboard,
    evidence,
    inbox,
    job,
    profile,
    proposal,
    proposals,
    thread,
    walls,
    workroom,
)
from watcher.sample.site.routing import Route

# Every route of the site, one group per page kind (their paths do not overlap).
ROUTES: tuple[Route, ...] = (
    *walls.ROUTES, *dashboard.ROUTES, *contracts.ROUTES, *workroom.ROUTES, *thread.ROUTES,
    *inbox.ROUTES, *proposals.ROUTES, *proposal.ROUTES, *job.ROUTES, *profile.ROUTES, *evidence.ROUTES,
)
