"""A keyring that lives only in this process, for ``--devnet``'s throwaway accounts."""

from __future__ import annotations

from typing import Any

import keyring
from keyring.backend import KeyringBackend


class SessionKeyring(KeyringBackend):
    priority: Any = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self._items.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")


def use_session_keyring() -> None:
    keyring.set_keyring(SessionKeyring())
