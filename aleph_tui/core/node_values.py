"""The node's JSON values read into exact Python ones: decimals, datetimes, history rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from aleph_tui.core.models import CreditHistoryEntry


def node_decimal(value: Any) -> Decimal:
    # The node serialises Decimals as JSON floats; go through str to keep their digits.
    return Decimal(str(value))


def node_datetime(value: str | None) -> dt.datetime | None:
    """An RFC 3339 datetime; one without an offset is UTC, as the node means it."""
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def optional_decimal(value: Any) -> Decimal | None:
    return None if value is None else node_decimal(value)


def optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def history_entry(item: dict[str, Any]) -> CreditHistoryEntry:
    """One ``credit_history`` row of the node as an entry."""
    get = item.get
    timestamp = node_datetime(item["message_timestamp"])
    assert timestamp is not None
    price, bonus, expires = get("price"), get("bonus_amount"), get("expiration_date")
    count, size = get("expense_count"), get("expense_size_mib")
    return CreditHistoryEntry(
        amount=int(item["amount"]),
        price=None if price is None else node_decimal(price),
        bonus_amount=None if bonus is None else int(bonus),
        tx_hash=get("tx_hash"),
        token=get("token"),
        chain=get("chain"),
        provider=get("provider"),
        origin=get("origin"),
        origin_ref=get("origin_ref"),
        payment_method=get("payment_method"),
        credit_ref=str(item["credit_ref"]),
        credit_index=int(item["credit_index"]),
        expiration=node_datetime(expires),
        timestamp=timestamp,
        expense_count=None if count is None else int(count),
        expense_size_mib=None if size is None else node_decimal(size),
    )
