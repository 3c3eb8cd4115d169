"""Buying credits through the service facade, on both chain engines, end to end.

Each test uses its own dev account (5–9) and waits until its payment is fully credited,
so the credit balances other tests watch are never disturbed by a payment in flight.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from aleph_tui.core.accounts.signer import Signer
from aleph_tui.core.aleph.credit_api_client import CreditApi, CreditApiError
from aleph_tui.core.chain.gateway import ChainGateway
from aleph_tui.core.flows.buying import BuyError, BuyProgress
from aleph_tui.core.journal.journal_records import Status
from aleph_tui.core.journal.operation_journal import Journal, Operation
from aleph_tui.core.networks import Network, devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.core.validation import InvalidInput
from tests.support.devnet_process import RunningDevnet
from tests.support.wallet_client import credit_balance, poll, rpc, token_balance

# (token, amount, dev account index)
PURCHASES = (("USDC", "2", 5), ("ALEPH", "10", 6), ("ETH", "0.001", 7))
TOKEN_KEYS = {"ALEPH": "aleph_token", "USDC": "usdc_token"}


@pytest.fixture
def network(chain_devnet: RunningDevnet) -> Network:
    return devnet_from_document(chain_devnet.document)


@pytest.fixture
async def service(network: Network, tmp_path: Path) -> AsyncIterator[CreditService]:
    svc = CreditService(network, journal=Journal(tmp_path / "journal.jsonl"))
    yield svc
    await svc.aclose()


async def _estimate(credit_api_url: str, token: str, units: int) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{credit_api_url}/estimation/token-to-credit",
            json={"blockchain": "ethereum", "token": token, "amount": str(units)},
        )
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data


async def _holding(devnet: RunningDevnet, token: str, address: str) -> int:
    async with httpx.AsyncClient(timeout=10) as client:
        if token == "ETH":
            return int(await rpc(client, devnet.rpc_url, "eth_getBalance", address, "latest"), 16)
        contract = devnet.document[TOKEN_KEYS[token]]
        return await token_balance(client, devnet.rpc_url, contract, address)


async def _nonce(devnet: RunningDevnet, address: str) -> int:
    async with httpx.AsyncClient(timeout=10) as client:
        count = await rpc(client, devnet.rpc_url, "eth_getTransactionCount", address, "pending")
    return int(count, 16)


async def _credits(devnet: RunningDevnet, address: str) -> int:
    async with httpx.AsyncClient(timeout=10) as client:
        return await credit_balance(client, devnet.api_url, address)


async def _credits_reach(devnet: RunningDevnet, address: str, target: int) -> int:
    async def probe() -> int | None:
        balance = await _credits(devnet, address)
        return balance if balance >= target else None

    return await poll(probe, f"the credits of {address} to reach {target}", within=15)


@pytest.mark.parametrize(("token", "amount", "index"), PURCHASES, ids=[p[0] for p in PURCHASES])
async def test_buy_credits_arrive_as_quoted(
    service: CreditService,
    chain_devnet: RunningDevnet,
    accounts: list[Any],
    token: str,
    amount: str,
    index: int,
) -> None:
    buyer = accounts[index]
    credits_before = await _credits(chain_devnet, buyer.address)
    holding_before = await _holding(chain_devnet, token, buyer.address)

    started = time.monotonic()
    quote = await service.buy_quote(token.lower(), amount, buyer.address)
    quoted_in = time.monotonic() - started
    estimate = await _estimate(chain_devnet.credit_api_url, token, quote.units)
    assert quote.token == token
    assert quote.units == int(Decimal(amount).scaleb(quote.decimals))
    assert quote.recipient == chain_devnet.document["credit_contract"]
    assert quote.estimated_credits == estimate["creditAmount"] > 0
    assert quote.bonus_credits == estimate["creditBonusAmount"]
    assert quote.price_usd == Decimal(estimate["price"])
    assert quote.total_usd == Decimal(estimate["totalPrice"])
    assert quote.balance_units == holding_before
    assert quote.fee_limit_eth > 0
    assert quote.nonce == await _nonce(chain_devnet, buyer.address)

    events: list[BuyProgress] = []
    result = await service.buy(quote, Signer(buyer.private_key), progress=events.append)
    bought_in = time.monotonic() - started - quoted_in
    engine = chain_devnet.document["chain_engine"]
    print(f"{engine} {token}: quote {quoted_in:.2f}s, buy {bought_in:.2f}s")

    assert [e.step for e in events] == ["signed", "sent", "confirmed", "credits_received"]
    assert {e.tx_hash for e in events} == {result.tx_hash}
    assert events[-1].credits == quote.estimated_credits
    assert result.status == "completed"
    assert result.credits_received == quote.estimated_credits
    assert result.expected_credits == quote.estimated_credits
    # The CCN balance moved by exactly the quoted credits.
    assert quote.estimated_credits is not None
    target = credits_before + quote.estimated_credits
    assert await _credits_reach(chain_devnet, buyer.address, target) == target
    spent = holding_before - await _holding(chain_devnet, token, buyer.address)
    if token == "ETH":
        assert quote.units < spent <= quote.units + quote.plan.max_network_fee
    else:
        assert spent == quote.units

    api = CreditApi(chain_devnet.credit_api_url)
    try:
        payment = await api.payment_for_tx(buyer.address, result.tx_hash.upper())
    finally:
        await api.aclose()
    assert payment is not None and payment.is_done
    assert (payment.address, payment.in_currency) == (buyer.address, token)
    assert (payment.in_amount, payment.credits) == (quote.units, quote.estimated_credits)
    assert payment.bonus_credits == quote.bonus_credits

    (op,) = service.journal.operations()
    assert (op.kind, op.status, op.account) == ("buy", "completed", buyer.address)
    assert op.details["tx_hash"] == result.tx_hash
    assert op.details["units"] == quote.units
    assert op.details["token"] == token
    assert op.details["expected_credits"] == quote.estimated_credits
    assert op.details["network"] == "devnet"
    assert op.details["credits_received"] == quote.estimated_credits


async def test_dry_run_sends_nothing(
    service: CreditService, chain_devnet: RunningDevnet, accounts: list[Any]
) -> None:
    buyer = accounts[8]
    nonce = await _nonce(chain_devnet, buyer.address)
    usdc = await _holding(chain_devnet, "USDC", buyer.address)
    credits = await _credits(chain_devnet, buyer.address)

    quote = await service.buy_quote("usdc", "3", buyer.address)
    events: list[BuyProgress] = []
    result = await service.buy(
        quote, Signer(buyer.private_key), dry_run=True, progress=events.append
    )

    assert result.status == "dry_run"
    assert result.tx_hash.startswith("0x") and len(result.tx_hash) == 66
    assert [e.step for e in events] == ["signed"]
    assert "not sent" in events[0].message
    gateway = service.chain_gateway()
    assert not await gateway.is_known(result.tx_hash)
    assert await _nonce(chain_devnet, buyer.address) == nonce
    assert await _holding(chain_devnet, "USDC", buyer.address) == usdc
    assert await _credits(chain_devnet, buyer.address) == credits
    assert service.journal.operations() == []  # nothing in flight to remember
    assert "raw" not in repr(result)


async def test_quote_refuses_more_than_the_balance(
    service: CreditService, accounts: list[Any]
) -> None:
    buyer = accounts[8]
    with pytest.raises(BuyError, match=r"Required 1,000,000 USDC, available [\d,]+(\.\d+)? USDC"):
        await service.buy_quote("usdc", "1000000", buyer.address)
    with pytest.raises(BuyError, match=r"Required 1,000,000 ETH, available [\d,.]+ ETH"):
        await service.buy_quote("eth", "1000000", buyer.address)
    with pytest.raises(InvalidInput, match="at most 6 decimals for USDC"):
        await service.buy_quote("usdc", "0.0000001", buyer.address)
    with pytest.raises(InvalidInput, match="greater than zero"):
        await service.buy_quote("aleph", "0", buyer.address)
    with pytest.raises(InvalidInput, match="token"):
        await service.buy_quote("btc", "1", buyer.address)


async def test_resume_after_a_crash(
    network: Network, chain_devnet: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    """On restart, by the chain's rules: a buy sent just before a crash completes; one
    that ran out of gas failed with the reason; one whose nonce another transaction used
    can never be mined (said plainly); and an old entry the node does not know, with no
    copy of its bytes and its nonce still unused, is NOT declared "never sent": it may
    still be mined, so it stays open with a note."""
    buyer = accounts[9]
    signer = Signer(buyer.private_key)
    journal = Journal(tmp_path / "journal.jsonl")
    usdc, contract = chain_devnet.document["usdc_token"], chain_devnet.document["credit_contract"]
    units = 4 * 10**6
    expected = (await _estimate(chain_devnet.credit_api_url, "USDC", units))["creditAmount"]
    credits_before = await _credits(chain_devnet, buyer.address)

    def entry(status: Status, tx_hash: str, nonce: int, raw: bytes | None = None) -> Operation:
        details = {
            "token": "USDC",
            "amount": "4",
            "units": units,
            "decimals": 6,
            "tx_hash": tx_hash,
            "expected_credits": expected,
            "network": "devnet",
            "recipient": contract,
            "chain_id": chain_devnet.document["chain_id"],
            "nonce": nonce,
            "explorer_url": None,
        }
        if raw is not None:
            details["raw_tx"] = "0x" + raw.hex()
        return journal.record(Operation("buy", "devnet", buyer.address, status, details))

    # The process that "crashed": it sent one payment and only signed another.
    gateway = ChainGateway(network)
    try:
        plan = await gateway.build_token_transfer(buyer.address, usdc, contract, units)
        signed = await gateway.sign(plan, signer)
        sent = entry("signed", signed.tx_hash, plan.nonce)
        await gateway.send(signed)
        sent = journal.record(sent, status="submitted")
        # One that runs out of gas on chain (too low a gas limit for a token transfer).
        starved = replace(
            await gateway.build_token_transfer(buyer.address, usdc, contract, units), gas=23_000
        )
        doomed = await gateway.sign(starved, signer)
        reverted = entry("signed", doomed.tx_hash, starved.nonce)
        await gateway.send(doomed)
        reverted = journal.record(reverted, status="submitted")
        # Signed and journaled with its bytes, but another wallet used its nonce first.
        beaten_plan = await gateway.build_token_transfer(buyer.address, usdc, contract, units)
        beaten_tx = await gateway.sign(beaten_plan, signer)
        beaten = entry("signed", beaten_tx.tx_hash, beaten_plan.nonce, beaten_tx.raw)
        other = await gateway.build(buyer.address, buyer.address, value=0)
        assert other.nonce == beaten_plan.nonce
        await gateway.send(await gateway.sign(other, signer))
        # An entry of an older version (no raw bytes) for a nonce nobody used.
        later = await gateway.build_token_transfer(buyer.address, usdc, contract, units)
        unknown = await gateway.dry_run(later, signer)
        lost = entry("signed", unknown, later.nonce)
    finally:
        await gateway.aclose()
    open_ops = {op.id: op.status for op in journal.open_operations("devnet")}
    assert open_ops == {
        sent.id: "submitted",
        reverted.id: "submitted",
        beaten.id: "signed",
        lost.id: "signed",
    }

    fresh = CreditService(network, journal=Journal(tmp_path / "journal.jsonl"))
    events: list[BuyProgress] = []
    try:
        results = await fresh.resume_buys(progress=events.append)
    finally:
        await fresh.aclose()

    by_hash = {r.tx_hash: r for r in results}
    done = by_hash[signed.tx_hash]
    assert done.status == "completed"
    assert done.credits_received == expected
    assert await _credits_reach(chain_devnet, buyer.address, credits_before + expected) == (
        credits_before + expected
    )
    out_of_gas = by_hash[doomed.tx_hash]
    assert out_of_gas.status == "failed"
    assert out_of_gas.error == (
        "mined but reverted: ran out of gas (all 23000 gas used); no credits will arrive"
    )
    dead = by_hash[beaten_tx.tx_hash]
    assert (dead.status, dead.error) == (
        "failed",
        f"its nonce {beaten_plan.nonce} was used by another transaction; this payment can "
        "never be mined; nothing was paid",
    )
    kept = by_hash[unknown]
    assert kept.status == "pending"
    assert kept.error == (
        f"the node does not know transaction {unknown} and the journal has no copy of its "
        f"bytes (written by an older version); it may still be mined while nonce "
        f"{later.nonce} is unused, so it stays open (`aleph-tui pending`, or the "
        "dashboard's next start)"
    )
    steps = [e.step for e in events if e.tx_hash == signed.tx_hash]
    assert steps[-2:] == ["confirmed", "credits_received"]
    (still_open,) = Journal(tmp_path / "journal.jsonl").open_operations()
    assert (still_open.id, still_open.status) == (lost.id, "signed")
    assert still_open.details["waiting"] == kept.error


async def test_credit_api_client(chain_devnet: RunningDevnet) -> None:
    api = CreditApi(chain_devnet.credit_api_url)
    try:
        prices = {p.symbol: p for p in await api.prices()}
        assert set(prices) == {"ALEPH", "USDC", "ETH"}
        assert (prices["USDC"].decimals, prices["USDC"].credits) == (6, 1_000_000)
        assert prices["ALEPH"].credits == 120_000 and prices["ALEPH"].bonus_credits == 20_000

        forward = await api.token_to_credit("aleph", 10**18)
        assert (forward.token, forward.credits, forward.bonus_credits) == ("ALEPH", 120_000, 20_000)
        assert forward.bonus_ratio == Decimal("0.2") and forward.total_usd == Decimal("0.1")
        back = await api.credit_to_token("ALEPH", 120_000)
        assert back.token_units == 10**18 and back.credits == 120_000 and back.total_usd is None

        nobody = "0x" + "5a" * 20
        assert await api.payments(nobody) == []
        assert await api.payment_for_tx(nobody, "0x" + "00" * 32) is None

        with pytest.raises(CreditApiError, match="unsupported token 'BTC'"):
            await api.token_to_credit("btc", 1)
    finally:
        await api.aclose()
