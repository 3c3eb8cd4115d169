"""The node's JSON values read into exact Python ones: decimals, datetimes, balances.
History rows are read in core/aleph/history_models.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from aleph_tui.core.aleph.models import Balance, CreditLot


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


def balance_from_node(data: dict[str, Any]) -> Balance:
    """``GET /api/v0/addresses/{address}/balance?include_credit_details=true``."""
    lots = tuple(
        CreditLot(node_datetime(item.get("expiration_date")), int(item["amount"]))
        for item in data.get("credit_balance_details") or ()
    )
    return Balance(
        address=data["address"],
        aleph=node_decimal(data["balance"]),
        aleph_by_chain={k: node_decimal(v) for k, v in (data.get("details") or {}).items()},
        locked=node_decimal(data["locked_amount"]),
        credits=int(data.get("credit_balance") or 0),
        lots=lots,
    )
