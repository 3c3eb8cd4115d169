"""``aleph-tui account balance [ADDRESS]``: ALEPH (balance, locked, available) and credits
with their USD value and lots by expiration, as the aleph CLI shows them.
``--all``: every account and watch-only account, one row each, and their totals.

Read-only: it never imports eth_account, web3 or textual.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from aleph_tui.cli.common import (
    CommandError,
    UsageError,
    add_json_option,
    add_network_options,
    emit,
    open_service,
    resolve_network,
)


def register(account_sub: Any) -> None:
    parser = account_sub.add_parser(
        "balance",
        help="ALEPH and credit balance of an address, account or alias",
        description="Show ALEPH (balance, locked, available) and credits with their USD "
        "value and expirations.",
    )
    parser.add_argument(
        "address",
        nargs="?",
        metavar="ADDRESS",
        help="an address, an account name or an alias (default: the default account)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="every account and watch-only account, with the totals of credits, USD and ALEPH",
    )
    add_network_options(parser)
    add_json_option(parser)
    parser.set_defaults(handler=run)


def resolve_address(value: str | None, *, field: str) -> str:
    """A checksummed address from an address, an account name or an alias, or the
    default account's when ``value`` is None. Bad input is a UsageError (exit 2)."""
    from aleph_tui.core import validation
    from aleph_tui.core.accounts.account_store import AccountError, AccountStore

    store = AccountStore(prompt=None)
    if value is None:
        try:
            default = store.default()
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        if default is None:
            raise UsageError(f"aleph-tui: {field}: none given and there is no default account")
        value = default.address
    try:
        return validation.account_reference(value, store.resolve, field=field)
    except validation.InvalidInput as exc:
        raise UsageError(f"aleph-tui: {exc}") from None


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from aleph_tui.cli import credit_output

    if args.all:
        if args.address is not None:
            raise UsageError("aleph-tui: --all: give either ADDRESS or --all, not both")
        return await _run_all(args)
    address = resolve_address(args.address, field="ADDRESS")
    network = await resolve_network(args)
    async with open_service(network) as service:
        overview = await service.balance_overview([address])
    slot = overview.slots[0]
    if slot.balance is None:
        raise CommandError(f"balance of {address}: {slot.error}")
    balance = slot.balance
    emit(
        args,
        credit_output.balance_json(network, balance),
        lambda: credit_output.balance_text(network, balance),
    )
    return 0


async def _run_all(args: argparse.Namespace) -> int:
    from aleph_tui.cli import credit_output
    from aleph_tui.core.accounts.account_store import AccountError, AccountStore

    store = AccountStore(prompt=None)
    try:
        accounts = store.accounts() + store.watched()
    except AccountError as exc:
        raise CommandError(str(exc)) from None
    network = await resolve_network(args)
    async with open_service(network) as service:
        overview = await service.balance_overview([a.address for a in accounts])
    by_address = {slot.address: slot for slot in overview.slots}
    rows = [(account, by_address[account.address]) for account in accounts]
    totals = overview.totals()
    if accounts and totals.counted == 0:
        first = rows[0][1]
        raise CommandError(f"no balance could be read; {first.address}: {first.error}")
    emit(
        args,
        credit_output.balances_json(network, rows, totals),
        lambda: credit_output.balances_text(network, rows, totals),
    )
    return 0
