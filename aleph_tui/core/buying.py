"""Buying credits: quote, then pay the credit contract and follow it until credits arrive.

A purchase is a plain payment to the network's credit contract (aleph-api.md §4.2 A):
ERC-20 ``transfer(credit_contract, amount)`` for ALEPH and USDC, a value transfer for
ETH. The credit service sees it and mints credits; the Credit API's payment record of
the transaction says when (and how many).

``Buyer.execute`` goes through these steps, each reported to ``progress`` and journaled
(kind ``"buy"``) so a crash or restart loses nothing:

===================  ============================  ==================================
progress step        journal status                meaning
===================  ============================  ==================================
``signed``           ``signed``                    signed locally, not yet sent
``sent``             ``submitted``                 accepted by the node (tx hash)
``confirmed``        ``confirmed``                 mined with status 1
``credits_received`` ``completed``                 the credits are on the account
``failed``           ``failed``                    reverted, rejected or never sent
``pending``          (unchanged)                   a deadline passed; resume later
===================  ============================  ==================================

Journal details (no secrets): ``token``, ``amount`` (human, string), ``units`` (base
units), ``decimals``, ``tx_hash``, ``expected_credits``, ``network``, ``recipient``,
``chain_id``, ``nonce``, ``explorer_url``, ``credits_before`` (only without a Credit
API), then ``block_number`` and ``credits_received`` as they become known.

Errors before anything is sent raise (``InvalidInput``, ``BuyError``, ``ChainError``);
once a transaction exists the outcome is a ``BuyResult`` carrying its hash. A dry run
signs, reports the hash and stops: it sends nothing and journals nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from aleph_tui.core import retry, validation
from aleph_tui.core.api_client import AlephApi, ApiError
from aleph_tui.core.chain import (
    ETH_DECIMALS,
    ChainError,
    ChainGateway,
    NotSent,
    ReceiptTimeout,
    SendOutcomeUnknown,
    TxPlan,
)
from aleph_tui.core.credit_api_client import CreditApi, CreditApiError, CreditEstimate
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.journal import Journal, Operation
from aleph_tui.core.networks import Network
from aleph_tui.core.signer import Signer

log = logging.getLogger(__name__)

TOKENS = ("ALEPH", "USDC", "ETH")
# Where a user follows what a deadline left open.
FOLLOW_HINT = "`aleph-tui pending`, or the dashboard's next start"
# Credit polling starts quick (the devnet mints within a second) and backs off to spare
# the real Credit API (its service polls every ~10 s).
POLL_INTERVAL_S = 0.25
MAX_POLL_INTERVAL_S = 5.0

BuyStep = Literal["signed", "sent", "confirmed", "credits_received", "pending", "failed"]
BuyStatus = Literal["dry_run", "completed", "pending", "failed"]


class BuyError(ServiceError):
    """The purchase cannot go ahead (balance, configuration); nothing was signed."""


def human(units: int, decimals: int) -> str:
    """Base units as a plain decimal string, without trailing zeros."""
    return validation.token_text(units, decimals)


@dataclass(frozen=True)
class BuyQuote:
    """Everything the confirmation shows, and the exact transaction it signs."""

    network: Network
    token: str  # ALEPH, USDC or ETH
    amount: Decimal
    units: int
    decimals: int
    payer: str
    recipient: str  # the credit contract
    token_contract: str | None  # None for ETH
    balance_units: int  # the payer's balance of ``token``
    estimated_credits: int | None  # bonus included; None without a Credit API
    bonus_credits: int | None
    bonus_ratio: Decimal | None
    price_usd: Decimal | None  # of one whole token
    total_usd: Decimal | None
    plan: TxPlan

    @property
    def amount_text(self) -> str:
        return human(self.units, self.decimals)

    @property
    def chain_id(self) -> int:
        return self.plan.chain_id

    @property
    def nonce(self) -> int:
        return self.plan.nonce

    @property
    def fee_limit_eth(self) -> Decimal:
        return self.plan.max_network_fee_eth


@dataclass(frozen=True)
class BuyProgress:
    step: BuyStep
    message: str
    tx_hash: str | None = None
    explorer_url: str | None = None
    credits: int | None = None


@dataclass(frozen=True)
class BuyResult:
    status: BuyStatus
    token: str
    units: int
    tx_hash: str
    explorer_url: str | None
    expected_credits: int | None
    credits_received: int | None = None
    error: str | None = None  # why it failed, or what is still pending
    operation_id: str | None = None


ProgressCallback = Callable[[BuyProgress], None]


class Buyer:
    """Buying on one network. The facade owns the clients and passes them in."""

    def __init__(
        self,
        network: Network,
        gateway: ChainGateway,
        api: AlephApi,
        credit_api: CreditApi | None,
        journal: Journal,
        *,
        receipt_timeout: float | None = None,
        credits_timeout: float | None = None,
        poll_interval: float = POLL_INTERVAL_S,
    ) -> None:
        self.network = network
        self.gateway = gateway
        self.api = api
        self.credit_api = credit_api
        self.journal = journal
        if receipt_timeout is None:
            receipt_timeout = retry.receipt_timeout()
        if credits_timeout is None:
            credits_timeout = retry.follow_timeout()
        self.receipt_timeout = receipt_timeout
        self.credits_timeout = credits_timeout
        self.poll_interval = poll_interval

    # --- quote ------------------------------------------------------------------------

    async def quote(self, token: str, amount_text: str, payer: str) -> BuyQuote:
        """Validate, estimate the credits and the fee, check the balances; sign nothing."""
        symbol = token.strip().upper()
        if symbol not in TOKENS:
            raise validation.InvalidInput("token", "must be ALEPH, USDC or ETH")
        payer = validation.address(payer, field="payer")
        network = self.network
        if not network.credit_contract:
            raise BuyError(f"network {network.name} has no credit contract to pay")
        recipient = validation.address(network.credit_contract, field="credit contract")
        # First: on another chain every balance and contract read below would mislead.
        validation.chain_id(await self.gateway.chain_id(), network.chain_id, network=network.name)
        contract: str | None = None
        if symbol == "ETH":
            decimals = ETH_DECIMALS
        else:
            contract = network.aleph_token if symbol == "ALEPH" else network.usdc_token
            if not contract:
                raise BuyError(f"network {network.name} has no {symbol} token address")
            decimals = await self.gateway.token_decimals(contract, symbol=symbol)
        units = validation.token_amount(amount_text, decimals, symbol)

        if contract is None:
            balance = eth = await self.gateway.eth_balance(payer)
        else:
            balance, eth = await asyncio.gather(
                self.gateway.token_balance(contract, payer), self.gateway.eth_balance(payer)
            )
        if units > balance:
            raise BuyError(
                f"Insufficient {symbol} balance. Required {human(units, decimals)} {symbol}, "
                f"available {human(balance, decimals)} {symbol}"
            )
        estimate = await self._estimate(symbol, units)
        if contract is None:
            plan = await self.gateway.build(payer, recipient, value=units)
        else:
            plan = await self.gateway.build_token_transfer(payer, contract, recipient, units)
        needed = plan.max_network_fee + (units if contract is None else 0)
        if needed > eth:
            what = "the amount plus the network fee" if contract is None else "the network fee"
            raise BuyError(
                f"Insufficient ETH for {what}. Required {human(needed, ETH_DECIMALS)} ETH, "
                f"available {human(eth, ETH_DECIMALS)} ETH"
            )
        return BuyQuote(
            network=network,
            token=symbol,
            amount=Decimal(validation.token_text(units, decimals)),
            units=units,
            decimals=decimals,
            payer=payer,
            recipient=recipient,
            token_contract=contract,
            balance_units=balance,
            estimated_credits=None if estimate is None else estimate.credits,
            bonus_credits=None if estimate is None else estimate.bonus_credits,
            bonus_ratio=None if estimate is None else estimate.bonus_ratio,
            price_usd=None if estimate is None else estimate.price_usd,
            total_usd=None if estimate is None else estimate.total_usd,
            plan=plan,
        )

    async def _estimate(self, symbol: str, units: int) -> CreditEstimate | None:
        if self.credit_api is None:
            return None
        try:
            return await self.credit_api.token_to_credit(symbol, units)
        except CreditApiError as exc:
            raise BuyError(f"cannot estimate the credits: {exc}") from None

    # --- execute ----------------------------------------------------------------------

    async def execute(
        self,
        quote: BuyQuote,
        signer: Signer,
        *,
        dry_run: bool = False,
        progress: ProgressCallback | None = None,
    ) -> BuyResult:
        """Sign exactly the quoted transaction, send it, and follow it to the credits."""
        if quote.network.name != self.network.name:
            raise BuyError(f"this quote is for {quote.network.name}, not {self.network.name}")
        gateway = self.gateway
        if dry_run:
            tx_hash = await gateway.dry_run(quote.plan, signer)
            _emit(progress, BuyProgress("signed", f"dry run: signed {tx_hash}, not sent", tx_hash))
            return BuyResult(
                "dry_run", quote.token, quote.units, tx_hash, None, quote.estimated_credits
            )

        signed = await gateway.sign(quote.plan, signer)
        tx_hash = signed.tx_hash
        explorer = self.network.tx_link(tx_hash)
        details: dict[str, Any] = {
            "token": quote.token,
            "amount": quote.amount_text,
            "units": quote.units,
            "decimals": quote.decimals,
            "tx_hash": tx_hash,
            "expected_credits": quote.estimated_credits,
            "network": self.network.name,
            "recipient": quote.recipient,
            "chain_id": quote.chain_id,
            "nonce": quote.nonce,
            "explorer_url": explorer,
        }
        if self.credit_api is None:
            details["credits_before"] = await self._credit_balance(quote.payer)
        op = self.journal.record(
            Operation("buy", self.network.name, quote.payer, "signed", details)
        )
        _emit(progress, BuyProgress("signed", f"signed {tx_hash}", tx_hash, explorer))
        try:
            await gateway.send(signed)  # resends the same bytes only if the node lost them
        except NotSent as exc:
            self.journal.record(op, status="failed", error=str(exc))
            raise
        except SendOutcomeUnknown:
            raise  # stays "signed": resume asks the node for the hash
        del signed  # the raw bytes are not needed anymore
        op = self.journal.record(op, status="submitted")
        _emit(progress, BuyProgress("sent", f"sent {tx_hash}", tx_hash, explorer))
        return await self._follow(op, progress)

    # --- resume -----------------------------------------------------------------------

    async def resume(self, op: Operation, progress: ProgressCallback | None = None) -> BuyResult:
        """Pick up a journaled buy after a crash or restart."""
        if op.kind != "buy" or op.network != self.network.name:
            raise BuyError(f"operation {op.id} is not a buy on {self.network.name}")
        if not op.is_open:
            return _result(op)
        tx_hash = op.details.get("tx_hash")
        if not tx_hash:
            return self._fail(op, "never sent: no transaction hash was recorded", progress)
        if op.status == "signed":
            if not await self.gateway.is_known(tx_hash):
                return self._fail(
                    op, "never sent: the node does not know the signed transaction", progress
                )
            op = self.journal.record(op, status="submitted")
            _emit(progress, BuyProgress("sent", f"sent {tx_hash}", tx_hash, _link(op)))
        return await self._follow(op, progress)

    async def resume_open(self, progress: ProgressCallback | None = None) -> list[BuyResult]:
        """Resume every open buy of this network, oldest first. One that cannot be
        checked now (RPC down) is reported pending and stays in the journal."""
        results = []
        for op in self.journal.open_operations(self.network.name):
            if op.kind != "buy":
                continue
            try:
                results.append(await self.resume(op, progress))
            except ChainError as exc:
                results.append(self._pending(op, f"cannot check it now: {exc}", progress))
        return results

    # --- following a sent transaction -------------------------------------------------

    async def _follow(self, op: Operation, progress: ProgressCallback | None) -> BuyResult:
        tx_hash = str(op.details["tx_hash"])
        if op.status == "submitted":
            try:
                receipt = await self.gateway.wait_for_receipt(tx_hash, within=self.receipt_timeout)
            except ChainError as exc:
                if await self._dropped(op):
                    return self._fail(
                        op,
                        "dropped: its nonce was used by another transaction; nothing was paid",
                        progress,
                    )
                what = str(exc) if isinstance(exc, ReceiptTimeout) else f"not mined yet ({exc})"
                return self._pending(
                    op,
                    f"{what}; transaction {tx_hash} was sent and stays in the journal, "
                    f"it will be followed ({FOLLOW_HINT})",
                    progress,
                )
            if not receipt.succeeded:
                reason = await self.gateway.failure_reason(tx_hash, receipt)
                op = self.journal.record(
                    op, details=op.details | {"block_number": receipt.block_number}
                )
                return self._fail(
                    op,
                    f"mined but reverted: {reason}; no credits will arrive",
                    progress,
                )
            op = self.journal.record(
                op,
                status="confirmed",
                details=op.details | {"block_number": receipt.block_number},
            )
            _emit(
                progress,
                BuyProgress(
                    "confirmed",
                    f"confirmed in block {receipt.block_number}",
                    tx_hash,
                    _link(op),
                ),
            )
        return await self._wait_credits(op, progress)

    async def _dropped(self, op: Operation) -> bool:
        """Unknown to the node while the account's nonce has moved past it."""
        nonce = op.details.get("nonce")
        try:
            if await self.gateway.is_known(str(op.details["tx_hash"])):
                return False
            return nonce is not None and await self.gateway.nonce(op.account, "latest") > nonce
        except ChainError:
            return False

    async def _wait_credits(self, op: Operation, progress: ProgressCallback | None) -> BuyResult:
        deadline = time.monotonic() + self.credits_timeout
        interval = self.poll_interval
        last_problem = "the credit service has not minted them yet"
        while True:
            try:
                state = await self._credit_state(op)
            except (ApiError, CreditApiError) as exc:
                state, last_problem = None, str(exc)
            if isinstance(state, int):
                op = self.journal.record(
                    op, status="completed", details=op.details | {"credits_received": state}
                )
                _emit(
                    progress,
                    BuyProgress(
                        "credits_received",
                        f"{state} credits received",
                        str(op.details["tx_hash"]),
                        _link(op),
                        credits=state,
                    ),
                )
                return _result(op)
            if isinstance(state, str):
                return self._fail(op, state, progress)
            if time.monotonic() >= deadline:
                return self._pending(
                    op,
                    f"credits still pending: {last_problem}; it will be followed ({FOLLOW_HINT})",
                    progress,
                )
            await asyncio.sleep(min(interval, max(deadline - time.monotonic(), 0)))
            interval = min(interval * 1.5, MAX_POLL_INTERVAL_S)

    async def _credit_state(self, op: Operation) -> int | str | None:
        """Credits received (int), a failure (str), or not yet (None)."""
        tx_hash = str(op.details["tx_hash"])
        if self.credit_api is not None:
            payment = await self.credit_api.payment_for_tx(op.account, tx_hash)
            if payment is None:
                return None
            if payment.is_failed:
                return f"the credit service marked the payment {payment.status}"
            if payment.is_done:
                return payment.credits if payment.credits is not None else 0
            return None
        before, expected = op.details.get("credits_before"), op.details.get("expected_credits")
        if before is None or expected is None:
            return None  # nothing to compare with: only time will tell
        gained = await self._credit_balance(op.account) - int(before)
        return gained if gained >= int(expected) else None

    async def _credit_balance(self, address: str) -> int:
        return (await self.api.balance(address, credit_details=False)).credits

    # --- final states -----------------------------------------------------------------

    def _fail(self, op: Operation, reason: str, progress: ProgressCallback | None) -> BuyResult:
        op = self.journal.record(op, status="failed", error=reason)
        tx_hash = op.details.get("tx_hash")
        _emit(progress, BuyProgress("failed", reason, tx_hash, _link(op)))
        return _result(op)

    def _pending(self, op: Operation, reason: str, progress: ProgressCallback | None) -> BuyResult:
        op = self.journal.record(op, details=op.details | {"waiting": reason})
        _emit(progress, BuyProgress("pending", reason, op.details.get("tx_hash"), _link(op)))
        return _result(op, pending=reason)


def _link(op: Operation) -> str | None:
    url = op.details.get("explorer_url")
    return None if url is None else str(url)


def _result(op: Operation, *, pending: str | None = None) -> BuyResult:
    details = op.details
    status: BuyStatus = "pending"
    if op.status in ("completed", "failed"):
        status = "completed" if op.status == "completed" else "failed"
    received = details.get("credits_received")
    return BuyResult(
        status=status,
        token=str(details.get("token")),
        units=int(details.get("units") or 0),
        tx_hash=str(details.get("tx_hash") or ""),
        explorer_url=_link(op),
        expected_credits=details.get("expected_credits"),
        credits_received=None if received is None else int(received),
        error=op.error if status == "failed" else pending,
        operation_id=op.id,
    )


def _emit(progress: ProgressCallback | None, event: BuyProgress) -> None:
    if progress is None:
        return
    try:
        progress(event)
    except Exception:  # a display problem must not break a payment in flight
        log.exception("buy progress callback failed")
