"""``cwwatch``: the command line. Thin commands, one module each, over the same scan."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from watcher import __version__
from watcher.cli import capture, check_pages, daemon, demo, doctor, login, mute, report, scan, service, status
from watcher.errors import CwError, Exit, first_line

COMMANDS = (login, scan, daemon, status, report, mute, capture, check_pages, doctor, service, demo)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every usage error
        self.exit(int(Exit.USAGE), f"cwwatch: error: {message} (see cwwatch --help)\n")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="cwwatch", description=(
        "Watches your CrowdWorks contracts: a client who stops answering while still logging in, "
        "an acceptance deadline (Art. 9(3)), work without escrow, and whether the watcher can "
        "still see."))
    ap.add_argument("--version", action="version", version=f"cwwatch {__version__}")
    ap.add_argument("--config", metavar="FILE", help="config file (default: in the user config dir)")
    ap.add_argument("--selectors", metavar="FILE", help="selectors file of your own")
    ap.add_argument("-v", "--verbose", action="count", default=0, help="show log lines")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for mod in COMMANDS:
        mod.add_parser(sub)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return int(Exit.USAGE)
    from watcher.cli.common import setup_logging

    os.umask(0o077)  # everything cwwatch writes (history, session, logs, saved pages) is private
    setup_logging(args.verbose)
    try:
        return int(args.run(args))
    except CwError as exc:
        print(f"cwwatch: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except OSError as exc:  # a full disk, a read-only or vanished folder: say which file, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"cwwatch: error: {where}{exc.strerror or first_line(exc)}", file=sys.stderr)
        return int(Exit.FAILURE)
    except KeyboardInterrupt:
        print("cwwatch: 中断しました", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
