"""A private key held so it cannot leak: no repr, no str, no locals in tracebacks.

The key is a libsecp256k1 key object in a slot of an object whose repr is redacted, so
no frame of ours holds its raw bytes: message signing goes straight to the C call, and
the raw bytes are unwrapped inline only in the argument lists of eth-account's calls.
Failures are re-raised as ``SigningError`` naming the exception type (and, for a
transaction, a message with any key material cut out) with their cause suppressed, so a
crash screen (Textual shows locals) or a log line never prints key material.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from aleph_tui.core.errors import ServiceError

DEV_MNEMONIC = "test test test test test test test test test test test junk"


class SigningError(ServiceError):
    pass


@dataclass(frozen=True)
class SignedTransaction:
    tx_hash: str
    raw: bytes

    def __repr__(self) -> str:  # the raw bytes are a broadcastable transaction
        return f"SignedTransaction(tx_hash={self.tx_hash!r})"


class Signer:
    __slots__ = ("_key", "address")

    def __init__(self, private_key: str | bytes) -> None:
        from coincurve import PrivateKey

        from aleph_tui.core.secp256k1 import address_of, key_bytes

        try:
            self._key = PrivateKey(key_bytes(private_key))
            self.address: str = address_of(self._key)
        except Exception:
            raise SigningError("not a valid secp256k1 private key") from None

    def __repr__(self) -> str:
        return f"Signer(address={self.address!r}, key=<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a Signer cannot be pickled")

    @property
    def is_public_dev_key(self) -> bool:
        return self.address in public_dev_addresses()

    def sign_buffer(self, buffer: bytes) -> str:
        """EIP-191 signature over an Aleph verification buffer."""
        from aleph_tui.core.secp256k1 import sign_personal_with

        try:
            return sign_personal_with(self._key, buffer)
        except Exception as exc:
            raise SigningError(f"signing failed ({type(exc).__name__})") from None

    def sign_transaction(self, tx: dict[str, Any]) -> SignedTransaction:
        from eth_account import Account

        if not isinstance(tx.get("chainId"), int) or tx["chainId"] <= 0:
            # eth-account would silently sign for chain id 0 (no replay protection).
            raise SigningError("refusing to sign a transaction without a chain id")
        try:
            signed = Account.sign_transaction(tx, self._key.secret)
        except Exception as exc:
            reason = self._redact(str(exc).strip().splitlines()[0] if str(exc).strip() else "")
            detail = f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__
            raise SigningError(f"signing failed ({detail})") from None
        return SignedTransaction("0x" + bytes(signed.hash).hex(), bytes(signed.raw_transaction))

    def keystore(
        self, password: str, *, kdf: Literal["scrypt", "pbkdf2"] = "scrypt"
    ) -> dict[str, Any]:
        """An encrypted Ethereum V3 keystore of this key."""
        from eth_account import Account

        return dict(Account.encrypt(self._key.secret, password, kdf=kdf))

    def _redact(self, text: str) -> str:
        """``text``, or nothing at all if a library quoted the key in it."""
        quoted = self._key.secret.hex() in text.lower() or repr(self._key.secret)[2:-1] in text
        return "<redacted>" if quoted else text


_DEV_ADDRESSES: frozenset[str] | None = None


def public_dev_addresses(count: int = 20) -> frozenset[str]:
    """Addresses of the well-known test mnemonic: never to be used on a mainnet."""
    global _DEV_ADDRESSES
    if _DEV_ADDRESSES is None:
        from eth_account import Account

        Account.enable_unaudited_hdwallet_features()
        _DEV_ADDRESSES = frozenset(
            str(Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}").address)
            for i in range(count)
        )
    return _DEV_ADDRESSES
