"""Balances asked for before the dashboard loads (CreditService.read_balances_early, over
core/aleph/early_reads.py): the first overview takes those answers instead of asking again,
only while fresh, and asks the usual way when an early read failed."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from aleph_tui.core import service as service_module
from aleph_tui.core.aleph.api_client import AlephApi
from aleph_tui.core.aleph.early_reads import EarlyReads
from aleph_tui.core.aleph.endpoints import balance_request
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_harness import (
    import_dev_accounts,
    make_service,
    make_store,
)

if TYPE_CHECKING:
    from aleph_tui.core.accounts.account_store import Account
    from aleph_tui.core.service import CreditService

pytestmark = pytest.mark.usefixtures("isolated_config")


class CountedApi:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.asked: list[str] = []
        balance = AlephApi.balance

        async def counted(api: AlephApi, address: str, **kwargs: Any) -> Any:
            self.asked.append(address)
            return await balance(api, address, **kwargs)

        monkeypatch.setattr(AlephApi, "balance", counted)


async def test_the_first_overview_takes_the_early_answers(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store(tmp_path)
    accounts = await import_dev_accounts(store, 3)
    service = make_service(devnet, store, tmp_path)
    api = CountedApi(monkeypatch)
    try:
        service.read_balances_early()
        slots = [slot async for slot in service.balance_slots([a.address for a in accounts])]
        assert api.asked == []  # all three came from the early reads
        for slot in slots:
            assert slot.balance is not None
            assert slot.balance == await service.api.balance(slot.address)
        # Taken once: the next overview asks the node again.
        [slot async for slot in service.balance_slots([accounts[0].address])]
        assert len(api.asked) == 3 + 1
    finally:
        await service.aclose()


@pytest.fixture
async def one_account(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[CreditService, Account, CountedApi]]:
    """A service over a store of one account, and its client's balance reads counted."""
    store = make_store(tmp_path)
    (account,) = await import_dev_accounts(store, 1)
    service = make_service(devnet, store, tmp_path)
    try:
        yield service, account, CountedApi(monkeypatch)
    finally:
        await service.aclose()


async def test_an_early_answer_grown_old_is_not_used(
    one_account: tuple[CreditService, Account, CountedApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    service, account, api = one_account
    service.read_balances_early()
    monkeypatch.setattr(service_module, "EARLY_BALANCE_MAX_AGE_S", -1.0)
    [slot async for slot in service.balance_slots([account.address])]
    assert api.asked == [account.address]


async def test_a_failed_early_read_is_made_again_by_the_client(
    one_account: tuple[CreditService, Account, CountedApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    service, account, api = one_account
    # Early reads of the right URL whose every answer is unusable: the node's 404 page.
    reads = EarlyReads(service.network.api_url)
    monkeypatch.setattr(
        "aleph_tui.core.aleph.endpoints.balance_request",
        lambda address: (f"/api/v0/no-such-route/{address}", {}),
    )
    service.read_balances_early(reads)
    (slot,) = [slot async for slot in service.balance_slots([account.address])]
    assert api.asked == [account.address]
    assert slot.balance == await service.api.balance(account.address)


async def test_early_reads_answer_what_the_client_answers(devnet: RunningDevnet) -> None:
    """The standard library's reads and httpx's parse the same document the same way."""
    from aleph_tui.core.aleph.endpoints import DEVNET_DOCUMENT
    from aleph_tui.core.aleph.node_values import balance_from_node

    address = devnet.document["accounts"][0]["address"]
    reads = EarlyReads(devnet.api_url + "/")
    api = AlephApi(devnet.api_url)
    try:
        path, params = balance_request(address)
        assert reads.get(path, balance_from_node, params).result(10) == await api.balance(address)
        assert reads.get(DEVNET_DOCUMENT, dict).result(10) == await api.devnet_document()
    finally:
        await api.aclose()


def test_an_unreachable_node_fails_the_early_read_only() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    future = EarlyReads(f"http://127.0.0.1:{port}").get("/api/v0/devnet", dict)
    with pytest.raises(OSError):
        future.result(10)
