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

import httpx
import pytest

from aleph_tui.core.aleph.api_client import AlephApi
from aleph_tui.core.aleph.messages import CREDIT_DISTRIBUTION, build_post_message
from aleph_tui.core.flows import forecast as forecast_core
from aleph_tui.core.flows import usage
from aleph_tui.core.formatting import iso_utc, utc_minute
from aleph_tui.core.service import CreditService
from aleph_tui.devnet import credit_issuer
from aleph_tui.devnet.operators import CREDIT_SIGNER
from aleph_tui.devnet.processor import MAINNET_CREDIT_OWNER
from tests.support.credit_helpers import cli_env, fresh_key, run_main, seeded
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
from tests.support.resource_helpers import expense_bill, post_expense


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
    # Far enough for several purchases (each lot expires, so more than one is needed).
    day = (baseline.runs_out + 800 * DAY).date().isoformat()
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
    assert forecast["buy"]["credits"] == sum(c for _, c in planned.purchases)
    assert forecast["lots_match"] is True

    text = outcomes["text"].stdout
    assert outcomes["text"].returncode == 0, outcomes["text"]
    assert "Truly runs out" in text and "Expiring unused" in text and "buy " in text
    # One line for the purchases, however many: the first, then the count and the sum.
    (buy,) = [line for line in text.splitlines() if line.startswith("To run through")]
    first = planned.purchases[0]
    assert f"buy {first[1]:,} (" in buy and f"by {utc_minute(first[0])} UTC" in buy, buy
    total = sum(c for _, c in planned.purchases)
    assert len(planned.purchases) > 1
    assert f", {len(planned.purchases)} purchases in all, {total:,} credits ($" in buy, buy
    # The expiring credits' table groups its figures, as every other figure is.
    table = text.split("Expiring unused", 1)[1].split("To run through", 1)[0]
    for _when, credits in expected.lost:
        assert f" {credits:,} " in table, table
        assert credits < 1000 or f" {credits} " not in table, table


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


def _distribute(api_url: str, address: str, lots: list[tuple[int, dt.datetime | None]]) -> None:
    """One distribution per lot, in order (so issued in that order), as the credit
    service posts them."""
    for lot in lots:
        _distribute_many(api_url, address, [lot])


def _distribute_many(
    api_url: str, address: str, lots: list[tuple[int, dt.datetime | None]]
) -> None:
    """One distribution of ``lots`` (issued at the same instant, in this order)."""
    entries: list[dict[str, Any]] = []
    for amount, expires in lots:
        entry: dict[str, Any] = {
            "address": address,
            "amount": amount,
            "price": "1",
            "tx_hash": "0x" + "ab" * 32,
            "provider": "ALEPH",
            "payment_method": "token_transfer",
        }
        if expires is not None:
            entry["expiration"] = int(expires.timestamp() * 1000)
        entries.append(entry)
    message = build_post_message(
        CREDIT_SIGNER.private_key,
        CREDIT_SIGNER.address,
        CREDIT_DISTRIBUTION,
        {"distribution": {"credits": entries, "token": "USDC", "chain": "ETH"}},
        address=MAINNET_CREDIT_OWNER,
    )
    response = httpx.post(
        f"{api_url}/api/v0/messages", json={"sync": True, "message": message}, timeout=30
    )
    assert response.status_code == 200, response.text


async def test_forecast_of_lots_that_never_expire_and_of_an_idle_account(
    devnet: RunningDevnet, service: CreditService
) -> None:
    """A fresh account: 5M credits expiring in 10 days, then 2M in 40 days, then 1M that
    never expire, and 3M spent over the period. The oldest lot is partly lost, the
    others are spent, and the balance runs out on the day the independent replay says;
    an account that spends nothing never runs out and loses only what expires."""
    start = dt.datetime.now(dt.UTC)
    busy, idle = fresh_key().address, fresh_key().address
    _distribute(
        devnet.api_url, busy, [(5_000_000, start + 10 * DAY), (2_000_000, start + 40 * DAY)]
    )
    _distribute(devnet.api_url, busy, [(1_000_000, None)])
    post_expense(devnet.api_url, [expense_bill(busy, 3_000_000, "", "")])
    _distribute(devnet.api_url, idle, [(4_000_000, start + 5 * DAY), (6_000_000, None)])
    now = dt.datetime.now(dt.UTC)

    rows = history_rows(devnet.api_url, busy)
    lots = replay(rows, now)
    assert [lot.left for lot in lots] == [2_000_000, 2_000_000, 1_000_000]
    expected = day_by_day(lots, consumed_over(rows, now - PERIOD, now), now)
    outlook = await service.forecast(busy, start=now - PERIOD, end=now, now=now)
    assert outlook.runs_out == expected.runs_out
    assert expected.runs_out is not None and 39 * DAY < expected.runs_out - now <= 40 * DAY
    assert [(f.lost_at, f.lost) for f in outlook.expiring_unused] == expected.lost
    assert [lost for _, lost in expected.lost] == [1_100_000]
    assert [(f.lot.expiration, f.spent, f.lost) for f in outlook.fates] == [
        (lots[0].expires, 900_000, 1_100_000),
        (lots[1].expires, 2_000_000, 0),
        (None, 1_000_000, 0),
    ]
    until = now + 100 * DAY
    planned = day_by_day(lots, consumed_over(rows, now - PERIOD, now), now, until)
    outlook = await service.forecast(busy, start=now - PERIOD, end=now, now=now, until=until)
    assert [(p.by, p.credits) for p in outlook.plan] == planned.purchases
    assert outlook.to_buy == 6_100_000  # steps 40 to 100 at 100,000 a day

    rows = history_rows(devnet.api_url, idle)
    expected = day_by_day(replay(rows, now), 0, now, max_days=30)
    outlook = await service.forecast(idle, start=now - PERIOD, end=now, now=now)
    assert outlook.consumed == 0 and outlook.runs_out is None is expected.runs_out
    assert [(f.lost_at, f.lost) for f in outlook.expiring_unused] == expected.lost
    assert [lost for _, lost in expected.lost] == [4_000_000]
    assert outlook.balance == 10_000_000 and outlook.lots_match


async def test_lots_are_read_newest_first_only_as_far_as_the_balance_goes(
    devnet: RunningDevnet,
) -> None:
    """600 lots in four distributions of 150 (the lots of one distribution are issued at
    the same instant), then most spent: the older 300 are empty, so of the three pages of
    incoming rows only two are read (the second because rows of the instant that makes
    up the balance continue on it), and the lots are those of the independent replay."""
    start = dt.datetime.now(dt.UTC)
    address = fresh_key().address
    for batch in range(4):
        entries: list[tuple[int, dt.datetime | None]] = [
            (10_000 + i, start + (20 + (i * 7 + batch) % 50) * DAY) for i in range(150)
        ]
        _distribute_many(devnet.api_url, address, entries)
    # 6,044,700 issued: 1.8M stay, held by the newest distribution and the next one's
    # newest lots, whose rows begin on page 1 and continue on page 2.
    post_expense(devnet.api_url, [expense_bill(address, 4_244_700, "", "")])
    now = dt.datetime.now(dt.UTC)

    pages: list[str] = []

    async def note(request: httpx.Request) -> None:
        if request.url.path.endswith("/credit_history"):
            pages.append(request.url.params["page"])

    api = AlephApi(devnet.api_url, httpx.AsyncClient(event_hooks={"request": [note]}))
    try:
        outlook = await forecast_core.forecast(api, address, usage.period(now=now), at=now)
    finally:
        await api.aclose()
    rows = history_rows(devnet.api_url, address)
    lots = replay(rows, now)
    assert len([r for r in rows if int(r["amount"]) > 0]) == 600
    assert sorted(pages) == ["1", "2"]
    assert outlook.lots_match
    assert [(f.lot.expiration, f.lot.remaining) for f in outlook.fates] == [
        (lot.expires, lot.left) for lot in lots
    ]
    assert outlook.balance == sum(lot.left for lot in lots) == 1_800_000
    expected = day_by_day(lots, consumed_over(rows, now - PERIOD, now), now)
    assert outlook.runs_out == expected.runs_out
    assert [(f.lost_at, f.lost) for f in outlook.expiring_unused] == sorted(expected.lost)
