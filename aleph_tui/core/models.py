"""Typed views of the Aleph API's answers. Amounts are Decimal or int, never float."""

from __future__ import annotations

import datetime as dt
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
