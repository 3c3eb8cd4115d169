"""GET /api/v0/addresses/{address}/balance over real HTTP (aleph-api.md §1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from eth_account import Account

from tests.support.devnet_process import RunningDevnet

BALANCE_KEYS = {
    "address",
    "balance",
    "details",
    "locked_amount",
    "credit_balance",
    "credit_balance_details",
}
BALANCE_OF = "0x70a08231"


@pytest.fixture(scope="module")
async def api(devnet: RunningDevnet) -> AsyncIterator[httpx.AsyncClient]:
    # One client per module: building one (its TLS context) costs ~0.1 s.
    async with httpx.AsyncClient(base_url=devnet.api_url, timeout=30) as client:
        yield client


async def _balance(api: httpx.AsyncClient, address: str, **params: Any) -> dict[str, Any]:
    response = await api.get(f"/api/v0/addresses/{address}/balance", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == BALANCE_KEYS
    return body


async def _aleph_on_chain(devnet: RunningDevnet, address: str) -> Decimal:
    """The account's ALEPH ERC-20 balance, read from the devnet chain over JSON-RPC."""
    call = {
        "to": devnet.document["aleph_token"],
        "data": BALANCE_OF + address[2:].lower().rjust(64, "0"),
    }
    async with httpx.AsyncClient(timeout=30) as rpc:
        response = await rpc.post(
            devnet.rpc_url,
            json={"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [call, "latest"]},
        )
    return Decimal(int(response.json()["result"], 16)).scaleb(-18)


def _parse_time(value: str) -> dt.datetime:
    assert value.endswith("Z"), value
    return dt.datetime.fromisoformat(value)


async def test_unknown_address_is_200_with_all_zeros(api: httpx.AsyncClient) -> None:
    address = Account.create().address
    assert await _balance(api, address) == {
        "address": address,
        "balance": 0.0,
        "details": {},
        "locked_amount": 0.0,
        "credit_balance": 0,
        "credit_balance_details": None,
    }
    detailed = await _balance(api, address, include_credit_details="true")
    assert detailed["credit_balance"] == 0
    assert detailed["credit_balance_details"] == []


async def test_number_types(api: httpx.AsyncClient, accounts: list[Any]) -> None:
    body = await _balance(api, accounts[0].address)
    assert isinstance(body["balance"], float)
    assert isinstance(body["locked_amount"], float)
    assert isinstance(body["credit_balance"], int)
    assert all(isinstance(v, float) for v in body["details"].values())


@pytest.mark.parametrize("index", [0, 1, 2])
async def test_credit_details_sum_order_and_validity(
    api: httpx.AsyncClient, accounts: list[Any], index: int
) -> None:
    address = accounts[index].address
    body = await _balance(api, address, include_credit_details="true")
    details = body["credit_balance_details"]
    assert details, "a seeded account holds credits"
    assert body["credit_balance"] == sum(d["amount"] for d in details)
    assert all(isinstance(d["amount"], int) and d["amount"] > 0 for d in details)
    assert all(set(d) == {"expiration_date", "amount"} for d in details)

    now = dt.datetime.now(dt.UTC)
    never = [d for d in details if d["expiration_date"] is None]
    expiring = [_parse_time(d["expiration_date"]) for d in details if d["expiration_date"]]
    # Non-expiring first, then soonest first, one entry per expiration, none expired.
    assert details[: len(never)] == never
    assert expiring == sorted(expiring)
    assert len(set(expiring)) == len(expiring)
    assert all(expiration > now for expiration in expiring)

    plain = await _balance(api, address)
    assert plain["credit_balance"] == body["credit_balance"]


@pytest.mark.parametrize("flag", [None, "false", "0"])
async def test_credit_details_are_null_without_the_flag(
    api: httpx.AsyncClient, accounts: list[Any], flag: str | None
) -> None:
    params = {} if flag is None else {"include_credit_details": flag}
    body = await _balance(api, accounts[0].address, **params)
    assert body["credit_balance_details"] is None
    assert body["credit_balance"] > 0


@pytest.mark.parametrize("index", [0, 5])
async def test_aleph_balance_is_the_on_chain_token_balance(
    api: httpx.AsyncClient, devnet: RunningDevnet, accounts: list[Any], index: int
) -> None:
    address = accounts[index].address
    on_chain = await _aleph_on_chain(devnet, address)
    assert on_chain > 0, "every dev account is funded with ALEPH at deployment"

    body = await _balance(api, address)
    assert Decimal(str(body["balance"])) == on_chain
    assert body["details"] == {"ETH": body["balance"]}
    assert body["locked_amount"] == 0.0

    on_eth = await _balance(api, address, chain="ETH")
    assert on_eth["balance"] == body["balance"]
    assert on_eth["details"] == {}

    # The devnet's chain plays Ethereum only: nothing on any other chain.
    on_base = await _balance(api, address, chain="BASE")
    assert on_base["balance"] == 0.0
    assert on_base["details"] == {}


async def test_address_matching_is_exact_and_case_sensitive(
    api: httpx.AsyncClient, accounts: list[Any]
) -> None:
    checksummed = await _balance(api, accounts[0].address)
    assert checksummed["balance"] > 0 and checksummed["credit_balance"] > 0

    lower = accounts[0].address.lower()
    body = await _balance(api, lower, include_credit_details="true")
    assert body["address"] == lower
    assert body["balance"] == 0.0
    assert body["details"] == {}
    assert body["credit_balance"] == 0
    assert body["credit_balance_details"] == []


@pytest.mark.parametrize(
    "params",
    [{"chain": "NOTACHAIN"}, {"chain": "eth"}, {"include_credit_details": "perhaps"}],
)
async def test_bad_query_parameters_are_422_with_pydantic_json(
    api: httpx.AsyncClient, accounts: list[Any], params: dict[str, str]
) -> None:
    response = await api.get(f"/api/v0/addresses/{accounts[0].address}/balance", params=params)
    assert response.status_code == 422
    errors = response.json()
    assert isinstance(errors, list) and errors
    assert errors[0]["loc"] == [next(iter(params))]


async def test_a_balance_read_after_a_token_transfer_sees_it_under_load(
    chain_devnet: RunningDevnet, accounts: list[Any]
) -> None:
    """The ALEPH balance is served from reads shared between concurrent requests (and,
    on the embedded chain, cached per chain state): none may answer with a balance
    older than a transfer whose receipt the reader already holds."""
    import asyncio

    from tests.support.wallet_client import pay, token_balance

    payer = accounts[9]
    url = f"{chain_devnet.api_url}/api/v0/addresses/{payer.address}/balance"
    stop = asyncio.Event()
    async with httpx.AsyncClient(timeout=30) as client:

        async def hammer() -> int:
            reads = 0
            while not stop.is_set():
                response = await client.get(url)
                assert response.status_code == 200
                reads += 1
            return reads

        load = [asyncio.create_task(hammer()) for _ in range(20)]
        try:
            for _ in range(3):
                await pay(chain_devnet, payer.private_key, "ALEPH", Decimal(1))
                on_chain = await token_balance(
                    client,
                    chain_devnet.rpc_url,
                    chain_devnet.document["aleph_token"],
                    payer.address,
                )
                body = (await client.get(url)).json()
                assert Decimal(str(body["balance"])) == Decimal(on_chain).scaleb(-18)
        finally:
            stop.set()
            reads = await asyncio.gather(*load)
    assert sum(reads) > 0
