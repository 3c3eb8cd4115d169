"""Credit transfers between addresses (aleph-api.md §3): quote, sign, send, follow, resume.

A transfer is an ``aleph_credit_transfer`` POST on the credit channel, expiration in
milliseconds, checksummed addresses. The quote knows, before anything is signed, whether
the sender can afford it ("Required X, available Y"). A real transfer is journaled as
"signed", then "submitted" before the POST (which is never retried: only the message's
status can tell whether an unanswered POST arrived), then "completed" or "failed".
``resume`` settles whatever a crash or a 202 left "submitted".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from aleph_tui.core import validation
from aleph_tui.core.api_client import (
    AlephApi,
    ApiError,
    InvalidMessage,
    MessageNotSent,
    OutcomeUnknown,
)
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.journal import Journal, Operation
from aleph_tui.core.messages import (
    CREDIT_CHANNEL,
    CREDIT_TRANSFER,
    BufferSigner,
    build_signed_post,
    credit_transfer_content,
)
from aleph_tui.core.models import MessageStatus, credits_to_usd

Resolver = Callable[[str], str]
TransferStatus = Literal["dry-run", "processed", "pending", "rejected"]

SELF_TRANSFER = "is the sending account itself; the node refuses transfers to oneself"
# A "submitted" transfer the node does not know is declared lost only after this long:
# its POST may still be on its way (another process, a slow network).
RESUME_GRACE_S = 120.0


class InsufficientCredits(ServiceError):
    """The sender cannot afford the transfer; nothing was signed or sent."""

    def __init__(self, required: int, available: int) -> None:
        super().__init__(required, available)
        self.required = required
        self.available = available

    def __str__(self) -> str:
        return (
            f"insufficient credits: required {self.required}, available {self.available}; "
            "nothing was sent"
        )


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
        follow_timeout: float = 60.0,
        poll_interval: float = 0.25,
    ) -> None:
        self.api = api
        self.journal = journal
        self.network = network
        self.resolver = resolver
        self.follow_timeout = follow_timeout
        self.poll_interval = poll_interval

    # --- before signing ---------------------------------------------------------------

    async def quote(
        self,
        sender: str,
        target: str,
        amount: str | int,
        *,
        expiration: str | dt.datetime | None = None,
        channel: str = CREDIT_CHANNEL,
        reserved: Iterable[tuple[str, str]] = (),
    ) -> TransferQuote:
        """Validate every input, resolve the target and read the sender's credits.

        Raises InvalidInput for bad input (including a transfer to oneself, or to one of
        the ``reserved`` (address, why) pairs). An unaffordable transfer is still quoted:
        check ``sufficient``.
        """
        credits = validation.credit_amount(amount)
        when = _expiration(expiration)
        checked_channel = validation.channel(channel)
        source = validation.address(sender, field="from")
        recipient = validation.account_reference(
            target, self.resolver, field="to", forbidden=[(source, SELF_TRANSFER), *reserved]
        )
        balance = await self.api.balance(source, credit_details=False)
        return TransferQuote(
            network=self.network,
            sender=source,
            target=target.strip(),
            recipient=recipient,
            amount=credits,
            expiration=when,
            channel=checked_channel,
            available=balance.credits,
        )

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
                    "network": self.network,
                },
            )
        )
        operation = self.journal.record(operation, status="submitted")
        try:
            posted = await self.api.post_message(signed.message, sync=True)
        except MessageNotSent as exc:
            self.journal.record(operation, status="failed", error=str(exc))
            raise
        except InvalidMessage as exc:
            self.journal.record(operation, status="failed", error=str(exc))
            return TransferResult(q, signed.item_hash, "rejected", None, str(exc), operation.id)
        except ApiError as exc:  # OutcomeUnknown, or an answer we cannot read
            status = await self._status_or_none(signed.item_hash)
            if status is None or status.status == "pending":
                raise OutcomeUnknown(
                    f"{exc}; transfer {signed.item_hash} stays in the journal until "
                    "the node confirms or denies it"
                ) from None
            return self._settle(operation, q, status)

        if posted.status == "processed":
            self.journal.record(operation, status="completed")
            return TransferResult(q, signed.item_hash, "processed", operation_id=operation.id)
        if posted.status == "rejected":
            status = await self._status_or_none(signed.item_hash)
            if status is None or status.status != "rejected":
                status = MessageStatus(signed.item_hash, "rejected", None)
            return self._settle(operation, q, status)
        followed = await self.follow(signed.item_hash)
        if followed is None or followed.status == "pending":
            return TransferResult(q, signed.item_hash, "pending", operation_id=operation.id)
        return self._settle(operation, q, followed)

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

    async def resume(self, *, grace_s: float = RESUME_GRACE_S) -> list[Operation]:
        """Settle this network's open transfers from the node's word on their messages.

        Processed → completed; rejected → failed with the reason; pending → left open.
        A message the node does not know failed if it was never submitted, or was
        submitted more than ``grace_s`` ago. Returns each operation's latest state.
        """
        operations = [
            op for op in self.journal.open_operations(self.network) if op.kind == "transfer"
        ]
        return list(await asyncio.gather(*(self._resume_one(op, grace_s) for op in operations)))

    async def _resume_one(self, operation: Operation, grace_s: float) -> Operation:
        item_hash = str(operation.details.get("item_hash", ""))
        try:
            status = await self.api.message_status(item_hash)
        except ApiError:
            return operation  # the node is unreachable: try again later
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
