"""Submit (ctrl+s, or Enter in a field) on a Buy or Transfer form that cannot be sent says
why, naming the field and the rule, instead of doing nothing; nothing opens, nothing is
signed."""

from __future__ import annotations

from pathlib import Path

import pytest

from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import build_app, fill, open_view, until

SIZE = (80, 24)


@pytest.mark.parametrize(
    ("view_id", "typed", "said"),
    [
        ("buy", {}, "Buy is disabled until the Amount is filled in"),
        ("buy", {"#buy-amount-input": "-1"}, "Buy is disabled: amount:"),
        ("transfer", {}, "Send is disabled until To (address, account or alias) and"),
        ("transfer", {"#transfer-to-input": "dev-1"}, "Send is disabled until Amount"),
        ("transfer", {"#transfer-to-input": "0x123"}, "Send is disabled: to:"),
    ],
)
async def test_submit_on_a_form_that_cannot_be_sent_says_why(
    devnet: RunningDevnet, home: Path, view_id: str, typed: dict[str, str], said: str
) -> None:
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, view_id)
        for selector, text in typed.items():
            await fill(pilot, selector, text)
        app.notified.clear()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(app.notified), "a word on why nothing happened")
        assert any(said in note for note in app.notified), app.notified
        assert not isinstance(app.screen, SigningConfirmation)
