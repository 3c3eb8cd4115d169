"""Stuck payments, handled as a wallet does (issue 17, point 1): a buy whose transaction
waits in the mempool is sped up (the same nonce, fees 10 % higher) or cancelled (a
zero-value transfer to itself, the same nonce) with real ``aleph-tui pending`` processes,
and resume follows whichever transaction was mined.

A transaction is held in the mempool by the chain's own control, ``evm_setAutomine
false`` (anvil's; the embedded chain has the same one): nothing is faked. Mining is let go
with ``evm_mine``. Each engine gets a devnet of its own, so holding the mining never
delays another test's devnet. Every case checks that exactly one transaction used the
nonce, and that the credits arrived once (speed-up) or never (cancel).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aleph_tui.core.crash_points import PAUSE_AT_ENV, PAUSE_FILE_ENV, REPLACE_POINTS
from tests.conftest import CHAIN_ENGINES, require_anvil
from tests.support import faults
from tests.support.credit_helpers import (
    cli_env,
    credits,
    journal_path,
    run_cli,
    start_cli,
    wait_until,
)
from tests.support.devnet_process import RunningDevnet, start_devnet

BUY_USDC = "1"
BUY_CREDITS = 1_000_000  # 1 USDC at 1 USD, no bonus
RECEIPT_S = "1.5"  # a held payment is reported pending this soon
CAP_GWEI = "500"  # far above a devnet's fees (a few gwei)
LOW_CAP_GWEI = "1"  # below any replacement's needs (base fee 1 gwei + tip 1 gwei, +10 %)
# A dev account per case: no case waits on another's nonce.
SPEED_UP, CANCEL, BAD_INPUT, SCANNER, GUARDED = 1, 2, 3, 8, 9
CRASH_BUYERS = {point: 4 + i for i, point in enumerate(REPLACE_POINTS)}


@pytest.fixture(scope="module", params=CHAIN_ENGINES)
def net(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningDevnet]:
    engine = str(request.param)
    if engine == "anvil":
        require_anvil()
    running = start_devnet(
        tmp_path_factory.mktemp(f"stuck-{engine}"),
        "--chain",
        engine,
        "--processing-interval",
        "1",
    )
    try:
        yield running
    finally:
        running.stop()


def _rpc(net: RunningDevnet, method: str, *params: Any) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    answer = httpx.post(net.rpc_url, json=body, timeout=10).json()
    assert "error" not in answer, answer
    return answer["result"]


def _nonce(net: RunningDevnet, address: str, block: str = "latest") -> int:
    return int(_rpc(net, "eth_getTransactionCount", address, block), 16)


@contextlib.contextmanager
def held_mining(net: RunningDevnet) -> Iterator[None]:
    """Transactions wait in the mempool inside the block; mined when it ends."""
    _rpc(net, "evm_setAutomine", False)
    try:
        yield
    finally:
        _rpc(net, "evm_setAutomine", True)
        _rpc(net, "evm_mine")


def _env(net: RunningDevnet, home: Path, key: str, point: str | None = None) -> dict[str, str]:
    env = cli_env(net.api_url, home, key)
    env["ALEPH_TUI_RECEIPT_TIMEOUT"] = RECEIPT_S
    for name in (PAUSE_AT_ENV, PAUSE_FILE_ENV):
        env.pop(name, None)
    if point is not None:
        env[PAUSE_AT_ENV] = point
        env[PAUSE_FILE_ENV] = str(home / "paused")
    return env


def _cli(env: dict[str, str], *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    done = run_cli(env, *args, "--network", "devnet", timeout=180)
    assert done.returncode == code, done
    return done


def _pending(env: dict[str, str], *extra: str) -> list[dict[str, Any]]:
    done = _cli(env, "pending", "--json", *extra)
    operations: list[dict[str, Any]] = json.loads(done.stdout)["operations"]
    return operations


def _stuck_buy(net: RunningDevnet, env: dict[str, str], address: str) -> dict[str, Any]:
    """A buy sent while mining is held: reported pending, its payment in the mempool."""
    done = _cli(env, "credit", "buy", "--token", "usdc", "--amount", BUY_USDC, "-y", "--json")
    bought = json.loads(done.stdout)
    assert bought["status"] == "pending", bought
    tx = _rpc(net, "eth_getTransactionByHash", bought["tx_hash"])
    assert tx is not None and tx["blockNumber"] is None  # in the mempool, not mined
    (op,) = _pending(env, "--list")
    assert op["tx_hash"] == bought["tx_hash"] and op["open"]
    return op


def _replace(env: dict[str, str], option: str, op_id: str, cap: str = CAP_GWEI) -> dict[str, Any]:
    done = _cli(env, "pending", option, op_id[:10], "--max-fee-gwei", cap, "-y", "--json")
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def test_a_stuck_buy_sped_up_completes_with_the_replacement_once(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    buyer = accounts[SPEED_UP]
    env = _env(net, tmp_path, buyer.private_key)
    nonce, before = _nonce(net, buyer.address), credits(net.api_url, buyer.address)
    with held_mining(net):
        op = _stuck_buy(net, env, buyer.address)
        original = _rpc(net, "eth_getTransactionByHash", op["tx_hash"])
        answer = _replace(env, "--speed-up", op["id"])
        replacement = answer["replacement"]
        assert answer["status"] == "pending"  # still held: not mined
        assert replacement["replaces"] == op["tx_hash"] != replacement["tx_hash"]
        assert replacement["nonce"] == nonce
        # Both fees at least 10 % over the original's (EIP-1559 replacement rule).
        assert replacement["max_fee_per_gas"] * 10 >= int(original["maxFeePerGas"], 16) * 11
        assert (
            replacement["max_priority_fee_per_gas"] * 10
            >= int(original["maxPriorityFeePerGas"], 16) * 11
        )
        sent = _rpc(net, "eth_getTransactionByHash", replacement["tx_hash"])
        assert sent is not None and int(sent["nonce"], 16) == nonce
        assert sent["input"] == original["input"] and sent["to"] == original["to"]
        (listed,) = _pending(env, "--list")
        assert [r["tx_hash"] for r in listed["replacements"]] == [replacement["tx_hash"]]
        assert listed["replacements"][0]["state"] == "sent"
    # Mined: `pending` follows the replacement to the credits.
    (settled,) = _pending(env)
    assert (settled["status"], settled["open"]) == ("completed", False), settled
    assert settled["tx_hash"] == replacement["tx_hash"]
    assert settled["original_tx_hash"] == op["tx_hash"]
    assert settled["credits"] == BUY_CREDITS
    assert _nonce(net, buyer.address) == nonce + 1  # one transaction used the nonce
    assert _rpc(net, "eth_getTransactionReceipt", op["tx_hash"]) is None
    assert credits(net.api_url, buyer.address) == before + BUY_CREDITS  # credited once
    # A settled buy cannot be replaced: bad input, nothing signed.
    done = _cli(env, "pending", "--speed-up", op["id"], "--max-fee-gwei", CAP_GWEI, "-y", code=2)
    assert "settled" in done.stderr and "Traceback" not in done.stderr
    assert _nonce(net, buyer.address, "pending") == nonce + 1


def test_a_stuck_buy_cancelled_ends_cancelled_and_pays_nothing(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    buyer = accounts[CANCEL]
    env = _env(net, tmp_path, buyer.private_key)
    nonce, before = _nonce(net, buyer.address), credits(net.api_url, buyer.address)
    with held_mining(net):
        op = _stuck_buy(net, env, buyer.address)
        answer = _replace(env, "--cancel", op["id"])
        cancel = answer["replacement"]["tx_hash"]
        sent = _rpc(net, "eth_getTransactionByHash", cancel)
        assert sent["to"].lower() == buyer.address.lower() == sent["from"].lower()
        assert int(sent["value"], 16) == 0 and sent["input"] in ("0x", "")
        assert int(sent["nonce"], 16) == nonce
    (settled,) = _pending(env)
    assert (settled["status"], settled["open"]) == ("cancelled", False), settled
    assert settled["tx_hash"] == cancel and settled["original_tx_hash"] == op["tx_hash"]
    assert settled["summary"].startswith(f"buy with {BUY_USDC} USDC (tx {cancel}): cancelled:")
    assert "nothing was paid" in settled["summary"]
    assert _nonce(net, buyer.address) == nonce + 1
    assert _rpc(net, "eth_getTransactionReceipt", op["tx_hash"]) is None  # never mined
    assert credits(net.api_url, buyer.address) == before  # and no credits
    # The text form says it too.
    done = _cli(env, "pending", "--list", "--all")
    assert "cancelled: nonce" in done.stdout


def test_replacement_bad_input_is_refused_before_signing(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    buyer = accounts[BAD_INPUT]
    env = _env(net, tmp_path, buyer.private_key)
    nonce = _nonce(net, buyer.address)
    with held_mining(net):
        op = _stuck_buy(net, env, buyer.address)
        cases = {
            ("--speed-up", op["id"]): "--max-fee-gwei: required with --speed-up",
            ("--cancel", op["id"], "--max-fee-gwei", ""): "--max-fee-gwei: must not be empty",
            ("--cancel", op["id"], "--max-fee-gwei", "abc"): "--max-fee-gwei: 'abc' is not",
            ("--cancel", op["id"], "--max-fee-gwei", "-3"): "--max-fee-gwei: takes no sign",
            ("--speed-up", op["id"], "--max-fee-gwei", LOW_CAP_GWEI): (
                f"your cap of {LOW_CAP_GWEI} gwei; nothing was signed"
            ),
            ("--speed-up", "ffffffff", "--max-fee-gwei", CAP_GWEI): "--speed-up: no operation",
            ("--speed-up", op["id"], "--cancel", op["id"], "--max-fee-gwei", "9"): (
                "either --speed-up or --cancel"
            ),
            ("--list", "--max-fee-gwei", "9"): "--max-fee-gwei: only with",
        }
        for args, message in cases.items():
            done = _cli(env, "pending", *args, "-y", code=2)
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and message in lines[0], (args, done.stderr)
        # Nothing was signed nor sent: only the original is in the mempool.
        assert _nonce(net, buyer.address, "pending") == nonce + 1
        (listed,) = _pending(env, "--list")
        assert listed["replacements"] == []
    (settled,) = _pending(env)
    assert settled["status"] == "completed" and settled["tx_hash"] == op["tx_hash"]


@pytest.mark.parametrize("point", REPLACE_POINTS)
def test_a_replacement_killed_at_each_point_settles_once(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path, point: str
) -> None:
    """Killed at each journal step of a speed-up, then mined, then `pending`: the buy
    completes once, with whichever transaction was mined: the original when the kill came
    before the replacement was sent, the replacement after."""
    buyer = accounts[CRASH_BUYERS[point]]
    env = _env(net, tmp_path, buyer.private_key)
    nonce, before = _nonce(net, buyer.address), credits(net.api_url, buyer.address)
    with held_mining(net):
        op = _stuck_buy(net, env, buyer.address)
        process = start_cli(
            _env(net, tmp_path, buyer.private_key, point),
            "pending",
            "--speed-up",
            op["id"],
            "--max-fee-gwei",
            CAP_GWEI,
            capture=True,
        )
        pause_file = tmp_path / "paused"
        try:
            wait_until(
                lambda: pause_file.exists() or process.poll() is not None,
                timeout=90,
                what=f"the command to reach {point}",
            )
        finally:
            process.kill()
            out, err = process.communicate()
        assert pause_file.exists() and pause_file.read_text() == point, (out, err)
        (listed,) = _pending(env, "--list")
        journaled = [r["tx_hash"] for r in listed["replacements"]]
        assert len(journaled) == (0 if point == "replace.before_journal" else 1)
    (settled,) = _pending(env)
    assert (settled["status"], settled["open"]) == ("completed", False), settled
    sent = point in ("replace.sent", "replace.submitted")
    assert settled["tx_hash"] == (journaled[0] if sent else op["tx_hash"])
    assert settled["credits"] == BUY_CREDITS
    assert _nonce(net, buyer.address) == nonce + 1
    assert credits(net.api_url, buyer.address) == before + BUY_CREDITS
    assert _pending(env, "--list") == []


@pytest.mark.timeout(300)  # ten real commands in a row, on a loaded machine
def test_scan_finds_a_payment_without_credits_after_the_journal_was_lost(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    """Buy (the node holds the credit service's distribution, so no credits come), lose
    the journal, then `pending --scan`: the payment is found on chain, reported without
    credits, added to the journal once, and followed to its credits."""
    buyer = accounts[SCANNER]
    env = _env(net, tmp_path, buyer.private_key) | {"ALEPH_TUI_FOLLOW_TIMEOUT": "1"}
    before = credits(net.api_url, buyer.address)
    done = _cli(env, "credit", "buy", "--token", "eth", "--amount", "0.001", "-y", "--json")
    eth_buy = json.loads(done.stdout)
    assert eth_buy["status"] == "completed", eth_buy
    held = faults.inject(net.api_url, "accept_202", target="ccn")
    try:
        done = _cli(env, "credit", "buy", "--token", "usdc", "--amount", BUY_USDC, "-y", "--json")
        usdc_buy = json.loads(done.stdout)
        assert usdc_buy["status"] == "pending", usdc_buy
        journal = journal_path(tmp_path)
        for part in (journal, *(journal.with_name(journal.name + s) for s in ("-wal", "-shm"))):
            part.unlink(missing_ok=True)

        report = json.loads(_cli(env, "pending", "--scan", "--json").stdout)
        by_hash = {p["tx_hash"]: p for p in report["payments"]}
        assert set(by_hash) == {eth_buy["tx_hash"], usdc_buy["tx_hash"]}
        assert by_hash[eth_buy["tx_hash"]] | {"operation_id": None} == {
            "tx_hash": eth_buy["tx_hash"],
            "block_number": by_hash[eth_buy["tx_hash"]]["block_number"],
            "token": "ETH",
            "amount": "0.001",
            "units": 10**15,
            "credits": eth_buy["credits_received"],
            "credited": True,
            "operation_id": None,
        }
        usdc = by_hash[usdc_buy["tx_hash"]]
        assert (usdc["token"], usdc["amount"], usdc["credits"], usdc["credited"]) == (
            "USDC",
            BUY_USDC,
            None,
            False,
        )
        assert report["uncredited"] == [usdc_buy["tx_hash"]]
        assert report["followed"] == []  # --json without -y only reports
        text = _cli(env, "pending", "--scan").stdout
        assert f"{BUY_USDC} USDC  {usdc_buy['tx_hash']}  NO CREDITS on the node" in text
        assert "pending --scan -y" in text
        assert f"{eth_buy['credits_received']:,} credits" in text  # grouped, the one formatter

        followed = json.loads(_cli(env, "pending", "--scan", "-y", "--json").stdout)
        (op_id,) = followed["followed"]
        (listed,) = _pending(env, "--list")
        assert (listed["id"], listed["tx_hash"], listed["status"]) == (
            op_id,
            usdc_buy["tx_hash"],
            "confirmed",
        )
        again = json.loads(_cli(env, "pending", "--scan", "-y", "--json").stdout)
        assert again["followed"] == []  # never added twice
        assert {p["tx_hash"]: p["operation_id"] for p in again["payments"]}[
            usdc_buy["tx_hash"]
        ] == op_id
    finally:
        faults.remove(net.api_url, held)
    wait_until(
        lambda: (
            credits(net.api_url, buyer.address)
            == before + eth_buy["credits_received"] + BUY_CREDITS
        ),
        timeout=60,
        what="the held distribution to be processed",
    )
    (settled,) = _pending(env)
    assert (settled["id"], settled["status"], settled["credits"]) == (
        op_id,
        "completed",
        BUY_CREDITS,
    )
    final = json.loads(_cli(env, "pending", "--scan", "--json").stdout)
    assert final["uncredited"] == [] and len(final["payments"]) == 2


async def test_a_replacement_is_signed_only_where_the_key_and_chain_id_may_sign(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    """The replacement goes through Signer.for_network and the gateway's chain-id check:
    a public dev key on a network that is not a devnet, or a node on another chain id
    than the network's, is refused before anything is signed or journaled."""
    from dataclasses import replace

    from eth_account import Account

    from aleph_tui.core.accounts.signer import DevKeyRefused, Signer
    from aleph_tui.core.chain.gateway import ChainError
    from aleph_tui.core.journal.operation_journal import Journal, Operation
    from aleph_tui.core.networks import Network, devnet_from_document
    from aleph_tui.core.service import CreditService

    dev = accounts[GUARDED]
    nonce = _nonce(net, dev.address, "pending")
    chain_id = int(net.document["chain_id"])
    devnet = devnet_from_document(net.document)
    networks = {
        "mainnet": Network("mainnet", net.api_url, rpc_url=net.rpc_url, chain_id=chain_id),
        "devnet": replace(devnet, chain_id=chain_id + 1),  # the node is on another chain
    }
    for name, network in networks.items():
        tx = {
            "type": 2,
            "chainId": chain_id,
            "nonce": nonce,
            "to": dev.address,
            "value": 1,
            "data": b"",
            "gas": 21_000,
            "maxFeePerGas": 2 * 10**9,
            "maxPriorityFeePerGas": 10**9,
        }
        signed = Account.sign_transaction(tx, dev.private_key)  # never sent
        journal = Journal(tmp_path / f"{name}.sqlite3")
        details = {
            "token": "ETH",
            "amount": "0.000000000000000001",
            "tx_hash": "0x" + signed.hash.hex(),
            "raw_tx": "0x" + signed.raw_transaction.hex(),
            "nonce": nonce,
        }
        op = journal.record(Operation("buy", network.name, dev.address, "submitted", details))
        service = CreditService(network, journal=journal)
        try:
            quote = await service.replacement_quote(op, "cancel", 10**6 * 10**9)
            refused = DevKeyRefused if name == "mainnet" else ChainError
            with pytest.raises(refused, match="refusing to sign"):
                await service.replace_payment(quote, Signer(dev.private_key))
        finally:
            await service.aclose()
        (latest,) = journal.operations()
        assert "replacements" not in latest.details  # nothing journaled
        assert _nonce(net, dev.address, "pending") == nonce  # nothing sent
