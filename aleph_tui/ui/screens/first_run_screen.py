"""Shown when the account store is empty: what to do first, create or import an account."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

if TYPE_CHECKING:
    from textual.app import ComposeResult

FirstRunChoice = Literal["create", "import"]

WELCOME = """\
aleph-tui reads the accounts of the official aleph CLI, and there are none yet.

Create a new account (its key goes to your OS keyring, or to an encrypted keystore), or
import one you already have from its private key or a keystore file. Both are done on
the Accounts tab; you can also run `aleph-tui account create NAME` in a terminal."""


class FirstRunScreen(ModalScreen["FirstRunChoice | None"]):
    """Dismisses with "create", "import", or None (later)."""

    DEFAULT_CSS = """
    FirstRunScreen { align: center middle; }
    FirstRunScreen > Vertical {
        width: 84; max-width: 95%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    FirstRunScreen #welcome { margin: 1 0; }
    FirstRunScreen Horizontal { height: auto; }
    FirstRunScreen Button { margin-right: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "c", "choose('create')", "Create", id="first-run-create", tooltip="Create an account"
        ),
        Binding(
            "i", "choose('import')", "Import", id="first-run-import", tooltip="Import an account"
        ),
        Binding("escape", "later", "Later", id="first-run-later", tooltip="Look around first"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Welcome to aleph-tui[/b]")
            yield Static(WELCOME, id="welcome", markup=False)
            with Horizontal():
                yield Button("Create an account", id="create", variant="primary")
                yield Button("Import an account", id="import")
                yield Button("Later", id="later")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "create":
            self.dismiss("create")
        elif event.button.id == "import":
            self.dismiss("import")
        else:
            self.dismiss(None)

    def action_choose(self, choice: FirstRunChoice) -> None:
        self.dismiss(choice)

    def action_later(self) -> None:
        self.dismiss(None)
