"""Typed views of the Aleph API's answers. Amounts are Decimal or int, never float."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

CREDITS_PER_USD = 1_000_000


@dataclass(frozen=True)
class CreditLot:
    expiration: dt.datetime | None
    amount: int


@dataclass(frozen=True)
class Balance:
    address: str
    aleph: Decimal
    aleph_by_chain: dict[str, Decimal]
    locked: Decimal
    credits: int
    lots: tuple[CreditLot, ...] = ()

    @property
    def available(self) -> Decimal:
        return self.aleph - self.locked

    @property
    def credits_usd(self) -> Decimal:
        return Decimal(self.credits) / CREDITS_PER_USD


@dataclass(frozen=True)
class DevnetInfo:
    """What ``GET /api/v0/devnet`` tells a client given only the API URL."""

    api_url: str
    credit_api_url: str
    rpc_url: str
    chain_id: int
    accounts: tuple[str, ...]


def credits_to_usd(credits: int) -> Decimal:
    """Exact USD value of a number of credits (1 000 000 credits = 1 USD)."""
    return Decimal(credits) / CREDITS_PER_USD


def format_credits(credits: int) -> str:
    """The aleph CLI's display: ``3900000 ($3.90)``."""
    usd = credits_to_usd(credits).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if usd < 0 else ""
    return f"{credits} ({sign}${abs(usd):.2f})"


# --- credit history (aleph-api.md §2) -------------------------------------------------

Direction = Literal["incoming", "outgoing"]
HISTORY_SORT_FIELDS = (
    "message_timestamp",
    "expiration_date",
    "payment_method",
    "amount",
    "origin",
    "tx_hash",
    "provider",
)
RESOURCE_TYPES = ("POST", "AGGREGATE", "STORE", "PROGRAM", "INSTANCE", "FORGET")


@dataclass(frozen=True)
class CreditHistoryEntry:
    """One row of ``credit_history``; ``amount`` is negative when credits left."""

    amount: int
    price: Decimal | None
    bonus_amount: int | None
    tx_hash: str | None
    token: str | None
    chain: str | None
    provider: str | None
    origin: str | None
    origin_ref: str | None
    payment_method: str | None
    credit_ref: str
    credit_index: int
    expiration: dt.datetime | None
    timestamp: dt.datetime
    expense_count: int | None = None
    expense_size_mib: Decimal | None = None

    @property
    def direction(self) -> Direction:
        return "outgoing" if self.amount < 0 else "incoming"

    @property
    def usd(self) -> Decimal:
        return credits_to_usd(self.amount)


@dataclass(frozen=True)
class HistoryFilters:
    """The filters shared by a history page and its summary (all optional)."""

    direction: Direction | None = None
    payment_method: str | None = None
    token: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    resource_types: tuple[str, ...] = ()
    resource: str | None = None

    def __post_init__(self) -> None:
        for moment in (self.start, self.end):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("history filter dates must be timezone-aware")
        unknown = set(self.resource_types) - set(RESOURCE_TYPES)
        if unknown:
            raise ValueError(f"unknown resource types: {', '.join(sorted(unknown))}")

    def query(self) -> dict[str, str]:
        """The node's query parameters; dates go as Unix seconds."""
        params: dict[str, str] = {}
        if self.direction is not None:
            params["direction"] = self.direction
        if self.payment_method is not None:
            params["payment_method"] = self.payment_method
        if self.token is not None:
            params["token"] = self.token
        if self.start is not None:
            params["startDate"] = unix_seconds(self.start)
        if self.end is not None:
            params["endDate"] = unix_seconds(self.end)
        if self.resource_types:
            params["resourceTypes"] = ",".join(self.resource_types)
        if self.resource is not None:
            params["resource"] = self.resource
        return params


def unix_seconds(moment: dt.datetime) -> str:
    """Exact Unix seconds as the node parses them (a decimal string, no float)."""
    delta = moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    micros = delta // dt.timedelta(microseconds=1)
    seconds = Decimal(micros).scaleb(-6).normalize()
    return format(seconds, "f")


@dataclass(frozen=True)
class HistoryItems:
    """A page of ``credit_history`` rows as the node sent them (JSON objects)."""

    address: str
    items: Sequence[dict[str, Any]]
    page: int
    page_size: int
    total: int


@dataclass(frozen=True)
class CreditHistoryPage:
    address: str
    entries: tuple[CreditHistoryEntry, ...]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.page_size) if self.page_size else 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass(frozen=True)
class CreditHistorySummary:
    address: str
    entry_count: int
    total_amount: int
    total_incoming: int
    total_outgoing: int


# --- messages (aleph-api.md §3.3) -----------------------------------------------------

MessageStatusName = Literal["pending", "processed", "rejected", "forgotten", "removing", "removed"]


@dataclass(frozen=True)
class PostResult:
    """What ``POST /api/v0/messages`` answered."""

    item_hash: str
    status: Literal["processed", "pending", "rejected"]
    http_status: int
    publication_status: str | None = None
    failed: tuple[str, ...] = ()


@dataclass(frozen=True)
class MessageStatus:
    """``GET /api/v0/messages/{hash}``: the status, and for a rejection its reason."""

    item_hash: str
    status: str
    reception_time: dt.datetime | None
    error_code: int | None = None
    errors: tuple[str, ...] = ()  # details["errors"], the node's reasons for a rejection
    details: dict[str, Any] | None = None

    @property
    def reason(self) -> str | None:
        return "; ".join(self.errors) if self.errors else None


# --- pricing (aleph-api.md §6) --------------------------------------------------------


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


# --- balances of several accounts -----------------------------------------------------


@dataclass(frozen=True)
class BalanceSlot:
    """One address of an overview: its balance, or the one-line reason it is missing."""

    address: str
    balance: Balance | None
    error: str | None = None


@dataclass(frozen=True)
class BalanceOverview:
    slots: tuple[BalanceSlot, ...]

    @property
    def total_credits(self) -> int:
        return sum(s.balance.credits for s in self.slots if s.balance is not None)

    @property
    def total_aleph(self) -> Decimal:
        return sum((s.balance.aleph for s in self.slots if s.balance is not None), Decimal(0))

    @property
    def complete(self) -> bool:
        return all(s.balance is not None for s in self.slots)
