"""Start and stop the whole devnet: chain, contracts, seed data, HTTP APIs, credit service."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
import tempfile
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from aiohttp import ClientSession, ClientTimeout, web

from aleph_tui.core.paths import private_dir
from aleph_tui.devnet import (
    ccn_api,
    ccn_lists,
    credit_api,
    flow_seed,
    ledger,
    operators,
    rpc_proxy,
    seed,
)
from aleph_tui.devnet.chain.engine import ChainEngine, dev_accounts, start_chain
from aleph_tui.devnet.coalesce import CoalescedReads
from aleph_tui.devnet.context import CONTEXT_KEY, AlephBalanceReader, DevnetContext
from aleph_tui.devnet.credit_issuer import CreditIssuer
from aleph_tui.devnet.deploy import Deployment, deploy
from aleph_tui.devnet.faults import FAULTS_KEY, FaultRule, FaultStore, fault_middleware
from aleph_tui.devnet.faults import routes as fault_routes
from aleph_tui.devnet.prices import PriceBook
from aleph_tui.devnet.processor import MAINNET_CREDIT_OWNER, CreditRules
from aleph_tui.devnet.rpc_proxy import RpcProxy
from aleph_tui.devnet.store import Store

log = logging.getLogger(__name__)

DEPLOYMENT_KEY = "deployment"
SEEDED_ACCOUNTS = 3
BALANCE_CACHE_SIZE = 10_000
BALANCE_OF = "0x70a08231"


@dataclass(frozen=True)
class DevnetOptions:
    host: str = "127.0.0.1"
    port: int = 4024
    state_dir: Path | None = None
    chain: Literal["auto", "embedded", "anvil"] = "auto"
    history: int = 0
    aleph_usd: Decimal = Decimal("0.10")
    eth_usd: Decimal = Decimal("3000")
    poll_interval: float = 0.25
    run_interval: float = 60.0
    # A fixed "now" (Unix seconds) for seeding and balance/expiry evaluation; None: real time.
    clock: float | None = None
    # Extra benchmark processing runs (flow_seed.add_processing_runs).
    flow_runs: int = 0
    # Fault rules active from the start (see faults.py); more come through the admin API.
    faults: tuple[FaultRule, ...] = ()
    # "none": the Credit API keeps no record of direct transfers (context.py).
    credit_api_records: Literal["all", "none"] = "all"


def _ensure_port_free(host: str, port: int) -> None:
    """Fail in milliseconds, before the chain starts, when the API port is taken."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


class Devnet:
    """A running devnet. Use ``await Devnet.start(options)`` and ``await devnet.stop()``."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {}
        self.chain: ChainEngine | None = None
        self.store: Store | None = None
        self.runner: web.AppRunner | None = None
        self.service_task: asyncio.Task[None] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.w3: Any = None
        self._fixed_clock = False
        self.faults = FaultStore()
        self.proxy: RpcProxy | None = None
        self._reader_session: ClientSession | None = None

    @property
    def api_url(self) -> str:
        return str(self.document["api_url"])

    @classmethod
    async def start(cls, options: DevnetOptions) -> Devnet:
        devnet = cls()
        try:
            await devnet._start(options)
        except BaseException:
            await devnet.stop()
            raise
        return devnet

    async def _start(self, options: DevnetOptions) -> None:
        from web3 import AsyncHTTPProvider, AsyncWeb3

        started = time.monotonic()
        if options.port:
            _ensure_port_free(options.host, options.port)
        if options.state_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="aleph-devnet-")
            state_dir = Path(self._tmp.name)
        else:
            state_dir = options.state_dir
        await asyncio.to_thread(private_dir, state_dir)
        if options.clock is not None:
            ledger.set_clock(options.clock)  # process-wide: one devnet per process
            self._fixed_clock = True
        # The token-flow history is mined in the past: a fresh chain starts before it.
        flow_end = flow_seed.history_end()
        self.chain = await start_chain(
            options.chain,
            host=options.host,
            state_dir=state_dir,
            genesis_timestamp=flow_seed.genesis_timestamp(flow_end),
        )
        self.w3 = AsyncWeb3(
            AsyncHTTPProvider(
                self.chain.rpc_url, request_kwargs={"timeout": ClientTimeout(total=30)}
            )
        )
        self.store = store = Store(state_dir / "devnet.sqlite")
        book = PriceBook(options.aleph_usd, options.eth_usd)
        accounts = dev_accounts()
        deployment = await self._deployment(store, book, [a.address for a in accounts])
        rules = CreditRules()
        seed.genesis(store)
        await flow_seed.seed_flow(
            self.w3,
            self.chain.chain_id,
            store,
            book,
            rules,
            deployment,
            end=flow_end,
            extra_runs=options.flow_runs,
        )
        await asyncio.to_thread(seed.seed_history, store, accounts[:SEEDED_ACCOUNTS], book, rules)
        if options.history:
            await asyncio.to_thread(
                seed.seed_bulk_history, store, operators.HISTORY_ACCOUNT.address, options.history
            )

        ctx = DevnetContext(
            store=store,
            rules=rules,
            aleph_balance=self._aleph_reader(deployment),
            faults=self.faults,
            holders=[a.address for a in accounts],
        )
        ccn_api.release_when_cleared(ctx)
        ctx.credit_api_records = options.credit_api_records
        for rule in options.faults:
            self.faults.add(rule)
        self.proxy = RpcProxy(self.chain.rpc_url, self.faults)
        app = web.Application(client_max_size=4 * 1024 * 1024, middlewares=[fault_middleware])
        app[CONTEXT_KEY] = ctx
        app[FAULTS_KEY] = self.faults
        app[credit_api.PRICES_KEY] = book
        app.add_routes(fault_routes)
        app.add_routes(ccn_api.routes)
        app.add_routes(ccn_lists.routes)
        app.add_routes(credit_api.routes)
        app.router.add_post(rpc_proxy.PATH, self.proxy.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, options.host, options.port)
        await site.start()
        port = self.runner.addresses[0][1]
        api_url = f"http://{options.host}:{port}"
        self.document = ctx.document = {
            "api_url": api_url,
            "credit_api_url": api_url + credit_api.PREFIX,
            # Clients reach the chain through the fault-injecting proxy; the engine's own
            # address is for tools that must bypass it.
            "rpc_url": api_url + rpc_proxy.PATH,
            "chain_rpc_url": self.chain.rpc_url,
            "chain_id": self.chain.chain_id,
            "chain_engine": self.chain.name,
            "credit_contract": deployment.processor,
            "aleph_token": deployment.aleph_token,
            "usdc_token": deployment.usdc_token,
            "deploy_block": deployment.deploy_block,
            "credit_owner": MAINNET_CREDIT_OWNER,
            "credit_sender": operators.CREDIT_SIGNER.address,
            "prices_usd": {s: str(t.usd) for s, t in book.tokens.items()},
            "accounts": [
                {"index": a.index, "address": a.address, "seeded": a.index < SEEDED_ACCOUNTS}
                for a in accounts
            ],
            "history_account": operators.HISTORY_ACCOUNT.address if options.history else None,
            "credit_api_records": options.credit_api_records,
        }
        service = CreditIssuer(
            self.w3,
            self.chain.chain_id,
            deployment,
            store,
            book,
            api_url,
            poll_interval=options.poll_interval,
            run_interval=options.run_interval,
        )
        self.service_task = asyncio.create_task(service.run(), name="devnet-credit-service")
        log.info("devnet ready in %.2fs at %s", time.monotonic() - started, api_url)

    async def _deployment(self, store: Store, book: PriceBook, addresses: list[str]) -> Deployment:
        assert self.chain is not None
        saved = store.get_meta(DEPLOYMENT_KEY)
        if saved:
            deployment = Deployment.from_json(json.loads(saved))
            if await self.w3.eth.get_code(deployment.processor):
                return deployment
            log.warning("saved contracts are missing from the chain; deploying again")
        deployment = await deploy(self.w3, self.chain.chain_id, book, addresses)
        with store.transaction():
            store.set_meta(DEPLOYMENT_KEY, json.dumps(asdict(deployment)))
            store.set_meta("credit_service.last_block", str(deployment.deploy_block))
        return deployment

    def _aleph_reader(self, deployment: Deployment) -> AlephBalanceReader:
        """``balanceOf`` as one raw JSON-RPC ``eth_call`` on the engine, over one reused
        session: web3's request pipeline cost ~19 ms a call, which serialised concurrent
        balance requests (50 accounts took 0.8 s instead of one latency)."""
        from eth_utils.address import is_checksum_address

        assert self.chain is not None
        engine_url = self.chain.rpc_url
        token = deployment.aleph_token
        # The embedded engine says when its latest state changes: a balance read at one
        # state version is served again until the next block, without an eth_call (which
        # cost ~2 ms of py-evm each and made a balance 6x dearer than a history page).
        # anvil has no such signal, so there every read asks the chain.
        state_version = getattr(self.chain, "state_version", None)
        cache: dict[str, tuple[int, Decimal]] = {}

        async def read(address: str) -> Decimal:
            # The balance indexer keys rows by the checksummed address, case-sensitively.
            if not is_checksum_address(address):
                return Decimal(0)
            if state_version is None:
                return await calls.read(address)
            version = state_version()  # taken before the call: a change meanwhile misses
            cached = cache.get(address)
            if cached is not None and cached[0] == version:
                return cached[1]
            value = await calls.read(address)
            if len(cache) >= BALANCE_CACHE_SIZE:
                cache.clear()
            cache[address] = (version, value)
            return value

        async def call(address: str) -> Decimal:
            session = self._reader_session
            if session is None:
                session = self._reader_session = ClientSession(timeout=ClientTimeout(total=30))
            data = BALANCE_OF + address[2:].lower().rjust(64, "0")
            balance_of = {"to": token, "data": data}
            request = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "eth_call",
                "params": [balance_of, "latest"],
            }
            async with session.post(engine_url, json=request) as response:
                answer = await response.json(content_type=None)
            if not isinstance(answer, dict) or "result" not in answer:
                raise RuntimeError(f"balanceOf {address}: the chain answered {answer!r}")
            return Decimal(int(answer["result"], 16)).scaleb(-18)

        # A burst of reads of one address shares an eth_call (never one older than the
        # request): after a block, 200 waiting requests cost two calls, not 200.
        calls: CoalescedReads[str, Decimal] = CoalescedReads(call)
        return read

    async def stop(self) -> None:
        if self.service_task is not None:
            self.service_task.cancel()
            await asyncio.gather(self.service_task, return_exceptions=True)
        self.faults.close()
        if self.runner is not None:
            await self.runner.cleanup()
        if self.proxy is not None:
            await self.proxy.close()
        if self._reader_session is not None:
            await self._reader_session.close()
        if self.w3 is not None:
            await self.w3.provider.disconnect()
        if self.chain is not None:
            await self.chain.stop()
        if self.store is not None:
            self.store.close()
        if self._tmp is not None:
            self._tmp.cleanup()
        if self._fixed_clock:
            ledger.set_clock(None)
            self._fixed_clock = False


async def serve_forever(options: DevnetOptions, announce: Any) -> None:
    """Run until SIGINT or SIGTERM; ``announce`` receives the ready document once.

    Both signals stop cleanly (anvil is terminated, state flushed), even when the
    process runs as a background job whose SIGINT the shell ignores.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    devnet = await Devnet.start(options)
    try:
        announce(devnet.document)
        await stop.wait()
    finally:
        await devnet.stop()
