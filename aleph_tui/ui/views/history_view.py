"""Key 2, History: the active account's credit history, one page from the API at a time.

Never the whole history: each page is requested as the user turns to it (``]``/``[``,
page down/up, ``g``/``G``), in pages of 25, 50, 100 or 200 rows. Filters (direction,
payment method, dates, and the node's resource filters: the billed resource's types and
one resource's hash; all checked by core's validators) apply to the page, the position
line and the totals alike. Enter opens an entry's details; ``e`` exports the filtered set.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static

from aleph_tui.core import validation
from aleph_tui.core.aleph.history_models import (
    PAYMENT_METHODS,
    CreditHistoryEntry,
    Direction,
    HistoryFilters,
)
from aleph_tui.core.validation import RESOURCE_TYPES, InvalidInput
from aleph_tui.ui.data_state import DataState
from aleph_tui.ui.screens.history_detail_modal import HistoryDetailModal
from aleph_tui.ui.screens.history_export_screen import HistoryExportScreen
from aleph_tui.ui.view import View
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.copy_value import names_of
from aleph_tui.ui.widgets.history_table import HistoryTable

if TYPE_CHECKING:
    from aleph_tui.core.accounts.account_store import Account
    from aleph_tui.core.aleph.history_models import CreditHistoryPage, CreditHistorySummary
    from aleph_tui.core.flows.history_export import ExportFormat, ExportResult, ProgressCallback
    from aleph_tui.core.flows.history_pages import HistoryPages

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
OVERLAY_DELAY_S = 0.3
LOADING_MARK_DELAY_S = 0.05
ANY_METHOD = "any"
METHODS: tuple[tuple[str, str], ...] = (
    ("any method", ANY_METHOD),
    *((method, method) for method in PAYMENT_METHODS),
)
FILTER_INPUTS = (
    "filter-from",
    "filter-to",
    "filter-resource-types",
    "filter-resource",
)
DIRECTIONS: tuple[tuple[str, str], ...] = (
    ("all directions", "all"),
    ("incoming", "incoming"),
    ("outgoing", "outgoing"),
)


def one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def count_text(count: int, one: str = "entry", many: str = "entries") -> str:
    """``1 entry``, ``2 entries``, ``1,234 entries``."""
    return f"{fmt.count(count)} {one if count == 1 else many}"


def describe_filters(filters: HistoryFilters) -> str:
    parts: list[str] = []
    if filters.direction:
        parts.append(filters.direction)
    if filters.payment_method:
        parts.append(f"method {filters.payment_method}")
    if filters.start:
        parts.append(f"from {fmt.utc_minute(filters.start)}")
    if filters.end:
        parts.append(f"to {fmt.utc_minute(filters.end)}")
    if filters.resource_types:
        parts.append(f"type {','.join(filters.resource_types)}")
    if filters.resource:
        parts.append(f"resource {filters.resource[:12]}…")
    return ", ".join(parts) if parts else "no filter"


class HistoryView(View):
    view_id = "history"
    title = "History"
    key = "2"

    DEFAULT_CSS = """
    HistoryView { padding: 0 1; }
    HistoryView #history-filters { height: auto; margin-top: 1; }
    HistoryView #history-resource-filters { height: auto; }
    HistoryView #history-filters > *, HistoryView #history-resource-filters > * {
        margin-right: 1;
    }
    HistoryView #filter-resource-types { width: 36; }
    HistoryView #filter-resource { width: 68; }
    HistoryView #filter-direction { width: 22; }
    HistoryView #filter-method { width: 24; }
    HistoryView #filter-from, HistoryView #filter-to { width: 26; }
    HistoryView #page-size { width: 16; }
    HistoryView #filter-error { color: $text-error; height: auto; display: none; }
    HistoryView #history-summary { height: auto; margin: 1 0 0 0; }
    HistoryView #history-position { height: 1; width: 1fr; color: $text-muted; }
    /* 80 columns: the filters in a grid of two columns, every one whole */
    Screen.-narrow HistoryView #history-filters {
        layout: grid; grid-size: 2; grid-columns: 1fr 1fr; grid-gutter: 0 1; grid-rows: 1;
    }
    Screen.-narrow HistoryView #history-resource-filters {
        layout: grid; grid-size: 2; grid-columns: 1fr 2fr; grid-gutter: 0 1; grid-rows: 1;
    }
    Screen.-narrow HistoryView #history-filters > *,
    Screen.-narrow HistoryView #history-resource-filters > * { width: 1fr; margin-right: 0; }
    """
    SCOPED_CSS = False  # for the rules on the screen's size classes

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "right_square_bracket",
            "step_page(1)",
            "Next page",
            key_display="]",
            id="history-next-page",
            tooltip="Load the next page of history",
        ),
        Binding(
            "left_square_bracket",
            "step_page(-1)",
            "Prev page",
            key_display="[",
            id="history-previous-page",
            tooltip="Load the previous page of history",
        ),
        Binding(
            "pagedown",
            "step_page(1)",
            "Next page",
            show=False,
            id="history-next-page-key",
            tooltip="Load the next page of history",
        ),
        Binding(
            "pageup",
            "step_page(-1)",
            "Prev page",
            show=False,
            id="history-previous-page-key",
            tooltip="Load the previous page of history",
        ),
        Binding(
            "g",
            "first_page",
            "First",
            show=False,
            id="history-first-page",
            tooltip="Jump to the first page (newest entries)",
        ),
        Binding(
            "G",
            "last_page",
            "Last",
            key_display="G",
            show=False,
            id="history-last-page",
            tooltip="Jump to the last page (oldest entries)",
        ),
        Binding(
            "f",
            "focus_filters",
            "Filter",
            id="history-filter",
            tooltip="Edit the filters: direction, payment method, dates, resource (Enter applies)",
        ),
        Binding(
            "x",
            "clear_filters",
            "Clear filters",
            show=False,
            id="history-clear-filters",
            tooltip="Remove every filter and show the whole history",
        ),
        Binding(
            "e",
            "export",
            "Export",
            id="history-export",
            tooltip="Export the filtered history to a CSV or JSON file",
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.filters = HistoryFilters()
        self.page = 1
        self.page_size = DEFAULT_PAGE_SIZE
        self.loaded: CreditHistoryPage | None = None
        self.summary: CreditHistorySummary | None = None
        self.entries: tuple[CreditHistoryEntry, ...] = ()
        self._page_error: str | None = None
        self._loaded_at: dt.datetime | None = None
        self._stale_since: dt.datetime | None = None  # rows kept after a failed refresh
        self._summary_error: str | None = None
        # The balance read with an unfiltered summary: the net total minus it is what
        # expired unused (the node drops expired lots from the balance, not the history).
        self.balance_credits: int | None = None
        self._summary_at: dt.datetime | None = None  # when the summary shown was read
        self._request = 0  # the newest page request; older answers are dropped
        self._answered = 0  # the newest request answered (or failed)
        self._pages: HistoryPages | None = None  # of the query below
        self._pages_query: tuple[str, HistoryFilters, int] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="history-filters"):
            yield Select(
                [(label, value) for label, value in DIRECTIONS],
                value="all",
                allow_blank=False,
                compact=True,
                id="filter-direction",
                tooltip="Direction: incoming credits, outgoing credits or both",
            )
            yield Select(
                METHODS,
                value=ANY_METHOD,
                allow_blank=False,
                compact=True,
                id="filter-method",
                tooltip="Payment method: one of those the node records, or any",
            )
            yield Input(
                placeholder="from YYYY-MM-DD",
                compact=True,
                id="filter-from",
                tooltip="First day (UTC) or an RFC 3339 instant; Enter applies",
            )
            yield Input(
                placeholder="to YYYY-MM-DD",
                compact=True,
                id="filter-to",
                tooltip="Last day, included (UTC), or an RFC 3339 instant; Enter applies",
            )
            yield Select(
                [(f"{size} / page", size) for size in PAGE_SIZES],
                value=DEFAULT_PAGE_SIZE,
                allow_blank=False,
                compact=True,
                id="page-size",
                tooltip="Rows per page",
            )
        with Horizontal(id="history-resource-filters"):
            yield Input(
                placeholder="resource types (any)",
                compact=True,
                id="filter-resource-types",
                suggester=SuggestFromList(RESOURCE_TYPES, case_sensitive=False),
                tooltip="The billed resource's message types, comma-separated: STORE for "
                "storage, INSTANCE,PROGRAM for compute (also V-PROGRAM, POST, AGGREGATE, "
                "FORGET); Enter applies",
            )
            yield Input(
                placeholder="resource hash (any)",
                compact=True,
                id="filter-resource",
                tooltip="One billed resource: its item hash (a VM's INSTANCE, a STORE "
                "file's…); Enter applies",
            )
        yield Static("", id="filter-error", markup=False)
        yield Static("", id="history-summary", markup=False)
        yield HistoryTable(id="history-table")
        yield Static("", id="history-position", markup=False)

    # --- hooks ---------------------------------------------------------------------

    def default_focus(self) -> Widget:
        return self.query_one(HistoryTable)

    def account_changed(self, account: Account | None) -> None:
        self.page = 1
        self.loaded = None
        self.summary = None
        self.entries = ()
        self._page_error = self._summary_error = None
        table = self.query_one(HistoryTable)
        table.names = names_of(self.service.address_book())
        table.show(())
        self._load_page()
        self._load_summary()

    def reload(self) -> None:
        self._load_page(refresh=True)
        self._load_summary()

    # --- paging --------------------------------------------------------------------

    @property
    def pages(self) -> int | None:
        """How many pages the filtered history has, once a page told us."""
        if self.loaded is None:
            return None
        return max(1, -(-self.loaded.total // self.page_size))

    def go_to(self, page: int) -> None:
        last = self.pages
        page = max(1, page if last is None else min(page, last))
        if page != self.page or self._page_error is not None or self.loaded is None:
            self.page = page
            self._load_page()

    def action_step_page(self, step: int) -> None:
        self.go_to(self.page + step)

    def on_history_table_page_step(self, message: HistoryTable.PageStep) -> None:
        message.stop()
        self.action_step_page(message.step)

    def action_first_page(self) -> None:
        self.go_to(1)

    def action_last_page(self) -> None:
        if self.pages is not None:
            self.go_to(self.pages)

    # --- filters -------------------------------------------------------------------

    def read_filters(self) -> HistoryFilters:
        """The filters as typed; InvalidInput names the field and the rule."""
        direction = self.query_one("#filter-direction", Select).value
        method = self.query_one("#filter-method", Select).value
        start_text = self.query_one("#filter-from", Input).value.strip()
        end_text = self.query_one("#filter-to", Input).value.strip()
        start = validation.history_date(start_text, field="from") if start_text else None
        end = validation.history_date(end_text, field="to", end_of_day=True) if end_text else None
        start, end = validation.date_range(start, end)
        types_text = self.query_one("#filter-resource-types", Input).value.strip()
        resource_text = self.query_one("#filter-resource", Input).value.strip()
        return HistoryFilters(
            direction=cast(Direction, direction) if direction in ("incoming", "outgoing") else None,
            payment_method=method if isinstance(method, str) and method != ANY_METHOD else None,
            start=start,
            end=end,
            resource_types=validation.resource_types(types_text, field="resource types")
            if types_text
            else (),
            resource=validation.resource(resource_text) if resource_text else None,
        )

    def apply_filters(self) -> bool:
        """Apply the filters as typed; False (the rule shown) when one is invalid."""
        error = self.query_one("#filter-error", Static)
        try:
            filters = self.read_filters()
        except InvalidInput as exc:
            error.update(f"Filter not applied: {exc}")
            error.display = True
            return False
        error.update("")
        error.display = False
        if filters != self.filters or self._page_error or self._summary_error:
            self.filters = filters
            self.page = 1
            self.loaded = None
            self.summary = None
            self.reload()
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in FILTER_INPUTS:
            event.stop()
            # Applied: the focus goes to the table. Refused: it stays on the field, whose
            # rule is shown (typed digits must not switch tabs meanwhile).
            if self.apply_filters():
                self.query_one(HistoryTable).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id in ("filter-direction", "filter-method"):
            self.apply_filters()
        elif event.select.id == "page-size" and isinstance(event.value, int):
            self.set_page_size(event.value)

    def set_page_size(self, size: int) -> None:
        if size == self.page_size:
            return
        first_row = (self.page - 1) * self.page_size  # keep it on the new page
        self.page_size = size
        self.page = first_row // size + 1
        self.loaded = None
        self._load_page()

    def action_focus_filters(self) -> None:
        self.query_one("#filter-direction", Select).focus()

    def action_clear_filters(self) -> None:
        self.query_one("#filter-direction", Select).value = "all"
        self.query_one("#filter-method", Select).value = ANY_METHOD
        for input_id in FILTER_INPUTS:
            self.query_one(f"#{input_id}", Input).value = ""
        self.apply_filters()

    # --- details and export --------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if not isinstance(event.data_table, HistoryTable):
            return
        event.stop()
        if 0 <= event.cursor_row < len(self.entries):
            names = self.query_one(HistoryTable).names
            self.app.push_screen(HistoryDetailModal(self.entries[event.cursor_row], names=names))

    def action_export(self) -> None:
        account = self.account
        if account is None:
            self.notify("No account: nothing to export", severity="warning")
            return
        filters = self.filters

        async def export(path: Path, fmt: ExportFormat, progress: ProgressCallback) -> ExportResult:
            return await self.service.export_history(
                account.address, path, fmt, filters=filters, progress=progress
            )

        total = self.summary.entry_count if self.summary is not None else None
        if total is None and self.loaded is not None:
            total = self.loaded.total
        self.app.push_screen(
            HistoryExportScreen(
                export,
                address=account.address,
                description=f"{account.name} · {describe_filters(filters)} · oldest first",
                expected_rows=total,
                now=self._now(),
            ),
            partial(self._exported, account.name),
        )

    def _exported(self, name: str, result: ExportResult | None) -> None:
        if result is None:
            return
        message = f"{count_text(result.rows)} of {name} → {result.path}"
        if result.complete:
            self.notify(message, title=f"Exported ({result.format.upper()})")
        else:
            self.notify(
                f"{message}; the history changed during the export ({fmt.count(result.total)} now)",
                title="Exported, history changed",
                severity="warning",
            )

    # --- loading -------------------------------------------------------------------

    def _now(self) -> dt.datetime:
        now = getattr(self.aleph_app, "now", None)
        moment = now() if callable(now) else None
        return moment if isinstance(moment, dt.datetime) else dt.datetime.now(dt.UTC)

    def _pages_of(self, address: str) -> HistoryPages:
        """The page store of what is shown: one per account, filters and page size."""
        query = (address, self.filters, self.page_size)
        if self._pages is None or self._pages_query != query:
            if self._pages is not None:
                self._pages.forget()
            self._pages = self.service.history_pages(
                address, page_size=self.page_size, filters=self.filters
            )
            self._pages_query = query
        return self._pages

    def _load_page(self, *, refresh: bool = False) -> None:
        """Fetch the current page. ``refresh``: the same page again (``r``, auto-refresh),
        so its rows stay in place while it loads and, if it fails, are kept marked stale."""
        account = self.account
        self._request += 1
        if account is None:
            self._render_position()
            return
        pages = self._pages_of(account.address)
        refresh = refresh and self.loaded is not None and self._page_error is None
        if refresh:
            pages.forget()
            self._render_position(loading=True)
        else:
            kept = pages.cached(self.page)
            if kept is not None:  # read ahead: shown in this very repaint
                self._show(self._request, self.page, kept)
                return
            # Rows on screen stay until the next page replaces them in one repaint. The
            # loading mark and the overlay come only if the page is slow: each is a
            # repaint of its own, and Textual paints at most once a frame, so a mark
            # drawn just before the page arrives held the page back a frame. (The
            # overlay also keeps the focus a newly shown tab gives its table.)
            request = self._request
            self.set_timer(LOADING_MARK_DELAY_S, partial(self._mark_if_waiting, request))
            self.set_timer(OVERLAY_DELAY_S, partial(self._overlay_if_waiting, request))
        self._fetch_page(self._request, pages, self.page, refresh)

    def _waiting(self, request: int) -> bool:
        return request == self._request and self._answered < request

    def _mark_if_waiting(self, request: int) -> None:
        if self._waiting(request):
            self._render_position(loading=True)

    def _overlay_if_waiting(self, request: int) -> None:
        if self._waiting(request):
            self.query_one(HistoryTable).loading = True

    @work(name="history-page", group="history-page", exclusive=True, exit_on_error=False)
    async def _fetch_page(
        self, request: int, pages: HistoryPages, page: int, refresh: bool
    ) -> None:
        try:
            result = await pages.get(page)
        except Exception as exc:
            if request != self._request:
                return
            self._answered = request
            self.query_one(HistoryTable).loading = False
            first_failure = self._page_error is None
            self._page_error = one_line(exc)
            self._stale_since = self._loaded_at if refresh else None
            if not refresh:
                self.loaded = None
                self.entries = ()
                self.query_one(HistoryTable).show(())
            self._render_position()
            if first_failure or not refresh:  # not once per auto-refresh
                self.aleph_app.report_failure("History unavailable", exc, self.reload)
            return
        if request == self._request:
            self._show(request, page, result)

    def _show(self, request: int, page: int, result: CreditHistoryPage) -> None:
        self._answered = request
        if not result.entries and page > 1 and page > result.pages:
            # The history shrank under us: show its last page instead.
            self.loaded = result
            self.page = max(1, result.pages)
            self._load_page()
            return
        self.query_one(HistoryTable).loading = False
        self._page_error = None
        self._stale_since = None
        self._loaded_at = self._now()
        self.loaded = result
        self.entries = result.entries
        self.query_one(HistoryTable).show(result.entries)
        self._render_position()
        if self._pages is not None:
            self._pages.read_ahead(page, result.pages)

    def _load_summary(self) -> None:
        account = self.account
        if account is None:
            self.summary = None
            self._render_summary()
            return
        self._render_summary(loading=True)
        self._fetch_summary(account.address, self.filters)

    @work(name="history-summary", group="history-summary", exclusive=True, exit_on_error=False)
    async def _fetch_summary(self, address: str, filters: HistoryFilters) -> None:
        api = self.service.api
        asked = self._now()

        async def balance() -> int | None:
            if filters != HistoryFilters():
                return None
            try:
                return (await api.balance(address, credit_details=False)).credits
            except Exception:  # the totals stand without the expiry note
                return None

        try:
            summary, credits = await asyncio.gather(
                api.credit_history_summary(address, filters), balance()
            )
        except Exception as exc:
            # A summary shown before stays, marked stale; a new one reads unavailable.
            self._summary_error = one_line(exc)
            self._render_summary()
            return
        self.summary, self._summary_error = summary, None
        self.balance_credits, self._summary_at = credits, asked
        self._render_summary()

    # --- rendering -----------------------------------------------------------------

    def position_text(self, *, loading: bool = False) -> str:
        if self.account is None:
            return "No account: add one to see its history"
        pages = self.pages
        if self._page_error is not None and not loading:
            if self._stale_since is not None and self.loaded is not None and pages is not None:
                return (
                    f"page {self.page} of {fmt.count(pages)} · {count_text(self.loaded.total)} · "
                    f"stale since {fmt.clock(self._stale_since)}: {self._page_error}"
                )
            return f"page {self.page} · history unavailable: {self._page_error}"
        if self.loaded is None or pages is None:
            return f"page {self.page} · loading…"
        filtered = self.filters != HistoryFilters()
        if self.loaded.total == 0:  # an empty page, said so: never a blank table alone
            text = (
                f"no entries match: {describe_filters(self.filters)}"
                if filtered
                else "no entries yet"
            )
            return text + (" · loading…" if loading else "")
        text = f"page {self.page} of {fmt.count(pages)} · {count_text(self.loaded.total)}"
        if filtered:
            text += f" ({describe_filters(self.filters)})"
        return text + (" · loading…" if loading else "")

    def _render_position(self, *, loading: bool = False) -> None:
        # One line of fixed size: a new text needs no layout of the screen (twice a flip).
        self.query_one("#history-position", Static).update(
            self.position_text(loading=loading), layout=False
        )

    def summary_text(self, *, loading: bool = False) -> str:
        if self.account is None:
            return ""
        if loading and self.summary is None:
            return "Totals: loading…"
        if self.summary is None:
            failed = DataState.failed(self._summary_error or "no answer")
            return f"Totals {failed.text(self._now())} ({failed.hint})"
        stale = ""
        if self._summary_error and self._summary_at is not None:
            state = DataState.stale(self._summary_at, self._summary_error)
            stale = f" · {state.text(self._now())}"
        s = self.summary

        def both(amount: int, note: str = "") -> str:
            usd = fmt.credits_usd(amount, signed=True)
            return f"{fmt.credits(amount, signed=True)} ({usd}{note})"

        scope = "filtered" if self.filters != HistoryFilters() else "all"
        return (
            f"Totals ({scope}, {count_text(s.entry_count)}): in {both(s.total_incoming)} · "
            f"out {both(s.total_outgoing)} · net {both(s.total_amount, self._expired_note())}"
            f"{stale}"
        )

    def _expired_note(self) -> str:
        """Why the whole history's net total exceeds the balance: credits that expired."""
        s, balance = self.summary, self.balance_credits
        if s is None or balance is None or self.filters != HistoryFilters():
            return ""
        expired = s.total_amount - balance
        if expired <= 0:
            return ""
        return f"; {fmt.credits(expired)} expired"

    def _render_summary(self, *, loading: bool = False) -> None:
        self.query_one("#history-summary", Static).update(self.summary_text(loading=loading))
