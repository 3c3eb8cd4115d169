"""Aleph messages: build, hash, sign and verify POSTs exactly as the node expects.

Reference: aleph-api.md §3.2. The item_content is compact JSON whose sha256 is the
item_hash; the signature is EIP-191 ``personal_sign`` over
``"{chain}\\n{sender}\\n{type}\\n{item_hash}"``. signing uses libsecp256k1 directly so that
read-only commands never pay for it.
"""

from __future__ import annotations

import hashlib
import json
import time as _time
from collections.abc import Callable
from typing import Any, Protocol

CREDIT_CHANNEL = "ALEPH_CREDIT"
CREDIT_TRANSFER = "aleph_credit_transfer"
CREDIT_DISTRIBUTION = "aleph_credit_distribution"
CREDIT_EXPENSE = "aleph_credit_expense"

# The SDK switches to storage above this size; the node accepts up to 200 000.
MAX_INLINE_SIZE = 50_000

BROADCAST_FIELDS = (
    "sender",
    "chain",
    "signature",
    "type",
    "item_hash",
    "item_type",
    "item_content",
    "time",
    "channel",
)


def compact_json(value: Any) -> str:
    """The SDK's serialisation: no spaces, keys in insertion order."""
    return json.dumps(value, separators=(",", ":"))


def item_hash_of(item_content: str) -> str:
    return hashlib.sha256(item_content.encode("utf-8")).hexdigest()


def verification_buffer(chain: str, sender: str, message_type: str, item_hash: str) -> bytes:
    return f"{chain}\n{sender}\n{message_type}\n{item_hash}".encode()


def post_content(address: str, post_type: str, content: Any, time: float) -> dict[str, Any]:
    """A POST's content in the SDK's key order: address, time, content, type."""
    return {"address": address, "time": time, "content": content, "type": post_type}


def credit_transfer_content(
    recipients: list[tuple[str, int, int | None]],
) -> dict[str, Any]:
    """``content`` of an aleph_credit_transfer: (address, credits, expiration in ms)."""
    credits: list[dict[str, Any]] = []
    for address, amount, expiration_ms in recipients:
        entry: dict[str, Any] = {"address": address, "amount": amount}
        if expiration_ms is not None:
            entry["expiration"] = expiration_ms
        credits.append(entry)
    return {"transfer": {"credits": credits}}


def sign_raw(private_key: bytes | str, buffer: bytes) -> str:
    """EIP-191 signature, 0x-prefixed r‖s‖v hex."""
    from aleph_tui.core.accounts.secp256k1 import sign_personal

    return sign_personal(private_key, buffer)


def recover_signer(buffer: bytes, signature: str) -> str:
    """The checksummed address that produced ``signature`` over ``buffer``."""
    from aleph_tui.core.accounts.secp256k1 import recover_personal

    return recover_personal(buffer, signature)


class BufferSigner(Protocol):
    """Anything that signs a verification buffer without handing out its key (a Signer)."""

    @property
    def address(self) -> str: ...

    def sign_buffer(self, buffer: bytes) -> str: ...


def build_post_message(
    private_key: bytes | str,
    sender: str,
    post_type: str,
    content: Any,
    *,
    address: str | None = None,
    channel: str | None = CREDIT_CHANNEL,
    chain: str = "ETH",
    time: float | None = None,
) -> dict[str, Any]:
    """A signed, inline POST in the broadcast shape of ``POST /api/v0/messages``.

    ``address`` is the content owner; it defaults to the sender and differs only for
    delegated posts (such as the credit service minting on behalf of its owner).
    """
    return _build_post(
        lambda buffer: sign_raw(private_key, buffer),
        sender,
        post_type,
        content,
        address=address,
        channel=channel,
        chain=chain,
        time=time,
    )


def build_signed_post(
    signer: BufferSigner,
    post_type: str,
    content: Any,
    *,
    address: str | None = None,
    channel: str | None = CREDIT_CHANNEL,
    chain: str = "ETH",
    time: float | None = None,
) -> dict[str, Any]:
    """``build_post_message`` signed through ``signer.sign_buffer``: the key never leaves it."""
    return _build_post(
        signer.sign_buffer,
        signer.address,
        post_type,
        content,
        address=address,
        channel=channel,
        chain=chain,
        time=time,
    )


def _build_post(
    sign: Callable[[bytes], str],
    sender: str,
    post_type: str,
    content: Any,
    *,
    address: str | None,
    channel: str | None,
    chain: str,
    time: float | None,
) -> dict[str, Any]:
    now = _time.time() if time is None else time
    item_content = compact_json(post_content(address or sender, post_type, content, now))
    if len(item_content) >= MAX_INLINE_SIZE:
        raise ValueError("message content too large for an inline message")
    item_hash = item_hash_of(item_content)
    signature = sign(verification_buffer(chain, sender, "POST", item_hash))
    message: dict[str, Any] = {
        "sender": sender,
        "chain": chain,
        "signature": signature,
        "type": "POST",
        "item_hash": item_hash,
        "item_type": "inline",
        "item_content": item_content,
        "time": now,
        "channel": channel,
    }
    return message
