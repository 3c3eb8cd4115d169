"""Every ABI encoding and decoding of the package: ERC-20 calls, revert data, the credit
processor's event, token symbols.

Decoding is eth_abi's. The exception, kept here and only here: the three calls the
dashboard makes at start (``balanceOf``, ``decimals``, and ``transfer`` for a quote) are
encoded by hand, one selector and 32-byte words, and a uint answer is read as one word,
because importing eth_abi costs 0.15 s (it loads eth_utils and pydantic; min of 7 with
``python -X importtime``, after the dashboard's own modules; BENCHMARKS.md) that the
wallet panel, read right after the first paint, would add to the cold start. eth_abi is
imported by the decoders below when first used (token flow, a revert whose reason is only
in its data).
"""

from __future__ import annotations

from typing import Any

BALANCE_OF_SELECTOR = "70a08231"  # balanceOf(address)
DECIMALS_CALL = "0x313ce567"  # decimals()
SYMBOL_CALL = "0x95d89b41"  # symbol()
TRANSFER_SELECTOR = "a9059cbb"  # transfer(address,uint256)
ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string), a revert with a reason
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)
# TokenPaymentsProcessed's data: amount, swap amount, ALEPH received, burned, to
# distribution, to developers, swap version, is stable.
PROCESSED_DATA_TYPES = ("uint256",) * 8


def _address_word(address: str) -> str:
    return address.removeprefix("0x").lower().rjust(64, "0")


def balance_of_call(address: str) -> str:
    return "0x" + BALANCE_OF_SELECTOR + _address_word(address)


def transfer_call(to: str, units: int) -> str:
    return "0x" + TRANSFER_SELECTOR + _address_word(to) + units.to_bytes(32, "big").hex()


def uint_answer(raw: bytes) -> int | None:
    """A uint view's answer; None when it is not one word (no such contract)."""
    return int.from_bytes(raw[:32], "big") if len(raw) >= 32 else None


def processed_event(data: bytes) -> tuple[Any, ...] | None:
    """The data words of a ``TokenPaymentsProcessed`` log; None if not that layout."""
    from eth_abi.abi import decode
    from eth_abi.exceptions import DecodingError

    try:
        return tuple(decode(PROCESSED_DATA_TYPES, data[: 32 * len(PROCESSED_DATA_TYPES)]))
    except DecodingError:
        return None


def symbol_answer(raw: bytes) -> str | None:
    """A token's ``symbol()``: an ABI string, or a bytes32 (some old tokens)."""
    from eth_abi.abi import decode
    from eth_abi.exceptions import DecodingError

    try:
        if len(raw) >= 64:
            (text,) = decode(("string",), raw)
        else:
            (word,) = decode(("bytes32",), raw.ljust(32, b"\0"))
            text = word.rstrip(b"\0").decode("utf-8")
    except (DecodingError, UnicodeDecodeError):
        return None
    return str(text) or None


def revert_reason(data: Any) -> str | None:
    """The reason in a revert's data (``Error(string)`` or ``Panic(uint256)``), if any."""
    if isinstance(data, dict):  # some nodes nest it: {"data": "0x…", …}
        data = data.get("data")
    if not isinstance(data, str):
        return None
    try:
        raw = bytes.fromhex(data.removeprefix("0x"))
    except ValueError:
        return None
    from eth_abi.abi import decode
    from eth_abi.exceptions import DecodingError

    try:
        if raw[:4] == ERROR_SELECTOR:
            (reason,) = decode(("string",), raw[4:])
            return str(reason)
        if raw[:4] == PANIC_SELECTOR:
            (code,) = decode(("uint256",), raw[4:])
            return f"panic 0x{code:02x}"
    except DecodingError:
        return None
    return None
