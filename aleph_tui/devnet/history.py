"""Credit history queries: pyaleph's filters, sorts, page and cursor modes."""

from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3
from collections import OrderedDict
from typing import Any

from aleph_tui.devnet.schemas import (
    CreditFlow,
    CreditHistoryFilterParams,
    SortByCreditHistory,
    SortOrder,
)

CURSOR_MAX_PAGINATION = 200
# Past this offset a page is read from the other end when that end is nearer: SQLite walks
# every skipped row of an OFFSET, so the last page of 100k rows would walk all of them.
REVERSE_AFTER = 2000
_AGGREGATE_CACHE_SIZE = 256

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


# The columns of a history row in the order the node's JSON lists them
# (``CreditHistoryResponseItem``): a row becomes its item with one zip.
ITEM_KEYS = (
    "amount",
    "price",
    "bonus_amount",
    "tx_hash",
    "token",
    "chain",
    "provider",
    "origin",
    "origin_ref",
    "payment_method",
    "credit_ref",
    "credit_index",
    "expiration_date",
    "message_timestamp",
    "expense_count",
    "expense_size_mib",
)
ITEM_COLUMNS = ", ".join(ITEM_KEYS)


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


def _order_by(sort_by: SortByCreditHistory, order: SortOrder, *, reverse: bool = False) -> str:
    """The order of a page; ``reverse`` reads it backwards (NULLs then come first)."""
    descending = (order == SortOrder.DESCENDING) != reverse
    direction = "DESC" if descending else "ASC"
    nulls = ""
    if sort_by in _NULLABLE_SORT_COLUMNS:
        nulls = " NULLS FIRST" if reverse else " NULLS LAST"
    return f"{sort_by.value} {direction}{nulls}, credit_ref {direction}, credit_index {direction}"


# Counts and sums, keyed by the query and the connection's total_changes: any write on
# the connection (the devnet has one) changes that number, so a stale entry is never hit.
# Paging through a long history then counts its rows once instead of once per page.
_aggregates: OrderedDict[tuple[int, int, str, tuple[Any, ...]], tuple[sqlite3.Connection, Any]]
_aggregates = OrderedDict()


def _aggregate(db: sqlite3.Connection, sql: str, args: list[Any]) -> Any:
    key = (id(db), db.total_changes, sql, tuple(args))
    cached = _aggregates.get(key)
    if cached is not None and cached[0] is db:
        _aggregates.move_to_end(key)
        return cached[1]
    row = tuple(db.execute(sql, args).fetchone())
    _aggregates[key] = (db, row)
    if len(_aggregates) > _AGGREGATE_CACHE_SIZE:
        _aggregates.popitem(last=False)
    return row


def count(db: sqlite3.Connection, address: str, f: CreditHistoryFilterParams) -> int:
    where, args = filter_clause(address, f)
    row = _aggregate(db, f"SELECT COUNT(*) FROM credit_history WHERE {where}", args)
    return int(row[0])


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
    sql = f"SELECT {ITEM_COLUMNS} FROM credit_history WHERE {where} ORDER BY "
    if pagination <= 0:
        return db.execute(sql + _order_by(sort_by, order), args).fetchall()
    offset = (page_number - 1) * pagination
    # Reading pages in a row (an export): seek past the previous page's last row in the
    # index instead of stepping over ``offset`` rows (10 ms a page deep in 100k rows).
    seekable = sort_by in _NOT_NULL_SORT_COLUMNS
    seek = (id(db), db.total_changes, where, tuple(args), sort_by, order, offset)
    after = _page_ends.get(seek) if seekable else None
    if after is not None and after[0] is db:
        rows = after_cursor(db, address, f, sort_by, order, pagination, after[1])[:pagination]
    else:
        rows = _offset_page(db, address, f, sql, args, sort_by, order, pagination, offset)
    if rows and seekable:
        last = rows[-1]
        end = (*seek[:-1], offset + len(rows))
        _page_ends[end] = (db, (last[sort_by.value], last["credit_ref"], last["credit_index"]))
        if len(_page_ends) > _AGGREGATE_CACHE_SIZE:
            _page_ends.popitem(last=False)
    return rows


def _offset_page(
    db: sqlite3.Connection,
    address: str,
    f: CreditHistoryFilterParams,
    sql: str,
    args: list[Any],
    sort_by: SortByCreditHistory,
    order: SortOrder,
    pagination: int,
    offset: int,
) -> list[sqlite3.Row]:
    if offset > REVERSE_AFTER:
        total = count(db, address, f)
        remaining = total - offset
        if remaining <= 0:
            return []
        if remaining < offset:
            limit = min(pagination, remaining)
            reverse_sql = sql + _order_by(sort_by, order, reverse=True) + " LIMIT ? OFFSET ?"
            rows = db.execute(reverse_sql, [*args, limit, remaining - limit]).fetchall()
            rows.reverse()
            return rows
    sql += _order_by(sort_by, order) + " LIMIT ? OFFSET ?"
    return db.execute(sql, [*args, pagination, offset]).fetchall()


# Columns no row leaves NULL (the schema says so), where a seek is exactly the offset.
_NOT_NULL_SORT_COLUMNS = frozenset(
    {SortByCreditHistory.MESSAGE_TIMESTAMP, SortByCreditHistory.AMOUNT}
)
# The sort key of the last row of each page served, keyed like ``_aggregates`` (any write
# changes ``total_changes``) plus the query, the order and the offset the page ended at.
_page_ends: OrderedDict[tuple[Any, ...], tuple[sqlite3.Connection, tuple[Any, str, int]]]
_page_ends = OrderedDict()


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
        elif sort_by not in _NULLABLE_SORT_COLUMNS:
            # A row value comparison is the same test, but one SQLite seeks to in the
            # (address, time, ref, index) index; the OR form scanned every earlier row.
            where += f" AND ({column}, credit_ref, credit_index) {cmp} (?, ?, ?)"
            args += [value, ref, index]
        else:
            where += f" AND ({column} {cmp} ? OR ({column} = ? AND {tiebreak}) OR {column} IS NULL)"
            args += [value, value, ref, ref, index]
    sql = f"SELECT {ITEM_COLUMNS} FROM credit_history WHERE {where} "
    sql += f"ORDER BY {_order_by(sort_by, order)}"
    sql += " LIMIT ?"
    args.append(limit + 1)
    return db.execute(sql, args).fetchall()


def summary(
    db: sqlite3.Connection, address: str, f: CreditHistoryFilterParams
) -> tuple[int, int, int, int]:
    where, args = filter_clause(address, f)
    row = _aggregate(
        db,
        "SELECT COUNT(*), COALESCE(SUM(amount), 0), "
        "COALESCE(SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN amount < 0 THEN amount ELSE 0 END), 0) "
        f"FROM credit_history WHERE {where}",
        args,
    )
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
