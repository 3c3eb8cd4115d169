"""Buying credits end to end, on both chain engines, as a user with a wallet would.

A fresh (unseeded) dev account pays the payment processor with a locally signed
EIP-1559 transaction; the devnet's credit service must mint exactly the credits the
announced prices give, record the payment in the Credit API, and later run the
processor's batched processing, whose ``TokenPaymentsProcessed`` log must add up.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_abi.abi import decode

from aleph_tui.core.aleph.messages import (
    CREDIT_CHANNEL,
    CREDIT_DISTRIBUTION,
    recover_signer,
    verification_buffer,
)
from aleph_tui.devnet.contracts import (
    TOKEN_PAYMENTS_PROCESSED_TOPIC,
    TRANSFER_TOPIC,
    load_artifact,
)
from tests.support.devnet_process import RunningDevnet, start_devnet
from tests.support.wallet_client import (
    DECIMALS,
    SentPayment,
    credit_balance,
    expected_credits,
    pay,
    poll,
    rpc,
    token_balance,
    units_of,
    wait_credit_change,
    web3_for,
)

YEAR_S = 365 * 24 * 3600
# (token, amount paid, dev account index): one unseeded account per test.
PURCHASES = (
    ("USDC", Decimal(2), 4),
    ("ALEPH", Decimal(10), 5),
    ("ETH", Decimal("0.001"), 6),
)
PROCESSING_RUNS = (
    ("USDC", Decimal(3), 7),
    ("ALEPH", Decimal(20), 8),
    ("ETH", Decimal("0.002"), 9),
)
RUN_FIELDS = (
    "amount",
    "swapAmount",
    "alephReceived",
    "amountBurned",
    "amountToDistribution",
    "amountToDevelopers",
    "swapVersion",
    "isStable",
)
RUN_TYPES = ["uint256"] * 6 + ["uint8", "bool"]
SWAP_POOL = "0x0000000000000000000000000000000000005000"
BURN_ADDRESS = "0x000000000000000000000000000000000000dead"


def _topic(address: str) -> str:
    return "0x" + address[2:].lower().rjust(64, "0")


def _address(topic: str) -> str:
    return "0x" + topic[-40:].lower()


async def _history_row(
    client: httpx.AsyncClient, api_url: str, address: str, tx_hash: str
) -> dict[str, Any]:
    response = await client.get(
        f"{api_url}/api/v0/addresses/{address}/credit_history", params={"pagination": 200}
    )
    response.raise_for_status()
    rows: list[dict[str, Any]] = [
        r for r in response.json()["credit_history"] if (r["tx_hash"] or "").lower() == tx_hash
    ]
    assert len(rows) == 1, f"expected one history row for {tx_hash}, got {rows}"
    return rows[0]


async def _completed_payment(
    client: httpx.AsyncClient, credit_api_url: str, address: str, tx_hash: str
) -> dict[str, Any]:
    async def completed() -> dict[str, Any] | None:
        response = await client.get(f"{credit_api_url}/payment", params={"address": address})
        response.raise_for_status()
        for payment in response.json()["data"]:
            if payment["tx_hash"].lower() == tx_hash and payment["status"] == "COMPLETED":
                return dict(payment)
        return None

    return await poll(completed, f"payment {tx_hash} to be COMPLETED in the Credit API")


@pytest.mark.parametrize(("symbol", "amount", "index"), PURCHASES, ids=[p[0] for p in PURCHASES])
async def test_payment_mints_credits(
    chain_devnet: RunningDevnet, accounts: list[Any], symbol: str, amount: Decimal, index: int
) -> None:
    devnet, document = chain_devnet, chain_devnet.document
    buyer = accounts[index]
    assert not document["accounts"][index]["seeded"]
    expected = expected_credits(document["prices_usd"], symbol, amount)
    async with httpx.AsyncClient(timeout=10) as client:
        before = await credit_balance(client, devnet.api_url, buyer.address)
        paid_at = time.time()
        payment = await pay(devnet, buyer.private_key, symbol, amount)

        after = await wait_credit_change(client, devnet.api_url, buyer.address, before)
        assert after - before == expected.total

        row = await _history_row(client, devnet.api_url, buyer.address, payment.tx_hash)
        assert row["amount"] == expected.total
        assert row["token"] == symbol
        assert row["chain"] == "ETH"
        assert (row["bonus_amount"] or 0) == expected.bonus
        assert Decimal(row["price"]) == Decimal(document["prices_usd"][symbol])
        expiration = dt.datetime.fromisoformat(row["expiration_date"]).timestamp()
        assert paid_at + YEAR_S - 60 <= expiration <= time.time() + YEAR_S + 60

        record = await _completed_payment(
            client, devnet.credit_api_url, buyer.address, payment.tx_hash
        )
        assert record["address"] == buyer.address
        assert record["in_currency"] == symbol
        assert int(record["in_amount"]) == payment.units
        assert record["prices"]["credit_amount"] == expected.total
        assert record["prices"]["credit_bonus_amount"] == expected.bonus
        assert record["item_hash"] == row["credit_ref"]

        response = await client.get(f"{devnet.api_url}/api/v0/messages/{record['item_hash']}")
        response.raise_for_status()
        found = response.json()
    assert found["status"] == "processed"
    message = found["message"]
    assert message["sender"] == document["credit_sender"]
    assert message["channel"] == CREDIT_CHANNEL
    buffer = verification_buffer(message["chain"], message["sender"], "POST", message["item_hash"])
    assert recover_signer(buffer, message["signature"]) == document["credit_sender"]
    content = message["content"]
    assert content["type"] == CREDIT_DISTRIBUTION
    assert content["address"] == document["credit_owner"]
    distribution = content["content"]["distribution"]
    assert distribution["token"] == symbol
    (credit,) = distribution["credits"]
    assert credit["address"] == buyer.address
    assert credit["amount"] == expected.total
    assert credit["tx_hash"].lower() == payment.tx_hash


async def _processing_log(
    client: httpx.AsyncClient, devnet: RunningDevnet, token: str, payment: SentPayment
) -> dict[str, Any]:
    """The first processing run for ``token`` after ``payment`` was mined."""

    async def found() -> dict[str, Any] | None:
        logs = await rpc(
            client,
            devnet.rpc_url,
            "eth_getLogs",
            {
                "fromBlock": hex(payment.block_number),
                "toBlock": "latest",
                "address": devnet.document["credit_contract"],
                "topics": [TOKEN_PAYMENTS_PROCESSED_TOPIC, _topic(token)],
            },
        )
        after = [
            entry
            for entry in logs
            if (int(entry["blockNumber"], 16), int(entry["transactionIndex"], 16))
            > (payment.block_number, payment.transaction_index)
        ]
        return after[0] if after else None

    return await poll(found, f"a TokenPaymentsProcessed log for {token}")


async def _contract_views(devnet: RunningDevnet, token: str) -> dict[str, Any]:
    w3 = web3_for(devnet.rpc_url)
    try:
        processor = w3.eth.contract(
            address=w3.to_checksum_address(devnet.document["credit_contract"]),
            abi=load_artifact("AlephPaymentProcessor").abi,
        )
        functions = processor.functions
        rate_num, rate_den, stable = await functions.tokenConfig(token).call()
        return {
            "admin": await functions.admin().call(),
            "burn_pct": await functions.burnPercentage().call(),
            "developers_pct": await functions.developersPercentage().call(),
            "developers": await functions.developersRecipient().call(),
            "distribution": await functions.distributionRecipient().call(),
            "rate": (rate_num, rate_den, stable),
        }
    finally:
        await w3.provider.disconnect()


def _aleph_for(prices_usd: dict[str, str], symbol: str, units: int) -> int:
    """ALEPH base units that ``units`` of ``symbol`` are worth at the announced prices."""
    usd = Decimal(units).scaleb(-DECIMALS[symbol]) * Decimal(prices_usd[symbol])
    aleph = (usd / Decimal(prices_usd["ALEPH"])).scaleb(DECIMALS["ALEPH"])
    return int(aleph.to_integral_value(ROUND_DOWN))


@pytest.mark.parametrize(
    ("symbol", "amount", "index"), PROCESSING_RUNS, ids=[p[0] for p in PROCESSING_RUNS]
)
async def test_processing_run_splits_payments(
    chain_devnet: RunningDevnet, accounts: list[Any], symbol: str, amount: Decimal, index: int
) -> None:
    """The admin's batched run swaps to ALEPH and splits it by the contract's rules."""
    devnet, document = chain_devnet, chain_devnet.document
    token = {
        "USDC": document["usdc_token"],
        "ALEPH": document["aleph_token"],
        "ETH": "0x" + "00" * 20,
    }[symbol]
    payment = await pay(devnet, accounts[index].private_key, symbol, amount)
    async with httpx.AsyncClient(timeout=10) as client:
        entry = await _processing_log(client, devnet, token, payment)
        receipt = await rpc(
            client, devnet.rpc_url, "eth_getTransactionReceipt", entry["transactionHash"]
        )
    views = await _contract_views(devnet, token)
    run = dict(zip(RUN_FIELDS, decode(RUN_TYPES, bytes.fromhex(entry["data"][2:])), strict=True))

    assert _address(entry["topics"][1]) == token.lower()
    assert _address(entry["topics"][2]) == views["admin"].lower()  # the admin, not the buyer
    assert run["amount"] >= payment.units  # the run sweeps every pending payment
    amount_in = run["amount"]
    if symbol == "USDC":
        assert run["isStable"] is True
        assert run["swapVersion"] == 3
        # Stable tokens pay the developers in the token itself; the rest is swapped.
        assert run["amountToDevelopers"] == amount_in * views["developers_pct"] // 100
        assert run["swapAmount"] == amount_in - run["amountToDevelopers"]
        swapped = run["swapAmount"]
        assert run["alephReceived"] == _aleph_for(document["prices_usd"], symbol, swapped)
        burn_part = amount_in * views["burn_pct"] // 100
        assert run["amountBurned"] == run["alephReceived"] * burn_part // swapped
        assert run["amountToDistribution"] == run["alephReceived"] - run["amountBurned"]
    else:
        assert run["isStable"] is False
        if symbol == "ALEPH":
            assert (run["swapAmount"], run["swapVersion"]) == (0, 0)
            assert run["alephReceived"] == amount_in
        else:
            assert (run["swapAmount"], run["swapVersion"]) == (amount_in, 4)
            assert run["alephReceived"] == _aleph_for(document["prices_usd"], symbol, amount_in)
        received = run["alephReceived"]
        assert run["amountToDevelopers"] == received * views["developers_pct"] // 100
        assert run["amountBurned"] == received * views["burn_pct"] // 100
        assert (
            run["amountToDistribution"]
            == received - run["amountToDevelopers"] - run["amountBurned"]
        )
    num, den, stable = views["rate"]
    if symbol != "ALEPH":
        assert stable is run["isStable"]
        assert run["alephReceived"] == (run["swapAmount"] * num) // den

    # The figures are what actually moved: the Transfer logs of the same transaction.
    moved: dict[tuple[str, str, str], int] = {}
    for log in receipt["logs"]:
        if log["topics"][0] == TRANSFER_TOPIC and len(log["topics"]) == 3:
            key = (log["address"].lower(), _address(log["topics"][1]), _address(log["topics"][2]))
            moved[key] = moved.get(key, 0) + int(log["data"], 16)
    processor = document["credit_contract"].lower()
    aleph = document["aleph_token"].lower()
    developers_token = token.lower() if run["isStable"] else aleph
    expected_moves = {
        (developers_token, processor, views["developers"].lower()): run["amountToDevelopers"],
        (aleph, processor, views["distribution"].lower()): run["amountToDistribution"],
        (aleph, processor, BURN_ADDRESS): run["amountBurned"],
    }
    if symbol != "ETH":  # ETH leaves as a plain value transfer, without a log
        expected_moves[(token.lower(), processor, SWAP_POOL)] = run["swapAmount"]
    for key, value in expected_moves.items():
        assert moved.get(key, 0) == value, f"transfer {key}"


@pytest.fixture
def own_devnet(tmp_path: Path) -> Iterator[RunningDevnet]:
    running = start_devnet(tmp_path, "--chain", "embedded", "--processing-interval", "1")
    yield running
    running.stop()


async def test_an_unprocessable_payment_does_not_stop_the_service(
    own_devnet: RunningDevnet, accounts: list[Any]
) -> None:
    """More ETH than the processor's ALEPH reserve can swap: its processing run keeps
    failing, yet later payments are still credited and other tokens still processed."""
    devnet, document = own_devnet, own_devnet.document
    whale, buyer = accounts[7], accounts[8]
    huge = Decimal(5000)  # ETH; at $3000 that is far more ALEPH than the reserve holds
    async with httpx.AsyncClient(timeout=10) as client:
        reserve = await token_balance(
            client, devnet.rpc_url, document["aleph_token"], document["credit_contract"]
        )
        assert _aleph_for(document["prices_usd"], "ETH", units_of("ETH", huge)) > reserve
        await pay(devnet, whale.private_key, "ETH", huge)
        credits = await wait_credit_change(client, devnet.api_url, whale.address, 0)
        assert credits == expected_credits(document["prices_usd"], "ETH", huge).total

        payment = await pay(devnet, buyer.private_key, "USDC", Decimal(2))
        credits = await wait_credit_change(client, devnet.api_url, buyer.address, 0)
        assert credits == expected_credits(document["prices_usd"], "USDC", Decimal(2)).total
        entry = await _processing_log(client, devnet, document["usdc_token"], payment)
    assert int(entry["blockNumber"], 16) > payment.block_number
