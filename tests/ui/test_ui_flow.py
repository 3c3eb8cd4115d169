"""The Flow view (key 6) with Pilot on the devnet: the payment processor's totals, the
monthly chart, the processing runs and the latest purchases, each equal to the facade's
report; and a plain "unavailable" (never zeros) when the chain or the Credit API is out
of reach."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from textual.widgets import Static

from aleph_tui.core.flows.token_flow import FlowReport
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.ui.views import ViewSpec
from aleph_tui.ui.views.flow_view import FlowView
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.flow_chart import ALEPH_MARKER, TITLE, USD_MARKER, FlowChart
from aleph_tui.ui.widgets.flow_purchases_table import LATEST, FlowPurchasesTable
from aleph_tui.ui.widgets.flow_runs_table import FlowRunsTable
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import (
    UiTestApp,
    add_dev_accounts,
    build_app,
    make_store,
    screen_text,
    wait_for_workers,
)

SIZE = (160, 45)
DEAD_URL = "http://127.0.0.1:9"  # the discard port: nothing listens there


def text_of(app: Any, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


async def facade_report(document: dict[str, Any], home: Path) -> FlowReport:
    service = CreditService(
        devnet_from_document(document),
        journal=Journal(home / "facade-journal.sqlite3"),
        accounts=make_store(home / "facade"),
    )
    try:
        return await service.flow_report(refresh=True)
    finally:
        await service.aclose()


async def test_flow_shows_the_facade_report(devnet: RunningDevnet, home: Path) -> None:
    app = await build_app(devnet.document, home)
    app.views = [ViewSpec.of(FlowView)]
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        await pilot.press("6")
        await wait_for_workers(pilot)
        view = app.query_one(FlowView)
        assert app.current_view is view
        assert view.report is not None
        expected = await facade_report(devnet.document, home)
        assert expected.chain.available and expected.credit_api.available
        totals = expected.totals
        assert totals.usd_purchased and totals.usd_purchased > 0
        assert totals.aleph_distributed and totals.aleph_distributed > 0
        assert view.report.totals == totals
        assert totals.aleph_market_bought is not None and totals.aleph_burned is not None

        usd = text_of(app, "#flow-usd")
        assert fmt.usd(totals.usd_purchased, signed=True) in usd
        assert f"in {totals.purchases} purchases" in usd
        bought = text_of(app, "#flow-bought")
        assert f"+{fmt.token(totals.aleph_market_bought)}" in bought
        distributed = text_of(app, "#flow-distributed")
        assert f"{fmt.MINUS}{fmt.token(totals.aleph_distributed)}" in distributed
        burned = text_of(app, "#flow-burned")
        assert fmt.token(totals.aleph_burned) in burned
        assert f"burn {totals.burn_percentage} %" in burned
        if totals.burn_idle:
            assert "burn 0 % · idle" in burned
        assert str(totals.processing_runs) in text_of(app, "#flow-runs-count")
        assert "unavailable" not in screen_text(app)

        chart = app.query_one(FlowChart)
        assert chart.display
        months = [m.month for m in expected.monthly]
        assert len(months) >= 4
        assert chart.months == months
        assert chart.usd == [float(m.usd_purchased or 0) for m in expected.monthly]
        assert chart.aleph == [float(m.aleph_distributed or 0) for m in expected.monthly]
        # issue 16: a bar chart with a clean legend, no stray markers ("L ▞▞")
        drawn = re.sub(r"\x1b\[[0-9;]*m", "", chart.plt.build())
        assert USD_MARKER * 2 in drawn and ALEPH_MARKER * 2 in drawn
        assert TITLE in drawn and "▞" not in drawn and " L " not in drawn

        runs = app.query_one(FlowRunsTable)
        assert runs.row_count == len(expected.runs) > 0
        first = [str(cell) for cell in runs.get_row_at(0)]
        run = expected.runs[0]
        assert first[1] == (run.token_symbol or run.token)
        assert first[3] == f"+{fmt.token(run.aleph_out)}" or run.aleph_out == 0
        assert first[6] == run.kind
        assert first[7] == run.tx_hash[:10] + "…"

        purchases = app.query_one(FlowPurchasesTable)
        assert purchases.row_count == min(len(expected.purchases), LATEST) > 0

        # c copies the whole tx hash a row shows the start of (OSC 52).
        runs.focus()
        runs.move_cursor(row=0)
        await pilot.press("c")
        assert app.clipboard == run.tx_hash
        purchases.focus()
        purchases.move_cursor(row=0)
        await pilot.press("c")
        latest = expected.purchases[0]
        assert app.clipboard == (latest.tx_hash or latest.item_hash)

        # r refreshes: the same report again, tables not duplicated.
        view.focus()
        await pilot.press("r")
        await wait_for_workers(pilot)
        assert runs.row_count == len(expected.runs)
        assert "last updated" in text_of(app, "#flow-updated")
        await pilot.press("g")
        assert app.focused is runs


async def dead_app(
    document: dict[str, Any], home: Path, *, dead_rpc: bool = False, dead_api: bool = False
) -> UiTestApp:
    """The dashboard (Flow tab only) over a network whose chain node and/or Credit API
    go nowhere."""
    store = make_store(home)
    await add_dev_accounts(store, 1)
    network = devnet_from_document(document)
    network = dataclasses.replace(
        network,
        rpc_url=DEAD_URL if dead_rpc else network.rpc_url,
        credit_api_url=DEAD_URL if dead_api else network.credit_api_url,
    )
    service = CreditService(network, journal=Journal(home / "journal.sqlite3"), accounts=store)
    app = UiTestApp(service)
    app.views = [ViewSpec.of(FlowView)]
    return app


async def test_flow_says_plainly_when_both_sources_are_unavailable(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await dead_app(devnet.document, home, dead_rpc=True, dead_api=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        view = app.query_one(FlowView)
        assert view.report is not None
        assert not view.report.chain.available
        assert not view.report.credit_api.available
        assert text_of(app, "#flow-usd").startswith("Credits purchased")
        assert "Credit API unavailable: " in text_of(app, "#flow-usd")
        assert "Chain unavailable: " in text_of(app, "#flow-bought")
        assert "Chain unavailable: " in text_of(app, "#flow-runs-status")
        assert "Credit API unavailable: " in text_of(app, "#flow-purchases-status")
        assert not app.query_one(FlowRunsTable).display
        assert not app.query_one(FlowPurchasesTable).display
        screen = screen_text(app)
        assert "Chain unavailable" in screen
        for zero in ("$0.00", "+0 ", " 0 purchases", "ALEPH market-bought   0"):
            assert zero not in screen


async def test_flow_keeps_the_chain_when_only_the_credit_api_is_down(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await dead_app(devnet.document, home, dead_api=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        view = app.query_one(FlowView)
        assert view.report is not None and view.report.chain.available
        assert "Credit API unavailable: " in text_of(app, "#flow-usd")
        assert app.query_one(FlowRunsTable).row_count == len(view.report.runs) > 0
        chart = app.query_one(FlowChart)
        assert chart.usd is None  # the USD series is not drawn as zeros
        assert chart.aleph is not None
        assert "USD purchased: Credit API unavailable" in text_of(app, "#flow-chart-status")


async def test_flow_labels_cached_data_stale_when_the_sources_stop_answering(
    devnet: RunningDevnet, home: Path
) -> None:
    fresh = await facade_report(devnet.document, home)  # fills the on-disk cache
    app = await dead_app(devnet.document, home / "dead", dead_rpc=True, dead_api=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        view = app.query_one(FlowView)
        report = view.report
        assert report is not None and report.chain.stale and report.chain.available
        assert "Chain: stale, from the cache read " in text_of(app, "#flow-sources")
        assert "Chain: stale" in text_of(app, "#flow-runs-status")
        assert app.query_one(FlowRunsTable).row_count == len(fresh.runs)
        distributed = fresh.totals.aleph_distributed
        assert distributed is not None
        assert fmt.token(distributed) in text_of(app, "#flow-distributed")
