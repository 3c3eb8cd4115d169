"""Credit history and its summary over real HTTP (aleph-api.md §2).

Every expectation is computed here from rows the API itself returns (the full list,
``pagination=0``), filtered and sorted client-side the way pyaleph's SQL does.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import math
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from eth_account import Account

from aleph_tui.core.aleph.messages import (
    CREDIT_DISTRIBUTION,
    CREDIT_EXPENSE,
    build_post_message,
)
from aleph_tui.devnet.operators import CREDIT_SIGNER
from aleph_tui.devnet.processor import MAINNET_CREDIT_OWNER
from tests.support.devnet_process import RunningDevnet

Row = dict[str, Any]
Predicate = Callable[[Row], bool]
NO_HISTORY = "No credit history found for this address"
ROW_KEYS = {
    "amount",
    "price",
    "bonus_amount",
    "tx_hash",
    "token",
    "chain",
    "provider",
    "origin",
    "origin_ref",
    "payment_method",
    "credit_ref",
    "credit_index",
    "expiration_date",
    "message_timestamp",
    "expense_count",
    "expense_size_mib",
}
SORT_COLUMNS = (
    "message_timestamp",
    "expiration_date",
    "payment_method",
    "amount",
    "origin",
    "tx_hash",
    "provider",
)
NULLABLE_SORT_COLUMNS = {"expiration_date", "origin", "tx_hash", "provider"}
TIME_COLUMNS = {"message_timestamp", "expiration_date"}


@pytest.fixture(scope="module")
async def api(devnet: RunningDevnet) -> AsyncIterator[httpx.AsyncClient]:
    # One client per module: building one (its TLS context) costs ~0.1 s.
    async with httpx.AsyncClient(base_url=devnet.api_url, timeout=30) as client:
        yield client


@pytest.fixture
def owner(accounts: list[Any]) -> str:
    """The first seeded account: hundreds of rows of every kind."""
    return str(accounts[0].address)


@pytest.fixture(scope="module")
async def owner_rows(api: httpx.AsyncClient, accounts: list[Any]) -> list[Row]:
    """The owner's full history, newest first. Nothing in this module writes to it."""
    return await _rows(api, accounts[0].address)


def _url(address: str, summary: bool = False) -> str:
    return f"/api/v0/addresses/{address}/credit_history" + ("/summary" if summary else "")


async def _get(api: httpx.AsyncClient, address: str, **params: Any) -> httpx.Response:
    return await api.get(_url(address), params=params)


async def _rows(api: httpx.AsyncClient, address: str, **params: Any) -> list[Row]:
    """All rows in page mode (pagination=0), or [] when the API answers 404."""
    response = await _get(api, address, **params)
    if response.status_code == 404:
        assert response.text == NO_HISTORY
        return []
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["pagination_total"] == len(body["credit_history"])
    return list(body["credit_history"])


async def _summary(api: httpx.AsyncClient, address: str, **params: Any) -> dict[str, Any]:
    response = await api.get(_url(address, summary=True), params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _key(row: Row) -> tuple[str, int]:
    return row["credit_ref"], row["credit_index"]


def _keys(rows: list[Row]) -> list[tuple[str, int]]:
    return [_key(r) for r in rows]


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _seconds(value: str) -> str:
    """An ISO time from the API as the Unix-seconds query value that names the same instant."""
    return repr(_time(value).timestamp())


def _sort_value(row: Row, column: str) -> Any:
    value = row[column]
    if value is not None and column in TIME_COLUMNS:
        return _time(value)
    return value


def _client_sort(rows: list[Row], column: str, order: int) -> list[Row]:
    """pyaleph's ORDER BY: column (NULLS LAST), then credit_ref, credit_index, same direction."""
    descending = order == -1
    present = [r for r in rows if r[column] is not None]
    missing = [r for r in rows if r[column] is None]
    present.sort(key=lambda r: (_sort_value(r, column), *_key(r)), reverse=descending)
    missing.sort(key=_key, reverse=descending)
    return present + missing


def _amount_in(amounts: set[int]) -> Predicate:
    return lambda row: row["amount"] in amounts


def _effective_origin(row: Row) -> str | None:
    origin: str | None = row["origin"] or row["origin_ref"]
    return origin


async def _message_types(api: httpx.AsyncClient, hashes: set[str]) -> dict[str, str]:
    """The type of each processed message among ``hashes``; unknown hashes are left out."""
    limit = asyncio.Semaphore(16)

    async def one(item_hash: str) -> tuple[str, str | None]:
        async with limit:
            response = await api.get(f"/api/v0/messages/{item_hash}")
        # 400: not a message hash at all (an address in origin), as pyaleph answers.
        if response.status_code in (400, 404):
            return item_hash, None
        body = response.json()
        if body["status"] != "processed":
            return item_hash, None
        return item_hash, str(body["message"]["type"])

    found = await asyncio.gather(*(one(h) for h in hashes))
    return {h: t for h, t in found if t is not None}


async def _post_as_credit_owner(api: httpx.AsyncClient, post_type: str, content: Any) -> str:
    message = build_post_message(
        CREDIT_SIGNER.private_key,
        CREDIT_SIGNER.address,
        post_type,
        content,
        address=MAINNET_CREDIT_OWNER,
    )
    response = await api.post("/api/v0/messages", json={"sync": True, "message": message})
    assert response.status_code == 200, response.text
    assert response.json()["message_status"] == "processed"
    return str(message["item_hash"])


async def _assert_filter_agrees(
    api: httpx.AsyncClient,
    address: str,
    params: dict[str, str],
    keep: Predicate,
    full: list[Row] | None = None,
) -> list[Row]:
    """Page mode, its total and the summary all agree with client-side filtering."""
    if full is None:
        full = await _rows(api, address)
    expected = [r for r in full if keep(r)]
    got = await _rows(api, address, **params)
    assert _keys(got) == _keys(expected)
    assert got == expected

    response = await _get(api, address, pagination=1, **params)
    if expected:
        assert response.json()["pagination_total"] == len(expected)
    else:
        assert response.status_code == 404

    incoming = sum(r["amount"] for r in expected if r["amount"] > 0)
    outgoing = sum(r["amount"] for r in expected if r["amount"] < 0)
    assert await _summary(api, address, **params) == {
        "address": address,
        "entry_count": len(expected),
        "total_amount": incoming + outgoing,
        "total_incoming": incoming,
        "total_outgoing": outgoing,
    }
    return expected


# --- page mode -------------------------------------------------------------------------


async def test_pagination_zero_and_default_return_every_row(
    api: httpx.AsyncClient, owner: str
) -> None:
    response = await _get(api, owner, pagination=0)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "address",
        "credit_history",
        "pagination_page",
        "pagination_total",
        "pagination_per_page",
    }
    assert body["address"] == owner
    assert body["pagination_page"] == 1
    assert body["pagination_per_page"] == 0
    assert body["pagination_total"] == len(body["credit_history"]) > 200

    default = (await _get(api, owner)).json()
    assert default["credit_history"] == body["credit_history"]
    assert default["pagination_per_page"] == 0


async def test_pages_slice_the_full_list(api: httpx.AsyncClient, owner: str) -> None:
    full = await _rows(api, owner)
    per_page = 50
    pages = math.ceil(len(full) / per_page)
    for page in (1, 2, pages):
        body = (await _get(api, owner, page=page, pagination=per_page)).json()
        assert body["pagination_page"] == page
        assert body["pagination_per_page"] == per_page
        assert body["pagination_total"] == len(full)
        start = (page - 1) * per_page
        assert body["credit_history"] == full[start : start + per_page]

    # No upper clamp in page mode.
    body = (await _get(api, owner, pagination=5000)).json()
    assert body["pagination_per_page"] == 5000
    assert body["credit_history"] == full

    past = await _get(api, owner, page=pages + 1, pagination=per_page)
    assert past.status_code == 404
    assert past.text == NO_HISTORY


async def test_unknown_address_is_404_in_both_modes(api: httpx.AsyncClient) -> None:
    address = Account.create().address
    for params in ({}, {"pagination": 10, "page": 1}, {"cursor": "", "pagination": 10}):
        response = await _get(api, address, **params)
        assert response.status_code == 404
        assert response.text == NO_HISTORY


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": "-1"},
        {"pagination": "-1"},
        {"pagination": "ten"},
        {"sort_by": "credit_ref"},
        {"sort_order": "0"},
        {"sort_order": "2"},
        {"direction": "sideways"},
        {"startDate": "200", "endDate": "100"},
        {"startDate": "-1"},
        {"endDate": "-5"},
        {"startDate": "yesterday"},
        {"has_expiration": "maybe"},
        {"resourceTypes": "STORE,BANANA"},
    ],
    ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()),
)
async def test_invalid_parameters_are_422_json(
    api: httpx.AsyncClient, owner: str, params: dict[str, str]
) -> None:
    response = await _get(api, owner, **params)
    assert response.status_code == 422
    errors = response.json()
    assert isinstance(errors, list) and errors
    if not set(params) & {"page", "pagination", "sort_by", "sort_order"}:
        # The summary takes the same filters, validated the same way.
        summary = await api.get(_url(owner, summary=True), params=params)
        assert summary.status_code == 422
        assert isinstance(summary.json(), list)


async def test_field_types(api: httpx.AsyncClient, owner: str) -> None:
    rows = await _rows(api, owner)
    for row in rows:
        assert set(row) == ROW_KEYS
        assert isinstance(row["amount"], int) and row["amount"] != 0
        assert isinstance(row["credit_ref"], str) and isinstance(row["credit_index"], int)
        assert row["bonus_amount"] is None or isinstance(row["bonus_amount"], int)
        assert row["message_timestamp"].endswith("Z")
        _time(row["message_timestamp"])
        if row["expiration_date"] is not None:
            assert row["expiration_date"].endswith("Z")
            _time(row["expiration_date"])
        if row["price"] is not None:
            assert isinstance(row["price"], str)
            float(row["price"])
        for column in ("tx_hash", "token", "chain", "provider", "origin", "origin_ref"):
            assert row[column] is None or (isinstance(row[column], str) and row[column])
    methods = {r["payment_method"] for r in rows}
    assert {"credit_expense", "token_transfer", "credit_transfer"} <= methods
    prices = [r["price"] for r in rows if r["payment_method"] == "token_transfer"]
    assert prices and all(isinstance(p, str) for p in prices)
    expenses = [r for r in rows if r["payment_method"] == "credit_expense"]
    assert all(r["amount"] < 0 and r["provider"] == "ALEPH" for r in expenses)


async def test_rows_are_byte_for_byte_what_the_pyaleph_model_writes(
    api: httpx.AsyncClient, owner: str
) -> None:
    """The page is serialised without building a pydantic model per row; each row must
    still be exactly what pyaleph's ``CreditHistoryResponseItem`` writes."""
    from aleph_tui.devnet.schemas import CreditHistoryResponseItem

    response = await _get(api, owner, pagination=0)
    assert response.status_code == 200
    rows = json.loads(response.content)["credit_history"]
    assert any(r["price"] is not None for r in rows)
    assert any(r["expiration_date"] is not None for r in rows)
    model_json = [CreditHistoryResponseItem.model_validate(r).model_dump_json() for r in rows]
    body = response.content.decode()
    start = body.index('"credit_history":[') + len('"credit_history":[')
    assert body[start:].startswith(",".join(model_json) + "]")


# --- sorting and cursors ------------------------------------------------------------------


async def test_default_sort_is_newest_first(owner_rows: list[Row]) -> None:
    assert _keys(owner_rows) == _keys(_client_sort(owner_rows, "message_timestamp", -1))


async def _walk(
    api: httpx.AsyncClient, address: str, per_page: int, **params: Any
) -> tuple[list[Row], list[int]]:
    rows: list[Row] = []
    sizes: list[int] = []
    cursor = ""
    for _ in range(1000):
        response = await _get(api, address, cursor=cursor, pagination=per_page, **params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"address", "credit_history", "pagination_per_page", "next_cursor"}
        assert body["pagination_per_page"] == min(per_page, 200)
        rows += body["credit_history"]
        sizes.append(len(body["credit_history"]))
        cursor = body["next_cursor"]
        if cursor is None:
            return rows, sizes
    raise AssertionError("the cursor walk never ended")


@pytest.mark.parametrize("order", [1, -1])
@pytest.mark.parametrize("column", SORT_COLUMNS)
async def test_sort_matches_client_side_sort_and_cursor_walk_matches_pages(
    api: httpx.AsyncClient, owner: str, column: str, order: int
) -> None:
    params = {"sort_by": column, "sort_order": order}
    full = await _rows(api, owner, **params)
    if column not in NULLABLE_SORT_COLUMNS:
        assert all(r[column] is not None for r in full)
    elif column != "provider":
        assert any(r[column] is None for r in full), "the seed has NULLs to place last"
    assert _keys(full) == _keys(_client_sort(full, column, order))

    # The cursor walk returns every row exactly once, in the same order.
    walked, sizes = await _walk(api, owner, 60, **params)
    assert _keys(walked) == _keys(full)
    assert walked == full
    assert all(size == 60 for size in sizes[:-1]) and 0 < sizes[-1] <= 60


async def test_small_pages_of_rows_sharing_a_timestamp(api: httpx.AsyncClient, owner: str) -> None:
    # Expense messages bill two resources at one instant: pages of 1 and 3 cut between them.
    full = await _rows(api, owner)
    for per_page in (1, 3):
        head = full[: 12 * per_page]
        rows: list[Row] = []
        cursor = ""
        while len(rows) < len(head):
            body = (await _get(api, owner, cursor=cursor, pagination=per_page)).json()
            rows += body["credit_history"]
            cursor = body["next_cursor"]
        assert _keys(rows) == _keys(head)


async def test_cursor_pages_are_capped_at_200(api: httpx.AsyncClient, owner: str) -> None:
    full = await _rows(api, owner)
    assert len(full) > 200
    walked, sizes = await _walk(api, owner, 1000)
    assert sizes[0] == 200
    assert walked == full


async def test_cursor_walk_with_filters(api: httpx.AsyncClient, owner: str) -> None:
    params = {"direction": "outgoing", "sort_by": "amount", "sort_order": 1}
    full = await _rows(api, owner, **params)
    assert full and all(r["amount"] < 0 for r in full)
    walked, _ = await _walk(api, owner, 25, **params)
    assert walked == full


def _cursor(payload: Any) -> str:
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "", "pagination": "0"},
        {"cursor": ""},
        {"cursor": "!!! not a cursor !!!", "pagination": "10"},
        {"cursor": _cursor([1, 2, 3]), "pagination": "10"},
        {"cursor": _cursor({"s": "amount", "v": 1}), "pagination": "10"},
    ],
    ids=["pagination-0", "pagination-default", "garbage", "not-a-dict", "missing-fields"],
)
async def test_bad_cursor_requests_are_422(
    api: httpx.AsyncClient, owner: str, params: dict[str, str]
) -> None:
    response = await _get(api, owner, **params)
    assert response.status_code == 422


async def test_cursor_must_match_the_sort_it_was_made_for(
    api: httpx.AsyncClient, owner: str
) -> None:
    first = (await _get(api, owner, cursor="", pagination=5, sort_by="amount")).json()
    cursor = first["next_cursor"]
    assert cursor
    same = await _get(api, owner, cursor=cursor, pagination=5, sort_by="amount")
    assert same.status_code == 200

    other_column = await _get(api, owner, cursor=cursor, pagination=5, sort_by="origin")
    assert other_column.status_code == 422
    assert "sort field mismatch" in other_column.text

    other_order = await _get(
        api, owner, cursor=cursor, pagination=5, sort_by="amount", sort_order=1
    )
    assert other_order.status_code == 422
    assert "sort order mismatch" in other_order.text


# --- filters and summary --------------------------------------------------------------------

FilterCase = Callable[[list[Row]], tuple[dict[str, str], Predicate]]


def _first(rows: list[Row], keep: Predicate) -> Row:
    return next(r for r in rows if keep(r))


def _equals(column: str, pick: Predicate) -> FilterCase:
    def case(rows: list[Row]) -> tuple[dict[str, str], Predicate]:
        value = _first(rows, lambda r: pick(r) and r[column] is not None)[column]
        return {column: value}, lambda r: r[column] == value

    return case


def _date_range(rows: list[Row]) -> tuple[dict[str, str], Predicate]:
    # Bounds are the exact instants of two rows, which must both be included.
    newer = rows[len(rows) // 4]["message_timestamp"]
    older = rows[len(rows) // 2]["message_timestamp"]
    start, end = _time(older), _time(newer)
    return (
        {"startDate": _seconds(older), "endDate": _seconds(newer)},
        lambda r: start <= _time(r["message_timestamp"]) <= end,
    )


def _start_only(rows: list[Row]) -> tuple[dict[str, str], Predicate]:
    start = _time(rows[30]["message_timestamp"])
    return {
        "startDate": _seconds(rows[30]["message_timestamp"])
    }, lambda r: _time(r["message_timestamp"]) >= start


def _end_whole_seconds(rows: list[Row]) -> tuple[dict[str, str], Predicate]:
    end = int(_time(rows[len(rows) // 3]["message_timestamp"]).timestamp())
    limit = dt.datetime.fromtimestamp(end, dt.UTC)
    return {"endDate": str(end)}, lambda r: _time(r["message_timestamp"]) <= limit


def _excluding(*methods: str) -> FilterCase:
    def case(rows: list[Row]) -> tuple[dict[str, str], Predicate]:
        # SQL NOT IN never matches a NULL payment method.
        return {
            "exclude_payment_method": ",".join(methods)
        }, lambda r: r["payment_method"] is not None and r["payment_method"] not in methods

    return case


def _constant(params: dict[str, str], keep: Predicate) -> FilterCase:
    return lambda rows: (params, keep)


def _combined(rows: list[Row]) -> tuple[dict[str, str], Predicate]:
    return {
        "direction": "incoming",
        "has_expiration": "true",
        "token": "ALEPH",
    }, lambda r: r["amount"] > 0 and r["expiration_date"] is not None and r["token"] == "ALEPH"


def _resource(rows: list[Row]) -> tuple[dict[str, str], Predicate]:
    value = _first(rows, lambda r: r["payment_method"] == "credit_expense")["origin"]
    return {"resource": value}, lambda r: _effective_origin(r) == value


def _resource_shadowed(rows: list[Row]) -> tuple[dict[str, str], Predicate]:
    # A resource named only in origin_ref of rows whose origin is set: the origin wins.
    value = _first(rows, lambda r: bool(r["origin"] and r["origin_ref"]))["origin_ref"]
    return {"resource": value}, lambda r: _effective_origin(r) == value


FILTER_CASES: dict[str, FilterCase] = {
    "tx_hash-purchase": _equals("tx_hash", lambda r: r["payment_method"] == "token_transfer"),
    "tx_hash-node": _equals("tx_hash", lambda r: r["payment_method"] == "credit_expense"),
    "token-ALEPH": _constant({"token": "ALEPH"}, lambda r: r["token"] == "ALEPH"),
    "token-USDC": _constant({"token": "USDC"}, lambda r: r["token"] == "USDC"),
    "token-ETH": _constant({"token": "ETH"}, lambda r: r["token"] == "ETH"),
    "token-none": _constant({"token": "DOGE"}, lambda r: False),
    "chain": _constant({"chain": "ETH"}, lambda r: r["chain"] == "ETH"),
    "provider": _constant({"provider": "ALEPH"}, lambda r: r["provider"] == "ALEPH"),
    "origin-transfer": _equals("origin", lambda r: r["payment_method"] == "credit_transfer"),
    "origin-expense": _equals("origin", lambda r: r["payment_method"] == "credit_expense"),
    "origin_ref": _equals("origin_ref", lambda r: r["payment_method"] == "credit_expense"),
    "payment_method-expense": _constant(
        {"payment_method": "credit_expense"}, lambda r: r["payment_method"] == "credit_expense"
    ),
    "payment_method-purchase": _constant(
        {"payment_method": "token_transfer"}, lambda r: r["payment_method"] == "token_transfer"
    ),
    "payment_method-transfer": _constant(
        {"payment_method": "credit_transfer"},
        lambda r: r["payment_method"] == "credit_transfer",
    ),
    "payment_method-grant": _constant(
        {"payment_method": "grant"}, lambda r: r["payment_method"] == "grant"
    ),
    "has_expiration-true": _constant(
        {"has_expiration": "true"}, lambda r: r["expiration_date"] is not None
    ),
    "has_expiration-false": _constant(
        {"has_expiration": "false"}, lambda r: r["expiration_date"] is None
    ),
    "exclude-one": _excluding("credit_expense"),
    "exclude-csv": _excluding("credit_expense", "grant"),
    "date-range-inclusive": _date_range,
    "start-only": _start_only,
    "end-whole-seconds": _end_whole_seconds,
    "direction-incoming": _constant({"direction": "incoming"}, lambda r: r["amount"] > 0),
    "direction-outgoing": _constant({"direction": "outgoing"}, lambda r: r["amount"] < 0),
    "combined": _combined,
    "resource": _resource,
    "resource-origin-wins": _resource_shadowed,
}


@pytest.mark.parametrize("case", FILTER_CASES, ids=str)
async def test_filter_agrees_with_client_side_filtering(
    api: httpx.AsyncClient, owner: str, owner_rows: list[Row], case: str
) -> None:
    full = owner_rows
    params, keep = FILTER_CASES[case](full)
    expected = await _assert_filter_agrees(api, owner, params, keep, full)
    if case == "date-range-inclusive":
        keys = set(_keys(expected))
        assert _key(full[len(full) // 4]) in keys and _key(full[len(full) // 2]) in keys
    if not case.startswith(("token-none", "resource-origin-wins")):
        assert expected, f"{case} should select some seeded rows"


async def test_summary_of_everything_matches_the_rows(
    api: httpx.AsyncClient, owner: str, owner_rows: list[Row]
) -> None:
    await _assert_filter_agrees(api, owner, {}, lambda r: True, owner_rows)


async def test_summary_of_unknown_address_is_zeros(api: httpx.AsyncClient) -> None:
    address = Account.create().address
    assert await _summary(api, address) == {
        "address": address,
        "entry_count": 0,
        "total_amount": 0,
        "total_incoming": 0,
        "total_outgoing": 0,
    }
    assert (await _summary(api, address, direction="incoming"))["entry_count"] == 0


async def test_resource_types_on_seeded_history(
    api: httpx.AsyncClient, owner: str, owner_rows: list[Row]
) -> None:
    # Seeded expenses carry an execution id in origin, as mainnet ones do, and that id
    # shadows the resource hash in origin_ref. Resolving all ~700 ids one GET at a time is
    # too slow, so check every returned row plus a sample of the others.
    sample = owner_rows[:: max(1, len(owner_rows) // 40)]
    sample += [r for r in owner_rows if r["payment_method"] != "credit_expense"]
    types = await _message_types(api, {o for r in sample if (o := _effective_origin(r))})
    for wanted in ("INSTANCE", "STORE", "PROGRAM", "POST", "INSTANCE,PROGRAM"):
        kinds = set(wanted.split(","))
        got = await _rows(api, owner, resourceTypes=wanted)
        types |= await _message_types(api, {o for r in got if (o := _effective_origin(r))})
        got_keys = set(_keys(got))
        for row in got + [r for r in sample if _key(r) not in got_keys]:
            matches = types.get(_effective_origin(row) or "") in kinds
            assert matches == (_key(row) in got_keys), row
        summary = await _summary(api, owner, resourceTypes=wanted)
        assert summary["entry_count"] == len(got)


async def test_resource_types_match_the_billed_resource_message(
    api: httpx.AsyncClient, accounts: list[Any]
) -> None:
    # The seeded resources: account 0 runs an INSTANCE and a STORE, account 1 a PROGRAM.
    refs: set[str] = set()
    for account in accounts[:2]:
        rows = await _rows(api, account.address, payment_method="credit_expense")
        refs |= {r["origin_ref"] for r in rows if r["origin_ref"]}
    by_type = {kind: item_hash for item_hash, kind in (await _message_types(api, refs)).items()}
    assert {"INSTANCE", "STORE", "PROGRAM"} <= set(by_type)

    address = Account.create().address
    fake = "ab" * 32

    def bill(amount: int, execution_id: str, ref: str) -> dict[str, Any]:
        return {
            "address": address,
            "amount": amount,
            "execution_id": execution_id,
            "ref": ref,
            "node_id": "cd" * 32,
            "price": "14250",
        }

    expense_hash = await _post_as_credit_owner(
        api,
        CREDIT_EXPENSE,
        {
            "expense": {
                "credits": [
                    bill(101, by_type["INSTANCE"], ""),  # compute: the VM hash in origin
                    bill(102, "", by_type["STORE"]),  # storage: the file hash in origin_ref
                    bill(103, by_type["PROGRAM"], by_type["PROGRAM"]),
                    bill(104, "", ""),  # nothing resolvable
                    bill(105, fake, by_type["INSTANCE"]),  # origin set, so origin_ref ignored
                ]
            }
        },
    )
    rows = await _rows(api, address)
    assert sorted(r["amount"] for r in rows) == [-105, -104, -103, -102, -101]
    assert all(r["credit_ref"] == expense_hash for r in rows)
    by_amount = {r["amount"]: r for r in rows}
    assert by_amount[-102]["origin"] is None and by_amount[-104]["origin_ref"] is None

    expectations = {
        "INSTANCE": {-101},
        "STORE": {-102},
        "PROGRAM": {-103},
        "STORE,INSTANCE": {-101, -102},
        "INSTANCE,PROGRAM,STORE": {-101, -102, -103},
        "POST": set(),
    }
    for wanted, amounts in expectations.items():
        got = await _assert_filter_agrees(
            api, address, {"resourceTypes": wanted}, _amount_in(amounts)
        )
        assert {r["amount"] for r in got} == amounts

    for resource, amounts in (
        (by_type["INSTANCE"], {-101}),
        (by_type["STORE"], {-102}),
        (fake, {-105}),
    ):
        got = await _assert_filter_agrees(api, address, {"resource": resource}, _amount_in(amounts))
        assert {r["amount"] for r in got} == amounts


async def test_rows_with_null_columns_sort_and_filter_like_pyaleph(
    api: httpx.AsyncClient,
) -> None:
    """A grant with no tx_hash, origin or expiration beside a full purchase row."""
    address = Account.create().address
    entries = [
        {"address": address, "amount": 3_000_000, "price": "0", "tx_hash": "", "provider": "X"},
        {
            "address": address,
            "amount": 2_000_000,
            "price": "1.5",
            "tx_hash": "0x" + "ee" * 32,
            "provider": "ALEPH",
            "expiration": int((dt.datetime.now(dt.UTC).timestamp() + 86400) * 1000),
            "origin": "checkout-42",
            "ref": "order-42",
            "payment_method": "token_transfer",
            "bonus_amount": 250_000,
        },
    ]
    await _post_as_credit_owner(
        api,
        CREDIT_DISTRIBUTION,
        {"distribution": {"credits": entries, "token": "USDC", "chain": "ETH"}},
    )
    rows = await _rows(api, address)
    grant = next(r for r in rows if r["amount"] == 3_000_000)
    assert grant["tx_hash"] is None and grant["origin"] is None
    assert grant["expiration_date"] is None and grant["payment_method"] is None
    purchase = next(r for r in rows if r["amount"] == 2_000_000)
    assert purchase["price"] == "1.5" and purchase["bonus_amount"] == 250_000
    assert (purchase["origin"], purchase["origin_ref"]) == ("checkout-42", "order-42")

    for column in ("tx_hash", "origin", "expiration_date"):
        for order in (1, -1):
            got = await _rows(api, address, sort_by=column, sort_order=order)
            assert _keys(got) == _keys(_client_sort(got, column, order))
            assert got[-1]["amount"] == 3_000_000, "NULLs sort last in both directions"

    # A NULL payment method is never returned by exclude_payment_method.
    await _assert_filter_agrees(
        api, address, {"exclude_payment_method": "grant"}, lambda r: r["amount"] == 2_000_000
    )
