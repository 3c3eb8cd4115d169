"""An expiry-aware forecast of an account's credits (issue 17, point 3).

The node spends the oldest-issued credits first: an expense drains the account's lots
that are still valid at its own time, in emission order ``(message_timestamp,
credit_ref, credit_index)`` (pyaleph ``db/accessors/balances.py
_consume_address_credits``), and what a lot still holds when it expires is lost. A
balance divided by a burn rate ignores both, and can promise years to credits that
expire within months.

**The lots.** A lot still valid now is an incoming history row whose expiration is
null or later than now. Because draining is FIFO among valid lots, the lots valid now
that were drained form a prefix in emission order: so each one's remainder is the
balance filled from the newest lot backwards (``current_lots``). So only the newest
incoming rows are read, until those still valid hold the balance; never the whole
history. The lots are checked against the balance's per-expiration breakdown
(``lots_match``).

**The model** (``simulate``), stated so that a test can replay it day by day: the burn
rate is the Usage period's (consumed credits per day, expenses only). Starting at ``at``
(when the balance was read), step ``k`` is the instant ``at + k days``; at each step the
lots whose expiration is not after it are lost with what they hold, then that day's
charge is drained FIFO from the rest. Charges are whole credits whose running sum after
``k`` steps is ``floor(k × consumed × day / period)``, so no fraction is lost or made up.
The balance **runs out** at the first step whose charge it cannot pay in full.

**The top-up plan** (``top_up_plan``): to keep paying every step up to a chosen instant,
buy, at the latest by the run-out step, just what the steps from there need, as a new
lot (the newest, so spent last) that expires ``PURCHASE_VALIDITY_DAYS`` after it is bought;
again when that lot expires, if the chosen instant is further.

The simulation jumps from event to event (a run-out or an expiry), so a horizon of
decades costs as little as one of days.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, NamedTuple

from aleph_tui.core.aleph.history_models import (
    CreditHistoryEntry,
    CreditHistoryPage,
    HistoryFilters,
)
from aleph_tui.core.aleph.models import Balance, CreditLot, credits_to_usd
from aleph_tui.core.flows.usage import Period, all_of
from aleph_tui.core.validation import InvalidInput

if TYPE_CHECKING:
    from decimal import Decimal

    from aleph_tui.core.aleph.api_client import AlephApi

# Purchased credits expire this long after the purchase (the credit service's rule, as
# the devnet's credit issuer applies it).
PURCHASE_VALIDITY_DAYS = 365
LOT_PAGE_SIZE = 200
LOT_PAGES_AT_ONCE = 8  # at most this many history pages asked together for the lots
DAY = dt.timedelta(days=1)
_MICROSECOND = dt.timedelta(microseconds=1)
_DAY_US = DAY // _MICROSECOND


def _us(delta: dt.timedelta) -> int:
    return delta // _MICROSECOND


@dataclass(frozen=True)
class Lot:
    """Credits issued together: what is left of them now, when they were issued (their
    place in the spending order) and when they expire (None: never)."""

    issued: dt.datetime
    credit_ref: str
    credit_index: int
    expiration: dt.datetime | None
    remaining: int
    payment_method: str | None = None

    @property
    def order(self) -> tuple[dt.datetime, str, int]:
        return (self.issued, self.credit_ref, self.credit_index)


class LotFate(NamedTuple):
    """What the forecast makes of one lot: credits spent, and credits lost when it
    expires (``lost_at`` is its expiration; None when nothing is lost). A tuple: an
    account can hold tens of thousands of lots, and a frozen dataclass costs 7 µs each."""

    lot: Lot
    spent: int
    lost: int

    @property
    def lost_at(self) -> dt.datetime | None:
        return self.lot.expiration if self.lost else None

    @property
    def lost_usd(self) -> Decimal:
        return credits_to_usd(self.lost)


@dataclass(frozen=True)
class Purchase:
    """Buy ``credits`` by ``by`` (the instant of the first charge they pay)."""

    by: dt.datetime
    credits: int

    @property
    def usd(self) -> Decimal:
        return credits_to_usd(self.credits)


@dataclass(frozen=True)
class Rate:
    """The burn: ``consumed`` credits over a period of ``period_us`` microseconds."""

    consumed: int
    period_us: int

    def __post_init__(self) -> None:
        if self.period_us <= 0:
            raise InvalidInput("from", "the period must last longer than an instant")
        if self.consumed < 0:
            raise ValueError("consumed credits are counted as a positive number")

    def charged(self, steps: int) -> int:
        """The credits charged by the first ``steps`` daily steps together."""
        return steps * self.consumed * _DAY_US // self.period_us

    def first_step_beyond(self, credits: int) -> int | None:
        """The first step after which more than ``credits`` are charged (None: never)."""
        if self.consumed == 0:
            return None
        need = (credits + 1) * self.period_us
        return -(-need // (self.consumed * _DAY_US))


@dataclass(frozen=True)
class Simulation:
    fates: tuple[LotFate, ...]
    runs_out_step: int | None  # None: never (nothing consumed, or paid to the horizon)
    short_by: int  # at the run-out step: its charge minus what was left to pay it


def _expiry_step(lot: Lot, at: dt.datetime) -> int | None:
    """The first step at which ``lot`` is no longer valid (None: never expires)."""
    if lot.expiration is None:
        return None
    return max(1, -(-_us(lot.expiration - at) // _DAY_US))


def simulate(
    lots: Sequence[Lot], rate: Rate, at: dt.datetime, *, horizon: int | None = None
) -> Simulation:
    """The burn at ``rate`` from ``at`` over ``lots`` (see the module's docstring).
    With a ``horizon`` (a step), nothing past it is charged: no run-out is reported
    after it, and lots still holding credits then are not counted as lost.

    From event to event (an expiry, the run-out): the charges between two events are
    drained at once, through a cursor that only moves forward, and expiries come off a
    heap, so thousands of lots cost milliseconds."""
    queue = sorted((lot for lot in lots if lot.remaining > 0), key=lambda lot: lot.order)
    left = [lot.remaining for lot in queue]
    lost = [0] * len(queue)
    expiries = [(s, i) for i, lot in enumerate(queue) if (s := _expiry_step(lot, at)) is not None]
    heapq.heapify(expiries)
    balance = sum(left)
    head = 0  # lots before it are empty
    step = 0  # charges of steps 1..step are paid
    runs_out: int | None = None
    short_by = 0

    def drain(credits: int) -> None:
        nonlocal head, balance
        balance -= credits
        while credits > 0:
            take = min(left[head], credits)
            left[head] -= take
            credits -= take
            if left[head] == 0:
                head += 1

    while True:
        while expiries and left[expiries[0][1]] == 0:
            heapq.heappop(expiries)  # spent before it expired
        expiry = expiries[0][0] if expiries else None
        paid = rate.charged(step)
        out = rate.first_step_beyond(paid + balance)
        if out is not None and (expiry is None or out < expiry):
            if horizon is not None and out > horizon:
                break
            runs_out = out
            short_by = rate.charged(out) - paid - balance
            drain(balance)
            break
        if expiry is None or (horizon is not None and expiry > horizon):
            break
        drain(rate.charged(expiry - 1) - paid)
        step = expiry - 1
        while expiries and expiries[0][0] == expiry:
            _, index = heapq.heappop(expiries)
            lost[index], left[index] = left[index], 0
            balance -= lost[index]
    fates = tuple(
        LotFate(lot, lot.remaining - left[i] - lost[i], lost[i]) for i, lot in enumerate(queue)
    )
    return Simulation(fates, runs_out, short_by)


def step_instant(at: dt.datetime, step: int) -> dt.datetime | None:
    """``at + step days``; None beyond the calendar (year 9999)."""
    try:
        return at + step * DAY
    except OverflowError:
        return None


def last_step_until(at: dt.datetime, until: dt.datetime) -> int:
    """The last step at or before ``until``."""
    return _us(until - at) // _DAY_US


def top_up_plan(
    lots: Sequence[Lot], rate: Rate, at: dt.datetime, until: dt.datetime
) -> tuple[Purchase, ...]:
    """The purchases, each as late and as small as it can be, that pay every step up
    to ``until`` (see the module's docstring).

    At the run-out every lot held is drained (its charge takes all that is left), so
    each purchase alone pays the steps from its own until it expires or ``until``
    comes; the next is due at the first step after with a charge."""
    horizon = last_step_until(at, until)
    run = simulate(lots, rate, at, horizon=horizon)
    start, short_by = run.runs_out_step, run.short_by
    plan: list[Purchase] = []
    while start is not None and start <= horizon:
        last = min(horizon, start + PURCHASE_VALIDITY_DAYS - 1)
        # The run-out step's charge was partly paid by what was left (short_by is the
        # rest); the later steps are paid by the purchase alone.
        plan.append(Purchase(at + start * DAY, short_by + rate.charged(last) - rate.charged(start)))
        if last == horizon:
            break
        start = rate.first_step_beyond(rate.charged(last))
        short_by = 0 if start is None else rate.charged(start) - rate.charged(start - 1)
    return tuple(plan)


# --- the lots an account holds now -------------------------------------------------------


def current_lots(
    incoming: Sequence[CreditHistoryEntry], balance: int, at: dt.datetime
) -> list[Lot]:
    """The lots valid at ``at`` with what each still holds: ``balance`` filled from the
    newest incoming row backwards (drained lots are the oldest ones)."""
    valid = sorted(
        (e for e in incoming if e.amount > 0 and (e.expiration is None or e.expiration > at)),
        key=lambda e: (e.timestamp, e.credit_ref, e.credit_index),
    )
    lots: list[Lot] = []
    left = max(balance, 0)
    for entry in reversed(valid):
        held = min(entry.amount, left)
        left -= held
        lots.append(
            Lot(
                issued=entry.timestamp,
                credit_ref=entry.credit_ref,
                credit_index=entry.credit_index,
                expiration=entry.expiration,
                remaining=held,
                payment_method=entry.payment_method,
            )
        )
    lots.reverse()
    return lots


def lots_match(lots: Sequence[Lot], details: Sequence[CreditLot]) -> bool:
    """Whether ``lots`` hold what the balance's per-expiration breakdown says."""
    ours: dict[dt.datetime | None, int] = {}
    for lot in lots:
        if lot.remaining:
            ours[lot.expiration] = ours.get(lot.expiration, 0) + lot.remaining
    theirs: dict[dt.datetime | None, int] = {}
    for detail in details:
        if detail.amount:
            theirs[detail.expiration] = theirs.get(detail.expiration, 0) + detail.amount
    return ours == theirs


async def _newest_incoming(
    api: AlephApi, address: str, at: dt.datetime, balance: Awaitable[Balance]
) -> tuple[list[CreditHistoryEntry], Balance]:
    """The incoming rows, newest first, until those still valid at ``at`` hold the
    balance: older lots are empty (the module's docstring). The first page is asked with
    the balance, then one, two, four… pages at a time (at most ``LOT_PAGES_AT_ONCE``):
    most accounts need one page, and a long history is read in few round trips."""
    filters = HistoryFilters(direction="incoming")
    rows: dict[tuple[str, int], CreditHistoryEntry] = {}
    held = 0
    covered_at: dt.datetime | None = None  # the row whose lot makes up the balance

    def page(number: int) -> Awaitable[CreditHistoryPage]:
        return api.credit_history(
            address, page=number, page_size=LOT_PAGE_SIZE, filters=filters, sort_order=-1
        )

    first, read = await all_of(page(1), balance)
    pages = [first]
    number, at_once = 1, 1
    while True:
        for current in pages:
            for entry in current.entries:
                key = (entry.credit_ref, entry.credit_index)
                if key in rows:
                    continue  # seen on the page before, pushed down by a newer row
                rows[key] = entry
                if entry.expiration is None or entry.expiration > at:
                    held += entry.amount
                    if covered_at is None and held >= read.credits:
                        covered_at = entry.timestamp
        last = pages[-1]
        if not last.entries or not last.has_next or read.credits <= 0:
            return list(rows.values()), read
        # Rows of the same instant may lie on the next page: read on until older ones.
        if covered_at is not None and last.entries[-1].timestamp < covered_at:
            return list(rows.values()), read
        numbers = range(number + 1, min(number + at_once, last.pages) + 1)
        pages = list(await asyncio.gather(*(page(n) for n in numbers)))
        number = numbers[-1]
        at_once = min(2 * at_once, LOT_PAGES_AT_ONCE)


async def read_lots(api: AlephApi, address: str, at: dt.datetime) -> tuple[list[Lot], Balance]:
    """The lots ``address`` holds at ``at`` (the balance's time), and the balance."""
    entries, balance = await _newest_incoming(
        api, address, at, api.balance(address, credit_details=True)
    )
    return current_lots(entries, balance.credits, at), balance


# --- the forecast -------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    address: str
    at: dt.datetime  # when the balance was read; step k is at + k days
    period: Period  # the Usage period the rate comes from
    consumed: int  # expenses over the period
    per_day: Decimal
    balance: int
    lots_match: bool  # the lots agree with the balance's per-expiration breakdown
    fates: tuple[LotFate, ...]
    runs_out: dt.datetime | None  # None: never at this pace (or beyond year 9999)
    until: dt.datetime | None = None
    plan: tuple[Purchase, ...] = field(default=())

    @property
    def expiring_unused(self) -> tuple[LotFate, ...]:
        """The lots that will expire with credits unspent, soonest first."""
        lost = [fate for fate in self.fates if fate.lost]
        return tuple(sorted(lost, key=lambda f: (f.lost_at, f.lot.order)))

    @property
    def lost(self) -> int:
        return sum(fate.lost for fate in self.fates)

    @property
    def to_buy(self) -> int:
        return sum(p.credits for p in self.plan)

    @property
    def buy_by(self) -> dt.datetime | None:
        return self.plan[0].by if self.plan else None

    @property
    def naive_runs_out(self) -> dt.datetime | None:
        """What ``balance / burn rate`` says, for comparison."""
        step = Rate(self.consumed, _us(self.period.end - self.period.start)).first_step_beyond(
            self.balance
        )
        return None if step is None else step_instant(self.at, step)


def forecast_of(
    address: str,
    lots: Sequence[Lot],
    balance: Balance,
    span: Period,
    consumed: int,
    at: dt.datetime,
    until: dt.datetime | None = None,
) -> Forecast:
    if until is not None and until <= at:
        raise InvalidInput("until", "must be in the future")
    rate = Rate(consumed, _us(span.end - span.start))
    run = simulate(lots, rate, at)
    runs_out = None if run.runs_out_step is None else step_instant(at, run.runs_out_step)
    plan = () if until is None else top_up_plan(lots, rate, at, until)
    return Forecast(
        address=address,
        at=at,
        period=span,
        consumed=consumed,
        per_day=span_rate(consumed, span),
        balance=balance.credits,
        lots_match=lots_match(lots, balance.lots),
        fates=run.fates,
        runs_out=runs_out,
        until=until,
        plan=plan,
    )


def span_rate(consumed: int, span: Period) -> Decimal:
    from decimal import Decimal

    return Decimal(consumed * _DAY_US) / _us(span.end - span.start)


async def forecast(
    api: AlephApi,
    address: str,
    span: Period,
    *,
    at: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Forecast:
    """The forecast of ``address``: lots read now, burn at ``span``'s rate."""
    from aleph_tui.core.flows.usage import EXPENSE

    moment = at or dt.datetime.now(dt.UTC)
    if until is not None and until <= moment:
        raise InvalidInput("until", "must be in the future")
    expenses, (lots, balance) = await all_of(
        api.credit_history_summary(address, span.filters(payment_method=EXPENSE)),
        read_lots(api, address, moment),
    )
    return forecast_of(address, lots, balance, span, -expenses.total_outgoing, moment, until)


def with_until(result: Forecast, until: dt.datetime | None) -> Forecast:
    """``result`` planned again to another date, without reading anything."""
    if until is None:
        return replace(result, until=None, plan=())
    if until <= result.at:
        raise InvalidInput("until", "must be in the future")
    rate = Rate(result.consumed, _us(result.period.end - result.period.start))
    lots = [fate.lot for fate in result.fates]
    return replace(result, until=until, plan=top_up_plan(lots, rate, result.at, until))
