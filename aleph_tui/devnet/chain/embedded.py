"""The embedded engine: a py-evm chain served as JSON-RPC over HTTP by aiohttp.

The HTTP server runs in the caller's asyncio loop. py-evm is synchronous and
CPU-bound, so every chain operation runs in one dedicated worker thread: the loop
never blocks, and requests are applied one at a time, in arrival order.

With a ``state_dir``, every block is journalled to ``<state_dir>/embedded-chain.sqlite``
(see ``journal``); on start the journal is replayed, which re-executes the
transactions and re-mines the blocks. Balances, contracts, addresses and logs come
back the same; recorded timestamps are reused, so blocks normally keep their hashes.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from aiohttp import web
from eth_utils.address import to_canonical_address

from aleph_tui.devnet.chain.block_journal import SCHEMA_VERSION, ChainJournal
from aleph_tui.devnet.chain.engine import ChainUnavailable, dev_accounts
from aleph_tui.devnet.chain.jsonrpc import handle_payload, parse_error
from aleph_tui.devnet.chain.pyevm_chain import WEI_PER_ETH, DevChain
from aleph_tui.devnet.chain.rpc_errors import RpcError
from aleph_tui.devnet.chain.rpc_methods import dispatch

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 16 * 1024 * 1024
_CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "*",
}


def _open_chain(
    state_dir: Path | None, chain_id: int, balance_eth: int, genesis_timestamp: int | None = None
) -> DevChain:
    """Build the chain (and replay its journal); runs in the worker thread.

    ``genesis_timestamp`` dates a fresh chain's genesis (a journalled chain keeps its own);
    as with anvil's ``--timestamp``, the chain's clock then runs from there.
    """
    requested_genesis = genesis_timestamp
    accounts = [to_canonical_address(account.address) for account in dev_accounts()]
    settings = {
        "schema": SCHEMA_VERSION,
        "chain_id": str(chain_id),
        "balance_eth": str(balance_eth),
    }
    journal = ChainJournal.in_dir(state_dir) if state_dir is not None else None
    genesis_timestamp = None
    clock_offset = 0
    entries = []
    if journal is not None:
        meta = journal.meta()
        if meta:
            recorded = {key: meta.get(key) for key in settings}
            if recorded != settings:
                journal.close()
                raise ChainUnavailable(
                    f"{journal.path} was made with {recorded}, not {settings}; start with "
                    "the same settings or move the file away to begin a fresh chain"
                )
            genesis_timestamp = int(meta["genesis_timestamp"])
        else:
            genesis_timestamp = requested_genesis or int(time.time())
            journal.set_meta({**settings, "genesis_timestamp": str(genesis_timestamp)})
        entries = journal.entries()
    if not entries and requested_genesis is not None:
        # A fresh chain dated in the past: its clock runs on from the genesis, as anvil's.
        genesis_timestamp = genesis_timestamp or requested_genesis
        clock_offset = genesis_timestamp - int(time.time())
    chain = DevChain(
        chain_id=chain_id,
        funded_accounts=accounts,
        balance_wei=balance_eth * WEI_PER_ETH,
        genesis_timestamp=genesis_timestamp,
        journal=journal,
        clock_offset=clock_offset,
    )
    try:
        chain.replay(entries)
    except (RpcError, ValueError) as exc:
        if journal is not None:
            journal.close()
        raise ChainUnavailable(
            f"could not replay {journal.path if journal else 'the journal'}: {exc}; "
            "move it away to begin a fresh chain"
        ) from exc
    if entries:
        logger.info("embedded chain: replayed %d blocks from %s", len(entries), state_dir)
    return chain


def _close_chain(chain: DevChain) -> None:
    if chain.journal is not None:
        chain.journal.close()


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class EmbeddedChain:
    """A running embedded chain. Create it with ``start_embedded``."""

    name = "embedded"

    def __init__(
        self,
        *,
        chain: DevChain,
        executor: ThreadPoolExecutor,
        runner: web.AppRunner,
        rpc_url: str,
    ) -> None:
        self._chain = chain
        self._executor = executor
        self._runner = runner
        self.rpc_url = rpc_url
        self.chain_id = chain.chain_id
        self._stopped = False

    def state_version(self) -> int:
        """Changes whenever the latest state does (read from any thread)."""
        return self._chain.state_version

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        await self._runner.cleanup()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, _close_chain, self._chain)
        self._executor.shutdown(wait=False)
        logger.info("embedded chain stopped")


def _make_app(chain: DevChain, executor: ThreadPoolExecutor) -> web.Application:
    dispatch_on_chain = functools.partial(dispatch, chain)

    async def post(request: web.Request) -> web.StreamResponse:
        try:
            payload = json.loads(await request.read())
        except ValueError:
            return web.json_response(parse_error(), headers=_CORS_HEADERS)
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(executor, handle_payload, payload, dispatch_on_chain)
        if response is None:
            return web.Response(status=204, headers=_CORS_HEADERS)
        return web.json_response(response, headers=_CORS_HEADERS)

    async def options(request: web.Request) -> web.StreamResponse:
        return web.Response(status=204, headers=_CORS_HEADERS)

    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app.router.add_post("/", post)
    app.router.add_route("OPTIONS", "/", options)
    return app


async def start_embedded(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    state_dir: Path | None = None,
    chain_id: int,
    balance_eth: int,
    genesis_timestamp: int | None = None,
) -> EmbeddedChain:
    """Start the embedded chain in the running loop; ``port=0`` picks a free port."""
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="devnet-evm")
    try:
        chain = await loop.run_in_executor(
            executor, _open_chain, state_dir, chain_id, balance_eth, genesis_timestamp
        )
    except BaseException:
        executor.shutdown(wait=False)
        raise
    runner = web.AppRunner(_make_app(chain, executor), access_log=None)
    try:
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
    except BaseException as exc:
        await runner.cleanup()
        await loop.run_in_executor(executor, _close_chain, chain)
        executor.shutdown(wait=False)
        if isinstance(exc, OSError):
            raise ChainUnavailable(f"embedded chain cannot listen on {host}:{port}: {exc}") from exc
        raise
    bound_port = int(runner.addresses[0][1])
    engine = EmbeddedChain(
        chain=chain, executor=executor, runner=runner, rpc_url=_url(host, bound_port)
    )
    logger.info(
        "embedded chain %d ready at %s in %.2fs",
        chain_id,
        engine.rpc_url,
        time.perf_counter() - started,
    )
    return engine
