"""The credit service: it turns on-chain payments into credits, as the real one does.

It watches ERC-20 ``Transfer``s of ALEPH and USDC to the payment processor and the
processor's own ``Transfer`` for ETH, converts each at the devnet's prices, and mints
by posting a signed ``aleph_credit_distribution`` on ``ALEPH_CREDIT`` through the CCN
API. Payment records move INDEXED → PROCESSING → BROADCASTED → COMPLETED (or FAILED).
It also runs the processor's batched processing runs, like the real admin does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from eth_typing import HexStr

from aleph_tui.core.aleph.messages import CREDIT_DISTRIBUTION, build_post_message
from aleph_tui.core.formatting import plain_decimal
from aleph_tui.devnet import operators
from aleph_tui.devnet.contracts import TRANSFER_TOPIC, load_artifact
from aleph_tui.devnet.deploy import ETH_TOKEN, Deployment, Sender
from aleph_tui.devnet.prices import PriceBook
from aleph_tui.devnet.processor import MAINNET_CREDIT_OWNER
from aleph_tui.devnet.store import Store

if TYPE_CHECKING:
    from web3 import AsyncWeb3

log = logging.getLogger(__name__)

PURCHASE_PROVIDER = "ALEPH"
PURCHASE_PAYMENT_METHOD = "token_transfer"
PURCHASE_VALIDITY_S = 365 * 24 * 3600
LAST_BLOCK_KEY = "credit_service.last_block"
UNPROCESSED_ALEPH_KEY = "credit_service.unprocessed_aleph"


def _topic_address(address: str) -> str:
    return "0x" + address[2:].lower().rjust(64, "0")


def _address_from_topic(topic: bytes | str) -> str:
    from eth_utils.address import to_checksum_address

    raw = topic.hex() if isinstance(topic, bytes) else topic.removeprefix("0x")
    return str(to_checksum_address("0x" + raw[-40:]))


@dataclass(frozen=True)
class Payment:
    tx_hash: str
    log_index: int
    block_number: int
    payer: str
    symbol: str
    units: int


def distribution_message(
    payer: str, credits: int, bonus: int, price: str, tx_hash: str, token: str, at: float
) -> dict[str, Any]:
    entry = {
        "address": payer,
        "amount": credits,
        "price": price,
        "tx_hash": tx_hash,
        "provider": PURCHASE_PROVIDER,
        "expiration": int((at + PURCHASE_VALIDITY_S) * 1000),
        "payment_method": PURCHASE_PAYMENT_METHOD,
        "bonus_amount": bonus,
    }
    content = {"distribution": {"credits": [entry], "token": token, "chain": "ETH"}}
    return build_post_message(
        operators.CREDIT_SIGNER.private_key,
        operators.CREDIT_SIGNER.address,
        CREDIT_DISTRIBUTION,
        content,
        address=MAINNET_CREDIT_OWNER,
        time=at,
    )


class CreditIssuer:
    def __init__(
        self,
        w3: AsyncWeb3[Any],
        chain_id: int,
        deployment: Deployment,
        store: Store,
        book: PriceBook,
        api_url: str,
        *,
        poll_interval: float = 0.25,
        run_interval: float = 60.0,
    ) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.store = store
        self.book = book
        self.api_url = api_url
        self.poll_interval = poll_interval
        self.run_interval = run_interval
        self.sender = Sender(w3, chain_id)
        self.symbols = {
            deployment.aleph_token.lower(): "ALEPH",
            deployment.usdc_token.lower(): "USDC",
            deployment.processor.lower(): "ETH",
        }
        self.wake = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None

    async def run(self) -> None:
        self._session = aiohttp.ClientSession()
        last_run = time.monotonic()
        try:
            while True:
                try:
                    await self.scan()
                    if time.monotonic() - last_run >= self.run_interval:
                        await self.processing_run()
                        last_run = time.monotonic()
                except Exception as exc:  # web3 errors too: the service must keep running
                    log.warning("credit service cycle failed, will retry: %r", exc)
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.poll_interval)
        finally:
            await self._session.close()

    async def payments_since(self, from_block: int, to_block: int) -> list[Payment]:
        logs = await self.w3.eth.get_logs(
            {
                "fromBlock": from_block,
                "toBlock": to_block,
                "address": [
                    self.deployment.aleph_token,
                    self.deployment.usdc_token,
                    self.deployment.processor,
                ],
                "topics": [
                    HexStr(TRANSFER_TOPIC),
                    None,
                    HexStr(_topic_address(self.deployment.processor)),
                ],
            }
        )
        payments = []
        for entry in logs:
            payer = _address_from_topic(entry["topics"][1])
            if payer == operators.ADMIN.address:
                continue  # the processor's ALEPH reserve, funded at deployment
            payments.append(
                Payment(
                    tx_hash="0x" + bytes(entry["transactionHash"]).hex(),
                    log_index=int(entry["logIndex"]),
                    block_number=int(entry["blockNumber"]),
                    payer=payer,
                    symbol=self.symbols[str(entry["address"]).lower()],
                    units=int.from_bytes(bytes(entry["data"]), "big"),
                )
            )
        return payments

    async def scan(self) -> None:
        latest = await self.w3.eth.block_number
        last = self.store.get_meta(LAST_BLOCK_KEY)
        start = self.deployment.deploy_block if last is None else int(last) + 1
        if start > latest:
            return
        for payment in await self.payments_since(start, latest):
            await self.credit(payment)
        with self.store.transaction():
            self.store.set_meta(LAST_BLOCK_KEY, str(latest))

    def _set_status(self, payment_id: str, status: str, item_hash: str | None = None) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE payments SET status = ?, updated_at = ?, item_hash = "
                "COALESCE(?, item_hash) WHERE id = ?",
                (status, int(time.time() * 1000), item_hash, payment_id),
            )

    async def credit(self, payment: Payment) -> None:
        payment_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{payment.tx_hash}:{payment.log_index}"))
        exists = self.store.db.execute(
            "SELECT status FROM payments WHERE id = ?", (payment_id,)
        ).fetchone()
        if exists is not None and exists["status"] in ("COMPLETED", "FAILED"):
            return
        quote = self.book.quote(payment.symbol, payment.units)
        now_ms = int(time.time() * 1000)
        with self.store.transaction() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO payments VALUES "
                "(?, ?, 'ethereum', 'INDEXED', ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                (
                    payment_id,
                    payment.payer,
                    now_ms,
                    now_ms,
                    str(payment.units),
                    payment.symbol,
                    quote.credits,
                    quote.bonus_credits,
                    plain_decimal(quote.usd),
                    payment.tx_hash,
                    payment.block_number,
                    payment.log_index,
                ),
            ).rowcount
            created_ms = db.execute(
                "SELECT created_at FROM payments WHERE id = ?", (payment_id,)
            ).fetchone()["created_at"]
            if payment.symbol == "ALEPH" and inserted:  # not again when a retry comes back
                pending = int(self.store.get_meta(UNPROCESSED_ALEPH_KEY) or 0)
                self.store.set_meta(UNPROCESSED_ALEPH_KEY, str(pending + payment.units))
        if quote.credits <= 0:
            self._set_status(payment_id, "FAILED")
            return
        self._set_status(payment_id, "PROCESSING")
        message = distribution_message(
            payment.payer,
            quote.credits,
            quote.bonus_credits,
            str(quote.token.usd),
            payment.tx_hash,
            payment.symbol,
            # The record's time, so a retry re-sends the same message (same item_hash),
            # which the CCN recognises instead of minting twice.
            created_ms / 1000,
        )
        self._set_status(payment_id, "BROADCASTED", message["item_hash"])
        assert self._session is not None
        async with self._session.post(
            self.api_url + "/api/v0/messages", json={"sync": True, "message": message}
        ) as response:
            ok = response.status == 200
        self._set_status(payment_id, "COMPLETED" if ok else "FAILED")
        log.info("payment %s: %s credits → %s", payment.tx_hash, quote.credits, payment.payer)

    async def processing_run(self) -> None:
        """Swap and distribute what the processor holds, as the real admin's batches do."""
        w3 = self.w3
        processor = self.deployment.processor
        usdc = w3.eth.contract(
            address=self.deployment.usdc_token, abi=load_artifact("TestToken").abi
        )
        runs: list[tuple[str, int]] = []
        if await w3.eth.get_balance(processor):
            runs.append((ETH_TOKEN, 0))
        if await usdc.functions.balanceOf(processor).call():
            runs.append((self.deployment.usdc_token, 0))
        aleph_pending = int(self.store.get_meta(UNPROCESSED_ALEPH_KEY) or 0)
        if aleph_pending:
            runs.append((self.deployment.aleph_token, aleph_pending))
        for token, amount in runs:
            try:
                await self.sender.call(
                    processor, "AlephPaymentProcessor", "process", token, amount, 0, 600
                )
            except Exception as exc:  # e.g. the ALEPH reserve cannot cover a huge payment
                # One token that cannot be processed must not hold back the others.
                log.warning("processing run for %s failed, will retry: %r", token, exc)
                continue
            if token == self.deployment.aleph_token:
                with self.store.transaction():
                    self.store.set_meta(UNPROCESSED_ALEPH_KEY, "0")
            log.info("processing run for %s", token)
