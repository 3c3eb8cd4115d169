"""``aleph-tui`` with no command: open the dashboard on the default (or given) network,
or on an embedded devnet with a throwaway account store (``--devnet``)."""

from __future__ import annotations

import argparse
import sys

from aleph_tui.cli.common import CommandError

NO_TERMINAL = (
    "the dashboard needs a terminal (stdin and stdout); "
    "for scripts use the commands (aleph-tui --help)"
)


def require_terminal() -> None:
    """Refuse, in one line, rather than write a full screen of escape codes into a file
    or a pipe. Only the real process checks: tests drive the app in-process."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CommandError(NO_TERMINAL)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import gc

    # Start-up makes objects that live as long as the app (modules, classes, widgets,
    # styles): collecting while they are made only walks them, 0.1 s of a cold start.
    # The app turns the collector back on once it is up (ui/collector.py).
    gc.disable()

    if args.devnet:
        from aleph_tui.cli.devnet_extra import require_devnet
        from aleph_tui.ui.devnet_session import run_on_embedded_devnet

        require_devnet()
        require_terminal()
        asyncio.run(run_on_embedded_devnet())
        return 0

    asyncio.run(_dashboard(args))
    return 0


async def _dashboard(args: argparse.Namespace) -> None:
    """Nothing on the way to the first paint waits for httpx and its stack (0.1 s of
    imports): the devnet's document and the balances are read over the standard
    library, by threads that wait on their sockets while Textual loads
    (core/aleph/early_reads.py). The service's own client is made when first used."""
    import importlib

    from aleph_tui.cli.common import api_url_of, configured_network, discovered_network
    from aleph_tui.core.aleph.early_reads import EarlyReads
    from aleph_tui.core.service import CreditService

    network = configured_network(args)
    reads = EarlyReads(api_url_of(args, network))
    network = await discovered_network(args, network, early=reads)
    service = CreditService(network)
    service.read_balances_early(reads)
    # Checked once the network is known, so a wrong network is named first.
    require_terminal()
    app_module = importlib.import_module("aleph_tui.ui.app")
    await app_module.AlephApp(service).run_async()
