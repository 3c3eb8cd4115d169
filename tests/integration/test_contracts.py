"""The devnet contracts, deployed on an in-process eth-tester chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from eth_tester.exceptions import TransactionFailed
from web3 import EthereumTesterProvider, Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from aleph_tui.devnet.contracts import (
    TOKEN_PAYMENTS_PROCESSED_TOPIC,
    TRANSFER_TOPIC,
    load_artifact,
)

REVERTED = (TransactionFailed, ContractLogicError)
ZERO = "0x0000000000000000000000000000000000000000"
BURN = "0x000000000000000000000000000000000000dEaD"
POOL = Web3.to_checksum_address("0x0000000000000000000000000000000000005000")
ALEPH_UNIT = 10**18
USDC_UNIT = 10**6
# Rates as ALEPH base units per token base unit, with ALEPH at $0.10 and ETH at $3000.
USDC_RATE = (10**13, 1)  # 1 USDC -> 10 ALEPH
ETH_RATE = (30_000, 1)  # 1 ETH -> 30,000 ALEPH
RESERVE = 10_000_000 * ALEPH_UNIT


@dataclass
class Chain:
    w3: Web3
    admin: str
    user: str
    distribution: str
    developers: str
    aleph: Contract
    usdc: Contract
    processor: Contract
    deploy_gas: dict[str, int]


def _deploy(w3: Web3, name: str, *args: Any) -> tuple[Contract, int]:
    art = load_artifact(name)
    factory = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact())
    assert receipt["status"] == 1
    contract = w3.eth.contract(address=receipt["contractAddress"], abi=art.abi)
    assert isinstance(contract, Contract)
    return contract, receipt["gasUsed"]


def _send(fn: Any, sender: str, value: int = 0) -> Any:
    tx_hash = fn.transact({"from": sender, "value": value})
    receipt = fn.w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    return receipt


@pytest.fixture
def chain() -> Chain:
    w3 = Web3(EthereumTesterProvider())
    admin, user, distribution, developers = list(w3.eth.accounts)[:4]
    w3.eth.default_account = admin
    aleph, g1 = _deploy(w3, "TestToken", "Aleph", "ALEPH", 18, 500_000_000 * ALEPH_UNIT)
    usdc, g2 = _deploy(w3, "TestToken", "USD Coin", "USDC", 6, 1_000_000_000 * USDC_UNIT)
    processor, g3 = _deploy(w3, "AlephPaymentProcessor", aleph.address, distribution, developers)
    # Fund the ALEPH reserve with a plain ERC-20 transfer, give the user some tokens.
    _send(aleph.functions.transfer(processor.address, RESERVE), admin)
    _send(aleph.functions.transfer(user, 1_000 * ALEPH_UNIT), admin)
    _send(usdc.functions.transfer(user, 1_000 * USDC_UNIT), admin)
    _send(processor.functions.setTokenConfig(usdc.address, *USDC_RATE, True), admin)
    _send(processor.functions.setTokenConfig(ZERO, *ETH_RATE, False), admin)
    return Chain(
        w3,
        admin,
        user,
        distribution,
        developers,
        aleph,
        usdc,
        processor,
        {"TestToken(ALEPH)": g1, "TestToken(USDC)": g2, "AlephPaymentProcessor": g3},
    )


def _processed(c: Chain, receipt: Any) -> dict[str, Any]:
    """The single TokenPaymentsProcessed event of ``receipt``, with its raw topic checked."""
    logs = [
        log
        for log in receipt["logs"]
        if log["address"] == c.processor.address
        and log["topics"][0].to_0x_hex() == TOKEN_PAYMENTS_PROCESSED_TOPIC
    ]
    assert len(logs) == 1
    (event,) = c.processor.events.TokenPaymentsProcessed().process_receipt(receipt, errors=DISCARD)
    assert event["args"]["sender"] == c.admin
    return dict(event["args"])


def _aleph_balances(c: Chain) -> tuple[int, int, int]:
    bal = c.aleph.functions.balanceOf
    return (
        bal(c.distribution).call(),
        bal(c.developers).call(),
        bal(BURN).call(),
    )


# ------------------------------------------------------------------------------- token


def test_token_basics(chain: Chain) -> None:
    c = chain
    assert c.aleph.functions.decimals().call() == 18
    assert c.usdc.functions.decimals().call() == 6
    assert c.usdc.functions.symbol().call() == "USDC"
    assert c.usdc.functions.name().call() == "USD Coin"
    assert c.usdc.functions.totalSupply().call() == 1_000_000_000 * USDC_UNIT

    receipt = _send(c.usdc.functions.transfer(c.distribution, 5 * USDC_UNIT), c.user)
    (ev,) = c.usdc.events.Transfer().process_receipt(receipt, errors=DISCARD)
    assert receipt["logs"][0]["topics"][0].to_0x_hex() == TRANSFER_TOPIC
    assert (ev["args"]["from"], ev["args"]["to"], ev["args"]["value"]) == (
        c.user,
        c.distribution,
        5 * USDC_UNIT,
    )
    assert c.usdc.functions.balanceOf(c.user).call() == 995 * USDC_UNIT

    with pytest.raises(REVERTED, match="ERC20: insufficient balance"):
        c.usdc.functions.transfer(c.admin, 10**30).transact({"from": c.user})
    with pytest.raises(REVERTED, match="ERC20: transfer to zero address"):
        c.usdc.functions.transfer(ZERO, 1).transact({"from": c.user})


def test_token_allowance(chain: Chain) -> None:
    c = chain
    with pytest.raises(REVERTED, match="ERC20: insufficient allowance"):
        c.usdc.functions.transferFrom(c.user, c.admin, 1).transact({"from": c.admin})
    receipt = _send(c.usdc.functions.approve(c.admin, 3 * USDC_UNIT), c.user)
    (ev,) = c.usdc.events.Approval().process_receipt(receipt, errors=DISCARD)
    assert ev["args"]["value"] == 3 * USDC_UNIT
    _send(c.usdc.functions.transferFrom(c.user, c.developers, 2 * USDC_UNIT), c.admin)
    assert c.usdc.functions.allowance(c.user, c.admin).call() == 1 * USDC_UNIT
    assert c.usdc.functions.balanceOf(c.developers).call() == 2 * USDC_UNIT


# ------------------------------------------------------------------------------- processor


def test_eth_payment_emits_transfer(chain: Chain) -> None:
    c = chain
    tx_hash = c.w3.eth.send_transaction(
        {"from": c.user, "to": c.processor.address, "value": Web3.to_wei(1, "ether")}
    )
    receipt = c.w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    (log,) = receipt["logs"]
    assert log["topics"][0].to_0x_hex() == TRANSFER_TOPIC
    (ev,) = c.processor.events.Transfer().process_receipt(receipt, errors=DISCARD)
    assert ev["args"]["from"] == c.user
    assert ev["args"]["to"] == c.processor.address
    assert ev["args"]["value"] == Web3.to_wei(1, "ether")
    assert c.w3.eth.get_balance(c.processor.address) == Web3.to_wei(1, "ether")


def test_process_aleph(chain: Chain) -> None:
    c = chain
    _send(c.processor.functions.setPercentages(10, 5), c.admin)
    paid = 100 * ALEPH_UNIT + 7  # odd amount to exercise rounding
    _send(c.aleph.functions.transfer(c.processor.address, paid), c.user)

    receipt = _send(c.processor.functions.process(c.aleph.address, paid, paid, 0), c.admin)
    ev = _processed(c, receipt)
    assert ev["_token"] == c.aleph.address
    assert ev["amount"] == paid
    assert ev["swapAmount"] == 0
    assert ev["swapVersion"] == 0
    assert ev["isStable"] is False
    assert ev["alephReceived"] == paid
    assert ev["amountToDevelopers"] == paid * 5 // 100
    assert ev["amountBurned"] == paid * 10 // 100
    assert ev["amountBurned"] + ev["amountToDistribution"] + ev["amountToDevelopers"] == paid
    assert _aleph_balances(c) == (
        ev["amountToDistribution"],
        ev["amountToDevelopers"],
        ev["amountBurned"],
    )
    assert c.aleph.functions.balanceOf(c.processor.address).call() == RESERVE

    with pytest.raises(REVERTED, match="amount required for ALEPH"):
        c.processor.functions.process(c.aleph.address, 0, 0, 0).transact({"from": c.admin})


def test_process_usdc_stable(chain: Chain) -> None:
    c = chain
    _send(c.processor.functions.setPercentages(20, 5), c.admin)
    paid = 12_345_678  # 12.345678 USDC
    _send(c.usdc.functions.transfer(c.processor.address, paid), c.user)

    # 0 means "the whole balance", as in the real contract.
    receipt = _send(c.processor.functions.process(c.usdc.address, 0, 1, 60), c.admin)
    ev = _processed(c, receipt)
    to_devs = paid * 5 // 100
    swapped = paid - to_devs
    aleph_out = swapped * USDC_RATE[0] // USDC_RATE[1]
    assert ev["_token"] == c.usdc.address
    assert ev["isStable"] is True
    assert ev["swapVersion"] == 3
    assert ev["amount"] == paid
    assert ev["amountToDevelopers"] == to_devs  # in USDC units
    assert ev["swapAmount"] == swapped
    assert ev["alephReceived"] == aleph_out
    assert ev["amountBurned"] == aleph_out * (paid * 20 // 100) // swapped
    assert ev["amountBurned"] + ev["amountToDistribution"] == aleph_out
    assert ev["amountToDevelopers"] + ev["swapAmount"] == paid

    # Developers got USDC, burn/distribution got ALEPH out of the reserve, USDC went to the pool.
    assert c.usdc.functions.balanceOf(c.developers).call() == to_devs
    assert c.usdc.functions.balanceOf(POOL).call() == swapped
    assert c.usdc.functions.balanceOf(c.processor.address).call() == 0
    assert _aleph_balances(c) == (ev["amountToDistribution"], 0, ev["amountBurned"])
    assert c.aleph.functions.balanceOf(c.processor.address).call() == RESERVE - aleph_out


def test_process_eth(chain: Chain) -> None:
    c = chain
    paid = Web3.to_wei(0.25, "ether")
    c.w3.eth.send_transaction({"from": c.user, "to": c.processor.address, "value": paid})

    aleph_out = paid * ETH_RATE[0] // ETH_RATE[1]
    receipt = _send(c.processor.functions.process(ZERO, paid, aleph_out, 3600), c.admin)
    ev = _processed(c, receipt)
    assert ev["_token"] == ZERO
    assert ev["isStable"] is False
    assert ev["swapVersion"] == 4
    assert ev["amount"] == ev["swapAmount"] == paid
    assert ev["alephReceived"] == aleph_out
    assert ev["amountBurned"] == 0  # default burn percentage
    assert ev["amountToDevelopers"] == aleph_out * 5 // 100  # default developers percentage
    assert ev["amountBurned"] + ev["amountToDistribution"] + ev["amountToDevelopers"] == aleph_out
    assert _aleph_balances(c) == (ev["amountToDistribution"], ev["amountToDevelopers"], 0)
    assert c.w3.eth.get_balance(c.processor.address) == 0
    assert c.w3.eth.get_balance(POOL) == paid


def test_process_guards(chain: Chain) -> None:
    c = chain
    p = c.processor.functions
    _send(c.usdc.functions.transfer(c.processor.address, 10 * USDC_UNIT), c.user)

    with pytest.raises(REVERTED, match="not admin"):
        p.process(c.usdc.address, 0, 1, 0).transact({"from": c.user})
    with pytest.raises(REVERTED, match="not admin"):
        p.setPercentages(0, 0).transact({"from": c.user})
    with pytest.raises(REVERTED, match="insufficient balance"):
        p.process(c.usdc.address, 11 * USDC_UNIT, 1, 0).transact({"from": c.admin})
    with pytest.raises(REVERTED, match="slippage"):
        p.process(c.usdc.address, 10 * USDC_UNIT, 10**30, 0).transact({"from": c.admin})
    with pytest.raises(REVERTED, match="ttl out of range"):
        p.process(c.usdc.address, 0, 1, 3601).transact({"from": c.admin})
    with pytest.raises(REVERTED, match="not configured"):
        p.process(c.processor.address, 0, 1, 0).transact({"from": c.admin})
    with pytest.raises(REVERTED, match="invalid percentages"):
        p.setPercentages(60, 41).transact({"from": c.admin})

    # Admin hand-over.
    _send(p.setAdmin(c.user), c.admin)
    assert p.admin().call() == c.user
    _send(p.process(c.usdc.address, 0, 1, 0), c.user)
    with pytest.raises(REVERTED, match="not admin"):
        p.process(c.usdc.address, 0, 1, 0).transact({"from": c.admin})


def test_views(chain: Chain) -> None:
    p = chain.processor.functions
    assert p.aleph().call() == chain.aleph.address
    assert p.distributionRecipient().call() == chain.distribution
    assert p.developersRecipient().call() == chain.developers
    assert (p.burnPercentage().call(), p.developersPercentage().call()) == (0, 5)
    assert p.isStableToken(chain.usdc.address).call() is True
    assert p.isStableToken(ZERO).call() is False
    assert tuple(p.tokenConfig(ZERO).call()) == (*ETH_RATE, False)


def test_deploy_gas(chain: Chain, capsys: pytest.CaptureFixture[str]) -> None:
    for name, gas in chain.deploy_gas.items():
        assert 0 < gas < 3_000_000, name
    with capsys.disabled():
        print("\ndeploy gas:", chain.deploy_gas)
