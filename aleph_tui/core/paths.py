"""Where files live. Accounts and networks are the official aleph CLI's; the journal and
the app's own settings are aleph-tui's."""

from __future__ import annotations

import os
from pathlib import Path


def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable)
    return Path(value) if value else Path.home() / fallback


def aleph_config_dir() -> Path:
    """``$XDG_CONFIG_HOME/aleph``: the aleph CLI's accounts.toml, config.toml, keystores/."""
    return _xdg("XDG_CONFIG_HOME", ".config") / "aleph"


def accounts_manifest() -> Path:
    return aleph_config_dir() / "accounts.toml"


def networks_config() -> Path:
    return aleph_config_dir() / "config.toml"


def keystores_dir() -> Path:
    return aleph_config_dir() / "keystores"


def legacy_aleph_home() -> Path:
    """aleph-client's home: ``$ALEPH_CONFIG_HOME``, ``$XDG_DATA_HOME/.aleph-im`` or ~/.aleph-im."""
    if home := os.environ.get("ALEPH_CONFIG_HOME"):
        return Path(home)
    if data := os.environ.get("XDG_DATA_HOME"):
        return Path(data) / ".aleph-im"
    return Path.home() / ".aleph-im"


def app_config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config") / "aleph-tui"


def app_data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share") / "aleph-tui"
