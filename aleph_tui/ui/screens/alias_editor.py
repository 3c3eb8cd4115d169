"""Aliases: names for addresses without a key, usable wherever an address is asked."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Static

from aleph_tui.core import validation
from aleph_tui.core.validation import InvalidInput
from aleph_tui.ui.screens.create_account import NAME_RESTRICT, name_error
from aleph_tui.ui.screens.form import FormModal

AliasList = Callable[[], dict[str, str]]
AliasAdd = Callable[[str, str], str]  # (name, address) -> the checksummed address
AliasRemove = Callable[[str], None]


class AliasEditorModal(FormModal[bool]):
    """Lists, adds and removes aliases; stays open until closed, then dismisses with
    whether anything changed."""

    form_id = "alias"
    failure_title = "Alias not changed"

    BINDINGS: ClassVar[list[BindingType]] = [
        *FormModal.BINDINGS,
        Binding(
            "delete,x",
            "remove_selected",
            "Remove alias",
            id="alias-remove",
            tooltip="Remove the alias selected in the list",
        ),
    ]

    DEFAULT_CSS = """
    AliasEditorModal #alias-table { height: auto; max-height: 12; margin-bottom: 1; }
    AliasEditorModal .alias-fields { height: auto; }
    AliasEditorModal #alias-name { width: 24; }
    AliasEditorModal #alias-address { width: 1fr; }
    """

    def __init__(
        self,
        aliases: AliasList,
        add: AliasAdd,
        remove: AliasRemove,
        *,
        accounts: Collection[str] = (),
    ) -> None:
        super().__init__()
        self._aliases, self._add, self._remove = aliases, add, remove
        self._accounts = accounts  # names an alias cannot take (checked as typed)
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="alias-dialog"):
            yield Static("Aliases", classes="dialog-title")
            yield Static(
                "Names for addresses you do not hold a key for, e.g. a friend's wallet. "
                "Select one and press Delete to remove it.",
                classes="form-hint",
            )
            table: DataTable[str] = DataTable(id="alias-table", cursor_type="row")
            table.add_columns("Name", "Address")
            yield table
            yield Static("No aliases yet.", id="alias-none", classes="form-hint")
            with Horizontal(classes="alias-fields"):
                yield Input(placeholder="name", restrict=NAME_RESTRICT, id="alias-name")
                yield Input(placeholder="0x… address", id="alias-address")
            yield self.field_rule("name")
            yield self.field_rule("address")
            yield self.error_line()
            yield self.buttons("Add", cancel="Close")

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#alias-name", Input).focus()

    def _fill(self, select: str | None = None) -> None:
        table = self.query_one("#alias-table", DataTable)
        table.clear()
        for name, address in sorted(self._aliases().items()):
            table.add_row(name, address, key=name)
        table.display = bool(table.row_count)
        self.query_one("#alias-none", Static).display = not table.row_count
        if select is not None and select in table.rows:
            table.move_cursor(row=table.get_row_index(select))

    def live_errors(self) -> dict[str, str | None]:
        address, address_error = self.value("address"), None
        if address.strip():
            try:
                validation.address(address)
            except InvalidInput as exc:
                address_error = str(exc)
        return {
            "name": name_error(self.value("name"), self._accounts, self._aliases()),
            "address": address_error,
        }

    def complete(self) -> bool:
        return bool(self.value("name").strip()) and bool(self.value("address").strip())

    def selected(self) -> str | None:
        table = self.query_one("#alias-table", DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def submit(self) -> None:
        name, address = self.value("name").strip(), self.value("address").strip()
        try:
            if not name:
                raise InvalidInput("name", "is required")
            if not address:
                raise InvalidInput("address", "is required")
        except InvalidInput as exc:
            self.show_error(str(exc))
            return

        async def add() -> str:
            return self._add(name, address)

        self.run_job(add, lambda checksummed: self._added(name, checksummed))

    def _added(self, name: str, address: str) -> None:
        self.changed = True
        self._fill(select=name)
        self.query_one("#alias-name", Input).clear()
        self.query_one("#alias-address", Input).clear()
        self.query_one("#alias-name", Input).focus()
        self.notify(f"{name} → {address}", title="Alias added", markup=False)

    def action_remove_selected(self) -> None:
        name = self.selected()
        if name is None:
            return

        async def remove() -> str:
            self._remove(name)
            return name

        self.run_job(remove, self._removed)

    def _removed(self, name: str) -> None:
        self.changed = True
        self._fill()
        self.notify(f"Alias '{name}' removed", title="Alias removed", markup=False)

    def action_cancel(self) -> None:
        self.dismiss(self.changed)

    @on(DataTable.RowSelected, "#alias-table")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
