"""The pricing aggregate as tables, and a cost estimator (aleph-api.md §6).

What ``aleph pricing`` shows: per entity, the compute unit's price in credits per hour
(``price.compute_unit.credit``), storage per GiB per day (``price.storage.credit``, which
is per MiB per hour, × 1024 × 24), and the tiers, whose resources are the entity's
``compute_unit`` times the tier's compute units. USD values use 1 000 000 credits = 1 USD.

All arithmetic is exact: Decimal in a context wide enough for every operand, with the
Inexact signal trapped, so a result that could not be exact raises instead of rounding.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

from aleph_tui.core import validation
from aleph_tui.core.aleph.models import CREDITS_PER_USD
from aleph_tui.core.aleph.pricing_models import EntityPricing, Pricing
from aleph_tui.core.validation import InvalidInput

MIB_PER_GIB = 1024
HOURS_PER_DAY = 24


def _exact_context(*operands: Decimal | int) -> decimal.Context:
    digits = sum(len(Decimal(v).as_tuple().digits) for v in operands)
    return decimal.Context(
        prec=max(digits + 10, 28),
        Emax=decimal.MAX_EMAX,
        Emin=decimal.MIN_EMIN,
        traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow],
    )


def exact_product(*factors: Decimal | int) -> Decimal:
    """The product of ``factors``, exactly."""
    context = _exact_context(*factors)
    result = Decimal(1)
    for factor in factors:
        result = context.multiply(result, Decimal(factor))
    return result


def usd_of(credits: Decimal | int) -> Decimal:
    """The USD value of ``credits``, exactly (a shift of six decimal places)."""
    return _exact_context(credits).divide(Decimal(credits), Decimal(CREDITS_PER_USD))


@dataclass(frozen=True)
class TierRow:
    id: str
    compute_units: int
    vcpus: int | None  # the entity's compute unit × compute_units
    memory_mib: int | None
    disk_mib: int | None
    vram: int | None  # MiB, GPU tiers only
    model: str | None  # GPU model, GPU tiers only
    credits_per_hour: Decimal | None
    usd_per_hour: Decimal | None


@dataclass(frozen=True)
class EntityTable:
    entity: str
    compute_unit_credits_per_hour: Decimal | None  # one compute unit
    compute_unit_usd_per_hour: Decimal | None
    storage_credits_per_gib_day: Decimal | None
    storage_usd_per_gib_day: Decimal | None
    fixed: Decimal | None  # the aggregate's fixed price (web3 hosting), as given
    vcpus: int | None  # per compute unit
    memory_mib: int | None
    disk_mib: int | None
    tiers: tuple[TierRow, ...]


def entity_table(pricing: EntityPricing) -> EntityTable:
    cu_credit = pricing.compute_unit.credit if pricing.compute_unit else None
    storage_credit = pricing.storage.credit if pricing.storage else None
    per_gib_day = (
        None
        if storage_credit is None
        else exact_product(storage_credit, MIB_PER_GIB, HOURS_PER_DAY)
    )
    spec = pricing.compute_unit_spec
    tiers = []
    for tier in pricing.tiers:
        per_hour = None if cu_credit is None else exact_product(cu_credit, tier.compute_units)
        tiers.append(
            TierRow(
                id=tier.id,
                compute_units=tier.compute_units,
                vcpus=None if spec is None else spec.vcpus * tier.compute_units,
                memory_mib=None if spec is None else spec.memory_mib * tier.compute_units,
                disk_mib=None if spec is None else spec.disk_mib * tier.compute_units,
                vram=tier.vram,
                model=tier.model,
                credits_per_hour=per_hour,
                usd_per_hour=None if per_hour is None else usd_of(per_hour),
            )
        )
    return EntityTable(
        entity=pricing.entity,
        compute_unit_credits_per_hour=cu_credit,
        compute_unit_usd_per_hour=None if cu_credit is None else usd_of(cu_credit),
        storage_credits_per_gib_day=per_gib_day,
        storage_usd_per_gib_day=None if per_gib_day is None else usd_of(per_gib_day),
        fixed=pricing.fixed,
        vcpus=None if spec is None else spec.vcpus,
        memory_mib=None if spec is None else spec.memory_mib,
        disk_mib=None if spec is None else spec.disk_mib,
        tiers=tuple(tiers),
    )


def entity_pricing(pricing: Pricing, entity: str, *, field: str = "entity") -> EntityPricing:
    """The entity named ``entity`` (case-insensitive, '-' for '_'), or InvalidInput."""
    name = entity.strip().lower().replace("-", "_")
    if name not in pricing.entities:
        known = ", ".join(pricing.entities) or "none"
        raise InvalidInput(field, f"unknown entity {entity.strip()!r} (known: {known})")
    return pricing.entities[name]


def pricing_tables(pricing: Pricing, entity: str | None = None) -> tuple[EntityTable, ...]:
    """Every entity's table in the aggregate's order, or only ``entity``'s."""
    if entity is not None:
        return (entity_table(entity_pricing(pricing, entity)),)
    return tuple(entity_table(p) for p in pricing.entities.values())


@dataclass(frozen=True)
class Estimate:
    entity: str
    units: int
    hours: Decimal
    credits_per_hour: Decimal  # for ``units`` compute units
    credits: Decimal  # credits_per_hour × hours
    usd: Decimal


def estimate(
    pricing: Pricing, entity: str, units: int | str, hours: Decimal | int | str
) -> Estimate:
    """N compute units of ``entity`` for H hours: credit price per compute unit and hour
    × N × H, exactly. InvalidInput for an unknown entity, an entity without a compute
    price, N that is not a whole number ≥ 1 or H that is not > 0."""
    units = validation.compute_units(units)
    duration = validation.hours(hours)
    found = entity_pricing(pricing, entity)
    price = found.compute_unit.credit if found.compute_unit else None
    if price is None:
        raise InvalidInput("entity", f"{found.entity} has no compute unit price in credits")
    per_hour = exact_product(price, units)
    credits = exact_product(price, units, duration)
    return Estimate(found.entity, units, duration, per_hour, credits, usd_of(credits))
