"""Buy's "Pay from phone" (ctrl+o): the purchase as a QR code, paid by another wallet
library on the devnet, followed in the dashboard until the credits arrive."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import RadioButton, Static

from aleph_tui.core.flows.payment_link import qr_lines
from aleph_tui.devnet.chain.engine import dev_accounts
from aleph_tui.ui.screens.payment_link_screen import PaymentLinkScreen
from aleph_tui.ui.views.buy_view import BuyView
from tests.integration.test_pay_from_phone import credits_for, parse_link, pay
from tests.support.devnet_process import RunningDevnet, start_devnet
from tests.support.ui_app import build_app, screen_text, show_view, shown, until

SIZE = (80, 24)


def text_of(screen: PaymentLinkScreen) -> str:
    """The text beside the code (its lines wrap between the code's rows on screen)."""
    parts = screen.query(Static).results(Static)
    return " ".join(str(part.content) for part in parts if part.id != "payment-qr")


@pytest.fixture(scope="module")
def phone_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevnet]:
    running = start_devnet(tmp_path_factory.mktemp("phone-ui-devnet"), "--chain", "embedded")
    yield running
    running.stop()


async def test_a_qr_paid_from_another_wallet_is_followed_to_the_credits(
    phone_devnet: RunningDevnet, home: Path
) -> None:
    payer = dev_accounts(6)[5]
    app = await build_app(phone_devnet.document, home, accounts=0)
    await app.service.accounts.import_key("phone", payer.private_key)
    app.service.accounts.use("phone")
    async with app.run_test(size=SIZE) as pilot:
        view = await show_view(pilot, "buy", BuyView)
        view.query_one("#buy-token-USDC", RadioButton).value = True
        await pilot.pause()
        view.amount_field.value = "3"
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, PaymentLinkScreen), "the QR screen")
        screen = app.screen
        assert isinstance(screen, PaymentLinkScreen)
        link = parse_link(screen.link.uri)
        assert int(link["uint256"]) == 3_000_000
        await until(pilot, lambda: "the address that pays" in text_of(screen), "the text")
        assert payer.address in text_of(screen)
        assert "█" in shown(app)  # the code is drawn
        tx_hash = await asyncio.to_thread(
            pay, phone_devnet.document["chain_rpc_url"], payer.private_key, link
        )
        await until(pilot, lambda: "Bought" in text_of(screen), "the credits")
        received = await asyncio.to_thread(
            credits_for, phone_devnet.api_url, payer.address, tx_hash
        )
        assert screen.result is not None and screen.result.credits_received == received
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, PaymentLinkScreen), "closed")


async def test_pay_from_phone_with_no_amount_names_the_field(
    phone_devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(phone_devnet.document, home, accounts=1)
    async with app.run_test(size=SIZE) as pilot:
        view = await show_view(pilot, "buy", BuyView)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: "amount" in shown(app).lower() and "empty" in shown(app), "err")
        assert not isinstance(app.screen, PaymentLinkScreen)
        assert view.amount_field.value == ""


async def test_a_watch_only_account_is_topped_up_from_a_phone(
    phone_devnet: RunningDevnet, home: Path
) -> None:
    """The form stays usable for a watch-only account (its Buy button does not): the QR
    code is how it is topped up, its key never touching this terminal."""
    payer = dev_accounts(8)[7]
    app = await build_app(phone_devnet.document, home, accounts=1)
    watched = app.service.watch("savings", payer.address)
    async with app.run_test(size=SIZE) as pilot:
        app.select_account(watched)
        view = await show_view(pilot, "buy", BuyView)
        await until(pilot, lambda: view.watch_only, "the watch-only account")
        assert "watch-only" in shown(app) and "QR code" in shown(app)
        view.query_one("#buy-token-ETH", RadioButton).value = True
        await pilot.pause()
        view.amount_field.value = "0.01"
        assert view.query_one("#buy-submit").disabled
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, PaymentLinkScreen), "the QR screen")
        screen = app.screen
        assert isinstance(screen, PaymentLinkScreen) and screen.link.payer == payer.address
        link = parse_link(screen.link.uri)
        tx_hash = await asyncio.to_thread(
            pay, phone_devnet.document["chain_rpc_url"], payer.private_key, link
        )
        await until(pilot, lambda: screen.result is not None, "the credits")
        assert screen.result is not None and screen.result.status == "completed"
        assert screen.result.credits_received == await asyncio.to_thread(
            credits_for, phone_devnet.api_url, payer.address, tx_hash
        )


async def test_at_80x24_the_whole_code_is_on_screen_at_once_beside_its_text(
    phone_devnet: RunningDevnet, home: Path
) -> None:
    """Every row of the code, every column of it, is drawn at 80×24 (the modal opened
    scrolled, its finder patterns cut), and the text beside it: the title, who pays,
    the steps and Close."""
    app = await build_app(phone_devnet.document, home, accounts=1)
    async with app.run_test(size=SIZE) as pilot:
        view = await show_view(pilot, "buy", BuyView)
        view.amount_field.value = "2.5"
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, PaymentLinkScreen), "the QR screen")
        screen = app.screen
        assert isinstance(screen, PaymentLinkScreen)
        await until(pilot, lambda: "the address that pays" in text_of(screen), "the text")
        lines = qr_lines(screen.link.uri)
        qr = screen.query_one("#payment-qr")
        region = qr.region
        assert region.width == len(lines[0]) and region.height == len(lines)
        assert screen.region.contains_region(region), (region, screen.region)
        for row in range(region.height):
            for column in (region.x, region.right - 1):  # both edges: the finder patterns
                widget, _ = screen.get_widget_at(column, region.y + row)
                assert widget is qr, f"row {row} of the code is covered by {widget!r}"
        drawn = screen_text(app)
        assert all(line.replace(" ", "\xa0") in drawn or line in drawn for line in lines)
        for selector in ("#payment-title", "#payment-payer", "#payment-steps", "#payment-close"):
            part = screen.query_one(selector).region
            assert screen.region.contains_region(part), f"{selector} off screen: {part}"
            assert not part.overlaps(region), f"{selector} over the code"
        await pilot.press("c")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, PaymentLinkScreen), "closed")
