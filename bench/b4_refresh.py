"""Row 4: refresh the balances of 50 accounts with 100 ms of latency injected on the CCN
API (the devnet's ``latency`` fault), as the Balance view does it (``balance_slots``:
concurrent, bounded, one HTTP client), against the same refresh one account at a time,
both in the same run on the same devnet."""

from __future__ import annotations

import asyncio

import httpx

from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.devnet.chain.engine import dev_accounts
from bench.common import Devnet, Result, devnet, main_for, median, timed

ACCOUNTS = 50
LATENCY_MS = 100
ROUNDS = 5
TARGET_S = 0.3
CHAIN = "anvil"


def inject_latency(net: Devnet) -> None:
    rule = {"kind": "latency", "target": "ccn", "delay_ms": LATENCY_MS}
    response = httpx.post(f"{net.api_url}/api/v0/devnet/faults", json=rule, timeout=10)
    response.raise_for_status()


async def measure(net: Devnet, addresses: list[str]) -> tuple[list[float], list[float]]:
    service = CreditService(devnet_from_document(net.document))
    concurrent: list[float] = []
    one_by_one: list[float] = []
    try:
        await service.balance_overview(addresses)  # a warm connection pool, as in the TUI
        for _ in range(ROUNDS):
            with timed() as t:
                overview = await service.balance_overview(addresses)
            assert all(slot.balance is not None for slot in overview.slots), overview
            concurrent.append(t.elapsed)
            with timed() as t:
                for address in addresses:
                    await service.api.balance(address)
            one_by_one.append(t.elapsed)
    finally:
        await service.aclose()
    return concurrent, one_by_one


def run() -> list[Result]:
    addresses = [account.address for account in dev_accounts(ACCOUNTS)]
    with devnet("--chain", CHAIN) as net:
        inject_latency(net)
        concurrent, one_by_one = asyncio.run(measure(net, addresses))
    value, baseline = median(concurrent), median(one_by_one)
    return [
        Result(
            number=4,
            measure=f"refresh {ACCOUNTS} accounts at {LATENCY_MS} ms latency, median of {ROUNDS}",
            value=value,
            unit="s",
            baseline=baseline,
            target=f"< {TARGET_S} s",
            ok=value < TARGET_S,
            note=f"slowest {max(concurrent):.3f} s; baseline = one account at a time",
        )
    ]


if __name__ == "__main__":
    main_for(run)
