"""The payment processor's ledger: what credit buyers paid and where the tokens went.

Two sources, each reported with its own availability:

- **Chain**: the processor's ``TokenPaymentsProcessed`` events (aleph-api.md §5), one per
  processing run, read incrementally into a ``LogCache`` under ``app_data_dir()/cache/``
  from the processor's deploy block. Totals: ALEPH market-bought (``alephReceived`` of runs
  that swapped, ``swapAmount > 0``), distributed to the network (``amountToDistribution``)
  and burned (``amountBurned``), with ``burnPercentage()`` read from the contract (0 % is an
  idle lever: ``burn_idle``).
- **Credit API**: every payment record (``GET /payment``, all pages); only COMPLETED ones
  count. The USD paid is ``(credit_amount − credit_bonus_amount) × credit_price_usdc``,
  as Aleph's own buy-flow dashboard computes it.

A source that cannot be read leaves its figures as None (never zeros) and says why in
``error``. With ``refresh=False`` nothing is read from the network: the chain figures come
from the cache and the payments from the snapshot the last refresh saved next to it
(``stale``). When a refresh fails but a cache exists, its data is shown, marked stale, with
the error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from aleph_tui.core.aleph.credit_api_client import CreditApi, CreditApiError, payment_from_json
from aleph_tui.core.chain import abi
from aleph_tui.core.chain.json_rpc import JsonRpcClient, RpcFailure, RpcRefused
from aleph_tui.core.chain.log_cache import DEFAULT_CHUNK_BLOCKS as DEFAULT_CHUNK_BLOCKS
from aleph_tui.core.chain.log_cache import (
    REORG_MARGIN_BLOCKS,
    RPC_TIMEOUT_S,
    CachedLog,
    LogCache,
    LogScanError,
)
from aleph_tui.core.chain.log_cache import ScanProgress as ScanProgress
from aleph_tui.core.chain.log_cache import ScanStats as ScanStats
from aleph_tui.core.networks import MAINNET, Network
from aleph_tui.core.validation import checksum_address

#: keccak256("TokenPaymentsProcessed(address,address,uint256,uint256,uint256,uint256,uint256,
#: uint256,uint8,bool)")
TOKEN_PAYMENTS_PROCESSED_TOPIC = (
    "0x3db36cd2496ef869c223c05bc35ff9785f5cc1ffeca2b221d884488c4282cbbc"
)
BURN_PERCENTAGE_SELECTOR = "0xf01f20df"  # burnPercentage()
DEVELOPERS_PERCENTAGE_SELECTOR = "0xbe518d81"  # developersPercentage()
SYMBOL_SELECTOR = abi.SYMBOL_CALL
DECIMALS_SELECTOR = abi.DECIMALS_CALL
ETH_TOKEN = "0x0000000000000000000000000000000000000000"
ALEPH_DECIMALS = 18
CREDIT_PRICE_USD = Decimal("0.000001")  # 1 USD = 1 000 000 credits
CURRENCY_DECIMALS = {"ALEPH": 18, "USDC": 6, "ETH": 18}
PAYMENT_PAGE_SIZE = 100
MAX_PAYMENT_PAGES = 1000
HEAD_LAG_BLOCKS = 5  # public nodes behind one balancer may lag the head a little
PAYMENTS_DOCUMENT = "credit_api.payments"
PROCESSOR_DOCUMENT = "processor.settings"
TOKENS_DOCUMENT = "tokens"

RunKind = Literal["swap", "stable"]


@dataclass(frozen=True)
class SourceStatus:
    """One source of the report. ``available``: its figures are there (maybe from the
    cache); ``stale``: they come from the cache, read at ``updated_at``, not afresh;
    ``error``: why reading it failed (it can come with stale data)."""

    available: bool
    error: str | None = None
    stale: bool = False
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class ChainScan:
    """Where the processor's logs were read: from ``first_block`` (its deploy block) to
    ``last_block``; ``stats`` describes this report's read (None without a refresh)."""

    contract: str
    first_block: int
    last_block: int | None
    stats: ScanStats | None
    cache_path: Path


def _human(units: int, decimals: int) -> Decimal:
    """Base units as a whole-token Decimal, exactly (no exponent, no trailing zeros)."""
    value = Decimal(units).scaleb(-decimals)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


@dataclass(frozen=True)
class ProcessingRun:
    """One ``TokenPaymentsProcessed`` event. Amounts are in base units; the Decimal
    properties are whole tokens (None when the token's decimals are unknown)."""

    block_number: int
    log_index: int
    tx_hash: str
    timestamp: dt.datetime | None
    token: str  # checksummed; the zero address is ETH
    token_symbol: str | None
    token_decimals: int | None
    sender: str
    amount_units: int
    swap_amount_units: int
    aleph_received_units: int
    burned_units: int
    to_distribution_units: int
    to_developers_units: int  # in the token itself for stable tokens, else in ALEPH
    swap_version: int
    is_stable: bool
    explorer_url: str | None

    @property
    def kind(self) -> RunKind:
        return "stable" if self.is_stable else "swap"

    @property
    def market_buy(self) -> bool:
        """Whether ALEPH was bought on the market (ALEPH payments are not swapped)."""
        return self.swap_amount_units > 0

    @property
    def amount_in(self) -> Decimal | None:
        return (
            None if self.token_decimals is None else _human(self.amount_units, self.token_decimals)
        )

    @property
    def aleph_out(self) -> Decimal:
        return _human(self.aleph_received_units, ALEPH_DECIMALS)

    @property
    def to_network(self) -> Decimal:
        return _human(self.to_distribution_units, ALEPH_DECIMALS)

    @property
    def burned(self) -> Decimal:
        return _human(self.burned_units, ALEPH_DECIMALS)

    @property
    def to_developers_token(self) -> str | None:
        return self.token_symbol if self.is_stable else "ALEPH"

    @property
    def to_developers(self) -> Decimal | None:
        decimals = self.token_decimals if self.is_stable else ALEPH_DECIMALS
        return None if decimals is None else _human(self.to_developers_units, decimals)


@dataclass(frozen=True)
class CreditPurchase:
    """A COMPLETED Credit API payment."""

    id: str
    created_at: dt.datetime | None
    address: str | None
    chain: str | None
    currency: str | None
    amount_units: int | None
    usd: Decimal | None
    credits: int | None  # bonus included
    bonus_credits: int | None
    tx_hash: str | None
    item_hash: str | None
    provider: str | None

    @property
    def amount(self) -> Decimal | None:
        decimals = CURRENCY_DECIMALS.get((self.currency or "").upper())
        if self.amount_units is None or decimals is None:
            return None
        return _human(self.amount_units, decimals)


@dataclass(frozen=True)
class CurrencyTotal:
    purchases: int
    usd: Decimal
    amount: Decimal | None  # whole tokens paid, when the currency is known


@dataclass(frozen=True)
class FlowTotals:
    """Headline figures; a figure is None when its source is unavailable."""

    usd_purchased: Decimal | None = None
    purchases: int | None = None
    credits_purchased: int | None = None
    by_currency: dict[str, CurrencyTotal] | None = None
    processing_runs: int | None = None
    aleph_market_bought: Decimal | None = None
    aleph_distributed: Decimal | None = None
    aleph_burned: Decimal | None = None
    aleph_to_developers: Decimal | None = None  # the ALEPH part (stable runs pay in kind)
    burn_percentage: int | None = None  # read from the contract; None if it has no getter
    developers_percentage: int | None = None
    burn_idle: bool | None = None  # burning is switched off (0 %)


@dataclass(frozen=True)
class MonthlyFlow:
    """One calendar month (UTC): USD purchased vs ALEPH bought, distributed and burned.
    Months run without gaps from the first to the last with data; a figure is None when
    its source is unavailable."""

    month: str  # "YYYY-MM"
    usd_purchased: Decimal | None
    purchases: int | None
    aleph_bought: Decimal | None
    aleph_distributed: Decimal | None
    aleph_burned: Decimal | None
    runs: int | None


@dataclass(frozen=True)
class FlowReport:
    network: str
    generated_at: dt.datetime
    chain: SourceStatus
    credit_api: SourceStatus
    scan: ChainScan | None
    totals: FlowTotals
    monthly: tuple[MonthlyFlow, ...]
    runs: tuple[ProcessingRun, ...]  # newest first
    purchases: tuple[CreditPurchase, ...]  # newest first
    explorer_tx_base: str | None = None

    @property
    def contract(self) -> str | None:
        return None if self.scan is None else self.scan.contract


@dataclass
class _ChainPart:
    status: SourceStatus
    scan: ChainScan | None = None
    runs: list[ProcessingRun] = field(default_factory=list)
    burn_percentage: int | None = None
    developers_percentage: int | None = None


@dataclass
class _PaymentsPart:
    status: SourceStatus
    purchases: list[CreditPurchase] = field(default_factory=list)


# --- helpers ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _checksum(address: str) -> str:
    return checksum_address(address)


def _moment(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-") or "network"


def cache_path(cache_dir: Path, network: Network) -> Path | None:
    """The cache file of ``network``'s processor (None without a processor address)."""
    if not network.credit_contract:
        return None
    return cache_dir / f"flow-{_slug(network.name)}-{network.credit_contract.lower()}.sqlite"


def cached_processor(cache_dir: Path, network_name: str) -> tuple[str, int] | None:
    """The processor address and start block of ``network_name``'s most recently written
    flow cache, or None. For a report from the cache alone where the processor is not
    known offline: the devnet's is read from its discovery document, a network read."""
    import contextlib
    import sqlite3

    prefix = f"flow-{_slug(network_name)}-"

    def written(path: Path) -> float:
        wal = path.with_name(path.name + "-wal")
        return max(path.stat().st_mtime, wal.stat().st_mtime if wal.exists() else 0.0)

    for path in sorted(cache_dir.glob(f"{prefix}*.sqlite"), key=written, reverse=True):
        contract = path.name.removeprefix(prefix).removesuffix(".sqlite")
        if not re.fullmatch(r"0x[0-9a-f]{40}", contract):
            continue  # another network whose name starts the same
        try:
            with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'start_block'").fetchone()
        except sqlite3.Error:
            continue
        if row is not None:
            return checksum_address(contract), int(row[0])
    return None


def start_block(network: Network) -> int:
    """Where the processor's logs start: its deploy block when known."""
    if network.processor_deploy_block is not None:
        return network.processor_deploy_block
    contract = (network.credit_contract or "").lower()
    if contract == (MAINNET.credit_contract or "").lower() and MAINNET.processor_deploy_block:
        return MAINNET.processor_deploy_block
    return 0


def decode_run(
    log: CachedLog, tokens: dict[str, tuple[str | None, int | None]], explorer: str | None
) -> ProcessingRun | None:
    """A ``TokenPaymentsProcessed`` log as a run; None if its layout is not the event's."""
    words = abi.processed_event(bytes.fromhex(log.data.removeprefix("0x")))
    if len(log.topics) < 3 or words is None:
        return None
    token = "0x" + log.topics[1][-40:]
    symbol, decimals = tokens.get(token.lower(), (None, None))
    return ProcessingRun(
        block_number=log.block_number,
        log_index=log.log_index,
        tx_hash=log.tx_hash,
        timestamp=_moment(log.timestamp),
        token=_checksum(token),
        token_symbol=symbol,
        token_decimals=decimals,
        sender=_checksum("0x" + log.topics[2][-40:]),
        amount_units=words[0],
        swap_amount_units=words[1],
        aleph_received_units=words[2],
        burned_units=words[3],
        to_distribution_units=words[4],
        to_developers_units=words[5],
        swap_version=words[6],
        is_stable=words[7] != 0,
        explorer_url=None if explorer is None else explorer + log.tx_hash,
    )


def purchase_from_json(data: dict[str, Any]) -> CreditPurchase:
    payment = payment_from_json(data)
    usd = None
    if payment.credits is not None:
        price = payment.credit_price_usd or CREDIT_PRICE_USD
        usd = ((payment.credits - (payment.bonus_credits or 0)) * price).normalize()
        usd = usd.quantize(Decimal(1)) if usd == usd.to_integral_value() else usd
    return CreditPurchase(
        id=payment.id,
        created_at=payment.created_at,
        address=payment.address,
        chain=payment.chain,
        currency=payment.in_currency,
        amount_units=payment.in_amount,
        usd=usd,
        credits=payment.credits,
        bonus_credits=payment.bonus_credits,
        tx_hash=payment.tx_hash,
        item_hash=payment.item_hash,
        provider=payment.provider,
    )


def _known_tokens(network: Network) -> dict[str, tuple[str | None, int | None]]:
    known: dict[str, tuple[str | None, int | None]] = {ETH_TOKEN: ("ETH", 18)}
    if network.aleph_token:
        known[network.aleph_token.lower()] = ("ALEPH", 18)
    if network.usdc_token:
        known[network.usdc_token.lower()] = ("USDC", 6)
    return known


async def _eth_call(rpc: JsonRpcClient, to: str, selector: str) -> bytes:
    """A view's answer; nothing when the contract has no such getter (a revert)."""
    try:
        raw = await rpc.call("eth_call", {"to": to, "data": selector}, "latest")
    except RpcRefused:  # a revert: no such function
        return b""
    try:
        return bytes.fromhex(str(raw or "0x").removeprefix("0x"))
    except ValueError:
        return b""


async def _eth_call_int(rpc: JsonRpcClient, to: str, selector: str) -> int | None:
    """A uint view, or None when the contract has no such getter."""
    return abi.uint_answer(await _eth_call(rpc, to, selector))


async def _resolve_tokens(
    rpc: JsonRpcClient, cache: LogCache, logs: Iterable[CachedLog], network: Network
) -> dict[str, tuple[str | None, int | None]]:
    """Symbols and decimals of every token seen: known ones, then on-chain ones (saved)."""
    tokens = _known_tokens(network)
    saved = cache.document(TOKENS_DOCUMENT)
    if saved is not None:
        tokens.update({k: (v[0], v[1]) for k, v in saved[0].items() if k not in tokens})
    unknown = {"0x" + g.topics[1][-40:] for g in logs if len(g.topics) > 1} - set(tokens)
    found: dict[str, tuple[str | None, int | None]] = {}
    for token in sorted(unknown):
        decimals = await _eth_call_int(rpc, token, DECIMALS_SELECTOR)
        symbol = abi.symbol_answer(await _eth_call(rpc, token, SYMBOL_SELECTOR))
        found[token] = (symbol, decimals)
    if found:
        everything = {**(saved[0] if saved else {}), **{k: list(v) for k, v in found.items()}}
        cache.put_document(TOKENS_DOCUMENT, everything)
        tokens.update(found)
    return tokens


def _cached_tokens(cache: LogCache, network: Network) -> dict[str, tuple[str | None, int | None]]:
    tokens = _known_tokens(network)
    saved = cache.document(TOKENS_DOCUMENT)
    if saved is not None:
        tokens.update({k: (v[0], v[1]) for k, v in saved[0].items() if k not in tokens})
    return tokens


# --- the two sources ----------------------------------------------------------------------


async def _read_chain(
    network: Network,
    cache: LogCache,
    *,
    refresh: bool,
    chunk_blocks: int,
    reorg_margin: int,
    progress: ScanProgress | None,
) -> _ChainPart:
    contract = _checksum(network.credit_contract or ETH_TOKEN)
    error: str | None = None
    stats: ScanStats | None = None
    tokens: dict[str, tuple[str | None, int | None]] | None = None
    settings: dict[str, Any] | None = None
    logs: list[CachedLog] | None = None  # read once per report: 10k rows cost
    if refresh and not network.rpc_url:
        error = f"network {network.name} has no RPC URL; set one with --rpc-url"
    elif refresh:
        rpc = JsonRpcClient(str(network.rpc_url), timeout=RPC_TIMEOUT_S)
        try:
            stats = await cache.sync(
                rpc,
                chunk_blocks=chunk_blocks,
                reorg_margin=reorg_margin,
                head_lag=0 if network.is_devnet else HEAD_LAG_BLOCKS,
                progress=progress,
            )
            settings = {
                "burn_percentage": await _eth_call_int(rpc, contract, BURN_PERCENTAGE_SELECTOR),
                "developers_percentage": await _eth_call_int(
                    rpc, contract, DEVELOPERS_PERCENTAGE_SELECTOR
                ),
            }
            cache.put_document(PROCESSOR_DOCUMENT, settings)
            logs = cache.logs()
            tokens = await _resolve_tokens(rpc, cache, logs, network)
        except (LogScanError, RpcFailure) as exc:
            error = str(exc)
            stats = None
        finally:
            await rpc.aclose()
    scan = ChainScan(contract, cache.start_block, cache.last_block, stats, cache.path)
    if cache.last_block is None or (error is not None and cache.scanned_at is None):
        reason = error or "the chain was not read yet: refresh to scan the processor's logs"
        return _ChainPart(SourceStatus(False, reason), scan)
    if settings is None:
        saved = cache.document(PROCESSOR_DOCUMENT)
        settings = saved[0] if saved is not None else {}
    if tokens is None:
        tokens = _cached_tokens(cache, network)
    runs = [
        run
        for log in (cache.logs() if logs is None else logs)
        if log.topics and log.topics[0] == TOKEN_PAYMENTS_PROCESSED_TOPIC
        if (run := decode_run(log, tokens, network.explorer_tx_base)) is not None
    ]
    runs.sort(key=lambda r: (r.block_number, r.log_index), reverse=True)
    status = SourceStatus(True, error, stale=stats is None, updated_at=_moment(cache.scanned_at))
    return _ChainPart(
        status,
        scan,
        runs,
        settings.get("burn_percentage"),
        settings.get("developers_percentage"),
    )


async def _fetch_payments(api: CreditApi) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for page in range(1, MAX_PAYMENT_PAGES + 1):
        data, total = await api.payment_page(page, PAYMENT_PAGE_SIZE)
        rows.extend(data)
        # The total decides (a node may cap pages below what was asked); without it, a
        # short page is the last.
        if not data or (len(rows) >= total if total is not None else len(data) < PAYMENT_PAGE_SIZE):
            return rows
    raise CreditApiError(f"/payment: more than {MAX_PAYMENT_PAGES} pages of payments")


async def _read_payments(
    network: Network, api: CreditApi | None, cache: LogCache | None, *, refresh: bool
) -> _PaymentsPart:
    rows: list[dict[str, Any]] | None = None
    error: str | None = None
    updated: dt.datetime | None = None
    if refresh and api is None:
        error = f"network {network.name} has no Credit API"
    elif refresh and api is not None:
        try:
            rows = await _fetch_payments(api)
            updated = dt.datetime.now(dt.UTC)
            if cache is not None:
                cache.put_document(PAYMENTS_DOCUMENT, rows)
        except CreditApiError as exc:
            error = str(exc)
    if rows is None and cache is not None and (saved := cache.document(PAYMENTS_DOCUMENT)):
        rows, updated = list(saved[0]), _moment(saved[1])
    if rows is None:
        reason = error or "the Credit API was not read yet: refresh to fetch the payments"
        return _PaymentsPart(SourceStatus(False, reason))
    purchases = [
        purchase_from_json(row)
        for row in rows
        if str(row.get("status") or "").upper() == "COMPLETED"
    ]
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    purchases.sort(key=lambda p: (p.created_at or epoch, p.id), reverse=True)
    status = SourceStatus(True, error, stale=not refresh or error is not None, updated_at=updated)
    return _PaymentsPart(status, purchases)


# --- aggregation --------------------------------------------------------------------------


def _month(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m")


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _units_total(values: Iterable[int]) -> Decimal:
    return _human(sum(values), ALEPH_DECIMALS)


def _totals(chain: _ChainPart, payments: _PaymentsPart) -> FlowTotals:
    purchase_figures: dict[str, Any] = {}
    if payments.status.available:
        by_currency: dict[str, CurrencyTotal] = {}
        for p in payments.purchases:
            key = (p.currency or "?").upper()
            prev = by_currency.get(key, CurrencyTotal(0, Decimal(0), Decimal(0)))
            amount = None if prev.amount is None or p.amount is None else prev.amount + p.amount
            by_currency[key] = CurrencyTotal(prev.purchases + 1, prev.usd + (p.usd or 0), amount)
        purchase_figures = {
            "usd_purchased": sum((p.usd or Decimal(0) for p in payments.purchases), Decimal(0)),
            "purchases": len(payments.purchases),
            "credits_purchased": sum(p.credits or 0 for p in payments.purchases),
            "by_currency": by_currency,
        }
    chain_figures: dict[str, Any] = {}
    if chain.status.available:
        runs = chain.runs
        burned = sum(r.burned_units for r in runs)
        idle = chain.burn_percentage == 0 if chain.burn_percentage is not None else burned == 0
        chain_figures = {
            "processing_runs": len(runs),
            "aleph_market_bought": _units_total(
                r.aleph_received_units for r in runs if r.market_buy
            ),
            "aleph_distributed": _units_total(r.to_distribution_units for r in runs),
            "aleph_burned": _units_total(r.burned_units for r in runs),
            "aleph_to_developers": _units_total(
                r.to_developers_units for r in runs if not r.is_stable
            ),
            "burn_percentage": chain.burn_percentage,
            "developers_percentage": chain.developers_percentage,
            "burn_idle": idle,
        }
    return FlowTotals(**purchase_figures, **chain_figures)


def _monthly(chain: _ChainPart, payments: _PaymentsPart) -> tuple[MonthlyFlow, ...]:
    usd: dict[str, Decimal] = {}
    count: dict[str, int] = {}
    bought: dict[str, int] = {}
    distributed: dict[str, int] = {}
    burned: dict[str, int] = {}
    runs: dict[str, int] = {}
    if payments.status.available:
        for p in payments.purchases:
            if p.created_at is not None:
                m = _month(p.created_at)
                usd[m] = usd.get(m, Decimal(0)) + (p.usd or 0)
                count[m] = count.get(m, 0) + 1
    if chain.status.available:
        for r in chain.runs:
            if r.timestamp is not None:
                m = _month(r.timestamp)
                bought[m] = bought.get(m, 0) + (r.aleph_received_units if r.market_buy else 0)
                distributed[m] = distributed.get(m, 0) + r.to_distribution_units
                burned[m] = burned.get(m, 0) + r.burned_units
                runs[m] = runs.get(m, 0) + 1
    seen = sorted(set(usd) | set(runs))
    if not seen:
        return ()
    has_payments, has_chain = payments.status.available, chain.status.available
    return tuple(
        MonthlyFlow(
            month=m,
            usd_purchased=usd.get(m, Decimal(0)) if has_payments else None,
            purchases=count.get(m, 0) if has_payments else None,
            aleph_bought=_human(bought.get(m, 0), ALEPH_DECIMALS) if has_chain else None,
            aleph_distributed=_human(distributed.get(m, 0), ALEPH_DECIMALS) if has_chain else None,
            aleph_burned=_human(burned.get(m, 0), ALEPH_DECIMALS) if has_chain else None,
            runs=runs.get(m, 0) if has_chain else None,
        )
        for m in _months_between(seen[0], seen[-1])
    )


async def flow_report(
    network: Network,
    credit_api: CreditApi | None,
    *,
    cache_dir: Path,
    refresh: bool = True,
    chunk_blocks: int = DEFAULT_CHUNK_BLOCKS,
    reorg_margin: int = REORG_MARGIN_BLOCKS,
    progress: ScanProgress | None = None,
) -> FlowReport:
    """The token-flow report of ``network``; never raises for an unavailable source."""
    path = cache_path(cache_dir, network)
    cache = (
        None
        if path is None
        else LogCache(
            path,
            address=network.credit_contract or ETH_TOKEN,
            topic0=TOKEN_PAYMENTS_PROCESSED_TOPIC,
            start_block=start_block(network),
        )
    )

    async def read_chain() -> _ChainPart:
        if cache is None:
            reason = f"network {network.name} has no payment processor address"
            return _ChainPart(SourceStatus(False, reason))
        return await _read_chain(
            network,
            cache,
            refresh=refresh,
            chunk_blocks=chunk_blocks,
            reorg_margin=reorg_margin,
            progress=progress,
        )

    try:
        chain, payments = await asyncio.gather(
            read_chain(), _read_payments(network, credit_api, cache, refresh=refresh)
        )
    finally:
        if cache is not None:
            cache.close()
    return FlowReport(
        network=network.name,
        generated_at=dt.datetime.now(dt.UTC),
        chain=chain.status,
        credit_api=payments.status,
        scan=chain.scan,
        totals=_totals(chain, payments),
        monthly=_monthly(chain, payments),
        runs=tuple(chain.runs),
        purchases=tuple(payments.purchases),
        explorer_tx_base=network.explorer_tx_base,
    )
