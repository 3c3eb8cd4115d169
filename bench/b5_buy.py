"""Row 5: buy credits on the devnet's embedded chain, from the user's confirmation until
the credits are visible in the account's balance, through the same facade as the TUI."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.common import Result, devnet, main_for, median
from bench.dev_keys import dev_key

BUYERS = (3, 4, 5, 6, 7)  # unseeded dev accounts: one fresh buyer per round
TOKEN, AMOUNT = "USDC", "2"
TARGET_SECONDS = 2.0
POLL_S = 0.02


async def _buy_rounds(document: dict[str, object], home: Path) -> list[float]:
    from aleph_tui.core.accounts.account_store import AccountStore
    from aleph_tui.core.accounts.signer import Signer
    from aleph_tui.core.journal.operation_journal import Journal
    from aleph_tui.core.networks import devnet_from_document
    from aleph_tui.core.service import CreditService

    service = CreditService(
        devnet_from_document(document),
        journal=Journal(home / "journal.sqlite3"),
        accounts=AccountStore(
            manifest_path=home / "accounts.toml", keystore_dir=home / "keystores", prompt=None
        ),
    )
    accounts = document["accounts"]
    assert isinstance(accounts, list)
    timings: list[float] = []
    try:
        for index in BUYERS:
            address = str(accounts[index]["address"])
            before = await _credits(service, address)
            quote = await service.buy_quote(TOKEN.lower(), AMOUNT, address)
            assert quote.estimated_credits, "the devnet's Credit API gave no estimate"
            confirmed = time.perf_counter()  # the user said "yes"
            result = await service.buy(quote, Signer(dev_key(index)))
            if result.status != "completed":
                raise RuntimeError(f"buy {result.status}: {result.error}")
            while await _credits(service, address) < before + quote.estimated_credits:
                if time.perf_counter() - confirmed > 30:
                    raise TimeoutError("the credits never showed in the balance")
                await asyncio.sleep(POLL_S)
            timings.append(time.perf_counter() - confirmed)
    finally:
        await service.aclose()
    return timings


async def _credits(service: object, address: str) -> int:
    overview = await service.balance_overview([address])  # type: ignore[attr-defined]
    balance = overview.slots[0].balance
    return 0 if balance is None else int(balance.credits)


def run() -> list[Result]:
    with devnet("--chain", "embedded") as net, tempfile.TemporaryDirectory() as home:
        timings = asyncio.run(_buy_rounds(net.document, Path(home)))
    value = median(timings)
    return [
        Result(
            number=5,
            measure=f"buy {AMOUNT} {TOKEN}, confirm until credits visible (median of "
            f"{len(timings)}, embedded chain)",
            value=value,
            unit="s",
            baseline=None,
            target=f"< {TARGET_SECONDS:g} s",
            ok=max(timings) < TARGET_SECONDS,
            note=f"slowest {max(timings):.3f} s",
        )
    ]


if __name__ == "__main__":
    main_for(run)
