"""The chain gateway against both chain engines: balances, fees, the transaction cycle
and the safety checks that run before anything is signed.

Dev accounts 5–7 only, and no payment to the credit contract, so the credit balances
other tests watch never move because of these.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from eth_account import Account

from aleph_tui.core.accounts.signer import Signer
from aleph_tui.core.chain.gateway import ChainError, ChainGateway, ReceiptTimeout
from aleph_tui.core.networks import MAINNET_CHAIN_IDS, Network, devnet_from_document
from aleph_tui.devnet.chain.engine import ChainKind, start_chain
from tests.conftest import CHAIN_ENGINES, require_anvil
from tests.support.devnet_process import RunningDevnet
from tests.support.wallet_client import rpc, token_balance


@pytest.fixture
async def gateway(chain_devnet: RunningDevnet) -> AsyncIterator[ChainGateway]:
    gw = ChainGateway(devnet_from_document(chain_devnet.document))
    yield gw
    await gw.aclose()


def _stranger() -> tuple[str, Signer]:
    """A fresh key that holds nothing."""
    account = Account.create()
    return str(account.address), Signer(bytes(account.key))


async def _pending_nonce(client: httpx.AsyncClient, rpc_url: str, address: str) -> int:
    return int(await rpc(client, rpc_url, "eth_getTransactionCount", address, "pending"), 16)


async def test_wallet_balances_match_the_chain(
    gateway: ChainGateway, chain_devnet: RunningDevnet, accounts: list[Any]
) -> None:
    address = accounts[5].address
    document = chain_devnet.document
    balances = await gateway.wallet_balances(address)
    async with httpx.AsyncClient(timeout=10) as client:
        wei = int(await rpc(client, chain_devnet.rpc_url, "eth_getBalance", address, "latest"), 16)
        aleph = await token_balance(client, chain_devnet.rpc_url, document["aleph_token"], address)
        usdc = await token_balance(client, chain_devnet.rpc_url, document["usdc_token"], address)
    assert balances.address == address
    assert balances.eth == Decimal(wei).scaleb(-18)
    assert balances.aleph == Decimal(aleph).scaleb(-18)
    assert balances.usdc == Decimal(usdc).scaleb(-6)
    assert balances.usdc is not None and balances.usdc > 0

    nobody, _ = _stranger()
    empty = await gateway.wallet_balances(nobody)
    assert (empty.eth, empty.aleph, empty.usdc) == (Decimal(0), Decimal(0), Decimal(0))


async def test_token_decimals_are_read_on_chain(
    gateway: ChainGateway, chain_devnet: RunningDevnet
) -> None:
    document = chain_devnet.document
    assert await gateway.token_decimals(document["aleph_token"]) == 18
    assert await gateway.token_decimals(document["usdc_token"]) == 6


async def test_eip1559_fees(gateway: ChainGateway, chain_devnet: RunningDevnet) -> None:
    # The devnet's credit service mines processing runs in the background, so compare
    # only readings taken while the head did not move.
    url = chain_devnet.rpc_url
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(20):
            before = await rpc(client, url, "eth_getBlockByNumber", "latest", False)
            fees = await gateway.fees()
            tip = int(await rpc(client, url, "eth_maxPriorityFeePerGas"), 16)
            after = await rpc(client, url, "eth_getBlockByNumber", "latest", False)
            if before["hash"] == after["hash"]:
                break
        else:
            raise AssertionError("the chain head moved during every reading")
    assert fees.base_fee == int(before["baseFeePerGas"], 16)
    assert fees.max_priority_fee == tip
    assert fees.max_fee == 2 * fees.base_fee + tip


async def test_build_is_explicit_and_dry_run_hash_is_the_sent_hash(
    gateway: ChainGateway, chain_devnet: RunningDevnet, accounts: list[Any]
) -> None:
    buyer = accounts[6]
    signer = Signer(buyer.private_key)
    usdc = chain_devnet.document["usdc_token"]
    recipient, _ = _stranger()
    async with httpx.AsyncClient(timeout=10) as client:
        nonce = await _pending_nonce(client, chain_devnet.rpc_url, buyer.address)
        plan = await gateway.build_token_transfer(buyer.address, usdc, recipient, 10**6)
        assert plan.chain_id == chain_devnet.document["chain_id"]
        assert plan.nonce == nonce
        tx = plan.as_transaction()
        assert tx["type"] == 2 and tx["chainId"] == plan.chain_id
        assert tx["to"] == usdc and tx["value"] == 0
        estimate = int(
            await rpc(client, chain_devnet.rpc_url, "eth_estimateGas", plan.as_call()), 16
        )
        assert plan.gas == max(round(estimate * Decimal("1.2")), estimate + 20_000)
        assert plan.max_network_fee == plan.gas * plan.max_fee_per_gas

        dry_hash = await gateway.dry_run(plan, signer)
        assert not await gateway.is_known(dry_hash)
        assert await _pending_nonce(client, chain_devnet.rpc_url, buyer.address) == nonce

        signed = await gateway.sign(plan, signer)
        assert signed.tx_hash == dry_hash
        assert await gateway.send(signed) == dry_hash
        receipt = await gateway.wait_for_receipt(dry_hash, within=30)
        assert receipt.succeeded and receipt.tx_hash == dry_hash
        assert await token_balance(client, chain_devnet.rpc_url, usdc, recipient) == 10**6

        with pytest.raises(ChainError, match="nonce too low"):
            await gateway.send(await gateway.sign(plan, signer))  # the same nonce again


async def test_revert_reason_is_reported(
    gateway: ChainGateway, chain_devnet: RunningDevnet
) -> None:
    poor, _ = _stranger()
    with pytest.raises(ChainError) as caught:
        await gateway.build_token_transfer(
            poor, chain_devnet.document["usdc_token"], chain_devnet.document["credit_contract"], 1
        )
    assert str(caught.value) == "the transaction would revert: ERC20: insufficient balance"


async def test_insufficient_funds_is_reported(
    gateway: ChainGateway, chain_devnet: RunningDevnet
) -> None:
    poor, _ = _stranger()
    recipient, _ = _stranger()
    with pytest.raises(ChainError, match=r"^insufficient funds: .*ETH"):
        await gateway.build(poor, recipient, value=10**18)


async def test_wrong_chain_id_is_refused_before_signing(
    chain_devnet: RunningDevnet, accounts: list[Any]
) -> None:
    """A network that claims chain id 1 but whose RPC is the devnet's (31337)."""
    document = chain_devnet.document
    liar = Network(
        "mainnet",
        document["api_url"],
        rpc_url=chain_devnet.rpc_url,
        chain_id=1,
        usdc_token=document["usdc_token"],
    )
    gateway = ChainGateway(liar)
    sender = accounts[7]
    recipient, _ = _stranger()
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            nonce = await _pending_nonce(client, chain_devnet.rpc_url, sender.address)
            # Reading and building are fine; signing is not, with any key.
            address, own = _stranger()
            attempts = [
                (
                    Signer(sender.private_key),
                    await gateway.build(sender.address, recipient, value=1),
                ),
                (own, await gateway.build(address, recipient)),
            ]
            for signer, plan in attempts:
                with pytest.raises(ChainError, match=r"chain id 31337.*chain id 1; refusing"):
                    await gateway.dry_run(plan, signer)
                with pytest.raises(ChainError, match=r"chain id 31337.*chain id 1; refusing"):
                    await gateway.sign(plan, signer)
            assert await _pending_nonce(client, chain_devnet.rpc_url, sender.address) == nonce
    finally:
        await gateway.aclose()


@pytest.mark.parametrize("chain_id", sorted(MAINNET_CHAIN_IDS))
@pytest.mark.parametrize("engine", CHAIN_ENGINES)
async def test_dev_keys_are_refused_on_mainnet_chain_ids(
    engine: ChainKind, chain_id: int, accounts: list[Any]
) -> None:
    if engine == "anvil":
        require_anvil()
    chain = await start_chain(engine, chain_id=chain_id)
    network = Network("real", "http://127.0.0.1:9", rpc_url=chain.rpc_url, chain_id=chain_id)
    gateway = ChainGateway(network)
    recipient, _ = _stranger()
    try:
        dev = accounts[0]
        plan = await gateway.build(dev.address, recipient, value=1)
        with pytest.raises(ChainError, match="public test key"):
            await gateway.sign(plan, Signer(dev.private_key))
        with pytest.raises(ChainError, match="public test key"):
            await gateway.dry_run(plan, Signer(dev.private_key))
        # The same network signs for a key of one's own.
        address, own = _stranger()
        assert (await gateway.dry_run(await gateway.build(address, recipient), own)).startswith(
            "0x"
        )
    finally:
        await gateway.aclose()
        await chain.stop()


async def test_receipt_wait_times_out(gateway: ChainGateway) -> None:
    with pytest.raises(ReceiptTimeout, match=r"no receipt for transaction 0x(ab)+ within 0.3 s"):
        await gateway.wait_for_receipt("0x" + "ab" * 32, within=0.3)
    assert await gateway.receipt("0x" + "ab" * 32) is None
    assert not await gateway.is_known("0x" + "ab" * 32)


async def test_unreachable_rpc_is_reported() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the test connects
    url = f"http://127.0.0.1:{port}"
    gateway = ChainGateway(Network("gone", "http://127.0.0.1:9", rpc_url=url))
    try:
        with pytest.raises(ChainError, match=f"^cannot reach the RPC node at {url}"):
            await gateway.chain_id()
    finally:
        await gateway.aclose()


def test_a_network_without_rpc_is_refused() -> None:
    with pytest.raises(ChainError, match="no RPC URL"):
        ChainGateway(Network("bare", "http://127.0.0.1:9"))
