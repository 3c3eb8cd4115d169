"""The dashboard placeholder lists the devnet's accounts with their live balances."""

from __future__ import annotations

import httpx
from textual.widgets import DataTable, Static

from aleph_tui.ui.app import AlephTuiApp
from tests.devnet_process import RunningDevnet


async def test_shows_every_devnet_account_with_its_credits(devnet: RunningDevnet) -> None:
    app = AlephTuiApp(devnet.api_url)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.query_one(DataTable)
        assert table.row_count == len(devnet.document["accounts"])
        first = devnet.document["accounts"][0]["address"]
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{devnet.api_url}/api/v0/addresses/{first}/balance")
        credits = response.json()["credit_balance"]
        row = table.get_row_at(0)
        assert row[1] == first
        assert str(row[3]).startswith(f"{credits:,} ")
        assert "10 accounts" in str(app.query_one("#status", Static).render())


async def test_unreachable_api_is_reported_not_shown_as_zero() -> None:
    app = AlephTuiApp("http://127.0.0.1:9")
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.query_one(DataTable).row_count == 0
        assert "Unavailable" in str(app.query_one("#status", Static).render())
