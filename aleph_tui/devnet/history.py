"""Credit history queries: pyaleph's filters, sorts, page and cursor modes."""

from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3
from typing import Any

from aleph_tui.devnet.schemas import (
    CreditFlow,
    CreditHistoryFilterParams,
    SortByCreditHistory,
    SortOrder,
)

CURSOR_MAX_PAGINATION = 200

_NULLABLE_SORT_COLUMNS = frozenset(
    {
        SortByCreditHistory.EXPIRATION_DATE,
        SortByCreditHistory.ORIGIN,
        SortByCreditHistory.TX_HASH,
        SortByCreditHistory.PROVIDER,
    }
)
_TIME_COLUMNS = frozenset(
    {SortByCreditHistory.MESSAGE_TIMESTAMP, SortByCreditHistory.EXPIRATION_DATE}
)
_EFFECTIVE_ORIGIN = "COALESCE(NULLIF(origin, ''), origin_ref)"


def _ts(value: dt.datetime) -> float:
    return value.timestamp()


def filter_clause(address: str, f: CreditHistoryFilterParams) -> tuple[str, list[Any]]:
    where = ["address = ?"]
    args: list[Any] = [address]
    for column in (
        "tx_hash",
        "token",
        "chain",
        "provider",
        "origin",
        "origin_ref",
        "payment_method",
    ):
        value = getattr(f, column)
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    if f.has_expiration is True:
        where.append("expiration_date IS NOT NULL")
    elif f.has_expiration is False:
        where.append("expiration_date IS NULL")
    if f.exclude_payment_method:
        marks = ",".join("?" * len(f.exclude_payment_method))
        # SQL NOT IN drops NULL payment methods too, exactly like Postgres.
        where.append(f"payment_method NOT IN ({marks})")
        args.extend(f.exclude_payment_method)
    if f.start_date is not None:
        where.append("message_timestamp >= ?")
        args.append(_ts(f.start_date))
    if f.end_date is not None:
        where.append("message_timestamp <= ?")
        args.append(_ts(f.end_date))
    if f.direction == CreditFlow.INCOMING:
        where.append("amount > 0")
    elif f.direction == CreditFlow.OUTGOING:
        where.append("amount < 0")
    if f.resource_types:
        marks = ",".join("?" * len(f.resource_types))
        where.append(
            f"EXISTS (SELECT 1 FROM messages m WHERE m.item_hash = {_EFFECTIVE_ORIGIN} "
            f"AND m.type IN ({marks}))"
        )
        args.extend(t.value for t in f.resource_types)
    if f.resource is not None:
        where.append(f"{_EFFECTIVE_ORIGIN} = ?")
        args.append(f.resource)
    return " AND ".join(where), args


def _order_by(sort_by: SortByCreditHistory, order: SortOrder) -> str:
    direction = "DESC" if order == SortOrder.DESCENDING else "ASC"
    nulls = " NULLS LAST" if sort_by in _NULLABLE_SORT_COLUMNS else ""
    return f"{sort_by.value} {direction}{nulls}, credit_ref {direction}, credit_index {direction}"


def count(db: sqlite3.Connection, address: str, f: CreditHistoryFilterParams) -> int:
    where, args = filter_clause(address, f)
    return int(db.execute(f"SELECT COUNT(*) FROM credit_history WHERE {where}", args).fetchone()[0])


def page(
    db: sqlite3.Connection,
    address: str,
    f: CreditHistoryFilterParams,
    sort_by: SortByCreditHistory,
    order: SortOrder,
    page_number: int,
    pagination: int,
) -> list[sqlite3.Row]:
    where, args = filter_clause(address, f)
    sql = f"SELECT * FROM credit_history WHERE {where} ORDER BY {_order_by(sort_by, order)}"
    if pagination > 0:
        sql += " LIMIT ? OFFSET ?"
        args += [pagination, (page_number - 1) * pagination]
    return db.execute(sql, args).fetchall()


def after_cursor(
    db: sqlite3.Connection,
    address: str,
    f: CreditHistoryFilterParams,
    sort_by: SortByCreditHistory,
    order: SortOrder,
    limit: int,
    after: tuple[Any, str, int] | None,
) -> list[sqlite3.Row]:
    """Keyset pagination; returns up to ``limit + 1`` rows so callers see if more exist."""
    where, args = filter_clause(address, f)
    column = sort_by.value
    if after is not None:
        value, ref, index = after
        cmp = "<" if order == SortOrder.DESCENDING else ">"
        tiebreak = f"(credit_ref {cmp} ? OR (credit_ref = ? AND credit_index {cmp} ?))"
        if value is None and sort_by in _NULLABLE_SORT_COLUMNS:
            where += f" AND ({column} IS NULL AND {tiebreak})"
            args += [ref, ref, index]
        else:
            where += f" AND ({column} {cmp} ? OR ({column} = ? AND {tiebreak}) OR {column} IS NULL)"
            args += [value, value, ref, ref, index]
    sql = f"SELECT * FROM credit_history WHERE {where} ORDER BY {_order_by(sort_by, order)}"
    sql += " LIMIT ?"
    args.append(limit + 1)
    return db.execute(sql, args).fetchall()


def summary(
    db: sqlite3.Connection, address: str, f: CreditHistoryFilterParams
) -> tuple[int, int, int, int]:
    where, args = filter_clause(address, f)
    row = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(amount), 0), "
        "COALESCE(SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN amount < 0 THEN amount ELSE 0 END), 0) "
        f"FROM credit_history WHERE {where}",
        args,
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


# --- cursors (pyaleph toolkit/cursor.py: base64url JSON without padding) -------------------


def encode_cursor(sort_by: SortByCreditHistory, order: SortOrder, row: sqlite3.Row) -> str:
    value = row[sort_by.value]
    if sort_by in _TIME_COLUMNS and value is not None:
        value = dt.datetime.fromtimestamp(value, tz=dt.UTC).isoformat()
    payload = {
        "s": sort_by.value,
        "v": value,
        "o": int(order),
        "r": row["credit_ref"],
        "i": row["credit_index"],
    }
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, Any, int, str, int]:
    """(sort_by, value, order, credit_ref, credit_index); ValueError when malformed."""
    if not cursor:
        raise ValueError("Invalid cursor: empty string")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded))
    except Exception as exc:
        raise ValueError(f"Invalid cursor: {exc}") from exc
    if not isinstance(payload, dict):
        raise ValueError("Invalid cursor: payload is not a dict")
    try:
        if "s" in payload:
            return (
                str(payload["s"]),
                payload["v"],
                int(payload["o"]),
                str(payload["r"]),
                int(payload["i"]),
            )
        return "message_timestamp", payload["t"], -1, str(payload["r"]), int(payload["i"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError("Invalid cursor: missing required fields") from exc


def cursor_sort_value(sort_by: SortByCreditHistory, value: Any) -> Any:
    """Turn a cursor's ISO datetimes back into the stored float timestamps."""
    if value is not None and sort_by in _TIME_COLUMNS:
        return dt.datetime.fromisoformat(value).timestamp()
    return value
