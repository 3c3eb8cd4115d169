"""Crash safety (issue 6): kill the process after a transaction or a message was sent but
before it settled; on restart the journal shows the operation and follows it to the end.

``aleph-tui credit buy … -y`` (or ``credit transfer``) runs as a subprocess against
``fault_devnet`` while a fault keeps it from finishing; once the journal says it was
sent (the file is polled, no sleeps), it gets SIGKILL, the fault is cleared, and a new
process follows it: the dashboard (a missing receipt → credits arrived) or ``aleph-tui
pending`` (a revert → failed with the reason; a transfer the node answered 202 →
processed). Dev accounts 5, 6 and 7, and 2 for the transfer.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account

from aleph_tui.core.accounts.account_store import AccountStore
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from tests.support import faults
from tests.support.credit_helpers import (
    cli_env,
    fresh_key,
    journal_path,
    journal_states,
    run_main,
    start_cli,
    wait_until,
)
from tests.support.devnet_process import RunningDevnet
from tests.support.isolation import isolated
from tests.support.ui_app import SIZE, UiTestApp, until

RECEIPT_BUYER, REVERT_BUYER, DRAINER, SENDER = 5, 6, 7, 2
APPROVE = "0x095ea7b3"  # approve(address,uint256)
TRANSFER_FROM = "0x23b872dd"  # transferFrom(address,address,uint256)
MAX_UINT = 2**256 - 1


@pytest.fixture
def net(fault_devnet: RunningDevnet) -> Iterator[RunningDevnet]:
    faults.clear(fault_devnet.api_url)
    yield fault_devnet
    faults.clear(fault_devnet.api_url)


def _kill_once(process: subprocess.Popen[str], home: Path, sent: Any) -> dict[str, Any]:
    """SIGKILL ``process`` as soon as the journal shows an operation ``sent(op)`` says
    was sent; that operation, as the journal has it."""
    try:
        wait_until(
            lambda: any(sent(op) for op in journal_states(home)) or process.poll() is not None,
            timeout=60,
            what="the journal to record the send",
        )
    finally:
        process.kill()
        process.wait()
    (op,) = journal_states(home)
    assert sent(op), op  # the process was killed, it did not finish on its own
    return op


def _rpc(net: RunningDevnet, method: str, *params: Any) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    answer = httpx.post(net.rpc_url, json=body, timeout=10).json()
    assert "error" not in answer, answer
    return answer["result"]


def _word(value: str | int) -> str:
    return (value[2:].lower() if isinstance(value, str) else f"{value:x}").rjust(64, "0")


def _send(net: RunningDevnet, key: str, to: str, data: str) -> str:
    """A contract call signed by ``key``, through the devnet's RPC."""
    account = Account.from_key(key)
    base = int(_rpc(net, "eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
    tx = {
        "type": 2,
        "chainId": net.document["chain_id"],
        "nonce": int(_rpc(net, "eth_getTransactionCount", account.address, "pending"), 16),
        "to": to,
        "value": 0,
        "data": data,
        "gas": 200_000,
        "maxPriorityFeePerGas": 10**9,
        "maxFeePerGas": 2 * base + 10**9,
    }
    raw = account.sign_transaction(tx).raw_transaction
    return str(_rpc(net, "eth_sendRawTransaction", "0x" + raw.hex()))


def _usdc(net: RunningDevnet, owner: str) -> int:
    token = net.document["usdc_token"]
    return int(
        _rpc(net, "eth_call", {"to": token, "data": "0x70a08231" + _word(owner)}, "latest"), 16
    )


async def test_a_buy_killed_before_its_receipt_gets_its_credits_in_the_dashboard(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buyer = accounts[RECEIPT_BUYER]
    env = cli_env(net.api_url, tmp_path, buyer.private_key)
    with faults.injected(net.api_url, "receipt_never", target="rpc"):
        process = start_cli(env, "credit", "buy", "--token", "usdc", "--amount", "1.5")
        op = _kill_once(process, tmp_path, lambda op: op["status"] == "submitted")
    tx_hash = op["details"]["tx_hash"]

    with isolated(tmp_path, monkeypatch):
        service = CreditService(
            devnet_from_document(net.document),
            journal=Journal(journal_path(tmp_path)),
            accounts=AccountStore(manifest_path=tmp_path / "accounts.toml", prompt=None),
        )
        app = UiTestApp(service)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: "following it" in "\n".join(app.notified), "the notice")
            await until(
                pilot, lambda: "credits arrived" in "\n".join(app.notified), "the outcome", 30
            )
    (done,) = journal_states(tmp_path)
    assert done["status"] == "completed" and done["details"]["tx_hash"] == tx_hash
    assert done["details"]["credits_received"] == 1_500_000
    notice = next(n for n in app.notified if "credits arrived" in n)
    assert f"buy with 1.5 USDC (tx {tx_hash}): credits arrived: 1,500,000 credits" in notice


def test_a_killed_buy_that_reverted_is_followed_to_its_reason(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    """Another wallet empties the account between the quote and the send (an approved
    spender, during a slow gas estimate); with ``revert`` the doomed payment is mined and
    reverts. Killed before its receipt, ``aleph-tui pending`` says why it failed."""
    buyer, drainer = accounts[REVERT_BUYER], accounts[DRAINER]
    token = net.document["usdc_token"]
    _send(net, buyer.private_key, token, APPROVE + _word(drainer.address) + _word(MAX_UINT))
    env = cli_env(net.api_url, tmp_path, buyer.private_key)
    faults.inject(net.api_url, "revert", target="rpc")
    faults.inject(net.api_url, "receipt_never", target="rpc")
    # The drain below must land within this hold, even on a loaded machine.
    slow = faults.inject(
        net.api_url, "latency", target="rpc", match="eth_estimateGas", times=1, delay_ms=3000
    )
    process = start_cli(env, "credit", "buy", "--token", "usdc", "--amount", "2")
    wait_until(  # the quote is inside its gas estimate: empty the account now
        lambda: all(rule["id"] != slow for rule in faults.rules(net.api_url)),
        timeout=30,
        what="the buy to estimate its gas",
    )
    balance = _usdc(net, buyer.address)
    calldata = TRANSFER_FROM + _word(buyer.address) + _word(drainer.address) + _word(balance)
    _send(net, drainer.private_key, token, calldata)
    assert _usdc(net, buyer.address) == 0
    op = _kill_once(process, tmp_path, lambda op: op["status"] == "submitted")
    faults.clear(net.api_url)

    followed = run_main(env, {"pending": ["pending", "--network", "devnet", "--json"]})["pending"]
    assert followed.returncode == 0, followed
    (result,) = json.loads(followed.stdout)["operations"]
    assert result["tx_hash"] == op["details"]["tx_hash"]
    assert result["status"] == "failed"
    reason = "mined but reverted: ERC20: insufficient balance; no credits will arrive"
    assert result["error"] == reason
    assert result["summary"] == f"buy with 2 USDC (tx {result['tx_hash']}): failed: {reason}"
    assert journal_states(tmp_path)[0]["status"] == "failed"


def test_a_killed_transfer_the_node_answered_202_is_processed_after_restart(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    recipient = fresh_key().address
    env = cli_env(net.api_url, tmp_path, accounts[SENDER].private_key)
    with faults.injected(net.api_url, "accept_202", target="ccn"):
        process = start_cli(env, "credit", "transfer", "--to", recipient, "--amount", "4200")
        op = _kill_once(process, tmp_path, lambda op: op["details"].get("node") == "pending")
    # The rule is cleared: the node processes what it held, as a slow node eventually does.
    listed = run_main(env, {"list": ["pending", "--network", "devnet", "--list", "--json"]})
    (shown,) = json.loads(listed["list"].stdout)["operations"]
    assert (shown["item_hash"], shown["status"]) == (op["details"]["item_hash"], "submitted")

    followed = run_main(env, {"pending": ["pending", "--network", "devnet", "--json"]})["pending"]
    (result,) = json.loads(followed.stdout)["operations"]
    assert result["status"] == "completed", result
    assert result["summary"] == (
        f"transfer of 4,200 credits to {recipient} (message {shown['item_hash']}): "
        "processed: the credits moved"
    )
    balance = httpx.get(f"{net.api_url}/api/v0/addresses/{recipient}/balance", timeout=10)
    assert balance.json()["credit_balance"] == 4200
