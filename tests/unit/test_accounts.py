"""The account store: the aleph CLI's accounts.toml, the OS keyring and keystore files.

The keyring is an in-memory backend (or a failing one); the XDG directories are tmp_path.
"""

from __future__ import annotations

import json
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.errors import InitError, KeyringError, KeyringLocked, NoKeyringError

from aleph_tui.core.accounts import account_manifest
from aleph_tui.core.accounts.account_store import (
    Account,
    AccountError,
    AccountStore,
    KeyringUnavailableError,
)
from aleph_tui.core.accounts.key_storage import KEYRING_SERVICE
from aleph_tui.core.accounts.signer import Signer
from aleph_tui.core.validation import InvalidInput
from tests.support.keyring_backend import FailingKeyring, MemoryKeyring, WriteFailingKeyring

KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
OTHER_KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
OTHER_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
TREASURY = "0x000000000000000000000000000000000000dEaD"

# Every chain code aleph-types' `Chain` deserialises (serde renames).
_CHAIN_CODES = """ARB AURORA AVAX BASE BLAST BOB BSC CSDK CYBER DOT ES ETH ETHERLINK FRAX HYPE INK
LENS LINEA LISK METIS MODE NEO NULS NULS2 OP POL SOL STT SONIC TEZOS UNICHAIN WLD ZORA"""
CLI_CHAINS = set(_CHAIN_CODES.split())

# As `toml::to_string_pretty(&AccountsManifest)` writes it, plus what a person added:
# a comment, an unknown top-level key, an unknown field and an unknown table.
CLI_MANIFEST = """\
# My accounts. Do not share.
default = "main"
editor_note = "kept by hand"

[[accounts]]
name = "main"
chain = "ETH"
address = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
kind = "local"
label = "hot wallet"  # a field a later CLI may add

[[accounts]]
name = "hw"
chain = "ETH"
address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
kind = "ledger"
derivation_path = "m/44'/60'/0'/0/0"

[[accounts]]
name = "phantom"
chain = "SOL"
address = "7Hg3yCkFpbL2k3RrVXr4s6bAqWf8eKZ6J1dQm2n9xYzA"
kind = "local"

[[aliases]]
name = "treasury"
address = "0x000000000000000000000000000000000000dEaD"

[future]
level = 2
"""


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for variable in ("ALEPH_CONFIG_HOME", "ALEPH_PASSWORD", "ALEPH_PRIVATE_KEY"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("ALEPH_TUI_KDF", "pbkdf2")  # scrypt is the default; this is faster


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def store(memory: MemoryKeyring) -> AccountStore:
    return AccountStore(prompt=None)


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    return tmp_path / "config" / "aleph" / "accounts.toml"


def use_backend(backend: Any) -> None:
    keyring.set_keyring(backend)


def read(path: Path) -> str:
    return path.read_text()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def exists(path: Path) -> bool:
    return path.exists()


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_cli_schema(text: str) -> dict[str, Any]:
    """What the aleph CLI's serde structs accept (unknown fields are ignored by serde)."""
    data = tomllib.loads(text)
    assert isinstance(data.get("default", ""), str)
    for entry in data.get("accounts", []):
        assert {"name", "chain", "address", "kind"} <= entry.keys()
        assert all(isinstance(entry[f], str) for f in ("name", "chain", "address", "kind"))
        assert entry["chain"] in CLI_CHAINS
        assert entry["kind"] in ("local", "ledger", "keystore")
        assert isinstance(entry.get("derivation_path", ""), str)
    for entry in data.get("aliases", []):
        assert isinstance(entry["name"], str) and isinstance(entry["address"], str)
    return data


def weak_keystore(key: str, password: str) -> dict[str, Any]:
    """A scrypt keystore that takes milliseconds to open (what a geth export looks like)."""
    from eth_account import Account as EthAccount

    return dict(EthAccount.encrypt(bytes.fromhex(key), password, kdf="scrypt", iterations=16))


def assert_no_secret(text: str) -> None:
    for key in (KEY, OTHER_KEY):
        assert key not in text.lower()


# --- the manifest ------------------------------------------------------------------------


async def test_a_manifest_written_by_the_aleph_cli_is_read_and_survives_our_edits(
    store: AccountStore, manifest: Path
) -> None:
    write(manifest, CLI_MANIFEST)

    assert [a.name for a in store.accounts()] == ["main", "hw", "phantom"]
    assert store.get("hw") == Account(
        "hw", "ETH", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "ledger", "m/44'/60'/0'/0/0"
    )
    assert store.default() == store.get("main")
    assert store.aliases() == {"treasury": TREASURY}

    await store.import_key("second", OTHER_KEY)
    store.add_alias("bob", OTHER_ADDRESS)
    store.use("second")
    store.remove_alias("treasury")

    text = read(manifest)
    assert text.startswith("# My accounts. Do not share.\n")
    assert 'editor_note = "kept by hand"' in text
    assert 'label = "hot wallet"  # a field a later CLI may add' in text
    assert "[future]\nlevel = 2" in text
    data = assert_cli_schema(text)
    assert data["default"] == "second"
    assert [a["name"] for a in data["accounts"]] == ["main", "hw", "phantom", "second"]
    assert data["accounts"][1]["derivation_path"] == "m/44'/60'/0'/0/0"
    assert data["aliases"] == [{"name": "bob", "address": OTHER_ADDRESS}]
    assert mode(manifest) == 0o600


async def test_the_empty_lists_the_cli_writes_become_tables(
    store: AccountStore, manifest: Path
) -> None:
    write(manifest, "accounts = []\naliases = []\n")  # the CLI's empty manifest
    await store.import_key("main", KEY)
    store.add_alias("treasury", TREASURY)
    text = read(manifest)
    assert "[[accounts]]" in text and "[[aliases]]" in text
    data = assert_cli_schema(text)
    assert data["default"] == "main"


async def test_our_manifest_looks_like_the_clis(store: AccountStore, manifest: Path) -> None:
    await store.import_key("main", KEY)
    store.add_alias("treasury", TREASURY)
    assert read(manifest) == (
        'default = "main"\n\n'
        "[[accounts]]\n"
        'name = "main"\nchain = "ETH"\n'
        f'address = "{ADDRESS}"\nkind = "local"\n\n'
        "[[aliases]]\n"
        f'name = "treasury"\naddress = "{TREASURY}"\n'
    )


def test_a_broken_manifest_is_reported_not_overwritten(store: AccountStore, manifest: Path) -> None:
    write(manifest, "default = [unclosed\n")
    with pytest.raises(AccountError, match="failed to parse"):
        store.accounts()
    with pytest.raises(AccountError):
        store.add_alias("treasury", TREASURY)
    assert read(manifest) == "default = [unclosed\n"

    write(manifest, '[[accounts]]\nname = "x"\n')
    with pytest.raises(AccountError, match="accounts\\[0\\] has no string 'chain'"):
        store.accounts()


def test_store_paths_follow_xdg(tmp_path: Path, memory: MemoryKeyring) -> None:
    store = AccountStore()
    assert store.manifest_path == tmp_path / "config" / "aleph" / "accounts.toml"
    assert store.keystore_dir == tmp_path / "config" / "aleph" / "keystores"
    assert store.legacy_home == tmp_path / "data" / ".aleph-im"


# --- keyring accounts --------------------------------------------------------------------


async def test_create_keeps_the_key_in_the_keyring_as_the_cli_does(
    store: AccountStore, memory: MemoryKeyring, manifest: Path
) -> None:
    account = await store.create("main")
    assert account.kind == "local" and account.chain == "ETH"
    secret = memory.entries[(KEYRING_SERVICE, "main")]
    assert len(secret) == 64 and secret == secret.lower() and not secret.startswith("0x")
    assert Signer(secret).address == account.address
    assert store.default() == account  # the first account becomes the default
    assert secret not in read(manifest)
    assert (await store.load_signer(None)).address == account.address
    assert "MainThread" not in memory.threads  # keyring calls ran off the event loop

    second = await store.create("second")
    assert store.default() == account
    assert (await store.load_signer("second")).address == second.address
    assert second.address != account.address


@pytest.mark.parametrize("text", [KEY, "0x" + KEY, f"  0X{KEY.upper()}\n"])
async def test_import_key_accepts_hex_with_or_without_0x(
    store: AccountStore, memory: MemoryKeyring, text: str
) -> None:
    account = await store.import_key("main", text)
    assert account.address == ADDRESS
    assert memory.entries[(KEYRING_SERVICE, "main")] == KEY


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("", "64 hexadecimal digits"),
        (KEY[:-2], "64 hexadecimal digits"),
        (KEY[:-1] + "g", "64 hexadecimal digits"),
        ("0" * 64, "not a valid secp256k1 key"),
        ("f" * 64, "not a valid secp256k1 key"),
    ],
)
async def test_bad_keys_are_refused_without_echoing_them(
    store: AccountStore, memory: MemoryKeyring, manifest: Path, text: str, rule: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await store.import_key("main", text)
    assert rule in str(caught.value) and str(caught.value).startswith("private key:")
    assert not text or text not in str(caught.value)
    assert not memory.entries and not exists(manifest)


@pytest.mark.parametrize("name", ["", "my wallet", "my@wallet", "../escape", "a/b", "é"])
async def test_names_are_letters_digits_dash_underscore(store: AccountStore, name: str) -> None:
    with pytest.raises(InvalidInput, match="name: may contain only"):
        await store.import_key(name, KEY)
    with pytest.raises(InvalidInput):
        store.add_alias(name, TREASURY)


async def test_names_are_unique_across_accounts_and_aliases(
    store: AccountStore, memory: MemoryKeyring, manifest: Path
) -> None:
    await store.import_key("main-1_x", KEY)
    store.add_alias("treasury", TREASURY)
    before = read(manifest)
    with pytest.raises(AccountError, match="account 'main-1_x' already exists"):
        await store.create("main-1_x")
    with pytest.raises(AccountError, match="'treasury' is already an alias"):
        await store.import_key("treasury", OTHER_KEY)
    with pytest.raises(AccountError, match="already exists"):
        store.add_alias("main-1_x", OTHER_ADDRESS)
    with pytest.raises(AccountError, match="already an alias"):
        store.add_alias("treasury", OTHER_ADDRESS)
    assert read(manifest) == before
    assert list(memory.entries) == [(KEYRING_SERVICE, "main-1_x")]


async def test_an_orphan_keyring_entry_is_never_overwritten(
    store: AccountStore, memory: MemoryKeyring, manifest: Path
) -> None:
    memory.entries[(KEYRING_SERVICE, "main")] = OTHER_KEY  # left by an earlier failure
    with pytest.raises(AccountError, match="already holds another key"):
        await store.import_key("main", KEY)
    assert memory.entries[(KEYRING_SERVICE, "main")] == OTHER_KEY
    assert not exists(manifest)
    await store.import_key("main", OTHER_KEY)  # the same key: adopting it is fine
    assert store.get("main").address == OTHER_ADDRESS


# --- no keyring: never plaintext ---------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        NoKeyringError("No recommended backend was available."),
        InitError("Failed to create the collection: Prompt dismissed.."),
        KeyringLocked("Failed to unlock the collection!"),
    ],
)
async def test_without_a_keyring_nothing_is_saved_and_encryption_is_offered(
    memory: MemoryKeyring, tmp_path: Path, manifest: Path, error: KeyringError
) -> None:
    use_backend(FailingKeyring(error))
    store = AccountStore(prompt=None)
    with pytest.raises(KeyringUnavailableError) as caught:
        await store.import_key("main", KEY)
    message = str(caught.value)
    assert type(error).__name__ in message and "--encrypted" in message
    assert "Secret Service" in message and "\n" not in message
    assert_no_secret(message)
    assert not exists(manifest)
    files = files_under(tmp_path)
    assert files == []  # not a byte anywhere, least of all a plaintext key

    account = await store.import_key("main", KEY, encrypted=True, password="pw")
    assert account.kind == "keystore"
    assert (await store.load_signer("main", "pw")).address == ADDRESS


async def test_a_failing_keyring_write_leaves_the_manifest_as_it_was(
    memory: MemoryKeyring, manifest: Path
) -> None:
    write(manifest, CLI_MANIFEST)
    use_backend(WriteFailingKeyring())
    with pytest.raises(KeyringUnavailableError, match="PasswordSetError"):
        await AccountStore(prompt=None).import_key("second", OTHER_KEY)
    assert read(manifest) == CLI_MANIFEST


async def test_a_failing_manifest_write_takes_the_key_back_out_of_the_keyring(
    store: AccountStore, memory: MemoryKeyring, manifest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: account_manifest.Manifest) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(account_manifest.Manifest, "save", refuse)
    with pytest.raises(AccountError, match="No space left on device"):
        await store.import_key("main", KEY)
    assert not memory.entries
    with pytest.raises(AccountError, match="No space left"):
        await store.create("enc", encrypted=True, password="pw")
    assert not exists(store.keystore_path("enc"))
    assert not exists(manifest)


# --- keystore accounts -------------------------------------------------------------------


async def test_encrypted_accounts_are_v3_keystores_0600(
    store: AccountStore, memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await store.import_key("vault", KEY, encrypted=True, password="correct horse")
    assert account == Account("vault", "ETH", ADDRESS, "keystore")
    assert account.kind_display == "encrypted"
    path = store.keystore_path("vault")
    assert path == store.manifest_path.parent / "keystores" / "vault.json"
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert mode(store.manifest_path) == 0o600
    keystore = json.loads(read(path))
    assert keystore["version"] == 3 and keystore["address"] == ADDRESS[2:].lower()
    assert_no_secret(read(path))
    assert not memory.entries

    assert (await store.load_signer("vault", "correct horse")).address == ADDRESS
    with pytest.raises(AccountError, match="incorrect password for account 'vault'"):
        await store.load_signer("vault", "wrong")
    with pytest.raises(AccountError, match=r"password required .*ALEPH_PASSWORD"):
        await store.load_signer("vault")
    monkeypatch.setenv("ALEPH_PASSWORD", "correct horse")
    assert (await store.load_signer(None)).address == ADDRESS


async def test_passwords_come_from_the_prompt_when_there_is_one(
    memory: MemoryKeyring,
) -> None:
    answers = iter(["secret", "secret", "bad", "secret"])
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return next(answers)

    store = AccountStore(prompt=prompt)
    account = await store.create("vault", encrypted=True)
    signer = await store.load_signer("vault")  # one wrong try, then the right one
    assert signer.address == account.address
    assert asked == [
        "New password for account 'vault': ",
        "Repeat the password: ",
        "Password for account 'vault': ",
        "Password for account 'vault': ",
    ]

    replies = iter(["a", "b"])
    mismatched = AccountStore(prompt=lambda _text: next(replies))
    with pytest.raises(AccountError, match="do not match"):
        await mismatched.create("other", encrypted=True)
    with pytest.raises(AccountError, match="must not be empty"):
        await store.create("other", encrypted=True, password="")
    assert [a.name for a in store.accounts()] == ["vault"]


async def test_import_a_keystore_file(
    store: AccountStore, memory: MemoryKeyring, tmp_path: Path
) -> None:
    source = tmp_path / "UTC--wallet.json"
    write(source, json.dumps(weak_keystore(KEY, "pw")))

    with pytest.raises(AccountError, match="incorrect password for keystore"):
        await store.import_keystore("main", source, "nope")
    local = await store.import_keystore("main", source, "pw")
    assert local.kind == "local" and memory.entries[(KEYRING_SERVICE, "main")] == KEY

    kept = await store.import_keystore("copy", source, "pw", encrypted=True)
    assert kept.kind == "keystore"
    assert json.loads(read(store.keystore_path("copy"))) == json.loads(read(source))
    assert (await store.load_signer("copy", "pw")).address == ADDRESS

    tampered = json.loads(read(source)) | {"address": OTHER_ADDRESS[2:].lower()}
    write(source, json.dumps(tampered))
    with pytest.raises(AccountError, match="may be corrupt"):
        await store.import_keystore("bad", source, "pw")
    write(source, '{"not": "a keystore"}')
    with pytest.raises(AccountError, match="not an Ethereum V3 keystore"):
        await store.import_keystore("bad", source, "pw")


async def test_export_writes_a_new_keystore_with_a_new_password(
    store: AccountStore, memory: MemoryKeyring, tmp_path: Path
) -> None:
    from eth_account import Account as EthAccount

    await store.import_key("main", KEY)
    await store.import_key("vault", OTHER_KEY, encrypted=True, password="old")

    path = await store.export_keystore("main", tmp_path / "out", "new")
    assert path == tmp_path / "out" and mode(path) == 0o600
    assert bytes(EthAccount.decrypt(json.loads(read(path)), "new")).hex() == KEY
    with pytest.raises(AccountError, match="already exists"):
        await store.export_keystore("main", path, "new")

    (tmp_path / "dir").mkdir()
    with pytest.raises(AccountError, match="password required"):
        await store.export_keystore("vault", tmp_path / "dir", "new")
    path = await store.export_keystore("vault", tmp_path / "dir", "new", source_password="old")
    assert path == tmp_path / "dir" / "vault.json"
    assert bytes(EthAccount.decrypt(json.loads(read(path)), "new")).hex() == OTHER_KEY
    write(store.manifest_path, read(store.manifest_path) + LEDGER_ENTRY)
    with pytest.raises(AccountError, match="Ledger"):
        await store.export_keystore("hw", tmp_path / "hw.json", "new")


LEDGER_ENTRY = """
[[accounts]]
name = "hw"
chain = "ETH"
address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
kind = "ledger"
derivation_path = "m/44'/60'/0'/0/0"
"""


# --- aleph-client's keys -----------------------------------------------------------------


async def test_import_aleph_client_keys(
    store: AccountStore, memory: MemoryKeyring, tmp_path: Path
) -> None:
    keys = tmp_path / "data" / ".aleph-im" / "private-keys"
    keys.mkdir(parents=True)
    (keys / "ethereum.key").write_bytes(bytes.fromhex(KEY))  # aleph-client's raw bytes
    (keys / "default.key").symlink_to(keys / "ethereum.key")
    assert store.legacy_keys() == [keys / "ethereum.key"]

    assert (await store.import_legacy("legacy")).address == ADDRESS  # the only key
    (keys / "other.key").write_text(f"0x{OTHER_KEY}\n")
    with pytest.raises(AccountError, match=r"several .*\(ethereum\.key, other\.key\)"):
        await store.import_legacy("second")
    (keys.parent / "config.json").write_text(json.dumps({"path": str(keys / "other.key")}))
    assert (await store.import_legacy("second")).address == OTHER_ADDRESS  # the active one
    assert memory.entries[(KEYRING_SERVICE, "second")] == OTHER_KEY

    (keys / "junk.key").write_bytes(b"\xff" * 40)
    with pytest.raises(AccountError, match="neither 32 raw bytes nor a hex private key"):
        await store.import_legacy("junk", keys / "junk.key")


# --- removing, default, aliases ----------------------------------------------------------


async def test_remove_clears_the_manifest_and_the_key_together(
    store: AccountStore, memory: MemoryKeyring
) -> None:
    await store.import_key("main", KEY)
    await store.import_key("vault", OTHER_KEY, encrypted=True, password="pw")
    await store.create("spare")
    store.use("vault")
    assert store.default() == store.get("vault")

    await store.remove("vault")
    assert not exists(store.keystore_path("vault"))
    assert store.default() == store.get("main")  # the default moves to the first account
    await store.remove("main")
    assert (KEYRING_SERVICE, "main") not in memory.entries
    assert store.default() == store.get("spare")

    del memory.entries[(KEYRING_SERVICE, "spare")]  # already gone from the keyring
    await store.remove("spare")
    assert store.accounts() == [] and store.default() is None
    with pytest.raises(AccountError, match="account 'spare' not found"):
        await store.remove("spare")


async def test_remove_without_a_keyring_changes_nothing(
    store: AccountStore, memory: MemoryKeyring, manifest: Path
) -> None:
    await store.import_key("main", KEY)
    before = read(manifest)
    use_backend(FailingKeyring(NoKeyringError("No recommended backend was available.")))
    with pytest.raises(AccountError, match="nothing was changed"):
        await store.remove("main")
    assert read(manifest) == before


def test_use_needs_an_account(store: AccountStore) -> None:
    store.add_alias("treasury", TREASURY)
    with pytest.raises(AccountError, match="account 'treasury' not found"):
        store.use("treasury")


def test_aliases_round_trip(store: AccountStore, manifest: Path) -> None:
    assert store.add_alias("treasury", TREASURY.lower()) == TREASURY
    assert store.add_alias("bob", OTHER_ADDRESS) == OTHER_ADDRESS
    assert store.aliases() == {"treasury": TREASURY, "bob": OTHER_ADDRESS}
    store.remove_alias("treasury")
    assert store.aliases() == {"bob": OTHER_ADDRESS}
    with pytest.raises(AccountError, match="alias 'treasury' not found"):
        store.remove_alias("treasury")
    with pytest.raises(InvalidInput, match="address: has a wrong EIP-55 checksum"):
        store.add_alias("typo", ADDRESS.replace("E", "e", 1))
    with pytest.raises(InvalidInput, match="zero address"):
        store.add_alias("zero", "0x" + "0" * 40)
    assert "default" not in tomllib.loads(read(manifest))  # aliases are not accounts


# --- resolving and loading ---------------------------------------------------------------


async def test_resolve_accepts_an_address_an_account_or_an_alias(
    store: AccountStore, manifest: Path
) -> None:
    with pytest.raises(AccountError, match="the store is empty"):
        store.resolve("main")
    write(manifest, CLI_MANIFEST)
    assert store.resolve(ADDRESS.lower()) == ADDRESS
    assert store.resolve("0X" + ADDRESS[2:]) == ADDRESS
    assert store.resolve(" main ") == ADDRESS
    assert store.resolve("treasury") == TREASURY
    with pytest.raises(InvalidInput, match="checksum"):
        store.resolve(ADDRESS[:-1] + "C")
    with pytest.raises(AccountError, match="'phantom' is on SOL"):
        store.resolve("phantom")
    with pytest.raises(AccountError) as caught:
        store.resolve("nobody")
    assert str(caught.value) == (
        "'nobody' is not an address (0x and 40 hex digits), an account or an alias "
        "(known: hw, main, phantom, treasury)"
    )


async def test_load_signer_explains_every_failure(
    store: AccountStore, memory: MemoryKeyring, manifest: Path
) -> None:
    with pytest.raises(AccountError, match="no default account"):
        await store.load_signer(None)
    write(manifest, CLI_MANIFEST)
    with pytest.raises(AccountError, match="the OS keyring has no key for account 'main'"):
        await store.load_signer(None)
    memory.entries[(KEYRING_SERVICE, "main")] = OTHER_KEY
    with pytest.raises(AccountError, match=f"is for {OTHER_ADDRESS}, but the manifest says"):
        await store.load_signer("main")
    memory.entries[(KEYRING_SERVICE, "main")] = KEY
    assert (await store.load_signer("main")).address == ADDRESS
    with pytest.raises(AccountError, match="Ledger"):
        await store.load_signer("hw")
    with pytest.raises(AccountError, match="on SOL"):
        await store.load_signer("phantom")
    with pytest.raises(AccountError, match="account 'treasury' not found"):
        await store.load_signer("treasury")
    use_backend(FailingKeyring(KeyringLocked("Failed to unlock the collection!")))
    with pytest.raises(AccountError, match=r"cannot load account 'main'.*KeyringLocked"):
        await store.load_signer("main")


async def test_secrets_stay_out_of_reprs(store: AccountStore, memory: MemoryKeyring) -> None:
    await store.import_key("main", KEY)
    signer = await store.load_signer("main")
    assert_no_secret(repr(signer) + repr(store.get("main")) + repr(store.accounts()))
    from aleph_tui.core.accounts.key_storage import keyring_get

    assert repr(await keyring_get("main")) == "Secret(<redacted>)"


async def test_the_service_exposes_the_store(store: AccountStore, memory: MemoryKeyring) -> None:
    from aleph_tui.core.service import CreditService

    await store.import_key("main", KEY)
    store.add_alias("treasury", TREASURY)
    service = CreditService("http://127.0.0.1:9", accounts=store)
    try:
        assert service.account_list() == [Account("main", "ETH", ADDRESS, "local")]
        assert service.address_book() == [("main", ADDRESS), ("treasury", TREASURY)]
        assert service.resolve_address("treasury") == TREASURY
        assert (await service.account_signer()).address == ADDRESS
        assert CreditService("http://127.0.0.1:9").accounts.prompt is None  # the TUI's terminal
    finally:
        await service.aclose()
