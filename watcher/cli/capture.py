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

from watcher.cli import common
from watcher.paths import write_private


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("capture", help="save the pages a scan sees, redacted, for a bug report",
                       description="Run a full scan and save every page it read, with names, message "
                       "bodies, ids, e-mail addresses and tokens replaced by placeholders.")
    p.add_argument("--out", metavar="DIR", help="folder to write (default: a new folder under the state dir)")
    p.add_argument("--no-notify", action="store_true", help="no desktop notifications")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from watcher.crowdworks.redact import Redactor
    from watcher.scan import run_scan

    env = common.env_of(args)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out).expanduser() if args.out else env.paths.capture_dir(stamp)
    env.paths.ensure(out)
    pages: list[tuple[str, str, str]] = []
    notifier = common.make_notifier(env.config.desktop_notifications and not args.no_notify, sys.stderr,
                                    env.config.apprise_urls)
    creds_source = common.keyring_credentials(env.config.email)
    try:
        with common.scanning(env, notifier, creds_source) as ctx:
            ctx.on_page = lambda kind, url, html: pages.append((kind, url, html))
            result = run_scan(ctx, full=True)
            known = ctx.store.personal_strings()
    finally:
        notifier.close()
    creds = creds_source()
    if creds is not None:
        known |= {creds.email, creds.password}
    redactor = Redactor(known, env.selectors)
    index = []
    for n, (kind, url, html) in enumerate(pages, start=1):
        name = f"{n:03d}-{kind}.html"
        write_private(out / name, redactor.redact(html))
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1]
        index.append({"file": name, "kind": kind, "url": redactor.redact(path)})
    write_private(out / "index.json", json.dumps(
        {"schema": 1, "healthy": result.healthy, "problems": [p.to_json() for p in result.problems],
         "pages": index}, ensure_ascii=False, indent=2))
    print(f"cwwatch: {len(pages)} pages saved, redacted, in {out}")
    print("cwwatch: look them over before you send them: the redaction is thorough, not infallible")
    return int(common.exit_code(result))
