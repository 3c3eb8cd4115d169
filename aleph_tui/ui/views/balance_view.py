"""Key 1, Balance: every account side by side (watch-only ones marked), their totals,
and the active one in detail.

The detail shows ALEPH per chain with locked and available amounts, credits with their
USD value, credit lots by expiration (a week or less left is marked in text), and the
wallet's ETH, ALEPH and USDC on chain. Each figure is drawn in its state
(``ui/data_state.py``): a skeleton while it loads, "unavailable" with its cause when it
cannot be fetched, its last value marked "stale 3 min (since HH:MM:SS): cause" when a
later fetch fails. One refresh reads the balances and the wallet together and stamps them
with one instant ("last updated"). An account under its low-balance threshold is marked
in its Status cell and beside its name. A buy, a transfer or a threshold change
(``MoneyChanged``) refreshes the view without ``r``. ``h`` hides every amount behind •••.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Static

from aleph_tui.core.aleph.models import BalanceOverview, balance_totals
from aleph_tui.ui import low_balance
from aleph_tui.ui.data_state import LOADING_TEXT, RETRY_HINT, DataState, Phase
from aleph_tui.ui.view import View
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.accounts_balance_table import (
    AccountBalanceRow,
    AccountsBalanceTable,
)
from aleph_tui.ui.widgets.credit_lots_table import CreditLotsTable, expiring_soon

if TYPE_CHECKING:
    from aleph_tui.core.accounts.account_store import Account
    from aleph_tui.core.aleph.models import Balance, BalanceSlot
    from aleph_tui.core.chain.gateway import WalletBalances


# While a refresh brings balances one by one, the totals row follows every this many.
TOTALS_EVERY = 50


def one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class BalanceView(View):
    view_id = "balance"
    title = "Balance"
    key = "1"
    shows_data_first = True

    DEFAULT_CSS = """
    BalanceView { padding: 0 1; }
    BalanceView .section-title { text-style: bold; color: $text-muted; margin-top: 1; }
    BalanceView #balance-detail { height: auto; }
    BalanceView #balance-detail > * {
        width: 1fr; height: auto; border: round $panel; padding: 0 1;
    }
    BalanceView #balance-detail > #credits-panel { width: 2fr; }
    BalanceView #last-updated { color: $text-muted; margin-top: 1; }
    /* 80 columns: ALEPH over the wallet on the left, the credits and their lots (every
       column whole) on the right */
    Screen.-narrow BalanceView #balance-detail {
        layout: grid; grid-size: 2 2; grid-columns: 24 1fr; grid-rows: auto auto;
    }
    Screen.-narrow.-tall BalanceView #balance-detail { grid-rows: auto 1fr; }
    Screen.-narrow BalanceView #balance-detail > * { width: 100%; }
    Screen.-narrow BalanceView #balance-detail > #credits-panel { width: 100%; row-span: 2; }
    /* 24 lines: no blank lines; the lots scroll in their panel, the view if it must */
    Screen.-short BalanceView { overflow-y: auto; scrollbar-size-vertical: 1; }
    Screen.-short BalanceView .section-title, Screen.-short BalanceView #last-updated {
        margin-top: 0;
    }
    /* 24 lines: the credits panel spans the two rows of its left column, which alone
       size them (a grid's auto rows ignore a spanning cell), so it is cut to their
       height: it fills them, and its lots take what is left and scroll under their
       cursor, their scrollbar in the panel's right padding (every column stays whole) */
    Screen.-narrow.-short BalanceView #balance-detail > #credits-panel {
        height: 100%; padding: 0 0 0 1;
    }
    Screen.-narrow.-short BalanceView #credits-panel > #credit-lots {
        height: 1fr; scrollbar-size-vertical: 1;
    }
    BalanceView #balance-totals { text-style: bold; padding: 0 1; }
    """
    SCOPED_CSS = False  # for the rules on the screen's size classes

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "h",
            "toggle_hidden",
            "Hide amounts",
            id="hide-balances",
            tooltip="Hide or show every amount (••• in their place)",
        ),
    ]

    balances_hidden: reactive[bool] = reactive(False, init=False)
    # The instant of the read whose balances are shown ("last updated").
    as_of: reactive[dt.datetime | None] = reactive(None, init=False)
    # The wallet panel's state; its figures are ``_wallet`` (kept when they go stale).
    wallet_state: reactive[DataState] = reactive(DataState.loading, init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._overview: BalanceOverview | None = None
        # The last balance fetched for each address, and when: what is shown when a
        # later fetch fails (marked stale).
        self._known: dict[str, tuple[Balance, dt.datetime]] = {}
        self._errors: dict[str, str] = {}
        self._wallet: WalletBalances | None = None
        self._wallet_of: str | None = None  # the address ``_wallet`` belongs to
        self._wallet_reading = False  # a read of the wallet is on its way
        self._loading_overview = False
        self._overview_run = 0  # which refresh is the latest (see _fetch_overview)
        # The low-balance thresholds by lower-case address, read at each refresh.
        self._thresholds: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Static("All accounts", classes="section-title", markup=False)
        yield AccountsBalanceTable(id="accounts-table")
        yield Static("", id="balance-totals", markup=False)
        yield Static("", id="active-title", classes="section-title", markup=False)
        with Horizontal(id="balance-detail"):
            # A panel of one text is the text itself, bordered: fewer widgets to start.
            yield Static("", id="aleph-detail", markup=False)
            with Vertical(id="credits-panel"):
                yield Static("", id="credits-detail", markup=False)
                yield CreditLotsTable(id="credit-lots")
            yield Static("", id="wallet-detail", markup=False)
        yield Static("", id="last-updated", markup=False)

    def on_mount(self) -> None:
        self.query_one("#aleph-detail").border_title = "ALEPH"
        self.query_one("#credits-panel").border_title = "Credits"
        self.query_one("#wallet-detail").border_title = "Wallet on chain"

    # --- hooks ---------------------------------------------------------------------

    def default_focus(self) -> Widget:
        return self.query_one(AccountsBalanceTable)

    def account_changed(self, account: Account | None) -> None:
        self._wallet, self._wallet_of = None, None
        self.set_reactive(BalanceView.wallet_state, DataState.loading())
        if account is None:
            self._render_all()
            return
        # The cursor follows ▶: ``c`` and Enter act on the row under it, which must be the
        # active account's after ``>``/``<`` or the picker (it stayed on the previous one).
        table = self.query_one(AccountsBalanceTable)
        if account.address in table.rows:
            table.move_cursor(row=table.get_row_index(account.address))
        # One read of the balances and the wallet, stamped with one instant: the known
        # balances stay shown meanwhile (a skeleton for the others, never "unavailable").
        at = self._now()
        self._load_overview(at)
        # At start-up, after the balance is painted (AlephApp.after_start); later, after
        # the next paint.
        self.aleph_app.after_start(self._load_wallet, account.address, at)

    def reload(self) -> None:
        self._reload(restart=False)

    def money_changed(self, addresses: frozenset[str]) -> None:
        """As every view, but a refresh on its way is restarted: its figures may predate
        the change (a buy that just landed)."""
        if not getattr(self, "_behind", False) and any(map(self.shows_address, addresses)):
            self._reload(restart=True)

    def _reload(self, *, restart: bool) -> None:
        at = self._now()
        # A refresh still on its way is let finish (the timer, r): restarting it would
        # never let a refresh slower than the interval (500 addresses, a slow node) end.
        if restart or not self._loading_overview:
            self._load_overview(at)
        if self.account is not None:
            self._load_wallet(self.account.address, at)

    def shows_address(self, address: str) -> bool:
        """Every account is in the table."""
        return any(a.address.lower() == address for a in self._accounts())

    # --- actions -------------------------------------------------------------------

    def action_toggle_hidden(self) -> None:
        self.balances_hidden = not self.balances_hidden

    def watch_balances_hidden(self, hidden: bool) -> None:
        self._render_all()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on an account makes it the active one."""
        if not isinstance(event.data_table, AccountsBalanceTable):
            return
        event.stop()
        address = event.row_key.value
        for account in self._accounts():
            if account.address == address:
                self.aleph_app.select_account(account)
                return

    # --- loading -------------------------------------------------------------------

    def _now(self) -> dt.datetime:
        now = getattr(self.aleph_app, "now", None)
        moment = now() if callable(now) else None
        return moment if isinstance(moment, dt.datetime) else dt.datetime.now(dt.UTC)

    def _accounts(self) -> list[Account]:
        """The shell's account list (it re-reads the store after every change), plus the
        active account should it be missing from it."""
        # One row per address: a watched address that is also an account (or watched
        # twice) shows once, under the first name (keyed accounts come first).
        seen: set[str] = set()
        accounts = []
        for account in self.aleph_app.accounts:
            if account.address not in seen:
                seen.add(account.address)
                accounts.append(account)
        active = self.account
        if active is not None:
            accounts.append(active)
        # One row per address: two names for one key (an import of one's own backup) are
        # one wallet, and the table keys its rows by address.
        unique: dict[str, Account] = {}
        for account in accounts:
            unique.setdefault(account.address.lower(), account)
        return list(unique.values())

    def _load_overview(self, at: dt.datetime) -> None:
        # No overlay on the table: its rows say "loading…" each, and a loading widget
        # refuses the focus the shell gives the view as it is shown.
        self._loading_overview = True
        self._thresholds = low_balance.thresholds(self.service)
        self._render_all()
        self._overview_run += 1
        self._fetch_overview([a.address for a in self._accounts()], at, self._overview_run)

    @work(name="balance-overview", group="balance-overview", exclusive=True, exit_on_error=False)
    async def _fetch_overview(self, addresses: list[str], at: dt.datetime, run: int) -> None:
        """Every balance at once (bounded by the service), each row filled as its answer
        arrives; the rest of the view follows once all are in."""
        active = self.account
        was_ok = active is not None and active.address not in self._errors
        errors: dict[str, str] = {}
        slots: list[BalanceSlot] = []
        by_address = {a.address: a for a in self._accounts()}
        try:
            async for slot in self.service.balance_slots(addresses):
                slots.append(slot)
                if slot.balance is not None:
                    self._known[slot.address] = (slot.balance, at)
                    self._errors.pop(slot.address, None)
                else:
                    errors[slot.address] = self._errors[slot.address] = slot.error or "no answer"
                self._render_row(slot.address, by_address.get(slot.address))
                if len(slots) % TOTALS_EVERY == 0:
                    self._render_totals()
                if active is not None and slot.address == active.address:
                    self._render_detail()
                    self.aleph_app.data_shown()
        except asyncio.CancelledError:
            # Cancelled with no refresh after it (its group cancelled, the app leaving):
            # left "loading", the view would let r and the timer do nothing, for ever.
            if run == self._overview_run:
                self._loading_overview = False
            raise
        except Exception as exc:
            self._loading_overview = False
            self._errors = {a: one_line(exc) for a in addresses}
            self._render_all()
            self.aleph_app.data_shown()
            self.aleph_app.report_failure("Balances unavailable", exc, self.reload)
            return
        self._loading_overview = False
        self._overview = BalanceOverview(tuple(slots))
        self._errors = errors
        self.set_reactive(BalanceView.as_of, at)  # drawn just below, once
        self._render_all()
        self.aleph_app.data_shown()
        if active is not None and active.address in self._known:
            credits = self._known[active.address][0].credits
            low_balance.check(self.app, self.service, active.name, active.address, credits)
        if active is not None and was_ok and active.address in self._errors:
            self.notify(
                f"{active.name}: {self._errors[active.address]}",
                title="Balance unavailable",
                severity="error",
            )

    @work(name="balance-wallet", group="balance-wallet", exclusive=True, exit_on_error=False)
    async def _load_wallet(self, address: str, at: dt.datetime) -> None:
        if self._wallet_of != address:
            self.wallet_state = DataState.loading()
        self._wallet_reading = True
        try:
            wallet = await self.service.wallet_balances(address)
        except Exception as exc:
            self._wallet_reading = False
            if self.account is None or self.account.address != address:
                return
            before = self.wallet_state
            first = before.phase not in (Phase.FAILED, Phase.STALE)
            if self._wallet is not None and before.at is not None:
                self.wallet_state = DataState.stale(before.at, one_line(exc))
            else:
                self.wallet_state = DataState.failed(one_line(exc))
            if first:
                self.notify(one_line(exc), title="Wallet unavailable", severity="warning")
            return
        self._wallet_reading = False
        if self.account is None or self.account.address != address:
            return
        self._wallet, self._wallet_of = wallet, address
        self.wallet_state = DataState.ready(at)

    def watch_wallet_state(self, state: DataState) -> None:
        self._render_wallet()

    def watch_as_of(self, at: dt.datetime | None) -> None:
        self._render_updated()
        self._render_wallet()  # its stamp shows only when it differs from this one

    # --- rendering -----------------------------------------------------------------

    def state_of(self, address: str) -> DataState:
        """The state of the balance of ``address``: ready, loading, stale or failed."""
        known = self._known.get(address)
        error = self._errors.get(address)
        if known is not None:
            return DataState.ready(known[1]) if error is None else DataState.stale(known[1], error)
        if error is not None:
            return DataState.failed(error)
        return DataState.loading() if self._loading_overview else DataState.failed("no answer")

    def _balance_of(self, address: str) -> tuple[Balance | None, str]:
        """The balance to show and its status: "", "loading…", "stale 3 min (since …): …"
        or "unavailable: …"; with "⚠ low: under N" when it is under its threshold."""
        known = self._known.get(address)
        status = self.state_of(address).text(self._now())
        if known is None:
            return None, status
        low = low_balance.low_mark(known[0].credits, self._thresholds.get(address.lower()))
        return known[0], " · ".join(part for part in (low, status) if part)

    def _render_all(self) -> None:
        self._render_table()
        self._render_totals()
        self._render_detail()
        self._render_wallet()
        self._render_updated()

    def _row(self, account: Account) -> AccountBalanceRow:
        active = self.account
        balance, status = self._balance_of(account.address)
        return AccountBalanceRow(
            account.name,
            account.address,
            active is not None and account.address == active.address,
            balance,
            status,
            self.state_of(account.address).placeholder(),
            account.watch_only,
        )

    def _render_table(self) -> None:
        rows = [self._row(account) for account in self._accounts()]
        self.query_one(AccountsBalanceTable).show(rows, hide=self.balances_hidden)

    def _render_row(self, address: str, account: Account | None) -> None:
        """One account's row, in place (while a refresh brings balances one by one)."""
        if account is None:
            return
        table = self.query_one(AccountsBalanceTable)
        if address in table.rows:
            table.show_row(self._row(account), hide=self.balances_hidden)
        else:
            self._render_table()

    def _render_totals(self) -> None:
        """The totals row: credits, USD and ALEPH over every account and watched
        address (each address once), from the latest balance of each."""
        accounts = self._accounts()
        latest = {a.address: self._balance_of(a.address)[0] for a in accounts}
        totals = balance_totals(latest)
        hide = self.balances_hidden
        widget = self.query_one("#balance-totals", Static)
        if not accounts:
            widget.update("")
            return
        failed = sum(1 for a, b in latest.items() if b is None and a in self._errors)
        if totals.counted == 0:  # never a total of 0 for balances nobody could read
            widget.update("Total: loading…" if totals.missing > failed else "Total: unavailable")
            return
        places = f"{totals.counted} address{'es' if totals.counted != 1 else ''}"
        parts = [
            f"Total of {places}",
            f"Credits {fmt.hidden(fmt.credits(totals.credits), hide)}"
            f" ≈ {fmt.hidden(fmt.usd(totals.credits_usd), hide)}",
            f"ALEPH {fmt.hidden(fmt.token(totals.aleph), hide)}",
        ]
        if totals.missing - failed > 0:
            parts.append(f"{totals.missing - failed} loading…")
        if failed:
            parts.append(f"{failed} unavailable, not counted")
        widget.update(" · ".join(parts))

    def _render_detail(self) -> None:
        hide = self.balances_hidden
        account = self.account
        title = self.query_one("#active-title", Static)
        aleph = self.query_one("#aleph-detail", Static)
        credits = self.query_one("#credits-detail", Static)
        lots = self.query_one(CreditLotsTable)
        if account is None:
            title.update("No account: add one to see its balance")
            for widget in (aleph, credits):
                widget.update("")
            lots.show((), now=self._now(), hide=hide)
            return
        balance, status = self._balance_of(account.address)
        title.update(
            f"{account.name} {fmt.short_address(account.address)}"
            + (" · watch-only (no key: nothing can be signed for it)" if account.watch_only else "")
            + (f" · {status}" if status else "")
        )  # the low-balance mark, if any, is in ``status``
        if balance is None:
            state = self.state_of(account.address)
            text = LOADING_TEXT if state.phase is Phase.LOADING else fmt.UNAVAILABLE
            aleph.update(f"ALEPH {text}")
            hint = "" if state.phase is Phase.LOADING else f" ({state.hint})"
            credits.update(f"Credits {text}{hint}")
            lots.show(None, now=self._now(), hide=hide, placeholder=text)
            return

        def amount(value: str) -> str:
            return fmt.hidden(value, hide)

        lines = [f"Total      {amount(fmt.token(balance.aleph))}"]
        for chain, value in sorted(balance.aleph_by_chain.items()):
            lines.append(f"  on {chain:<5} {amount(fmt.token(value))}")
        lines += [
            f"Locked     {amount(fmt.token(balance.locked))}",
            f"Available  {amount(fmt.token(balance.available))}",
        ]
        aleph.update("\n".join(lines))
        # The figures are cut to 6 decimals; the exact ones on demand (hidden stays hidden).
        aleph.tooltip = None if hide else f"Exactly {fmt.plain_decimal(balance.aleph)} ALEPH"
        now = self._now()
        soon = [lot for lot in balance.lots if expiring_soon(lot, now)]
        credit_lines = [
            f"Credits {amount(fmt.credits(balance.credits))}"
            f"  ≈ {amount(fmt.usd(balance.credits_usd))}",
            f"{len(balance.lots)} lots by expiration"
            + (f" · ⚠ {len(soon)} expiring within 7 days" if soon else ""),
            low_balance.threshold_line(self.service, account.address),
        ]
        credits.update("\n".join(credit_lines))
        lots.show(balance.lots, now=now, hide=hide)

    def _render_wallet(self) -> None:
        widget = self.query_one("#wallet-detail", Static)
        if self.account is None:
            widget.update("")
            return
        state = self.wallet_state
        wallet = self._wallet if self._wallet_of == self.account.address else None
        if wallet is None or not state.has_figure:
            if state.phase is Phase.FAILED:
                widget.update(
                    "ETH    unavailable\nALEPH  unavailable\nUSDC   unavailable\n"
                    f"({state.cause}; {state.hint})"
                )
            else:
                widget.update(LOADING_TEXT)
            return

        def token(value: Decimal | None) -> str:
            if value is None:
                return "not on this network"
            return fmt.hidden(fmt.token(value), self.balances_hidden)

        lines = [
            f"ETH    {token(wallet.eth)}",
            f"ALEPH  {token(wallet.aleph)}",
            f"USDC   {token(wallet.usdc)}",
        ]
        if state.phase is Phase.STALE:
            lines.append(state.text(self._now()))
        elif state.at is not None and state.at != self.as_of and not self._wallet_reading:
            # Read in another refresh than the balances (theirs failed): its own instant.
            lines.append(f"as of {fmt.clock(state.at)}")
        widget.update("\n".join(lines))

    def _render_updated(self) -> None:
        parts = []
        if self.as_of is None:
            parts.append("last updated: never")
        else:
            parts.append(f"last updated {fmt.clock(self.as_of)}")
        failed = len(self._errors)
        if failed:
            parts.append(f"{failed} account{'s' if failed != 1 else ''} unavailable ({RETRY_HINT})")
        if self._loading_overview:
            parts.append("refreshing…")
        if self.balances_hidden:
            parts.append("amounts hidden (h to show)")
        self.query_one("#last-updated", Static).update(" · ".join(parts))
