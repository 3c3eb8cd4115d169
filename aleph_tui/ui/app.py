"""The Textual application: tabs of views over the credit service facade."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from aleph_tui.ui.views import all_views

if TYPE_CHECKING:
    from aleph_tui.core.accounts import Account
    from aleph_tui.core.service import CreditService


def short_address(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


class AlephApp(App[None]):
    TITLE = "aleph-tui"
    CSS = """
    #no-views { padding: 1 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave aleph-tui"),
    ]

    active_account: reactive[Account | None] = reactive(None, always_update=True)

    def __init__(self, service: CreditService) -> None:
        super().__init__()
        self.service = service
        self.accounts: list[Account] = []

    def compose(self) -> ComposeResult:
        yield Header()
        views = all_views()
        if not views:
            yield Static("No views yet.", id="no-views")
        with TabbedContent(id="views"):
            for view in views:
                with TabPane(f"{view.key} {view.title}", id=f"tab-{view.view_id}"):
                    yield view(id=view.view_id)
        yield Footer()

    def on_mount(self) -> None:
        self.accounts = self.service.account_list()
        default = self.service.accounts.default()
        self.active_account = default or (self.accounts[0] if self.accounts else None)

    def watch_active_account(self, account: Account | None) -> None:
        network = self.service.network.name
        if account is None:
            self.sub_title = f"{network} · no account"
        else:
            self.sub_title = f"{network} · {account.name} {short_address(account.address)}"

    async def on_unmount(self) -> None:
        await self.service.aclose()
