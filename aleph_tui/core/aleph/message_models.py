"""What the node answers about a message (aleph-api.md §3.3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

MessageStatusName = Literal["pending", "processed", "rejected", "forgotten", "removing", "removed"]


@dataclass(frozen=True)
class PostResult:
    """What ``POST /api/v0/messages`` answered."""

    item_hash: str
    status: Literal["processed", "pending", "rejected"]
    http_status: int
    publication_status: str | None = None
    failed: tuple[str, ...] = ()


@dataclass(frozen=True)
class MessageStatus:
    """``GET /api/v0/messages/{hash}``: the status, and for a rejection its reason."""

    item_hash: str
    status: str
    reception_time: dt.datetime | None
    error_code: int | None = None
    errors: tuple[str, ...] = ()  # details["errors"], the node's reasons for a rejection
    details: dict[str, Any] | None = None

    @property
    def reason(self) -> str | None:
        return "; ".join(self.errors) if self.errors else None
