"""The token-flow ledger (core/flows/token_flow.py, core/chain/log_cache.py, ``aleph-tui flow``).

Everything runs against a real devnet over HTTP and its real chain. Every figure of the
report is checked against one computed here independently: the logs read with raw
``eth_getLogs`` and decoded with eth_abi, the payments read page by page from the Credit
API and summed here.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import itertools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from aleph_tui.cli import main
from aleph_tui.core.chain import log_cache
from aleph_tui.core.chain.log_cache import REORG_MARGIN_BLOCKS, LogCache
from aleph_tui.core.flows import token_flow
from aleph_tui.core.flows.token_flow import FlowReport
from aleph_tui.core.networks import Network, devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.devnet.chain.engine import ChainKind, start_chain
from tests.conftest import CHAIN_ENGINES, require_anvil
from tests.support.devnet_process import RunningDevnet, start_devnet
from tests.support.wallet_client import pay, poll, rpc

TOPIC = (
    "0x"
    + keccak(
        text="TokenPaymentsProcessed(address,address,uint256,uint256,uint256,uint256,uint256,"
        "uint256,uint8,bool)"
    ).hex()
)
EXTRA_RUNS = 12  # --flow-runs
SEEDED_RUNS = 10  # flow_seed.py: four monthly batches
ETH = "0x0000000000000000000000000000000000000000"


@pytest.fixture(scope="module")
def flow_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevnet]:
    """Processing runs every second, so a payment shows up as a run quickly."""
    running = start_devnet(
        tmp_path_factory.mktemp("flow-devnet"),
        "--chain",
        "embedded",
        "--processing-interval",
        "1",
        "--flow-runs",
        str(EXTRA_RUNS),
    )
    yield running
    running.stop()


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh app data dir, so each test starts without a cache."""
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@pytest.fixture
def network(flow_devnet: RunningDevnet) -> Network:
    return devnet_from_document(flow_devnet.document)


def dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def report_of(network: Network, **kwargs: Any) -> FlowReport:
    service = CreditService(network)
    try:
        return await service.flow_report(**kwargs)
    finally:
        await service.aclose()


# --- the independent reading ----------------------------------------------------------------


async def chain_runs(devnet: RunningDevnet, to_block: int) -> list[dict[str, Any]]:
    """Every TokenPaymentsProcessed up to ``to_block``, decoded here, oldest first."""
    document = devnet.document
    async with httpx.AsyncClient(timeout=30) as client:
        logs = await rpc(
            client,
            devnet.rpc_url,
            "eth_getLogs",
            {
                "address": document["credit_contract"],
                "topics": [TOPIC],
                "fromBlock": hex(document["deploy_block"]),
                "toBlock": hex(to_block),
            },
        )
        runs = []
        for log in logs:
            block = await rpc(
                client, devnet.rpc_url, "eth_getBlockByNumber", log["blockNumber"], False
            )
            words = abi_decode(["uint256"] * 6 + ["uint8", "bool"], bytes.fromhex(log["data"][2:]))
            runs.append(
                {
                    "block": int(log["blockNumber"], 16),
                    "log_index": int(log["logIndex"], 16),
                    "tx_hash": log["transactionHash"].lower(),
                    "timestamp": int(block["timestamp"], 16),
                    "token": to_checksum_address("0x" + log["topics"][1][-40:]),
                    "amount": words[0],
                    "swap_amount": words[1],
                    "aleph_received": words[2],
                    "burned": words[3],
                    "to_distribution": words[4],
                    "to_developers": words[5],
                    "swap_version": words[6],
                    "is_stable": words[7],
                }
            )
    return runs


async def completed_payments(devnet: RunningDevnet) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    async with httpx.AsyncClient(timeout=30) as client:
        page = 1
        while True:
            response = await client.get(
                devnet.credit_api_url + "/payment", params={"page": page, "pagination": 50}
            )
            response.raise_for_status()
            body = response.json()
            rows += body["data"]
            if len(rows) >= body["pagination"]["total"] or not body["data"]:
                break
            page += 1
    return [row for row in rows if row["status"] == "COMPLETED"]


def usd_of(payment: dict[str, Any]) -> Decimal:
    prices = payment["prices"]
    paid = prices["credit_amount"] - (prices["credit_bonus_amount"] or 0)
    return Decimal(paid) * Decimal(prices["credit_price_usdc"])


def aleph(units: int) -> Decimal:
    return Decimal(units) / Decimal(10**18)


def month_of(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m")


async def test_report_matches_an_independent_reading(
    flow_devnet: RunningDevnet, network: Network, data_home: Path
) -> None:
    report = await report_of(network)
    assert report.chain.available and report.chain.error is None and not report.chain.stale
    assert report.credit_api.available and report.credit_api.error is None
    assert report.scan is not None and report.scan.last_block is not None
    assert report.scan.first_block == flow_devnet.document["deploy_block"]

    runs = await chain_runs(flow_devnet, report.scan.last_block)
    assert len(runs) >= SEEDED_RUNS + EXTRA_RUNS
    symbols = {
        flow_devnet.document["aleph_token"]: "ALEPH",
        flow_devnet.document["usdc_token"]: "USDC",
        ETH: "ETH",
    }
    decimals = {"ALEPH": 18, "USDC": 6, "ETH": 18}
    assert [(r.block_number, r.log_index) for r in report.runs] == [
        (run["block"], run["log_index"]) for run in reversed(runs)
    ]
    for mine, theirs in zip(report.runs, reversed(runs), strict=True):
        symbol = symbols[theirs["token"]]
        assert mine.tx_hash == theirs["tx_hash"]
        assert mine.timestamp == dt.datetime.fromtimestamp(theirs["timestamp"], dt.UTC)
        assert (mine.token, mine.token_symbol) == (theirs["token"], symbol)
        assert mine.amount_in == Decimal(theirs["amount"]) / Decimal(10 ** decimals[symbol])
        assert mine.aleph_out == aleph(theirs["aleph_received"])
        assert mine.to_network == aleph(theirs["to_distribution"])
        assert mine.burned == aleph(theirs["burned"])
        assert mine.kind == ("stable" if theirs["is_stable"] else "swap")
        assert mine.market_buy == (theirs["swap_amount"] > 0)
        assert mine.swap_version == theirs["swap_version"]
        assert mine.explorer_url is None  # the devnet has no explorer
    # Every kind of run, over several calendar months: the block timestamps were moved.
    assert {r.token_symbol for r in report.runs} == {"ALEPH", "USDC", "ETH"}
    assert {r.kind for r in report.runs} == {"swap", "stable"}
    run_months = {month_of(run["timestamp"]) for run in runs}
    assert len(run_months) >= 3  # four monthly batches over 90 days

    totals = report.totals
    assert totals.processing_runs == len(runs)
    assert totals.aleph_distributed == aleph(sum(r["to_distribution"] for r in runs))
    assert totals.aleph_burned == aleph(sum(r["burned"] for r in runs)) == 0
    assert totals.aleph_market_bought == aleph(
        sum(r["aleph_received"] for r in runs if r["swap_amount"] > 0)
    )
    assert totals.aleph_market_bought > 0
    async with httpx.AsyncClient(timeout=10) as client:
        selector = "0x" + keccak(text="burnPercentage()")[:4].hex()
        call = {"to": flow_devnet.document["credit_contract"], "data": selector}
        burn = int(await rpc(client, flow_devnet.rpc_url, "eth_call", call, "latest"), 16)
    assert totals.burn_percentage == burn == 0
    assert totals.burn_idle is True

    payments = await completed_payments(flow_devnet)
    assert totals.purchases == len(payments) == len(report.purchases)
    assert totals.usd_purchased == sum(usd_of(p) for p in payments)
    assert totals.credits_purchased == sum(p["prices"]["credit_amount"] for p in payments)
    assert totals.by_currency is not None
    for currency, total in totals.by_currency.items():
        mine_paid = [p for p in payments if p["in_currency"] == currency]
        assert total.purchases == len(mine_paid)
        assert total.usd == sum(usd_of(p) for p in mine_paid)
    newest = max(payments, key=lambda p: p["created_at"])
    latest = report.purchases[0]
    assert latest.tx_hash == newest["tx_hash"] and latest.usd == usd_of(newest)
    assert latest.amount == Decimal(newest["in_amount"]) / Decimal(
        10 ** decimals[newest["in_currency"]]
    )

    # The monthly series, both sources, month by month and without gaps.
    usd_by_month: dict[str, Decimal] = {}
    for p in payments:
        m = month_of(p["created_at"] / 1000)
        usd_by_month[m] = usd_by_month.get(m, Decimal(0)) + usd_of(p)
    distributed_by_month: dict[str, int] = {}
    for run in runs:
        m = month_of(run["timestamp"])
        distributed_by_month[m] = distributed_by_month.get(m, 0) + run["to_distribution"]
    months = [m.month for m in report.monthly]
    assert months == sorted(months) and len(set(months)) == len(months)
    assert months[0] == min(usd_by_month | distributed_by_month)
    assert months[-1] == max(usd_by_month | distributed_by_month)
    for flow in report.monthly:
        assert flow.usd_purchased == usd_by_month.get(flow.month, 0)
        assert flow.aleph_distributed == aleph(distributed_by_month.get(flow.month, 0))


# --- dated blocks -------------------------------------------------------------------------


@pytest.mark.parametrize("engine", CHAIN_ENGINES)
async def test_blocks_can_be_dated_in_the_past(engine: ChainKind) -> None:
    """What the devnet's history needs from both engines: a genesis in the past, and
    evm_setNextBlockTimestamp, after which the clock carries on from the new time."""
    if engine == "anvil":
        require_anvil()
    now = int(time.time())
    genesis = now - 100 * 86400
    chain = await start_chain(engine, genesis_timestamp=genesis)
    try:
        async with httpx.AsyncClient(timeout=10) as client:

            async def head_time() -> int:
                block = await rpc(client, chain.rpc_url, "eth_getBlockByNumber", "latest", False)
                return int(block["timestamp"], 16)

            assert await head_time() == genesis
            await rpc(client, chain.rpc_url, "evm_mine")
            assert genesis <= await head_time() < genesis + 60  # the clock runs from genesis
            target = now - 50 * 86400
            assert await rpc(client, chain.rpc_url, "evm_setNextBlockTimestamp", target) is None
            await rpc(client, chain.rpc_url, "evm_mine")
            assert await head_time() == target
            await rpc(client, chain.rpc_url, "evm_mine")
            assert target <= await head_time() < target + 60  # and on from there
            answer = await client.post(
                chain.rpc_url,
                json={
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "evm_setNextBlockTimestamp",
                    "params": [target - 86400],
                },
            )
            assert answer.json()["error"]["code"] == -32602  # not before the head
    finally:
        await chain.stop()


# --- the cache ------------------------------------------------------------------------------


async def test_a_second_report_reads_only_new_blocks(
    flow_devnet: RunningDevnet, network: Network, data_home: Path, accounts: list[Any]
) -> None:
    first = await report_of(network)
    assert first.scan is not None and first.scan.stats is not None
    assert first.scan.stats.from_block == first.scan.first_block  # a first scan: everything
    last = first.scan.last_block
    assert last is not None
    path = token_flow.cache_path(data_home / "aleph-tui" / "cache", network)
    assert path is not None and path == first.scan.cache_path and path.is_file()

    payment = await pay(flow_devnet, accounts[4].private_key, "USDC", Decimal(2))
    usdc = flow_devnet.document["usdc_token"]

    async def processed() -> dict[str, Any] | None:
        async with httpx.AsyncClient(timeout=10) as client:
            logs = await rpc(
                client,
                flow_devnet.rpc_url,
                "eth_getLogs",
                {
                    "address": flow_devnet.document["credit_contract"],
                    "topics": [TOPIC],
                    "fromBlock": hex(payment.block_number),
                    "toBlock": "latest",
                },
            )
        runs = [g for g in logs if g["topics"][1][-40:] == usdc[2:].lower()]
        return runs[0] if runs else None

    async def completed() -> bool | None:
        rows = await completed_payments(flow_devnet)
        return True if any(p["tx_hash"] == payment.tx_hash for p in rows) else None

    run_log = await poll(processed, "the processing run of the USDC payment")
    await poll(completed, "the payment to be COMPLETED")

    second = await report_of(network)
    assert second.scan is not None and second.scan.stats is not None
    stats = second.scan.stats
    # Only the reorg margin and the new blocks were read, not the chain again.
    assert stats.from_block == last - REORG_MARGIN_BLOCKS + 1 > second.scan.first_block
    assert second.scan.last_block is not None
    assert stats.to_block == second.scan.last_block >= int(run_log["blockNumber"], 16)
    assert not stats.reset and stats.requests == 1
    cache = LogCache(
        path,
        address=network.credit_contract or "",
        topic0=TOPIC,
        start_block=second.scan.first_block,
    )
    try:
        assert cache.last_block == second.scan.last_block
        assert len(cache.logs()) == len(second.runs)
    finally:
        cache.close()

    assert len(second.runs) == len(first.runs) + 1
    newest = second.runs[0]
    assert newest.tx_hash == run_log["transactionHash"].lower()
    assert (newest.token_symbol, newest.amount_in, newest.kind) == ("USDC", Decimal(2), "stable")
    assert second.purchases[0].tx_hash == payment.tx_hash
    assert second.purchases[0].usd == 2
    assert second.totals.purchases == (first.totals.purchases or 0) + 1


async def test_without_refresh_only_the_cache_is_read(network: Network, data_home: Path) -> None:
    fresh = await report_of(network)
    # The same network (same cache file) but nothing reachable: nothing may be fetched.
    offline = dataclasses.replace(network, rpc_url=dead_url(), credit_api_url=dead_url())
    cached = await report_of(offline, refresh=False)
    for status in (cached.chain, cached.credit_api):
        assert status.available and status.stale and status.error is None
    assert cached.scan is not None and cached.scan.stats is None
    assert cached.runs == fresh.runs
    assert cached.purchases == fresh.purchases
    assert cached.totals == fresh.totals


def test_a_cache_from_an_older_schema_is_rebuilt_not_misread(tmp_path: Path) -> None:
    """Topics were JSON in schema 1; such a file is emptied on open and scanned afresh."""
    path = tmp_path / "flow.sqlite"

    def open_cache() -> LogCache:
        return LogCache(path, address="0x" + "ab" * 20, topic0=TOPIC, start_block=5)

    cache = open_cache()
    cache._db.execute("INSERT INTO logs VALUES (7, 0, '0x01', '[\"0xaa\"]', '0x')")
    cache._db.execute("INSERT INTO meta VALUES ('last_block', '9')")
    cache._db.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    cache.close()
    reopened = open_cache()
    try:
        assert reopened.last_block is None and reopened.logs() == []
    finally:
        reopened.close()


# What a capped node does with an eth_getLogs call over too many blocks: None lets it through.
Refusal = Callable[[dict[str, Any], int], web.Response | None]


@contextlib.asynccontextmanager
async def capped_node(upstream_url: str, refuse: Refusal) -> AsyncIterator[str]:
    """A real HTTP JSON-RPC relay in front of ``upstream_url`` that answers an eth_getLogs
    call with ``refuse(call, span)`` when that is not None, as public nodes cap scans."""
    upstream = httpx.AsyncClient(timeout=30)

    async def relay(request: web.Request) -> web.Response:
        payload = await request.json()
        calls = payload if isinstance(payload, list) else [payload]
        for call in calls:
            if call.get("method") == "eth_getLogs":
                criteria = call["params"][0]
                span = int(criteria["toBlock"], 16) - int(criteria["fromBlock"], 16) + 1
                refusal = refuse(call, span)
                if refusal is not None:
                    return refusal
        answer = await upstream.post(upstream_url, json=payload)
        return web.json_response(answer.json())

    app = web.Application()
    app.router.add_post("/", relay)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
        await upstream.aclose()


async def test_refused_ranges_are_halved(
    flow_devnet: RunningDevnet, network: Network, data_home: Path
) -> None:
    """Behind a node that refuses eth_getLogs over more than 8 blocks, as public nodes
    cap ranges, the scan shrinks its chunks and still reads every run."""
    max_range = 8
    refused: list[int] = []

    def too_many(call: dict[str, Any], span: int) -> web.Response | None:
        if span <= max_range:
            return None
        refused.append(span)
        error = {"code": -32005, "message": "query returned more than 10000 results"}
        return web.json_response({"jsonrpc": "2.0", "id": call["id"], "error": error})

    direct = await report_of(network)
    async with capped_node(flow_devnet.rpc_url, too_many) as url:
        limited = dataclasses.replace(network, name="devnet-limited", rpc_url=url)
        report = await report_of(limited)
    assert report.chain.available, report.chain.error
    assert report.scan is not None and report.scan.stats is not None
    assert refused and report.scan.stats.chunk_blocks <= max_range
    assert report.scan.stats.requests > len(refused)
    assert [r.tx_hash for r in report.runs] == [r.tx_hash for r in direct.runs]
    assert report.totals.aleph_distributed == direct.totals.aleph_distributed


def forbidden(call: dict[str, Any], span: int) -> web.Response:
    return web.Response(status=403, text="Forbidden")


async def test_a_403_on_heavy_scans_shrinks_the_range_and_backs_off(
    flow_devnet: RunningDevnet, network: Network, data_home: Path
) -> None:
    """The default public RPC answers HTTP 403 to heavier eth_getLogs calls (seen since
    2026-07): the scan halves the range, pauses, and still reads every run."""
    max_range = 16
    refused: list[tuple[int, float]] = []

    def heavy(call: dict[str, Any], span: int) -> web.Response | None:
        if span <= max_range:
            return None
        refused.append((span, time.monotonic()))
        return forbidden(call, span)

    direct = await report_of(network)
    async with capped_node(flow_devnet.rpc_url, heavy) as url:
        limited = dataclasses.replace(network, name="devnet-403", rpc_url=url)
        report = await report_of(limited)
    assert report.chain.available, report.chain.error
    assert report.scan is not None and report.scan.stats is not None
    assert refused and report.scan.stats.chunk_blocks <= max_range
    spans = [span for span, _ in refused]
    assert spans == sorted(spans, reverse=True) and len(set(spans)) == len(spans)
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(refused)]
    assert all(gap >= log_cache.FORBIDDEN_BACKOFF_S for gap in gaps)  # it paused each time
    assert [r.tx_hash for r in report.runs] == [r.tx_hash for r in direct.runs]


async def test_a_lasting_403_names_the_option_to_use(network: Network, data_home: Path) -> None:
    """A node that refuses every log scan: the chain section is unavailable with one
    line that says so and asks for another --rpc-url; nothing is made up."""
    calls: list[int] = []

    def always(call: dict[str, Any], span: int) -> web.Response:
        calls.append(span)
        return forbidden(call, span)

    assert network.rpc_url is not None
    async with capped_node(network.rpc_url, always) as url:
        report = await report_of(dataclasses.replace(network, name="devnet-deny", rpc_url=url))
    assert not report.chain.available
    assert report.chain.error is not None
    assert f"the RPC node at {url} refuses eth_getLogs (HTTP 403" in report.chain.error
    assert "--rpc-url" in report.chain.error
    assert len(calls) == log_cache.FORBIDDEN_TRIES
    assert report.totals.processing_runs is None


# --- unavailable sources ----------------------------------------------------------------------


async def test_a_dead_rpc_leaves_the_chain_sections_unavailable(
    network: Network, data_home: Path
) -> None:
    url = dead_url()
    report = await report_of(dataclasses.replace(network, rpc_url=url))
    assert not report.chain.available
    assert report.chain.error is not None
    assert report.chain.error.startswith(f"cannot reach the RPC node at {url}")
    totals = report.totals
    for figure in (
        totals.processing_runs,
        totals.aleph_market_bought,
        totals.aleph_distributed,
        totals.aleph_burned,
        totals.burn_percentage,
        totals.burn_idle,
    ):
        assert figure is None  # never zeros
    assert report.runs == ()
    assert report.credit_api.available and totals.usd_purchased
    assert report.monthly and all(m.aleph_distributed is None for m in report.monthly)
    assert all(m.runs is None and m.usd_purchased is not None for m in report.monthly)


async def test_a_dead_credit_api_leaves_the_purchases_unavailable(
    network: Network, data_home: Path
) -> None:
    url = dead_url()
    report = await report_of(dataclasses.replace(network, credit_api_url=url))
    assert not report.credit_api.available
    assert report.credit_api.error is not None
    assert report.credit_api.error.startswith(f"cannot reach the Credit API at {url}")
    totals = report.totals
    assert totals.usd_purchased is None and totals.purchases is None
    assert totals.credits_purchased is None and totals.by_currency is None
    assert report.purchases == ()
    assert report.chain.available and totals.aleph_distributed
    assert all(m.usd_purchased is None and m.purchases is None for m in report.monthly)
    assert any(m.aleph_distributed for m in report.monthly)


# --- the command ------------------------------------------------------------------------------


def flow_cli(devnet_url: str, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ALEPH_DEVNET_URL": devnet_url,
        "XDG_DATA_HOME": str(data),
        "XDG_CONFIG_HOME": str(data.parent / "config"),
    }
    return subprocess.run(
        [sys.executable, "-m", "aleph_tui", "flow", "--network", "devnet", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


async def test_flow_json_shape(
    flow_devnet: RunningDevnet, network: Network, data_home: Path
) -> None:
    result = await asyncio.to_thread(
        flow_cli, flow_devnet.api_url, data_home, "--json", "--limit", "3"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {
        "network",
        "generated_at",
        "contract",
        "limit",
        "sources",
        "totals",
        "monthly",
        "runs_total",
        "runs",
        "purchases_total",
        "purchases",
    }
    assert data["network"] == "devnet" and data["limit"] == 3
    assert data["contract"] == flow_devnet.document["credit_contract"]
    assert data["generated_at"].endswith("Z")
    chain = data["sources"]["chain"]
    assert chain["available"] is True and chain["error"] is None
    assert chain["first_block"] == flow_devnet.document["deploy_block"]
    assert set(chain["scan"]) == {
        "from_block",
        "to_block",
        "blocks",
        "requests",
        "logs_read",
        "chunk_blocks",
        "reset",
        "seconds",
    }
    assert data["sources"]["credit_api"]["available"] is True
    report = await report_of(network, refresh=False)  # what the command cached
    totals = data["totals"]
    assert Decimal(totals["aleph_distributed"]) == report.totals.aleph_distributed
    assert Decimal(totals["usd_purchased"]) == report.totals.usd_purchased
    assert totals["burn_percentage"] == 0 and totals["burn_idle"] is True
    assert isinstance(totals["credits_purchased"], int)
    assert data["runs_total"] == len(report.runs) and len(data["runs"]) == 3
    run = data["runs"][0]
    assert set(run) == {
        "date",
        "block",
        "log_index",
        "tx_hash",
        "explorer_url",
        "token",
        "token_symbol",
        "amount_in",
        "amount_in_units",
        "aleph_out",
        "to_network",
        "burned",
        "to_developers",
        "to_developers_token",
        "type",
        "market_buy",
        "swap_version",
        "sender",
    }
    assert run["tx_hash"] == report.runs[0].tx_hash and run["type"] in ("swap", "stable")
    assert Decimal(run["aleph_out"]) == report.runs[0].aleph_out
    assert data["purchases_total"] == len(report.purchases) and len(data["purchases"]) == 3
    purchase = data["purchases"][0]
    assert isinstance(purchase["credits"], int) and Decimal(purchase["usd"]) > 0
    assert {m["month"] for m in data["monthly"]} == {m.month for m in report.monthly}


def flow_main(
    devnet_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """The command in this process (the subprocess test above covers the real start)."""
    monkeypatch.setenv("ALEPH_DEVNET_URL", devnet_url)
    code = main(["flow", "--network", "devnet", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_flow_text(
    flow_devnet: RunningDevnet,
    data_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = flow_main(flow_devnet.api_url, monkeypatch, capsys, "--limit", "2")
    assert code == 0, err
    for heading in (
        "Credits purchased",
        "ALEPH market-bought",
        "ALEPH to the network",
        "By month",
        "Processing runs (2 of",
        "Latest purchases (2 of",
    ):
        assert heading in out
    assert "burn 0 %, idle" in out


def test_flow_json_with_a_dead_rpc_has_nulls_not_zeros(
    flow_devnet: RunningDevnet,
    data_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = dead_url()
    code, out, err = flow_main(flow_devnet.api_url, monkeypatch, capsys, "--json", "--rpc-url", url)
    assert code == 0, err
    data = json.loads(out)
    chain = data["sources"]["chain"]
    assert chain["available"] is False and url in chain["error"]
    assert data["totals"]["aleph_distributed"] is None and data["totals"]["burn_idle"] is None
    assert data["runs"] == [] and data["runs_total"] is None
    assert data["totals"]["usd_purchased"] is not None

    code, out, err = flow_main(flow_devnet.api_url, monkeypatch, capsys, "--rpc-url", url)
    assert code == 0, err
    assert f"Chain: unavailable: cannot reach the RPC node at {url}" in out
    assert "ALEPH flows           unavailable" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--json",), 1, "devnet unavailable"),
        (("--chunk-blocks", "0"), 2, "--chunk-blocks"),
        (("--limit", "-1"), 2, "--limit"),
        # Nothing cached yet, and --cached reads nothing else (not even the devnet's
        # discovery document): it says which command fills the cache.
        (("--cached",), 1, "nothing cached for devnet yet: run `aleph-tui flow --network"),
    ],
)
def test_flow_errors_are_one_line(
    flow_devnet: RunningDevnet,
    data_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    code: int,
    message: str,
) -> None:
    url = dead_url() if message == "devnet unavailable" else flow_devnet.api_url
    result, out, err = flow_main(url, monkeypatch, capsys, *args)
    assert result == code, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err
