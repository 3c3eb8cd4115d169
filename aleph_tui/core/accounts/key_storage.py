"""Where private keys rest: the OS keyring (as the aleph CLI keeps them) and encrypted
Ethereum V3 keystore files. Also the 0600 atomic file write the account store shares.

Keyring calls can block on D-Bus or an unlock prompt, so they run in a thread. No
message built here ever contains a key or a password.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aleph_tui.core.errors import ServiceError

if TYPE_CHECKING:
    from aleph_tui.core.accounts.signer import Signer

KEYRING_SERVICE = "cloud.aleph.cli"
KDF_ENV = "ALEPH_TUI_KDF"
KEYRING_HELP = (
    "on Linux the keyring needs a Secret Service provider (GNOME Keyring or KWallet) "
    "running in an unlocked session"
)


class KeyringUnavailable(ServiceError):
    """The OS keyring could not be used. The message says why, never what was stored."""


class KeystoreError(ServiceError):
    """A keystore file that cannot be read, or a wrong password."""


class Secret:
    """A key in transit to or from the keyring: redacted in reprs and tracebacks' locals."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Secret(<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


def _explain(operation: str, exc: BaseException, secret: str | None = None) -> KeyringUnavailable:
    # The first sentence only: keyring's own advice goes on to suggest plaintext backends.
    detail = str(exc).strip().splitlines()[0].split(". ")[0] if str(exc).strip() else ""
    if secret:  # a backend could echo what it was given; never let it through
        detail = detail.replace(secret, "<redacted>")
    cause = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return KeyringUnavailable(
        f"the OS keyring is not available to {operation} ({cause}); {KEYRING_HELP}"
    )


def _set(name: str, secret: Secret) -> None:
    import keyring

    try:
        keyring.set_password(KEYRING_SERVICE, name, secret.reveal())
    except Exception as exc:
        raise _explain("store the key", exc, secret.reveal()) from None


def _get(name: str) -> Secret | None:
    import keyring

    try:
        value = keyring.get_password(KEYRING_SERVICE, name)
    except Exception as exc:
        raise _explain("look up the key", exc) from None
    return None if value is None else Secret(str(value))


def _delete(name: str) -> bool:
    import keyring
    from keyring.errors import PasswordDeleteError

    try:
        keyring.delete_password(KEYRING_SERVICE, name)
    except PasswordDeleteError:
        return False  # already gone: every backend reports a missing entry this way
    except Exception as exc:
        raise _explain("delete the key", exc) from None
    return True


async def keyring_set(name: str, secret: Secret) -> None:
    await asyncio.to_thread(_set, name, secret)


async def keyring_get(name: str) -> Secret | None:
    return await asyncio.to_thread(_get, name)


async def keyring_delete(name: str) -> bool:
    """Delete the entry; False if there was none."""
    return await asyncio.to_thread(_delete, name)


def atomic_write(path: Path, text: str, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``text`` in one step: a crash leaves the old file or the new.
    Missing directories are made 0700 (paths.private_dir)."""
    from aleph_tui.core.paths import private_dir

    private_dir(path.parent)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temp).unlink()
        raise


def kdf() -> Literal["scrypt", "pbkdf2"]:
    """scrypt, as the aleph CLI writes; ``ALEPH_TUI_KDF=pbkdf2`` makes tests faster."""
    return "pbkdf2" if os.environ.get(KDF_ENV, "").strip().lower() == "pbkdf2" else "scrypt"


def is_keystore(data: Any) -> bool:
    return isinstance(data, dict) and ("crypto" in data or "Crypto" in data)


def read_keystore(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeystoreError(f"keystore file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KeystoreError(f"cannot read keystore {path}: {type(exc).__name__}") from None
    if not is_keystore(data):
        raise KeystoreError(f"{path} is not an Ethereum V3 keystore")
    return dict(data)


def write_keystore(path: Path, keystore: dict[str, Any]) -> None:
    """Write a keystore 0600 in a 0700 directory, as the aleph CLI does."""
    from aleph_tui.core.paths import private_dir

    private_dir(path.parent)
    with contextlib.suppress(OSError):  # a directory we do not own keeps its mode
        path.parent.chmod(0o700)
    atomic_write(path, json.dumps(keystore, indent=2) + "\n")


def _decrypt(keystore: dict[str, Any], password: str) -> Secret:
    from eth_account import Account

    try:
        return Secret(bytes(Account.decrypt(keystore, password)).hex())
    except ValueError as exc:
        if "MAC mismatch" in str(exc):
            raise KeystoreError("incorrect password") from None
        raise KeystoreError(f"invalid keystore ({type(exc).__name__})") from None
    except Exception as exc:
        raise KeystoreError(f"invalid keystore ({type(exc).__name__})") from None


async def decrypt_keystore(keystore: dict[str, Any], password: str) -> Secret:
    """The key as hex (about half a second of CPU with scrypt, so in a thread)."""
    return await asyncio.to_thread(_decrypt, keystore, password)


async def encrypt_keystore(signer: Signer, password: str) -> dict[str, Any]:
    """A V3 keystore of the signer's key; the address in lowercase hex as the aleph CLI
    writes it (eth-account writes it checksummed)."""
    keystore = await asyncio.to_thread(signer.keystore, password, kdf=kdf())
    return keystore | {"address": signer.address[2:].lower()}


def keystore_address(keystore: dict[str, Any]) -> str | None:
    """The address a keystore claims to hold, lowercase without 0x, if it says."""
    value = keystore.get("address")
    return value.lower().removeprefix("0x") if isinstance(value, str) else None
