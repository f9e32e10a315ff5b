"""``cwwatch``: the command line. Thin commands, one module each, over the same scan.

One module over 400 lines, as one job: the argument parser of every command (their options and
help texts in one table a reader can scan), and the dispatch to the command modules.
"""

from __future__ import annotations

import argparse
import gettext
import os
import re
import signal
import sys
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from watcher import __version__, i18n
from watcher import config as config_mod
from watcher.cli import (
    capture,
    check_pages,
    daemon,
    delivered,
    demo,
    doctor,
    login,
    mute,
    open,
    report,
    scan,
    service,
    status,
    vet,
)
from watcher.errors import CwError, Exit, first_line
from watcher.i18n import N_, _
from watcher.paths import HOME_ENV, Paths

COMMANDS = (login, scan, daemon, status, report, mute, delivered, open, capture, check_pages, doctor, service, demo,
            vet)

# A reader that closed early (`cwwatch scan | head -1`): the code the shell shows for any program
# ended by SIGPIPE (128 + 13), distinct from cwwatch's own codes. Python ignores SIGPIPE (a write
# then raises BrokenPipeError instead), and restoring its default would let any broken socket
# (the browser's driver, D-Bus) kill the process.
READER_GONE_EXIT = 128 + int(getattr(signal, "SIGPIPE", 13))  # Windows has no SIGPIPE: the same code


# -- the language: chosen once, before the parser is built (its help texts are translated) ----------

LOCALE_ENV = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def _given(argv: Sequence[str], flag: str) -> str | None:
    """The value of the last ``FLAG VALUE`` or ``FLAG=VALUE`` in ``argv`` (none after ``--``)."""
    value = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            break
        if arg == flag and i + 1 < len(argv):
            value = argv[i + 1]
            i += 2
            continue
        if arg.startswith(flag + "="):
            value = arg[len(flag) + 1:]
        i += 1
    return value


def _config_lang(path: Path) -> str | None:
    """The config file's ``lang``; None when unset or unreadable. A config that is broken elsewhere
    still gives its ``lang`` (read from the TOML itself), and its own error later, in that language."""
    try:
        return config_mod.load(path).lang or None
    except CwError:
        pass
    try:
        value = tomllib.loads(path.read_text(encoding="utf-8")).get("lang")
    except (OSError, ValueError):  # TOMLDecodeError and UnicodeDecodeError are ValueErrors
        return None
    return value if value in i18n.LANGS else None


def choose_language(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> str:
    """``--lang`` (before or after the command); else the config file's ``lang`` (``--config``, else
    the one under ``--home`` or ``CWWATCH_HOME``, else the user's); else the locale; else Japanese."""
    lang = _given(argv, "--lang")
    if lang in i18n.LANGS:
        return lang  # type: ignore[return-value]
    config, home = _given(argv, "--config"), _given(argv, "--home")
    try:
        if config:
            path = Path(config).expanduser()
        elif home and home.strip():
            path = Paths.under(Path(os.path.abspath(Path(home).expanduser()))).config_file
        else:
            path = Paths.default().config_file
        lang = _config_lang(path)
    except (OSError, ValueError, RuntimeError):  # no home directory to expand: the error comes later
        lang = None
    return lang or i18n.from_locale([environ.get(v) for v in LOCALE_ENV]) or i18n.DEFAULT


def _speak(lang: str) -> None:
    """Everything printed from now on in ``lang``: our messages, argparse's own words (it looks them
    up in the process's default gettext domain, in the language ``LANGUAGE`` names) and the child
    processes' (the daemon's scans inherit ``LANGUAGE``)."""
    i18n.use(lang)
    gettext.bindtextdomain(i18n.DOMAIN, i18n.localedir())
    gettext.textdomain(i18n.DOMAIN)
    os.environ["LANGUAGE"] = lang


# -- the parser ------------------------------------------------------------------------------------

_WIDE = re.compile(r"\s+|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+|\S")
_NO_LINE_START = set("、。，．,.:;!?)]}）」』】〕〉》｝］：；！？・ーぁぃぅぇぉっゃゅょァィゥェォッャュョ")
_NO_LINE_END = set("([{（「『【〔〈《｛［")


def text_width(text: str) -> int:
    """Columns a terminal gives ``text``: two for a wide (Japanese) character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _units(text: str) -> Iterator[str]:
    """Words, spaces and single wide characters, glued so that no line starts with 。 or ）, nor
    ends with （ or 「."""
    units: list[str] = []
    for token in _WIDE.findall(text):
        if units and not token.isspace() and not units[-1].isspace() and (
                token[0] in _NO_LINE_START or units[-1][-1] in _NO_LINE_END):
            units[-1] += token
        else:
            units.append(token)
    yield from units


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken at spaces or between Japanese
    characters (textwrap breaks only at spaces, and counts a wide character as one column)."""
    lines: list[str] = []
    line, used, space = "", 0, False
    for unit in _units(text):
        if unit.isspace():
            space = bool(line)
            continue
        need = text_width(unit) + (1 if space else 0)
        if line and used + need > width:
            lines.append(line)
            line, used = unit, text_width(unit)
        else:
            line += (" " if space else "") + unit
            used += need
        space = False
    if line:
        lines.append(line)
    return lines


class _Formatter(argparse.HelpFormatter):
    """argparse's help, wrapped and aligned by the columns a terminal gives Japanese text."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(self._whitespace_matcher.sub(" ", text).strip(), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = wrap(self._whitespace_matcher.sub(" ", text).strip(), max(width - len(indent), 11))
        return "\n".join(indent + line for line in lines)

    def _format_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None) -> str:
        """argparse's usage, its continuation lines under the first argument whatever the width of
        「使い方: 」, narrowed until its widest line fits."""
        shown = gettext.gettext("usage: ") if prefix is None else prefix
        shift = " " * (text_width(shown) - len(shown))
        width = self._width
        try:
            for _attempt in range(4):
                lines = super()._format_usage(usage, actions, groups, prefix).split("\n")
                lines = [lines[0]] + [shift + line if line.startswith(" ") else line for line in lines[1:]]
                over = max(map(text_width, lines)) - width
                if over <= 0:
                    break
                self._width -= over
            return "\n".join(lines)
        finally:
            self._width = width

    def add_argument(self, action: argparse.Action) -> None:
        if action.help is not argparse.SUPPRESS:
            widths = [text_width(self._format_action_invocation(action)) + self._current_indent]
            for sub in self._iter_indented_subactions(action):
                widths.append(text_width(self._format_action_invocation(sub)) + self._current_indent)
            self._action_max_length = max(self._action_max_length, *widths)
            self._add_item(self._format_action, [action])

    def _format_action(self, action: argparse.Action) -> str:  # argparse's, with columns for len()
        help_position = min(self._action_max_length + 2, self._max_help_position)
        help_width = max(self._width - help_position, 11)
        action_width = help_position - self._current_indent - 2
        header = self._format_action_invocation(action)
        indent_first = 0
        if not action.help:
            header = " " * self._current_indent + header + "\n"
        elif text_width(header) <= action_width:
            header = " " * self._current_indent + header + " " * (action_width - text_width(header)) + "  "
        else:
            header = " " * self._current_indent + header + "\n"
            indent_first = help_position
        parts = [header]
        if action.help and action.help.strip():
            help_text = self._expand_help(action)
            if help_text:
                lines = self._split_lines(help_text, help_width)
                parts.append(" " * indent_first + lines[0] + "\n")
                parts += [" " * help_position + line + "\n" for line in lines[1:]]
        elif not header.endswith("\n"):
            parts.append("\n")
        for sub in self._iter_indented_subactions(action):
            parts.append(self._format_action(sub))
        return self._join_parts(parts)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # one line, exit 2, like every usage error
        self.exit(int(Exit.USAGE), _("cwwatch: error: {message} (see cwwatch --help)").format(message=message)
                  + "\n")


# -- global options: before or after the command ---------------------------------------------------

_GLOBAL_HELP = {
    "--config": N_("config file (default: config.toml in the user config dir, or under --home)"),
    "--selectors": N_("selectors file of your own"),
    "--home": N_("keep everything (config, history, session, logs, saved pages) under {metavar}, as "
                 "{env}={metavar} does (`service install` writes it into the service)"),
    "--lang": N_("the language of everything cwwatch prints (default: the config's lang, else the locale, "
                 "else ja)"),
    "-v": N_("show log lines (-vv: debug); -v before and after the command add up"),
}
# i18n: metavars: what the person writes in place of them
FILE, DIR = N_("FILE"), N_("DIR")


def _add_global_options(p: argparse.ArgumentParser, depth: int) -> None:
    """``--config``, ``--selectors``, ``--home``, ``--lang`` and ``-v`` on the top parser (depth 0,
    with their defaults) and on every command's parser (no default: ``argparse.SUPPRESS``, so that a
    value given before the command is not reset by the command's parser; given in both places, the
    later wins). ``--lang``'s default is the language already chosen (:func:`choose_language`).

    ``-v`` counts per level (``verbose``, ``verbose_1``, ...): :func:`_verbosity` adds them up. A
    command's own option of the same name and destination (``service install --home``; ``status``'s
    and ``report``'s own ``--lang``) is the global one: it keeps its help, and loses its default for
    the same reason.
    """
    top = depth == 0
    given = {} if top else {"default": argparse.SUPPRESS}
    group = p if top else p.add_argument_group(_("global options (also before the command)"))
    own = p._option_string_actions
    for flags, kw in (
        (("--config",), {"dest": "config", "metavar": _(FILE), "default": None}),
        (("--selectors",), {"dest": "selectors", "metavar": _(FILE), "default": None}),
        (("--home",), {"dest": "home", "metavar": _(DIR), "default": None}),
        (("--lang",), {"dest": "lang", "choices": i18n.LANGS, "default": i18n.current()}),
        (("-v", "--verbose"), {"dest": "verbose" if top else f"verbose_{depth}", "action": "count",
                               "default": 0}),
    ):
        taken = [own[f] for f in flags if f in own]
        if taken:
            for action in taken:
                if action.dest == kw["dest"]:
                    action.default = argparse.SUPPRESS
            continue
        text = _(_GLOBAL_HELP[flags[0]]).format(metavar=_(DIR), env=HOME_ENV)
        group.add_argument(*flags, help=text, **(kw | given))


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
    """The command line, its help in the language chosen (:func:`watcher.i18n.use`) before."""
    ap = _Parser(prog="cwwatch", description=_(
        "Watches your CrowdWorks contracts: a client who stops answering while still logging in, "
        "an acceptance deadline (Art. 9(3)), work without escrow, and whether the watcher can "
        "still see."), epilog=_("The options --config, --selectors, --home, --lang and -v may also follow "
                                "the command."))
    ap.add_argument("--version", action="version", version=f"cwwatch {__version__}",
                    help=_("show the version and exit"))
    sub = ap.add_subparsers(dest="command", metavar=_("COMMAND"), parser_class=_Parser)
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
    argv = sys.argv[1:] if argv is None else list(argv)
    real_stdout = sys.stdout
    home_before = os.environ.get(HOME_ENV)
    speech_before = os.environ.get("LANGUAGE"), gettext.textdomain(), i18n.current()
    _speak(choose_language(argv))
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
        # --home and --lang hold for this command (and its child processes) only
        for name, before in ((HOME_ENV, home_before), ("LANGUAGE", speech_before[0])):
            if before is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = before
        gettext.textdomain(speech_before[1])
        i18n.use(speech_before[2])


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.verbose = _verbosity(args)
    if args.lang != i18n.current():  # --lang abbreviated (--la en): the pre-scan did not see it
        _speak(args.lang)
    if not args.command:
        parser.print_help()
        return int(Exit.USAGE)
    if args.home is not None:
        if not args.home.strip():
            parser.error(_("--home: an empty folder name"))
        # Everything below (Paths.default(), the daemon's scan children) reads the environment.
        args.home = os.path.abspath(Path(args.home).expanduser())
        os.environ[HOME_ENV] = args.home
    from watcher.cli.common import setup_logging

    os.umask(0o077)  # everything cwwatch writes (history, session, logs, saved pages) is private
    setup_logging(args.verbose)
    try:
        return int(args.run(args))
    except CwError as exc:
        print(_("cwwatch: error: {message}").format(message=exc), file=sys.stderr)
        return int(exc.exit_code)
    except OSError as exc:  # a full disk, a read-only or vanished folder: say which file, no traceback
        if isinstance(exc, BrokenPipeError):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(_("cwwatch: error: {message}").format(message=f"{where}{exc.strerror or first_line(exc)}"),
              file=sys.stderr)
        return int(Exit.STORAGE)
    except KeyboardInterrupt:
        print(_("cwwatch: interrupted"), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
