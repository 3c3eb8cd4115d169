"""Concurrent reads of one key share a call, and never get an answer older than their request.

A request joins a call only while that call has not started yet: then the call reads
the state after the request arrived, so read-after-write holds. A call starts on the
loop's next turn, so every request of one key that the loop takes in meanwhile (under
load, many at once) shares it; later ones start the next call, which may run alongside.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class CoalescedReads(Generic[K, V]):
    def __init__(self, fetch: Callable[[K], Awaitable[V]]) -> None:
        self._fetch = fetch
        self._starting: dict[K, asyncio.Future[V]] = {}

    async def read(self, key: K) -> V:
        upcoming = self._starting.get(key)
        if upcoming is None:
            upcoming = self._start(key)
        # The call is a task of its own: a cancelled request does not cancel the others'.
        return await asyncio.shield(upcoming)

    def _start(self, key: K) -> asyncio.Future[V]:
        async def call() -> V:
            # From here on the call may read the state: later requests need a new one.
            if self._starting.get(key) is task:
                del self._starting[key]
            return await self._fetch(key)

        task: asyncio.Future[V] = asyncio.ensure_future(call())
        self._starting[key] = task
        return task
