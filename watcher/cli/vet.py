"""``cwwatch vet``: is this client's record trouble? A verdict before the contract.

``cwwatch vet (CLIENT_ID | PROFILE_URL | JOB_URL | --page FILE) [--json]`` reads the
client's public profile (a job URL leads to its client) through the same polite site session as a
scan (pacing, host guard, health rules; no login is needed for a public page), or a saved profile
page, weighs what it shows and what the history holds of the worker's own contracts with that
client (``decide/vetting.py``), and prints the verdict with its reasons, heaviest first, in the
language chosen for everything (``cwwatch --lang``).

Exit codes: 0 問題なし (ok), 10 注意 or 要警戒 (caution, warning), 20 the page could not be read,
2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from watcher import wiring
from watcher.cli import common
from watcher.cli.common import add_now_option, now_of
from watcher.crowdworks.dom import parse_html
from watcher.crowdworks.kinds import vet_target
from watcher.crowdworks.kinds.profile import extract_profile
from watcher.decide import vet_history, vet_words, vetting
from watcher.errors import ConfigError, CwError, Exit, ExtractionError, Unhealthy
from watcher.i18n import _
from watcher.models import ClientSeen, HealthKind
from watcher.report.words import fmt_time, join_list
from watcher.scan.vet import client_history  # the scan's weighing of the history
from watcher.wiring import open_history


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    labels = {v: vet_words.verdict_label(v) for v in vet_words.VERDICTS}
    p = sub.add_parser(
        "vet", help=_("vet a client before a contract: {ok}, {caution} or {warning}, with the reasons").format(
            **labels),
        description=_("Read a client's public profile (a client id, a profile URL, or a job URL that leads to "
                      "its client), or a saved profile page with --page, and weigh what it shows: identity and "
                      "rule check, completion rate, ratings and their comments, account age, jobs posted and "
                      "contracted, last access; and from your history with that client: escrow, reply times, "
                      "acceptance, earlier warnings. A hidden field is unknown, never a bad sign. Thresholds: the "
                      "[vet] table of the config file (docs/vetting.md). Exit codes: 0 {ok}, 10 {caution} or "
                      "{warning}, 20 the page could not be read, 2 bad usage.").format(**labels))
    p.add_argument("target", nargs="?", metavar=_("CLIENT_ID|PROFILE_URL|JOB_URL"),
                   help=_("a client id (900009005), the client's profile URL, or the URL of one of their jobs"))
    p.add_argument("--page", metavar=_("FILE"), help=_("a saved profile page (HTML) instead of the site"))
    p.add_argument("--fetched-at", metavar="ISO",
                   help=_("with --page: when it was saved, for its relative last access (default: the "
                          "capture manifest beside it, else the file's modification time)"))
    p.add_argument("--json", action="store_true",
                   help=_('print {json} (the verdict and signals as ids, their texts in the chosen language)').format(
                       json='{"schema": 1, "client_id", "name", "verdict", "signals": [...], "fetched_at"}'))
    add_now_option(p)
    p.set_defaults(run=run)


class UsageError(CwError):
    exit_code = Exit.USAGE


def run(args: argparse.Namespace) -> int:
    if bool(args.target) == bool(args.page):
        raise UsageError(_("give one client: a {target}, or --page {file}").format(
            target=_("CLIENT_ID|PROFILE_URL|JOB_URL"), file=_("FILE")))
    env = wiring.env_of(args)
    now = now_of(args)
    try:
        seen = _from_file(args, env.selectors) if args.page else _from_site(args, env)
    except Unhealthy as exc:
        p = exc.problem
        print(_("cwwatch: could not read the profile: {kind}: {page}: {detail}").format(
            kind=p.kind, page=p.page, detail=p.detail), file=sys.stderr)
        return int(Exit.UNHEALTHY)
    vet_policy = env.config.vet_policy()
    store = open_history(env.paths)
    try:
        history = (client_history(store, seen.client_id, now, vet_policy, env.policy()) if store is not None
                   else vet_history.History())
    finally:
        if store is not None:
            store.close()
    verdict = vetting.vet(seen.record, seen.last_access, history, now, vet_policy)
    url = env.selectors.page_url(env.base_url, "profile", id=seen.client_id)
    if args.json:
        out = verdict.to_json(seen.client_id, seen.name, seen.observed_at)
        out.update({"label": verdict.label, "total": verdict.total, "summary": verdict.summary,
                    "advice": list(verdict.advice), "unknown": list(verdict.unknown), "url": url,
                    "history_contracts": history.contracts})
        print(json.dumps(out, ensure_ascii=False), flush=True)
    else:
        sys.stdout.write(render(seen, verdict, url, history))
        sys.stdout.flush()
    return int(Exit.OK if verdict.verdict == "ok" else Exit.FINDINGS)


# -- where the profile comes from ------------------------------------------------------------------


def _from_site(args: argparse.Namespace, env: wiring.Env) -> ClientSeen:
    target = vet_target(args.target, env.selectors)
    if target is None:
        raise UsageError(_("not a client: {target!r} (expected a client id such as 900009005, the client's "
                           "profile URL, or a job's URL)").format(target=args.target))
    from watcher.crowdworks.pages import Pages

    clock = lambda: datetime.now(UTC)  # noqa: E731
    make = wiring.site_factory(env, lambda: None, clock)
    env.paths.ensure(env.paths.state_dir)

    async def read() -> ClientSeen:
        site = make(False)  # a public page: never a login
        pages = Pages(site, env.selectors, env.paths.layout_dir, set, clock, env.config.max_list_pages)
        try:
            await site.open()
            kind, ident = target
            client = ident
            if kind == "job":
                found = await pages.job_client(ident)
                if found is None:
                    raise ConfigError(_("job {id}: its page shows no link to the client's profile; give the "
                                        "client's profile URL instead").format(id=ident))
                client = found
            return await pages.profile(client)
        finally:
            await site.close()

    return common.call_in_thread(lambda: asyncio.run(read()), timeout=env.config.scan_timeout_min * 60,
                                 name="cwwatch-vet")


def _manifest_time(file: Path) -> datetime | None:
    manifest = file.parent / "manifest.json"
    try:
        pages = json.loads(manifest.read_text(encoding="utf-8"))["pages"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for p in pages if isinstance(pages, list) else []:
        if isinstance(p, dict) and p.get("file") == file.name and isinstance(p.get("fetched_at"), str):
            return common.parse_time(p["fetched_at"], f"{manifest}: fetched_at")
    return None


def _from_file(args: argparse.Namespace, sel: Any) -> ClientSeen:
    file = Path(args.page).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(_("{file}: not UTF-8 text (a saved profile page?)").format(file=file)) from None
    except OSError as exc:
        raise ConfigError(_("{file}: cannot read it ({error})").format(file=file, error=exc.strerror)) from None
    if args.fetched_at:
        when = common.parse_time(args.fetched_at, "--fetched-at")
    else:
        when = _manifest_time(file) or datetime.fromtimestamp(file.stat().st_mtime, UTC)
    try:  # the client id from the page's JSON (the file's name says nothing)
        return extract_profile(parse_html(text), sel, file.resolve().as_uri(), when)
    except ExtractionError as exc:
        raise Unhealthy.of(HealthKind.LAYOUT_CHANGED, str(file), exc.what) from None


# -- the verdict for a person ----------------------------------------------------------------------

def render(seen: ClientSeen, verdict: vetting.Verdict, url: str, history: vet_history.History) -> str:
    """The verdict as a person reads it, in the chosen language (the signals' sentences too)."""
    lines = [_("{name} (client id {id})").format(name=seen.name, id=seen.client_id),
             _("Verdict: {label}, weight {total}").format(label=verdict.label, total=verdict.total),
             verdict.summary, ""]
    if verdict.signals:
        lines.append(_("Reasons (heaviest first):"))
        for s in verdict.signals:
            lines.append(f"  [{s.weight}] {s.message}")
            lines.append(f"      {s.evidence}")
    if verdict.unknown:
        names = join_list(list(dict.fromkeys(vet_words.fact_label(u) for u in verdict.unknown)))
        lines.append(_("Not judged (hidden or not shown): {names}").format(names=names))
    lines.append(_("Your contracts with them: {n}").format(n=history.contracts) if history.contracts
                 else _("Your contracts with them: none"))
    lines += ["", _("What to do:")]
    lines += ["  " + _("- {advice}").format(advice=a) for a in verdict.advice]
    lines.append(_("Profile: {url} (read {time})").format(url=url, time=fmt_time(seen.observed_at)))
    return "\n".join(lines) + "\n"
