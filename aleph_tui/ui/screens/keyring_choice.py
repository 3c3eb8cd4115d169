"""The choice offered when the OS keyring cannot keep a key: an encrypted keystore file
(a password, in the dialog that asked), or nothing at all. Never plaintext."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from aleph_tui.core.accounts.account_store import KeyringUnavailableError
    from aleph_tui.ui.screens.form import FormModal


class KeyringChoiceModal(ModalScreen[bool]):
    """Dismisses with True to use an encrypted keystore, False to cancel."""

    DEFAULT_CSS = """
    KeyringChoiceModal { align: center middle; }
    KeyringChoiceModal > Vertical {
        width: 76; max-width: 95%; height: auto; padding: 1 2;
        border: thick $warning 70%; background: $surface;
    }
    KeyringChoiceModal .dialog-title { text-style: bold; margin-bottom: 1; }
    KeyringChoiceModal #keyring-choice-reason { color: $text-muted; margin-bottom: 1; }
    KeyringChoiceModal Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    KeyringChoiceModal Button { margin-left: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose(False)", "Cancel", id="keyring-choice-cancel"),
    ]

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("The OS keyring cannot keep this key", classes="dialog-title")
            yield Static(self.reason, id="keyring-choice-reason", markup=False)
            yield Static(
                "Nothing was saved. Keep the key in a keystore file encrypted with a password "
                "of yours (the aleph CLI reads it too), or cancel and fix the keyring first."
            )
            with Horizontal():
                yield Button(
                    "Use an encrypted keystore", id="keyring-choice-keystore", variant="primary"
                )
                yield Button("Cancel", id="keyring-choice-cancel")

    def on_mount(self) -> None:
        self.query_one("#keyring-choice-keystore", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose(event.button.id == "keyring-choice-keystore")

    def action_choose(self, keystore: bool) -> None:
        self.dismiss(keystore)


def offer_keystore(form: FormModal[Any], exc: KeyringUnavailableError, note: str = "") -> None:
    """Ask; on "keystore", tick the form's keystore box and put the cursor on its
    password; on "cancel", close the form (nothing was saved)."""

    def chosen(keystore: bool | None) -> None:
        if not keystore:
            form.action_cancel()
            return
        form.query_one(f"#{form.form_id}-encrypted", Checkbox).value = True
        line = form.query_one(f"#{form.form_id}-error", Static)
        line.update(f"Choose the password of the keystore file.{note}")
        line.display = True
        form.query_one(f"#{form.form_id}-password", Input).focus()

    form.app.push_screen(KeyringChoiceModal(exc.reason), chosen)
