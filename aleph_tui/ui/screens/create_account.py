"""New account: a name, and a password when the key goes to a keystore file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from aleph_tui.core.accounts.account_store import Account
from aleph_tui.core.validation import InvalidInput
from aleph_tui.ui.screens.form import FormModal

NAME_RESTRICT = r"[A-Za-z0-9_-]*"


@dataclass(frozen=True)
class CreateRequest:
    name: str
    password: str | None = field(default=None, repr=False)  # None: the OS keyring


class CreateAccountModal(FormModal[Account]):
    """Dismisses with the new account, or None when cancelled."""

    form_id = "create"
    failure_title = "Account not created"

    def __init__(self, submit: Callable[[CreateRequest], Awaitable[Account]]) -> None:
        super().__init__()
        self._submit = submit

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="create-dialog"):
            yield Static("New account", classes="dialog-title")
            yield Static(
                "A new random key, kept in the OS keyring as the aleph CLI keeps it.",
                classes="form-hint",
            )
            yield Label("Name", classes="form-label")
            yield Input(placeholder="e.g. main", restrict=NAME_RESTRICT, id="create-name")
            yield from self.keystore_choice()
            yield self.error_line()
            yield self.buttons("Create")

    def submit(self) -> None:
        self.run_request(self._request, self._submit)

    def _request(self) -> CreateRequest:
        name = self.value("name").strip()
        if not name:
            raise InvalidInput("name", "is required")
        return CreateRequest(name, self.new_password())
