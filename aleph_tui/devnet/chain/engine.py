"""The one interface the devnet uses for its EVM chain, whichever engine runs it.

Both engines serve plain JSON-RPC over HTTP on ``rpc_url``, so clients have a single
code path (``AsyncWeb3(AsyncHTTPProvider(engine.rpc_url))``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from aleph_tui.core.paths import private_dir

logger = logging.getLogger(__name__)

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEVNET_CHAIN_ID = 31337
ANVIL_NPM_PACKAGE = "@foundry-rs/anvil-linux-amd64@1.7.1"
ANVIL_ENV_VAR = "ALEPH_TUI_ANVIL"

# Repository root: the directory that holds the ``aleph_tui`` package.
REPO_ROOT = Path(__file__).resolve().parents[3]
ANVIL_NPM_BINARY = REPO_ROOT / ".tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"

ChainKind = Literal["auto", "embedded", "anvil"]


class ChainUnavailable(RuntimeError):
    """The requested chain engine cannot be started."""


@dataclass(frozen=True)
class DevAccount:
    """A well-known, publicly known dev key. Use only on the devnet."""

    index: int
    address: str  # EIP-55 checksum
    # "0x" + 64 hex digits; public, but kept out of reprs like any key.
    private_key: str = field(repr=False)


@functools.cache
def _derive_dev_accounts(n: int) -> tuple[DevAccount, ...]:
    # Imported here: eth_account is slow to import and the CLI must start fast.
    from eth_account import Account
    from eth_account.hdaccount import key_from_seed, seed_from_mnemonic

    seed = seed_from_mnemonic(DEV_MNEMONIC, "")
    accounts = []
    for index in range(n):
        key = key_from_seed(seed, f"m/44'/60'/0'/0/{index}")
        address = Account.from_key(key).address
        accounts.append(DevAccount(index, address, "0x" + key.hex()))
    return tuple(accounts)


def dev_accounts(n: int = 10) -> list[DevAccount]:
    """The first ``n`` accounts of ``DEV_MNEMONIC`` (the same as anvil's defaults)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    return list(_derive_dev_accounts(n))


class ChainEngine(Protocol):
    """A running EVM chain reachable over JSON-RPC at ``rpc_url``."""

    @property
    def name(self) -> str:
        """``"anvil"`` or ``"embedded"``."""
        ...

    @property
    def rpc_url(self) -> str: ...

    @property
    def chain_id(self) -> int: ...

    async def stop(self) -> None: ...


def _anvil_candidates() -> list[tuple[str, Path | None]]:
    """Where ``find_anvil`` looks, in order, as (description, path) pairs."""
    env = os.environ.get(ANVIL_ENV_VAR)
    on_path = shutil.which("anvil")
    return [
        (f"${ANVIL_ENV_VAR}", Path(env).expanduser() if env else None),
        ("`anvil` on PATH", Path(on_path) if on_path else None),
        ("repo .tools (npm)", ANVIL_NPM_BINARY),
        ("foundryup", Path.home() / ".foundry/bin/anvil"),
    ]


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_anvil() -> Path | None:
    """The anvil binary to use, or None.

    Looks at ``$ALEPH_TUI_ANVIL``, then ``anvil`` on PATH, then the npm install in
    ``<repo>/.tools``, then ``~/.foundry/bin/anvil``.
    """
    for label, path in _anvil_candidates():
        if path is None:
            continue
        if _is_executable(path):
            return path
        if label.startswith("$"):
            logger.warning("%s=%s is not an executable file; ignoring it", ANVIL_ENV_VAR, path)
    return None


def anvil_missing_message() -> str:
    looked = "; ".join(f"{label}: {path or 'nothing'}" for label, path in _anvil_candidates())
    return (
        f"anvil was not found (looked at {looked}). Install it with "
        f"`npm install --prefix {REPO_ROOT / '.tools'} {ANVIL_NPM_PACKAGE}`, "
        f"or point ${ANVIL_ENV_VAR} at an anvil binary."
    )


async def start_chain(
    kind: ChainKind = "auto",
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    state_dir: Path | None = None,
    chain_id: int = DEVNET_CHAIN_ID,
    balance_eth: int = 10000,
    genesis_timestamp: int | None = None,
) -> ChainEngine:
    """Start an EVM chain and return it once it answers JSON-RPC.

    ``auto`` uses anvil when it is installed and the embedded py-evm chain otherwise.
    ``port=0`` picks a free port; read the real one from ``rpc_url``. With
    ``state_dir`` the chain is kept across restarts. ``genesis_timestamp`` (Unix seconds)
    dates a fresh chain's genesis, e.g. in the past to mine history; the chain's clock runs
    from there until ``evm_setNextBlockTimestamp`` moves it, as anvil's does.
    """
    if kind not in ("auto", "embedded", "anvil"):
        raise ValueError(f"unknown chain kind {kind!r}")
    if state_dir is not None:
        await asyncio.to_thread(private_dir, state_dir)
    anvil = find_anvil() if kind in ("auto", "anvil") else None
    if kind == "anvil" and anvil is None:
        raise ChainUnavailable(anvil_missing_message())
    if anvil is not None:
        from aleph_tui.devnet.chain.anvil import start_anvil

        return await start_anvil(
            anvil,
            host=host,
            port=port,
            state_dir=state_dir,
            chain_id=chain_id,
            balance_eth=balance_eth,
            genesis_timestamp=genesis_timestamp,
        )
    if kind == "auto":
        logger.info("anvil not found, using the embedded py-evm chain")
    from aleph_tui.devnet.chain.embedded import start_embedded

    return await start_embedded(
        host=host,
        port=port,
        state_dir=state_dir,
        chain_id=chain_id,
        balance_eth=balance_eth,
        genesis_timestamp=genesis_timestamp,
    )
