"""Message intake and processing, following pyaleph's order of work.

1. ``parse_pending``: schema checks before anything is stored, with aleph-message's
   models (``intake``). A failure is a 422 whose plain-text body is the exception class
   name, as pyaleph answers.
2. ``process``: signature (``signatures``, by chain), dependencies (an amend's
   original), permissions, then the content handler. A failure rejects the message with
   an error code and ``{"errors": [...]}`` details; a missing dependency (``Retry``)
   leaves it pending.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aleph_message.models import AggregateContent, Chain, MessageType, PostContent
from pydantic import ValidationError

from aleph_tui.core.aleph.messages import (
    CREDIT_CHANNEL,
    CREDIT_DISTRIBUTION,
    CREDIT_EXPENSE,
    CREDIT_TRANSFER,
)
from aleph_tui.devnet import intake, ledger, signatures
from aleph_tui.devnet.schemas import (
    CreditDistributionContent,
    CreditExpenseContent,
    CreditTransferContent,
    ErrorCode,
)

log = logging.getLogger(__name__)

MAX_INLINE_SIZE = intake.MAX_INLINE_SIZE
CREDIT_POST_TYPES = (CREDIT_DISTRIBUTION, CREDIT_TRANSFER, CREDIT_EXPENSE)
# pyaleph's default whitelist: only this address may mint or bill credits.
MAINNET_CREDIT_OWNER = "0x2E4454fAD1906c0Ce6e45cBFA05cE898Ac3AC1dC"
InvalidMessageFormat = intake.InvalidMessageFormat


class Rejected(Exception):
    """The message is rejected; ``reason`` None gives pyaleph's ``details: null``."""

    def __init__(self, code: ErrorCode, reason: str | None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Retry(Exception):
    """pyaleph's RetryMessageException: the message stays pending, to be tried again
    (an amend whose original post has not been processed yet)."""


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


def parse_pending(message: Any) -> Pending:
    """Intake checks (aleph-message's models, as pyaleph); raises InvalidMessageFormat."""
    parsed = intake.parse(message)
    assert parsed.item_content is not None  # intake accepts inline messages only
    return Pending(
        sender=parsed.sender,
        chain=parsed.chain,
        type=parsed.type,
        item_hash=parsed.item_hash,
        item_content=parsed.item_content,
        time=parsed.time.timestamp(),
        channel=parsed.channel,
        signature=parsed.signature,
        content=parsed.content,
        raw=dict(message),
    )


def seeded_pending(message: dict[str, Any]) -> Pending:
    """A message the seed stores as already processed, as a node holds older messages.

    Not validated: the seeded INSTANCE/PROGRAM/STORE messages only stand for resources
    that expenses refer to, and their content is not a full aleph-message one.
    """
    item_content = str(message["item_content"])
    return Pending(
        sender=str(message["sender"]),
        chain=Chain(message["chain"]),
        type=MessageType(message["type"]),
        item_hash=str(message["item_hash"]),
        item_content=item_content,
        time=float(message["time"]),
        channel=message.get("channel"),
        signature=message.get("signature"),
        content=json.loads(item_content),
        raw=dict(message),
    )


def _check_signature(pending: Pending) -> None:
    try:
        signatures.verify(
            pending.chain,
            pending.sender,
            pending.type.value,
            pending.item_hash,
            pending.signature or "",
        )
    except signatures.UnknownChain as exc:
        raise Rejected(ErrorCode.INVALID_FORMAT, str(exc)) from None
    except signatures.BadSignature as exc:
        raise Rejected(ErrorCode.INVALID_SIGNATURE, str(exc)) from None


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
            pending.type == MessageType.post
            and post_types
            and pending.content.get("type") not in post_types
        ):
            continue
        keys = auth.get("aggregate_keys")
        if (
            pending.type == MessageType.aggregate
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
    """pyaleph's AggregateMessageHandler: the message is one more element, and the
    aggregate is every element's content merged in ``content.time`` order (a late
    older revision does not override a newer one)."""
    content = AggregateContent.model_validate(pending.content)
    key = str(content.key)  # as pyaleph stores it, a {"name": ...} key included
    owner = content.address
    has_elements = db.execute(
        "SELECT 1 FROM aggregate_elements WHERE owner = ? AND key = ? LIMIT 1", (owner, key)
    ).fetchone()
    if has_elements is None:
        # An aggregate the seed wrote directly: its content is the first element.
        db.execute(
            "INSERT INTO aggregate_elements SELECT owner, key, time, NULL, content "
            "FROM aggregates WHERE owner = ? AND key = ?",
            (owner, key),
        )
    db.execute(
        "INSERT INTO aggregate_elements VALUES (?, ?, ?, ?, ?)",
        (owner, key, content.time, pending.item_hash, json.dumps(content.content)),
    )
    merged: dict[str, Any] = {}
    last_time = content.time
    for row in db.execute(
        "SELECT time, content FROM aggregate_elements WHERE owner = ? AND key = ? "
        "ORDER BY time, item_hash",
        (owner, key),
    ):
        merged.update(json.loads(row["content"]))
        last_time = row["time"]
    db.execute(
        "INSERT INTO aggregates VALUES (?, ?, ?, ?) ON CONFLICT (owner, key) "
        "DO UPDATE SET content = excluded.content, time = excluded.time",
        (owner, key, json.dumps(merged), last_time),
    )


def amended_hash(content: dict[str, Any]) -> str | None:
    """The post an amend targets (pyaleph get_post_content_ref: a ChainRef's item_hash)."""
    ref = content.get("ref")
    ref = ref.get("item_hash") if isinstance(ref, dict) else ref
    return ref if isinstance(ref, str) else None


def _amend_target(db: sqlite3.Connection, pending: Pending) -> dict[str, Any] | None:
    """pyaleph PostMessageHandler.check_dependencies: an amend's original must be a
    processed post (else retry later) that is not an amend itself."""
    if pending.type != MessageType.post or pending.content.get("type") != "amend":
        return None
    ref = amended_hash(pending.content)
    row = db.execute(
        "SELECT content FROM messages WHERE item_hash = ? AND type = 'POST' "
        "AND status = 'processed'",
        (ref,),
    ).fetchone()
    if row is None:
        raise Retry(f"the post {ref} to amend is not known yet")
    original: dict[str, Any] = json.loads(row["content"])
    if original.get("type") == "amend":
        raise Rejected(ErrorCode.POST_AMEND_AMEND, None)
    return original


def process(db: sqlite3.Connection, pending: Pending, rules: CreditRules) -> None:
    """Apply one message; raises Rejected or Retry. The caller owns the transaction."""
    _check_signature(pending)
    original = _amend_target(db, pending)
    owner = pending.content.get("address")
    if isinstance(owner, str) and not _is_authorized(db, pending, owner):
        raise Rejected(
            ErrorCode.PERMISSION_DENIED,
            f"{pending.sender} is not authorized to post on behalf of {owner}",
        )
    if original is not None and original.get("address") != owner:
        raise Rejected(
            ErrorCode.PERMISSION_DENIED,
            f"Cannot amend post {amended_hash(pending.content)}: amend message address "
            f"{owner} does not match original post owner {original.get('address')}",
        )
    if pending.type == MessageType.post:
        _apply_post(db, pending, rules)
    elif pending.type == MessageType.aggregate:
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
            None
            if error is None or error.reason is None
            else json.dumps({"errors": [error.reason]}),
            time.time() if reception_time is None else reception_time,
        ),
    )
