"""The Usage view (key 7) with Pilot on the devnet: grouped outgoing credits equal to the
facade's report, grouping switched with ``g``, consumed against purchased, the burn rate,
and the low-balance threshold saved to the config dir and warned about once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey

from aleph_tui.core.accounts.account_store import Account
from aleph_tui.core.flows.thresholds import thresholds_path
from aleph_tui.ui.low_balance import NOTIFY_TITLE
from aleph_tui.ui.views import ViewSpec
from aleph_tui.ui.views.usage_view import UsageView, decimal_text
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.validated_input import ValidatedInput
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import (
    FIXED_NOW,
    UiTestApp,
    build_app,
    fill,
    open_view,
    screen_text,
    wait_for_workers,
)

SIZE = (160, 45)
START = FIXED_NOW - dt.timedelta(days=30)


def text_of(app: Any, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


def lows(notified: list[str]) -> int:
    return sum(1 for n in notified if n.startswith(f"{NOTIFY_TITLE}\n"))


async def usage_tab(pilot: Pilot[Any], app: UiTestApp) -> tuple[UsageView, Account]:
    """The Usage tab once its first loads are done, and the account it shows."""
    view = await open_view(pilot, "usage")
    assert isinstance(view, UsageView)
    account = app.active_account
    assert account is not None
    return view, account


async def test_usage_totals_grouping_and_burn_rate_match_the_facade(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home)
    app.views = [ViewSpec.of(UsageView)]
    async with app.run_test(size=SIZE) as pilot:
        view, account = await usage_tab(pilot, app)
        service = app.service
        expected = await service.usage(account.address, start=START, end=FIXED_NOW)
        assert expected.total > 0 and expected.groups
        report = view.report
        assert report is not None and report.group_by == "resource"
        assert report.total == expected.total
        assert report.groups == expected.groups
        assert report.entries == expected.entries

        table = app.query_one("#usage-groups", DataTable)
        assert table.row_count == len(expected.groups) + 1
        total_row = [str(c) for c in table.get_row("total")]
        assert total_row[-3] == fmt.credits(-expected.total, signed=True)
        assert total_row[-2] == fmt.usd(-expected.total_usd, signed=True)
        assert total_row[-1] == str(expected.entries)
        first = [str(c) for c in table.get_row_at(0)]
        assert first[-3] == fmt.credits(-expected.groups[0].credits, signed=True)
        # issue 16: amounts were left-aligned in Usage
        for key in ("credits", "usd", "entries"):
            assert table.columns[ColumnKey(key)].label.justify == "right"
        assert [c.justify for c in table.get_row("total")[-3:]] == ["right"] * 3

        flow = await service.usage_flow(account.address, start=START, end=FIXED_NOW)
        rate = await service.burn_rate(account.address, start=START, end=FIXED_NOW)
        assert view.flow == flow
        assert view.rate is not None and view.rate.consumed == rate.consumed
        flow_text = text_of(app, "#usage-flow")
        assert fmt.credits(-flow.consumed, signed=True) in flow_text
        assert fmt.credits(flow.purchased, signed=True) in flow_text
        burn = text_of(app, "#usage-burn")
        assert f"{decimal_text(rate.per_day)} credits/day" in burn
        assert "Runs out" in burn and "UTC" in burn
        screen = screen_text(app)
        assert "Total" in screen and fmt.credits(-expected.total, signed=True) in screen

        # g: by day, every day of the period, summing to the same total
        await pilot.press("g")
        await wait_for_workers(pilot)
        by_day = await service.usage(account.address, group_by="day", start=START, end=FIXED_NOW)
        assert view.report is not None and view.report.group_by == "day"
        assert view.report.groups == by_day.groups
        assert str(table.ordered_columns[0].label) == "Day (UTC)"
        assert table.row_count == len(by_day.groups) + 1 != len(expected.groups) + 1
        assert str(table.get_row_at(0)[0]) == by_day.groups[0].key
        assert sum(g.credits for g in view.report.groups) == expected.total

        # g again: by payment method
        await pilot.press("g")
        await wait_for_workers(pilot)
        by_method = view.report
        assert by_method is not None and by_method.group_by == "method"
        keys = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert "credit_expense" in keys


async def test_threshold_is_saved_and_warns_once(devnet: RunningDevnet, home: Path) -> None:
    app = await build_app(devnet.document, home)
    app.views = [ViewSpec.of(UsageView)]
    async with app.run_test(size=SIZE) as pilot:
        view, account = await usage_tab(pilot, app)
        assert view.rate is not None
        balance = view.rate.balance
        assert lows(app.notified) == 0
        assert "No low-balance threshold" in text_of(app, "#usage-threshold-state")

        field = app.query_one("#usage-threshold", ValidatedInput)
        await fill(pilot, "#usage-threshold-input", "0")
        assert field.error is not None and "threshold" in field.error
        await pilot.press("enter")
        await pilot.pause()
        assert app.service.low_balance_threshold(account.address) is None

        # Below the balance: saved, no warning.
        await fill(pilot, "#usage-threshold-input", "1000")
        await pilot.press("enter")
        await pilot.pause()
        stored = app.service.low_balance_threshold(account.address)
        assert stored is not None and stored.credits == 1000
        assert thresholds_path().is_relative_to(home)
        assert "1000" in thresholds_path().read_text()
        assert lows(app.notified) == 0

        # Above the balance: one warning, not repeated by a reload.
        above = balance + 1_000_000
        await fill(pilot, "#usage-threshold-input", str(above))
        await pilot.click("#usage-threshold-set")
        await pilot.pause()
        stored = app.service.low_balance_threshold(account.address)
        assert stored is not None and stored.credits == above
        assert lows(app.notified) == 1
        assert "below it" in text_of(app, "#usage-threshold-state")
        await pilot.press("r")
        await wait_for_workers(pilot)
        assert lows(app.notified) == 1

        # Cleared: the file no longer has it.
        await pilot.click("#usage-threshold-clear")
        await pilot.pause()
        assert app.service.low_balance_threshold(account.address) is None
        assert "No low-balance threshold" in text_of(app, "#usage-threshold-state")


async def test_forecast_panel_and_plan_to_a_chosen_date(devnet: RunningDevnet, home: Path) -> None:
    """The Forecast panel shows the true run-out and each lot expiring unused, as the
    facade computes them (tests/integration/test_forecast.py checks those against an
    independent replay); a date typed in "Keep running until" adds what to buy and by
    when, without reading the node again; a past or bad date is refused under the field."""
    app = await build_app(devnet.document, home)
    app.views = [ViewSpec.of(UsageView)]
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "usage")
        assert isinstance(view, UsageView)
        await wait_for_workers(pilot)
        account = app.active_account
        assert account is not None
        expected = await app.service.forecast(
            account.address, start=START, end=FIXED_NOW, now=FIXED_NOW
        )
        assert view.forecast is not None
        assert view.forecast.fates == expected.fates
        assert view.forecast.runs_out == expected.runs_out is not None
        assert expected.expiring_unused
        panel = text_of(app, "#usage-forecast")
        assert f"Truly runs out   {fmt.utc_minute(expected.runs_out)} UTC" in panel
        for fate in expected.expiring_unused:
            assert f"{fmt.utc_minute(fate.lost_at)} {fmt.credits(fate.lost)}" in panel
        assert "buy" not in panel

        day = (expected.runs_out + dt.timedelta(days=60)).date()
        until = dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
        planned = await app.service.forecast(
            account.address, start=START, end=FIXED_NOW, now=FIXED_NOW, until=until
        )
        assert len(planned.plan) == 1
        fates = view.forecast.fates
        await fill(pilot, "#usage-until-input", day.isoformat())
        await pilot.press("enter")
        await pilot.pause()
        assert view.forecast.fates is fates  # planned without reading again
        panel = text_of(app, "#usage-forecast")
        purchase = planned.plan[0]
        assert (
            f"Through {fmt.utc_minute(until)}: buy {fmt.credits(purchase.credits)} credits" in panel
        )
        assert f"by {fmt.utc_minute(purchase.by)} UTC" in panel

        field = app.query_one("#usage-until", ValidatedInput)
        await fill(pilot, "#usage-until-input", "2020-01-01")
        await pilot.press("enter")
        await pilot.pause()
        assert field.error is not None and "future" in field.error
        await fill(pilot, "#usage-until-input", "2026-13-40")
        assert field.error is not None and "until" in field.error
        assert "buy" in text_of(app, "#usage-forecast")  # the last good plan stays
