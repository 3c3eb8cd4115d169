"""Where files live, and how they are made. Accounts and networks are the official aleph
CLI's; the journal and the app's own settings are aleph-tui's.

Every directory aleph-tui creates is 0700 and every file it writes 0600
(``private_dir``, ``open_private``): they hold keys, addresses and what was paid. A
directory that exists already (a downloads folder an export goes to) keeps its mode.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from platformdirs.api import PlatformDirsABC

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

# The official aleph CLI (aleph-rs) keeps accounts.toml, config.toml and keystores/ in
# the `directories` crate's ProjectDirs::from("", "", "aleph").config_dir(): on Linux
# $XDG_CONFIG_HOME/aleph (~/.config/aleph), on macOS ~/Library/Application Support/aleph,
# on Windows %APPDATA%\aleph\config. platformdirs gives the same places (on Windows the
# crate adds a "config" leaf). One difference: platformdirs honours XDG_* on macOS too,
# the crate does not, so a Mac with XDG_CONFIG_HOME set must point both the same way.
ALEPH_CLI = "aleph"
APP = "aleph-tui"

# ``aleph-tui --devnet``'s throwaway directory while its session runs (session_home):
# every per-user file the app reads or writes is then under it, not the user's own.
_session_home: Path | None = None


@contextlib.contextmanager
def session_home(home: Path) -> Iterator[Path]:
    """Put every per-user file under ``home`` while the block runs: the aleph CLI's
    accounts, networks and keystores, aleph-client's home, aleph-tui's settings,
    thresholds, watch list, journal and caches. The logs (app_state_dir) and exports
    (export_dir) stay the user's: they are written for the user to read after."""
    global _session_home
    saved, _session_home = _session_home, home
    try:
        yield home
    finally:
        _session_home = saved


def _in_session(leaf: str, platform: str | None) -> Path | None:
    return _session_home / leaf if _session_home is not None and platform is None else None


def _platform_dirs(appname: str, platform: str | None = None) -> PlatformDirsABC:
    """platformdirs' directories of ``appname`` on ``platform`` (this one by default)."""
    platform = platform or sys.platform
    if platform == "darwin":
        from platformdirs.macos import MacOS

        return MacOS(appname)
    if platform == "win32":
        from platformdirs.windows import Windows

        return Windows(appname, appauthor=False, roaming=True)
    from platformdirs.unix import Unix

    return Unix(appname)


def aleph_config_dir(platform: str | None = None) -> Path:
    """The aleph CLI's directory: accounts.toml, config.toml, keystores/ (see ALEPH_CLI)."""
    if session := _in_session(ALEPH_CLI, platform):
        return session
    directory = _platform_dirs(ALEPH_CLI, platform).user_config_path
    return directory / "config" if (platform or sys.platform) == "win32" else directory


def accounts_manifest() -> Path:
    return aleph_config_dir() / "accounts.toml"


def networks_config() -> Path:
    return aleph_config_dir() / "config.toml"


def keystores_dir() -> Path:
    return aleph_config_dir() / "keystores"


def legacy_aleph_home() -> Path:
    """aleph-client's home: ``$ALEPH_CONFIG_HOME``, ``$XDG_DATA_HOME/.aleph-im`` or ~/.aleph-im."""
    if session := _in_session("aleph-client", None):
        return session
    if home := os.environ.get("ALEPH_CONFIG_HOME"):
        return Path(home)
    if data := os.environ.get("XDG_DATA_HOME"):
        return Path(data) / ".aleph-im"
    return Path.home() / ".aleph-im"


def app_config_dir(platform: str | None = None, *, the_users: bool = False) -> Path:
    """aleph-tui's settings: ``$XDG_CONFIG_HOME/aleph-tui`` on Linux; in a ``--devnet``
    session its throwaway copy, unless ``the_users`` (where a user edits them for good)."""
    if not the_users and (session := _in_session("config", platform)):
        return session
    return _platform_dirs(APP, platform).user_config_path


def app_data_dir(platform: str | None = None) -> Path:
    """aleph-tui's journal and caches: ``$XDG_DATA_HOME/aleph-tui`` on Linux."""
    if session := _in_session("data", platform):
        return session
    return _platform_dirs(APP, platform).user_data_path


def app_state_dir(platform: str | None = None) -> Path:
    """aleph-tui's logs: ``$XDG_STATE_HOME/aleph-tui`` (~/.local/state/aleph-tui) on Linux."""
    return _platform_dirs(APP, platform).user_state_path


def export_dir(platform: str | None = None) -> Path:
    """Where an export goes unless the user says otherwise: the user's download directory
    (platformdirs: XDG_DOWNLOAD_DIR from user-dirs.dirs on Linux, else ~/Downloads), or
    the current directory when there is none (a server): the default is always usable."""
    downloads = _platform_dirs(APP, platform).user_downloads_path
    return downloads if downloads.is_dir() else Path.cwd()


def devnet_log() -> Path:
    """Where the dashboard's embedded devnet logs (``aleph-tui --devnet``)."""
    return app_state_dir() / "devnet.log"


# Before platformdirs, aleph-tui made the XDG paths by hand on every system, so on macOS
# and Windows its files sit there: (old directory under the home, where it goes now).
def _old_places(platform: str) -> list[tuple[Path, Path]]:
    home = Path.home()
    return [
        (home / ".config" / ALEPH_CLI, aleph_config_dir(platform)),
        (home / ".config" / APP, app_config_dir(platform)),
        (home / ".local" / "share" / APP, app_data_dir(platform)),
        (home / ".local" / "state" / APP, app_state_dir(platform)),
    ]


_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def _group(name: str) -> str:
    """A SQLite database and its -wal/-shm files move together, or not at all."""
    for suffix in _SQLITE_COMPANIONS:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def migrate_old_places(platform: str | None = None) -> list[str]:
    """Move aleph-tui's files from the hand-made XDG paths of earlier versions to this
    system's places (macOS and Windows; on Linux nothing moved). A file whose name is
    taken at the new place stays where it is, never overwritten: nothing is lost. Returns
    one line per thing moved or left, for the user."""
    import shutil

    platform = platform or sys.platform
    if platform not in ("darwin", "win32"):
        return []
    notes: list[str] = []
    for old, new in _old_places(platform):
        if old == new or not old.is_dir():
            continue
        groups: dict[str, list[Path]] = {}
        for entry in sorted(old.iterdir()):
            groups.setdefault(_group(entry.name), []).append(entry)
        for entries in groups.values():
            taken = [e.name for e in entries if (new / e.name).exists()]
            if taken:
                notes.append(f"{old / entries[0].name} left in place: {new / taken[0]} exists")
                continue
            private_dir(new)
            for entry in entries:
                shutil.move(entry, new / entry.name)
            notes.append(f"moved {old / entries[0].name} to {new / entries[0].name}")
        with contextlib.suppress(OSError):
            old.rmdir()  # only when emptied
    return notes


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
