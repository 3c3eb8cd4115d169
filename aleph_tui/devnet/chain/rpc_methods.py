"""The JSON-RPC methods of the embedded chain: params in, JSON-ready results out."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from eth_typing import Address
from eth_utils.crypto import keccak

from aleph_tui.devnet.chain import pyevm_calls
from aleph_tui.devnet.chain import rpc_params as parse
from aleph_tui.devnet.chain.pyevm_chain import DevChain
from aleph_tui.devnet.chain.rpc_errors import SERVER_ERROR, InvalidParams, MethodNotFound, RpcError
from aleph_tui.devnet.chain.rpc_format import (
    JsonDict,
    base_fee,
    block_logs,
    effective_gas_price,
    format_block,
    format_receipt,
    format_transaction,
    hex_address,
    hex_data,
    hex_quantity,
    hex_word,
)

Handler = Callable[[DevChain, Any], Any]

PRIORITY_FEE_WEI = 10**9  # anvil's suggested tip: 1 gwei
MAX_FEE_HISTORY_BLOCKS = 1024
CLIENT_VERSION = f"aleph-tui-devnet/embedded/py-evm-{version('py-evm')}"

METHODS: dict[str, Handler] = {}


def rpc_method(*names: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for name in names:
            METHODS[name] = handler
        return handler

    return register


def dispatch(chain: DevChain, method: str, params: Any) -> Any:
    handler = METHODS.get(method)
    if handler is None:
        raise MethodNotFound()
    return handler(chain, params)


# --- node -------------------------------------------------------------------


@rpc_method("web3_clientVersion")
def _client_version(chain: DevChain, params: Any) -> str:
    parse.positional(params, 0)
    return CLIENT_VERSION


@rpc_method("web3_sha3")
def _sha3(chain: DevChain, params: Any) -> str:
    (value,) = parse.positional(params, 1)
    return hex_data(keccak(parse.data(value)))


@rpc_method("net_version")
def _net_version(chain: DevChain, params: Any) -> str:
    parse.positional(params, 0)
    return str(chain.chain_id)


@rpc_method("net_listening")
def _net_listening(chain: DevChain, params: Any) -> bool:
    parse.positional(params, 0)
    return True


@rpc_method("eth_syncing")
def _syncing(chain: DevChain, params: Any) -> bool:
    parse.positional(params, 0)
    return False


@rpc_method("eth_chainId")
def _chain_id(chain: DevChain, params: Any) -> str:
    parse.positional(params, 0)
    return hex_quantity(chain.chain_id)


@rpc_method("eth_accounts")
def _accounts(chain: DevChain, params: Any) -> list[str]:
    parse.positional(params, 0)
    return [hex_address(account) for account in chain.accounts]


# --- fees -------------------------------------------------------------------


@rpc_method("eth_blockNumber")
def _block_number(chain: DevChain, params: Any) -> str:
    parse.positional(params, 0)
    return hex_quantity(chain.head.block_number)


@rpc_method("eth_gasPrice")
def _gas_price(chain: DevChain, params: Any) -> str:
    parse.positional(params, 0)
    return hex_quantity(base_fee(chain.pending_header) + PRIORITY_FEE_WEI)


@rpc_method("eth_maxPriorityFeePerGas")
def _max_priority_fee(chain: DevChain, params: Any) -> str:
    parse.positional(params, 0)
    return hex_quantity(PRIORITY_FEE_WEI)


def _rewards(chain: DevChain, number: int, percentiles: list[float]) -> list[str]:
    """Tips at the given gas-weighted percentiles of one block, as geth computes them."""
    block = chain.block_at(number)
    if not block.transactions:
        return ["0x0"] * len(percentiles)
    receipts = chain.receipts(block)
    block_base_fee = base_fee(block.header)
    tips: list[tuple[int, int]] = []
    previous = 0
    for tx, receipt in zip(block.transactions, receipts, strict=True):
        tip = effective_gas_price(tx, block_base_fee) - block_base_fee
        tips.append((tip, receipt.gas_used - previous))
        previous = receipt.gas_used
    tips.sort()
    rewards, index, cumulative = [], 0, tips[0][1]
    for percentile in percentiles:
        threshold = block.header.gas_used * percentile / 100
        while cumulative < threshold and index < len(tips) - 1:
            index += 1
            cumulative += tips[index][1]
        rewards.append(hex_quantity(tips[index][0]))
    return rewards


@rpc_method("eth_feeHistory")
def _fee_history(chain: DevChain, params: Any) -> JsonDict:
    raw_count, raw_newest, raw_percentiles = parse.positional(params, 2, 1)
    count = min(parse.quantity(raw_count, "block count"), MAX_FEE_HISTORY_BLOCKS)
    newest = chain.block_number(parse.block_ref(raw_newest))
    if newest is None:
        raise InvalidParams("newest block not found")
    percentiles = raw_percentiles or []
    if (
        not isinstance(percentiles, list)
        or not all(isinstance(x, int | float) and 0 <= x <= 100 for x in percentiles)
        or percentiles != sorted(percentiles)
    ):
        raise InvalidParams("reward percentiles must be increasing numbers from 0 to 100")
    oldest = max(0, newest - count + 1)
    headers = list(chain.headers(oldest, newest)) if count else []
    base_fees = [base_fee(h) for h in headers]
    if count:
        following = (
            chain.pending_header
            if newest == chain.head.block_number
            else next(chain.headers(newest + 1, newest + 1))
        )
        base_fees.append(base_fee(following))
    result: JsonDict = {
        "baseFeePerGas": [hex_quantity(fee) for fee in base_fees],
        "gasUsedRatio": [h.gas_used / h.gas_limit for h in headers],
        # Blob transactions are refused, so the blob base fee stays at its minimum.
        "baseFeePerBlobGas": ["0x1"] * len(base_fees),
        "blobGasUsedRatio": [0.0] * len(headers),
        "oldestBlock": hex_quantity(oldest),
        "reward": [_rewards(chain, h.block_number, percentiles) for h in headers]
        if percentiles
        else [],
    }
    return result


# --- state ------------------------------------------------------------------


@rpc_method("eth_getBalance")
def _get_balance(chain: DevChain, params: Any) -> str:
    account, ref = parse.positional(params, 1, 1)
    state = chain.state_at(parse.block_ref(ref))
    return hex_quantity(state.get_balance(Address(parse.address(account))))


@rpc_method("eth_getTransactionCount")
def _get_transaction_count(chain: DevChain, params: Any) -> str:
    account, ref = parse.positional(params, 1, 1)
    block = parse.block_ref(ref)
    if block == "pending":  # the mempool's transactions count (automine off)
        return hex_quantity(chain.pending_nonce(parse.address(account)))
    state = chain.state_at(block)
    return hex_quantity(state.get_nonce(Address(parse.address(account))))


@rpc_method("eth_getCode")
def _get_code(chain: DevChain, params: Any) -> str:
    account, ref = parse.positional(params, 1, 1)
    state = chain.state_at(parse.block_ref(ref))
    return hex_data(state.get_code(Address(parse.address(account))))


@rpc_method("eth_getStorageAt")
def _get_storage_at(chain: DevChain, params: Any) -> str:
    account, slot, ref = parse.positional(params, 2, 1)
    state = chain.state_at(parse.block_ref(ref))
    value = state.get_storage(Address(parse.address(account)), parse.quantity(slot, "slot"))
    return hex_word(value)


# --- execution --------------------------------------------------------------


@rpc_method("eth_call")
def _call(chain: DevChain, params: Any) -> str:
    tx, ref, overrides = parse.positional(params, 1, 2)
    if overrides:
        raise InvalidParams("state overrides are not supported by the embedded chain")
    vm = chain.vm_at(parse.block_ref(ref))
    return hex_data(pyevm_calls.call(vm, parse.call_request(tx), vm.get_header().gas_limit))


@rpc_method("eth_estimateGas")
def _estimate_gas(chain: DevChain, params: Any) -> str:
    tx, ref, overrides = parse.positional(params, 1, 2)
    if overrides:
        raise InvalidParams("state overrides are not supported by the embedded chain")
    vm = chain.vm_at(parse.block_ref(ref))
    return hex_quantity(
        pyevm_calls.estimate_gas(vm, parse.call_request(tx), vm.get_header().gas_limit)
    )


@rpc_method("eth_sendRawTransaction")
def _send_raw_transaction(chain: DevChain, params: Any) -> str:
    (raw,) = parse.positional(params, 1)
    return hex_data(chain.send_raw_transaction(parse.data(raw, "raw transaction")))


# --- blocks, transactions, logs ---------------------------------------------


@rpc_method("eth_getBlockByNumber")
def _get_block_by_number(chain: DevChain, params: Any) -> JsonDict | None:
    ref, full = parse.positional(params, 1, 1)
    number = chain.block_number(parse.block_ref(ref))
    if number is None:
        return None
    return format_block(chain.block_at(number), parse.boolean(full or False, "full transactions"))


@rpc_method("eth_getBlockByHash")
def _get_block_by_hash(chain: DevChain, params: Any) -> JsonDict | None:
    block_hash, full = parse.positional(params, 1, 1)
    block = chain.block_by_hash(parse.hash32(block_hash, "block hash"))
    if block is None:
        return None
    return format_block(block, parse.boolean(full or False, "full transactions"))


@rpc_method("eth_getTransactionByHash")
def _get_transaction_by_hash(chain: DevChain, params: Any) -> JsonDict | None:
    (tx_hash,) = parse.positional(params, 1)
    wanted = parse.hash32(tx_hash, "transaction hash")
    found = chain.find_transaction(wanted)
    if found is None:
        waiting = chain.pool.find(wanted)  # in the mempool: no block yet
        return None if waiting is None else format_transaction(waiting, None, None)
    block, index = found
    return format_transaction(block.transactions[index], block, index)


@rpc_method("eth_getTransactionReceipt")
def _get_transaction_receipt(chain: DevChain, params: Any) -> JsonDict | None:
    (tx_hash,) = parse.positional(params, 1)
    found = chain.find_transaction(parse.hash32(tx_hash, "transaction hash"))
    if found is None:
        return None
    block, index = found
    return format_receipt(block, chain.receipts(block), index)


def _hex_topics(criteria: parse.LogFilter) -> list[set[str] | None]:
    return [None if alt is None else {hex_data(t) for t in alt} for alt in criteria.topics]


def _log_matches(log: JsonDict, addresses: set[str], topics: list[set[str] | None]) -> bool:
    if addresses and log["address"] not in addresses:
        return False
    if len(topics) > len(log["topics"]):
        return False
    return all(wanted is None or log["topics"][i] in wanted for i, wanted in enumerate(topics))


@rpc_method("eth_getLogs")
def _get_logs(chain: DevChain, params: Any) -> list[JsonDict]:
    (raw_filter,) = parse.positional(params, 1)
    criteria = parse.log_filter(raw_filter)
    first: int
    last: int
    if criteria.block_hash is not None:
        block = chain.block_by_hash(criteria.block_hash)
        if block is None:
            raise RpcError(SERVER_ERROR, "unknown block")
        first = last = block.number
    else:
        # As anvil: a fromBlock past the head is an error, a toBlock past it is clamped,
        # and a reversed range is empty.
        first = chain.header_at(criteria.from_block).block_number
        to_block = chain.block_number(criteria.to_block)
        last = chain.head.block_number if to_block is None else to_block
    addresses = {hex_address(a) for a in criteria.addresses}
    topics = _hex_topics(criteria)
    matching: list[JsonDict] = []
    for header in chain.headers(first, last):
        if not header.bloom:
            continue  # no logs in this block
        block = chain.block_at(header.block_number)
        matching.extend(
            log
            for log in block_logs(block, chain.receipts(block))
            if _log_matches(log, addresses, topics)
        )
    return matching


# --- dev helpers (anvil / hardhat names) ------------------------------------


@rpc_method("evm_snapshot")
def _snapshot(chain: DevChain, params: Any) -> str:
    parse.positional(params, 0)
    return hex_quantity(chain.snapshot())


@rpc_method("evm_revert")
def _revert(chain: DevChain, params: Any) -> bool:
    (snapshot_id,) = parse.positional(params, 1)
    return chain.revert(parse.quantity(snapshot_id, "snapshot id"))


@rpc_method("evm_mine")
def _mine(chain: DevChain, params: Any) -> str:
    (options,) = parse.positional(params, 0, 1)
    blocks, timestamp = 1, None
    if isinstance(options, dict):
        blocks = parse.quantity(options.get("blocks", 1), "blocks")
        timestamp = parse.optional_quantity(options.get("timestamp"), "timestamp")
    elif options is not None:
        timestamp = parse.quantity(options, "timestamp")
    for offset in range(blocks):
        chain.mine(timestamp=None if timestamp is None else timestamp + offset)
    return "0x0"


@rpc_method("evm_setAutomine")
def _set_automine(chain: DevChain, params: Any) -> None:
    """Off: sent transactions wait in the mempool until ``evm_mine`` (as anvil's)."""
    (enabled,) = parse.positional(params, 1)
    chain.automine = parse.boolean(enabled, "automine")


@rpc_method("evm_setNextBlockTimestamp")
def _set_next_block_timestamp(chain: DevChain, params: Any) -> None:
    (timestamp,) = parse.positional(params, 1)
    chain.set_next_block_timestamp(parse.quantity(timestamp, "timestamp"))


@rpc_method("anvil_setStorageAt", "hardhat_setStorageAt")
def _set_storage_at(chain: DevChain, params: Any) -> bool:
    account, slot, value = parse.positional(params, 3)
    word = int.from_bytes(parse.hash32(value, "value"), "big")
    chain.set_storage(parse.address(account), parse.quantity(slot, "slot"), word)
    return True


@rpc_method("anvil_setBalance", "hardhat_setBalance")
def _set_balance(chain: DevChain, params: Any) -> None:
    account, balance = parse.positional(params, 2)
    chain.set_balance(parse.address(account), parse.quantity(balance, "balance"))
