"""The way back when the journal is lost: this account's payments to the payment
processor, found on chain, and the ones the node shows no credits for.

A credit purchase is a payment to the processor (core/flows/buying.py). Each leaves a
``Transfer(from, to, value)`` log: the ERC-20 token's for ALEPH and USDC, the processor's
own (its ``receive()``) for ETH. They are read with ``eth_getLogs`` filtered on the
sender and the processor, through a ``LogCache`` per token under ``app_data_dir()/cache``
(so a second scan reads only the new blocks), from the processor's deploy block.

For each payment the node is asked whether it distributed credits for its hash
(``AlephApi.credits_for_tx``, the same check a buy ends with). ``follow`` adds an
uncredited payment to the journal as a buy "confirmed" in its block (the chain proved
it was mined: a reverted transfer leaves no log), which ``aleph-tui pending`` and the
dashboard then follow to its credits like any buy. A payment the journal already has
(by any of its transactions' hashes) is never added twice.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from aleph_tui.core.aleph.api_client import AlephApi, ApiError
from aleph_tui.core.chain.gateway import ETH_DECIMALS, KNOWN_DECIMALS
from aleph_tui.core.chain.json_rpc import JsonRpcClient, RpcFailure
from aleph_tui.core.chain.log_cache import RPC_TIMEOUT_S, CachedLog, LogCache, LogScanError
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.flows import replacing
from aleph_tui.core.journal.operation_journal import Journal, Operation
from aleph_tui.core.networks import Network
from aleph_tui.core.validation import checksum_address, token_text

# keccak256("Transfer(address,address,uint256)")
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
CREDIT_CHECKS_IN_FLIGHT = 8


class ScanError(ServiceError):
    """The chain or the node could not be read; the message says why."""


@dataclass(frozen=True)
class FoundPayment:
    tx_hash: str
    block_number: int
    timestamp: int | None  # of its block, Unix seconds
    token: str  # ALEPH, USDC or ETH
    units: int
    decimals: int
    credits: int | None  # what the node distributed for it; None: nothing yet
    operation_id: str | None  # the journal's buy for it, if any

    @property
    def amount(self) -> str:
        return token_text(self.units, self.decimals)

    @property
    def credited(self) -> bool:
        return self.credits is not None


@dataclass(frozen=True)
class PaymentScan:
    network: str
    account: str
    processor: str
    from_block: int
    to_block: int
    payments: tuple[FoundPayment, ...]  # oldest first

    @property
    def uncredited(self) -> tuple[FoundPayment, ...]:
        return tuple(p for p in self.payments if not p.credited)


def topic(address: str) -> str:
    return "0x" + address.removeprefix("0x").lower().rjust(64, "0")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-") or "network"


def _start_block(network: Network) -> int:
    from aleph_tui.core.flows.token_flow import start_block

    return start_block(network)


def _sources(network: Network) -> list[tuple[str, str]]:
    """(symbol, contract whose Transfer logs carry the payments)."""
    processor = str(network.credit_contract)
    found = [("ETH", processor)]
    if network.aleph_token:
        found.append(("ALEPH", network.aleph_token))
    if network.usdc_token:
        found.append(("USDC", network.usdc_token))
    return found


async def scan_payments(
    network: Network, api: AlephApi, journal: Journal, account: str, *, cache_dir: Path
) -> PaymentScan:
    """Every payment ``account`` made to ``network``'s processor, with the credits the
    node shows for each and the journal's buy for it."""
    if not network.credit_contract or not network.rpc_url:
        raise ScanError(f"network {network.name} has no payment processor or RPC URL to scan")
    account = checksum_address(account)
    processor = checksum_address(network.credit_contract)
    start = _start_block(network)
    rpc = JsonRpcClient(network.rpc_url, timeout=RPC_TIMEOUT_S)
    found: list[tuple[str, CachedLog]] = []
    last = start - 1
    try:
        for symbol, contract in _sources(network):
            path = cache_dir / (
                f"payments-{_slug(network.name)}-{symbol.lower()}-{account.lower()}.sqlite"
            )
            cache = LogCache(
                path,
                address=contract,
                topic0=TRANSFER_TOPIC,
                start_block=start,
                topics=(topic(account), topic(processor)),
            )
            try:
                stats = await cache.sync(rpc)
                last = max(last, stats.to_block)
                found += [(symbol, log) for log in cache.logs()]
            finally:
                cache.close()
    except (RpcFailure, LogScanError) as exc:
        raise ScanError(f"cannot read the chain at {network.rpc_url}: {exc}") from None
    finally:
        await rpc.aclose()
    known = _journaled(journal, network.name)
    limit = asyncio.Semaphore(CREDIT_CHECKS_IN_FLIGHT)

    async def payment(symbol: str, log: CachedLog) -> FoundPayment:
        async with limit:
            try:
                credits = await api.credits_for_tx(account, log.tx_hash)
            except ApiError as exc:
                raise ScanError(
                    f"cannot ask the node for the credits of {log.tx_hash}: {exc}"
                ) from None
        return FoundPayment(
            tx_hash=log.tx_hash.lower(),
            block_number=log.block_number,
            timestamp=log.timestamp,
            token=symbol,
            units=int(log.data, 16) if log.data not in ("0x", "") else 0,
            decimals=ETH_DECIMALS if symbol == "ETH" else KNOWN_DECIMALS[symbol],
            credits=credits,
            operation_id=known.get(log.tx_hash.lower()),
        )

    payments = await asyncio.gather(*(payment(symbol, log) for symbol, log in found))
    payments.sort(key=lambda p: (p.block_number, p.tx_hash))
    return PaymentScan(network.name, account, processor, start, last, tuple(payments))


def _journaled(journal: Journal, network: str) -> dict[str, str]:
    """Every transaction hash of the journal's buys on ``network`` -> the buy's id."""
    found: dict[str, str] = {}
    for op in journal.operations():
        if op.kind != "buy" or op.network != network:
            continue
        for candidate in replacing.candidates(op):
            found[candidate.tx_hash.lower()] = op.id
        if op.details.get("tx_hash"):
            found[str(op.details["tx_hash"]).lower()] = op.id
    return found


def follow(
    journal: Journal, network: Network, scan: PaymentScan, payments: tuple[FoundPayment, ...]
) -> list[Operation]:
    """Add each payment the journal does not have yet as a buy to follow ("confirmed":
    mined); those it has are returned as they are. Their operations, in order."""
    known = _journaled(journal, network.name)
    latest = {op.id: op for op in journal.operations()}
    added: list[Operation] = []
    for p in payments:
        op_id = known.get(p.tx_hash)
        if op_id is not None and op_id in latest:
            added.append(latest[op_id])
            continue
        details = {
            "token": p.token,
            "amount": p.amount,
            "units": p.units,
            "decimals": p.decimals,
            "tx_hash": p.tx_hash,
            "expected_credits": None,
            "network": network.name,
            "recipient": scan.processor,
            "chain_id": network.chain_id,
            "explorer_url": network.tx_link(p.tx_hash),
            "block_number": p.block_number,
            "found_by_scan": True,
        }
        # Another process (a second watch, a dashboard) may journal it meanwhile: the
        # look and the write are one transaction, so one payment is one buy.
        op = journal.record_once(
            Operation("buy", network.name, scan.account, "confirmed", details),
            partial(_pays, network=network.name, tx_hash=p.tx_hash),
        )
        known[p.tx_hash] = op.id
        added.append(op)
    return added


def _pays(op: Operation, network: str, tx_hash: str) -> bool:
    """``op`` is a buy on ``network`` whose payment (or a replacement of it) is ``tx_hash``."""
    if op.kind != "buy" or op.network != network:
        return False
    hashes = {candidate.tx_hash.lower() for candidate in replacing.candidates(op)}
    return tx_hash in hashes or str(op.details.get("tx_hash", "")).lower() == tx_hash
