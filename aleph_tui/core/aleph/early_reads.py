"""Reads made while the dashboard loads, before httpx is imported.

The first paint needs the devnet's document (on the devnet) and every account's
balance. They are asked for at once, over the standard library's HTTP client, by daemon
threads (a thread waiting on its socket lets Textual load meanwhile): httpx and its
stack, 0.1 s of imports, then load after the first paint instead of before it.

Best effort, and never reported: a read that fails is made again by the service's own
client, which retries as core/retry.py says and reports what still fails.
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from decimal import Decimal
from typing import Any, TypeVar

from aleph_tui.core import retry
from aleph_tui.core.tls import tls_context_for

T = TypeVar("T")

WORKERS = 8  # connections at most, each kept alive for the next read
TIMEOUT_S = 5.0  # then the service's client asks again, with the configured timeout


class EarlyReadFailed(Exception):
    """The answer was not a 200 with a JSON body."""


_Job = tuple[str, Callable[[Any], Any], "Future[Any]"]


class EarlyReads:
    """GETs of one API's JSON documents, each answered through a ``Future``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urllib.parse.urlsplit(self.base_url)
        self._scheme = parts.scheme.lower()
        self._host = parts.hostname or ""
        self._port = parts.port
        self._prefix = parts.path
        self._jobs: deque[_Job] = deque()
        self._lock = threading.Lock()
        self._workers = 0

    def get(
        self, path: str, read: Callable[[Any], T], params: dict[str, str] | None = None
    ) -> Future[T]:
        """``read(document)`` of the JSON document at ``path``, decimals exact."""
        target = self._prefix + path
        if params:
            target += "?" + urllib.parse.urlencode(params)
        future: Future[T] = Future()
        with self._lock:
            self._jobs.append((target, read, future))
            if self._workers < WORKERS:
                self._workers += 1
                threading.Thread(target=self._work, name="early-read", daemon=True).start()
        return future

    def _work(self) -> None:
        connection: http.client.HTTPConnection | None = None
        try:
            while True:
                with self._lock:  # taken with the count, so no job is left without a worker
                    if not self._jobs:
                        self._workers -= 1
                        return
                    target, read, future = self._jobs.popleft()
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    connection = connection or self._connect()
                    future.set_result(read(_document(connection, target)))
                except Exception as exc:  # for the waiter to see; never raised here
                    if connection is not None:
                        connection.close()
                        connection = None
                    future.set_exception(exc)
        finally:
            if connection is not None:
                connection.close()

    def _connect(self) -> http.client.HTTPConnection:
        timeout = min(TIMEOUT_S, retry.http_timeout())
        if self._scheme == "https":
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=timeout, context=tls_context_for(self.base_url)
            )
        if self._scheme == "http":
            return http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        raise EarlyReadFailed(f"not an http(s) URL: {self.base_url}")


def _document(connection: http.client.HTTPConnection, target: str) -> Any:
    connection.request("GET", target, headers={"Accept": "application/json"})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise EarlyReadFailed(f"HTTP {response.status}")
    try:
        return json.loads(body, parse_float=Decimal)
    except ValueError:
        raise EarlyReadFailed("the body is not JSON") from None
