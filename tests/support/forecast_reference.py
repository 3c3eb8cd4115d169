"""An independent reference for the expiry-aware forecast: the whole history replayed
the way the node applies it, then a plain day-by-day burn (tests/integration/
test_forecast.py explains the model). Used by the forecast and ``check`` tests; it calls
nothing of core/flows/forecast.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx

PURCHASE_VALIDITY_DAYS = 365  # the devnet credit issuer's; a test checks they agree
DAY = dt.timedelta(days=1)
PERIOD = 30 * DAY
DAY_US = DAY // dt.timedelta(microseconds=1)


@dataclass
class RefLot:
    issued: tuple[dt.datetime, str, int]
    expires: dt.datetime | None
    left: int


def when(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def history_rows(api_url: str, address: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{api_url}/api/v0/addresses/{address}/credit_history",
        params={"pagination": "0"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["credit_history"]
    return rows


def _key(row: dict[str, Any]) -> tuple[dt.datetime, str, int]:
    at = when(row["message_timestamp"])
    assert at is not None
    return (at, row["credit_ref"], int(row["credit_index"]))


def replay(rows: list[dict[str, Any]], now: dt.datetime) -> list[RefLot]:
    """The lots held at ``now``: the whole history applied in order, as the node did."""
    lots: list[RefLot] = []
    for row in sorted(rows, key=_key):
        at = _key(row)[0]
        amount = int(row["amount"])
        if amount > 0:
            lots.append(RefLot(_key(row), when(row["expiration_date"]), amount))
            continue
        need = -amount
        for lot in lots:
            if lot.issued[0] <= at and (lot.expires is None or lot.expires > at):
                take = min(lot.left, need)
                lot.left -= take
                need -= take
    return [lot for lot in lots if lot.left > 0 and (lot.expires is None or lot.expires > now)]


def consumed_over(rows: list[dict[str, Any]], start: dt.datetime, end: dt.datetime) -> int:
    return -sum(
        int(r["amount"])
        for r in rows
        if r["payment_method"] == "credit_expense" and start <= _key(r)[0] <= end
    )


@dataclass
class Expected:
    runs_out: dt.datetime | None
    lost: list[tuple[dt.datetime, int]]  # (expiration, credits lost), in the order lost
    purchases: list[tuple[dt.datetime, int]]  # (buy by, credits)


def day_by_day(
    lots: list[RefLot],
    consumed: int,
    now: dt.datetime,
    until: dt.datetime | None = None,
    max_days: int = 20_000,
) -> Expected:
    """Burn ``lots`` a day at a time; with ``until``, every day short of credits until
    then is paid by a purchase made that day (a new one once the last one expires)."""
    lots = sorted(
        (RefLot(lot.issued, lot.expires, lot.left) for lot in lots), key=lambda x: x.issued
    )
    period_us = PERIOD // dt.timedelta(microseconds=1)
    charged = 0
    result = Expected(None, [], [])
    purchase: RefLot | None = None
    for day in range(1, max_days):
        moment = now + day * DAY
        if until is not None and moment > until:
            break
        for lot in lots:
            if lot.left and lot.expires is not None and lot.expires <= moment:
                result.lost.append((lot.expires, lot.left))
                lot.left = 0
        charge = day * consumed * DAY_US // period_us - charged
        charged += charge
        for lot in lots:
            take = min(lot.left, charge)
            lot.left -= take
            charge -= take
        if charge and result.runs_out is None:
            result.runs_out = moment
            if until is None:
                return result
        if charge and until is not None:
            if purchase is None or (purchase.expires is not None and purchase.expires <= moment):
                purchase = RefLot((moment, "", 0), moment + PURCHASE_VALIDITY_DAYS * DAY, 0)
                result.purchases.append((moment, 0))
            purchase.left += charge  # what this purchase must hold
            by, credits = result.purchases[-1]
            result.purchases[-1] = (by, credits + charge)
        if until is None and consumed == 0 and not any(lot.left for lot in lots):
            return result
    return result
