"""``aleph-tui`` with no command: open the dashboard on the default (or given) network,
or on an embedded devnet with a throwaway account store (``--devnet``)."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    import asyncio
    import gc

    # Start-up makes objects that live as long as the app (modules, classes, widgets,
    # styles): collecting while they are made only walks them, 0.1 s of a cold start.
    # The app turns the collector back on once it is up (ui/collector.py).
    gc.disable()

    if args.devnet:
        from aleph_tui.ui.devnet_session import run_on_embedded_devnet

        asyncio.run(run_on_embedded_devnet())
        return 0

    asyncio.run(_dashboard(args))
    return 0


async def _dashboard(args: argparse.Namespace) -> None:
    """One event loop from the network lookup to the end: the client that read the
    devnet document is the service's own (no second client, no second loop)."""
    import asyncio
    import importlib

    from aleph_tui.cli.common import resolve_network
    from aleph_tui.core.api_client import AlephApi
    from aleph_tui.core.service import CreditService

    # Textual and the dashboard load in a thread (a third of start-up) while the network
    # is looked up and the balances are asked for, so the node's answers arrive during
    # the imports instead of after the first paint.
    ui = asyncio.ensure_future(asyncio.to_thread(importlib.import_module, "aleph_tui.ui.app"))
    kept: list[AlephApi] = []
    try:
        network = await resolve_network(args, keep=kept)
    except BaseException:
        await asyncio.gather(ui, return_exceptions=True)
        raise
    api = kept[0] if kept else None
    if api is not None and api.base_url != network.api_url.rstrip("/"):
        await api.aclose()
        api = None
    service = CreditService(network, api=api)
    service.read_balances_early()
    app_module = await ui
    await app_module.AlephApp(service).run_async()
