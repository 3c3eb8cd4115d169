"""Both chain engines (anvil and the embedded py-evm chain) behind one JSON-RPC URL.

Every test runs on both engines through ``AsyncWeb3(AsyncHTTPProvider(url))``, so the
devnet's clients see the same behaviour whichever engine is running.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress, HexStr
from hexbytes import HexBytes
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.contract import AsyncContract
from web3.exceptions import BlockNotFound, ContractLogicError, Web3RPCError
from web3.types import FilterParams, RPCEndpoint, TxParams, TxReceipt

from aleph_tui.devnet.chain import (
    ChainEngine,
    ChainKind,
    ChainUnavailable,
    DevAccount,
    dev_accounts,
    start_chain,
)
from aleph_tui.devnet.contracts import TRANSFER_TOPIC, load_artifact
from tests.conftest import require_anvil

ENGINES = ("embedded", "anvil")
CHAIN_ID = 31337
GWEI = 10**9
TOKEN_UNIT = 10**6
SUPPLY = 1_000_000 * TOKEN_UNIT
# The first contract account #0 deploys (nonce 0): the same on every fresh chain.
FIRST_CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def require_engine(kind: str) -> None:
    if kind == "anvil":
        require_anvil()


def web3_for(engine: ChainEngine) -> AsyncWeb3[AsyncHTTPProvider]:
    timeout = aiohttp.ClientTimeout(total=10)
    return AsyncWeb3(AsyncHTTPProvider(engine.rpc_url, request_kwargs={"timeout": timeout}))


@pytest.fixture(params=ENGINES)
async def engine(request: pytest.FixtureRequest) -> AsyncIterator[ChainEngine]:
    kind = str(request.param)
    require_engine(kind)
    running = await start_chain(cast(ChainKind, kind))
    yield running
    await running.stop()


@pytest.fixture
async def w3(engine: ChainEngine) -> AsyncIterator[AsyncWeb3[AsyncHTTPProvider]]:
    client = web3_for(engine)
    yield client
    await client.provider.disconnect()


@pytest.fixture
def deployer() -> LocalAccount:
    account: LocalAccount = Account.from_key(dev_accounts()[0].private_key)
    return account


@pytest.fixture
def other() -> LocalAccount:
    account: LocalAccount = Account.from_key(dev_accounts()[1].private_key)
    return account


async def fees(w3: AsyncWeb3[Any]) -> dict[str, int]:
    base = (await w3.eth.get_block("latest"))["baseFeePerGas"]
    return {"maxPriorityFeePerGas": GWEI, "maxFeePerGas": 2 * base + GWEI}


async def send(w3: AsyncWeb3[Any], account: LocalAccount, tx: dict[str, Any]) -> TxReceipt:
    """Sign locally (EIP-1559), send raw, wait for the receipt."""
    full: dict[str, Any] = {
        "chainId": CHAIN_ID,
        "type": 2,
        "nonce": await w3.eth.get_transaction_count(account.address, "pending"),
        "value": 0,
        **await fees(w3),
        **tx,
    }
    if "gas" not in full:
        full["gas"] = await w3.eth.estimate_gas(cast(TxParams, full | {"from": account.address}))
    signed = account.sign_transaction(full)
    tx_hash = await w3.eth.send_raw_transaction(signed.raw_transaction)
    return await w3.eth.wait_for_transaction_receipt(tx_hash, timeout=10, poll_latency=0.02)


async def send_call(
    w3: AsyncWeb3[Any], account: LocalAccount, call: Any, **fields: Any
) -> TxReceipt:
    """Send a contract function/constructor call as a locally signed transaction."""
    nonce = await w3.eth.get_transaction_count(account.address, "pending")
    tx = await call.build_transaction({"from": account.address, "nonce": nonce, **fields})
    return await send(w3, account, {k: v for k, v in tx.items() if k != "from"})


async def deploy_token(w3: AsyncWeb3[Any], account: LocalAccount) -> AsyncContract:
    artifact = load_artifact("TestToken")
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = await send_call(w3, account, factory.constructor("Test", "TST", 6, SUPPLY))
    assert receipt["status"] == 1
    address = receipt["contractAddress"]
    assert address is not None
    return w3.eth.contract(address=address, abi=artifact.abi)


def checksum(address: str) -> ChecksumAddress:
    return AsyncWeb3.to_checksum_address(address)


def topic_for(address: str) -> str:
    return "0x" + "00" * 12 + address[2:].lower()


async def test_chain_id_and_engine_name(engine: ChainEngine, w3: AsyncWeb3[Any]) -> None:
    assert engine.name in ENGINES
    assert engine.rpc_url.startswith("http://127.0.0.1:")
    assert engine.chain_id == CHAIN_ID
    assert await w3.eth.chain_id == CHAIN_ID
    assert await w3.net.version == str(CHAIN_ID)


@pytest.mark.parametrize("kind", ENGINES)
async def test_chain_id_and_balance_are_configurable(kind: str) -> None:
    require_engine(kind)
    engine = await start_chain(cast(ChainKind, kind), chain_id=8453, balance_eth=3)
    w3 = web3_for(engine)
    try:
        assert engine.chain_id == 8453
        assert await w3.eth.chain_id == 8453
        assert await w3.eth.get_balance(checksum(dev_accounts()[0].address)) == 3 * 10**18
    finally:
        await w3.provider.disconnect()
        await engine.stop()


async def test_chain_id_opcode(w3: AsyncWeb3[Any]) -> None:
    # eth_call of creation code CHAINID PUSH0 MSTORE PUSH1 32 PUSH0 RETURN returns the id.
    output = await w3.eth.call({"data": HexStr("0x465f5260205ff3")})
    assert int.from_bytes(output, "big") == CHAIN_ID


async def test_dev_accounts_are_funded(w3: AsyncWeb3[Any]) -> None:
    accounts = dev_accounts()
    assert accounts[0].address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert list(await w3.eth.accounts) == [a.address for a in accounts]
    for account in (accounts[0], accounts[9]):
        assert await w3.eth.get_balance(checksum(account.address)) == AsyncWeb3.to_wei(
            10000, "ether"
        )


async def test_eip1559_transfer(w3: AsyncWeb3[Any], deployer: LocalAccount) -> None:
    recipient = Account.create().address
    value = AsyncWeb3.to_wei(Decimal("1.5"), "ether")
    before = await w3.eth.get_balance(deployer.address)
    receipt = await send(w3, deployer, {"to": recipient, "value": value})
    assert receipt["status"] == 1
    assert receipt["type"] == 2
    assert receipt["gasUsed"] == 21000
    assert await w3.eth.get_balance(recipient) == value
    paid = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert await w3.eth.get_balance(deployer.address) == before - value - paid
    tx = await w3.eth.get_transaction(receipt["transactionHash"])
    assert (tx["from"], tx["to"], tx["value"], tx["chainId"]) == (
        deployer.address,
        recipient,
        value,
        CHAIN_ID,
    )
    block = await w3.eth.get_block(receipt["blockNumber"])
    assert block["baseFeePerGas"] > 0
    assert receipt["transactionHash"] in block["transactions"]
    assert await w3.eth.get_transaction_count(deployer.address, "pending") == 1


async def test_deploy_and_call(w3: AsyncWeb3[Any], deployer: LocalAccount) -> None:
    token = await deploy_token(w3, deployer)
    assert token.address == FIRST_CONTRACT
    assert len(await w3.eth.get_code(token.address)) > 100
    assert await token.functions.name().call() == "Test"
    assert await token.functions.decimals().call() == 6
    assert await token.functions.balanceOf(deployer.address).call() == SUPPLY
    # slots: name 0, symbol 1, totalSupply 2 (decimals is immutable)
    supply_slot = await w3.eth.get_storage_at(token.address, 2)
    assert int.from_bytes(supply_slot, "big") == SUPPLY

    recipient = Account.create().address
    receipt = await send_call(w3, deployer, token.functions.transfer(recipient, 5 * TOKEN_UNIT))
    assert receipt["status"] == 1
    (event,) = token.events.Transfer().process_receipt(receipt)
    assert event["args"] == {"from": deployer.address, "to": recipient, "value": 5 * TOKEN_UNIT}
    assert await token.functions.balanceOf(recipient).call() == 5 * TOKEN_UNIT


async def test_revert_is_contract_logic_error(
    w3: AsyncWeb3[Any], deployer: LocalAccount, other: LocalAccount
) -> None:
    token = await deploy_token(w3, deployer)
    overdraft = token.functions.transfer(deployer.address, 1)  # `other` holds no tokens
    with pytest.raises(ContractLogicError, match="ERC20: insufficient balance") as call_error:
        await overdraft.call({"from": other.address})
    assert call_error.value.message == "execution reverted: ERC20: insufficient balance"
    with pytest.raises(ContractLogicError, match="ERC20: insufficient balance"):
        await overdraft.estimate_gas({"from": other.address})

    # Mined anyway (gas given, so nothing estimates first): status 0, no logs.
    receipt = await send_call(w3, other, overdraft, gas=100_000)
    assert receipt["status"] == 0
    assert receipt["logs"] == []
    assert await w3.eth.get_transaction_count(other.address) == 1


async def test_get_logs_filtering(
    w3: AsyncWeb3[Any], deployer: LocalAccount, other: LocalAccount
) -> None:
    token = await deploy_token(w3, deployer)  # log 1: mint to deployer
    carol = Account.create().address
    r1 = await send_call(w3, deployer, token.functions.transfer(other.address, 100))  # log 2
    r2 = await send_call(w3, other, token.functions.transfer(carol, 40))  # log 3
    first_block = r1["blockNumber"] - 1

    async def logs(**criteria: Any) -> list[tuple[str, int]]:
        found = await w3.eth.get_logs(cast(FilterParams, {"fromBlock": first_block, **criteria}))
        return [(log["transactionHash"].to_0x_hex(), log["blockNumber"]) for log in found]

    everything = await logs(address=token.address)
    assert len(everything) == 3
    assert await logs(address=[token.address, carol]) == everything
    assert await logs(address=carol) == []
    by_deployer = await logs(topics=[TRANSFER_TOPIC, topic_for(deployer.address)])
    assert by_deployer == [(r1["transactionHash"].to_0x_hex(), r1["blockNumber"])]
    to_carol = await logs(address=token.address, topics=[None, None, topic_for(carol)])
    assert to_carol == [(r2["transactionHash"].to_0x_hex(), r2["blockNumber"])]
    either = await logs(
        topics=[TRANSFER_TOPIC, [topic_for(deployer.address), topic_for(other.address)]]
    )
    assert len(either) == 2
    assert await logs(toBlock=r1["blockNumber"], address=token.address) == everything[:2]
    one_block = await w3.eth.get_logs({"fromBlock": r2["blockNumber"], "toBlock": "latest"})
    assert len(one_block) == 1
    assert one_block[0]["logIndex"] == 0
    assert one_block[0]["data"] == (40).to_bytes(32, "big")


async def test_wrong_chain_id_is_refused(w3: AsyncWeb3[Any], deployer: LocalAccount) -> None:
    tx = {
        "chainId": 1,
        "type": 2,
        "nonce": 0,
        "gas": 21000,
        "to": Account.create().address,
        "value": 1,
        **await fees(w3),
    }
    signed = deployer.sign_transaction(tx)
    with pytest.raises(Web3RPCError, match="chain id") as refused:
        await w3.eth.send_raw_transaction(signed.raw_transaction)
    assert refused.value.rpc_response is not None
    assert refused.value.rpc_response["error"]["code"] == -32003
    assert await w3.eth.get_transaction_count(deployer.address) == 0


async def test_nonce_too_low_and_insufficient_funds(
    w3: AsyncWeb3[Any], deployer: LocalAccount
) -> None:
    await send(w3, deployer, {"to": Account.create().address, "value": 1})
    stale = deployer.sign_transaction(
        {
            "chainId": CHAIN_ID,
            "type": 2,
            "nonce": 0,
            "gas": 21000,
            "to": deployer.address,
            **await fees(w3),
        }
    )
    with pytest.raises(Web3RPCError, match="nonce too low"):
        await w3.eth.send_raw_transaction(stale.raw_transaction)
    pauper = Account.create()
    broke = pauper.sign_transaction(
        {
            "chainId": CHAIN_ID,
            "type": 2,
            "nonce": 0,
            "gas": 21000,
            "to": deployer.address,
            **await fees(w3),
        }
    )
    with pytest.raises(Web3RPCError, match=r"(?i)insufficient funds"):
        await w3.eth.send_raw_transaction(broke.raw_transaction)


async def test_set_balance_snapshot_and_revert(w3: AsyncWeb3[Any]) -> None:
    async def rpc(method: str, *params: Any) -> Any:
        return (await w3.provider.make_request(RPCEndpoint(method), params))["result"]

    someone = Account.create().address
    snapshot = await rpc("evm_snapshot")
    assert await rpc("anvil_setBalance", someone, hex(5 * 10**18)) is None
    assert await w3.eth.get_balance(someone) == 5 * 10**18
    await rpc("hardhat_setBalance", someone, "0x7")
    assert await w3.eth.get_balance(someone) == 7
    assert await rpc("evm_revert", snapshot) is True
    assert await w3.eth.get_balance(someone) == 0


async def test_fee_endpoints(w3: AsyncWeb3[Any], deployer: LocalAccount) -> None:
    await send(w3, deployer, {"to": Account.create().address, "value": 1})
    latest = await w3.eth.get_block("latest")
    assert await w3.eth.max_priority_fee == GWEI
    assert await w3.eth.gas_price >= latest["baseFeePerGas"]
    history = await w3.eth.fee_history(2, "latest", [50.0])
    assert history["oldestBlock"] == latest["number"] - 1
    assert history["baseFeePerGas"][1] == latest["baseFeePerGas"]
    assert len(history["baseFeePerGas"]) == 3  # the last one is the next block's
    assert history["reward"][1] == [GWEI]
    assert 0 < history["gasUsedRatio"][1] < 1
    by_hash = await w3.eth.get_block(latest["hash"], full_transactions=True)
    first = by_hash["transactions"][0]
    assert not isinstance(first, HexBytes)  # full_transactions: the transaction, not its hash
    assert first["type"] == 2
    with pytest.raises(BlockNotFound):
        await w3.eth.get_block(HexStr("0x" + "11" * 32))


async def test_unknown_method_and_batch(engine: ChainEngine) -> None:
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": 2, "method": "no_suchMethod", "params": []},
    ]
    async with aiohttp.ClientSession() as session:
        async with session.post(engine.rpc_url, json=batch[1]) as response:
            single = await response.json()
        async with session.post(engine.rpc_url, json=batch) as response:
            answers = await response.json()
    assert single["id"] == 2
    assert single["error"]["code"] == -32601
    assert {a["id"]: a.get("result", a.get("error")) for a in answers} == {
        1: hex(CHAIN_ID),
        2: {"code": -32601, "message": "Method not found"},
    }


@pytest.mark.parametrize("kind", ENGINES)
async def test_restart_with_state_dir_keeps_the_chain(kind: str, tmp_path: Path) -> None:
    require_engine(kind)
    sender = Account.from_key(dev_accounts()[2].private_key)
    recipient = Account.create().address
    value = AsyncWeb3.to_wei(Decimal("0.25"), "ether")

    engine = await start_chain(cast(ChainKind, kind), state_dir=tmp_path)
    w3 = web3_for(engine)
    try:
        receipt = await send(w3, sender, {"to": recipient, "value": value})
        token = await deploy_token(w3, sender)
        height = await w3.eth.block_number
        sender_balance = await w3.eth.get_balance(sender.address)
    finally:
        await w3.provider.disconnect()
        await engine.stop()

    engine = await start_chain(cast(ChainKind, kind), state_dir=tmp_path)
    w3 = web3_for(engine)
    try:
        assert await w3.eth.get_balance(recipient) == value
        assert await w3.eth.get_balance(sender.address) == sender_balance
        assert await w3.eth.get_transaction_count(sender.address) == 2
        assert await w3.eth.block_number == height
        restored = w3.eth.contract(address=token.address, abi=token.abi)
        assert await restored.functions.balanceOf(sender.address).call() == SUPPLY
        # The chain goes on from where it was.
        again = await send(w3, sender, {"to": recipient, "value": value})
        assert again["blockNumber"] == height + 1
        assert await w3.eth.get_balance(recipient) == 2 * value
        if kind == "embedded":
            old = await w3.eth.get_transaction_receipt(receipt["transactionHash"])
            assert old["blockHash"] == receipt["blockHash"]  # replay re-mines identically
    finally:
        await w3.provider.disconnect()
        await engine.stop()


async def test_dev_account_repr_hides_the_key() -> None:
    account: DevAccount = dev_accounts(1)[0]
    assert account.private_key[2:] not in repr(account)
    assert len(account.private_key) == 66


async def test_anvil_that_cannot_start_is_reported() -> None:
    require_engine("anvil")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ChainUnavailable, match=r"stderr: .*(?i:address already in use)"):
            await start_chain("anvil", port=port)
