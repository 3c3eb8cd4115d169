"""``GET /api/v0/messages.json``: pyaleph's message listing, for the common filters.

Supported: msgType/msgTypes, msgStatuses (default processed), addresses (senders),
owners (content.address), refs, contentTypes, chains, channels, hashes, startDate,
endDate, sortOrder, page and pagination (default 20). Unknown parameters are ignored, as
pydantic does in pyaleph.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from aleph_message.models import Chain, MessageType
from pydantic import BaseModel, ConfigDict, Field, field_validator

from aleph_tui.core.formatting import iso_utc
from aleph_tui.devnet.schemas import LIST_SEPARATOR, SortOrder

STATUSES = ("pending", "processed", "rejected")


class MessageQueryParams(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    message_type: MessageType | None = Field(default=None, alias="msgType")
    message_types: list[MessageType] | None = Field(default=None, alias="msgTypes")
    message_statuses: list[str] | None = Field(default=None, alias="msgStatuses")
    addresses: list[str] | None = None
    owners: list[str] | None = None
    refs: list[str] | None = None
    content_types: list[str] | None = Field(default=None, alias="contentTypes")
    chains: list[Chain] | None = None
    channels: list[str] | None = None
    hashes: list[str] | None = None
    start_date: float = Field(default=0, ge=0, alias="startDate")
    end_date: float = Field(default=0, ge=0, alias="endDate")
    sort_order: SortOrder = Field(default=SortOrder.DESCENDING, alias="sortOrder")
    pagination: int = Field(default=20, ge=0)
    page: int = Field(default=1, ge=1)

    @field_validator(
        "message_types",
        "message_statuses",
        "addresses",
        "owners",
        "refs",
        "content_types",
        "chains",
        "channels",
        "hashes",
        mode="before",
    )
    @classmethod
    def split(cls, v: Any) -> Any:
        return v.split(LIST_SEPARATOR) if isinstance(v, str) else v

    @field_validator("message_statuses")
    @classmethod
    def known_statuses(cls, v: list[str] | None) -> list[str] | None:
        for status in v or []:
            if status not in STATUSES:
                raise ValueError(f"unknown message status {status!r}")
        return v


def parse(query: dict[str, str]) -> MessageQueryParams:
    """Raises pydantic's ValidationError, which the handler turns into a 422."""
    return MessageQueryParams.model_validate(query)


def _in(column: str, values: list[str], where: list[str], args: list[Any]) -> None:
    where.append(f"{column} IN ({','.join('?' * len(values))})")
    args.extend(values)


def query(db: sqlite3.Connection, p: MessageQueryParams) -> tuple[list[sqlite3.Row], int]:
    where: list[str] = []
    args: list[Any] = []
    types = [t.value for t in (p.message_types or [])]
    if p.message_type is not None:
        types.append(p.message_type.value)
    if types:
        _in("type", types, where, args)
    _in("status", p.message_statuses or ["processed"], where, args)
    if p.addresses:
        _in("sender", p.addresses, where, args)
    if p.owners:
        _in("json_extract(content, '$.address')", p.owners, where, args)
    if p.refs:
        _in("json_extract(content, '$.ref')", p.refs, where, args)
    if p.content_types:
        _in("json_extract(content, '$.type')", p.content_types, where, args)
    if p.chains:
        _in("chain", [c.value for c in p.chains], where, args)
    if p.channels:
        _in("channel", p.channels, where, args)
    if p.hashes:
        _in("item_hash", p.hashes, where, args)
    if p.start_date:
        where.append("time >= ?")
        args.append(p.start_date)
    if p.end_date:
        where.append("time < ?")
        args.append(p.end_date)
    clause = " AND ".join(where) or "1"
    total = int(db.execute(f"SELECT COUNT(*) FROM messages WHERE {clause}", args).fetchone()[0])
    order = "DESC" if p.sort_order == SortOrder.DESCENDING else "ASC"
    sql = f"SELECT * FROM messages WHERE {clause} ORDER BY time {order}, item_hash {order}"
    if p.pagination:
        sql += " LIMIT ? OFFSET ?"
        args += [p.pagination, (p.page - 1) * p.pagination]
    return db.execute(sql, args).fetchall(), total


def listing(rows: list[sqlite3.Row], total: int, p: MessageQueryParams) -> dict[str, Any]:
    return {
        "messages": [message_json(row) for row in rows],
        "pagination_page": p.page,
        "pagination_total": total,
        "pagination_per_page": p.pagination,
        "pagination_item": "messages",
    }


def message_json(row: sqlite3.Row) -> dict[str, Any]:
    """A stored message as pyaleph formats it: the broadcast fields plus content."""
    raw = json.loads(row["raw"])
    message = {
        key: raw.get(key)
        for key in (
            "sender",
            "chain",
            "signature",
            "type",
            "item_content",
            "item_type",
            "item_hash",
            "time",
            "channel",
        )
    }
    message["item_type"] = message["item_type"] or "inline"
    message["content"] = json.loads(row["content"])
    message["confirmed"] = False
    message["confirmations"] = []
    return message


def reception_iso(timestamp: float) -> str:
    return iso_utc(dt.datetime.fromtimestamp(timestamp, tz=dt.UTC))
