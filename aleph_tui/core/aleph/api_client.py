"""Async client of the Aleph CCN API (httpx): reads retried as core/retry.py says,
message POSTs sent once (the caller settles an unknown outcome by item hash)."""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from urllib.request import getproxies

import httpx

from aleph_tui.core import retry
from aleph_tui.core.aleph.history_models import (
    HISTORY_SORT_FIELDS,
    CreditHistoryPage,
    CreditHistorySummary,
    HistoryFilters,
    HistoryItems,
    history_entry,
)
from aleph_tui.core.aleph.message_models import MessageStatus, PostResult
from aleph_tui.core.aleph.models import Balance, DevnetInfo
from aleph_tui.core.aleph.node_values import (
    balance_from_node,
    node_datetime,
    optional_decimal,
    optional_int,
)
from aleph_tui.core.aleph.pricing_models import (
    ComputeUnitSpec,
    EntityPricing,
    Prices,
    Pricing,
    Tier,
)
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.tls import tls_context_for

CONNECT_TIMEOUT_S = 5.0
# The most requests the one client has in flight to its node, whatever asks (a refresh of
# 500 balances, a history page, a transfer): the rest wait for a connection. Every one
# is kept alive, so each round of a large refresh reuses them.
MAX_IN_FLIGHT = 50
# ...as POOLS pools of MAX_IN_FLIGHT // POOLS connections (``_Pools`` says why).
POOLS = 10
PRICING_OWNER = "0xFba561a84A537fCaa567bb7A2257e7142701ae2A"


class ApiError(ServiceError):
    """The API could not be reached or answered something unusable."""


class MessageNotSent(ApiError):
    """The node was never reached: the message certainly was not received."""


class OutcomeUnknown(ApiError):
    """The request may have reached the node, but no answer came back."""


class InvalidMessage(ApiError):
    """A 422 with a plain-text body: the node refused the message's schema before anything
    else (bad JSON, hash mismatch, unknown type…). ``body`` is the exception name."""

    def __init__(self, body: str) -> None:
        super().__init__(f"the node refused the message format ({body})")
        self.body = body


@dataclass(frozen=True)
class _Reply:
    """A GET's answer, read once: ``data`` is the parsed body of a 200 (exact decimals,
    the node writes Decimals as JSON numbers), ``text`` the body of any other status."""

    status_code: int
    text: str
    data: Any = None


def _body_line(response: httpx.Response | _Reply) -> str:
    text = response.text.strip().splitlines()
    return text[0][:200] if text else f"HTTP {response.status_code}"


def _prices(data: Any) -> Prices | None:
    if not isinstance(data, dict):
        return None
    return Prices(
        payg=optional_decimal(data.get("payg")),
        holding=optional_decimal(data.get("holding")),
        credit=optional_decimal(data.get("credit")),
    )


def _entity_pricing(entity: str, data: dict[str, Any]) -> EntityPricing:
    price = data.get("price") or {}
    spec = data.get("compute_unit")
    return EntityPricing(
        entity=entity,
        storage=_prices(price.get("storage")),
        compute_unit=_prices(price.get("compute_unit")),
        fixed=optional_decimal(price.get("fixed")),
        tiers=tuple(
            Tier(
                id=str(t["id"]),
                compute_units=int(t["compute_units"]),
                vram=optional_int(t.get("vram")),
                model=t.get("model"),
            )
            for t in data.get("tiers") or ()
        ),
        compute_unit_spec=ComputeUnitSpec(
            vcpus=int(spec["vcpus"]),
            memory_mib=int(spec["memory_mib"]),
            disk_mib=int(spec["disk_mib"]),
        )
        if isinstance(spec, dict)
        else None,
    )


_READ = httpx.ByteStream(b"")


class _Release(httpx.AsyncByteStream):
    """A response's body, whose close frees its request's place in its pool."""

    def __init__(self, stream: httpx.AsyncByteStream, busy: list[int], pool: int) -> None:
        self._stream = stream
        self._busy = busy
        self._pool = pool

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        if self._pool >= 0:
            self._busy[self._pool] -= 1
            self._pool = -1
        await self._stream.aclose()


class _Pools(httpx.AsyncBaseTransport):
    """The node's ``MAX_IN_FLIGHT`` connections as ``POOLS`` httpx transports of
    ``MAX_IN_FLIGHT // POOLS`` each, every request sent on the least busy one: still at
    most ``MAX_IN_FLIGHT`` in flight, still one client (its hooks, timeouts, cookies).
    httpcore 1.0.9's pool does work quadratic in its size at every request event
    (``_assign_requests_to_connections`` checks each connection's expiry, a
    ``getpeername`` and a ``poll``, and counts the idle ones once per idle one; a burst
    of new requests is all assigned the same idle connection, and all but one try
    again: ~8 pool passes per request). A refresh of 500 balances behind 100 ms (bench
    row 4, medians, both clients interleaved on one devnet, loaded host) cost the client
    3.2–3.3 s of CPU with one pool of 50, 0.5–0.8 s as 10 pools of 5, and took 6.6–10.1
    s, then 1.7–3.0 s; 25 or 50 pools measured the same as 10."""

    def __init__(self, verify: ssl.SSLContext) -> None:
        size = MAX_IN_FLIGHT // POOLS
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        self._transports = [
            httpx.AsyncHTTPTransport(verify=verify, limits=limits) for _ in range(POOLS)
        ]
        self._busy = [0] * POOLS  # requests sent and not yet closed, per transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        busy = self._busy
        pool = busy.index(min(busy))
        busy[pool] += 1
        try:
            response = await self._transports[pool].handle_async_request(request)
        except BaseException:
            busy[pool] -= 1
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Release(response.stream, busy, pool)
        return response

    async def aclose(self) -> None:
        for transport in self._transports:
            await transport.aclose()


class AlephApi:
    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        verify = tls_context_for(self.base_url)
        # A client given a transport ignores the proxy environment variables: with any
        # set, httpx's own single pool, which honours them.
        proxied = any(scheme in getproxies() for scheme in ("http", "https", "all"))
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(retry.http_timeout(), connect=CONNECT_TIMEOUT_S),
            verify=verify,
            limits=httpx.Limits(
                max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT
            ),
            transport=None if proxied else _Pools(verify),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def where(self) -> str:
        return f"the Aleph API at {self.base_url}"

    async def _get(
        self, path: str, params: dict[str, Any] | None = None, *, exact_floats: bool = True
    ) -> _Reply:
        """GETs are idempotent: 5xx, timeouts, dropped connections and a 200 whose body is
        not JSON are retried (core/retry.py); other answers come back as they are. The
        body is parsed once, here (parsing it again cost ~15% of a 100k-row export).
        ``exact_floats=False`` parses with pydantic-core (twice as fast) for bodies whose
        decimals come as strings, as credit history rows do; a float there is a float."""
        seconds = retry.http_timeout()
        timeout = httpx.Timeout(seconds, connect=min(CONNECT_TIMEOUT_S, seconds))

        async def attempt() -> _Reply:
            try:
                response = await self._client.get(
                    self.base_url + path, params=params, timeout=timeout
                )
            except httpx.TransportError as exc:
                raise retry.Transient(retry.transport_fault(self.where, exc, seconds)) from None
            if response.status_code >= 500:
                raise retry.Transient(retry.status_fault(self.where, response.status_code))
            # The response and its bound stream refer to each other: only the cyclic
            # collector would free the body. Dropping the stream (the body is read) lets
            # the response go as soon as its reply is built, page after page.
            response.stream = _READ
            if response.status_code != 200:
                return _Reply(response.status_code, response.text)
            try:
                if exact_floats:
                    return _Reply(200, "", json.loads(response.text, parse_float=Decimal))
                from pydantic_core import from_json  # 25 ms to import: not at start-up

                # Keys only: caching values (hashes) would fill its 16k-string cache, so
                # the memory of an export would grow with the history's size up to that.

                return _Reply(200, "", from_json(response.content, cache_strings="keys"))
            except ValueError:
                raise retry.Transient(retry.malformed_fault(self.where)) from None

        return await retry.read_or_fail(attempt, ApiError)

    async def balance(self, address: str, *, credit_details: bool = True) -> Balance:
        response = await self._get(
            f"/api/v0/addresses/{address}/balance",
            {"include_credit_details": "true" if credit_details else "false"},
        )
        if response.status_code != 200:
            raise ApiError(f"balance of {address}: HTTP {response.status_code}")
        return balance_from_node(response.data)

    async def devnet_document(self) -> dict[str, Any]:
        """The devnet's self-description; ApiError when this is not a devnet."""
        response = await self._get("/api/v0/devnet")
        if response.status_code != 200:
            raise ApiError(f"{self.base_url} is not an aleph-tui devnet")
        data: dict[str, Any] = response.data
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

    # --- credit history (aleph-api.md §2) -------------------------------------------------

    async def credit_history(
        self,
        address: str,
        *,
        page: int = 1,
        page_size: int = 100,
        filters: HistoryFilters | None = None,
        sort_by: str = "message_timestamp",
        sort_order: Literal[-1, 1] = -1,
    ) -> CreditHistoryPage:
        """One page of history, newest first by default. An empty page is a 404 on the
        node (for an address without history and for a page past the end): it comes back
        as a page with no entries, whose ``total`` still counts the matching rows."""
        rows = await self.credit_history_items(
            address,
            page=page,
            page_size=page_size,
            filters=filters,
            sort_by=sort_by,
            sort_order=sort_order,
        )
        return CreditHistoryPage(
            address=rows.address,
            entries=tuple(map(history_entry, rows.items)),
            page=rows.page,
            page_size=rows.page_size,
            total=rows.total,
        )

    async def credit_history_items(
        self,
        address: str,
        *,
        page: int = 1,
        page_size: int = 100,
        filters: HistoryFilters | None = None,
        sort_by: str = "message_timestamp",
        sort_order: Literal[-1, 1] = -1,
    ) -> HistoryItems:
        """``credit_history`` with its rows as the node sent them, for the export, which
        writes 100k of them and has no use for the entries' parsed values."""
        if page < 1 or page_size < 1:
            raise ValueError("page and page_size start at 1")
        if sort_by not in HISTORY_SORT_FIELDS:
            raise ValueError(f"cannot sort history by {sort_by!r}")
        params = {
            "page": str(page),
            "pagination": str(page_size),
            "sort_by": sort_by,
            "sort_order": str(sort_order),
            **(filters or HistoryFilters()).query(),
        }
        response = await self._get(
            f"/api/v0/addresses/{address}/credit_history", params, exact_floats=False
        )
        if response.status_code == 404:
            total = 0
            if page > 1:
                total = (await self.credit_history_summary(address, filters)).entry_count
            return HistoryItems(address, (), page, page_size, total)
        if response.status_code != 200:
            raise ApiError(f"credit history of {address}: {_body_line(response)}")
        data = response.data
        return HistoryItems(
            address=str(data["address"]),
            items=data["credit_history"],
            page=int(data.get("pagination_page", page)),
            page_size=int(data.get("pagination_per_page", page_size)),
            total=int(data["pagination_total"]),
        )

    async def credits_for_tx(self, address: str, tx_hash: str) -> int | None:
        """The credits the node distributed to ``address`` for the payment ``tx_hash``
        (its ``credit_history`` rows carrying that hash, pyaleph ``credit_transfer.py``),
        or None while it shows none. The node is the authority on credits arrived."""
        wanted = tx_hash.lower()
        path = f"/api/v0/addresses/{address}/credit_history"
        # The exact-match filter first; then the newest incoming rows, compared without
        # case, in case a credit service wrote the hash in another case.
        for params in (
            {"tx_hash": wanted, "page": "1", "pagination": "100"},
            {"direction": "incoming", "page": "1", "pagination": "100", "sort_order": "-1"},
        ):
            response = await self._get(path, params)
            if response.status_code == 404:
                continue  # no such row (the node answers 404 for an empty page)
            if response.status_code != 200:
                raise ApiError(f"credit history of {address}: {_body_line(response)}")
            rows = response.data.get("credit_history") if isinstance(response.data, dict) else None
            amounts = [
                int(row["amount"])
                for row in rows or ()
                if isinstance(row, dict)
                and str(row.get("tx_hash") or "").lower() == wanted
                and int(row.get("amount") or 0) > 0
            ]
            if amounts:
                return sum(amounts)
        return None

    async def credit_history_summary(
        self, address: str, filters: HistoryFilters | None = None
    ) -> CreditHistorySummary:
        response = await self._get(
            f"/api/v0/addresses/{address}/credit_history/summary",
            (filters or HistoryFilters()).query(),
        )
        if response.status_code != 200:
            raise ApiError(f"credit summary of {address}: {_body_line(response)}")
        data = response.data
        return CreditHistorySummary(
            address=str(data["address"]),
            entry_count=int(data["entry_count"]),
            total_amount=int(data["total_amount"]),
            total_incoming=int(data["total_incoming"]),
            total_outgoing=int(data["total_outgoing"]),
        )

    # --- pricing (aleph-api.md §6) --------------------------------------------------------

    async def pricing(self) -> Pricing:
        response = await self._get(f"/api/v0/aggregates/{PRICING_OWNER}.json", {"keys": "pricing"})
        if response.status_code == 404:
            raise ApiError("the node has no pricing aggregate")
        if response.status_code != 200:
            raise ApiError(f"pricing: {_body_line(response)}")
        data = response.data
        entities = (data.get("data") or {}).get("pricing") or {}
        return Pricing({name: _entity_pricing(name, value) for name, value in entities.items()})

    # --- messages (aleph-api.md §3.3) -----------------------------------------------------

    async def post_message(self, message: dict[str, Any], *, sync: bool = True) -> PostResult:
        """``POST /api/v0/messages``, sent once. ``MessageNotSent`` when the node was never
        reached; ``OutcomeUnknown`` when it may have received the message but gave no
        usable answer: only ``message_status`` can then tell (see Transfer.execute)."""
        item_hash = str(message["item_hash"])
        seconds = retry.post_timeout()
        try:
            response = await self._client.post(
                self.base_url + "/api/v0/messages",
                json={"sync": sync, "message": message},
                timeout=httpx.Timeout(seconds, connect=min(CONNECT_TIMEOUT_S, seconds)),
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            what = retry.transport_fault(self.where, exc, seconds)
            raise MessageNotSent(f"{what}; nothing was sent, try again later") from None
        except httpx.TransportError as exc:
            what = retry.transport_fault(self.where, exc, seconds)
            raise OutcomeUnknown(f"{what} to message {item_hash}") from None
        try:
            data = json.loads(response.text)
        except ValueError:
            data = None
        if not isinstance(data, dict) or "message_status" not in data:
            if response.status_code == 422:
                raise InvalidMessage(_body_line(response))
            if response.status_code >= 500:
                what = retry.status_fault(self.where, response.status_code)
                raise OutcomeUnknown(f"{what} to message {item_hash}") from None
            if response.status_code in (200, 202):
                what = retry.malformed_fault(self.where)
                raise OutcomeUnknown(f"{what} to message {item_hash}") from None
            raise ApiError(f"posting {item_hash}: {_body_line(response)}")
        status = data["message_status"]
        if status not in ("processed", "pending", "rejected"):
            raise ApiError(f"posting {item_hash}: unknown status {status!r}")
        publication = data.get("publication_status") or {}
        return PostResult(
            item_hash=item_hash,
            status=status,
            http_status=response.status_code,
            publication_status=publication.get("status"),
            failed=tuple(publication.get("failed") or ()),
        )

    async def message_status(self, item_hash: str) -> MessageStatus | None:
        """``GET /api/v0/messages/{hash}``; None when the node does not know the message."""
        response = await self._get(f"/api/v0/messages/{item_hash}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ApiError(f"message {item_hash}: {_body_line(response)}")
        data = response.data
        details = data.get("details") or {}
        errors = details.get("errors") if isinstance(details, dict) else None
        error_code = data.get("error_code")
        return MessageStatus(
            item_hash=str(data.get("item_hash", item_hash)),
            status=str(data["status"]),
            reception_time=node_datetime(data.get("reception_time")),
            error_code=None if error_code is None else int(error_code),
            errors=tuple(str(e) for e in errors) if isinstance(errors, list) else (),
            details=details if isinstance(details, dict) and details else None,
        )

    async def message_type(self, item_hash: str) -> str | None:
        """The type (INSTANCE, STORE, PROGRAM, POST…) of a message the node knows, from
        ``GET /api/v0/messages/{hash}``; None when it does not know it: a 404, or a 400
        for text that is not a message hash at all (pyaleph's answer to such an origin).
        Either way the answer is final, so the caller may remember it."""
        response = await self._get(f"/api/v0/messages/{item_hash}")
        if response.status_code in (400, 404):
            return None
        if response.status_code != 200:
            raise ApiError(f"message {item_hash}: {_body_line(response)}")
        data = response.data
        message = data.get("message")
        if not isinstance(message, dict):  # a pending message comes as "messages": [...]
            pending = data.get("messages")
            message = pending[0] if isinstance(pending, list) and pending else None
        kind = message.get("type") if isinstance(message, dict) else None
        return str(kind) if isinstance(kind, str) else None
