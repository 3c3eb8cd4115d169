"""The facade the TUI and the headless commands share. It grows with the core issue."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aleph_tui.core.api_client import AlephApi
from aleph_tui.core.models import Balance, DevnetInfo


class CreditService:
    def __init__(self, api_url: str) -> None:
        self.api = AlephApi(api_url)

    async def aclose(self) -> None:
        await self.api.aclose()

    async def balances(self, addresses: Sequence[str]) -> list[Balance | Exception]:
        """All balances concurrently; a failure is returned in its slot, not raised."""
        results = await asyncio.gather(
            *(self.api.balance(a) for a in addresses), return_exceptions=True
        )
        return [r if isinstance(r, Balance | Exception) else Exception(str(r)) for r in results]

    async def devnet_info(self) -> DevnetInfo:
        return await self.api.devnet_info()
