"""The credit history's typed rows, pages, filters and summary (aleph-api.md §2), and
how a row the node sent is read. Apart from models.py: the dashboard's start-up has no
use for them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from aleph_tui.core.aleph.models import credits_to_usd
from aleph_tui.core.aleph.node_values import node_datetime, node_decimal
from aleph_tui.core.validation import RESOURCE_TYPES

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
# The payment methods a node's credit history holds (aleph-api.md §2, "How rows are
# written"): pyaleph writes ``credit_expense`` for expenses and ``credit_transfer`` for
# transfers; a distribution carries the credit service's own: ``token_transfer`` for a
# purchase, ``grant`` for credits granted (the devnet's seed, as the network's grants).
PAYMENT_METHODS = ("credit_expense", "credit_transfer", "token_transfer", "grant")
# pyaleph's ``resourceTypes``: aleph-message's MessageType values (tests check they agree).


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

    @property
    def detail(self) -> str:
        """What the entry is about, in a few words (the History view's and the
        ``credit history`` command's Detail column)."""
        if self.payment_method == "credit_transfer" and self.origin:
            return ("from " if self.amount > 0 else "to ") + self.origin
        if self.payment_method == "credit_expense" and self.origin_ref:
            return "resource " + self.origin_ref[:12] + "…"
        if self.token:
            return " ".join(filter(None, (self.token, self.chain)))
        return self.provider or ""


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


def history_entry(item: dict[str, Any]) -> CreditHistoryEntry:
    """One ``credit_history`` row of the node as an entry."""
    get = item.get
    timestamp = node_datetime(item["message_timestamp"])
    assert timestamp is not None
    price, bonus, expires = get("price"), get("bonus_amount"), get("expiration_date")
    count, size = get("expense_count"), get("expense_size_mib")
    return CreditHistoryEntry(
        amount=int(item["amount"]),
        price=None if price is None else node_decimal(price),
        bonus_amount=None if bonus is None else int(bonus),
        tx_hash=get("tx_hash"),
        token=get("token"),
        chain=get("chain"),
        provider=get("provider"),
        origin=get("origin"),
        origin_ref=get("origin_ref"),
        payment_method=get("payment_method"),
        credit_ref=str(item["credit_ref"]),
        credit_index=int(item["credit_index"]),
        expiration=node_datetime(expires),
        timestamp=timestamp,
        expense_count=None if count is None else int(count),
        expense_size_mib=None if size is None else node_decimal(size),
    )
