"""Every field of one history entry, each copyable (OSC 52, so it works over SSH too)."""

from __future__ import annotations

import json
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from aleph_tui.core.aleph.history_models import CreditHistoryEntry
from aleph_tui.core.flows.history_export import entry_record
from aleph_tui.core.formatting import iso_utc, plain_decimal
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.copy_value import Names
from aleph_tui.ui.widgets.history_table import INCOMING, OUTGOING


def entry_fields(entry: CreditHistoryEntry) -> list[tuple[str, str]]:
    """(label, value) pairs; a missing value is an empty string (shown as "—")."""

    def text(value: object) -> str:
        return "" if value is None else str(value)

    return [
        ("Date", text(iso_utc(entry.timestamp))),
        ("Direction", OUTGOING if entry.amount < 0 else INCOMING),
        ("Credits", fmt.credits(entry.amount, signed=True)),
        ("USD", fmt.credits_usd(entry.amount, signed=True)),
        ("Payment method", text(entry.payment_method)),
        ("Tx hash", text(entry.tx_hash)),
        ("Origin", text(entry.origin)),
        ("Origin ref", text(entry.origin_ref)),
        ("Expiration", text(iso_utc(entry.expiration))),
        ("Price", "" if entry.price is None else plain_decimal(entry.price)),
        ("Credit ref", entry.credit_ref),
        ("Credit index", str(entry.credit_index)),
        ("Token", text(entry.token)),
        ("Chain", text(entry.chain)),
        ("Provider", text(entry.provider)),
        ("Bonus", "" if entry.bonus_amount is None else fmt.credits(entry.bonus_amount)),
        ("Expense count", text(entry.expense_count)),
        (
            "Expense size (MiB)",
            "" if entry.expense_size_mib is None else plain_decimal(entry.expense_size_mib),
        ),
    ]


class HistoryDetailModal(ModalScreen[None]):
    DEFAULT_CSS = """
    HistoryDetailModal { align: center middle; }
    HistoryDetailModal > Vertical {
        width: 110; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    HistoryDetailModal #detail-fields { height: auto; max-height: 22; }
    HistoryDetailModal #detail-hint { color: $text-muted; }
    HistoryDetailModal Horizontal { height: auto; align-horizontal: right; }
    HistoryDetailModal Button { margin-left: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "c",
            "copy_field",
            "Copy",
            id="history-detail-copy",
            tooltip="Copy the selected field's value to the clipboard",
        ),
        Binding(
            "y",
            "copy_all",
            "Copy all (JSON)",
            id="history-detail-copy-all",
            tooltip="Copy the whole entry as JSON to the clipboard",
        ),
        Binding(
            "escape",
            "close",
            "Close",
            id="history-detail-close",
            tooltip="Close the entry's details",
        ),
    ]

    def __init__(self, entry: CreditHistoryEntry, *, names: Names | None = None) -> None:
        super().__init__()
        self.entry = entry
        self.fields = entry_fields(entry)  # what is copied: the values themselves
        self.names = names or {}

    def shown_value(self, label: str, value: str) -> str:
        """What a field shows: a known origin with its name, its whole address beside it."""
        name = self.names.get(value.lower()) if label == "Origin" and value else None
        return f"{name} · {value}" if name else value

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "History entry"
            table: DataTable[str | Text] = DataTable(
                id="detail-fields", cursor_type="row", show_header=False
            )
            table.add_column("Field", key="field")
            table.add_column("Value", key="value")
            for index, (label, value) in enumerate(self.fields):
                shown = self.shown_value(label, value)
                table.add_row(label, shown or Text("—", style="dim"), key=str(index))
            yield table
            yield Static(
                "Enter or c copies the selected value · y copies the entry as JSON",
                id="detail-hint",
                markup=False,
            )
            with Horizontal():
                yield Button("Copy value", id="detail-copy")
                yield Button("Copy JSON", id="detail-copy-all")
                yield Button("Close", id="detail-close", variant="primary")

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def _copy(self, label: str, value: str) -> None:
        if not value:
            self.notify(f"{label} is empty: nothing copied", severity="warning")
            return
        self.app.copy_to_clipboard(value)
        self.notify(f"{label} copied to the clipboard", title="Copied")

    def action_copy_field(self) -> None:
        table = self.query_one(DataTable)
        if 0 <= table.cursor_row < len(self.fields):
            self._copy(*self.fields[table.cursor_row])

    def action_copy_all(self) -> None:
        self._copy("Entry", json.dumps(entry_record(self.entry), indent=2))

    def action_close(self) -> None:
        self.dismiss(None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._copy(*self.fields[event.cursor_row])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "detail-copy":
            self.action_copy_field()
        elif event.button.id == "detail-copy-all":
            self.action_copy_all()
        else:
            self.dismiss(None)
