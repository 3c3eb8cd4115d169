"""Key 3, Buy: pay the credit contract with ALEPH, USDC or ETH and follow it to the credits.

The form: the token, the amount (checked as it is typed against the token's decimals),
the wallet balance with a Max button, a live estimate (credits with the ALEPH bonus,
their USD worth, the network fee) and a dry-run switch. Submitting takes the live estimate
(the quote: its balances, estimate and transaction plan were read once; it is quoted again
only when none is live or it is older than ``QUOTE_FRESH_S``), shows everything about to
be signed in a ``SigningConfirmation`` and, once confirmed, signs
and follows the purchase as a step list: signed → sent → confirmed → credits received.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static
from textual.widgets.input import Selection

from aleph_tui.core import validation
from aleph_tui.core.aleph.models import credits_to_usd
from aleph_tui.core.chain.gateway import KNOWN_DECIMALS, WalletBalances
from aleph_tui.core.flows.buying import (
    TOKENS,
    BuyError,
    BuyProgress,
    BuyQuote,
    BuyRequest,
    BuyResult,
    minimum_text,
)
from aleph_tui.core.formatting import exact_decimal, plain_decimal
from aleph_tui.core.validation import InvalidInput
from aleph_tui.ui.money_changed import announce
from aleph_tui.ui.screens.payment_link_screen import PaymentLinkScreen
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.view import cancelling, explain
from aleph_tui.ui.views.signing_form_view import SigningFormView
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.validated_input import ValidatedInput

if TYPE_CHECKING:
    from aleph_tui.core.accounts.account_store import Account

COPY_HINT = "ctrl+y copies the transaction hash."
ESTIMATE_DELAY_S = 0.35  # debounce: quote once the user pauses typing
# Submit signs the live estimate's transaction; an older one is quoted again first, so
# its nonce, fees and balances are the chain's of a moment ago.
QUOTE_FRESH_S = 15.0
STEPS = (
    ("signed", "Signed"),
    ("sent", "Sent"),
    ("confirmed", "Confirmed"),
    ("credits_received", "Credits received"),
)


def usd(value: Decimal | None) -> str:
    return "?" if value is None else fmt.usd(value)


def short_hash(value: str) -> str:
    return value if len(value) <= 20 else f"{value[:10]}…{value[-8:]}"


def confirmation_rows(quote: BuyQuote, account_name: str, dry_run: bool) -> list[tuple[str, str]]:
    """What the confirmation shows: the CLI's ``credit buy`` summary, as rows."""
    plan = quote.plan
    gwei = fmt.rate(Decimal(plan.max_fee_per_gas).scaleb(-9))
    if quote.token_contract is None:
        token = "ETH (native, no token contract)"
    else:
        token = f"{quote.token} {quote.token_contract}"
    rows = [
        ("Network", f"{quote.network.name} (chain id {quote.chain_id})"),
        ("From", f"{account_name} {quote.payer}"),
        ("Recipient", f"{quote.recipient} (credit contract)"),
        ("Token", token),
        # Every digit that is signed, grouped: the exact amount, not a rounded one.
        (
            "Amount",
            f"{exact_decimal(quote.amount, grouped=True)} {quote.token}"
            f" ({fmt.count(quote.units)} base units)",
        ),
        (
            "Fee limit",
            f"at most {fmt.fee(quote.fee_limit_eth, quote.fee_limit_usd)}"
            f" (gas {fmt.count(plan.gas)} × {gwei} gwei)",
        ),
        ("Nonce", str(plan.nonce)),
        ("Credits", estimate_text(quote)),
    ]
    minimum = minimum_text(quote)
    if minimum is not None:
        rows.append(("Minimum", minimum))
    if dry_run:
        rows.append(("Mode", "dry run: sign and show the hash, send nothing"))
    return rows


def estimate_text(quote: BuyQuote) -> str:
    if quote.estimated_credits is None:
        return "unknown (this network has no Credit API)"
    bonus = ""
    if quote.bonus_credits:
        ratio = "" if quote.bonus_ratio is None else f", +{fmt.percent(quote.bonus_ratio)}"
        bonus = f" (incl. {fmt.credits(quote.bonus_credits)} bonus{ratio})"
    worth = usd(credits_to_usd(quote.estimated_credits))  # the credits', not the payment's
    return f"≈ {fmt.credits(quote.estimated_credits)} credits{bonus}, worth {worth}"


def estimate_table(quote: BuyQuote) -> Table:
    """The live estimate: credits (bonus included), their worth, the fee limit."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    if quote.estimated_credits is None:
        table.add_row("Credits", "unknown (this network has no Credit API)")
    else:
        bonus = ""
        if quote.bonus_credits:
            ratio = "" if quote.bonus_ratio is None else f", +{fmt.percent(quote.bonus_ratio)}"
            bonus = f" (incl. {fmt.credits(quote.bonus_credits)} bonus{ratio})"
        table.add_row("Credits", f"≈ {fmt.credits(quote.estimated_credits)}{bonus}")
        price = "" if quote.price_usd is None else f", {usd(quote.price_usd)} per {quote.token}"
        paying = f" (paying {usd(quote.total_usd)}{price})"
        table.add_row("Worth", f"{usd(credits_to_usd(quote.estimated_credits))}{paying}")
    table.add_row("Fee", f"at most {fmt.fee(quote.fee_limit_eth, quote.fee_limit_usd)}")
    return table


class BuyView(SigningFormView):
    view_id = "buy"
    title = "Buy"
    key = "3"
    prefix = "buy"
    submit_label = "Buy"
    submit_tooltip = "Review everything to be signed, then sign"
    dry_run_tooltip = "Sign and show the hash, but send nothing"
    steps_spec = STEPS
    cancelled_text = "Cancelled before anything was signed."
    committed_text = "The purchase is already signed; it is followed to the end."

    DEFAULT_CSS = """
    BuyView .field-label { color: $text-muted; }
    BuyView #buy-token { layout: horizontal; width: auto; }
    BuyView #buy-token RadioButton { margin-right: 2; }
    BuyView #buy-balance-row { height: auto; }
    BuyView #buy-balance { width: 1fr; padding: 1 1 0 0; }
    BuyView #buy-max { min-width: 9; }
    BuyView #buy-estimate { height: auto; }
    BuyView #buy-estimate.-error { color: $text-error; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "submit",
            "Buy",
            id="buy-submit",
            tooltip="Review the live quote, everything to be signed, then sign (Enter in a field)",
        ),
        Binding(
            "escape",
            "clear",
            "Cancel/clear",
            id="buy-cancel",
            tooltip="Stop a quote in progress; in a field, leave it; else clear the form",
        ),
        Binding(
            "ctrl+b",
            "max",
            "Max",
            id="buy-max",
            show=False,
            tooltip="Put the whole wallet balance of the token in the amount",
        ),
        Binding(
            "ctrl+o",
            "pay_from_phone",
            "Pay from phone",
            id="buy-phone",
            tooltip="Show the purchase as a QR code to pay from another wallet, then watch "
            "this account until the credits arrive (nothing is signed here)",
        ),
        Binding(
            "ctrl+y",
            "copy_tx",
            "Copy tx",
            id="buy-copy-tx",
            show=False,
            tooltip="Copy the last purchase's full transaction hash to the clipboard",
        ),
        Binding(
            "ctrl+t",
            "toggle_dry_run",
            "Dry run",
            id="buy-dry-run",
            tooltip="Toggle dry run: sign and show the hash without sending anything",
        ),
    ]

    # The live estimate for the current inputs: the quote Submit signs while it is fresh.
    # The side panel follows it (``watch_estimate``).
    estimate: reactive[BuyQuote | None] = reactive(None, always_update=True, init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.token = "ALEPH"
        self.balances: WalletBalances | None = None
        self._fee_limit: Decimal | None = None  # the latest estimate's, for Max in ETH
        self.last_quote: BuyQuote | None = None  # what was last shown for confirmation
        self.last_result: BuyResult | None = None
        self._refused: tuple[BuyRequest, str] | None = None  # the quote said no, and why
        # The form parsed once into core's typed request (None while invalid), and the
        # request ``estimate`` prices.
        self.request: BuyRequest | None = None
        self._estimate_key: BuyRequest | None = None
        self._estimated_at = 0.0  # time.monotonic() of ``estimate``
        self._shows_last = False  # the Progress panel shows a finished purchase
        self.last_tx_hash: str | None = None  # the full hash the steps show shortened

    # --- layout -----------------------------------------------------------------------

    def compose_fields(self) -> Iterable[Widget]:
        yield Label("Pay with", classes="field-label")
        with RadioSet(id="buy-token", tooltip="The token paid to the credit contract"):
            for symbol in TOKENS:
                yield RadioButton(symbol, value=symbol == self.token, id=f"buy-token-{symbol}")
        with Horizontal(id="buy-balance-row"):
            yield Static("Wallet: …", id="buy-balance")
            yield Button("Max", id="buy-max", tooltip="Use the whole wallet balance of the token")
        yield ValidatedInput(
            "Amount",
            self._amount_check(self.token),
            placeholder="e.g. 2.5",
            describe=lambda units: f"{fmt.count(units)} base units",
            tooltip="How much of the token to pay; Enter reviews the purchase",
            id="buy-amount",
        )

    def compose_side(self) -> Iterable[Widget]:
        yield Label("Estimate", classes="section")
        yield Static("", id="buy-estimate")

    def default_focus(self) -> Widget:
        # The tab opens on the amount, as Transfer on To: what is typed next (3, then
        # 2.5) goes into it, not to the number keys of the tabs. A disabled form (a
        # watch-only account with no way here): the view itself, then.
        if self.query_one("#buy-form").disabled:
            return self
        return self.amount_field.input

    def tab_order(self) -> list[Widget]:
        # The fields first (token, amount), then Max and the buttons, though Max is drawn
        # above the amount.
        order = super().tab_order()
        max_button = self.query_one("#buy-max", Button)
        if max_button in order and self.amount_field.input in order:
            order.remove(max_button)
            order.insert(order.index(self.amount_field.input) + 1, max_button)
        return order

    @property
    def amount_field(self) -> ValidatedInput[int]:
        return self.query_one("#buy-amount", ValidatedInput)

    # --- hooks ------------------------------------------------------------------------

    def account_changed(self, account: Account | None) -> None:
        self.balances = None
        self._set_estimate(None)
        self.show_sender(account, "buy credits")
        if account is None:
            self._show_balance()
        else:
            self.reload()
        self._update_submit()

    def clear_account_form(self) -> None:
        self._shows_last = False  # the steps and outcome it names are going

    def reload(self) -> None:
        account = self.account
        if account is None:
            return
        self._load_wallet(account.address)
        self._schedule_estimate()

    def money_changed(self, addresses: frozenset[str]) -> None:
        """The wallet again; the form and its estimate stay as the user left them."""
        account = self.account
        if account is not None and account.address.lower() in addresses:
            self._load_wallet(account.address)

    # --- wallet -----------------------------------------------------------------------

    @work(name="buy-wallet", group="buy-wallet", exclusive=True, exit_on_error=False)
    async def _load_wallet(self, address: str) -> None:
        self.query_one("#buy-balance", Static).update("Wallet: loading…")
        try:
            balances = await self.service.wallet_balances(address)
        except Exception as exc:
            self.query_one("#buy-balance", Static).update(
                Text(f"Wallet: cannot read the balances ({explain(exc)})", style="red")
            )
            return
        if self.account is not None and self.account.address == address:
            self.balances = balances
            self._show_balance()

    def _token_balance(self) -> Decimal | None:
        if self.balances is None:
            return None
        return {
            "ETH": self.balances.eth,
            "ALEPH": self.balances.aleph,
            "USDC": self.balances.usdc,
        }[self.token]

    def _show_balance(self) -> None:
        balance = self._token_balance()
        shown = "?" if balance is None else fmt.token_amount(balance, self.token)
        text = f"Wallet: {shown}"
        exact = "" if balance is None else f"{plain_decimal(balance)} {self.token}"
        if self.balances is not None and self.token != "ETH":
            text += f"  (and {fmt.token_amount(self.balances.eth, 'ETH')} for the fee)"
            exact += f", {plain_decimal(self.balances.eth)} ETH"
        wallet = self.query_one("#buy-balance", Static)
        wallet.update(Text(text))
        wallet.tooltip = f"Exactly {exact}" if exact else None  # the figures are cut
        # Enabled at zero too: Max then says the wallet holds none, under the amount.
        self.query_one("#buy-max", Button).disabled = balance is None

    # --- form events ------------------------------------------------------------------

    def _amount_check(self, token: str) -> Callable[[str], int]:
        decimals = KNOWN_DECIMALS[token]
        return lambda text: validation.token_amount(text, decimals, token)

    @on(RadioSet.Changed, "#buy-token")
    def _token_changed(self, event: RadioSet.Changed) -> None:
        token = (event.pressed.id or "").removeprefix("buy-token-") or self.token
        if token != self.token:
            self.amount_field.clear()  # 24998 USDC must not become 24998 ALEPH
        self.token = token
        self._show_balance()
        self.amount_field.set_check(self._amount_check(self.token))  # re-estimates

    @on(ValidatedInput.Changed, "#buy-amount")
    def _amount_changed(self, event: ValidatedInput.Changed) -> None:
        event.stop()
        if self._shows_last and not self.busy and not self.amount_field.is_empty:
            # A new purchase is being typed: the last one's steps and outcome go.
            self._shows_last = False
            self.steps.reset()
            self._outcome("")
        self._schedule_estimate()

    @on(Input.Submitted, "#buy-amount-input")
    def _amount_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#buy-max")
    def _max_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_max()

    # --- actions ----------------------------------------------------------------------

    def action_max(self) -> None:
        balance = self._token_balance()
        if balance is None or self.busy:
            return
        field = self.amount_field
        if balance <= 0:  # said under the amount (a field message), which is kept
            field.show_error(InvalidInput("amount", f"Max: the wallet holds no {self.token}"))
            field.focus_input()
            return
        if self.token == "ETH":
            # Leave the network fee: the latest estimate's limit (without one, the
            # estimate of the whole balance says how much ETH the fee needs).
            balance = max(balance - (self._fee_limit or Decimal(0)), Decimal(0))
            if balance <= 0:
                field.show_error(
                    InvalidInput("amount", "Max: the wallet's ETH does not cover the network fee")
                )
                field.focus_input()
                return
        text = plain_decimal(balance)
        field.value = text
        field.focus_input()
        # Focusing selects the whole value: put a plain cursor at its end instead, so
        # editing trims the last digits rather than replacing (or starting before) it.
        field.input.call_after_refresh(
            setattr, field.input, "selection", Selection.cursor(len(text))
        )

    def watch_only_way(self) -> str:
        key = self.aleph_app.key_for("buy-phone") or "ctrl+o"
        return f" {key} shows a QR code to pay from the wallet that holds its key."

    def action_pay_from_phone(self) -> None:
        account = self.account
        if account is None or self.busy:
            return
        try:  # the amount parsed once, in core, as the Buy button's request is
            request = self.service.buy_request(self.token, self.amount_field.value, account.address)
        except InvalidInput as exc:
            if exc.field == "amount":
                self.amount_field.show_error(exc)
            else:
                self._outcome(str(exc), error=True)
            return
        self._pay_from_phone(request)

    @work(name="buy-payment-link", group="buy-phone", exclusive=True, exit_on_error=False)
    async def _pay_from_phone(self, request: BuyRequest) -> None:
        """The payment link for the account shown; its screen watches for the payment."""
        try:
            link = await self.service.payment_link(request)
        except InvalidInput as exc:
            if exc.field == "amount":
                self.amount_field.show_error(exc)
            self._outcome(str(exc), error=True)
            return
        except Exception as exc:
            self._outcome(f"Cannot make the payment link: {explain(exc)}", error=True)
            return
        result = await self.app.push_screen_wait(
            PaymentLinkScreen(
                link, lambda link, progress: self.service.follow_payment(link, progress)
            )
        )
        if result is not None:
            self.last_result = result
            announce(self.app, [request.payer], "buy")

    def clear_form(self) -> None:
        self.workers.cancel_group(self, "buy-estimate")
        self.amount_field.clear()
        self._set_estimate(None)

    def action_submit(self) -> None:
        account = self.account
        request = self._current_key()
        if account is None or request is None or not self._can_submit():
            self.refuse_submit()
            return
        live = self.estimate
        fresh = time.monotonic() - self._estimated_at < QUOTE_FRESH_S
        if live is None or not fresh or self._estimate_key != request:
            live = None
        self._start()
        self.workers.cancel_group(self, "buy-estimate")
        self._buy(account, live or request, self.dry_run)

    # --- the purchase -----------------------------------------------------------------

    @work(name="buy", group="buy", exclusive=True, exit_on_error=False)
    async def _buy(self, account: Account, what: BuyQuote | BuyRequest, dry_run: bool) -> None:
        """Confirm and sign ``what``: the live quote (its price read again), or the typed
        request quoted first. A quote that grew old or whose price moved while the
        confirmation was open is quoted again and confirmed again: what is signed is
        always what was last shown."""
        steps = self.steps
        steps.reset()
        moved: str | None = None  # the payer, once something was sent
        self._shows_last = False
        try:
            self._outcome("Quoting…")
            if isinstance(what, BuyQuote):
                quote = await self.service.buy_fresh(what)
            else:
                quote = await self.service.buy_quote(what)
            confirmed = False
            for _ in range(3):  # a price that keeps moving: ask again, a few times
                self.last_quote = quote
                self._phase = "confirming"
                self._outcome("Waiting for your confirmation…")
                confirmed = await self.app.push_screen_wait(
                    SigningConfirmation(
                        "Buy credits with "
                        + fmt.exact_units(quote.units, quote.decimals, quote.token),
                        confirmation_rows(quote, account.name, dry_run),
                        confirm_label="Sign (dry run)" if dry_run else "Sign and send",
                        warnings=_warnings(quote),
                    )
                )
                if not confirmed:
                    break
                self._phase = "quoting"
                fresh = await self.service.buy_fresh(quote)
                if fresh is quote:
                    break
                quote, confirmed = fresh, False
            if not confirmed:
                self._finish("Cancelled: nothing was signed.", error=False)
                steps.skip_rest()
                return
            self._phase = "signing"
            self._outcome("Signing…")
            signer = await self.aleph_app.signer_for(account)
            if signer is None:
                self._finish("Cancelled: nothing was signed.", error=False)
                steps.skip_rest()
                return
            steps.mark("signed", "active")
            result = await self.service.buy(quote, signer, dry_run=dry_run, progress=self._progress)
            del signer
            self.last_result = result
            self._show_result(quote, result)
            if result.status != "dry_run":  # tokens, and maybe credits, moved
                moved = quote.payer
                # A rehearsal keeps the amount for the real one; after the real one, the
                # focus leaves the amount, so the number keys switch tabs again.
                self.rest_focus()
        except InvalidInput as exc:
            if exc.field == "amount":
                self.amount_field.show_error(exc)
            self._finish(str(exc), error=True)
            steps.skip_rest()
        except Exception as exc:  # ServiceError: a plain sentence; anything else: its type
            if self._phase in ("quoting", "confirming"):
                steps.skip_rest()
            else:
                steps.mark_current("failed", explain(exc))
            self._finish(f"Not bought: {explain(exc)}", error=True)
            self.aleph_app.report_failure("Buying credits failed", exc, retry=self.action_submit)
        finally:
            self._estimate_key = None  # a quote signs once: the next Submit quotes afresh
            self._shows_last = True
            self._idle()
            if moved is not None:
                # Every view showing the payer reads again (this one: its wallet).
                announce(self.app, [moved], "buy")
            elif self.account is not None and not cancelling():
                self._load_wallet(self.account.address)

    def _progress(self, event: BuyProgress) -> None:
        steps = self.steps
        if event.step == "failed":
            steps.mark_current("failed", event.message)
        elif event.step == "pending":
            steps.mark_current("pending", event.message)
        elif event.step == "signed":
            self._keep_hash(event.tx_hash)
            steps.mark("signed", "done", self._hash_text(event.tx_hash) or event.message)
            self._outcome("Signed." if self.dry_run else "Signed; sending…")
        elif event.step == "sent":
            self._phase = "following"
            self._keep_hash(event.tx_hash)
            detail = self._hash_text(event.tx_hash) or event.message
            steps.mark("sent", "done", detail, link=event.explorer_url)
            self._outcome("Sent; waiting for the block…")
        elif event.step == "confirmed":
            steps.mark("confirmed", "done", event.message)
            self._outcome("Confirmed; waiting for the credits…")
        elif event.step == "credits_received":
            received = "?" if event.credits is None else fmt.credits(event.credits)
            steps.mark("credits_received", "done", f"{received} credits")

    def _keep_hash(self, tx_hash: str | None) -> None:
        if tx_hash:
            self.last_tx_hash = tx_hash

    @staticmethod
    def _hash_text(tx_hash: str | None) -> str:
        """A tx hash as the steps show it: shortened (a whole one wraps and leaves a lone
        character on its own line); the outcome says ctrl+y copies the full value."""
        return short_hash(tx_hash) if tx_hash else ""

    def action_copy_tx(self) -> None:
        """Copy the last purchase's full transaction hash (OSC 52: works over SSH too)."""
        if self.last_tx_hash is None:
            self.notify("No transaction yet.", severity="warning")
            return
        self.app.copy_to_clipboard(self.last_tx_hash)
        self.notify(self.last_tx_hash, title="Transaction hash copied", markup=False)

    def _show_result(self, quote: BuyQuote, result: BuyResult) -> None:
        paid = f"{exact_decimal(quote.amount, grouped=True)} {quote.token}"
        if result.status == "dry_run":
            self.steps.skip_rest("dry run: nothing sent")
            self._finish(
                f"Dry run: signed {short_hash(result.tx_hash)} for {paid}; nothing was sent. "
                f"{COPY_HINT}"
            )
        elif result.status == "completed":
            got = result.credits_received
            received = "?" if got is None else fmt.credits(got)
            text = f"Bought {received} credits with {paid}."
            self._finish(f"{text} {COPY_HINT}")
            self.amount_field.clear()  # a second Enter must not buy again
            self.notify(text, title="Credits received")
        elif result.status == "pending":
            self._finish(
                f"Paid {paid} (tx {short_hash(result.tx_hash)}); {result.error}. "
                f"It is journaled and followed up when buys resume. {COPY_HINT}"
            )
        elif result.status == "cancelled":  # replaced by a cancellation (Open operations)
            self._finish(f"Cancelled: {result.error}.")
        else:
            text = f"Payment {short_hash(result.tx_hash)} failed: {result.error}"
            self._finish(text, error=True)
            self.notify(text, title="Buying credits failed", severity="error", timeout=10)

    # --- the live estimate ------------------------------------------------------------

    def _current_key(self) -> BuyRequest | None:
        """The form's typed request: the amount as its field parsed it, never again."""
        account = self.account
        units: int | None = self.amount_field.result
        if account is None or units is None:
            return None
        request = self.request
        if request is None or (request.token, request.units, request.payer) != (
            self.token,
            units,
            account.address,
        ):
            try:
                request = self.service.buy_request(self.token, units, account.address)
            except InvalidInput:
                return None
            self.request = request
        return request

    def _schedule_estimate(self) -> None:
        self._set_estimate(None)
        key = self._current_key()
        if key is None:
            self.workers.cancel_group(self, "buy-estimate")
        else:
            self.query_one("#buy-estimate", Static).update(Text("Estimating…", style="dim"))
            self._estimate(key)
        self._update_submit()

    @work(name="buy-estimate", group="buy-estimate", exclusive=True, exit_on_error=False)
    async def _estimate(self, key: BuyRequest) -> None:
        await asyncio.sleep(ESTIMATE_DELAY_S)
        try:
            quote = await self.service.buy_quote(key)
        except InvalidInput as exc:
            self._refused = (key, str(exc))
            if exc.field == "amount":
                self.amount_field.show_error(exc)  # e.g. the token's real decimals
            else:
                self._show_estimate_error(str(exc))
        except BuyError as exc:  # the balance or the network says no: nothing to submit
            self._refused = (key, str(exc))
            self._show_estimate_error(str(exc))
        except Exception as exc:  # unreachable chain or Credit API: Submit will retry
            self._show_estimate_error(f"Cannot estimate now: {explain(exc)}")
        else:
            if self._current_key() == key:
                self._set_estimate(quote)
                self._estimate_key = key
                self._estimated_at = time.monotonic()
        self._update_submit()

    def _set_estimate(self, quote: BuyQuote | None) -> None:
        self._estimate_key = None
        self._refused = None
        self.estimate = quote

    def watch_estimate(self, quote: BuyQuote | None) -> None:
        if quote is not None:
            self._fee_limit = quote.fee_limit_eth
        estimate = self.query_one("#buy-estimate", Static)
        estimate.set_class(False, "-error")
        if quote is None:
            estimate.update(Text("Enter an amount to see what it buys.", style="dim"))
            return
        estimate.update(estimate_table(quote))

    def _show_estimate_error(self, text: str) -> None:
        estimate = self.query_one("#buy-estimate", Static)
        estimate.update(Text(text))
        estimate.set_class(True, "-error")

    # --- submit state -----------------------------------------------------------------

    @property
    def refusal(self) -> str | None:
        """Why the current inputs cannot be bought (from the quote), if they cannot."""
        if self._refused is None or self._refused[0] != self._current_key():
            return None
        return self._refused[1]

    def _can_submit(self) -> bool:
        return (
            self.account is not None
            and not self.busy
            and self.amount_field.is_valid
            and self.refusal is None
        )

    def blocked_reason(self) -> str | None:
        if self.account is None or self.busy:
            return None
        field = self.amount_field
        if field.error is not None:
            return f"Buy is disabled: {field.error}"
        if field.is_empty:
            return f"Buy is disabled until the {field.label} is filled in"
        if self.refusal is not None:
            return f"Buy is disabled: {self.refusal}"
        return None

    def _update_submit(self) -> None:
        super()._update_submit()
        # The amount stays editable (it keeps the focus and Escape); the rest waits.
        self.query_one("#buy-token", RadioSet).disabled = self.busy
        if self.busy:
            self.query_one("#buy-max", Button).disabled = True
        else:
            self._show_balance()


def _warnings(quote: BuyQuote) -> list[str]:
    warnings = []
    if quote.requoted is not None:
        warnings.append(f"Quoted again: {quote.requoted}. Check the figures above.")
    if not quote.network.is_devnet:
        warnings.append(f"This pays with real funds on {quote.network.name}.")
    if quote.estimated_credits is None:
        warnings.append("No Credit API on this network: the credits cannot be estimated.")
    return warnings
