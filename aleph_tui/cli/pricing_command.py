"""``aleph-tui pricing``: the network's pricing aggregate as tables (what ``aleph pricing``
shows), and a cost estimator.

::

    aleph-tui pricing [ENTITY] [--json]
    aleph-tui pricing estimate [--entity ENTITY] --units N --hours H [--json]

ENTITY is one of the aggregate's entities (instance, program, storage, web3_hosting,
program_persistent, instance_confidential, instance_gpu_standard,
instance_gpu_premium…); ``estimate`` defaults to ``instance``. The compute unit's price
is in credits per hour, storage in credits per GiB per day (the aggregate's per MiB per
hour × 1024 × 24), USD at 1 000 000 credits = 1 USD. A tier's resources are the entity's
compute unit times the tier's compute units. Every number is exact.

``pricing --json`` prints (prices are decimal strings, sizes integers in MiB)::

    {"network", "credits_per_usd": 1000000,
     "entities": [{"entity",
                   "compute_unit": {"credits_per_hour", "usd_per_hour",
                                    "vcpus", "memory_mib", "disk_mib"} | null,
                   "storage": {"credits_per_gib_day", "usd_per_gib_day"} | null,
                   "fixed": DECIMAL | null,
                   "tiers": [{"id", "compute_units", "vcpus", "memory_mib", "disk_mib",
                              "vram", "model", "credits_per_hour", "usd_per_hour"}, …]},
                  …]}

(one entity in ``entities`` when ENTITY is given; ``vram``, ``model`` only on GPU tiers,
else null; a compute unit's ``vcpus``/``memory_mib``/``disk_mib`` are null when the
aggregate gives no compute unit specification).

``pricing estimate --json`` prints ``{"network", "entity", "units", "hours",
"credits_per_hour", "credits", "usd"}``: ``units`` an integer, the rest decimal strings,
``credits = credits_per_hour × hours`` and ``credits_per_hour`` the price of one compute
unit × ``units``.

Bad input (an unknown entity, N not a whole number ≥ 1, H not > 0) exits 2 with one
line on stderr. Read-only: never imports eth_account, web3 or textual.
"""

from __future__ import annotations

import argparse
import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aleph_tui.cli.common import (
    UsageError,
    add_json_option,
    add_network_options,
    checked,
    emit,
    open_service,
    resolve_network,
)
from aleph_tui.core.formatting import exact_decimal, rate

if TYPE_CHECKING:
    from aleph_tui.core.flows.pricing import EntityTable, Estimate
    from aleph_tui.core.networks import Network

ESTIMATE = "estimate"


def _units(text: str) -> int:
    from aleph_tui.core import validation

    return validation.compute_units(text)


def _hours(text: str) -> Decimal:
    from aleph_tui.core import validation

    return validation.hours(text)


def register(sub: Any) -> None:
    pricing = sub.add_parser(
        "pricing",
        help="prices of compute and storage; `pricing estimate` for a cost",
        description=PRICING_HELP,
        usage="%(prog)s [-h] [ENTITY] [--json]\n"
        "       %(prog)s estimate [--entity ENTITY] --units N --hours H [--json]",
    )
    pricing.add_argument(
        "entity",
        nargs="?",
        metavar="ENTITY",
        help="one entity (instance, program, storage…), or `estimate`",
    )
    estimate = pricing.add_argument_group("estimate (with `pricing estimate`)")
    estimate.add_argument(
        "--entity",
        dest="estimate_entity",
        metavar="ENTITY",
        help="the entity to price (default: instance)",
    )
    estimate.add_argument(
        "--units", type=checked(_units), metavar="N", help="compute units, a whole number ≥ 1"
    )
    estimate.add_argument(
        "--hours", type=checked(_hours), metavar="H", help="hours, greater than zero"
    )
    add_network_options(pricing)
    add_json_option(pricing)
    pricing.set_defaults(handler=run)


PRICING_HELP = (
    "The pricing aggregate as tables: per entity, the compute unit in credits and USD per "
    "hour, storage per GiB per day and the tiers. `pricing estimate --entity instance "
    "--units N --hours H` prices N compute units for H hours."
)


def run(args: argparse.Namespace) -> int:
    if args.entity == ESTIMATE:
        missing = [f"--{name}" for name in ("units", "hours") if getattr(args, name) is None]
        if missing:
            raise UsageError(f"aleph-tui pricing estimate: {' and '.join(missing)} required")
        return asyncio.run(_estimate(args))
    given = [
        option
        for option, value in (
            ("--entity", args.estimate_entity),
            ("--units", args.units),
            ("--hours", args.hours),
        )
        if value is not None
    ]
    if given:
        raise UsageError(f"aleph-tui pricing: {given[0]} goes with `pricing estimate`")
    return asyncio.run(_tables(args))


async def _tables(args: argparse.Namespace) -> int:
    from aleph_tui.core.validation import InvalidInput

    network = await resolve_network(args)
    async with open_service(network) as service:
        try:
            tables = await service.pricing_tables(args.entity)
        except InvalidInput as exc:
            raise UsageError(f"aleph-tui: ENTITY: {exc.rule}") from None
    emit(args, pricing_json(network, tables), lambda: pricing_text(network, tables))
    return 0


async def _estimate(args: argparse.Namespace) -> int:
    from aleph_tui.core.validation import InvalidInput

    network = await resolve_network(args)
    async with open_service(network) as service:
        try:
            result = await service.estimate_cost(
                args.estimate_entity or "instance", args.units, args.hours
            )
        except InvalidInput as exc:
            raise UsageError(f"aleph-tui: --{exc.field}: {exc.rule}") from None
    emit(args, estimate_json(network, result), lambda: estimate_text(result))
    return 0


# --- output -------------------------------------------------------------------------------


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else exact_decimal(value)


def entity_json(table: EntityTable) -> dict[str, Any]:
    compute = None
    if table.compute_unit_credits_per_hour is not None:
        compute = {
            "credits_per_hour": _plain(table.compute_unit_credits_per_hour),
            "usd_per_hour": _plain(table.compute_unit_usd_per_hour),
            "vcpus": table.vcpus,
            "memory_mib": table.memory_mib,
            "disk_mib": table.disk_mib,
        }
    storage = None
    if table.storage_credits_per_gib_day is not None:
        storage = {
            "credits_per_gib_day": _plain(table.storage_credits_per_gib_day),
            "usd_per_gib_day": _plain(table.storage_usd_per_gib_day),
        }
    return {
        "entity": table.entity,
        "compute_unit": compute,
        "storage": storage,
        "fixed": _plain(table.fixed),
        "tiers": [
            {
                "id": t.id,
                "compute_units": t.compute_units,
                "vcpus": t.vcpus,
                "memory_mib": t.memory_mib,
                "disk_mib": t.disk_mib,
                "vram": t.vram,
                "model": t.model,
                "credits_per_hour": _plain(t.credits_per_hour),
                "usd_per_hour": _plain(t.usd_per_hour),
            }
            for t in table.tiers
        ],
    }


def pricing_json(network: Network, tables: tuple[EntityTable, ...]) -> dict[str, Any]:
    from aleph_tui.core.aleph.models import CREDITS_PER_USD

    return {
        "network": network.name,
        "credits_per_usd": CREDITS_PER_USD,
        "entities": [entity_json(t) for t in tables],
    }


def pricing_text(network: Network, tables: tuple[EntityTable, ...]) -> str:
    from aleph_tui.cli.text_table import text_table
    from aleph_tui.core.flows.pricing_text import (
        LABEL_WIDTH,
        numeric_columns,
        price_lines,
        tier_table,
    )

    lines = [f"Pricing on {network.name} (1 000 000 credits = 1 USD)"]
    for t in tables:
        lines += ["", t.entity]
        for label, text in price_lines(t, rate):
            lines.append(f"  {label.lower():<{LABEL_WIDTH}}  {text}")
        if t.tiers:
            columns, rows = tier_table(t, rate)
            table = text_table([[c.upper() for c in columns], *rows], numeric_columns(columns))
            lines += ["  " + line for line in table]
    return "\n".join(lines)


def estimate_json(network: Network, result: Estimate) -> dict[str, Any]:
    return {
        "network": network.name,
        "entity": result.entity,
        "units": result.units,
        "hours": _plain(result.hours),
        "credits_per_hour": _plain(result.credits_per_hour),
        "credits": _plain(result.credits),
        "usd": _plain(result.usd),
    }


def estimate_text(result: Estimate) -> str:
    from aleph_tui.core.flows.pricing_text import estimate_line

    return estimate_line(result, rate)
