"""Pay from a phone: the purchase as an EIP-681 QR code, then the paying address watched
until its credits arrive, with the same steps as a buy signed here.

Nothing is signed in this terminal. Closing stops the watch; a payment already seen is
journaled as a buy, so the dashboard's open operations (and ``aleph-tui pending``) follow
it to the credits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from aleph_tui.core.flows.buying import BuyProgress, BuyResult, ProgressCallback
from aleph_tui.core.flows.payment_link import PaymentLink, qr_lines
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.step_list import StepList

Follow = Callable[[PaymentLink, ProgressCallback], Awaitable[BuyResult | None]]
STEPS = (
    ("waiting", "Waiting for the payment"),
    ("sent", "Payment seen"),
    ("confirmed", "Confirmed"),
    ("credits_received", "Credits received"),
)


def short_link(uri: str) -> str:
    """The link's start and end, to fit beside the code: the code holds it whole."""
    return uri if len(uri) <= 32 else f"{uri[:22]}…{uri[-9:]}"


class PaymentLinkScreen(ModalScreen[BuyResult | None]):
    """Dismissed with the purchase's result, or None when closed before one."""

    AUTO_FOCUS = "#payment-close"
    # The code on the left, the text on its right: at 80×24 the whole code (23 rows × 45
    # columns) is on screen at once, with no border (it would cost two rows).
    DEFAULT_CSS = """
    PaymentLinkScreen { align: center middle; }
    PaymentLinkScreen #payment-box {
        width: auto; max-width: 100%; height: auto; max-height: 100%;
        padding: 0 1; border: thick $primary 60%; background: $surface;
    }
    PaymentLinkScreen #payment-qr {
        width: auto; height: auto; color: white; background: black;
    }
    PaymentLinkScreen #payment-text { width: 44; height: auto; max-height: 100%; margin-left: 2; }
    PaymentLinkScreen #payment-title { margin-bottom: 1; }
    PaymentLinkScreen #payment-payer { color: $text-warning; }
    PaymentLinkScreen #payment-uri { color: $text-muted; margin-bottom: 1; }
    PaymentLinkScreen #payment-buttons { height: auto; align: right middle; }
    /* 80 columns: the text takes what the code leaves */
    PaymentLinkScreen.-narrow #payment-box { width: 100%; }
    PaymentLinkScreen.-narrow #payment-text { width: 1fr; margin-left: 1; }
    /* 24 lines: no border nor padding, the code from the top row */
    PaymentLinkScreen.-short #payment-box { height: 100%; border: none; padding: 0; }
    PaymentLinkScreen.-short #payment-text { height: 100%; }
    PaymentLinkScreen.-short #payment-title { margin-bottom: 0; }
    PaymentLinkScreen.-short #payment-uri { margin-bottom: 0; }
    """
    # Unscoped, for the rules on this screen's own size classes (AlephApp's breakpoints).
    SCOPED_CSS = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "close",
            "Close",
            id="payment-link-close",
            tooltip="Stop watching; a payment already seen is followed as an open operation",
        ),
        Binding(
            "c",
            "copy_link",
            "Copy link",
            id="payment-link-copy",
            tooltip="Copy the payment link to the clipboard (OSC 52)",
        ),
    ]

    def __init__(self, link: PaymentLink, follow: Follow) -> None:
        super().__init__()
        self.link = link
        self._follow = follow
        self.result: BuyResult | None = None

    def compose(self) -> ComposeResult:
        link = self.link
        credits = (
            ""
            if link.estimated_credits is None
            else f" for about {fmt.credits(link.estimated_credits)} credits"
        )
        with Horizontal(id="payment-box"):
            yield Static("\n".join(qr_lines(link.uri)), id="payment-qr", markup=False)
            with VerticalScroll(id="payment-text"):
                yield Static(
                    Text(
                        f"Pay {fmt.exact_units(link.units, link.decimals, link.token)}{credits} "
                        f"on {link.network.name} "
                        f"(chain id {link.chain_id}) from a phone wallet",
                        style="bold",
                    ),
                    id="payment-title",
                )
                yield Static(
                    f"Credits go to the address that pays. Pay from {link.payer}.",
                    id="payment-payer",
                    markup=False,
                )
                yield Static(
                    f"{short_link(link.uri)} (c copies the whole link)",
                    id="payment-uri",
                    markup=False,
                )
                yield StepList(STEPS, id="payment-steps")
                yield Static("", id="payment-outcome", markup=False)
                with Horizontal(id="payment-buttons"):
                    yield Button("Close", id="payment-close")

    def on_mount(self) -> None:
        self.query_one(StepList).mark("waiting", "active")
        self._watch()

    @work(name="payment-link-watch", exclusive=True, exit_on_error=False)
    async def _watch(self) -> None:
        outcome = self.query_one("#payment-outcome", Static)
        try:
            result = await self._follow(self.link, self._progress)
        except Exception as exc:  # the watch must never take the app down
            outcome.update(Text(f"The watch stopped: {exc}", style="red"))
            return
        self.result = result
        if result is None:
            outcome.update("No payment seen in time; nothing was paid that this watch saw.")
        elif result.status == "completed":
            got = result.credits_received
            received = "?" if got is None else fmt.credits(got)
            outcome.update(Text(f"Bought {received} credits.", style="green"))
        else:
            outcome.update(result.error or result.status)

    def _progress(self, event: BuyProgress) -> None:
        steps = self.query_one(StepList)
        if event.step == "waiting":
            steps.mark("waiting", "active", event.message)
        elif event.step in ("sent", "confirmed", "credits_received"):
            steps.mark("waiting", "done", "")
            steps.mark(event.step, "done", event.tx_hash or event.message, event.explorer_url)
        elif event.step == "pending":
            steps.mark_current("pending", event.message)
        elif event.step == "failed":
            steps.mark_current("failed", event.message)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_close()

    def action_close(self) -> None:
        self.dismiss(self.result)

    def action_copy_link(self) -> None:
        self.app.copy_to_clipboard(self.link.uri)
        self.notify("Payment link copied.")
