"""The devnet's SQLite database: messages, aggregates, credit history and lots.

Timestamps are stored as float Unix seconds (UTC). One connection is shared by the
devnet's event loop; every write happens inside ``transaction()``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    item_hash TEXT PRIMARY KEY,
    sender TEXT NOT NULL,
    chain TEXT NOT NULL,
    type TEXT NOT NULL,
    channel TEXT,
    time REAL NOT NULL,
    raw TEXT NOT NULL,
    content TEXT,
    status TEXT NOT NULL,
    error_code INTEGER,
    details TEXT,
    reception_time REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS aggregates (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    content TEXT NOT NULL,
    time REAL NOT NULL,
    PRIMARY KEY (owner, key)
);
-- Each revision of an aggregate (pyaleph's aggregate_elements): the aggregate is their
-- contents merged in time order, whatever order they arrived in. item_hash is NULL for
-- what the seed wrote.
CREATE TABLE IF NOT EXISTS aggregate_elements (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    time REAL NOT NULL,
    item_hash TEXT,
    content TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS aggregate_elements_key ON aggregate_elements (owner, key, time);
CREATE TABLE IF NOT EXISTS credit_history (
    address TEXT NOT NULL,
    amount INTEGER NOT NULL,
    credit_ref TEXT NOT NULL,
    credit_index INTEGER NOT NULL,
    message_timestamp REAL NOT NULL,
    price TEXT,
    bonus_amount INTEGER,
    tx_hash TEXT,
    expiration_date REAL,
    token TEXT,
    chain TEXT,
    origin TEXT,
    provider TEXT,
    origin_ref TEXT,
    payment_method TEXT,
    expense_count INTEGER,
    expense_size_mib TEXT,
    PRIMARY KEY (credit_ref, credit_index)
);
-- The full default order (time, then the credit_ref/credit_index tie-break), so a page
-- deep into a long history walks the index instead of sorting every row of the address.
CREATE INDEX IF NOT EXISTS credit_history_address_order
    ON credit_history (address, message_timestamp, credit_ref, credit_index);
CREATE TABLE IF NOT EXISTS credit_lots (
    address TEXT NOT NULL,
    credit_ref TEXT NOT NULL,
    credit_index INTEGER NOT NULL,
    amount_remaining INTEGER NOT NULL,
    expiration_date REAL,
    message_timestamp REAL NOT NULL,
    PRIMARY KEY (address, credit_ref, credit_index)
);
CREATE TABLE IF NOT EXISTS payments (
    id TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    chain TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    in_amount TEXT NOT NULL,
    in_currency TEXT NOT NULL,
    credit_amount INTEGER NOT NULL,
    credit_bonus_amount INTEGER NOT NULL,
    price_usd TEXT NOT NULL,
    tx_hash TEXT,
    item_hash TEXT,
    block_number INTEGER,
    log_index INTEGER
);
CREATE INDEX IF NOT EXISTS payments_address ON payments (address, created_at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def close(self) -> None:
        self.db.close()
