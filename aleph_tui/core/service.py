"""The credit service facade: the single entry point of the TUI and the headless commands.

It owns one API client and (lazily) one chain gateway per network, the account store and
the journal. Each area keeps its logic in its own module; this class only wires them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING

from aleph_tui.core.accounts.account_store import Account, AccountStore  # accounts
from aleph_tui.core.aleph.messages import CREDIT_CHANNEL
from aleph_tui.core.aleph.models import Balance, BalanceOverview, BalanceSlot
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.networks import Network

# Each area's module is imported by the methods that use it: the dashboard's start-up
# (balances) never pays for history, the chain, buying, token flow, usage, pricing or
# transfers (a module of dataclasses alone costs milliseconds to import).
if TYPE_CHECKING:
    from aleph_tui.core.accounts.signer import Signer
    from aleph_tui.core.aleph import credit_api_client
    from aleph_tui.core.aleph.api_client import AlephApi
    from aleph_tui.core.aleph.history_models import (
        CreditHistoryPage,
        HistoryFilters,
        HistoryItems,
    )
    from aleph_tui.core.chain import gateway as chain
    from aleph_tui.core.flows import buying, payment_scan, replacing, token_flow
    from aleph_tui.core.flows.account_check import CheckReport, CheckTarget
    from aleph_tui.core.flows.forecast import Forecast
    from aleph_tui.core.flows.history_export import ExportFormat, ExportResult, ProgressCallback
    from aleph_tui.core.flows.history_pages import HistoryPages
    from aleph_tui.core.flows.payment_link import PaymentLink
    from aleph_tui.core.flows.pricing import EntityTable, Estimate
    from aleph_tui.core.flows.thresholds import Threshold
    from aleph_tui.core.flows.transferring import (
        Resolver,
        SignedTransfer,
        Transfer,
        TransferQuote,
        TransferRequest,
        TransferResult,
    )
    from aleph_tui.core.flows.usage import BurnRate, GroupBy, PeriodFlow, ResourceTypes, UsageReport
    from aleph_tui.core.journal.operation_journal import Journal, Operation

# Balances of many accounts are fetched this many at a time: 50 accounts behind 100 ms of
# latency then take one round trip, and a node never sees more from one dashboard.
BALANCE_CONCURRENCY = 50
# A balance asked ahead is shown only this soon after it was asked; later it is read again.
AHEAD_MAX_AGE_S = 10.0


READ_ONLY_REFUSAL = (
    "read-only: this dashboard was served without --allow-signing, so nothing is signed "
    "and no key is created, imported, exported or removed"
)


class ReadOnly(ServiceError):
    """A signature or a key change asked of a read-only dashboard."""


class CreditService:
    def __init__(
        self,
        network: Network | str,
        *,
        journal: Journal | None = None,
        accounts: AccountStore | None = None,
    ) -> None:
        self.network = network if isinstance(network, Network) else Network("custom", network)
        self._api: AlephApi | None = None
        self._journal = journal
        # No password prompts by default: under the TUI the terminal is Textual's.
        self.accounts = accounts or AccountStore(prompt=None)
        # Balances asked for ahead of the first view (``read_balances_ahead``): the same
        # client's requests, taken once by ``balance_slots``.
        self._ahead: dict[str, tuple[float, asyncio.Task[Balance]]] = {}
        # A dashboard served to a browser without --allow-signing: no key is loaded, so
        # nothing is signed, whatever the page asks (aleph-tui serve).
        self.read_only = False

    def refuse_if_read_only(self) -> None:
        if self.read_only:
            raise ReadOnly(READ_ONLY_REFUSAL)

    @property
    def journal(self) -> Journal:
        """The journal of buys and transfers, opened when first used."""
        if self._journal is None:
            from aleph_tui.core.journal.operation_journal import Journal

            self._journal = Journal()
        return self._journal

    @property
    def api(self) -> AlephApi:
        """The client of the network's API, made when first used: the typed accessor for
        its plain reads (``credit_history``, ``credit_history_summary``, ``pricing``…).
        The facade does not re-list them; its methods are those that add something (a
        concurrency bound, read-ahead, export, journaling, the chain)."""
        if self._api is None:
            from aleph_tui.core.aleph.api_client import AlephApi

            self._api = AlephApi(self.network.api_url)
        return self._api

    async def aclose(self) -> None:
        for _, task in self._ahead.values():
            task.cancel()
        self._ahead.clear()
        if self._api is not None:
            await self._api.aclose()
        await self._close_buying()

    # --- balances ---------------------------------------------------------------------

    async def balance_overview(self, addresses: Sequence[str]) -> BalanceOverview:
        """Every balance fetched concurrently; a failure is reported in its slot only."""
        slots = {slot.address: slot async for slot in self.balance_slots(addresses)}
        return BalanceOverview(tuple(slots[a] for a in addresses))

    def read_balances_ahead(self) -> None:
        """Ask now, on the service's one client, for the balances of the stored accounts
        (the first ``BALANCE_CONCURRENCY``), for the first ``balance_slots`` to take. The
        dashboard calls it while Textual is still importing, so the round trip overlaps
        the import instead of following the first frame (bench row 2). Best effort: an
        account store that cannot be read leaves the balances to be asked as usual."""
        try:
            addresses = [account.address for account in self.account_list()]
        except ServiceError:
            return
        now = time.monotonic()
        for address in list(dict.fromkeys(addresses))[:BALANCE_CONCURRENCY]:
            self._ahead[address] = (now, asyncio.ensure_future(self.api.balance(address)))

    async def _balance_ahead(self, address: str) -> Balance | None:
        """The balance asked ahead for ``address``, once, if it is fresh and succeeded."""
        asked_at, task = self._ahead.pop(address, (0.0, None))
        if task is None:
            return None
        if time.monotonic() - asked_at > AHEAD_MAX_AGE_S:
            task.cancel()
            return None
        try:
            return await task
        except Exception:  # asked again by the caller, whose failure is reported
            return None

    async def balance_slots(
        self, addresses: Sequence[str], *, concurrency: int = BALANCE_CONCURRENCY
    ) -> AsyncIterator[BalanceSlot]:
        """Each balance as soon as it arrives (not in ``addresses`` order), at most
        ``concurrency`` requests at a time over the service's one HTTP client; a failure
        is reported in its slot only."""
        gate = asyncio.Semaphore(concurrency)

        async def fetch(address: str) -> BalanceSlot:
            ahead = await self._balance_ahead(address)
            if ahead is not None:
                return BalanceSlot(address, ahead)
            async with gate:
                try:
                    return BalanceSlot(address, await self.api.balance(address))
                except Exception as exc:
                    line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    return BalanceSlot(address, None, line)

        tasks = [asyncio.ensure_future(fetch(a)) for a in dict.fromkeys(addresses)]
        try:
            for done in asyncio.as_completed(tasks):
                yield await done
        finally:
            for task in tasks:
                task.cancel()

    # --- history ----------------------------------------------------------------------

    def history_pages(
        self, address: str, *, page_size: int, filters: HistoryFilters | None = None
    ) -> HistoryPages:
        """The pages of ``api.credit_history`` (newest first), those read next fetched
        ahead."""
        from aleph_tui.core.flows.history_pages import HistoryPages

        async def fetch(page: int) -> CreditHistoryPage:
            return await self.api.credit_history(
                address, page=page, page_size=page_size, filters=filters
            )

        return HistoryPages(fetch)

    async def export_history(
        self,
        address: str,
        path: Path | IO[str],
        fmt: ExportFormat,
        *,
        filters: HistoryFilters | None = None,
        progress: ProgressCallback | None = None,
    ) -> ExportResult:
        """Every entry matching ``filters``, oldest first, streamed page by page to a new
        file at ``path`` or to an open stream (CSV or JSON); ``progress(rows, total)``
        follows each page."""
        from aleph_tui.core.flows import history_export

        async def fetch(page: int, page_size: int) -> HistoryItems:
            return await self.api.credit_history_items(
                address, page=page, page_size=page_size, filters=filters, sort_order=1
            )

        return await history_export.export_history(
            fetch,
            path,
            fmt,
            address=address,
            filters=filters,
            network=self.network.name,
            progress=progress,
        )

    # --- usage ------------------------------------------------------------------------

    # Resource labels (INSTANCE, STORE…) looked up once per service, on first use.
    _resource_types: ResourceTypes | None = None

    async def usage(
        self,
        address: str,
        *,
        group_by: GroupBy = "resource",
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> UsageReport:
        """Outgoing credits of ``address`` from ``start`` to ``end`` (default: the last
        30 days), grouped by resource, UTC day or payment method (core/flows/usage.py)."""
        from aleph_tui.core.flows import usage as usage_core

        if self._resource_types is None:
            self._resource_types = usage_core.ResourceTypes()
        return await usage_core.usage_report(
            self.api,
            address,
            usage_core.period(start, end),
            group_by,
            types=self._resource_types,
        )

    async def usage_flow(
        self, address: str, *, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> PeriodFlow:
        """Consumed against purchased (and transfers apart) over the period."""
        from aleph_tui.core.flows import usage as usage_core

        return await usage_core.usage_flow(self.api, address, usage_core.period(start, end))

    async def burn_rate(
        self,
        address: str,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        now: dt.datetime | None = None,
    ) -> BurnRate:
        """Consumed credits per day over the period (default: the last 30 days) and when
        the current balance runs out at that pace, counted from ``now``."""
        from aleph_tui.core.flows import usage as usage_core

        return await usage_core.burn(
            self.api, address, usage_core.period(start, end, now=now), now=now
        )

    async def forecast(
        self,
        address: str,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        now: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> Forecast:
        """When the credits of ``address`` truly run out, spent oldest-issued first at
        the period's burn rate with expiring lots lost, and (``until``) what to buy, by
        when, to keep paying to that instant (core/flows/forecast.py)."""
        from aleph_tui.core.flows import forecast as forecast_core
        from aleph_tui.core.flows import usage as usage_core

        span = usage_core.period(start, end, now=now)
        return await forecast_core.forecast(self.api, address, span, at=now, until=until)

    def check_targets(self) -> list[CheckTarget]:
        """Every address ``check_addresses`` looks at by default: the accounts, then the
        watched addresses (each address once)."""
        from aleph_tui.core.flows.account_check import CheckTarget

        targets: dict[str, CheckTarget] = {}
        for account in [*self.accounts.accounts(), *self.accounts.watched()]:
            targets.setdefault(
                account.address.lower(),
                CheckTarget(account.address, account.name, account.watch_only),
            )
        return list(targets.values())

    async def check_addresses(
        self,
        targets: Sequence[CheckTarget],
        *,
        below: int | None = None,
        days: int | None = None,
        now: dt.datetime | None = None,
    ) -> CheckReport:
        """Each target's balance against ``below`` (else its own threshold), and whether
        its credits run out or expire unused within ``days`` (core/flows/account_check.py).
        An address that cannot be read is reported in its own entry."""
        from aleph_tui.core.flows import account_check
        from aleph_tui.core.flows import forecast as forecast_core
        from aleph_tui.core.flows import usage as usage_core
        from aleph_tui.core.flows.thresholds import ThresholdStore

        at = now or dt.datetime.now(dt.UTC)
        span = usage_core.period(now=at)

        async def forecast_of(address: str) -> Forecast:
            return await forecast_core.forecast(self.api, address, span, at=at)

        return await account_check.check_addresses(
            targets,
            forecast_of,
            ThresholdStore().all() if below is None else {},
            below=below,
            days=days or account_check.DEFAULT_DAYS,
            at=at,
        )

    def low_balance_threshold(self, address: str) -> Threshold | None:
        """The low-balance threshold of ``address``; ``.crossed(balance)`` tells when to warn."""
        from aleph_tui.core.flows.thresholds import ThresholdStore

        return ThresholdStore().get(address)

    def set_low_balance_threshold(
        self, address: str, credits: int | str | None
    ) -> Threshold | None:
        """Store (None: remove) the threshold of ``address``; InvalidInput when bad."""
        from aleph_tui.core.flows.thresholds import ThresholdStore

        return ThresholdStore().set(address, credits)

    def low_balance_thresholds(self) -> dict[str, int]:
        from aleph_tui.core.flows.thresholds import ThresholdStore

        return ThresholdStore().all()

    # --- pricing ----------------------------------------------------------------------

    async def pricing_tables(self, entity: str | None = None) -> tuple[EntityTable, ...]:
        """The aggregate as tables (every entity, or one: InvalidInput when unknown)."""
        from aleph_tui.core.flows import pricing as pricing_core

        return pricing_core.pricing_tables(await self.api.pricing(), entity)

    async def estimate_cost(
        self, entity: str, units: int | str, hours: Decimal | int | str
    ) -> Estimate:
        """``units`` compute units of ``entity`` for ``hours`` → credits and USD, exact."""
        from aleph_tui.core.flows import pricing as pricing_core

        return pricing_core.estimate(await self.api.pricing(), entity, units, hours)

    # --- transfers --------------------------------------------------------------------

    def transfers(self, resolver: Resolver | None = None) -> Transfer:
        """Transfers on this network; names and aliases resolve through ``resolver``
        (by default the account store's)."""
        from aleph_tui.core.flows.transferring import Transfer

        return Transfer(
            self.api, self.journal, self.network.name, resolver=resolver or self.accounts.resolve
        )

    def transfer_request(
        self,
        sender: str,
        target: str,
        amount: str | int,
        *,
        expiration: str | dt.datetime | None = None,
        channel: str = CREDIT_CHANNEL,
        resolver: Resolver | None = None,
        force_channel: bool = False,
    ) -> TransferRequest:
        """The inputs parsed once into the request ``transfer_quote`` prices; InvalidInput
        names the field. A channel other than the credit channel moves no credits and is
        refused unless ``force_channel``; this network's contracts are refused as
        recipients. No I/O."""
        return self.transfers(resolver).request(
            sender,
            target,
            amount,
            expiration=expiration,
            channel=channel,
            reserved=self.reserved_recipients(),
            force_channel=force_channel,
        )

    async def transfer_quote(
        self, request: TransferRequest, *, resolver: Resolver | None = None
    ) -> TransferQuote:
        """``request`` (from ``transfer_request``) priced against the sender's credits,
        read once; nothing is parsed again."""
        return await self.transfers(resolver).quote(request)

    def reserved_recipients(self) -> list[tuple[str, str]]:
        """(address, why) of this network's contracts, which must not receive credits."""
        from aleph_tui.core import validation

        network = self.network
        return validation.reserved_recipients(
            [
                ("credit (payment processor)", network.credit_contract),
                ("ALEPH token", network.aleph_token),
                ("USDC token", network.usdc_token),
            ]
        )

    def bind(self, signer: Signer) -> Signer:
        """``signer`` bound to this service's network: it signs nothing otherwise, and a
        public test key is refused (DevKeyRefused) unless the network is a devnet."""
        self.refuse_if_read_only()
        return signer.for_network(self.network)

    def transfer_sign(self, quote: TransferQuote, signer: Signer) -> SignedTransfer:
        return self.transfers().sign(quote, self.bind(signer))

    async def transfer(
        self,
        quote: TransferQuote | SignedTransfer,
        signer: Signer | None = None,
        *,
        dry_run: bool = False,
    ) -> TransferResult:
        bound = None if signer is None else self.bind(signer)
        return await self.transfers().execute(quote, bound, dry_run=dry_run)

    async def resume_transfers(self, *, follow: bool = False) -> list[Operation]:
        return await self.transfers().resume(follow=follow)

    # --- buying -----------------------------------------------------------------------

    # One chain gateway per network and one Credit API client, created on first use.
    _chain_gateways: dict[tuple[str, str | None], chain.ChainGateway] | None = None
    _credit_api: credit_api_client.CreditApi | None = None

    def chain_gateway(self, network: Network | None = None) -> chain.ChainGateway:
        """The chain gateway of ``network`` (default: this service's), created once."""
        from aleph_tui.core.chain import gateway as chain

        network = network or self.network
        if self._chain_gateways is None:
            self._chain_gateways = {}
        key = (network.name, network.rpc_url)
        if key not in self._chain_gateways:
            self._chain_gateways[key] = chain.ChainGateway(network)
        return self._chain_gateways[key]

    def _credit_api_client(self) -> credit_api_client.CreditApi | None:
        if self._credit_api is None and self.network.credit_api_url:
            from aleph_tui.core.aleph import credit_api_client

            self._credit_api = credit_api_client.CreditApi(self.network.credit_api_url)
        return self._credit_api

    def _buyer(self) -> buying.Buyer:
        from aleph_tui.core.flows import buying

        credit_api = self._credit_api_client()
        return buying.Buyer(self.network, self.chain_gateway(), self.api, credit_api, self.journal)

    async def wallet_balances(self, address: str) -> chain.WalletBalances:
        """ETH, ALEPH and USDC held on-chain (plain JSON-RPC reads: no web3 import)."""
        return await self.chain_gateway().wallet_balances(address)

    def buy_request(self, token: str, amount: str | int, payer: str) -> buying.BuyRequest:
        """The inputs parsed once into the request ``buy_quote`` prices; InvalidInput
        names the field. No I/O."""
        from aleph_tui.core.flows import buying

        return buying.buy_request(token, amount, payer)

    async def buy_quote(
        self, token: str | buying.BuyRequest, amount: str = "", payer: str = ""
    ) -> buying.BuyQuote:
        """Price a purchase: the typed request (or the raw inputs, parsed first); raises
        InvalidInput, BuyError or ChainError."""
        return await self._buyer().quote(token, amount, payer)

    async def buy_fresh(self, quote: buying.BuyQuote) -> buying.BuyQuote:
        """``quote``, or the same request quoted again when it is older than a minute or
        its price moved (``requoted`` says which): call it right before signing."""
        return await self._buyer().fresh(quote)

    async def buy(
        self,
        quote: buying.BuyQuote,
        signer: Signer,
        *,
        dry_run: bool = False,
        progress: buying.ProgressCallback | None = None,
    ) -> buying.BuyResult:
        return await self._buyer().execute(
            quote, self.bind(signer), dry_run=dry_run, progress=progress
        )

    async def payment_link(self, request: buying.BuyRequest) -> PaymentLink:
        """An EIP-681 link for the request's payer to buy credits from any wallet (a
        phone); nothing is signed here. Raises InvalidInput, BuyError or ChainError."""
        from aleph_tui.core.flows import payment_link

        return await payment_link.payment_link(self._buyer(), request)

    async def follow_payment(
        self,
        link: PaymentLink,
        progress: buying.ProgressCallback | None = None,
        *,
        within: float | None = None,
    ) -> buying.BuyResult | None:
        """Watch for the link's payment, then follow it to the credits as a journaled buy;
        None when no payment came ``within`` seconds (default: 30 minutes)."""
        from aleph_tui.core.flows import payment_link

        wait = payment_link.PAYMENT_TIMEOUT_S if within is None else within
        return await payment_link.follow_payment(self._buyer(), link, progress, within=wait)

    async def resume_buys(
        self, progress: buying.ProgressCallback | None = None
    ) -> list[buying.BuyResult]:
        """Follow every journaled buy of this network that was left in flight."""
        return await self._buyer().resume_open(progress)

    def find_operation(self, ref: str) -> Operation:
        """The operation of this network whose id is ``ref``, or starts with it;
        ``KeyError`` (with the reason) for none or more than one."""
        ops = [op for op in self.journal.operations() if op.network == self.network.name]
        found = [op for op in ops if op.id == ref] or [op for op in ops if op.id.startswith(ref)]
        if len(found) != 1:
            raise KeyError(
                f"{ref} starts {len(found)} operations' ids; give more of it"
                if found
                else f"no operation {ref} on {self.network.name}"
            )
        return found[0]

    async def replacement_quote(
        self, op: Operation, kind: replacing.ReplaceKind, cap_wei: int
    ) -> replacing.ReplacementQuote:
        """A speed-up or cancellation of an open buy's payment (same nonce, fees 10 %
        higher), within the user's cap; signs nothing (core/flows/replacing.py)."""
        return await self._buyer().quote_replacement(op, kind, cap_wei)

    async def replace_payment(
        self,
        quote: replacing.ReplacementQuote,
        signer: Signer,
        progress: buying.ProgressCallback | None = None,
    ) -> buying.BuyResult:
        """Sign, journal, send the replacement, and follow the buy to its end."""
        return await self._buyer().replace(quote, self.bind(signer), progress)

    async def scan_payments(self, account: str) -> payment_scan.PaymentScan:
        """``account``'s payments to the processor found on chain, each with the credits
        the node shows for it (core/flows/payment_scan.py): the way back when the
        journal was lost."""
        from aleph_tui.core.flows import payment_scan
        from aleph_tui.core.paths import app_data_dir

        return await payment_scan.scan_payments(
            self.network, self.api, self.journal, account, cache_dir=app_data_dir() / "cache"
        )

    def follow_payments(
        self, scan: payment_scan.PaymentScan, payments: tuple[payment_scan.FoundPayment, ...]
    ) -> list[Operation]:
        """Add found payments to the journal as buys to follow (never one twice)."""
        from aleph_tui.core.flows import payment_scan

        return payment_scan.follow(self.journal, self.network, scan, payments)

    def open_operations(self) -> list[Operation]:
        """This network's journaled buys and transfers not yet settled (nor dismissed),
        oldest first, including those another process is following."""
        return self.journal.open_operations(self.network.name, include_held=True)

    async def follow_open_operations(
        self, progress: buying.ProgressCallback | None = None
    ) -> list[Operation]:
        """Follow every open operation of this network to its end (or its deadline):
        buys to their credits, transfers to the node's verdict. Their latest states.
        Only the ones this process could claim are followed; one another live process
        follows is returned as it stands, "being followed by another process (pid N)"."""
        open_ops = self.open_operations()
        ids = [op.id for op in open_ops]
        async with self.journal.following(open_ops) as held:
            kinds = {op.kind for op in open_ops if op.id not in held}
            # Transfers need no chain: a network without an RPC URL still settles them.
            await asyncio.gather(
                self.resume_buys(progress) if "buy" in kinds else asyncio.sleep(0),
                self.resume_transfers(follow=True) if "transfer" in kinds else asyncio.sleep(0),
            )
        from dataclasses import replace

        latest = {op.id: op for op in self.journal.operations()}
        for op_id, holder in held.items():
            if op_id in latest and latest[op_id].is_open:
                op = latest[op_id]
                latest[op_id] = replace(op, details=op.details | {"waiting": holder.describe()})
        return [latest[i] for i in ids if i in latest]

    async def _close_buying(self) -> None:
        gateways, self._chain_gateways = self._chain_gateways or {}, None
        for gateway in gateways.values():
            await gateway.aclose()
        if self._credit_api is not None:
            await self._credit_api.aclose()
            self._credit_api = None

    # --- token flow -------------------------------------------------------------------

    async def flow_report(
        self,
        refresh: bool = True,
        *,
        chunk_blocks: int | None = None,
        progress: token_flow.ScanProgress | None = None,
    ) -> token_flow.FlowReport:
        """The payment processor's ledger: credit purchases (Credit API) and processing
        runs (chain logs, cached under ``app_data_dir()/cache/``). ``refresh=False`` reads
        nothing from the network, only the cache. A source that cannot be read is reported
        unavailable with its reason; this never raises for it."""
        from aleph_tui.core.flows import token_flow
        from aleph_tui.core.paths import app_data_dir

        return await token_flow.flow_report(
            self.network,
            self._credit_api_client(),
            cache_dir=app_data_dir() / "cache",
            refresh=refresh,
            chunk_blocks=chunk_blocks or token_flow.DEFAULT_CHUNK_BLOCKS,
            progress=progress,
        )

    # --- accounts ---------------------------------------------------------------------

    def account_list(self) -> list[Account]:
        """The keyed accounts, then the watch-only ones (``Account.watch_only``)."""
        return self.accounts.accounts() + self.accounts.watched()

    def address_book(self) -> list[tuple[str, str]]:
        """(name, address) of every account, alias and watch-only account, for pickers."""
        book = [(a.name, a.address) for a in self.accounts.accounts()]
        book += list(self.accounts.aliases().items())
        return book + [(a.name, a.address) for a in self.accounts.watched()]

    def watch(self, name: str, address: str) -> Account:
        """Follow ``address`` as the watch-only account ``name`` (no key; aleph-tui's own
        watched.toml, never the aleph CLI's manifest). InvalidInput names the field."""
        return self.accounts.watch(name, address)

    def unwatch(self, name: str) -> Account:
        return self.accounts.unwatch(name)

    def resolve_address(self, target: str) -> str:
        """A hex address, an account name or an alias → a checksummed address."""
        return self.accounts.resolve(target)

    async def account_signer(
        self, account: str | None = None, password: str | None = None
    ) -> Signer:
        """The key of an account (None: the default). Keystores need ``password``. A
        watch-only account has none: WatchOnly, whose message says so."""
        self.refuse_if_read_only()
        return await self.accounts.load_signer(account, password)
