"""The devnet's public dev keys (anvil's defaults), for benchmarks that sign."""

from __future__ import annotations


def dev_key(index: int) -> str:
    from aleph_tui.devnet.chain.engine import dev_accounts

    return str(dev_accounts(index + 1)[index].private_key)
