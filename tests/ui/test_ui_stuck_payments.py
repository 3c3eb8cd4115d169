"""A stuck buy sped up from the dashboard (issue 17, point 1): "Open operations" (command
palette), ``s`` on the buy, the fee cap asked with what the replacement needs now (a cap
below it is refused in the field, with core's words), the signing confirmation, then the
replacement journaled, sent and followed. Escape at the cap signs nothing.

On a devnet of its own (embedded chain), whose mining is held with ``evm_setAutomine
false`` while the payment must stay in the mempool.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import Input, Label

from aleph_tui.core.accounts.signer import Signer
from aleph_tui.devnet.chain.engine import dev_accounts
from aleph_tui.ui.pending_operations import REPLACE_WORKER
from aleph_tui.ui.screens.fee_cap_modal import FeeCapModal
from aleph_tui.ui.screens.open_operations_modal import OpenOperationsModal, show_open_operations
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from tests.support.devnet_process import RunningDevnet, start_devnet
from tests.support.ui_app import SIZE, until, wait_for_workers
from tests.ui.test_ui_buy import buyer_app

BUYER = 5


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevnet]:
    running = start_devnet(
        tmp_path_factory.mktemp("stuck-ui"), "--chain", "embedded", "--processing-interval", "1"
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The isolated home, with short timeouts: a payment left unmined shows as stuck."""
    monkeypatch.setenv("ALEPH_TUI_RECEIPT_TIMEOUT", "1")
    monkeypatch.setenv("ALEPH_TUI_FOLLOW_TIMEOUT", "1")
    return home


def _rpc(net: RunningDevnet, method: str, *params: Any) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    answer = httpx.post(net.rpc_url, json=body, timeout=10).json()
    assert "error" not in answer, answer
    return answer["result"]


@contextlib.contextmanager
def held_mining(net: RunningDevnet) -> Iterator[None]:
    _rpc(net, "evm_setAutomine", False)
    try:
        yield
    finally:
        _rpc(net, "evm_setAutomine", True)
        _rpc(net, "evm_mine")


async def test_a_stuck_buy_is_sped_up_from_the_open_operations_list(
    net: RunningDevnet, home: Path
) -> None:
    buyer = dev_accounts(BUYER + 1)[BUYER]
    app = await buyer_app(net, home, BUYER)
    nonce = int(_rpc(net, "eth_getTransactionCount", buyer.address, "latest"), 16)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        with held_mining(net):
            quote = await app.service.buy_quote("USDC", "1", buyer.address)
            stuck = await app.service.buy(quote, Signer(buyer.private_key))
            assert stuck.status == "pending", stuck

            # c, then Escape at the cap: nothing signed, nothing journaled.
            show_open_operations(app)
            await until(pilot, lambda: isinstance(app.screen, OpenOperationsModal), "the list")
            await pilot.press("c")
            await until(pilot, lambda: isinstance(app.screen, FeeCapModal), "the cap")
            await pilot.press("escape")
            await until(
                pilot,
                lambda: not any(w.name == REPLACE_WORKER for w in app.workers),
                "the worker to end",
            )
            assert any("Cancelled: nothing was signed." in n for n in app.notified)
            (op,) = app.service.open_operations()
            assert op.details.get("replacements") is None

            # s: the cap modal says what is needed; a cap below it stays in the field.
            show_open_operations(app)
            await until(pilot, lambda: isinstance(app.screen, OpenOperationsModal), "the list")
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, FeeCapModal), "the cap")
            modal = app.screen
            assert isinstance(modal, FeeCapModal) and modal.replaces == stuck.tx_hash
            field = modal.query_one("#fee-cap", Input)
            field.value = "1"
            field.focus()
            await pilot.press("enter")
            error = str(modal.query_one("#fee-cap-error", Label).content)
            assert error.startswith("Max fee (gwei): the speed-up needs a max fee of")
            assert "above your cap of 1 gwei; nothing was signed" in error
            assert app.screen is modal
            field.value = "500"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "confirm")
            confirmation = app.screen
            assert isinstance(confirmation, SigningConfirmation)
            assert confirmation.details["replaces"].startswith(f"{stuck.tx_hash} (nonce {nonce}")
            await pilot.press("y")
            await until(
                pilot,
                lambda: not any(w.name == REPLACE_WORKER for w in app.workers),
                "the speed-up to be sent and followed",
            )
            (op,) = app.service.open_operations()
            (entry,) = op.details["replacements"]
            assert (entry["kind"], entry["state"]) == ("speed_up", "sent")
            sent = any(
                n.startswith("Speed-up of a stuck payment\nSpeed-up sent.")
                and f"sped up {entry['tx_hash']}" in n
                for n in app.notified
            )
            assert sent, app.notified
            waiting = _rpc(net, "eth_getTransactionByHash", entry["tx_hash"])
            assert waiting["blockNumber"] is None and int(waiting["nonce"], 16) == nonce
        # Mined: the dashboard's follow completes the buy with the replacement.
        (settled,) = await app.service.follow_open_operations()
    assert settled.status == "completed", settled
    assert settled.details["tx_hash"] == entry["tx_hash"]
    assert settled.details["original_tx_hash"] == stuck.tx_hash
    assert int(_rpc(net, "eth_getTransactionCount", buyer.address, "latest"), 16) == nonce + 1
