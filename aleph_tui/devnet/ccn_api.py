"""The emulated CCN HTTP API (pyaleph's ``web/controllers``), over aiohttp."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import json
import logging
from decimal import Decimal
from typing import Any

from aiohttp import web
from aleph_message.models import Chain, ItemHash, MessageType
from pydantic import BaseModel, ValidationError, field_validator
from pydantic_core import to_json

from aleph_tui.devnet import history, intake, ledger, message_list, processor
from aleph_tui.devnet.context import CONTEXT_KEY, DevnetContext
from aleph_tui.devnet.faults import ActiveRule
from aleph_tui.devnet.schemas import (
    CreditBalanceDetailItem,
    CreditHistoryFilterParams,
    GetAccountBalanceResponse,
    GetAccountCreditHistoryQueryParams,
    GetAccountCreditHistorySummaryResponse,
    GetAccountQueryParams,
    PubMessageRequest,
    SortByCreditHistory,
)

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
NO_HISTORY = "No credit history found for this address"


def _ctx(request: web.Request) -> DevnetContext:
    return request.app[CONTEXT_KEY]


def _json(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="application/json")


def _json_bytes(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/json")


def _validation_error(exc: ValidationError) -> web.HTTPUnprocessableEntity:
    return web.HTTPUnprocessableEntity(text=exc.json())


def _utc(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, tz=dt.UTC)


@routes.get("/api/v0/addresses/{address}/balance")
async def get_balance(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    address = request.match_info["address"]
    try:
        params = GetAccountQueryParams.model_validate(dict(request.query))
    except ValidationError as exc:
        raise _validation_error(exc) from None
    # The devnet chain plays Ethereum: ALEPH balances live on chain "ETH" only.
    aleph = await ctx.aleph_balance(address) if params.chain in (None, Chain.ETH) else Decimal(0)
    details = {Chain.ETH.value: aleph} if aleph and params.chain is None else {}
    db = ctx.store.db
    detail_items = None
    if params.include_credit_details:
        credits, lots = ledger.credit_balance_details(db, address)
        detail_items = [
            CreditBalanceDetailItem(expiration_date=_utc(d.expiration_date), amount=d.amount)
            for d in lots
        ]
    else:
        credits = ledger.credit_balance(db, address)
    response = GetAccountBalanceResponse(
        address=address,
        balance=aleph,
        details=details,
        locked_amount=Decimal(0),
        credit_balance=credits,
        credit_balance_details=detail_items,
    )
    return _json(response.model_dump_json())


def _history_item(row: Any) -> dict[str, Any]:
    """One row as ``CreditHistoryResponseItem`` serialises it, without building the model
    (~40 µs a row, most of a 1000-row page): the same keys in the same order, and values
    of the same types, which ``to_json`` writes as pydantic does
    (tests/integration/test_ccn_history.py compares both). Rows come with
    ``history.ITEM_KEYS`` as their columns."""
    item = dict(zip(history.ITEM_KEYS, row, strict=True))
    price, expires, size = item["price"], item["expiration_date"], item["expense_size_mib"]
    if price is not None:
        item["price"] = _stored_decimal(price)
    if expires is not None:
        item["expiration_date"] = _from_ts(expires, _UTC)
    item["message_timestamp"] = _from_ts(item["message_timestamp"], _UTC)
    if size is not None:
        item["expense_size_mib"] = _stored_decimal(size)
    return item


# Prices and sizes repeat from row to row: each distinct text is parsed once.
_stored_decimal = functools.lru_cache(maxsize=4096)(Decimal)
_UTC = dt.UTC
_from_ts = dt.datetime.fromtimestamp


@routes.get("/api/v0/addresses/{address}/credit_history")
async def get_credit_history(request: web.Request) -> web.Response:
    db = _ctx(request).store.db
    address = request.match_info["address"]
    try:
        params = GetAccountCreditHistoryQueryParams.model_validate(dict(request.query))
    except ValidationError as exc:
        raise _validation_error(exc) from None

    if params.cursor is None:
        rows = history.page(
            db, address, params, params.sort_by, params.sort_order, params.page, params.pagination
        )
        if not rows:
            raise web.HTTPNotFound(text=NO_HISTORY)
        page_response = {
            "address": address,
            "credit_history": [_history_item(r) for r in rows],
            "pagination_page": params.page,
            "pagination_total": history.count(db, address, params),
            "pagination_per_page": params.pagination,
        }
        return _json_bytes(to_json(page_response))

    if params.pagination == 0:
        raise web.HTTPUnprocessableEntity(
            text="pagination=0 is not allowed with cursor-based pagination"
        )
    per_page = min(params.pagination, history.CURSOR_MAX_PAGINATION)
    after = None
    if params.cursor:
        try:
            sort_by, value, order, ref, index = history.decode_cursor(params.cursor)
        except ValueError as exc:
            raise web.HTTPUnprocessableEntity(text=str(exc)) from None
        if sort_by != params.sort_by.value:
            raise web.HTTPUnprocessableEntity(
                text="Cursor sort field mismatch: cursor was created with "
                f"sort_by={sort_by}, but request has sort_by={params.sort_by.value}"
            )
        if order != int(params.sort_order):
            raise web.HTTPUnprocessableEntity(
                text="Cursor sort order mismatch: cursor was created with "
                f"sort_order={order}, but request has sort_order={int(params.sort_order)}"
            )
        try:
            after = (history.cursor_sort_value(SortByCreditHistory(sort_by), value), ref, index)
        except (ValueError, TypeError) as exc:
            raise web.HTTPUnprocessableEntity(text=f"Invalid cursor: {exc}") from None
    rows = history.after_cursor(
        db, address, params, params.sort_by, params.sort_order, per_page, after
    )
    if not rows:
        raise web.HTTPNotFound(text=NO_HISTORY)
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    cursor_response = {
        "address": address,
        "credit_history": [_history_item(r) for r in rows],
        "pagination_per_page": per_page,
        "next_cursor": history.encode_cursor(params.sort_by, params.sort_order, rows[-1])
        if has_more
        else None,
    }
    return _json_bytes(to_json(cursor_response))


@routes.get("/api/v0/addresses/{address}/credit_history/summary")
async def get_credit_history_summary(request: web.Request) -> web.Response:
    db = _ctx(request).store.db
    address = request.match_info["address"]
    try:
        params = CreditHistoryFilterParams.model_validate(dict(request.query))
    except ValidationError as exc:
        raise _validation_error(exc) from None
    entries, total, incoming, outgoing = history.summary(db, address, params)
    response = GetAccountCreditHistorySummaryResponse(
        address=address,
        entry_count=entries,
        total_amount=total,
        total_incoming=incoming,
        total_outgoing=outgoing,
    )
    return _json(response.model_dump_json())


def _broadcast_status(message_status: str) -> str:
    return json.dumps(
        {
            "publication_status": {"status": "success", "failed": []},
            "message_status": message_status,
        }
    )


def _process_now(ctx: DevnetContext, pending: processor.Pending) -> str:
    """Process one pending message in its own transaction; returns the final status."""
    try:
        with ctx.store.transaction() as db:
            processor.process(db, pending, ctx.rules)
            processor.record(db, pending, "processed")
    except processor.Rejected as rejection:
        with ctx.store.transaction() as db:
            processor.record(db, pending, "rejected", rejection)
        log.info("rejected %s: %s", pending.item_hash, rejection.reason)
        return "rejected"
    except processor.Retry as retry:
        with ctx.store.transaction() as db:
            processor.record(db, pending, "pending")
        log.info("pending %s: %s", pending.item_hash, retry)
        return "pending"
    for callback in ctx.on_processed:
        callback(pending.item_hash)
    _retry_amends_of(ctx, pending.item_hash)
    return "processed"


def _retry_amends_of(ctx: DevnetContext, item_hash: str) -> None:
    """pyaleph retries a pending amend; here it is tried again once its original is in."""
    held = {p.item_hash for p in ctx.held}  # an accept_202 fault keeps those pending
    rows = ctx.store.db.execute(
        "SELECT item_hash, raw FROM messages WHERE status = 'pending' AND type = 'POST' "
        "AND json_extract(content, '$.type') = 'amend' AND COALESCE("
        "json_extract(content, '$.ref.item_hash'), json_extract(content, '$.ref')) = ?",
        (item_hash,),
    ).fetchall()
    for row in rows:
        if row["item_hash"] not in held:
            _process_now(ctx, processor.parse_pending(json.loads(row["raw"])))


def _existing_status(ctx: DevnetContext, item_hash: str) -> str | None:
    row = ctx.store.db.execute(
        "SELECT status FROM messages WHERE item_hash = ?", (item_hash,)
    ).fetchone()
    return None if row is None else str(row["status"])


_STATUS_HTTP = {"processed": 200, "pending": 202, "rejected": 422}
ACCEPT_202 = frozenset({"accept_202"})


def release_held(ctx: DevnetContext) -> None:
    """Process, in order and on the next loop turns, the messages ``accept_202`` held."""
    held, ctx.held = ctx.held, []
    loop = asyncio.get_running_loop()
    for pending in held:
        loop.call_soon(_process_now, ctx, pending)


def release_when_cleared(ctx: DevnetContext) -> None:
    """Process the held messages once no ``accept_202`` rule is left."""

    def removed(rule: ActiveRule) -> None:
        if rule.kind == "accept_202" and not ctx.faults.active("accept_202", "ccn"):
            release_held(ctx)

    ctx.faults.on_removed.append(removed)


@routes.post("/api/v0/messages")
async def post_message(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPUnprocessableEntity() from None
    try:
        req = PubMessageRequest.model_validate(body)
    except ValidationError as exc:
        raise _validation_error(exc) from None
    try:
        pending = processor.parse_pending(req.message)
    except processor.InvalidMessageFormat as exc:
        log.info("invalid message: %s", exc.reason)
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None

    status = _existing_status(ctx, pending.item_hash)
    # pyaleph processes a message it rejected before again (the sender may have been
    # funded, or the signature fixed, since); any other known message keeps its status.
    if status is None or status == "rejected":
        path = request.path
        if ctx.faults.take(ACCEPT_202, "ccn", lambda match: match in path):
            # As pyaleph answers when processing is slow: pending, 202, processed later.
            with ctx.store.transaction() as db:
                processor.record(db, pending, "pending")
            ctx.held.append(pending)
            log.info("fault accept_202: %s held pending", pending.item_hash)
            if not ctx.faults.active("accept_202", "ccn"):
                release_held(ctx)
            status = "pending"
        elif req.sync:
            status = _process_now(ctx, pending)
        else:
            with ctx.store.transaction() as db:
                processor.record(db, pending, "pending")
            asyncio.get_running_loop().call_soon(_process_now, ctx, pending)
            status = "pending"
    return _json(_broadcast_status(status), _STATUS_HTTP[status])


def path_page(text: str) -> int:
    """pyaleph utils.get_path_page: the page of a ``.../page/{page}.json`` route."""
    try:
        page = int(text)
    except ValueError:
        raise web.HTTPBadRequest(text=f"Invalid page value in path: {text}") from None
    if page < 1:
        raise web.HTTPUnprocessableEntity(text="Page number must be greater than 1.")
    return page


@routes.get("/api/v0/messages.json")
@routes.get("/api/v0/messages/page/{page}.json")
async def list_messages(request: web.Request) -> web.Response:
    try:
        params = message_list.parse(dict(request.query))
    except ValidationError as exc:
        raise _validation_error(exc) from None
    if "page" in request.match_info:
        params.page = path_page(request.match_info["page"])
    db = _ctx(request).store.db
    try:
        terminal = message_list.terminal_status(params)
    except message_list.UnsupportedQuery as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    if terminal is not None:
        # The devnet never forgets nor removes a message: those tables are empty.
        return _json(json.dumps(message_list.listing([], 0, params)))
    if params.cursor is None:
        rows, total = message_list.query(db, params)
        return _json(json.dumps(message_list.listing(rows, total, params)))
    if params.pagination == 0:
        raise web.HTTPUnprocessableEntity(
            text="pagination=0 is not allowed with cursor-based pagination"
        )
    per_page = min(params.pagination, message_list.CURSOR_MAX_PAGINATION)
    after = None
    if params.cursor:
        try:
            after = message_list.decode_cursor(params.cursor)
        except ValueError as exc:
            raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    rows = message_list.query_after(db, params, per_page, after)
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    last = rows[-1] if rows else None
    body = {
        "messages": [message_list.message_json(r, params.content_format) for r in rows],
        "pagination_per_page": per_page,
        "next_cursor": message_list.encode_cursor(last["time"], last["item_hash"])
        if has_more and last is not None
        else None,
    }
    return _json(json.dumps(body))


def item_hash_of_request(request: web.Request) -> str:
    """pyaleph's get_item_hash_from_request: a hash aleph-message's ItemHash refuses is
    a 400 ``Invalid message hash: ...``."""
    item_hash = request.match_info.get("item_hash", "")
    try:
        ItemHash(item_hash)
    except ValueError:
        raise web.HTTPBadRequest(text=f"Invalid message hash: {item_hash}") from None
    return item_hash


def _processed_message(row: Any) -> dict[str, Any]:
    """pyaleph schemas/api/messages.py BaseMessage: its fields in order, the content
    dumped through aleph-message's model of the type (a post's ``ref`` included)."""
    raw = json.loads(row["raw"])
    content = json.loads(row["content"])
    model = intake.CONTENT_MODELS[MessageType(row["type"])]
    # A seeded resource stand-in does not validate: it is shown as stored.
    with contextlib.suppress(ValidationError):
        content = model.model_validate(content).model_dump(mode="json")
    return {
        "sender": row["sender"],
        "chain": row["chain"],
        "signature": raw.get("signature"),
        "type": row["type"],
        "item_content": raw.get("item_content"),
        "item_type": raw.get("item_type") or "inline",
        "item_hash": row["item_hash"],
        "time": row["time"],
        "channel": row["channel"],
        "content": content,
        "confirmed": False,
        "confirmations": [],
    }


def _pending_message(row: Any) -> dict[str, Any]:
    """pyaleph's PendingMessage: datetimes as pydantic writes them."""
    raw = json.loads(row["raw"])
    return {
        "sender": row["sender"],
        "chain": row["chain"],
        "signature": raw.get("signature"),
        "type": row["type"],
        "item_content": raw.get("item_content"),
        "item_type": raw.get("item_type") or "inline",
        "item_hash": row["item_hash"],
        "time": message_list.reception_iso(row["time"]),
        "channel": row["channel"],
        "content": json.loads(row["content"]),
        "reception_time": message_list.reception_iso(row["reception_time"]),
    }


@routes.get("/api/v0/messages/{item_hash}")
async def get_message(request: web.Request) -> web.Response:
    item_hash = item_hash_of_request(request)
    row = (
        _ctx(request)
        .store.db.execute("SELECT * FROM messages WHERE item_hash = ?", (item_hash,))
        .fetchone()
    )
    if row is None:
        raise web.HTTPNotFound()
    base: dict[str, Any] = {
        "status": row["status"],
        "item_hash": row["item_hash"],
        "reception_time": message_list.reception_iso(row["reception_time"]),
    }
    if row["status"] == "pending":
        base["messages"] = [_pending_message(row)]
    elif row["status"] == "rejected":
        base["message"] = json.loads(row["raw"])
        base["error_code"] = row["error_code"]
        base["details"] = json.loads(row["details"]) if row["details"] else None
    else:
        base["message"] = _processed_message(row)
    return _json(json.dumps(base))


@routes.get("/api/v0/messages/{item_hash}/status")
async def get_message_status(request: web.Request) -> web.Response:
    item_hash = item_hash_of_request(request)
    row = (
        _ctx(request)
        .store.db.execute(
            "SELECT status, item_hash, reception_time FROM messages WHERE item_hash = ?",
            (item_hash,),
        )
        .fetchone()
    )
    if row is None:
        raise web.HTTPNotFound()
    return _json(
        json.dumps(
            {
                "status": row["status"],
                "item_hash": row["item_hash"],
                "reception_time": message_list.reception_iso(row["reception_time"]),
            }
        )
    )


class AggregatesQueryParams(BaseModel):
    """pyaleph web/controllers/aggregates.py AggregatesQueryParams."""

    keys: list[str] | None = None
    limit: int = 1000
    with_info: bool = False
    value_only: bool = False

    @field_validator("keys", mode="before")
    @classmethod
    def split_str(cls, v: Any) -> Any:
        return v.split(",") if isinstance(v, str) else v


def _aggregate_info(db: Any, owner: str, key: str, stored_time: float) -> dict[str, str]:
    """pyaleph's ``info`` entry: creation and last update, and the last revision's hash
    (its query labels that hash as both original and last update)."""
    elements = db.execute(
        "SELECT time, item_hash FROM aggregate_elements WHERE owner = ? AND key = ? "
        "ORDER BY time, item_hash",
        (owner, key),
    ).fetchall()

    def iso(t: float) -> str:
        return dt.datetime.fromtimestamp(t, dt.UTC).isoformat()

    first = elements[0]["time"] if elements else stored_time
    last_time = elements[-1]["time"] if elements else stored_time
    last_hash = elements[-1]["item_hash"] if elements else None
    return {
        "created": iso(first),
        "last_updated": iso(last_time),
        "original_item_hash": str(last_hash),
        "last_update_item_hash": str(last_hash),
    }


@routes.get("/api/v0/aggregates/{address}.json")
async def get_aggregates(request: web.Request) -> web.Response:
    address = request.match_info["address"]
    try:
        params = AggregatesQueryParams.model_validate(dict(request.query))
    except ValidationError as exc:
        raise web.HTTPUnprocessableEntity(
            text=exc.json(), content_type="application/json"
        ) from None
    db = _ctx(request).store.db
    sql = "SELECT key, content, time FROM aggregates WHERE owner = ?"
    args: list[Any] = [address]
    if params.keys:
        sql += f" AND key IN ({','.join('?' * len(params.keys))})"
        args += params.keys
    rows = db.execute(sql + " ORDER BY key", args).fetchall()
    if not rows:
        raise web.HTTPNotFound(text="No aggregate found for this address")
    data = {row["key"]: json.loads(row["content"]) for row in rows}
    if params.value_only and params.keys and len(params.keys) == 1:
        return web.json_response(data[params.keys[0]])
    info = (
        {row["key"]: _aggregate_info(db, address, row["key"], row["time"]) for row in rows}
        if params.with_info
        else {}
    )
    return web.json_response({"address": address, "data": data, "info": info})


@routes.get("/api/v0/devnet")
async def get_devnet(request: web.Request) -> web.Response:
    return web.json_response(_ctx(request).document)
