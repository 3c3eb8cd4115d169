"""The history exporter (core) against the devnet: exactly the filtered rows, oldest first,
one bounded page at a time, and never a partial or overwritten file."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aleph_tui.core import validation
from aleph_tui.core.aleph.history_models import HistoryFilters, HistoryItems, history_entry
from aleph_tui.core.flows import history_export
from aleph_tui.core.flows.history_export import (
    COLUMNS,
    EXPORT_PAGE_SIZE,
    csv_cell,
    csv_cells,
    entry_record,
    export_history,
    partial_path,
)
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.core.validation import InvalidInput
from tests.support.devnet_process import RunningDevnet, start_devnet

Row = dict[str, Any]


async def api_rows(api_url: str, address: str, params: dict[str, str] | None = None) -> list[Row]:
    """Every matching row straight from the node (``pagination=0``), oldest first."""
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as client:
        response = await client.get(
            f"/api/v0/addresses/{address}/credit_history",
            params={"pagination": "0", "sort_order": "1", **(params or {})},
        )
    if response.status_code == 404:
        return []
    response.raise_for_status()
    rows: list[Row] = response.json()["credit_history"]
    return rows


def identity(row: Row) -> tuple[str, int, int]:
    return (str(row["credit_ref"]), int(row["credit_index"]), int(row["amount"]))


def csv_identities(path: Path) -> list[tuple[str, int, int]]:
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return [(r["credit_ref"], int(r["credit_index"]), int(r["amount"])) for r in reader]


@pytest.fixture
def service(devnet: RunningDevnet, tmp_path: Path) -> Iterator[CreditService]:
    yield CreditService(
        devnet_from_document(devnet.document), journal=Journal(tmp_path / "j.sqlite3")
    )


@pytest.fixture
def address(devnet: RunningDevnet) -> str:
    return str(devnet.document["accounts"][0]["address"])


async def test_csv_has_exactly_the_filtered_rows_oldest_first(
    service: CreditService,
    address: str,
    devnet: RunningDevnet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(history_export, "EXPORT_PAGE_SIZE", 200)  # several pages
    filters = HistoryFilters(direction="outgoing", payment_method="credit_expense")
    progress: list[tuple[int, int]] = []
    path = tmp_path / "out.csv"
    result = await service.export_history(
        address, path, "csv", filters=filters, progress=lambda r, t: progress.append((r, t))
    )
    expected = await api_rows(
        devnet.api_url, address, {"direction": "outgoing", "payment_method": "credit_expense"}
    )
    assert len(expected) > history_export.EXPORT_PAGE_SIZE  # several pages
    assert csv_identities(path) == [identity(r) for r in expected]
    assert (result.rows, result.total, result.complete) == (len(expected), len(expected), True)
    assert progress[-1] == (len(expected), len(expected))
    assert [r for r, _ in progress] == sorted(r for r, _ in progress)
    assert not partial_path(path).exists()
    await service.aclose()


async def test_json_has_exactly_the_filtered_rows(
    service: CreditService, address: str, devnet: RunningDevnet, tmp_path: Path
) -> None:
    rows = await api_rows(devnet.api_url, address)
    start = dt.datetime.fromisoformat(rows[len(rows) // 3]["message_timestamp"])
    end = dt.datetime.fromisoformat(rows[2 * len(rows) // 3]["message_timestamp"])
    filters = HistoryFilters(direction="incoming", start=start, end=end)
    path = tmp_path / "out.json"
    result = await service.export_history(address, path, "json", filters=filters)
    expected = await api_rows(devnet.api_url, address, filters.query())
    assert expected, "the window holds incoming rows"
    document = json.loads(path.read_text())
    assert document["address"] == address
    assert document["network"] == "devnet"
    assert document["filters"]["direction"] == "incoming"
    assert document["count"] == result.rows == len(expected)
    assert [(e["credit_ref"], e["credit_index"], e["amount"]) for e in document["entries"]] == [
        identity(r) for r in expected
    ]
    first = document["entries"][0]
    assert set(first) == set(COLUMNS)
    assert first["timestamp"].endswith("Z")
    assert isinstance(first["amount"], int) and first["direction"] == "incoming"
    await service.aclose()


async def test_an_empty_selection_gives_a_valid_empty_file(
    service: CreditService, address: str, tmp_path: Path
) -> None:
    future = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    filters = HistoryFilters(start=future)
    result = await service.export_history(address, tmp_path / "e.json", "json", filters=filters)
    assert result.rows == 0
    assert json.loads((tmp_path / "e.json").read_text())["entries"] == []
    await service.export_history(address, tmp_path / "e.csv", "csv", filters=filters)
    assert csv_identities(tmp_path / "e.csv") == []
    await service.aclose()


def fake_item(index: int) -> Row:
    """A history row as the node sends it."""
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=index)
    return {
        "amount": -index - 1,
        "price": None,
        "bonus_amount": None,
        "tx_hash": None,
        "token": None,
        "chain": None,
        "provider": None,
        "origin": None,
        "origin_ref": None,
        "payment_method": "credit_expense",
        "credit_ref": f"ref{index}",
        "credit_index": index,
        "expiration_date": None,
        "message_timestamp": moment.isoformat(),
        "expense_count": None,
        "expense_size_mib": None,
    }


def full_page(number: int, size: int, *, total: int) -> HistoryItems:
    items = [fake_item((number - 1) * size + i) for i in range(size)]
    return HistoryItems("0xabc", items, number, size, total)


async def test_failure_and_cancellation_leave_no_file(tmp_path: Path) -> None:
    async def failing(number: int, size: int) -> HistoryItems:
        if number == 2:
            raise RuntimeError("node went away")
        return full_page(number, size, total=3 * size)

    path = tmp_path / "x.csv"
    with pytest.raises(RuntimeError, match="went away"):
        await export_history(failing, path, "csv", address="0xabc", page_size=2)
    assert not path.exists() and not partial_path(path).exists()

    reached_page_two = asyncio.Event()

    async def hanging(number: int, size: int) -> HistoryItems:
        if number == 2:
            reached_page_two.set()
            await asyncio.Event().wait()
        return full_page(number, size, total=3 * size)

    task = asyncio.create_task(export_history(hanging, path, "json", address="0xabc", page_size=2))
    await reached_page_two.wait()
    assert partial_path(path).exists()  # page 1 is on disk, not in memory
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not path.exists() and not partial_path(path).exists()


async def test_nothing_is_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "taken.csv"
    path.write_text("mine")
    with pytest.raises(InvalidInput, match="already exists"):
        validation.export_path(str(path))

    async def one_page(number: int, size: int) -> HistoryItems:
        return full_page(number, 1, total=1)

    # Created by someone else while the export ran: the exporter refuses at the end too.
    with pytest.raises(FileExistsError):
        await export_history(one_page, path, "csv", address="0xabc")
    assert path.read_text() == "mine"
    assert not partial_path(path).exists()


async def test_rows_added_during_the_export_are_followed(tmp_path: Path) -> None:
    async def growing(number: int, size: int) -> HistoryItems:
        # One more row arrives after the first page was read; oldest-first paging puts it last.
        return full_page(number, size, total=5 if number == 1 else 6)

    result = await export_history(growing, tmp_path / "g.csv", "csv", address="0xabc", page_size=2)
    assert (result.rows, result.total, result.complete) == (6, 6, True)
    assert [ref for ref, _, _ in csv_identities(tmp_path / "g.csv")] == [
        f"ref{i}" for i in range(6)
    ]


def test_export_path_rules(tmp_path: Path) -> None:
    assert validation.export_path(f" {tmp_path}/new.csv ") == (tmp_path / "new.csv").resolve()
    with pytest.raises(InvalidInput, match="empty"):
        validation.export_path("  ")
    with pytest.raises(InvalidInput, match="directory"):
        validation.export_path(str(tmp_path))
    with pytest.raises(InvalidInput, match="does not exist"):
        validation.export_path(str(tmp_path / "missing" / "x.csv"))


def test_csv_cells_never_run_as_formulas() -> None:
    assert csv_cell("origin", "=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("origin", "@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("amount", -9152) == "-9152"  # numbers keep their sign
    assert csv_cell("usd", "-0.009152") == "-0.009152"
    assert csv_cell("tx_hash", None) == ""


def spec_cells(item: Row) -> list[str]:
    """The CSV cells of a row by the rule: ``csv_cell`` of each column of its record."""
    record = entry_record(history_entry(item))
    return [csv_cell(column, record[column]) for column in COLUMNS]


def written_rows(items: list[Row], tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "rows.csv"
    path.unlink(missing_ok=True)
    writer = history_export._CsvWriter(path)
    writer.write(items)
    writer.finish(len(items))
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.reader(file))[1:]


node_text = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["=1+1", "@SUM(A1)", "-x", "+x", "\tx", "\rx", 'say "hi", then\nleave']),
)
node_time = st.one_of(
    st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=2))])).map(
        lambda moment: moment.isoformat().replace("+00:00", "Z")
    ),
    st.datetimes().map(dt.datetime.isoformat),  # no offset: UTC, as the node means it
)
node_decimal = st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str)
node_item = st.fixed_dictionaries(
    {
        "amount": st.integers(-(10**18), 10**18),
        "price": st.none() | node_decimal,
        "bonus_amount": st.none() | st.integers(0, 10**12),
        "tx_hash": node_text,
        "token": node_text,
        "chain": node_text,
        "provider": node_text,
        "origin": node_text,
        "origin_ref": node_text,
        "payment_method": node_text,
        "credit_ref": st.text(min_size=1, max_size=12),
        "credit_index": st.integers(0, 1000),
        "expiration_date": st.none() | node_time,
        "message_timestamp": node_time,
        "expense_count": st.none() | st.integers(0, 10**6),
        "expense_size_mib": st.none() | node_decimal,
    }
)

EDGE_ITEM: Row = {
    "amount": -5,
    "price": None,
    "bonus_amount": None,
    "tx_hash": None,
    "token": None,
    "chain": None,
    "provider": None,
    "origin": None,
    "origin_ref": None,
    "payment_method": None,
    "credit_ref": "ref",
    "credit_index": 0,
    "expiration_date": None,
    "message_timestamp": "2026-03-02T12:00:00Z",
    "expense_count": None,
    "expense_size_mib": None,
}


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=st.lists(node_item, min_size=1, max_size=4))
# Instants UTC cannot hold (hypothesis found the first): the row keeps the node's offset.
@example(items=[EDGE_ITEM | {"message_timestamp": "0001-01-01T00:00:00+02:00"}])
@example(items=[EDGE_ITEM | {"expiration_date": "9999-12-31T23:30:00-02:00"}])
def test_csv_rows_are_the_cells_of_the_export_record(items: list[Row], tmp_path: Path) -> None:
    """The CSV writer's fast rows (straight from the node's JSON) hold the cells the rule
    gives: formula-like text escaped, quoting where the csv module quotes, exact decimals,
    and the node's datetimes in our UTC form whatever offset or precision they came in."""
    assert [csv_cells(item) for item in items] == [spec_cells(item) for item in items]
    assert written_rows(items, tmp_path) == [spec_cells(item) for item in items]


async def test_an_export_of_the_devnet_holds_each_row_by_the_rule(
    service: CreditService, address: str, devnet: RunningDevnet, tmp_path: Path
) -> None:
    path = tmp_path / "all.csv"
    await service.export_history(address, path, "csv")
    rows = await api_rows(devnet.api_url, address)
    with path.open(newline="", encoding="utf-8") as file:
        assert list(csv.reader(file))[1:] == [spec_cells(row) for row in rows]
    await service.aclose()


# --- a large history: --history 1000 -----------------------------------------------------


@pytest.fixture(scope="module")
def bulk_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevnet]:
    running = start_devnet(
        tmp_path_factory.mktemp("bulk-devnet"), "--chain", "embedded", "--history", "1000"
    )
    yield running
    running.stop()


@pytest.fixture
async def bulk_service(bulk_devnet: RunningDevnet, tmp_path: Path) -> AsyncIterator[CreditService]:
    service = CreditService(
        devnet_from_document(bulk_devnet.document), journal=Journal(tmp_path / "j.sqlite3")
    )
    yield service
    await service.aclose()


async def test_a_thousand_rows_stream_in_bounded_pages(
    bulk_devnet: RunningDevnet, bulk_service: CreditService, tmp_path: Path
) -> None:
    address = str(bulk_devnet.document["history_account"])
    sizes: list[int] = []

    async def fetch(number: int, size: int) -> HistoryItems:
        sizes.append(size)
        return await bulk_service.api.credit_history_items(
            address, page=number, page_size=size, sort_order=1
        )

    path = tmp_path / "bulk.csv"
    result = await export_history(fetch, path, "csv", address=address, page_size=250)
    expected = await api_rows(bulk_devnet.api_url, address)
    assert len(expected) == result.rows == 1000
    assert csv_identities(path) == [identity(r) for r in expected]
    # Memory is flat: pages of a bounded size, the next one fetched while one is written.
    assert sizes == [250] * 4
    assert EXPORT_PAGE_SIZE <= 1000

    json_path = tmp_path / "bulk.json"
    await bulk_service.export_history(address, json_path, "json")
    entries = json.loads(json_path.read_text())["entries"]
    assert [(e["credit_ref"], e["credit_index"], e["amount"]) for e in entries] == [
        identity(r) for r in expected
    ]
