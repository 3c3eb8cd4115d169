"""EIP-191 signatures and addresses straight from libsecp256k1 (coincurve).

eth_account takes over a second to import; message signing and address derivation only
need the curve and keccak, so read-only and message-signing paths stay fast. Signatures
are RFC 6979 deterministic and low-s, byte-identical to eth_account's.
"""

from __future__ import annotations

from coincurve import PrivateKey, PublicKey
from eth_hash.auto import keccak

from aleph_tui.core.validation import checksum_address


def key_bytes(private_key: bytes | str) -> bytes:
    """32 raw bytes from bytes or 0x-hex; ValueError otherwise (the key is never echoed)."""
    if isinstance(private_key, bytes):
        raw = private_key
    else:
        text = private_key.removeprefix("0x").removeprefix("0X")
        raw = bytes.fromhex(text)
    if len(raw) != 32:
        raise ValueError("a private key is 32 bytes")
    return raw


def personal_message_hash(message: bytes) -> bytes:
    return keccak(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)


def address_of(private_key: bytes | str | PrivateKey) -> str:
    key = private_key if isinstance(private_key, PrivateKey) else PrivateKey(key_bytes(private_key))
    public = key.public_key.format(compressed=False)
    return checksum_address("0x" + keccak(public[1:])[-20:].hex())


def sign_personal(private_key: bytes | str, message: bytes) -> str:
    """0x-prefixed r‖s‖v with v = 27/28, as ``personal_sign`` produces."""
    return sign_personal_with(PrivateKey(key_bytes(private_key)), message)


def sign_personal_with(key: PrivateKey, message: bytes) -> str:
    """``sign_personal`` with a loaded key: no frame on the way holds the raw bytes."""
    signature = key.sign_recoverable(personal_message_hash(message), hasher=None)
    return "0x" + signature[:64].hex() + bytes([signature[64] + 27]).hex()


def recover_personal(message: bytes, signature: str) -> str:
    raw = bytes.fromhex(signature.removeprefix("0x"))
    if len(raw) != 65:
        raise ValueError("a signature is 65 bytes")
    v = raw[64] - 27 if raw[64] >= 27 else raw[64]
    if v not in (0, 1):
        raise ValueError("bad recovery id")
    public = PublicKey.from_signature_and_message(
        raw[:64] + bytes([v]), personal_message_hash(message), hasher=None
    ).format(compressed=False)
    return checksum_address("0x" + keccak(public[1:])[-20:].hex())
