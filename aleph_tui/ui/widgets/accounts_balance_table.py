"""Every account side by side: name, short address, ALEPH, credits and their USD value."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from aleph_tui.core.models import Balance
from aleph_tui.ui.widgets import amount_text as fmt

ACTIVE_MARKER = "▶"


def short_address(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


@dataclass(frozen=True)
class AccountBalanceRow:
    name: str
    address: str
    active: bool
    balance: Balance | None  # the latest known balance, fresh or stale
    status: str = ""  # empty when fresh; "stale …" or "unavailable: …" otherwise


class AccountsBalanceTable(DataTable[str | Text]):
    """One row per account, keyed by address; ▶ marks the active one. Enter selects."""

    DEFAULT_CSS = """
    AccountsBalanceTable { height: auto; max-height: 12; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.add_column("", key="active", width=1)
        self.add_column("Account", key="name")
        self.add_column("Address", key="address")
        self.add_column("ALEPH", key="aleph")
        self.add_column("Credits", key="credits")
        self.add_column("USD", key="usd")
        self.add_column("Status", key="status")

    def show(self, rows: list[AccountBalanceRow], *, hide: bool) -> None:
        cursor = self.cursor_row
        self.clear()
        for row in rows:
            balance = row.balance
            if balance is None:
                amounts = [fmt.UNAVAILABLE] * 3
            else:
                amounts = [
                    fmt.hidden(fmt.token(balance.aleph), hide),
                    fmt.hidden(fmt.credits(balance.credits), hide),
                    fmt.hidden(fmt.usd(balance.credits_usd), hide),
                ]
            self.add_row(
                ACTIVE_MARKER if row.active else "",
                row.name,
                short_address(row.address),
                *(Text(a, justify="right") for a in amounts),
                row.status,
                key=row.address,
            )
        if rows:
            self.move_cursor(row=min(cursor, len(rows) - 1))
