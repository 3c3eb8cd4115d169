"""The History view (key 2) with Pilot on the devnet: pages from the API one at a time,
paging keys, page sizes, filters, totals, the detail modal and the export, each checked
against what the API itself answers."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import Button, DataTable, Input, Select, Static

from aleph_tui.core.aleph.history_models import HistoryFilters
from aleph_tui.ui.screens.history_detail_modal import HistoryDetailModal
from aleph_tui.ui.screens.history_export_screen import HistoryExportScreen
from aleph_tui.ui.views import ViewSpec
from aleph_tui.ui.views.history_view import DEFAULT_PAGE_SIZE, HistoryView
from aleph_tui.ui.widgets import amount_text as fmt
from aleph_tui.ui.widgets.history_table import HistoryTable
from tests.support.bad_input_corpus import HISTORY_FILTERS, echoed_secret, filled
from tests.support.credit_helpers import fresh_key, seeded
from tests.support.devnet_process import RunningDevnet
from tests.support.isolation import isolated
from tests.support.resource_helpers import (
    Billed,
    billed_for_seeded_resources,
    effective_origin,
    of_types,
    rows,
)
from tests.support.ui_app import (
    FIXED_NOW,
    UiTestApp,
    build_app,
    fill,
    open_view,
    type_into,
    wait_for_workers,
)

SIZE = (160, 45)

Row = dict[str, Any]


async def api_history(
    devnet: RunningDevnet, address: str, params: dict[str, str] | None = None
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=devnet.api_url, timeout=30) as client:
        response = await client.get(
            f"/api/v0/addresses/{address}/credit_history",
            params={"pagination": str(DEFAULT_PAGE_SIZE), **(params or {})},
        )
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


async def api_summary(devnet: RunningDevnet, address: str, params: dict[str, str]) -> Row:
    async with httpx.AsyncClient(base_url=devnet.api_url, timeout=30) as client:
        response = await client.get(
            f"/api/v0/addresses/{address}/credit_history/summary", params=params
        )
    response.raise_for_status()
    data: Row = response.json()
    return data


def identities(rows: list[Row]) -> list[tuple[str, int]]:
    return [(str(r["credit_ref"]), int(r["credit_index"])) for r in rows]


def shown(view: HistoryView) -> list[tuple[str, int]]:
    return [(e.credit_ref, e.credit_index) for e in view.entries]


def on_screen(table: HistoryTable) -> list[tuple[str, ...]]:
    """The table's rows as it shows them, field by field."""
    return [table.shown_cells(row) for row in range(table.row_count)]


def assert_table_shows(table: HistoryTable, rows: list[Row]) -> None:
    """Every row of the API's page, none left from the page before, no cell cut short."""
    shown_rows = on_screen(table)
    assert len(shown_rows) == len(rows)
    for cells, row in zip(shown_rows, rows, strict=True):
        amount = int(row["amount"])
        assert cells[2] == fmt.credits(amount, signed=True)
        assert cells[1] == ("↑ out" if amount < 0 else "↓ in")
    for width, fields in zip(table.column_widths, zip(*shown_rows, strict=True), strict=True):
        assert width >= max(len(cell) for cell in fields)
    # Each line fits its column: DataTable cuts nothing off.
    (page_column,) = table.ordered_columns
    lines = [table.get_row_at(row)[0].plain for row in range(table.row_count)]
    assert all(len(line) <= page_column.get_render_width(table) - 2 for line in lines)


def position(app: Any) -> str:
    return str(app.query_one("#history-position", Static).content)


def address_of(devnet: RunningDevnet) -> str:
    return str(devnet.document["accounts"][0]["address"])


async def history_app(devnet: RunningDevnet, home: Path) -> UiTestApp:
    """The dashboard with the History tab alone: a third of the full app's start-up."""
    app = await build_app(devnet.document, home, clock=FIXED_NOW)
    app.views = [ViewSpec.of(HistoryView)]
    return app


async def press(pilot: Any, *keys: str) -> None:
    await pilot.press(*keys)
    await wait_for_workers(pilot)


async def test_pages_come_from_the_api_and_flip_with_the_keys(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = address_of(devnet)
    with isolated(tmp_path, monkeypatch):
        app = await build_app(devnet.document, tmp_path)  # every tab: key 2 opens History
        async with app.run_test(size=SIZE) as pilot:
            await wait_for_workers(pilot)
            await press(pilot, "2")
            view = app.query_one(HistoryView)
            assert app.current_view is view
            assert app.focused is app.query_one(HistoryTable)
            first = await api_history(devnet, address)
            total = first["pagination_total"]
            pages = math.ceil(total / DEFAULT_PAGE_SIZE)
            assert pages > 3
            assert position(app) == f"page 1 of {pages} · {total:,} entries"
            assert shown(view) == identities(first["credit_history"])
            table = app.query_one(HistoryTable)
            assert table.row_count == DEFAULT_PAGE_SIZE  # one page, never the whole history

            await press(pilot, "right_square_bracket")
            assert position(app).startswith(f"page 2 of {pages} ")
            second = await api_history(devnet, address, {"page": "2"})
            assert shown(view) == identities(second["credit_history"])
            assert_table_shows(table, second["credit_history"])  # cells rewritten in place
            await press(pilot, "left_square_bracket")
            assert position(app).startswith("page 1 ")
            await press(pilot, "left_square_bracket")  # no page 0
            assert position(app).startswith("page 1 ")

            await press(pilot, "G")
            assert position(app).startswith(f"page {pages} of {pages} ")
            last = await api_history(devnet, address, {"page": str(pages)})
            assert shown(view) == identities(last["credit_history"])
            assert_table_shows(
                table, last["credit_history"]
            )  # the last page, maybe shorter: no leftovers
            await press(pilot, "right_square_bracket")  # no page past the end
            assert position(app).startswith(f"page {pages} of")
            await press(pilot, "g")
            assert position(app).startswith("page 1 ")
            assert_table_shows(table, first["credit_history"])

            table.focus()
            await press(pilot, "pagedown")
            assert position(app).startswith("page 2 ")
            await press(pilot, "pageup")
            assert position(app).startswith("page 1 ")

            # Page size: the first row shown stays on the page.
            await press(pilot, "right_square_bracket", "right_square_bracket")  # rows 100…149
            app.query_one("#page-size", Select).value = 100
            await wait_for_workers(pilot)
            assert position(app) == f"page 2 of {math.ceil(total / 100)} · {total:,} entries"
            expected = await api_history(devnet, address, {"page": "2", "pagination": "100"})
            assert shown(view) == identities(expected["credit_history"])
            assert table.row_count == 100

            # Every binding of the view can be remapped and explains itself.
            for binding in view.BINDINGS:
                assert getattr(binding, "id", None) and getattr(binding, "tooltip", None)


async def test_filters_change_rows_position_and_totals_as_the_api_does(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = address_of(devnet)
    with isolated(tmp_path, monkeypatch):
        app = await history_app(devnet, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            view = await open_view(pilot, "history")
            assert isinstance(view, HistoryView)
            await press(pilot, "right_square_bracket")

            app.query_one("#filter-direction", Select).value = "incoming"
            await wait_for_workers(pilot)
            incoming = await api_history(devnet, address, {"direction": "incoming"})
            total = incoming["pagination_total"]
            assert position(app).startswith(f"page 1 of {math.ceil(total / 50)} · {total:,} ")
            assert shown(view) == identities(incoming["credit_history"])
            assert all(e.amount > 0 for e in view.entries)

            app.query_one("#filter-method", Select).value = "token_transfer"
            await type_into(pilot, "#filter-from", "2026-01-01")
            await type_into(pilot, "#filter-to", "2026-06-30")
            await press(pilot, "enter")
            params = {
                "direction": "incoming",
                "payment_method": "token_transfer",
                "startDate": "1767225600",  # 2026-01-01T00:00:00Z
                "endDate": "1782863999.999999",  # 2026-06-30T23:59:59.999999Z: the whole day
            }
            expected = await api_history(devnet, address, params)
            assert view.filters.query() == params
            total = expected["pagination_total"]
            assert 0 < total < incoming["pagination_total"]
            assert position(app).startswith(f"page 1 of 1 · {total:,} entries")
            assert shown(view) == identities(expected["credit_history"])

            summary = await api_summary(devnet, address, params)
            text = str(app.query_one("#history-summary", Static).content)
            assert f"{summary['entry_count']:,} entries" in text
            assert f"in +{summary['total_incoming']:,}" in text
            assert "out 0" in text and f"net +{summary['total_amount']:,}" in text

            # A bad date is refused with the rule, and the filters stay as they were.
            await type_into(pilot, "#filter-to", "x")
            await press(pilot, "enter")
            error = app.query_one("#filter-error", Static)
            assert error.display and "to: must be a date" in str(error.content)
            assert view.filters.query() == params

            await press(pilot, "escape", "x")  # back to the view; clear every filter
            assert not error.display
            everything = await api_history(devnet, address)
            assert position(app).startswith("page 1 of ")
            assert f"{everything['pagination_total']:,} entries" in position(app)


@pytest.fixture(scope="module")
def billed(devnet: RunningDevnet, accounts: list[Any]) -> Billed:
    return billed_for_seeded_resources(devnet.api_url, accounts, seeded(accounts, 0))


async def billed_app(devnet: RunningDevnet, home: Path, billed: Billed) -> UiTestApp:
    """The History tab on the billed address, as the active account."""
    app = await history_app(devnet, home)
    store = app.service.accounts
    await store.import_key("billed", billed.key.private_key)
    store.use("billed")
    return app


def count_requests(app: UiTestApp) -> list[str]:
    """The URLs of the requests the app's API client sends from now on."""
    sent: list[str] = []

    async def seen(request: httpx.Request) -> None:
        sent.append(str(request.url))

    app.service.api._client.event_hooks["request"].append(seen)
    return sent


async def test_resource_filters_select_what_the_node_says(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, billed: Billed
) -> None:
    """Types (any case, comma-separated) and one resource's hash narrow the page, the
    position line and the totals to the rows the node's own rows say, computed here
    from the unfiltered rows and the messages' types."""
    api = devnet.api_url
    every = rows(api, billed.address)
    compute = of_types(api, every, {"INSTANCE", "PROGRAM"})
    vm = billed.by_type["INSTANCE"]
    one_vm = [r for r in compute if effective_origin(r) == vm]
    assert (len(every), len(compute), len(one_vm)) == (7, 3, 2)
    with isolated(tmp_path, monkeypatch):
        app = await billed_app(devnet, tmp_path, billed)
        async with app.run_test(size=SIZE) as pilot:
            view = await open_view(pilot, "history")
            assert isinstance(view, HistoryView)
            assert sorted(shown(view)) == sorted(identities(every))

            await type_into(pilot, "#filter-resource-types", "instance, Program")
            await press(pilot, "enter")
            assert view.filters.query()["resourceTypes"] == "INSTANCE,PROGRAM"
            assert sorted(shown(view)) == sorted(identities(compute))
            assert position(app) == (
                f"page 1 of 1 · {len(compute)} entries (type INSTANCE,PROGRAM)"
            )
            text = str(app.query_one("#history-summary", Static).content)
            out = sum(int(r["amount"]) for r in compute)
            assert f"Totals (filtered, {len(compute)} entries)" in text
            assert f"out {fmt.credits(out, signed=True)}" in text and "in 0" in text

            await fill(pilot, "#filter-resource", vm.upper())  # pasted, in upper case
            await press(pilot, "enter")
            assert view.filters.resource == vm  # the node's lower case
            assert sorted(shown(view)) == sorted(identities(one_vm))
            assert position(app).endswith(
                f"{len(one_vm)} entries (type INSTANCE,PROGRAM, resource {vm[:12]}…)"
            )

            # A bad hash: the rule under the filters, nothing sent, the filters kept.
            sent = count_requests(app)
            before = view.filters
            await fill(pilot, "#filter-resource", "my-vm")
            await press(pilot, "enter")
            error = app.query_one("#filter-error", Static)
            assert error.display
            assert "resource: must be a message hash" in str(error.content)
            assert view.filters == before and sent == []
            assert sorted(shown(view)) == sorted(identities(one_vm))

            await press(pilot, "escape", "x")  # every filter cleared, the new ones too
            assert not error.display
            assert app.query_one("#filter-resource", Input).value == ""
            assert app.query_one("#filter-resource-types", Input).value == ""
            assert view.filters == HistoryFilters()
            assert sorted(shown(view)) == sorted(identities(every))


async def test_bad_resource_filters_are_refused_and_send_nothing(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The corpus's History cases (tests/bad_input_corpus.py), in one run of the view:
    each names the field and the rule under the filters, never echoes a long value,
    keeps what was typed, and sends nothing."""
    fill_ = {"recipient": fresh_key().address}
    with isolated(tmp_path, monkeypatch):
        app = await history_app(devnet, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            view = await open_view(pilot, "history")
            assert isinstance(view, HistoryView)
            sent = count_requests(app)
            error = app.query_one("#filter-error", Static)
            for case in HISTORY_FILTERS:
                typed = filled(case.inputs["value"], fill_)
                await fill(pilot, f"#{case.inputs['input']}", typed)
                await press(pilot, "enter")
                line = str(error.content)
                assert error.display, case.name
                assert line.startswith(f"Filter not applied: {case.field}: "), line
                assert case.rule in line and not echoed_secret(line, [typed]), line
                assert app.query_one(f"#{case.inputs['input']}", Input).value == typed
                app.query_one(f"#{case.inputs['input']}", Input).value = ""
            assert view.filters == HistoryFilters() and sent == []


async def test_details_with_copy_and_stale_rows_when_the_node_goes_away(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await history_app(devnet, home)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "history")
        assert isinstance(view, HistoryView)
        table = app.query_one(HistoryTable)
        table.move_cursor(row=2)
        await press(pilot, "enter")
        modal = app.screen
        assert isinstance(modal, HistoryDetailModal)
        entry = view.entries[2]
        assert modal.entry == entry
        fields = dict(modal.fields)
        for label in ("Tx hash", "Origin", "Origin ref", "Expiration", "Price", "Credit ref"):
            assert label in fields
        assert fields["Credit ref"] == entry.credit_ref
        assert fields["Tx hash"] == (entry.tx_hash or "")

        detail: DataTable[Any] = modal.query_one(DataTable)
        detail.move_cursor(row=[label for label, _ in modal.fields].index("Credit ref"))
        await press(pilot, "c")
        assert app.clipboard == entry.credit_ref
        await press(pilot, "y")
        assert json.loads(app.clipboard)["credit_ref"] == entry.credit_ref
        await press(pilot, "escape")
        assert not isinstance(app.screen, HistoryDetailModal)

        # A transfer from or to a known account reads by its name, and c copies the
        # whole address (issue 16: "Detail shows a hex address where a known account
        # name exists"; addresses can be copied wherever they are shown).
        names = {a.address.lower(): a.name for a in app.service.account_list()}
        flips = 0
        for flips in range(20):  # noqa: B007 (the pages turned, turned back below)
            known = [
                i
                for i, e in enumerate(view.entries)
                if e.payment_method == "credit_transfer" and (e.origin or "").lower() in names
            ]
            if known:
                break
            await press(pilot, "right_square_bracket")
        assert known, "the seeded transfers between dev accounts"
        row = known[0]
        entry = view.entries[row]
        assert entry.origin is not None
        name = names[entry.origin.lower()]
        assert f"{name} ({entry.origin[:6]}…" in table.shown_cells(row)[5]
        table.focus()
        table.move_cursor(row=row)
        await press(pilot, "c")
        assert app.clipboard == (entry.tx_hash or entry.origin)
        await press(pilot, "enter")
        modal = app.screen
        assert isinstance(modal, HistoryDetailModal)
        detail = modal.query_one(DataTable)
        origin_row = [label for label, _ in modal.fields].index("Origin")
        assert str(detail.get_row_at(origin_row)[1]) == f"{name} · {entry.origin}"
        detail.move_cursor(row=origin_row)
        await press(pilot, "c")
        assert app.clipboard == entry.origin
        await press(pilot, "escape")
        for _ in range(flips):  # back to page 1 for what follows
            await press(pilot, "left_square_bracket")
        assert view.page == 1

        # The node stops answering: a refresh keeps the rows, marked stale, not emptied.
        rows = shown(view)
        app.service.api.base_url = "http://127.0.0.1:9"
        view.reload()
        await wait_for_workers(pilot)
        assert shown(view) == rows and table.row_count == len(rows)
        assert f"· stale since {fmt.clock(FIXED_NOW)}: cannot reach" in position(app)
        totals = str(app.query_one("#history-summary", Static).content)
        assert f"stale 0 s (since {fmt.clock(FIXED_NOW)}): cannot reach" in totals
        assert any("History unavailable" in n for n in app.notified)
        # Turning the page cannot reuse stale rows: the page reads unavailable.
        await press(pilot, "right_square_bracket")
        assert position(app).startswith("page 2 · history unavailable: cannot reach")
        assert table.row_count == 0


def csv_rows(path: Path) -> list[tuple[str, int]]:
    """The entries an exported CSV holds, as (credit_ref, credit_index)."""
    with path.open(newline="") as file:
        return [(r["credit_ref"], int(r["credit_index"])) for r in csv.DictReader(file)]


async def test_export_writes_exactly_the_filtered_rows(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = address_of(devnet)
    with isolated(tmp_path, monkeypatch) as config:
        # The user's download directory, as xdg-user-dirs names it
        downloads = tmp_path / "Téléchargements"
        downloads.mkdir()
        config.parent.mkdir(parents=True, exist_ok=True)
        (config.parent / "user-dirs.dirs").write_text(f'XDG_DOWNLOAD_DIR="{downloads}"\n')
        app = await history_app(devnet, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            view = await open_view(pilot, "history")
            assert isinstance(view, HistoryView)
            app.query_one("#filter-direction", Select).value = "outgoing"
            await wait_for_workers(pilot)
            expected = await api_history(
                devnet, address, {"direction": "outgoing", "pagination": "0", "sort_order": "1"}
            )
            rows = identities(expected["credit_history"])

            for kind in ("csv", "json"):
                view.focus()
                await press(pilot, "e")
                dialog = app.screen
                assert isinstance(dialog, HistoryExportScreen)
                dialog.query_one("#export-format", Select).value = kind
                target = tmp_path / f"outgoing.{kind}"
                dialog.query_one("#export-path", Input).value = str(target)
                await pilot.click("#export-start")
                await wait_for_workers(pilot)
                assert not isinstance(app.screen, HistoryExportScreen)
                if kind == "csv":
                    with target.open(newline="") as file:
                        written = [
                            (r["credit_ref"], int(r["credit_index"])) for r in csv.DictReader(file)
                        ]
                else:
                    entries = json.loads(target.read_text())["entries"]
                    written = [(e["credit_ref"], e["credit_index"]) for e in entries]
                assert written == rows
                assert any(f"{len(rows):,} entries of dev-0" in n for n in app.notified)

            # An existing file is refused in the dialog itself; nothing is overwritten.
            await press(pilot, "e")
            dialog = app.screen
            assert isinstance(dialog, HistoryExportScreen)
            dialog.query_one("#export-path", Input).value = str(tmp_path / "outgoing.csv")
            await pilot.click("#export-start")
            await wait_for_workers(pilot)
            assert "already exists" in str(dialog.query_one("#export-error", Static).content)
            assert not dialog.query_one("#export-start", Button).disabled
            await press(pilot, "escape")
            assert not isinstance(app.screen, HistoryExportScreen)

            # By default an export goes to the user's download directory (issue 16: "Exports
            # land in the current directory"), and the notification names its full path.
            await press(pilot, "e")
            dialog = app.screen
            assert isinstance(dialog, HistoryExportScreen)
            default = Path(dialog.query_one("#export-path", Input).value)
            assert default.parent == downloads and default.suffix == ".csv"
            await pilot.click("#export-start")
            await wait_for_workers(pilot)
            assert not isinstance(app.screen, HistoryExportScreen)
            assert csv_rows(default) == rows
            assert any(n.endswith(f"→ {default}") for n in app.notified)
