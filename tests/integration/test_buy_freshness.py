"""A buy's quote is quoted again before signing when it is older than a minute or its
price moved (issue 16, "truthful confirmations"), and says the minimum credits expected;
the buy request is parsed once and carried typed to the signature. On the devnet, whose
ETH price is moved through ``POST /api/v0/devnet/prices`` (and put back).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from aleph_tui.core.flows.buying import PRICE_TOLERANCE, BuyRequest, minimum_text
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.core.validation import InvalidInput
from tests.support.devnet_process import RunningDevnet

ETH_UNITS = 10**15  # 0.001 ETH


def estimate(devnet: RunningDevnet, token: str, units: int) -> dict[str, Any]:
    response = httpx.post(
        f"{devnet.document['credit_api_url']}/estimation/token-to-credit",
        json={"blockchain": "ethereum", "token": token, "amount": str(units)},
        timeout=10,
    )
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def set_price(devnet: RunningDevnet, token: str, usd: Decimal) -> None:
    response = httpx.post(
        f"{devnet.api_url}/api/v0/devnet/prices", json={"token": token, "usd": str(usd)}, timeout=10
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def eth_price(devnet: RunningDevnet) -> Iterator[Decimal]:
    """The devnet's ETH price, put back after the test moves it."""
    price = Decimal(estimate(devnet, "ETH", 10**18)["price"])
    yield price
    set_price(devnet, "ETH", price)


@pytest.fixture
async def service(devnet: RunningDevnet, tmp_path: Path) -> AsyncIterator[CreditService]:
    svc = CreditService(
        devnet_from_document(devnet.document), journal=Journal(tmp_path / "journal.jsonl")
    )
    yield svc
    await svc.aclose()


async def test_a_moved_price_or_an_old_quote_is_quoted_again_before_signing(
    devnet: RunningDevnet, service: CreditService, accounts: list[Any], eth_price: Decimal
) -> None:
    payer = accounts[9].address
    request = service.buy_request("eth", "0.001", payer)
    assert request == BuyRequest("ETH", ETH_UNITS, 18, payer)
    quote = await service.buy_quote(request)
    assert quote.estimated_credits == estimate(devnet, "ETH", ETH_UNITS)["creditAmount"]
    assert await service.buy_fresh(quote) is quote  # young, same price: signed as it is

    set_price(devnet, "ETH", eth_price * Decimal("1.5"))
    moved = await service.buy_fresh(quote)
    credits = estimate(devnet, "ETH", ETH_UNITS)["creditAmount"]
    assert moved is not quote and moved.estimated_credits == credits != quote.estimated_credits
    assert quote.estimated_credits is not None
    assert moved.requoted == (
        f"the price moved: ≈ {quote.estimated_credits:,} → ≈ {credits:,} credits"
    )
    assert moved.request == request

    aged = replace(moved, quoted_at=moved.quoted_at - 61)  # a minute on a confirmation
    fresh = await service.buy_fresh(aged)
    assert fresh is not aged and fresh.requoted == "the quote was more than 60 s old"
    assert fresh.age_s < 5


async def test_the_minimum_credits_expected_allow_the_price_tolerance(
    service: CreditService, accounts: list[Any]
) -> None:
    payer = accounts[9].address
    eth = await service.buy_quote(service.buy_request("eth", "0.001", payer))
    assert eth.estimated_credits is not None
    lowest = (eth.estimated_credits * (1 - PRICE_TOLERANCE)).to_integral_value(ROUND_FLOOR)
    assert eth.min_credits == int(lowest) < eth.estimated_credits
    assert minimum_text(eth) == f"{eth.min_credits:,} credits, allowing a 1 % ETH price fall"
    usdc = await service.buy_quote(service.buy_request("usdc", "2", payer))
    assert usdc.min_credits == usdc.estimated_credits  # pegged


def test_the_request_is_parsed_once_without_the_network() -> None:
    payer = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    svc = CreditService("http://127.0.0.1:9")  # nothing listens: no I/O is needed
    assert svc.buy_request("usdc", "2.5", payer) == BuyRequest("USDC", 2_500_000, 6, payer)
    assert svc.buy_request("aleph", 7, payer).units == 7  # already parsed by a field
    for token, amount, field in (("usdc", "1.1234567", "amount"), ("btc", "1", "token")):
        with pytest.raises(InvalidInput) as caught:
            svc.buy_request(token, amount, payer)
        assert caught.value.field == field
