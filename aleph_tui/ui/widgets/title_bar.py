"""The line at the top: the command palette's icon, then the title and sub-title centred.

It looks like Textual's Header (icon, title — sub-title, the clock's empty space on the
right), drawn by one widget where the Header mounts four: a widget costs start-up time.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

ICON = "⭘"
ICON_WIDTH = 8  # the icon and its padding, as Textual's HeaderIcon
RIGHT_SPACE = 10  # where Textual's Header keeps its clock


class TitleBar(Widget):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
        & > .title-bar--icon-hover { background: $foreground 10%; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"title-bar--icon-hover"}
    ICON_TOOLTIP = "Open the command palette"

    icon_hovered: reactive[bool] = reactive(False)

    def on_mount(self) -> None:
        for node, name in (
            (self.app, "title"),
            (self.app, "sub_title"),
            (self.screen, "title"),
            (self.screen, "sub_title"),
        ):
            self.watch(node, name, self._retitle, init=False)

    def _retitle(self) -> None:
        self.refresh()

    def title_text(self) -> Content:
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        return app.format_title(title, sub_title)

    def render(self) -> Content:
        width = self.size.width
        middle = max(0, width - ICON_WIDTH - RIGHT_SPACE)
        title = self.title_text().truncate(middle, ellipsis=True)
        left = (middle - title.cell_length) // 2
        icon = Content(f" {ICON}".ljust(ICON_WIDTH))
        if self.icon_hovered:
            icon = icon.stylize(self.get_visual_style("title-bar--icon-hover", partial=True))
        return Content.assemble(
            icon, " " * left, title, " " * (middle - left - title.cell_length), " " * RIGHT_SPACE
        )

    def _on_icon(self, x: int) -> bool:
        return x < ICON_WIDTH and self.app.ENABLE_COMMAND_PALETTE

    async def on_click(self, event: events.Click) -> None:
        if self._on_icon(event.x):
            event.stop()
            await self.run_action("app.command_palette")

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.icon_hovered = self._on_icon(event.x)
        self.tooltip = self.ICON_TOOLTIP if self.icon_hovered else None

    def on_leave(self, _event: events.Leave) -> None:
        self.icon_hovered = False
