"""Watch-only accounts in the store: aleph-tui's own watched.toml, names shared with the
aleph CLI's accounts and aliases, and no signer ever built for one."""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from aleph_tui.core import paths
from aleph_tui.core.accounts.account_store import (
    Account,
    AccountError,
    AccountStore,
    NameTaken,
    UnknownName,
    WatchOnly,
)
from aleph_tui.core.service import CreditService
from aleph_tui.core.validation import InvalidInput
from tests.support.keyring_backend import MemoryKeyring

KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
COLD = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
TREASURY = "0x000000000000000000000000000000000000dEaD"


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("ALEPH_TUI_KDF", "pbkdf2")
    for variable in ("ALEPH_CONFIG_HOME", "ALEPH_PASSWORD", "ALEPH_PRIVATE_KEY"):
        monkeypatch.delenv(variable, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def store() -> AccountStore:
    return AccountStore(prompt=None)


def watch_file() -> Path:
    return paths.app_config_dir() / "watched.toml"


async def test_a_watched_address_lives_in_our_file_and_never_in_the_clis(
    store: AccountStore,
) -> None:
    await store.import_key("main", KEY)
    store.add_alias("treasury", TREASURY)
    manifest = store.manifest_path.read_bytes()

    cold = store.watch("cold", COLD.lower())

    assert cold == Account("cold", "ETH", COLD, "watch")  # checksummed
    assert cold.watch_only and cold.kind_display == "watch-only"
    assert store.manifest_path.read_bytes() == manifest  # the CLI's file untouched
    assert store.watched() == [cold]
    assert [a.name for a in store.accounts()] == ["main"]  # the keyed ones only
    assert watch_file().parent == paths.app_config_dir()
    assert stat.S_IMODE(watch_file().stat().st_mode) == 0o600
    assert tomllib.loads(watch_file().read_text()) == {
        "watched": [{"name": "cold", "address": COLD}]
    }
    assert store.resolve("cold") == COLD  # balance, history, usage by name

    assert store.unwatch("cold") == cold
    assert store.watched() == []
    with pytest.raises(UnknownName, match="no watch-only account 'cold'"):
        store.unwatch("cold")


async def test_names_are_shared_by_accounts_aliases_and_watched_addresses(
    store: AccountStore,
) -> None:
    await store.import_key("main", KEY)
    store.add_alias("treasury", TREASURY)
    store.watch("cold", COLD)
    with pytest.raises(NameTaken, match="account 'main' already exists"):
        store.watch("main", COLD)
    with pytest.raises(NameTaken, match="'treasury' is already an alias"):
        store.watch("treasury", COLD)
    with pytest.raises(NameTaken, match="'cold' is already watched"):
        store.watch("cold", TREASURY)
    with pytest.raises(NameTaken, match="'cold' is already a watch-only account"):
        await store.create("cold")
    with pytest.raises(NameTaken, match="'cold' is already a watch-only account"):
        store.add_alias("cold", TREASURY)
    with pytest.raises(InvalidInput, match=r"^address: must be 0x followed by 40"):
        store.watch("other", "0x1234")
    with pytest.raises(InvalidInput, match=r"^name: may contain only"):
        store.watch("", COLD)
    assert [w.name for w in store.watched()] == ["cold"]


async def test_the_facade_builds_no_signer_for_a_watched_account(store: AccountStore) -> None:
    await store.import_key("main", KEY)
    store.watch("cold", COLD)
    service = CreditService("http://127.0.0.1:9", accounts=store)
    try:
        assert [a.name for a in service.account_list()] == ["main", "cold"]
        assert ("cold", COLD) in service.address_book()
        with pytest.raises(WatchOnly, match="'cold' is a watch-only account: it has no key"):
            await service.account_signer("cold")
        with pytest.raises(WatchOnly):
            await store.export_keystore("cold", Path("out.json"))
        with pytest.raises(WatchOnly):
            store.use("cold")
        assert (await service.account_signer("main")).address == ADDRESS
    finally:
        await service.aclose()


def test_a_hand_edited_file_is_checked_like_typed_input(store: AccountStore) -> None:
    watch_file().parent.mkdir(parents=True)
    watch_file().write_text('[[watched]]\nname = "cold"\naddress = "0x1234"\n')
    with pytest.raises(AccountError, match=r"watched\[0\]\.address: must be 0x"):
        store.watched()
    watch_file().write_text("[[watched]\n")
    with pytest.raises(AccountError, match="failed to parse"):
        store.watched()
