"""``GET /api/v0/messages.json``: pyaleph's message listing.

Parameters are pyaleph's ``MessageQueryParams`` (schemas/messages_query_params.py), with
aleph-message's enums and ``ItemHash``: a bad value is the same 422 with pydantic's JSON.
Filtering, order (time, then item_hash ascending), page and cursor modes, and the
page-mode total follow web/controllers/messages.py and db/accessors/messages.py.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import sqlite3
from typing import Any

from aleph_message.models import Chain, ItemHash, MessageType, PaymentType
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aleph_tui.core.formatting import iso_utc
from aleph_tui.devnet import cursors
from aleph_tui.devnet.schemas import LIST_SEPARATOR, SortOrder

CURSOR_MAX_PAGINATION = 200


class MessageStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    REJECTED = "rejected"
    FORGOTTEN = "forgotten"
    REMOVING = "removing"
    REMOVED = "removed"


class SortBy(enum.StrEnum):
    TIME = "time"
    TX_TIME = "tx-time"


class ContentFormat(enum.StrEnum):
    FULL = "full"
    HEADERS = "headers"
    NONE = "none"


class MessageQueryParams(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    sort_by: SortBy = Field(default=SortBy.TIME, alias="sortBy")
    sort_order: SortOrder = Field(default=SortOrder.DESCENDING, alias="sortOrder")
    message_type: MessageType | None = Field(default=None, alias="msgType")
    message_types: list[MessageType] | None = Field(default=None, alias="msgTypes")
    message_statuses: list[MessageStatus] | None = Field(
        default=[MessageStatus.PROCESSED, MessageStatus.REMOVING], alias="msgStatuses"
    )
    addresses: list[str] | None = None
    owners: list[str] | None = None
    refs: list[str] | None = None
    content_hashes: list[ItemHash] | None = Field(default=None, alias="contentHashes")
    content_keys: list[ItemHash] | None = Field(default=None, alias="contentKeys")
    content_types: list[str] | None = Field(default=None, alias="contentTypes")
    chains: list[Chain] | None = None
    channels: list[str] | None = None
    tags: list[str] | None = None
    hashes: list[ItemHash] | None = None
    payment_types: list[PaymentType] | None = Field(default=None, alias="paymentTypes")
    exclude_content: bool = Field(default=False, alias="excludeContent")
    content_format: ContentFormat | None = Field(default=None, alias="contentFormat")
    start_date: float = Field(default=0, ge=0, alias="startDate")
    end_date: float = Field(default=0, ge=0, alias="endDate")
    start_block: int = Field(default=0, ge=0, alias="startBlock")
    end_block: int = Field(default=0, ge=0, alias="endBlock")
    pagination: int = Field(default=20, ge=0)
    page: int = Field(default=1, ge=1)
    cursor: str | None = None

    @model_validator(mode="after")
    def validate_field_dependencies(self) -> MessageQueryParams:
        if self.start_date and self.end_date and (self.end_date < self.start_date):
            raise ValueError("end date cannot be lower than start date.")
        if self.start_block and self.end_block and (self.end_block < self.start_block):
            raise ValueError("end block cannot be lower than start block.")
        return self

    @model_validator(mode="after")
    def resolve_content_format(self) -> MessageQueryParams:
        if self.content_format is None:
            self.content_format = ContentFormat.NONE if self.exclude_content else ContentFormat.FULL
        return self

    @model_validator(mode="after")
    def validate_cursor_sort(self) -> MessageQueryParams:
        if self.cursor and self.sort_by == SortBy.TX_TIME:
            raise ValueError("Cursor pagination is not supported with tx-time sort order.")
        return self

    @field_validator(
        "hashes",
        "addresses",
        "owners",
        "refs",
        "content_hashes",
        "content_keys",
        "content_types",
        "chains",
        "channels",
        "message_types",
        "message_statuses",
        "tags",
        "payment_types",
        mode="before",
    )
    @classmethod
    def split(cls, v: Any) -> Any:
        return v.split(LIST_SEPARATOR) if isinstance(v, str) else v


class UnsupportedQuery(Exception):
    """A query pyaleph answers with 400 (its text is the body)."""


TERMINAL = frozenset({MessageStatus.FORGOTTEN, MessageStatus.REMOVED})


def terminal_status(p: MessageQueryParams) -> MessageStatus | None:
    """pyaleph's checks on ``msgStatuses=forgotten|removed``: that status alone, no
    cursor, none of the filters its snapshot tables cannot narrow; else 400."""
    statuses = set(p.message_statuses or [])
    terminal = statuses & TERMINAL
    if not terminal:
        return None
    if len(statuses) > 1:
        raise UnsupportedQuery(
            "msgStatuses=forgotten/removed cannot be combined with other statuses"
        )
    status = next(iter(terminal))
    if p.cursor is not None:
        raise UnsupportedQuery(
            f"Cursor pagination is not supported for {status.value} message queries"
        )
    unsupported = {
        "refs": p.refs,
        "contentTypes": p.content_types,
        "contentHashes": p.content_hashes,
        "contentKeys": p.content_keys,
        "tags": p.tags,
        "startBlock": p.start_block,
        "endBlock": p.end_block,
    }
    offending = [name for name, value in unsupported.items() if value]
    if offending:
        raise UnsupportedQuery(
            f"Filters not supported for {status.value} message queries: " + ", ".join(offending)
        )
    return status


def parse(query: dict[str, str]) -> MessageQueryParams:
    """Raises pydantic's ValidationError, which the handler turns into a 422."""
    return MessageQueryParams.model_validate(query)


def encode_cursor(time: float, item_hash: str) -> str:
    """pyaleph toolkit/cursor.py encode_message_cursor."""
    return cursors.encode(
        {"t": dt.datetime.fromtimestamp(time, dt.UTC).isoformat(), "h": item_hash}
    )


def decode_cursor(cursor: str) -> tuple[float, str]:
    """pyaleph decode_message_cursor; raises ValueError with its words."""
    payload = cursors.decode(cursor)
    try:
        return dt.datetime.fromisoformat(payload["t"]).timestamp(), str(payload["h"])
    except KeyError:
        raise ValueError("Invalid cursor: missing required fields") from None


def _in(column: str, values: list[str], where: list[str], args: list[Any]) -> None:
    where.append(f"{column} IN ({','.join('?' * len(values))})")
    args.extend(values)


def _where(p: MessageQueryParams) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if p.message_statuses:
        _in("status", [s.value for s in p.message_statuses], where, args)
    if p.hashes:
        _in("item_hash", list(p.hashes), where, args)
    if p.addresses:
        _in("sender", p.addresses, where, args)
    if p.owners:
        _in("json_extract(content, '$.address')", p.owners, where, args)
    if p.chains:
        _in("chain", [c.value for c in p.chains], where, args)
    if p.message_types:
        _in("type", [t.value for t in p.message_types], where, args)
    if p.message_type is not None:
        _in("type", [p.message_type.value], where, args)
    if p.start_date:
        where.append("time >= ?")
        args.append(p.start_date)
    if p.end_date:
        where.append("time < ?")
        args.append(p.end_date)
    if p.refs:
        _in("json_extract(content, '$.ref')", p.refs, where, args)
    if p.content_hashes:
        _in("json_extract(content, '$.item_hash')", list(p.content_hashes), where, args)
    if p.content_types:
        _in("json_extract(content, '$.type')", p.content_types, where, args)
    if p.content_keys:
        _in("json_extract(content, '$.key')", list(p.content_keys), where, args)
    if p.tags:
        # pyaleph's tags column: content.content.tags of POST/AGGREGATE, content.tags else.
        where.append(
            "EXISTS (SELECT 1 FROM json_each(COALESCE(json_extract(content, "
            "'$.content.tags'), json_extract(content, '$.tags'))) "
            f"WHERE json_each.value IN ({','.join('?' * len(p.tags))}))"
        )
        args.extend(p.tags)
    if p.channels:
        _in("channel", p.channels, where, args)
    if p.payment_types:
        _in(
            "json_extract(content, '$.payment.type')",
            [t.value for t in p.payment_types],
            where,
            args,
        )
    if p.end_block:
        # No devnet message is confirmed on a chain: first_confirmed_height is NULL.
        where.append("0")
    return where, args


def query(db: sqlite3.Connection, p: MessageQueryParams) -> tuple[list[sqlite3.Row], int]:
    """Page mode: the rows and pyaleph's ``pagination_total``."""
    where, args = _where(p)
    clause = " AND ".join(where) or "1"
    order = "DESC" if p.sort_order == SortOrder.DESCENDING else "ASC"
    sql = f"SELECT * FROM messages WHERE {clause} ORDER BY time {order}, item_hash ASC"
    page_args = list(args)
    if p.pagination:
        sql += " LIMIT ? OFFSET ?"
        page_args += [p.pagination, (p.page - 1) * p.pagination]
    rows = db.execute(sql, page_args).fetchall()
    # pyaleph skips the COUNT when a page comes back short: past the last page
    # the total is then (page - 1) * pagination.
    if p.pagination and len(rows) < p.pagination:
        total = (p.page - 1) * p.pagination + len(rows)
    else:
        total = int(db.execute(f"SELECT COUNT(*) FROM messages WHERE {clause}", args).fetchone()[0])
    return rows, total


def query_after(
    db: sqlite3.Connection, p: MessageQueryParams, per_page: int, after: tuple[float, str] | None
) -> list[sqlite3.Row]:
    """Cursor mode: up to ``per_page + 1`` rows after the cursor's (time, item_hash)."""
    where, args = _where(p)
    descending = p.sort_order == SortOrder.DESCENDING
    if after is not None:
        where.append(f"(time {'<' if descending else '>'} ? OR (time = ? AND item_hash > ?))")
        args += [after[0], after[0], after[1]]
    clause = " AND ".join(where) or "1"
    order = "DESC" if descending else "ASC"
    sql = f"SELECT * FROM messages WHERE {clause} ORDER BY time {order}, item_hash ASC LIMIT ?"
    return db.execute(sql, [*args, per_page + 1]).fetchall()


def listing(rows: list[sqlite3.Row], total: int, p: MessageQueryParams) -> dict[str, Any]:
    """pyaleph's format_response_dict, keys in its order."""
    return {
        "messages": [message_json(row, p.content_format) for row in rows],
        "pagination_per_page": p.pagination,
        "pagination_page": p.page,
        "pagination_total": total,
        "pagination_item": "messages",
    }


_HEADERS_FIELDS = {
    "POST": (("type", "type"), ("ref", "ref")),
    "AGGREGATE": (("key", "key"),),
    "STORE": (("item_hash", "item_hash"), ("ref", "ref")),
}


def message_json(row: sqlite3.Row, content_format: ContentFormat | None = None) -> dict[str, Any]:
    """A stored message as pyaleph's ``message_to_dict``: the ``messages`` table's
    columns in order (item_hash, type, chain, sender, signature, item_type,
    item_content, content, time, channel, size), then confirmations and confirmed."""
    raw = json.loads(row["raw"])
    content = json.loads(row["content"])
    message: dict[str, Any] = {
        "item_hash": row["item_hash"],
        "type": row["type"],
        "chain": row["chain"],
        "sender": row["sender"],
        "signature": raw.get("signature"),
        "item_type": raw.get("item_type") or "inline",
        "item_content": raw.get("item_content"),
        "content": content,
        "time": row["time"],
        "channel": row["channel"],
        # pyaleph's len(content.raw_value): the bytes of item_content.
        "size": len(str(row["content"]).encode()),
    }
    if content_format == ContentFormat.NONE:
        del message["content"]
    elif content_format == ContentFormat.HEADERS:
        headers = {"address": content.get("address")}
        for out_key, key in _HEADERS_FIELDS.get(row["type"], ()):
            if content.get(key) is not None:
                headers[out_key] = content[key]
        message["content"] = headers
    message["confirmations"] = []
    message["confirmed"] = False
    return message


def reception_iso(timestamp: float) -> str:
    return iso_utc(dt.datetime.fromtimestamp(timestamp, tz=dt.UTC))
