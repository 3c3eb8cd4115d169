"""Pick the active account: a list of names and short addresses; Enter selects."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from aleph_tui.ui.widgets.amount_text import short_address

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from aleph_tui.core.accounts.account_store import Account


class AccountPicker(ModalScreen["Account | None"]):
    """Dismisses with the account chosen, or None (Escape)."""

    DEFAULT_CSS = """
    AccountPicker { align: center middle; }
    AccountPicker > Vertical {
        width: 72; height: auto; max-height: 80%; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    AccountPicker OptionList { height: auto; max-height: 20; margin-top: 1; }
    AccountPicker .hint { color: $text-muted; margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker-cancel", tooltip="Keep the account"),
    ]

    def __init__(self, accounts: list[Account], active: Account | None) -> None:
        super().__init__()
        self.accounts = accounts
        self.active = active

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Switch account[/b]")
            options = OptionList(*(self._option(a) for a in self.accounts), id="accounts")
            yield options
            yield Label("Enter to switch · Escape to cancel", classes="hint")

    def _option(self, account: Account) -> Option:
        prompt = Text.assemble(
            ("● " if account == self.active else "  ", "bold"),
            (f"{account.name:<20}", "bold"),
            f" {short_address(account.address)}",
            (f"  {account.kind_display}", "italic" if account.watch_only else "dim"),
        )
        return Option(prompt, id=account.name)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.active is not None and self.active in self.accounts:
            options.highlighted = self.accounts.index(self.active)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.accounts[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
