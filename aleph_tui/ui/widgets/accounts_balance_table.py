"""Every account side by side: name, short address, ALEPH, credits and their USD value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widgets import DataTable

from aleph_tui.core.aleph.models import Balance
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.copy_value import copy_binding, copy_value

ACTIVE_MARKER = "▶"
COLUMN_KEYS = ("active", "name", "address", "aleph", "credits", "usd", "status")
# "Status" as wide as its loading text: an auto-width column only grows, so without it
# the width would depend on whether "loading…" was drawn before the balances came.
COLUMN_LABELS = ("", "Account", "Address", "ALEPH", "Credits", "USD", "Status  ")
FIGURES = frozenset({"aleph", "credits", "usd"})  # aligned right


@dataclass(frozen=True)
class AccountBalanceRow:
    name: str
    address: str
    active: bool
    balance: Balance | None  # the latest known balance, fresh or stale
    status: str = ""  # empty when fresh; "stale …" or "unavailable: …" otherwise
    # What stands in for the amounts without a balance: a skeleton while it is loading.
    placeholder: str = fmt.UNAVAILABLE
    watch_only: bool = False  # an address followed without a key (cannot sign)


class AccountsBalanceTable(DataTable[str | Text]):
    """One row per account, keyed by address; ▶ marks the active one. Enter selects,
    ``c`` copies the row's whole address."""

    BINDINGS: ClassVar[list[BindingType]] = [copy_binding("balance-accounts-copy", "address")]

    DEFAULT_CSS = """
    AccountsBalanceTable { height: auto; max-height: 12; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._shown: dict[str, tuple[str | Text, ...]] = {}  # the cells of each row

    def on_mount(self) -> None:
        for key, label in zip(COLUMN_KEYS, COLUMN_LABELS, strict=True):
            title = Text(label, justify="right") if key in FIGURES else label
            self.add_column(title, key=key, width=1 if key == "active" else None)

    def show(self, rows: list[AccountBalanceRow], *, hide: bool) -> None:
        """Show ``rows``. When the accounts are the ones already shown, in the same order,
        only the cells whose text changed are updated: the cursor, the scroll position and
        the other rows stay as they are (a refresh of 50 accounts touches each row as its
        balance arrives). Otherwise the table is rebuilt."""
        keys = [row.address for row in rows]
        if keys == [key.value for key in self.rows]:
            for row in rows:
                self.show_row(row, hide=hide)
            return
        cursor = self.cursor_row
        self.clear()
        self._shown = {}
        for row in rows:
            cells = self._cells(row, hide)
            self._shown[row.address] = cells
            self.add_row(*cells, key=row.address)
        if rows:
            self.move_cursor(row=min(cursor, len(rows) - 1))

    def action_copy(self) -> None:
        rows = self.ordered_rows
        address = rows[self.cursor_row].key.value if 0 <= self.cursor_row < len(rows) else None
        copy_value(self, "Address", address)

    def show_row(self, row: AccountBalanceRow, *, hide: bool) -> None:
        """Update the cells of one account already in the table."""
        cells = self._cells(row, hide)
        before = self._shown.get(row.address)
        if before == cells:
            return
        for index, (column, cell) in enumerate(zip(COLUMN_KEYS, cells, strict=True)):
            if before is None or before[index] != cell:
                self.update_cell(row.address, column, cell, update_width=True)
        self._shown[row.address] = cells

    @staticmethod
    def _cells(row: AccountBalanceRow, hide: bool) -> tuple[str | Text, ...]:
        balance = row.balance
        if balance is None:
            amounts = [row.placeholder] * 3
        else:
            amounts = [
                fmt.hidden(fmt.token(balance.aleph), hide),
                fmt.hidden(fmt.credits(balance.credits), hide),
                fmt.hidden(fmt.usd(balance.credits_usd), hide),
            ]
        return (
            ACTIVE_MARKER if row.active else "",
            Text.assemble(row.name, (" · watch-only", "italic")) if row.watch_only else row.name,
            fmt.short_address(row.address),
            *(Text(a, justify="right") for a in amounts),
            row.status,
        )
