"""core/chain/abi.py: what the token flow and the gateway read from a node's bytes, against
eth_abi's own encoding of the same values."""

from __future__ import annotations

from eth_abi.abi import encode

from aleph_tui.core.chain import abi


def test_a_revert_reason_only_in_the_data_is_read() -> None:
    error = "0x08c379a0" + encode(["string"], ["ERC20: insufficient balance"]).hex()
    assert abi.revert_reason(error) == "ERC20: insufficient balance"
    assert abi.revert_reason({"data": error}) == "ERC20: insufficient balance"
    panic = "0x4e487b71" + encode(["uint256"], [0x11]).hex()
    assert abi.revert_reason(panic) == "panic 0x11"
    assert abi.revert_reason("0x") is None
    assert abi.revert_reason("0x08c379a0ff") is None  # cut short: no reason, no crash


def test_token_symbols_as_strings_or_bytes32() -> None:
    assert abi.symbol_answer(encode(["string"], ["ALEPH"])) == "ALEPH"
    assert abi.symbol_answer(b"MKR".ljust(32, b"\0")) == "MKR"
    assert abi.symbol_answer(b"") is None  # no symbol() at all
    assert abi.symbol_answer(b"\xff" * 32) is None  # not text


def test_the_processed_event_is_eight_words() -> None:
    words = [10**18, 5, 7, 3, 2, 1, 2, 1]
    assert abi.processed_event(encode(["uint256"] * 8, words)) == tuple(words)
    assert abi.processed_event(b"\0" * (7 * 32)) is None  # not that event's layout


def test_the_start_up_calls_are_what_eth_abi_encodes() -> None:
    holder = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert abi.balance_of_call(holder) == "0x70a08231" + encode(["address"], [holder]).hex()
    assert (
        abi.transfer_call(holder, 123)
        == "0xa9059cbb" + encode(["address", "uint256"], [holder, 123]).hex()
    )
    assert abi.uint_answer(encode(["uint8"], [6])) == 6
    assert abi.uint_answer(b"") is None
