"""core.messages builds, hashes and signs POSTs byte-for-byte as the node expects.

No network: the vectors come from aleph-api.md §3.2 ((b), computed with Anvil key #0)
and from aleph-rs (``fixtures/messages/post/post.json``, (a)), a message signed by
another implementation.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from eth_account import Account

from aleph_tui.core.aleph.messages import (
    BROADCAST_FIELDS,
    CREDIT_CHANNEL,
    CREDIT_TRANSFER,
    build_post_message,
    credit_transfer_content,
    item_hash_of,
    recover_signer,
    sign_raw,
    verification_buffer,
)

ANVIL_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ANVIL_ADDRESS_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
ANVIL_ADDRESS_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

# aleph-api.md §3.2, test vector (b).
VECTOR_B_ITEM_CONTENT = (
    '{"address":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","time":1767225600.0,'
    '"content":{"transfer":{"credits":[{"address":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8",'
    '"amount":1000000,"expiration":1798761600000}]}},"type":"aleph_credit_transfer"}'
)
VECTOR_B_ITEM_HASH = "ec5a72cd84b4c30e9cf7840cf7741b751de9c03c2dc2ad6db83900759ca82c1d"
VECTOR_B_SIGNATURE = (
    "0x498b8e045e387c9e2dde26a7bfc3850622aacae4d1c25459dcd8acee915783411893a54c31b16c87caa"
    "66d4eabb3ff48a3d62a88cb919346cfe68ebf43eceb171b"
)

# aleph-rs fixtures/messages/post/post.json, test vector (a).
VECTOR_A = {
    "sender": "0xB68B9D4f3771c246233823ed1D3Add451055F9Ef",
    "chain": "ETH",
    "signature": "0x636728dbea33fa6064f099045421b980dff3c71932cd89c2bf42387ebb6f53890a24e1"
    "3f16678463876224772b90838c2b9557cd8fc2cdae45509ce8cb89e3fd1b",
    "type": "POST",
    "item_content": '{"type":"05567c5b-0606-4a6e-a639-25734c06e2a0","address":'
    '"0xB68B9D4f3771c246233823ed1D3Add451055F9Ef","content":{"body":"Hello World"},'
    '"time":1762515431.653}',
    "item_type": "inline",
    "item_hash": "d281eb8a69ba1f4dda2d71aaf3ded06caa92edd690ef3d0632f41aa91167762c",
    "time": 1762515431.653,
    "channel": "TEST",
}


def _vector_b() -> dict[str, object]:
    content = credit_transfer_content([(ANVIL_ADDRESS_1, 1_000_000, 1798761600000)])
    return build_post_message(
        ANVIL_KEY_0, ANVIL_ADDRESS_0, CREDIT_TRANSFER, content, time=1767225600.0
    )


def test_vector_b_item_content_hash_and_signature_are_reproduced() -> None:
    message = _vector_b()
    assert message["item_content"] == VECTOR_B_ITEM_CONTENT
    assert message["item_hash"] == VECTOR_B_ITEM_HASH
    assert message["signature"] == VECTOR_B_SIGNATURE


def test_vector_b_broadcast_dict_has_exactly_the_sdk_fields() -> None:
    message = _vector_b()
    assert set(message) == set(BROADCAST_FIELDS)
    assert message == {
        "sender": ANVIL_ADDRESS_0,
        "chain": "ETH",
        "signature": VECTOR_B_SIGNATURE,
        "type": "POST",
        "item_hash": VECTOR_B_ITEM_HASH,
        "item_type": "inline",
        "item_content": VECTOR_B_ITEM_CONTENT,
        "time": 1767225600.0,
        "channel": CREDIT_CHANNEL,
    }
    assert CREDIT_CHANNEL == "ALEPH_CREDIT"


def test_item_hash_is_sha256_of_the_utf8_item_content() -> None:
    assert item_hash_of(VECTOR_B_ITEM_CONTENT) == VECTOR_B_ITEM_HASH
    assert item_hash_of(VECTOR_B_ITEM_CONTENT) == (
        hashlib.sha256(VECTOR_B_ITEM_CONTENT.encode("utf-8")).hexdigest()
    )
    non_ascii = '{"body":"crédits ✓"}'
    assert item_hash_of(non_ascii) == hashlib.sha256(non_ascii.encode("utf-8")).hexdigest()


def test_verification_buffer_is_chain_sender_type_hash_joined_by_newlines() -> None:
    buffer = verification_buffer("ETH", ANVIL_ADDRESS_0, "POST", VECTOR_B_ITEM_HASH)
    assert buffer == f"ETH\n{ANVIL_ADDRESS_0}\nPOST\n{VECTOR_B_ITEM_HASH}".encode()


def test_signature_is_65_byte_low_s_eip191_with_v_27_or_28() -> None:
    buffer = verification_buffer("ETH", ANVIL_ADDRESS_0, "POST", VECTOR_B_ITEM_HASH)
    signature = sign_raw(ANVIL_KEY_0, buffer)
    assert signature == VECTOR_B_SIGNATURE
    raw = bytes.fromhex(signature.removeprefix("0x"))
    assert signature.startswith("0x") and len(raw) == 65
    assert raw[64] in (27, 28)
    assert int.from_bytes(raw[32:64], "big") <= SECP256K1_N // 2
    assert recover_signer(buffer, signature) == ANVIL_ADDRESS_0


def test_vector_a_signed_by_aleph_rs_verifies() -> None:
    assert item_hash_of(str(VECTOR_A["item_content"])) == VECTOR_A["item_hash"]
    buffer = verification_buffer(
        str(VECTOR_A["chain"]),
        str(VECTOR_A["sender"]),
        str(VECTOR_A["type"]),
        str(VECTOR_A["item_hash"]),
    )
    assert recover_signer(buffer, str(VECTOR_A["signature"])) == VECTOR_A["sender"]


def test_a_tampered_buffer_recovers_another_address() -> None:
    buffer = verification_buffer("ETH", ANVIL_ADDRESS_0, "POST", "0" * 64)
    assert recover_signer(buffer, VECTOR_B_SIGNATURE) != ANVIL_ADDRESS_0


def test_post_content_keys_are_in_sdk_order() -> None:
    content = json.loads(str(_vector_b()["item_content"]))
    assert list(content) == ["address", "time", "content", "type"]


def test_delegated_post_is_owned_by_address_but_signed_by_sender() -> None:
    signer = Account.create()
    owner = "0x2E4454fAD1906c0Ce6e45cBFA05cE898Ac3AC1dC"
    message = build_post_message(
        signer.key.hex(), signer.address, "aleph_credit_distribution", {}, address=owner
    )
    assert message["sender"] == signer.address
    assert json.loads(str(message["item_content"]))["address"] == owner
    buffer = verification_buffer("ETH", signer.address, "POST", str(message["item_hash"]))
    assert recover_signer(buffer, str(message["signature"])) == signer.address


def test_credit_transfer_content_omits_expiration_when_none() -> None:
    assert credit_transfer_content([(ANVIL_ADDRESS_1, 5, None), (ANVIL_ADDRESS_0, 7, 9)]) == {
        "transfer": {
            "credits": [
                {"address": ANVIL_ADDRESS_1, "amount": 5},
                {"address": ANVIL_ADDRESS_0, "amount": 7, "expiration": 9},
            ]
        }
    }


def test_oversized_content_is_refused_rather_than_sent_inline() -> None:
    with pytest.raises(ValueError):
        build_post_message(ANVIL_KEY_0, ANVIL_ADDRESS_0, "note", {"blob": "x" * 60_000})
