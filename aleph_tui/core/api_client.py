"""Async client of the Aleph CCN API (httpx), with timeouts and bounded GET retries."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

import httpx

from aleph_tui.core.models import Balance, CreditLot, DevnetInfo

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
GET_RETRIES = 3


class ApiError(Exception):
    """The API could not be reached or answered something unusable."""


def _decimal(value: Any) -> Decimal:
    # The node serialises Decimals as JSON floats; go through str to keep their digits.
    return Decimal(str(value))


def _datetime(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


class AlephApi:
    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=TIMEOUT)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """GETs are idempotent, so transport errors and 5xx are retried a few times."""
        delay = 0.2
        for attempt in range(GET_RETRIES):
            try:
                response = await self._client.get(self.base_url + path, params=params)
            except httpx.TransportError as exc:
                if attempt == GET_RETRIES - 1:
                    raise ApiError(f"cannot reach {self.base_url}: {exc}") from None
            else:
                if response.status_code < 500 or attempt == GET_RETRIES - 1:
                    return response
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    async def balance(self, address: str, *, credit_details: bool = True) -> Balance:
        response = await self._get(
            f"/api/v0/addresses/{address}/balance",
            {"include_credit_details": "true" if credit_details else "false"},
        )
        if response.status_code != 200:
            raise ApiError(f"balance of {address}: HTTP {response.status_code}")
        data = response.json()
        lots = tuple(
            CreditLot(_datetime(item.get("expiration_date")), int(item["amount"]))
            for item in data.get("credit_balance_details") or ()
        )
        return Balance(
            address=data["address"],
            aleph=_decimal(data["balance"]),
            aleph_by_chain={k: _decimal(v) for k, v in (data.get("details") or {}).items()},
            locked=_decimal(data["locked_amount"]),
            credits=int(data.get("credit_balance") or 0),
            lots=lots,
        )

    async def devnet_document(self) -> dict[str, Any]:
        """The devnet's self-description; ApiError when this is not a devnet."""
        response = await self._get("/api/v0/devnet")
        if response.status_code != 200:
            raise ApiError(f"{self.base_url} is not an aleph-tui devnet")
        data: dict[str, Any] = response.json()
        return data

    async def devnet_info(self) -> DevnetInfo:
        data = await self.devnet_document()
        return DevnetInfo(
            api_url=data["api_url"],
            credit_api_url=data["credit_api_url"],
            rpc_url=data["rpc_url"],
            chain_id=int(data["chain_id"]),
            accounts=tuple(a["address"] for a in data["accounts"]),
        )
