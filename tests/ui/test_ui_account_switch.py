"""Switching the active account in Buy and Transfer, with Pilot on the devnet: what the
forms showed for the previous account goes (its steps, its outcome, Transfer's fields),
and an operation still in flight keeps showing under a heading that names its account.

Dry runs only (dev-0 signs, nothing is sent), so the other suites' balances stay put."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label, Static, Switch

from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.views.buy_view import BuyView
from aleph_tui.ui.views.transfer_view import TransferView
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import UiTestApp, build_app, show_view, until, wait_for_workers

SIZE = (140, 40)


def text(app: UiTestApp, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


def label(app: UiTestApp, selector: str) -> str:
    return str(app.query_one(selector, Label).content)


def switch_to(app: UiTestApp, name: str) -> None:
    app.select_account(next(account for account in app.accounts if account.name == name))


async def test_another_account_clears_the_last_buy_and_transfer(
    devnet: RunningDevnet, home: Path
) -> None:
    """dev-0 buys and transfers to dev-1 (dry runs), then dev-2 becomes active: neither
    tab still shows dev-0's steps, outcome or recipient next to "From dev-2"."""
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        dev1 = next(account for account in app.accounts if account.name == "dev-1")

        transfer = await show_view(pilot, "transfer", TransferView)
        transfer.query_one("#transfer-dry-run", Switch).toggle()
        transfer.field("to").value = dev1.address
        transfer.field("amount").value = "1000"
        await until(pilot, lambda: transfer.quote is not None, "the transfer quote")
        transfer.action_submit()
        await until(pilot, lambda: transfer.last_result is not None, "the dry run")
        await until(pilot, lambda: not transfer.busy, "the transfer to finish")
        assert text(app, "#transfer-outcome").startswith("Dry run: signed, not sent")
        assert transfer.steps.states()["signed"] == "done"

        buy = await show_view(pilot, "buy", BuyView)
        buy.query_one("#buy-dry-run", Switch).toggle()
        buy.amount_field.value = "2.5"
        await until(pilot, lambda: buy.estimate is not None, "the buy estimate")
        buy.action_submit()
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "the modal")
        await pilot.press("y")
        await until(pilot, lambda: buy.last_result is not None, "the dry run")
        await until(pilot, lambda: not buy.busy, "the purchase to finish")
        assert text(app, "#buy-outcome") != ""
        assert buy.steps.states()["signed"] == "done"

        switch_to(app, "dev-2")
        await wait_for_workers(pilot)
        assert "dev-2" in text(app, "#buy-from")
        assert text(app, "#buy-outcome") == ""
        assert set(buy.steps.states().values()) == {"waiting"}
        assert buy.amount_field.value == "2.5"  # a token amount, not the account's

        await show_view(pilot, "transfer", TransferView)
        await wait_for_workers(pilot)
        assert "dev-2" in text(app, "#transfer-from")
        assert text(app, "#transfer-outcome") == ""
        assert set(transfer.steps.states().values()) == {"waiting"}
        assert transfer.field("to").value == ""
        assert transfer.field("amount").value == ""


async def test_an_operation_in_flight_keeps_showing_labelled_with_its_account(
    devnet: RunningDevnet, home: Path
) -> None:
    """dev-0's transfer waits in its confirmation when dev-2 becomes active: its progress
    stays, headed "Progress (dev-0)", until the next switch after it ended."""
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        dev1 = next(account for account in app.accounts if account.name == "dev-1")
        transfer = await show_view(pilot, "transfer", TransferView)
        transfer.field("to").value = dev1.address
        transfer.field("amount").value = "1000"
        await until(pilot, lambda: transfer.quote is not None, "the transfer quote")
        transfer.action_submit()
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "the modal")
        assert label(app, "#transfer-progress") == "Progress"

        switch_to(app, "dev-2")
        await pilot.pause()
        assert transfer.busy
        assert label(app, "#transfer-progress") == "Progress (dev-0)"
        assert text(app, "#transfer-outcome").startswith("Signed locally")
        assert transfer.steps.states()["signed"] == "done"

        await pilot.press("escape")  # cancel in the confirmation: nothing is sent
        await until(pilot, lambda: not transfer.busy, "the transfer to end")
        assert text(app, "#transfer-outcome").startswith("Cancelled")
        assert label(app, "#transfer-progress") == "Progress (dev-0)"

        switch_to(app, "dev-1")
        await wait_for_workers(pilot)
        assert label(app, "#transfer-progress") == "Progress"
        assert text(app, "#transfer-outcome") == ""
