"""The dashboard with ``--read-only`` (what ``aleph-tui serve`` runs without
``--allow-signing``): nothing is signed and no key changes, whatever is pressed."""

from __future__ import annotations

from pathlib import Path

import pytest

from aleph_tui.core.service import READ_ONLY_REFUSAL, ReadOnly
from aleph_tui.ui.views.accounts_view import AccountsView
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import build_app, show_view, until


async def test_a_read_only_dashboard_loads_no_key_and_changes_no_account(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home, accounts=2)
    app.service.read_only = True
    names = [a.name for a in app.service.accounts.accounts()]
    with pytest.raises(ReadOnly):
        await app.service.account_signer(names[0])
    async with app.run_test(size=(100, 30)) as pilot:
        await show_view(pilot, "accounts", AccountsView)
        for key in ("n", "i", "e"):
            await pilot.press(key)
            await until(
                pilot,
                lambda: any(READ_ONLY_REFUSAL in n for n in app.notified),
                f"refusal of {key}",
            )
            app.notified.clear()
            assert app.screen is app.screen_stack[0]  # no modal opened
    assert [a.name for a in app.service.accounts.accounts()] == names
