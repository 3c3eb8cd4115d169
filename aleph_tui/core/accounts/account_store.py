"""Accounts, in the same store as the official ``aleph`` CLI.

The manifest is its ``accounts.toml``; a local account's key is in the OS keyring under
service ``cloud.aleph.cli`` and the account's name, as lowercase hex without 0x (what
the CLI writes); an encrypted account is a V3 keystore in ``keystores/<name>.json``.
Nothing falls back to plaintext: without a keyring, the caller must ask for a keystore.

Write order never strands a key: keyring first and the manifest entry removed again if
the manifest cannot be written; keystore file first, deleted if the manifest fails.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aleph_tui.core import paths, validation
from aleph_tui.core.accounts.account_manifest import Manifest, ManifestError
from aleph_tui.core.accounts.key_storage import (
    KEYRING_SERVICE,
    KeyringUnavailable,
    KeystoreError,
    Secret,
    atomic_write,
    decrypt_keystore,
    encrypt_keystore,
    keyring_delete,
    keyring_get,
    keyring_set,
    keystore_address,
    read_keystore,
    write_keystore,
)
from aleph_tui.core.accounts.signer import Signer, SigningError
from aleph_tui.core.accounts.watch_list import (
    WATCH_KIND,
    Watched,
    WatchList,
    WatchListError,
)
from aleph_tui.core.errors import ServiceError

PASSWORD_ENV = "ALEPH_PASSWORD"
PROMPT_ATTEMPTS = 3
KINDS = ("local", "keystore", "ledger")
# aleph-types ``Chain::is_evm``: the chains whose accounts are secp256k1 EVM keys.
_EVM_CHAIN_CODES = """ARB AURORA AVAX BASE BLAST BOB BSC CYBER ETH ETHERLINK FRAX HYPE INK LENS
LINEA LISK METIS MODE OP POL STT SONIC UNICHAIN WLD ZORA"""
EVM_CHAINS = frozenset(_EVM_CHAIN_CODES.split())

PasswordPrompt = Callable[[str], str | None]


class AccountError(ServiceError):
    """A failure of the store, phrased for the user; never carries key material."""


class UnknownName(AccountError):
    """No account (or alias) has this name: bad input."""


class NameTaken(AccountError):
    """An account or an alias has this name already: bad input."""


class WatchOnly(AccountError):
    """A watch-only account asked to do what needs a key (sign, export, be the default)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"'{name}' is a watch-only account: it has no key, so it cannot sign (buy, "
            "transfer), be exported or be the default (`aleph-tui account unwatch "
            f"{name}` removes it)"
        )


class KeyringUnavailableError(AccountError):
    """No OS keyring: the key was not saved. Offer an encrypted keystore instead.
    ``reason`` is why the keyring failed, without the advice on what to do."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"{reason}. Nothing was saved: keep the key in a password-protected keystore "
            "file instead (--encrypted)"
        )


@dataclass(frozen=True)
class Account:
    name: str
    chain: str
    address: str
    kind: str  # "local" (keyring) | "keystore" (encrypted file) | "ledger" | "watch"
    derivation_path: str | None = None

    @property
    def watch_only(self) -> bool:
        """An address followed without a key (aleph-tui's watched.toml): never signs."""
        return self.kind == WATCH_KIND

    @property
    def kind_display(self) -> str:
        """As the aleph CLI shows it: a keystore account is "encrypted"."""
        if self.watch_only:
            return "watch-only"
        return "encrypted" if self.kind == "keystore" else self.kind


def tty_prompt(prompt: str) -> str | None:
    """A hidden prompt, only when a person is at a terminal."""
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(prompt)


class AccountStore:
    """The aleph CLI's account store.

    ``prompt`` asks for passwords (None: never ask, e.g. under the TUI, which must pass
    them in). Keyring calls and keystore crypto run in threads; the manifest is small
    and read on every call, so another process's changes are seen.
    """

    def __init__(
        self,
        manifest_path: Path | None = None,
        keystore_dir: Path | None = None,
        legacy_home: Path | None = None,
        *,
        prompt: PasswordPrompt | None = tty_prompt,
        watch_path: Path | None = None,
    ) -> None:
        self.manifest_path = manifest_path or paths.accounts_manifest()
        # Watch-only accounts: aleph-tui's own file, never the CLI's manifest.
        self.watch_list = WatchList(watch_path)
        self.keystore_dir = keystore_dir or self.manifest_path.parent / "keystores"
        self.legacy_home = legacy_home or paths.legacy_aleph_home()
        self.prompt = prompt
        # True in a ``--devnet`` session: keys go to its keyring in memory, not the OS's.
        self.session_keys = False

    # --- reading ----------------------------------------------------------------------

    def _load(self) -> Manifest:
        try:
            return Manifest(self.manifest_path)
        except ManifestError as exc:
            raise AccountError(str(exc)) from None

    def _save(self, manifest: Manifest) -> None:
        try:
            manifest.save()
        except OSError as exc:
            raise AccountError(f"cannot write {self.manifest_path}: {exc.strerror}") from None

    def accounts(self) -> list[Account]:
        return [_account(entry) for entry in self._load().entries("accounts")]

    def aliases(self) -> dict[str, str]:
        return {e["name"]: e["address"] for e in self._load().entries("aliases")}

    def default(self) -> Account | None:
        manifest = self._load()
        entry = manifest.find("accounts", manifest.default) if manifest.default else None
        return _account(entry) if entry else None

    def get(self, name: str) -> Account:
        """The keyed account ``name``; WatchOnly if ``name`` is a watch-only account."""
        entry = self._load().find("accounts", name)
        if entry is None:
            if any(w.name == name for w in self._watched()):
                raise WatchOnly(name)
            raise UnknownName(f"account '{name}' not found")
        return _account(entry)

    # --- watch-only accounts ----------------------------------------------------------

    def _watched(self) -> list[Watched]:
        try:
            return self.watch_list.entries()
        except WatchListError as exc:
            raise AccountError(str(exc)) from None

    def watched(self) -> list[Account]:
        """The watch-only accounts (kind "watch"), in the order they were added."""
        return [_watched_account(w) for w in self._watched()]

    def watch(self, name: str, address: str) -> Account:
        """Follow ``address`` under ``name``, without a key. The name must be free among
        accounts, aliases and watched addresses; InvalidInput names the field."""
        name = validation.name(name)
        checksummed = validation.address(address)
        _require_free(self._load(), name)
        if any(w.name == name for w in self._watched()):
            raise NameTaken(f"'{name}' is already watched")
        # One address, one entry: a second name for it would show its balance twice.
        for kept in self._watched():
            if kept.address.lower() == checksummed.lower():
                raise validation.InvalidInput(
                    "address", f"{checksummed} is already watched as {kept.name}"
                )
        for account in self.accounts():
            if account.address.lower() == checksummed.lower():
                raise validation.InvalidInput(
                    "address", f"{checksummed} is your account {account.name} (it has a key)"
                )
        watched = Watched(name, checksummed)
        try:
            self.watch_list.add(watched)
        except WatchListError as exc:
            raise AccountError(str(exc)) from None
        return _watched_account(watched)

    def unwatch(self, name: str) -> Account:
        """Stop watching ``name``; UnknownName when it is not watched."""
        for watched in self._watched():
            if watched.name == name:
                try:
                    self.watch_list.remove(name)
                except WatchListError as exc:
                    raise AccountError(str(exc)) from None
                return _watched_account(watched)
        raise UnknownName(f"no watch-only account '{name}'")

    def keystore_path(self, name: str) -> Path:
        if name in ("", ".", "..") or Path(name).name != name or "\\" in name:
            raise AccountError(f"account name '{name}' cannot name a keystore file")
        return self.keystore_dir / f"{name}.json"

    def check_name_available(self, name: str) -> str:
        """The validated name, if no account, alias or watched address has it yet."""
        name = validation.name(name)
        _require_free(self._load(), name)
        self._require_unwatched(name)
        return name

    def _require_unwatched(self, name: str) -> None:
        if any(w.name == name for w in self._watched()):
            raise NameTaken(
                f"'{name}' is already a watch-only account; account, alias and watched "
                "names are shared"
            )

    def resolve(self, target: str) -> str:
        """A checksummed address from a hex address, an account name or an alias."""
        value = target.strip()
        if value[:2] in ("0x", "0X"):
            return validation.address("0x" + value[2:])
        manifest = self._load()
        for key, what in (("accounts", "account"), ("aliases", "alias")):
            entry = manifest.find(key, value)
            if entry is not None:
                return _evm_address(entry, what)
        watched = self._watched()
        for entry_w in watched:
            if entry_w.name == value:
                return entry_w.address
        known = sorted(manifest.names() | {w.name for w in watched})
        hint = f" (known: {', '.join(known)})" if known else " (the store is empty)"
        raise AccountError(
            f"'{value}' is not an address (0x and 40 hex digits), an account or an alias{hint}"
        )

    # --- adding -----------------------------------------------------------------------

    async def create(
        self, name: str, *, encrypted: bool = False, password: str | None = None
    ) -> Account:
        """A new random key, in the keyring, or in a keystore if ``encrypted``."""
        name = self.check_name_available(name)
        while True:
            secret = Secret(secrets.token_bytes(32).hex())
            try:
                signer = Signer(secret.reveal())
                break
            except SigningError:  # beyond the curve order: about 1 in 2**128
                continue
        return await self._add(name, signer, secret, encrypted=encrypted, password=password)

    async def import_key(
        self, name: str, hex_key: str, *, encrypted: bool = False, password: str | None = None
    ) -> Account:
        """A hex private key (64 digits, 0x optional)."""
        secret = _parse_hex_key(hex_key)
        del hex_key  # keep it out of this frame's locals in any traceback
        name = self.check_name_available(name)
        signer = _signer(secret)
        return await self._add(name, signer, secret, encrypted=encrypted, password=password)

    async def import_keystore(
        self,
        name: str,
        path: Path,
        password: str | None = None,
        *,
        encrypted: bool = False,
        new_password: str | None = None,
    ) -> Account:
        """A V3 keystore file. ``encrypted`` keeps it as a keystore account, as is, or
        re-encrypted with ``new_password``; otherwise its key goes to the keyring."""
        name = self.check_name_available(name)
        try:
            keystore = read_keystore(Path(path))
        except KeystoreError as exc:
            raise AccountError(str(exc)) from None
        secret = await self._unlock(keystore, password, f"keystore {path}")
        signer = _signer(secret)
        claimed = keystore_address(keystore)
        if claimed and claimed != signer.address[2:].lower():
            raise AccountError(
                f"{path} says it holds 0x{claimed} but its key is for {signer.address}; "
                "the file may be corrupt"
            )
        if not encrypted:
            return await self._add(name, signer, secret, encrypted=False)
        if new_password is None and keystore.get("version") == 3:
            return self._add_keystore(name, signer.address, keystore)
        if new_password is None:
            new_password = password if password is not None else os.environ.get(PASSWORD_ENV)
        return await self._add(name, signer, secret, encrypted=True, password=new_password)

    def legacy_keys(self) -> list[Path]:
        """aleph-client's ``private-keys/*.key`` files (symlinks such as default.key skipped)."""
        folder = self.legacy_home / "private-keys"
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.glob("*.key") if p.is_file() and not p.is_symlink())

    async def import_legacy(
        self,
        name: str,
        key_file: Path | None = None,
        *,
        encrypted: bool = False,
        password: str | None = None,
    ) -> Account:
        """An aleph-client key file: 32 raw bytes or hex text. Without ``key_file``, the
        key aleph-client uses (its config.json), or the only one there is."""
        path = key_file or self._legacy_default()
        secret = _read_key_file(path)
        name = self.check_name_available(name)
        signer = _signer(secret)
        return await self._add(name, signer, secret, encrypted=encrypted, password=password)

    def _legacy_default(self) -> Path:
        config = self.legacy_home / "config.json"
        with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
            active = Path(json.loads(config.read_text(encoding="utf-8")).get("path"))
            if active.is_file():
                return active
        keys = self.legacy_keys()
        if len(keys) == 1:
            return keys[0]
        folder = self.legacy_home / "private-keys"
        if not keys:
            raise AccountError(f"no aleph-client key (*.key) found in {folder}")
        listed = ", ".join(p.name for p in keys)
        raise AccountError(f"several aleph-client keys in {folder} ({listed}); name one")

    async def _add(
        self,
        name: str,
        signer: Signer,
        secret: Secret,
        *,
        encrypted: bool,
        password: str | None = None,
    ) -> Account:
        if not encrypted:
            return await self._add_local(name, signer.address, secret)
        password = self._new_password(password, f"account '{name}'")
        keystore = await encrypt_keystore(signer, password)
        return self._add_keystore(name, signer.address, keystore)

    async def _add_local(self, name: str, address: str, secret: Secret) -> Account:
        manifest = self._load()
        _require_free(manifest, name)
        self._require_unwatched(name)
        existing: Secret | None = None
        try:
            existing = await keyring_get(name)
            if existing is not None and existing != secret:
                raise AccountError(
                    f"the OS keyring already holds another key under '{name}' that no account "
                    "lists; choose another name (that key was left untouched)"
                )
            await keyring_set(name, secret)
        except KeyringUnavailable as exc:
            if existing is None:
                await _forget_partial_write(name, secret)
            raise KeyringUnavailableError(str(exc)) from None
        account = Account(name, "ETH", address, "local")
        try:
            self._append_account(manifest, account)
        except AccountError as exc:
            try:
                await keyring_delete(name)
            except KeyringUnavailable:
                raise AccountError(f"{exc}; the key stays in the OS keyring as '{name}'") from None
            raise
        return account

    def _add_keystore(self, name: str, address: str, keystore: dict[str, Any]) -> Account:
        manifest = self._load()
        _require_free(manifest, name)
        self._require_unwatched(name)
        path = self.keystore_path(name)
        if path.exists():
            raise AccountError(f"{path} already exists and no account lists it; move it away")
        try:
            write_keystore(path, keystore)
        except OSError as exc:
            raise AccountError(f"cannot write {path}: {exc.strerror}") from None
        account = Account(name, "ETH", address, "keystore")
        try:
            self._append_account(manifest, account)
        except AccountError:
            path.unlink(missing_ok=True)
            raise
        return account

    def _append_account(self, manifest: Manifest, account: Account) -> None:
        if manifest.default is None or manifest.find("accounts", manifest.default) is None:
            manifest.default = account.name  # the first account becomes the default
        fields = ("name", "chain", "address", "kind")
        manifest.append("accounts", {field: getattr(account, field) for field in fields})
        self._save(manifest)

    # --- using ------------------------------------------------------------------------

    async def load_signer(self, name: str | None, password: str | None = None) -> Signer:
        """The key of ``name`` (None: the default account). A keystore's password comes
        from ``password``, else $ALEPH_PASSWORD, else a terminal prompt."""
        if name is None:
            account = self.default()
            if account is None:
                raise AccountError(
                    "no account given and no default account; create one with "
                    "`aleph-tui account create NAME` or pick one with `aleph-tui account use NAME`"
                )
        else:
            account = self.get(name)
        return await self._signer_for(account, password)

    async def _signer_for(self, account: Account, password: str | None) -> Signer:
        label = f"account '{account.name}'"
        if account.watch_only:
            raise WatchOnly(account.name)
        if account.chain not in EVM_CHAINS:
            raise AccountError(f"{label} is on {account.chain}; only EVM keys can sign here")
        if account.kind == "local":
            try:
                secret = await keyring_get(account.name)
            except KeyringUnavailable as exc:
                raise AccountError(f"cannot load {label}: {exc}") from None
            if secret is None:
                raise AccountError(
                    f"the OS keyring has no key for {label} (service {KEYRING_SERVICE}); "
                    "import it again"
                )
        elif account.kind == "keystore":
            path = self.keystore_path(account.name)
            if not path.exists():
                raise AccountError(f"keystore file for {label} not found at {path}")
            try:
                keystore = read_keystore(path)
            except KeystoreError as exc:
                raise AccountError(str(exc)) from None
            secret = await self._unlock(keystore, password, label)
        elif account.kind == "ledger":
            raise AccountError(f"{label} is a Ledger account; aleph-tui cannot sign with a Ledger")
        else:
            raise AccountError(f"{label} has an unknown kind '{account.kind}'")
        try:
            signer = Signer(secret.reveal())
        except SigningError:
            raise AccountError(f"the stored key of {label} is not a valid private key") from None
        if signer.address.lower() != account.address.lower():
            raise AccountError(
                f"the stored key of {label} is for {signer.address}, "
                f"but the manifest says {account.address}"
            )
        return signer

    async def export_keystore(
        self,
        name: str,
        dest: Path,
        password: str | None = None,
        *,
        source_password: str | None = None,
    ) -> Path:
        """Write the key of ``name`` to a new V3 keystore encrypted with ``password``."""
        account = self.get(name)
        dest = _export_target(Path(dest), account.name)
        signer = await self._signer_for(account, source_password)
        password = self._new_password(password, f"the exported keystore of '{account.name}'")
        keystore = await encrypt_keystore(signer, password)
        try:
            atomic_write(dest, json.dumps(keystore, indent=2) + "\n")
        except OSError as exc:
            raise AccountError(f"cannot write {dest}: {exc.strerror}") from None
        return dest

    # --- changing ---------------------------------------------------------------------

    async def remove(self, name: str) -> None:
        """Remove the account and its key (keyring entry or keystore file) together."""
        account = self.get(name)
        if account.kind == "local":
            try:  # find out now whether the keyring works, before changing anything
                await keyring_get(name)
            except KeyringUnavailable as exc:
                raise AccountError(f"cannot remove '{name}': {exc}; nothing was changed") from None
        manifest = self._load()
        manifest.remove("accounts", name)
        if manifest.default == name:
            remaining = next(manifest.entries("accounts"), None)
            manifest.default = remaining["name"] if remaining else None
        self._save(manifest)
        if account.kind == "local":
            try:
                await keyring_delete(name)
            except KeyringUnavailable as exc:
                raise AccountError(
                    f"'{name}' was removed from the manifest but its key is still in the "
                    f"OS keyring: {exc}"
                ) from None
        elif account.kind == "keystore":
            path = self.keystore_path(name)
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                raise AccountError(
                    f"'{name}' was removed from the manifest but {path} could not be "
                    f"deleted: {exc.strerror}"
                ) from None

    def use(self, name: str) -> Account:
        """Make ``name`` the default account."""
        account = self.get(name)
        manifest = self._load()
        manifest.default = account.name
        self._save(manifest)
        return account

    def add_alias(self, name: str, address: str) -> str:
        """Name an address (no key). Returns the checksummed address."""
        name = validation.name(name)
        checksummed = validation.address(address)
        manifest = self._load()
        _require_free(manifest, name)
        self._require_unwatched(name)
        manifest.append("aliases", {"name": name, "address": checksummed})
        self._save(manifest)
        return checksummed

    def remove_alias(self, name: str) -> None:
        manifest = self._load()
        if manifest.find("aliases", name) is None:
            raise UnknownName(f"alias '{name}' not found")
        manifest.remove("aliases", name)
        self._save(manifest)

    # --- passwords --------------------------------------------------------------------

    def _ask(self, prompt: str) -> str | None:
        return self.prompt(prompt) if self.prompt is not None else None

    def _new_password(self, password: str | None, label: str) -> str:
        if password is None:
            password = os.environ.get(PASSWORD_ENV)
        if password is None:
            first = self._ask(f"New password for {label}: ")
            if first is None:
                raise AccountError(
                    f"a password is required for {label}: set {PASSWORD_ENV} or run on a terminal"
                )
            if self._ask("Repeat the password: ") != first:
                raise AccountError("the passwords do not match")
            password = first
        if not password:
            raise AccountError("the password must not be empty")
        return password

    async def _unlock(self, keystore: dict[str, Any], password: str | None, label: str) -> Secret:
        if password is None:
            password = os.environ.get(PASSWORD_ENV)
        if password is not None:
            try:
                return await decrypt_keystore(keystore, password)
            except KeystoreError as exc:
                raise AccountError(f"{exc} for {label}") from None
        for attempt in range(1, PROMPT_ATTEMPTS + 1):
            entered = self._ask(f"Password for {label}: ")
            if entered is None:
                raise AccountError(
                    f"password required for {label}: set {PASSWORD_ENV} or run on a terminal"
                )
            try:
                return await decrypt_keystore(keystore, entered)
            except KeystoreError as exc:
                if "incorrect password" not in str(exc) or attempt == PROMPT_ATTEMPTS:
                    raise AccountError(f"{exc} for {label}") from None
                print("Incorrect password, try again.", file=sys.stderr)
        raise AssertionError("unreachable")


async def _forget_partial_write(name: str, secret: Secret) -> None:
    """A keyring may fail after storing the entry (a D-Bus timeout on the reply): take
    back what it kept, so no key is left that no account lists."""
    with contextlib.suppress(KeyringUnavailable):
        if await keyring_get(name) == secret:
            await keyring_delete(name)


def _export_target(dest: Path, name: str) -> Path:
    """Where an export goes: an absolute path, NAME.json in a directory, never over a file."""
    dest = dest.expanduser().absolute()
    if dest.is_dir():
        dest = dest / f"{name}.json"
    if dest.exists():
        raise AccountError(f"{dest} already exists; choose another file")
    return dest


def _account(entry: dict[str, Any]) -> Account:
    path = entry.get("derivation_path")
    return Account(
        name=str(entry["name"]),
        chain=str(entry["chain"]),
        address=str(entry["address"]),
        kind=str(entry["kind"]),
        derivation_path=str(path) if isinstance(path, str) else None,
    )


def _watched_account(watched: Watched) -> Account:
    return Account(watched.name, "ETH", watched.address, WATCH_KIND)


def _require_free(manifest: Manifest, name: str) -> None:
    if manifest.find("accounts", name) is not None:
        raise NameTaken(f"account '{name}' already exists")
    if manifest.find("aliases", name) is not None:
        raise NameTaken(f"'{name}' is already an alias; account and alias names are shared")


def _evm_address(entry: dict[str, Any], what: str) -> str:
    chain = entry.get("chain", "ETH")
    if chain not in EVM_CHAINS:
        raise AccountError(f"{what} '{entry['name']}' is on {chain}, not an EVM chain")
    try:
        return validation.address(str(entry["address"]), field=f"{what} '{entry['name']}'")
    except validation.InvalidInput as exc:
        raise AccountError(str(exc)) from None


_KEY_RULE = validation.PRIVATE_KEY_RULE


def _parse_hex_key(text: str) -> Secret:
    value = text.strip().removeprefix("0x").removeprefix("0X").lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise validation.InvalidInput("private key", _KEY_RULE)
    return Secret(value)


def _signer(secret: Secret) -> Signer:
    try:
        return Signer(secret.reveal())
    except SigningError:
        raise validation.InvalidInput("private key", "is not a valid secp256k1 key") from None


def _read_key_file(path: Path) -> Secret:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise AccountError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) == 32:  # aleph-client writes the raw bytes
        return Secret(raw.hex())
    try:
        return _parse_hex_key(raw.decode("utf-8"))
    except (UnicodeDecodeError, validation.InvalidInput):
        raise AccountError(f"{path} holds neither 32 raw bytes nor a hex private key") from None
