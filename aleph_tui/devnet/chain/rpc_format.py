"""py-evm blocks, transactions, receipts and logs in the JSON-RPC shapes anvil returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import rlp  # type: ignore[import-untyped]
from eth._utils.address import generate_contract_address
from eth.abc import (
    BlockAPI,
    BlockHeaderAPI,
    LegacyTransactionFieldsAPI,
    ReceiptAPI,
    SignedTransactionAPI,
)
from eth_typing import Address

JsonDict = dict[str, Any]


def hex_quantity(value: int) -> str:
    return hex(value)


def hex_data(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def hex_word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def hex_address(value: bytes) -> str:
    """Lower-case, as geth and anvil return addresses."""
    return "0x" + bytes(value).hex()


def type_id(tx: SignedTransactionAPI) -> int:
    return getattr(tx, "type_id", None) or 0


def base_fee(header: BlockHeaderAPI) -> int:
    """The header's EIP-1559 base fee (every block of this Prague chain has one)."""
    return header.base_fee_per_gas or 0


def _required(value: bytes | int | None, name: str) -> bytes | int:
    if value is None:
        raise ValueError(f"a Prague header has a {name}")
    return value


def effective_gas_price(tx: SignedTransactionAPI, base_fee: int) -> int:
    if type_id(tx) >= 2:
        return min(tx.max_fee_per_gas, tx.max_priority_fee_per_gas + base_fee)
    return tx.gas_price


def _header_fields(header: BlockHeaderAPI) -> JsonDict:
    fields: JsonDict = {
        "hash": hex_data(header.hash),
        "parentHash": hex_data(header.parent_hash),
        "sha3Uncles": hex_data(header.uncles_hash),
        "miner": hex_address(header.coinbase),
        "stateRoot": hex_data(header.state_root),
        "transactionsRoot": hex_data(header.transaction_root),
        "receiptsRoot": hex_data(header.receipt_root),
        "logsBloom": hex_data(header.bloom.to_bytes(256, "big")),
        "difficulty": hex_quantity(header.difficulty),
        "number": hex_quantity(header.block_number),
        "gasLimit": hex_quantity(header.gas_limit),
        "gasUsed": hex_quantity(header.gas_used),
        "timestamp": hex_quantity(header.timestamp),
        "extraData": hex_data(header.extra_data),
        "mixHash": hex_data(header.mix_hash),
        "nonce": hex_data(header.nonce),
        "baseFeePerGas": hex_quantity(base_fee(header)),
        "withdrawalsRoot": hex_data(bytes(_required(header.withdrawals_root, "withdrawals root"))),
        "blobGasUsed": hex_quantity(int(header.blob_gas_used)),
        "excessBlobGas": hex_quantity(int(header.excess_blob_gas)),
        "parentBeaconBlockRoot": hex_data(
            bytes(_required(header.parent_beacon_block_root, "parent beacon block root"))
        ),
    }
    requests_hash = getattr(header, "requests_hash", None)
    if requests_hash is not None:
        fields["requestsHash"] = hex_data(requests_hash)
    return fields


def format_block(block: BlockAPI, full_transactions: bool) -> JsonDict:
    transactions: list[Any]
    if full_transactions:
        transactions = [
            format_transaction(tx, block, index) for index, tx in enumerate(block.transactions)
        ]
    else:
        transactions = [hex_data(tx.hash) for tx in block.transactions]
    return {
        **_header_fields(block.header),
        "totalDifficulty": "0x0",
        "size": hex_quantity(len(rlp.encode(block))),
        "uncles": [hex_data(uncle.hash) for uncle in block.uncles],
        "transactions": transactions,
        "withdrawals": [],
    }


def format_transaction(
    tx: SignedTransactionAPI, block: BlockAPI | None, index: int | None
) -> JsonDict:
    """A transaction as JSON-RPC shows it; ``block`` None: waiting in the mempool (no
    block fields, and ``gasPrice`` its max fee, as geth and anvil show it)."""
    kind = type_id(tx)
    result: JsonDict = {"type": hex_quantity(kind)}
    if tx.chain_id is not None:
        result["chainId"] = hex_quantity(tx.chain_id)
    result.update({"nonce": hex_quantity(tx.nonce), "gas": hex_quantity(tx.gas)})
    if kind >= 2:
        result["maxFeePerGas"] = hex_quantity(tx.max_fee_per_gas)
        result["maxPriorityFeePerGas"] = hex_quantity(tx.max_priority_fee_per_gas)
    result.update(
        {
            "to": hex_address(tx.to) if tx.to else None,
            "value": hex_quantity(tx.value),
        }
    )
    if kind >= 1:
        result["accessList"] = [
            {"address": hex_address(address), "storageKeys": [hex_word(k) for k in keys]}
            for address, keys in tx.access_list
        ]
    if kind == 4:
        result["authorizationList"] = [
            {
                "chainId": hex_quantity(auth.chain_id),
                "address": hex_address(auth.address),
                "nonce": hex_quantity(auth.nonce),
                "yParity": hex_quantity(auth.y_parity),
                "r": hex_quantity(auth.r),
                "s": hex_quantity(auth.s),
            }
            for auth in tx.authorization_list
        ]
    result.update({"input": hex_data(tx.data), "r": hex_quantity(tx.r), "s": hex_quantity(tx.s)})
    if isinstance(tx, LegacyTransactionFieldsAPI):
        result["v"] = hex_quantity(tx.v)  # recovery id + 27, or + 35 + 2 * chain id
    else:
        result["yParity"] = hex_quantity(tx.y_parity)
        result["v"] = hex_quantity(tx.y_parity)
    if block is None or index is None:
        result.update(
            {
                "hash": hex_data(tx.hash),
                "blockHash": None,
                "blockNumber": None,
                "transactionIndex": None,
                "from": hex_address(tx.sender),
                "gasPrice": hex_quantity(tx.max_fee_per_gas),
            }
        )
        return result
    result.update(
        {
            "hash": hex_data(tx.hash),
            "blockHash": hex_data(block.hash),
            "blockNumber": hex_quantity(block.number),
            "transactionIndex": hex_quantity(index),
            "from": hex_address(tx.sender),
            "gasPrice": hex_quantity(effective_gas_price(tx, base_fee(block.header))),
        }
    )
    return result


def format_log(
    log_address: bytes,
    topics: Sequence[int],
    data: bytes,
    *,
    block: BlockAPI,
    tx: SignedTransactionAPI,
    tx_index: int,
    log_index: int,
) -> JsonDict:
    return {
        "address": hex_address(log_address),
        "topics": [hex_word(topic) for topic in topics],
        "data": hex_data(data),
        "blockHash": hex_data(block.hash),
        "blockNumber": hex_quantity(block.number),
        "blockTimestamp": hex_quantity(block.header.timestamp),
        "transactionHash": hex_data(tx.hash),
        "transactionIndex": hex_quantity(tx_index),
        "logIndex": hex_quantity(log_index),
        "removed": False,
    }


def block_logs(block: BlockAPI, receipts: Sequence[ReceiptAPI]) -> list[JsonDict]:
    """Every log of a block, with block-wide log indexes."""
    logs: list[JsonDict] = []
    for tx_index, (tx, receipt) in enumerate(zip(block.transactions, receipts, strict=True)):
        for log in receipt.logs:
            logs.append(
                format_log(
                    log.address,
                    log.topics,
                    log.data,
                    block=block,
                    tx=tx,
                    tx_index=tx_index,
                    log_index=len(logs),
                )
            )
    return logs


def format_receipt(block: BlockAPI, receipts: Sequence[ReceiptAPI], index: int) -> JsonDict:
    tx = block.transactions[index]
    receipt = receipts[index]
    previous_cumulative = receipts[index - 1].gas_used if index else 0
    first_log_index = sum(len(r.logs) for r in receipts[:index])
    logs = [
        format_log(
            log.address,
            log.topics,
            log.data,
            block=block,
            tx=tx,
            tx_index=index,
            log_index=first_log_index + offset,
        )
        for offset, log in enumerate(receipt.logs)
    ]
    contract_address = (
        hex_address(generate_contract_address(Address(tx.sender), tx.nonce)) if not tx.to else None
    )
    return {
        "type": hex_quantity(type_id(tx)),
        "status": "0x1" if receipt.state_root == b"\x01" else "0x0",
        "cumulativeGasUsed": hex_quantity(receipt.gas_used),
        "logs": logs,
        "logsBloom": hex_data(receipt.bloom.to_bytes(256, "big")),
        "transactionHash": hex_data(tx.hash),
        "transactionIndex": hex_quantity(index),
        "blockHash": hex_data(block.hash),
        "blockNumber": hex_quantity(block.number),
        "gasUsed": hex_quantity(receipt.gas_used - previous_cumulative),
        "effectiveGasPrice": hex_quantity(effective_gas_price(tx, base_fee(block.header))),
        "from": hex_address(tx.sender),
        "to": hex_address(tx.to) if tx.to else None,
        "contractAddress": contract_address,
    }
