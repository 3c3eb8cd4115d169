"""Fault injection: the rule model, the store of active rules, the HTTP faults and the
admin routes (``/api/v0/devnet/faults``).

A rule names a ``kind`` of fault, the ``target`` it hits (``ccn``: the CCN routes under
``/api/v0`` except ``/api/v0/devnet*``; ``credit``: ``/credit/api/v0``; ``rpc``: the
JSON-RPC proxy; ``all``: every client-facing route), an optional ``match`` (a path
substring for HTTP targets, a JSON-RPC method name for ``rpc``), how many ``times`` it
acts (absent: until cleared) and a ``delay_ms``.

The HTTP kinds act on whole requests, here for the CCN and credit routes and in
``rpc_proxy`` for the chain: ``latency`` waits then answers normally, ``http_500``
answers as aiohttp does for a handler that crashed, ``timeout`` holds the request
``delay_ms`` (60 s by default) then closes the connection, ``malformed_json`` answers 200
with the real body cut in half, ``drop`` closes the connection without answering. By
default ``drop`` and ``timeout`` stop the request before it takes effect; with
``"processed": true`` it takes effect (a message is processed, a transaction sent) and
only the answer is lost, which is what makes a blind retry submit twice. The
chain kinds are ``rpc_proxy``'s, ``accept_202`` is ``ccn_api``'s. A rule uses one of its
``times`` each time it acts on a request; when none are left it is removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

log = logging.getLogger(__name__)

Target = Literal["ccn", "credit", "rpc", "all"]
Kind = Literal[
    "latency",
    "http_500",
    "timeout",
    "malformed_json",
    "drop",
    "rpc_down",
    "revert",
    "receipt_never",
    "nonce_conflict",
    "accept_202",
]
HTTP_KINDS = frozenset({"latency", "http_500", "timeout", "malformed_json", "drop"})
CHAIN_KINDS = frozenset({"rpc_down", "revert", "receipt_never", "nonce_conflict"})
# The kinds that decide the answer (latency only delays it); the first matching one wins.
OUTCOME_KINDS = HTTP_KINDS - {"latency"}
DEFAULT_TIMEOUT_MS = 60_000
MAX_DELAY_MS = 3_600_000

ADMIN_PATH = "/api/v0/devnet/faults"
# How many client requests each target is answering now, and the most at once since the
# last reset: a test asserts a client's concurrency bound here, at the node.
IN_FLIGHT_PATH = "/api/v0/devnet/in-flight"
CCN_PREFIX = "/api/v0"
DEVNET_PREFIX = "/api/v0/devnet"
CREDIT_PREFIX = "/credit/api/v0"
# aiohttp's own answer to an API client when a handler raises (pyaleph runs on aiohttp).
INTERNAL_ERROR_TEXT = "500 Internal Server Error\n\nServer got itself in trouble"


class FaultRule(BaseModel):
    """A rule as clients send it; ``target`` defaults to where the kind acts."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    target: Target | None = None
    match: str | None = Field(default=None, min_length=1)
    times: int | None = Field(default=None, ge=1)
    delay_ms: int | None = Field(default=None, ge=0, le=MAX_DELAY_MS)
    # drop/timeout: let the request take effect first, and lose only the answer.
    processed: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> FaultRule:
        # "all" is accepted for kinds that act in one place only, and means that place.
        if self.kind in CHAIN_KINDS:
            if self.target not in (None, "rpc", "all"):
                raise ValueError(f"target: {self.kind} acts on the chain RPC only (target rpc)")
            self.target = "rpc"
        elif self.kind == "accept_202":
            if self.target not in (None, "ccn", "all"):
                raise ValueError("target: accept_202 acts on CCN message posts only (target ccn)")
            self.target = "ccn"
        elif self.target is None:
            self.target = "all"
        if self.kind == "latency" and self.delay_ms is None:
            raise ValueError("delay_ms: latency needs a delay in milliseconds")
        if self.delay_ms is not None and self.kind not in ("latency", "timeout"):
            raise ValueError(f"delay_ms: only latency and timeout take a delay, not {self.kind}")
        if self.processed and self.kind not in ("drop", "timeout"):
            raise ValueError(f"processed: only drop and timeout take it, not {self.kind}")
        if self.kind == "timeout" and self.delay_ms is None:
            self.delay_ms = DEFAULT_TIMEOUT_MS
        return self


class FaultRuleError(ValueError):
    """A rule that does not validate; the message names the field and the rule."""


def parse_rule(data: Any) -> FaultRule:
    if not isinstance(data, dict):
        raise FaultRuleError("body: a rule is a JSON object")
    try:
        return FaultRule.model_validate(data)
    except ValidationError as exc:
        raise FaultRuleError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    messages = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = f"{field}: unknown field"
        elif not field:
            pass  # a model-level rule: the message starts with its field
        else:
            message = f"{field}: {message}"
        messages.append(message)
    return "; ".join(messages)


@dataclass
class ActiveRule:
    id: int
    rule: FaultRule
    remaining: int | None
    used: int = 0

    @property
    def kind(self) -> str:
        return self.rule.kind

    @property
    def delay_s(self) -> float:
        return (self.rule.delay_ms or 0) / 1000

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.rule.model_dump(), "remaining": self.remaining}


# Whether a rule's ``match`` fits the request (path substring, or JSON-RPC method).
Matcher = Callable[[str], bool]


class FaultStore:
    """The active rules, in the order they were added."""

    def __init__(self) -> None:
        self._rules: dict[int, ActiveRule] = {}
        self._ids = itertools.count(1)
        self._closing: asyncio.Event | None = None
        # Called with each rule that leaves the store (cleared or used up).
        self.on_removed: list[Callable[[ActiveRule], None]] = []
        self.in_flight: dict[str, int] = {}
        self.peak_in_flight: dict[str, int] = {}

    @contextlib.contextmanager
    def answering(self, target: str) -> Iterator[None]:
        """Count one request of ``target`` while it is answered (latency included)."""
        now = self.in_flight.get(target, 0) + 1
        self.in_flight[target] = now
        self.peak_in_flight[target] = max(self.peak_in_flight.get(target, 0), now)
        try:
            yield
        finally:
            self.in_flight[target] -= 1

    def in_flight_json(self) -> dict[str, dict[str, int]]:
        return {
            target: {"now": self.in_flight.get(target, 0), "peak": peak}
            for target, peak in self.peak_in_flight.items()
        }

    def add(self, rule: FaultRule) -> ActiveRule:
        active = ActiveRule(next(self._ids), rule, rule.times)
        self._rules[active.id] = active
        log.info("fault rule %d added: %s", active.id, rule.model_dump(exclude_none=True))
        return active

    @property
    def empty(self) -> bool:
        return not self._rules

    def rules(self) -> list[ActiveRule]:
        return list(self._rules.values())

    def remove(self, rule_id: int) -> bool:
        active = self._rules.pop(rule_id, None)
        if active is None:
            return False
        log.info("fault rule %d removed", rule_id)
        for callback in self.on_removed:
            callback(active)
        return True

    def clear(self) -> None:
        for rule_id in list(self._rules):
            self.remove(rule_id)

    def active(self, kind: str, target: str) -> bool:
        return any(r.kind == kind and _hits(r, target) for r in self._rules.values())

    def find(
        self, kinds: frozenset[str] | set[str], target: str, matches: Matcher
    ) -> ActiveRule | None:
        """The first active rule of one of ``kinds`` for this request, without using it."""
        for active in self._rules.values():
            if active.kind in kinds and _applies(active, target, matches):
                return active
        return None

    def take(
        self, kinds: frozenset[str] | set[str], target: str, matches: Matcher
    ) -> ActiveRule | None:
        """Like ``find``, and the rule uses one of its ``times``."""
        active = self.find(kinds, target, matches)
        if active is not None:
            self.use(active)
        return active

    def use(self, active: ActiveRule) -> None:
        active.used += 1
        if active.remaining is not None:
            active.remaining -= 1
            if active.remaining <= 0:
                self.remove(active.id)

    def take_all(self, kind: str, target: str, matches: Matcher) -> list[ActiveRule]:
        taken = []
        for active in list(self._rules.values()):
            if active.kind == kind and _applies(active, target, matches):
                self.use(active)
                taken.append(active)
        return taken

    async def hold(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the devnet is stopping."""
        if self._closing is None:
            self._closing = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    def close(self) -> None:
        """Release every held request: the devnet is stopping."""
        if self._closing is None:
            self._closing = asyncio.Event()
        self._closing.set()


def _hits(active: ActiveRule, target: str) -> bool:
    return active.rule.target == target or (
        active.rule.target == "all" and active.kind not in CHAIN_KINDS
    )


def _applies(active: ActiveRule, target: str, matches: Matcher) -> bool:
    return _hits(active, target) and (active.rule.match is None or matches(active.rule.match))


FAULTS_KEY = web.AppKey("faults", FaultStore)


# --- HTTP faults ------------------------------------------------------------------------


def http_target(path: str) -> str | None:
    """``ccn``, ``credit`` or None (admin, devnet document, the RPC proxy, anything else)."""
    if path.startswith(CREDIT_PREFIX + "/") or path == CREDIT_PREFIX:
        return "credit"
    if path.startswith(DEVNET_PREFIX):
        return None
    if path.startswith(CCN_PREFIX + "/"):
        return "ccn"
    return None


def drop_connection(request: web.Request) -> web.Response:
    """Close the connection without answering; aiohttp then has nowhere to write."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=499)


def truncated(body: bytes) -> bytes:
    """The first half of a JSON body: never valid JSON."""
    cut = body[: len(body) // 2]
    try:
        json.loads(cut)
    except ValueError:
        return cut
    return b'{"truncat'


async def apply_http_faults(
    faults: FaultStore,
    request: web.Request,
    target: str,
    matches: Matcher,
    answer: Callable[[], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    """Answer ``request`` through ``answer``, unless an HTTP fault rule says otherwise."""
    for delayed in faults.take_all("latency", target, matches):
        await asyncio.sleep(delayed.delay_s)
    active = faults.take(OUTCOME_KINDS, target, matches)
    if active is None:
        return await answer()
    log.info("fault %s on %s %s", active.kind, request.method, request.path)
    if active.kind == "http_500":
        return web.Response(status=500, text=INTERNAL_ERROR_TEXT, content_type="text/plain")
    if active.kind in ("drop", "timeout"):
        if active.rule.processed:
            with contextlib.suppress(web.HTTPException):
                await answer()
        if active.kind == "timeout":
            await faults.hold(active.delay_s)
        return drop_connection(request)
    # malformed_json: the real answer's body, cut, as a 200.
    try:
        response = await answer()
    except web.HTTPException as exc:
        response = exc
    body = response.body if isinstance(response, web.Response) else b""
    raw = body if isinstance(body, bytes) else b""
    return web.Response(body=truncated(raw), status=200, content_type="application/json")


@web.middleware
async def fault_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    target = http_target(request.path)
    if target is None:
        return await handler(request)
    path = request.path
    faults = request.app[FAULTS_KEY]
    with faults.answering(target):
        return await apply_http_faults(
            faults,
            request,
            target,
            lambda match: match in path,
            lambda: handler(request),
        )


# --- admin routes (never faulted) -------------------------------------------------------

routes = web.RouteTableDef()


def _listing(faults: FaultStore) -> web.Response:
    return web.json_response({"faults": [r.to_json() for r in faults.rules()]})


@routes.get(ADMIN_PATH)
async def list_faults(request: web.Request) -> web.Response:
    return _listing(request.app[FAULTS_KEY])


@routes.post(ADMIN_PATH)
async def add_fault(request: web.Request) -> web.Response:
    try:
        data = await request.json()
    except ValueError:
        data = None
    try:
        rule = parse_rule(data)
    except FaultRuleError as exc:
        return web.json_response({"error": str(exc)}, status=422)
    return web.json_response(request.app[FAULTS_KEY].add(rule).to_json())


@routes.delete(ADMIN_PATH)
async def clear_faults(request: web.Request) -> web.Response:
    faults = request.app[FAULTS_KEY]
    faults.clear()
    return _listing(faults)


@routes.delete(ADMIN_PATH + "/{rule_id}")
async def clear_fault(request: web.Request) -> web.Response:
    faults = request.app[FAULTS_KEY]
    try:
        rule_id = int(request.match_info["rule_id"])
    except ValueError:
        rule_id = -1
    if not faults.remove(rule_id):
        return web.json_response(
            {"error": f"id: no active fault rule {request.match_info['rule_id']}"}, status=404
        )
    return _listing(faults)


@routes.get(IN_FLIGHT_PATH)
async def in_flight(request: web.Request) -> web.Response:
    """``{"ccn": {"now": N, "peak": M}, "credit": …}`` since the last reset."""
    return web.json_response(request.app[FAULTS_KEY].in_flight_json())


@routes.delete(IN_FLIGHT_PATH)
async def reset_in_flight(request: web.Request) -> web.Response:
    """Start counting peaks again from the requests answered now."""
    faults = request.app[FAULTS_KEY]
    faults.peak_in_flight = dict(faults.in_flight)
    return web.json_response(faults.in_flight_json())
