"""The Buy tab (key 3) driven with Pilot against the devnet and its real chain.

Dev accounts 3 and 4, imported as "buyer", are the only payers here, so these tests stay
independent of the other suites (they use 0–2 and 5–9). Every check reads the chain or
the API directly: nonces, token balances and credits, never the view's own word alone.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Button, RadioButton

from aleph_tui.core.flows.buying import BuyQuote, BuyRequest
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.devnet.chain.engine import dev_accounts
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.views.buy_view import BuyView, short_hash
from aleph_tui.ui.widgets.validated_input import ValidatedInput
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import (
    UiTestApp,
    build_app,
    fill,
    show_view,
    shown,
    type_into,
    until,
    workers_done,
)
from tests.support.wallet_client import credit_balance, rpc, token_balance

SIZE = (160, 45)


async def buyer_app(devnet: RunningDevnet, home: Path, index: int) -> UiTestApp:
    """The app with one account, "buyer" (dev account ``index``), active."""
    app = await build_app(devnet.document, home, accounts=0)
    store = app.service.accounts
    await store.import_key("buyer", dev_accounts(index + 1)[index].private_key)
    store.use("buyer")
    return app


async def chain_state(devnet: RunningDevnet, address: str) -> tuple[int, int, int]:
    """(pending nonce, USDC base units, credits) of ``address``, from the chain and API."""
    async with httpx.AsyncClient(timeout=10) as client:
        nonce = await rpc(client, devnet.rpc_url, "eth_getTransactionCount", address, "pending")
        usdc = await token_balance(client, devnet.rpc_url, devnet.document["usdc_token"], address)
        credits = await credit_balance(client, devnet.api_url, address)
    return int(nonce, 16), usdc, credits


async def show_buy(pilot: Pilot[Any]) -> BuyView:
    """The Buy tab, shown (without waiting for the other tabs' loads)."""
    return await show_view(pilot, "buy", BuyView)


async def usdc_form(pilot: Pilot[Any], amount: str) -> BuyView:
    """The Buy tab with USDC chosen and ``amount`` filled in, its estimate in, and the
    focus in the amount field (the typing itself is tested once, in the first test)."""
    view = await show_buy(pilot)
    view.query_one("#buy-token-USDC", RadioButton).value = True
    await pilot.pause()
    view.amount_field.value = amount
    view.amount_field.focus_input()
    await until(pilot, lambda: view.estimate is not None, "the live estimate")
    assert view.estimate is not None and view.estimate.token == "USDC"
    return view


async def open_confirmation(pilot: Pilot[Any]) -> SigningConfirmation:
    await pilot.press("enter")  # in the amount field: submit
    await until(
        pilot, lambda: isinstance(pilot.app.screen, SigningConfirmation), "the confirmation"
    )
    modal = pilot.app.screen
    assert isinstance(modal, SigningConfirmation)
    await pilot.pause()
    return modal


async def finished(pilot: Pilot[Any], view: BuyView) -> None:
    await until(pilot, lambda: not view.busy, "the purchase to finish")
    await workers_done(pilot.app)
    await pilot.pause()


def journal_of(home: Path) -> Journal:
    return Journal(home / "journal.sqlite3")


async def test_a_bad_amount_is_refused_inline_and_a_usdc_buy_brings_the_quoted_credits(
    devnet: RunningDevnet, home: Path
) -> None:
    buyer = dev_accounts(4)[3]
    nonce, usdc, credits = await chain_state(devnet, buyer.address)
    app = await buyer_app(devnet, home, 3)
    async with app.run_test(size=SIZE) as pilot:
        view = await show_buy(pilot)
        field = view.query_one("#buy-amount", ValidatedInput)
        submit = view.query_one("#buy-submit", Button)

        # Typed, a bad amount shows the field's rule at once and Submit stays off.
        await pilot.click("#buy-token-ETH")
        await type_into(pilot, "#buy-amount-input", "2x")
        assert field.error == "amount: '2x' is not a number (e.g. 2.5 or 1,000.5)"
        # the same rule as Transfer's amount: no exponent (Buy read 1e3 as 1000)
        await fill(pilot, "#buy-amount-input", "1e3")
        assert field.error == "amount: takes no exponent; write the digits out (1e6 is 1000000)"
        await pilot.click("#buy-token-USDC")
        await type_into(pilot, "#buy-amount-input", "1.1234567")
        rule = "amount: must have at most 6 decimals for USDC"
        assert field.error == rule and field.rule_text == rule
        assert rule in shown(app)
        assert submit.disabled
        await pilot.press("enter")  # Enter on an invalid form does nothing
        await pilot.pause()
        assert not isinstance(app.screen, SigningConfirmation)

        # Corrected, the rule goes, the live estimate comes and Submit wakes up.
        await pilot.press("backspace")
        await until(pilot, lambda: view.estimate is not None, "the live estimate")
        assert field.value == "1.123456" and field.error is None and not submit.disabled
        # under the field, base units grouped as the confirmation groups them
        assert field.rule_text == "1,123,456 base units"
        estimate = view.estimate
        assert estimate is not None and estimate.estimated_credits
        assert f"≈ {estimate.estimated_credits:,}" in shown(app)

        # Enter shows everything about to be signed, with Cancel focused.
        modal = await open_confirmation(pilot)
        details = modal.details
        chain_id = devnet.document["chain_id"]
        assert details["Network"] == f"devnet (chain id {chain_id})"
        assert details["From"] == f"buyer {buyer.address}"
        assert details["Recipient"].startswith(devnet.document["credit_contract"])
        assert details["Token"] == f"USDC {devnet.document['usdc_token']}"
        assert details["Amount"] == "1.123456 USDC (1,123,456 base units)"
        # the fee in ETH and in USD (issue 16: "a fee with no USD value")
        assert re.fullmatch(r"at most [0-9.,]+ ETH \(\$[0-9.,]+\) \(gas .*\)", details["Fee limit"])
        assert details["Nonce"] == str(nonce)
        assert details["Credits"].startswith(f"≈ {estimate.estimated_credits:,} credits")
        assert app.focused is not None and app.focused.id == "cancel"
        text = shown(app)
        assert buyer.address in text and "1,123,456 base units" in text

        # y signs and sends; the steps run to the credits.
        await pilot.press("y")
        await finished(pilot, view)
        quote, result = view.last_quote, view.last_result
        assert quote is not None and result is not None
        assert result.status == "completed", result.error
        assert result.credits_received == quote.estimated_credits
        assert set(view.steps.states().values()) == {"done"}
        assert short_hash(result.tx_hash) in shown(app)  # shortened: whole, it would wrap
        # issue 16: "Bought 2000000 credits"
        assert any(f"Bought {quote.estimated_credits:,} credits" in n for n in app.notified)
        assert field.value == "" and submit.disabled  # a second Enter cannot buy again

    after_nonce, after_usdc, after_credits = await chain_state(devnet, buyer.address)
    assert after_nonce == nonce + 1
    assert after_usdc == usdc - 1_123_456
    assert after_credits == credits + quote.estimated_credits
    assert [op.status for op in journal_of(home).operations()] == ["completed"]


async def test_escape_in_the_confirmation_signs_nothing_and_a_dry_run_sends_nothing(
    devnet: RunningDevnet, home: Path
) -> None:
    buyer = dev_accounts(5)[4]
    before = await chain_state(devnet, buyer.address)
    app = await buyer_app(devnet, home, 4)
    async with app.run_test(size=SIZE) as pilot:
        view = await usdc_form(pilot, "3")

        # Escape in the confirmation cancels: nothing signed, the form ready again.
        await open_confirmation(pilot)
        await pilot.press("escape")
        await finished(pilot, view)
        assert not isinstance(app.screen, SigningConfirmation)
        assert view.last_result is None
        assert "Cancelled: nothing was signed." in shown(app)
        assert not view.query_one("#buy-submit", Button).disabled
        assert await chain_state(devnet, buyer.address) == before

        # A dry run signs and shows the hash, and sends nothing.
        await pilot.press("ctrl+t")  # the dry-run key, from the amount field
        assert view.dry_run
        modal = await open_confirmation(pilot)
        assert modal.details["Mode"].startswith("dry run")
        await pilot.press("y")
        await finished(pilot, view)
        result = view.last_result
        assert result is not None and result.status == "dry_run"
        assert result.tx_hash.startswith("0x")
        states = view.steps.states()
        assert states["signed"] == "done"
        assert {states["sent"], states["confirmed"], states["credits_received"]} == {"skipped"}
        assert "nothing was sent" in shown(app)

        # Escape in the field leaves it (the number keys switch tabs again); on the
        # form, Escape clears it.
        assert app.focused is view.amount_field.input
        await pilot.press("escape")
        assert app.focused is view and view.amount_field.value == "3"
        await pilot.press("escape")
        assert view.amount_field.value == "" and view.query_one("#buy-submit", Button).disabled

        # More than the wallet holds: the estimate explains it and Submit stays off.
        view.amount_field.value = "1000000"
        await until(pilot, lambda: view.refusal is not None, "the quote's refusal")
        held = format(Decimal(before[1]).scaleb(-6).normalize(), ",f")  # grouped
        assert view.refusal == (
            f"Insufficient USDC balance. Required 1,000,000 USDC, available {held} USDC"
        )
        assert view.refusal in shown(app)
        assert view.query_one("#buy-submit", Button).disabled

    assert await chain_state(devnet, buyer.address) == before
    assert journal_of(home).operations() == []


async def test_confirming_twice_sends_one_transaction(devnet: RunningDevnet, home: Path) -> None:
    buyer = dev_accounts(4)[3]
    nonce, usdc, credits = await chain_state(devnet, buyer.address)
    app = await buyer_app(devnet, home, 3)
    async with app.run_test(size=SIZE) as pilot:
        view = await usdc_form(pilot, "1")
        # Submitting twice opens one confirmation: the first press disables Submit.
        view.action_submit()
        view.action_submit()
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "the modal")
        await pilot.pause()
        assert sum(isinstance(s, SigningConfirmation) for s in app.screen_stack) == 1
        modal = app.screen
        assert isinstance(modal, SigningConfirmation)
        # A double click and a repeated key: only the first decision counts.
        confirm = modal.query_one("#confirm", Button)
        confirm.press()
        confirm.press()
        modal.action_confirm()
        await finished(pilot, view)
        result = view.last_result
        assert result is not None and result.status == "completed", result

    after_nonce, after_usdc, after_credits = await chain_state(devnet, buyer.address)
    assert after_nonce == nonce + 1
    assert after_usdc == usdc - 1_000_000
    assert result.credits_received is not None
    assert after_credits == credits + result.credits_received
    assert len(journal_of(home).operations()) == 1


async def test_submit_signs_the_live_quote_once_without_quoting_again(
    devnet: RunningDevnet, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live estimate is the quote: the chain and the Credit API are asked once (the
    balances, the estimate, the nonce and fees), and the confirmation shows and signs
    that quote. Signed once, it is spent: the next Submit quotes afresh."""
    app = await buyer_app(devnet, home, 4)
    quoted: list[str] = []
    buy_quote = app.service.buy_quote

    async def counted_quote(request: BuyRequest) -> BuyQuote:
        assert isinstance(request, BuyRequest)  # the view's typed request, parsed once
        quoted.append(request.amount_text)
        return await buy_quote(request)

    monkeypatch.setattr(app.service, "buy_quote", counted_quote)
    async with app.run_test(size=SIZE) as pilot:
        view = await usdc_form(pilot, "2")
        live = view.estimate
        assert live is not None
        await pilot.press("ctrl+t")  # a dry run: signed, nothing sent
        assert view.dry_run
        modal = await open_confirmation(pilot)
        assert modal.details["Nonce"] == str(live.nonce)
        await pilot.press("y")
        await finished(pilot, view)
        result = view.last_result
        assert result is not None and result.status == "dry_run", result
        assert view.last_quote is live
        assert quoted == ["2"]

        await open_confirmation(pilot)
        assert quoted == ["2", "2"]
        await pilot.press("escape")
        await finished(pilot, view)
