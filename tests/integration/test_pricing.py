"""Pricing (core/flows/pricing.py, the facade's pricing section, ``aleph-tui pricing``) against
the devnet over HTTP.

Expected tables are computed here from the aggregate JSON fetched directly
(``GET /api/v0/aggregates/{owner}.json?keys=pricing``), read with exact decimals. The
estimator's arithmetic is checked with fractions: exact, and linear in units and hours.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aleph_tui.core.aleph.api_client import PRICING_OWNER, AlephApi
from aleph_tui.core.aleph.pricing_models import Pricing
from aleph_tui.core.flows import pricing as pricing_core
from aleph_tui.core.service import CreditService
from aleph_tui.core.validation import InvalidInput
from tests.support.credit_helpers import ROOT, Outcome, cli_env, run_main
from tests.support.devnet_process import RunningDevnet

MILLION = 1_000_000
ENTITY_KEYS = {"entity", "compute_unit", "storage", "fixed", "tiers"}
TIER_KEYS = {
    "id",
    "compute_units",
    "vcpus",
    "memory_mib",
    "disk_mib",
    "vram",
    "model",
    "credits_per_hour",
    "usd_per_hour",
}
ESTIMATE_KEYS = {"network", "entity", "units", "hours", "credits_per_hour", "credits", "usd"}


def _aggregate(api_url: str) -> dict[str, Any]:
    response = httpx.get(
        f"{api_url}/api/v0/aggregates/{PRICING_OWNER}.json", params={"keys": "pricing"}, timeout=10
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = json.loads(response.text, parse_float=Decimal)["data"]["pricing"]
    return data


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _expected(name: str, raw: dict[str, Any]) -> dict[str, Any]:
    """One entity's table as JSON, computed from the raw aggregate with fractions."""
    price = raw.get("price", {})
    spec = raw.get("compute_unit")
    cu = price.get("compute_unit", {}).get("credit")
    storage = price.get("storage", {}).get("credit")

    def text(value: Fraction | None) -> Decimal | None:
        if value is None:
            return None
        # every value here is a finite decimal: denominators are products of 2 and 5
        out = Decimal(value.numerator) / Decimal(value.denominator)
        assert Fraction(out) == value
        return out

    cu_f = None if cu is None else Fraction(_dec(cu))
    gib_day = None if storage is None else Fraction(_dec(storage)) * 1024 * 24
    return {
        "entity": name,
        "compute_unit": None
        if cu_f is None
        else {
            "credits_per_hour": text(cu_f),
            "usd_per_hour": text(cu_f / MILLION),
            "vcpus": spec["vcpus"] if spec else None,
            "memory_mib": spec["memory_mib"] if spec else None,
            "disk_mib": spec["disk_mib"] if spec else None,
        },
        "storage": None
        if gib_day is None
        else {"credits_per_gib_day": text(gib_day), "usd_per_gib_day": text(gib_day / MILLION)},
        "fixed": None if price.get("fixed") is None else _dec(price["fixed"]),
        "tiers": [
            {
                "id": tier["id"],
                "compute_units": tier["compute_units"],
                "vcpus": spec["vcpus"] * tier["compute_units"] if spec else None,
                "memory_mib": spec["memory_mib"] * tier["compute_units"] if spec else None,
                "disk_mib": spec["disk_mib"] * tier["compute_units"] if spec else None,
                "vram": tier.get("vram"),
                "model": tier.get("model"),
                "credits_per_hour": None if cu_f is None else text(cu_f * tier["compute_units"]),
                "usd_per_hour": None
                if cu_f is None
                else text(cu_f * tier["compute_units"] / MILLION),
            }
            for tier in raw.get("tiers", [])
        ],
    }


def _as_decimals(value: Any) -> Any:
    """JSON from the command with decimal strings turned into Decimals, for comparison."""
    if isinstance(value, dict):
        return {
            k: (Decimal(v) if isinstance(v, str) and k in _DECIMAL_KEYS else _as_decimals(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_as_decimals(v) for v in value]
    return value


_DECIMAL_KEYS = {
    "credits_per_hour",
    "usd_per_hour",
    "credits_per_gib_day",
    "usd_per_gib_day",
    "fixed",
}


def _table_json(table: pricing_core.EntityTable) -> dict[str, Any]:
    from aleph_tui.cli.pricing_command import entity_json

    converted: dict[str, Any] = _as_decimals(entity_json(table))
    return converted


@pytest.fixture(scope="module")
def aggregate(devnet: RunningDevnet) -> dict[str, Any]:
    return _aggregate(devnet.api_url)


@pytest.fixture(scope="module")
async def service(devnet: RunningDevnet) -> AsyncIterator[CreditService]:
    svc = CreditService(devnet.api_url)
    yield svc
    await svc.aclose()


@pytest.fixture(scope="module")
def pricing(devnet: RunningDevnet) -> Pricing:
    async def read() -> Pricing:
        api = AlephApi(devnet.api_url)
        try:
            return await api.pricing()
        finally:
            await api.aclose()

    return asyncio.run(read())


# --- tables -------------------------------------------------------------------------------


async def test_tables_equal_the_aggregate(
    service: CreditService, aggregate: dict[str, Any]
) -> None:
    tables = await service.pricing_tables()
    assert [t.entity for t in tables] == list(aggregate)
    assert {"instance", "storage", "instance_gpu_premium"} <= set(aggregate)
    for table in tables:
        assert _table_json(table) == _expected(table.entity, aggregate[table.entity])

    instance = next(t for t in tables if t.entity == "instance")
    assert instance.compute_unit_credits_per_hour == Decimal(
        aggregate["instance"]["price"]["compute_unit"]["credit"]
    )
    assert instance.compute_unit_usd_per_hour is not None
    assert instance.compute_unit_usd_per_hour * MILLION == instance.compute_unit_credits_per_hour
    gpu = next(t for t in tables if t.entity == "instance_gpu_premium")
    assert all(t.vram and t.model for t in gpu.tiers)
    storage = next(t for t in tables if t.entity == "storage")
    assert storage.compute_unit_credits_per_hour is None and not storage.tiers
    assert storage.storage_credits_per_gib_day == Decimal(
        aggregate["storage"]["price"]["storage"]["credit"]
    ) * (1024 * 24)


async def test_one_entity_and_an_unknown_one(
    service: CreditService, aggregate: dict[str, Any]
) -> None:
    (table,) = await service.pricing_tables("Instance-GPU-Standard")
    assert table.entity == "instance_gpu_standard"
    assert _table_json(table) == _expected(table.entity, aggregate["instance_gpu_standard"])
    with pytest.raises(InvalidInput, match="unknown entity 'vps'"):
        await service.pricing_tables("vps")


# --- estimator ----------------------------------------------------------------------------


async def test_estimate_through_the_facade(
    service: CreditService, aggregate: dict[str, Any]
) -> None:
    price = Decimal(aggregate["instance"]["price"]["compute_unit"]["credit"])
    result = await service.estimate_cost("instance", 2, "1.5")
    assert (result.entity, result.units, result.hours) == ("instance", 2, Decimal("1.5"))
    assert result.credits_per_hour == price * 2
    assert result.credits == price * 3
    assert result.usd == price * 3 / MILLION
    with pytest.raises(InvalidInput, match="no compute unit price"):
        await service.estimate_cost("storage", 1, 1)


UNITS = st.integers(min_value=1, max_value=10_000)
HOURS = st.decimals(
    min_value=Decimal("0.000001"), max_value=Decimal(400_000), places=6, allow_nan=False
)


@settings(max_examples=150, deadline=None)
@given(
    entity=st.sampled_from(["instance", "program", "instance_gpu_premium", "program_persistent"]),
    units=UNITS,
    more_units=UNITS,
    hours=HOURS,
    more_hours=HOURS,
)
def test_the_estimate_is_exact_and_linear(
    pricing: Pricing,
    entity: str,
    units: int,
    more_units: int,
    hours: Decimal,
    more_hours: Decimal,
) -> None:
    def cost(n: int, h: Decimal) -> pricing_core.Estimate:
        return pricing_core.estimate(pricing, entity, n, h)

    compute_unit = pricing.entities[entity].compute_unit
    assert compute_unit is not None and compute_unit.credit is not None
    price = compute_unit.credit
    one = cost(units, hours)
    assert Fraction(one.credits) == Fraction(price) * units * Fraction(hours)
    assert Fraction(one.usd) == Fraction(one.credits) / MILLION
    assert one.credits_per_hour == price * units
    # linear in units and in hours, exactly
    assert cost(units + more_units, hours).credits == one.credits + cost(more_units, hours).credits
    assert cost(units, hours + more_hours).credits == one.credits + cost(units, more_hours).credits
    assert cost(units * 3, hours).credits == one.credits * 3


@pytest.mark.parametrize(
    ("units", "hours", "field"),
    [
        (0, "1", "units"),
        (-1, "1", "units"),
        ("1.5", "1", "units"),
        (True, "1", "units"),
        ("two", "1", "units"),
        (1, "0", "hours"),
        (1, "-2", "hours"),
        (1, "nan", "hours"),
        (1, "Infinity", "hours"),
        (1, "0.0000001", "hours"),
        (1, "1e7", "hours"),
        (1, "soon", "hours"),
    ],
)
def test_estimate_refuses_bad_input(pricing: Pricing, units: Any, hours: str, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        pricing_core.estimate(pricing, "instance", units, hours)
    assert refused.value.field == field


def test_exact_helpers_never_round() -> None:
    long = Decimal("0.12345678901234567890123456789012345678")
    product = pricing_core.exact_product(long, 10**30, 7)
    assert Fraction(product) == Fraction(long) * 10**30 * 7
    assert product != long * 7 * 10**30  # the default context would have rounded it
    assert Fraction(pricing_core.usd_of(long)) == Fraction(long) / MILLION


# --- the command --------------------------------------------------------------------------


def _one_line_error(outcome: Outcome, *needles: str) -> None:
    assert outcome.returncode == 2, outcome
    assert outcome.stdout == ""
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in outcome.stderr, outcome.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_pricing_command(devnet: RunningDevnet, tmp_path: Path, aggregate: dict[str, Any]) -> None:
    env = cli_env(devnet.api_url, tmp_path)
    net = ["--network", "devnet"]
    outcomes = run_main(
        env,
        {
            "all": ["pricing", *net, "--json"],
            "one": ["pricing", "instance", *net, "--json"],
            "text": ["pricing", *net],
            "estimate": ["pricing", "estimate", "--units", "3", "--hours", "2.5", *net, "--json"],
            "program": ["pricing", "estimate", "--entity", "program", "--units", "1", "--hours",
                        "24", *net],
            "bad_units": ["pricing", "estimate", "--units", "0", "--hours", "1", *net],
            "bad_hours": ["pricing", "estimate", "--units", "1", "--hours", "-1", *net],
            "no_hours": ["pricing", "estimate", "--units", "1", *net],
            "stray": ["pricing", "instance", "--units", "2", *net],
            "entity": ["pricing", "vps", *net],
            "no_compute": ["pricing", "estimate", "--entity", "storage", "--units", "1",
                           "--hours", "1", *net],
        },
    )  # fmt: skip
    data = json.loads(outcomes["all"].stdout)
    assert set(data) == {"network", "credits_per_usd", "entities"}
    assert (data["network"], data["credits_per_usd"]) == ("devnet", MILLION)
    assert [e["entity"] for e in data["entities"]] == list(aggregate)
    for entity in data["entities"]:
        assert set(entity) == ENTITY_KEYS
        assert all(set(t) == TIER_KEYS for t in entity["tiers"])
        assert _as_decimals(entity) == _expected(entity["entity"], aggregate[entity["entity"]])
    one = json.loads(outcomes["one"].stdout)["entities"]
    assert [e["entity"] for e in one] == ["instance"]
    assert one[0]["compute_unit"]["credits_per_hour"] == "14250"  # pyaleph's default
    assert "tier-6" in outcomes["text"].stdout and "credits/GiB/day" in outcomes["text"].stdout

    estimate = json.loads(outcomes["estimate"].stdout)
    price = Decimal(aggregate["instance"]["price"]["compute_unit"]["credit"])
    assert set(estimate) == ESTIMATE_KEYS
    assert (estimate["entity"], estimate["units"], estimate["hours"]) == ("instance", 3, "2.5")
    assert Decimal(estimate["credits_per_hour"]) == price * 3
    assert Decimal(estimate["credits"]) == price * 3 * Decimal("2.5")
    assert Decimal(estimate["usd"]) == price * 3 * Decimal("2.5") / MILLION
    assert outcomes["program"].returncode == 0
    assert "= 264,000 credits ($0.26)" in outcomes["program"].stdout
    # Prices read at a sensible precision (issue 16: "4,415.69010416667230208 credits/GiB/day")
    storage = [line.split() for line in outcomes["text"].stdout.splitlines() if "GiB/day" in line]
    assert storage
    for words in storage:
        number = words[words.index("credits/GiB/day") - 1]
        whole, _, decimals = number.partition(".")
        assert len(decimals) <= 2 and ("," in whole or len(whole) <= 3), words

    _one_line_error(outcomes["bad_units"], "--units", "at least 1")
    _one_line_error(outcomes["bad_hours"], "--hours", "greater than zero")
    _one_line_error(outcomes["no_hours"], "--hours")
    _one_line_error(outcomes["stray"], "--units", "pricing estimate")
    _one_line_error(outcomes["entity"], "ENTITY", "unknown entity 'vps'", "instance")
    _one_line_error(outcomes["no_compute"], "--entity", "storage")


def test_read_only_commands_start_light_and_fail_in_one_line(
    devnet: RunningDevnet, tmp_path: Path
) -> None:
    """As users run them (a process): usage and pricing import no signing or UI module,
    and bad input is one line on stderr, exit 2, no traceback."""
    address = str(devnet.document["accounts"][2]["address"])
    probe = (
        "import sys\n"
        "from aleph_tui.cli import main\n"
        f"assert main(['usage', '--network', 'devnet', '--address', '{address}', '--json']) == 0\n"
        "assert main(['pricing', 'estimate', '--units', '1', '--hours', '1', "
        "'--network', 'devnet', '--json']) == 0\n"
        "heavy = ('web3', 'textual', 'eth_account', 'aiohttp')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    env = cli_env(devnet.api_url, tmp_path)
    light = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert light.returncode == 0, light.stderr
    assert light.stderr.strip() == "[]"

    bad = subprocess.run(
        [sys.executable, "-m", "aleph_tui", "pricing", "estimate", "--units", "x", "--hours", "1"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    assert "--units" in bad.stderr
