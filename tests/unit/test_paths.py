"""Where files live: on Linux the XDG places aleph-tui always used; on macOS and Windows
the official aleph CLI's (the ``directories`` crate's ProjectDirs::from("", "", "aleph"))
for the accounts, and files of earlier versions moved there, never lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from aleph_tui.core import paths

XDG = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in XDG:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_linux_keeps_the_xdg_places(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.aleph_config_dir("linux") == home / ".config" / "aleph"
    assert paths.app_config_dir("linux") == home / ".config" / "aleph-tui"
    assert paths.app_data_dir("linux") == home / ".local" / "share" / "aleph-tui"
    assert paths.app_state_dir("linux") == home / ".local" / "state" / "aleph-tui"
    for name, where in zip(XDG, ("c", "d", "s"), strict=True):
        monkeypatch.setenv(name, str(home / where))
    assert paths.accounts_manifest() == home / "c" / "aleph" / "accounts.toml"
    assert paths.app_config_dir("linux") == home / "c" / "aleph-tui"
    assert paths.app_data_dir("linux") == home / "d" / "aleph-tui"
    assert paths.debug_log() == home / "s" / "aleph-tui" / "debug.log"
    assert paths.migrate_old_places("linux") == []


def test_macos_shares_the_rust_clis_accounts(home: Path) -> None:
    # directories' mac.rs: config_dir = ~/Library/Application Support/<bundle id>, and
    # the bundle id of ("", "", "aleph") is "aleph".
    support = home / "Library" / "Application Support"
    assert paths.aleph_config_dir("darwin") == support / "aleph"
    assert paths.app_config_dir("darwin") == support / "aleph-tui"
    assert paths.app_data_dir("darwin") == support / "aleph-tui"


def test_windows_shares_the_rust_clis_accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    # directories' win.rs: config_dir = {FOLDERID_RoamingAppData}\\aleph\\config.
    monkeypatch.setenv("WIN_PD_OVERRIDE_APPDATA", "C:\\Users\\u\\AppData\\Roaming")
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", "C:\\Users\\u\\AppData\\Local")
    config = paths.aleph_config_dir("win32")
    assert config.parts[-2:] == ("aleph", "config")
    assert str(config).replace("/", "\\") == r"C:\Users\u\AppData\Roaming\aleph\config"


def test_files_of_earlier_versions_move_on_macos_and_none_is_lost(home: Path) -> None:
    old_config, old_data = home / ".config" / "aleph-tui", home / ".local" / "share" / "aleph-tui"
    old_accounts = home / ".config" / "aleph"
    for path, text in [
        (old_config / "thresholds.toml", "thresholds"),
        (old_data / "journal.sqlite3", "journal"),
        (old_data / "journal.sqlite3-wal", "wal"),
        (old_accounts / "accounts.toml", "ours"),
        (old_accounts / "keystores" / "a.json", "keystore"),
    ]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    # The Rust CLI already has a manifest at the new place: it is never overwritten.
    rust = home / "Library" / "Application Support" / "aleph"
    rust.mkdir(parents=True)
    (rust / "accounts.toml").write_text("theirs")

    notes = paths.migrate_old_places("darwin")

    new = home / "Library" / "Application Support" / "aleph-tui"
    assert (new / "thresholds.toml").read_text() == "thresholds"
    assert (new / "journal.sqlite3").read_text() == "journal"
    assert (new / "journal.sqlite3-wal").read_text() == "wal"
    assert (rust / "keystores" / "a.json").read_text() == "keystore"
    assert (rust / "accounts.toml").read_text() == "theirs"
    assert (old_accounts / "accounts.toml").read_text() == "ours"  # left, not lost
    assert any("left in place" in note and "accounts.toml" in note for note in notes)
    assert not old_config.exists() and not old_data.exists()
    # Run again (every start): nothing more moves, the clash is named again.
    again = paths.migrate_old_places("darwin")
    assert again and all("left in place" in note for note in again)


def test_a_database_is_never_split_from_its_wal(home: Path) -> None:
    old = home / ".local" / "share" / "aleph-tui"
    old.mkdir(parents=True)
    (old / "journal.sqlite3").write_text("old")
    (old / "journal.sqlite3-wal").write_text("old wal")
    new = home / "Library" / "Application Support" / "aleph-tui"
    new.mkdir(parents=True)
    (new / "journal.sqlite3").write_text("new")

    paths.migrate_old_places("darwin")

    assert not (new / "journal.sqlite3-wal").exists()
    assert (old / "journal.sqlite3-wal").read_text() == "old wal"


def test_exports_go_to_the_download_directory_or_else_here(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The download directory when the user has one (xdg-user-dirs' name for it, else
    ~/Downloads); on a machine without one, the current directory: the default an export
    dialog offers is always one it can write to."""
    work = home / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert paths.export_dir("linux") == work  # no ~/Downloads
    (home / "Downloads").mkdir()
    assert paths.export_dir("linux") == home / "Downloads"
    named = home / "Téléchargements"
    named.mkdir()
    (home / ".config").mkdir()
    (home / ".config" / "user-dirs.dirs").write_text(f'XDG_DOWNLOAD_DIR="{named}"\n')
    assert paths.export_dir("linux") == named
