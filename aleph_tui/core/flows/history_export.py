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
import re
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, Protocol

from aleph_tui.core.aleph.history_models import (
    CreditHistoryEntry,
    HistoryFilters,
    HistoryItems,
    history_entry,
)
from aleph_tui.core.aleph.models import CREDITS_PER_USD, credits_to_usd
from aleph_tui.core.aleph.node_values import node_datetime, node_decimal
from aleph_tui.core.formatting import iso_utc, plain_decimal

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

PageFetcher = Callable[[int, int], Awaitable[HistoryItems]]
"""``(page, page_size)`` → that page of the filtered history, oldest first."""
ProgressCallback = Callable[[int, int], None]
"""``(rows written, rows the node counts)``, called after each page."""
Record = dict[str, str | int | None]


@dataclass(frozen=True)
class ExportResult:
    path: Path | None  # None when written to a stream
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


# The node's own datetime form, which is already ours unless its fraction is all zeros.
_NODE_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?Z")
_USD_DIGITS = len(str(CREDITS_PER_USD)) - 1


def _text(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def _utc(value: str) -> str:
    parsed = node_datetime(value)  # refuses what the entry would refuse
    match = _NODE_UTC.fullmatch(value)
    if match is not None and match.group(1) != ".000000":
        return value
    assert parsed is not None
    return iso_utc(parsed)


def _usd(amount: int) -> str:
    """``plain_decimal(credits_to_usd(amount))`` in integer arithmetic."""
    whole, part = divmod(abs(amount), CREDITS_PER_USD)
    text = f"{whole}.{part:0{_USD_DIGITS}d}".rstrip("0") if part else str(whole)
    return "-" + text if amount < 0 else text


def csv_cells(item: dict[str, Any]) -> list[str]:
    """The CSV cells of one row as the node sent it, equal to ``csv_cell`` of each column
    of ``entry_record(history_entry(item))`` (tests/integration/test_history_export.py holds them
    equal) at a fifth of the cost: a 100k-row export spent most of its time building
    entries it then turned back into text."""
    get = item.get
    amount = int(item["amount"])
    price, bonus, expires = get("price"), get("bonus_amount"), get("expiration_date")
    count, size = get("expense_count"), get("expense_size_mib")
    return [
        _utc(item["message_timestamp"]),
        str(amount),
        _usd(amount),
        "outgoing" if amount < 0 else "incoming",
        _text(get("payment_method")),
        _text(get("token")),
        _text(get("chain")),
        _text(get("provider")),
        _text(get("origin")),
        _text(get("origin_ref")),
        _text(get("tx_hash")),
        "" if price is None else plain_decimal(node_decimal(price)),
        "" if bonus is None else str(int(bonus)),
        "" if expires is None else _utc(expires),
        _text(str(item["credit_ref"])),
        str(int(item["credit_index"])),
        "" if count is None else str(int(count)),
        "" if size is None else plain_decimal(node_decimal(size)),
    ]


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".part")


Items = Sequence[dict[str, Any]]
"""A page of history rows as the node sent them."""


class _Writer(Protocol):
    def write(self, items: Items) -> None: ...
    def finish(self, rows: int) -> None: ...
    def abort(self) -> None: ...


class _FileWriter:
    """Writes to a new private file at ``target``, or to an open stream (stdout), which
    it flushes but never closes."""

    def __init__(self, target: Path | IO[str]) -> None:
        self.path = target if isinstance(target, Path) else None
        if isinstance(target, Path):
            from aleph_tui.core.paths import open_private

            self.file: IO[str] = open_private(target, "w", newline="")
        else:
            self.file = target

    def close(self) -> None:
        if self.path is None:
            self.file.flush()
        else:
            self.file.close()

    def abort(self) -> None:
        self.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


# A row the csv module would not quote: as many commas as separators, no quote, no line
# break (QUOTE_MINIMAL quotes exactly those cells).
_SEPARATORS = len(COLUMNS) - 1
_ROW_END = "\r\n"  # the csv module's lineterminator


def _breaks(line: str) -> bool:
    return "\n" in line or "\r" in line


class _CsvWriter(_FileWriter):
    def __init__(self, target: Path | IO[str]) -> None:
        super().__init__(target)
        self.csv = csv.writer(self.file)
        self.csv.writerow(COLUMNS)

    def write(self, items: Items) -> None:
        lines: list[str] = []
        for cells in map(csv_cells, items):
            line = ",".join(cells)
            if line.count(",") == _SEPARATORS and '"' not in line and not _breaks(line):
                lines.append(line + _ROW_END)
                continue
            # A cell the csv module would quote: it writes this row, after the ones before.
            self.file.write("".join(lines))
            lines.clear()
            self.csv.writerow(cells)
        self.file.write("".join(lines))
        self.file.flush()

    def finish(self, rows: int) -> None:
        self.close()


class _JsonWriter(_FileWriter):
    """``{"address", "network", "filters", "order", "exported_at", "entries": [...],
    "count"}``, written as it goes: the entries array is never held in memory."""

    def __init__(self, target: Path | IO[str], header: dict[str, Any]) -> None:
        super().__init__(target)
        self.first = True
        head = json.dumps(header, indent=2)
        self.file.write(head[:-2] + ',\n  "entries": [')

    def write(self, items: Items) -> None:
        for item in items:
            self.file.write(
                ("\n    " if self.first else ",\n    ")
                + json.dumps(entry_record(history_entry(item)))
            )
            self.first = False
        self.file.flush()

    def finish(self, rows: int) -> None:
        self.file.write(("" if self.first else "\n  ") + f'],\n  "count": {rows}\n}}\n')
        self.close()


def _open_writer(fmt: ExportFormat, target: Path | IO[str], header: dict[str, Any]) -> _Writer:
    if fmt == "csv":
        return _CsvWriter(target)
    if fmt == "json":
        return _JsonWriter(target, header)
    raise ValueError(f"unknown export format {fmt!r}")


def _finish(writer: _Writer, rows: int, part: Path, path: Path) -> None:
    writer.finish(rows)
    if path.exists():
        part.unlink()
        raise FileExistsError(f"{path} appeared during the export; nothing was overwritten")
    part.replace(path)


Pages = AsyncGenerator[tuple[Items, int], None]
"""Each page's rows, oldest first, with the number of rows the node counts so far."""


async def export_history(
    fetch: PageFetcher,
    path: Path | IO[str],
    fmt: ExportFormat,
    *,
    address: str,
    filters: HistoryFilters | None = None,
    network: str | None = None,
    progress: ProgressCallback | None = None,
    page_size: int | None = None,
) -> ExportResult:
    """Write every row ``fetch`` pages through to ``path``, which must not exist, or to an
    open stream such as stdout. Pages hold ``page_size`` rows (default ``EXPORT_PAGE_SIZE``)."""
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
                rows += len(page.items)
                if len(page.items) < size or rows >= page.total:
                    yield page.items, page.total
                    return
                requested = number + len(pending) + 1
                while len(pending) < PREFETCH_PAGES and (requested - 1) * size < page.total:
                    pending.append(asyncio.ensure_future(fetch(requested, size)))
                    requested += 1
                yield page.items, page.total
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
    path: Path | IO[str],
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
    # A file is written as <name>.part and renamed once complete; a stream as it goes.
    part = partial_path(path) if isinstance(path, Path) else None
    writer = await asyncio.to_thread(_open_writer, fmt, path if part is None else part, header)
    rows = total = 0
    ahead = asyncio.ensure_future(_next(pages))
    try:
        while (page := await ahead) is not None:
            ahead = asyncio.ensure_future(_next(pages))
            items, counted = page
            if items:
                await asyncio.to_thread(writer.write, items)
            rows += len(items)
            total = max(counted, rows)
            if progress is not None:
                progress(rows, total)
            # Each page's HTTP response ends in a reference cycle inside httpx, which only
            # the cyclic collector frees: collecting the young generations page by page
            # keeps memory flat (8 MiB peak at 100k rows instead of 20-30 MiB).
            gc.collect(1)
        if isinstance(path, Path) and part is not None:
            await asyncio.to_thread(_finish, writer, rows, part, path)
        else:
            await asyncio.to_thread(writer.finish, rows)
    except BaseException:
        ahead.cancel()
        await asyncio.gather(ahead, return_exceptions=True)
        writer.abort()  # also on cancellation: never leave a partial file behind
        raise
    finally:
        await pages.aclose()
    return ExportResult(path if isinstance(path, Path) else None, fmt, rows, total)


async def _next(pages: Pages) -> tuple[Items, int] | None:
    return await anext(pages, None)
