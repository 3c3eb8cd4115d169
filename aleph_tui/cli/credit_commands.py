"""``aleph-tui credit …``: history, summary and transfers (and ``buy``, when present).

Every option is validated while parsing, so bad input exits 2 before the network, the
key or the node is touched. ``history`` and ``summary`` are read-only and never import
eth_account, web3 or textual. ``transfer`` signs only after a "yes" on a terminal, or -y.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from aleph_tui.cli.common import (
    CommandError,
    UsageError,
    add_json_option,
    add_network_options,
    add_period_options,
    checked,
    confirm,
    emit,
    input_error,
    open_service,
    resolve_network,
)
from aleph_tui.cli.signer_options import add_signer_options
from aleph_tui.core import formatting as fmt

if TYPE_CHECKING:
    from aleph_tui.core.aleph.history_models import HistoryFilters


def _v() -> Any:
    from aleph_tui.core import validation

    return validation


def _page(text: str) -> int:
    return int(_v().page(text))


def _page_size(text: str) -> int:
    return int(_v().page_size(text))


def _payment_method(text: str) -> str:
    from aleph_tui.core.aleph.history_models import PAYMENT_METHODS

    return str(_v().one_of(text, PAYMENT_METHODS, field="payment-method"))


def _amount(text: str) -> int:
    return int(_v().credit_amount(text))


def _expiration(text: str) -> Any:
    return _v().expiration(text)


def _channel(text: str) -> str:
    return str(_v().channel(text))


def _resource_types(text: str) -> tuple[str, ...]:
    return tuple(_v().resource_types(text))


def _resource(text: str) -> str:
    return str(_v().resource(text))


def _export_format(text: str) -> str:
    value = text.strip().lower()
    if value not in ("csv", "json"):
        from aleph_tui.core.validation import InvalidInput

        raise InvalidInput("format", "must be csv or json")
    return value


def _export_output(text: str) -> Any:
    return _v().export_path(text, field="output")


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--address",
        metavar="A",
        help="an address, account name or alias (default: the default account)",
    )
    parser.add_argument(
        "--direction",
        choices=("incoming", "outgoing"),
        help="only credits received (incoming) or sent (outgoing)",
    )
    parser.add_argument(
        "--payment-method",
        metavar="M",
        type=checked(_payment_method),
        help="only entries of this payment method: credit_expense, credit_transfer, "
        "token_transfer or grant",
    )
    parser.add_argument(
        "--resource-type",
        dest="resource_types",
        action="append",
        metavar="TYPE",
        type=checked(_resource_types),
        help="only entries billed to this type of resource: store, instance, program, "
        "v-program, post, aggregate or forget (repeat it, or separate types with commas)",
    )
    parser.add_argument(
        "--resource",
        metavar="HASH",
        type=checked(_resource),
        help="only entries billed to this one resource: its item hash (e.g. a VM's)",
    )
    add_period_options(parser)
    add_network_options(parser)
    add_json_option(parser)


def register(sub: Any) -> None:
    credit = sub.add_parser(
        "credit",
        help="credit history, summary and transfers",
        description="Credit history, summary and transfers between addresses.",
    )
    credit_sub = credit.add_subparsers(
        dest="credit_command", metavar="COMMAND", required=True, parser_class=type(credit)
    )

    history = credit_sub.add_parser(
        "history", help="one page of credit history, newest first", description=HISTORY_HELP
    )
    _add_filters(history)
    history.add_argument(
        "--page", type=checked(_page), default=None, metavar="N", help="the page to show, from 1"
    )
    history.add_argument(
        "--page-size",
        type=checked(_page_size),
        default=None,
        metavar="N",
        help="entries per page, 1 to 1000 (default 100)",
    )
    history.add_argument(
        "--all",
        action="store_true",
        help="every matching entry, oldest first, streamed (needs --format)",
    )
    history.add_argument(
        "--format",
        dest="export_format",
        type=checked(_export_format),
        metavar="csv|json",
        help="with --all: the format of the stream (the dashboard's export)",
    )
    history.add_argument(
        "--output",
        type=checked(_export_output),
        metavar="FILE",
        help="with --all: a new file to write instead of stdout (never overwritten)",
    )
    history.set_defaults(handler=run_history)

    summary = credit_sub.add_parser(
        "summary", help="totals in and out of the credit history", description=SUMMARY_HELP
    )
    _add_filters(summary)
    summary.set_defaults(handler=run_summary)

    transfer = credit_sub.add_parser(
        "transfer", help="send credits to an address, account or alias", description=TRANSFER_HELP
    )
    transfer.add_argument(
        "--to", required=True, metavar="TARGET", help="an address, an account name or an alias"
    )
    transfer.add_argument(
        "--amount", required=True, type=checked(_amount), metavar="N", help="whole credits"
    )
    transfer.add_argument(
        "--expiration",
        type=checked(_expiration),
        metavar="RFC3339",
        help="when the sent credits expire, e.g. 2027-01-31T00:00:00Z (capped by the node "
        "at the source credits' own expiration)",
    )
    transfer.add_argument(
        "--channel",
        type=checked(_channel),
        default="ALEPH_CREDIT",
        help="message channel (default ALEPH_CREDIT, the node's credit channel; any other "
        "needs --force-channel)",
    )
    transfer.add_argument(
        "--force-channel",
        action="store_true",
        help="post on a --channel other than ALEPH_CREDIT anyway: a plain post, no credits move",
    )
    transfer.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    transfer.add_argument(
        "--dry-run", action="store_true", help="sign and show the message hash; send nothing"
    )
    add_signer_options(transfer)
    add_network_options(transfer)
    add_json_option(transfer)
    transfer.set_defaults(handler=run_transfer)

    try:
        from aleph_tui.cli import buy_command  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        pass
    else:
        buy_command.register(credit_sub)


# The transfer's options, as core's validators name their fields.
TRANSFER_OPTIONS = ("to", "amount", "expiration", "channel", "rpc-url")
HISTORY_HELP = (
    "One page of an address's credit history, newest first, with filters (the node's: "
    "--resource-type and --resource match the resource an entry is billed to)."
)
SUMMARY_HELP = (
    "Entry count and totals (in, out, net) of the credit history, with the same filters as history."
)
TRANSFER_HELP = (
    "Transfer credits to an address, an account or an alias. Shows what will be signed and "
    "asks first (or -y). Signing key: --private-key, $ALEPH_PRIVATE_KEY, --account or the "
    "default account."
)


def _filters(args: argparse.Namespace) -> HistoryFilters:
    from aleph_tui.core.aleph.history_models import HistoryFilters

    if args.start is not None and args.end is not None and args.end < args.start:
        raise UsageError("aleph-tui: --to: must not be before --from")
    # --resource-type may be repeated, each time with one or more types.
    types = (t for given in args.resource_types or () for t in given)
    return HistoryFilters(
        direction=args.direction,
        payment_method=args.payment_method,
        start=args.start,
        end=args.end,
        resource_types=tuple(dict.fromkeys(types)),
        resource=args.resource,
    )


# --- history and summary ------------------------------------------------------------------


def run_history(args: argparse.Namespace) -> int:
    return asyncio.run(_history(args))


async def _history(args: argparse.Namespace) -> int:
    from aleph_tui.cli import credit_output
    from aleph_tui.cli.balance_command import resolve_address

    filters = _filters(args)
    if args.all:
        return await _history_all(args, filters)
    for option, given in (("--format", args.export_format), ("--output", args.output)):
        if given is not None:
            raise UsageError(f"aleph-tui: {option}: only with --all")
    address = resolve_address(args.address, field="--address")
    network = await resolve_network(args)
    async with open_service(network) as service:
        page = await service.api.credit_history(
            address,
            page=1 if args.page is None else args.page,
            page_size=100 if args.page_size is None else args.page_size,
            filters=filters,
        )
    emit(
        args,
        credit_output.history_json(network, page, filters),
        lambda: credit_output.history_text(network, page),
    )
    return 0


async def _history_all(args: argparse.Namespace, filters: HistoryFilters) -> int:
    """Every matching entry, oldest first, through the dashboard's export code: one page
    in memory at a time, to stdout or to a new file."""
    from aleph_tui.cli.balance_command import resolve_address

    for option, given in (("--page", args.page), ("--page-size", args.page_size)):
        if given is not None:
            raise UsageError(f"aleph-tui: {option}: not with --all (it streams every page)")
    if args.export_format is None:
        raise UsageError("aleph-tui: --all: needs --format csv or --format json")
    if args.json:
        raise UsageError("aleph-tui: --json: not with --all; use --format json")
    address = resolve_address(args.address, field="--address")
    network = await resolve_network(args)
    async with open_service(network) as service:
        result = await service.export_history(
            address,
            sys.stdout if args.output is None else args.output,
            args.export_format,
            filters=filters,
        )
    if result.path is not None:
        print(f"{fmt.counted(result.rows, 'entry', 'entries')} → {result.path}", file=sys.stderr)
    if not result.complete:
        print(
            "aleph-tui: the history changed during the stream: "
            f"{fmt.counted(result.rows, 'entry', 'entries')} written, "
            f"the node now counts {fmt.count(result.total)}",
            file=sys.stderr,
        )
    return 0


def run_summary(args: argparse.Namespace) -> int:
    return asyncio.run(_summary(args))


async def _summary(args: argparse.Namespace) -> int:
    from aleph_tui.cli import credit_output
    from aleph_tui.cli.balance_command import resolve_address

    filters = _filters(args)
    address = resolve_address(args.address, field="--address")
    network = await resolve_network(args)
    async with open_service(network) as service:
        summary = await service.api.credit_history_summary(address, filters)
    emit(
        args,
        credit_output.summary_json(network, summary, filters),
        lambda: credit_output.summary_text(network, summary),
    )
    return 0


# --- transfer -----------------------------------------------------------------------------


def run_transfer(args: argparse.Namespace) -> int:
    return asyncio.run(_transfer(args))


def _check_target(target: str) -> None:
    """The recipient's form, or its name in the account store, before the network or the
    key is touched; the quote checks it again against the sender and the contracts."""
    from aleph_tui.core.accounts.account_store import AccountStore
    from aleph_tui.core.validation import InvalidInput, account_reference

    try:
        account_reference(target, AccountStore(prompt=None).resolve, field="to")
    except InvalidInput as exc:
        raise input_error("aleph-tui", exc, TRANSFER_OPTIONS) from None


def _check_channel(channel: str, force: bool) -> None:
    """Credits move only on the credit channel: another one needs --force-channel."""
    from aleph_tui.core.aleph.messages import CREDIT_CHANNEL
    from aleph_tui.core.validation import InvalidInput, transfer_channel

    try:
        transfer_channel(channel, force=force, credit_channel=CREDIT_CHANNEL)
    except InvalidInput as exc:
        raise UsageError(
            f"aleph-tui: --channel: {exc.rule}; pass --force-channel to post it anyway"
        ) from None


async def _transfer(args: argparse.Namespace) -> int:
    from aleph_tui.cli import credit_output
    from aleph_tui.cli.signer_options import signer_for_network
    from aleph_tui.core.flows.transferring import QUOTE_MAX_AGE_S, InsufficientCredits
    from aleph_tui.core.validation import InvalidInput

    _check_target(args.to)
    _check_channel(args.channel, args.force_channel)
    network = await resolve_network(args)
    signer = await signer_for_network(args, network)
    async with open_service(network) as service:
        try:
            request = service.transfer_request(
                signer.address,
                args.to,
                args.amount,
                expiration=args.expiration,
                channel=args.channel,
                force_channel=args.force_channel,
            )
        except InvalidInput as exc:
            raise input_error("aleph-tui", exc, TRANSFER_OPTIONS) from None
        quote = await service.transfer_quote(request)  # reads the balance, parses nothing
        if not credit_output.moves_credits(quote):
            print(f"aleph-tui: warning: {credit_output.no_credits_warning(quote)}", file=sys.stderr)
        if not quote.sufficient:
            raise CommandError(str(InsufficientCredits(quote.amount, quote.available)))
        signed = service.transfer_sign(quote, signer)
        if not args.dry_run:
            for _ in range(3):  # lots that keep changing: ask again, a few times
                asked = time.monotonic()
                confirm(
                    credit_output.transfer_summary(network, quote, signed.item_hash),
                    args.yes,
                    action="Send this transfer",
                )
                if time.monotonic() - asked <= QUOTE_MAX_AGE_S:
                    break
                # The prompt waited over a minute: the lots it spends are read again (the
                # signed message does not name them, so it stands).
                fresh = await service.transfer_quote(request)
                if not fresh.sufficient:
                    raise CommandError(str(InsufficientCredits(fresh.amount, fresh.available)))
                if fresh.spent == quote.spent:
                    break
                quote = fresh
                print("aleph-tui: the credits it spends changed meanwhile:", file=sys.stderr)
            else:
                raise CommandError("the credits it spends kept changing; nothing was sent")
        result = await service.transfer(signed, dry_run=args.dry_run)
        if result.quote is not quote:  # the lots were read again: report the fresh ones
            result = replace(result, quote=replace(result.quote, spent=quote.spent))

    emit(
        args,
        credit_output.transfer_json(network, result, signed.message if args.dry_run else None),
        lambda: credit_output.transfer_text(result),
    )
    if result.status == "rejected":
        code = "" if result.error_code is None else f" (error code {result.error_code})"
        print(
            f"aleph-tui: transfer {result.item_hash} rejected by the node{code}: {result.reason}",
            file=sys.stderr,
        )
        return 1
    if result.status == "pending":
        print(
            f"aleph-tui: transfer {result.item_hash} is still pending on the node; "
            "the journal keeps it until it settles",
            file=sys.stderr,
        )
    return 0
