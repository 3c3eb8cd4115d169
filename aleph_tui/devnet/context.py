"""What the devnet's HTTP handlers share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import web

from aleph_tui.devnet.faults import FaultStore
from aleph_tui.devnet.processor import CreditRules, Pending
from aleph_tui.devnet.store import Store

# Reads an address's ALEPH balance on the devnet chain, in whole tokens.
AlephBalanceReader = Callable[[str], Awaitable[Decimal]]


@dataclass
class DevnetContext:
    store: Store
    rules: CreditRules
    aleph_balance: AlephBalanceReader
    document: dict[str, Any] = field(default_factory=dict)
    # "all": the Credit API lists every payment; "none": it has no record of a payment
    # made by a direct transfer (those seen on chain), as the real one may never have
    # for a payment that did not start with its POST /payment.
    credit_api_records: str = "all"
    # Called after a message is processed, so the credit service can follow payments.
    on_processed: list[Callable[[str], None]] = field(default_factory=list)
    faults: FaultStore = field(default_factory=FaultStore)
    # Messages an ``accept_202`` fault left pending; processed once no such rule is left.
    held: list[Pending] = field(default_factory=list)
    # The dev accounts: /api/v0/balances lists their ALEPH with the ledger's addresses.
    holders: Sequence[str] = ()


CONTEXT_KEY = web.AppKey("devnet", DevnetContext)
