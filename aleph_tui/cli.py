"""Command line entry point: ``aleph-tui`` (the dashboard) and its headless commands.

Heavy modules (textual, web3, the devnet) are imported inside the command that needs
them, so ``aleph-tui --help`` and the read-only commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path


class UsageError(Exception):
    """A bad argument: reported as one line on stderr, exit code 2."""


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is outside 0–65535")
    return port


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must not be negative")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="aleph-tui", description="Aleph Cloud wallets and credits.")
    parser.add_argument(
        "--devnet",
        action="store_true",
        help="start an embedded devnet and a throwaway account store, then open the dashboard",
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    devnet = sub.add_parser(
        "devnet",
        help="run the local Aleph network until interrupted",
        description="Run the local Aleph network. Prints one JSON line on stdout when ready.",
    )
    devnet.add_argument("--host", default="127.0.0.1")
    devnet.add_argument("--port", type=_port, default=4024, help="0 picks a free port")
    devnet.add_argument("--state", type=Path, help="keep state in this directory")
    devnet.add_argument("--chain", choices=("auto", "embedded", "anvil"), default="auto")
    devnet.add_argument(
        "--history", type=_count, default=0, metavar="N", help="give one extra address N entries"
    )
    devnet.add_argument("--aleph-usd", type=_decimal, default=Decimal("0.10"))
    devnet.add_argument("--eth-usd", type=_decimal, default=Decimal("3000"))
    devnet.add_argument(
        "--processing-interval",
        type=_decimal,
        default=Decimal(60),
        help="seconds between the processor's batched processing runs",
    )
    return parser


def _run_devnet(args: argparse.Namespace) -> int:
    import asyncio
    import contextlib
    import json
    import logging

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
    )

    def announce(document: dict[str, object]) -> None:
        print(json.dumps(document), flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(options, announce))
    return 0


def _run_tui(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    import os
    import tempfile

    from aleph_tui.ui.app import AlephTuiApp

    if not args.devnet:
        url = os.environ.get("ALEPH_DEVNET_URL", "http://127.0.0.1:4024")
        AlephTuiApp(url).run()
        return 0

    from aleph_tui.devnet.server import Devnet, DevnetOptions

    # The screen belongs to Textual: the embedded devnet logs to a file instead.
    log_file = Path(tempfile.gettempdir()) / "aleph-tui-devnet.log"
    logging.basicConfig(level=logging.INFO, filename=log_file, force=True)

    async def run() -> None:
        print("Starting the embedded devnet…", file=sys.stderr)
        devnet = await Devnet.start(DevnetOptions(port=0))
        try:
            await AlephTuiApp(devnet.api_url).run_async()
        finally:
            await devnet.stop()

    asyncio.run(run())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "devnet":
            return _run_devnet(args)
        return _run_tui(args)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except Exception as exc:  # the last line of defence: one line, never a traceback
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"aleph-tui: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
