"""Message intake: pyaleph's ``schemas/pending_messages.py``, built on aleph-message.

The envelope and every content type are validated with the models pyaleph validates
with (aleph-message's ``PostContent``, ``AggregateContent``, ...), so what the node
refuses at intake (an out-of-range ``content.time``, an unknown chain, an extra key)
the devnet refuses too, with the same 422 ``InvalidMessageFormat``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from aleph_message.models import (
    AggregateContent,
    BaseContent,
    Chain,
    ForgetContent,
    InstanceContent,
    ItemType,
    MessageType,
    PostContent,
    ProgramContent,
    StoreContent,
    VerifiableProgramContent,
)
from pydantic import BaseModel, ValidationError, field_validator, model_validator

MAX_INLINE_SIZE = 200_000  # pyaleph's limit on inline content

CONTENT_MODELS: dict[MessageType, type[BaseContent]] = {
    MessageType.aggregate: AggregateContent,
    MessageType.forget: ForgetContent,
    MessageType.instance: InstanceContent,
    MessageType.post: PostContent,
    MessageType.program: ProgramContent,
    MessageType.store: StoreContent,
    MessageType.v_program: VerifiableProgramContent,
}


class InvalidMessageFormat(Exception):
    """pyaleph's InvalidMessageFormat: its str() is the class name on the wire."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return type(self).__name__


def _item_type_from_hash(item_hash: str) -> ItemType:
    """pyaleph's ``aleph.utils.item_type_from_hash``."""
    if item_hash.startswith("Qm") and 44 <= len(item_hash) <= 46:
        return ItemType.ipfs
    if item_hash.startswith("bafy") and len(item_hash) == 59:
        return ItemType.ipfs
    if len(item_hash) == 64:
        return ItemType.storage
    raise ValueError(f"Unexpected hash type: '{item_hash}'")


class PendingMessage(BaseModel):
    """``BasePendingMessage``: the broadcast fields, content parsed from item_content."""

    sender: str
    chain: Chain
    signature: str | None = None
    type: MessageType
    item_content: str | None = None
    item_type: ItemType
    item_hash: str
    time: dt.datetime
    channel: str | None = None
    content: dict[str, Any]

    @model_validator(mode="before")
    @classmethod
    def load_content(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        values = dict(values)
        item_hash = values.get("item_hash")
        if not isinstance(item_hash, str):
            raise ValueError("Could not determine item hash")
        item_content = values.get("item_content")
        default_type = ItemType.inline if item_content is not None else None
        if default_type is None:
            default_type = _item_type_from_hash(item_hash)
        item_type = values.get("item_type") or default_type
        if item_type != ItemType.inline:
            # pyaleph fetches such content from IPFS or storage later; the devnet has
            # neither, so it refuses them here rather than leaving them pending forever.
            raise ValueError("the devnet only accepts inline messages")
        if not isinstance(item_content, str):
            raise ValueError("Item content not specified for inline item type")
        if len(item_content) > MAX_INLINE_SIZE:
            raise ValueError("Message too long")
        try:
            values["content"] = json.loads(item_content)
        except ValueError as exc:
            raise ValueError("Message content is not valid JSON data") from exc
        values.setdefault("item_type", ItemType.inline.value)
        if values["item_type"] is None:
            values["item_type"] = ItemType.inline.value
        return values

    @field_validator("item_hash")
    @classmethod
    def check_item_hash(cls, v: str, info: Any) -> str:
        item_content = info.data.get("item_content")
        if item_content is None:
            raise ValueError("Could not find inline item content")
        computed = hashlib.sha256(item_content.encode()).hexdigest()
        if v != computed:
            raise ValueError(
                f"'item_hash' does not match 'sha256(item_content)', expecting {computed}"
            )
        return v

    @field_validator("time", mode="before")
    @classmethod
    def check_time(cls, v: Any) -> Any:
        """A Unix timestamp read as UTC (pyaleph's ``timestamp_to_datetime``)."""
        if isinstance(v, dt.datetime):
            return v
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError("time must be a Unix timestamp")
        try:
            return dt.datetime.fromtimestamp(v, dt.UTC)
        except (OverflowError, OSError) as exc:
            raise ValueError(f"invalid timestamp: {v}") from exc

    @model_validator(mode="after")
    def check_content(self) -> PendingMessage:
        # pyaleph's generic BasePendingMessage[MType, ContentType] validates content
        # with the aleph-message model of its type: bounds on time, extra keys, ...
        CONTENT_MODELS[self.type].model_validate(self.content)
        return self


def parse(message: Any) -> PendingMessage:
    """pyaleph's ``parse_message``; raises InvalidMessageFormat (a 422 at intake)."""
    if not isinstance(message, dict):
        raise InvalidMessageFormat("Message is not a dictionary")
    raw_type = message.get("type")
    try:
        MessageType(raw_type)
    except ValueError:
        raise InvalidMessageFormat(f"Invalid message_type: '{raw_type}'") from None
    try:
        return PendingMessage.model_validate(message)
    except ValidationError as exc:
        raise InvalidMessageFormat(str(exc.errors())) from None
