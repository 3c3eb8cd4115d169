"""Credit transfers between addresses (aleph-api.md §3): quote, sign, send, follow, resume.

A transfer is an ``aleph_credit_transfer`` POST on the credit channel, expiration in
milliseconds, checksummed addresses. The quote knows, before anything is signed, whether
the sender can afford it ("Required X, available Y"). A real transfer is journaled as
"signed", then "submitted" before the POST, then "completed" or "failed". The POST is
never retried blindly: when its answer is lost, the node is asked for the message by
item hash, and the very same signed message (same item hash, so the node cannot apply
it twice) is posted again only when the node does not know it. The journal keeps the
signed message (public: sender, content, signature; no key) so that ``resume`` can do
the same after a crash, and settles whatever a crash or a 202 left "submitted".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from aleph_tui.core import crash_points, retry, validation
from aleph_tui.core.aleph.api_client import (
    AlephApi,
    ApiError,
    InvalidMessage,
    MessageNotSent,
    OutcomeUnknown,
)
from aleph_tui.core.aleph.message_models import MessageStatus, PostResult
from aleph_tui.core.aleph.messages import (
    CREDIT_CHANNEL,
    CREDIT_TRANSFER,
    BufferSigner,
    build_signed_post,
    credit_transfer_content,
)
from aleph_tui.core.aleph.models import CreditLot, credits_to_usd
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.flows.transfer_lots import SpentLot, held_lots, recipient_lots, spend
from aleph_tui.core.formatting import credits as credits_text
from aleph_tui.core.journal.operation_journal import Journal, Operation

Resolver = Callable[[str], str]
TransferStatus = Literal["dry-run", "processed", "pending", "rejected"]

SELF_TRANSFER = "is the sending account itself; the node refuses transfers to oneself"
# A "submitted" transfer the node does not know is declared lost only after this long:
# its POST may still be on its way (another process, a slow network).
RESUME_GRACE_S = 120.0
# A confirmation open longer than this has the lots it shows read again before sending:
# what a transfer is shown to do must still be true when it is sent.
QUOTE_MAX_AGE_S = 60.0


class InsufficientCredits(ServiceError):
    """The sender cannot afford the transfer; nothing was signed or sent."""

    def __init__(self, required: int, available: int) -> None:
        super().__init__(required, available)
        self.required = required
        self.available = available

    def __str__(self) -> str:
        return (
            f"insufficient credits: required {credits_text(self.required)}, "
            f"available {credits_text(self.available)}; "
            "nothing was sent"
        )


@dataclass(frozen=True)
class TransferRequest:
    """A transfer's inputs, each parsed once (``transfer_request``): what gets quoted."""

    sender: str  # checksummed
    target: str  # what the user typed: an address, an account name or an alias
    recipient: str  # the checksummed address it resolved to
    amount: int
    expiration: dt.datetime | None  # UTC, in the future when checked
    channel: str


def transfer_request(
    sender: str,
    target: str,
    amount: str | int,
    *,
    expiration: str | dt.datetime | None = None,
    channel: str = CREDIT_CHANNEL,
    resolver: Resolver | None = None,
    reserved: Iterable[tuple[str, str]] = (),
    force_channel: bool = False,
) -> TransferRequest:
    """The one place a transfer's raw inputs become typed values (CLI and dashboard).

    Raises InvalidInput naming the field: a bad amount, expiration or channel (another
    channel than the credit one only with ``force_channel``), a sender that is not an
    address, a recipient that does not resolve, is the sender, or is ``reserved``.
    """
    credits = validation.credit_amount(amount)
    when = _expiration(expiration)
    checked_channel = validation.transfer_channel(
        channel, force=force_channel, credit_channel=CREDIT_CHANNEL
    )
    source = validation.address(sender, field="from")
    recipient = validation.account_reference(
        target, resolver, field="to", forbidden=[(source, SELF_TRANSFER), *reserved]
    )
    return TransferRequest(source, target.strip(), recipient, credits, when, checked_channel)


@dataclass(frozen=True)
class TransferQuote:
    """Everything about a transfer but its signature, checked against the node."""

    network: str
    sender: str
    target: str  # what the user typed: an address, an account name or an alias
    recipient: str  # the checksummed address it resolved to
    amount: int
    expiration: dt.datetime | None
    channel: str
    available: int  # the sender's spendable credits when quoted
    # The sender's lots it spends, in the node's order, each with the expiry its part
    # really gets (empty off the credit channel, when unaffordable, or when the history
    # did not tell the order: ``lots_known`` is then False).
    spent: tuple[SpentLot, ...] = ()
    lots_known: bool = True

    @property
    def arriving(self) -> tuple[CreditLot, ...]:
        """The lots the recipient will get, as the node writes them."""
        return recipient_lots(self.spent)

    @property
    def request(self) -> TransferRequest:
        """The typed request this quote prices."""
        return TransferRequest(
            self.sender, self.target, self.recipient, self.amount, self.expiration, self.channel
        )

    @property
    def expiration_ms(self) -> int | None:
        return None if self.expiration is None else validation.expiration_ms(self.expiration)

    @property
    def usd(self) -> Decimal:
        return credits_to_usd(self.amount)

    @property
    def sufficient(self) -> bool:
        return self.available >= self.amount

    @property
    def shortfall(self) -> int:
        return max(0, self.amount - self.available)


@dataclass(frozen=True)
class SignedTransfer:
    """A quote with its signed message: what the confirmation shows, what gets posted."""

    quote: TransferQuote
    message: dict[str, Any]

    @property
    def item_hash(self) -> str:
        return str(self.message["item_hash"])


@dataclass(frozen=True)
class TransferResult:
    quote: TransferQuote
    item_hash: str
    status: TransferStatus
    error_code: int | None = None
    reason: str | None = None
    operation_id: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status in ("processed", "dry-run")


class Transfer:
    """Credit transfers on one network, journaled."""

    def __init__(
        self,
        api: AlephApi,
        journal: Journal,
        network: str,
        *,
        resolver: Resolver | None = None,
        follow_timeout: float | None = None,
        poll_interval: float = 0.25,
    ) -> None:
        self.api = api
        self.journal = journal
        self.network = network
        self.resolver = resolver
        self.follow_timeout = retry.follow_timeout() if follow_timeout is None else follow_timeout
        self.poll_interval = poll_interval

    # --- before signing ---------------------------------------------------------------

    def request(
        self,
        sender: str,
        target: str,
        amount: str | int,
        *,
        expiration: str | dt.datetime | None = None,
        channel: str = CREDIT_CHANNEL,
        reserved: Iterable[tuple[str, str]] = (),
        force_channel: bool = False,
    ) -> TransferRequest:
        """Every input checked once, into the typed request that is quoted and signed.

        Raises InvalidInput naming the field (including a transfer to oneself, or to one
        of the ``reserved`` (address, why) pairs). No I/O.
        """
        return transfer_request(
            sender,
            target,
            amount,
            expiration=expiration,
            channel=channel,
            resolver=self.resolver,
            reserved=reserved,
            force_channel=force_channel,
        )

    async def quote(
        self,
        sender: str | TransferRequest,
        target: str = "",
        amount: str | int = 0,
        *,
        expiration: str | dt.datetime | None = None,
        channel: str = CREDIT_CHANNEL,
        reserved: Iterable[tuple[str, str]] = (),
        force_channel: bool = False,
    ) -> TransferQuote:
        """The request (or the raw inputs, checked by ``request``) priced against the
        sender's credits, read once. An unaffordable transfer is still quoted: check
        ``sufficient``.
        """
        if isinstance(sender, TransferRequest):
            request = sender
        else:
            request = self.request(
                sender,
                target,
                amount,
                expiration=expiration,
                channel=channel,
                reserved=reserved,
                force_channel=force_channel,
            )
        quote = TransferQuote(
            network=self.network,
            sender=request.sender,
            target=request.target,
            recipient=request.recipient,
            amount=request.amount,
            expiration=request.expiration,
            channel=request.channel,
            available=0,
        )
        if request.channel != CREDIT_CHANNEL:  # no credits move: their lots do not matter
            balance = await self.api.balance(request.sender, credit_details=False)
            return replace(quote, available=balance.credits)
        held = await held_lots(self.api, request.sender)
        quote = replace(quote, available=held.balance.credits, lots_known=held.exact)
        if not quote.sufficient or not held.exact:
            return quote
        # The node reads the expiration in whole milliseconds.
        ms = quote.expiration_ms
        requested = None if ms is None else validation.from_ms(ms)
        return replace(quote, spent=spend(held.lots, quote.amount, requested))

    def sign(
        self, quote: TransferQuote, signer: BufferSigner, *, time_s: float | None = None
    ) -> SignedTransfer:
        """The exact message to post (aleph-api.md §3.2), signed through ``signer``."""
        if signer.address.lower() != quote.sender.lower():
            raise ValueError(f"the signer is {signer.address}, but the quote is for {quote.sender}")
        if not quote.sufficient:
            raise InsufficientCredits(quote.amount, quote.available)
        if quote.expiration is not None and quote.expiration <= dt.datetime.now(dt.UTC):
            raise validation.InvalidInput("expiration", "must be in the future")
        content = credit_transfer_content([(quote.recipient, quote.amount, quote.expiration_ms)])
        message = build_signed_post(
            signer,
            CREDIT_TRANSFER,
            content,
            address=quote.sender,
            channel=quote.channel,
            time=time_s,
        )
        return SignedTransfer(quote, message)

    # --- sending ----------------------------------------------------------------------

    async def execute(
        self,
        quote: TransferQuote | SignedTransfer,
        signer: BufferSigner | None = None,
        *,
        dry_run: bool = False,
    ) -> TransferResult:
        """Sign (unless given a SignedTransfer) and, unless ``dry_run``, post and follow.

        The result is processed, pending (the deadline passed; the journal keeps it open
        for ``resume``) or rejected with the node's reason and error code. Raises
        InsufficientCredits before signing, MessageNotSent when the node was unreachable,
        and OutcomeUnknown when the POST got no answer and the node does not know it yet.
        """
        if isinstance(quote, SignedTransfer):
            signed = quote
        elif signer is None:
            raise ValueError("a signer is needed to sign the transfer")
        else:
            signed = self.sign(quote, signer)
        q = signed.quote
        if dry_run:
            return TransferResult(q, signed.item_hash, "dry-run")

        crash_points.reached("transfer.before_journal")
        operation = self.journal.record(
            Operation(
                kind="transfer",
                network=self.network,
                account=q.sender,
                status="signed",
                details={
                    "item_hash": signed.item_hash,
                    "recipient": q.recipient,
                    "target": q.target,
                    "amount": q.amount,
                    "expiration_ms": q.expiration_ms,
                    "channel": q.channel,
                    # Off the credit channel the node stores a plain post: the journal
                    # must never say that credits moved.
                    "moves_credits": q.channel == CREDIT_CHANNEL,
                    "network": self.network,
                    # The signed message, its hash aside (kept once, above).
                    "message": {k: v for k, v in signed.message.items() if k != "item_hash"},
                },
            )
        )
        crash_points.reached("transfer.signed")
        operation = self.journal.record(operation, status="submitted")
        crash_points.reached("transfer.submitted")
        try:
            posted = await self._post_once(signed.message)
        except MessageNotSent as exc:
            self.journal.record(operation, status="failed", error=str(exc))
            raise
        except InvalidMessage as exc:
            self.journal.record(operation, status="failed", error=str(exc))
            return TransferResult(q, signed.item_hash, "rejected", None, str(exc), operation.id)
        except OutcomeUnknown as exc:
            raise OutcomeUnknown(
                f"{exc}; transfer {signed.item_hash} may have reached the node: it stays in "
                "the journal and is followed until the node confirms or denies it "
                "(`aleph-tui pending`, or the dashboard's next start)"
            ) from None
        except ApiError as exc:  # an answer that is not a message status: refused
            self.journal.record(operation, status="failed", error=str(exc))
            raise
        crash_points.reached("transfer.posted")
        if isinstance(posted, MessageStatus):
            if posted.status == "pending":
                operation = self._node_pending(operation)
                return await self._follow_pending(operation, q, signed.item_hash)
            return self._settle(operation, q, posted)

        if posted.status == "processed":
            self.journal.record(operation, status="completed")
            return TransferResult(q, signed.item_hash, "processed", operation_id=operation.id)
        if posted.status == "rejected":
            status = await self._status_or_none(signed.item_hash)
            if status is None or status.status != "rejected":
                status = MessageStatus(signed.item_hash, "rejected", None)
            return self._settle(operation, q, status)
        return await self._follow_pending(self._node_pending(operation), q, signed.item_hash)

    async def _follow_pending(
        self, operation: Operation, quote: TransferQuote, item_hash: str
    ) -> TransferResult:
        followed = await self.follow(item_hash)
        if followed is None or followed.status == "pending":
            return TransferResult(quote, item_hash, "pending", operation_id=operation.id)
        return self._settle(operation, quote, followed)

    def _node_pending(self, operation: Operation) -> Operation:
        """The node has the message queued: journaled, so a crash now loses nothing."""
        return self.journal.record(operation, details=operation.details | {"node": "pending"})

    async def _post_once(self, message: dict[str, Any]) -> PostResult | MessageStatus:
        """Post, and if the answer is lost, settle it by item hash: the node's status when
        it knows the message, else the same message posted once more. OutcomeUnknown
        when neither tells."""
        item_hash = str(message["item_hash"])
        try:
            return await self.api.post_message(message, sync=True)
        except OutcomeUnknown as exc:
            first = exc
        try:
            known = await self.api.message_status(item_hash)
        except ApiError:
            raise first from None
        if known is not None:
            return known
        try:
            return await self.api.post_message(message, sync=True)
        except MessageNotSent:
            raise first from None  # the first POST may still have arrived

    async def follow(self, item_hash: str, within_s: float | None = None) -> MessageStatus | None:
        """Poll the message's status until it leaves "pending" or the deadline passes."""
        deadline = time.monotonic() + (self.follow_timeout if within_s is None else within_s)
        interval = self.poll_interval
        status = await self._status_or_none(item_hash)
        while (status is None or status.status == "pending") and time.monotonic() < deadline:
            await asyncio.sleep(min(interval, max(0.0, deadline - time.monotonic())))
            interval = min(interval * 2, 2.0)
            status = await self._status_or_none(item_hash)
        return status

    # --- after a crash or a 202 -------------------------------------------------------

    async def resume(
        self, *, grace_s: float = RESUME_GRACE_S, follow: bool = False
    ) -> list[Operation]:
        """Settle this network's open transfers from the node's word on their messages.

        Processed → completed; rejected → failed with the reason; pending → left open
        (with ``follow``, polled until it settles or ``follow_timeout`` passes).
        A message the node does not know is posted again as the journaled signed message
        (same item hash); one the journal has no copy of (an older entry) failed if it
        was never submitted, or was submitted more than ``grace_s`` ago. Returns each
        operation's latest state.
        """
        operations = [
            op for op in self.journal.open_operations(self.network) if op.kind == "transfer"
        ]
        return list(
            await asyncio.gather(*(self._resume_one(op, grace_s, follow) for op in operations))
        )

    async def _resume_one(self, operation: Operation, grace_s: float, follow: bool) -> Operation:
        item_hash = str(operation.details.get("item_hash", ""))
        try:
            status = await self.api.message_status(item_hash)
        except ApiError:
            return operation  # the node is unreachable: try again later
        message = operation.details.get("message")
        if status is None and isinstance(message, dict):
            # Unknown to the node: the very same signed message again (same item hash,
            # so the node cannot apply it twice), never a rebuilt one; also when a crash
            # came between "signed" and the POST.
            if operation.status == "signed":
                operation = self.journal.record(operation, status="submitted")
            try:
                posted = await self._post_once(message | {"item_hash": item_hash})
            except InvalidMessage as exc:
                return self.journal.record(operation, status="failed", error=str(exc))
            except ApiError:
                return operation
            status = (
                posted
                if isinstance(posted, MessageStatus)
                else await self._status_or_none(item_hash)
            )
        if follow and status is not None and status.status == "pending":
            status = await self.follow(item_hash) or status
        if status is None:
            never_sent = operation.status == "signed"
            if never_sent or time.time() - operation.updated_at > grace_s:
                return self.journal.record(
                    operation,
                    status="failed",
                    error="the node has no record of this transfer; no credits moved",
                )
            return operation
        if status.status == "processed":
            return self.journal.record(operation, status="completed")
        if status.status == "rejected":
            return self.journal.record(operation, status="failed", error=_reason(status))
        if status.status == "pending" and operation.status == "signed":
            return self.journal.record(operation, status="submitted")
        return operation

    # --- helpers ----------------------------------------------------------------------

    async def _status_or_none(self, item_hash: str) -> MessageStatus | None:
        try:
            return await self.api.message_status(item_hash)
        except ApiError:
            return None

    def _settle(
        self, operation: Operation, quote: TransferQuote, status: MessageStatus
    ) -> TransferResult:
        if status.status == "processed":
            self.journal.record(operation, status="completed")
            return TransferResult(quote, status.item_hash, "processed", operation_id=operation.id)
        reason = _reason(status)
        self.journal.record(operation, status="failed", error=reason)
        return TransferResult(
            quote, status.item_hash, "rejected", status.error_code, reason, operation.id
        )


def _reason(status: MessageStatus) -> str:
    if status.reason:
        return status.reason
    if status.status == "rejected":
        return "rejected by the node (no reason given)"
    return f"the node reports the message as {status.status}"


def _expiration(value: str | dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise validation.InvalidInput("expiration", "needs a timezone")
        if value <= dt.datetime.now(dt.UTC):
            raise validation.InvalidInput("expiration", "must be in the future")
        return value.astimezone(dt.UTC)
    return validation.expiration(value)
