"""Checks for people who don't keep a terminal open (``aleph-tui check``, issue 17 point 4).

Each address of a list (the accounts, and any watched address) is checked from its
forecast (core/flows/forecast.py) at the Usage period's default rate (the last 30 days):

- **below**: the balance is below its threshold: ``below`` when given, else the
  address's own low-balance threshold (core/flows/thresholds.py), else none;
- **runs_out**: the balance truly runs out within ``days`` days;
- **expiring**: credits will expire unused within ``days`` days.

An address that cannot be read is reported with its one-line reason; the others are
still checked. The statuses, worst first, are "warning", "error" (could not check) and
"ok"; a report's status is that of its worst address.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from aleph_tui.core.aleph.models import format_credits
from aleph_tui.core.formatting import counted, utc_minute
from aleph_tui.core.validation import InvalidInput

if TYPE_CHECKING:
    from aleph_tui.core.flows.forecast import Forecast

AlertKind = Literal["below", "runs_out", "expiring"]
Status = Literal["ok", "warning", "error"]
DEFAULT_DAYS = 7
MAX_DAYS = 3650
# Forecasts read at once. Each asks three requests together (the period's expenses, the
# balance, the first page of lots; more pages only for an account whose lots fill more
# than two pages of history), so a node sees some 48 in flight from one check, under the
# dashboard's bound of 50; a few hundred addresses take a few dozen round trips.
CHECK_CONCURRENCY = 16


@dataclass(frozen=True)
class CheckTarget:
    """An address to check and the name it goes by (an account's or a watch's)."""

    address: str
    name: str | None = None
    watch_only: bool = False


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    message: str


@dataclass(frozen=True)
class AddressCheck:
    target: CheckTarget
    forecast: Forecast | None
    threshold: int | None  # the threshold applied (``below`` or the address's own)
    alerts: tuple[Alert, ...] = ()
    error: str | None = None  # why it could not be checked

    @property
    def status(self) -> Status:
        if self.alerts:
            return "warning"
        return "error" if self.error is not None else "ok"


@dataclass(frozen=True)
class CheckReport:
    at: dt.datetime
    days: int
    below: int | None
    checks: tuple[AddressCheck, ...]

    @property
    def status(self) -> Status:
        statuses = {check.status for check in self.checks}
        for status in ("warning", "error"):
            if status in statuses:
                return status
        return "ok"


def check_days(value: int | str, *, field: str = "days") -> int:
    """A number of days ahead to check: a whole number from 1 to 3650."""
    text = str(value).strip()
    # ASCII digits only: isdigit() also takes other scripts' digits ("٣").
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_DAYS:
        raise InvalidInput(field, f"must be a whole number of days from 1 to {MAX_DAYS}")
    return int(text)


def alerts_of(
    outlook: Forecast, threshold: int | None, days: int, at: dt.datetime
) -> tuple[Alert, ...]:
    """What is wrong with ``outlook`` within ``days`` days of ``at``."""
    horizon = at + dt.timedelta(days=days)
    alerts: list[Alert] = []
    if threshold is not None and outlook.balance < threshold:
        alerts.append(
            Alert(
                "below",
                f"balance {format_credits(outlook.balance)} is below the threshold "
                f"{format_credits(threshold)}",
            )
        )
    if outlook.runs_out is not None and outlook.runs_out <= horizon:
        alerts.append(
            Alert(
                "runs_out",
                f"credits run out {utc_minute(outlook.runs_out)} UTC, "
                f"within {counted(days, 'day')}",
            )
        )
    soon = [f for f in outlook.expiring_unused if f.lost_at is not None and f.lost_at <= horizon]
    if soon:
        lost = sum(f.lost for f in soon)
        first = min(f.lost_at for f in soon if f.lost_at is not None)
        alerts.append(
            Alert(
                "expiring",
                f"{format_credits(lost)} credits expire unused within {counted(days, 'day')} "
                f"(first {utc_minute(first)} UTC)",
            )
        )
    return tuple(alerts)


async def check_addresses(
    targets: Sequence[CheckTarget],
    forecast_of: Callable[[str], Awaitable[Forecast]],
    thresholds: dict[str, int],
    *,
    below: int | None,
    days: int,
    at: dt.datetime,
    concurrency: int = CHECK_CONCURRENCY,
) -> CheckReport:
    """Every target checked, ``concurrency`` forecasts at a time, in ``targets`` order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(target: CheckTarget) -> AddressCheck:
        threshold = below if below is not None else thresholds.get(target.address)
        async with gate:
            try:
                outlook = await forecast_of(target.address)
            except Exception as exc:  # reported for this address; the others go on
                line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                return AddressCheck(target, None, threshold, error=line)
        return AddressCheck(target, outlook, threshold, alerts_of(outlook, threshold, days, at))

    checks = await asyncio.gather(*(one(t) for t in targets))
    return CheckReport(at, days, below, tuple(checks))
