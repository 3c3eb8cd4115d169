"""The one isolation of an in-process test from the developer's machine: every XDG
directory and the aleph-client home under the test's own directory, the session keyring,
fast keystores, no inherited password or theme. So no developer's
config.toml, themes, accounts or keys decide a test.

Use the ``isolated_config`` fixture (registered in tests/conftest.py), or, where a test
needs its own home, ``with isolated(home, monkeypatch): ...``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from aleph_tui.core.accounts.session_keyring import use_session_keyring

# Variables that would let the developer's environment into a test.
INHERITED = ("ALEPH_PASSWORD", "ALEPH_PRIVATE_KEY", "TEXTUAL_THEME")


def isolated_env(home: Path) -> dict[str, str]:
    """The variables that put every directory the app reads or writes under ``home``."""
    return {
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "ALEPH_CONFIG_HOME": str(home / "aleph-client"),
        # scrypt is the keystores' default; pbkdf2 is as safe here and far faster.
        "ALEPH_TUI_KDF": "pbkdf2",
    }


@contextlib.contextmanager
def isolated(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Isolate the test under ``home``; yields aleph-tui's config directory there."""
    for variable, value in isolated_env(home).items():
        monkeypatch.setenv(variable, value)
    for variable in INHERITED:
        monkeypatch.delenv(variable, raising=False)
    previous = keyring.get_keyring()
    use_session_keyring()
    try:
        yield home / "config" / "aleph-tui"
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(name="isolated_config")
def isolated_config_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The test isolated under tmp_path; aleph-tui's config directory there."""
    with isolated(tmp_path, monkeypatch) as config:
        yield config


@pytest.fixture(name="home")
def home_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The test isolated under tmp_path, which it yields: the home of its store, journal
    and devnet session. A module that needs more (short timeouts) overrides ``home`` and
    asks for this one."""
    with isolated(tmp_path, monkeypatch):
        yield tmp_path
