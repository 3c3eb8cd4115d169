"""``aleph-tui pending``: the journal's open operations, followed to their end.

    aleph-tui pending [--list] [--json] [--network NAME] ...

A buy or a transfer that a crash, a missing receipt or a node answering 202 left open is
followed here as the dashboard does on start: a buy to its receipt and its credits
(credits arrived, or failed with the reason), a transfer to the node's verdict. Each
waits at most ``ALEPH_TUI_RECEIPT_TIMEOUT`` / ``ALEPH_TUI_FOLLOW_TIMEOUT`` seconds; what
is still open then stays in the journal for the next run. ``--list`` only shows them,
touching no network. Nothing is ever signed or sent again but the very same bytes, and
only when the node does not know them (see core/retry.py).

JSON (``--json``)::

    {"network": "devnet", "followed": true,
     "operations": [{"id": "…", "kind": "buy" | "transfer", "account": "0x…",
                     "status": "completed" | "failed" | "signed" | "submitted" | "confirmed",
                     "open": false, "tx_hash": "0x…" | null, "item_hash": "…" | null,
                     "amount": "2" | 1000000, "token": "USDC" | null,
                     "credits": 2000000 | null, "error": null | "…", "summary": "…"}]}

Exit 0 when every operation could be looked at (failed ones included: that is their
outcome, reported); 1 with one line on stderr when the network cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from aleph_tui.cli.common import add_json_option, add_network_options, emit, resolve_network

if TYPE_CHECKING:
    from aleph_tui.core.buying import BuyProgress
    from aleph_tui.core.journal import Operation


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
    add_network_options(parser)
    add_json_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_pending(args))


async def _pending(args: argparse.Namespace) -> int:
    from aleph_tui.cli.common import open_service

    network = await resolve_network(args)
    async with open_service(network) as service:
        if args.list:
            operations = service.open_operations()
        else:
            operations = await service.follow_open_operations(None if args.json else _progress)
    emit(
        args,
        {
            "network": network.name,
            "followed": not args.list,
            "operations": [_json(op) for op in operations],
        },
        lambda: _text(network.name, operations),
    )
    return 0


def _progress(event: BuyProgress) -> None:
    print(f"[{event.step}] {event.message}", file=sys.stderr, flush=True)


def _json(op: Operation) -> dict[str, Any]:
    from aleph_tui.core.journal import describe

    details = op.details
    return {
        "id": op.id,
        "kind": op.kind,
        "account": op.account,
        "status": op.status,
        "open": op.is_open,
        "tx_hash": details.get("tx_hash"),
        "item_hash": details.get("item_hash"),
        "amount": details.get("amount"),
        "token": details.get("token"),
        "credits": details.get("credits_received") if op.kind == "buy" else details.get("amount"),
        "error": op.error,
        "summary": describe(op),
    }


def _text(network: str, operations: list[Operation]) -> str:
    from aleph_tui.core.journal import describe

    if not operations:
        return f"No open operations on {network}."
    return "\n".join(describe(op) for op in operations)
