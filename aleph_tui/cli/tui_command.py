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
    import os

    # Under `aleph-tui serve`, textual-serve runs the dashboard on pipes with Textual's
    # web driver, which speaks to the browser instead of a terminal.
    if os.environ.get("TEXTUAL_DRIVER", "").endswith(":WebDriver"):
        return
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
    """The dashboard on the resolved network; its balances are read by the service's one
    API client, which the first view asks as soon as it is mounted. Textual and the
    dashboard load in a thread meanwhile, so the devnet's answer is awaited during the
    import instead of before it."""
    import asyncio
    import importlib

    from aleph_tui.cli.common import resolve_network
    from aleph_tui.core.service import CreditService

    async def service() -> CreditService:
        found = CreditService(await resolve_network(args))
        found.read_only = bool(getattr(args, "read_only", False))
        found.read_balances_ahead()  # on its one client, while Textual still imports
        return found

    app_module, credit_service = await asyncio.gather(
        asyncio.to_thread(importlib.import_module, "aleph_tui.ui.app"), service()
    )
    # Checked once the network is known, so a wrong network is named first.
    try:
        require_terminal()
    except BaseException:
        await credit_service.aclose()
        raise
    await app_module.AlephApp(credit_service).run_async()
