"""Key 7, Usage: the credits the active account spent over a period, and how long the
rest lasts.

Outgoing credits grouped by resource, UTC day or payment method (``g`` switches); the
period's consumption against its purchases, transfers apart (core/flows/usage.py has the
definitions); the burn rate and the run-out date; the expiry-aware forecast (core/flows/forecast.py:
the true run-out, the credits expiring unused, and what to buy by when to keep running
to the "Keep running until" date); and the account's low-balance threshold, which ``t``
edits. The period defaults to the last 30 days; its dates are
checked by core's validators and Enter (or Apply) loads it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Select, Static

from aleph_tui.core import validation
from aleph_tui.core.flows import usage as usage_core
from aleph_tui.core.flows.usage import GROUPINGS, GroupBy
from aleph_tui.core.validation import InvalidInput
from aleph_tui.ui import low_balance
from aleph_tui.ui.data_state import LOADING_TEXT, DataState
from aleph_tui.ui.money_changed import announce
from aleph_tui.ui.view import View
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.validated_input import ValidatedInput

if TYPE_CHECKING:
    from aleph_tui.core.accounts.account_store import Account
    from aleph_tui.core.flows.forecast import Forecast
    from aleph_tui.core.flows.usage import BurnRate, Period, PeriodFlow, UsageReport

GROUP_LABELS: dict[GroupBy, str] = {
    "resource": "by resource",
    "day": "by day (UTC)",
    "method": "by payment method",
}
KEY_HEADINGS: dict[GroupBy, str] = {
    "resource": "Resource",
    "day": "Day (UTC)",
    "method": "Payment method",
}
OVERLAY_DELAY_S = 0.3


def _start(text: str) -> dt.datetime:
    return validation.history_date(text, field="from")


def _end(text: str) -> dt.datetime:
    return validation.history_date(text, field="to", end_of_day=True)


def _until(text: str) -> dt.datetime:
    return validation.history_date(text, field="until", end_of_day=True)


def _threshold(text: str) -> int:
    return validation.low_balance_threshold(text)


def decimal_text(value: Decimal) -> str:
    """``1,234.57``, ``30``: a rate or a number of days (core/formatting.rate)."""
    return fmt.rate(value)


def right(texts: list[str]) -> list[Text]:
    """Figures, aligned right in their column."""
    return [Text(text, justify="right") for text in texts]


def short_key(key: str) -> str:
    return key[:16] + "…" if len(key) > 20 and not key.startswith("0x") else key


class UsageView(View):
    view_id = "usage"
    title = "Usage"
    key = "7"

    DEFAULT_CSS = """
    UsageView { padding: 0 1; }
    UsageView #usage-filters, UsageView #usage-threshold-row { height: auto; margin-top: 1; }
    UsageView #usage-filters > *, UsageView #usage-threshold-row > * { margin-right: 1; }
    UsageView #usage-group-by { width: 26; }
    UsageView #usage-from, UsageView #usage-to { width: 30; }
    UsageView #usage-threshold { width: 30; }
    UsageView #usage-forecast-row { height: auto; }
    UsageView #usage-forecast-row > ValidatedInput { width: 24; margin-left: 1; }
    UsageView #usage-forecast {
        width: 1fr; height: auto; min-height: 5; border: round $panel; padding: 0 1;
    }
    UsageView Button { margin-top: 1; }
    UsageView #usage-period { color: $text-muted; height: auto; }
    UsageView #usage-groups { height: 1fr; min-height: 5; }
    UsageView #usage-numbers { height: auto; }
    UsageView #usage-numbers > Static {
        width: 1fr; height: auto; border: round $panel; padding: 0 1;
    }
    /* the dates and the threshold as wide as their labels and placeholders */
    UsageView #usage-from, UsageView #usage-to { width: 1fr; max-width: 36; }
    UsageView #usage-threshold { width: 36; }
    UsageView #usage-apply { margin-right: 0; }
    /* 80 columns: the filters share the row with Apply; the two panels stack */
    Screen.-narrow UsageView #usage-group-by { width: 23; }
    Screen.-narrow UsageView #usage-group-by > SelectCurrent { padding: 0 1; }
    Screen.-narrow UsageView #usage-from, Screen.-narrow UsageView #usage-to { max-width: 100%; }
    Screen.-narrow UsageView #usage-apply { min-width: 7; }
    Screen.-narrow UsageView #usage-filters Input { padding: 0 1; }
    Screen.-narrow UsageView #usage-threshold-row Button { min-width: 9; }
    Screen.-narrow UsageView #usage-threshold-state { width: 1fr; }
    Screen.-narrow UsageView #usage-numbers { layout: vertical; }
    Screen.-narrow UsageView #usage-numbers > Static { width: 100%; }
    /* 24 lines: the view scrolls, its table keeps a few rows */
    Screen.-short UsageView { overflow-y: auto; scrollbar-size-vertical: 1; padding: 0 0 0 1; }
    Screen.-short UsageView #usage-groups { height: 8; }
    Screen.-short UsageView #usage-filters, Screen.-short UsageView #usage-period { dock: top; }
    """
    SCOPED_CSS = False  # for the rules on the screen's size classes

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "g",
            "cycle_grouping",
            "Group by",
            id="usage-cycle-grouping",
            tooltip="Group the credits by resource, by day or by payment method",
        ),
        Binding(
            "f",
            "focus_period",
            "Period",
            id="usage-period",
            tooltip="Edit the period: from and to dates (Enter loads it)",
        ),
        Binding(
            "t",
            "focus_threshold",
            "Threshold",
            show=False,
            id="usage-threshold",
            tooltip="Set or clear the low-balance threshold of the active account",
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.group_by: GroupBy = "resource"
        self.span: Period | None = None
        self.report: UsageReport | None = None
        self.flow: PeriodFlow | None = None
        self.rate: BurnRate | None = None
        self._report_error: str | None = None
        self._report_request = 0  # the newest report asked for, and the newest answered
        self._report_answered = 0
        self._summary_error: str | None = None
        self.forecast: Forecast | None = None
        self._forecast_error: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="usage-filters"):
            yield Select(
                [(GROUP_LABELS[g], g) for g in GROUPINGS],
                value=self.group_by,
                allow_blank=False,
                id="usage-group-by",
                tooltip="How the credits are grouped",
            )
            yield ValidatedInput(
                "From (UTC)",
                _start,
                placeholder="YYYY-MM-DD (−30 d)",  # fits at 80 columns
                optional=True,
                id="usage-from",
                tooltip="First day (UTC) or an RFC 3339 instant; Enter loads the period",
            )
            yield ValidatedInput(
                "To (UTC, included)",
                _end,
                placeholder="YYYY-MM-DD (now)",
                optional=True,
                id="usage-to",
                tooltip="Last day, included (UTC), or an RFC 3339 instant; Enter loads",
            )
            yield Button("Apply", id="usage-apply", tooltip="Load the period")
        yield Static("", id="usage-period", markup=False)
        yield DataTable(id="usage-groups", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="usage-numbers"):
            yield Static("", id="usage-flow", markup=False)
            yield Static("", id="usage-burn", markup=False)
        with Horizontal(id="usage-forecast-row"):
            yield Static("", id="usage-forecast", markup=False)
            yield ValidatedInput(
                "Keep running until",
                _until,
                placeholder="YYYY-MM-DD",
                optional=True,
                id="usage-until",
                tooltip="The forecast says what to buy, and by when, to keep paying "
                "through this day (UTC); Enter plans",
            )
        with Horizontal(id="usage-threshold-row"):
            yield ValidatedInput(
                "Low-balance threshold (credits)",
                _threshold,
                placeholder="e.g. 5000000",
                id="usage-threshold",
                tooltip="Warn when the credits fall below this many; Enter saves",
            )
            yield Button("Set", id="usage-threshold-set", tooltip="Save the threshold")
            yield Button("Clear", id="usage-threshold-clear", tooltip="Remove the threshold")
            yield Static("", id="usage-threshold-state", markup=False)

    def on_mount(self) -> None:
        self.query_one("#usage-flow").border_title = "Consumed against purchased"
        self.query_one("#usage-burn").border_title = "Burn rate"
        self.query_one(
            "#usage-forecast"
        ).border_title = "Forecast: oldest credits spent first, expired ones lost"

    # --- hooks ---------------------------------------------------------------------

    def default_focus(self) -> Widget:
        return self.query_one("#usage-groups", DataTable)

    def account_changed(self, account: Account | None) -> None:
        self.report = self.flow = self.rate = None
        self._report_error = self._summary_error = None
        self.forecast, self._forecast_error = None, None
        self._render_all()
        if account is not None:
            self._load()

    def reload(self) -> None:
        if self.account is not None:
            self._load()

    # --- period and grouping ---------------------------------------------------------

    def period(self) -> Period | None:
        """The period the fields describe (None and the rule shown when they are bad)."""
        start_field = self.query_one("#usage-from", ValidatedInput)
        end_field = self.query_one("#usage-to", ValidatedInput)
        if not (start_field.is_valid and end_field.is_valid):
            return None
        start: dt.datetime | None = start_field.result
        end: dt.datetime | None = end_field.result
        try:
            validation.date_range(start, end)
            return usage_core.period(start, end, now=self.aleph_app.now())
        except InvalidInput as exc:
            end_field.show_error(exc)
            return None

    def _load(self, *, report_only: bool = False) -> None:
        account = self.account
        span = self.period()
        if account is None or span is None:
            return
        self.span = span
        self._render_period()
        self._load_report(account.address, span, self.group_by)
        if not report_only:
            self._load_summary(account.address, account.name, span)
            self._load_forecast(account.address, span)

    def action_cycle_grouping(self) -> None:
        index = GROUPINGS.index(self.group_by)
        self.query_one("#usage-group-by", Select).value = GROUPINGS[(index + 1) % len(GROUPINGS)]

    def action_focus_period(self) -> None:
        self.query_one("#usage-from", ValidatedInput).focus_input()

    def action_focus_threshold(self) -> None:
        self.query_one("#usage-threshold", ValidatedInput).focus_input()

    @on(Select.Changed, "#usage-group-by")
    def _grouping_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value
        chosen = next((g for g in GROUPINGS if g == value), None)
        if chosen is None or chosen == self.group_by:
            return
        self.group_by = chosen
        self.report = None
        self._render_groups()
        self._load(report_only=True)

    @on(Button.Pressed, "#usage-apply")
    def _apply_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._load()

    @on(Input.Submitted, "#usage-from-input, #usage-to-input")
    def _period_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._load()

    # --- forecast ------------------------------------------------------------------

    @on(Input.Submitted, "#usage-until-input")
    def _until_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.plan()

    def _until_value(self) -> tuple[bool, dt.datetime | None]:
        """(valid, the day to keep running through; None when the field is empty)."""
        field = self.query_one("#usage-until", ValidatedInput)
        if not field.is_valid:
            return False, None
        until: dt.datetime | None = field.result
        if until is not None and until <= self.aleph_app.now():
            field.show_error("until: must be in the future")
            return False, None
        return True, until

    def plan(self) -> None:
        """The forecast planned again to the field's date (nothing is read again)."""
        from aleph_tui.core.flows import forecast as forecast_core

        valid, until = self._until_value()
        if not valid or self.forecast is None:
            return
        try:
            self.forecast = forecast_core.with_until(self.forecast, until)
        except InvalidInput as exc:
            self.query_one("#usage-until", ValidatedInput).show_error(exc)
            return
        self._render_forecast()

    @work(name="usage-forecast", group="usage-forecast", exclusive=True, exit_on_error=False)
    async def _load_forecast(self, address: str, span: Period) -> None:
        valid, until = self._until_value()
        try:
            outlook = await self.service.forecast(
                address,
                start=span.start,
                end=span.end,
                now=self.aleph_app.now(),
                until=until if valid else None,
            )
        except Exception as exc:
            self.forecast = None
            self._forecast_error = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            self._render_forecast()
            self.aleph_app.report_failure("Forecast unavailable", exc, self.reload)
            return
        if self.account is None or self.account.address != address:
            return
        self.forecast, self._forecast_error = outlook, None
        self._render_forecast()

    def _render_forecast(self) -> None:
        widget = self.query_one("#usage-forecast", Static)
        outlook = self.forecast
        if self._forecast_error is not None:
            widget.update(f"{fmt.UNAVAILABLE}: {self._forecast_error}")
            return
        if outlook is None:
            widget.update("loading…" if self.account is not None else "")
            return
        runs_out = (
            f"{fmt.utc_minute(outlook.runs_out)} UTC"
            if outlook.runs_out is not None
            else "never at this pace"
        )
        lines = [f"Truly runs out   {runs_out}"]
        lost = outlook.expiring_unused
        if lost:
            # One entry per lot, joined so that the panel wraps them to its width.
            lots = " · ".join(f"{fmt.utc_minute(f.lost_at)} {fmt.credits(f.lost)}" for f in lost)
            lines.append(
                f"Expiring unused  {fmt.credits(outlook.lost)} credits"
                f" ({fmt.credits_usd(outlook.lost)}), UTC: {lots}"
            )
        else:
            lines.append("Expiring unused  none")
        if outlook.until is not None:
            through = fmt.utc_minute(outlook.until)
            if not outlook.plan:
                lines.append(f"Through {through}: nothing to buy")
            for purchase in outlook.plan:
                lines.append(
                    f"Through {through}: buy {fmt.credits(purchase.credits)} credits"
                    f" ({fmt.credits_usd(purchase.credits)}) by"
                    f" {fmt.utc_minute(purchase.by)} UTC"
                )
        if not outlook.lots_match:
            lines.append("The history and the balance disagree; press r to read again")
        widget.update("\n".join(lines))

    # --- threshold -----------------------------------------------------------------

    @on(Button.Pressed, "#usage-threshold-set")
    def _set_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.save_threshold()

    @on(Input.Submitted, "#usage-threshold-input")
    def _threshold_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.save_threshold()

    @on(Button.Pressed, "#usage-threshold-clear")
    def _clear_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.save_threshold(clear=True)

    def save_threshold(self, *, clear: bool = False) -> None:
        """Store the field's threshold (or remove it) for the active account."""
        account = self.account
        field = self.query_one("#usage-threshold", ValidatedInput)
        if account is None:
            return
        credits: int | None = None
        if not clear:
            if field.is_empty:
                field.show_error("threshold: enter a whole number of credits, at least 1")
                return
            if field.result is None:
                return  # the rule is already shown under the field
            credits = field.result
        try:
            stored = self.service.set_low_balance_threshold(account.address, credits)
        except InvalidInput as exc:
            field.show_error(exc)
            return
        except Exception as exc:
            self.aleph_app.report_failure("Usage: threshold not saved", exc)
            return
        field.clear()
        self.rest_focus()  # saved: off the field, so the number keys switch tabs again
        low_balance.forget(self.app, account.address)
        announce(self.app, [account.address], "threshold")  # Balance marks it at once
        self.notify(
            "Low-balance threshold removed"
            if stored is None
            else f"Low-balance threshold: {fmt.credits(stored.credits)} credits",
            title=account.name,
        )
        self._render_threshold()
        if self.rate is not None:
            low_balance.check(
                self.app, self.service, account.name, account.address, self.rate.balance
            )

    # --- loading -------------------------------------------------------------------

    @work(name="usage-report", group="usage-report", exclusive=True, exit_on_error=False)
    async def _load_report(self, address: str, span: Period, group_by: GroupBy) -> None:
        table = self.query_one("#usage-groups", DataTable)
        self._report_request += 1
        request = self._report_request
        # The overlay only if the report is slow: a table under it refuses the focus a
        # tab built on first show gives it, leaving the view's keys dead.
        self.set_timer(OVERLAY_DELAY_S, partial(self._overlay_if_waiting, request))
        try:
            report = await self.service.usage(
                address, group_by=group_by, start=span.start, end=span.end
            )
        except Exception as exc:
            self._report_answered = request
            table.loading = False
            self.report = None
            self._report_error = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            self._render_groups()
            self.aleph_app.report_failure("Usage unavailable", exc, self.reload)
            return
        self._report_answered = request
        table.loading = False
        if self.account is None or self.account.address != address:
            return
        self.report, self._report_error = report, None
        self._render_groups()
        self._render_numbers()  # the summary panel also shows the report's total

    @work(name="usage-summary", group="usage-summary", exclusive=True, exit_on_error=False)
    async def _load_summary(self, address: str, name: str, span: Period) -> None:
        try:
            flow, rate = await usage_core.all_of(
                self.service.usage_flow(address, start=span.start, end=span.end),
                self.service.burn_rate(
                    address, start=span.start, end=span.end, now=self.aleph_app.now()
                ),
            )
        except Exception as exc:
            self.flow = self.rate = None
            self._summary_error = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            self._render_numbers()
            self.aleph_app.report_failure("Burn rate unavailable", exc, self.reload)
            return
        if self.account is None or self.account.address != address:
            return
        self.flow, self.rate, self._summary_error = flow, rate, None
        self._render_numbers()
        low_balance.check(self.app, self.service, name, address, rate.balance)

    # --- rendering -----------------------------------------------------------------

    def _render_all(self) -> None:
        self._render_period()
        self._render_groups()
        self._render_numbers()
        self._render_forecast()

    def _render_period(self) -> None:
        widget = self.query_one("#usage-period", Static)
        span = self.span
        if self.account is None:
            widget.update("No account: add one to see its usage")
        elif span is None:
            widget.update("")
        else:
            widget.update(
                f"{self.account.name}: {fmt.utc_minute(span.start)} → "
                f"{fmt.utc_minute(span.end)} UTC ({decimal_text(span.days)} days)"
            )

    def _overlay_if_waiting(self, request: int) -> None:
        if request == self._report_request and self._report_answered < request:
            self.query_one("#usage-groups", DataTable).loading = True

    def _render_groups(self) -> None:
        table: DataTable[str | Text] = self.query_one("#usage-groups", DataTable)
        table.clear(columns=True)
        resource = self.group_by == "resource"
        columns = [KEY_HEADINGS[self.group_by]]
        columns += ["Type"] if resource else []
        table.add_columns(*columns)
        for label in ("Credits", "USD", "Entries"):
            table.add_column(Text(label, justify="right"), key=label.lower())
        report = self.report
        if report is None or report.group_by != self.group_by:
            return
        for group in report.groups:
            row = [short_key(group.key)]
            row += [group.kind or ""] if resource else []
            figures = [
                fmt.credits(-group.credits, signed=True),
                fmt.usd(-group.usd, signed=True),
                fmt.count(group.entries),
            ]
            table.add_row(*row, *right(figures), key=group.key)
        total = ["Total"] + ([""] if resource else [])
        figures = [
            fmt.credits(-report.total, signed=True),
            fmt.usd(-report.total_usd, signed=True),
            fmt.count(report.entries),
        ]
        table.add_row(*total, *right(figures), key="total")

    def _render_numbers(self) -> None:
        flow_widget = self.query_one("#usage-flow", Static)
        burn_widget = self.query_one("#usage-burn", Static)
        report, flow, rate = self.report, self.flow, self.rate
        if self._summary_error is not None:
            failed = DataState.failed(self._summary_error)
            flow_widget.update(f"{failed.text(self.aleph_app.now())} ({failed.hint})")
            burn_widget.update(fmt.UNAVAILABLE)
        elif flow is None or rate is None:
            text = LOADING_TEXT if self.account is not None else ""
            flow_widget.update(text)
            burn_widget.update(text)
        else:

            def line(label: str, amount: int) -> str:
                return (
                    f"{label:<15} {fmt.credits(amount, signed=True):>16}"
                    f"  {fmt.credits_usd(amount, signed=True):>12}"
                )

            lines = [
                line("Consumed", -flow.consumed),
                line("Purchased", flow.purchased),
                line("Transfers in", flow.transferred_in),
                line("Transfers out", -flow.transferred_out),
            ]
            if flow.other_out:
                lines.append(line("Other outgoing", -flow.other_out))
            lines.append(line("Net", flow.net))
            if report is not None:
                lines.append(
                    f"Outgoing total  {fmt.credits(report.total)} in {fmt.count(report.entries)}"
                )
            flow_widget.update("\n".join(lines))
            burn = [
                f"Burn rate   {decimal_text(rate.per_day)} credits/day"
                f" ({fmt.usd(rate.per_day_usd)}/day)",
                f"Balance     {fmt.credits(rate.balance)} credits"
                f" ({fmt.credits_usd(rate.balance)})",
            ]
            if rate.days_left is None:
                burn.append("Runs out    never: no usage in the period")
            elif rate.runs_out is None:
                burn.append("Runs out    beyond year 9999")
            else:
                burn.append(
                    f"Runs out    {fmt.utc_minute(rate.runs_out)} UTC"
                    f" (in {decimal_text(rate.days_left)} days)"
                )
            burn_widget.update("\n".join(burn))
        self._render_threshold()

    def _render_threshold(self) -> None:
        widget = self.query_one("#usage-threshold-state", Static)
        account = self.account
        if account is None:
            widget.update("")
            return
        threshold = low_balance.threshold_of(self.service, account.address)
        if threshold is None:
            widget.update("No low-balance threshold")
            return
        text = f"Threshold {fmt.credits(threshold.credits)} credits"
        if self.rate is not None:
            low = threshold.is_low(self.rate.balance)
            text += "; ⚠ balance is below it" if low else "; balance above it"
        widget.update(text)
