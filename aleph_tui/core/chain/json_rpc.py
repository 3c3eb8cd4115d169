"""The one JSON-RPC 2.0 client of the package, over httpx: single calls and batches.

Reads (``call``, ``batch``) are retried as core/retry.py says: a timeout, a dropped
connection, HTTP 429 or 5xx, a body that is not a JSON-RPC answer. ``send`` posts once
and never retries: whoever sends a transaction settles a lost answer by its hash
(core/chain/gateway.py). The node's own answers are never faults: a JSON-RPC error comes
back at once as ``RpcRefused``, another HTTP status as ``RpcHttpStatus``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from aleph_tui.core import retry
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.tls import tls_context_for

CONNECT_TIMEOUT_S = 5.0


class RpcFailure(ServiceError):
    """A JSON-RPC request failed; the message is meant for the user as it is."""


class RpcUnavailable(RpcFailure):
    """The node could not be reached, or its answer was lost or unreadable (after the
    retries of a read). ``never_connected``: no connection was ever made, so nothing
    was received."""

    def __init__(self, message: str, *, never_connected: bool = False) -> None:
        super().__init__(message)
        self.never_connected = never_connected


class RpcHttpStatus(RpcFailure):
    """The node answered an HTTP status other than 200 that does not pass (not 429/5xx)."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"the RPC node at {url} answered HTTP {status}")
        self.status = status


class RpcRefused(RpcFailure):
    """The node answered with a JSON-RPC error: ``code``, ``node_message``, ``data``."""

    def __init__(self, method: str, code: int | None, message: str, data: Any = None) -> None:
        super().__init__(f"the RPC node refused {method}: {message}")
        self.method = method
        self.code = code
        self.node_message = message
        self.data = data


class _Fault(retry.Transient):
    def __init__(self, what: str, *, never_connected: bool = False) -> None:
        super().__init__(what)
        self.never_connected = never_connected


class JsonRpcClient:
    """JSON-RPC over one ``httpx.AsyncClient`` (made on first use) to ``url``."""

    def __init__(self, url: str, *, timeout: float | None = None) -> None:
        self.url = url
        self.where = f"the RPC node at {url}"
        self.timeout = retry.http_timeout() if timeout is None else timeout
        self._client: httpx.AsyncClient | None = None
        self._next_id = 0

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # --- requests ---------------------------------------------------------------------

    async def call(self, method: str, *params: Any) -> Any:
        """``method(*params)``'s result, a read: retried on faults that may pass."""
        request = self._request(method, params)
        return _result(method, await self._read(lambda: self._post(request, single=True)))

    async def batch(self, method: str, params_list: Sequence[Sequence[Any]]) -> list[Any]:
        """``method`` once per params, in one request when the node takes batches (else
        one by one); results in the same order. A read, retried like ``call``."""
        if not params_list:
            return []
        requests = [self._request(method, p) for p in params_list]
        answers = await self._read(lambda: self._post(requests))
        if not isinstance(answers, list) or len(answers) != len(requests):
            return [await self.call(method, *p) for p in params_list]
        by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
        return [_result(method, by_id.get(r["id"])) for r in requests]

    async def send(self, method: str, *params: Any) -> Any:
        """``method(*params)`` posted once, never retried (a write). ``RpcUnavailable``
        when its outcome is unknown, or certainly nothing (``never_connected``)."""
        try:
            answer = await self._post(self._request(method, params), single=True)
        except _Fault as fault:
            raise RpcUnavailable(fault.what, never_connected=fault.never_connected) from None
        return _result(method, answer)

    # --- plumbing ---------------------------------------------------------------------

    def _request(self, method: str, params: Sequence[Any]) -> dict[str, Any]:
        self._next_id += 1
        return {"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": list(params)}

    async def _read(self, post: Any) -> Any:
        try:
            return await retry.read(post)
        except retry.Transient as exc:
            raise RpcUnavailable(f"{exc.what}; {retry.READ_ADVICE}") from None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout, connect=min(CONNECT_TIMEOUT_S, self.timeout)),
                verify=tls_context_for(self.url),
            )
        return self._client

    async def _post(self, payload: Any, *, single: bool = False) -> Any:
        """One POST: the decoded JSON answer (``single``: one JSON-RPC answer object);
        ``_Fault`` for what may pass."""
        try:
            response = await self._http().post(self.url, json=payload)
        except httpx.TransportError as exc:
            raise _Fault(
                retry.transport_fault(self.where, exc, self.timeout),
                never_connected=isinstance(exc, httpx.ConnectError),
            ) from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Fault(retry.status_fault(self.where, status))
        if status != 200:
            raise RpcHttpStatus(self.url, status)
        try:
            answer = json.loads(response.text)
        except ValueError:
            raise _Fault(retry.malformed_fault(self.where)) from None
        if single and not (isinstance(answer, dict) and ("result" in answer or "error" in answer)):
            raise _Fault(retry.malformed_fault(self.where))
        return answer


def _result(method: str, answer: Any) -> Any:
    if not isinstance(answer, dict) or ("result" not in answer and "error" not in answer):
        raise RpcUnavailable(f"unexpected answer to {method} from the RPC node")  # in a batch
    error = answer.get("error")
    if error is not None:
        if isinstance(error, dict):
            code = error.get("code")
            raise RpcRefused(
                method,
                code if isinstance(code, int) else None,
                str(error.get("message") or error),
                error.get("data"),
            )
        raise RpcRefused(method, None, str(error))
    return answer["result"]
