"""Asks for the fee cap of a stuck buy's replacement: the most gwei per gas the user
accepts to pay. It says what the replacement needs now (10 % over the stuck transaction,
and at least the network's fee); Enter checks the cap with core's rules (the same
messages as ``--max-fee-gwei``) and dismisses with it in wei, Escape cancels."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from aleph_tui.core.flows.replacing import ReplaceKind


class FeeCapModal(ModalScreen[int | None]):
    """Dismisses with the cap in wei, or None when cancelled."""

    DEFAULT_CSS = """
    FeeCapModal { align: center middle; }
    FeeCapModal > Vertical {
        width: 76; max-width: 95%; height: auto; padding: 1 2;
        border: thick $warning 60%; background: $surface;
    }
    FeeCapModal #fee-cap-error { color: $error; }
    FeeCapModal .hint { color: $text-muted; margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="fee-cap-cancel", tooltip="Replace nothing"),
    ]

    def __init__(self, kind: ReplaceKind, needed_wei: int, replaces: str) -> None:
        super().__init__()
        self.kind = kind
        self.needed_wei = needed_wei
        self.replaces = replaces

    def compose(self) -> ComposeResult:
        from aleph_tui.core.flows.replacing import gwei_text

        what = "Speed up" if self.kind == "speed_up" else "Cancel"
        with Vertical():
            yield Label(f"{what} the payment {self.replaces}", markup=False)
            yield Label(
                f"It needs a max fee of {gwei_text(self.needed_wei)} gwei per gas now "
                "(10 % over the stuck transaction, at least the network's fee).",
                markup=False,
            )
            yield Label("Your cap, the most gwei per gas you accept:", markup=False)
            yield Label("", id="fee-cap-error", markup=False)
            yield Input(placeholder="gwei", id="fee-cap")
            yield Label("Enter to continue to the confirmation · Escape to cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        from aleph_tui.core.flows.replacing import FeeCapExceeded, fee_cap_wei
        from aleph_tui.core.validation import InvalidInput

        event.stop()
        try:
            cap = fee_cap_wei(event.value)
            if cap < self.needed_wei:
                raise FeeCapExceeded(self.needed_wei, cap, self.kind)
        except InvalidInput as exc:
            self.query_one("#fee-cap-error", Label).update(f"Max fee (gwei): {exc.rule}")
            return
        self.dismiss(cap)

    def action_cancel(self) -> None:
        self.dismiss(None)
