"""The latest COMPLETED credit purchases, newest first: the chain, what was paid, its USD
value (``+``: money in), the credits granted (``+``) and the proof (tx or message hash)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

from aleph_tui.core.flows.token_flow import CreditPurchase
from aleph_tui.ui.widgets import amount_text as fmt

COLUMNS = ("Date", "Chain", "Paid in", "USD paid", "Credits", "Proof")
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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.add_columns(*COLUMNS)

    def show(self, purchases: Sequence[CreditPurchase], explorer_tx_base: str | None) -> None:
        self.clear()
        for index, purchase in enumerate(purchases[:LATEST]):
            amount = purchase.amount
            paid = "?" if amount is None else fmt.token(amount)
            self.add_row(
                fmt.utc_minute(purchase.created_at, empty="?"),
                purchase.chain or "?",
                f"{paid} {purchase.currency or '?'}",
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
