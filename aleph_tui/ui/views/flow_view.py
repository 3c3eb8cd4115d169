"""Key 6, Flow: the payment processor's ledger, as the token-flow page shows it.

Totals (credits purchased in USD, ALEPH market-bought, distributed to the network and
burned, with the burn lever: "burn 0 % · idle" when it is switched off), a monthly chart
of USD purchased vs ALEPH distributed, the on-chain processing runs and the latest credit
purchases. Signs read from the processor's side: ``+`` for what came in (USD paid, tokens
received, ALEPH bought), ``−`` for what left (to the network, burned).

Two sources, each with its own state: a source that cannot be read says so in its
sections ("Chain unavailable: <reason>"), never zeros; figures from the on-disk cache are
labelled stale. The report loads the first time the tab is shown (it scans the chain),
then on ``r``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from aleph_tui.ui.data_state import age
from aleph_tui.ui.view import View
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.flow_purchases_table import LATEST, FlowPurchasesTable
from aleph_tui.ui.widgets.flow_runs_table import FlowRunsTable, signed

if TYPE_CHECKING:
    from aleph_tui.core.accounts.account_store import Account
    from aleph_tui.core.flows.token_flow import FlowReport, SourceStatus

CHAIN = "Chain"
CREDIT_API = "Credit API"


def unavailable(name: str, status: SourceStatus) -> str:
    return f"{name} unavailable: {status.error or 'no answer'}"


def stale_note(name: str, status: SourceStatus, now: dt.datetime | None = None) -> str:
    """ "" when fresh; else "Chain: stale, from the cache read HH:MM:SS, 3 min ago
    (reason)": its age as every stale figure says it (ui/data_state.py)."""
    if not status.stale:
        return ""
    when = "?" if status.updated_at is None else fmt.clock(status.updated_at)
    ago = "" if now is None or status.updated_at is None else f", {age(status.updated_at, now)} ago"
    reason = f" ({status.error})" if status.error else ""
    return f"{name}: stale, from the cache read {when}{ago}{reason}"


def read_at(report: FlowReport, asked: dt.datetime) -> dt.datetime:
    """When the figures shown were read: ``asked`` when a source answered afresh; the
    cache's own instant when every source shown comes from it (never "last updated" now
    beside "from the cache read" an hour ago)."""
    shown = [s for s in (report.chain, report.credit_api) if s.available]
    if not shown or any(not s.stale for s in shown):
        return asked
    stamps = [s.updated_at for s in shown if s.updated_at is not None]
    return min(stamps) if stamps else asked


def burn_text(percentage: int | None, idle: bool | None) -> str:
    lever = "?" if percentage is None else f"{percentage} %"
    return f"burn {lever}" + (" · idle" if idle else "")


class FlowView(View):
    view_id = "flow"
    title = "Flow"
    key = "6"

    DEFAULT_CSS = """
    FlowView { padding: 0 1; }
    FlowView #flow-body { height: 1fr; }
    FlowView .section-title { text-style: bold; color: $text-muted; margin-top: 1; }
    FlowView #flow-totals { height: auto; border: round $panel; padding: 0 1; }
    FlowView .flow-status { color: $text-muted; }
    FlowView #flow-updated { color: $text-muted; margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "g",
            "focus_runs",
            "Runs",
            id="flow-focus-runs",
            tooltip="Move the focus to the processing runs table",
        ),
        Binding(
            "p",
            "focus_purchases",
            "Purchases",
            show=False,
            id="flow-focus-purchases",
            tooltip="Move the focus to the latest credit purchases table",
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.report: FlowReport | None = None
        self._loading = False
        self._updated_at: dt.datetime | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="flow-body"):
            yield Static("", id="flow-sources", classes="flow-status", markup=False)
            with Vertical(id="flow-totals"):
                yield Static("", id="flow-usd", markup=False)
                yield Static("", id="flow-bought", markup=False)
                yield Static("", id="flow-distributed", markup=False)
                yield Static("", id="flow-burned", markup=False)
                yield Static("", id="flow-runs-count", markup=False)
            yield Static("By month", classes="section-title", markup=False)
            yield Static("", id="flow-chart-status", classes="flow-status", markup=False)
            # plotext loads only once the Flow tab is built: start-up never pays for it.
            from aleph_tui.ui.widgets.flow_chart import FlowChart

            yield FlowChart(id="flow-chart")
            yield Static("Processing runs", id="flow-runs-title", classes="section-title")
            yield Static("", id="flow-runs-status", classes="flow-status", markup=False)
            yield FlowRunsTable(id="flow-runs")
            yield Static("Latest purchases", id="flow-purchases-title", classes="section-title")
            yield Static("", id="flow-purchases-status", classes="flow-status", markup=False)
            yield FlowPurchasesTable(id="flow-purchases")
            yield Static("", id="flow-updated", markup=False)

    def on_mount(self) -> None:
        self.query_one("#flow-totals").border_title = "Totals"
        self._render_all()

    def on_show(self) -> None:
        """The report scans the chain: fetch it the first time the tab opens."""
        if self.report is None and not self._loading:
            self.reload()

    # --- hooks ---------------------------------------------------------------------

    def account_changed(self, account: Account | None) -> None:
        """The processor's ledger is the network's, not an account's: nothing to do."""

    def reload(self) -> None:
        self._loading = True
        self.query_one("#flow-body").loading = self.report is None
        self._render_updated()
        self._fetch()

    def default_focus(self) -> Widget:
        return self

    # --- actions -------------------------------------------------------------------

    def action_focus_runs(self) -> None:
        self.query_one(FlowRunsTable).focus()

    def action_focus_purchases(self) -> None:
        self.query_one(FlowPurchasesTable).focus()

    # --- loading -------------------------------------------------------------------

    def _now(self) -> dt.datetime:
        now = getattr(self.aleph_app, "now", None)
        moment = now() if callable(now) else None
        return moment if isinstance(moment, dt.datetime) else dt.datetime.now(dt.UTC)

    @work(name="flow-report", group="flow-report", exclusive=True, exit_on_error=False)
    async def _fetch(self) -> None:
        asked = self._now()
        try:
            report = await self.service.flow_report(refresh=True)
        except Exception as exc:
            self._loading = False
            self.query_one("#flow-body").loading = False
            self._render_all()
            self.aleph_app.report_failure("Flow unavailable", exc, self.reload)
            return
        self._loading = False
        self.query_one("#flow-body").loading = False
        self.report = report
        self._updated_at = read_at(report, asked)
        self._render_all()

    # --- rendering -----------------------------------------------------------------

    def _static(self, selector: str) -> Static:
        return self.query_one(selector, Static)

    def _render_all(self) -> None:
        self._render_totals()
        self._render_chart()
        self._render_runs()
        self._render_purchases()
        self._render_updated()

    def _render_totals(self) -> None:
        report = self.report
        sources = self._static("#flow-sources")
        usd = self._static("#flow-usd")
        lines = [
            self._static(s)
            for s in ("#flow-bought", "#flow-distributed", "#flow-burned", "#flow-runs-count")
        ]
        if report is None:
            text = "loading…" if self._loading else "not loaded yet (r to load)"
            sources.update("")
            usd.update(f"Credits purchased     {text}")
            for widget in lines:
                widget.update("")
            return
        notes = [
            stale_note(CHAIN, report.chain, self._now()),
            stale_note(CREDIT_API, report.credit_api, self._now()),
        ]
        sources.update("\n".join(n for n in notes if n))
        sources.display = any(notes)
        totals = report.totals
        if report.credit_api.available and totals.usd_purchased is not None:
            usd.update(
                f"Credits purchased     {fmt.usd(totals.usd_purchased, signed=True)}"
                f" in {fmt.count(totals.purchases or 0)} purchases"
                f" ({fmt.credits(totals.credits_purchased or 0, signed=True)} credits)"
            )
        else:
            usd.update(f"Credits purchased     {unavailable(CREDIT_API, report.credit_api)}")
        bought, distributed, burned, runs = lines
        if report.chain.available:
            bought.update(f"ALEPH market-bought   {signed(totals.aleph_market_bought, '+')}")
            distributed.update(
                f"ALEPH to the network  {signed(totals.aleph_distributed, fmt.MINUS)}"
            )
            burned.update(
                f"ALEPH burned          {signed(totals.aleph_burned, fmt.MINUS)}"
                f"  · {burn_text(totals.burn_percentage, totals.burn_idle)}"
            )
            runs.update(f"Processing runs       {fmt.count(totals.processing_runs or 0)}")
            for widget in lines:
                widget.display = True
        else:
            bought.update(f"ALEPH flows           {unavailable(CHAIN, report.chain)}")
            for widget in (distributed, burned, runs):
                widget.update("")
                widget.display = False

    def _render_chart(self) -> None:
        from aleph_tui.ui.widgets.flow_chart import FlowChart

        report = self.report
        chart = self.query_one(FlowChart)
        status = self._static("#flow-chart-status")
        if report is None:
            chart.show(())
            status.update("")
            return
        notes = []
        if not report.credit_api.available:
            notes.append(f"USD purchased: {unavailable(CREDIT_API, report.credit_api)}")
        if not report.chain.available:
            notes.append(f"ALEPH distributed: {unavailable(CHAIN, report.chain)}")
        if not report.monthly and not notes:
            notes.append("No months with data yet.")
        status.update("\n".join(notes))
        status.display = bool(notes)
        chart.show(report.monthly)
        chart.display = bool(report.monthly)

    def _render_runs(self) -> None:
        report = self.report
        table = self.query_one(FlowRunsTable)
        status = self._static("#flow-runs-status")
        title = self._static("#flow-runs-title")
        if report is None:
            table.show(())
            status.update("")
            return
        if not report.chain.available:
            table.show(())
            table.display = False
            title.update("Processing runs")
            status.update(unavailable(CHAIN, report.chain))
            status.display = True
            return
        table.show(report.runs)
        table.display = True
        title.update(f"Processing runs ({len(report.runs)}, newest first)")
        note = stale_note(CHAIN, report.chain, self._now())
        status.update(note)
        status.display = bool(note)

    def _render_purchases(self) -> None:
        report = self.report
        table = self.query_one(FlowPurchasesTable)
        status = self._static("#flow-purchases-status")
        title = self._static("#flow-purchases-title")
        if report is None:
            table.show((), None)
            status.update("")
            return
        if not report.credit_api.available:
            table.show((), None)
            table.display = False
            title.update("Latest purchases")
            status.update(unavailable(CREDIT_API, report.credit_api))
            status.display = True
            return
        table.show(report.purchases, report.explorer_tx_base)
        table.display = True
        shown = min(len(report.purchases), LATEST)
        title.update(f"Latest purchases ({shown} of {len(report.purchases)}, newest first)")
        note = stale_note(CREDIT_API, report.credit_api, self._now())
        status.update(note)
        status.display = bool(note)

    def _render_updated(self) -> None:
        parts = []
        if self._updated_at is None:
            parts.append("last updated: never")
        else:
            parts.append(f"last updated {fmt.clock(self._updated_at)}")
        if self.report is not None:
            parts.append(f"network {self.report.network}")
        if self._loading:
            parts.append("refreshing…")
        self._static("#flow-updated").update(" · ".join(parts))
