"""The emulated Credit API (``/credit/api/v0``): estimations and the payment list.

Expected figures are computed here from the devnet's announced prices (its JSON
document) and the documented rule: 1 USD = 1 000 000 credits, +20 % for ALEPH.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.support.devnet_process import RunningDevnet
from tests.support.wallet_client import BONUS_RATIO, DECIMALS, expected_credits

TOKENS = ("ALEPH", "USDC", "ETH")
UNKNOWN_ADDRESS = "0x000000000000000000000000000000000000bEEF"


@pytest.fixture(scope="module")
def api(devnet: RunningDevnet) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=devnet.credit_api_url, timeout=10) as client:
        yield client


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _token_to_credit(api: httpx.Client, token: str, units: int) -> dict[str, Any]:
    body = {"blockchain": "ethereum", "token": token, "amount": str(units)}
    return dict(_ok(api.post("/estimation/token-to-credit", json=body)))


def _credit_to_token(api: httpx.Client, token: str, credits: int) -> dict[str, Any]:
    body = {"blockchain": "ethereum", "token": token, "creditAmount": str(credits)}
    return dict(_ok(api.post("/estimation/credit-to-token", json=body)))


@pytest.mark.parametrize("query", [{"blockchain": "ethereum"}, {}])
def test_prices_list_every_token(
    api: httpx.Client, devnet: RunningDevnet, query: dict[str, str]
) -> None:
    body = _ok(api.get("/estimation/prices", params=query))
    assert body["blockchain"] == "ethereum"
    assert isinstance(body["timestamp"], int)
    prices = {p["tokenSymbol"]: p for p in body["prices"]}
    assert sorted(prices) == sorted(TOKENS)
    for symbol, price in prices.items():
        decimals = DECIMALS[symbol]
        assert price["tokenDecimals"] == decimals
        assert int(price["tokenAmount"]) == 10**decimals  # one whole token
        expected = expected_credits(devnet.document["prices_usd"], symbol, Decimal(1))
        assert price["creditAmount"] == expected.total  # bonus included
        assert price["creditBonusAmount"] == expected.bonus
    assert prices["ALEPH"]["creditBonusAmount"] > 0


@pytest.mark.parametrize(
    ("token", "amount"),
    [
        ("USDC", Decimal(2)),
        ("USDC", Decimal("0.000001")),
        ("ALEPH", Decimal(10)),
        ("ALEPH", Decimal("0.123456789")),
        ("ETH", Decimal("0.001")),
        ("ETH", Decimal("1.5")),
        ("usdc", Decimal(7)),  # symbols are case-insensitive
    ],
)
def test_token_to_credit_follows_the_prices(
    api: httpx.Client, devnet: RunningDevnet, token: str, amount: Decimal
) -> None:
    symbol = token.upper()
    prices = devnet.document["prices_usd"]
    units = int(amount.scaleb(DECIMALS[symbol]))
    quote = _token_to_credit(api, token, units)
    expected = expected_credits(prices, symbol, amount)
    assert quote["tokenSymbol"] == symbol
    assert int(quote["tokenAmount"]) == units
    assert quote["creditAmount"] == expected.total
    assert quote["creditBonusAmount"] == expected.bonus
    assert Decimal(quote["price"]) == Decimal(prices[symbol])
    assert Decimal(quote["bonusRatio"]) == BONUS_RATIO[symbol]
    assert Decimal(quote["totalPrice"]) == amount * Decimal(prices[symbol])
    assert isinstance(quote["timestamp"], int)


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("credits", [1, 999_999, 1_000_000, 1_200_000, 1_234_567, 10**12])
def test_credit_to_token_round_trips(api: httpx.Client, token: str, credits: int) -> None:
    """credit-to-token(N) is the smallest token amount whose credits reach N."""
    quote = _credit_to_token(api, token, credits)
    units = int(quote["tokenAmount"])
    assert quote["tokenSymbol"] == token
    back = _token_to_credit(api, token, units)
    assert back["creditAmount"] >= credits
    assert (quote["creditAmount"], quote["creditBonusAmount"]) == (
        back["creditAmount"],
        back["creditBonusAmount"],
    )
    assert units > 0
    assert _token_to_credit(api, token, units - 1)["creditAmount"] < credits  # minimal


def test_credit_to_token_of_zero_is_zero(api: httpx.Client) -> None:
    quote = _credit_to_token(api, "USDC", 0)
    assert (int(quote["tokenAmount"]), quote["creditAmount"]) == (0, 0)


def test_estimation_agrees_with_the_price_list(api: httpx.Client) -> None:
    prices = {p["tokenSymbol"]: p for p in _ok(api.get("/estimation/prices"))["prices"]}
    for symbol, price in prices.items():
        quote = _token_to_credit(api, symbol, int(price["tokenAmount"]))
        assert quote["creditAmount"] == price["creditAmount"]
        assert quote["creditBonusAmount"] == price["creditBonusAmount"]


def _assert_422(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/json")
    description = response.json()["description"]
    assert isinstance(description, str)
    assert description


BAD_ESTIMATIONS = {
    "unknown token": {"token": "DOGE", "amount": "1000"},
    "negative amount": {"token": "USDC", "amount": "-5"},
    "non-numeric amount": {"token": "USDC", "amount": "lots"},
    "fractional amount": {"token": "USDC", "amount": "1.5"},
    "missing amount": {"token": "USDC"},
    "missing token": {"amount": "1000"},
    "wrong blockchain": {"blockchain": "solana", "token": "USDC", "amount": "1000"},
}


@pytest.mark.parametrize("body", BAD_ESTIMATIONS.values(), ids=BAD_ESTIMATIONS.keys())
def test_token_to_credit_rejects_bad_input(api: httpx.Client, body: dict[str, str]) -> None:
    _assert_422(api.post("/estimation/token-to-credit", json={"blockchain": "ethereum"} | body))


@pytest.mark.parametrize("body", BAD_ESTIMATIONS.values(), ids=BAD_ESTIMATIONS.keys())
def test_credit_to_token_rejects_bad_input(api: httpx.Client, body: dict[str, str]) -> None:
    renamed = {("creditAmount" if k == "amount" else k): v for k, v in body.items()}
    _assert_422(api.post("/estimation/credit-to-token", json={"blockchain": "ethereum"} | renamed))


@pytest.mark.parametrize(
    "content", [b"not json", b"[1, 2]", b'"USDC"'], ids=["garbage", "array", "string"]
)
def test_estimation_rejects_a_body_that_is_not_an_object(api: httpx.Client, content: bytes) -> None:
    headers = {"content-type": "application/json"}
    _assert_422(api.post("/estimation/token-to-credit", content=content, headers=headers))
    _assert_422(api.post("/estimation/credit-to-token", content=content, headers=headers))


def test_prices_reject_a_wrong_blockchain(api: httpx.Client) -> None:
    _assert_422(api.get("/estimation/prices", params={"blockchain": "solana"}))


def _payments(api: httpx.Client, **params: Any) -> dict[str, Any]:
    return dict(_ok(api.get("/payment", params=params)))


def test_payments_of_a_seeded_account_paginate(
    api: httpx.Client, devnet: RunningDevnet, accounts: list[Any]
) -> None:
    address = accounts[0].address
    everything = _payments(api, address=address, page=1, pagination=1000)
    total = everything["pagination"]["total"]
    assert total == len(everything["data"]) >= 5
    ids = [p["id"] for p in everything["data"]]
    created = [p["created_at"] for p in everything["data"]]
    assert created == sorted(created, reverse=True)  # newest first

    per_page = 2
    pages = []
    for page in range(1, total // per_page + 2):
        body = _payments(api, address=address, page=page, pagination=per_page)
        assert body["pagination"] == {"total": total, "page": page, "pagination": per_page}
        pages.append([p["id"] for p in body["data"]])
    assert [len(p) for p in pages[:-1]] == [per_page] * (len(pages) - 1)
    assert [i for page in pages for i in page] == ids  # no gaps, no repeats, same order
    assert _payments(api, address=address, page=len(pages) + 1, pagination=per_page)["data"] == []

    for payment in everything["data"]:
        assert payment["address"] == address
        assert payment["status"] == "COMPLETED"
        assert payment["chain"] == "ethereum"
        assert payment["in_currency"] in TOKENS
        assert int(payment["in_amount"]) > 0
        assert payment["prices"]["credit_amount"] > 0
        assert payment["tx_hash"].startswith("0x")
        assert len(payment["item_hash"]) == 64
    # Each payment's distribution message is on the CCN.
    first = everything["data"][0]
    found = httpx.get(f"{devnet.api_url}/api/v0/messages/{first['item_hash']}", timeout=10)
    assert _ok(found)["status"] == "processed"


def test_payments_accept_limit_as_page_size(api: httpx.Client, accounts: list[Any]) -> None:
    body = _payments(api, address=accounts[0].address, page=1, limit=3)
    assert len(body["data"]) == body["pagination"]["pagination"] == 3


def test_payments_of_an_unknown_address_are_empty(api: httpx.Client) -> None:
    body = _payments(api, address=UNKNOWN_ADDRESS)
    assert body["data"] == []
    assert body["pagination"]["total"] == 0


@pytest.mark.parametrize(
    "params",
    [{"page": "0"}, {"page": "x"}, {"pagination": "0"}, {"pagination": "-1"}],
    ids=["page 0", "page x", "pagination 0", "pagination -1"],
)
def test_payments_reject_bad_paging(
    api: httpx.Client, accounts: list[Any], params: dict[str, str]
) -> None:
    _assert_422(api.get("/payment", params={"address": accounts[0].address} | params))
