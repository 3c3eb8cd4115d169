"""The CCN routes the official clients call beyond balance and history (pyaleph b09db708):

- ``GET /api/v0/balances`` and ``GET /api/v0/credit_balances``
  (web/controllers/accounts.py get_chain_balances, get_credit_balances_handler);
- ``GET /api/v0/messages/{item_hash}/consumed_credits`` (accounts.py, summed from the
  expense rows as db/accessors/balances.py get_total_consumed_credits);
- ``GET /api/v0/posts.json`` and ``/api/v0/posts/page/{page}.json`` (posts.py v0);
- ``GET /api/v0/price/{item_hash}`` (prices.py message_price);
- ``GET /api/v0/aggregates.json`` (aggregates.py view_aggregates_list).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import json
import sqlite3
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from aiohttp import web
from aleph_message.models import Chain, ItemHash
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic import model_validator as _model_validator

from aleph_tui.devnet import cursors, message_list
from aleph_tui.devnet.ccn_api import item_hash_of_request, path_page
from aleph_tui.devnet.context import CONTEXT_KEY, DevnetContext
from aleph_tui.devnet.schemas import LIST_SEPARATOR, SortOrder

routes = web.RouteTableDef()
CURSOR_MAX_PAGINATION = 200


def _ctx(request: web.Request) -> DevnetContext:
    return request.app[CONTEXT_KEY]


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")


def _unprocessable(exc: ValidationError) -> web.HTTPUnprocessableEntity:
    return web.HTTPUnprocessableEntity(text=exc.json())


def _split(v: Any) -> Any:
    return v.split(LIST_SEPARATOR) if isinstance(v, str) else v


def _cursor_page(cursor: str | None, pagination: int) -> int:
    """pyaleph utils.validate_cursor_pagination."""
    if pagination == 0:
        raise web.HTTPUnprocessableEntity(
            text="pagination=0 is not allowed with cursor-based pagination"
        )
    return min(pagination, CURSOR_MAX_PAGINATION)


def _after_address(cursor: str) -> str | None:
    if not cursor:
        return None
    try:
        return str(cursors.decode_field(cursor, "a"))
    except ValueError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None


# --- /balances ----------------------------------------------------------------------------


class GetBalancesChainsQueryParams(BaseModel):
    chains: list[Chain] | None = None
    pagination: int = Field(default=100, ge=0)
    page: int = Field(default=1, ge=1)
    min_balance: int = Field(default=0, ge=1)
    cursor: str | None = None

    _split = field_validator("chains", mode="before")(_split)


def _known_addresses(db: sqlite3.Connection, ctx: DevnetContext) -> list[str]:
    """The addresses whose ALEPH balance the devnet lists: its accounts and everyone in
    its ledger or its messages. pyaleph lists the rows its balance indexer posted;
    the devnet reads the token on its chain for the addresses it knows."""
    rows = db.execute(
        "SELECT address FROM credit_lots UNION SELECT sender FROM messages"
    ).fetchall()
    return sorted({*ctx.holders, *(str(r[0]) for r in rows)})


@routes.get("/api/v0/balances")
async def get_chain_balances(request: web.Request) -> web.Response:
    try:
        params = GetBalancesChainsQueryParams.model_validate(dict(request.query))
    except ValidationError as exc:
        raise _unprocessable(exc) from None
    ctx = _ctx(request)
    # The devnet chain plays Ethereum: every ALEPH balance is an ETH row.
    if params.chains and Chain.ETH not in params.chains:
        addresses: list[str] = []
    else:
        addresses = _known_addresses(ctx.store.db, ctx)
    amounts = await asyncio.gather(*(ctx.aleph_balance(a) for a in addresses))
    rows = [
        (address, amount)
        for address, amount in zip(addresses, amounts, strict=True)
        if amount > 0 and amount >= params.min_balance
    ]

    def item(address: str, amount: Decimal) -> dict[str, Any]:
        return {"address": address, "balance": float(amount), "chain": Chain.ETH.value}

    if params.cursor is not None:
        per_page = _cursor_page(params.cursor, params.pagination)
        after = _after_address(params.cursor)
        tail = [r for r in rows if after is None or r[0] > after]
        page = tail[:per_page]
        more = len(tail) > per_page
        return _json(
            {
                "balances": [item(*r) for r in page],
                "pagination_per_page": per_page,
                "next_cursor": cursors.encode({"a": page[-1][0]}) if more and page else None,
            }
        )
    start = (params.page - 1) * params.pagination
    page_rows = rows[start : start + params.pagination] if params.pagination else rows[start:]
    return _json(
        {
            "balances": [item(*r) for r in page_rows],
            "pagination_per_page": params.pagination,
            "pagination_page": params.page,
            "pagination_total": len(rows),
            "pagination_item": "balances",
        }
    )


# --- /credit_balances ---------------------------------------------------------------------


class GetCreditBalancesQueryParams(BaseModel):
    pagination: int = Field(default=100, ge=0)
    page: int = Field(default=1, ge=1)
    min_balance: int = Field(default=0, ge=1)
    cursor: str | None = None


# pyaleph's _credit_balance_amount_expr: the still-valid remaining credit per address,
# grouped over every address that holds a lot (drained or expired ones at 0).
_CREDIT_BALANCES = (
    "SELECT address, COALESCE(SUM(CASE WHEN expiration_date IS NULL OR expiration_date > ? "
    "THEN amount_remaining END), 0) AS credits FROM credit_lots {where} "
    "GROUP BY address HAVING credits >= ? ORDER BY address"
)


@routes.get("/api/v0/credit_balances")
async def get_credit_balances(request: web.Request) -> web.Response:
    from aleph_tui.devnet.ledger import current_time

    try:
        params = GetCreditBalancesQueryParams.model_validate(dict(request.query))
    except ValidationError as exc:
        raise _unprocessable(exc) from None
    db = _ctx(request).store.db
    now = current_time()
    if params.cursor is not None:
        per_page = _cursor_page(params.cursor, params.pagination)
        after = _after_address(params.cursor)
        where = "WHERE address > ?" if after is not None else ""
        after_args: list[Any] = [] if after is None else [after]
        rows = db.execute(
            _CREDIT_BALANCES.format(where=where) + " LIMIT ?",
            [now, *after_args, params.min_balance, per_page + 1],
        ).fetchall()
        more = len(rows) > per_page
        rows = rows[:per_page]
        return _json(
            {
                "credit_balances": [{"address": r[0], "credits": int(r[1])} for r in rows],
                "pagination_per_page": per_page,
                "next_cursor": cursors.encode({"a": rows[-1][0]}) if more and rows else None,
            }
        )
    sql = _CREDIT_BALANCES.format(where="")
    args: list[Any] = [now, params.min_balance]
    if params.pagination:
        sql += " LIMIT ? OFFSET ?"
        args += [params.pagination, (params.page - 1) * params.pagination]
    rows = db.execute(sql, args).fetchall()
    total = db.execute(
        f"SELECT COUNT(*) FROM ({_CREDIT_BALANCES.format(where='')})", [now, params.min_balance]
    ).fetchone()[0]
    return _json(
        {
            "credit_balances": [{"address": r[0], "credits": int(r[1])} for r in rows],
            "pagination_per_page": params.pagination,
            "pagination_page": params.page,
            "pagination_total": int(total),
            "pagination_item": "credit_balances",
        }
    )


# --- /messages/{item_hash}/consumed_credits ------------------------------------------------


@routes.get("/api/v0/messages/{item_hash}/consumed_credits")
async def get_consumed_credits(request: web.Request) -> web.Response:
    # get_item_hash_str_from_request: any non-empty string, no ItemHash check here.
    item_hash = request.match_info["item_hash"]
    row = (
        _ctx(request)
        .store.db.execute(
            "SELECT SUM(ABS(amount)) FROM credit_history WHERE payment_method = "
            "'credit_expense' AND COALESCE(NULLIF(origin, ''), origin_ref) = ?",
            (item_hash,),
        )
        .fetchone()
    )
    return _json({"item_hash": item_hash, "consumed_credits": int(row[0] or 0)})


# --- /posts.json (v0) ---------------------------------------------------------------------


class PostQueryParams(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    addresses: list[str] | None = None
    hashes: list[ItemHash] | None = None
    refs: list[str] | None = None
    post_types: list[str] | None = Field(default=None, alias="types")
    tags: list[str] | None = None
    channels: list[str] | None = None
    start_date: float = Field(default=0, ge=0, alias="startDate")
    end_date: float = Field(default=0, ge=0, alias="endDate")
    pagination: int = Field(default=20, ge=0)
    page: int = Field(default=1, ge=1)
    sort_by: message_list.SortBy = Field(default=message_list.SortBy.TIME, alias="sortBy")
    sort_order: SortOrder = Field(default=SortOrder.DESCENDING, alias="sortOrder")
    cursor: str | None = None

    @_model_validator(mode="before")
    @classmethod
    def validate_field_dependencies(cls, values: Any) -> Any:
        # pyaleph reads the field names, not the aliases, in this "before" validator:
        # startDate/endDate from the query never reach it.
        if isinstance(values, dict):
            start, end = values.get("start_date"), values.get("end_date")
            if start and end and (end < start):
                raise ValueError("end date cannot be lower than start date.")
        return values

    @_model_validator(mode="after")
    def validate_cursor_sort(self) -> PostQueryParams:
        if self.cursor and self.sort_by == message_list.SortBy.TX_TIME:
            raise ValueError("Cursor pagination is not supported with tx-time sort order.")
        return self

    _split = field_validator(
        "addresses", "hashes", "refs", "post_types", "tags", "channels", mode="before"
    )(_split)


# Originals (every processed POST but amends) merged with their latest amend, as pyaleph's
# _make_select_merged_post_v0_base_stmt: content, type, signature and size from the amend.
_POSTS = """
WITH posts AS (
    SELECT item_hash, chain, sender, channel, time, raw, content AS item_content,
        json_extract(content, '$.type') AS post_type,
        json_extract(content, '$.address') AS owner,
        json_extract(content, '$.time') AS created,
        CASE json_type(content, '$.ref') WHEN 'object'
            THEN json_extract(content, '$.ref.item_hash')
            ELSE json_extract(content, '$.ref') END AS ref,
        json_extract(content, '$.content') AS post_content,
        json_type(content, '$.content') AS post_content_type,
        COALESCE(json_extract(content, '$.content.tags'), '[]') AS tags
    FROM messages WHERE type = 'POST' AND status = 'processed'
),
amends AS (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY ref ORDER BY created DESC) AS n
    FROM posts WHERE post_type = 'amend'
),
merged AS (
    SELECT o.item_hash AS original_item_hash,
        COALESCE(a.item_hash, o.item_hash) AS item_hash,
        o.chain AS chain,
        COALESCE(a.post_content, o.post_content) AS content,
        COALESCE(a.post_content_type, o.post_content_type) AS content_type,
        COALESCE(a.item_content, o.item_content) AS item_content,
        o.owner AS owner, o.ref AS ref,
        COALESCE(a.created, o.created) AS last_updated,
        o.channel AS channel, o.created AS created,
        COALESCE(a.post_type, o.post_type) AS type,
        o.post_type AS original_type,
        COALESCE(a.raw, o.raw) AS raw, o.raw AS original_raw,
        COALESCE(a.time, o.time) AS time,
        COALESCE(a.tags, o.tags) AS tags
    FROM posts o LEFT JOIN amends a ON a.ref = o.item_hash AND a.n = 1
    WHERE o.post_type IS NOT 'amend'
)
SELECT * FROM merged
"""


def _post_filters(p: PostQueryParams) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []

    def among(column: str, values: list[str]) -> None:
        where.append(f"{column} IN ({','.join('?' * len(values))})")
        args.extend(values)

    if p.hashes:
        among("original_item_hash", list(p.hashes))
    if p.addresses:
        among("owner", p.addresses)
    if p.refs:
        among("ref", p.refs)
    if p.post_types:
        among("original_type", p.post_types)
    if p.tags:
        where.append(
            f"EXISTS (SELECT 1 FROM json_each(tags) WHERE value IN ({','.join('?' * len(p.tags))}))"
        )
        args.extend(p.tags)
    if p.channels:
        among("channel", p.channels)
    if p.start_date:
        where.append("last_updated >= ?")
        args.append(p.start_date)
    if p.end_date:
        where.append("last_updated < ?")
        args.append(p.end_date)
    return where, args


def _post_order(p: PostQueryParams) -> str:
    direction = "DESC" if p.sort_order == SortOrder.DESCENDING else "ASC"
    if p.sort_by == message_list.SortBy.TX_TIME:
        # No devnet post is confirmed on a chain: the creation time decides.
        return f"created {direction}, item_hash ASC"
    return f"last_updated {direction}, original_item_hash ASC"


def _post_v0(row: sqlite3.Row) -> dict[str, Any]:
    """pyaleph posts.py merged_post_v0_to_dict, keys in its order."""
    raw, original = json.loads(row["raw"]), json.loads(row["original_raw"])
    content = row["content"]
    if row["content_type"] in ("object", "array"):
        content = json.loads(content)
    return {
        "chain": row["chain"],
        "item_hash": row["item_hash"],
        "sender": row["owner"],
        "type": row["type"],
        "channel": row["channel"],
        "confirmed": False,
        "content": content,
        "item_content": row["item_content"],
        "item_type": raw.get("item_type") or "inline",
        "signature": raw.get("signature"),
        "size": len(str(row["item_content"]).encode()),
        "time": row["time"],
        "confirmations": [],
        "original_item_hash": row["original_item_hash"],
        "original_signature": original.get("signature"),
        "original_type": row["original_type"],
        "hash": row["original_item_hash"],
        "address": row["owner"],
        "ref": row["ref"],
    }


@routes.get("/api/v0/posts.json")
@routes.get("/api/v0/posts/page/{page}.json")
async def get_posts_v0(request: web.Request) -> web.Response:
    try:
        params = PostQueryParams.model_validate(dict(request.query))
    except ValidationError as exc:
        raise _unprocessable(exc) from None
    if "page" in request.match_info:
        params.page = path_page(request.match_info["page"])
    db = _ctx(request).store.db
    where, args = _post_filters(params)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    order = _post_order(params)
    if params.cursor is not None:
        per_page = _cursor_page(params.cursor, params.pagination)
        if params.cursor:
            try:
                after_time, after_hash = message_list.decode_cursor(params.cursor)
            except ValueError as exc:
                raise web.HTTPUnprocessableEntity(text=str(exc)) from None
            cmp = "<" if params.sort_order == SortOrder.DESCENDING else ">"
            where = [
                *where,
                f"(last_updated {cmp} ? OR (last_updated = ? AND original_item_hash > ?))",
            ]
            args = [*args, after_time, after_time, after_hash]
            clause = " WHERE " + " AND ".join(where)
        sql = f"SELECT * FROM ({_POSTS}){clause} ORDER BY {order} LIMIT ?"
        rows = db.execute(sql, [*args, per_page + 1]).fetchall()
        more = len(rows) > per_page
        rows = rows[:per_page]
        return _json(
            {
                "posts": [_post_v0(r) for r in rows],
                "pagination_per_page": per_page,
                "next_cursor": message_list.encode_cursor(
                    rows[-1]["last_updated"], rows[-1]["original_item_hash"]
                )
                if more and rows
                else None,
            }
        )
    sql = f"SELECT * FROM ({_POSTS}){clause} ORDER BY {order}"
    page_args = list(args)
    if params.pagination:
        sql += " LIMIT ? OFFSET ?"
        page_args += [params.pagination, (params.page - 1) * params.pagination]
    rows = db.execute(sql, page_args).fetchall()
    total = db.execute(f"SELECT COUNT(*) FROM ({_POSTS}){clause}", args).fetchone()[0]
    return _json(
        {
            "posts": [_post_v0(r) for r in rows],
            "pagination_page": params.page,
            "pagination_total": int(total),
            "pagination_per_page": params.pagination,
            "pagination_item": "posts",
        }
    )


# --- /price/{item_hash} -------------------------------------------------------------------

PRICE_PRECISION = Decimal(1).scaleb(-18)


class HTTPProcessing(web.HTTPException):
    """pyaleph prices.py: not in aiohttp.web_exceptions."""

    status_code = 102


def _cost_str(value: Decimal) -> str:
    """pyaleph toolkit/costs.py format_cost_str: 18 decimals, rounded down."""
    return f"{value.quantize(PRICE_PRECISION, ROUND_FLOOR):.18f}"


@routes.get("/api/v0/price/{item_hash}")
async def get_message_price(request: web.Request) -> web.Response:
    from aleph_tui.devnet.seed import DAILY_COST

    item_hash = item_hash_of_request(request)
    row = (
        _ctx(request)
        .store.db.execute(
            "SELECT status, type, content FROM messages WHERE item_hash = ?", (item_hash,)
        )
        .fetchone()
    )
    if row is None:
        raise web.HTTPNotFound(text=f"Message not found with hash: {item_hash}")
    if row["status"] == "pending":
        raise HTTPProcessing(text=f"Message still pending: {item_hash}")
    if row["status"] == "rejected":
        raise web.HTTPNotFound(text=f"This message was rejected: {item_hash}")
    if row["type"] not in ("INSTANCE", "PROGRAM", "STORE", "V-PROGRAM"):
        raise web.HTTPBadRequest(text=f"Message is not an executable or store message: {item_hash}")
    if row["type"] not in DAILY_COST:
        raise web.HTTPNotFound(text=f"no devnet price for {row['type']} messages")
    # The devnet's resources are the seed's stand-ins: each costs what its daily
    # expenses bill (seed.DAILY_COST), per second as pyaleph's cost_credit.
    per_second = Decimal(DAILY_COST[row["type"]]) / Decimal(86_400)
    cost = _cost_str(per_second)
    zero = _cost_str(Decimal(0))
    cost_type = "STORAGE" if row["type"] == "STORE" else "EXECUTION"
    name = {"INSTANCE": "instance", "PROGRAM": "program", "STORE": "storage"}[row["type"]]
    owner = json.loads(row["content"]).get("address")
    return _json(
        {
            "required_tokens": float(cost),
            "payment_type": "credit",
            "cost": cost,
            "detail": [
                {
                    "type": cost_type,
                    "name": name,
                    "cost_hold": zero,
                    "cost_stream": zero,
                    "cost_credit": cost,
                    "size_mib": None,
                }
            ],
            "charged_address": owner,
        }
    )


# --- /aggregates.json ---------------------------------------------------------------------


class SortByAggregate(enum.StrEnum):
    CREATION_TIME = "creation_time"
    LAST_MODIFIED = "last_modified"


class AggregatesListQueryParams(BaseModel):
    """pyaleph web/controllers/aggregates.py AggregatesListQueryParams."""

    keys: list[str] | None = None
    addresses: list[str] | None = None
    sort_by: SortByAggregate = Field(default=SortByAggregate.LAST_MODIFIED, alias="sortBy")
    sort_order: SortOrder = Field(default=SortOrder.DESCENDING, alias="sortOrder")
    pagination: int = Field(default=20, ge=1, le=500)
    page: int = Field(default=1, ge=1)
    cursor: str | None = None

    _split = field_validator("keys", "addresses", mode="before")(_split)


# Creation and last modification from the revisions (the seed's direct writes: the row's).
_AGGREGATES = """
SELECT a.owner AS owner, a.key AS key, a.content AS content,
    COALESCE(MIN(e.time), a.time) AS creation_time,
    COALESCE(MAX(e.time), a.time) AS last_modified
FROM aggregates a LEFT JOIN aggregate_elements e ON e.owner = a.owner AND e.key = a.key
GROUP BY a.owner, a.key
"""


def _iso(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).isoformat()


def _aggregate_item(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "address": row["owner"],
        "key": row["key"],
        "content": json.loads(row["content"]),
        "created": _iso(row["creation_time"]),
        "last_updated": _iso(row["last_modified"]),
    }


@routes.get("/api/v0/aggregates.json")
async def list_aggregates(request: web.Request) -> web.Response:
    try:
        params = AggregatesListQueryParams.model_validate(dict(request.query))
    except ValidationError as exc:
        raise web.HTTPUnprocessableEntity(
            text=exc.json(), content_type="application/json"
        ) from None
    where: list[str] = []
    args: list[Any] = []
    for column, values in (("key", params.keys), ("owner", params.addresses)):
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            args.extend(values)
    column = params.sort_by.value
    descending = params.sort_order == SortOrder.DESCENDING
    order = f"{column} {'DESC' if descending else 'ASC'}, key ASC, owner ASC"
    db = _ctx(request).store.db
    if params.cursor is not None:
        per_page = _cursor_page(params.cursor, params.pagination)
        if params.cursor:
            try:
                payload = cursors.decode(params.cursor)
                after = (
                    dt.datetime.fromisoformat(payload["t"]).timestamp(),
                    str(payload["k"]),
                    str(payload["o"]),
                )
            except KeyError:
                raise web.HTTPUnprocessableEntity(
                    text="Invalid cursor: missing required fields"
                ) from None
            except ValueError as exc:
                raise web.HTTPUnprocessableEntity(text=str(exc)) from None
            cmp = "<" if descending else ">"
            where.append(
                f"({column} {cmp} ? OR ({column} = ? AND (key > ? OR (key = ? AND owner > ?))))"
            )
            args += [after[0], after[0], after[1], after[1], after[2]]
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        rows = db.execute(
            f"SELECT * FROM ({_AGGREGATES}){clause} ORDER BY {order} LIMIT ?",
            [*args, per_page + 1],
        ).fetchall()
        more = len(rows) > per_page
        rows = rows[:per_page]
        last = rows[-1] if rows else None
        next_cursor = (
            cursors.encode({"t": _iso(last[column]), "k": last["key"], "o": last["owner"]})
            if more and last is not None
            else None
        )
        return _json(
            {
                "aggregates": [_aggregate_item(r) for r in rows],
                "pagination_per_page": per_page,
                "next_cursor": next_cursor,
            }
        )
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    rows = db.execute(
        f"SELECT * FROM ({_AGGREGATES}){clause} ORDER BY {order} LIMIT ? OFFSET ?",
        [*args, params.pagination, (params.page - 1) * params.pagination],
    ).fetchall()
    total = db.execute(f"SELECT COUNT(*) FROM ({_AGGREGATES}){clause}", args).fetchone()[0]
    return _json(
        {
            "aggregates": [_aggregate_item(r) for r in rows],
            "pagination_per_page": params.pagination,
            "pagination_page": params.page,
            "pagination_total": int(total),
            "pagination_item": "aggregates",
        }
    )
