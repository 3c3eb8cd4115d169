"""SQLite journal of the embedded chain's blocks, replayed to rebuild it on restart.

Every block after genesis is made by one journal entry:

- ``tx``: ``payload`` is the raw signed transaction (eth_sendRawTransaction);
- ``set_balance``: ``payload`` is the 20-byte address + the 32-byte big-endian balance;
- ``mine``: an empty block (evm_mine); ``payload`` is empty.

Replay re-executes the entries and re-mines the blocks. The recorded timestamps and
a deterministic prevrandao are reused, so blocks normally come out identical (same
hashes); balances, contracts, addresses and logs are the same in any case. Only
if py-evm changed would re-mined blocks differ (e.g. their hashes).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

JOURNAL_FILE_NAME = "embedded-chain.sqlite"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
    number INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    payload BLOB NOT NULL
);
"""


@dataclass(frozen=True)
class JournalEntry:
    block_number: int
    kind: str  # "tx" | "set_balance" | "mine"
    timestamp: int
    payload: bytes


class ChainJournal:
    """One SQLite file; use it from a single thread (the chain's worker)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None)  # autocommit
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def in_dir(cls, state_dir: Path) -> ChainJournal:
        return cls(state_dir / JOURNAL_FILE_NAME)

    def meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, values: dict[str, str]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", values.items()
        )

    def entries(self) -> list[JournalEntry]:
        rows = self._db.execute(
            "SELECT number, kind, timestamp, payload FROM blocks ORDER BY number"
        ).fetchall()
        return [JournalEntry(n, kind, ts, bytes(payload)) for n, kind, ts, payload in rows]

    def append(self, entry: JournalEntry) -> None:
        # REPLACE: a block number re-used after evm_revert overwrites the old entry.
        self._db.execute(
            "INSERT OR REPLACE INTO blocks (number, kind, timestamp, payload) VALUES (?, ?, ?, ?)",
            (entry.block_number, entry.kind, entry.timestamp, entry.payload),
        )

    def truncate_after(self, block_number: int) -> None:
        self._db.execute("DELETE FROM blocks WHERE number > ?", (block_number,))

    def close(self) -> None:
        self._db.close()
