"""A focused field is scrolled clear of the rows docked over its scroll container.

Textual scrolls a widget it focuses into view only when the widget is not wholly inside
its container's viewport. A row docked at the bottom of a scrolling form (the action
buttons at 24 lines, ``Screen.-short``) is drawn over that viewport, so a field under it
counts as in view and stays hidden while it is typed in. ``scroll_to_widget`` leaves
room for the docks (their ``dock_gutter``): the forms call it on every focus.
"""

from __future__ import annotations

from textual.widget import Widget


def scroll_clear_of_docks(container: Widget, focused: Widget) -> None:
    """Scroll ``container`` (no animation, after the next refresh) so that ``focused``, a
    widget inside it, is wholly visible beside the rows docked in it; a no-op when it is
    already, or when ``focused`` is elsewhere."""
    if container in focused.ancestors:
        container.scroll_to_widget(focused, animate=False)
