"""``cwwatch daemon``: scan on a schedule until stopped (see watcher/daemon/scheduler.py)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import logging.handlers
import sys
from datetime import timedelta
from pathlib import Path

from loguru import logger

from watcher import wiring
from watcher.cli.doctor import doctor_of
from watcher.daemon import dashboard, locks
from watcher.daemon.scheduler import Daemon, DaemonOptions, child_argv, parse_hhmm, parse_span
from watcher.errors import ConfigError
from watcher.i18n import _


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("daemon", help=_("scan on a schedule until stopped (run it as a service)"),
                       description=_("Scan every scan_interval_min (with jitter) within active_hours; "
                                     "notifications found in quiet_hours wait for the morning. SIGTERM/SIGINT "
                                     "stop it. It logs to cwwatch.log in the user log dir (log/ under --home)."))
    p.set_defaults(run=run)


class QuietLogFile(logging.handlers.RotatingFileHandler):
    """The log file, rotated by size (``cwwatch.log.1`` …). A line that cannot be written (a full disk,
    an I/O error) is dropped and counted, never a traceback on the daemon's stderr for each line (the
    daemon's own note says that the disk is full: watcher/daemon/storage.py)."""

    dropped = 0

    def handleError(self, record: logging.LogRecord) -> None:
        self.dropped += 1
        if self.dropped == 1:
            print(_("cwwatch: the log file cannot be written ({file}); lines are dropped until it can").format(
                file=self.baseFilename), file=sys.stderr)
        with contextlib.suppress(OSError, ValueError):  # reopen at the next line
            if self.stream is not None:
                self.stream.close()
        self.stream = None  # type: ignore[assignment]


def setup_file_log(env: wiring.Env) -> None:
    """Rotated, retained log files in the user log dir (0600: the process umask is 077). Each line's
    time is local time with its offset (``2026-12-10 08:00:00 +09:00``)."""
    env.paths.ensure(env.paths.log_dir)
    handler = QuietLogFile(env.paths.log_file, maxBytes=int(env.config.log_max_mb * 1024 * 1024),
                           backupCount=env.config.log_keep, encoding="utf-8", delay=True)
    logger.add(handler, level="INFO", format="{time:YYYY-MM-DD HH:mm:ss Z} {level} {message}")


def run(args: argparse.Namespace) -> int:
    env = wiring.env_of(args)
    cfg = env.config
    setup_file_log(env)
    try:
        digest = parse_hhmm(cfg.digest_at) if cfg.digest_at else None
    except ValueError:
        raise ConfigError(_("{file}: digest_at: expected HH:MM").format(file=cfg.source)) from None
    opts = DaemonOptions(
        interval=timedelta(minutes=cfg.scan_interval_min), jitter_s=cfg.scan_jitter_s,
        active=parse_span(cfg.active_hours, "active_hours"), quiet=parse_span(cfg.quiet_hours, "quiet_hours"),
        digest_at=digest, backoff_cap=timedelta(minutes=cfg.backoff_max_min),
        child_argv=child_argv(args.config, args.selectors), policy=env.policy(),
        scan_timeout=timedelta(minutes=cfg.scan_timeout_min), health_notify_after=cfg.health_notify_after,
        config_file=Path(args.config) if args.config else env.paths.config_file)
    env.paths.ensure(env.paths.data_dir)
    with locks.hold(env.paths.daemon_lock, _("Another cwwatch daemon is already running (pid {pid}).")):
        # The daemon's console is a log nobody watches: only the desktop or Apprise deliver a note.
        # It lives to hear the desktop's clicks and buttons: the dashboard's page, 「3日ミュート」.
        notifier = wiring.notifier_of(cfg, sys.stdout, daemon=True, actions=wiring.note_actions(env.paths))
        try:
            daemon = Daemon(env.paths, opts, notifier)
            with dashboard.serving(daemon, env, cfg.dashboard, cfg.dashboard_port, doctor_of(args, env)):
                return daemon.run()
        finally:
            notifier.close()
