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
from typing import TYPE_CHECKING, Any, Literal

from aleph_tui.core.errors import ServiceError

if TYPE_CHECKING:
    from aleph_tui.core.networks import Network

DEV_MNEMONIC = "test test test test test test test test test test test junk"


class SigningError(ServiceError):
    pass


class DevKeyRefused(SigningError):
    """A public test key about to sign for a network that is not a devnet (``where``:
    "mainnet", or "chain id 1" for a devnet's document naming a mainnet chain)."""

    def __init__(self, address: str, where: str) -> None:
        self.address = address
        self.where = where
        super().__init__(
            f"{address} is a public test key that anyone can use; refusing to sign with it "
            f"on {where} (only a devnet accepts it); nothing was signed"
        )


@dataclass(frozen=True)
class SignedTransaction:
    tx_hash: str
    raw: bytes

    def __repr__(self) -> str:  # the raw bytes are a broadcastable transaction
        return f"SignedTransaction(tx_hash={self.tx_hash!r})"


class Signer:
    """A key that signs only once bound to the network it signs for (``for_network``):
    every signature, transaction or Aleph message, goes through ``_check_network``, which
    refuses the public test keys anywhere but on a devnet whose discovery document was
    read (``Network.is_devnet``, whatever the network is called), and on a mainnet chain
    id even then (a document can claim anything)."""

    __slots__ = ("_key", "_network", "address")

    def __init__(self, private_key: str | bytes) -> None:
        from coincurve import PrivateKey

        from aleph_tui.core.accounts.secp256k1 import address_of, key_bytes

        try:
            self._key = PrivateKey(key_bytes(private_key))
            self.address: str = address_of(self._key)
        except Exception:
            raise SigningError("not a valid secp256k1 private key") from None
        self._network: Network | None = None

    def __repr__(self) -> str:
        return f"Signer(address={self.address!r}, key=<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a Signer cannot be pickled")

    @property
    def is_public_dev_key(self) -> bool:
        return self.address in public_dev_addresses()

    @property
    def network(self) -> Network | None:
        """The network this signer is bound to (None: unbound, it signs nothing)."""
        return self._network

    def for_network(self, network: Network) -> Signer:
        """This key bound to ``network``: a new Signer (the same key object) that signs
        only if the key may be used there. Raises DevKeyRefused at once when it may not,
        so a caller can refuse before asking for a confirmation."""
        bound = object.__new__(Signer)
        bound._key = self._key
        bound.address = self.address
        bound._network = network
        bound._check_network()
        return bound

    def _check_network(self, chain_id: object = None) -> None:
        """The one dev-key rule, before every signature (``chain_id``: a transaction's)."""
        from aleph_tui.core.networks import MAINNET_CHAIN_IDS

        network = self._network
        if network is None:
            raise SigningError("refusing to sign: the key is not bound to a network")
        if not self.is_public_dev_key:
            return
        if not network.is_devnet:
            raise DevKeyRefused(self.address, network.name)
        on_mainnet = sorted(c for c in (network.chain_id, chain_id) if c in MAINNET_CHAIN_IDS)
        if on_mainnet:
            raise DevKeyRefused(self.address, f"chain id {on_mainnet[0]}")

    def sign_buffer(self, buffer: bytes) -> str:
        """EIP-191 signature over an Aleph verification buffer."""
        from aleph_tui.core.accounts.secp256k1 import sign_personal_with

        self._check_network()
        try:
            return sign_personal_with(self._key, buffer)
        except Exception as exc:
            raise SigningError(f"signing failed ({type(exc).__name__})") from None

    def sign_transaction(self, tx: dict[str, Any]) -> SignedTransaction:
        from eth_account import Account

        self._check_network(tx.get("chainId"))
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


# The first 20 addresses of DEV_MNEMONIC (m/44'/60'/0'/0/i), written out: deriving them
# costs eth_account's import and 20 derivations on the first signature
# (tests/integration/test_dev_key_guard.py derives them again and compares).
_DEV_ADDRESSES = frozenset(
    (
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
        "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
        "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
        "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
        "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
        "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
        "0xBcd4042DE499D14e55001CcbB24a551F3b954096",
        "0x71bE63f3384f5fb98995898A86B02Fb2426c5788",
        "0xFABB0ac9d68B0B445fB7357272Ff202C5651694a",
        "0x1CBd3b2770909D4e10f157cABC84C7264073C9Ec",
        "0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097",
        "0xcd3B766CCDd6AE721141F452C550Ca635964ce71",
        "0x2546BcD3c84621e976D8185a91A922aE77ECEc30",
        "0xbDA5747bFD65F08deb54cb465eB87D40e51B197E",
        "0xdD2FD4581271e230360230F9337D5c0430Bf44C0",
        "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199",
    )
)


def public_dev_addresses(count: int = 20) -> frozenset[str]:
    """Addresses of the well-known test mnemonic: never to be used on a mainnet."""
    if count == len(_DEV_ADDRESSES):
        return _DEV_ADDRESSES
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    return frozenset(
        str(Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}").address)
        for i in range(count)
    )
