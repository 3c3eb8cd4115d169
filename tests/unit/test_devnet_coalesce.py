"""aleph_tui/devnet/coalesce.py: shared reads, never older than the request."""

from __future__ import annotations

import asyncio

import pytest

from aleph_tui.devnet.coalesce import CoalescedReads


class Source:
    """A value that changes; each fetch records the value it read when it started."""

    def __init__(self) -> None:
        self.value = 0
        self.fetches = 0
        self.release = asyncio.Event()
        self._started = asyncio.Condition()

    async def fetch(self, key: str) -> tuple[str, int]:
        self.fetches += 1
        seen = self.value
        async with self._started:
            self._started.notify_all()
        await self.release.wait()
        return key, seen

    async def started(self, count: int) -> None:
        """Wait until ``count`` fetches have started."""
        async with self._started:
            await self._started.wait_for(lambda: self.fetches >= count)


async def test_reads_taken_in_before_the_call_starts_share_it() -> None:
    source = Source()
    reads = CoalescedReads(source.fetch)
    pending = [asyncio.ensure_future(reads.read("a")) for _ in range(50)]
    other = asyncio.ensure_future(reads.read("b"))
    await source.started(2)  # the calls start
    source.release.set()
    assert await asyncio.gather(*pending) == [("a", 0)] * 50
    assert await other == ("b", 0)
    assert source.fetches == 2


async def test_a_read_after_the_call_started_gets_a_call_of_its_own() -> None:
    source = Source()
    reads = CoalescedReads(source.fetch)
    early = asyncio.ensure_future(reads.read("a"))
    await source.started(1)  # the first call starts and reads the old value
    source.value = 1  # a write the next reader has seen
    late = asyncio.ensure_future(reads.read("a"))
    await source.started(2)
    source.release.set()
    assert await early == ("a", 0)
    assert await late == ("a", 1)
    assert source.fetches == 2


async def test_a_cancelled_reader_does_not_cancel_the_others() -> None:
    source = Source()
    reads = CoalescedReads(source.fetch)
    first = asyncio.ensure_future(reads.read("a"))
    second = asyncio.ensure_future(reads.read("a"))
    await source.started(1)  # both share the one call
    first.cancel()
    source.release.set()
    assert await second == ("a", 0)
    assert source.fetches == 1
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_failed_call_fails_every_reader_that_shared_it() -> None:
    async def broken(key: str) -> int:
        raise RuntimeError(f"node down for {key}")

    reads: CoalescedReads[str, int] = CoalescedReads(broken)
    results = await asyncio.gather(reads.read("a"), reads.read("a"), return_exceptions=True)
    assert [str(r) for r in results] == ["node down for a"] * 2
