"""Inject devnet faults from tests, through the admin endpoint (see aleph_tui/devnet/faults.py).

    with injected(devnet.api_url, "http_500", target="ccn", times=1):
        ...  # the next CCN request answers 500

Fields are the rule's: ``target``, ``match``, ``times``, ``delay_ms``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import httpx

ADMIN_PATH = "/api/v0/devnet/faults"
TIMEOUT_S = 10.0


@cache
def _client() -> httpx.Client:
    # Shared: a new httpx client costs ~80 ms (its TLS context).
    return httpx.Client(timeout=TIMEOUT_S)


def _url(api_url: str) -> str:
    return api_url.rstrip("/") + ADMIN_PATH


def inject(api_url: str, kind: str, **fields: Any) -> int:
    """Add a rule; returns its id. A rule the devnet refuses raises with its reason."""
    response = _client().post(_url(api_url), json={"kind": kind, **fields})
    if response.status_code != 200:
        raise ValueError(f"devnet refused the fault rule: {response.text}")
    return int(response.json()["id"])


def rules(api_url: str) -> list[dict[str, Any]]:
    """The active rules, with their ``remaining`` uses."""
    response = _client().get(_url(api_url))
    response.raise_for_status()
    return list(response.json()["faults"])


def remove(api_url: str, rule_id: int) -> None:
    """Clear one rule; a rule already used up or cleared is not an error."""
    response = _client().delete(f"{_url(api_url)}/{rule_id}")
    if response.status_code not in (200, 404):
        response.raise_for_status()


def clear(api_url: str) -> None:
    _client().delete(_url(api_url)).raise_for_status()


@contextmanager
def injected(api_url: str, kind: str, **fields: Any) -> Iterator[int]:
    """A rule active for the ``with`` block; cleared on the way out, whatever happens."""
    rule_id = inject(api_url, kind, **fields)
    try:
        yield rule_id
    finally:
        remove(api_url, rule_id)


IN_FLIGHT_PATH = "/api/v0/devnet/in-flight"


def reset_in_flight(api_url: str) -> None:
    """Count the devnet's peak of concurrent requests from now on."""
    _client().delete(api_url.rstrip("/") + IN_FLIGHT_PATH).raise_for_status()


def peak_in_flight(api_url: str, target: str = "ccn") -> int:
    """The most requests of ``target`` the devnet answered at once since the last reset."""
    response = _client().get(api_url.rstrip("/") + IN_FLIGHT_PATH)
    response.raise_for_status()
    return int(response.json().get(target, {}).get("peak", 0))
