"""The last look before signing: everything about to be signed, then Cancel or Sign.

Cancel has the focus, so Enter alone never signs: signing takes ``y`` or the Sign
button. The first decision wins; the buttons are disabled at once, so a second press (a
double click, a repeated key) cannot confirm twice. Dismisses with True to sign.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class SigningConfirmation(ModalScreen[bool]):
    """Rows of (what, value) to check, optional warnings, then Cancel / Sign."""

    AUTO_FOCUS = "#cancel"
    DEFAULT_CSS = """
    SigningConfirmation { align: center middle; }
    SigningConfirmation > #confirmation {
        width: 96; max-width: 95%; height: auto; max-height: 95%;
        padding: 1 2; border: thick $warning 60%; background: $surface;
    }
    SigningConfirmation #confirmation-title { text-style: bold; margin-bottom: 1; }
    SigningConfirmation #confirmation-rows { width: auto; max-width: 100%; }
    SigningConfirmation .confirmation-warning { color: $text-warning; margin-top: 1; }
    SigningConfirmation #confirmation-buttons { height: auto; margin-top: 1; align: right middle; }
    SigningConfirmation #confirmation-buttons Button { margin-left: 2; }
    /* too long for the terminal (24 lines): the rows scroll, the buttons stay */
    SigningConfirmation > #confirmation { overflow-y: auto; }
    SigningConfirmation #confirmation-buttons { dock: bottom; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,n",
            "cancel",
            "Cancel",
            id="confirmation-cancel",
            tooltip="Close without signing or sending anything",
        ),
        Binding(
            "y",
            "confirm",
            "Sign",
            id="confirmation-sign",
            tooltip="Sign exactly what is shown (and send it, unless this is a dry run)",
        ),
        Binding(
            "left,h",
            "app.focus_previous",
            "Previous button",
            show=False,
            id="confirmation-previous",
            tooltip="Move to the previous button",
        ),
        Binding(
            "right,l",
            "app.focus_next",
            "Next button",
            show=False,
            id="confirmation-next",
            tooltip="Move to the next button",
        ),
    ]

    def __init__(
        self,
        title: str,
        rows: Sequence[tuple[str, str]],
        *,
        confirm_label: str = "Sign and send",
        warnings: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.title_text = title
        self.rows = list(rows)
        self.warnings = list(warnings)
        self.confirm_label = confirm_label
        self.decided: bool | None = None

    @property
    def details(self) -> dict[str, str]:
        return dict(self.rows)

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for what, value in self.rows:
            table.add_row(Text(what), Text(value))
        with Vertical(id="confirmation"):
            yield Static(Text(self.title_text), id="confirmation-title")
            yield Static(table, id="confirmation-rows")
            for warning in self.warnings:
                yield Static(Text(f"⚠ {warning}"), classes="confirmation-warning")
            with Horizontal(id="confirmation-buttons"):
                yield Button(
                    Content("Cancel [n]"),
                    id="cancel",
                    tooltip="Close without signing (Escape or n)",
                )
                yield Button(
                    Content(f"{self.confirm_label} [y]"),
                    id="confirm",
                    variant="warning",
                    tooltip="Sign exactly what is shown (y)",
                )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._decide(event.button.id == "confirm")

    def action_confirm(self) -> None:
        self._decide(True)

    def action_cancel(self) -> None:
        self._decide(False)

    def _decide(self, sign: bool) -> None:
        if self.decided is not None:
            return  # the first press won; a second one must not sign again
        self.decided = sign
        for button in self.query(Button):
            button.disabled = True
        self.dismiss(sign)
