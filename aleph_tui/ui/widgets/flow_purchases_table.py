"""The latest COMPLETED credit purchases, newest first: the chain, what was paid, its USD
value (``+``: money in), the credits granted (``+``) and the proof (tx or message hash)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import BindingType
from textual.widgets import DataTable

from aleph_tui.core.flows.token_flow import CreditPurchase
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.copy_value import copy_binding, copy_value

COLUMNS = ("Date", "Chain", "Paid in", "USD paid", "Credits", "Proof")
FIGURES = frozenset({"Paid in", "USD paid", "Credits"})  # aligned right
LATEST = 50


def proof(purchase: CreditPurchase, explorer_tx_base: str | None) -> Text | str:
    if purchase.tx_hash:
        short = purchase.tx_hash[:10] + "…"
        if explorer_tx_base:
            return Text(short, style=Style(link=explorer_tx_base + purchase.tx_hash))
        return short
    if purchase.item_hash:
        return "msg " + purchase.item_hash[:10] + "…"
    return "—"


class FlowPurchasesTable(DataTable[str | Text]):
    DEFAULT_CSS = """
    FlowPurchasesTable { height: auto; max-height: 12; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        copy_binding("flow-purchases-copy", "purchase's proof (tx or message hash)")
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.purchases: list[CreditPurchase] = []  # as shown, row by row

    def action_copy(self) -> None:
        """``c``: the whole proof of the selected purchase (the table shows its start)."""
        row = self.cursor_row
        if 0 <= row < len(self.purchases):
            purchase = self.purchases[row]
            if purchase.tx_hash or not purchase.item_hash:
                copy_value(self, "Tx hash", purchase.tx_hash)
            else:
                copy_value(self, "Message hash", purchase.item_hash)
        else:
            copy_value(self, "Proof", None)

    def on_mount(self) -> None:
        for label in COLUMNS:
            self.add_column(Text(label, justify="right") if label in FIGURES else label)

    def show(self, purchases: Sequence[CreditPurchase], explorer_tx_base: str | None) -> None:
        self.clear()
        self.purchases = list(purchases[:LATEST])
        for index, purchase in enumerate(self.purchases):
            amount = purchase.amount
            paid = "?" if amount is None else fmt.token(amount)
            self.add_row(
                fmt.utc_minute(purchase.created_at, empty="?"),
                purchase.chain or "?",
                Text(f"{paid} {purchase.currency or '?'}", justify="right"),
                Text(
                    "?" if purchase.usd is None else fmt.usd(purchase.usd, signed=True),
                    justify="right",
                ),
                Text(
                    "?" if purchase.credits is None else fmt.credits(purchase.credits, signed=True),
                    justify="right",
                ),
                proof(purchase, explorer_tx_base),
                key=f"{index}:{purchase.id}",
            )
