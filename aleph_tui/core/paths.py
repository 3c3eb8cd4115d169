"""Where files live, and how they are made. Accounts and networks are the official aleph
CLI's; the journal and the app's own settings are aleph-tui's.

Every directory aleph-tui creates is 0700 and every file it writes 0600
(``private_dir``, ``open_private``): they hold keys, addresses and what was paid. A
directory that exists already (a downloads folder an export goes to) keeps its mode.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Literal

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


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


def app_state_dir() -> Path:
    """``$XDG_STATE_HOME/aleph-tui`` (~/.local/state/aleph-tui): logs."""
    return _xdg("XDG_STATE_HOME", ".local/state") / "aleph-tui"


def devnet_log() -> Path:
    """Where the dashboard's embedded devnet logs (``aleph-tui --devnet``)."""
    return app_state_dir() / "devnet.log"


def debug_log() -> Path:
    """Where ``aleph-tui --debug`` (or ``ALEPH_TUI_DEBUG=1``) logs."""
    return app_state_dir() / "debug.log"


def private_dir(path: Path) -> Path:
    """``path`` as a directory: each missing one (parents too) made 0700, whatever the
    umask; one that exists keeps its mode."""
    missing: list[Path] = []
    current = path
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            if directory.is_dir():
                continue  # made meanwhile by someone else: theirs, left as it is
            raise
        directory.chmod(PRIVATE_DIR_MODE)  # mkdir's mode is masked by the umask
    return path


def open_private(
    path: Path, mode: Literal["w", "a", "x"] = "w", *, newline: str | None = None
) -> IO[str]:
    """``path`` opened for writing text (UTF-8) as a 0600 file, its directory made by
    ``private_dir``. "w" truncates, "a" appends, "x" refuses an existing file. A file of
    ours that exists is set back to 0600."""
    flags = os.O_WRONLY | os.O_CREAT | {"w": os.O_TRUNC, "a": os.O_APPEND, "x": os.O_EXCL}[mode]
    private_dir(path.parent)
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
        return os.fdopen(fd, mode if mode != "x" else "w", encoding="utf-8", newline=newline)
    except BaseException:
        os.close(fd)
        raise


def private_file(path: Path) -> Path:
    """``path`` created empty as a 0600 file if missing (e.g. before SQLite opens it, so
    its -wal and -shm files take the same mode), else set to 0600."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)
    return path
