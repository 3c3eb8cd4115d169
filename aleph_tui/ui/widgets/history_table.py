"""One page of credit history. Page up and page down turn pages instead of scrolling.

A page flip rewrites the cells in place: same row keys, column widths that only grow,
cells as rich ``Text`` (no markup parsing, and an origin holding ``[`` shows as typed),
so DataTable neither rebuilds its rows nor measures every cell again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from aleph_tui.core.aleph.history_models import CreditHistoryEntry
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
_CELL_STYLES_KEPT = 4096
Row = tuple[str, ...]
SegmentLines = list[list[Segment]]


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
        self._frame: _Frame | None = None  # what holds for one repaint
        self._cell_styles: dict[tuple[Style, int, int, Style, Style], Style] = {}
        self._widths = [cell_len(label) for _, label in COLUMNS]
        self._add_columns()

    def _add_columns(self) -> None:
        for (key, label), width in zip(COLUMNS, self._widths, strict=True):
            self.add_column(label, key=key, width=width)

    @property
    def rich_style(self) -> Style:
        # DataTable asks for it once per line drawn, and each time walks every ancestor.
        frame = self._frame
        return frame.style if frame is not None else super().rich_style

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines of one repaint, with what holds for all of them worked out once."""
        columns = self.ordered_columns
        self._frame = _Frame(
            style=super().rich_style,
            columns=[column.key for column in columns],
            widths=[column.get_render_width(self) for column in columns],
            width=self.size.width,
            padding=self.cell_padding,
        )
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        # Per line, DataTable works out the zebra stripe's style, walking every ancestor;
        # within one repaint there are only odd and even rows (and the header).
        frame = self._frame
        if frame is None:
            return super()._get_row_style(row_index, base_style)
        kind = -1 if row_index < max(0, self.fixed_rows) else row_index % 2
        key = (kind if row_index >= 0 else -2, base_style)
        style = frame.row_styles.get(key)
        if style is None:
            style = frame.row_styles[key] = super()._get_row_style(row_index, base_style)
        return style

    def _cursor_styles(self, frame: _Frame, hover: bool, cursor: bool) -> tuple[Style, Style]:
        """DataTable's cursor and hover styles of a body cell, once per repaint."""
        styles = frame.cursor_styles.get((hover, cursor))
        if styles is None:
            styles = frame.cursor_styles[(hover, cursor)] = self._get_styles_to_render_cell(
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
        return styles

    def _cell_style(
        self, row_style: Style, row: int, column: int, extra: tuple[Style, Style]
    ) -> Style:
        """The style DataTable gives a body cell: its row's, the mouse's (row, column)
        meta, then cursor and hover. Kept from page to page: the cells change, not this."""
        key = (row_style, row, column, *extra)
        style = self._cell_styles.get(key)
        if style is None:
            if len(self._cell_styles) > _CELL_STYLES_KEPT:
                self._cell_styles.clear()
            meta = Style.from_meta({"row": row, "column": column})
            style = self._cell_styles[key] = row_style + meta + extra[0] + extra[1]
        return style

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[SegmentLines, SegmentLines]:
        """DataTable's line of a body row, for the table as this widget sets it up (a row
        cursor, one-line rows of plain Text, no fixed columns or labels), drawn as
        DataTable draws it but without its per-cell work (Rich layout, caches, reactive
        reads): most of the time of a page flip. Any other line takes DataTable's own
        way; the row cache and its keys are DataTable's."""
        frame = self._frame
        location = self._row_locations.get(row_key)
        cells = self._data.get(row_key)
        simple = line_no == 0 and self.cursor_type == "row"
        simple = simple and not (self.fixed_columns or self.fixed_rows)
        if (
            frame is None
            or location is None
            or cells is None
            or not simple
            or self._labelled_row_exists
        ):
            return super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
        cache_key = (
            row_key,
            line_no,
            base_style,
            cursor_location,
            hover_location,
            self.cursor_type,
            self.show_cursor,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached
        texts = [cells.get(key) for key in frame.columns]
        if not all(_plain_line(text) for text in texts):
            return super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
        row = location
        row_style = self._get_row_style(row, base_style)
        cursor = row == cursor_location.row
        extra = self._cursor_styles(frame, row == hover_location.row, cursor)
        padding = " " * frame.padding
        line: SegmentLines = []
        for column, (text, width) in enumerate(zip(texts, frame.widths, strict=True)):
            assert text is not None
            plain = text.plain
            inner = max(0, width - 2 * frame.padding)
            if text.justify == "right" and cell_len(plain) < inner:
                plain = " " * (inner - cell_len(plain)) + plain
            style = self._cell_style(row_style, row, column, extra)
            line.append([Segment(padding + set_cell_size(plain, inner) + padding, style)])
        # The row's style carried to the table's right edge, as DataTable does.
        edge = self._cell_styles.get((row_style, row, -1, *extra))
        if edge is None:
            hover_edge = row == hover_location.row
            component, _ = self._get_styles_to_render_cell(
                False,
                False,
                False,
                hover_edge,
                cursor,
                self.show_cursor,
                self._show_hover_cursor,
                False,
                False,
            )
            meta = Style.from_meta({"row": row, "column": 0, "out_of_bounds": True})
            edge = self._cell_styles[(row_style, row, -1, *extra)] = row_style + component + meta
        line.append([Segment(" " * max(0, frame.width - sum(frame.widths)), edge)])
        pair: tuple[SegmentLines, SegmentLines] = ([], line)
        self._row_render_cache[cache_key] = pair
        return pair

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


@dataclass
class _Frame:
    """What holds for every line of one repaint."""

    style: Style
    columns: list[ColumnKey]
    widths: list[int]
    width: int
    padding: int
    row_styles: dict[tuple[int, Style], Style] = field(default_factory=dict)
    cursor_styles: dict[tuple[bool, bool], tuple[Style, Style]] = field(default_factory=dict)


def _plain_line(text: Text | None) -> bool:
    """A cell this widget draws itself: one line of unstyled text."""
    return text is not None and not text.spans and not text.style and "\n" not in text.plain
