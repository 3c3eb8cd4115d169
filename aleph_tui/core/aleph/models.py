"""Typed views of the Aleph API's balance answers, and the credit arithmetic every part uses.
Amounts are Decimal or int, never float. The history's, messages' and pricing's models are
in their own modules (history_models, message_models, pricing_models), which the
dashboard's start-up does not load."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

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
    """``3,900,000 ($3.90)``: core/formatting.credits_with_usd, the one formatter (kept
    under this name for its callers)."""
    from aleph_tui.core.formatting import credits_with_usd  # formatting imports this module

    return credits_with_usd(credits)


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

    def totals(self) -> BalanceTotals:
        """The sums over every slot that has a balance (each address once)."""
        return balance_totals({slot.address: slot.balance for slot in self.slots})


@dataclass(frozen=True)
class BalanceTotals:
    """Credits, their USD value and ALEPH summed over several addresses (accounts and
    watched ones). ``missing`` addresses had no balance and are not in the sums."""

    credits: int
    aleph: Decimal
    counted: int
    missing: int

    @property
    def credits_usd(self) -> Decimal:
        return credits_to_usd(self.credits)

    @property
    def complete(self) -> bool:
        return self.missing == 0


def balance_totals(balances: Mapping[str, Balance | None]) -> BalanceTotals:
    """The totals of ``balances`` (address → latest balance, None when unknown): an
    address is counted once however many names it has."""
    by_address: dict[str, Balance | None] = {}
    for address, balance in balances.items():
        key = address.lower()
        if by_address.get(key) is None:
            by_address[key] = balance
    known = [b for b in by_address.values() if b is not None]
    return BalanceTotals(
        credits=sum(b.credits for b in known),
        aleph=sum((b.aleph for b in known), Decimal(0)),
        counted=len(known),
        missing=len(by_address) - len(known),
    )
