"""One contract event's logs, read with chunked ``eth_getLogs`` and cached on disk.

The cache is a SQLite file (the caller picks it, e.g. under ``app_data_dir()/cache/``)
holding the logs of one ``(address, topic0)`` from ``start_block`` on, their blocks'
timestamps, the last block scanned and an *anchor*: the number and hash of a block
``reorg_margin`` blocks below it. ``sync`` checks the anchor's hash, drops everything after
it and reads only from there to the head, so a second open reads the new blocks and the
margin. A hash that no longer matches (a deep reorg, or a devnet started afresh with the
same addresses) drops the whole cache and scans again from ``start_block``.

Ranges are read ``chunk_blocks`` at a time (default 10 000). When the node refuses a range
("more than 10000 results", "block range too large", …) the chunk is halved and the range
retried; the smaller size is remembered for the next sync. An HTTP 403 to ``eth_getLogs``
(public nodes answer so to heavy log scans) is treated the same way, with a growing pause
between tries; if the node still refuses after ``FORBIDDEN_TRIES`` tries the scan stops
with a message that asks for another ``--rpc-url``. Every chunk is committed as it
is read, so an interrupted first scan (mainnet: ~170 chunks) resumes where it stopped.
Block timestamps are read in JSON-RPC batches.

JSON-RPC goes through the package's one client (core/chain/json_rpc.py), whose retries
(timeouts, dropped connections, 429, 5xx, malformed answers) are core/retry.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aleph_tui.core.chain.json_rpc import JsonRpcClient, RpcHttpStatus, RpcRefused
from aleph_tui.core.errors import ServiceError

DEFAULT_CHUNK_BLOCKS = 10_000
REORG_MARGIN_BLOCKS = 12
RPC_TIMEOUT_S = 30.0  # a wide eth_getLogs range takes a while on a public node
BLOCK_BATCH = 50
BATCHES_IN_FLIGHT = 4  # timestamp batches read concurrently
# An HTTP 403 to eth_getLogs: halve the range and pause (doubling from this) before
# trying again, at most this many times in a row.
FORBIDDEN_BACKOFF_S = 0.25
FORBIDDEN_TRIES = 5
SCHEMA_VERSION = "2"  # 2: topics stored space-separated, not as JSON

# How nodes say a range holds too much (geth, erigon, Infura, Alchemy, publicnode, …).
_TOO_MUCH = re.compile(
    r"too many|more than \d+ (results|logs)|result(s)? (set|limit)|response size|"
    r"(block )?range (is )?(too (large|big|wide)|exceed|limit)|exceed\w* .*range|"
    r"max(imum)? (block )?range|limit exceeded|query timeout|timed? ?out",
    re.IGNORECASE,
)
_TOO_MUCH_CODES = frozenset({-32005})

ScanProgress = Callable[[int, int, int], None]  # (scanned up to, from block, head)


class LogScanError(ServiceError):
    """The chain could not be read; the message says why, plainly."""


def range_too_large(exc: RpcRefused) -> bool:
    """Whether the node refused ``eth_getLogs`` for holding too much (halve the range)."""
    return exc.code in _TOO_MUCH_CODES or bool(_TOO_MUCH.search(exc.node_message))


@dataclass(frozen=True)
class CachedLog:
    block_number: int
    log_index: int
    tx_hash: str
    topics: tuple[str, ...]
    data: str  # 0x-prefixed hex
    timestamp: int | None  # of its block, Unix seconds


@dataclass(frozen=True)
class ScanStats:
    """What one ``sync`` read."""

    from_block: int  # first block read (the anchor + 1, or start_block)
    to_block: int  # last block read; the cache's last block now
    requests: int  # eth_getLogs calls, refused ones included
    logs_read: int  # logs read in [from_block, to_block] (the margin is read again)
    chunk_blocks: int  # the chunk size in use at the end (smaller if the node refused)
    reset: bool  # the cache was dropped first (new chain or deep reorg)
    seconds: float

    @property
    def blocks(self) -> int:
        return max(0, self.to_block - self.from_block + 1)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logs (
    block_number INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash TEXT NOT NULL,
    topics TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE TABLE IF NOT EXISTS blocks (
    number INTEGER PRIMARY KEY,
    hash TEXT,
    timestamp INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    name TEXT PRIMARY KEY,
    saved_at REAL NOT NULL,
    body TEXT NOT NULL
);
"""


def _quantity(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


class LogCache:
    """The cache file of one ``(address, topic0)`` from ``start_block``. Opening it with
    other parameters (or another schema) starts it afresh. Close it after use."""

    def __init__(
        self,
        path: Path,
        *,
        address: str,
        topic0: str,
        start_block: int,
        topics: tuple[str | None, ...] = (),
    ) -> None:
        self.path = path
        self.address = address.lower()
        self.topic0 = topic0.lower()
        # Filters on the indexed topics after topic0 (None: any), e.g. one sender's
        # Transfers to one recipient; part of the cache's identity.
        self.topics = tuple(None if t is None else t.lower() for t in topics)
        self.start_block = max(0, start_block)
        from aleph_tui.core.paths import private_file

        private_file(path)  # 0600 before SQLite opens it: its -wal and -shm follow its mode
        self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        identity = {
            "schema": SCHEMA_VERSION,
            "address": self.address,
            "topic0": self.topic0,
            "start_block": str(self.start_block),
        }
        if self.topics:  # absent for a topic0-only cache, so those keep their identity
            identity["topics"] = " ".join(t or "*" for t in self.topics)
        if {k: self._meta(k) for k in identity} != identity:
            with self._transaction():
                self._clear()
                self._db.execute("DELETE FROM documents")
                for key, value in identity.items():
                    self._set_meta(key, value)

    def close(self) -> None:
        self._db.close()

    # --- storage ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self._db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def _clear(self) -> None:
        self._db.execute("DELETE FROM logs")
        self._db.execute("DELETE FROM blocks")
        for key in ("last_block", "anchor_block", "anchor_hash", "scanned_at"):
            self._set_meta(key, None)

    def _truncate_after(self, block: int) -> None:
        self._db.execute("DELETE FROM logs WHERE block_number > ?", (block,))
        self._db.execute("DELETE FROM blocks WHERE number > ?", (block,))

    @property
    def last_block(self) -> int | None:
        """The last block scanned, or None before the first scan."""
        value = self._meta("last_block")
        return None if value is None else int(value)

    @property
    def scanned_at(self) -> float | None:
        """When the last scan ended (Unix seconds)."""
        value = self._meta("scanned_at")
        return None if value is None else float(value)

    @property
    def anchor(self) -> tuple[int, str] | None:
        number, block_hash = self._meta("anchor_block"), self._meta("anchor_hash")
        return None if number is None or block_hash is None else (int(number), block_hash)

    def logs(self) -> list[CachedLog]:
        rows = self._db.execute(
            "SELECT l.block_number, l.log_index, l.tx_hash, l.topics, l.data, b.timestamp "
            "FROM logs l LEFT JOIN blocks b ON b.number = l.block_number "
            "ORDER BY l.block_number, l.log_index"
        ).fetchall()
        return [
            CachedLog(int(n), int(i), str(tx), tuple(topics.split()), str(data), ts)
            for n, i, tx, topics, data, ts in rows
        ]

    def document(self, name: str) -> tuple[Any, float] | None:
        """A JSON document saved with ``put_document`` and when it was saved."""
        row = self._db.execute(
            "SELECT body, saved_at FROM documents WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else (json.loads(row[0]), float(row[1]))

    def put_document(self, name: str, body: Any) -> None:
        """Keep a JSON document next to the logs (it goes when the cache is reset)."""
        self._db.execute(
            "INSERT OR REPLACE INTO documents (name, saved_at, body) VALUES (?, ?, ?)",
            (name, time.time(), json.dumps(body)),
        )

    def _store(self, logs: list[CachedLog], hashes: dict[int, str | None], last: int) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO logs VALUES (?, ?, ?, ?, ?)",
                [
                    (g.block_number, g.log_index, g.tx_hash, " ".join(g.topics), g.data)
                    for g in logs
                ],
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO blocks VALUES (?, ?, ?)",
                [(g.block_number, hashes.get(g.block_number), g.timestamp) for g in logs],
            )
            self._set_meta("last_block", str(last))

    # --- scanning ---------------------------------------------------------------------

    async def sync(
        self,
        rpc: JsonRpcClient,
        *,
        chunk_blocks: int = DEFAULT_CHUNK_BLOCKS,
        reorg_margin: int = REORG_MARGIN_BLOCKS,
        head_lag: int = 0,
        progress: ScanProgress | None = None,
    ) -> ScanStats:
        """Read the blocks since the last sync (and the reorg margin) up to the head minus
        ``head_lag``; raises LogScanError, leaving what was read so far committed."""
        if chunk_blocks < 1:
            raise ValueError("chunk_blocks must be at least 1")
        started = time.monotonic()
        head = _quantity(await rpc.call("eth_blockNumber")) - max(0, head_lag)
        from_block, reset = await self._resume_point(rpc, reorg_margin)
        learned = self._meta("chunk_blocks")
        size = min(chunk_blocks, int(learned)) if learned else chunk_blocks
        requests = logs_read = forbidden = 0
        cursor = from_block
        while cursor <= head:
            end = min(head, cursor + size - 1)
            requests += 1
            try:
                raw = await rpc.call(
                    "eth_getLogs",
                    {
                        "address": self.address,
                        "topics": [self.topic0, *self.topics],
                        "fromBlock": hex(cursor),
                        "toBlock": hex(end),
                    },
                )
            except RpcRefused as exc:
                if range_too_large(exc) and end > cursor:
                    size = max(1, (end - cursor + 1) // 2)
                    self._set_meta("chunk_blocks", str(size))
                    continue
                raise
            except RpcHttpStatus as exc:
                if exc.status != 403:
                    raise
                forbidden += 1
                if forbidden >= FORBIDDEN_TRIES:
                    raise LogScanError(
                        f"the RPC node at {rpc.url} refuses eth_getLogs (HTTP 403, {forbidden} "
                        f"tries, down to {end - cursor + 1} blocks a request): public nodes "
                        "limit heavy log scans; pass --rpc-url with a node that serves them "
                        "(your own, or a provider's endpoint with a key)"
                    ) from None
                size = max(1, (end - cursor + 1) // 2)
                self._set_meta("chunk_blocks", str(size))
                await asyncio.sleep(FORBIDDEN_BACKOFF_S * 2 ** (forbidden - 1))
                continue
            forbidden = 0
            logs, hashes = await self._with_timestamps(rpc, raw or [])
            self._store(logs, hashes, end)
            logs_read += len(logs)
            cursor = end + 1
            if progress is not None:
                progress(end, from_block, head)
        last = max(from_block - 1, head)
        await self._set_anchor(rpc, last, reorg_margin)
        return ScanStats(
            from_block=from_block,
            to_block=last,
            requests=requests,
            logs_read=logs_read,
            chunk_blocks=size,
            reset=reset,
            seconds=time.monotonic() - started,
        )

    async def _resume_point(self, rpc: JsonRpcClient, reorg_margin: int) -> tuple[int, bool]:
        """The first block to read, and whether the cache was reset; drops what follows."""
        last = self.last_block
        if last is None:
            return self.start_block, False
        anchor = self.anchor
        if anchor is None:
            # An interrupted scan: no anchor yet, re-read the margin without checking.
            resume = max(self.start_block, last - reorg_margin + 1)
        else:
            number, expected = anchor
            block = await rpc.call("eth_getBlockByNumber", hex(number), False)
            if not isinstance(block, dict) or str(block.get("hash", "")).lower() != expected:
                with self._transaction():
                    self._clear()
                return self.start_block, True
            resume = number + 1
        with self._transaction():
            self._truncate_after(resume - 1)
            self._set_meta("last_block", str(resume - 1))
        return resume, False

    async def _set_anchor(self, rpc: JsonRpcClient, last: int, reorg_margin: int) -> None:
        number = max(self.start_block - 1, last - max(0, reorg_margin))
        block = await rpc.call("eth_getBlockByNumber", hex(number), False) if number >= 0 else None
        with self._transaction():
            self._set_meta("last_block", str(last))
            self._set_meta("scanned_at", str(time.time()))
            if isinstance(block, dict) and block.get("hash"):
                self._set_meta("anchor_block", str(number))
                self._set_meta("anchor_hash", str(block["hash"]).lower())
            else:
                self._set_meta("anchor_block", None)
                self._set_meta("anchor_hash", None)

    async def _with_timestamps(
        self, rpc: JsonRpcClient, raw: list[dict[str, Any]]
    ) -> tuple[list[CachedLog], dict[int, str | None]]:
        numbers = sorted({_quantity(entry["blockNumber"]) for entry in raw})
        timestamps: dict[int, int] = {}
        for offset in range(0, len(numbers), 500):  # SQLite's parameter limit
            chunk = numbers[offset : offset + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT number, timestamp FROM blocks WHERE number IN ({marks})", chunk
            ).fetchall()
            timestamps.update((int(n), int(t)) for n, t in rows)
        hashes: dict[int, str | None] = {}
        missing = [n for n in numbers if n not in timestamps]
        chunks = [missing[i : i + BLOCK_BATCH] for i in range(0, len(missing), BLOCK_BATCH)]
        gate = asyncio.Semaphore(BATCHES_IN_FLIGHT)

        async def read(chunk: list[int]) -> list[Any]:
            async with gate:
                return await rpc.batch("eth_getBlockByNumber", [(hex(n), False) for n in chunk])

        answers = await asyncio.gather(*(read(chunk) for chunk in chunks))
        for chunk, blocks in zip(chunks, answers, strict=True):
            for number, block in zip(chunk, blocks, strict=True):
                if not isinstance(block, dict):
                    raise LogScanError(f"the RPC node does not know block {number}")
                timestamps[number] = _quantity(block["timestamp"])
                hashes[number] = str(block.get("hash") or "").lower() or None
        logs = [
            CachedLog(
                block_number=_quantity(entry["blockNumber"]),
                log_index=_quantity(entry["logIndex"]),
                tx_hash=str(entry["transactionHash"]).lower(),
                topics=tuple(str(t).lower() for t in entry.get("topics") or ()),
                data=str(entry.get("data") or "0x").lower(),
                timestamp=timestamps.get(_quantity(entry["blockNumber"])),
            )
            for entry in raw
            if not entry.get("removed")
        ]
        return logs, hashes
