"""Copying an address or a hash that is on screen, with ``c``: OSC 52 through Textual's
public ``App.copy_to_clipboard``, so it works in any terminal that allows it, over SSH too.

Also how a known address reads: its account or alias name, the address beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.binding import Binding
from textual.widget import Widget

from aleph_tui.core.formatting import named_address

COPY_KEY = "c"


def copy_binding(binding_id: str, what: str) -> Binding:
    """The ``c`` binding of a table or a detail: it runs the widget's ``action_copy``."""
    return Binding(
        COPY_KEY, "copy", "Copy", id=binding_id, tooltip=f"Copy the selected {what} (OSC 52)"
    )


def copy_value(widget: Widget, label: str, value: str | None) -> None:
    """Put ``value`` on the clipboard and say so (and what), or say there is nothing."""
    if not value:
        widget.notify(f"{label}: nothing to copy here", severity="warning")
        return
    widget.app.copy_to_clipboard(value)
    widget.notify(f"{label} copied to the clipboard: {value}", title="Copied")


Names = Mapping[str, str]  # lowercase address → account or alias name


def names_of(book: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The names of the address book's addresses (the first name an address has wins:
    accounts come before aliases)."""
    names: dict[str, str] = {}
    for name, address in book:
        names.setdefault(address.lower(), name)
    return names


def known_address(address: str, names: Names, *, whole: bool = False) -> str:
    """``main (0x1234…abcd)`` for a known address, else the address itself; ``whole``:
    ``main · 0x1234…`` with every digit (core/formatting.named_address)."""
    return named_address(address, names.get(address.lower()), whole=whole)
