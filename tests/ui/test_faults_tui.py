"""The dashboard under injected faults (issue 6): views keep working, say what went wrong
in one plain line naming the service, and recover once the fault is gone.

On ``fault_devnet``, with the HTTP timeout cut to half a second
(``ALEPH_TUI_HTTP_TIMEOUT``) and the receipt deadline to one
(``ALEPH_TUI_RECEIPT_TIMEOUT``). Dev account 0 is read, dev account 8 buys, seeded
account 2 sends a transfer; every test clears its rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.views.balance_view import BalanceView
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.accounts_balance_table import AccountsBalanceTable
from tests.integration.test_faults_cli import HTTP_FAULT_WORDS, delay
from tests.support import faults
from tests.support.credit_helpers import fresh_key, seeded
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import (
    FIXED_NOW,
    SIZE,
    build_app,
    open_view,
    shown,
    until,
    wait_for_workers,
)
from tests.ui.test_ui_buy import buyer_app, chain_state, finished, open_confirmation, usdc_form
from tests.ui.test_ui_transfer import finished as transfer_finished
from tests.ui.test_ui_transfer import send, show_transfer

BUYER = 8


@pytest.fixture
def net(fault_devnet: RunningDevnet) -> Iterator[RunningDevnet]:
    faults.clear(fault_devnet.api_url)
    yield fault_devnet
    faults.clear(fault_devnet.api_url)


@pytest.fixture
def home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The isolated home, with short timeouts: a fault shows within a second."""
    monkeypatch.setenv("ALEPH_TUI_HTTP_TIMEOUT", "0.5")
    monkeypatch.setenv("ALEPH_TUI_RECEIPT_TIMEOUT", "1")
    monkeypatch.setenv("ALEPH_TUI_FOLLOW_TIMEOUT", "0.5")
    return home


def _status(app: Any) -> tuple[str, str]:
    """(credits, status) of the first account's row."""
    table: DataTable[Any] = app.query_one(AccountsBalanceTable)
    row = [str(cell) for cell in table.get_row_at(0)]
    return row[4], row[6]


async def test_balance_explains_each_fault_and_recovers_on_reload(
    net: RunningDevnet, home: Path
) -> None:
    app = await build_app(net.document, home, accounts=1)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "balance")
        assert isinstance(view, BalanceView)
        credits, status = _status(app)
        assert status == "" and credits != "unavailable"
        for kind, words in HTTP_FAULT_WORDS.items():
            rule = faults.inject(
                net.api_url, kind, target="ccn", match="/balance", **delay(kind, 5000)
            )
            view.reload()
            await wait_for_workers(pilot)
            shown_credits, status = _status(app)
            assert shown_credits == credits  # the last value, marked stale, never 0
            assert (
                status.startswith("stale ")
                and "(since " in status
                and f"the Aleph API at {net.api_url} {words}" in status
            )
            assert any("Balance unavailable\n" in n and words in n for n in app.notified)
            faults.remove(net.api_url, rule)
            view.reload()
            await wait_for_workers(pilot)
            assert _status(app) == (credits, "")

        with faults.injected(net.api_url, "latency", target="ccn", delay_ms=300):
            view.reload()
            await wait_for_workers(pilot)
            assert _status(app) == (credits, "")

        with faults.injected(net.api_url, "rpc_down", target="rpc"):
            view.reload()
            await wait_for_workers(pilot)
            wallet = str(app.query_one("#wallet-detail", Static).content)
            # The last figures, marked stale with their age and the RPC node's failure.
            assert wallet.startswith("ETH ") and "unavailable" not in wallet
            assert f"stale 0 s (since {fmt.clock(FIXED_NOW)}): the RPC node" in wallet
            assert any(
                "Wallet unavailable" in n and f"the RPC node at {net.rpc_url} is down" in n
                for n in app.notified
            )
        view.reload()
        await wait_for_workers(pilot)
        assert str(app.query_one("#wallet-detail", Static).content).startswith("ETH ")
        assert "unavailable" not in str(app.query_one("#wallet-detail", Static).content)


async def test_buy_explains_a_missing_receipt_and_a_nonce_conflict_then_requotes(
    net: RunningDevnet, home: Path
) -> None:
    from aleph_tui.devnet.chain.engine import dev_accounts

    buyer = dev_accounts(BUYER + 1)[BUYER]
    app = await buyer_app(net, home, BUYER)
    async with app.run_test(size=(160, 45)) as pilot:
        # No receipt within a second: pending, with the hash and how it is followed.
        with faults.injected(net.api_url, "receipt_never", target="rpc"):
            view = await usdc_form(pilot, "1")
            await open_confirmation(pilot)
            await pilot.press("y")
            await finished(pilot, view)
            result = view.last_result
            assert result is not None and result.status == "pending", result
            text = shown(app)
            assert "within 1 s" in text and "it will be followed" in text
            assert result.tx_hash in str(result.error)
        (op,) = app.service.open_operations()
        assert op.details["tx_hash"] == result.tx_hash

        # The nonce was used meanwhile: nothing sent, said so; r quotes with a fresh nonce.
        nonce, _, _ = await chain_state(net, buyer.address)
        faults.inject(net.api_url, "nonce_conflict", target="rpc", times=1)
        view = await usdc_form(pilot, "1")
        await open_confirmation(pilot)
        await pilot.press("y")
        await finished(pilot, view)
        failure = next(n for n in app.notified if n.startswith("Buying credits failed"))
        assert "nonce conflict" in failure and "nothing was sent" in failure
        assert (await chain_state(net, buyer.address))[0] == nonce
        view.focus()  # r in the amount field would be typed
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "a fresh quote")
        modal = app.screen
        assert isinstance(modal, SigningConfirmation)
        assert modal.details["Nonce"] == str(nonce)  # the next free one, not the used one
        await pilot.press("escape")
        await finished(pilot, view)
        assert (await chain_state(net, buyer.address))[0] == nonce


async def test_a_transfer_the_node_holds_says_so_and_stays_journaled(
    net: RunningDevnet, home: Path, accounts: list[Any]
) -> None:
    sender = seeded(accounts, 2)
    app = await build_app(net.document, home, accounts=0)
    await app.service.accounts.import_key("sender", sender.private_key)
    app.service.accounts.use("sender")
    recipient = fresh_key().address
    async with app.run_test(size=SIZE) as pilot:
        with faults.injected(net.api_url, "accept_202", target="ccn"):
            view = await show_transfer(pilot)
            view.field("to").value = recipient
            view.field("amount").value = "3100"
            await send(pilot, view)
            await pilot.press("y")
            await transfer_finished(pilot, view)
            outcome = str(app.query_one("#transfer-outcome", Static).content)
            assert outcome == f"Sent, not yet processed: 3,100 credits to {recipient}.", outcome
            (op,) = app.service.open_operations()
            assert op.details["recipient"] == recipient and op.details["node"] == "pending"
        # Cleared: the dashboard's follow settles it.
        settled = await app.service.follow_open_operations()
        assert [o.status for o in settled] == ["completed"]
