"""``aleph-tui pending``: the journal's open operations, followed to their end.

    aleph-tui pending [--list [--all]] [--dismiss ID] [--json] [--network NAME] ...

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

The journal is ``$XDG_DATA_HOME/aleph-tui/journal.sqlite3``. What it must tell the user
once (lines of an old ``journal.jsonl`` that could not be migrated, a damaged file moved
aside, rows that cannot be read) goes to stderr, one line each, and under ``"notices"``.

JSON (``--json``)::

    {"network": "devnet", "followed": true, "notices": ["…"],
     "operations": [{"id": "…", "kind": "buy" | "transfer", "account": "0x…",
                     "status": "completed" | "failed" | "signed" | "submitted" | "confirmed",
                     "open": false, "dismissed": false,
                     "tx_hash": "0x…" | null, "item_hash": "…" | null,
                     "amount": "2" | 1000000, "token": "USDC" | null,
                     "credits": 2000000 | null, "error": null | "…", "summary": "…"}]}

Exit 0 when every operation could be looked at (failed ones included: that is their
outcome, reported); 1 with one line on stderr when the network cannot be reached; 2 for
bad input (``--all`` without ``--list``, an ID ``--dismiss`` does not find).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from aleph_tui.cli.common import (
    UsageError,
    add_json_option,
    add_network_options,
    emit,
    resolve_network,
)

if TYPE_CHECKING:
    from aleph_tui.core.flows.buying import BuyProgress
    from aleph_tui.core.journal.operation_journal import Journal, Operation


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
    network = await resolve_network(args)
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
