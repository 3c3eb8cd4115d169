"""The Buy form between the keys (issue 16 point 10), with Pilot on the devnet's chain:
Max leaves the cursor at the end of the amount and says when the wallet is empty,
another token clears the amount, a new purchase starts from a clean Progress panel, and
a transaction hash is shown shortened (never wrapped) with the full value copyable.

The payer is dev account 4 (as in test_ui_buy.py's dry runs: nothing is sent here), and
an empty wallet is a fresh key.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from textual.widgets import RadioButton

from aleph_tui.core.formatting import plain_decimal
from aleph_tui.devnet.chain.engine import dev_accounts
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.views.buy_view import BuyView
from tests.support.credit_helpers import fresh_key
from tests.support.devnet_process import RunningDevnet
from tests.support.isolation import isolated
from tests.support.ui_app import UiTestApp, build_app, show_view, until

SIZE = (160, 45)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with isolated(tmp_path, monkeypatch):
        yield tmp_path


async def payer_app(devnet: RunningDevnet, home: Path, private_key: str) -> UiTestApp:
    app = await build_app(devnet.document, home, accounts=0)
    store = app.service.accounts
    await store.import_key("buyer", private_key)
    store.use("buyer")
    return app


async def test_max_puts_the_cursor_at_the_end_and_another_token_clears_the_amount(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await payer_app(devnet, home, dev_accounts(5)[4].private_key)
    async with app.run_test(size=SIZE) as pilot:
        view = await show_view(pilot, "buy", BuyView)
        view.query_one("#buy-token-USDC", RadioButton).value = True
        await until(pilot, lambda: view.token == "USDC" and view.balances is not None, "USDC")
        usdc = None if view.balances is None else view.balances.usdc
        assert usdc is not None and usdc > 0
        whole = plain_decimal(usdc)
        await pilot.click("#buy-max")
        await until(pilot, lambda: view.amount_field.value == whole, "Max")
        assert app.focused is view.amount_field.input
        await pilot.press("backspace")  # trims the last digit, not the whole value
        assert view.amount_field.value == whole[:-1]
        await pilot.press("1")
        assert view.amount_field.value == whole[:-1] + "1"

        await pilot.click("#buy-token-ALEPH")
        await until(pilot, lambda: view.token == "ALEPH", "ALEPH")
        assert view.amount_field.value == ""  # never the USDC figure as ALEPH
        assert view.estimate is None


async def test_max_with_an_empty_wallet_says_so_under_the_amount(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await payer_app(devnet, home, fresh_key().private_key)
    async with app.run_test(size=SIZE) as pilot:
        view = await show_view(pilot, "buy", BuyView)
        await until(pilot, lambda: view.balances is not None, "the wallet")
        assert view.balances is not None and view.balances.aleph == Decimal(0)
        await pilot.click("#buy-max")
        rule = "amount: Max: the wallet holds no ALEPH"
        await until(pilot, lambda: view.amount_field.rule_text == rule, "Max's message")
        assert view.amount_field.value == ""


async def test_a_new_purchase_starts_clean_and_the_hash_is_short_and_copyable(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await payer_app(devnet, home, dev_accounts(5)[4].private_key)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await show_view(pilot, "buy", BuyView)
        view.query_one("#buy-token-USDC", RadioButton).value = True
        await until(pilot, lambda: view.token == "USDC", "USDC")
        view.amount_field.value = "1"
        view.amount_field.focus_input()
        await until(pilot, lambda: view.estimate is not None, "the live estimate")
        await pilot.press("ctrl+t")  # a dry run: signed, nothing sent
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "the modal")
        await pilot.press("y")
        await until(pilot, lambda: not view.busy and view.last_result is not None, "the end")
        result = view.last_result
        assert result is not None and result.status == "dry_run"
        tx_hash = result.tx_hash
        signed = next(step for step in view.steps.steps if step.key == "signed")
        assert tx_hash not in signed.detail  # a whole hash wraps and leaves a lone char
        assert signed.detail.startswith(f"{tx_hash[:10]}…{tx_hash[-8:]}")
        view.amount_field.focus_input()
        await pilot.press("ctrl+y")
        assert app.clipboard == tx_hash

        await pilot.press("end", "2")  # "12": a new purchase is typed
        await until(pilot, lambda: set(view.steps.states().values()) == {"waiting"}, "reset")
        assert "Dry run" not in str(view.query_one("#buy-outcome").render())
