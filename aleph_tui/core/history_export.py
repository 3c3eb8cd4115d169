"""Export of a filtered credit history to CSV or JSON, streamed page by page.

Memory stays flat in the size of the history: one page is held at a time and written
straight to disk. Rows go oldest first, so entries that arrive while the export runs land
after the rows already written instead of shifting them onto the next page (the node
pages with an offset; its order is total, ties broken by credit_ref and credit_index).

The file is written next to its destination as ``<name>.part`` and renamed into place
only once complete; a failure or a cancellation removes the partial file.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import gc
import json
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal, Protocol

from aleph_tui.core.formatting import iso_utc, plain_decimal
from aleph_tui.core.models import (
    CreditHistoryEntry,
    CreditHistoryPage,
    HistoryFilters,
    credits_to_usd,
)

ExportFormat = Literal["csv", "json"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "json")
# Large pages: per request the node also counts the rows and the client pays a round
# trip, so 100 000 rows go in 100 requests, not 500 (the node's history index keeps
# even the deepest page cheap).
EXPORT_PAGE_SIZE = 1000
# Page requests in flight at once while exporting (see export_history).
PREFETCH_PAGES = 2

# The columns of the CSV and the keys of each JSON entry, in this order.
COLUMNS = (
    "timestamp",
    "amount",
    "usd",
    "direction",
    "payment_method",
    "token",
    "chain",
    "provider",
    "origin",
    "origin_ref",
    "tx_hash",
    "price",
    "bonus_amount",
    "expiration",
    "credit_ref",
    "credit_index",
    "expense_count",
    "expense_size_mib",
)
# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMERIC_COLUMNS = frozenset(
    {"amount", "usd", "price", "bonus_amount", "credit_index", "expense_count", "expense_size_mib"}
)

PageFetcher = Callable[[int, int], Awaitable[CreditHistoryPage]]
"""``(page, page_size)`` → that page of the filtered history, oldest first."""
ProgressCallback = Callable[[int, int], None]
"""``(rows written, rows the node counts)``, called after each page."""
Record = dict[str, str | int | None]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: ExportFormat
    rows: int
    total: int  # what the node counted on the last page read

    @property
    def complete(self) -> bool:
        """False when the history changed while it was being exported."""
        return self.rows == self.total


def entry_record(entry: CreditHistoryEntry) -> Record:
    """One entry as the export writes it: credits as integers, decimals as exact strings."""
    return {
        "timestamp": iso_utc(entry.timestamp),
        "amount": entry.amount,
        "usd": plain_decimal(credits_to_usd(entry.amount)),
        "direction": entry.direction,
        "payment_method": entry.payment_method,
        "token": entry.token,
        "chain": entry.chain,
        "provider": entry.provider,
        "origin": entry.origin,
        "origin_ref": entry.origin_ref,
        "tx_hash": entry.tx_hash,
        "price": None if entry.price is None else plain_decimal(entry.price),
        "bonus_amount": entry.bonus_amount,
        "expiration": iso_utc(entry.expiration),
        "credit_ref": entry.credit_ref,
        "credit_index": entry.credit_index,
        "expense_count": entry.expense_count,
        "expense_size_mib": None
        if entry.expense_size_mib is None
        else plain_decimal(entry.expense_size_mib),
    }


def filters_record(filters: HistoryFilters) -> dict[str, Any]:
    return {
        "direction": filters.direction,
        "payment_method": filters.payment_method,
        "token": filters.token,
        "from": iso_utc(filters.start),
        "to": iso_utc(filters.end),
        "resource_types": list(filters.resource_types),
        "resource": filters.resource,
    }


def csv_cell(column: str, value: str | int | None) -> str:
    """A CSV cell: empty for None, and text a spreadsheet would run as a formula quoted."""
    if value is None:
        return ""
    text = str(value)
    if column not in _NUMERIC_COLUMNS and text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def _text_cell(value: str | None) -> str | None:
    """``csv_cell`` of a text column (None is written empty by the csv module)."""
    if value is not None and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def _decimal_cell(value: Decimal | None) -> str | None:
    return None if value is None else plain_decimal(value)


def csv_row(entry: CreditHistoryEntry) -> list[str | int | None]:
    """``[csv_cell(c, entry_record(entry)[c]) for c in COLUMNS]`` without the record
    (a third of a 100k-row export); tests/test_history_export.py holds them equal."""
    amount = entry.amount
    return [
        iso_utc(entry.timestamp),
        amount,
        plain_decimal(credits_to_usd(amount)),
        "outgoing" if amount < 0 else "incoming",
        _text_cell(entry.payment_method),
        _text_cell(entry.token),
        _text_cell(entry.chain),
        _text_cell(entry.provider),
        _text_cell(entry.origin),
        _text_cell(entry.origin_ref),
        _text_cell(entry.tx_hash),
        _decimal_cell(entry.price),
        entry.bonus_amount,
        None if entry.expiration is None else iso_utc(entry.expiration),
        _text_cell(entry.credit_ref),
        entry.credit_index,
        entry.expense_count,
        _decimal_cell(entry.expense_size_mib),
    ]


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".part")


class _Writer(Protocol):
    def write(self, entries: Sequence[CreditHistoryEntry]) -> None: ...
    def finish(self, rows: int) -> None: ...
    def abort(self) -> None: ...


class _FileWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: IO[str] = path.open("w", newline="", encoding="utf-8")

    def abort(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


class _CsvWriter(_FileWriter):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.csv = csv.writer(self.file)
        self.csv.writerow(COLUMNS)

    def write(self, entries: Sequence[CreditHistoryEntry]) -> None:
        self.csv.writerows(map(csv_row, entries))
        self.file.flush()

    def finish(self, rows: int) -> None:
        self.file.close()


class _JsonWriter(_FileWriter):
    """``{"address", "network", "filters", "order", "exported_at", "entries": [...],
    "count"}``, written as it goes: the entries array is never held in memory."""

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        super().__init__(path)
        self.first = True
        head = json.dumps(header, indent=2)
        self.file.write(head[:-2] + ',\n  "entries": [')

    def write(self, entries: Sequence[CreditHistoryEntry]) -> None:
        for entry in entries:
            self.file.write(
                ("\n    " if self.first else ",\n    ") + json.dumps(entry_record(entry))
            )
            self.first = False
        self.file.flush()

    def finish(self, rows: int) -> None:
        self.file.write(("" if self.first else "\n  ") + f'],\n  "count": {rows}\n}}\n')
        self.file.close()


def _open_writer(fmt: ExportFormat, path: Path, header: dict[str, Any]) -> _Writer:
    if fmt == "csv":
        return _CsvWriter(path)
    if fmt == "json":
        return _JsonWriter(path, header)
    raise ValueError(f"unknown export format {fmt!r}")


def _finish(writer: _Writer, rows: int, part: Path, path: Path) -> None:
    writer.finish(rows)
    if path.exists():
        part.unlink()
        raise FileExistsError(f"{path} appeared during the export; nothing was overwritten")
    part.replace(path)


Pages = AsyncGenerator[tuple[Sequence[CreditHistoryEntry], int], None]
"""Each page's entries, oldest first, with the number of rows the node counts so far."""


async def export_history(
    fetch: PageFetcher,
    path: Path,
    fmt: ExportFormat,
    *,
    address: str,
    filters: HistoryFilters | None = None,
    network: str | None = None,
    progress: ProgressCallback | None = None,
    page_size: int | None = None,
) -> ExportResult:
    """Write every row ``fetch`` pages through to ``path``; ``path`` must not exist.
    Pages hold ``page_size`` rows (default ``EXPORT_PAGE_SIZE``)."""
    page_size = EXPORT_PAGE_SIZE if page_size is None else page_size
    if page_size < 1:
        raise ValueError("page_size starts at 1")

    async def pages(size: int) -> Pages:
        # PREFETCH_PAGES requests stay in flight: the node builds the next pages while the
        # client parses and writes this one; none past the end the node counts.
        number, rows = 1, 0
        pending = deque([asyncio.ensure_future(fetch(number, size))])
        try:
            while True:
                page = await pending.popleft()
                rows += len(page.entries)
                if len(page.entries) < size or rows >= page.total:
                    yield page.entries, page.total
                    return
                requested = number + len(pending) + 1
                while len(pending) < PREFETCH_PAGES and (requested - 1) * size < page.total:
                    pending.append(asyncio.ensure_future(fetch(requested, size)))
                    requested += 1
                yield page.entries, page.total
                number += 1
        finally:
            for request in pending:
                request.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    return await write_export(
        pages(page_size),
        path,
        fmt,
        address=address,
        filters=filters,
        network=network,
        progress=progress,
    )


async def write_export(
    pages: Pages,
    path: Path,
    fmt: ExportFormat,
    *,
    address: str,
    filters: HistoryFilters | None = None,
    network: str | None = None,
    progress: ProgressCallback | None = None,
) -> ExportResult:
    """Write ``pages`` to ``path`` (which must not exist). The next page is requested
    while the current one is written, so the node and the disk work at the same time."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    header = {
        "address": address,
        "network": network,
        "filters": filters_record(filters or HistoryFilters()),
        "order": "oldest first",
        "exported_at": iso_utc(dt.datetime.now(dt.UTC)),
    }
    part = partial_path(path)
    writer = await asyncio.to_thread(_open_writer, fmt, part, header)
    rows = total = 0
    ahead = asyncio.ensure_future(_next(pages))
    try:
        while (page := await ahead) is not None:
            ahead = asyncio.ensure_future(_next(pages))
            entries, counted = page
            if entries:
                await asyncio.to_thread(writer.write, entries)
            rows += len(entries)
            total = max(counted, rows)
            if progress is not None:
                progress(rows, total)
            # Each page's HTTP response ends in a reference cycle inside httpx, which only
            # the cyclic collector frees: collecting the young generations page by page
            # keeps memory flat (8 MiB peak at 100k rows instead of 20-30 MiB).
            gc.collect(1)
        await asyncio.to_thread(_finish, writer, rows, part, path)
    except BaseException:
        ahead.cancel()
        await asyncio.gather(ahead, return_exceptions=True)
        writer.abort()  # also on cancellation: never leave a partial file behind
        raise
    finally:
        await pages.aclose()
    return ExportResult(path, fmt, rows, total)


async def _next(pages: Pages) -> tuple[Sequence[CreditHistoryEntry], int] | None:
    return await anext(pages, None)
