"""``cwwatch capture``: save the pages one scan sees, redacted, for a bug report or new fixtures.

Names, titles, message bodies, ids, e-mail addresses and tokens are replaced by placeholders
(watcher/crowdworks/redact.py); the markup stays, so the files can become fixtures. The scan itself is a
full scan of the configured account, stored and notified like any other.
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
    finally:
        notifier.close()
    creds = creds_source()
    if creds is not None:
        known |= {creds.email, creds.password}
    write_capture(out, pages, Redactor(known, env.selectors), env, result.healthy,
                  [p.to_json() for p in result.problems])
    print(ngettext("cwwatch: {n} page or answer saved, redacted, in {folder} (manifest: {manifest})",
                   "cwwatch: {n} pages and answers saved, redacted, in {folder} (manifest: {manifest})",
                   len(pages)).format(n=len(pages), folder=out, manifest=MANIFEST))
    print(_("cwwatch: look them over before you send them: the redaction is thorough, not infallible"))
    print(_("cwwatch: check them with: {command}").format(command=f"cwwatch check-pages {out}"))
    return int(common.exit_code(result))


def write_capture(out: Path, pages: list[tuple[str, str, str, datetime]], redactor: Redactor, env: wiring.Env,
                  healthy: bool, problems: list[dict[str, str]]) -> None:
    """Every page and JSON answer, redacted, and a manifest: each file's kind, URL, time and, for a
    workroom page, the URL of its thread's JSON (so ``check-pages`` reads it as a scan would)."""
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
    write_private(out / MANIFEST, json.dumps(
        {"schema": 1, "healthy": healthy, "problems": problems, "pages": entries}, ensure_ascii=False, indent=2))
