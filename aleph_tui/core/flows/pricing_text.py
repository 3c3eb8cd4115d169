"""The pricing tables and an estimate as text: the lines ``aleph-tui pricing`` prints and
the Pricing view shows, written once. Each caller passes its way of writing a number
(both: core/formatting.rate, a price at a sensible precision); USD amounts are
core/formatting.usd_price's."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from aleph_tui.core.flows.pricing import MIB_PER_GIB, EntityTable, Estimate
from aleph_tui.core.formatting import usd_price

Number = Callable[[Decimal], str]

# The label column of ``price_lines``.
LABEL_WIDTH = 12


def size_text(mib: int | None, number: Number) -> str:
    """``512 MiB``, or in GiB from 1 GiB up; empty when unknown."""
    if mib is None:
        return ""
    return f"{number(Decimal(mib) / MIB_PER_GIB)} GiB" if mib >= MIB_PER_GIB else f"{mib} MiB"


def usd_text(value: Decimal | None, number: Number) -> str:
    """``$1.20``, ``$0.011`` (core/formatting.usd_price; ``number`` is not used)."""
    return "" if value is None else usd_price(value)


def price_lines(table: EntityTable, number: Number) -> list[tuple[str, str]]:
    """(label, prices) of the compute unit, storage and fixed price that ``table`` has."""
    lines = []
    if table.compute_unit_credits_per_hour is not None:
        spec = ""
        if table.vcpus is not None:
            spec = (
                f" · 1 unit = {table.vcpus} vCPU, {size_text(table.memory_mib, number)} RAM,"
                f" {size_text(table.disk_mib, number)} disk"
            )
        lines.append(
            (
                "Compute unit",
                f"{number(table.compute_unit_credits_per_hour)} credits/hour"
                f" ({usd_text(table.compute_unit_usd_per_hour, number)}/hour){spec}",
            )
        )
    if table.storage_credits_per_gib_day is not None:
        lines.append(
            (
                "Storage",
                f"{number(table.storage_credits_per_gib_day)} credits/GiB/day"
                f" ({usd_text(table.storage_usd_per_gib_day, number)}/GiB/day)",
            )
        )
    if table.fixed is not None:
        lines.append(("Fixed", number(table.fixed)))
    return lines


def tier_table(table: EntityTable, number: Number) -> tuple[list[str], list[list[str]]]:
    """The tiers' column titles and rows (VRAM and model only for GPU entities)."""
    gpu = any(tier.model or tier.vram for tier in table.tiers)
    columns = ["Tier", "Units", "vCPUs", "Memory", "Disk"]
    columns += ["VRAM", "Model"] if gpu else []
    columns += ["Credits/hour", "USD/hour"]
    rows = []
    for tier in table.tiers:
        row = [
            tier.id,
            str(tier.compute_units),
            "" if tier.vcpus is None else str(tier.vcpus),
            size_text(tier.memory_mib, number),
            size_text(tier.disk_mib, number),
        ]
        row += [size_text(tier.vram, number), tier.model or ""] if gpu else []
        credits = tier.credits_per_hour
        row += ["" if credits is None else number(credits), usd_text(tier.usd_per_hour, number)]
        rows.append(row)
    return columns, rows


def numeric_columns(columns: list[str]) -> set[int]:
    """The columns of ``tier_table`` that hold figures (aligned right)."""
    return {i for i, title in enumerate(columns) if title not in ("Tier", "Model")}


def estimate_line(result: Estimate, number: Number) -> str:
    unit = "compute unit" if result.units == 1 else "compute units"
    return (
        f"{result.entity}: {result.units} {unit} × {number(result.hours)} h"
        f" at {number(result.credits_per_hour)} credits/hour"
        f" = {number(result.credits)} credits ({usd_text(result.usd, number)})"
    )
