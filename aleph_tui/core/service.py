"""The credit service facade: the single entry point of the TUI and the headless commands.

It owns one API client and (lazily) one chain gateway per network, the account store and
the journal. Each area keeps its logic in its own module; this class only wires them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aleph_tui.core.api_client import AlephApi
from aleph_tui.core.journal import Journal
from aleph_tui.core.models import Balance, DevnetInfo
from aleph_tui.core.networks import Network


class CreditService:
    def __init__(
        self,
        network: Network | str,
        *,
        journal: Journal | None = None,
    ) -> None:
        self.network = network if isinstance(network, Network) else Network("custom", network)
        self.api = AlephApi(self.network.api_url)
        self.journal = journal or Journal()

    async def aclose(self) -> None:
        await self.api.aclose()

    # --- balances ---------------------------------------------------------------------

    async def balances(self, addresses: Sequence[str]) -> list[Balance | Exception]:
        """All balances concurrently; a failure is returned in its slot, not raised."""
        results = await asyncio.gather(
            *(self.api.balance(a) for a in addresses), return_exceptions=True
        )
        return [r if isinstance(r, Balance | Exception) else Exception(str(r)) for r in results]

    async def devnet_info(self) -> DevnetInfo:
        return await self.api.devnet_info()

    # --- history ----------------------------------------------------------------------

    # --- transfers --------------------------------------------------------------------

    # --- buying -----------------------------------------------------------------------

    # --- accounts ---------------------------------------------------------------------
