"""Key 4, Transfer: send credits to an address, an account or an alias.

Every field is checked as it is typed by core's validators; the recipient completes
from the address book. The state is two reactives the screen follows: ``request``, the
form's values parsed once into core's ``TransferRequest``, and ``quote``, that request
priced by one read of the sender's credits (debounced). An unaffordable transfer shows
required versus available and cannot be submitted. Submitting signs that very quote
locally (it is quoted only when none is live or it is older than ``QUOTE_FRESH_S``),
shows the message to be sent with its item_hash in a ``SigningConfirmation``, then posts
it and shows the node's verdict: processed, pending, or rejected with the node's reason.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Static

from aleph_tui.core import validation
from aleph_tui.core.aleph.messages import CREDIT_CHANNEL
from aleph_tui.core.flows.transferring import (
    QUOTE_MAX_AGE_S,
    SELF_TRANSFER,
    TransferQuote,
    TransferRequest,
    TransferResult,
)
from aleph_tui.core.formatting import iso_utc, utc_minute
from aleph_tui.core.validation import InvalidInput
from aleph_tui.ui.data_state import LOADING_TEXT
from aleph_tui.ui.money_changed import announce
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.view import cancelling, explain
from aleph_tui.ui.views.signing_form_view import SigningFormView
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.copy_value import Names, copy_value, known_address, names_of
from aleph_tui.ui.widgets.validated_input import ValidatedInput

if TYPE_CHECKING:
    from aleph_tui.core.accounts.account_store import Account
    from aleph_tui.core.networks import Network

QUOTE_DELAY_S = 0.35  # debounce: quote once the user pauses typing
# Submit signs the live quote; one older than this is priced again first (the credits
# may have moved meanwhile: the signing refuses what the fresh balance cannot afford).
QUOTE_FRESH_S = 30.0
BOOK_LINES = 8
STEPS = (("signed", "Signed"), ("sent", "Sent"), ("processed", "Processed"))
UNTIL_FILLED = "Send is disabled until"
DISCARDED = "signed locally, then discarded: nothing was sent"
FIELDS = {"to": "to", "amount": "amount", "expiration": "expiration", "channel": "channel"}


def target_text(quote: TransferQuote, names: Names | None = None) -> str:
    """The recipient as typed, and its address; a typed address that is a known account
    or alias shows that name too."""
    same = quote.target.lower() == quote.recipient.lower()
    if same:
        return known_address(quote.recipient, names or {}, whole=True)
    return f"{quote.target} → {quote.recipient}"


def confirmation_rows(
    network: Network,
    account_name: str,
    quote: TransferQuote,
    item_hash: str,
    names: Names | None = None,
) -> list[tuple[str, str]]:
    """What the confirmation shows: the CLI's ``credit transfer`` summary, as rows."""
    if quote.expiration is None:
        expiration = "none (the credits keep their own expiration)"
    else:
        expiration = f"{iso_utc(quote.expiration)} ({quote.expiration_ms} ms)"
    return [
        ("Network", f"{network.name} ({network.api_url})"),
        ("From", f"{account_name} {quote.sender}"),
        ("To", target_text(quote, names)),
        ("Amount", f"{fmt.credits(quote.amount)} credits ({fmt.usd(quote.usd)})"),
        ("Available", fmt.credits_with_usd(quote.available)),
        ("Expiration", expiration),
        *spent_rows(quote),
        ("Channel", quote.channel),
        ("item_hash", item_hash),
    ]


def spent_rows(quote: TransferQuote) -> list[tuple[str, str]]:
    """The lots the transfer spends, oldest-issued first as the node spends them, each
    with the expiry its part will really get (one row, a line per lot)."""
    if quote.channel != CREDIT_CHANNEL:
        return []
    if not quote.lots_known:
        return [("Spends", "lots unknown: the history does not account for every credit")]
    return [("Spends", "\n".join(part.text() for part in quote.spent))] if quote.spent else []


def capped_warning(quote: TransferQuote) -> str | None:
    """Said when some credits will expire before the requested expiration."""
    if quote.expiration is None:
        return None
    early = sum(
        part.amount
        for part in quote.spent
        if part.expiration is not None and part.expiration < quote.expiration
    )
    if not early:
        return None
    return (
        f"{fmt.credits(early)} credits expire before the requested "
        f"{utc_minute(quote.expiration)}: the node caps each part at its lot's expiry."
    )


def channel_warning(channel: str) -> str | None:
    if channel == CREDIT_CHANNEL:
        return None
    return (
        f"No credits will move: nodes move credits only on {CREDIT_CHANNEL}; "
        f"on {channel} this is stored as a plain post."
    )


class TransferView(SigningFormView):
    view_id = "transfer"
    title = "Transfer"
    key = "4"
    prefix = "transfer"
    submit_label = "Send"
    submit_tooltip = "Review the signed message, then send it"
    dry_run_tooltip = "Sign and show the item_hash, send nothing"
    steps_spec = STEPS
    cancelled_text = "Cancelled: nothing was sent."
    committed_text = "The transfer is already sent; its status follows."

    DEFAULT_CSS = """
    TransferView #transfer-book { color: $text-muted; height: auto; }
    TransferView #transfer-available, TransferView #transfer-quote { height: auto; }
    TransferView #transfer-quote.-error { color: $text-error; }
    /* a narrow side column: one line per entry, never an address broken in two */
    Screen.-narrow TransferView #transfer-book { text-wrap: nowrap; text-overflow: ellipsis; }
    """
    SCOPED_CSS = False  # for the rule on the screen's size class
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "submit",
            "Send",
            id="transfer-submit",
            tooltip="Sign the live quote, review the message, then send it (Enter in a field)",
        ),
        Binding(
            "escape",
            "clear",
            "Cancel/clear",
            id="transfer-cancel",
            tooltip="Stop a quote in progress; in a field, leave it; else clear the form",
        ),
        Binding(
            "ctrl+t",
            "toggle_dry_run",
            "Dry run",
            id="transfer-dry-run",
            tooltip="Toggle dry run: sign and show the item_hash without sending anything",
        ),
        Binding(
            "ctrl+y",
            "copy_hash",
            "Copy hash",
            id="transfer-copy-hash",
            show=False,
            tooltip="Copy the last transfer's full message hash (item_hash) to the clipboard",
        ),
    ]

    # The form's values parsed once (None while a field is empty or invalid), and that
    # request priced (None until its quote arrives). Every assignment is followed, so a
    # reload prices the same request again.
    request: reactive[TransferRequest | None] = reactive(None, always_update=True, init=False)
    quote: reactive[TransferQuote | None] = reactive(None, always_update=True, init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.last_result: TransferResult | None = None
        self._available: int | None = None
        self._quoted_at = 0.0  # time.monotonic() of the live quote
        self._names: Names = {}  # the address book's names, for known recipients

    # --- layout -----------------------------------------------------------------------

    def compose_fields(self) -> Iterable[Widget]:
        yield ValidatedInput(
            "To (address, account or alias)",
            self._recipient_check,
            placeholder="0x…, or a name from the address book",
            describe=lambda address: f"→ {address}",
            suggester=SuggestFromList([], case_sensitive=False),
            tooltip="The recipient; names complete from accounts and aliases (→ accepts)",
            id="transfer-to",
        )
        yield ValidatedInput(
            "Amount (credits)",
            validation.credit_amount,
            placeholder="e.g. 1000000 (= $1)",
            describe=lambda n: f"{fmt.credits(n)} credits, worth {fmt.credits_usd(n)}",
            tooltip="Whole credits; 1 000 000 credits are worth 1 USD",
            id="transfer-amount",
        )
        yield ValidatedInput(
            "Expiration (optional, RFC 3339)",
            validation.expiration,
            placeholder="e.g. 2027-01-31T00:00:00Z",
            optional=True,
            # Requested only: the node caps each part at the expiry of the lot it spends.
            describe=lambda moment: f"at most {iso_utc(moment)} (capped by each lot's own)",
            tooltip="When the transferred credits expire; empty keeps their own",
            id="transfer-expiration",
        )
        yield ValidatedInput(
            "Channel",
            validation.channel,
            value=CREDIT_CHANNEL,
            describe=lambda channel: channel_warning(channel) or "the credit channel",
            tooltip=f"The Aleph channel of the message; credits move on {CREDIT_CHANNEL}",
            check_empty=True,  # blanking the default is an error said at once
            id="transfer-channel",
        )
        # The form's --force-channel: shown for another channel, which moves no credits.
        force = Checkbox(
            "Post anyway",
            id="transfer-force-channel",
            tooltip=f"Another channel than {CREDIT_CHANNEL} is stored as a plain post",
        )
        force.display = False
        yield force

    def compose_side(self) -> Iterable[Widget]:
        yield Label("Credits", classes="section")
        yield Static("", id="transfer-available")
        yield Static("", id="transfer-quote")
        yield Label("Address book", classes="section -later")
        yield Static("", id="transfer-book")

    def default_focus(self) -> Widget:
        # The tab opens on its first field, To: what is typed next goes into the form. A
        # watch-only account's form is disabled: the view itself, then.
        return self if self.watch_only else self.field("to").input

    def field(self, name: str) -> ValidatedInput[Any]:
        return self.query_one(f"#transfer-{name}", ValidatedInput)

    @property
    def force_channel(self) -> Checkbox:
        return self.query_one("#transfer-force-channel", Checkbox)

    def _other_channel(self) -> str | None:
        """The channel typed, when it is valid and not the credit channel."""
        channel: str | None = self.field("channel").result
        return None if channel in (None, CREDIT_CHANNEL) else channel

    # --- hooks ------------------------------------------------------------------------

    def account_changed(self, account: Account | None) -> None:
        self._available = None
        self.request = None  # the sender is part of it: reload makes the new one
        self.show_sender(account, "send credits")
        self.reload()

    def clear_account_form(self) -> None:
        # To, the amount… were typed for the previous account (To may even be this one).
        self.clear_form()

    def reload(self) -> None:
        self._load_book()
        self.field("to").revalidate()  # names and "not to oneself" may have changed
        self._show_available()
        if self.account is not None:
            self._load_available(self.account.address)
            self._refresh_request()

    def money_changed(self, addresses: frozenset[str]) -> None:
        """The available credits again; the form stays as the user left it."""
        account = self.account
        if account is not None and account.address.lower() in addresses:
            self._load_available(account.address)

    def _load_book(self) -> None:
        try:
            book = self.service.address_book()
        except Exception as exc:
            self.query_one("#transfer-book", Static).update(Text(f"unavailable: {explain(exc)}"))
            return
        self._names = names_of(book)
        names = [name for name, _ in book]
        self.field("to").input.suggester = SuggestFromList(names, case_sensitive=False)
        text = Text()
        for index, (name, address) in enumerate(book[:BOOK_LINES]):
            text.append(("\n" if index else "") + name.ljust(16), style="bold")
            text.append(f" {address}")
        if len(book) > BOOK_LINES:
            text.append(f"\n… and {len(book) - BOOK_LINES} more (type to complete)")
        if not book:
            text.append("empty: add accounts or aliases in the Accounts tab")
        self.query_one("#transfer-book", Static).update(text)

    @work(
        name="transfer-available", group="transfer-available", exclusive=True, exit_on_error=False
    )
    async def _load_available(self, address: str) -> None:
        try:
            overview = await self.service.balance_overview([address])
        except Exception as exc:
            self._show_available(f"cannot read the credits ({explain(exc)})")
            return
        slot = overview.slots[0]
        if self.account is None or self.account.address != address:
            return
        if slot.balance is None:
            self._show_available(f"cannot read the credits ({slot.error})")
        else:
            self._available = slot.balance.credits
            self._show_available()

    def _show_available(self, problem: str | None = None) -> None:
        if problem is not None:
            text = Text(f"Available: {problem}", style="red")
        elif self._available is None:
            text = Text(f"Available: {LOADING_TEXT}" if self.account is not None else "")
        else:
            text = Text(f"Available: {fmt.credits_with_usd(self._available)}")
        self.query_one("#transfer-available", Static).update(text)

    # --- form events ------------------------------------------------------------------

    def _recipient_check(self, text: str) -> str:
        account = self.account
        forbidden = self.service.reserved_recipients()
        if account is not None:
            forbidden.append((account.address, SELF_TRANSFER))
        return validation.account_reference(
            text, self.service.resolve_address, field="to", forbidden=forbidden
        )

    @on(ValidatedInput.Changed)
    def _field_changed(self, event: ValidatedInput.Changed) -> None:
        event.stop()
        if event.field.id == "transfer-channel":
            # A new channel is ticked afresh: the tick was for the one it replaced.
            other = self._other_channel()
            force = self.force_channel
            force.value = False
            force.display = other is not None
            # Short, to fit 80 columns: the line above says that no credits will move.
            force.label = f"Post on {other} anyway" if other else ""
        self._refresh_request()

    @on(Checkbox.Changed, "#transfer-force-channel")
    def _force_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._refresh_request()

    @on(Input.Submitted)
    def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    # --- actions ----------------------------------------------------------------------

    def clear_form(self) -> None:
        self.workers.cancel_group(self, "transfer-quote")
        for name in ("to", "amount", "expiration"):
            self.field(name).clear()
        self.field("channel").value = CREDIT_CHANNEL
        self.force_channel.value = False
        self.request = None

    def action_submit(self) -> None:
        account = self.account
        request = self.request
        if account is None or request is None or not self._can_submit():
            self.refuse_submit()
            return
        live = self.quote
        fresh = time.monotonic() - self._quoted_at < QUOTE_FRESH_S
        self._start()
        self.workers.cancel_group(self, "transfer-quote")
        self._transfer(account, live if live is not None and fresh else request, self.dry_run)

    # --- the transfer -----------------------------------------------------------------

    @work(name="transfer", group="transfer", exclusive=True, exit_on_error=False)
    async def _transfer(
        self, account: Account, what: TransferQuote | TransferRequest, dry_run: bool
    ) -> None:
        """Sign ``what``: the live quote as it is, or a request priced first (no quote
        yet, or a stale one). Nothing is parsed here."""
        steps = self.steps
        steps.reset()
        moved: list[str] = []  # sender and recipient, once the transfer was posted
        try:
            if isinstance(what, TransferQuote):
                quote = what
            else:
                self._outcome("Quoting…")
                quote = await self.service.transfer_quote(what)
                self._priced(quote)
            if not quote.sufficient:
                self._finish(_insufficient(quote), error=True)
                steps.skip_rest()
                return
            signer = await self.aleph_app.signer_for(account)
            if signer is None:
                self._finish("Cancelled: nothing was signed or sent.")
                steps.skip_rest()
                return
            signed = self.service.transfer_sign(quote, signer)  # local: nothing is sent
            del signer
            steps.mark("signed", "done", signed.item_hash)
            if dry_run:  # as the CLI: a dry run sends nothing, so there is nothing to confirm
                result = await self.service.transfer(signed, dry_run=True)
            else:
                self._phase = "confirming"
                self._outcome("Signed locally; waiting for your confirmation…")
                quoted_at = time.monotonic()
                changed: str | None = None
                confirmed = False
                for _ in range(3):  # lots that keep changing: ask again, a few times
                    confirmed = await self._confirm(account, quote, signed.item_hash, changed)
                    if not confirmed or time.monotonic() - quoted_at <= QUOTE_MAX_AGE_S:
                        break
                    # Open for more than a minute: the lots it spends are read again. The
                    # signed message does not name them, so it stands; what it is shown
                    # to do must be true.
                    self._phase = "quoting"
                    fresh = await self.service.transfer_quote(quote.request)
                    quoted_at = time.monotonic()
                    if not fresh.sufficient:
                        self._finish(_insufficient(fresh), error=True)
                        steps.skip_rest("not sent")
                        return
                    if fresh.spent == quote.spent:
                        break
                    quote, confirmed = fresh, False
                    changed = "The credits it spends changed while this was open: check again."
                if not confirmed:
                    # The first line the steps show must not read as a transfer made.
                    steps.mark("signed", "skipped", DISCARDED)
                    steps.skip_rest("cancelled")
                    self._finish(f"Cancelled: {DISCARDED}.")
                    return
                self._phase = "sending"
                steps.mark("sent", "active", "posting to the node…")
                self._outcome("Sending…")
                result = await self.service.transfer(signed)
            self.last_result = result
            self._show_result(result)
            if result.status != "dry-run":  # a rehearsal keeps the form for the real one
                moved = [result.quote.sender, result.quote.recipient]
                self.rest_focus()  # off the fields: the number keys switch tabs again
        except InvalidInput as exc:
            if exc.field in FIELDS:
                self.field(FIELDS[exc.field]).show_error(exc)
            steps.skip_rest()
            self._finish(str(exc), error=True)
        except Exception as exc:  # ServiceError: a plain sentence; anything else: its type
            if self._phase == "sending":
                steps.mark_current("failed", explain(exc))
            else:
                steps.skip_rest()
            self._finish(f"Not sent: {explain(exc)}", error=True)
            self.aleph_app.report_failure("Credit transfer failed", exc, retry=self.action_submit)
        finally:
            self._quoted_at = 0.0  # a quote signs once: the next Submit quotes afresh
            self._idle()
            if moved:
                # Every view showing either account reads again (this one: its credits).
                announce(self.app, moved, "transfer")
            elif self.account is not None and not cancelling():
                self._load_available(self.account.address)

    async def _confirm(
        self, account: Account, quote: TransferQuote, item_hash: str, changed: str | None
    ) -> bool:
        """The last look: everything the signed message will do, the lots it spends."""
        self._phase = "confirming"
        self._outcome("Signed locally; waiting for your confirmation…")
        warning = channel_warning(quote.channel)
        notes = [w for w in (changed, warning, capped_warning(quote)) if w is not None]
        confirmed: bool = await self.app.push_screen_wait(
            SigningConfirmation(
                f"Transfer {fmt.credits(quote.amount)} credits"
                if warning is None
                else f"Post on {quote.channel}: no credits will move",
                confirmation_rows(
                    self.service.network, account.name, quote, item_hash, self._names
                ),
                confirm_label="Send" if warning is None else "Post anyway",
                warnings=notes,
            )
        )
        return confirmed

    def action_copy_hash(self) -> None:
        """ctrl+y, as Buy's: the last transfer's item_hash (OSC 52: works over SSH too)."""
        result = self.last_result
        copy_value(self, "Message hash", None if result is None else result.item_hash)

    def _show_result(self, result: TransferResult) -> None:
        steps = self.steps
        quote = result.quote
        what = f"{fmt.credits(quote.amount)} credits to {target_text(quote, self._names)}"
        if result.status == "dry-run":
            steps.skip_rest("dry run: nothing sent")
            self._finish(f"Dry run: signed, not sent: {what}.")
            return
        steps.mark("sent", "done", f"accepted by {self.service.network.name}")
        if result.status == "processed" and quote.channel != CREDIT_CHANNEL:
            steps.mark("processed", "done", "stored as a plain post: no credits moved")
            self._finish(f"Posted on {quote.channel}, no credits moved: {what} not transferred.")
        elif result.status == "processed":
            steps.mark("processed", "done", "the credits moved")
            self._finish(f"Transferred {what}.")
            self.notify(f"Transferred {what}.", title="Credits sent")
            self.field("amount").clear()
        elif result.status == "pending":
            steps.mark("processed", "pending", "not processed yet; the journal follows it up")
            self._finish(f"Sent, not yet processed: {what}.")
        else:
            code = "" if result.error_code is None else f" (error {result.error_code})"
            reason = result.reason or "no reason given"
            steps.mark("processed", "failed", f"rejected{code}: {reason}")
            self._finish(f"Rejected by the node{code}: {reason}", error=True)
            self.notify(reason, title="Transfer rejected", severity="error", timeout=10)

    # --- the live quote ---------------------------------------------------------------

    def _refresh_request(self) -> None:
        """The form's values (each parsed once, as typed) into one typed request."""
        self.request = self._form_request()

    def _form_request(self) -> TransferRequest | None:
        account = self.account
        names = ("to", "amount", "expiration", "channel")
        if account is None or not all(self.field(name).is_valid for name in names):
            return None
        amount: int | None = self.field("amount").result
        channel: str | None = self.field("channel").result
        if amount is None or channel is None:
            return None
        force = self.force_channel.value
        if channel != CREDIT_CHANNEL and not force:
            return None  # the reason line asks for the tick
        try:
            return self.service.transfer_request(
                account.address,
                self.field("to").value,
                amount,  # typed already: the field parsed it as it was typed
                expiration=self.field("expiration").result,
                channel=channel,
                # The form's --force-channel (the tick): another channel is then posted
                # only through a confirmation that warns no credits will move.
                force_channel=force,
            )
        except InvalidInput as exc:
            if exc.field in FIELDS:
                self.field(FIELDS[exc.field]).show_error(exc)
            else:
                self._show_quote_problem(str(exc))
            return None

    def watch_request(self, request: TransferRequest | None) -> None:
        self.quote = None
        if request is None:
            self.workers.cancel_group(self, "transfer-quote")
        else:
            self.query_one("#transfer-quote", Static).update(Text("Checking…", style="dim"))
            self._quote(request)

    @work(name="transfer-quote", group="transfer-quote", exclusive=True, exit_on_error=False)
    async def _quote(self, request: TransferRequest) -> None:
        await asyncio.sleep(QUOTE_DELAY_S)
        try:
            quote = await self.service.transfer_quote(request)
        except Exception as exc:  # the node is unreachable: Submit will try again
            self._show_quote_problem(f"Cannot check the credits now: {explain(exc)}")
        else:
            self._priced(quote)

    def _priced(self, quote: TransferQuote) -> None:
        """A quote arrived: it becomes the live one if it prices the form as it is now."""
        if quote.request == self.request:
            self._quoted_at = time.monotonic()
            self.quote = quote

    def watch_quote(self, quote: TransferQuote | None) -> None:
        line = self.query_one("#transfer-quote", Static)
        line.set_class(False, "-error")
        self._update_submit()
        if quote is None:
            reason = None if self.request is not None else self.blocked_reason()
            self.query_one("#transfer-submit").tooltip = reason or self.submit_tooltip
            if reason is None or reason.startswith(UNTIL_FILLED):
                line.update(Text("Fill in the form to check it against the credits.", style="dim"))
            else:
                line.update(Text(reason))
                line.set_class(True, "-error")
            return
        self.query_one("#transfer-submit").tooltip = self.submit_tooltip
        self._available = quote.available
        self._show_available()
        if not quote.sufficient:
            line.update(Text(_insufficient(quote)))
            line.set_class(True, "-error")
        else:
            left = quote.available - quote.amount
            text = Text(
                f"{fmt.credits(quote.amount)} credits ({fmt.usd(quote.usd)})"
                f" to {quote.recipient}; {fmt.credits_with_usd(left)} left afterwards"
            )
            if quote.arriving and quote.channel == CREDIT_CHANNEL:
                # What the node will really give, not what was asked (issue 16 point 3).
                arriving = "; ".join(
                    f"{fmt.credits(lot.amount)} expiring "
                    f"{utc_minute(lot.expiration, empty='never')}"
                    for lot in quote.arriving
                )
                text.append(f"\nThey arrive as: {arriving}")
            line.update(text)

    def _show_quote_problem(self, text: str) -> None:
        line = self.query_one("#transfer-quote", Static)
        line.update(Text(text))
        line.set_class(True, "-error")

    # --- submit state -----------------------------------------------------------------

    def blocked_reason(self) -> str | None:
        """Why Send is disabled, in a sentence (None when it is not, or for lack of an
        account, which the From line says)."""
        if self.account is None or self.busy:
            return None
        for name in FIELDS.values():
            error = self.field(name).error
            if error is not None:
                return f"Send is disabled: {error}"
        other = self._other_channel()
        if other is not None and not self.force_channel.value:
            return (
                f"Send is disabled: on {other} no credits will move; tick "
                f'"Post on {other} anyway" to post it all the same'
            )
        empty = [self.field(n).label for n in ("to", "amount") if self.field(n).is_empty]
        if empty:
            return f"{UNTIL_FILLED} {' and '.join(empty)} are filled in"
        if self.quote is not None and not self.quote.sufficient:
            return _insufficient(self.quote)
        return None

    @property
    def shortfall(self) -> tuple[int, int] | None:
        """(required, available) when the current inputs cannot be afforded."""
        quote = self.quote
        if quote is None or quote.sufficient:
            return None
        return quote.amount, quote.available

    def _can_submit(self) -> bool:
        return (
            self.account is not None
            and not self.busy
            and self.request is not None
            and self.shortfall is None
        )


def _insufficient(quote: TransferQuote) -> str:
    return (
        f"Insufficient credits: required {fmt.credits_with_usd(quote.amount)}, "
        f"available {fmt.credits_with_usd(quote.available)}. Nothing will be sent."
    )
