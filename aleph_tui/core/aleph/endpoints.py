"""The requests both HTTP clients make: the service's (httpx) and the early reads' made
while the dashboard loads (core/aleph/early_reads.py). One place for each path and query."""

from __future__ import annotations

DEVNET_DOCUMENT = "/api/v0/devnet"


def balance_request(address: str, *, credit_details: bool = True) -> tuple[str, dict[str, str]]:
    """The path and query of an address's balance (with its credit lots by default)."""
    return (
        f"/api/v0/addresses/{address}/balance",
        {"include_credit_details": "true" if credit_details else "false"},
    )
