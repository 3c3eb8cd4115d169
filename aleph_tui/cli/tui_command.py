"""``aleph-tui`` with no command: open the dashboard on the default (or given) network,
or on an embedded devnet with a throwaway account store (``--devnet``)."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    import asyncio

    if args.devnet:
        from aleph_tui.ui.devnet_session import run_on_embedded_devnet

        asyncio.run(run_on_embedded_devnet())
        return 0

    asyncio.run(_dashboard(args))
    return 0


async def _dashboard(args: argparse.Namespace) -> None:
    """One event loop from the network lookup to the end: the client that read the
    devnet document is the service's own (no second client, no second loop)."""
    from aleph_tui.cli.common import resolve_network
    from aleph_tui.core.api_client import AlephApi
    from aleph_tui.core.service import CreditService
    from aleph_tui.ui.app import AlephApp

    kept: list[AlephApi] = []
    network = await resolve_network(args, keep=kept)
    api = kept[0] if kept else None
    if api is not None and api.base_url != network.api_url.rstrip("/"):
        await api.aclose()
        api = None
    await AlephApp(CreditService(network, api=api)).run_async()
