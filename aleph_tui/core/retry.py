"""The one retry policy and the client timeouts, shared by every client in core.

Reads (HTTP GETs, Credit API estimations, JSON-RPC reads) are retried a few times with
a doubling delay on the faults that can pass: a 5xx answer, a timeout, a dropped
connection, a body that is not JSON (tenacity runs the tries; ``read`` is the policy).
Writes are never retried blindly: a message POST or a raw transaction whose outcome is
unknown is first looked up by its hash (item hash, transaction hash), and only the very
same signed bytes are sent again, and only when the node does not know them; so nothing
is ever submitted twice.

Timeouts come from the environment, so a slow network (or a test of a hung node) can
change them without code: ``ALEPH_TUI_HTTP_TIMEOUT`` (seconds per read request, default
10), ``ALEPH_TUI_POST_TIMEOUT`` (a synchronous message POST, default 45),
``ALEPH_TUI_RECEIPT_TIMEOUT`` (waiting for a transaction's receipt, default 120) and
``ALEPH_TUI_FOLLOW_TIMEOUT`` (waiting for credits or a pending message, default 120).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

import tenacity

from aleph_tui.core.errors import ServiceError

T = TypeVar("T")

READ_ATTEMPTS = 3
FIRST_DELAY_S = 0.2

HTTP_TIMEOUT_ENV = "ALEPH_TUI_HTTP_TIMEOUT"
POST_TIMEOUT_ENV = "ALEPH_TUI_POST_TIMEOUT"
RECEIPT_TIMEOUT_ENV = "ALEPH_TUI_RECEIPT_TIMEOUT"
FOLLOW_TIMEOUT_ENV = "ALEPH_TUI_FOLLOW_TIMEOUT"


class Transient(Exception):
    """A read failed in a way that may pass; ``what`` says how, in plain words."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def seconds(variable: str, default: float) -> float:
    """A timeout in seconds from the environment; ``default`` when unset (set but empty
    is an error, never the default)."""
    raw = os.environ.get(variable)
    if raw is None:
        return default
    text = raw.strip()
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise ServiceError(f"{variable}: must be a positive number of seconds, not {text!r}")
    return value


def http_timeout() -> float:
    return seconds(HTTP_TIMEOUT_ENV, 10.0)


def post_timeout() -> float:
    return seconds(POST_TIMEOUT_ENV, 45.0)


def receipt_timeout() -> float:
    return seconds(RECEIPT_TIMEOUT_ENV, 120.0)


def follow_timeout() -> float:
    return seconds(FOLLOW_TIMEOUT_ENV, 120.0)


async def read(
    attempt: Callable[[], Awaitable[T]],
    *,
    attempts: int = READ_ATTEMPTS,
    first_delay: float = FIRST_DELAY_S,
) -> T:
    """``attempt()`` until it does not raise ``Transient``, at most ``attempts`` times,
    sleeping ``first_delay``, then twice as long, between tries. The last ``Transient``
    propagates, with the number of tries added to its ``what``; any other exception at
    once."""
    tries = tenacity.AsyncRetrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=tenacity.wait_exponential(multiplier=first_delay),
        retry=tenacity.retry_if_exception_type(Transient),
        reraise=True,
    )

    async def once() -> T:  # tenacity awaits only what a coroutine function returns
        return await attempt()

    try:
        return await tries(once)
    except Transient as exc:
        suffix = f" ({attempts} tries)" if attempts > 1 else ""
        raise Transient(exc.what + suffix) from None


READ_ADVICE = "try again in a moment"


async def read_or_fail(attempt: Callable[[], Awaitable[T]], error: type[ServiceError]) -> T:
    """``read(attempt)``, with a last ``Transient`` turned into ``error``'s one plain line."""
    try:
        return await read(attempt)
    except Transient as exc:
        raise error(f"{exc.what}; {READ_ADVICE}") from None


def transport_fault(where: str, exc: Exception, timeout: float) -> str:
    """What an httpx transport error means, about ``where`` (e.g. "the Aleph API at …")."""
    import httpx

    if isinstance(exc, httpx.ConnectTimeout):
        return f"cannot reach {where}: no connection within {timeout:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"{where} did not answer within {timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        detail = str(exc).splitlines()[0] if str(exc) else "connection refused"
        return f"cannot reach {where}: {detail}"
    return f"{where} closed the connection without answering"


def status_fault(where: str, status: int) -> str:
    if status == 429:
        return f"{where} is limiting requests (HTTP 429)"
    if status in (502, 503, 504):
        return f"{where} is down (HTTP {status} from the gateway in front of it)"
    return f"{where} answered HTTP {status} (a server error)"


def malformed_fault(where: str) -> str:
    return f"{where} answered with malformed JSON"
