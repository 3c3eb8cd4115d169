"""Row 3: the history of an address with 100 000 entries (``devnet --history 100000``).

- Page flips in the History view, driven with Pilot on the real app (``]``, ``[``, ``G``,
  ``g``): from the key press to the new page's rows on screen (request plus render), p95.
- Memory of the client (tracemalloc peak) while it pages deep into the history and exports
  all of it, against the same at 10 000 entries: flat in history size.
- CSV export of every row through the service (what ``e`` in the view runs), < 3 s.

The baseline of each measure is the same measure on a devnet with 10 000 entries.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from aleph_tui.core.accounts.account_store import AccountStore
from aleph_tui.core.flows.history_pages import HistoryPages
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.ui.app import AlephApp
from aleph_tui.ui.views.history_view import HistoryView
from aleph_tui.ui.widgets.history_table import HistoryTable
from bench.common import Devnet, Result, devnet, main_for, percentile

SIZES = (10_000, 100_000)
FLIP_TARGET_MS = 50.0
EXPORT_TARGET_S = 3.0
FLAT_RATIO = 1.5
# The keys of a person reading the history: forward, back, to the end and back to the top.
NEXT, PREVIOUS = "right_square_bracket", "left_square_bracket"
FLIPS = [NEXT] * 15 + [PREVIOUS] * 5 + ["G"] + [PREVIOUS] * 5 + ["g"] + [NEXT] * 10


@dataclass
class Measured:
    flips_ms: list[float]
    cold_flips_ms: list[float]  # every page requested at the flip
    export_s: float
    export_rows: int
    peak_mib: float


def make_service(net: Devnet, home: Path) -> CreditService:
    """A service whose account store holds the history address alone, watch-only."""
    manifest = home / "aleph" / "accounts.toml"
    manifest.parent.mkdir(parents=True)
    address = net.document["history_account"]
    manifest.write_text(
        'default = "history"\n\n[[accounts]]\nname = "history"\nchain = "ETH"\n'
        f'address = "{address}"\nkind = "ledger"\n'
    )
    store = AccountStore(
        manifest_path=manifest,
        keystore_dir=home / "aleph" / "keystores",
        legacy_home=home / "aleph-client",
        prompt=None,
    )
    return CreditService(
        devnet_from_document(net.document), journal=Journal(home / "j.sqlite3"), accounts=store
    )


async def until(check: Callable[[], bool], what: str, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)


@contextmanager
def every_page_from_the_node() -> Iterator[None]:
    """No read-ahead and no kept pages: each flip waits for its request."""
    read_ahead, cached = HistoryPages.read_ahead, HistoryPages.cached

    def never(self: HistoryPages, number: int, last: int = 0) -> None:
        return None

    HistoryPages.read_ahead = never  # type: ignore[method-assign]
    HistoryPages.cached = never  # type: ignore[method-assign]
    try:
        yield
    finally:
        HistoryPages.read_ahead = read_ahead  # type: ignore[method-assign]
        HistoryPages.cached = cached  # type: ignore[method-assign]


async def page_flips(net: Devnet, home: Path) -> list[float]:
    app = AlephApp(make_service(net, home), views=[HistoryView])
    timings: list[float] = []
    async with app.run_test(size=(140, 40)) as pilot:
        view = app.query_one(HistoryView)
        table = view.query_one(HistoryTable)

        def shown(page: int) -> bool:
            loaded = view.loaded
            return loaded is not None and loaded.page == page and not table.loading

        def turned(before: int) -> bool:
            return view.page != before

        await until(lambda: shown(1), "page 1")
        table.focus()
        await pilot.pause()
        for key in FLIPS:
            before = view.page
            start = time.perf_counter()
            app.simulate_key(key)
            await until(partial(turned, before), f"{key} to turn the page")
            await until(lambda: shown(view.page), f"page {view.page}")
            painted = asyncio.Event()
            app.call_after_refresh(painted.set)
            await painted.wait()
            timings.append((time.perf_counter() - start) * 1000)
        await pilot.pause()
    return timings


async def export_all(net: Devnet, home: Path) -> tuple[float, int]:
    service = make_service(net, home / "export")
    try:
        start = time.perf_counter()
        result = await service.export_history(
            net.document["history_account"], home / "history.csv", "csv"
        )
        return time.perf_counter() - start, result.rows
    finally:
        await service.aclose()


async def memory_peak(net: Devnet, home: Path) -> float:
    """MiB allocated at most while paging deep and exporting everything (tracemalloc)."""
    service = make_service(net, home / "memory")
    address = net.document["history_account"]
    tracemalloc.start()
    try:
        first = await service.api.credit_history(address, page=1, page_size=50)
        for page in (2, first.pages // 2, first.pages - 1, first.pages):
            await service.api.credit_history(address, page=page, page_size=50)
        await service.export_history(address, home / "memory.csv", "csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await service.aclose()
    return peak / 2**20


def measure(entries: int) -> Measured:
    with (
        devnet("--chain", "embedded", "--history", str(entries)) as net,
        tempfile.TemporaryDirectory(prefix="aleph-bench-b3-") as tmp,
    ):
        home = Path(tmp)
        os.environ["XDG_CONFIG_HOME"] = str(home / "config")  # no user settings
        os.environ["XDG_DATA_HOME"] = str(home / "data")
        flips = asyncio.run(page_flips(net, home / "ui"))
        with every_page_from_the_node():
            cold = asyncio.run(page_flips(net, home / "ui-cold"))
        export_s, rows = asyncio.run(export_all(net, home))
        peak = asyncio.run(memory_peak(net, home))
    if rows != entries:
        raise RuntimeError(f"the export wrote {rows} rows of {entries}")
    return Measured(flips, cold, export_s, rows, peak)


def run() -> list[Result]:
    small, large = (measure(n) for n in SIZES)
    p95, p95_small = percentile(large.flips_ms, 95), percentile(small.flips_ms, 95)
    cold, cold_small = percentile(large.cold_flips_ms, 95), percentile(small.cold_flips_ms, 95)
    return [
        Result(
            number=3,
            measure=f"history page flip p95 at {SIZES[1]:,} entries (Pilot, request + render)",
            value=p95,
            unit="ms",
            baseline=p95_small,
            target=f"p95 < {FLIP_TARGET_MS:.0f} ms",
            ok=p95 < FLIP_TARGET_MS,
            note=f"{len(large.flips_ms)} flips, pages read ahead, "
            f"max {max(large.flips_ms):.0f} ms; "
            f"baseline = {SIZES[0]:,} entries",
        ),
        Result(
            number=3,
            measure=f"the same flips with every page requested at the key press "
            f"(no read-ahead), {SIZES[1]:,} entries",
            value=cold,
            unit="ms",
            baseline=cold_small,
            target=f"p95 < {FLIP_TARGET_MS:.0f} ms",
            ok=cold < FLIP_TARGET_MS,
            note=f"max {max(large.cold_flips_ms):.0f} ms; baseline = {SIZES[0]:,} entries",
        ),
        Result(
            number=3,
            measure=f"client memory peak paging and exporting {SIZES[1]:,} entries",
            value=large.peak_mib,
            unit="MiB",
            baseline=small.peak_mib,
            target=f"flat: ≤ {FLAT_RATIO}× the {SIZES[0]:,}-entry run",
            ok=large.peak_mib <= FLAT_RATIO * small.peak_mib,
            note="tracemalloc peak",
        ),
        Result(
            number=3,
            measure=f"CSV export of all {SIZES[1]:,} entries",
            value=large.export_s,
            unit="s",
            baseline=small.export_s,
            target=f"< {EXPORT_TARGET_S:.0f} s",
            ok=large.export_s < EXPORT_TARGET_S,
            note=f"baseline = {SIZES[0]:,} entries",
        ),
    ]


if __name__ == "__main__":
    main_for(run)
