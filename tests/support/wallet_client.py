"""A user's view of the devnet: a wallet that pays the processor, and polling helpers.

Payments go through web3's ``AsyncWeb3`` over the devnet's JSON-RPC URL as plain
EIP-1559 transactions signed locally with eth_account, the way any wallet would send
them; nothing here reaches into the devnet's own code.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any, TypeVar

import aiohttp
import httpx
from eth_account import Account
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.types import TxParams, Wei

from tests.support.devnet_process import RunningDevnet

T = TypeVar("T")

CREDITS_PER_USD = 1_000_000
# aleph-api.md §4.4: ALEPH purchases earn +20 %, USDC and ETH nothing.
BONUS_RATIO = {"ALEPH": Decimal("0.2"), "USDC": Decimal(0), "ETH": Decimal(0)}
DECIMALS = {"ALEPH": 18, "USDC": 6, "ETH": 18}
POLL_TIMEOUT_S = 30.0

ERC20_ABI: list[dict[str, Any]] = [
    {
        "name": "transfer",
        "type": "function",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "to", "type": "address"}, {"name": "value", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    },
    {
        "name": "balanceOf",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
    {
        "name": "decimals",
        "type": "function",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint8"}],
    },
]


async def poll(
    probe: Callable[[], Awaitable[T | None]],
    what: str,
    *,
    within: float = POLL_TIMEOUT_S,
    interval: float = 0.1,
) -> T:
    """Call ``probe`` until it returns something other than None, or fail after ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f}s waiting for {what}")
        await asyncio.sleep(interval)


def web3_for(rpc_url: str) -> AsyncWeb3[AsyncHTTPProvider]:
    timeout = aiohttp.ClientTimeout(total=10)
    return AsyncWeb3(AsyncHTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))


def units_of(symbol: str, amount: Decimal) -> int:
    units = amount.scaleb(DECIMALS[symbol])
    assert units == units.to_integral_value(), f"{amount} {symbol} is not a whole number of units"
    return int(units)


@dataclass(frozen=True)
class ExpectedCredits:
    base: int
    bonus: int

    @property
    def total(self) -> int:
        return self.base + self.bonus


def expected_credits(prices_usd: dict[str, str], symbol: str, amount: Decimal) -> ExpectedCredits:
    """The credit service's rule, from the devnet's announced prices, rounded down."""
    usd = amount * Decimal(prices_usd[symbol])
    base = int((usd * CREDITS_PER_USD).to_integral_value(ROUND_DOWN))
    bonus = int((base * BONUS_RATIO[symbol]).to_integral_value(ROUND_DOWN))
    return ExpectedCredits(base, bonus)


@dataclass(frozen=True)
class SentPayment:
    tx_hash: str  # 0x-prefixed, lowercase
    block_number: int
    transaction_index: int
    units: int


async def pay(devnet: RunningDevnet, private_key: str, symbol: str, amount: Decimal) -> SentPayment:
    """Buy credits: ERC-20 ``transfer(processor, amount)``, or ETH sent to the processor."""
    document = devnet.document
    account = Account.from_key(private_key)
    processor = AsyncWeb3.to_checksum_address(document["credit_contract"])
    units = units_of(symbol, amount)
    w3 = web3_for(devnet.rpc_url)
    try:
        chain_id = await w3.eth.chain_id
        assert chain_id == document["chain_id"], "refusing to sign for another chain"
        base_fee = (await w3.eth.get_block("latest"))["baseFeePerGas"]
        tip = await w3.eth.max_priority_fee
        tx: TxParams = {
            "from": account.address,
            "chainId": chain_id,
            "type": 2,
            "nonce": await w3.eth.get_transaction_count(account.address, "pending"),
            "maxPriorityFeePerGas": tip,
            "maxFeePerGas": Wei(2 * base_fee + tip),
        }
        if symbol == "ETH":
            tx |= {"to": processor, "value": Wei(units)}
            tx["gas"] = await w3.eth.estimate_gas(tx)
        else:
            address = document["aleph_token" if symbol == "ALEPH" else "usdc_token"]
            token = w3.eth.contract(address=AsyncWeb3.to_checksum_address(address), abi=ERC20_ABI)
            assert await token.functions.decimals().call() == DECIMALS[symbol]
            transfer = token.functions.transfer(processor, units)
            assert await transfer.call({"from": account.address}) is True
            tx["gas"] = int(await transfer.estimate_gas({"from": account.address}) * 1.2)
            tx = await transfer.build_transaction(tx)
        signed = account.sign_transaction(tx)
        tx_hash = await w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = await w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.1)
        assert receipt["status"] == 1, f"{symbol} payment reverted"
        return SentPayment(
            tx_hash.to_0x_hex().lower(),
            int(receipt["blockNumber"]),
            int(receipt["transactionIndex"]),
            units,
        )
    finally:
        await w3.provider.disconnect()


async def credit_balance(client: httpx.AsyncClient, api_url: str, address: str) -> int:
    response = await client.get(f"{api_url}/api/v0/addresses/{address}/balance")
    response.raise_for_status()
    return int(response.json()["credit_balance"])


async def wait_credit_change(
    client: httpx.AsyncClient, api_url: str, address: str, before: int
) -> int:
    """Poll the balance until it differs from ``before``; return the new balance."""

    async def changed() -> int | None:
        balance = await credit_balance(client, api_url, address)
        return None if balance == before else balance

    return await poll(changed, f"the credit balance of {address} to change from {before}")


async def rpc(client: httpx.AsyncClient, rpc_url: str, method: str, *params: Any) -> Any:
    """One raw JSON-RPC call; returns ``result`` or fails on an error answer."""
    response = await client.post(
        rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    )
    response.raise_for_status()
    body = response.json()
    assert "error" not in body, f"{method} failed: {body['error']}"
    return body["result"]


async def token_balance(client: httpx.AsyncClient, rpc_url: str, token: str, owner: str) -> int:
    data = "0x70a08231" + owner[2:].lower().rjust(64, "0")  # balanceOf(address)
    result = await rpc(client, rpc_url, "eth_call", {"to": token, "data": data}, "latest")
    return int(result, 16)
