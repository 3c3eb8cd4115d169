"""The row of view tabs under the header: every label and the underline in one widget.

It looks and behaves like Textual's tab bar (the active label over a highlighted stretch
of the underline, hover, a click or ←/→ when focused to change tab), but a TabbedContent
mounts 21 widgets for eight tabs, and each widget costs start-up time: one widget here
took 12% off the instructions to the dashboard's first frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.console import Group
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.renderables.bar import Bar
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.app import RenderResult


class ViewTabs(Widget, can_focus=True):
    """Labels of tabs, identified by ids; ``active`` is the id shown as chosen."""

    DEFAULT_CSS = """
    ViewTabs {
        width: 1fr;
        height: 2;
        pointer: pointer;
        & > .view-tabs--tab { color: $foreground 50%; }
        & > .view-tabs--hover { color: $foreground; }
        & > .view-tabs--active { color: $foreground; }
        & > .view-tabs--bar { color: $block-cursor-background; background: $foreground 10%; }
        &:focus {
            & > .view-tabs--bar { background: $foreground 30%; }
            & > .view-tabs--active {
                text-style: $block-cursor-text-style;
                color: $block-cursor-foreground;
                background: $block-cursor-background;
            }
        }
        &:ansi {
            & > .view-tabs--tab { text-style: dim; }
            & > .view-tabs--active { text-style: not dim bold; }
            & > .view-tabs--bar { background: $border-blurred; }
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "view-tabs--tab",
        "view-tabs--hover",
        "view-tabs--active",
        "view-tabs--bar",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left",
            "step(-1)",
            "Previous tab",
            show=False,
            id="tab-previous",
            tooltip="Show the tab on the left",
        ),
        Binding(
            "right",
            "step(1)",
            "Next tab",
            show=False,
            id="tab-next",
            tooltip="Show the tab on the right",
        ),
    ]

    active: reactive[str] = reactive("")
    hovered: reactive[str | None] = reactive(None)

    class Chosen(Message):
        """A tab was clicked, or reached with ←/→ (``by_key``)."""

        def __init__(self, tab_id: str, *, by_key: bool = False) -> None:
            super().__init__()
            self.tab_id = tab_id
            self.by_key = by_key

    def __init__(
        self, tabs: Sequence[tuple[str, str]], active: str = "", *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.tabs = list(tabs)
        self.set_reactive(ViewTabs.active, active or (self.tabs[0][0] if self.tabs else ""))

    def spans(self) -> list[tuple[str, int, int]]:
        """Each tab's id and its columns [start, end), padding included, unscrolled."""
        spans = []
        start = 0
        for tab_id, label in self.tabs:
            end = start + cell_len(label) + 2
            spans.append((tab_id, start, end))
            start = end
        return spans

    def _scroll(self) -> int:
        """Columns hidden on the left so that the active tab is in view."""
        width = self.size.width
        for tab_id, _start, end in self.spans():
            if tab_id == self.active:
                return max(0, end - width)
        return 0

    def tab_at(self, x: int) -> str | None:
        column = x + self._scroll()
        return next((tab for tab, start, end in self.spans() if start <= column < end), None)

    def render(self) -> RenderResult:
        offset = self._scroll()
        labels = Text(no_wrap=True, overflow="crop", end="")
        highlight = (0, 0)
        for (tab_id, label), (_, start, end) in zip(self.tabs, self.spans(), strict=True):
            if tab_id == self.active:
                part = "view-tabs--active"
                highlight = (start + 1 - offset, end - 1 - offset)  # the label, not its padding
            elif tab_id == self.hovered:
                part = "view-tabs--hover"
            else:
                part = "view-tabs--tab"
            labels.append(f" {label} ", self.get_component_rich_style(part))
        bar = self.get_component_rich_style("view-tabs--bar")
        return Group(
            labels[offset:],
            Bar(
                highlight_range=highlight,
                highlight_style=Style.from_color(bar.color),
                background_style=Style.from_color(bar.bgcolor),
            ),
        )

    def action_step(self, step: int) -> None:
        ids = [tab_id for tab_id, _label in self.tabs]
        if self.active in ids:
            self.post_message(
                self.Chosen(ids[(ids.index(self.active) + step) % len(ids)], by_key=True)
            )

    def on_click(self, event: events.Click) -> None:
        event.stop()
        tab_id = self.tab_at(event.x)
        if tab_id is not None:
            self.post_message(self.Chosen(tab_id))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hovered = self.tab_at(event.x) if event.y == 0 else None

    def on_leave(self, _event: events.Leave) -> None:
        self.hovered = None
