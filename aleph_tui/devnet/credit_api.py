"""The emulated Credit API (credit.aleph.im/api/v0): estimations and payments."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

from aiohttp import web

from aleph_tui.core.formatting import plain_decimal
from aleph_tui.devnet.context import CONTEXT_KEY
from aleph_tui.devnet.prices import CreditQuote, PriceBook

PREFIX = "/credit/api/v0"
PRICES_KEY = web.AppKey("prices", PriceBook)
BLOCKCHAIN = "ethereum"
PAYMENT_STATUSES = (
    "CREATED",
    "PROCESSING",
    "CANCELLED",
    "FAILED",
    "TRANSFERED",
    "INDEXED",
    "BROADCASTED",
    "COMPLETED",
)
routes = web.RouteTableDef()


def _error(status: int, description: str) -> web.HTTPException:
    body = json.dumps({"description": description})
    cls = web.HTTPUnprocessableEntity if status == 422 else web.HTTPBadRequest
    return cls(text=body, content_type="application/json")


def _prices(request: web.Request) -> PriceBook:
    return request.app[PRICES_KEY]


def _blockchain(value: Any) -> None:
    if value not in (None, BLOCKCHAIN):
        raise _error(422, f"unsupported blockchain {value!r}: only 'ethereum'")


def _quote_fields(q: CreditQuote) -> dict[str, Any]:
    return {
        "tokenAmount": str(q.token_units),
        "tokenSymbol": q.token.symbol,
        "creditAmount": q.credits,
        "creditBonusAmount": q.bonus_credits,
        "price": plain_decimal(q.token.usd),
        "bonusRatio": plain_decimal(q.token.bonus_ratio),
        "timestamp": int(time.time() * 1000),
    }


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _error(422, "body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _error(422, "body must be a JSON object")
    return body


def _non_negative_int(value: Any, field: str) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise _error(422, f"{field} must be an integer string") from None
    if number < 0:
        raise _error(422, f"{field} must not be negative")
    return number


# A devnet control (never faulted, as /api/v0/devnet*): move a token's USD price, as the
# market moves the real service's; quotes and the payments it sees next use it.
PRICE_ADMIN_PATH = "/api/v0/devnet/prices"


@routes.post(PRICE_ADMIN_PATH)
async def set_price(request: web.Request) -> web.Response:
    body = await _body(request)
    try:
        token = _prices(request).set_usd(str(body.get("token")), Decimal(str(body.get("usd"))))
    except (ValueError, ArithmeticError) as exc:
        raise _error(422, str(exc) or "usd must be a number") from None
    return web.json_response({"token": token.symbol, "usd": plain_decimal(token.usd)})


@routes.get(PREFIX + "/estimation/prices")
async def estimation_prices(request: web.Request) -> web.Response:
    _blockchain(request.query.get("blockchain"))
    book = _prices(request)
    prices = []
    for token in book.tokens.values():
        q = book.quote(token.symbol, 10**token.decimals)
        prices.append(
            {
                "tokenSymbol": token.symbol,
                "tokenDecimals": token.decimals,
                "tokenAmount": str(q.token_units),
                "creditAmount": q.credits,
                "creditBonusAmount": q.bonus_credits,
            }
        )
    return web.json_response(
        {"blockchain": BLOCKCHAIN, "timestamp": int(time.time() * 1000), "prices": prices}
    )


@routes.post(PREFIX + "/estimation/token-to-credit")
async def token_to_credit(request: web.Request) -> web.Response:
    body = await _body(request)
    _blockchain(body.get("blockchain"))
    try:
        quote = _prices(request).quote(
            str(body.get("token")), _non_negative_int(body.get("amount"), "amount")
        )
    except ValueError as exc:
        raise _error(422, str(exc)) from None
    return web.json_response(_quote_fields(quote) | {"totalPrice": plain_decimal(quote.usd)})


@routes.post(PREFIX + "/estimation/credit-to-token")
async def credit_to_token(request: web.Request) -> web.Response:
    body = await _body(request)
    _blockchain(body.get("blockchain"))
    book = _prices(request)
    credits = _non_negative_int(body.get("creditAmount"), "creditAmount")
    try:
        units = book.units_for_credits(str(body.get("token")), credits)
        quote = book.quote(str(body.get("token")), units)
    except ValueError as exc:
        raise _error(422, str(exc)) from None
    return web.json_response(_quote_fields(quote))


def payment_json(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "chain": row["chain"],
        "status": row["status"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "in_amount": row["in_amount"],
        "in_currency": row["in_currency"],
        "prices": {
            "credit_amount": row["credit_amount"],
            "credit_bonus_amount": row["credit_bonus_amount"],
            "credit_price_usdc": str(Decimal(1) / 1_000_000),
            "price_usd": row["price_usd"],
        },
        "provider_id": "WALLET",
        "payment_method": "WALLET",
        "address": row["address"],
        "tx_hash": row["tx_hash"],
        "item_hash": row["item_hash"],
    }


@routes.get(PREFIX + "/payment")
async def list_payments(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT_KEY]
    db = ctx.store.db
    address = request.query.get("address")
    page = _non_negative_int(request.query.get("page", "1"), "page")
    per_page = _non_negative_int(
        request.query.get("pagination", request.query.get("limit", "100")), "pagination"
    )
    if page < 1 or not 1 <= per_page <= 1000:
        raise _error(422, "page must be ≥ 1 and pagination between 1 and 1000")
    conditions, args = (["address = ?"], [address]) if address else ([], [])
    if ctx.credit_api_records == "none":
        conditions.append("block_number IS NULL")  # direct transfers leave no record
    where = "WHERE " + " AND ".join(conditions) if conditions else ""
    total = db.execute(f"SELECT COUNT(*) FROM payments {where}", args).fetchone()[0]
    rows = db.execute(
        f"SELECT * FROM payments {where} ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
        [*args, per_page, (page - 1) * per_page],
    ).fetchall()
    return web.json_response(
        {
            "data": [payment_json(row) for row in rows],
            "pagination": {"total": total, "page": page, "pagination": per_page},
        }
    )
