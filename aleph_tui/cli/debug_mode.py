"""``aleph-tui --debug`` (or ``ALEPH_TUI_DEBUG=1``): full tracebacks on stderr, and a log
file of the user's own (``debug.log`` in the state directory, 0600 in a 0700 directory).

Neither ever holds a secret: every run of 64 hex digits (a private key has that shape; so
has a transaction hash, which is the price of the rule) is masked, in the log and in the
tracebacks, as argparse's messages are (cli/__init__.py).
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from pathlib import Path

DEBUG_ENV = "ALEPH_TUI_DEBUG"
KEY_LIKE = re.compile(r"(?:0x)?[0-9a-fA-F]{64}")
MASK = "<64 hex digits, not shown: it may be a key>"


def masked(text: str) -> str:
    return KEY_LIKE.sub(MASK, text)


class _MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return masked(super().format(record))


def start_log() -> Path:
    """Send every log record to the debug log: aleph-tui's from DEBUG, the libraries'
    from INFO (their DEBUG records carry whole RPC requests). Returns the file's path."""
    from aleph_tui import __version__
    from aleph_tui.core.paths import debug_log, open_private

    path = debug_log()
    handler = logging.StreamHandler(open_private(path, "a"))
    handler.setFormatter(_MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("aleph_tui").setLevel(logging.DEBUG)
    logging.getLogger("aleph_tui").info("aleph-tui %s started, Python %s", __version__, sys.version)
    return path


def report(exc: BaseException, log: Path | None) -> None:
    """The full traceback of ``exc`` on stderr and in the debug log, masked."""
    text = masked("".join(traceback.format_exception(exc)))
    print(text, end="", file=sys.stderr)
    logging.getLogger("aleph_tui").error("failed:\n%s", text)
    if log is not None:
        print(f"aleph-tui: debug log: {log}", file=sys.stderr)
