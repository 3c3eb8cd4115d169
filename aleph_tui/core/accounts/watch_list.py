"""Watch-only accounts: named addresses aleph-tui follows without a key.

They live in aleph-tui's own ``watched.toml`` in its config directory (0600, replaced
atomically), never in the aleph CLI's ``accounts.toml``, whose schema has no such kind:

    [[watched]]
    name = "treasury"
    address = "0x…"

Names are shared with the CLI's accounts and aliases: ``AccountStore`` checks that.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from aleph_tui.core import paths, validation
from aleph_tui.core.accounts.key_storage import atomic_write
from aleph_tui.core.errors import ServiceError

WATCH_FILE = "watched.toml"
WATCH_KIND = "watch"
# Hundreds of entries are some tens of kilobytes: anything larger is not this file.
MAX_WATCH_FILE_BYTES = 1024 * 1024
HEADER = (
    "# aleph-tui's watch-only accounts: addresses followed without a key.\n"
    "# Edit with `aleph-tui account watch NAME ADDRESS` / `aleph-tui account unwatch NAME`.\n"
)


class WatchListError(ServiceError):
    """The file cannot be read or written; phrased for the user."""


@dataclass(frozen=True)
class Watched:
    name: str
    address: str


def default_path() -> Path:
    return paths.app_config_dir() / WATCH_FILE


class WatchList:
    """The file, read on every call (small), so another process's changes are seen."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def entries(self) -> list[Watched]:
        try:
            with self.path.open("rb") as handle:
                raw = handle.read(MAX_WATCH_FILE_BYTES + 1)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise WatchListError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        if len(raw) > MAX_WATCH_FILE_BYTES:
            raise WatchListError(f"{self.path} is larger than 1 MB; nothing was read")
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise WatchListError(f"failed to parse {self.path}: {exc}") from None
        entries = data.get("watched", [])
        if not isinstance(entries, list):
            raise WatchListError(f"{self.path}: 'watched' must be an array of tables")
        found: list[Watched] = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not all(
                isinstance(entry.get(field), str) for field in ("name", "address")
            ):
                raise WatchListError(
                    f"{self.path}: watched[{index}] needs a string name and address"
                )
            try:  # a hand-edited entry is checked as a typed one would be
                name = validation.name(entry["name"], field=f"watched[{index}].name")
                address = validation.address(entry["address"], field=f"watched[{index}].address")
            except validation.InvalidInput as exc:
                raise WatchListError(f"{self.path}: {exc}") from None
            found.append(Watched(name, address))
        return found

    def find(self, name: str) -> Watched | None:
        return next((w for w in self.entries() if w.name == name), None)

    def add(self, watched: Watched) -> None:
        """Append ``watched`` (name and address already validated by the caller)."""
        self._write([*self.entries(), watched])

    def remove(self, name: str) -> bool:
        """Drop ``name``; False when it was not there (nothing written)."""
        entries = self.entries()
        kept = [w for w in entries if w.name != name]
        if len(kept) == len(entries):
            return False
        self._write(kept)
        return True

    def _write(self, entries: list[Watched]) -> None:
        # Names are letters, digits, '-' and '_' and addresses hex (validation.py): a
        # basic TOML string needs no escaping for them.
        blocks = [f'[[watched]]\nname = "{w.name}"\naddress = "{w.address}"\n' for w in entries]
        text = HEADER + "".join("\n" + block for block in blocks)
        try:
            atomic_write(self.path, text)
        except OSError as exc:
            raise WatchListError(f"cannot write {self.path}: {exc.strerror or exc}") from None
