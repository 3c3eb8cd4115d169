"""The Transfer tab's truthful confirmation (issue 16 points 3 and 7), with Pilot on the
devnet: the confirmation lists each spent lot with the expiry the node really gives it,
and the Channel field says what is wrong with it and what another channel means.

The sender is a fresh key with two lots from seeded account 0: 1M expiring in 10 days,
then 1M expiring in 3 days. A transfer of 1.5M asking for 30 days spends all of the first
and half of the second, so its credits arrive expiring at the two lots' dates, not the
requested one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import Button

from aleph_tui.core.aleph.history_models import history_entry
from aleph_tui.core.formatting import iso_utc, utc_minute
from aleph_tui.core.validation import expiration_ms
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.views import transfer_view
from aleph_tui.ui.views.transfer_view import TransferView
from tests.support.credit_helpers import Key, fresh_key, post_transfer, seeded
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import build_app, show_view, shown, until

SIZE = (160, 45)


def _in_days(days: int) -> dt.datetime:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).replace(microsecond=0)


def _incoming(api_url: str, address: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{api_url}/api/v0/addresses/{address}/credit_history",
        params={"pagination": "0", "sort_order": "1", "direction": "incoming"},
        timeout=10,
    )
    response.raise_for_status()
    rows: list[dict[str, Any]] = response.json()["credit_history"]
    return rows


@pytest.fixture
def sender(devnet: RunningDevnet, accounts: list[Any]) -> Key:
    key = fresh_key()
    for days in (10, 3):
        ms = expiration_ms(_in_days(days))
        response = post_transfer(
            devnet.api_url, seeded(accounts, 0), key.address, 1_000_000, expiration_ms=ms
        )
        assert response.status_code == 200, response.text
    return key


async def test_the_confirmation_shows_the_expiry_each_spent_lot_really_gets(
    devnet: RunningDevnet, home: Path, sender: Key
) -> None:
    lots = [history_entry(row) for row in _incoming(devnet.api_url, sender.address)]
    requested = _in_days(30)
    app = await build_app(devnet.document, home, accounts=0, clock=None)
    await app.service.accounts.import_key("sender", sender.private_key)
    app.service.accounts.use("sender")
    recipient = fresh_key().address
    async with app.run_test(size=SIZE) as pilot:
        view = await show_view(pilot, "transfer", TransferView)
        view.field("to").value = recipient
        view.field("amount").value = "1500000"
        view.field("expiration").value = iso_utc(requested)
        await until(pilot, lambda: view.quote is not None, "the live quote")
        # The form already says what the node will give, before any confirmation.
        arriving = "; ".join(
            f"{amount:,} expiring {utc_minute(lot.expiration)}"
            for amount, lot in zip((1_000_000, 500_000), lots, strict=False)
        )
        assert f"They arrive as: {arriving}" in shown(app)
        view.field("amount").focus_input()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "the modal")
        modal = app.screen
        assert isinstance(modal, SigningConfirmation)
        spends = modal.details["Spends"].splitlines()
        assert len(spends) == 2
        for line, lot, amount in zip(spends, lots, (1_000_000, 500_000), strict=True):
            ref = f"{lot.credit_ref[:8]}…:{lot.credit_index}"
            assert line.startswith(f"{amount:,} from lot {ref}")
            assert lot.expiration is not None and lot.expiration < requested
            assert line.endswith(f"→ expire {utc_minute(lot.expiration)}")
        assert f"1,500,000 credits expire before the requested {utc_minute(requested)}" in shown(
            app
        )
        await pilot.press("y")
        await until(pilot, lambda: not view.busy, "the transfer to finish")
        result = view.last_result
        assert result is not None and result.status == "processed", result

    # What the node gave the recipient is what the confirmation said.
    received = [
        (int(row["amount"]), history_entry(row).expiration)
        for row in _incoming(devnet.api_url, recipient)
    ]
    assert received == [(1_000_000, lots[0].expiration), (500_000, lots[1].expiration)]


async def test_the_channel_defaults_blank_is_an_error_and_another_needs_a_tick(
    devnet: RunningDevnet, home: Path, sender: Key
) -> None:
    app = await build_app(devnet.document, home, accounts=0, clock=None)
    await app.service.accounts.import_key("sender", sender.private_key)
    app.service.accounts.use("sender")
    async with app.run_test(size=SIZE) as pilot:
        view = await show_view(pilot, "transfer", TransferView)
        submit = view.query_one("#transfer-submit", Button)
        channel, force = view.field("channel"), view.force_channel
        assert channel.value == "ALEPH_CREDIT" and not force.display
        view.field("to").value = fresh_key().address
        view.field("amount").value = "1000"
        await until(pilot, lambda: view.quote is not None, "the live quote")
        assert not submit.disabled

        # Blank: the rule under the field, and Send disabled with the reason beside it.
        channel.value = ""
        rule = "channel: must not be empty: credits move on ALEPH_CREDIT"
        await until(pilot, lambda: channel.rule_text == rule, "the channel's rule")
        await until(pilot, lambda: submit.disabled, "Send off")
        assert channel.input.has_class("-invalid")
        await until(pilot, lambda: f"Send is disabled: {rule}" in shown(app), "the reason")
        assert view.field("amount").value == "1000"  # nothing typed is wiped

        # Another channel: no credits will move, and Send waits for an explicit tick.
        channel.value = "TEST"
        await until(pilot, lambda: bool(force.display), "the tick")
        assert "No credits will move" in channel.rule_text and not force.value
        await until(pilot, lambda: 'tick "Post on TEST anyway"' in shown(app), "the reason")
        await until(pilot, lambda: submit.disabled and view.request is None, "Send off")
        force.value = True
        await until(pilot, lambda: view.quote is not None and not submit.disabled, "Send")
        assert view.quote is not None and view.quote.channel == "TEST"
        view.field("amount").focus_input()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "the modal")
        assert "Post on TEST: no credits will move" in shown(app)
        await pilot.press("n")
        await until(pilot, lambda: not view.busy, "the cancel")

        # Back to the credit channel: the tick goes away and is not kept for next time.
        channel.value = "ALEPH_CREDIT"
        await until(pilot, lambda: not force.display, "the tick to go")
        assert not force.value


async def test_lots_that_change_while_confirming_are_shown_again_before_sending(
    devnet: RunningDevnet,
    home: Path,
    sender: Key,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A confirmation left open past the quote's age (here: any) has its lots read again;
    when they changed (the sender spent the first lot meanwhile), it is shown again."""
    monkeypatch.setattr(transfer_view, "QUOTE_MAX_AGE_S", 0.0)
    lots = [history_entry(row) for row in _incoming(devnet.api_url, sender.address)]
    app = await build_app(devnet.document, home, accounts=0, clock=None)
    await app.service.accounts.import_key("sender", sender.private_key)
    app.service.accounts.use("sender")
    recipient = fresh_key().address
    async with app.run_test(size=SIZE) as pilot:
        view = await show_view(pilot, "transfer", TransferView)
        view.field("to").value = recipient
        view.field("amount").value = "500000"
        await until(pilot, lambda: view.quote is not None, "the live quote")
        view.field("amount").focus_input()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "the modal")
        first = app.screen
        assert isinstance(first, SigningConfirmation)
        assert f"from lot {lots[0].credit_ref[:8]}" in first.details["Spends"]

        # Meanwhile the sender spends the whole first lot elsewhere.
        spent = await asyncio.to_thread(
            post_transfer, devnet.api_url, sender, fresh_key().address, 1_000_000
        )
        assert spent.status_code == 200, spent.text
        await pilot.press("y")
        await until(pilot, lambda: app.screen is not first, "the first to close")
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "again")
        second = app.screen
        assert isinstance(second, SigningConfirmation)
        assert f"from lot {lots[1].credit_ref[:8]}" in second.details["Spends"]
        assert "changed while this was open" in shown(app)
        assert second.details["item_hash"] == first.details["item_hash"]  # the same message
        await pilot.press("y")
        await until(pilot, lambda: not view.busy, "the transfer to finish")
        result = view.last_result
        assert result is not None and result.status == "processed", result

    received = [
        (int(row["amount"]), history_entry(row).expiration)
        for row in _incoming(devnet.api_url, recipient)
    ]
    assert received == [(500_000, lots[1].expiration)]
