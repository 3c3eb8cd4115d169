"""The expiry-aware forecast (core/flows/forecast.py, ``CreditService.forecast``,
``aleph-tui usage --json``'s ``forecast``) against the seeded devnet over HTTP.

The expected numbers are computed independently (tests/support/forecast_reference.py):
the account's whole history (``pagination=0``) is replayed the way the node applies it
(every incoming row a lot; every outgoing row drained first-in first-out from the lots
valid at its time) to get the lots held now, then a plain day-by-day loop burns them at
the Usage period's rate: each day, lots whose expiration has come are lost, then the
day's charge is paid oldest lot first. The seeded accounts hold purchases that expire a
year after they were made and burn far less than they hold, so most of their credits
expire unused: the case the old ``balance / burn rate`` projection got wrong by years.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from aleph_tui.core.flows import forecast as forecast_core
from aleph_tui.core.formatting import iso_utc
from aleph_tui.core.service import CreditService
from aleph_tui.devnet import credit_issuer
from tests.support.credit_helpers import cli_env, run_main, seeded
from tests.support.devnet_process import RunningDevnet
from tests.support.forecast_reference import (
    DAY,
    PERIOD,
    PURCHASE_VALIDITY_DAYS,
    consumed_over,
    day_by_day,
    history_rows,
    replay,
    when,
)


def test_purchases_are_planned_with_the_credit_services_validity() -> None:
    """The plan assumes bought credits last as long as the credit service grants them."""
    assert forecast_core.PURCHASE_VALIDITY_DAYS == PURCHASE_VALIDITY_DAYS
    assert credit_issuer.PURCHASE_VALIDITY_S == PURCHASE_VALIDITY_DAYS * 86_400


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
        rows = history_rows(devnet.api_url, address)
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


async def test_forecast_says_what_to_buy_and_bywhen(
    devnet: RunningDevnet, service: CreditService, accounts: list[Any], now: dt.datetime
) -> None:
    """To keep paying to a date past the run-out: one purchase by the run-out day, of
    what the days from there need; past a purchase's own year, a second one. None when
    the date comes before the run-out."""
    address = seeded(accounts, 0).address
    rows = history_rows(devnet.api_url, address)
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
    rows = history_rows(devnet.api_url, address)
    probe = dt.datetime.now(dt.UTC)
    lots = replay(rows, probe)
    baseline = day_by_day(lots, consumed_over(rows, probe - PERIOD, probe), probe)
    assert baseline.runs_out is not None
    day = (baseline.runs_out + 40 * DAY).date().isoformat()
    base = ["usage", "--network", "devnet", "--address", address, "--until", day]
    outcomes = run_main(env, {"json": [*base, "--json"], "text": base})
    assert outcomes["json"].returncode == 0, outcomes["json"]
    forecast = json.loads(outcomes["json"].stdout)["forecast"]

    at = when(forecast["at"])
    assert at is not None
    start = when(json.loads(outcomes["json"].stdout)["from"])
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
