"""Credit usage: what left an account over a period, grouped; what came in against it;
the burn rate and when the credits run out (aleph-api.md §2).

Definitions, shared by the facade, the commands and the TUI:

- **Outgoing** rows (``amount < 0``) of the period are read from the credit history,
  page by page (200 rows, oldest first), never beyond the period, and refused past
  ``MAX_USAGE_ROWS``. They are grouped by resource (``origin_ref``; a transfer has none
  and is keyed by its recipient, ``origin``), by UTC day or by payment method. Every
  grouping of a report sums to its ``total``.
- **Consumed** credits are the expenses only (``payment_method = credit_expense``), as a
  positive number. Transfers out are not consumption: they are counted apart.
- **Purchased** credits (``PeriodFlow``) are the incoming distributions: purchases and
  grants, every incoming row that is not a transfer. Transfers in are counted apart.
- The **burn rate** is consumed credits per day over the period; the credits **run out**
  at ``balance / burn rate`` days from the moment the balance was read (None when
  nothing was consumed).

Nothing here invents numbers: when the node cannot be read, the ApiError (a
ServiceError with one plain sentence) reaches the caller instead of zeros.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from aleph_tui.core.aleph.history_models import (
    CreditHistoryEntry,
    CreditHistorySummary,
    Direction,
    HistoryFilters,
)
from aleph_tui.core.aleph.models import credits_to_usd
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.validation import InvalidInput

if TYPE_CHECKING:
    from aleph_tui.core.aleph.api_client import AlephApi

A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
GroupBy = Literal["resource", "day", "method"]
GROUPINGS: tuple[GroupBy, ...] = ("resource", "day", "method")
EXPENSE = "credit_expense"
TRANSFER = "credit_transfer"
DEFAULT_PERIOD_DAYS = 30
USAGE_PAGE_SIZE = 200
MAX_USAGE_ROWS = 100_000
TYPE_LOOKUPS = 8  # concurrent GET /api/v0/messages/{hash} for resource labels
_DAY_MICROS = 86_400_000_000
_MICROSECOND = dt.timedelta(microseconds=1)


class UsageTooLarge(ServiceError):
    """The period holds more rows than a usage report reads; narrow it."""


@overload
async def all_of(a: Awaitable[A], b: Awaitable[B], /) -> tuple[A, B]: ...
@overload
async def all_of(a: Awaitable[A], b: Awaitable[B], c: Awaitable[C], /) -> tuple[A, B, C]: ...
async def all_of(*calls: Awaitable[Any]) -> tuple[Any, ...]:
    """Every result of ``calls``, run concurrently; the first failure is raised once all
    have ended (none is left running behind a closed client, and no exception group)."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return tuple(results)


def _micros(delta: dt.timedelta) -> int:
    return delta // _MICROSECOND


@dataclass(frozen=True)
class Period:
    """A closed interval of time, both ends timezone-aware (the node's filters are
    inclusive on both ends)."""

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("usage period dates must be timezone-aware")
        if self.end < self.start:
            raise InvalidInput("to", "must not be before the start date")

    @property
    def days(self) -> Decimal:
        """The length in days, exact to the microsecond."""
        return Decimal(_micros(self.end - self.start)) / _DAY_MICROS

    def filters(
        self, *, direction: Direction | None = None, payment_method: str | None = None
    ) -> HistoryFilters:
        """History filters for this period (and a direction or a payment method)."""
        return HistoryFilters(
            direction=direction, payment_method=payment_method, start=self.start, end=self.end
        )


def period(
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    *,
    now: dt.datetime | None = None,
    days: int = DEFAULT_PERIOD_DAYS,
) -> Period:
    """The period from ``start`` to ``end``; a missing end is ``now``, a missing start is
    ``days`` before the end (so the default is the last 30 days)."""
    end = end or now or dt.datetime.now(dt.UTC)
    start = start or end - dt.timedelta(days=days)
    return Period(start.astimezone(dt.UTC), end.astimezone(dt.UTC))


# --- usage grouped ------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageGroup:
    """Credits that left in one group. ``key`` is a resource hash (or a transfer's
    recipient), a ``YYYY-MM-DD`` UTC day, or a payment method. ``kind`` (resource grouping
    only) is the resource's message type (INSTANCE, STORE, PROGRAM…) when the node knows
    it, or the payment method of a row without a resource (e.g. credit_transfer)."""

    key: str
    credits: int
    entries: int
    kind: str | None = None

    @property
    def usd(self) -> Decimal:
        return credits_to_usd(self.credits)


@dataclass(frozen=True)
class UsageReport:
    address: str
    period: Period
    group_by: GroupBy
    groups: tuple[UsageGroup, ...]
    total: int  # every outgoing credit of the period (positive)
    consumed: int  # of which expenses (credit_expense)
    entries: int

    @property
    def total_usd(self) -> Decimal:
        return credits_to_usd(self.total)

    @property
    def consumed_usd(self) -> Decimal:
        return credits_to_usd(self.consumed)


def _resource_key(entry: CreditHistoryEntry) -> str:
    return entry.origin_ref or entry.origin or entry.payment_method or "unknown"


def _day_key(entry: CreditHistoryEntry) -> str:
    return entry.timestamp.astimezone(dt.UTC).date().isoformat()


def _method_key(entry: CreditHistoryEntry) -> str:
    return entry.payment_method or "unknown"


def group_usage(
    entries: Iterable[CreditHistoryEntry],
    group_by: GroupBy,
    *,
    span: Period | None = None,
    kinds: dict[str, str | None] | None = None,
) -> tuple[UsageGroup, ...]:
    """Outgoing ``entries`` grouped. Resources and methods come largest first; days come
    in order, every day of ``span`` present (zero when nothing left that day)."""
    key_of = {"resource": _resource_key, "day": _day_key, "method": _method_key}[group_by]
    credits: dict[str, int] = {}
    counts: dict[str, int] = {}
    methods: dict[str, str | None] = {}
    for entry in entries:
        if entry.amount >= 0:
            continue
        key = key_of(entry)
        credits[key] = credits.get(key, 0) - entry.amount
        counts[key] = counts.get(key, 0) + 1
        methods.setdefault(key, entry.payment_method)
    if group_by == "day":
        if span is not None:
            day = span.start.astimezone(dt.UTC).date()
            last = span.end.astimezone(dt.UTC).date()
            while day <= last:
                credits.setdefault(day.isoformat(), 0)
                day += dt.timedelta(days=1)
        return tuple(UsageGroup(k, credits[k], counts.get(k, 0)) for k in sorted(credits))
    groups = []
    for key in credits:
        kind = None
        if group_by == "resource":
            method = methods[key]
            kind = (kinds or {}).get(key) if method == EXPENSE else method
        groups.append(UsageGroup(key, credits[key], counts[key], kind))
    return tuple(sorted(groups, key=lambda g: (-g.credits, g.key)))


async def outgoing_entries(
    api: AlephApi, address: str, span: Period, *, max_rows: int = MAX_USAGE_ROWS
) -> list[CreditHistoryEntry]:
    """Every outgoing row of ``span``, oldest first, read 200 at a time. Rows that arrive
    while paging land after the ones read (oldest first), and a row seen twice is kept
    once (by its primary key, credit_ref and credit_index)."""
    filters = span.filters(direction="outgoing")
    rows: dict[tuple[str, int], CreditHistoryEntry] = {}
    page_number = 1
    while True:
        page = await api.credit_history(
            address,
            page=page_number,
            page_size=USAGE_PAGE_SIZE,
            filters=filters,
            sort_order=1,
        )
        if page.total > max_rows:
            raise UsageTooLarge(
                f"usage of {address}: {page.total} outgoing rows in this period, more than "
                f"the {max_rows} a report reads; choose a shorter period"
            )
        for entry in page.entries:
            rows.setdefault((entry.credit_ref, entry.credit_index), entry)
        if not page.entries or not page.has_next:
            return list(rows.values())
        page_number += 1


class ResourceTypes:
    """Message types of resources (INSTANCE, STORE, PROGRAM…), looked up once per run.

    A lookup that fails leaves the resource unlabelled (and is tried again next time):
    a label is a nicety, the numbers come from the history alone."""

    def __init__(self) -> None:
        self._known: dict[str, str | None] = {}

    async def lookup(self, api: AlephApi, hashes: Sequence[str]) -> dict[str, str | None]:
        from aleph_tui.core.aleph.api_client import ApiError

        missing = sorted({h for h in hashes if h not in self._known})
        gate = asyncio.Semaphore(TYPE_LOOKUPS)

        async def one(item_hash: str) -> None:
            async with gate:
                with contextlib.suppress(ApiError):
                    self._known[item_hash] = await api.message_type(item_hash)

        await asyncio.gather(*(one(h) for h in missing))
        return {h: self._known.get(h) for h in hashes}


async def usage_report(
    api: AlephApi,
    address: str,
    span: Period,
    group_by: GroupBy = "resource",
    *,
    types: ResourceTypes | None = None,
) -> UsageReport:
    if group_by not in GROUPINGS:
        raise InvalidInput("group-by", f"must be one of {', '.join(GROUPINGS)}")
    entries = await outgoing_entries(api, address, span)
    kinds: dict[str, str | None] = {}
    if group_by == "resource":
        refs = sorted(
            {e.origin_ref for e in entries if e.payment_method == EXPENSE and e.origin_ref}
        )
        kinds = await (types or ResourceTypes()).lookup(api, refs)
    return UsageReport(
        address=address,
        period=span,
        group_by=group_by,
        groups=group_usage(entries, group_by, span=span, kinds=kinds),
        total=-sum(e.amount for e in entries),
        consumed=-sum(e.amount for e in entries if e.payment_method == EXPENSE),
        entries=len(entries),
    )


# --- the period's flow: consumed against purchased -----------------------------------------


@dataclass(frozen=True)
class PeriodFlow:
    """Credits in and out over a period, from the summary endpoint. All positive."""

    address: str
    period: Period
    consumed: int  # expenses
    purchased: int  # incoming distributions: purchases and grants (not transfers)
    transferred_in: int
    transferred_out: int
    other_out: int  # outgoing that is neither an expense nor a transfer

    @property
    def net(self) -> int:
        """The balance change the period made (before expirations)."""
        return (
            self.purchased
            + self.transferred_in
            - self.consumed
            - self.transferred_out
            - self.other_out
        )


def period_flow(
    address: str,
    span: Period,
    every: CreditHistorySummary,
    expenses: CreditHistorySummary,
    transfers: CreditHistorySummary,
) -> PeriodFlow:
    """The flow from three summaries of the period: unfiltered, expenses only
    (payment_method=credit_expense) and transfers only (credit_transfer)."""
    consumed = -expenses.total_outgoing
    transferred_in = transfers.total_incoming
    transferred_out = -transfers.total_outgoing
    return PeriodFlow(
        address=address,
        period=span,
        consumed=consumed,
        purchased=every.total_incoming - transferred_in,
        transferred_in=transferred_in,
        transferred_out=transferred_out,
        other_out=-every.total_outgoing - consumed - transferred_out,
    )


async def usage_flow(api: AlephApi, address: str, span: Period) -> PeriodFlow:
    every, expenses, transfers = await all_of(
        api.credit_history_summary(address, span.filters()),
        api.credit_history_summary(address, span.filters(payment_method=EXPENSE)),
        api.credit_history_summary(address, span.filters(payment_method=TRANSFER)),
    )
    return period_flow(address, span, every, expenses, transfers)


# --- burn rate and projection --------------------------------------------------------------


@dataclass(frozen=True)
class BurnRate:
    address: str
    period: Period
    consumed: int  # expenses over the period
    balance: int  # credits held at ``at``
    at: dt.datetime  # when the balance was read
    per_day: Decimal  # consumed credits per day over the period
    days_left: Decimal | None  # balance / per_day; None when nothing is consumed
    runs_out: dt.datetime | None  # at + days_left; None when nothing is consumed

    @property
    def per_day_usd(self) -> Decimal:
        return self.per_day / 1_000_000


def burn_rate(address: str, span: Period, consumed: int, balance: int, at: dt.datetime) -> BurnRate:
    """Credits per day over ``span`` and when ``balance`` runs out at that pace.

    The run-out instant is exact to the microsecond (integer arithmetic); it is None
    when nothing was consumed, or when it lies beyond the calendar (year 9999)."""
    span_micros = _micros(span.end - span.start)
    if span_micros <= 0:
        raise InvalidInput("from", "the period must last longer than an instant")
    if consumed < 0:
        raise ValueError("consumed credits are counted as a positive number")
    per_day = Decimal(consumed * _DAY_MICROS) / span_micros
    days_left: Decimal | None = None
    runs_out: dt.datetime | None = None
    if consumed > 0:
        remaining = max(balance, 0)
        days_left = Decimal(remaining * span_micros) / (consumed * _DAY_MICROS)
        try:
            runs_out = at + dt.timedelta(microseconds=remaining * span_micros // consumed)
        except OverflowError:
            runs_out = None
    return BurnRate(address, span, consumed, balance, at, per_day, days_left, runs_out)


async def burn(
    api: AlephApi, address: str, span: Period, *, now: dt.datetime | None = None
) -> BurnRate:
    summary = api.credit_history_summary(address, span.filters(payment_method=EXPENSE))
    expenses, balance = await all_of(summary, api.balance(address, credit_details=False))
    at = now or dt.datetime.now(dt.UTC)
    return burn_rate(address, span, -expenses.total_outgoing, balance.credits, at)
