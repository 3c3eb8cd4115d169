"""Run a Textual program until the first frame that holds EXPECTED is written, then exit:
what ``bench/b2_instructions.py`` counts the instructions of. Run as a script, never imported
by the benchmarks:

    python bench/first_frame.py EXPECTED -- PROGRAM [ARGS...]

PROGRAM is ``aleph-tui`` (run as ``aleph_tui.cli``) or a script path. Nothing in Textual is
hooked: the terminal stream Textual writes its frames to (``sys.__stderr__``) is wrapped
before the program starts, and each write is matched with its escape sequences stripped,
as ``bench/terminal.py`` matches what reaches the pty. The exit status is 0 when EXPECTED
was written, 3 when none of the first ``MAX_WRITES`` writes held it.
"""

from __future__ import annotations

import os
import re
import runpy
import sys
from typing import Any, TextIO

MAX_WRITES = 400
ESCAPES = re.compile(
    r"\x1b(\[[0-9;?<=>$ ]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Z0-9]|[=>78DEHMc])"
)


class _WatchedTerminal:
    """The real stream, with every write checked for EXPECTED once it has gone out."""

    def __init__(self, stream: TextIO, expected: str) -> None:
        self._stream = stream
        self._expected = expected
        self._writes = 0

    def write(self, text: str) -> int:
        written = self._stream.write(text)
        self._writes += 1
        if self._expected in ESCAPES.sub("", text):
            self._stream.flush()
            os._exit(0)
        if self._writes >= MAX_WRITES:
            self._stream.flush()
            os._exit(3)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main() -> None:
    expected, separator, program, *args = sys.argv[1:]
    assert separator == "--"
    assert sys.__stderr__ is not None
    sys.__stderr__ = _WatchedTerminal(sys.__stderr__, expected)  # type: ignore[assignment,misc]
    if program == "aleph-tui":
        from aleph_tui.cli import main as cli_main

        sys.argv = ["aleph-tui", *args]
        sys.exit(cli_main())
    sys.argv = [program, *args]
    runpy.run_path(program, run_name="__main__")


if __name__ == "__main__":
    main()
