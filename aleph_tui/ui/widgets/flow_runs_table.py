"""The payment processor's runs, newest first: what came in, the ALEPH it turned into,
what went to the network and what was burned, and a link to the transaction.

Signs read from the processor's side: ``+`` for what it received or bought, ``−`` for
what left it (to the network, burned); never colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

from aleph_tui.core.flows.token_flow import ProcessingRun
from aleph_tui.ui.widgets import amount_text as fmt

COLUMNS = ("Date", "Token in", "Amount in", "ALEPH out", "To network", "Burned", "Type", "Tx")


def signed(value: Decimal | None, sign: str) -> str:
    """``+1,234.5`` / ``−12``; zero has no sign; ``?`` when unknown."""
    if value is None:
        return "?"
    text = fmt.token(value)
    return text if value == 0 else sign + text


def right(text: str) -> Text:
    return Text(text, justify="right")


def tx_link(tx_hash: str | None, url: str | None) -> Text | str:
    if not tx_hash:
        return "—"
    short = tx_hash[:10] + "…"
    return Text(short, style=Style(link=url)) if url else short


class FlowRunsTable(DataTable[str | Text]):
    DEFAULT_CSS = """
    FlowRunsTable { height: auto; max-height: 14; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.add_columns(*COLUMNS)

    def show(self, runs: Sequence[ProcessingRun]) -> None:
        self.clear()
        for run in runs:
            self.add_row(
                fmt.utc_minute(run.timestamp, empty="?"),
                run.token_symbol or run.token,
                right(signed(run.amount_in, "+")),
                right(signed(run.aleph_out, "+")),
                right(signed(run.to_network, fmt.MINUS)),
                right(signed(run.burned, fmt.MINUS)),
                run.kind,
                tx_link(run.tx_hash, run.explorer_url),
                key=f"{run.block_number}:{run.log_index}",
            )
