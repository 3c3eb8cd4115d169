"""The history exporter (core) against the devnet: exactly the filtered rows, oldest first,
one bounded page at a time, and never a partial or overwritten file."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aleph_tui.core import history_export, validation
from aleph_tui.core.history_export import (
    COLUMNS,
    EXPORT_PAGE_SIZE,
    csv_cell,
    export_history,
    partial_path,
)
from aleph_tui.core.journal import Journal
from aleph_tui.core.models import CreditHistoryEntry, CreditHistoryPage, HistoryFilters
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.core.validation import InvalidInput
from tests.devnet_process import RunningDevnet, start_devnet

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
        devnet_from_document(devnet.document), journal=Journal(tmp_path / "j.jsonl")
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


def fake_entry(index: int) -> CreditHistoryEntry:
    return CreditHistoryEntry(
        amount=-index - 1,
        price=None,
        bonus_amount=None,
        tx_hash=None,
        token=None,
        chain=None,
        provider=None,
        origin=None,
        origin_ref=None,
        payment_method="credit_expense",
        credit_ref=f"ref{index}",
        credit_index=index,
        expiration=None,
        timestamp=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=index),
    )


def full_page(number: int, size: int, *, total: int) -> CreditHistoryPage:
    entries = tuple(fake_entry((number - 1) * size + i) for i in range(size))
    return CreditHistoryPage("0xabc", entries, number, size, total)


async def test_failure_and_cancellation_leave_no_file(tmp_path: Path) -> None:
    async def failing(number: int, size: int) -> CreditHistoryPage:
        if number == 2:
            raise RuntimeError("node went away")
        return full_page(number, size, total=3 * size)

    path = tmp_path / "x.csv"
    with pytest.raises(RuntimeError, match="went away"):
        await export_history(failing, path, "csv", address="0xabc", page_size=2)
    assert not path.exists() and not partial_path(path).exists()

    reached_page_two = asyncio.Event()

    async def hanging(number: int, size: int) -> CreditHistoryPage:
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

    async def one_page(number: int, size: int) -> CreditHistoryPage:
        return full_page(number, 1, total=1)

    # Created by someone else while the export ran: the exporter refuses at the end too.
    with pytest.raises(FileExistsError):
        await export_history(one_page, path, "csv", address="0xabc")
    assert path.read_text() == "mine"
    assert not partial_path(path).exists()


async def test_rows_added_during_the_export_are_followed(tmp_path: Path) -> None:
    async def growing(number: int, size: int) -> CreditHistoryPage:
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


def test_csv_rows_are_the_cells_of_the_export_record() -> None:
    """The CSV writer's fast row equals the cells of ``entry_record`` for every kind of
    value: None, formula-like text in every text column, decimals, negative amounts."""
    from decimal import Decimal

    from aleph_tui.core.history_export import csv_row, entry_record

    formula = "=cmd|' /C calc'!A0"
    entries = [
        fake_entry(0),
        dataclasses.replace(
            fake_entry(1),
            amount=1_500_000,
            price=Decimal("0.0500"),
            bonus_amount=7,
            tx_hash="+0xabc",
            token="-ALEPH",
            chain="@ETH",
            provider="\tP",
            origin="\rorigin",
            origin_ref=formula,
            payment_method=formula,
            credit_ref="=ref",
            expiration=dt.datetime(2027, 1, 1, 0, 0, 0, 500, tzinfo=dt.UTC),
            expense_count=3,
            expense_size_mib=Decimal("1E+2"),
        ),
    ]
    for entry in entries:
        record = entry_record(entry)
        expected = [csv_cell(column, record[column]) for column in COLUMNS]
        got = ["" if cell is None else str(cell) for cell in csv_row(entry)]
        assert got == expected


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
        devnet_from_document(bulk_devnet.document), journal=Journal(tmp_path / "j.jsonl")
    )
    yield service
    await service.aclose()


async def test_a_thousand_rows_stream_in_bounded_pages(
    bulk_devnet: RunningDevnet, bulk_service: CreditService, tmp_path: Path
) -> None:
    address = str(bulk_devnet.document["history_account"])
    sizes: list[int] = []

    async def fetch(number: int, size: int) -> CreditHistoryPage:
        sizes.append(size)
        return await bulk_service.history_page(address, page=number, page_size=size, sort_order=1)

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
