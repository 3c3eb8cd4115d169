"""Parsing of JSON-RPC parameters into typed values; bad input raises InvalidParams."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, cast

from aleph_tui.devnet.chain.rpc_errors import InvalidParams

BlockTag = Literal["latest", "earliest", "pending", "safe", "finalized"]
BLOCK_TAGS: frozenset[str] = frozenset({"latest", "earliest", "pending", "safe", "finalized"})

_HEX_DATA = re.compile(r"0x(?:[0-9a-fA-F]{2})*")
_HEX_QUANTITY = re.compile(r"0x[0-9a-fA-F]{1,64}")


@dataclass(frozen=True)
class BlockHashRef:
    """A block named by its hash (EIP-1898 ``{"blockHash": ...}``)."""

    block_hash: bytes


BlockRef = int | BlockTag | BlockHashRef


@dataclass(frozen=True)
class CallRequest:
    """The transaction object of eth_call / eth_estimateGas."""

    sender: bytes | None = None
    to: bytes | None = None
    gas: int | None = None
    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    value: int = 0
    data: bytes = b""
    nonce: int | None = None


@dataclass(frozen=True)
class LogFilter:
    """eth_getLogs criteria. Empty ``addresses`` matches any; a None topic is a wildcard."""

    from_block: BlockRef = "latest"
    to_block: BlockRef = "latest"
    block_hash: bytes | None = None
    addresses: tuple[bytes, ...] = ()
    topics: tuple[tuple[bytes, ...] | None, ...] = ()


def positional(params: Any, required: int, optional: int = 0) -> list[Any]:
    """``params`` as a list of exactly ``required + optional`` items (missing → None)."""
    if params is None:
        params = []
    if not isinstance(params, list):
        raise InvalidParams("params must be an array")
    if not required <= len(params) <= required + optional:
        expected = str(required) if not optional else f"{required} to {required + optional}"
        raise InvalidParams(f"expected {expected} params, got {len(params)}")
    return params + [None] * (required + optional - len(params))


def quantity(value: Any, what: str = "quantity") -> int:
    if isinstance(value, bool):
        raise InvalidParams(f"invalid {what}: {value!r}")
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and _HEX_QUANTITY.fullmatch(value):
        return int(value, 16)
    raise InvalidParams(f"invalid {what}: {value!r}")


def optional_quantity(value: Any, what: str) -> int | None:
    return None if value is None else quantity(value, what)


def data(value: Any, what: str = "data") -> bytes:
    if isinstance(value, str) and _HEX_DATA.fullmatch(value):
        return bytes.fromhex(value[2:])
    raise InvalidParams(f"invalid {what}: expected 0x-prefixed hex bytes")


def fixed_data(value: Any, size: int, what: str) -> bytes:
    raw = data(value, what)
    if len(raw) != size:
        raise InvalidParams(f"invalid {what}: expected {size} bytes, got {len(raw)}")
    return raw


def address(value: Any) -> bytes:
    return fixed_data(value, 20, "address")


def hash32(value: Any, what: str = "hash") -> bytes:
    return fixed_data(value, 32, what)


def block_ref(value: Any, default: BlockRef = "latest") -> BlockRef:
    if value is None:
        return default
    if isinstance(value, str) and value in BLOCK_TAGS:
        return cast(BlockTag, value)
    if isinstance(value, dict):
        if "blockHash" in value:
            return BlockHashRef(hash32(value["blockHash"], "blockHash"))
        if "blockNumber" in value:
            return block_ref(value["blockNumber"])
        raise InvalidParams("block object needs blockHash or blockNumber")
    return quantity(value, "block number")


def boolean(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    raise InvalidParams(f"invalid {what}: expected a boolean")


def call_request(value: Any) -> CallRequest:
    if not isinstance(value, dict):
        raise InvalidParams("transaction must be an object")
    payload = value.get("input", value.get("data"))
    given = (value.get("input"), value.get("data"))
    if None not in given and given[0] != given[1]:
        raise InvalidParams("both input and data given, with different values")
    to = value.get("to")
    sender = value.get("from")
    return CallRequest(
        sender=None if sender is None else address(sender),
        to=None if to is None else address(to),
        gas=optional_quantity(value.get("gas"), "gas"),
        gas_price=optional_quantity(value.get("gasPrice"), "gasPrice"),
        max_fee_per_gas=optional_quantity(value.get("maxFeePerGas"), "maxFeePerGas"),
        max_priority_fee_per_gas=optional_quantity(
            value.get("maxPriorityFeePerGas"), "maxPriorityFeePerGas"
        ),
        value=optional_quantity(value.get("value"), "value") or 0,
        data=b"" if payload is None else data(payload, "input"),
        nonce=optional_quantity(value.get("nonce"), "nonce"),
    )


def _topic_alternatives(value: Any) -> tuple[bytes, ...] | None:
    if value is None:
        return None
    if isinstance(value, list):
        if not value or any(item is None for item in value):
            return None  # an empty or null-containing OR-list matches anything
        return tuple(hash32(item, "topic") for item in value)
    return (hash32(value, "topic"),)


def log_filter(value: Any) -> LogFilter:
    if not isinstance(value, dict):
        raise InvalidParams("filter must be an object")
    raw_address = value.get("address")
    if raw_address is None:
        addresses: tuple[bytes, ...] = ()
    elif isinstance(raw_address, list):
        addresses = tuple(address(item) for item in raw_address)
    else:
        addresses = (address(raw_address),)
    raw_topics = value.get("topics") or []
    if not isinstance(raw_topics, list):
        raise InvalidParams("topics must be an array")
    topics = tuple(_topic_alternatives(item) for item in raw_topics)
    block_hash = value.get("blockHash")
    if block_hash is not None:
        if value.get("fromBlock") is not None or value.get("toBlock") is not None:
            raise InvalidParams("blockHash cannot be combined with fromBlock/toBlock")
        return LogFilter(
            block_hash=hash32(block_hash, "blockHash"), addresses=addresses, topics=topics
        )
    return LogFilter(
        from_block=block_ref(value.get("fromBlock")),
        to_block=block_ref(value.get("toBlock")),
        addresses=addresses,
        topics=topics,
    )
