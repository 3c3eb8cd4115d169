"""Watch-only accounts in the dashboard, with Pilot on the devnet: a row in Balance marked
watch-only, the totals of every account and watched address, the account picker, History
for the watched address, and Buy and Transfer disabled with the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.containers import VerticalScroll
from textual.widgets import Button, DataTable, Input, OptionList, Static

from aleph_tui.core.accounts.account_store import AccountError
from aleph_tui.core.accounts.watch_list import Watched
from aleph_tui.core.aleph.models import credits_to_usd
from aleph_tui.ui.app import AlephApp
from aleph_tui.ui.screens.account_picker import AccountPicker
from aleph_tui.ui.screens.export_account import ExportAccountModal
from aleph_tui.ui.screens.remove_account import RemoveAccountModal
from aleph_tui.ui.view import View
from aleph_tui.ui.views import ViewSpec
from aleph_tui.ui.views.accounts_view import AccountsView
from aleph_tui.ui.views.balance_view import BalanceView
from aleph_tui.ui.views.buy_view import BuyView
from aleph_tui.ui.views.history_view import HistoryView
from aleph_tui.ui.views.transfer_view import TransferView
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.accounts_balance_table import AccountsBalanceTable
from aleph_tui.ui.widgets.history_table import HistoryTable
from tests.support.credit_helpers import fresh_key, post_transfer, seeded
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import UiTestApp, build_app, open_view, wait_for_workers

SIZE = (160, 45)
WATCHED_CREDITS = 1_500_000


@pytest.fixture(scope="module")
def watched(devnet: RunningDevnet, accounts: list[Any]) -> str:
    """An address with credits and a history, whose key is nowhere here."""
    address = fresh_key().address
    sent = post_transfer(devnet.api_url, seeded(accounts, 2), address, WATCHED_CREDITS)
    assert sent.status_code == 200, sent.text
    return address


def api_credits(devnet: RunningDevnet, address: str) -> int:
    response = httpx.get(f"{devnet.api_url}/api/v0/addresses/{address}/balance", timeout=30)
    response.raise_for_status()
    return int(response.json()["credit_balance"])


def text_of(app: Any, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


async def watching_app(
    devnet: RunningDevnet, home: Path, watched: str, views: list[type[View]]
) -> UiTestApp:
    app = await build_app(devnet.document, home)
    app.service.watch("cold", watched)
    app.views = [ViewSpec.of(view) for view in views]
    return app


def select_cold(app: AlephApp) -> None:
    app.select_account(next(a for a in app.accounts if a.name == "cold"))


async def test_balance_marks_the_watched_row_totals_every_address_and_the_picker(
    devnet: RunningDevnet, home: Path, watched: str
) -> None:
    app = await watching_app(devnet, home, watched, [BalanceView])
    # An account's own address watched too: one row, counted once (it crashed the
    # table, whose rows are keyed by address).
    # `watch` refuses it now; a watched.toml edited by hand may still hold it.
    twin = Watched("twin", app.service.account_list()[1].address)
    app.service.accounts.watch_list.add(twin)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "balance")
        table = app.query_one(AccountsBalanceTable)
        accounts = app.service.account_list()[:4]
        names = [a.name for a in app.service.account_list()]
        assert names == ["dev-0", "dev-1", "dev-2", "cold", "twin"]
        assert table.row_count == 4
        row = [str(cell) for cell in table.get_row_at(3)]
        assert row[1] == "cold · watch-only"
        assert row[4] == fmt.credits(api_credits(devnet, watched))
        assert api_credits(devnet, watched) >= WATCHED_CREDITS

        # The totals row: credits, USD and ALEPH over all four addresses.
        total = sum(api_credits(devnet, a.address) for a in accounts)
        totals = text_of(app, "#balance-totals")
        assert totals.startswith("Total of 4 addresses · ")
        assert f"Credits {fmt.credits(total)} ≈ {fmt.usd(credits_to_usd(total))}" in totals
        assert "ALEPH " in totals and "loading" not in totals

        # The picker marks it; choosing it makes it the active account everywhere.
        await pilot.press("a")
        picker = app.screen
        assert isinstance(picker, AccountPicker)
        options = picker.query_one(OptionList)
        assert "watch-only" in str(options.get_option_at_index(3).prompt)
        options.highlighted = 3
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert app.active_account is not None and app.active_account.name == "cold"
        assert app.sub_title.endswith(f"cold {fmt.short_address(watched)} · watch-only")
        assert "watch-only" in text_of(app, "#active-title")


async def test_history_reads_the_watched_address(
    devnet: RunningDevnet, home: Path, watched: str
) -> None:
    app = await watching_app(devnet, home, watched, [HistoryView])
    async with app.run_test(size=SIZE) as pilot:
        select_cold(app)
        history = await open_view(pilot, "history")
        assert history.query_one(HistoryTable).row_count >= 1


async def test_buy_and_transfer_are_disabled_with_the_reason(
    devnet: RunningDevnet, home: Path, watched: str
) -> None:
    app = await watching_app(devnet, home, watched, [BuyView, TransferView])
    async with app.run_test(size=SIZE) as pilot:
        select_cold(app)
        # Buy keeps its fields for the QR code (a payment from the wallet with the key).
        for view_id, doing, way in (
            (
                "buy",
                "buy credits",
                " ctrl+o shows a QR code to pay from the wallet that holds its key.",
            ),
            ("transfer", "send credits", ""),
        ):
            await open_view(pilot, view_id)
            note = text_of(app, f"#{view_id}-watch-only")
            assert note == (
                f"cold is watch-only: aleph-tui has no key for it, so it cannot {doing} "
                f"here.{way} Press a to switch to an account with a key."
            )
            assert app.query_one(f"#{view_id}-watch-only").display
            form = app.query_one(f"#{view_id}-form", VerticalScroll)
            assert form.disabled == (view_id == "transfer")
            assert app.query_one(f"#{view_id}-submit", Button).disabled

        # The facade refuses its key all the same.
        active = app.active_account
        assert active is not None and active.watch_only
        with pytest.raises(AccountError, match="'cold' is a watch-only account"):
            await app.signer_for(active)

        # Back to an account with a key: the form is open again.
        app.select_account(app.accounts[0])
        await wait_for_workers(pilot)
        assert not app.query_one("#transfer-watch-only").display
        assert not app.query_one("#transfer-form", VerticalScroll).disabled


async def test_accounts_lists_the_watched_marked_refuses_export_and_remove_unwatches(
    devnet: RunningDevnet, home: Path, watched: str
) -> None:
    """The Accounts tab said "1 account" while a watch-only account was active: it lists
    them now, marked, counted apart; export is refused (no key) and remove unwatches."""
    app = await watching_app(devnet, home, watched, [AccountsView])
    app.service.watch("savings", fresh_key().address)
    async with app.run_test(size=SIZE) as pilot:
        select_cold(app)
        await open_view(pilot, "accounts")
        table = app.query_one("#account-list", DataTable)
        names = [str(row.value) for row in table.rows]
        assert names == ["dev-0", "dev-1", "dev-2", "cold", "savings"]
        cold = [str(cell) for cell in table.get_row_at(3)]
        assert cold[1:4] == ["cold", watched, "watch-only"]
        summary = text_of(app, "#account-summary")
        assert summary.startswith("3 accounts · 2 watch-only · ")

        table.move_cursor(row=3)  # cold, also the active account
        await pilot.pause()
        assert text_of(app, "#account-detail").startswith("Watch-only:")
        await pilot.press("e")
        await wait_for_workers(pilot)
        assert not isinstance(app.screen, ExportAccountModal)
        assert any("'cold' is a watch-only account" in n for n in app.notified)

        await pilot.press("x")
        assert isinstance(app.screen, RemoveAccountModal)
        assert "Stop watching 'cold'?" in " ".join(
            str(part.content) for part in app.screen.query(Static).results(Static)
        )
        app.screen.query_one("#remove-confirm", Input).value = "cold"
        await pilot.pause()
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert not isinstance(app.screen, RemoveAccountModal)
        assert "cold" not in [a.name for a in app.service.account_list()]
        assert [str(row.value) for row in table.rows] == ["dev-0", "dev-1", "dev-2", "savings"]
        assert text_of(app, "#account-summary").startswith("3 accounts · 1 watch-only · ")
        assert app.active_account is not None and app.active_account.name != "cold"
