"""The Textual application. Until the full dashboard lands it shows the network's
accounts with their ALEPH and credit balances."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from aleph_tui.core.models import Balance
from aleph_tui.core.service import CreditService


def _aleph(value: Decimal) -> str:
    return f"{value:,.4f}"


def _credits(balance: Balance) -> str:
    return f"{balance.credits:,} (${balance.credits_usd:,.2f})"


class AlephTuiApp(App[None]):
    TITLE = "aleph-tui"
    CSS = """
    #status { height: 1; padding: 0 1; color: $text-muted; }
    DataTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", id="refresh", tooltip="Reload every balance"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave aleph-tui"),
    ]

    def __init__(self, api_url: str, network: str = "devnet") -> None:
        super().__init__()
        self.api_url = api_url
        self.network = network
        self.service = CreditService(api_url)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading accounts…", id="status")
        yield DataTable(id="accounts", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.network} · {self.api_url}"
        table = self.query_one(DataTable)
        table.add_columns("#", "Address", "ALEPH", "Credits")
        self.action_refresh()

    async def on_unmount(self) -> None:
        await self.service.aclose()

    @work(name="load-balances", group="balances", exclusive=True, exit_on_error=False)
    async def action_refresh(self) -> None:
        status = self.query_one("#status", Static)
        table = self.query_one(DataTable)
        table.loading = True
        try:
            info = await self.service.devnet_info()
            balances = await self.service.balances(info.accounts)
        except Exception as exc:
            status.update(f"Unavailable: {exc}. Press r to retry.")
            self.notify(str(exc), title="Could not load balances", severity="error")
            return
        finally:
            table.loading = False
        table.clear()
        for index, (address, balance) in enumerate(zip(info.accounts, balances, strict=True)):
            if isinstance(balance, Balance):
                table.add_row(str(index), address, _aleph(balance.aleph), _credits(balance))
            else:
                table.add_row(str(index), address, "unavailable", "unavailable")
        status.update(f"{len(info.accounts)} accounts on chain {info.chain_id}")
