"""The journal of submitted operations, so nothing in flight is lost to a crash.

One JSON object per line in ``<user data dir>/journal.jsonl``, appended and fsynced
before and after each step. The latest line per operation id is its state. It holds
no secrets: addresses, amounts, hashes and statuses only.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from aleph_tui.core import paths

OperationKind = Literal["buy", "transfer"]
# "signed": built and signed, not yet known to the network; "submitted": sent, outcome
# unknown; the two final states close the operation. ``details["waiting"]`` says what an
# open operation waits for, once a deadline left it open.
Status = Literal["signed", "submitted", "confirmed", "completed", "failed"]
FINAL: frozenset[str] = frozenset({"completed", "failed"})


@dataclass(frozen=True)
class Operation:
    kind: OperationKind
    network: str
    account: str
    status: Status
    details: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    updated_at: float = field(default_factory=time.time)
    error: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL


class Journal:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.app_data_dir() / "journal.jsonl"

    def record(self, operation: Operation, **changes: Any) -> Operation:
        updated = replace(operation, updated_at=time.time(), **changes)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(updated), separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        return updated

    def operations(self) -> list[Operation]:
        """The latest state of every operation, oldest first."""
        latest: dict[str, Operation] = {}
        try:
            lines = self.path.read_text().splitlines()
        except FileNotFoundError:
            return []
        for line in lines:
            try:
                data = json.loads(line)
                latest[data["id"]] = Operation(**data)
            except (ValueError, TypeError, KeyError):
                continue  # a line torn by a crash mid-write
        return sorted(latest.values(), key=lambda op: op.updated_at)

    def open_operations(self, network: str | None = None) -> list[Operation]:
        return [
            op
            for op in self.operations()
            if op.is_open and (network is None or op.network == network)
        ]


def describe(op: Operation) -> str:
    """One plain line on where an operation stands, for the pending list and notices."""
    details = op.details
    if op.kind == "buy":
        what = f"buy with {details.get('amount')} {details.get('token')}"
        ref = f"tx {details.get('tx_hash')}"
        done = f"credits arrived: {details.get('credits_received')} credits"
    else:
        what = f"transfer of {details.get('amount')} credits to {details.get('recipient')}"
        ref = f"message {details.get('item_hash')}"
        done = "processed: the credits moved"
    if op.status == "completed":
        outcome = done
    elif op.status == "failed":
        outcome = f"failed: {op.error or 'no reason recorded'}"
    else:
        waiting = details.get("waiting") or details.get("node")
        outcome = f"still open ({op.status})" + (f": {waiting}" if waiting else "")
    return f"{what} ({ref}): {outcome}"
