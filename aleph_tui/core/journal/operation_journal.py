"""The journal of submitted operations, so nothing in flight is lost to a crash.

A SQLite database, ``<user data dir>/journal.sqlite3`` (WAL mode, full fsync; the file at
0600, its directory at 0700 when created here). Each step of an operation is one row
written in one transaction: after a crash at any moment, every operation is there with a
state its writer committed. It holds no secrets: addresses, amounts, hashes and statuses.

- Reading never stops at a bad row: a state that cannot be read is reported in
  ``problems`` and the operation's latest readable state is used; an operation with none
  is skipped (and reported). ``record`` refuses fields of the wrong types.
- A ``journal.jsonl`` beside it (aleph-tui before 0.x) is migrated once, then renamed
  ``journal.jsonl.migrated``; the lines it could not read are told in a notice.
- A file that fails ``PRAGMA integrity_check`` is moved aside, and what can be read from
  it is salvaged into a new one (see ``journal_db``).
- Two processes never follow the same operation at once: ``following`` claims each one,
  with a lease that a dead holder (SIGKILLed, its pid gone) does not keep.
- The user may dismiss an open operation: it is then no longer followed, and still listed
  by ``operations``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from aleph_tui.core import paths
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.formatting import credits, exact_decimal
from aleph_tui.core.journal.journal_records import (
    FINAL,
    InvalidRecord,
    Operation,
    OperationKind,
    Status,
    operation_from_dict,
    state_json,
)

__all__ = [
    "FINAL",
    "Holder",
    "InvalidRecord",
    "Journal",
    "JournalError",
    "Operation",
    "OperationKind",
    "Status",
    "describe",
]

DB_NAME = "journal.sqlite3"
# A claim lasts this long unless renewed; its holder renews it while it follows. A holder
# found dead on this host loses its claims at once; one on another host after the lease.
LEASE_S = 300.0
RENEW_EVERY_S = LEASE_S / 5


class JournalError(ServiceError):
    """The journal cannot be opened or written (a disk full, a denied permission)."""


@dataclass(frozen=True)
class Holder:
    """The process following an operation."""

    owner: str
    host: str
    pid: int

    def describe(self) -> str:
        import socket

        where = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"being followed by another process (pid {self.pid}{where})"


class Journal:
    # Called inside ``record``'s transaction, before its commit: lets a test hold a
    # writer there and kill it (tests/support/journal_worker.py). None in use.
    _before_commit: Callable[[], object] | None = None

    def __init__(self, path: Path | None = None) -> None:
        path = path or paths.app_data_dir() / DB_NAME
        # A ``.jsonl`` path names the journal of old: the database goes beside it.
        self.path = path.with_suffix(".sqlite3") if path.suffix == ".jsonl" else path
        self.legacy_path = self.path.with_suffix(".jsonl")
        # What reading found wrong (rows skipped), for the user; see ``take_notices``.
        self.problems: list[str] = []
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._following: set[str] | None = None

    @property
    def owner(self) -> str:
        """Whose claims are this process's (every journal of one process shares them)."""
        return f"pid-{os.getpid()}"

    # --- writing ----------------------------------------------------------------------

    def record(self, operation: Operation, **changes: Any) -> Operation:
        """Write ``operation`` with ``changes`` as its new state, in one transaction that
        is on disk when this returns. ``InvalidRecord`` (a ValueError) when a field has
        the wrong type; nothing is written then.

        The process recording an open operation is following it: in the same transaction
        it claims it (unless another live process holds it), so a dashboard started while
        a ``credit buy`` waits for its receipt leaves that buy to it. A final state
        releases the claim."""
        if "dismissed_at" in changes:
            raise TypeError("dismissed_at is set by Journal.dismiss, not recorded")
        updated = replace(operation, updated_at=time.time(), **changes)
        state = state_json(updated)
        with self._lock, self._write() as conn:
            return self._insert(conn, updated, state)

    def record_once(self, operation: Operation, same: Callable[[Operation], bool]) -> Operation:
        """``record(operation)``, unless an operation for which ``same`` holds is
        journaled already: that one is returned, and nothing is written. The look and the
        write are one transaction, so two processes that find the same payment at the
        same time journal it once."""
        updated = replace(operation, updated_at=time.time())
        state = state_json(updated)
        with self._lock, self._write() as conn:
            known = next((op for op in self._latest(conn) if same(op)), None)
            return known if known is not None else self._insert(conn, updated, state)

    def _insert(self, conn: sqlite3.Connection, updated: Operation, state: str) -> Operation:
        """Write one state of an operation, inside ``_write``'s transaction."""
        conn.execute(
            "INSERT INTO steps (op_id, network, status, state) VALUES (?, ?, ?, ?)",
            (updated.id, updated.network, updated.status, state),
        )
        if updated.is_open:
            self._take(conn, updated.id)
        else:
            conn.execute(
                "DELETE FROM claims WHERE op_id = ? AND owner = ?", (updated.id, self.owner)
            )
        row = conn.execute(
            "SELECT dismissed_at FROM dismissals WHERE op_id = ?", (updated.id,)
        ).fetchone()
        if self._before_commit is not None:
            self._before_commit()
        return replace(updated, dismissed_at=None if row is None else float(row[0]))

    def dismiss(self, op_id: str) -> Operation:
        """Record that the user dismissed this operation: it keeps its status, and is no
        longer open to follow. ``KeyError`` for an id the journal does not hold."""
        op = next((o for o in self.operations() if o.id == op_id), None)
        if op is None:
            raise KeyError(op_id)
        with self._lock, self._write() as conn:
            conn.execute(  # dismissed twice: the first time stays
                "INSERT OR IGNORE INTO dismissals (op_id, dismissed_at) VALUES (?, ?)",
                (op_id, time.time()),
            )
            conn.execute("DELETE FROM claims WHERE op_id = ?", (op_id,))
            (at,) = conn.execute(
                "SELECT dismissed_at FROM dismissals WHERE op_id = ?", (op_id,)
            ).fetchone()
        return replace(op, dismissed_at=float(at))

    # --- reading ----------------------------------------------------------------------

    def operations(self) -> list[Operation]:
        """The latest state of every operation (dismissed ones included), oldest first."""
        with self._lock:
            conn = self._read()
            if conn is None:
                return []
            try:
                return self._latest(conn)
            except sqlite3.Error as exc:
                raise JournalError(f"the journal {self.path} cannot be read: {exc}") from exc

    def open_operations(
        self, network: str | None = None, *, include_held: bool = False
    ) -> list[Operation]:
        """The operations not settled yet and not dismissed, oldest first: those this
        journal may follow. Without ``include_held``, those another live process is
        following are left out, and while ``following`` runs, all but the ones it claimed."""
        ops = [
            op
            for op in self.operations()
            if op.is_open and not op.dismissed and (network is None or op.network == network)
        ]
        if include_held:
            return ops
        held = self.holders()
        following = self._following
        return [op for op in ops if op.id not in held and (following is None or op.id in following)]

    def history(self, op_id: str) -> list[Operation]:
        """Every recorded state of one operation, in the order they were recorded."""
        with self._lock:
            conn = self._read()
            if conn is None:
                return []
            rows = conn.execute(
                "SELECT seq, op_id, state FROM steps WHERE op_id = ? ORDER BY seq", (op_id,)
            ).fetchall()
            return [op for op in (self._parse(*row) for row in rows) if op is not None]

    def take_notices(self) -> list[str]:
        """What the user must be told, once: a migration's report, a damaged file moved
        aside, rows that could not be read. Each is returned by one call only."""
        with self._lock:
            notices: list[str] = []
            conn = self._read()
            unshown = "SELECT id, text FROM notices WHERE shown = 0 ORDER BY id"
            if conn is not None and conn.execute(unshown).fetchone() is not None:
                with self._write() as db:  # read again: another process may have taken them
                    rows = db.execute(unshown).fetchall()
                    db.execute("UPDATE notices SET shown = 1 WHERE shown = 0")
                notices = [_decode(text) for _, text in rows]
            notices += self.problems
            self.problems = []
            return notices

    # --- claims -----------------------------------------------------------------------

    def claim(self, op_id: str, owner: str | None = None) -> bool:
        """Take the right to follow ``op_id``; False while another live process holds
        it. A claim of a process that died, or whose lease ran out, is taken over."""
        with self._lock, self._write() as conn:
            return self._take(conn, op_id, owner or self.owner)

    def _take(self, conn: sqlite3.Connection, op_id: str, owner: str | None = None) -> bool:
        """Claim (or renew) inside the caller's transaction; False if held by another."""
        from aleph_tui.core.journal import process_identity

        owner = owner or self.owner
        row = conn.execute(
            "SELECT owner, host, pid, started, expires_at FROM claims WHERE op_id = ?",
            (op_id,),
        ).fetchone()
        if row is not None and _decode(row[0]) != owner and _live(row):
            return False
        me = process_identity.current()
        conn.execute(
            "INSERT OR REPLACE INTO claims (op_id, owner, host, pid, started, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (op_id, owner, me.host, me.pid, me.started, time.time() + LEASE_S),
        )
        return True

    def release(self, op_id: str, owner: str | None = None) -> None:
        with self._lock:
            if self._read() is None:
                return
            with self._write() as conn:
                conn.execute(
                    "DELETE FROM claims WHERE op_id = ? AND owner = ?",
                    (op_id, owner or self.owner),
                )

    def holders(self) -> dict[str, Holder]:
        """The operations other live processes are following, and who follows each."""
        with self._lock:
            conn = self._read()
            if conn is None:
                return {}
            rows = conn.execute(
                "SELECT op_id, owner, host, pid, started, expires_at FROM claims"
            ).fetchall()
        return {
            _decode(row[0]): Holder(_decode(row[1]), _decode(row[2]), int(row[3]))
            for row in rows
            if _decode(row[1]) != self.owner and _live(row[1:])
        }

    @contextlib.asynccontextmanager
    async def following(self, operations: Iterable[Operation]) -> AsyncIterator[dict[str, Holder]]:
        """Claim each of ``operations`` for the time of the block, renewing the claims,
        and release them after. Inside, ``open_operations`` gives only the ones claimed.
        Yields the ones another process holds, with who holds them."""
        ids = [op.id for op in operations]
        mine = [op_id for op_id in ids if self.claim(op_id)]
        holders = self.holders()
        held = {op_id: holders[op_id] for op_id in ids if op_id in holders}
        previous = self._following
        self._following = set(mine) | (previous or set())
        renewing = asyncio.create_task(self._renew(mine))
        try:
            yield held
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            self._following = previous
            for op_id in mine:
                self.release(op_id)

    async def _renew(self, ids: list[str]) -> None:
        while ids:
            await asyncio.sleep(RENEW_EVERY_S)
            with self._lock, self._write() as conn:
                conn.executemany(
                    "UPDATE claims SET expires_at = ? WHERE op_id = ? AND owner = ?",
                    [(time.time() + LEASE_S, op_id, self.owner) for op_id in ids],
                )

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # --- the database -----------------------------------------------------------------

    def _read(self) -> sqlite3.Connection | None:
        """The connection, or None when there is no journal yet (nothing is created
        for a read: a command that only looks leaves no file behind)."""
        if self._conn is None and not self.path.exists() and not self.legacy_path.exists():
            return None
        return self._open()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        from aleph_tui.core.journal import journal_db

        conn = self._open()
        try:
            with journal_db.transaction(conn):
                yield conn
        except sqlite3.Error as exc:
            raise JournalError(f"the journal {self.path} cannot be written: {exc}") from exc

    def _open(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        from aleph_tui.core.journal import journal_db

        try:
            with journal_db.opening(self.path):
                try:
                    conn = journal_db.connect(self.path)
                except journal_db.CorruptJournal as exc:
                    conn = self._replace_corrupt(str(exc))
                self._migrate(conn)
        except OSError as exc:
            raise JournalError(f"the journal {self.path} cannot be opened: {exc}") from exc
        self._conn = conn
        return conn

    def _replace_corrupt(self, problem: str) -> sqlite3.Connection:
        from aleph_tui.core.journal import journal_db

        aside = journal_db.move_aside(self.path)
        found = journal_db.salvage(aside)
        journal_db.private_file(self.path)
        conn = journal_db.connect(self.path)
        kept = set()
        with journal_db.transaction(conn):
            for state in found.states:
                op = self._parse(0, b"", state.encode())
                if op is not None:
                    kept.add(op.id)
                    conn.execute(
                        "INSERT INTO steps (op_id, network, status, state) VALUES (?, ?, ?, ?)",
                        (op.id, op.network, op.status, state_json(op)),
                    )
            conn.executemany(
                "INSERT OR IGNORE INTO dismissals (op_id, dismissed_at) VALUES (?, ?)",
                found.dismissals.items(),
            )
            conn.execute(
                "INSERT INTO notices (text) VALUES (?)",
                (
                    f"The journal {self.path} was damaged ({problem}): it was moved to "
                    f"{aside}, and the {len(kept)} operations that could be read from it "
                    f"were kept in a new {self.path.name}",
                ),
            )
        self.problems.clear()
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring the records of a ``journal.jsonl`` beside the database in, once."""
        from aleph_tui.core.journal import journal_db
        from aleph_tui.core.journal.journal_legacy import read_legacy

        legacy = self.legacy_path
        if not legacy.exists():
            return
        data = legacy.read_bytes()
        key = "migrated:" + hashlib.sha256(data).hexdigest()
        kept_as = _free_name(legacy.with_name(legacy.name + ".migrated"))
        with journal_db.transaction(conn):
            done = conn.execute("SELECT 1 FROM meta WHERE key = ?", (key,)).fetchone()
            if done is None:
                found = read_legacy(legacy)
                for op in found.operations:
                    state = state_json(op)
                    # Idempotent: a record already brought in (same state) is not again.
                    conn.execute(
                        "INSERT INTO steps (op_id, network, status, state) SELECT ?, ?, ?, ?"
                        " WHERE NOT EXISTS (SELECT 1 FROM steps WHERE op_id = ? AND state = ?)",
                        (op.id, op.network, op.status, state, op.id, state),
                    )
                conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, str(kept_as)))
                conn.execute(
                    "INSERT INTO notices (text) VALUES (?)",
                    (found.summary(legacy, kept_as, self.path),),
                )
        # After the commit: a crash before this rename only means the next open renames it.
        legacy.rename(kept_as)

    def _latest(self, conn: sqlite3.Connection) -> list[Operation]:
        rows = conn.execute(
            "SELECT s.seq, s.op_id, s.state, d.dismissed_at FROM steps AS s"
            " JOIN (SELECT op_id, max(seq) AS last FROM steps GROUP BY op_id) AS l"
            " ON s.seq = l.last LEFT JOIN dismissals AS d ON d.op_id = s.op_id"
        ).fetchall()
        found: list[tuple[float, int, Operation]] = []
        for seq, op_id, state, dismissed_at in rows:
            op = self._parse(seq, op_id, state)
            if op is None:  # its latest state cannot be read: the one before it then
                earlier = conn.execute(
                    "SELECT seq, op_id, state FROM steps WHERE seq < ?1 AND op_id ="
                    " (SELECT op_id FROM steps WHERE seq = ?1) ORDER BY seq DESC",
                    (seq,),
                ).fetchall()
                op = next((o for o in (self._parse(*row) for row in earlier) if o), None)
                if op is None:
                    continue
            if isinstance(dismissed_at, (int, float)):
                op = replace(op, dismissed_at=float(dismissed_at))
            found.append((op.updated_at, seq, op))
        return [op for _, _, op in sorted(found, key=lambda item: item[:2])]

    def _parse(self, seq: int, op_id: object, state: object) -> Operation | None:
        """The operation a row holds, or None, with the reason added to ``problems``."""
        try:
            if not isinstance(state, bytes):
                raise InvalidRecord(f"the state is {type(state).__name__}, not text")
            op = operation_from_dict(json.loads(state.decode()))
            if op_id and op.id != _decode(op_id):
                raise InvalidRecord(f"id: {op.id!r} in a row of operation {_decode(op_id)!r}")
            return op
        except (ValueError, InvalidRecord) as exc:  # UnicodeDecodeError is a ValueError
            if seq:
                problem = (
                    f"{self.path}: step {seq} of operation {_decode(op_id)} cannot be read "
                    f"({exc}); it is skipped"
                )
                if problem not in self.problems:
                    self.problems.append(problem)
            return None


def _decode(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _live(row: Any) -> bool:
    """Whether a claim (owner, host, pid, started, expires_at) still holds."""
    from aleph_tui.core.journal.process_identity import ProcessIdentity

    _, host, pid, started, expires_at = row
    if float(expires_at) < time.time():
        return False
    return ProcessIdentity(_decode(host), int(pid), _decode(started)).is_alive()


def _free_name(path: Path) -> Path:
    n, candidate = 1, path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate


def _credits(value: object) -> str:
    """A journaled number of credits as the screen writes it (``1,500,000``)."""
    return credits(value) if isinstance(value, int) else str(value)


def _tokens(value: object) -> str:
    """A journaled token amount (exact text, ``"1000000.5"``) with every digit, grouped as
    the screen writes figures (``1,000,000.5``)."""
    try:
        return exact_decimal(Decimal(str(value)), grouped=True)
    except InvalidOperation:
        return str(value)


def describe(op: Operation) -> str:
    """One plain line on where an operation stands, for the pending list and notices."""
    details = op.details
    if op.kind == "buy":
        what = f"buy with {_tokens(details.get('amount'))} {details.get('token')}"
        ref = f"tx {details.get('tx_hash')}"
        done = f"credits arrived: {_credits(details.get('credits_received'))} credits"
    else:
        amount, recipient = _credits(details.get("amount")), details.get("recipient")
        what = f"transfer of {amount} credits to {recipient}"
        ref = f"message {details.get('item_hash')}"
        if details.get("moves_credits") is False:  # --force-channel: a plain post
            done = f"posted on channel {details.get('channel')}: no credits moved"
        else:
            done = "processed: the credits moved"
    if op.status == "completed":
        outcome = done
    elif op.status == "cancelled":
        outcome = f"cancelled: {details.get('outcome') or 'nothing was paid'}"
    elif op.status == "failed":
        outcome = f"failed: {op.error or 'no reason recorded'}"
    else:
        waiting = details.get("waiting") or details.get("node")
        outcome = f"still open ({op.status})" + (f": {waiting}" if waiting else "")
        if op.dismissed:
            outcome += "; dismissed, no longer followed"
    replaced = [
        f"{'sped up' if r.get('kind') == 'speed_up' else 'cancellation'} {r.get('tx_hash')}"
        + (" refused" if r.get("state") == "refused" else "")
        for r in details.get("replacements") or ()
        if isinstance(r, dict)
    ]
    if replaced and op.is_open:
        outcome += f" [{'; '.join(replaced)}]"
    return f"{what} ({ref}): {outcome}"
