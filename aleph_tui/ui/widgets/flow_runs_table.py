"""The payment processor's runs, newest first: what came in, the ALEPH it turned into,
what went to the network and what was burned, and a link to the transaction.

Signs read from the processor's side: ``+`` for what it received or bought, ``−`` for
what left it (to the network, burned); never colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import BindingType
from textual.widgets import DataTable

from aleph_tui.core.flows.token_flow import ProcessingRun
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.copy_value import copy_binding, copy_value

COLUMNS = ("Date", "Token in", "Amount in", "ALEPH out", "To network", "Burned", "Type", "Tx")
FIGURES = frozenset({"Amount in", "ALEPH out", "To network", "Burned"})  # aligned right


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

    BINDINGS: ClassVar[list[BindingType]] = [copy_binding("flow-runs-copy", "run's tx hash")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.runs: list[ProcessingRun] = []  # as shown, row by row

    def action_copy(self) -> None:
        """``c``: the whole tx hash of the selected run (the table shows its start)."""
        row = self.cursor_row
        copy_value(self, "Tx hash", self.runs[row].tx_hash if 0 <= row < len(self.runs) else None)

    def on_mount(self) -> None:
        for label in COLUMNS:
            self.add_column(Text(label, justify="right") if label in FIGURES else label)

    def show(self, runs: Sequence[ProcessingRun]) -> None:
        self.clear()
        self.runs = list(runs)
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
