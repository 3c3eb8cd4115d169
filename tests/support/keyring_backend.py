"""Keyring backends for tests: in memory, in a JSON file (for subprocesses, through
``PYTHON_KEYRING_BACKEND=tests.support.keyring_backend.FileKeyring``), and failing ones."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

FILE_ENV = "ALEPH_TUI_TEST_KEYRING"


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring leaves it unannotated
        self.entries: dict[tuple[str, str], str] = {}
        self.threads: set[str] = set()

    def get_password(self, service: str, username: str) -> str | None:
        self.threads.add(threading.current_thread().name)
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.threads.add(threading.current_thread().name)
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.threads.add(threading.current_thread().name)
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("No such password!")


class FailingKeyring(KeyringBackend):
    """Every call raises ``error``, as a keyring without a Secret Service does."""

    priority = 1

    def __init__(self, error: KeyringError) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring leaves it unannotated
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        raise self.error


class WriteFailingKeyring(MemoryKeyring):
    """Reads work; writing fails, as with a locked collection that refuses to unlock."""

    def set_password(self, service: str, username: str, password: str) -> None:
        from keyring.errors import PasswordSetError

        raise PasswordSetError("the collection refused the item")


class FileKeyring(KeyringBackend):
    """Entries in the JSON file named by $ALEPH_TUI_TEST_KEYRING, shared by processes."""

    priority = 1

    @property
    def path(self) -> Path:
        return Path(os.environ[FILE_ENV])

    def _load(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        return data

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}/{username}"] = password
        self.path.write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("No such password!")
        self.path.write_text(json.dumps(data))


class StoreThenFailKeyring(MemoryKeyring):
    """Keeps the entry, then reports a failure, as when the D-Bus reply is lost."""

    def set_password(self, service: str, username: str, password: str) -> None:
        from keyring.errors import PasswordSetError

        super().set_password(service, username, password)
        raise PasswordSetError("no reply from the Secret Service")


class ReadFailingKeyring(MemoryKeyring):
    """Holds entries but refuses to hand them out, as a collection locked again does."""

    def get_password(self, service: str, username: str) -> str | None:
        from keyring.errors import KeyringLocked

        raise KeyringLocked("Failed to unlock the item!")
