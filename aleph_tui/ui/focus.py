"""The focus model: where the keyboard's focus goes, the same way in every view.

- Typing goes to the text field that has the focus. A focused ``Input`` or ``TextArea``
  consumes every printable key (Textual's ``check_consume_key``: the screen drops those
  keys from every binding above the field), so no single-letter or digit binding, the
  app's or a view's, fires while one has the focus. That is the one rule; no view adds
  its own. Escape leaves the field for the view's main widget, and the keys work again.
- Each view names its main widget (``View.main_widget``): where the focus rests between
  edits. Escape in a field goes there, and so does the focus once an action (a buy, a
  transfer, a threshold saved, a filter applied) has completed. A submit that fails keeps
  the focus on the field at fault, its error shown.
- Tab and Shift+Tab walk a fixed order (``View.tab_order``): the view's fields in the order
  of the form, then its buttons, then the tab bar, round again. It does not depend on
  where the widgets happen to be drawn, nor on scroll containers that can take the focus.
- A focused field, choice, button or table is marked by shape, not only by colour
  (``FOCUS_CSS``): a heavy border, or a bar on the left edge where there is no border.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import ScrollableContainer
from textual.keys import key_to_character
from textual.scroll_view import ScrollView
from textual.widget import Widget

if TYPE_CHECKING:
    from aleph_tui.ui.screens.help_screen import KeyRow

# Loaded with the app's CSS. Outlines are drawn over the widget's edge, so a borderless
# (compact) field or a table gets its bar without a cell of layout moving.
FOCUS_CSS = """
Input:focus { border: heavy $border; }
Input.-invalid:focus { border: heavy $error; }
Select:focus > SelectCurrent { border: heavy $border; }
Button:focus { border: heavy $border; }
Button.-primary:focus { border: heavy $primary; }
RadioSet:focus, Switch:focus { border: heavy $border; }
Input.-textual-compact:focus { border: none; text-style: bold underline; }
Select.-textual-compact:focus > SelectCurrent { border: none; }
Select.-textual-compact:focus > SelectCurrent #label { text-style: bold underline; }
DataTable:focus { outline-left: outer $border; }
"""

# What the help screen calls the focused widget, by its kind: what it is to the user,
# never a class name ("VerticalScroll (focused)").
ROLES: tuple[tuple[str, str], ...] = (
    ("Input", "Text field"),
    ("TextArea", "Text field"),
    ("Select", "Choice list"),
    ("SelectOverlay", "Choice list"),
    ("RadioSet", "Choice"),
    ("Switch", "Switch"),
    ("Checkbox", "Tick box"),
    ("Button", "Button"),
    ("DataTable", "Table"),
    ("OptionList", "List"),
    ("ViewTabs", "Tab bar"),
    ("ScrollableContainer", "Scrolling panel"),
)


def role_of(widget: Widget) -> str:
    """What the widget is to the user ("Table", "Text field"), from its classes."""
    names = [cls.__name__ for cls in type(widget).__mro__]
    for class_name, role in ROLES:
        if class_name in names:
            return role
    return "Focused item"


def is_text_field(widget: Widget | None) -> bool:
    """Whether typing into ``widget`` inserts text (so it swallows the letter keys)."""
    # TextArea is imported lazily elsewhere (12 ms of start-up): check by name.
    return widget is not None and any(
        cls.__name__ in ("Input", "TextArea") for cls in type(widget).__mro__
    )


def types_text(key: str) -> bool:
    """Whether a focused text field takes ``key`` as text (Input's own test): such a key's
    bindings never fire while one has the focus."""
    character = key_to_character(key)
    return character is not None and character.isprintable()


def typing_row() -> KeyRow:
    """Help's line for what typing does while a text field has the focus."""
    from aleph_tui.ui.screens.help_screen import KeyRow

    return KeyRow(
        "letters, digits",
        "Go into the field; Escape leaves it, and they work as the keys below again",
        "view-leave-field",
    )


def tab_candidates(container: Widget) -> list[Widget]:
    """The widgets inside ``container`` that can take the focus now, in the order they
    are composed (not drawn), scroll containers left out."""
    chain = set(container.screen.focus_chain)
    return [widget for widget in container.query("*") if widget in chain and not _panel(widget)]


def _panel(widget: Widget) -> bool:
    """A container that scrolls other widgets (VerticalScroll): it can take the focus,
    though nothing shows it. Tables and fields scroll too (ScrollView), and a RadioSet is
    one widget to the focus: they count."""
    return (
        isinstance(widget, ScrollableContainer)
        and not isinstance(widget, ScrollView)
        and widget.allow_focus_children()
    )


def step(order: list[Widget], focused: Widget | None, forward: bool) -> Widget | None:
    """The widget after (or before) ``focused`` in ``order``, round again. From a widget
    outside the order (the view itself, a panel), the first (or the last)."""
    if not order:
        return None
    here = None
    if focused is not None:
        for node in focused.ancestors_with_self:  # an open Select's list is its Select's
            if isinstance(node, Widget) and node in order:
                here = order.index(node)
                break
    if here is None:
        return order[0] if forward else order[-1]
    return order[(here + (1 if forward else -1)) % len(order)]
