"""EVM engines for the devnet: anvil, or an embedded py-evm chain behind JSON-RPC."""
