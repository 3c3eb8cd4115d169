"""The dashboard stays responsive while 500 accounts and watched addresses refresh behind
100 ms of injected latency (issue 17), with Pilot on the devnet: a key pressed while the
refresh runs is handled at once, and the refresh then fills every row and the totals."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from aleph_tui.ui.views import ViewSpec
from aleph_tui.ui.views.balance_view import BalanceView
from aleph_tui.ui.widgets.accounts_balance_table import AccountsBalanceTable
from tests.integration.test_watch_scale import synthetic
from tests.support.devnet_process import RunningDevnet
from tests.support.faults import injected
from tests.support.isolation import isolated
from tests.support.ui_app import DEV_ACCOUNTS, PATIENCE_S, build_app, open_view, until

ACCOUNTS = 250
WATCHED = 250
LATENCY_MS = 100
# From a key press to its effect, on 2 cores shared with a busy suite (a cursor move
# repaints a row); the refresh behind it takes at least 10 rounds of the latency.
KEY_BOUND_S = 0.5


def add_ledger_accounts(manifest: Path, count: int) -> None:
    """``count`` more accounts in the aleph CLI's manifest (Ledger ones: no key here)."""
    with manifest.open("a", encoding="utf-8") as file:
        for i in range(count):
            file.write(
                f'\n[[accounts]]\nname = "ledger-{i}"\nchain = "ETH"\n'
                f'address = "{synthetic(f"ui account {i}")}"\nkind = "ledger"\n'
            )


# The first load of 500 balances on a devnet that reads each on its chain is slow on a
# loaded machine; the measured part is the refresh.
@pytest.mark.timeout(300)
async def test_a_key_is_handled_while_500_balances_refresh(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with isolated(tmp_path, monkeypatch):
        app = await build_app(devnet.document, tmp_path)
        add_ledger_accounts(app.service.accounts.manifest_path, ACCOUNTS - DEV_ACCOUNTS)
        for i in range(WATCHED):
            app.service.watch(f"watched-{i}", synthetic(f"ui watched {i}"))
        app.views = [ViewSpec.of(BalanceView)]
        async with app.run_test(size=(140, 40)) as pilot:
            await open_view(pilot, "balance")
            table = app.query_one(AccountsBalanceTable)
            assert table.row_count == ACCOUNTS + WATCHED
            totals = app.query_one("#balance-totals")
            assert str(totals.render()).startswith("Total of 500 addresses")
            table.focus()
            await pilot.pause()

            with injected(devnet.api_url, "latency", target="ccn", delay_ms=LATENCY_MS):
                await pilot.press("r")
                refresh = [w for w in app.workers if w.name == "balance-overview"]
                assert refresh and refresh[-1].is_running
                row = table.cursor_row
                start = time.perf_counter()
                app.simulate_key("down")
                deadline = start + PATIENCE_S
                while table.cursor_row != row + 1:
                    assert time.perf_counter() < deadline, "the key was never handled"
                    await asyncio.sleep(0.002)
                handled = time.perf_counter() - start
                during = refresh[-1].is_running
                await until(pilot, lambda: not refresh[-1].is_running, "the refresh")

            assert during, f"the refresh ended before the key was handled ({handled:.3f} s)"
            assert handled < KEY_BOUND_S, handled
            assert table.cursor_row == row + 1  # rows filled in place, the cursor kept
            assert str(totals.render()).startswith("Total of 500 addresses")
