"""Usage (core/flows/usage.py, the facade's usage section, ``aleph-tui usage``) against the
devnet over HTTP.

Every expected number is computed here, independently, from the raw rows of the
account's whole history (``pagination=0`` returns them all), the summary endpoint, the
balance endpoint and ``GET /api/v0/messages/{hash}``. Periods end at an instant taken
when the test starts, so rows other tests add later never fall inside them. Reads use
seeded accounts 0–2; nothing here writes to the devnet.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from aleph_tui.core.aleph.api_client import AlephApi
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.flows import usage as usage_core
from aleph_tui.core.flows.thresholds import Threshold, ThresholdError, ThresholdStore
from aleph_tui.core.service import CreditService
from aleph_tui.core.validation import InvalidInput
from tests.support.credit_helpers import Outcome, cli_env, fresh_key, run_main, seeded
from tests.support.devnet_process import RunningDevnet
from tests.support.resource_helpers import expense_bill, post_expense

DAY = dt.timedelta(days=1)
USAGE_KEYS = {
    "network",
    "address",
    "from",
    "to",
    "days",
    "group_by",
    "groups",
    "total",
    "total_usd",
    "consumed",
    "consumed_usd",
    "entries",
    "flow",
    "burn",
    "threshold",
    "forecast",
}


# --- independent reference values ---------------------------------------------------------


def _rows(api_url: str, address: str) -> list[dict[str, Any]]:
    """Every history row of ``address``, straight from the node (pagination=0: all)."""
    response = httpx.get(
        f"{api_url}/api/v0/addresses/{address}/credit_history",
        params={"pagination": "0"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["credit_history"]
    return rows


def _at(row: dict[str, Any]) -> dt.datetime:
    moment = dt.datetime.fromisoformat(row["message_timestamp"])
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _within(rows: list[dict[str, Any]], start: dt.datetime, end: dt.datetime) -> list[Any]:
    return [r for r in rows if start <= _at(r) <= end]


def _outgoing(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if int(r["amount"]) < 0]


def _summary(api_url: str, address: str, **params: str) -> dict[str, Any]:
    response = httpx.get(
        f"{api_url}/api/v0/addresses/{address}/credit_history/summary", params=params, timeout=10
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _balance(api_url: str, address: str) -> int:
    response = httpx.get(f"{api_url}/api/v0/addresses/{address}/balance", timeout=10)
    response.raise_for_status()
    return int(response.json()["credit_balance"])


def _message_type(api_url: str, item_hash: str) -> str:
    response = httpx.get(f"{api_url}/api/v0/messages/{item_hash}", timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["message"]["type"])


def _seconds(moment: dt.datetime) -> str:
    return str(moment.timestamp())


def _dead_url() -> str:
    """A local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def addresses(accounts: list[Any]) -> list[str]:
    return [seeded(accounts, i).address for i in range(3)]


@pytest.fixture(scope="module")
def now() -> dt.datetime:
    """The end of every period of this module: rows written later fall outside."""
    return dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
async def service(devnet: RunningDevnet) -> AsyncIterator[CreditService]:
    svc = CreditService(devnet.api_url)
    yield svc
    await svc.aclose()


# --- grouped usage ------------------------------------------------------------------------


async def test_usage_by_resource_matches_the_raw_rows(
    devnet: RunningDevnet, service: CreditService, addresses: list[str], now: dt.datetime
) -> None:
    """The last 30 days of each seeded account, grouped by resource and labelled with
    the resource's message type, add up to what the node holds."""
    start = now - 30 * DAY
    for address in addresses:
        rows = _outgoing(_within(_rows(devnet.api_url, address), start, now))
        expected: dict[str, int] = defaultdict(int)
        counts: Counter[str] = Counter()
        for row in rows:
            key = row["origin_ref"] or row["origin"]
            expected[key] -= int(row["amount"])
            counts[key] += 1

        report = await service.usage(address, group_by="resource", start=start, end=now)

        assert report.address == address
        assert (report.period.start, report.period.end) == (start, now)
        assert {g.key: g.credits for g in report.groups} == expected
        assert {g.key: g.entries for g in report.groups} == counts
        assert report.total == sum(expected.values()) == sum(g.credits for g in report.groups)
        assert report.entries == len(rows)
        expenses = [r for r in rows if r["payment_method"] == "credit_expense"]
        assert report.consumed == -sum(int(r["amount"]) for r in expenses)
        assert [g.credits for g in report.groups] == sorted(
            (g.credits for g in report.groups), reverse=True
        )
        summary = _summary(
            devnet.api_url,
            address,
            direction="outgoing",
            startDate=_seconds(start),
            endDate=_seconds(now),
        )
        assert report.total == -summary["total_outgoing"]
        assert report.entries == summary["entry_count"]
        for group in report.groups:
            if group.key in {r["origin_ref"] for r in expenses}:
                assert group.kind == _message_type(devnet.api_url, group.key)
            else:
                assert group.kind == "credit_transfer"
    # The seed bills INSTANCE+STORE, PROGRAM+STORE and INSTANCE+PROGRAM resources.
    kinds = [
        {g.kind for g in (await service.usage(a, start=start, end=now)).groups if g.kind}
        - {"credit_transfer"}
        for a in addresses
    ]
    assert kinds == [{"INSTANCE", "STORE"}, {"PROGRAM", "STORE"}, {"INSTANCE", "PROGRAM"}]


async def test_every_grouping_sums_to_the_total_over_a_long_paged_period(
    devnet: RunningDevnet, service: CreditService, addresses: list[str], now: dt.datetime
) -> None:
    """400 days: more than 200 outgoing rows, so the report reads several pages; by day,
    every day of the period is present and matches the rows of that UTC day."""
    address = addresses[2]
    start = now - 400 * DAY
    rows = _outgoing(_within(_rows(devnet.api_url, address), start, now))
    assert len(rows) > usage_core.USAGE_PAGE_SIZE
    total = -sum(int(r["amount"]) for r in rows)
    by_day: dict[str, int] = defaultdict(int)
    by_method: dict[str, int] = defaultdict(int)
    for row in rows:
        by_day[_at(row).astimezone(dt.UTC).date().isoformat()] -= int(row["amount"])
        by_method[row["payment_method"]] -= int(row["amount"])

    reports = {
        group_by: await service.usage(address, group_by=group_by, start=start, end=now)
        for group_by in usage_core.GROUPINGS
    }
    for group_by, report in reports.items():
        assert report.group_by == group_by
        assert report.total == total == sum(g.credits for g in report.groups), group_by
        assert report.entries == len(rows) == sum(g.entries for g in report.groups), group_by

    days = reports["day"].groups
    assert [g.key for g in days] == [
        (start.date() + n * DAY).isoformat() for n in range((now.date() - start.date()).days + 1)
    ]
    assert {g.key: g.credits for g in days if g.credits} == by_day
    assert {g.key: g.credits for g in reports["method"].groups} == by_method
    assert set(by_method) == {"credit_expense", "credit_transfer"}


async def test_the_report_never_reads_past_its_period(
    devnet: RunningDevnet, addresses: list[str], now: dt.datetime
) -> None:
    """The rows are bounded by the period, and a period holding more rows than the
    report's limit is refused with a plain sentence instead of being loaded."""
    api = AlephApi(devnet.api_url)
    try:
        span = usage_core.Period(now - 3 * DAY, now)
        entries = await usage_core.outgoing_entries(api, addresses[0], span)
        assert entries and all(span.start <= e.timestamp <= span.end for e in entries)
        assert all(e.amount < 0 for e in entries)
        with pytest.raises(usage_core.UsageTooLarge, match="choose a shorter period"):
            await usage_core.outgoing_entries(api, addresses[0], span, max_rows=2)
    finally:
        await api.aclose()


def test_grouping_and_period_rules() -> None:
    end = dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC)
    default = usage_core.period(now=end)
    assert (default.start, default.end, default.days) == (end - 30 * DAY, end, Decimal(30))
    assert usage_core.period(end=end, days=7).start == end - 7 * DAY
    assert usage_core.Period(end, end + DAY / 2).days == Decimal("0.5")
    with pytest.raises(InvalidInput, match="before the start"):
        usage_core.Period(end, end - DAY)
    with pytest.raises(ValueError, match="timezone"):
        usage_core.Period(end.replace(tzinfo=None), end.replace(tzinfo=None))
    # Incoming rows never count; days without outgoing credits are zero.
    assert usage_core.group_usage([], "day", span=usage_core.Period(end - DAY, end)) == (
        usage_core.UsageGroup("2026-05-09", 0, 0),
        usage_core.UsageGroup("2026-05-10", 0, 0),
    )


# --- consumed against purchased -----------------------------------------------------------


async def test_flow_sets_consumption_against_purchases_with_transfers_apart(
    devnet: RunningDevnet, service: CreditService, addresses: list[str], now: dt.datetime
) -> None:
    start = now - 365 * DAY
    for address in addresses:
        rows = _within(_rows(devnet.api_url, address), start, now)

        def total(method: str | None, sign: int, rows: list[Any] = rows) -> int:
            return sum(
                abs(int(r["amount"]))
                for r in rows
                if (method is None or r["payment_method"] == method) and int(r["amount"]) * sign > 0
            )

        flow = await service.usage_flow(address, start=start, end=now)

        assert flow.consumed == total("credit_expense", -1)
        assert flow.transferred_in == total("credit_transfer", 1)
        assert flow.transferred_out == total("credit_transfer", -1)
        assert flow.purchased == total(None, 1) - flow.transferred_in
        purchases = [
            r for r in rows if int(r["amount"]) > 0 and r["payment_method"] != "credit_transfer"
        ]
        assert flow.purchased == sum(int(r["amount"]) for r in purchases) > 0
        assert {"token_transfer", "grant"} <= {r["payment_method"] for r in purchases}
        other = [
            r
            for r in rows
            if int(r["amount"]) < 0
            and r["payment_method"] not in ("credit_expense", "credit_transfer")
        ]
        assert flow.other_out == -sum(int(r["amount"]) for r in other)
        summary = _summary(
            devnet.api_url, address, startDate=_seconds(start), endDate=_seconds(now)
        )
        assert flow.net == summary["total_amount"] == sum(int(r["amount"]) for r in rows)
    # Seeded transfers: 0→1 200 days ago, 1→2 100 days ago, 2→0 20 days ago.
    flows = [await service.usage_flow(a, start=start, end=now) for a in addresses]
    assert [f.transferred_out > 0 for f in flows] == [True, True, True]
    assert [f.transferred_in > 0 for f in flows] == [True, True, True]


# --- burn rate and projection -------------------------------------------------------------


def test_burn_rate_and_projection_math() -> None:
    at = dt.datetime(2026, 5, 10, tzinfo=dt.UTC)
    span = usage_core.Period(at - 30 * DAY, at)
    rate = usage_core.burn_rate("0xA", span, consumed=300, balance=1000, at=at)
    assert rate.per_day == 10 and rate.days_left == 100
    assert rate.runs_out == at + 100 * DAY
    assert rate.per_day_usd == Decimal("0.00001")

    odd = usage_core.burn_rate("0xA", span, consumed=7, balance=5, at=at)
    assert odd.per_day == Decimal(7) / 30
    assert odd.runs_out == at + dt.timedelta(microseconds=5 * 30 * 86_400_000_000 // 7)

    idle = usage_core.burn_rate("0xA", span, consumed=0, balance=1000, at=at)
    assert (idle.per_day, idle.days_left, idle.runs_out) == (Decimal(0), None, None)
    empty = usage_core.burn_rate("0xA", span, consumed=30, balance=0, at=at)
    assert (empty.days_left, empty.runs_out) == (Decimal(0), at)
    far = usage_core.burn_rate("0xA", span, consumed=1, balance=10**18, at=at)
    assert far.runs_out is None and far.days_left == Decimal(30 * 10**18)
    with pytest.raises(InvalidInput):
        usage_core.burn_rate("0xA", usage_core.Period(at, at), consumed=1, balance=1, at=at)


async def test_burn_rate_of_a_seeded_account(
    devnet: RunningDevnet, service: CreditService, addresses: list[str], now: dt.datetime
) -> None:
    address = addresses[1]
    start = now - 30 * DAY
    rows = _within(_rows(devnet.api_url, address), start, now)
    consumed = -sum(int(r["amount"]) for r in rows if r["payment_method"] == "credit_expense")
    assert consumed > 0

    rate = await service.burn_rate(address, start=start, end=now)

    assert rate.consumed == consumed
    assert rate.balance == _balance(devnet.api_url, address)
    assert rate.per_day == Decimal(consumed) / 30
    assert rate.days_left is not None and rate.runs_out is not None
    assert abs(rate.days_left - Decimal(rate.balance) * 30 / consumed) < Decimal("1e-15")
    # balance / (consumed / 30 days), to the microsecond
    left = dt.timedelta(microseconds=rate.balance * 30 * 86_400_000_000 // consumed)
    assert rate.runs_out == rate.at + left
    assert rate.at - now < dt.timedelta(minutes=5)


# --- low-balance thresholds ---------------------------------------------------------------


async def test_thresholds_persist_per_account_and_cross(
    devnet: RunningDevnet,
    service: CreditService,
    addresses: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = tmp_path / "aleph-tui" / "thresholds.toml"
    first, second = addresses[0], addresses[1]
    assert service.low_balance_threshold(first) is None and not path.exists()

    stored = service.set_low_balance_threshold(first.lower(), "5_000_000")
    assert stored == Threshold(first, 5_000_000)
    service.set_low_balance_threshold(second, 42)
    assert path.exists()
    # Another store (the dashboard, a command) reads the same file.
    assert ThresholdStore().get(first.upper().replace("0X", "0x")) == Threshold(first, 5_000_000)
    assert service.low_balance_thresholds() == {first: 5_000_000, second: 42}
    text = path.read_text()
    path.write_text("# mine\n" + text + "\n[other]\nkept = true\n")
    service.set_low_balance_threshold(first, 7)
    assert "# mine" in path.read_text() and "kept = true" in path.read_text()
    assert service.low_balance_threshold(first) == Threshold(first, 7)
    assert service.set_low_balance_threshold(first, None) is None
    assert service.low_balance_threshold(first) is None
    assert service.low_balance_threshold(second) == Threshold(second, 42)

    for bad in ("0", "-5", "1.5", "lots"):
        with pytest.raises(InvalidInput):
            service.set_low_balance_threshold(first, bad)
    with pytest.raises(InvalidInput):
        service.set_low_balance_threshold("0x1234", 10)

    balance = _balance(devnet.api_url, first)
    threshold = service.set_low_balance_threshold(first, balance + 1)
    assert threshold is not None
    assert threshold.is_low(balance) and threshold.crossed(balance)
    assert threshold.crossed(balance, previous=balance + 1)  # it just went below
    assert not threshold.crossed(balance, previous=balance)  # already below: warned once
    above = Threshold(first, balance)
    assert not above.is_low(balance) and not above.crossed(balance, previous=balance + 10)

    path.write_text("[thresholds\n")
    with pytest.raises(ThresholdError) as broken:
        service.low_balance_threshold(first)
    assert isinstance(broken.value, ServiceError) and "not valid TOML" in str(broken.value)


# --- the unavailable path -----------------------------------------------------------------


async def test_an_unreachable_node_is_an_error_never_zeros(addresses: list[str]) -> None:
    dead = CreditService(_dead_url())
    try:
        calls = (dead.usage, dead.usage_flow, dead.burn_rate)
        results = await asyncio.gather(
            *(call(addresses[0]) for call in calls), return_exceptions=True
        )
    finally:
        await dead.aclose()
    for result in results:
        assert isinstance(result, ServiceError), result
        message = str(result)
        assert "cannot reach" in message and len(message.splitlines()) == 1


# --- the command --------------------------------------------------------------------------


def _main(env: dict[str, str], *args: str) -> Outcome:
    return run_main(env, {"command": list(args)})["command"]


def _one_line_error(outcome: Outcome, code: int, *needles: str) -> None:
    assert outcome.returncode == code, outcome
    assert outcome.stdout == ""
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in outcome.stderr, outcome.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_usage_command_json(
    devnet: RunningDevnet, tmp_path: Path, addresses: list[str], now: dt.datetime
) -> None:
    env = cli_env(devnet.api_url, tmp_path)
    address = addresses[2]
    start, end = (now - 60 * DAY).isoformat(), now.isoformat()
    base = ["usage", "--network", "devnet", "--address", address, "--from", start, "--to", end]
    outcomes = run_main(
        env,
        {
            "set": ["usage", "threshold", "--address", address, "10", "--json"],
            "resource": [*base, "--json"],
            "day": [*base, "--group-by", "day", "--json"],
            "text": [*base, "--group-by", "method"],
            "show": ["usage", "threshold", "--address", address, "--json"],
            "clear": ["usage", "threshold", "--address", address, "--clear", "--json"],
        },
    )
    for name, outcome in outcomes.items():
        assert outcome.returncode == 0, (name, outcome)

    rows = _within(_rows(devnet.api_url, address), now - 60 * DAY, now)
    outgoing = -sum(int(r["amount"]) for r in rows if int(r["amount"]) < 0)
    for name in ("resource", "day"):
        data = json.loads(outcomes[name].stdout)
        assert set(data) == USAGE_KEYS
        assert (data["network"], data["address"], data["group_by"]) == ("devnet", address, name)
        assert data["from"] == (now - 60 * DAY).isoformat().replace("+00:00", "Z")
        assert data["days"] == "60"
        assert data["total"] == outgoing == sum(g["credits"] for g in data["groups"])
        assert all(
            set(g) == {"key", "kind", "credits", "usd", "entries"} and type(g["credits"]) is int
            for g in data["groups"]
        )
        assert Decimal(data["total_usd"]) * 1_000_000 == outgoing
        assert set(data["flow"]) == {
            "consumed",
            "purchased",
            "transferred_in",
            "transferred_out",
            "other_outgoing",
            "net",
        }
        assert data["flow"]["net"] == sum(int(r["amount"]) for r in rows)
        burn = data["burn"]
        assert type(burn["balance"]) is int and isinstance(burn["per_day"], str)
        per_day = (Decimal(data["consumed"]) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert Decimal(burn["per_day"]) == per_day
        assert burn["runs_out"].endswith("Z") and Decimal(burn["days_left"]) > 0
        assert data["threshold"] == {"credits": 10, "low": False}
    assert len(json.loads(outcomes["day"].stdout)["groups"]) == 61
    text = outcomes["text"].stdout
    assert "credit_expense" in text and "Burn rate" in text and "Runs out" in text

    assert json.loads(outcomes["set"].stdout)["threshold"] == 10
    shown = json.loads(outcomes["show"].stdout)
    assert shown == {
        "address": address,
        "threshold": 10,
        "file": str(tmp_path / "config" / "aleph-tui" / "thresholds.toml"),
    }
    assert json.loads(outcomes["clear"].stdout)["threshold"] is None


def test_usage_command_bad_input_is_one_line(
    devnet: RunningDevnet, tmp_path: Path, addresses: list[str]
) -> None:
    env = cli_env(devnet.api_url, tmp_path)
    address = addresses[0]
    common = ["usage", "--network", "devnet", "--address", address]
    outcomes = run_main(
        env,
        {
            "group": [*common, "--group-by", "week"],
            "from": [*common, "--from", "2026-13-01"],
            "order": [*common, "--from", "2026-05-02", "--to", "2026-05-01"],
            "future": [*common, "--from", "2999-01-01"],
            "address": ["usage", "--network", "devnet", "--address", "0x1234"],
            "threshold": ["usage", "threshold", "--address", address, "1.5"],
            "dead": [
                "usage",
                "--network",
                "mainnet",
                "--api-url",
                _dead_url(),
                "--address",
                address,
                "--json",
            ],
        },
    )
    _one_line_error(outcomes["group"], 2, "--group-by", "resource, day, method")
    _one_line_error(outcomes["from"], 2, "--from", "not a date")
    _one_line_error(outcomes["order"], 2, "--to", "before")
    # --to was not given: the option to change is --from.
    _one_line_error(outcomes["future"], 2, "--from: must not be after --to (default: now)")
    _one_line_error(outcomes["address"], 2, "--address")
    _one_line_error(outcomes["threshold"], 2, "CREDITS", "whole")
    _one_line_error(outcomes["dead"], 1, "cannot reach")


async def test_a_resource_that_is_no_message_hash_is_looked_up_once(
    devnet: RunningDevnet,
) -> None:
    """An expense billed to a ref that is no message hash: the node answers its lookup
    with a 400 (as pyaleph does), which is as final as a 404. The resource stays
    unlabelled, and the next refresh of the report does not ask again."""
    address = fresh_key().address
    post_expense(devnet.api_url, [expense_bill(address, 2201, "", "not-a-hash")])
    asked: list[str] = []

    async def note(request: httpx.Request) -> None:
        if "/api/v0/messages/" in request.url.path:
            asked.append(request.url.path)

    api = AlephApi(devnet.api_url, httpx.AsyncClient(event_hooks={"request": [note]}))
    try:
        assert await api.message_type("not-a-hash") is None  # a 400, not an error
        asked.clear()
        types = usage_core.ResourceTypes()
        span = usage_core.period()
        for _ in range(2):  # the first report and a refresh
            report = await usage_core.usage_report(api, address, span, types=types)
            assert [(g.key, g.kind, g.credits) for g in report.groups] == [
                ("not-a-hash", None, 2201)
            ]
        assert asked == ["/api/v0/messages/not-a-hash"]
    finally:
        await api.aclose()
