"""Save an SVG screenshot of every view: ``screenshots/<view_id>.svg`` at 140×40 and
``screenshots/<view_id>-80x24.svg`` at 80×24, the default terminal size.

    python scripts/screenshots.py [--out DIR]

It starts a devnet in this process with a fixed clock (as ``aleph-tui devnet --clock``),
imports the three seeded dev accounts into a throwaway store and session keyring, and
opens the dashboard on each view in turn at each size, with the same fixed "now" in the app.
The same commit therefore gives the same pictures on any day. Your own config, themes
and accounts are never read.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # as tests/support/ui_app.py FIXED_NOW
SIZES = {"": (140, 40), "-80x24": (80, 24)}  # file name suffix: (columns, lines)
DEV_ACCOUNTS = 3


async def capture() -> dict[str, str]:
    """Every capture, as its file name and its SVG."""
    from textual.widgets import Input

    from aleph_tui.core.accounts.account_store import AccountStore
    from aleph_tui.core.accounts.session_keyring import use_session_keyring
    from aleph_tui.core.journal.operation_journal import Journal
    from aleph_tui.core.networks import devnet_from_document
    from aleph_tui.core.service import CreditService
    from aleph_tui.devnet.chain.engine import dev_accounts
    from aleph_tui.devnet.server import Devnet, DevnetOptions
    from aleph_tui.ui.app import AlephApp
    from aleph_tui.ui.views import all_views
    from tests.support.ui_app import settle_loaded  # as the snapshot tests wait

    class FixedClockApp(AlephApp):
        def now(self) -> dt.datetime:
            return CLOCK

    saved: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="aleph-tui-screenshots-") as tmp:
        home = Path(tmp)
        os.environ["XDG_CONFIG_HOME"] = str(home / "config")
        os.environ["XDG_DATA_HOME"] = str(home / "data")
        os.environ["ALEPH_CONFIG_HOME"] = str(home / "aleph-client")
        os.environ.pop("TEXTUAL_THEME", None)
        use_session_keyring()
        store = AccountStore(
            manifest_path=home / "aleph" / "accounts.toml",
            keystore_dir=home / "aleph" / "keystores",
            legacy_home=home / "aleph-client",
            prompt=None,
        )
        for account in dev_accounts(DEV_ACCOUNTS):
            await store.import_key(f"dev-{account.index}", account.private_key)
        options = DevnetOptions(
            port=0, chain="embedded", state_dir=home / "devnet", clock=CLOCK.timestamp()
        )
        devnet = await Devnet.start(options)

        async def capture_view(view_id: str, size: tuple[int, int]) -> str:
            service = CreditService(
                devnet_from_document(devnet.document),
                journal=Journal(home / "journal.sqlite3"),
                accounts=store,
            )
            app = FixedClockApp(service)
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                app.action_open_view(view_id)
                for _ in range(50):  # until the view's loads, and what they set off, end
                    await app.workers.wait_for_complete()
                    await pilot.pause()
                    if not any(worker.is_running for worker in app.workers):
                        break
                await settle_loaded(pilot)  # every table filled, its columns measured
                await pilot.wait_for_scheduled_animations()
                for field in app.query(Input):
                    field.cursor_blink = False  # drawn the same in every capture
                await pilot.pause()
                # As the snapshot tests take it (segments merged): the same SVG.
                return app.export_screenshot(simplify=True)

        try:
            for suffix, size in SIZES.items():
                for view in all_views():
                    saved[f"{view.view_id}{suffix}.svg"] = await capture_view(view.view_id, size)
        finally:
            await devnet.stop()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    args.out.mkdir(parents=True, exist_ok=True)
    for name, svg in asyncio.run(capture()).items():
        path = args.out / name
        path.write_text(svg, encoding="utf-8")
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
