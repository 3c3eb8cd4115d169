"""The baseline of row 2: the smallest Textual app, painting one label (its argument).

Run as a script only: importing it would import Textual into the benchmark's process
before aleph_tui.ui sets its frame cap (row 3 runs the dashboard in that process).
"""

import sys

from textual.app import App, ComposeResult
from textual.widgets import Label

TEXT = sys.argv[1] if len(sys.argv) > 1 else "minimal app painted"


class MinimalApp(App[None]):
    BINDINGS = [("ctrl+q", "quit", "Quit")]  # noqa: RUF012

    def compose(self) -> ComposeResult:
        yield Label(TEXT)


if __name__ == "__main__":
    MinimalApp().run()
