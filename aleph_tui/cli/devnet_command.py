"""``aleph-tui devnet``: run the local Aleph network until interrupted."""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from aleph_tui.cli.common import checked, whole_number


def _decimal(unit: str) -> Any:
    """A positive decimal option, typed as every number is (core/validation.py)."""
    from aleph_tui.core import validation

    def parse(text: str) -> Decimal:
        return validation.positive_decimal(
            text, field=unit, unit=unit, decimals=18, maximum=Decimal(10**12)
        )

    return checked(parse)


def _instant(text: str) -> float:
    """An ISO 8601 instant as Unix seconds; without a zone it is UTC."""
    import datetime as dt

    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 instant (e.g. 2026-03-02T12:00:00Z)"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def _fault(text: str) -> Any:
    """``KIND[,key=value...]``: a fault rule, checked as the admin endpoint checks it."""
    from aleph_tui.cli.devnet_extra import require_devnet

    require_devnet()  # parsing the rule imports the devnet
    from aleph_tui.devnet.faults import FaultRuleError, parse_rule

    kind, *pairs = text.split(",")
    fields: dict[str, str] = {"kind": kind.strip()}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise argparse.ArgumentTypeError(f"{pair!r} in {text!r} is not key=value")
        fields[key.strip()] = value.strip()
    try:
        return parse_rule(fields)
    except FaultRuleError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None


def register(sub: Any) -> None:
    devnet = sub.add_parser(
        "devnet",
        help="run the local Aleph network until interrupted",
        description="Run the local Aleph network. Prints one JSON line on stdout when ready.",
    )
    devnet.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    devnet.add_argument(
        "--port", type=whole_number(0, 65535), default=4024, help="0 picks a free port"
    )
    devnet.add_argument("--state", type=Path, help="keep state in this directory")
    devnet.add_argument(
        "--chain",
        choices=("auto", "embedded", "anvil"),
        default="auto",
        help="the EVM: anvil when it is installed (auto), or the embedded py-evm",
    )
    devnet.add_argument(
        "--history",
        type=whole_number(0),
        default=0,
        metavar="N",
        help="give one extra address N entries",
    )
    devnet.add_argument(
        "--aleph-usd",
        type=_decimal("USD"),
        default=Decimal("0.10"),
        help="the price of one ALEPH in USD",
    )
    devnet.add_argument(
        "--eth-usd",
        type=_decimal("USD"),
        default=Decimal("3000"),
        help="the price of one ETH in USD",
    )
    devnet.add_argument(
        "--processing-interval",
        type=_decimal("seconds"),
        default=Decimal(60),
        help="seconds between the processor's batched processing runs",
    )
    devnet.add_argument(
        "--flow-runs",
        type=whole_number(0),
        default=0,
        metavar="N",
        help="add N small processing runs (TokenPaymentsProcessed) for benchmarks",
    )
    devnet.add_argument(
        "--clock",
        type=_instant,
        metavar="ISO8601",
        help='fix the devnet\'s "now" for seeding and credit expiry (same output on any day)',
    )
    devnet.add_argument(
        "--credit-api-records",
        choices=("all", "none"),
        default="all",
        help="none: the Credit API keeps no payment record of direct transfers, as on "
        "mainnet for payments not started through it (buys must still complete)",
    )
    devnet.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="KIND[,key=value...]",
        help="inject a fault from the start (repeatable), e.g. latency,target=ccn,delay_ms=100; "
        "more through /api/v0/devnet/faults",
    )
    devnet.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import contextlib
    import json
    import logging

    from aleph_tui.cli.devnet_extra import require_devnet

    require_devnet()
    from aleph_tui.devnet.server import DevnetOptions, serve_forever

    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    options = DevnetOptions(
        host=args.host,
        port=args.port,
        state_dir=args.state,
        chain=args.chain,
        history=args.history,
        aleph_usd=args.aleph_usd,
        eth_usd=args.eth_usd,
        run_interval=float(args.processing_interval),
        clock=args.clock,
        flow_runs=args.flow_runs,
        faults=tuple(args.fault),
        credit_api_records=args.credit_api_records,
    )

    def announce(document: dict[str, object]) -> None:
        print(json.dumps(document), flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(options, announce))
    return 0
