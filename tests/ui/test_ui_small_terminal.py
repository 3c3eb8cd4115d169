"""Every view at 80×24, the default terminal size (issue 16, point 11): its primary action
is wholly on screen without scrolling, and using it works.

"On screen" is the compositor's answer: the widget's whole region lies inside the screen
and inside every container that clips it (a button scrolled off, or cut by a narrower
column, is not). The layout for small terminals is CSS on the screen's size classes
(``AlephApp.HORIZONTAL_BREAKPOINTS``/``VERTICAL_BREAKPOINTS``).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from textual.errors import NoWidget
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from aleph_tui.ui.app import AlephApp
from aleph_tui.ui.screens.form import FormModal
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.views.buy_view import BuyView
from aleph_tui.ui.views.history_view import HistoryView
from aleph_tui.ui.views.usage_view import UsageView
from aleph_tui.ui.widgets.credit_lots_table import CreditLotsTable
from aleph_tui.ui.widgets.flow_runs_table import FlowRunsTable
from aleph_tui.ui.widgets.view_tabs import ViewTabs
from tests.support.credit_helpers import fresh_key, post_transfer, seeded
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import (
    build_app,
    fill,
    open_view,
    settle_loaded,
    shown,
    until,
    wait_for_workers,
)

SMALL = (80, 24)
LOTS = 10  # more than the Balance lots panel has lines for at 80x24


def on_screen(app: AlephApp, widget: Widget) -> bool:
    """Whether the whole of ``widget`` is drawn on the current screen, nothing clipped."""
    try:
        geometry = app.screen.find_widget(widget)
    except NoWidget:
        return False
    region = geometry.region
    return (
        region.area > 0
        and geometry.visible_region == region
        and app.screen.region.contains_region(region)
    )


def assert_on_screen(app: AlephApp, selector: str) -> Widget:
    widget = app.screen.query_one(selector)
    assert on_screen(app, widget), f"{selector} is not wholly on the 80×24 screen"
    return widget


def in_sight(app: AlephApp, widget: Widget) -> bool:
    """Whether ``widget`` is wholly on screen and on top: at every one of its cells the
    compositor draws it (or a part of it), not a row docked over it."""
    if not on_screen(app, widget):
        return False
    region = app.screen.find_widget(widget).region
    for y in range(region.y, region.bottom):
        for x in range(region.x, region.right):
            top, _ = app.screen.get_widget_at(x, y)
            if top is not widget and widget not in top.ancestors:
                return False
    return True


async def tab_through_in_sight(pilot: Pilot[Any], view: Widget) -> list[str]:
    """Tab from the focused widget through the rest of the view's order, to the tab bar:
    each widget that takes the focus is brought wholly into sight. Their ids, in order."""
    app = pilot.app
    assert isinstance(app, AlephApp)
    visited: list[str] = []
    while True:
        await pilot.press("tab")
        focused = app.focused
        assert focused is not None
        if isinstance(focused, ViewTabs):
            return visited
        assert view in focused.ancestors, f"{focused} is outside the view"
        visited.append(str(focused.id))
        assert len(visited) < 30, visited  # the order ends at the tab bar
        await until(pilot, partial(in_sight, app, focused), f"{focused.id} in sight")


def lot_on_screen(app: AlephApp, lots: DataTable[Any], row: int) -> bool:
    """Whether the lot in ``row`` (its expiry and credits) is drawn on the screen."""
    expires, credits = (str(cell).strip() for cell in lots.get_row_at(row)[:2])
    return f"{expires} {credits}" in shown(app)


def rendered_lines(widget: Widget) -> list[str]:
    """The lines ``widget`` draws at its current size."""
    return [strip.text for strip in widget.render_lines(widget.region.reset_offset)]


async def small_app(devnet: RunningDevnet, tmp_path: Path) -> AlephApp:
    return await build_app(devnet.document, tmp_path)


async def confirmation_shows_its_buttons(pilot: Pilot[Any]) -> None:
    """The confirmation is open with Cancel and Sign on screen; Cancel closes it."""
    app = pilot.app
    assert isinstance(app, AlephApp)
    await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "the confirmation")
    await pilot.pause()
    assert_on_screen(app, "#confirm")
    assert_on_screen(app, "#cancel")
    await pilot.click("#cancel")
    await until(pilot, lambda: not isinstance(app.screen, SigningConfirmation), "cancel")


async def test_balance_at_80x24_shows_every_lot_column_and_switches_account(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await small_app(devnet, home)
    async with app.run_test(size=SMALL) as pilot:
        await open_view(pilot, "balance")
        await settle_loaded(pilot)
        lots: DataTable[Any] = app.query_one("#credit-lots", DataTable)
        assert lots.row_count > 0
        # Every column fits the panel: nothing is cut on the right ("$24." for $24.50).
        assert lots.virtual_size.width <= lots.scrollable_content_region.width
        text = shown(app)
        for row in range(min(lots.row_count, 3)):
            expires, credits, usd = (str(cell) for cell in lots.get_row_at(row)[:3])
            assert f"{expires} {credits.strip()} {usd.strip()}" in text
        table = assert_on_screen(app, "#accounts-table")
        assert app.focused is table
        await pilot.press("down", "enter")
        await until(
            pilot,
            lambda: app.active_account is not None and app.active_account.name == "dev-1",
            "dev-1 to become the active account",
        )


async def test_balance_at_80x24_scrolls_every_lot_into_view_under_the_cursor(
    devnet: RunningDevnet, home: Path, accounts: list[Any]
) -> None:
    # An account of its own with 10 lots (transfers with 10 expirations, a day apart):
    # the seeded accounts' lots are spent by other tests of the session.
    owner = fresh_key()
    soon = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    for day in range(1, LOTS + 1):
        sent = post_transfer(
            devnet.api_url,
            seeded(accounts, 0),
            owner.address,
            1_000,
            expiration_ms=soon + day * 86_400_000,
        )
        assert sent.status_code == 200, sent.text
    app = await build_app(devnet.document, home, accounts=0)
    await app.service.accounts.import_key("lots", owner.private_key)
    app.service.accounts.use("lots")
    async with app.run_test(size=SMALL) as pilot:
        await open_view(pilot, "balance")
        await settle_loaded(pilot)
        lots = app.query_one(CreditLotsTable)
        await until(pilot, lambda: lots.row_count == LOTS, "the account's lots")
        # More lots than the panel has lines for: they must scroll to be seen.
        assert lots.row_count + 1 > app.screen.find_widget(lots).visible_region.height
        # Every column is still whole beside the scrollbar.
        assert lots.virtual_size.width <= lots.scrollable_content_region.width
        await pilot.press("tab")  # from the accounts table to the lots, as a user does
        assert app.focused is lots
        for row in range(lots.row_count):
            if row:
                await pilot.press("down")
            await until(pilot, lambda: lots.cursor_row == row, f"the cursor on lot {row + 1}")  # noqa: B023
            await until(pilot, lambda: lot_on_screen(app, lots, row), f"lot {row + 1} on screen")  # noqa: B023
        last = lots.row_count - 1
        # The refresh (every 30 s, or r) keeps the cursor, and so the lot, where it was.
        shown_key = next(iter(lots.rows))
        await pilot.press("r")
        # Filled again: its rows are new (keyed alike).
        await until(pilot, lambda: next(iter(lots.rows)) is not shown_key, "the refresh")
        await wait_for_workers(pilot)
        assert lots.cursor_row == last
        await until(pilot, lambda: lot_on_screen(app, lots, last), "the last lot kept")
        await pilot.press("ctrl+home")  # DataTable's keys for the top and the bottom
        await until(pilot, lambda: lot_on_screen(app, lots, 0), "the first lot back on screen")
        assert app.focused is lots and lots.cursor_row == 0, (app.focused, lots.cursor_row)
        await pilot.press("ctrl+end")
        await until(pilot, lambda: lot_on_screen(app, lots, last), "the last lot again")


async def test_history_at_80x24_shows_every_filter_and_applies_the_to_date(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await small_app(devnet, home)
    async with app.run_test(size=SMALL) as pilot:
        view = await open_view(pilot, "history")
        assert isinstance(view, HistoryView)
        for selector in (
            "#filter-direction",
            "#filter-method",
            "#filter-from",
            "#filter-to",
            "#page-size",
            "#filter-resource-types",
            "#filter-resource",
            "#history-table",
        ):
            assert_on_screen(app, selector)
        await fill(pilot, "#filter-to", "2026-02-01")
        await pilot.press("enter")
        await until(pilot, lambda: "endDate" in view.filters.query(), "the to date applied")
        app.query_one("#page-size", Select).value = 100
        await until(pilot, lambda: view.page_size == 100, "100 rows a page")


async def test_buy_at_80x24_shows_the_whole_address_and_its_button_opens_the_review(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await small_app(devnet, home)
    async with app.run_test(size=SMALL) as pilot:
        view = await open_view(pilot, "buy")
        assert isinstance(view, BuyView)
        account = app.active_account
        assert account is not None
        sender = assert_on_screen(app, "#buy-from")
        # The address is one unbroken line, never split mid-hex.
        assert any(account.address in line for line in rendered_lines(sender))
        assert_on_screen(app, "#buy-token")
        assert_on_screen(app, "#buy-amount-input")
        await fill(pilot, "#buy-amount-input", "2")
        await until(pilot, lambda: view.estimate is not None, "the estimate")
        assert_on_screen(app, "#buy-submit")
        await pilot.click("#buy-submit")
        await confirmation_shows_its_buttons(pilot)


async def test_transfer_at_80x24_keeps_send_on_screen_and_it_opens_the_review(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await small_app(devnet, home)
    async with app.run_test(size=SMALL) as pilot:
        await open_view(pilot, "transfer")
        await fill(pilot, "#transfer-to-input", "dev-1")
        await fill(pilot, "#transfer-amount-input", "1000000")
        submit = assert_on_screen(app, "#transfer-submit")
        await until(pilot, lambda: not submit.disabled, "Send to be enabled")
        await pilot.click("#transfer-submit")
        await confirmation_shows_its_buttons(pilot)


async def test_transfer_at_80x24_shows_each_field_and_button_while_it_has_the_focus(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await small_app(devnet, home)
    async with app.run_test(size=SMALL) as pilot:
        view = await open_view(pilot, "transfer")
        # The new user's keys: the form opens on To; the lines under each field grow.
        to = assert_on_screen(app, "#transfer-to-input")
        assert app.focused is to
        await pilot.press(*"dev-1", "tab", *"1_000", "tab")
        expiration = app.query_one("#transfer-expiration-input")
        assert app.focused is expiration
        await pilot.press(*"2027-01-31T00:00:00Z")
        await until(pilot, lambda: in_sight(app, expiration), "the expiration field in sight")
        visited = await tab_through_in_sight(pilot, view)
        assert visited[:2] == ["transfer-channel-input", "transfer-submit"], visited
        # Send stays reachable without scrolling once a field has the focus again.
        app.query_one("#transfer-channel-input").focus()
        await until(pilot, lambda: in_sight(app, app.query_one("#transfer-submit")), "Send")


async def test_buy_at_80x24_shows_each_field_and_button_while_it_has_the_focus(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await small_app(devnet, home)
    async with app.run_test(size=SMALL) as pilot:
        view = await open_view(pilot, "buy")
        await fill(pilot, "#buy-amount-input", "2")
        assert isinstance(view, BuyView)
        await until(pilot, lambda: view.estimate is not None, "the estimate")
        view.default_focus().focus()
        await pilot.pause()
        visited = await tab_through_in_sight(pilot, view)
        assert "buy-submit" in visited, visited


async def test_accounts_at_80x24_import_dialog_keeps_its_buttons_on_screen(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await small_app(devnet, home)
    async with app.run_test(size=SMALL) as pilot:
        await open_view(pilot, "accounts")
        assert_on_screen(app, "#account-list")
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, FormModal), "the import dialog")
        await fill(pilot, "#import-name", "savings")
        await fill(pilot, "#import-key", "ab" * 32)
        assert_on_screen(app, "#import-submit")
        assert_on_screen(app, "#import-cancel")
        await pilot.click("#import-cancel")
        await until(pilot, lambda: not isinstance(app.screen, FormModal), "the dialog closed")


async def test_accounts_at_80x24_import_dialog_shows_each_field_while_it_has_the_focus(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await small_app(devnet, home)
    async with app.run_test(size=SMALL) as pilot:
        await open_view(pilot, "accounts")
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, FormModal), "the import dialog")
        dialog = app.screen
        # Its tallest form: the keystore's passwords shown too.
        dialog.query_one("#import-encrypted", Checkbox).value = True
        dialog.query_one("#import-name", Input).focus()
        await pilot.pause()
        visited: list[str] = []
        while app.focused is not None and app.focused.id not in visited:
            focused = app.focused
            visited.append(str(focused.id))
            await until(pilot, partial(in_sight, app, focused), f"{focused.id} in sight")
            await pilot.press("tab")
            assert app.screen is dialog
        assert {"import-password-repeat", "import-cancel"} <= set(visited), visited


@pytest.mark.parametrize("view_id", ["history", "usage", "pricing"])
async def test_every_input_at_80x24_is_in_sight_while_it_has_the_focus(
    devnet: RunningDevnet, home: Path, view_id: str
) -> None:
    app = await small_app(devnet, home)
    async with app.run_test(size=SMALL) as pilot:
        view = await open_view(pilot, view_id)
        await settle_loaded(pilot)
        app.query_one(ViewTabs).focus()
        await pilot.pause()
        visited = await tab_through_in_sight(pilot, view)
        assert any(name.endswith("-input") or name.startswith("filter-") for name in visited)


async def test_flow_at_80x24_shows_the_totals_and_g_brings_the_runs_into_view(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await small_app(devnet, home)
    async with app.run_test(size=SMALL) as pilot:
        await open_view(pilot, "flow")
        await settle_loaded(pilot)
        assert_on_screen(app, "#flow-totals")
        await pilot.press("g")
        runs = app.query_one(FlowRunsTable)
        await until(pilot, lambda: app.focused is runs, "the runs table focused")
        await pilot.pause()
        visible = app.screen.find_widget(runs).visible_region
        assert visible.height >= 2  # its header and at least its first run


async def test_usage_at_80x24_applies_a_period_and_reaches_the_threshold(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await small_app(devnet, home)
    async with app.run_test(size=SMALL) as pilot:
        view = await open_view(pilot, "usage")
        assert isinstance(view, UsageView)
        for selector in ("#usage-group-by", "#usage-from", "#usage-to", "#usage-apply"):
            assert_on_screen(app, selector)
        # A bad date's rule wraps under the narrow field in words, leaving no lone ")"
        await fill(pilot, "#usage-to-input", "abc")
        rule = app.query_one("#usage-to").query_one(".field-rule", Static)
        lines = [line.strip() for line in rendered_lines(rule) if line.strip()]
        assert " ".join(lines).startswith("to: must be a date (2026-05-01)")
        assert all(any(c.isalnum() for c in line) for line in lines), lines
        await fill(pilot, "#usage-to-input", "")
        await fill(pilot, "#usage-from-input", "2026-02-20")
        await pilot.click("#usage-apply")
        start = dt.datetime(2026, 2, 20, tzinfo=dt.UTC)
        await until(pilot, lambda: view.span is not None and view.span.start == start, "the period")
        await pilot.press("escape", "t")  # the threshold field, below: brought into view
        await pilot.pause()
        assert_on_screen(app, "#usage-threshold-input")
        await pilot.press(*"1000", "enter")
        account = app.active_account
        assert account is not None

        def saved() -> bool:
            stored = app.service.low_balance_threshold(account.address)
            return stored is not None and stored.credits == 1000

        await until(pilot, saved, "the threshold saved")


async def test_pricing_at_80x24_shows_the_estimate_as_it_changes(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await small_app(devnet, home)
    async with app.run_test(size=SMALL) as pilot:
        await open_view(pilot, "pricing")
        estimate = app.query_one("#pricing-estimate", Static)
        await until(pilot, lambda: "credits" in str(estimate.content), "the estimate")
        assert_on_screen(app, "#pricing-units-input")
        assert_on_screen(app, "#pricing-hours-input")
        assert_on_screen(app, "#pricing-estimate")
        await fill(pilot, "#pricing-hours-input", "48")
        await until(pilot, lambda: "48 h" in str(estimate.content), "the new estimate")
        assert on_screen(app, estimate)
        assert any("48 h" in line for line in rendered_lines(estimate))
