"""Runs textual-serve on a private loopback port and the token proxy in front of it.

textual-serve's own server runs in a child process (its ``Server.serve`` owns an event
loop), started as ``python -m aleph_tui.serve.web_server PORT PUBLIC_URL -- COMMAND``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

from aiohttp import web

from aleph_tui.serve.token_proxy import TokenProxy

TOKEN_BYTES = 24  # 192 bits, as URL-safe base64 (32 characters)
UPSTREAM_START_S = 60.0


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def public_url(host: str, port: int, token: str) -> str:
    shown = socket.getfqdn() if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:  # an IPv6 address
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/{token}"


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + UPSTREAM_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"textual-serve stopped at start (exit {process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"textual-serve did not listen on port {port} within {UPSTREAM_START_S} s")


def serve(command: Sequence[str], host: str, port: int, token: str, ready: str) -> None:
    """Serve ``command`` (the dashboard) until interrupted. ``ready`` is printed once the
    proxy listens (the URL, for the user)."""
    inner = free_port()
    url = public_url(host, port, token)
    upstream = subprocess.Popen(
        [sys.executable, "-m", "aleph_tui.serve.web_server", str(inner), url, "--", *command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_listening(inner, upstream)
        proxy = TokenProxy(token, f"http://127.0.0.1:{inner}")

        def announce(*_args: object) -> None:
            print(ready, flush=True)

        web.run_app(proxy.application(), host=host, port=port, print=announce, access_log=None)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(upstream.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            upstream.wait(timeout=10)
        if upstream.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(upstream.pid, signal.SIGKILL)


def _textual_serve(argv: Sequence[str]) -> None:
    """The child: textual-serve on 127.0.0.1:PORT, its pages pointing at the proxy."""
    from textual_serve.server import Server

    port, url, separator, *command = argv
    assert separator == "--"
    asyncio.set_event_loop(asyncio.new_event_loop())
    Server(shlex.join(command), host="127.0.0.1", port=int(port), public_url=url,
           title="aleph-tui").serve()  # fmt: skip


if __name__ == "__main__":
    _textual_serve(sys.argv[1:])
