"""``aleph-tui`` with no command: open the dashboard."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    import os
    import tempfile

    from aleph_tui.ui.app import AlephTuiApp

    if not args.devnet:
        url = args.api_url or os.environ.get("ALEPH_DEVNET_URL", "http://127.0.0.1:4024")
        AlephTuiApp(url).run()
        return 0

    from aleph_tui.devnet.server import Devnet, DevnetOptions

    # The screen belongs to Textual: the embedded devnet logs to a file instead.
    log_file = Path(tempfile.gettempdir()) / "aleph-tui-devnet.log"
    logging.basicConfig(level=logging.INFO, filename=log_file, force=True)

    async def main() -> None:
        print("Starting the embedded devnet…", file=sys.stderr)
        devnet = await Devnet.start(DevnetOptions(port=0))
        try:
            await AlephTuiApp(devnet.api_url).run_async()
        finally:
            await devnet.stop()

    asyncio.run(main())
    return 0
