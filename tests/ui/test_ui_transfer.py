"""The Transfer tab (key 4) driven with Pilot against the devnet.

The sender is a fresh key funded by seeded account 0 and imported as "sender"; the
recipients are fresh addresses (an alias and an account), so every expected balance is
exact and no other test's credits move. Balances are read from the API directly.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button

from aleph_tui.core import validation
from aleph_tui.core.aleph.history_models import CreditHistoryPage
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.views.transfer_view import TransferView
from tests.support.credit_helpers import Key, credits, fresh_key, funded_key, seeded
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import (
    UiTestApp,
    build_app,
    show_view,
    shown,
    type_into,
    until,
    workers_done,
)

SIZE = (160, 45)
FUNDS = 2_000_000


@pytest.fixture
def sender(devnet: RunningDevnet, accounts: list[Any]) -> Key:
    return funded_key(devnet.api_url, seeded(accounts, 0), FUNDS)


async def sender_app(home: Path, devnet: RunningDevnet, sender: Key) -> tuple[UiTestApp, Key, Key]:
    """The app with "sender" active, an account "savings" and an alias "friend"."""
    app = await build_app(devnet.document, home, accounts=0)
    store = app.service.accounts
    await store.import_key("sender", sender.private_key)
    savings, friend = fresh_key(), fresh_key()
    await store.import_key("savings", savings.private_key)
    store.add_alias("friend", friend.address)
    store.use("sender")
    return app, savings, friend


async def show_transfer(pilot: Pilot[Any]) -> TransferView:
    return await show_view(pilot, "transfer", TransferView)


async def send(pilot: Pilot[Any], view: TransferView) -> SigningConfirmation:
    """Enter in a field of a valid form: the confirmation of the signed message."""
    await until(pilot, lambda: view.quote is not None, "the live quote")
    view.field("amount").focus_input()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, SigningConfirmation), "the modal")
    modal = pilot.app.screen
    assert isinstance(modal, SigningConfirmation)
    await pilot.pause()
    return modal


async def finished(pilot: Pilot[Any], view: TransferView) -> None:
    await until(pilot, lambda: not view.busy, "the transfer to finish")
    await workers_done(pilot.app)
    await pilot.pause()


async def test_a_transfer_to_an_alias_and_to_an_account_name_moves_exactly_the_amount(
    devnet: RunningDevnet, home: Path, sender: Key
) -> None:
    app, savings, friend = await sender_app(home, devnet, sender)
    api = devnet.api_url
    async with app.run_test(size=SIZE) as pilot:
        view = await show_transfer(pilot)

        # The recipient completes from the address book (→ accepts) and resolves.
        await type_into(pilot, "#transfer-to-input", "fri")
        await pilot.press("right")
        assert view.field("to").value == "friend"
        assert view.field("to").result == friend.address
        await type_into(pilot, "#transfer-amount-input", "1234")
        assert "1,234 credits, worth $0.0012" in shown(app)

        modal = await send(pilot, view)
        details = modal.details
        assert details["Network"] == f"devnet ({api})"
        assert details["From"] == f"sender {sender.address}"
        assert details["To"] == f"friend → {friend.address}"
        assert details["Amount"] == "1,234 credits ($0.0012)"
        assert details["Expiration"].startswith("none")
        assert details["Channel"] == "ALEPH_CREDIT"
        item_hash = details["item_hash"]
        assert len(item_hash) == 64 and int(item_hash, 16) >= 0
        assert app.focused is not None and app.focused.id == "cancel"
        assert item_hash in shown(app)

        await pilot.press("y")
        await finished(pilot, view)
        result = view.last_result
        assert result is not None and result.status == "processed", result
        assert result.item_hash == item_hash
        assert set(view.steps.states().values()) == {"done"}
        assert credits(api, friend.address) == 1234
        # ctrl+y copies the whole item_hash the steps show (OSC 52), as Buy's tx hash
        await pilot.press("ctrl+y")
        assert app.clipboard == item_hash

        # Then to an account by its name (the amount was cleared after the success).
        assert view.field("amount").value == ""
        view.field("to").value = "savings"
        view.field("amount").value = "4321"
        modal = await send(pilot, view)
        assert modal.details["To"] == f"savings → {savings.address}"
        await pilot.press("y")
        await finished(pilot, view)
        result = view.last_result
        assert result is not None and result.status == "processed", result

    assert credits(api, savings.address) == 4321
    assert credits(api, friend.address) == 1234
    assert credits(api, sender.address) == FUNDS - 1234 - 4321
    journal = Journal(home / "journal.sqlite3")
    assert [op.status for op in journal.operations()] == ["completed", "completed"]


async def test_insufficient_credits_and_a_bad_expiration_are_refused_before_sending(
    devnet: RunningDevnet, home: Path, sender: Key
) -> None:
    app, _savings, friend = await sender_app(home, devnet, sender)
    api = devnet.api_url
    async with app.run_test(size=SIZE) as pilot:
        view = await show_transfer(pilot)
        submit = view.query_one("#transfer-submit", Button)
        view.field("to").value = "friend"
        await type_into(pilot, "#transfer-amount-input", "5000000")

        # The quote shows required versus available, and nothing can be submitted.
        await until(pilot, lambda: view.shortfall is not None, "the shortfall")
        assert view.shortfall == (5_000_000, FUNDS)
        # issue 16: "Available: 483170457 ($483.17)"
        assert f"Available: {FUNDS:,} (${Decimal(FUNDS) / 10**6:.2f})" in shown(app)
        assert (
            "Insufficient credits: required 5,000,000 ($5.00), available 2,000,000 ($2.00)"
            in shown(app)
        )
        assert submit.disabled
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SigningConfirmation)

        # Affordable again, but the expiration is refused inline with its rule.
        view.field("amount").value = "1000"
        await until(pilot, lambda: not submit.disabled, "Submit to be enabled")
        await type_into(pilot, "#transfer-expiration-input", "tomorrow")
        rule = "expiration: must be an RFC 3339 date such as 2027-01-31T00:00:00Z"
        expiration = view.field("expiration")
        assert expiration.error == rule
        assert expiration.rule_text == rule  # shown under the field
        assert "expiration: must be an RFC 3339 date" in shown(app)
        assert submit.disabled
        await pilot.press("ctrl+u", *"2020-01-01T00:00:00Z")
        assert view.field("expiration").error == "expiration: must be in the future"
        assert submit.disabled
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SigningConfirmation)
        assert view.last_result is None

    assert credits(api, friend.address) == 0
    assert credits(api, sender.address) == FUNDS
    assert Journal(home / "journal.sqlite3").operations() == []


async def test_the_amount_is_parsed_once_and_the_balance_read_once_from_form_to_signature(
    devnet: RunningDevnet, home: Path, sender: Key, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typing a transfer and sending it: the amount's text goes through the rule once
    (as it is typed), and the sender's credits are read once for the quote; Submit
    signs that quote rather than parsing and quoting again."""
    app, _savings, friend = await sender_app(home, devnet, sender)
    parses: list[str | int] = []
    rule = validation.credit_amount

    def counted_rule(text: str | int, *, field: str = "amount") -> int:
        parses.append(text)
        return rule(text, field=field)

    # Before the form is composed, so its field and core both check through it.
    monkeypatch.setattr(validation, "credit_amount", counted_rule)
    quote_reads: list[str] = []
    api = app.service.api
    history = api.credit_history

    async def counted_history(address: str, **options: Any) -> CreditHistoryPage:
        filters = options.get("filters")
        if filters is not None and filters.direction == "incoming":  # the quote's lots
            quote_reads.append(address)
        return await history(address, **options)

    monkeypatch.setattr(api, "credit_history", counted_history)
    async with app.run_test(size=SIZE) as pilot:
        view = await show_transfer(pilot)
        view.field("to").value = "friend"
        view.field("amount").value = "1234"
        modal = await send(pilot, view)
        assert modal.details["Amount"] == "1,234 credits ($0.0012)"
        await pilot.press("y")
        await finished(pilot, view)
        result = view.last_result
        assert result is not None and result.status == "processed", result

    assert parses.count("1234") == 1, parses
    assert quote_reads == [sender.address]
    assert credits(devnet.api_url, friend.address) == 1234


async def test_a_cancelled_transfer_never_reads_as_signed_and_sent_at_80x24(
    devnet: RunningDevnet, home: Path, sender: Key
) -> None:
    """Cancel at the confirmation: at 80x24 the first thing the steps say is that nothing
    was sent (the message was signed to show its hash, then discarded), never a bare
    "✓ Signed <hash>" with the cancellation out of sight."""
    app, savings, _friend = await sender_app(home, devnet, sender)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await show_transfer(pilot)
        await type_into(pilot, "#transfer-to-input", "savings")
        await type_into(pilot, "#transfer-amount-input", "1000")
        modal = await send(pilot, view)
        item_hash = modal.details["item_hash"]
        await pilot.press("n")
        await finished(pilot, view)
        assert view.steps.states() == {
            "signed": "skipped",
            "sent": "skipped",
            "processed": "skipped",
        }
        steps = str(view.steps.render())
        assert "✓" not in steps and item_hash not in steps
        assert steps.splitlines()[1].strip() == "signed locally, then discarded: nothing was sent"
        assert "nothing was sent" in shown(app)
        assert credits(devnet.api_url, savings.address) == 0
