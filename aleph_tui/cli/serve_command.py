"""``aleph-tui serve``: the dashboard in a browser (textual-serve, the ``[serve]`` extra).

    aleph-tui serve [--host 127.0.0.1] [--port 8000] [--allow-remote] [--allow-signing]
                    [--network NAME] [--api-url URL] [--rpc-url URL]

It binds to loopback unless ``--allow-remote``; it is read-only (the dashboard runs with
``--read-only``: no key is loaded, nothing is signed) unless ``--allow-signing``. The URL
it prints carries a random token; a request without it gets an empty 404.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import socket
import sys
from typing import Any

from aleph_tui.cli.common import CommandError, UsageError, add_network_options, checked

SERVE_MODULES = ("textual_serve", "aiohttp")


def _port(text: str) -> int:
    from aleph_tui.core.validation import positive_int

    return positive_int(text, field="port", maximum=65535)


def _host(text: str) -> str:
    from aleph_tui.core.validation import InvalidInput

    value = text.strip()
    if not value:
        raise InvalidInput("host", "is empty; give an address such as 127.0.0.1")
    return value


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "serve",
        help="serve the dashboard to a browser (the [serve] extra)",
        description="Serve the dashboard to a web browser with textual-serve. The URL it "
        "prints carries a random token; requests without it get nothing. Read-only unless "
        "--allow-signing; loopback only unless --allow-remote.",
    )
    parser.add_argument(
        "--host",
        type=checked(_host),
        default="127.0.0.1",
        help="the address to listen on (default 127.0.0.1; others need --allow-remote)",
    )
    parser.add_argument(
        "--port", type=checked(_port), default=8000, metavar="N", help="default 8000"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host that is not loopback: the dashboard is then reachable from "
        "other machines by anyone who has the URL (plain HTTP)",
    )
    parser.add_argument(
        "--allow-signing",
        action="store_true",
        help="let the browser sign (buy, transfer) and change keys; without it the "
        "dashboard is read-only",
    )
    add_network_options(parser)
    parser.set_defaults(handler=run)


def dashboard_command(args: argparse.Namespace) -> list[str]:
    """The dashboard each browser session runs, with the network options given."""
    command = [sys.executable, "-m", "aleph_tui"]
    for option in ("network", "api_url", "rpc_url"):
        value = getattr(args, option, None)
        if value is not None:
            command += ["--" + option.replace("_", "-"), value]
    if not args.allow_signing:
        command.append("--read-only")
    return command


def check_network(args: argparse.Namespace) -> None:
    """Resolve the network as the dashboard will (the devnet discovered, so reached):
    an unknown network or an unreachable node is reported here, on serve's stderr,
    rather than as a blank page in the browser."""
    import asyncio

    from aleph_tui.cli.common import resolve_network

    asyncio.run(resolve_network(args))


def check_listening(host: str, port: int) -> None:
    """The host must resolve and the port be free, before anything is started."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.args[-1] if exc.args else type(exc).__name__
        raise UsageError(
            f"aleph-tui serve: --host: {host!r} is not a valid address ({reason})"
        ) from None
    family, kind, proto, _name, address = found[0]
    with socket.socket(family, kind, proto) as probe:
        # As aiohttp binds (SO_REUSEADDR): a port left in TIME_WAIT is not "in use".
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(f"--port: {port} is already in use") from None
            if exc.errno == errno.EACCES:
                raise CommandError(f"--port: {port} needs privileges to listen on") from None
            raise UsageError(
                f"aleph-tui serve: --host: cannot listen on {host} ({exc.strerror})"
            ) from None


def run(args: argparse.Namespace) -> int:
    from aleph_tui.cli.devnet_extra import require_extra

    if not is_loopback(args.host) and not args.allow_remote:
        raise UsageError(
            f"aleph-tui serve: --host: {args.host} is not a loopback address; add "
            "--allow-remote to serve the dashboard beyond this machine"
        )
    require_extra("serve", SERVE_MODULES)
    check_listening(args.host, args.port)
    check_network(args)
    from aleph_tui.serve.web_server import new_token, public_url, serve

    token = new_token()
    url = public_url(args.host, args.port, token) + "/"
    mode = "signing allowed" if args.allow_signing else "read-only"
    serve(
        dashboard_command(args),
        args.host,
        args.port,
        token,
        ready=f"Serving the dashboard ({mode}) at {url}\nCtrl+C stops it.",
    )
    return 0
