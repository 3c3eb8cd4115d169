"""One page of credit history. Page up and page down turn pages instead of scrolling.

A page flip rewrites the cells in place: same row keys, column widths that only grow,
cells as rich ``Text`` (no markup parsing, and an origin holding ``[`` shows as typed),
so DataTable neither rebuilds its rows nor measures every cell again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from aleph_tui.core.models import CreditHistoryEntry
from aleph_tui.ui.widgets import amount_text as fmt

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
Row = tuple[str, ...]


def detail(entry: CreditHistoryEntry) -> str:
    """What the entry is about, in a few words."""
    if entry.payment_method == "credit_transfer" and entry.origin:
        return ("from " if entry.amount > 0 else "to ") + entry.origin
    if entry.payment_method == "credit_expense" and entry.origin_ref:
        return "resource " + entry.origin_ref[:12] + "…"
    if entry.token:
        return " ".join(filter(None, (entry.token, entry.chain)))
    return entry.provider or ""


def cells(entry: CreditHistoryEntry) -> Row:
    """The entry's row, column by column, as plain text."""
    return (
        fmt.utc_minute(entry.timestamp),
        OUTGOING if entry.amount < 0 else INCOMING,
        fmt.credits(entry.amount, signed=True),
        fmt.credits_usd(entry.amount, signed=True),
        entry.payment_method or "",
        detail(entry),
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
    ]

    class PageStep(Message):
        """The user asked for the page ``step`` pages away."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._rows: list[Row] = []  # what each row shows now
        # Styles that hold for one repaint; None outside render_lines.
        self._frame_style: Style | None = None
        self._frame_row_styles: dict[tuple[int, Style], Style] | None = None
        self._widths = [cell_len(label) for _, label in COLUMNS]
        self._add_columns()

    def _add_columns(self) -> None:
        for (key, label), width in zip(COLUMNS, self._widths, strict=True):
            self.add_column(label, key=key, width=width)

    @property
    def rich_style(self) -> Style:
        # DataTable asks for it once per line drawn, and each time walks every ancestor.
        frame = self._frame_style
        return frame if frame is not None else super().rich_style

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines of one repaint, with the table's style worked out once for all."""
        self._frame_style = super().rich_style
        self._frame_row_styles = {}
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None
            self._frame_row_styles = None

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        # Per line, DataTable works out the zebra stripe's style, walking every ancestor;
        # within one repaint there are only odd and even rows (and the header).
        frame = self._frame_row_styles
        if frame is None:
            return super()._get_row_style(row_index, base_style)
        kind = -1 if row_index < max(0, self.fixed_rows) else row_index % 2
        key = (kind if row_index >= 0 else -2, base_style)
        style = frame.get(key)
        if style is None:
            style = frame[key] = super()._get_row_style(row_index, base_style)
        return style

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """DataTable's cell rendering, without Rich's general layout for our cells (one
        line of plain text, no markup, no wrapping): most of the cost of a page flip went
        to padding and wrapping each cell through the console. Anything else (header,
        other cells) takes DataTable's own way; the cache and its keys are DataTable's."""
        if row_index < 0 or column_index < 0 or self.fixed_rows or self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache_key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        lines = self._cell_render_cache.get(cache_key)
        if lines is not None:
            return lines
        cell = self._data.get(row_key, {}).get(column_key)
        row = self.rows.get(row_key)
        if not isinstance(cell, Text) or cell.spans or cell.style or row is None or row.height != 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        plain = cell.plain
        if "\n" in plain:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        padding = " " * self.cell_padding
        inner = max(0, width - 2 * self.cell_padding)
        if cell.justify == "right" and cell_len(plain) < inner:
            plain = " " * (inner - cell_len(plain)) + plain
        style = (
            base_style
            + Style.from_meta({"row": row_index, "column": column_index})
            + component_style
            + post_style
        )
        lines = [[Segment(padding + set_cell_size(plain, inner) + padding, style)]]
        self._cell_render_cache[cache_key] = lines
        return lines

    def action_step_page(self, step: int) -> None:
        self.post_message(self.PageStep(step))

    def show(self, entries: Sequence[CreditHistoryEntry]) -> None:
        """Show these entries, keeping the cursor on the same line when it still exists."""
        rows = [cells(entry) for entry in entries]
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
        """Only the cells that changed; row keys, widths and scroll position stay."""
        # DataTable.update_cell, minus a refresh per cell (~350 a page): write the cells,
        # then one new version of the table and one refresh.
        changed = False
        for index, (new, old) in enumerate(zip(rows, self._rows, strict=True)):
            cells = self._data[RowKey(str(index))]
            for (key, _), value, shown in zip(COLUMNS, new, old, strict=True):
                if value != shown:
                    cells[ColumnKey(key)] = _text(key, value)
                    changed = True
        if changed:
            self._update_count += 1
            self.refresh()

    def _rebuild(self, rows: list[Row], widths: list[int]) -> None:
        cursor = self.cursor_row
        if widths != self._widths:
            self._widths = widths
            self.clear(columns=True)
            self._add_columns()
        else:
            self.clear()
        for index, row in enumerate(rows):
            self.add_row(
                *(_text(key, value) for (key, _), value in zip(COLUMNS, row, strict=True)),
                key=str(index),  # the entry's position on the page
            )
        if rows:
            self.move_cursor(row=min(max(cursor, 0), len(rows) - 1), scroll=True)


def _text(column: str, value: str) -> Text:
    return Text(value, justify="right") if column in RIGHT_ALIGNED else Text(value)
