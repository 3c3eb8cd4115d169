"""Command line entry point: ``aleph-tui`` (the dashboard) and its headless commands.

Each command module registers its parsers; heavy modules (textual, web3, the devnet) are
imported inside the handler that needs them, so ``--help`` and read-only commands start
fast. The dashboard imports no command module at all. Errors end as one line on stderr:
exit 2 for bad input, 1 for failures (``--debug`` adds the full traceback and a log file).

When stdout is closed early (``aleph-tui … --json | head``), the command stops quietly
with exit status 141, what a shell reports for a program that a closed pipe stopped
(128 + SIGPIPE), as ``cat`` or ``git log`` do: a script under ``set -o pipefail`` can
tell that the output was cut.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# httpx imports its command-line client (click, rich.progress, pygments: ~0.3 s) unless
# that import fails, and falls back to a stub; aleph-tui never runs httpx's CLI.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from aleph_tui import __version__
from aleph_tui.cli import tui_command
from aleph_tui.cli.common import CommandError, UsageError, add_network_options

# In the order of ``aleph-tui --help``.
COMMAND_MODULES = (
    "devnet_command",
    "account_commands",
    "credit_commands",
    "usage_command",
    "check_command",
    "pricing_command",
    "flow_command",
    "pending_command",
    "serve_command",
    "completion_command",
)

# 128 + SIGPIPE: the status of a program stopped by a closed pipe.
CLOSED_PIPE_STATUS = 141


# argparse quotes what was typed ("unrecognized arguments: …"), which may be a pasted key.
_KEY_LIKE = re.compile(r"(?:0x)?[0-9a-fA-F]{64}")


EMPTY_RULE = "must not be empty (give a value, or leave the option out)"


class _StrictParser(argparse.ArgumentParser):
    """Every value typed for an option or an argument is refused when empty (or only
    spaces), before its type is applied: an empty value is never a silent default."""

    def _get_value(self, action: argparse.Action, arg_string: str) -> object:
        # A subcommand's (or REMAINDER's) strings are checked by the parser they go to.
        passed_on = action.nargs in (argparse.PARSER, argparse.REMAINDER)
        if isinstance(arg_string, str) and not arg_string.strip() and not passed_on:
            raise argparse.ArgumentError(action, EMPTY_RULE)
        return super()._get_value(action, arg_string)


DEBUG_HELP = (
    "on an error, print the full traceback; log to debug.log in the state directory "
    "(also ALEPH_TUI_DEBUG=1)"
)


class _Parser(_StrictParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.prog != "aleph-tui":  # after a command's name too: `aleph-tui account list --debug`
            self.add_argument(
                "--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP
            )

    def error(self, message: str) -> None:  # type: ignore[override]
        hidden = _KEY_LIKE.sub("<64 hex digits, not shown: it may be a key>", message)
        raise UsageError(f"{self.prog}: {hidden}")


class _NotTheDashboard(Exception):
    pass


class _DashboardParser(_StrictParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _NotTheDashboard


def _top_level(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--version",
        action="version",
        version=f"aleph-tui {__version__}",
        help="print the version and exit",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help=DEBUG_HELP,
    )
    parser.add_argument(
        "--devnet",
        action="store_true",
        help="start an embedded devnet and a throwaway account store, then open the dashboard",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="sign nothing and change no key in the dashboard (what `aleph-tui serve` runs "
        "without --allow-signing)",
    )
    add_network_options(parser, top_level=True)
    parser.set_defaults(handler=tui_command.run, command=None)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = _top_level(_Parser(prog="aleph-tui", description="Aleph Cloud wallets and credits."))
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"aleph_tui.cli.{name}").register(sub)
    return parser


def dashboard_args(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments when ``argv`` opens the dashboard (no command, no help), else None.
    Every command's parser takes 15 ms to build, a start-up cost the dashboard skips."""
    parser = _top_level(_DashboardParser(prog="aleph-tui", add_help=False))
    parser.add_argument("rest", nargs=argparse.REMAINDER)
    try:
        args = parser.parse_args(argv)
    except _NotTheDashboard:
        return None
    if args.rest or any(arg in ("-h", "--help") for arg in argv):
        return None
    del args.rest
    return args


def _debug_wanted(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    """``--debug`` anywhere before ``--``, or ALEPH_TUI_DEBUG=1. Read before parsing, so
    that a failure while parsing or resolving the network is reported in full too."""
    options = argv[: argv.index("--")] if "--" in argv else argv
    return environ.get("ALEPH_TUI_DEBUG", "").strip() == "1" or "--debug" in options


def _stdout_closed() -> int:
    """The reader of stdout went away: point stdout at /dev/null, so that the flush at
    exit cannot fail again ("Exception ignored … BrokenPipeError"), and stop quietly."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return CLOSED_PIPE_STATUS


def error_line(message: object) -> str:
    """The one rule for an error on stderr: one line that starts "aleph-tui" (a message
    may name its command already: "aleph-tui serve: --host: …")."""
    text = str(message).strip()
    text = text.splitlines()[0] if text else "failed"
    return text if text.startswith("aleph-tui") else f"aleph-tui: {text}"


def _report(exc: BaseException, log: Path | None) -> None:
    from aleph_tui.cli import debug_mode

    debug_mode.report(exc, log)


def main(argv: Sequence[str] | None = None) -> int:
    import os

    from aleph_tui.cli.environment import check_environment

    argv = sys.argv[1:] if argv is None else list(argv)
    debugging, log = False, None
    try:
        check_environment(os.environ)
        from aleph_tui.core.paths import migrate_old_places

        for note in migrate_old_places():  # macOS and Windows, once
            print(f"aleph-tui: {note}", file=sys.stderr)
        if _debug_wanted(argv, os.environ):
            from aleph_tui.cli import debug_mode

            debugging, log = True, debug_mode.start_log()
        args = dashboard_args(argv) or build_parser().parse_args(argv)
        status = int(args.handler(args))
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return status
    except BrokenPipeError:
        return _stdout_closed()
    except UsageError as exc:
        print(error_line(exc), file=sys.stderr)
        return 2
    except CommandError as exc:
        if debugging:
            _report(exc, log)
        print(error_line(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(error_line("interrupted"), file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one line, never a traceback
        from aleph_tui.core.errors import ServiceError
        from aleph_tui.core.validation import InvalidInput

        if isinstance(exc, InvalidInput):
            print(error_line(exc), file=sys.stderr)
            return 2
        if debugging:
            _report(exc, log)
        if isinstance(exc, ServiceError):
            print(error_line(exc), file=sys.stderr)
            return 1
        print(error_line(str(exc) or type(exc).__name__), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
