"""Pages of one filtered credit history, the ones a reader turns to next fetched ahead.

A page flip is a key press a person repeats; waiting on the node for each one made
paging feel slow (a round trip is most of a flip). While a page is read, its
neighbours and both ends of the history are requested in the background, so ``]``,
``[``, ``g`` and ``G`` usually find their page here. Pages older than ``max_age``
seconds are not served (rows may have arrived since), nor is anything after
``forget()``; the store holds a few pages, never the history.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aleph_tui.core.aleph.history_models import CreditHistoryPage

PageFetch = Callable[[int], Awaitable[CreditHistoryPage]]
"""The page of that number, from the node."""

MAX_AGE_S = 15.0
KEPT_PAGES = 8


class HistoryPages:
    def __init__(
        self,
        fetch: PageFetch,
        *,
        max_age: float = MAX_AGE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._max_age = max_age
        self._clock = clock
        self._pages: OrderedDict[int, tuple[float, CreditHistoryPage]] = OrderedDict()
        self._pending: dict[int, asyncio.Task[CreditHistoryPage]] = {}
        self._generation = 0  # bumped by forget(): answers to older requests are dropped

    def cached(self, number: int) -> CreditHistoryPage | None:
        """The page, if it was fetched less than ``max_age`` seconds ago."""
        kept = self._pages.get(number)
        if kept is None:
            return None
        fetched_at, page = kept
        if self._clock() - fetched_at > self._max_age:
            del self._pages[number]
            return None
        self._pages.move_to_end(number)
        return page

    async def get(self, number: int) -> CreditHistoryPage:
        """The page: kept, already on its way, or requested now. Failures propagate."""
        page = self.cached(number)
        if page is not None:
            return page
        pending = self._pending.get(number)
        if pending is None:
            pending = self._request(number)
        return await asyncio.shield(pending)

    def read_ahead(self, number: int, last: int) -> None:
        """Request the pages next to ``number`` and both ends (pages 1 to ``last``)."""
        for neighbour in (number + 1, number - 1, last, 1):
            wanted = 1 <= neighbour <= last and neighbour != number
            if wanted and neighbour not in self._pending and self.cached(neighbour) is None:
                self._request(neighbour)

    async def settled(self) -> None:
        """Once every request in flight has been answered (or has failed)."""
        while self._pending:
            await asyncio.gather(*self._pending.values(), return_exceptions=True)

    def forget(self) -> None:
        """Drop every page and request: the next read goes to the node."""
        self._generation += 1
        self._pages.clear()
        for task in self._pending.values():
            task.cancel()
        self._pending.clear()

    def _request(self, number: int) -> asyncio.Task[CreditHistoryPage]:
        generation = self._generation
        task = asyncio.ensure_future(self._fetch(number))
        self._pending[number] = task

        def settled(done: asyncio.Task[CreditHistoryPage]) -> None:
            # A failed read-ahead is not reported: the page is requested again, and its
            # failure shown, if the reader turns to it.
            failed = done.cancelled() or done.exception() is not None
            if generation != self._generation:
                return
            if self._pending.get(number) is done:
                del self._pending[number]
            if failed:
                return
            self._pages[number] = (self._clock(), done.result())
            self._pages.move_to_end(number)
            while len(self._pages) > KEPT_PAGES:
                self._pages.popitem(last=False)

        task.add_done_callback(settled)
        return task
