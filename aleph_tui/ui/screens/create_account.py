"""New account: a name, and a password when the key goes to a keystore file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from aleph_tui.core.accounts.account_store import Account
from aleph_tui.core.validation import InvalidInput, new_account_name
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

    def __init__(
        self,
        submit: Callable[[CreateRequest], Awaitable[Account]],
        *,
        accounts: Collection[str] = (),
        aliases: Collection[str] = (),
    ) -> None:
        super().__init__()
        self._submit = submit
        self.taken = (accounts, aliases)  # names already used: checked as typed

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="create-dialog"):
            yield Static("New account", classes="dialog-title")
            yield Static(
                "A new random key, kept in the OS keyring as the aleph CLI keeps it.",
                classes="form-hint",
            )
            yield Label("Name", classes="form-label")
            yield Input(placeholder="e.g. main", restrict=NAME_RESTRICT, id="create-name")
            yield self.field_rule("name")
            yield from self.keystore_choice()
            yield self.field_rule("password")
            yield self.error_line()
            yield self.buttons("Create")

    def submit(self) -> None:
        self.run_request(self._request, self._submit)

    def live_errors(self) -> dict[str, str | None]:
        return {
            "name": name_error(self.value("name"), *self.taken),
            "password": self.new_password_error(),
        }

    def complete(self) -> bool:
        return bool(self.value("name").strip()) and self.passwords_typed()

    def _request(self) -> CreateRequest:
        accounts, aliases = self.taken
        name = new_account_name(self.value("name"), accounts=accounts, aliases=aliases)
        return CreateRequest(name, self.new_password())


def name_error(text: str, accounts: Collection[str], aliases: Collection[str]) -> str | None:
    """A new account's name as typed: quiet while empty, else core's ``new_account_name``
    rule it breaks (None when it is free)."""
    if not text.strip():
        return None
    try:
        new_account_name(text, accounts=accounts, aliases=aliases)
    except InvalidInput as exc:
        return str(exc)
    return None
