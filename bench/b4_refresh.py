"""Row 4: refresh the balances of 500 accounts and watched addresses with 100 ms of
latency injected on the CCN API (the devnet's ``latency`` fault), as the Balance view does
it (``balance_slots`` over the service's one HTTP client), counted in round trips of that
latency, with the most requests the devnet answered at once (its in-flight gauge).

The addresses come from an account store like a user's: 250 accounts in the aleph CLI's
accounts.toml (Ledger ones: an address, no key here) and 250 watch-only ones in
aleph-tui's watched.toml. pyaleph has no batch balance read for chosen addresses
(``/api/v0/balances`` and ``/api/v0/credit_balances`` list every address, by page, with
neither locked amounts nor credit lots), so each address is one request: at most 50 in
flight, 500 / 50 = 10 round trips at best; the target is 12. The baseline is the 50
accounts of the earlier row, in the same run."""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from pathlib import Path

import httpx

from aleph_tui.core.accounts.account_store import AccountStore
from aleph_tui.core.aleph.api_client import MAX_IN_FLIGHT
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.core.validation import checksum_address
from aleph_tui.devnet.chain.engine import dev_accounts
from bench.common import Devnet, Result, devnet, main_for, median, timed

ACCOUNTS = 250
WATCHED = 250
BASELINE_ACCOUNTS = 50
LATENCY_MS = 100
ROUNDS = 5
MAX_ROUND_TRIPS = 12
# The embedded chain: its devnet serves a balance read again until the next block, as a
# node serves it from its database; on anvil every read of 500 would be an eth_call,
# a cost of the devnet standing in for a node, not of the refresh.
CHAIN = "embedded"


def inject_latency(net: Devnet) -> None:
    rule = {"kind": "latency", "target": "ccn", "delay_ms": LATENCY_MS}
    response = httpx.post(f"{net.api_url}/api/v0/devnet/faults", json=rule, timeout=10)
    response.raise_for_status()


def in_flight(net: Devnet, method: str) -> int:
    """The devnet's peak of concurrent CCN requests (DELETE: reset it first)."""
    url = f"{net.api_url}/api/v0/devnet/in-flight"
    response = httpx.request(method, url, timeout=10)
    response.raise_for_status()
    return int(response.json().get("ccn", {}).get("peak", 0))


def address(label: str) -> str:
    return checksum_address("0x" + hashlib.sha256(label.encode()).hexdigest()[:40])


def user_store(home: Path) -> AccountStore:
    """250 accounts (the devnet's funded ones first) and 250 watched addresses."""
    store = AccountStore(
        manifest_path=home / "aleph" / "accounts.toml",
        prompt=None,
        watch_path=home / "aleph-tui" / "watched.toml",
    )
    funded = [a.address for a in dev_accounts(3)]
    keyed = funded + [address(f"account {i}") for i in range(ACCOUNTS - len(funded))]
    entries = [
        f'[[accounts]]\nname = "ledger-{i}"\nchain = "ETH"\naddress = "{a}"\nkind = "ledger"\n'
        for i, a in enumerate(keyed)
    ]
    store.manifest_path.parent.mkdir(parents=True)
    store.manifest_path.write_text("\n".join(entries))
    for i in range(WATCHED):
        store.watch(f"watched-{i}", address(f"watched {i}"))
    return store


async def measure(net: Devnet, addresses: list[str]) -> tuple[list[float], list[float], int]:
    service = CreditService(devnet_from_document(net.document))
    full: list[float] = []
    baseline: list[float] = []
    try:
        # A refresh follows the first load, as in the TUI: a warm pool, and the devnet's
        # balances read once.
        await service.balance_overview(addresses)
        in_flight(net, "DELETE")
        for _ in range(ROUNDS):
            with timed() as t:
                overview = await service.balance_overview(addresses)
            assert all(slot.balance is not None for slot in overview.slots), overview
            full.append(t.elapsed)
            with timed() as t:
                await service.balance_overview(addresses[:BASELINE_ACCOUNTS])
            baseline.append(t.elapsed)
    finally:
        await service.aclose()
    return full, baseline, in_flight(net, "GET")


def run() -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="aleph-bench-b4-") as home:
        store = user_store(Path(home))
        accounts = store.accounts() + store.watched()
    addresses = [account.address for account in accounts]
    assert len(set(addresses)) == ACCOUNTS + WATCHED
    with devnet("--chain", CHAIN) as net:
        inject_latency(net)
        full, baseline, peak = asyncio.run(measure(net, addresses))
    value = median(full)
    trips = value / (LATENCY_MS / 1000)
    slowest = max(full) / (LATENCY_MS / 1000)
    return [
        Result(
            number=4,
            measure=(
                f"refresh {ACCOUNTS} accounts + {WATCHED} watched at {LATENCY_MS} ms "
                f"latency, median of {ROUNDS}"
            ),
            value=value,
            unit="s",
            baseline=median(baseline),
            target=f"≤ {MAX_ROUND_TRIPS} round trips, ≤ {MAX_IN_FLIGHT} in flight",
            ok=trips <= MAX_ROUND_TRIPS and peak <= MAX_IN_FLIGHT,
            note=(
                f"{trips:.1f} round trips (slowest {slowest:.1f}); at most {peak} requests "
                f"in flight at the devnet; baseline = {BASELINE_ACCOUNTS} accounts"
            ),
        )
    ]


if __name__ == "__main__":
    main_for(run)
