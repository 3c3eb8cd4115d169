"""One page of credit history. Page up and page down turn pages instead of scrolling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from aleph_tui.core.models import CreditHistoryEntry
from aleph_tui.ui.widgets import amount_text as fmt

INCOMING = "↓ in"
OUTGOING = "↑ out"


def detail(entry: CreditHistoryEntry) -> str:
    """What the entry is about, in a few words."""
    if entry.payment_method == "credit_transfer" and entry.origin:
        return ("from " if entry.amount > 0 else "to ") + entry.origin
    if entry.payment_method == "credit_expense" and entry.origin_ref:
        return "resource " + entry.origin_ref[:12] + "…"
    if entry.token:
        return " ".join(filter(None, (entry.token, entry.chain)))
    return entry.provider or ""


class HistoryTable(DataTable[str | Text]):
    DEFAULT_CSS = """
    HistoryTable { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "pagedown",
            "step_page(1)",
            "Next page",
            show=False,
            id="history-table-next-page",
            tooltip="Load the next page of history",
        ),
        Binding(
            "pageup",
            "step_page(-1)",
            "Previous page",
            show=False,
            id="history-table-previous-page",
            tooltip="Load the previous page of history",
        ),
    ]

    class PageStep(Message):
        """The user asked for the page ``step`` pages away."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.add_column("Date (UTC)", key="timestamp")
        self.add_column("Direction", key="direction")
        self.add_column("Credits", key="amount")
        self.add_column("USD", key="usd")
        self.add_column("Method", key="method")
        self.add_column("Detail", key="detail")
        self.add_column("Expires (UTC)", key="expiration")

    def action_step_page(self, step: int) -> None:
        self.post_message(self.PageStep(step))

    def show(self, entries: Sequence[CreditHistoryEntry]) -> None:
        """Replace the rows, keeping the cursor on the same line when it still exists."""
        cursor = self.cursor_row
        self.clear()
        for index, entry in enumerate(entries):
            self.add_row(
                fmt.utc_minute(entry.timestamp),
                OUTGOING if entry.amount < 0 else INCOMING,
                Text(fmt.credits(entry.amount, signed=True), justify="right"),
                Text(fmt.credits_usd(entry.amount, signed=True), justify="right"),
                entry.payment_method or "",
                detail(entry),
                fmt.utc_minute(entry.expiration),
                key=str(index),  # the entry's position on the page
            )
        if entries:
            self.move_cursor(row=min(max(cursor, 0), len(entries) - 1), scroll=True)
