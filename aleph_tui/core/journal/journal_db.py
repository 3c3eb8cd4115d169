"""The journal's SQLite file: opened in WAL mode with full fsync, its schema, and what is
done with a file that fails ``PRAGMA integrity_check`` (or is no database at all): it is
moved aside with its WAL, never deleted, and every record that can still be read from it
is salvaged, first through SQLite row by row, then by a scan of its raw bytes for the
states' JSON (the pages SQLite cannot walk any more often still hold them).

Tables:

- ``steps``: one row per recorded step, never updated or deleted; an operation's state is
  its row with the highest ``seq``. ``state`` is the operation as JSON.
- ``dismissals``: the operations the user dismissed, and when.
- ``claims``: which process follows which operation, until when (its lease).
- ``notices``: what the user must be told once (a migration's skipped lines, a damaged
  file moved aside), whichever process found it.
- ``meta``: the schema version and the legacy files already migrated.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA_VERSION = "1"
BUSY_TIMEOUT_MS = 30_000  # writers queue behind each other; none is refused
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26

SCHEMA = """
CREATE TABLE IF NOT EXISTS steps (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id TEXT NOT NULL,
    network TEXT NOT NULL,
    status TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS steps_by_op ON steps (op_id, seq);
CREATE TABLE IF NOT EXISTS dismissals (op_id TEXT PRIMARY KEY, dismissed_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS claims (
    op_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    shown INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# A stored state starts with its kind (``state_json`` writes the fields in this order).
_STATE_START = re.compile(rb'\{"kind":"')


class CorruptJournal(Exception):
    """The file is not a readable SQLite database; the message says what SQLite saw."""


@dataclass
class Salvaged:
    states: list[str] = field(default_factory=list)  # oldest first, as far as known
    dismissals: dict[str, float] = field(default_factory=dict)


def private_file(path: Path) -> None:
    """Create ``path`` at mode 0600 (and its missing directories at 0700) if missing:
    paths.private_file, the one helper for what aleph-tui creates."""
    from aleph_tui.core import paths

    paths.private_file(path)


@contextlib.contextmanager
def opening(path: Path) -> Iterator[None]:
    """Held while a process opens the journal: checks, repairs and migrations happen
    one process at a time (a damaged file is moved aside once, not by each opener).
    Creates the file (0600) and its missing directories (0700)."""
    private_file(path)
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            import fcntl
        except ImportError:  # no flock (Windows): opens are not serialised there
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, full fsync.
    ``CorruptJournal`` when the file is damaged or not a database."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.text_factory = bytes  # text is decoded row by row: one bad byte spoils one row
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")  # each commit fsyncs the WAL
        problem = _integrity(conn)
        if problem is not None:
            raise CorruptJournal(problem)
        with transaction(conn):
            for statement in filter(str.strip, SCHEMA.split(";")):
                conn.execute(statement)  # not executescript: it would commit first
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,)
            )
    except sqlite3.DatabaseError as exc:
        conn.close()
        if _is_corruption(exc):
            raise CorruptJournal(str(exc)) from exc
        raise
    except CorruptJournal:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction: all of it is on disk when this returns, or none of it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _integrity(conn: sqlite3.Connection) -> str | None:
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    found = [r.decode(errors="replace") if isinstance(r, bytes) else str(r) for r in rows]
    return None if found == ["ok"] else "; ".join(found[:3])


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc)
    return "malformed" in text or "not a database" in text


def move_aside(path: Path) -> Path:
    """Rename the damaged file (and its WAL and shared-memory files, which belong to
    it) to ``<name>.corrupt-<UTC time>``; the new name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(aside.with_name(aside.name + suffix))
    path.rename(aside)
    return aside


def salvage(aside: Path) -> Salvaged:
    """Every state and dismissal that can still be read from a damaged journal. It is
    read from a copy: the file moved aside stays exactly as it was found."""
    found = Salvaged()
    with tempfile.TemporaryDirectory(prefix="aleph-tui-salvage-") as tmp:
        copy = Path(tmp) / "journal.sqlite3"
        shutil.copyfile(aside, copy)
        for suffix in ("-wal",):
            companion = aside.with_name(aside.name + suffix)
            if companion.exists():
                shutil.copyfile(companion, copy.with_name(copy.name + suffix))
        seen: set[str] = set()
        with contextlib.suppress(sqlite3.Error):
            conn = sqlite3.connect(copy, isolation_level=None)
            conn.text_factory = bytes
            try:
                for state in _rows(conn, "SELECT seq, state FROM steps WHERE seq > ? ORDER BY seq"):
                    if state not in seen:
                        seen.add(state)
                        found.states.append(state)
                with contextlib.suppress(sqlite3.Error):
                    for op_id, at in conn.execute("SELECT op_id, dismissed_at FROM dismissals"):
                        found.dismissals[op_id.decode(errors="replace")] = float(at)
            finally:
                conn.close()
        # Pages SQLite could not walk: their cells still hold the states as text.
        scanned = []
        for part in (copy, copy.with_name(copy.name + "-wal")):
            if part.exists():
                scanned += _scan(part.read_bytes())
        extra = [s for s in dict.fromkeys(scanned) if s not in seen]
        # Steps are replayed by their time: a stale state found on a free page must not
        # come after the final one SQLite read (the sort is stable: ties keep seq order).
        found.states = sorted(found.states + extra, key=_updated_at)
    return found


def _rows(conn: sqlite3.Connection, query: str) -> Iterator[str]:
    """The states, row by row; past a row SQLite cannot read, on from the next ones."""
    last, gap = 0, 1
    while gap < 2**40:
        try:
            for seq, state in conn.execute(query, (last,)):
                last, gap = int(seq), 1
                yield state.decode(errors="replace") if isinstance(state, bytes) else str(state)
            return
        except sqlite3.Error:
            last, gap = last + gap, gap * 2


def _scan(data: bytes) -> list[str]:
    decoder = json.JSONDecoder()
    states = []
    for match in _STATE_START.finditer(data):
        # The longest stretch that can be a state: ASCII (states are written so) up to
        # the first byte that cannot be part of it.
        chunk = data[match.start() : match.start() + 65_536]
        end = next((i for i, b in enumerate(chunk) if b < 0x20 or b > 0x7E), len(chunk))
        try:
            value, used = decoder.raw_decode(chunk[:end].decode("ascii"))
        except ValueError:
            continue
        if isinstance(value, dict):
            states.append(chunk[:used].decode("ascii"))
    return states


def _updated_at(state: str) -> float:
    try:
        value = json.loads(state).get("updated_at")
        return float(value) if isinstance(value, (int, float)) else 0.0
    except (ValueError, AttributeError):
        return 0.0
