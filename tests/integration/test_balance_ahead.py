"""Balances asked ahead of the dashboard's first view, on the service's one client.

``aleph-tui`` asks for the stored accounts' balances while Textual imports
(``CreditService.read_balances_ahead``); the Balance view's first ``balance_slots`` takes
those answers instead of asking again. What a user relies on: the figures are the node's,
each account is asked once, a failed or old answer is asked again, never shown.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from aleph_tui.core import service as service_module
from aleph_tui.core.accounts.account_store import AccountStore
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from tests.support.credit_helpers import credits
from tests.support.devnet_process import RunningDevnet


def _service(devnet: RunningDevnet, home: Path, accounts: list[Any]) -> CreditService:
    manifest = home / "accounts.toml"
    manifest.write_text(
        "".join(
            f'[[accounts]]\nname = "dev-{i}"\nchain = "ETH"\naddress = "{a.address}"\n'
            f'kind = "ledger"\n'
            f"derivation_path = \"m/44'/60'/0'/0/{i}\"\n"
            for i, a in enumerate(accounts[:3])
        )
    )
    store = AccountStore(manifest, home / "keystores", home / "legacy", prompt=None)
    assert [a.address for a in store.accounts()] == [a.address for a in accounts[:3]]
    return CreditService(devnet_from_document(devnet.document), accounts=store)


async def test_each_account_is_asked_once_and_shows_the_nodes_figures(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = _service(devnet, tmp_path, accounts)
    asked: list[str] = []
    real = service.api.balance

    async def counted(address: str, **kwargs: Any) -> Any:
        asked.append(address)
        return await real(address, **kwargs)

    monkeypatch.setattr(service.api, "balance", counted)
    try:
        service.read_balances_ahead()
        addresses = [a.address for a in accounts[:3]]
        await asyncio.sleep(0)  # the requests asked ahead start
        assert sorted(asked) == sorted(addresses)
        slots = {slot.address: slot async for slot in service.balance_slots(addresses)}
        assert sorted(asked) == sorted(addresses)  # once each: the slots took the answers
        for address in addresses:
            balance = slots[address].balance
            assert balance is not None and balance.credits == credits(devnet.api_url, address)
        again = {slot.address: slot async for slot in service.balance_slots(addresses)}
        assert len(asked) == 2 * len(addresses)  # a later refresh asks the node again
        assert all(slot.balance is not None for slot in again.values())
    finally:
        await service.aclose()


async def test_an_answer_asked_too_long_ago_is_asked_again(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = _service(devnet, tmp_path, accounts)
    try:
        service.read_balances_ahead()
        monkeypatch.setattr(service_module, "AHEAD_MAX_AGE_S", -1.0)  # every answer is old
        asked: list[str] = []
        real = service.api.balance

        async def counted(address: str, **kwargs: Any) -> Any:
            asked.append(address)
            return await real(address, **kwargs)

        monkeypatch.setattr(service.api, "balance", counted)
        address = accounts[0].address
        slots = [slot async for slot in service.balance_slots([address])]
        assert asked == [address] and slots[0].balance is not None
    finally:
        await service.aclose()
