"""The embedded py-evm engine's own behaviour, and how ``start_chain`` picks an engine."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from aleph_tui.devnet.chain import ChainEngine, ChainUnavailable, dev_accounts, start_chain
from aleph_tui.devnet.chain import engine as engine_module
from aleph_tui.devnet.chain.block_journal import JOURNAL_FILE_NAME

CHAIN_ID = 31337
GWEI = 10**9


def busy_loop_code(iterations: int) -> str:
    """Creation code that counts down from ``iterations`` (about 16 µs each on py-evm)."""
    # PUSH3 n; JUMPDEST; PUSH1 1; SWAP1; SUB; DUP1; PUSH1 4; JUMPI; STOP
    return "0x62" + iterations.to_bytes(3, "big").hex() + "5b600190038060045700"


class Rpc:
    """Raw JSON-RPC over HTTP, to see exactly what the server answers."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session

    async def post(self, body: Any) -> tuple[int, Any]:
        data = body if isinstance(body, bytes) else None
        json_body = None if isinstance(body, bytes) else body
        async with self.session.post(self.url, data=data, json=json_body) as response:
            text = await response.text()
            return response.status, (await response.json() if text else None)

    async def call(self, method: str, *params: Any) -> Any:
        _, answer = await self.post({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        if "error" in answer:
            raise AssertionError(f"{method} failed: {answer['error']}")
        return answer["result"]

    async def error(self, method: str, params: Any) -> dict[str, Any]:
        _, answer = await self.post({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        assert "error" in answer, answer
        return dict(answer["error"])


@pytest.fixture
async def embedded() -> AsyncIterator[ChainEngine]:
    running = await start_chain("embedded")
    yield running
    await running.stop()


@pytest.fixture
async def rpc(embedded: ChainEngine) -> AsyncIterator[Rpc]:
    async with aiohttp.ClientSession() as session:
        yield Rpc(embedded.rpc_url, session)


def raw_transfer(index: int, nonce: int, **overrides: Any) -> str:
    """A signed EIP-1559 transfer from dev account ``index`` (``gasPrice`` makes it type 1)."""
    account: LocalAccount = Account.from_key(dev_accounts()[index].private_key)
    tx: dict[str, Any] = {
        "chainId": CHAIN_ID,
        "nonce": nonce,
        "gas": 21000,
        "to": Account.create().address,
        "value": 1,
    }
    if "gasPrice" not in overrides:
        tx.update({"type": 2, "maxFeePerGas": 10 * GWEI, "maxPriorityFeePerGas": GWEI})
    tx.update(overrides)
    return "0x" + account.sign_transaction(tx).raw_transaction.hex()


async def test_envelope_errors(rpc: Rpc) -> None:
    status, answer = await rpc.post(b"{not json")
    assert answer["error"]["code"] == -32700
    _, answer = await rpc.post([])
    assert answer["error"]["code"] == -32600
    _, answer = await rpc.post({"jsonrpc": "2.0", "id": 3, "params": []})
    assert answer == {
        "jsonrpc": "2.0",
        "id": 3,
        "error": {"code": -32600, "message": "Invalid request"},
    }
    status, answer = await rpc.post({"jsonrpc": "2.0", "method": "eth_chainId"})
    assert (status, answer) == (204, None)  # a notification gets no answer
    _, answer = await rpc.post({"jsonrpc": "2.0", "id": "a", "method": "eth_chainId"})
    assert answer == {"jsonrpc": "2.0", "id": "a", "result": hex(CHAIN_ID)}


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("eth_getBalance", ["0x1234", "latest"]),
        ("eth_getBalance", []),
        ("eth_getBalance", {"address": "0x" + "00" * 20}),
        ("eth_getBlockByNumber", ["yesterday", False]),
        ("eth_getBlockByNumber", ["0x0", "yes"]),
        ("eth_getLogs", [{"topics": ["0x12"]}]),
        ("eth_getLogs", [{"fromBlock": "0x1"}]),
        ("eth_getLogs", [{"fromBlock": "0x0", "blockHash": "0x" + "11" * 32}]),
        ("eth_call", [{"to": "0x" + "00" * 20, "value": "-1"}]),
        ("eth_sendRawTransaction", ["0x1234"]),
        ("eth_chainId", [1]),
    ],
)
async def test_bad_params_are_32602(rpc: Rpc, method: str, params: Any) -> None:
    assert (await rpc.error(method, params))["code"] == -32602


async def test_shapes_match_anvil(rpc: Rpc) -> None:
    """Field names and hex encodings as anvil returns them (compared by hand, 1.7.1)."""
    tx_hash = await rpc.call("eth_sendRawTransaction", raw_transfer(0, 0))
    receipt = await rpc.call("eth_getTransactionReceipt", tx_hash)
    assert set(receipt) >= {
        "type", "status", "cumulativeGasUsed", "logs", "logsBloom", "transactionHash",
        "transactionIndex", "blockHash", "blockNumber", "gasUsed", "effectiveGasPrice",
        "from", "to", "contractAddress",
    }  # fmt: skip
    assert (receipt["status"], receipt["gasUsed"], receipt["contractAddress"]) == (
        "0x1",
        "0x5208",
        None,
    )
    block = await rpc.call("eth_getBlockByNumber", "latest", True)
    assert block["number"] == "0x1"
    assert block["transactions"][0]["hash"] == tx_hash
    assert block["transactions"][0]["yParity"] in ("0x0", "0x1")
    assert len(block["logsBloom"]) == 2 + 512
    assert block["nonce"] == "0x0000000000000000"
    assert await rpc.call("eth_getTransactionByHash", "0x" + "11" * 32) is None
    assert await rpc.call("eth_getBlockByNumber", "0x99", False) is None
    assert await rpc.call("eth_getStorageAt", "0x" + "00" * 20, "0x0", "latest") == "0x" + "0" * 64
    history = await rpc.call("eth_feeHistory", "0x2", "latest", [50])
    assert history["oldestBlock"] == "0x0"
    assert len(history["baseFeePerGas"]) == 3
    assert history["reward"][1] == [hex(GWEI)]
    assert await rpc.call("eth_maxPriorityFeePerGas") == hex(GWEI)
    assert await rpc.call("eth_getTransactionCount", dev_accounts()[0].address, "pending") == "0x1"


async def test_legacy_and_eip155_transactions(rpc: Rpc) -> None:
    account: LocalAccount = Account.from_key(dev_accounts()[0].private_key)
    legacy: dict[str, Any] = {
        "gas": 21000,
        "gasPrice": 10 * GWEI,
        "to": account.address,
        "value": 0,
    }

    def sign(**fields: Any) -> str:
        return "0x" + account.sign_transaction({**legacy, **fields}).raw_transaction.hex()

    assert await rpc.call("eth_sendRawTransaction", sign(nonce=0, chainId=CHAIN_ID))  # EIP-155
    assert await rpc.call("eth_sendRawTransaction", sign(nonce=1))  # unprotected: anvil takes it
    error = await rpc.error("eth_sendRawTransaction", [sign(nonce=2, chainId=1)])
    assert (error["code"], error["message"]) == (-32003, "invalid chain id for signer")
    access_list = raw_transfer(0, 2, type=1, gasPrice=10 * GWEI, accessList=[])
    assert await rpc.call("eth_sendRawTransaction", access_list)


async def test_rejections_are_32003(rpc: Rpc) -> None:
    ahead = raw_transfer(0, 5)
    error = await rpc.error("eth_sendRawTransaction", [ahead])
    assert (error["code"], error["message"].startswith("nonce too high")) == (-32003, True)
    cheap = raw_transfer(0, 0, maxFeePerGas=1, maxPriorityFeePerGas=1)
    assert (await rpc.error("eth_sendRawTransaction", [cheap]))["message"] == (
        "max fee per gas less than block base fee"
    )
    starved = raw_transfer(0, 0, gas=20000)
    assert (await rpc.error("eth_sendRawTransaction", [starved]))["message"] == (
        "intrinsic gas too low"
    )
    assert await rpc.call("eth_blockNumber") == "0x0"  # nothing was mined


async def test_evm_mine_and_revert_forget_blocks(rpc: Rpc) -> None:
    snapshot = await rpc.call("evm_snapshot")
    tx_hash = await rpc.call("eth_sendRawTransaction", raw_transfer(0, 0))
    await rpc.call("evm_mine")
    assert await rpc.call("eth_blockNumber") == "0x2"
    assert await rpc.call("evm_revert", snapshot) is True
    assert await rpc.call("evm_revert", snapshot) is False  # used up, as in anvil
    assert await rpc.call("eth_blockNumber") == "0x0"
    assert await rpc.call("eth_getTransactionReceipt", tx_hash) is None
    # The same nonce can be used again, and the new block takes number 1.
    again = await rpc.call("eth_sendRawTransaction", raw_transfer(0, 0))
    assert (await rpc.call("eth_getTransactionReceipt", again))["blockNumber"] == "0x1"


async def test_the_loop_keeps_running_during_evm_work(rpc: Rpc) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    try:
        assert await rpc.call("eth_call", {"data": busy_loop_code(15_000)}) == "0x"
    finally:
        task.cancel()
    elapsed = time.perf_counter() - started
    assert elapsed > 0.05
    assert ticks >= 3, f"only {ticks} ticks in {elapsed:.2f}s: the EVM blocked the loop"


async def test_concurrent_requests_are_applied_one_at_a_time(rpc: Rpc) -> None:
    raws = [raw_transfer(index, 0) for index in range(1, 8)]
    hashes = await asyncio.gather(*(rpc.call("eth_sendRawTransaction", raw) for raw in raws))
    receipts = await asyncio.gather(*(rpc.call("eth_getTransactionReceipt", h) for h in hashes))
    assert sorted(int(r["blockNumber"], 16) for r in receipts) == list(range(1, 8))
    assert all(r["status"] == "0x1" for r in receipts)


async def test_journal_replays_only_what_survived_a_revert(tmp_path: Path) -> None:
    first = await start_chain("embedded", state_dir=tmp_path)
    async with aiohttp.ClientSession() as session:
        rpc = Rpc(first.rpc_url, session)
        kept = await rpc.call("eth_sendRawTransaction", raw_transfer(0, 0))
        await rpc.call("anvil_setBalance", "0x" + "ab" * 20, "0x64")
        snapshot = await rpc.call("evm_snapshot")
        dropped = await rpc.call("eth_sendRawTransaction", raw_transfer(0, 1))
        await rpc.call("evm_revert", snapshot)
        head = await rpc.call("eth_getBlockByNumber", "latest", False)
    await first.stop()

    journal = sqlite3.connect(tmp_path / JOURNAL_FILE_NAME)
    kinds = [kind for (kind,) in journal.execute("SELECT kind FROM blocks ORDER BY number")]
    journal.close()
    assert kinds == ["tx", "set_balance"]

    second = await start_chain("embedded", state_dir=tmp_path)
    async with aiohttp.ClientSession() as session:
        rpc = Rpc(second.rpc_url, session)
        assert await rpc.call("eth_getBlockByNumber", "latest", False) == head
        assert await rpc.call("eth_getTransactionReceipt", kept) is not None
        assert await rpc.call("eth_getTransactionReceipt", dropped) is None
        assert await rpc.call("eth_getBalance", "0x" + "ab" * 20, "latest") == "0x64"
    await second.stop()


async def test_journal_refuses_other_settings(tmp_path: Path) -> None:
    chain = await start_chain("embedded", state_dir=tmp_path)
    await chain.stop()
    with pytest.raises(ChainUnavailable, match="move the file away"):
        await start_chain("embedded", state_dir=tmp_path, chain_id=8453)


def hide_anvil(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(engine_module.ANVIL_ENV_VAR, str(tmp_path / "nope"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(engine_module, "ANVIL_NPM_BINARY", tmp_path / "missing-anvil")


async def test_without_anvil(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    hide_anvil(monkeypatch, tmp_path)
    assert engine_module.find_anvil() is None
    with pytest.raises(ChainUnavailable, match=r"npm install --prefix .* @foundry-rs/anvil"):
        await start_chain("anvil")
    chain = await start_chain("auto")
    assert chain.name == "embedded"
    await chain.stop()


def test_find_anvil_prefers_the_env_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    hide_anvil(monkeypatch, tmp_path)
    fake = tmp_path / "my-anvil"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    on_path = tmp_path / "anvil"
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    assert engine_module.find_anvil() == on_path
    monkeypatch.setenv(engine_module.ANVIL_ENV_VAR, str(fake))
    assert engine_module.find_anvil() == fake


async def test_with_automine_off_a_transaction_waits_and_a_10_percent_bump_replaces_it(
    rpc: Rpc,
) -> None:
    """The mempool a stuck payment is made with (evm_setAutomine false, as anvil's): a
    sent transaction waits unmined, counts in the pending nonce, and is replaced only by
    one raising both fees by 10 %; evm_mine mines the one left."""
    sender = dev_accounts()[0].address
    assert await rpc.call("evm_setAutomine", False) is None
    first = await rpc.call("eth_sendRawTransaction", raw_transfer(0, 0))
    waiting = await rpc.call("eth_getTransactionByHash", first)
    assert (waiting["blockNumber"], waiting["nonce"]) == (None, "0x0")
    assert await rpc.call("eth_getTransactionReceipt", first) is None
    assert await rpc.call("eth_getTransactionCount", sender, "pending") == "0x1"
    assert await rpc.call("eth_getTransactionCount", sender, "latest") == "0x0"
    # Less than 10 % on one of the two fees: refused, with geth's and anvil's words.
    for fees in (
        {"maxFeePerGas": 11 * GWEI, "maxPriorityFeePerGas": GWEI},
        {"maxFeePerGas": 10 * GWEI + GWEI // 2, "maxPriorityFeePerGas": 2 * GWEI},
    ):
        error = await rpc.error("eth_sendRawTransaction", [raw_transfer(0, 0, **fees)])
        assert (error["code"], error["message"]) == (
            -32003,
            "replacement transaction underpriced",
        )
    bumped = raw_transfer(0, 0, maxFeePerGas=11 * GWEI, maxPriorityFeePerGas=GWEI * 11 // 10)
    second = await rpc.call("eth_sendRawTransaction", bumped)
    assert await rpc.call("eth_getTransactionByHash", first) is None  # replaced: gone
    assert await rpc.call("eth_blockNumber") == "0x0"
    await rpc.call("evm_mine")
    assert await rpc.call("eth_blockNumber") == "0x1"
    assert (await rpc.call("eth_getTransactionReceipt", second))["status"] == "0x1"
    assert await rpc.call("eth_getTransactionReceipt", first) is None
    assert await rpc.call("evm_setAutomine", True) is None
    third = await rpc.call("eth_sendRawTransaction", raw_transfer(0, 1))
    assert (await rpc.call("eth_getTransactionReceipt", third))["blockNumber"] == "0x2"
