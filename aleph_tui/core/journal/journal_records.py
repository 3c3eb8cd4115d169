"""One journaled operation (a buy or a credit transfer) and the rules its fields follow.

The same check guards both ends: ``record`` refuses an operation whose fields have the
wrong types (so nothing malformed is ever written), and reading turns a stored state back
into an ``Operation`` only when it passes, so one bad row is reported, never fatal.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

OperationKind = Literal["buy", "transfer"]
# "signed": built and signed, not yet known to the network; "submitted": sent, outcome
# unknown; the final states close the operation ("cancelled": a buy whose nonce the
# user's cancellation, a zero-value transfer to itself, used: nothing was paid).
# ``details["waiting"]`` says what an open operation waits for, once a deadline left it
# open.
Status = Literal["signed", "submitted", "confirmed", "completed", "failed", "cancelled"]
FINAL: frozenset[str] = frozenset({"completed", "failed", "cancelled"})

# The fields of a stored state, as written by ``state_json`` (``dismissed_at`` is kept
# apart: it is the user's choice, not a step of the operation).
STATE_FIELDS = ("kind", "network", "account", "status", "details", "id", "updated_at", "error")


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
    # When the user dismissed it (``pending --dismiss``, the dashboard): it is then no
    # longer followed, whatever its status. Set by the journal, never by ``record``.
    dismissed_at: float | None = None

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL

    @property
    def dismissed(self) -> bool:
        return self.dismissed_at is not None


class InvalidRecord(ValueError):
    """A journal record whose fields break the rules; the message names the field."""


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidRecord(f"{name}: must be a non-empty string, not {value!r:.60}")
    return value


def operation_from_dict(data: object) -> Operation:
    """The operation a stored state describes; ``InvalidRecord`` naming the first field
    that breaks the rules (wrong type, unknown kind or status, missing). Fields it does
    not know (a later version's) are ignored."""
    if not isinstance(data, dict):
        raise InvalidRecord(f"a record must be a JSON object, not {type(data).__name__}")
    kind, status = _text(data, "kind"), _text(data, "status")
    if kind not in get_args(OperationKind):
        raise InvalidRecord(f"kind: must be one of {', '.join(get_args(OperationKind))}")
    if status not in get_args(Status):
        raise InvalidRecord(f"status: must be one of {', '.join(get_args(Status))}")
    details = data.get("details")
    if not isinstance(details, dict) or not all(isinstance(k, str) for k in details):
        raise InvalidRecord(f"details: must be an object, not {details!r:.60}")
    updated_at = data.get("updated_at")
    if (
        isinstance(updated_at, bool)
        or not isinstance(updated_at, (int, float))
        or not math.isfinite(updated_at)
    ):
        raise InvalidRecord(f"updated_at: must be a time in seconds, not {updated_at!r:.60}")
    error = data.get("error")
    if error is not None and not isinstance(error, str):
        raise InvalidRecord(f"error: must be text or null, not {error!r:.60}")
    return Operation(
        kind=kind,  # type: ignore[arg-type]  # checked against the Literal above
        network=_text(data, "network"),
        account=_text(data, "account"),
        status=status,  # type: ignore[arg-type]
        details=details,
        id=_text(data, "id"),
        updated_at=float(updated_at),
        error=error,
    )


def state_json(op: Operation) -> str:
    """The stored form of ``op``'s state: strict JSON (no NaN, no Decimal), checked by
    the same rules reading applies, so what is written can always be read back."""
    state = {name: getattr(op, name) for name in STATE_FIELDS}
    try:
        text = json.dumps(state, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidRecord(f"details: not storable as JSON ({exc})") from exc
    operation_from_dict(json.loads(text))
    return text
