"""The dashboard stays responsive while 50 accounts refresh (issue 6, "Load"), with Pilot
on the devnet and the node slowed down by its ``latency`` fault: cursor moves and tab
switches made while the refresh is in flight show on screen within a bound, and the
refresh then fills all 50 rows in place, the cursor left where the user put it."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eth_utils.address import to_checksum_address
from textual.app import App

from aleph_tui.ui.views import ViewSpec
from aleph_tui.ui.views.balance_view import BalanceView
from aleph_tui.ui.views.history_view import HistoryView
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.accounts_balance_table import AccountsBalanceTable
from tests.support.devnet_process import RunningDevnet
from tests.support.faults import injected
from tests.support.isolation import isolated
from tests.support.ui_app import DEV_ACCOUNTS, build_app, open_view, until

ACCOUNTS = 50
SIZE = (140, 40)
# Long enough for every key press below to land while the balances are on their way:
# an event loop blocked by the refresh would hold a key this long.
LATENCY_MS = 4000
# From a key press to the screen showing its effect, on 2 cores shared with a busy suite.
# A cursor move repaints a row; a tab switch repaints the whole screen and its footer,
# which alone takes up to two seconds on such a machine whether or not a refresh runs.
CURSOR_BOUND_S = 0.5
TAB_BOUND_S = 3.0


async def timed_press(app: App[Any], key: str, shown: Callable[[], bool]) -> float:
    """Seconds from pressing ``key`` to the screen showing its effect: ``shown`` holds and
    the screen has been repainted after it. (Pilot's own press also waits for the app to
    go idle, which a loading spinner elsewhere on screen postpones.)"""
    start = time.perf_counter()
    app.simulate_key(key)
    deadline = start + 10
    while not shown():
        assert time.perf_counter() < deadline, f"the effect of {key!r} never showed"
        await asyncio.sleep(0.002)
    painted = asyncio.Event()
    app.call_after_refresh(painted.set)
    await asyncio.wait_for(painted.wait(), timeout=10)
    return time.perf_counter() - start


def ms(seconds: list[float]) -> str:
    return "/".join(f"{s * 1000:.0f}" for s in seconds) + " ms"


def add_watch_accounts(manifest: Path, count: int) -> None:
    """``count`` more accounts, as the aleph CLI lists hardware-wallet ones (an address,
    no key here), appended to the store's accounts.toml."""
    entries = []
    for index in range(count):
        digest = hashlib.sha256(f"watch {index}".encode()).hexdigest()
        address = to_checksum_address("0x" + digest[:40])
        entries.append(
            f'\n[[accounts]]\nname = "watch-{index}"\nchain = "ETH"\n'
            f'address = "{address}"\nkind = "ledger"\n'
            f"derivation_path = \"m/44'/60'/0'/0/{index}\"\n"
        )
    with manifest.open("a", encoding="utf-8") as file:
        file.write("".join(entries))


def filled(table: AccountsBalanceTable) -> int:
    """Rows showing a balance (not loading, not unavailable)."""
    count = 0
    for row in range(table.row_count):
        status = str(table.get_row_at(row)[-1])
        credits = str(table.get_row_at(row)[4])
        if not status and credits != fmt.UNAVAILABLE:
            count += 1
    return count


async def test_keys_answer_within_bound_while_50_accounts_refresh(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with isolated(tmp_path, monkeypatch):
        app = await build_app(devnet.document, tmp_path, accounts=DEV_ACCOUNTS)
        add_watch_accounts(app.service.accounts.manifest_path, ACCOUNTS - DEV_ACCOUNTS)
        app.views = [ViewSpec.of(BalanceView), ViewSpec.of(HistoryView)]
        async with app.run_test(size=SIZE) as pilot:
            view = await open_view(pilot, "balance")
            assert isinstance(view, BalanceView)
            table = app.query_one(AccountsBalanceTable)
            assert table.row_count == ACCOUNTS
            assert filled(table) == ACCOUNTS
            # History once, as a person would have: its first page is not what is measured.
            await open_view(pilot, "history")
            await open_view(pilot, "balance")
            table.focus()
            await pilot.pause()

            with injected(devnet.api_url, "latency", target="ccn", delay_ms=LATENCY_MS):
                started = time.perf_counter()
                await pilot.press("r")
                refresh = [w for w in app.workers if w.name == "balance-overview"]
                assert refresh and refresh[-1].is_running
                cursor: list[float] = []
                switch: list[float] = []
                for step in range(5):

                    def moved(row: int = table.cursor_row + 1) -> bool:
                        return table.cursor_row == row

                    cursor.append(await timed_press(app, "down", moved))
                    if step == 2:
                        switch.append(
                            await timed_press(app, "2", lambda: app.shown_view == "history")
                        )
                        switch.append(
                            await timed_press(app, "1", lambda: app.shown_view == "balance")
                        )
                        table.focus()
                        await pilot.pause()
                in_flight = refresh[-1].is_running
                cursor_address = table.coordinate_to_cell_key(table.cursor_coordinate).row_key

                await until(
                    pilot,
                    lambda: not refresh[-1].is_running and filled(table) == ACCOUNTS,
                    "all 50 balances",
                )
                total = time.perf_counter() - started

            timings = f"cursor {ms(cursor)}, tabs {ms(switch)}, refresh {total:.2f} s"
            print(timings)
            assert in_flight, f"the refresh ended before the keys were measured: {timings}"
            assert max(cursor) < CURSOR_BOUND_S, timings
            assert max(switch) < TAB_BOUND_S, timings
            assert table.row_count == ACCOUNTS
            # Filled in place: the row the user moved to is still under the cursor.
            assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key == cursor_address
            assert table.cursor_row == 5
            # Concurrent: one latency for all 50, not 50 of them.
            assert total < 3 * LATENCY_MS / 1000, total
