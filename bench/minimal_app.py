"""The baseline of row 2: the smallest Textual app, painting one label."""

from textual.app import App, ComposeResult
from textual.widgets import Label

TEXT = "minimal app painted"


class MinimalApp(App[None]):
    BINDINGS = [("ctrl+q", "quit", "Quit")]  # noqa: RUF012

    def compose(self) -> ComposeResult:
        yield Label(TEXT)


if __name__ == "__main__":
    MinimalApp().run()
