"""Buys decided by the node's word and the chain's rules (issue 13), never by a guess.

- Credits arrived when the node's credit history shows the distribution carrying the
  payment's tx hash, whatever the Credit API says or doesn't (``records_none_devnet``
  keeps no Credit API record of direct payments; ``accept_202`` on ``fault_devnet``
  holds the distribution, and the Credit API then marks the payment FAILED although the
  credits come later).
- A status a service can still change is not final: at the deadline the buy stays open
  with what is known ("paid in block N; no credits seen yet"), and is completed later.
- A Credit API estimate with a fraction is read as a number; a payment record past the
  first page is found.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from aleph_tui.core.accounts.signer import Signer
from aleph_tui.core.aleph.api_client import AlephApi
from aleph_tui.core.aleph.credit_api_client import CreditApi, credit_count, estimate_from_json
from aleph_tui.core.chain.gateway import ChainGateway
from aleph_tui.core.flows.buying import Buyer, BuyProgress
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.core.networks import Network, devnet_from_document
from tests.support import faults
from tests.support.credit_helpers import credits, wait_until
from tests.support.devnet_process import RunningDevnet
from tests.support.wallet_client import poll

HELD_BUYER = 8  # on fault_devnet: no other test there buys with it
NONE_BUYER = 2


@pytest.fixture
def held_net(fault_devnet: RunningDevnet) -> Iterator[RunningDevnet]:
    faults.clear(fault_devnet.api_url)
    yield fault_devnet
    faults.clear(fault_devnet.api_url)


class Clients:
    def __init__(self, network: Network) -> None:
        self.gateway = ChainGateway(network)
        self.api = AlephApi(network.api_url)
        self.credit_api = CreditApi(str(network.credit_api_url))

    def buyer(self, network: Network, journal: Journal, **timeouts: float) -> Buyer:
        return Buyer(network, self.gateway, self.api, self.credit_api, journal, **timeouts)

    async def aclose(self) -> None:
        await self.gateway.aclose()
        await self.api.aclose()
        await self.credit_api.aclose()


@pytest.fixture
async def held_clients(held_net: RunningDevnet) -> AsyncIterator[Clients]:
    clients = Clients(devnet_from_document(held_net.document))
    yield clients
    await clients.aclose()


async def test_a_buy_completes_from_the_node_when_the_credit_api_has_no_record(
    records_none_devnet: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    network = devnet_from_document(records_none_devnet.document)
    buyer = accounts[NONE_BUYER]
    before = credits(records_none_devnet.api_url, buyer.address)
    clients = Clients(network)
    journal = Journal(tmp_path / "journal.jsonl")
    try:
        buying = clients.buyer(network, journal)
        quote = await buying.quote("USDC", "1.5", buyer.address)
        events: list[BuyProgress] = []
        result = await buying.execute(quote, Signer(buyer.private_key), progress=events.append)
        record = await clients.credit_api.payment_for_tx(buyer.address, result.tx_hash)
    finally:
        await clients.aclose()
    assert record is None  # the Credit API never saw this direct payment
    assert [e.step for e in events] == ["signed", "sent", "confirmed", "credits_received"]
    assert (result.status, result.credits_received) == ("completed", 1_500_000)
    assert credits(records_none_devnet.api_url, buyer.address) == before + 1_500_000
    (op,) = journal.operations()
    assert (op.status, op.details["credits_received"]) == ("completed", 1_500_000)


async def test_a_failed_credit_api_status_is_not_final_and_the_deadline_keeps_it_open(
    held_net: RunningDevnet, held_clients: Clients, accounts: list[Any], tmp_path: Path
) -> None:
    """The node holds the credit service's distribution (202), so the Credit API marks
    the payment FAILED. The buy is not closed as failed: at its deadline it stays open,
    saying what is known; once the node processes the distribution, resuming it reports
    the credits."""
    network = devnet_from_document(held_net.document)
    buyer = accounts[HELD_BUYER]
    before = credits(held_net.api_url, buyer.address)
    journal = Journal(tmp_path / "journal.jsonl")
    held = faults.inject(held_net.api_url, "accept_202", target="ccn")
    buying = held_clients.buyer(network, journal, credits_timeout=1.0)
    quote = await buying.quote("USDC", "1.25", buyer.address)

    first = await buying.execute(quote, Signer(buyer.private_key))
    assert first.status == "pending", first
    tx_hash = first.tx_hash

    async def failed_record() -> str | None:
        payment = await held_clients.credit_api.payment_for_tx(buyer.address, tx_hash)
        return None if payment is None or payment.status != "FAILED" else payment.status

    # The record may turn FAILED just after that deadline: wait for it, follow again.
    await poll(failed_record, "the Credit API to mark the payment FAILED", within=30)
    result = await buying.resume(journal.open_operations("devnet")[0])

    assert result.status == "pending", result
    (op,) = journal.open_operations("devnet")
    block = op.details["block_number"]
    assert result.error == (
        f"paid in block {block}; no credits seen yet on the node; the Credit API marks it "
        "FAILED (not final: credits may still come); it stays open and will be followed "
        "(`aleph-tui pending`, or the dashboard's next start)"
    )
    assert op.status == "confirmed" and op.details["waiting"] == result.error
    assert credits(held_net.api_url, buyer.address) == before

    faults.remove(held_net.api_url, held)  # the node processes what it held
    wait_until(
        lambda: credits(held_net.api_url, buyer.address) == before + 1_250_000,
        timeout=30,
        what="the held distribution to be processed",
    )
    resumed = await held_clients.buyer(network, journal).resume_open()
    assert [(r.status, r.tx_hash, r.credits_received) for r in resumed] == [
        ("completed", tx_hash, 1_250_000)
    ]
    assert journal.open_operations() == []


def test_a_fractional_credit_estimate_is_read_as_a_number() -> None:
    """``creditAmount`` 1200000.5 (a JSON number, as official clients read it) is
    1 200 000 whole credits, rounded down as the node mints; it no longer blocks a buy
    with "cannot estimate"."""
    answer = json.loads(
        '{"tokenAmount": "10000000000000000000", "tokenSymbol": "ALEPH",'
        ' "creditAmount": 1200000.5, "creditBonusAmount": 200000.25,'
        ' "price": "0.1", "bonusRatio": "0.2", "totalPrice": "1.0000004",'
        ' "timestamp": 1767225600000}'
    )
    estimate = estimate_from_json(answer)
    assert (estimate.credits, estimate.bonus_credits) == (1_200_000, 200_000)
    assert estimate.total_usd == Decimal("1.0000004")
    assert credit_count("1200000.99") == 1_200_000
    assert credit_count(7) == 7
    for bad in ("NaN", "-1", "Infinity", "1e", True):
        with pytest.raises(ValueError, match="not a"):
            credit_count(bad)


async def test_a_payment_record_past_the_first_page_is_found(devnet: RunningDevnet) -> None:
    api = CreditApi(devnet.credit_api_url)
    try:
        address = devnet.document["accounts"][0]["address"]
        rows, total = await api.payment_page(1, 100, address=address)
        assert total is not None and total >= 2 and len(rows) == total
        oldest = rows[-1]  # the devnet lists newest first: with one row a page, the last
        found = await api.payment_for_tx(address, oldest["tx_hash"].upper(), per_page=1)
        assert found is not None and found.id == oldest["id"]
        assert await api.payment_for_tx(address, "0x" + "ab" * 32, per_page=1) is None
    finally:
        await api.aclose()
