"""The node's pricing aggregate, typed (aleph-api.md §6)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Prices:
    """A unit price in each payment mode (credits are per hour)."""

    payg: Decimal | None = None
    holding: Decimal | None = None
    credit: Decimal | None = None


@dataclass(frozen=True)
class Tier:
    id: str
    compute_units: int
    vram: int | None = None
    model: str | None = None


@dataclass(frozen=True)
class ComputeUnitSpec:
    vcpus: int
    memory_mib: int
    disk_mib: int


@dataclass(frozen=True)
class EntityPricing:
    entity: str
    storage: Prices | None
    compute_unit: Prices | None
    fixed: Decimal | None
    tiers: tuple[Tier, ...]
    compute_unit_spec: ComputeUnitSpec | None

    def credits_per_hour(self, compute_units: int) -> Decimal | None:
        if self.compute_unit is None or self.compute_unit.credit is None:
            return None
        return self.compute_unit.credit * compute_units


@dataclass(frozen=True)
class Pricing:
    entities: dict[str, EntityPricing]
