"""``aleph-tui --devnet``: an embedded devnet and a throwaway account store.

The user's real files and keyring are never touched: every per-user file (accounts,
thresholds, watch list, journal, caches) lives in a temporary directory, and keys in a
keyring held in this process's memory for the session.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aleph_tui.core.service import CreditService


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


def _keep_the_look(session_config: Path) -> None:
    """The user's settings and themes, copied into the session: the dashboard looks as
    usual, and what the session changes stays in the throwaway copy."""
    import shutil

    from aleph_tui.core.paths import app_config_dir, private_dir

    real = app_config_dir()
    private_dir(session_config)
    if (real / "config.toml").is_file():
        shutil.copyfile(real / "config.toml", session_config / "config.toml")
    if (real / "themes").is_dir():
        shutil.copytree(real / "themes", session_config / "themes")


@asynccontextmanager
async def devnet_session(document: dict[str, Any]) -> AsyncIterator[CreditService]:
    """The service of a ``--devnet`` session on the devnet of ``document``: the devnet's
    funded accounts (dev-0 …) in a keyring held in memory, and every per-user file
    (accounts, thresholds, watch list, journal, caches) in a temporary directory, through
    core/paths.session_home, removed at the end."""
    from aleph_tui.core import paths
    from aleph_tui.core.accounts.account_store import AccountStore
    from aleph_tui.core.accounts.session_keyring import use_session_keyring
    from aleph_tui.core.networks import devnet_from_document
    from aleph_tui.core.service import CreditService
    from aleph_tui.devnet.chain.engine import dev_accounts

    with tempfile.TemporaryDirectory(prefix="aleph-tui-session-") as home:
        _keep_the_look(Path(home) / "config")
        use_session_keyring()
        with paths.session_home(Path(home)):
            store = AccountStore(prompt=None)
            store.session_keys = True
            for account in dev_accounts(3):
                await store.import_key(f"dev-{account.index}", account.private_key)
            service = CreditService(devnet_from_document(document), accounts=store)
            try:
                yield service
            finally:
                await service.aclose()


async def run_on_embedded_devnet() -> None:
    from aleph_tui.devnet.server import Devnet, DevnetOptions
    from aleph_tui.ui.app import AlephApp

    log_to_state_dir()
    print("Starting the embedded devnet…", file=sys.stderr)
    devnet = await Devnet.start(DevnetOptions(port=0))
    try:
        async with devnet_session(devnet.document) as service:
            await AlephApp(service).run_async()
    finally:
        await devnet.stop()
