"""One round trip through a real Secret Service, the keyring the aleph CLI uses on Linux.

CI runs the suite under ``dbus-run-session`` with gnome-keyring unlocked (.ci/run), so
there a missing service is a failure; elsewhere the test is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

from aleph_tui.core.accounts.account_store import AccountStore, KeyringUnavailableError
from aleph_tui.core.accounts.key_storage import KEYRING_SERVICE
from aleph_tui.core.accounts.signer import Signer

HOW = "run under dbus-run-session with gnome-keyring unlocked, as .ci/run does"


def unavailable(reason: str) -> None:
    message = f"no usable Secret Service: {reason}; {HOW}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def secret_service() -> Iterator[Any]:
    from keyring.backends import SecretService

    problem = None
    try:
        SecretService.Keyring.priority  # noqa: B018 (raises when no service is reachable)
    except Exception as exc:
        problem = f"{type(exc).__name__}: {exc}"
    if problem:
        unavailable(problem)
    backend = SecretService.Keyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


async def test_an_account_round_trips_through_the_secret_service(
    secret_service: Any, tmp_path: Path
) -> None:
    name = f"aleph-tui-test-{uuid.uuid4().hex[:12]}"
    store = AccountStore(tmp_path / "accounts.toml", prompt=None)
    try:
        try:
            account = await store.create(name)
        except KeyringUnavailableError as exc:
            problem = str(exc)
        else:
            problem = ""
        if problem:
            unavailable(problem)
        secret = secret_service.get_password(KEYRING_SERVICE, name)
        assert len(secret) == 64 and Signer(secret).address == account.address
        if shutil.which("secret-tool"):  # found by service and username, as the aleph CLI does
            lookup = await asyncio.to_thread(
                subprocess.run,
                ["secret-tool", "lookup", "service", KEYRING_SERVICE, "username", name],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            )
            assert lookup.stdout.strip() == secret
        assert (await store.load_signer(name)).address == account.address

        await store.remove(name)
        assert secret_service.get_password(KEYRING_SERVICE, name) is None
        assert store.accounts() == []
    finally:
        with contextlib.suppress(Exception):
            secret_service.delete_password(KEYRING_SERVICE, name)
