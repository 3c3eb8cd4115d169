"""What every headless command shares: options, network resolution, output, errors and
the confirmation rule (nothing is signed without a "yes" on a terminal, or ``-y``)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aleph_tui.core.networks import Network

if TYPE_CHECKING:
    from aleph_tui.core.service import CreditService
    from aleph_tui.core.validation import InvalidInput


class CommandError(Exception):
    """A failure to report as one line on stderr (exit code 1)."""


class UsageError(Exception):
    """A bad argument or input: one line on stderr, exit code 2."""


Handler = Callable[[argparse.Namespace], int]


def add_network_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """--network/--api-url/--rpc-url, accepted before or after the subcommand."""
    default = None if top_level else argparse.SUPPRESS
    group = parser.add_argument_group("network")
    group.add_argument("--network", metavar="NAME", default=default, help="mainnet, devnet, …")
    group.add_argument(
        "--api-url",
        metavar="URL",
        type=checked(http_url_option),
        default=default,
        help="override the CCN URL",
    )
    group.add_argument(
        "--rpc-url",
        metavar="URL",
        type=checked(http_url_option),
        default=default,
        help="override the RPC URL",
    )


def http_url_option(text: str) -> str:
    """An http:// or https:// URL (argparse names the option in its message)."""
    from aleph_tui.core.validation import http_url

    return http_url(text, field="URL")


def checked(check: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type from a validation function: InvalidInput becomes a usage error."""

    def parse(text: str) -> Any:
        from aleph_tui.core.validation import InvalidInput

        try:
            return check(text)
        except InvalidInput as exc:
            raise argparse.ArgumentTypeError(exc.rule) from None

    parse.__name__ = getattr(check, "__name__", "value")
    return parse


def input_error(prog: str, exc: InvalidInput, options: Iterable[str]) -> UsageError:
    """Core's InvalidInput as a usage error (exit 2), naming the option when the field
    is one of the command's (``--amount: …``), else the field as core names it."""
    field = f"--{exc.field}" if exc.field in options else exc.field
    return UsageError(f"{prog}: {field}: {exc.rule}")


def whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse ``type`` for an integer in [minimum, maximum], with a plain message."""

    bound = f"between {minimum} and {maximum}" if maximum is not None else f"≥ {minimum}"

    def parse(text: str) -> int:
        # ASCII digits only: int() also takes "1_0" and other scripts' digits ("٣").
        if not re.fullmatch(r"[+-]?[0-9]+", text.strip()):
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ({bound})")
        value = int(text)
        if value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"{value} must be {bound}")
        return value

    return parse


def _period_start(text: str) -> Any:
    from aleph_tui.core.validation import history_date

    return history_date(text, field="from")


def _period_end(text: str) -> Any:
    from aleph_tui.core.validation import history_date

    return history_date(text, field="to", end_of_day=True)


def add_period_options(
    parser: argparse.ArgumentParser, *, start_default: str = "", end_default: str = ""
) -> None:
    """--from/--to as ``args.start``/``args.end``: a UTC day or an RFC 3339 instant;
    a day given to --to includes that whole day."""
    parser.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        type=checked(_period_start),
        help=f"from this day (YYYY-MM-DD, UTC) or RFC 3339 instant{start_default}",
    )
    parser.add_argument(
        "--to",
        dest="end",
        metavar="DATE",
        type=checked(_period_end),
        help=f"up to this day included, or RFC 3339 instant{end_default}",
    )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print stable JSON on stdout")


def configured_network(args: argparse.Namespace) -> Network:
    """The network named by --network (or the aleph CLI's default), as configured: the
    devnet's is not discovered yet."""
    from aleph_tui.core.networks import NetworkError, known_networks

    try:
        default, networks = known_networks()
    except NetworkError as exc:
        raise CommandError(str(exc)) from None
    name = getattr(args, "network", None) or default
    if name not in networks:
        raise UsageError(f"--network: unknown network {name!r} (known: {', '.join(networks)})")
    return networks[name]


def api_url_of(args: argparse.Namespace, network: Network) -> str:
    """The API URL the commands talk to (and the devnet is discovered from): --api-url,
    else the network's."""
    return getattr(args, "api_url", None) or network.api_url


async def resolve_network(args: argparse.Namespace) -> Network:
    """The network named by --network (or the aleph CLI's default), devnet discovered."""
    return await discovered_network(args, configured_network(args))


async def discovered_network(args: argparse.Namespace, network: Network) -> Network:
    """``network`` (as configured) with the devnet's document read and --api-url and
    --rpc-url applied."""
    from aleph_tui.core.networks import devnet_from_document

    if network.needs_discovery or network.is_devnet:
        network = devnet_from_document(await _devnet_document(api_url_of(args, network)))
    return network.with_overrides(
        api_url=getattr(args, "api_url", None), rpc_url=getattr(args, "rpc_url", None)
    )


async def _devnet_document(api_url: str) -> dict[str, Any]:
    from aleph_tui.core.aleph.api_client import AlephApi, ApiError

    api = AlephApi(api_url)
    try:
        return await api.devnet_document()
    except ApiError as exc:
        raise CommandError(f"devnet unavailable: {exc}; start it with `aleph-tui devnet`") from None
    finally:
        await api.aclose()


@asynccontextmanager
async def open_service(network: Network) -> AsyncIterator[CreditService]:
    """A facade for one command, closed afterwards. Its ServiceErrors reach main(),
    which prints them as one line (exit 1)."""
    from aleph_tui.core.service import CreditService

    service = CreditService(network)
    try:
        yield service
    finally:
        await service.aclose()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit(args: argparse.Namespace, data: Any, text: str | Callable[[], str]) -> None:
    """JSON on stdout with --json (Decimals as strings), else the human text."""
    if getattr(args, "json", False):
        print(json.dumps(data, default=_json_default, indent=2))
    else:
        print(text() if callable(text) else text)


def confirm(summary: list[str], assume_yes: bool, *, action: str = "Sign and send") -> None:
    """Show what is about to be signed and ask; refuse without a terminal."""
    if assume_yes:
        return
    if not sys.stdin.isatty():
        raise CommandError("no terminal to confirm on, so nothing was signed; pass -y to confirm")
    for line in summary:
        print(line, file=sys.stderr)
    print(f"{action}? [y/N] ", end="", file=sys.stderr, flush=True)
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise CommandError("cancelled; nothing was signed")
