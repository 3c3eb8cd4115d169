"""Pages read ahead (core/flows/history_pages.py) over the devnet's real history: the page a
reader turns to next is already here, stale pages are fetched again, and a failed
read-ahead is neither cached nor reported."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aleph_tui.core.aleph.history_models import CreditHistoryPage
from aleph_tui.core.flows import history_pages
from aleph_tui.core.flows.history_pages import HistoryPages
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from tests.support.devnet_process import RunningDevnet


@pytest.fixture
async def service(devnet: RunningDevnet, tmp_path: Path) -> AsyncIterator[CreditService]:
    service = CreditService(
        devnet_from_document(devnet.document), journal=Journal(tmp_path / "j.sqlite3")
    )
    yield service
    await service.aclose()


class Counted:
    """The service's page fetch, counting the pages asked of the node."""

    def __init__(self, service: CreditService, address: str) -> None:
        self.service, self.address = service, address
        self.asked: list[int] = []
        self.fail: set[int] = set()

    async def __call__(self, page: int) -> CreditHistoryPage:
        self.asked.append(page)
        if page in self.fail:
            raise RuntimeError(f"page {page} failed")
        return await self.service.api.credit_history(self.address, page=page, page_size=10)


@pytest.fixture
def address(devnet: RunningDevnet) -> str:
    return str(devnet.document["accounts"][0]["address"])


async def test_the_next_previous_first_and_last_pages_are_read_ahead(
    service: CreditService, address: str
) -> None:
    fetch = Counted(service, address)
    pages = HistoryPages(fetch)
    first = await pages.get(3)
    assert first.pages > 5
    pages.read_ahead(3, first.pages)
    await pages.settled()
    assert sorted(fetch.asked) == sorted([3, 4, 2, first.pages, 1])
    fetch.asked.clear()
    for number in (4, 2, first.pages, 1, 3):
        page = await pages.get(number)
        expected = await service.api.credit_history(address, page=number, page_size=10)
        assert page.entries == expected.entries and page.page == number
    assert fetch.asked == []  # every one of them came from the read-ahead


async def test_a_page_in_flight_is_awaited_not_asked_twice(
    service: CreditService, address: str
) -> None:
    fetch = Counted(service, address)
    pages = HistoryPages(fetch)
    pages.read_ahead(1, 3)  # pages 2 and 3 on their way
    both = await asyncio.gather(pages.get(2), pages.get(2))
    assert both[0] is both[1]
    assert fetch.asked.count(2) == 1


async def test_old_pages_and_forgotten_ones_go_back_to_the_node(
    service: CreditService, address: str
) -> None:
    now = [0.0]
    fetch = Counted(service, address)
    pages = HistoryPages(fetch, max_age=10, clock=lambda: now[0])
    await pages.get(1)
    now[0] = 9.0
    assert pages.cached(1) is not None
    now[0] = 10.5
    assert pages.cached(1) is None  # rows may have arrived since
    await pages.get(1)
    pages.forget()
    await pages.get(1)
    assert fetch.asked == [1, 1, 1]


async def test_a_failed_read_ahead_is_asked_again_and_its_failure_shown_then(
    service: CreditService, address: str
) -> None:
    fetch = Counted(service, address)
    fetch.fail = {2}
    pages = HistoryPages(fetch)
    pages.read_ahead(1, 3)
    await pages.settled()
    assert pages.cached(2) is None and pages.cached(3) is not None
    with pytest.raises(RuntimeError, match="page 2 failed"):
        await pages.get(2)
    fetch.fail.clear()
    assert (await pages.get(2)).page == 2
    assert fetch.asked.count(2) == 3


async def test_only_a_few_pages_are_kept(
    service: CreditService, address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_pages, "KEPT_PAGES", 3)
    pages = HistoryPages(Counted(service, address))
    for number in range(1, 7):
        await pages.get(number)
    assert [n for n in range(1, 7) if pages.cached(n) is not None] == [4, 5, 6]
