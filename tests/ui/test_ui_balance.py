"""The Balance view (key 1) with Pilot on the devnet: every account side by side, the
active one in detail, lots by expiration, "unavailable" (never 0) when the node is out of
reach, "stale" when it stops answering, and amounts hidden behind •••."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey

from aleph_tui.ui.views import ViewSpec
from aleph_tui.ui.views.balance_view import BalanceView
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.accounts_balance_table import AccountsBalanceTable
from aleph_tui.ui.widgets.credit_lots_table import SOON_MARKER, CreditLotsTable
from tests.support.credit_helpers import credits, fund, seeded
from tests.support.devnet_process import RunningDevnet
from tests.support.faults import injected
from tests.support.isolation import isolated
from tests.support.ui_app import (
    FIXED_NOW,
    UiTestApp,
    build_app,
    open_view,
    screen_text,
    until,
    wait_for_workers,
)

SIZE = (160, 45)
DEAD_URL = "http://127.0.0.1:9"  # the discard port: nothing listens there


async def api_balance(devnet: RunningDevnet, address: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=devnet.api_url, timeout=30) as client:
        response = await client.get(
            f"/api/v0/addresses/{address}/balance", params={"include_credit_details": "true"}
        )
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


async def balance_app(
    document: dict[str, Any], home: Path, clock: dt.datetime = FIXED_NOW
) -> UiTestApp:
    """The dashboard with the Balance tab alone: a third of the full app's start-up."""
    app = await build_app(document, home, clock=clock)
    app.views = [ViewSpec.of(BalanceView)]
    return app


def cells(table: DataTable[Any], row: int) -> list[str]:
    return [str(cell) for cell in table.get_row_at(row)]


def text_of(app: Any, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


def number(text: str) -> int:
    return int(text.replace(",", ""))


async def test_balance_shows_every_account_and_the_api_credits(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home)  # every tab: key 1 opens Balance
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        await pilot.press("2", "1")
        await wait_for_workers(pilot)
        view = app.query_one(BalanceView)
        assert app.current_view is view
        table = app.query_one(AccountsBalanceTable)
        assert app.focused is table
        accounts = app.service.account_list()
        assert table.row_count == len(accounts) == 3
        for row, account in enumerate(accounts):
            api = await api_balance(devnet, account.address)
            name_marker, name, short, aleph, credits, usd, status = cells(table, row)
            assert name == account.name
            assert short.startswith(account.address[:6])
            assert number(credits) == api["credit_balance"]
            assert usd == fmt.credits_usd(api["credit_balance"])
            assert status == ""
            assert (name_marker == "▶") == (account.name == "dev-0")

        active = app.active_account
        assert active is not None and active.name == "dev-0"
        api = await api_balance(devnet, active.address)
        detail = text_of(app, "#credits-detail")
        assert f"Credits {fmt.credits(api['credit_balance'])}" in detail
        # The lots, by expiration, add up to the credit balance.
        lots = app.query_one(CreditLotsTable)
        assert lots.row_count == len(api["credit_balance_details"])
        shown = [number(cells(lots, r)[1]) for r in range(lots.row_count)]
        assert sum(shown) == api["credit_balance"]
        expirations = [cells(lots, r)[0] for r in range(lots.row_count)]
        assert expirations == sorted(expirations)
        # ALEPH per chain, locked and available; the wallet on chain.
        aleph = text_of(app, "#aleph-detail")
        assert "on ETH" in aleph and "Locked" in aleph and "Available" in aleph
        wallet = text_of(app, "#wallet-detail")
        assert "ETH" in wallet and "USDC" in wallet and "unavailable" not in wallet
        assert text_of(app, "#last-updated").startswith("last updated ")

        # c copies the whole address the row shows the start of (OSC 52).
        table.focus()
        table.move_cursor(row=2)
        await pilot.press("c")
        assert app.clipboard == accounts[2].address
        # Numbers are right-aligned, headers too (issue 16).
        for key in ("aleph", "credits", "usd"):
            assert table.columns[ColumnKey(key)].label.justify == "right"

        # Enter on another account makes it the active one.
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert app.active_account is not None and app.active_account.name == "dev-1"
        assert text_of(app, "#active-title").startswith("dev-1 ")
        assert cells(table, 1)[0] == "▶" and cells(table, 0)[0] == ""


async def test_lots_expiring_within_a_week_are_marked(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = devnet.document["accounts"][0]["address"]
    api = await api_balance(devnet, address)
    expirations = sorted(
        dt.datetime.fromisoformat(lot["expiration_date"])
        for lot in api["credit_balance_details"]
        if lot["expiration_date"]
    )
    assert len(expirations) >= 2
    # The clock three days before the first lot expires. Other tests in the session may
    # add lots, so which lots fall within the week is read from the node, not assumed.
    clock = expirations[0] - dt.timedelta(days=3)
    week = clock + dt.timedelta(days=7)
    soon = sum(1 for expires in expirations if expires <= week)
    assert soon < len(expirations), "the devnet seeds lots months apart"
    with isolated(tmp_path, monkeypatch):
        app = await balance_app(devnet.document, tmp_path, clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            await open_view(pilot, "balance")
            lots = app.query_one(CreditLotsTable)
            markers = [cells(lots, r)[-1] for r in range(lots.row_count)]
            assert markers[:soon] == [SOON_MARKER] * soon
            assert set(markers[soon:]) == {""}
            assert cells(lots, 0)[3] == "in 3 d"
            assert f"{soon} expiring within 7 days" in text_of(app, "#credits-detail")


async def test_an_unreachable_node_reads_unavailable_never_zero(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = {**devnet.document, "api_url": DEAD_URL, "rpc_url": DEAD_URL}
    with isolated(tmp_path, monkeypatch):
        app = await balance_app(document, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_view(pilot, "balance")
            table = app.query_one(AccountsBalanceTable)
            for row in range(table.row_count):
                _, _, _, aleph, credits, usd, status = cells(table, row)
                assert aleph == credits == usd == "unavailable"
                assert status.startswith("unavailable: cannot reach")
            assert "Credits unavailable" in text_of(app, "#credits-detail")
            assert cells(app.query_one(CreditLotsTable), 0)[0] == "unavailable"
            assert text_of(app, "#wallet-detail").startswith("ETH    unavailable")
            assert "3 accounts unavailable" in text_of(app, "#last-updated")
            assert text_of(app, "#balance-totals") == "Total: unavailable"  # never a 0 total
            screen = screen_text(app)
            assert "$0.00" not in screen and " 0 " not in screen.split("Wallet")[0]
            assert any("Wallet unavailable" in n for n in app.notified)


async def test_a_failed_refresh_keeps_the_last_values_marked_stale(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await balance_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "balance")
        table = app.query_one(AccountsBalanceTable)
        before = cells(table, 0)
        app.service.api.base_url = DEAD_URL
        app.clock = FIXED_NOW + dt.timedelta(minutes=3)
        view.reload()
        await wait_for_workers(pilot)
        after = cells(table, 0)
        assert after[4] == before[4]  # the last known credits, not 0
        # Its age and its cause, and since when.
        stale = f"stale 3 min (since {fmt.clock(FIXED_NOW)}): cannot reach"
        assert after[6].startswith(stale)
        assert stale in text_of(app, "#active-title")
        assert any("Balance unavailable" in n for n in app.notified)


async def test_h_hides_every_amount(devnet: RunningDevnet, home: Path) -> None:
    app = await balance_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "balance")
        assert isinstance(view, BalanceView)
        table = app.query_one(AccountsBalanceTable)
        credits = cells(table, 0)[4]
        assert credits in screen_text(app)
        await pilot.press("h")
        await pilot.pause()
        assert view.balances_hidden
        assert cells(table, 0)[3:6] == [fmt.MASK] * 3
        lots = app.query_one(CreditLotsTable)
        assert cells(lots, 0)[1:3] == [fmt.MASK] * 2
        screen = screen_text(app)
        assert credits not in screen
        assert "Credits •••" in screen and "amounts hidden" in screen
        await pilot.press("h")
        await pilot.pause()
        assert cells(table, 0)[4] == credits
        binding = next(b for b in view.BINDINGS if getattr(b, "id", None) == "hide-balances")
        assert getattr(binding, "tooltip", "")


async def test_the_cursor_follows_the_active_account_so_c_copies_its_address(
    devnet: RunningDevnet, home: Path
) -> None:
    """``>`` twice (dev-0 → dev-2): the cursor moves with ▶, so ``c`` copies dev-2's
    address (it stayed on dev-0 and copied that)."""
    app = await balance_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "balance")
        table = app.query_one(AccountsBalanceTable)
        assert app.focused is table
        await pilot.press("greater_than_sign", "greater_than_sign")
        await wait_for_workers(pilot)
        active = app.active_account
        assert active is not None and active.name == "dev-2"
        assert table.cursor_row == table.get_row_index(active.address)
        assert cells(table, table.cursor_row)[0] == "▶"
        await pilot.press("c")
        assert app.clipboard == active.address


async def test_r_refreshes_again_after_a_refresh_was_cancelled(
    fault_devnet: RunningDevnet, home: Path, accounts: list[Any]
) -> None:
    """A refresh cancelled on its way (its worker group cancelled, with no refresh after
    it) left the view "loading" for ever: r and the 30 s timer then did nothing, and the
    figures stayed stale. After it, r must show what the node says now."""
    app = await build_app(fault_devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "balance")
        assert isinstance(view, BalanceView)

        def refreshing() -> list[Any]:
            return [w for w in app.workers if w.name == "balance-overview" and w.is_running]

        with injected(fault_devnet.api_url, "latency", target="ccn", delay_ms=60_000):
            await pilot.press("r")
            await until(pilot, lambda: bool(refreshing()), "a refresh on its way")
            app.workers.cancel_group(view, "balance-overview")
            await until(pilot, lambda: not refreshing(), "the refresh cancelled")
        dev0 = accounts[0].address
        fund(fault_devnet.api_url, seeded(accounts, 1), dev0, 1_234)
        now = fmt.credits(credits(fault_devnet.api_url, dev0))
        await pilot.press("r")
        await until(pilot, lambda: now in screen_text(app), f"dev-0's {now} credits")
