"""pyaleph's opaque cursors (toolkit/cursor.py): sorted compact JSON, base64url, no padding."""

from __future__ import annotations

import base64
import json
from typing import Any


def encode(values: dict[str, Any]) -> str:
    payload = json.dumps(values, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode(cursor: str) -> dict[str, Any]:
    """The cursor's dict; ValueError in pyaleph's words when malformed."""
    if not cursor:
        raise ValueError("Invalid cursor: empty string")
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        payload = json.loads(base64.urlsafe_b64decode(padded))
    except UnicodeDecodeError as exc:
        raise ValueError(f"Invalid cursor: {exc}") from exc
    except ValueError:
        raise
    except Exception as exc:
        raise ValueError(f"Invalid cursor: {exc}") from exc
    if not isinstance(payload, dict):
        raise ValueError("Invalid cursor: payload is not a dict")
    return payload


def decode_field(cursor: str, key: str) -> Any:
    try:
        return decode(cursor)[key]
    except KeyError:
        raise ValueError("Invalid cursor: missing required fields") from None
