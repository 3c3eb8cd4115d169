"""``?``: every key that works right now, grouped (anywhere, the current view, the focused
widget, the screen), with the binding ids that ``[keymap]`` in config.toml remaps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

if TYPE_CHECKING:
    from textual.app import ComposeResult


@dataclass(frozen=True)
class KeyRow:
    keys: str  # as displayed, e.g. "?, f1"
    description: str
    binding_id: str | None = None


@dataclass
class KeyGroup:
    title: str
    rows: list[KeyRow] = field(default_factory=list)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 96; max-width: 95%; height: 90%; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    HelpScreen VerticalScroll { height: 1fr; }
    HelpScreen .group-title { text-style: bold; color: $primary; margin-top: 1; }
    HelpScreen .hint { color: $text-muted; margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help-close", tooltip="Close help"),
    ]

    def __init__(self, groups: list[KeyGroup], config_path: str) -> None:
        super().__init__()
        self.groups = groups
        self.config_path = config_path

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Keys[/b]")
            with VerticalScroll(id="help-groups"):
                for group in self.groups:
                    if group.rows:
                        yield Label(group.title, classes="group-title", markup=False)
                        yield Static(self._table(group), classes="group")
            yield Static(
                f'Remap a key in {self.config_path}: under [keymap], id = "keys" '
                '(e.g. reload = "f5"). Escape closes.',
                classes="hint",
                markup=False,
            )

    @staticmethod
    def _table(group: KeyGroup) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(min_width=14, style="bold")
        table.add_column(ratio=1)
        table.add_column(style="dim")
        for row in group.rows:
            table.add_row(row.keys, row.description, row.binding_id or "")
        return table

    def action_close(self) -> None:
        self.dismiss(None)
