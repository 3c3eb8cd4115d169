"""Figures never stale, states drawn as states (issue 16, points 2, 4, 5 and History's
expired credits), with Pilot over the devnet.

After the user's own action (a buy, a threshold set in Usage) every view showing that
account reads its figures again without ``r`` (``MoneyChanged``); the stamps of one
refresh are one instant; a balance on its way is a skeleton, never "unavailable"; an
account under its threshold is marked in Balance; History says how much of its net total
expired."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import RadioButton, Static

from aleph_tui.core.accounts.account_store import AccountStore
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.devnet.chain.engine import dev_accounts
from aleph_tui.ui.app import AlephApp
from aleph_tui.ui.data_state import SKELETON
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.settings import config_file
from aleph_tui.ui.views import ViewSpec
from aleph_tui.ui.views.balance_view import BalanceView
from aleph_tui.ui.views.buy_view import BuyView
from aleph_tui.ui.views.flow_view import FlowView
from aleph_tui.ui.views.history_view import HistoryView
from aleph_tui.ui.views.transfer_view import TransferView
from aleph_tui.ui.views.usage_view import UsageView
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.accounts_balance_table import AccountsBalanceTable
from aleph_tui.ui.widgets.credit_lots_table import NO_LOTS, CreditLotsTable
from tests.support import faults
from tests.support.credit_helpers import Key, fresh_key, funded_key, seeded
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import (
    FIXED_NOW,
    UiTestApp,
    build_app,
    fill,
    make_store,
    open_view,
    show_view,
    until,
    wait_for_workers,
)
from tests.support.wallet_client import credit_balance, token_balance
from tests.ui.test_ui_flow import dead_app, facade_report

SIZE = (160, 45)
STATUS = 6  # the Status column of the accounts table


def text_of(app: AlephApp, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


def row_of(app: AlephApp, address: str) -> list[str]:
    table = app.query_one(AccountsBalanceTable)
    return [str(cell) for cell in table.get_row(address)]


async def test_a_buy_refreshes_balance_without_r(devnet: RunningDevnet, home: Path) -> None:
    """Buy 2 USDC in the Buy tab, then open Balance: the new credits, the new USDC and a
    fresh "last updated" are there at once, without ``r``."""
    buyer = dev_accounts(5)[4]
    app = await build_app(devnet.document, home, accounts=0)
    store = app.service.accounts
    await store.import_key("buyer", buyer.private_key)
    store.use("buyer")
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "balance")
        before = row_of(app, buyer.address)[4]
        later = FIXED_NOW + dt.timedelta(minutes=6)
        app.clock = later  # the buy's refresh is stamped with its own instant

        view = await show_view(pilot, "buy", BuyView)
        view.query_one("#buy-token-USDC", RadioButton).value = True
        await pilot.pause()
        view.amount_field.value = "2"
        view.amount_field.focus_input()
        await until(pilot, lambda: view.estimate is not None, "the live estimate")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "confirmation")
        await pilot.press("y")
        await until(pilot, lambda: not view.busy, "the purchase to finish")
        assert view.last_result is not None and view.last_result.status == "completed"

        app.action_open_view("balance")  # what its key does; no r
        await wait_for_workers(pilot)
        async with httpx.AsyncClient(timeout=30) as client:
            credits = await credit_balance(client, devnet.api_url, buyer.address)
            usdc = await token_balance(
                client, devnet.rpc_url, devnet.document["usdc_token"], buyer.address
            )
        after = row_of(app, buyer.address)[4]
        assert after != before
        assert after == fmt.credits(credits)
        assert f"Credits {fmt.credits(credits)}" in text_of(app, "#credits-detail")
        wallet = text_of(app, "#wallet-detail")
        assert f"USDC   {fmt.token(Decimal(usdc).scaleb(-6))}" in wallet
        assert text_of(app, "#last-updated").startswith(f"last updated {fmt.clock(later)}")


async def test_one_refresh_has_one_instant(devnet: RunningDevnet, home: Path) -> None:
    """Switching account later reads balances and wallet again, stamped alike: never
    "last updated 12:00:00" beside "as of 12:05:00"."""
    app = await build_app(devnet.document, home)
    app.views = [ViewSpec.of(BalanceView)]
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "balance")
        later = FIXED_NOW + dt.timedelta(minutes=5)
        app.clock = later
        app.action_cycle_account(1)
        await wait_for_workers(pilot)
        assert text_of(app, "#last-updated").startswith(f"last updated {fmt.clock(later)}")
        wallet = text_of(app, "#wallet-detail")
        assert "USDC" in wallet and "as of" not in wallet  # no second, different stamp
        assert fmt.clock(FIXED_NOW) not in text_of(app, "#last-updated")


async def test_a_threshold_set_in_usage_marks_balance_at_once(
    devnet: RunningDevnet, home: Path
) -> None:
    """A threshold above the balance, set in Usage, shows in Balance at once: the line,
    the ⚠ mark in the Status column and beside the account's name. Clearing it removes
    them."""
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "balance")
        account = app.active_account
        assert account is not None
        async with httpx.AsyncClient(timeout=30) as client:
            credits = await credit_balance(client, devnet.api_url, account.address)
        assert "⚠" not in row_of(app, account.address)[STATUS]
        above = credits + 1_000_000

        await open_view(pilot, "usage")
        await fill(pilot, "#usage-threshold-input", str(above))
        await pilot.press("enter")
        await pilot.pause()
        assert app.service.low_balance_threshold(account.address) is not None

        app.action_open_view("balance")
        await wait_for_workers(pilot)
        mark = f"⚠ low: under {fmt.credits(above)}"
        assert f"low-balance threshold: {fmt.credits(above)} credits" in text_of(
            app, "#credits-detail"
        )
        assert row_of(app, account.address)[STATUS].startswith(mark)
        assert mark in text_of(app, "#active-title")

        await open_view(pilot, "usage")
        await pilot.click("#usage-threshold-clear")
        await pilot.pause()
        app.action_open_view("balance")
        await wait_for_workers(pilot)
        assert "low-balance threshold: none" in text_of(app, "#credits-detail")
        assert "⚠" not in row_of(app, account.address)[STATUS]


async def test_balances_on_their_way_are_a_skeleton_never_unavailable(
    fault_devnet: RunningDevnet, home: Path
) -> None:
    """At start, with a slow node, the amounts are a skeleton and the status "loading…"
    until the balance arrives: never "unavailable" while loading."""
    store = make_store(home)
    for account in dev_accounts(2):
        await store.import_key(f"dev-{account.index}", account.private_key)
    app = UiTestApp(_service(fault_devnet, home, store))
    app.views = [ViewSpec.of(BalanceView)]
    seen: list[list[str]] = []

    def amounts() -> list[str]:
        table = app.query_one(AccountsBalanceTable)
        rows = [[str(c) for c in table.get_row_at(r)] for r in range(table.row_count)]
        seen.extend(rows)
        return [cell for row in rows for cell in row[3:6]]

    with faults.injected(fault_devnet.api_url, "latency", target="ccn", delay_ms=1500):
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: bool(app.query(AccountsBalanceTable)), "the table")
            await until(pilot, lambda: SKELETON in amounts(), "the skeleton")
            assert all(row[STATUS] == "loading…" for row in seen if row[3] == SKELETON)
            assert "ALEPH loading…" in text_of(app, "#aleph-detail")
            await until(pilot, lambda: SKELETON not in amounts(), "the balances")
            assert not any("unavailable" in cell for row in seen for cell in row)


def _service(devnet: RunningDevnet, home: Path, store: AccountStore) -> CreditService:
    return CreditService(
        devnet_from_document(devnet.document),
        journal=Journal(home / "journal.sqlite3"),
        accounts=store,
    )


async def test_history_totals_say_how_much_expired(devnet: RunningDevnet, home: Path) -> None:
    """The whole history's net total is more than the balance by the credits that
    expired unused; the totals say so, with the balance."""
    app = await build_app(devnet.document, home)
    app.views = [ViewSpec.of(HistoryView)]
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "history")
        account = app.active_account
        assert account is not None
        async with httpx.AsyncClient(base_url=devnet.api_url, timeout=30) as client:
            response = await client.get(
                f"/api/v0/addresses/{account.address}/credit_history/summary"
            )
            response.raise_for_status()
            net = int(response.json()["total_amount"])
            credits = await credit_balance(client, devnet.api_url, account.address)
        expired = net - credits
        assert expired > 0  # the seeded grant ran out unused
        text = text_of(app, "#history-summary")
        usd = fmt.credits_usd(net)
        assert f"net +{fmt.credits(net)} (+{usd}; {fmt.credits(expired)} expired)" in text


async def transfer_app(document: dict[str, object], home: Path, sender: Key) -> UiTestApp:
    """Two accounts: "sender" (active, funded) and "savings" (fresh, no credits)."""
    app = await build_app(dict(document), home, accounts=0)
    store = app.service.accounts
    await store.import_key("sender", sender.private_key)
    await store.import_key("savings", fresh_key().private_key)
    store.use("sender")
    return app


async def send_to_savings(pilot: Pilot[Any], amount: int) -> TransferView:
    view = await show_view(pilot, "transfer", TransferView)
    view.field("to").value = "savings"
    view.field("amount").value = str(amount)
    await until(pilot, lambda: view.quote is not None, "the live quote")
    view.field("amount").focus_input()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, SigningConfirmation), "the modal")
    await pilot.press("y")
    await until(pilot, lambda: not view.busy, "the transfer to finish")
    return view


def balance_credits(app: AlephApp) -> dict[str, str]:
    """The Credits cell of each account, by name."""
    table = app.query_one(AccountsBalanceTable)
    return {
        str(table.get_row_at(r)[1]): str(table.get_row_at(r)[4]) for r in range(table.row_count)
    }


async def test_a_transfer_refreshes_both_accounts_in_balance(
    devnet: RunningDevnet, home: Path, accounts: list[Any]
) -> None:
    """Sent from one account to another: Balance shows both new balances without ``r``."""
    sender = funded_key(devnet.api_url, seeded(accounts, 0), 2_000_000)
    app = await transfer_app(devnet.document, home, sender)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "balance")
        assert balance_credits(app) == {"sender": "2,000,000", "savings": "0"}
        view = await send_to_savings(pilot, 1_500)
        assert view.last_result is not None and view.last_result.status == "processed"
        app.action_open_view("balance")
        await wait_for_workers(pilot)
        assert balance_credits(app) == {"sender": "1,998,500", "savings": "1,500"}


async def test_an_operation_resumed_at_start_refreshes_balance(
    fault_devnet: RunningDevnet, home: Path, accounts: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transfer the node holds (202) is followed at the next start. Balance, read while
    it was held, shows the moved credits once the follow-up settles it, without ``r``."""
    faults.clear(fault_devnet.api_url)
    sender = funded_key(fault_devnet.api_url, seeded(accounts, 0), 2_000_000)
    first = await transfer_app(fault_devnet.document, home, sender)
    hold = faults.inject(fault_devnet.api_url, "accept_202", target="ccn")
    try:
        monkeypatch.setenv("ALEPH_TUI_FOLLOW_TIMEOUT", "0.5")  # the send: pending soon
        async with first.run_test(size=SIZE) as pilot:
            view = await send_to_savings(pilot, 2_500)
            assert view.last_result is not None and view.last_result.status == "pending"
        assert first.service.open_operations()

        monkeypatch.setenv("ALEPH_TUI_FOLLOW_TIMEOUT", "60")  # the start's follow-up waits
        # No timed reload: only the follow-up's event may bring the new figures.
        config = config_file()
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text("refresh_interval = 0\n", encoding="utf-8")
        app = UiTestApp(_service(fault_devnet, home, first.service.accounts))
        app.views = [ViewSpec.of(BalanceView)]
        async with app.run_test(size=SIZE) as pilot:
            held = {"sender": "2,000,000", "savings": "0"}
            await until(pilot, lambda: balance_credits(app) == held, "the balances, held")
            await until(pilot, lambda: bool(app.workers), "the follow-up")
            faults.remove(fault_devnet.api_url, hold)  # the node processes it now
            await until(pilot, lambda: not app.service.open_operations(), "the settlement")
            moved = {"sender": "1,997,500", "savings": "2,500"}
            await until(pilot, lambda: balance_credits(app) == moved, "the moved credits")
    finally:
        faults.remove(fault_devnet.api_url, hold)


async def test_no_credits_yet_and_a_node_out_of_reach_read_as_such(
    devnet: RunningDevnet, home: Path
) -> None:
    """An account without credits says "no credits yet" (not an empty table); a balance
    that cannot be read says why and what to do."""
    app = await build_app(devnet.document, home, accounts=0)
    store = app.service.accounts
    await store.import_key("empty", fresh_key().private_key)
    store.use("empty")
    app.views = [ViewSpec.of(BalanceView)]
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "balance")
        lots = app.query_one(CreditLotsTable)
        assert lots.row_count == 1 and str(lots.get_row_at(0)[0]) == NO_LOTS
        assert text_of(app, "#credits-detail").startswith("Credits 0 ")

        app.service.api.base_url = "http://127.0.0.1:9"  # nothing listens there
        view = app.query_one(BalanceView)
        view.reload()
        await until(pilot, lambda: "unavailable" in text_of(app, "#last-updated"), "failure")
        # Known before: stale, with its age; the way out is named.
        assert "press r to retry" in text_of(app, "#last-updated")
        account = app.active_account
        assert account is not None
        assert row_of(app, account.address)[STATUS].startswith("stale 0 s (since ")


async def test_flow_from_the_cache_is_dated_by_the_cache(devnet: RunningDevnet, home: Path) -> None:
    """Both sources out of reach, Flow shows the cached report: "last updated" is the
    cache's read, the instant its notes give, not the moment the cache was opened; the
    notes say how old it is."""
    await facade_report(devnet.document, home)  # fills the on-disk cache
    app = await dead_app(devnet.document, home / "dead", dead_rpc=True, dead_api=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        report = app.query_one(FlowView).report
        assert report is not None and report.chain.stale
        read = report.chain.updated_at
        assert read is not None and fmt.clock(read) != fmt.clock(FIXED_NOW)
        assert f"from the cache read {fmt.clock(read)}" in text_of(app, "#flow-sources")
        assert text_of(app, "#flow-updated").startswith(f"last updated {fmt.clock(read)}")
        # Read again three minutes later: still the cache's, and its age says so.
        app.clock = read + dt.timedelta(minutes=3)
        app.query_one(FlowView).reload()
        await wait_for_workers(pilot)
        note = f"Chain: stale, from the cache read {fmt.clock(read)}, 3 min ago"
        assert note in text_of(app, "#flow-sources")
        assert text_of(app, "#flow-updated").startswith(f"last updated {fmt.clock(read)}")


async def test_usage_keeps_its_figures_stale_when_the_node_stops_answering(
    devnet: RunningDevnet, home: Path
) -> None:
    """The burn rate read, then the node out of reach: the figures stay, marked stale
    with their age, since when and why; not replaced by "unavailable"."""
    app = await build_app(devnet.document, home)
    app.views = [ViewSpec.of(UsageView)]
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "usage")
        assert isinstance(view, UsageView) and view.rate is not None
        burn = text_of(app, "#usage-burn")
        app.service.api.base_url = "http://127.0.0.1:9"  # nothing listens there
        app.clock = FIXED_NOW + dt.timedelta(minutes=3)
        view.reload()
        await until(pilot, lambda: "stale" in text_of(app, "#usage-flow"), "the stale mark")
        assert text_of(app, "#usage-burn") == burn  # the same figures, not "unavailable"
        flow = text_of(app, "#usage-flow")
        assert f"stale 3 min (since {fmt.clock(FIXED_NOW)}): cannot reach" in flow
        assert "Consumed" in flow and "unavailable" not in flow
