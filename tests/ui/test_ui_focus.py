"""The focus model (ui/focus.py), driven with Pilot on the devnet at 80x24: keys never land
in the wrong place, the focus goes somewhere predictable after an action, Tab walks a
fixed order in every view, help names actions, and the focus shows by shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pytest
from textual.keys import key_to_character
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, RadioButton, Select, Static

from aleph_tui.core.aleph.history_models import PAYMENT_METHODS
from aleph_tui.devnet.chain.engine import DevAccount, dev_accounts
from aleph_tui.ui.focus import ROLES
from aleph_tui.ui.screens.create_account import CreateAccountModal
from aleph_tui.ui.screens.help_screen import HelpScreen
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.views.buy_view import BuyView
from aleph_tui.ui.views.history_view import HistoryView
from aleph_tui.ui.views.transfer_view import TransferView
from tests.support.credit_helpers import Key, fresh_key, funded_key, seeded
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import (
    UiTestApp,
    build_app,
    open_view,
    shown,
    until,
    wait_for_workers,
)

SIZE = (80, 24)  # the default terminal, where the focus went astray


async def app_of(devnet: RunningDevnet, home: Path, key: Key) -> UiTestApp:
    """The app with one account, "solo", holding ``key``."""
    app = await build_app(devnet.document, home, accounts=0)
    store = app.service.accounts
    await store.import_key("solo", key.private_key)
    store.use("solo")
    return app


async def press(pilot: Pilot[Any], *keys: str) -> None:
    await pilot.press(*keys)
    await wait_for_workers(pilot)


def ident(widget: Widget | None) -> str:
    assert widget is not None, "nothing has the focus"
    return widget.id or type(widget).__name__


# --- keys never land in the wrong place ----------------------------------------------


async def test_transfer_opens_on_to_so_typed_digits_go_into_it_until_escape(
    devnet: RunningDevnet, home: Path
) -> None:
    """Pressing 4 then typing fills To; the digits do not switch tabs. Escape leaves the
    field and the number keys work again. (The focus stayed on the view, or went to an
    invisible scroll panel with Tab, and the digits switched views.)"""
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        await press(pilot, "4")
        view = app.query_one(TransferView)
        to = view.field("to").input
        await until(pilot, lambda: app.focused is to, "the focus on To")
        await press(pilot, "1", "2", "3")
        assert app.shown_view == "transfer"
        assert to.value == "123"
        await press(pilot, "escape")
        assert app.focused is view
        assert to.value == "123"  # leaving the field keeps what was typed
        await press(pilot, "1")
        assert app.shown_view == "balance"


async def test_buy_opens_on_the_amount_so_typed_digits_go_into_it_until_escape(
    devnet: RunningDevnet, home: Path
) -> None:
    """Pressing 3 then typing 2.5 fills the amount; the digits do not switch tabs (the
    tab opened on the token's radio set, and 2 switched to History)."""
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        await press(pilot, "3")
        view = app.query_one(BuyView)
        amount = view.amount_field.input
        await until(pilot, lambda: app.focused is amount, "the focus on the amount")
        await press(pilot, "2", ".", "5")
        assert app.shown_view == "buy"
        assert amount.value == "2.5"
        await press(pilot, "escape")
        assert app.focused is view
        assert amount.value == "2.5"
        await press(pilot, "1")
        assert app.shown_view == "balance"


async def test_a_refused_history_filter_keeps_the_focus_on_its_field(
    devnet: RunningDevnet, home: Path
) -> None:
    """A bad date and Enter: the rule shows and the focus stays in the field, so the
    corrected date is typed there (it went to the table, and the digits switched tabs)."""
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        view = await open_view(pilot, "history")
        start = view.query_one("#filter-from", Input)
        start.focus()
        await press(pilot, *"2026-13-40", "enter")
        error = view.query_one("#filter-error", Static)
        assert error.display and "from" in str(error.content)
        assert app.focused is start
        await press(pilot, *["backspace"] * 5, *"01-05")
        assert app.shown_view == "history"
        assert start.value == "2026-01-05"
        await press(pilot, "enter")
        assert not error.display
        assert isinstance(view, HistoryView) and view.filters.start is not None
        assert app.focused is view.default_focus()  # applied: on to the table
        await press(pilot, "escape", "1")
        assert app.shown_view == "balance"


async def test_no_printable_binding_is_active_while_any_text_field_has_the_focus(
    devnet: RunningDevnet, home: Path
) -> None:
    """The one rule, checked in every view: with a text field focused, no binding of a
    printable key (digits, letters, ``?``, ``<``…) is active, the app's or a view's."""
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        for spec in app.views:
            view = await open_view(pilot, spec.view_id)
            fields = [field for field in view.query(Input) if field.focusable]
            assert fields or spec.view_id in {"balance", "accounts", "flow"}, spec.view_id
            for field in fields:
                field.focus()
                await pilot.pause()
                assert app.focused is field
                printable = [
                    key
                    for key in app.screen.active_bindings
                    if (character := key_to_character(key)) is not None and character.isprintable()
                ]
                assert printable == [], f"{spec.view_id} #{field.id}: {printable} would fire"
            await press(pilot, "escape")


# --- after an action, a predictable focus ------------------------------------------------


async def test_after_a_transfer_completes_the_focus_leaves_the_fields(
    devnet: RunningDevnet, home: Path, accounts: list[DevAccount]
) -> None:
    sender = funded_key(devnet.api_url, seeded(accounts, 0), 50_000)
    app = await app_of(devnet, home, sender)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        await press(pilot, "4")
        view = app.query_one(TransferView)
        view.field("to").value = fresh_key().address
        view.field("amount").value = "1000"
        await until(pilot, lambda: view.quote is not None, "the live quote")
        view.field("amount").focus_input()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "the modal")
        await pilot.press("y")
        await until(pilot, lambda: view.last_result is not None and not view.busy, "the result")
        await wait_for_workers(pilot)
        result = view.last_result
        assert result is not None and result.status == "processed", result
        assert app.focused is view  # the form at rest: its keys and the number keys work
        await press(pilot, "1")
        assert app.shown_view == "balance"


async def test_after_a_buy_completes_the_focus_leaves_the_amount(
    devnet: RunningDevnet, home: Path
) -> None:
    """A real buy (dev account 4, as the Buy tab's tests: they read their balances before
    and after, so one more purchase does not disturb them). A dry run keeps the focus in
    the amount, ready for the real purchase."""
    buyer = dev_accounts(5)[4]
    app = await build_app(devnet.document, home, accounts=0)
    await app.service.accounts.import_key("buyer", buyer.private_key)
    app.service.accounts.use("buyer")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        await press(pilot, "3")
        view = app.query_one(BuyView)
        amount = view.amount_field.input
        view.query_one("#buy-token-USDC", RadioButton).value = True
        # The token's change clears the amount: it must land before the typing.
        await until(pilot, lambda: view.token == "USDC", "the token")
        amount.focus()
        await press(pilot, "1")  # typed into the amount, not a tab switch
        assert app.shown_view == "buy" and amount.value == "1"
        await until(pilot, lambda: view.estimate is not None, "the live estimate")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "the modal")
        await pilot.press("y")
        await until(pilot, lambda: view.last_result is not None and not view.busy, "the result")
        await wait_for_workers(pilot)
        result = view.last_result
        assert result is not None and result.status == "completed", result
        assert app.focused is view  # the form at rest: its keys and the number keys work
        await press(pilot, "1")
        assert app.shown_view == "balance"


async def test_after_a_threshold_is_saved_the_focus_leaves_the_field(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "usage")
        field = view.query_one("#usage-threshold-input", Input)
        field.focus()
        await press(pilot, *"1000", "enter")
        account = app.active_account
        assert account is not None
        assert app.service.low_balance_threshold(account.address) is not None
        assert app.focused is view.main_widget() and app.focused is not field
        await press(pilot, "1")
        assert app.shown_view == "balance"


# --- Tab order ---------------------------------------------------------------------------

TAB_ORDERS: dict[str, list[str]] = {
    "balance": ["accounts-table", "credit-lots", "view-tabs"],
    "history": [
        "history-table",
        "view-tabs",
        "filter-direction",
        "filter-method",
        "filter-from",
        "filter-to",
        "page-size",
        "filter-resource-types",
        "filter-resource",
    ],
    # Send is disabled until the form is valid, so Tab skips it.
    # Opens on the amount (as Transfer on To); Tab comes round to the token before it.
    "buy": ["buy-amount-input", "buy-max", "buy-clear", "buy-dry-run", "view-tabs", "buy-token"],
    "transfer": [
        "transfer-to-input",
        "transfer-amount-input",
        "transfer-expiration-input",
        "transfer-channel-input",
        "transfer-clear",
        "transfer-dry-run",
        "view-tabs",
    ],
    "accounts": ["account-list", "view-tabs"],
    "flow": ["flow-runs", "flow-purchases", "view-tabs"],  # opens on the view itself
    "usage": [
        "usage-groups",
        "usage-until-input",
        "usage-threshold-input",
        "usage-threshold-set",
        "usage-threshold-clear",
        "view-tabs",
        "usage-group-by",
        "usage-from-input",
        "usage-to-input",
        "usage-apply",
    ],
    "pricing": [
        "pricing-tiers",
        "pricing-units-input",
        "pricing-hours-input",
        "view-tabs",
        "pricing-entity",
    ],
}


@pytest.mark.parametrize("view_id", list(TAB_ORDERS))
async def test_tab_walks_the_views_fixed_order(
    view_id: str, devnet: RunningDevnet, home: Path
) -> None:
    """From the widget the tab opens on, Tab visits the fields as composed, then the
    buttons, then the tab bar, and comes round; Shift+Tab walks it back. No invisible
    scroll panel, no order taken from where widgets happen to be drawn."""
    expected = TAB_ORDERS[view_id]
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, view_id)
        opening = ident(app.focused)
        assert opening == ident(view.default_focus())
        start = [] if opening == expected[0] else [opening]  # a view outside its order
        seen = [opening]
        for _ in range(len(start) + len(expected)):
            await pilot.press("tab")
            seen.append(ident(app.focused))
        assert seen == [*start, *expected, expected[0]]
        back = [ident(app.focused)]
        for _ in expected:
            await pilot.press("shift+tab")
            back.append(ident(app.focused))
        assert back == [expected[0], *reversed(expected)]


# --- History's method filter -------------------------------------------------------------


async def test_history_method_is_a_choice_and_an_empty_result_says_so(
    devnet: RunningDevnet, home: Path, accounts: list[DevAccount]
) -> None:
    """A fresh account funded once: one entry ("1 entry", never "1 entries"); the method
    is chosen from the node's methods, and one that matches nothing says so."""
    key = funded_key(devnet.api_url, seeded(accounts, 0), 7_000)
    app = await app_of(devnet, home, key)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "history")
        assert isinstance(view, HistoryView)
        position = view.query_one("#history-position", Static)
        summary = view.query_one("#history-summary", Static)
        await until(pilot, lambda: "Totals (all" in str(summary.content), "the totals")
        assert str(position.content) == "page 1 of 1 · 1 entry"
        assert "Totals (all, 1 entry)" in str(summary.content)

        method = view.query_one("#filter-method", Select)
        method.focus()
        await press(pilot, "enter")  # the list opens: "any" and the node's methods
        listed = method.query_one(OptionList)
        labels = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert labels == ["any method", *PAYMENT_METHODS]
        await press(pilot, "down", "enter")  # the first method after "any"
        assert method.value == "credit_expense"
        await until(pilot, lambda: view.filters.payment_method == "credit_expense", "the filter")
        await wait_for_workers(pilot)
        text = str(position.content)
        assert text == "no entries match: method credit_expense", text
        assert "no entries match" in shown(app)
        assert "Totals (filtered, 0 entries)" in str(summary.content)

        await press(pilot, "enter", "down", "enter")  # credit_transfer: the one entry
        await until(pilot, lambda: view.filters.payment_method == "credit_transfer", "it")
        await wait_for_workers(pilot)
        assert str(position.content) == "page 1 of 1 · 1 entry (method credit_transfer)"


# --- help --------------------------------------------------------------------------------


async def test_help_names_what_has_the_focus_and_each_key_by_its_action(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "transfer")
        view.query_one("#transfer-form").focus()  # a click on the form's panel does this
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        titles = [str(label.content) for label in app.screen.query(".group-title").results(Label)]
        roles = {role for _cls, role in ROLES}
        focused = [title.removesuffix(" (focused)") for title in titles if "(focused)" in title]
        assert focused == ["Scrolling panel"], titles  # was "VerticalScroll (focused)"
        assert set(focused) <= roles
        assert not any("VerticalScroll" in title for title in titles)
        for group in app.screen.groups:
            for row in group.rows:
                assert row.description and "_" not in row.description.split(":")[0], row
        await press(pilot, "escape")

        # In a text field, ? types: f1 opens help, which says what typing does and lists
        # only the keys that still work (no letters or digits).
        view.query_one("#transfer-to-input").focus()
        await press(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)
        groups = {group.title: group.rows for group in app.screen.groups}
        assert next(iter(groups)) == "Typing in a text field"
        anywhere = {row.binding_id: row.keys for row in groups["Anywhere"]}
        assert anywhere["help"] == "f1" and anywhere["quit-now"] == "^q"
        assert not {"reload", "quit", "account-picker", "view-balance"} & set(anywhere)


# --- focus visible beyond colour ---------------------------------------------------------


def shape(widget: Widget) -> tuple[object, ...]:
    """What a focused widget may change that is not a colour: border and outline edge
    types and text style, of the widget and what it is drawn with."""
    marks: list[object] = []
    for node in [widget, *widget.query("*")]:
        styles = node.styles
        marks += [edge[0] for edge in (styles.border_top, styles.border_left)]
        marks += [edge[0] for edge in (styles.outline_top, styles.outline_left)]
        marks.append(str(styles.text_style))
    return tuple(marks)


@pytest.mark.parametrize(
    ("view_id", "selector"),
    [
        ("transfer", "#transfer-to-input"),  # a field with a border
        ("transfer", "#transfer-clear"),  # a button
        ("history", "#filter-from"),  # a compact field
        ("history", "#filter-direction"),  # a compact choice list
        ("history", "#history-table"),  # a table
    ],
)
async def test_the_focus_shows_by_shape_not_only_by_colour(
    view_id: str, selector: str, devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, view_id)
        widget = view.query_one(selector)
        view.focus()
        await pilot.pause()
        blurred = shape(widget)
        widget.focus()
        await pilot.pause()
        assert app.focused is widget
        assert shape(widget) != blurred, f"{selector}: its focus shows by colour only"


@pytest.mark.parametrize(("level", "blinks"), [("full", True), ("none", False)])
async def test_reduced_motion_stills_the_text_cursor(
    devnet: RunningDevnet, home: Path, level: Literal["full", "none"], blinks: bool
) -> None:
    """TEXTUAL_ANIMATIONS=none (reduced motion) gives a steady text cursor in every field
    that takes the focus, a dialog's too; otherwise the cursor blinks as Textual's does."""
    app = await build_app(devnet.document, home)
    app.animation_level = level
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "buy")
        amount = app.screen.query_one("#buy-amount-input", Input)
        amount.focus()
        await pilot.pause()
        assert amount.has_focus and amount.cursor_blink is blinks
        await pilot.press("escape")
        await open_view(pilot, "accounts")
        await pilot.press("n")  # a dialog, its name field focused
        await until(pilot, lambda: isinstance(app.screen, CreateAccountModal), "the dialog")
        await until(pilot, lambda: isinstance(app.focused, Input), "the name field")
        assert isinstance(app.focused, Input) and app.focused.cursor_blink is blinks
