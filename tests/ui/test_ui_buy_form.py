"""The Buy form between the keys (issue 16 point 10), with Pilot on the devnet's chain:
Max leaves the cursor at the end of the amount and says when the wallet is empty,
another token clears the amount, a new purchase starts from a clean Progress panel, and
a transaction hash is shown shortened (never wrapped) with the full value copyable.

The payer is dev account 4 (as in test_ui_buy.py's dry runs: nothing is sent here), and
an empty wallet is a fresh key.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import RadioButton

from aleph_tui.core import validation
from aleph_tui.core.flows.buying import BuyRequest
from aleph_tui.core.formatting import plain_decimal
from aleph_tui.devnet.chain.engine import dev_accounts
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.views.buy_view import BuyView
from tests.support.credit_helpers import fresh_key
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import UiTestApp, build_app, show_view, shown, until

SIZE = (160, 45)


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
        await until(pilot, lambda: view.estimate is None, "no estimate for an empty amount")


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
        assert signed.detail == f"{tx_hash[:10]}…{tx_hash[-8:]}"
        assert "ctrl+y copies the transaction hash" in str(view.query_one("#buy-outcome").render())
        view.amount_field.focus_input()
        await pilot.press("ctrl+y")
        assert app.clipboard == tx_hash

        await pilot.press("end", "2")  # "12": a new purchase is typed
        await until(pilot, lambda: set(view.steps.states().values()) == {"waiting"}, "reset")
        assert "Dry run" not in str(view.query_one("#buy-outcome").render())


async def test_a_price_moved_while_confirming_is_quoted_and_confirmed_again(
    devnet: RunningDevnet, home: Path
) -> None:
    """The confirmation shows the minimum credits; a price that moves while it is open
    is quoted again and shown again before anything is signed."""
    prices = f"{devnet.api_url}/api/v0/devnet/prices"
    estimates = f"{devnet.document['credit_api_url']}/estimation/token-to-credit"
    client = httpx.AsyncClient(timeout=10)

    async def estimate(units: int) -> dict[str, Any]:
        body = {"blockchain": "ethereum", "token": "ETH", "amount": str(units)}
        answer: dict[str, Any] = (await client.post(estimates, json=body)).json()
        return answer

    async def credits_now() -> int:
        return int((await estimate(10**15))["creditAmount"])

    price = Decimal((await estimate(10**18))["price"])
    app = await payer_app(devnet, home, dev_accounts(5)[4].private_key)
    try:
        async with app.run_test(size=SIZE) as pilot:
            view = await show_view(pilot, "buy", BuyView)
            view.query_one("#buy-token-ETH", RadioButton).value = True
            await until(pilot, lambda: view.token == "ETH", "ETH")
            view.amount_field.value = "0.001"
            view.amount_field.focus_input()
            await until(pilot, lambda: view.estimate is not None, "the live estimate")
            await pilot.press("ctrl+t")  # a dry run: nothing is sent
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "modal")
            first = app.screen
            assert isinstance(first, SigningConfirmation)
            before = await credits_now()
            assert first.details["Credits"].startswith(f"≈ {before:,} credits")
            assert first.details["Minimum"].startswith(f"{before * 99 // 100:,} credits")

            moved = price * 2
            await client.post(prices, json={"token": "ETH", "usd": str(moved)})
            after = await credits_now()
            await pilot.press("y")  # signs nothing yet: the price moved
            await until(pilot, lambda: app.screen is not first, "the first to close")
            await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "again")
            second = app.screen
            assert isinstance(second, SigningConfirmation)
            assert second.details["Credits"].startswith(f"≈ {after:,} credits")
            assert f"the price moved: ≈ {before:,} → ≈ {after:,} credits" in shown(app)
            assert view.last_result is None  # nothing signed so far
            await pilot.press("y")
            await until(pilot, lambda: not view.busy and view.last_result is not None, "end")
            result, quote = view.last_result, view.last_quote
            assert result is not None and result.status == "dry_run"
            assert quote is not None and quote.estimated_credits == after
    finally:
        await client.post(prices, json={"token": "ETH", "usd": str(price)})
        await client.aclose()


async def test_the_amount_is_parsed_once_from_the_form_to_the_signature(
    devnet: RunningDevnet, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15's leftover: the form's field parses the amount as it is typed, the view
    holds core's typed BuyRequest, and the service quotes and signs that request."""
    parses: list[str] = []
    rule = validation.token_amount

    def counted(text: str, decimals: int, symbol: str, *, field: str = "amount") -> int:
        parses.append(text)
        return rule(text, decimals, symbol, field=field)

    monkeypatch.setattr(validation, "token_amount", counted)
    app = await payer_app(devnet, home, dev_accounts(5)[4].private_key)
    async with app.run_test(size=SIZE) as pilot:
        view = await show_view(pilot, "buy", BuyView)
        view.query_one("#buy-token-USDC", RadioButton).value = True
        await until(pilot, lambda: view.token == "USDC", "USDC")
        view.amount_field.value = "2.5"
        view.amount_field.focus_input()
        await until(pilot, lambda: view.estimate is not None, "the live estimate")
        assert view.request == BuyRequest("USDC", 2_500_000, 6, dev_accounts(5)[4].address)
        await pilot.press("ctrl+t", "enter")
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "the modal")
        await pilot.press("y")
        await until(pilot, lambda: not view.busy and view.last_result is not None, "the end")
        quote = view.last_quote
        assert quote is not None and quote.request == view.request
    assert parses.count("2.5") == 1, parses
