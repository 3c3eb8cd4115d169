"""Asks for a keystore account's password: a masked field; Enter unlocks, Escape cancels.

An empty Enter is refused under the field (nothing is tried); after a wrong password the
prompt comes back with it still typed (masked), so a typo is fixed rather than retyped."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from aleph_tui.core.accounts.account_store import Account


class PasswordModal(ModalScreen[str | None]):
    """Dismisses with the password typed, or None when cancelled. ``error`` is shown
    above the field (e.g. after a wrong password)."""

    DEFAULT_CSS = """
    PasswordModal { align: center middle; }
    PasswordModal > Vertical {
        width: 64; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    PasswordModal #password-error { color: $error; }
    PasswordModal #password-rule { color: $text-error; display: none; }
    PasswordModal .hint { color: $text-muted; margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="password-cancel", tooltip="Do not unlock"),
    ]

    def __init__(self, account: Account, error: str | None = None, typed: str = "") -> None:
        super().__init__()
        self.account = account
        self.error = error
        self._typed = typed  # the previous try's password, kept for a typo's fix

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Password for [b]{self.account.name}[/b] (encrypted keystore)")
            if self.error:
                yield Label(self.error, id="password-error", markup=False)
            yield Input(self._typed, password=True, placeholder="password", id="password")
            yield Label("", id="password-rule", markup=False)
            yield Label("Enter to unlock · Escape to cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            rule = self.query_one("#password-rule", Label)
            rule.update("password: is required to unlock the keystore")
            rule.display = True
            return
        self.dismiss(event.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.value:
            self.query_one("#password-rule", Label).display = False

    def action_cancel(self) -> None:
        self.dismiss(None)
