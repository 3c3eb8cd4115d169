"""``aleph-tui pending``: the journal's open operations, followed to their end.

    aleph-tui pending [--list [--all]] [--dismiss ID] [--json] [--network NAME] ...
    aleph-tui pending --speed-up ID | --cancel ID --max-fee-gwei GWEI [-y]
                      [--account NAME | --private-key HEX] [--json] ...

A buy or a transfer that a crash, a missing receipt or a node answering 202 left open is
followed here as the dashboard does on start: a buy to its receipt and its credits
(credits arrived, or failed with the reason), a transfer to the node's verdict. Each
waits at most ``ALEPH_TUI_RECEIPT_TIMEOUT`` / ``ALEPH_TUI_FOLLOW_TIMEOUT`` seconds; what
is still open then stays in the journal for the next run. ``--list`` only shows them,
touching no network. Nothing is ever signed or sent again but the very same bytes, and
only when the node does not know them (see core/retry.py). ``--list --all`` shows every
operation of the network, settled and dismissed ones too. ``--dismiss ID`` records that
the user gives up following an operation (its status stays; it is no longer followed and
``--list --all`` still shows it); ID is the one ``--list`` prints, or a unique start of it.

``--scan [--address ADDRESS]`` finds the account's payments to the processor on chain (token
``Transfer`` logs, the processor's own for ETH; cached) and asks the node for each one's
credits: the way back when the journal was lost. Those without credits that the journal
does not have are added to it as buys to follow, with ``-y`` or when the user says yes;
``--json`` lists them (``payments``, ``uncredited``, ``followed``).

``--speed-up ID`` sends the open buy's payment again with the same nonce and fees at
least 10 % higher (and at least the network's current fee); ``--cancel ID`` replaces it
by a zero-value transfer to the account itself. ``--max-fee-gwei`` (required) caps the
max fee per gas: a replacement that needs more is refused (exit 2), nothing signed. The
replacement is journaled (its signed bytes before it is sent), then the buy is followed:
whichever of its transactions is mined settles it ("completed" with the credits, or
"cancelled": nothing paid but the fee). See core/flows/replacing.py.

The journal is ``$XDG_DATA_HOME/aleph-tui/journal.sqlite3``. What it must tell the user
once (lines of an old ``journal.jsonl`` that could not be migrated, a damaged file moved
aside, rows that cannot be read) goes to stderr, one line each, and under ``"notices"``.

JSON (``--json``)::

    {"network": "devnet", "followed": true, "notices": ["…"],
     "operations": [{"id": "…", "kind": "buy" | "transfer", "account": "0x…",
                     "status": "completed" | "failed" | "cancelled" | "signed" | "submitted"
                               | "confirmed",
                     "open": false, "dismissed": false,
                     "tx_hash": "0x…" | null, "item_hash": "…" | null,
                     "amount": "2" | 1000000, "token": "USDC" | null,
                     "credits": 2000000 | null, "error": null | "…", "summary": "…",
                     "original_tx_hash": null | "0x…",  # a replacement was mined
                     "replacements": [{"kind": "speed_up" | "cancel", "tx_hash": "0x…",
                                       "state": "signed" | "sent" | "refused"}]}]}

Exit 0 when every operation could be looked at (failed ones included: that is their
outcome, reported); 1 with one line on stderr when the network cannot be reached; 2 for
bad input (``--all`` without ``--list``, an ID ``--dismiss`` does not find, a
replacement above ``--max-fee-gwei``, a buy that cannot be replaced any more).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aleph_tui.cli.common import (
    UsageError,
    add_json_option,
    add_network_options,
    configured_network,
    emit,
    resolve_network,
)
from aleph_tui.cli.signer_options import add_signer_options
from aleph_tui.core import formatting as fmt

if TYPE_CHECKING:
    from aleph_tui.core.flows.buying import BuyProgress
    from aleph_tui.core.flows.replacing import ReplaceKind
    from aleph_tui.core.journal.operation_journal import Journal, Operation
    from aleph_tui.core.networks import Network


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "pending",
        help="follow the buys and transfers left open (crash, missing receipt, 202)",
        description=(
            "Show the journal's open buys and transfers on this network and follow each "
            "to its end: credits arrived, processed, or failed with the reason."
        ),
    )
    parser.add_argument(
        "--list", action="store_true", help="only list them; do not contact the network"
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="with --list: every operation of the network, settled and dismissed ones too",
    )
    parser.add_argument(
        "--dismiss",
        metavar="ID",
        help="stop following this open operation (as --list shows its id); it stays listed",
    )
    stuck = parser.add_argument_group("a stuck buy (same nonce, higher fees)")
    stuck.add_argument(
        "--speed-up",
        metavar="ID",
        help="send the open buy's payment again with fees 10%% higher (the same nonce)",
    )
    stuck.add_argument(
        "--cancel",
        metavar="ID",
        help="replace the open buy's payment by a zero-value transfer to yourself",
    )
    stuck.add_argument(
        "--max-fee-gwei",
        metavar="GWEI",
        help="with --speed-up or --cancel (required): the most gwei per gas to offer; "
        "a replacement that needs more is refused",
    )
    stuck.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "--scan",
        action="store_true",
        help="find this account's payments to the processor on chain that have no credits "
        "on the node, and offer to follow them (-y: follow them)",
    )
    parser.add_argument(
        "--address",
        metavar="ADDRESS",
        help="with --scan: whose payments (an address, account name or alias; default: the "
        "key's, or the default account's)",
    )
    add_signer_options(parser)
    add_network_options(parser)
    add_json_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_pending(args))


async def _pending(args: argparse.Namespace) -> int:
    from aleph_tui.cli.common import open_service

    if args.all and not args.list:
        raise UsageError("--all: only with --list (every operation, settled ones too)")
    if args.dismiss is not None and (args.list or not args.dismiss.strip()):
        raise UsageError(
            "--dismiss: needs the id of one operation, as `aleph-tui pending --list` shows"
            if not args.dismiss.strip()
            else "--dismiss: not with --list"
        )
    replace_kind, replace_ref = _replace_args(args)
    if args.address is not None and not args.scan:
        raise UsageError("--address: only with --scan")
    if args.scan:
        if args.list or args.dismiss is not None or replace_kind is not None:
            raise UsageError("--scan: not with --list, --dismiss, --speed-up or --cancel")
        address = _scan_address(args)
        return await _scan(args, await resolve_network(args), address)
    # --list and --dismiss read and write only the journal, keyed by the network's name:
    # no discovery (a network read), so they work with the devnet stopped.
    journal_only = args.list or args.dismiss is not None
    network = configured_network(args) if journal_only else await resolve_network(args)
    if replace_kind is not None:
        return await _replace(args, network, replace_kind, replace_ref)
    async with open_service(network) as service:
        journal = service.journal
        if args.dismiss is not None:
            operations = [_dismiss(journal, network.name, args.dismiss.strip())]
        elif args.list and args.all:
            operations = [op for op in journal.operations() if op.network == network.name]
        elif args.list:
            operations = service.open_operations()
        else:
            operations = await service.follow_open_operations(None if args.json else _progress)
        notices = journal.take_notices()
    for notice in notices:
        print(f"aleph-tui: {notice}", file=sys.stderr)
    emit(
        args,
        {
            "network": network.name,
            "followed": not args.list and args.dismiss is None,
            "notices": notices,
            "operations": [_json(op) for op in operations],
        },
        lambda: _text(network.name, operations, args),
    )
    return 0


def _scan_address(args: argparse.Namespace) -> str:
    """Whose payments to scan: --address, else the key's (--private-key,
    $ALEPH_PRIVATE_KEY), else --account's, else the default account's."""
    import os

    from aleph_tui.cli.balance_command import resolve_address
    from aleph_tui.cli.signer_options import PRIVATE_KEY_ENV
    from aleph_tui.core.accounts.signer import Signer, SigningError

    if args.address is not None:
        return resolve_address(args.address.strip(), field="--address")
    key = args.private_key if args.private_key is not None else None
    source = "--private-key"
    if key is None and args.account is None and os.environ.get(PRIVATE_KEY_ENV):
        key, source = os.environ[PRIVATE_KEY_ENV], PRIVATE_KEY_ENV
    if key is not None:
        try:
            return Signer(key.strip()).address
        except SigningError:
            raise UsageError(f"{source}: not a valid private key (64 hexadecimal digits)") from None
    # Without --account either, the scan's own option is the one to give.
    return resolve_address(args.account, field="--account" if args.account else "--address")


async def _scan(args: argparse.Namespace, network: Network, address: str) -> int:
    """Report the account's payments to the processor; add the uncredited ones the
    journal does not have to it (with -y, or when the user says yes)."""
    from aleph_tui.cli.common import CommandError, open_service
    from aleph_tui.core.flows.payment_scan import ScanError

    async with open_service(network) as service:
        try:
            scan = await service.scan_payments(address)
        except ScanError as exc:
            raise CommandError(str(exc)) from None
        untracked = tuple(p for p in scan.uncredited if p.operation_id is None)
        follow = bool(untracked) and (args.yes or _ask_follow(args, len(untracked)))
        added = service.follow_payments(scan, untracked) if follow else []
    ids = {p.tx_hash: op.id for p, op in zip(untracked, added, strict=False)}
    payments = [
        {
            "tx_hash": p.tx_hash,
            "block_number": p.block_number,
            "token": p.token,
            "amount": p.amount,
            "units": p.units,
            "credits": p.credits,
            "credited": p.credited,
            "operation_id": p.operation_id or ids.get(p.tx_hash),
        }
        for p in scan.payments
    ]
    emit(
        args,
        {
            "network": network.name,
            "account": scan.account,
            "processor": scan.processor,
            "from_block": scan.from_block,
            "to_block": scan.to_block,
            "payments": payments,
            "uncredited": [p["tx_hash"] for p in payments if not p["credited"]],
            "followed": [op.id for op in added],
        },
        lambda: _scan_text(scan, payments, len(untracked), [op.id for op in added]),
    )
    return 0


def _ask_follow(args: argparse.Namespace, count: int) -> bool:
    if args.json or not sys.stdin.isatty():
        return False
    what = "this payment" if count == 1 else f"these {count} payments"
    print(f"Follow {what} until the credits arrive? [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _scan_text(scan: Any, payments: list[dict[str, Any]], untracked: int, added: list[str]) -> str:
    lines = [
        f"Payments of {scan.account} to the processor {scan.processor} on {scan.network} "
        f"(blocks {scan.from_block}-{scan.to_block}): {len(payments)}"
    ]
    for p in payments:
        got = p["credits"]
        shown = "?" if got is None else fmt.credits(got)
        credits = f"{shown} credits" if p["credited"] else "NO CREDITS on the node"
        op = f"  (operation {p['operation_id']})" if p["operation_id"] else ""
        lines.append(
            f"  block {p['block_number']}  {fmt.exact_decimal(Decimal(p['amount']), grouped=True)} "
            f"{p['token']}  {p['tx_hash']}  "
            f"{credits}{op}"
        )
    uncredited = sum(1 for p in payments if not p["credited"])
    if not uncredited:
        lines.append("Every payment has its credits.")
    elif added:
        lines.append(
            f"Added {len(added)} to the journal: `aleph-tui pending` follows them until the "
            "credits arrive."
        )
    elif untracked:
        lines.append(
            f"{untracked} without credits and not in the journal: run `aleph-tui pending "
            "--scan -y` to follow them."
        )
    else:
        lines.append(f"{uncredited} without credits, already in the journal: `aleph-tui pending`.")
    return "\n".join(lines)


def _replace_args(args: argparse.Namespace) -> tuple[ReplaceKind | None, str]:
    """Which replacement was asked, checked before anything is contacted."""
    speed_up, cancel = args.speed_up, args.cancel
    if speed_up is None and cancel is None:
        if args.max_fee_gwei is not None:
            raise UsageError("--max-fee-gwei: only with --speed-up or --cancel")
        return None, ""
    if speed_up is not None and cancel is not None:
        raise UsageError("--cancel: give either --speed-up or --cancel, not both")
    option, ref = ("--speed-up", speed_up) if speed_up is not None else ("--cancel", cancel)
    if not ref.strip():
        raise UsageError(
            f"{option}: needs the id of an open buy, as `aleph-tui pending --list` shows"
        )
    if args.list or args.dismiss is not None:
        raise UsageError(f"{option}: not with --list or --dismiss")
    if args.max_fee_gwei is None:
        raise UsageError(
            f"--max-fee-gwei: required with {option}: the most gwei per gas you accept to pay"
        )
    from aleph_tui.core.flows.replacing import fee_cap_wei
    from aleph_tui.core.validation import InvalidInput

    try:  # before the network is contacted, as every option is
        fee_cap_wei(args.max_fee_gwei)
    except InvalidInput as exc:
        raise UsageError(f"--{exc.field}: {exc.rule}") from None
    return ("speed_up" if speed_up is not None else "cancel"), ref.strip()


async def _replace(args: argparse.Namespace, network: Network, kind: ReplaceKind, ref: str) -> int:
    """Speed up or cancel one open buy, then follow it to its end."""
    from aleph_tui.cli.common import CommandError, confirm, open_service
    from aleph_tui.cli.signer_options import signer_for_network
    from aleph_tui.core.chain.gateway import ChainError
    from aleph_tui.core.flows.replacing import ReplaceError, fee_cap_wei
    from aleph_tui.core.validation import InvalidInput

    option = "--speed-up" if kind == "speed_up" else "--cancel"
    try:
        cap = fee_cap_wei(args.max_fee_gwei)
    except InvalidInput as exc:
        raise UsageError(f"--{exc.field}: {exc.rule}") from None
    signer = await signer_for_network(args, network)
    async with open_service(network) as service:
        try:
            op = service.find_operation(ref)
        except KeyError as exc:
            raise UsageError(
                f"{option}: {exc.args[0]} (see `aleph-tui pending --list` for their ids)"
            ) from None
        if op.account.lower() != signer.address.lower():
            raise UsageError(
                f"{option}: operation {op.id} was paid from {op.account}, but the key is "
                f"{signer.address} (give its --account or --private-key)"
            )
        try:
            quote = await service.replacement_quote(op, kind, cap)
        except InvalidInput as exc:
            raise UsageError(f"--{exc.field}: {exc.rule}") from None
        except ReplaceError as exc:
            raise UsageError(f"{option}: {exc}") from None
        summary = quote.summary()
        if args.yes and not args.json:
            for line in summary:
                print(line, file=sys.stderr)
        confirm(summary, args.yes)
        try:
            result = await service.replace_payment(quote, signer, None if args.json else _progress)
        except (ReplaceError, ChainError) as exc:
            raise CommandError(str(exc)) from None
        latest = service.find_operation(op.id)
        notices = service.journal.take_notices()
    for notice in notices:
        print(f"aleph-tui: {notice}", file=sys.stderr)
    entry: dict[str, Any] = next(
        (e for e in reversed(latest.details.get("replacements") or []) if e.get("kind") == kind),
        {},
    )
    emit(
        args,
        {
            "network": network.name,
            "followed": True,
            "notices": notices,
            "replacement": {
                "kind": kind,
                "tx_hash": entry.get("tx_hash"),
                "replaces": quote.replaces,
                "nonce": quote.plan.nonce,
                "max_fee_per_gas": quote.plan.max_fee_per_gas,
                "max_priority_fee_per_gas": quote.plan.max_priority_fee_per_gas,
            },
            "status": result.status,
            "operations": [_json(latest)],
        },
        lambda: _replaced_text(latest, kind, str(entry.get("tx_hash"))),
    )
    return 0


def _replaced_text(op: Operation, kind: ReplaceKind, tx_hash: str) -> str:
    from aleph_tui.core.journal.operation_journal import describe

    what = "Speed-up" if kind == "speed_up" else "Cancellation"
    return f"{what} sent ({tx_hash}).\n{op.id}  {describe(op)}"


def _dismiss(journal: Journal, network: str, ref: str) -> Operation:
    """The operation ``ref`` names (its id, or the start of it) dismissed."""
    found = [op for op in journal.operations() if op.network == network and op.id == ref]
    found = found or [
        op for op in journal.operations() if op.network == network and op.id.startswith(ref)
    ]
    if not found:
        raise UsageError(
            f"--dismiss: no operation {ref} on {network} "
            "(see `aleph-tui pending --list --all` for their ids)"
        )
    if len(found) > 1:
        raise UsageError(f"--dismiss: {ref} starts {len(found)} operations' ids; give more of it")
    (op,) = found
    if not op.is_open:
        return op  # settled: nothing to stop following; shown as it is
    return journal.dismiss(op.id)


def _progress(event: BuyProgress) -> None:
    print(f"[{event.step}] {event.message}", file=sys.stderr, flush=True)


def _json(op: Operation) -> dict[str, Any]:
    from aleph_tui.core.journal.operation_journal import describe

    details = op.details
    return {
        "id": op.id,
        "kind": op.kind,
        "account": op.account,
        "status": op.status,
        "open": op.is_open,
        "dismissed": op.dismissed,
        "tx_hash": details.get("tx_hash"),
        "item_hash": details.get("item_hash"),
        "amount": details.get("amount"),
        "token": details.get("token"),
        "credits": details.get("credits_received") if op.kind == "buy" else details.get("amount"),
        "original_tx_hash": details.get("original_tx_hash"),
        "replacements": [
            {"kind": r.get("kind"), "tx_hash": r.get("tx_hash"), "state": r.get("state")}
            for r in details.get("replacements") or ()
            if isinstance(r, dict)
        ],
        "error": op.error,
        "summary": describe(op),
    }


def _text(network: str, operations: list[Operation], args: argparse.Namespace) -> str:
    from aleph_tui.core.journal.operation_journal import describe

    if args.dismiss is not None:
        (op,) = operations
        if not op.is_open:
            return f"Nothing to dismiss: {op.id} is settled: {describe(op)}"
        return (
            f"Dismissed {op.id}: {describe(op)}. It is no longer followed; "
            "`aleph-tui pending --list --all` still shows it."
        )
    if not operations:
        return f"No {'' if args.all else 'open '}operations on {network}."
    return "\n".join(f"{op.id}  {describe(op)}" for op in operations)
