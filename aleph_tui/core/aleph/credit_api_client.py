"""Async client of the Credit API (credit.aleph.im/api/v0, or the devnet's copy).

Estimations (aleph-api.md §4.2): the prices table, token → credits and credits → token,
and the payment records of an address. Token amounts travel as strings of base units;
credit amounts include the bonus. Errors come back as JSON with a ``description``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

import httpx

from aleph_tui.core import retry
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.validation import from_ms

CONNECT_TIMEOUT_S = 5.0
BLOCKCHAIN = "ethereum"
# Final payment states: credits minted, or never to be.
PAYMENT_DONE = frozenset({"COMPLETED"})
PAYMENT_FAILED = frozenset({"FAILED", "CANCELLED"})


class CreditApiError(ServiceError):
    """The Credit API could not be reached or refused the request."""


def _decimal(value: Any, default: Decimal | None = None) -> Decimal | None:
    if value is None:
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return default


@dataclass(frozen=True)
class TokenPrice:
    """One row of ``/estimation/prices``: what one whole token buys."""

    symbol: str
    decimals: int
    token_units: int
    credits: int  # bonus included
    bonus_credits: int


@dataclass(frozen=True)
class CreditEstimate:
    """An estimation: ``credits`` includes ``bonus_credits``."""

    token: str
    token_units: int
    credits: int
    bonus_credits: int
    price_usd: Decimal  # of one whole token
    bonus_ratio: Decimal
    total_usd: Decimal | None  # the amount's worth; token-to-credit only
    timestamp_ms: int | None


@dataclass(frozen=True)
class Payment:
    id: str
    address: str | None
    chain: str | None
    status: str
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    in_amount: int | None  # base units
    in_currency: str | None
    credits: int | None  # bonus included
    bonus_credits: int | None
    tx_hash: str | None
    item_hash: str | None
    # USD per credit (1e-6): credits bought, bonus excluded, times it is the USD paid.
    credit_price_usd: Decimal | None = None
    provider: str | None = None

    @property
    def is_done(self) -> bool:
        return self.status in PAYMENT_DONE

    @property
    def is_failed(self) -> bool:
        return self.status in PAYMENT_FAILED


def _ms(value: Any) -> dt.datetime | None:
    try:
        return from_ms(int(value))
    except (TypeError, ValueError, OverflowError):
        return None


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(str(value))
    except ValueError:
        return None


def _credits(value: Any) -> int | None:
    try:
        return None if value is None else credit_count(value)
    except ValueError:
        return None


def credit_count(value: Any) -> int:
    """A credit amount as the Credit API sends it (a JSON number or a string, maybe with
    a fraction: ``1200000.5``) as whole credits, rounded down; the node mints whole
    credits. ValueError when it is not a finite, non-negative number."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {str(value)[:40]!r}") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"not a credit amount: {str(value)[:40]!r}")
    return int(number.to_integral_value(rounding=ROUND_FLOOR))


def payment_from_json(data: dict[str, Any]) -> Payment:
    """A payment record as ``GET /payment`` sends it."""
    return _payment(data)


def _payment(data: dict[str, Any]) -> Payment:
    prices = data.get("prices") or {}
    return Payment(
        id=str(data.get("id")),
        address=data.get("address"),
        chain=data.get("chain"),
        status=str(data.get("status") or "").upper(),
        created_at=_ms(data.get("created_at")),
        updated_at=_ms(data.get("updated_at")),
        in_amount=_int(data.get("in_amount")),
        in_currency=data.get("in_currency"),
        credits=_credits(prices.get("credit_amount")),
        bonus_credits=_credits(prices.get("credit_bonus_amount")),
        tx_hash=data.get("tx_hash"),
        item_hash=data.get("item_hash"),
        credit_price_usd=_decimal(prices.get("credit_price_usdc")),
        provider=data.get("provider_id"),
    )


def estimate_from_json(data: dict[str, Any]) -> CreditEstimate:
    """An estimation as ``/estimation/token-to-credit`` or ``credit-to-token`` sends it."""
    return _estimate(data)


def _estimate(data: dict[str, Any]) -> CreditEstimate:
    try:
        return CreditEstimate(
            token=str(data["tokenSymbol"]),
            token_units=int(str(data["tokenAmount"])),
            credits=credit_count(data["creditAmount"]),
            bonus_credits=credit_count(data.get("creditBonusAmount") or 0),
            price_usd=_decimal(data.get("price"), Decimal(0)) or Decimal(0),
            bonus_ratio=_decimal(data.get("bonusRatio"), Decimal(0)) or Decimal(0),
            total_usd=_decimal(data.get("totalPrice")),
            timestamp_ms=_int(data.get("timestamp")),
        )
    except (KeyError, ValueError) as exc:
        raise CreditApiError(f"unexpected estimation from the Credit API: {exc}") from None


class CreditApi:
    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(retry.http_timeout(), connect=CONNECT_TIMEOUT_S)
        )

    @property
    def where(self) -> str:
        return f"the Credit API at {self.base_url}"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        """JSON of a 200 answer. Every call is a read (estimations change nothing), so
        5xx, timeouts, dropped connections and malformed JSON are retried (core/retry.py)."""
        seconds = retry.http_timeout()
        timeout = httpx.Timeout(seconds, connect=min(CONNECT_TIMEOUT_S, seconds))

        async def attempt() -> Any:
            try:
                response = await self._client.request(
                    method, self.base_url + path, params=params, json=body, timeout=timeout
                )
            except httpx.TransportError as exc:
                raise retry.Transient(retry.transport_fault(self.where, exc, seconds)) from None
            if response.status_code >= 500:
                raise retry.Transient(retry.status_fault(self.where, response.status_code))
            if response.status_code != 200:
                raise CreditApiError(f"{path}: {_description(response)}")
            try:
                return response.json()
            except ValueError:
                raise retry.Transient(retry.malformed_fault(self.where)) from None

        return await retry.read_or_fail(attempt, CreditApiError)

    async def prices(self) -> list[TokenPrice]:
        data = await self._request("GET", "/estimation/prices", params={"blockchain": BLOCKCHAIN})
        return [
            TokenPrice(
                symbol=str(row["tokenSymbol"]),
                decimals=int(row["tokenDecimals"]),
                token_units=int(str(row["tokenAmount"])),
                credits=credit_count(row["creditAmount"]),
                bonus_credits=credit_count(row.get("creditBonusAmount") or 0),
            )
            for row in data.get("prices") or []
        ]

    async def token_to_credit(self, token: str, units: int) -> CreditEstimate:
        """Credits (bonus included) that ``units`` base units of ``token`` buy."""
        body = {"blockchain": BLOCKCHAIN, "token": token.upper(), "amount": str(units)}
        return _estimate(await self._request("POST", "/estimation/token-to-credit", body=body))

    async def credit_to_token(self, token: str, credits: int) -> CreditEstimate:
        """The smallest token amount that buys ``credits`` (bonus included)."""
        body = {"blockchain": BLOCKCHAIN, "token": token.upper(), "creditAmount": str(credits)}
        return _estimate(await self._request("POST", "/estimation/credit-to-token", body=body))

    async def payments(self, address: str, *, page: int = 1, per_page: int = 100) -> list[Payment]:
        """One page of an address's payment records, in the order the API gives them."""
        data = await self._request(
            "GET",
            "/payment",
            params={"address": address, "page": page, "pagination": per_page},
        )
        return [_payment(row) for row in data.get("data") or []]

    async def payment_page(
        self, page: int = 1, per_page: int = 100, *, address: str | None = None
    ) -> tuple[list[dict[str, Any]], int | None]:
        """One page of payment records as the API sends them, newest first (everyone's
        when ``address`` is None), and the total count when the API gives it."""
        params: dict[str, Any] = {"page": page, "pagination": per_page, "limit": per_page}
        if address is not None:
            params["address"] = address
        data = await self._request("GET", "/payment", params=params)
        rows = data.get("data") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise CreditApiError("/payment: unexpected answer from the Credit API")
        total = _int((data.get("pagination") or {}).get("total"))
        return [row for row in rows if isinstance(row, dict)], total

    async def payment_for_tx(
        self, address: str, tx_hash: str, *, per_page: int = 100, max_pages: int = 50
    ) -> Payment | None:
        """The record of the payment made by ``tx_hash``, if the service has seen it.
        Every page is read until it is found or the pages run out (no document promises
        an order), at most ``max_pages`` pages."""
        wanted = tx_hash.lower()
        for page in range(1, max_pages + 1):
            rows = await self.payments(address, page=page, per_page=per_page)
            for payment in rows:
                if (payment.tx_hash or "").lower() == wanted:
                    return payment
            if len(rows) < per_page:
                break
        return None


def _description(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("description"):
        return str(data["description"])
    return f"HTTP {response.status_code}"
