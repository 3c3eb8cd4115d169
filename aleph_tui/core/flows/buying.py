"""Buying credits: quote, then pay the credit contract and follow it until credits arrive.

A purchase is a plain payment to the network's credit contract (aleph-api.md §4.2 A):
ERC-20 ``transfer(credit_contract, amount)`` for ALEPH and USDC, a value transfer for
ETH. The credit service sees it and mints credits with an ``aleph_credit_distribution``
whose entry carries the payment's ``tx_hash``: the credits have arrived when the NODE's
credit history of the account shows that row (pyaleph ``credit_transfer.py``). The Credit
API is asked only for extra detail: a direct transfer may never get a payment record
there, and a status it gives (FAILED…) can still change.

``Buyer.execute`` goes through these steps, each reported to ``progress`` and journaled
(kind ``"buy"``) so a crash or restart loses nothing:

===================  ============================  ==================================
progress step        journal status                meaning
===================  ============================  ==================================
``signed``           ``signed``                    signed locally, not yet sent
``sent``             ``submitted``                 accepted by the node (tx hash)
``confirmed``        ``confirmed``                 mined with status 1
``credits_received`` ``completed``                 the node shows the credits
``failed``           ``failed``                    reverted, refused, or never minable
``pending``          (unchanged)                   a deadline passed; resume later
===================  ============================  ==================================

Resume follows the chain's rules, never a guess: a "signed" transaction the node does
not know is broadcast again as the very same bytes (journaled as ``raw_tx`` before the
first send: same hash, same nonce, so it can be mined once at most). It is declared dead
only when the account's mined nonce has passed its nonce and its hash is not on chain.

Journal details (no secrets): ``token``, ``amount`` (human, string), ``units`` (base
units), ``decimals``, ``tx_hash``, ``raw_tx`` (the signed transaction, public),
``expected_credits``, ``network``, ``recipient``, ``chain_id``, ``nonce``,
``explorer_url``, then ``block_number`` and ``credits_received`` as they become known,
and ``waiting`` (what an open buy waits for).

Errors before anything is sent raise (``InvalidInput``, ``BuyError``, ``ChainError``);
once a transaction exists the outcome is a ``BuyResult`` carrying its hash. A dry run
signs, reports the hash and stops: it sends nothing and journals nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Literal

from aleph_tui.core import crash_points, retry, validation
from aleph_tui.core.accounts.signer import SignedTransaction, Signer
from aleph_tui.core.aleph.api_client import AlephApi, ApiError
from aleph_tui.core.aleph.credit_api_client import CreditApi, CreditApiError, CreditEstimate
from aleph_tui.core.chain.gateway import (
    ETH_DECIMALS,
    KNOWN_DECIMALS,
    RECEIPT_POLL_S,
    ChainError,
    ChainGateway,
    NotSent,
    Receipt,
    ReceiptTimeout,
    SendOutcomeUnknown,
    TxPlan,
)
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.flows import replacing
from aleph_tui.core.flows.replacing import REPLACEMENTS
from aleph_tui.core.formatting import credits as credits_text
from aleph_tui.core.formatting import exact_units
from aleph_tui.core.journal.operation_journal import Journal, Operation
from aleph_tui.core.networks import Network

log = logging.getLogger(__name__)

TOKENS = ("ALEPH", "USDC", "ETH")
# Where a user follows what a deadline left open.
FOLLOW_HINT = "`aleph-tui pending`, or the dashboard's next start"
# Credit polling starts quick (the devnet mints within a second) and backs off to spare
# the real Credit API (its service polls every ~10 s).
POLL_INTERVAL_S = 0.25
MAX_POLL_INTERVAL_S = 5.0

# A quote older than this is quoted again before signing (the balances, nonce, fees and
# price it read may have moved); a younger one has its price read again instead.
QUOTE_MAX_AGE_S = 60.0
# The credit service prices a payment when it sees it, not when it was quoted: the
# minimum credits expected allow the token's price to fall this much meanwhile (USDC is
# pegged: its credits are exact).
PRICE_TOLERANCE = Decimal("0.01")
PEGGED = frozenset({"USDC"})

# The journal key of the signed transaction's bytes (hex), broadcast again on resume.
RAW_TX = "raw_tx"
# What the chain says of a transaction the node may not know.
Fate = Literal["known", "dead", "unknown"]

# "waiting": a payment link waits for another wallet to pay (flows/payment_link.py).
BuyStep = Literal[
    "waiting", "signed", "sent", "confirmed", "credits_received", "pending", "failed", "cancelled"
]
BuyStatus = Literal["dry_run", "completed", "pending", "failed", "cancelled"]


class BuyError(ServiceError):
    """The purchase cannot go ahead (balance, configuration); nothing was signed."""


def human(units: int, decimals: int) -> str:
    """Base units as a plain decimal string, without trailing zeros."""
    return validation.token_text(units, decimals)


@dataclass(frozen=True)
class BuyRequest:
    """A purchase's inputs, each parsed once (``buy_request``): what gets quoted."""

    token: str  # ALEPH, USDC or ETH
    units: int  # base units at ``decimals``
    decimals: int  # the token's known decimals, which the amount was parsed with
    payer: str  # checksummed

    @property
    def amount_text(self) -> str:
        return human(self.units, self.decimals)


def buy_request(token: str, amount: str | int, payer: str) -> BuyRequest:
    """The one place a purchase's raw inputs become typed values (CLI and dashboard).

    ``amount`` is the human text, or base units already parsed (the form's field parses
    as it is typed). Raises InvalidInput naming the field. No I/O: the quote checks the
    token's real decimals on chain.
    """
    symbol = token.strip().upper()
    if symbol not in TOKENS:
        raise validation.InvalidInput("token", "must be ALEPH, USDC or ETH")
    decimals = KNOWN_DECIMALS[symbol]
    if isinstance(amount, int):
        if amount <= 0:
            raise validation.InvalidInput("amount", "must be greater than zero")
        units = amount
    else:
        units = validation.token_amount(amount, decimals, symbol)
    return BuyRequest(symbol, units, decimals, validation.address(payer, field="payer"))


def _units_at(request: BuyRequest, decimals: int) -> int:
    """The request's amount in base units of a token with ``decimals`` (its real ones
    on chain), exactly; InvalidInput when that token cannot hold it."""
    shift = decimals - request.decimals
    if shift >= 0:
        factor: int = 10**shift
        return request.units * factor
    divisor: int = 10**-shift
    units, rest = divmod(request.units, divisor)
    if rest:
        raise validation.InvalidInput(
            "amount", f"must have at most {decimals} decimals for {request.token}"
        )
    return units


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
    quoted_at: float = field(default_factory=time.monotonic, compare=False)
    # Why this quote replaced the one shown before (its price moved, it grew old).
    requoted: str | None = field(default=None, compare=False)

    eth_price_usd: Decimal | None = None  # of one ETH, for the fee's worth; None: unknown

    @property
    def amount_text(self) -> str:
        return human(self.units, self.decimals)

    @property
    def request(self) -> BuyRequest:
        return BuyRequest(self.token, self.units, self.decimals, self.payer)

    @property
    def age_s(self) -> float:
        return time.monotonic() - self.quoted_at

    @property
    def min_credits(self) -> int | None:
        """The fewest credits the payment should bring: the estimate, less what a price
        fall of ``PRICE_TOLERANCE`` before the credit service sees it would take (none
        for a pegged token)."""
        if self.estimated_credits is None:
            return None
        if self.token in PEGGED:
            return self.estimated_credits
        floor = (Decimal(self.estimated_credits) * (1 - PRICE_TOLERANCE)).to_integral_value(
            ROUND_FLOOR
        )
        return int(floor)

    @property
    def chain_id(self) -> int:
        return self.plan.chain_id

    @property
    def nonce(self) -> int:
        return self.plan.nonce

    @property
    def fee_limit_eth(self) -> Decimal:
        return self.plan.max_network_fee_eth

    @property
    def fee_limit_usd(self) -> Decimal | None:
        """The most the network fee can be worth in USD; None when ETH's price is unknown."""
        price = self.eth_price_usd
        return None if price is None else self.fee_limit_eth * price


def minimum_text(quote: BuyQuote) -> str | None:
    """The fewest credits the payment should bring and why it may bring fewer than the
    estimate, as the confirmations say it (None without a Credit API)."""
    minimum = quote.min_credits
    if minimum is None:
        return None
    if minimum == quote.estimated_credits:
        return f"{credits_text(minimum)} credits ({quote.token} is pegged to the dollar)"
    fall = validation.token_text(int(PRICE_TOLERANCE * 10_000), 2)
    # Short, to fit a confirmation at 80 columns; PRICE_TOLERANCE's comment says why.
    return f"{credits_text(minimum)} credits, allowing a {fall} % {quote.token} price fall"


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
    amount: str = ""  # what was paid, in whole tokens (a payment link's may differ)


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

    async def quote(
        self, token: str | BuyRequest, amount_text: str = "", payer: str = ""
    ) -> BuyQuote:
        """Price the request (or the raw inputs, parsed by ``buy_request``): estimate the
        credits and the fee, check the balances; sign nothing."""
        request = token if isinstance(token, BuyRequest) else buy_request(token, amount_text, payer)
        symbol, payer = request.token, request.payer
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
        units = _units_at(request, decimals)

        if contract is None:
            balance = eth = await self.gateway.eth_balance(payer)
        else:
            balance, eth = await asyncio.gather(
                self.gateway.token_balance(contract, payer), self.gateway.eth_balance(payer)
            )
        if units > balance:
            raise BuyError(
                f"Insufficient {symbol} balance. Required {exact_units(units, decimals, symbol)}, "
                f"available {exact_units(balance, decimals, symbol)}"
            )
        estimate, eth_price = await asyncio.gather(
            self.estimate(symbol, units),
            self._eth_price(symbol),
        )
        if symbol == "ETH" and estimate is not None:
            eth_price = estimate.price_usd
        if contract is None:
            plan = await self.gateway.build(payer, recipient, value=units)
        else:
            plan = await self.gateway.build_token_transfer(payer, contract, recipient, units)
        needed = plan.max_network_fee + (units if contract is None else 0)
        if needed > eth:
            what = "the amount plus the network fee" if contract is None else "the network fee"
            raise BuyError(
                f"Insufficient ETH for {what}. Required "
                f"{exact_units(needed, ETH_DECIMALS, 'ETH')}, "
                f"available {exact_units(eth, ETH_DECIMALS, 'ETH')}"
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
            eth_price_usd=eth_price,
        )

    async def fresh(self, quote: BuyQuote, *, max_age_s: float = QUOTE_MAX_AGE_S) -> BuyQuote:
        """``quote`` if it may still be signed, else the request quoted again, saying why
        in ``requoted``: older than ``max_age_s``, or its price moved (read again here:
        one Credit API call)."""
        if quote.age_s > max_age_s:
            why = f"the quote was more than {max_age_s:.0f} s old"
        else:
            estimate = await self.estimate(quote.token, quote.units)
            now = None if estimate is None else estimate.credits
            if now == quote.estimated_credits:
                return quote
            before, after = (
                "?" if n is None else credits_text(n) for n in (quote.estimated_credits, now)
            )
            why = f"the price moved: ≈ {before} → ≈ {after} credits"
        return replace(await self.quote(quote.request), requoted=why)

    async def _eth_price(self, symbol: str) -> Decimal | None:
        """The USD price of one ETH, for the fee's worth (paying in ETH, the estimate
        itself has it). None when unknown: the fee is then shown in ETH only (its worth
        is information, never a reason to refuse)."""
        if self.credit_api is None or symbol == "ETH":
            return None
        try:
            return (await self.credit_api.token_to_credit("ETH", 10**ETH_DECIMALS)).price_usd
        except CreditApiError:
            return None

    async def estimate(self, symbol: str, units: int) -> CreditEstimate | None:
        """The Credit API's estimate for ``units`` of ``symbol``; None without one."""
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
            # Public (no key): what ``resume`` broadcasts again if the node lost it.
            RAW_TX: "0x" + signed.raw.hex(),
        }
        crash_points.reached("buy.before_journal")
        op = self.journal.record(
            Operation("buy", self.network.name, quote.payer, "signed", details)
        )
        _emit(progress, BuyProgress("signed", f"signed {tx_hash}", tx_hash, explorer))
        crash_points.reached("buy.signed")
        try:
            await gateway.send(signed)  # resends the same bytes only if the node lost them
        except NotSent as exc:
            self.journal.record(op, status="failed", error=str(exc))
            raise
        except SendOutcomeUnknown:
            raise  # stays "signed": resume asks the node for the hash, or sends it again
        crash_points.reached("buy.sent")
        op = self.journal.record(op, status="submitted")
        _emit(progress, BuyProgress("sent", f"sent {tx_hash}", tx_hash, explorer))
        crash_points.reached("buy.submitted")
        return await self._follow(op, progress)

    # --- resume -----------------------------------------------------------------------

    async def resume(self, op: Operation, progress: ProgressCallback | None = None) -> BuyResult:
        """Pick up a journaled buy after a crash or restart, by the chain's rules: a
        transaction the node does not know is broadcast again as the very same bytes,
        and declared dead only once its nonce was used by another transaction."""
        if op.kind != "buy" or op.network != self.network.name:
            raise BuyError(f"operation {op.id} is not a buy on {self.network.name}")
        if not op.is_open:
            return _result(op)
        tx_hash = op.details.get("tx_hash")
        if not tx_hash:
            return self._fail(op, "never sent: no transaction hash was recorded", progress)
        if op.status == "signed":
            settled = await self._settle_signed(op, progress)
            if isinstance(settled, BuyResult):
                return settled
            op = settled
        return await self._follow(op, progress)

    async def _settle_signed(
        self, op: Operation, progress: ProgressCallback | None
    ) -> Operation | BuyResult:
        """A buy journaled "signed": the node knows it (submitted), or it is sent again
        as the same bytes, or its nonce was used by another transaction (dead)."""
        tx_hash = str(op.details["tx_hash"])
        op = self._fresh(op)
        fate: Fate | str = await self._fate(op)
        if fate == "unknown":
            if not any(c.raw is not None for c in replacing.candidates(op)):
                return self._pending(op, _no_copy(op), progress)
            fate = await self._rebroadcast(op)
            if fate not in ("known", "dead"):
                return self._pending(op, fate, progress)  # why it is still open
        if fate == "dead":
            return self._dead_end(op, progress)
        op = self._record(op, status="submitted")
        _emit(progress, BuyProgress("sent", f"sent {tx_hash}", tx_hash, _link(op)))
        return op

    async def _fate(self, op: Operation) -> Fate:
        """Whether the node knows one of the buy's candidate transactions (the payment
        or a replacement; pending or mined), or none can ever be mined (their nonce was
        used by another), or neither yet. The mined nonce is read FIRST: a transaction
        unknown after its nonce was used is certainly not mined."""
        op = self._fresh(op)
        nonce = op.details.get("nonce")
        mined = await self.gateway.nonce(op.account, "latest")
        for candidate in replacing.candidates(op):
            if await self.gateway.is_known(candidate.tx_hash):
                return "known"
        if nonce is not None and mined > int(nonce):
            return "dead"
        return "unknown"

    async def _rebroadcast(self, op: Operation) -> Fate | str:
        """The journaled bytes sent again, the replacement with the highest fees first:
        "known" once the node has one, "dead", or a note of why it is still open (the
        node refused them all or did not answer)."""
        op = self._fresh(op)
        refusals = []
        for candidate in reversed(replacing.candidates(op)):
            if candidate.raw is None:
                continue
            try:
                await self.gateway.send(SignedTransaction(candidate.tx_hash, candidate.raw))
            except NotSent as exc:
                refusals.append(f"{candidate.tx_hash}: {exc}")
                continue
            except SendOutcomeUnknown as exc:
                return f"{exc}"
            log.info(
                "buy %s: the node knew none of its transactions; sent %s again",
                op.id,
                candidate.tx_hash,
            )
            return "known"
        fate = await self._fate(op)  # e.g. the first send arrived meanwhile
        if fate != "unknown":
            return fate
        return (
            f"the node does not know transaction {op.details.get('tx_hash')} and refused it "
            f"again ({'; '.join(refusals)}); it can still be mined while nonce "
            f"{op.details.get('nonce')} is unused, so it stays open ({FOLLOW_HINT})"
        )

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
                mined, receipt = await self._wait_mined(op)
            except ChainError as exc:
                fate: Fate | str | None = await self._fate_quietly(op)
                if fate == "unknown":
                    # A node that lost it (restarted, evicted it): the same bytes again.
                    fate = await self._rebroadcast_quietly(op)
                if fate == "dead":
                    return self._dead_end(op, progress)
                what = str(exc) if isinstance(exc, ReceiptTimeout) else f"not mined yet ({exc})"
                return self._pending(
                    op,
                    f"{what}; transaction {tx_hash} was sent and stays in the journal, "
                    f"it will be followed ({FOLLOW_HINT})",
                    progress,
                )
            op = self._fresh(op)
            if mined.tx_hash != tx_hash:
                op = self._switch_to(op, mined)
                tx_hash = mined.tx_hash
            if mined.kind == "cancel":
                return self._cancelled(
                    op,
                    f"nonce {op.details.get('nonce')} was used by the cancellation "
                    f"{tx_hash} (block {receipt.block_number}), a zero-value transfer to "
                    "itself; nothing was paid but the network fee",
                    progress,
                    block_number=receipt.block_number,
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
            crash_points.reached("buy.confirmed")
        return await self._wait_credits(op, progress)

    async def _fate_quietly(self, op: Operation) -> Fate | None:
        try:
            return await self._fate(op)
        except ChainError:
            return None

    async def _rebroadcast_quietly(self, op: Operation) -> Fate | str | None:
        try:
            return await self._rebroadcast(op)
        except ChainError:
            return None

    async def _wait_mined(self, op: Operation) -> tuple[replacing.Candidate, Receipt]:
        """The first of the buy's candidate transactions with a receipt, polled until
        ``receipt_timeout``; then ``ReceiptTimeout``. The candidates are read from the
        journal at each poll: a replacement another process sent meanwhile counts."""
        within = self.receipt_timeout
        deadline = time.monotonic() + within
        problem = "no receipt yet"
        while True:
            op = self._fresh(op)
            found = replacing.candidates(op)
            for candidate in found:
                try:
                    receipt = await self.gateway.receipt(candidate.tx_hash)
                except ChainError as exc:
                    receipt, problem = None, str(exc)
                if receipt is not None:
                    return candidate, receipt
            if time.monotonic() >= deadline:
                hashes = ", ".join(c.tx_hash for c in found)
                raise ReceiptTimeout(
                    f"no receipt for transaction {hashes} within {within:g} s ({problem})"
                )
            await asyncio.sleep(min(RECEIPT_POLL_S, max(0.0, deadline - time.monotonic())))

    # --- replacing a stuck payment --------------------------------------------------

    async def quote_replacement(
        self, op: Operation, kind: replacing.ReplaceKind, cap_wei: int
    ) -> replacing.ReplacementQuote:
        """Speed-up or cancellation of an open buy (core/flows/replacing.py); signs
        nothing. ``ReplaceError`` when it cannot be replaced (checked on chain too: a
        payment already mined is not), ``FeeCapExceeded`` above the cap."""
        if op.network != self.network.name:
            raise replacing.ReplaceError(f"operation {op.id} is not on {self.network.name}")
        op = self._fresh(op)
        quote = await replacing.quote_replacement(self.gateway, op, kind, cap_wei)
        for candidate in replacing.candidates(op):
            receipt = await self.gateway.receipt(candidate.tx_hash)
            if receipt is not None:
                raise replacing.ReplaceError(
                    f"operation {op.id}'s {candidate.label} {candidate.tx_hash} is already "
                    f"mined (block {receipt.block_number}): nothing to replace; "
                    f"{FOLLOW_HINT} follows it"
                )
        if await self.gateway.nonce(op.account, "latest") > quote.plan.nonce:
            raise replacing.ReplaceError(
                f"nonce {quote.plan.nonce} of operation {op.id} is already used: "
                f"nothing to replace; {FOLLOW_HINT} settles it"
            )
        return quote

    async def replace(
        self,
        quote: replacing.ReplacementQuote,
        signer: Signer,
        progress: ProgressCallback | None = None,
    ) -> BuyResult:
        """Sign the replacement, journal it (raw bytes first), send it, then follow the
        buy: whichever candidate is mined settles it."""
        kind, plan = quote.kind, quote.plan
        label = "speed-up" if kind == "speed_up" else "cancellation"
        signed = await self.gateway.sign(plan, signer)  # chain id and dev-key checks
        entry: dict[str, Any] = {
            "kind": kind,
            "tx_hash": signed.tx_hash,
            RAW_TX: "0x" + signed.raw.hex(),
            "max_fee_per_gas": plan.max_fee_per_gas,
            "max_priority_fee_per_gas": plan.max_priority_fee_per_gas,
            "state": "signed",
            "at": time.time(),
        }
        crash_points.reached("replace.before_journal")
        op = self._fresh(quote.operation)
        op = self._record(op, details=op.details | {REPLACEMENTS: [*_entries(op), entry]})
        _emit(progress, BuyProgress("signed", f"{label} signed: {signed.tx_hash}", signed.tx_hash))
        crash_points.reached("replace.signed")
        try:
            await self.gateway.send(signed)
        except NotSent as exc:
            op = self._mark(op, signed.tx_hash, "refused", str(exc))
            raise replacing.ReplaceError(
                f"the {label} {signed.tx_hash} was refused ({exc}); the payment "
                f"{quote.replaces} stays as it was"
            ) from None
        except SendOutcomeUnknown as exc:
            _emit(progress, BuyProgress("pending", str(exc), signed.tx_hash))
            return await self._follow(self._record(op, status="submitted"), progress)
        crash_points.reached("replace.sent")
        op = self._mark(op, signed.tx_hash, "sent", None)
        if op.status == "signed":  # the nonce is in the node's hands now
            op = self._record(op, status="submitted")
        _emit(
            progress,
            BuyProgress(
                "sent",
                f"{label} sent: {signed.tx_hash} (replaces {quote.replaces})",
                signed.tx_hash,
                self.network.tx_link(signed.tx_hash),
            ),
        )
        crash_points.reached("replace.submitted")
        return await self._follow(op, progress)

    def _mark(self, op: Operation, tx_hash: str, state: str, error: str | None) -> Operation:
        op = self._fresh(op)
        updated = [
            e | {"state": state} | ({"error": error} if error else {})
            if e.get("tx_hash") == tx_hash
            else e
            for e in _entries(op)
        ]
        return self._record(op, details=op.details | {REPLACEMENTS: updated})

    def _switch_to(self, op: Operation, mined: replacing.Candidate) -> Operation:
        """A replacement was mined: it is the buy's transaction from now on (the credit
        service credits the hash that was mined); the first one is kept."""
        details = dict(op.details)
        if replacing.ORIGINAL_TX_HASH not in details:
            details[replacing.ORIGINAL_TX_HASH] = details.get("tx_hash")
            details["original_raw_tx"] = details.get(RAW_TX)
        details["tx_hash"] = mined.tx_hash
        details[RAW_TX] = None if mined.raw is None else "0x" + mined.raw.hex()
        details["explorer_url"] = self.network.tx_link(mined.tx_hash)
        details["mined_kind"] = mined.kind
        return self._record(op, details=details)

    def _fresh(self, op: Operation) -> Operation:
        """``op`` with the replacements journaled since it was read (by this process or
        another): no step written from ``op`` may drop one."""
        try:
            history = self.journal.history(op.id)
        except Exception:  # the journal's own errors are raised by the next record
            return op
        if not history:
            return op
        latest = _entries(history[-1])
        mine = _entries(op)
        if len(latest) <= len(mine) and (
            history[-1].details.get("tx_hash") == op.details.get("tx_hash")
        ):
            return op
        merged = {str(e.get("tx_hash")): e for e in [*mine, *latest]}
        carried = {
            key: history[-1].details[key]
            for key in (
                "tx_hash",
                RAW_TX,
                replacing.ORIGINAL_TX_HASH,
                "original_raw_tx",
                "explorer_url",
                "mined_kind",
            )
            if key in history[-1].details
        }
        return replace(op, details=op.details | carried | {REPLACEMENTS: list(merged.values())})

    def _record(self, op: Operation, **changes: Any) -> Operation:
        return self.journal.record(op, **changes)

    def _dead_end(self, op: Operation, progress: ProgressCallback | None) -> BuyResult:
        """No candidate is known and the nonce was used by another transaction."""
        op = self._fresh(op)
        if replacing.cancel_requested(op):
            return self._cancelled(
                op,
                f"nonce {op.details.get('nonce')} was used by another transaction before "
                "the payment or its cancellation was mined; nothing was paid",
                progress,
            )
        return self._fail(op, _dead(op), progress)

    def _cancelled(
        self,
        op: Operation,
        reason: str,
        progress: ProgressCallback | None,
        *,
        block_number: int | None = None,
    ) -> BuyResult:
        extra: dict[str, Any] = {"outcome": reason}
        if block_number is not None:
            extra["block_number"] = block_number
        op = self._record(op, status="cancelled", details=op.details | extra)
        _emit(progress, BuyProgress("cancelled", reason, op.details.get("tx_hash"), _link(op)))
        return _result(op)

    async def _wait_credits(self, op: Operation, progress: ProgressCallback | None) -> BuyResult:
        """Poll until the NODE shows the credits for this transaction: a distribution
        row of the account's credit history carrying its hash. The Credit API is only
        asked for what it knows (a status it can still change is not an outcome). At
        the deadline the buy stays open with what is known."""
        deadline = time.monotonic() + self.credits_timeout
        interval = self.poll_interval
        tx_hash = str(op.details["tx_hash"])
        while True:
            node_problem = None
            try:
                received = await self.api.credits_for_tx(op.account, tx_hash)
            except ApiError as exc:
                received, node_problem = None, str(exc)
            if received is not None:
                crash_points.reached("buy.credits_seen")
                op = self.journal.record(
                    op, status="completed", details=op.details | {"credits_received": received}
                )
                _emit(
                    progress,
                    BuyProgress(
                        "credits_received",
                        f"{credits_text(received)} credits received",
                        tx_hash,
                        _link(op),
                        credits=received,
                    ),
                )
                return _result(op)
            if time.monotonic() >= deadline:
                service = await self._credit_api_word(op)
                block = op.details.get("block_number")
                paid = f"paid in block {block}" if block is not None else "paid"
                seen = (
                    f"the node could not be asked ({node_problem})"
                    if node_problem
                    else "no credits seen yet on the node"
                )
                return self._pending(
                    op,
                    f"{paid}; {seen}{service}; it stays open and will be followed ({FOLLOW_HINT})",
                    progress,
                )
            await asyncio.sleep(min(interval, max(deadline - time.monotonic(), 0)))
            interval = min(interval * 1.5, MAX_POLL_INTERVAL_S)

    async def _credit_api_word(self, op: Operation) -> str:
        """What the Credit API says of the payment, as extra detail for a note."""
        if self.credit_api is None:
            return ""
        try:
            payment = await self.credit_api.payment_for_tx(op.account, str(op.details["tx_hash"]))
        except CreditApiError as exc:
            return f"; the Credit API could not be asked ({exc})"
        if payment is None:
            return "; the Credit API has no record of it (direct payments may never get one)"
        return f"; the Credit API marks it {payment.status} (not final: credits may still come)"

    # --- final states -----------------------------------------------------------------

    def _fail(self, op: Operation, reason: str, progress: ProgressCallback | None) -> BuyResult:
        op = self.journal.record(self._fresh(op), status="failed", error=reason)
        tx_hash = op.details.get("tx_hash")
        _emit(progress, BuyProgress("failed", reason, tx_hash, _link(op)))
        return _result(op)

    def _pending(self, op: Operation, reason: str, progress: ProgressCallback | None) -> BuyResult:
        op = self._fresh(op)
        op = self.journal.record(op, details=op.details | {"waiting": reason})
        _emit(progress, BuyProgress("pending", reason, op.details.get("tx_hash"), _link(op)))
        return _result(op, pending=reason)


def _entries(op: Operation) -> list[dict[str, Any]]:
    return replacing.entries(op)


def _dead(op: Operation) -> str:
    return (
        f"its nonce {op.details.get('nonce')} was used by another transaction; this "
        "payment can never be mined; nothing was paid"
    )


def _no_copy(op: Operation) -> str:
    return (
        f"the node does not know transaction {op.details.get('tx_hash')} and the journal "
        "has no copy of its bytes (written by an older version); it may still be mined "
        f"while nonce {op.details.get('nonce')} is unused, so it stays open "
        f"({FOLLOW_HINT})"
    )


def _link(op: Operation) -> str | None:
    url = op.details.get("explorer_url")
    return None if url is None else str(url)


def _result(op: Operation, *, pending: str | None = None) -> BuyResult:
    details = op.details
    status: BuyStatus = "pending"
    if op.status in ("completed", "failed", "cancelled"):
        status = op.status  # the same three words
    received = details.get("credits_received")
    return BuyResult(
        status=status,
        token=str(details.get("token")),
        units=int(details.get("units") or 0),
        tx_hash=str(details.get("tx_hash") or ""),
        explorer_url=_link(op),
        expected_credits=details.get("expected_credits"),
        credits_received=None if received is None else int(received),
        error=op.error
        if status == "failed"
        else details.get("outcome")
        if status == "cancelled"
        else pending,
        operation_id=op.id,
        amount=str(details.get("amount") or ""),
    )


def _emit(progress: ProgressCallback | None, event: BuyProgress) -> None:
    if progress is None:
        return
    try:
        progress(event)
    except Exception:  # a display problem must not break a payment in flight
        log.exception("buy progress callback failed")
