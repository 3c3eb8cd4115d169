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

    from aleph_tui.cli.common import resolve_network
    from aleph_tui.core.service import CreditService
    from aleph_tui.ui.app import AlephApp

    network = asyncio.run(resolve_network(args))
    AlephApp(CreditService(network)).run()
    return 0
