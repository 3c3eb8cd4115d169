"""Message intake and processing, following pyaleph's order of work.

1. ``parse_pending``: schema checks before anything is stored. A failure is a 422 whose
   plain-text body is the exception class name, as pyaleph answers.
2. ``process``: signature, permissions, then the content handler. A failure rejects
   the message with an error code and ``{"errors": [...]}`` details.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from aleph_tui.core.messages import (
    CREDIT_CHANNEL,
    CREDIT_DISTRIBUTION,
    CREDIT_EXPENSE,
    CREDIT_TRANSFER,
    item_hash_of,
    recover_signer,
    verification_buffer,
)
from aleph_tui.devnet import ledger
from aleph_tui.devnet.schemas import (
    EVM_CHAINS,
    AggregateContent,
    Chain,
    CreditDistributionContent,
    CreditExpenseContent,
    CreditTransferContent,
    ErrorCode,
    MessageType,
    PostContent,
)

log = logging.getLogger(__name__)

MAX_INLINE_SIZE = 200_000
CREDIT_POST_TYPES = (CREDIT_DISTRIBUTION, CREDIT_TRANSFER, CREDIT_EXPENSE)
# pyaleph's default whitelist: only this address may mint or bill credits.
MAINNET_CREDIT_OWNER = "0x2E4454fAD1906c0Ce6e45cBFA05cE898Ac3AC1dC"


class InvalidMessageFormat(Exception):
    """pyaleph's InvalidMessageFormat: its str() is the class name on the wire."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return type(self).__name__


class Rejected(Exception):
    def __init__(self, code: ErrorCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class CreditRules:
    owners: Sequence[str] = (MAINNET_CREDIT_OWNER,)
    channels: Sequence[str] = (CREDIT_CHANNEL,)
    post_types: Sequence[str] = CREDIT_POST_TYPES


@dataclass
class Pending:
    sender: str
    chain: Chain
    type: MessageType
    item_hash: str
    item_content: str
    time: float
    channel: str | None
    signature: str | None
    content: dict[str, Any]
    raw: dict[str, Any] = field(repr=False)


def _require_str(message: dict[str, Any], key: str) -> str:
    value = message.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidMessageFormat(f"{key} is required")
    return value


def parse_pending(message: Any) -> Pending:
    if not isinstance(message, dict):
        raise InvalidMessageFormat("Message is not a dictionary")
    try:
        mtype = MessageType(str(message.get("type")))
    except ValueError:
        raise InvalidMessageFormat(f"Invalid message_type: {message.get('type')!r}") from None
    item_hash = _require_str(message, "item_hash")
    item_type = message.get("item_type") or "inline"
    item_content = message.get("item_content")
    if item_type != "inline" or not isinstance(item_content, str):
        raise InvalidMessageFormat("the devnet only accepts inline messages with item_content")
    if len(item_content) > MAX_INLINE_SIZE:
        raise InvalidMessageFormat("Message too long")
    if item_hash_of(item_content) != item_hash:
        raise InvalidMessageFormat("item_hash does not match the sha256 of item_content")
    try:
        content = json.loads(item_content)
    except ValueError:
        raise InvalidMessageFormat("Message content is not valid JSON data") from None
    sender = _require_str(message, "sender")
    try:
        chain = Chain(str(message.get("chain")))
    except ValueError:
        raise InvalidMessageFormat(f"Invalid chain: {message.get('chain')!r}") from None
    raw_time = message.get("time")
    if isinstance(raw_time, bool) or not isinstance(raw_time, int | float):
        raise InvalidMessageFormat("time must be a Unix timestamp in seconds")
    channel = message.get("channel")
    if channel is not None and not isinstance(channel, str):
        raise InvalidMessageFormat("channel must be a string")
    signature = message.get("signature")
    if signature is not None and not isinstance(signature, str):
        raise InvalidMessageFormat("signature must be a string")
    models: dict[MessageType, type[BaseModel]] = {
        MessageType.POST: PostContent,
        MessageType.AGGREGATE: AggregateContent,
    }
    model = models.get(mtype)
    if model is not None:
        try:
            model.model_validate(content)
        except ValidationError as exc:
            raise InvalidMessageFormat(str(exc)) from None
    if not isinstance(content, dict):
        raise InvalidMessageFormat("content must be an object")
    return Pending(
        sender=sender,
        chain=chain,
        type=mtype,
        item_hash=item_hash,
        item_content=item_content,
        time=float(raw_time),
        channel=channel,
        signature=signature,
        content=content,
        raw=dict(message),
    )


def _check_signature(pending: Pending) -> None:
    if pending.chain not in EVM_CHAINS:
        raise Rejected(ErrorCode.INVALID_SIGNATURE, "the devnet verifies EVM signatures only")
    if not pending.signature:
        raise Rejected(ErrorCode.INVALID_SIGNATURE, "missing signature")
    buffer = verification_buffer(
        pending.chain.value, pending.sender, pending.type.value, pending.item_hash
    )
    try:
        signer = recover_signer(buffer, pending.signature)
    except Exception:
        raise Rejected(ErrorCode.INVALID_SIGNATURE, "malformed signature") from None
    if signer.lower() != pending.sender.lower():
        raise Rejected(ErrorCode.INVALID_SIGNATURE, "signature does not match the sender")


def _is_authorized(db: sqlite3.Connection, pending: Pending, owner: str) -> bool:
    """pyaleph's permissions.py: the owner itself, or a delegate in its security aggregate."""
    if pending.sender.lower() == owner.lower():
        return True
    row = db.execute(
        "SELECT content FROM aggregates WHERE owner = ? AND key = 'security'", (owner,)
    ).fetchone()
    if row is None:
        return False
    for auth in json.loads(row["content"]).get("authorizations", []):
        if str(auth.get("address", "")).lower() != pending.sender.lower():
            continue
        if auth.get("chain") and auth["chain"] != pending.chain.value:
            continue
        if auth.get("channels") and pending.channel not in auth["channels"]:
            continue
        if auth.get("types") and pending.type.value not in auth["types"]:
            continue
        post_types = auth.get("post_types")
        if (
            pending.type == MessageType.POST
            and post_types
            and pending.content.get("type") not in post_types
        ):
            continue
        keys = auth.get("aggregate_keys")
        if (
            pending.type == MessageType.AGGREGATE
            and keys
            and pending.content.get("key") not in keys
        ):
            continue
        return True
    return False


def _apply_post(db: sqlite3.Connection, pending: Pending, rules: CreditRules) -> None:
    content = PostContent.model_validate(pending.content)
    if not (
        content.type in rules.post_types
        and (not rules.channels or pending.channel in rules.channels)
        and content.content
    ):
        return  # stored as a plain post, exactly like a credit post on the wrong channel
    try:
        if content.type == CREDIT_DISTRIBUTION and content.address in rules.owners:
            dist = CreditDistributionContent.model_validate(content.content).distribution
            ledger.apply_distribution(
                db, dist.credits, dist.token, dist.chain, pending.item_hash, content.time
            )
        elif content.type == CREDIT_EXPENSE and content.address in rules.owners:
            expense = CreditExpenseContent.model_validate(content.content).expense
            ledger.apply_expense(db, expense.credits, pending.item_hash, content.time)
        elif content.type == CREDIT_TRANSFER:
            transfer = CreditTransferContent.model_validate(content.content).transfer
            ledger.apply_transfer(
                db,
                transfer.credits,
                content.address,
                rules.owners,
                pending.item_hash,
                content.time,
            )
    except ValidationError as exc:
        kind = content.type.removeprefix("aleph_credit_")
        raise Rejected(
            ErrorCode.INVALID_FORMAT, f"Invalid credit {kind} content: {exc.errors()}"
        ) from None
    except ledger.CreditRuleViolation as exc:
        raise Rejected(ErrorCode.INVALID_FORMAT, str(exc)) from None


def _apply_aggregate(db: sqlite3.Connection, pending: Pending) -> None:
    content = AggregateContent.model_validate(pending.content)
    row = db.execute(
        "SELECT content FROM aggregates WHERE owner = ? AND key = ?",
        (content.address, content.key),
    ).fetchone()
    merged = json.loads(row["content"]) if row else {}
    merged.update(content.content)
    db.execute(
        "INSERT INTO aggregates VALUES (?, ?, ?, ?) ON CONFLICT (owner, key) "
        "DO UPDATE SET content = excluded.content, time = excluded.time",
        (content.address, content.key, json.dumps(merged), content.time),
    )


def process(db: sqlite3.Connection, pending: Pending, rules: CreditRules) -> None:
    """Apply one message; raises Rejected. The caller owns the transaction."""
    _check_signature(pending)
    owner = pending.content.get("address")
    if isinstance(owner, str) and not _is_authorized(db, pending, owner):
        raise Rejected(
            ErrorCode.PERMISSION_DENIED,
            f"{pending.sender} is not authorized to post on behalf of {owner}",
        )
    if pending.type == MessageType.POST:
        _apply_post(db, pending, rules)
    elif pending.type == MessageType.AGGREGATE:
        _apply_aggregate(db, pending)
    else:
        raise Rejected(
            ErrorCode.INVALID_FORMAT,
            f"{pending.type.value} messages are not supported by the aleph-tui devnet",
        )


def record(
    db: sqlite3.Connection,
    pending: Pending,
    status: str,
    error: Rejected | None = None,
    reception_time: float | None = None,
) -> None:
    db.execute(
        "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (item_hash) DO UPDATE SET status = excluded.status, "
        "error_code = excluded.error_code, details = excluded.details, "
        # A retried rejected message is a new reception, maybe with a fixed signature.
        "sender = excluded.sender, chain = excluded.chain, type = excluded.type, "
        "channel = excluded.channel, time = excluded.time, raw = excluded.raw, "
        "reception_time = CASE WHEN messages.status = 'rejected' "
        "THEN excluded.reception_time ELSE messages.reception_time END",
        (
            pending.item_hash,
            pending.sender,
            pending.chain.value,
            pending.type.value,
            pending.channel,
            pending.time,
            json.dumps(pending.raw),
            pending.item_content,
            status,
            None if error is None else int(error.code),
            None if error is None else json.dumps({"errors": [error.reason]}),
            time.time() if reception_time is None else reception_time,
        ),
    )
