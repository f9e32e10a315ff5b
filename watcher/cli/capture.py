"""``cwwatch capture``: save the pages one scan sees, redacted, for a bug report or new fixtures.

Names, titles, message bodies, ids, e-mail addresses and tokens are replaced by placeholders
(watcher/crowdworks/redact.py); the markup stays, so the files can become fixtures. The scan itself is a
full scan of the configured account, stored and notified like any other.

After a healthy scan it also saves, as evidence, pages no reader reads (each contract's milestones
page, the notifications feed: watcher/crowdworks/evidence_pages.py), listed apart in the manifest
(``evidence``), so that ``check-pages`` reads only what a scan reads. One that is not available is
listed with the reason and said on the console; it never fails the capture.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from watcher import wiring
from watcher.cli import common
from watcher.cli.check_pages import MANIFEST
from watcher.crowdworks.evidence_pages import Evidence, contracts_read, evidence_paths, read_evidence
from watcher.crowdworks.kinds.workroom import thread_id_of
from watcher.crowdworks.redact import Redactor
from watcher.i18n import _, ngettext
from watcher.paths import write_private


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("capture", help=_("save the pages a scan sees, redacted, for a bug report"),
                       description=_("Run a full scan and save every page it read, with names, message "
                                     "bodies, ids, e-mail addresses and tokens replaced by placeholders."))
    p.add_argument("--out", metavar=_("DIR"),
                   help=_("folder to write (default: a new folder under the state dir)"))
    p.add_argument("--no-notify", action="store_true", help=_("no desktop notifications"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from watcher.scan import run_scan

    env = wiring.env_of(args)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out).expanduser() if args.out else env.paths.capture_dir(stamp)
    env.paths.ensure(out)
    pages: list[tuple[str, str, str, datetime]] = []
    notifier = wiring.notifier_of(env.config, sys.stderr, desktop=not args.no_notify)
    creds_source = wiring.keyring_credentials(env.config.email, env.config.keyring_timeout_s)
    try:
        with wiring.scanning(env, notifier, creds_source) as ctx:
            clock = ctx.clock
            ctx.on_page = lambda kind, url, text: pages.append((kind, url, text, clock()))
            result = run_scan(ctx, full=True)
            known = ctx.store.personal_strings()
            evidence: list[Evidence] = []
            if result.healthy:  # never after a scan that could not see: each page would only time out
                site = ctx.make_site(False)  # the scan's saved session; no login for evidence
                evidence = read_evidence(site, evidence_paths(site, contracts_read((k, u) for k, u, _t, _w in pages)))
    finally:
        notifier.close()
    creds = creds_source()
    if creds is not None:
        known |= {creds.email, creds.password}
    write_capture(out, pages, Redactor(known, env.selectors), env, result.healthy,
                  [p.to_json() for p in result.problems], evidence)
    print(ngettext("cwwatch: {n} page or answer saved, redacted, in {folder} (manifest: {manifest})",
                   "cwwatch: {n} pages and answers saved, redacted, in {folder} (manifest: {manifest})",
                   len(pages)).format(n=len(pages), folder=out, manifest=MANIFEST))
    saved = sum(1 for e in evidence if e.text is not None)
    if saved:
        print(ngettext("cwwatch: {n} page no scan reads saved as evidence (milestones, notifications)",
                       "cwwatch: {n} pages no scan reads saved as evidence (milestones, notifications)",
                       saved).format(n=saved))
    for e in evidence:
        if e.text is None:
            print(_("cwwatch: {path} was not available ({reason}); nothing saved for it").format(
                path=e.path, reason=e.reason))
    if not result.healthy:
        print(_("cwwatch: the scan could not see: the milestones and notifications pages were not asked for"))
    print(_("cwwatch: look them over before you send them: the redaction is thorough, not infallible"))
    print(_("cwwatch: check them with: {command}").format(command=f"cwwatch check-pages {out}"))
    return int(common.exit_code(result))


def write_capture(out: Path, pages: list[tuple[str, str, str, datetime]], redactor: Redactor, env: wiring.Env,
                  healthy: bool, problems: list[dict[str, str]], evidence: list[Evidence] = ()) -> None:  # type: ignore[assignment]
    """Every page and JSON answer, redacted, and a manifest: each file's kind, URL, time and, for a
    workroom page, the URL of its thread's JSON (so ``check-pages`` reads it as a scan would); then
    the evidence pages (``evidence``: file, kind, URL, time, grade ``guess``, or ``available: false``
    and the reason), apart from ``pages``, which ``check-pages`` reads."""
    entries = []
    for n, (kind, url, text, fetched_at) in enumerate(pages, start=1):
        is_json = text.lstrip()[:1] in ("{", "[")
        name = f"{n:03d}-{kind}.{'json' if is_json else 'html'}"
        write_private(out / name, redactor.redact(text))
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1]
        entry = {"file": name, "kind": kind, "url": redactor.redact_url(path),
                 "fetched_at": fetched_at.isoformat()}
        if kind in ("workroom", "workroom_more"):
            thread_id = thread_id_of(text, env.selectors)
            if thread_id is not None:
                entry["thread_url"] = redactor.redact_url(env.selectors.urls.thread_json.format(id=thread_id))
        entries.append(entry)
    extra = []
    for n, e in enumerate(evidence, start=len(pages) + 1):
        item: dict[str, object] = {"kind": e.kind, "url": redactor.redact_url(e.path), "grade": "guess"}
        if e.text is None:
            item |= {"available": False, "reason": redactor.redact_text(e.reason)}
        else:
            name = f"{n:03d}-{e.kind}.html"
            write_private(out / name, redactor.redact(e.text))
            item |= {"available": True, "file": name, "fetched_at": e.fetched_at.isoformat()}
        extra.append(item)
    write_private(out / MANIFEST, json.dumps(
        {"schema": 1, "healthy": healthy, "problems": problems, "pages": entries, "evidence": extra},
        ensure_ascii=False, indent=2))
