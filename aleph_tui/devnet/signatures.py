"""Signature verification by chain, as pyaleph's ``chains/signature_verifier.py`` picks it.

pyaleph checks the EVM chains (and ETH, ETHERLINK, NEO) with EIP-191 ``personal_sign``;
the devnet does the same. The chains pyaleph checks with another scheme (Avalanche,
Cosmos, Substrate, Solana, NULS, Tezos) have no verifier here, so their messages are
refused as badly signed rather than waved through; a chain pyaleph has no verifier for
at all is refused as badly formatted, with pyaleph's own words.
"""

from __future__ import annotations

from aleph_message.models import Chain

from aleph_tui.core.aleph.messages import recover_signer, verification_buffer

# pyaleph b09db708 src/aleph/chains/signature_verifier.py: EVMVerifier/EthereumVerifier.
EIP191_CHAINS = frozenset(
    {
        Chain.ARBITRUM,
        Chain.BASE,
        Chain.BLAST,
        Chain.BOB,
        Chain.BSC,
        Chain.CYBER,
        Chain.ETH,
        Chain.ETHERLINK,
        Chain.FRAXTAL,
        Chain.HYPE,
        Chain.INK,
        Chain.LENS,
        Chain.LINEA,
        Chain.LISK,
        Chain.METIS,
        Chain.MODE,
        Chain.NEO,
        Chain.OPTIMISM,
        Chain.POL,
        Chain.SONIC,
        Chain.UNICHAIN,
        Chain.WORLDCHAIN,
        Chain.ZORA,
    }
)
# Verified by pyaleph with a scheme of their own, which the devnet does not implement.
OTHER_SCHEME_CHAINS = frozenset(
    {
        Chain.AVAX,
        Chain.CSDK,
        Chain.DOT,
        Chain.ECLIPSE,
        Chain.NULS,
        Chain.NULS2,
        Chain.SOL,
        Chain.TEZOS,
    }
)


class UnknownChain(Exception):
    """pyaleph's InvalidMessageFormat from the verifier: no verifier for the chain."""


class BadSignature(Exception):
    """pyaleph's InvalidSignature."""


def verify(chain: Chain, sender: str, message_type: str, item_hash: str, signature: str) -> None:
    """Raise unless ``signature`` is the sender's over the message, as ``chain`` signs."""
    if chain not in EIP191_CHAINS and chain not in OTHER_SCHEME_CHAINS:
        raise UnknownChain(f"Unknown chain for validation: {chain}")
    if chain in OTHER_SCHEME_CHAINS:
        raise BadSignature(f"the devnet cannot verify {chain.value} signatures")
    buffer = verification_buffer(chain.value, sender, message_type, item_hash)
    try:
        signer = recover_signer(buffer, signature)
    except Exception:
        raise BadSignature("The signature of the message is invalid") from None
    if signer.lower() != sender.lower():
        raise BadSignature("The signature of the message is invalid")
