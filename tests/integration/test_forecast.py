"""The expiry-aware forecast (core/flows/forecast.py, ``CreditService.forecast``,
``aleph-tui usage --json``'s ``forecast``) against the seeded devnet over HTTP.

The expected numbers are computed here independently: the account's whole history
(``pagination=0``) is replayed the way the node applies it (every incoming row a lot;
every outgoing row drained first-in first-out from the lots valid at its time) to get
the lots held now, then a plain day-by-day loop burns them at the Usage period's rate:
each day, lots whose expiration has come are lost, then the day's charge is paid oldest
lot first. The seeded accounts hold purchases that expire a year after they were made
and burn far less than they hold, so most of their credits expire unused: the case the
old ``balance / burn rate`` projection got wrong by years.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from aleph_tui.core.flows.forecast import PURCHASE_VALIDITY_DAYS
from aleph_tui.core.formatting import iso_utc
from aleph_tui.core.service import CreditService
from tests.support.credit_helpers import cli_env, run_main, seeded
from tests.support.devnet_process import RunningDevnet

DAY = dt.timedelta(days=1)
PERIOD = 30 * DAY
DAY_US = DAY // dt.timedelta(microseconds=1)


@dataclass
class RefLot:
    issued: tuple[dt.datetime, str, int]
    expires: dt.datetime | None
    left: int


def _when(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _rows(api_url: str, address: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{api_url}/api/v0/addresses/{address}/credit_history",
        params={"pagination": "0"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["credit_history"]
    return rows


def _key(row: dict[str, Any]) -> tuple[dt.datetime, str, int]:
    at = _when(row["message_timestamp"])
    assert at is not None
    return (at, row["credit_ref"], int(row["credit_index"]))


def replay(rows: list[dict[str, Any]], now: dt.datetime) -> list[RefLot]:
    """The lots held at ``now``: the whole history applied in order, as the node did."""
    lots: list[RefLot] = []
    for row in sorted(rows, key=_key):
        at = _key(row)[0]
        amount = int(row["amount"])
        if amount > 0:
            lots.append(RefLot(_key(row), _when(row["expiration_date"]), amount))
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


@pytest.fixture(scope="module")
def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
async def service(devnet: RunningDevnet) -> AsyncIterator[CreditService]:
    svc = CreditService(devnet.api_url)
    yield svc
    await svc.aclose()


async def test_forecast_spends_oldest_first_and_loses_what_expires(
    devnet: RunningDevnet, service: CreditService, accounts: list[Any], now: dt.datetime
) -> None:
    """For each seeded account: the lots, the true run-out date and the credits that
    expire unused (per lot, and when) are those of the independent day-by-day replay;
    the run-out is months earlier than ``balance / burn rate`` says."""
    for index in range(3):
        address = seeded(accounts, index).address
        rows = _rows(devnet.api_url, address)
        lots = replay(rows, now)
        consumed = consumed_over(rows, now - PERIOD, now)
        expected = day_by_day(lots, consumed, now)

        outlook = await service.forecast(address, start=now - PERIOD, end=now, now=now)

        assert outlook.lots_match
        assert outlook.balance == sum(lot.left for lot in lots)
        assert [(f.lot.expiration, f.lot.remaining) for f in outlook.fates] == [
            (lot.expires, lot.left) for lot in lots
        ]
        assert outlook.consumed == consumed > 0
        assert outlook.runs_out == expected.runs_out
        assert [(f.lost_at, f.lost) for f in outlook.expiring_unused] == sorted(expected.lost)
        assert outlook.lost == sum(c for _, c in expected.lost) > 0
        # Every credit held is either spent before the run-out or lost.
        assert sum(f.spent for f in outlook.fates) + outlook.lost == outlook.balance
        naive = outlook.naive_runs_out
        assert expected.runs_out is not None and naive is not None
        assert naive - expected.runs_out > 180 * DAY, (naive, expected.runs_out)


async def test_forecast_says_what_to_buy_and_by_when(
    devnet: RunningDevnet, service: CreditService, accounts: list[Any], now: dt.datetime
) -> None:
    """To keep paying to a date past the run-out: one purchase by the run-out day, of
    what the days from there need; past a purchase's own year, a second one. None when
    the date comes before the run-out."""
    address = seeded(accounts, 0).address
    rows = _rows(devnet.api_url, address)
    lots = replay(rows, now)
    consumed = consumed_over(rows, now - PERIOD, now)
    baseline = day_by_day(lots, consumed, now)
    assert baseline.runs_out is not None
    for until, count in (
        (baseline.runs_out - 2 * DAY, 0),
        (baseline.runs_out + 100 * DAY, 1),
        (baseline.runs_out + 500 * DAY, 2),
    ):
        expected = day_by_day(lots, consumed, now, until)
        outlook = await service.forecast(address, start=now - PERIOD, end=now, now=now, until=until)
        assert [(p.by, p.credits) for p in outlook.plan] == expected.purchases
        assert len(outlook.plan) == count
        if count:
            assert outlook.buy_by == baseline.runs_out
            assert outlook.to_buy == sum(c for _, c in expected.purchases) > 0


def test_usage_json_carries_the_forecast(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    """``usage --json --until`` prints the forecast object with the same figures as the
    replay; the text output names the true run-out and the expiring credits."""
    address = seeded(accounts, 1).address
    env = cli_env(devnet.api_url, tmp_path)
    rows = _rows(devnet.api_url, address)
    probe = dt.datetime.now(dt.UTC)
    lots = replay(rows, probe)
    baseline = day_by_day(lots, consumed_over(rows, probe - PERIOD, probe), probe)
    assert baseline.runs_out is not None
    day = (baseline.runs_out + 40 * DAY).date().isoformat()
    base = ["usage", "--network", "devnet", "--address", address, "--until", day]
    outcomes = run_main(env, {"json": [*base, "--json"], "text": base})
    assert outcomes["json"].returncode == 0, outcomes["json"]
    forecast = json.loads(outcomes["json"].stdout)["forecast"]

    at = _when(forecast["at"])
    assert at is not None
    start = _when(json.loads(outcomes["json"].stdout)["from"])
    assert start is not None and at - start == PERIOD
    lots = replay(rows, at)
    until = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.max, tzinfo=dt.UTC)
    expected = day_by_day(lots, consumed_over(rows, start, at), at)
    planned = day_by_day(lots, consumed_over(rows, start, at), at, until)
    assert forecast["runs_out"] == iso_utc(expected.runs_out)
    assert forecast["balance"] == sum(lot.left for lot in lots)
    assert [(e["expires"], e["credits"]) for e in forecast["expiring_unused"]] == [
        (iso_utc(when), credits) for when, credits in sorted(expected.lost)
    ]
    assert forecast["expiring_unused_total"] == sum(c for _, c in expected.lost)
    assert forecast["until"] == iso_utc(until)
    assert [(p["by"], p["credits"]) for p in forecast["purchases"]] == [
        (iso_utc(by), credits) for by, credits in planned.purchases
    ]
    assert forecast["buy"]["credits"] == planned.purchases[0][1]
    assert forecast["lots_match"] is True

    text = outcomes["text"].stdout
    assert outcomes["text"].returncode == 0, outcomes["text"]
    assert "Truly runs out" in text and "Expiring unused" in text and "buy " in text


def test_usage_until_in_the_past_is_bad_input(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    env = cli_env(devnet.api_url, tmp_path)
    address = seeded(accounts, 0).address
    base = ["usage", "--network", "devnet", "--address", address, "--until"]
    outcomes = run_main(env, {"past": [*base, "2020-01-01"], "bad": [*base, "2026-13-40"]})
    for outcome in outcomes.values():
        assert outcome.returncode == 2, outcome
        assert outcome.stdout == ""
        assert "--until" in outcome.stderr and "Traceback" not in outcome.stderr
