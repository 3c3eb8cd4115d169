"""Balances asked for before the dashboard loads (CreditService.read_balances_early):
the first overview takes those answers instead of asking again, and only while fresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aleph_tui.core import service as service_module
from aleph_tui.core.api_client import AlephApi
from tests.devnet_process import RunningDevnet
from tests.ui_harness import (  # noqa: F401  (fixtures)
    import_dev_accounts,
    isolated_config_fixture,
    make_service,
    make_store,
    session_keyring_fixture,
)

pytestmark = pytest.mark.usefixtures("isolated_config", "session_keyring")


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
        assert sorted(api.asked) == sorted(a.address for a in accounts)  # asked once each
        for slot in slots:
            assert slot.balance is not None
            assert slot.balance == await service.api.balance(slot.address)
        # Taken once: the next overview asks the node again.
        [slot async for slot in service.balance_slots([accounts[0].address])]
        assert len(api.asked) == 3 + 3 + 1
    finally:
        await service.aclose()


async def test_an_early_answer_grown_old_is_not_used(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store(tmp_path)
    (account,) = await import_dev_accounts(store, 1)
    service = make_service(devnet, store, tmp_path)
    api = CountedApi(monkeypatch)
    try:
        service.read_balances_early()
        monkeypatch.setattr(service_module, "EARLY_BALANCE_MAX_AGE_S", -1.0)
        [slot async for slot in service.balance_slots([account.address])]
        assert api.asked == [account.address, account.address]
    finally:
        await service.aclose()
