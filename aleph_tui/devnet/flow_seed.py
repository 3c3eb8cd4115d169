"""The devnet's token-flow history: four months of purchases and processing runs, on chain.

Right after deployment, three buyers (``operators.FLOW_BUYERS``) pay the processor in
ALEPH, USDC and ETH, and the admin's monthly ``process(...)`` calls turn the payments into
``TokenPaymentsProcessed`` events, so the token-flow page has runs of every kind across
several calendar months. Each purchase is also credited as the credit service would have
done it at the time: a signed ``aleph_credit_distribution`` and a COMPLETED Credit API
payment record, both dated at the payment's block.

Block timestamps: the chain starts with a genesis dated before the history
(``genesis_timestamp``), every event is stamped with ``evm_setNextBlockTimestamp`` (anvil's,
or the embedded chain's), and at the end the chain's clock is set back to the present.
22 transactions with fixed gas limits: about 0.6 s more at start-up on anvil, 1 to 2 s on
the embedded chain.

``--flow-runs N`` then adds N small processing runs (ALEPH from the processor's reserve,
with no matching purchase) for benchmarks. They are signed up front and sent in JSON-RPC
batches: the embedded chain mines one block each (about 40 ms a run), anvil packs several
in a block (about 2 ms a run; 10 000 in about 20 s).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aleph_tui.core.formatting import plain_decimal
from aleph_tui.devnet import ledger, operators, processor
from aleph_tui.devnet.contracts import TRANSFER_TOPIC
from aleph_tui.devnet.credit_issuer import distribution_message
from aleph_tui.devnet.deploy import ETH_TOKEN, Deployment, Sender
from aleph_tui.devnet.prices import PriceBook
from aleph_tui.devnet.store import Store

if TYPE_CHECKING:
    from web3 import AsyncWeb3

log = logging.getLogger(__name__)

DAY = 24 * 3600
SEEDED_KEY = "seed.flow"
EXTRA_RUNS_KEY = "seed.flow_runs"
# The last event is this long before "now", the first HISTORY_DAYS before that.
END_MARGIN_S = 2 * DAY
HISTORY_DAYS = 120
GENESIS_LEAD_S = DAY
BUYER_GAS_ETH = 10**18  # 1 ETH each for gas, on top of what the ETH buyer spends
PROCESS_TTL_S = 600
PROCESS_SELECTOR = "a24bf15d"  # process(address,uint128,uint128,uint48)
TRANSFER_SELECTOR = "a9059cbb"  # transfer(address,uint256)
# Fixed gas limits (only the gas used is paid): estimating on py-evm costs more than the
# transactions themselves. A processing run with every transfer uses about 110 000.
TRANSFER_GAS = 80_000
PROCESS_GAS = 250_000
BATCH_SIZE = 250

# (day of the history, buyer, token, USD) and (day, tokens processed). Buyer 0 pays in
# ALEPH, 1 in USDC, 2 in ETH; a run processes what was paid since the previous one.
PURCHASES: tuple[tuple[int, int, str, int], ...] = (
    (2, 0, "ALEPH", 120),
    (9, 1, "USDC", 40),
    (33, 1, "USDC", 25),
    (38, 2, "ETH", 90),
    (46, 0, "ALEPH", 60),
    (63, 0, "ALEPH", 200),
    (70, 1, "USDC", 15),
    (93, 2, "ETH", 45),
    (101, 1, "USDC", 30),
    (108, 0, "ALEPH", 75),
)
RUN_DAYS = (25, 55, 85, 115)


@dataclass(frozen=True)
class FlowPayment:
    at: float
    buyer: str
    symbol: str
    units: int
    tx_hash: str
    block_number: int
    log_index: int


def history_end() -> float:
    """When the seeded history ends: a little before the devnet's "now" (or the system's
    clock, if ``--clock`` is later: blocks cannot be dated in the future)."""
    return min(ledger.current_time(), time.time()) - END_MARGIN_S


def genesis_timestamp(end: float) -> int:
    """The genesis date a fresh chain needs for the history ending at ``end``."""
    return int(end - HISTORY_DAYS * DAY - GENESIS_LEAD_S)


def _raw_credits(amount: int, at: float) -> int:
    """Credits as a message of that time says them (the old scale before the cutoff)."""
    if at < ledger.CREDIT_PRECISION_CUTOFF:
        return max(1, round(amount / ledger.CREDIT_PRECISION_MULTIPLIER))
    return amount


class _Wallet(Sender):
    """``Sender`` with another key than the admin's."""

    def __init__(self, w3: AsyncWeb3[Any], chain_id: int, private_key: str) -> None:
        from eth_account import Account

        super().__init__(w3, chain_id)
        self.account = Account.from_key(private_key)


async def _rpc(w3: AsyncWeb3[Any], method: str, *params: Any) -> Any:
    response = await w3.provider.make_request(method, list(params))
    if response.get("error"):
        raise RuntimeError(f"{method} failed: {response['error']}")
    return response.get("result")


async def _stamp(w3: AsyncWeb3[Any], at: float) -> None:
    """Date the next block ``at`` (the clock then runs on from there)."""
    await _rpc(w3, "evm_setNextBlockTimestamp", int(at))


def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex()


def _payment_log(receipt: dict[str, Any], emitter: str, processor_address: str) -> int:
    """The log index of the payment's ``Transfer(…, processor, …)`` in its receipt."""
    wanted = processor_address[2:].lower()
    for entry in receipt["logs"]:
        topics = [_hex(t) for t in entry["topics"]]
        if (
            str(entry["address"]).lower() == emitter.lower()
            and topics[0] == TRANSFER_TOPIC
            and topics[2].endswith(wanted)
        ):
            return int(entry["logIndex"])
    raise RuntimeError("the payment emitted no Transfer to the processor")


async def _pay(
    w3: AsyncWeb3[Any],
    chain_id: int,
    deployment: Deployment,
    buyer: operators.OperatorKey,
    symbol: str,
    units: int,
    at: float,
) -> FlowPayment:
    wallet = _Wallet(w3, chain_id, buyer.private_key)
    await _stamp(w3, at)
    if symbol == "ETH":
        emitter = deployment.processor
        tx = {"to": emitter, "value": units, "gas": TRANSFER_GAS}
    else:
        emitter = deployment.aleph_token if symbol == "ALEPH" else deployment.usdc_token
        tx = {"to": emitter, "data": _transfer_data(deployment.processor, units)}
        tx["gas"] = TRANSFER_GAS
    receipt = await wallet.send(tx)
    return FlowPayment(
        at=at,
        buyer=buyer.address,
        symbol=symbol,
        units=units,
        tx_hash=_hex(receipt["transactionHash"]),
        block_number=int(receipt["blockNumber"]),
        log_index=_payment_log(receipt, emitter, deployment.processor),
    )


def _credit(
    store: Store, book: PriceBook, rules: processor.CreditRules, payment: FlowPayment
) -> None:
    """What the credit service did for this payment at the time: mint, and record it."""
    quote = book.quote(payment.symbol, payment.units)
    message = distribution_message(
        payment.buyer,
        _raw_credits(quote.credits, payment.at),
        _raw_credits(quote.bonus_credits, payment.at) if quote.bonus_credits else 0,
        str(quote.token.usd),
        payment.tx_hash,
        payment.symbol,
        payment.at,
    )
    pending = processor.parse_pending(message)
    # The same id as the credit service's: when its first scan meets the payment, it sees
    # a COMPLETED record and leaves it alone.
    payment_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{payment.tx_hash}:{payment.log_index}"))
    created_ms = int(payment.at * 1000)
    with store.transaction() as db:
        processor.process(db, pending, rules)
        processor.record(db, pending, "processed", reception_time=payment.at + 5)
        db.execute(
            "INSERT OR IGNORE INTO payments VALUES "
            "(?, ?, 'ethereum', 'COMPLETED', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                payment_id,
                payment.buyer,
                created_ms,
                created_ms + 5000,
                str(payment.units),
                payment.symbol,
                quote.credits,
                quote.bonus_credits,
                plain_decimal(quote.usd),
                payment.tx_hash,
                message["item_hash"],
                payment.block_number,
                payment.log_index,
            ),
        )


def _units(book: PriceBook, symbol: str, usd: Decimal) -> int:
    token = book.token(symbol)
    return int((usd / token.usd).scaleb(token.decimals))


async def _head_timestamp(w3: AsyncWeb3[Any]) -> int:
    block = await w3.eth.get_block("latest")
    return int(block["timestamp"])


async def seed_flow(
    w3: AsyncWeb3[Any],
    chain_id: int,
    store: Store,
    book: PriceBook,
    rules: processor.CreditRules,
    deployment: Deployment,
    *,
    end: float,
    extra_runs: int = 0,
) -> None:
    """Mine the history once (a devnet restarted from its state keeps its own), then add
    ``extra_runs`` benchmark runs."""
    started = time.monotonic()
    fresh = not store.get_meta(SEEDED_KEY)
    if fresh:
        first = end - HISTORY_DAYS * DAY
        if await _head_timestamp(w3) >= first:
            # E.g. a chain kept from before this history existed: its blocks are newer.
            log.warning("token-flow history skipped: the chain is already past its dates")
        else:
            await _mine_history(w3, chain_id, store, book, rules, deployment, first)
        with store.transaction():
            store.set_meta(SEEDED_KEY, str(end))
    done = int(store.get_meta(EXTRA_RUNS_KEY) or 0)
    if extra_runs > done:
        await add_processing_runs(w3, chain_id, deployment, extra_runs - done)
        with store.transaction():
            store.set_meta(EXTRA_RUNS_KEY, str(extra_runs))
    if fresh:
        # Back to the present: later blocks (the users' purchases) are dated now.
        await _stamp(w3, max(time.time(), await _head_timestamp(w3) + 1))
        await _rpc(w3, "evm_mine")
    if fresh or extra_runs > done:
        log.info("token-flow history ready in %.2fs", time.monotonic() - started)


async def _mine_history(
    w3: AsyncWeb3[Any],
    chain_id: int,
    store: Store,
    book: PriceBook,
    rules: processor.CreditRules,
    deployment: Deployment,
    first: float,
) -> None:
    rng = random.Random(20260119)
    admin = Sender(w3, chain_id)
    buyers = operators.FLOW_BUYERS
    purchases = [
        (
            first + day * DAY + rng.uniform(3600, 20 * 3600),
            buyer,
            symbol,
            _units(book, symbol, Decimal(usd)),
        )
        for day, buyer, symbol, usd in PURCHASES
    ]
    # Fund the buyers: ETH by decree, ALEPH and USDC from the admin, in the first hour.
    await _stamp(w3, first)
    eth_spent = sum(u for _, b, s, u in purchases if s == "ETH")
    for key in buyers:
        await _rpc(w3, "anvil_setBalance", key.address, hex(BUYER_GAS_ETH + eth_spent))
    funding: tuple[tuple[int, str, str], ...] = (
        (0, "ALEPH", deployment.aleph_token),
        (1, "USDC", deployment.usdc_token),
    )
    for index, symbol, token in funding:
        total = sum(u for _, b, s, u in purchases if b == index and s == symbol)
        data = _transfer_data(buyers[index].address, total)
        await admin.send({"to": token, "data": data, "gas": TRANSFER_GAS})

    pending: dict[str, int] = {}
    runs = [first + day * DAY + rng.uniform(3600, 20 * 3600) for day in RUN_DAYS]
    events: list[tuple[float, int, str, int]] = sorted(
        [(at, buyer, symbol, units) for at, buyer, symbol, units in purchases]
        + [(at, -1, "", 0) for at in runs]
    )
    for at, buyer, symbol, units in events:
        if buyer >= 0:
            payment = await _pay(w3, chain_id, deployment, buyers[buyer], symbol, units, at)
            _credit(store, book, rules, payment)
            pending[symbol] = pending.get(symbol, 0) + units
            continue
        await _stamp(w3, at)
        processed: tuple[tuple[str, str], ...] = (
            ("ETH", ETH_TOKEN),
            ("USDC", deployment.usdc_token),
            ("ALEPH", deployment.aleph_token),
        )
        for run_symbol, token in processed:
            paid = pending.pop(run_symbol, 0)
            if paid:
                # ALEPH needs its amount (the processor also holds the swap reserve); the
                # others are processed whole, as the credit service does.
                amount = paid if run_symbol == "ALEPH" else 0
                data = _process_data(token, amount)
                await admin.send({"to": deployment.processor, "data": data, "gas": PROCESS_GAS})


def _transfer_data(to: str, units: int) -> str:
    return "0x" + TRANSFER_SELECTOR + int(to, 16).to_bytes(32, "big").hex() + f"{units:064x}"


def _process_data(token: str, amount: int) -> str:
    words = (int(token, 16), amount, 0, PROCESS_TTL_S)
    return "0x" + PROCESS_SELECTOR + "".join(w.to_bytes(32, "big").hex() for w in words)


FEE_CAP_MULTIPLE = 50


async def add_processing_runs(
    w3: AsyncWeb3[Any], chain_id: int, deployment: Deployment, count: int
) -> None:
    """``count`` processing runs of 1 to 50 ALEPH taken from the processor's reserve:
    signed up front, sent in JSON-RPC batches of ``BATCH_SIZE``."""
    import aiohttp
    from eth_account import Account

    rng = random.Random(count)
    admin = Account.from_key(operators.ADMIN.private_key)
    nonce = await w3.eth.get_transaction_count(admin.address, "pending")
    base_fee = int((await w3.eth.get_block("latest")).get("baseFeePerGas", 10**9))
    gas = PROCESS_GAS
    tip = 10**9
    started = time.monotonic()
    url = str(getattr(w3.provider, "endpoint_uri", ""))
    last_hash = ""
    async with aiohttp.ClientSession() as session:
        for offset in range(0, count, BATCH_SIZE):
            batch = []
            for i in range(offset, min(count, offset + BATCH_SIZE)):
                amount = rng.randrange(1, 51) * 10**18
                tx = {
                    "type": 2,
                    "chainId": chain_id,
                    "nonce": nonce + i,
                    "to": deployment.processor,
                    "value": 0,
                    "data": _process_data(deployment.aleph_token, amount),
                    "gas": gas,
                    # A cap, not a price: a slow machine packs many runs into a block, and
                    # full blocks raise the base fee 12.5 % each; a cap of 2× left runs
                    # pending forever once it passed them (seen under load).
                    "maxFeePerGas": FEE_CAP_MULTIPLE * base_fee + tip,
                    "maxPriorityFeePerGas": tip,
                }
                raw = admin.sign_transaction(tx).raw_transaction
                batch.append(
                    {
                        "jsonrpc": "2.0",
                        "id": i,
                        "method": "eth_sendRawTransaction",
                        "params": ["0x" + raw.hex()],
                    }
                )
            async with session.post(url, json=batch) as response:
                answers = await response.json()
            errors = [a["error"] for a in answers if a.get("error")]
            if errors:
                raise RuntimeError(f"benchmark processing runs refused: {errors[0]}")
            last_hash = max(answers, key=lambda a: int(a["id"]))["result"]
    receipt = await w3.eth.wait_for_transaction_receipt(last_hash, timeout=120)  # type: ignore[arg-type]
    if receipt["status"] != 1:
        raise RuntimeError(f"benchmark processing run reverted: {last_hash}")
    log.info("%d benchmark processing runs in %.1fs", count, time.monotonic() - started)
