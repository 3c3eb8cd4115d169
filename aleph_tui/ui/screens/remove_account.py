"""Remove an account and its key, once the user has typed the account's name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from aleph_tui.core.accounts.account_store import Account
from aleph_tui.ui.screens.form import FormModal

WHAT_GOES = {
    "local": "Its private key is deleted from the OS keyring.",
    "keystore": "Its keystore file is deleted.",
    "ledger": "Only this entry goes: the Ledger device keeps its key.",
}


class RemoveAccountModal(FormModal[str]):
    """Dismisses with the removed account's name, or None when cancelled."""

    form_id = "remove"
    failure_title = "Account not removed"

    def __init__(
        self,
        account: Account,
        submit: Callable[[str], Awaitable[None]],
        *,
        session_keys: bool = False,
    ) -> None:
        super().__init__()
        self.account = account
        self._submit = submit
        self._session_keys = session_keys  # keys in the --devnet session's own keyring

    def compose(self) -> ComposeResult:
        account = self.account
        with Vertical(classes="dialog", id="remove-dialog"):
            if account.watch_only:  # no key here: removing it only stops the watch
                yield Static(f"Stop watching '{account.name}'?", classes="dialog-title")
                yield Static(
                    f"{account.address}\nOnly the watch goes: aleph-tui has no key for it, "
                    "and the address keeps its credits.",
                    classes="form-hint",
                )
            else:
                yield Static(f"Remove account '{account.name}'?", classes="dialog-title")
                what = WHAT_GOES.get(account.kind, "")
                if account.kind == "local" and self._session_keys:
                    what = "Its private key is deleted from this session's throwaway keyring."
                yield Static(
                    f"{account.address}\n{what} This cannot be undone: export the key first "
                    "if you may need it again.",
                    classes="form-hint",
                )
            yield Label(f"Type {account.name} to confirm", classes="form-label")
            yield Input(placeholder=account.name, id="remove-confirm")
            yield self.field_rule("confirm")
            yield self.error_line()
            yield self.buttons("Remove", variant="error")

    @property
    def matches(self) -> bool:
        return self.value("confirm") == self.account.name

    def live_errors(self) -> dict[str, str | None]:
        typed = self.value("confirm")
        if not typed or self.matches:
            return {"confirm": None}
        return {"confirm": f"does not match '{self.account.name}': Remove stays off"}

    def complete(self) -> bool:
        return self.matches

    def recheck(self) -> None:
        super().recheck()
        # A match reads differently from a mismatch, not only by the button's state.
        rule = self.query_one("#remove-confirm-rule", Static)
        rule.set_class(self.matches, "-ok")
        if self.matches:
            rule.update(f"✓ matches: Remove deletes '{self.account.name}'")
            rule.display = True

    def submit(self) -> None:
        if self.value("confirm") != self.account.name:
            self.show_error(f"That is not '{self.account.name}': nothing was removed.")
            return
        name = self.account.name
        self.run_job(lambda: self._remove(name))

    async def _remove(self, name: str) -> str:
        await self._submit(name)
        return name
