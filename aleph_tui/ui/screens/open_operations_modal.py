"""The operations left open on this network, one a line; ``d`` dismisses the highlighted
one: the user gives up following it (``aleph-tui pending --dismiss``). Its status stays
in the journal, and ``aleph-tui pending --list --all`` still shows it. ``s`` speeds up
and ``c`` cancels the highlighted buy's stuck payment (``aleph-tui pending --speed-up`` /
``--cancel``): the list closes, and ui/pending_operations.py asks the fee cap."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from aleph_tui.core.journal.operation_journal import Operation
    from aleph_tui.ui.app import AlephApp

TITLE = "Open operations"


class OpenOperationsModal(ModalScreen[None]):
    DEFAULT_CSS = """
    OpenOperationsModal { align: center middle; }
    OpenOperationsModal > Vertical {
        width: 110; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    OpenOperationsModal #operations { height: auto; max-height: 20; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "d",
            "dismiss_operation",
            "Dismiss",
            id="dismiss-operation",
            tooltip="Stop following the highlighted operation; it stays listed",
        ),
        Binding(
            "s",
            "replace_operation('speed_up')",
            "Speed up",
            id="speed-up-operation",
            tooltip="Send the highlighted buy's stuck payment again with higher fees",
        ),
        Binding(
            "c",
            "replace_operation('cancel')",
            "Cancel payment",
            id="cancel-operation",
            tooltip="Replace the highlighted buy's stuck payment by a transfer to yourself",
        ),
        Binding("escape", "close", "Close", id="close-operations", tooltip="Close this list"),
    ]

    def __init__(self, operations: list[Operation]) -> None:
        super().__init__()
        self.operations = operations

    def compose(self) -> ComposeResult:
        from aleph_tui.core.journal.operation_journal import describe

        with Vertical():
            yield Static(TITLE, classes="dialog-title")
            yield Static(
                "d: dismiss the highlighted one (it is no longer followed; "
                "`aleph-tui pending --list --all` still shows it) · s: speed up a stuck "
                "buy · c: cancel it · escape: close",
                id="operations-hint",
            )
            yield OptionList(
                *(Option(f"{op.id[:12]}  {describe(op)}", id=op.id) for op in self.operations),
                id="operations",
            )

    def action_close(self) -> None:
        self.dismiss(None)

    def action_replace_operation(self, kind: str) -> None:
        """Close the list and speed up (or cancel) the highlighted buy."""
        from aleph_tui.ui.app import AlephApp
        from aleph_tui.ui.pending_operations import replace_operation

        options = self.query_one("#operations", OptionList)
        if options.highlighted is None or not isinstance(self.app, AlephApp):
            return
        op_id = options.get_option_at_index(options.highlighted).id
        op = next((o for o in self.operations if o.id == op_id), None)
        if op is None:
            return
        if op.kind != "buy":
            self.app.notify(
                "Only a buy's payment can be sped up or cancelled.", title=TITLE, markup=False
            )
            return
        app: AlephApp = self.app
        self.dismiss(None)
        replace_operation(app, op, "speed_up" if kind == "speed_up" else "cancel")

    def action_dismiss_operation(self) -> None:
        from aleph_tui.core.journal.operation_journal import describe
        from aleph_tui.ui.app import AlephApp

        options = self.query_one("#operations", OptionList)
        if options.highlighted is None or not isinstance(self.app, AlephApp):
            return
        op_id = options.get_option_at_index(options.highlighted).id
        if op_id is None:
            return
        app: AlephApp = self.app
        try:
            op = app.service.journal.dismiss(op_id)
        except Exception as exc:
            app.report_failure(TITLE, exc)
            return
        options.remove_option(op_id)
        self.operations = [o for o in self.operations if o.id != op_id]
        app.notify(f"Dismissed: {describe(op)}", title=TITLE, timeout=10, markup=False)
        if not self.operations:
            self.dismiss(None)


def show_open_operations(app: AlephApp) -> None:
    """The list of this network's open operations, or a notice that there are none."""
    try:
        operations = app.service.open_operations()
    except Exception as exc:
        app.report_failure(TITLE, exc)
        return
    if not operations:
        app.notify(f"No open operations on {app.service.network.name}.", title=TITLE)
        return
    app.push_screen(OpenOperationsModal(operations))
