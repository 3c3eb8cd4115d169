"""EVM engines for the devnet: anvil, or an embedded py-evm chain behind JSON-RPC.

Both serve JSON-RPC over HTTP at ``engine.rpc_url``; start one with ``start_chain``.
"""

from aleph_tui.devnet.chain.engine import (
    DEV_MNEMONIC,
    DEVNET_CHAIN_ID,
    ChainEngine,
    ChainKind,
    ChainUnavailable,
    DevAccount,
    dev_accounts,
    find_anvil,
    start_chain,
)

__all__ = [
    "DEVNET_CHAIN_ID",
    "DEV_MNEMONIC",
    "ChainEngine",
    "ChainKind",
    "ChainUnavailable",
    "DevAccount",
    "dev_accounts",
    "find_anvil",
    "start_chain",
]
