"""``cwwatch``: the command line. Thin commands, one module each, over the same scan."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from watcher import __version__
from watcher.cli import capture, check_pages, daemon, demo, doctor, login, mute, report, scan, service, status, vet
from watcher.errors import CwError, Exit, first_line
from watcher.paths import HOME_ENV

COMMANDS = (login, scan, daemon, status, report, mute, capture, check_pages, doctor, service, demo, vet)

# A reader that closed early (`cwwatch scan | head -1`): the code the shell shows for any program
# ended by SIGPIPE (128 + 13), distinct from cwwatch's own codes. Python ignores SIGPIPE (a write
# then raises BrokenPipeError instead), and restoring its default would let any broken socket
# (the browser's driver, D-Bus) kill the process.
READER_GONE_EXIT = 128 + int(signal.SIGPIPE)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every usage error
        self.exit(int(Exit.USAGE), f"cwwatch: error: {message} (see cwwatch --help)\n")


# -- global options: before or after the command ---------------------------------------------------

_GLOBAL_HELP = {
    "--config": "config file (default: config.toml in the user config dir, or under --home)",
    "--selectors": "selectors file of your own",
    "--home": f"keep everything (config, history, session, logs, saved pages) under DIR, as {HOME_ENV}=DIR "
              "does (`service install` writes it into the service)",
    "-v": "show log lines (-vv: debug); -v before and after the command add up",
}


def _add_global_options(p: argparse.ArgumentParser, depth: int) -> None:
    """``--config``, ``--selectors``, ``--home`` and ``-v`` on the top parser (depth 0, with their
    defaults) and on every command's parser (no default: ``argparse.SUPPRESS``, so that a value given
    before the command is not reset by the command's parser; given in both places, the later wins).

    ``-v`` counts per level (``verbose``, ``verbose_1``, ...): :func:`_verbosity` adds them up. A
    command's own option of the same name and destination (``service install --home``) is the global
    one: it keeps its help, and loses its default for the same reason.
    """
    top = depth == 0
    given = {} if top else {"default": argparse.SUPPRESS}
    group = p if top else p.add_argument_group("global options (also before the command)")
    own = p._option_string_actions
    for flags, kw in (
        (("--config",), {"dest": "config", "metavar": "FILE", "default": None}),
        (("--selectors",), {"dest": "selectors", "metavar": "FILE", "default": None}),
        (("--home",), {"dest": "home", "metavar": "DIR", "default": None}),
        (("-v", "--verbose"), {"dest": "verbose" if top else f"verbose_{depth}", "action": "count",
                               "default": 0}),
    ):
        taken = [own[f] for f in flags if f in own]
        if taken:
            for action in taken:
                if action.dest == kw["dest"]:
                    action.default = argparse.SUPPRESS
            continue
        group.add_argument(*flags, help=_GLOBAL_HELP[flags[0]], **(kw | given))


def _subparsers(p: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of ``p``'s commands (each once, whatever its aliases)."""
    found: dict[int, argparse.ArgumentParser] = {}
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found.setdefault(id(child), child)
    return list(found.values())


def _with_global_options(p: argparse.ArgumentParser, depth: int = 0) -> None:
    _add_global_options(p, depth)
    for child in _subparsers(p):
        _with_global_options(child, depth + 1)


def _verbosity(args: argparse.Namespace) -> int:
    """``-v`` given before the command and after it (``cwwatch -v daemon -v`` is ``-vv``)."""
    levels = [k for k in vars(args) if k.startswith("verbose_")]
    total = int(getattr(args, "verbose", 0) or 0) + sum(int(getattr(args, k) or 0) for k in levels)
    for k in levels:
        delattr(args, k)
    return total


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="cwwatch", description=(
        "Watches your CrowdWorks contracts: a client who stops answering while still logging in, "
        "an acceptance deadline (Art. 9(3)), work without escrow, and whether the watcher can "
        "still see."), epilog="The options --config, --selectors, --home and -v may also follow the command.")
    ap.add_argument("--version", action="version", version=f"cwwatch {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for mod in COMMANDS:
        mod.add_parser(sub)
    _with_global_options(ap)
    return ap


# -- stdout whose reader may leave -----------------------------------------------------------------


class ReaderGone(BaseException):
    """stdout's reader closed early (EPIPE). A BaseException, so that no ``except Exception`` on the
    way (the notifier's guard around each channel) takes it for a failure of its own and logs it:
    it ends the command, quietly."""


class _ReaderAwareStdout:
    """``sys.stdout`` while a command runs: a write or flush into a closed pipe raises ReaderGone."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        try:
            return self._inner.write(text)
        except BrokenPipeError:
            raise ReaderGone() from None

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._inner.flush()
        except BrokenPipeError:
            raise ReaderGone() from None

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding, buffer...
        return getattr(self._inner, name)


def _stdout_to_devnull(stream: TextIO) -> None:
    """Point stdout's descriptor at /dev/null: what is still buffered (the interpreter flushes it at
    exit) then goes nowhere instead of raising BrokenPipeError again."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(fd, stream.fileno())
        finally:
            os.close(fd)
    except (OSError, ValueError):  # no descriptor (a test's captured stream): nothing to flush at exit
        pass


# -- main ------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code. A reader that closes stdout early ends it quietly with
    :data:`READER_GONE_EXIT`."""
    real_stdout = sys.stdout
    home_before = os.environ.get(HOME_ENV)
    sys.stdout = _ReaderAwareStdout(real_stdout)  # type: ignore[assignment]
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # here, not at exit, so that a reader gone is seen below
    except (ReaderGone, BrokenPipeError):
        _stdout_to_devnull(real_stdout)
        return READER_GONE_EXIT
    finally:
        sys.stdout = real_stdout
        if home_before is None:  # --home holds for this command (and its child processes) only
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = home_before


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.verbose = _verbosity(args)
    if not args.command:
        parser.print_help()
        return int(Exit.USAGE)
    if args.home is not None:
        if not args.home.strip():
            parser.error("--home: an empty folder name")
        # Everything below (Paths.default(), the daemon's scan children) reads the environment.
        args.home = os.path.abspath(Path(args.home).expanduser())
        os.environ[HOME_ENV] = args.home
    from watcher.cli.common import setup_logging

    os.umask(0o077)  # everything cwwatch writes (history, session, logs, saved pages) is private
    setup_logging(args.verbose)
    try:
        return int(args.run(args))
    except CwError as exc:
        print(f"cwwatch: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except OSError as exc:  # a full disk, a read-only or vanished folder: say which file, no traceback
        if isinstance(exc, BrokenPipeError):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"cwwatch: error: {where}{exc.strerror or first_line(exc)}", file=sys.stderr)
        return int(Exit.FAILURE)
    except KeyboardInterrupt:
        print("cwwatch: 中断しました", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
