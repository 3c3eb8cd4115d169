"""``aleph-tui --devnet``: an embedded devnet and a throwaway account store.

The user's real files and keyring are never touched: the manifest lives in a temporary
directory and keys in a keyring held in this process's memory for the session.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path


def log_to_state_dir() -> Path:
    """The screen belongs to Textual: the embedded devnet logs to a file instead, the
    user's own (0600, in a 0700 state directory), never a shared temporary one."""
    from aleph_tui.core.paths import devnet_log, open_private

    path = devnet_log()
    handler = logging.StreamHandler(open_private(path, "a"))
    handler.setFormatter(logging.Formatter(logging.BASIC_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)  # beside --debug's debug.log, if any, not instead of it
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    return path


async def run_on_embedded_devnet() -> None:
    from aleph_tui.core.accounts.account_store import AccountStore
    from aleph_tui.core.accounts.session_keyring import use_session_keyring
    from aleph_tui.core.journal.operation_journal import Journal
    from aleph_tui.core.networks import devnet_from_document
    from aleph_tui.core.service import CreditService
    from aleph_tui.devnet.chain.engine import dev_accounts
    from aleph_tui.devnet.server import Devnet, DevnetOptions
    from aleph_tui.ui.app import AlephApp

    log_to_state_dir()
    print("Starting the embedded devnet…", file=sys.stderr)
    devnet = await Devnet.start(DevnetOptions(port=0))
    with tempfile.TemporaryDirectory(prefix="aleph-tui-session-") as home:
        use_session_keyring()
        store = AccountStore(
            manifest_path=Path(home) / "accounts.toml",
            keystore_dir=Path(home) / "keystores",
            prompt=None,
            watch_path=Path(home) / "watched.toml",  # the user's watched addresses stay out
        )
        for account in dev_accounts(3):
            await store.import_key(f"dev-{account.index}", account.private_key)
        service = CreditService(
            devnet_from_document(devnet.document),
            journal=Journal(Path(home) / "journal.sqlite3"),
            accounts=store,
        )
        try:
            await AlephApp(service).run_async()
        finally:
            await devnet.stop()
