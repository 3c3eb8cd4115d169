"""Which of the sender's credit lots a transfer spends, and the expiry each part really gets.

pyaleph (``db/accessors/balances.py``: ``_consume_address_credits``,
``_compute_transfer_entries_by_expiration``) drains the sender's still-valid lots in
emission order ``(message_timestamp, credit_ref, credit_index)``, and gives each drained
portion to the recipient with its expiration capped at ``min(source lot's, requested)``
(a lot that never expires takes the requested one; no request keeps the source's).

The node does not list a sender's lots with what remains of each; it gives what remains
per expiration (balance details) and every lot ever received (the incoming history).
Within one expiration the lots drain oldest first, so what remains of that expiration
sits in its newest lots: walking the incoming history newest first, each lot takes what
is left of its expiration's remainder until every remainder is placed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aleph_tui.core.aleph.api_client import AlephApi
from aleph_tui.core.aleph.history_models import CreditHistoryEntry, HistoryFilters
from aleph_tui.core.aleph.models import Balance, CreditLot
from aleph_tui.core.formatting import credits, utc_minute

HISTORY_PAGE = 200  # the node's cursor cap, and the SDK's page size


@dataclass(frozen=True)
class HeldLot:
    """One lot the sender holds: where it came from, and what is left of it."""

    credit_ref: str  # the message that granted it
    credit_index: int
    issued: dt.datetime  # its message_timestamp: the spending order
    expiration: dt.datetime | None
    remaining: int

    @property
    def name(self) -> str:
        """A short reference to the lot: its message hash, abbreviated, and its index."""
        return f"{self.credit_ref[:8]}…:{self.credit_index}"


@dataclass(frozen=True)
class SpentLot:
    """A part of a transfer: taken from ``source``, arriving with ``expiration``."""

    amount: int
    source: HeldLot
    expiration: dt.datetime | None

    def text(self) -> str:
        """One short line, to fit a confirmation at 80 columns:
        ``24,770,458 from lot 403dc31c…:0 → expire 2027-01-26 13:16``."""
        arrives = "never expire"
        if self.expiration is not None:
            arrives = f"expire {utc_minute(self.expiration)}"
        return f"{credits(self.amount)} from lot {self.source.name} → {arrives}"


@dataclass(frozen=True)
class HeldLots:
    """The sender's lots in the node's spending order, from one balance and its history."""

    balance: Balance
    lots: tuple[HeldLot, ...]
    unplaced: int  # credits the history did not account for (0: the order is exact)

    @property
    def exact(self) -> bool:
        return self.unplaced == 0


def _order(entry: CreditHistoryEntry) -> tuple[dt.datetime, str, int]:
    return entry.timestamp, entry.credit_ref, entry.credit_index


def place_remainders(
    details: Sequence[CreditLot], incoming_newest_first: Iterable[CreditHistoryEntry]
) -> tuple[list[HeldLot], dict[dt.datetime | None, int]]:
    """Each expiration's remainder placed on its newest lots (newest first), and what is
    left unplaced per expiration."""
    left: dict[dt.datetime | None, int] = {}
    for detail in details:
        left[detail.expiration] = left.get(detail.expiration, 0) + detail.amount
    placed: list[HeldLot] = []
    for entry in incoming_newest_first:
        if entry.amount <= 0:
            continue
        take = min(entry.amount, left.get(entry.expiration, 0))
        if take > 0:
            left[entry.expiration] -= take
            lot = HeldLot(
                entry.credit_ref, entry.credit_index, entry.timestamp, entry.expiration, take
            )
            placed.append(lot)
    return placed, left


async def held_lots(api: AlephApi, address: str) -> HeldLots:
    """The sender's lots with what remains of each, oldest-issued first: one balance read
    and the incoming history read newest first until every remainder is placed (one round
    trip for most senders: the balance and the first page are asked together)."""
    incoming = HistoryFilters(direction="incoming")
    balance, page = await asyncio.gather(
        api.balance(address, credit_details=True),
        api.credit_history(address, page_size=HISTORY_PAGE, filters=incoming),
    )
    entries: list[CreditHistoryEntry] = list(page.entries)
    number = 1
    while True:
        placed, left = place_remainders(balance.lots, sorted(entries, key=_order, reverse=True))
        unplaced = sum(left.values())
        if unplaced == 0 or number >= page.pages or not page.entries:
            break
        number += 1
        page = await api.credit_history(
            address, page=number, page_size=HISTORY_PAGE, filters=incoming
        )
        entries.extend(page.entries)
    placed.reverse()
    return HeldLots(balance, tuple(placed), unplaced)


def spend(
    lots: Sequence[HeldLot], amount: int, requested: dt.datetime | None
) -> tuple[SpentLot, ...]:
    """The parts of a transfer of ``amount`` as the node makes them: lots drained in
    order (``lots`` oldest-issued first), each part capped at min(source, requested)."""
    parts: list[SpentLot] = []
    remaining = amount
    for lot in lots:
        if remaining <= 0:
            break
        take = min(lot.remaining, remaining)
        remaining -= take
        if lot.expiration is None:
            expiration = requested
        elif requested is None:
            expiration = lot.expiration
        else:
            expiration = min(lot.expiration, requested)
        parts.append(SpentLot(take, lot, expiration))
    return tuple(parts)


def recipient_lots(parts: Sequence[SpentLot]) -> tuple[CreditLot, ...]:
    """The lots the recipient gets, in order: neighbouring parts with the same expiration
    are merged, as the node does (one history row each)."""
    merged: list[CreditLot] = []
    for part in parts:
        if merged and merged[-1].expiration == part.expiration:
            merged[-1] = CreditLot(part.expiration, merged[-1].amount + part.amount)
        else:
            merged.append(CreditLot(part.expiration, part.amount))
    return tuple(merged)
