"""One page of credit history. Page up and page down turn pages instead of scrolling.

A plain DataTable through its public API only, of ONE column: each row is the entry's
line, its fields laid out at the widths of the columns the header names. On screen it
is the same as a DataTable of seven columns (each with DataTable's one space of padding
either side), but DataTable lays out one cell per line instead of seven, which is most
of a page flip's time (Rich renders every cell through a Padding). The row cursor,
zebra stripes, scrolling and DataTable's messages are DataTable's own.

A page flip rewrites the lines in place (``update_cell``): the same row keys, column
widths that only grow, lines as rich ``Text`` (no markup parsing, and an origin holding
``[`` shows as typed). A page of another length, or wider cells, clears the table and
adds the page's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import DataTable

from aleph_tui.core.aleph.history_models import CreditHistoryEntry
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.copy_value import Names, copy_binding, copy_value, known_address

INCOMING = "↓ in"
OUTGOING = "↑ out"
COLUMNS: tuple[tuple[str, str], ...] = (
    ("timestamp", "Date (UTC)"),
    ("direction", "Direction"),
    ("amount", "Credits"),
    ("usd", "USD"),
    ("method", "Method"),
    ("detail", "Detail"),
    ("expiration", "Expires (UTC)"),
)
RIGHT_ALIGNED = frozenset({"amount", "usd"})
PAGE_COLUMN = "page"  # the one column of the DataTable
GAP = "  "  # a column's right padding and the next one's left padding, as DataTable pads
Row = tuple[str, ...]


def detail(entry: CreditHistoryEntry, names: Names) -> str:
    """The entry's detail, with the name of a known counterparty: ``from main (0x12…ab)``."""
    origin = entry.origin
    if origin and origin.lower() in names:
        return entry.detail.replace(origin, known_address(origin, names))
    return entry.detail


def cells(entry: CreditHistoryEntry, names: Names | None = None) -> Row:
    """The entry's row, column by column, as plain text."""
    return (
        fmt.utc_minute(entry.timestamp),
        OUTGOING if entry.amount < 0 else INCOMING,
        fmt.credits(entry.amount, signed=True),
        fmt.credits_usd(entry.amount, signed=True),
        entry.payment_method or "",
        detail(entry, names or {}),
        fmt.utc_minute(entry.expiration),
    )


class HistoryTable(DataTable[Text]):
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
        copy_binding("history-table-copy", "entry's tx hash, else its counterparty's address"),
    ]

    class PageStep(Message):
        """The user asked for the page ``step`` pages away."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._rows: list[Row] = []  # what each row shows now
        self._widths = [cell_len(label) for _, label in COLUMNS]
        self._repaint_style: Style | None = None  # rich_style, within one repaint
        self.names: Names = {}  # known addresses' names, for the detail column
        self.entries: list[CreditHistoryEntry] = []  # as shown, row by row
        self._add_column()

    @property
    def rich_style(self) -> Style:
        # DataTable asks for it several times per line drawn, and each time it walks
        # every ancestor; within one repaint it cannot change.
        style = self._repaint_style
        return style if style is not None else super().rich_style

    def render_lines(self, crop: Region) -> list[Strip]:
        self._repaint_style = super().rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._repaint_style = None

    @property
    def column_widths(self) -> list[int]:
        """The width of each of COLUMNS' fields within a line."""
        return list(self._widths)

    def shown_cells(self, row: int) -> Row:
        """The fields of a row as the line shows them, column by column."""
        line = self.get_row_at(row)[0].plain
        fields = []
        for width in self._widths:
            fields.append(line[:width].strip())
            line = line[width + len(GAP) :]
        return tuple(fields)

    def _add_column(self) -> None:
        header = GAP.join(
            label.rjust(width) if key in RIGHT_ALIGNED else set_cell_size(label, width)
            for (key, label), width in zip(COLUMNS, self._widths, strict=True)
        )
        width = sum(self._widths) + len(GAP) * (len(COLUMNS) - 1)
        self.add_column(Text(header), key=PAGE_COLUMN, width=width)

    def _line(self, row: Row) -> Text:
        fields = []
        for (key, _), value, width in zip(COLUMNS, row, self._widths, strict=True):
            pad = " " * max(0, width - cell_len(value))
            fields.append(pad + value if key in RIGHT_ALIGNED else set_cell_size(value, width))
        return Text(GAP.join(fields))

    def action_copy(self) -> None:
        """``c``: the selected entry's tx hash, else the address it came from or went to."""
        row = self.cursor_row
        entry = self.entries[row] if 0 <= row < len(self.entries) else None
        if entry is not None and entry.tx_hash:
            copy_value(self, "Tx hash", entry.tx_hash)
        else:
            copy_value(self, "Address", entry.origin if entry is not None else None)

    def action_step_page(self, step: int) -> None:
        self.post_message(self.PageStep(step))

    def show(self, entries: Sequence[CreditHistoryEntry]) -> None:
        """Show these entries, keeping the cursor on the same line when it still exists."""
        self.entries = list(entries)
        rows = [cells(entry, self.names) for entry in entries]
        # Widths grow to fit and never shrink while paging: columns don't jump about.
        widths = [cell_len(label) for _, label in COLUMNS]
        if rows:
            widths = [
                max(width, *map(cell_len, column))
                for width, column in zip(self._widths, zip(*rows, strict=True), strict=True)
            ]
        if len(rows) == len(self._rows) and widths == self._widths:
            self._update_in_place(rows)
        else:
            self._rebuild(rows, widths)
        self._rows = rows

    def _update_in_place(self, rows: list[Row]) -> None:
        """Only the lines that changed; row keys, widths and scroll position stay."""
        for index, (new, old) in enumerate(zip(rows, self._rows, strict=True)):
            if new != old:
                # Each call asks for a refresh; Textual paints them as one.
                self.update_cell(str(index), PAGE_COLUMN, self._line(new))

    def _rebuild(self, rows: list[Row], widths: list[int]) -> None:
        cursor = self.cursor_row
        if widths != self._widths:
            self._widths = widths
            self.clear(columns=True)
            self._add_column()
        else:
            self.clear()
        for index, row in enumerate(rows):
            self.add_row(self._line(row), key=str(index))  # the entry's position on the page
        if rows:
            self.move_cursor(row=min(max(cursor, 0), len(rows) - 1), scroll=True)
