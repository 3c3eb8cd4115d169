"""500 accounts and watched addresses behind a slow node: the service's one client never
has more than 50 requests in flight to the node, whatever asks at the same time (the
Balance refresh, the balances asked ahead at start-up, History pages), as the devnet
counts them; and every balance comes back."""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path

from aleph_tui.core.accounts.account_store import AccountStore
from aleph_tui.core.aleph.api_client import MAX_IN_FLIGHT
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.core.validation import checksum_address
from tests.support.devnet_process import RunningDevnet
from tests.support.faults import injected, peak_in_flight, reset_in_flight

ACCOUNTS = 250
WATCHED = 250
LATENCY_MS = 100


def synthetic(label: str) -> str:
    return checksum_address("0x" + hashlib.sha256(label.encode()).hexdigest()[:40])


def store_of_500(home: Path, funded: list[str]) -> AccountStore:
    """250 accounts in the aleph CLI's manifest (the funded ones first; Ledger ones have
    no key here) and 250 watch-only ones in aleph-tui's file."""
    store = AccountStore(
        manifest_path=home / "aleph" / "accounts.toml",
        prompt=None,
        watch_path=home / "aleph-tui" / "watched.toml",
    )
    keyed = funded + [synthetic(f"account {i}") for i in range(ACCOUNTS - len(funded))]
    store.manifest_path.parent.mkdir(parents=True)
    store.manifest_path.write_text(
        "\n".join(
            f'[[accounts]]\nname = "ledger-{i}"\nchain = "ETH"\naddress = "{a}"\nkind = "ledger"\n'
            for i, a in enumerate(keyed)
        )
    )
    for i in range(WATCHED):
        store.watch(f"watched-{i}", synthetic(f"watched {i}"))
    return store


async def test_at_most_50_requests_in_flight_to_the_node(
    devnet: RunningDevnet, tmp_path: Path
) -> None:
    funded = [str(a["address"]) for a in devnet.document["accounts"][:3]]
    store = store_of_500(tmp_path, funded)
    service = CreditService(devnet_from_document(devnet.document), accounts=store)
    addresses = [a.address for a in service.account_list()]
    assert len(set(addresses)) == ACCOUNTS + WATCHED
    try:
        with injected(devnet.api_url, "latency", target="ccn", delay_ms=LATENCY_MS):
            reset_in_flight(devnet.api_url)
            started = time.monotonic()
            service.read_balances_ahead()  # 50 asked ahead, as at the dashboard's start
            pages = [service.api.credit_history(funded[0], page=p) for p in range(1, 21)]
            refresh = asyncio.ensure_future(service.balance_overview(addresses))
            await asyncio.gather(*pages)
            overview = await refresh
            elapsed = time.monotonic() - started
            peak = peak_in_flight(devnet.api_url)
    finally:
        await service.aclose()
    assert overview.complete, [s.error for s in overview.slots if s.error][:3]
    # 570 requests were wanted at once; the node saw 50 at most, and 50 at some point.
    assert peak == MAX_IN_FLIGHT, peak
    # So they took at least ceil(520 / 50) rounds of the latency, in the background of
    # every other figure (the bound is what spaced them).
    assert elapsed >= 10 * LATENCY_MS / 1000, elapsed
    totals = overview.totals()
    assert (totals.counted, totals.missing) == (ACCOUNTS + WATCHED, 0)
    assert totals.credits == sum(s.balance.credits for s in overview.slots if s.balance)
