"""Every use aleph-tui makes of Textual's private names, and the reason for each.

Nothing else in the package (or its tests) touches a private Textual name. Textual has
no public API for what follows, so ``tests/ui/test_textual_private.py`` checks that each
name still exists with the shape used here: a Textual release that changes one fails
that test instead of silently breaking the app.

- The crash report. On an unhandled exception Textual prints a traceback with the
  frames' local variables (``App._fatal_error``, called by ``App._handle_exception``);
  a frame inside a signing library can hold a private key. There is no public switch,
  so ``RedactedCrashReport`` overrides that one method and hands the public
  ``App.panic`` a traceback without locals.
- Bindings as Textual merged them (``DOMNode._bindings``, ``DOMNode._merge_bindings``)
  and the keymap in force (``App._keymap``): the help screen lists every key of a node,
  messages name the key of a binding after the user's keymap, and a keymap that takes
  a key from another binding is reported. ``Screen.active_bindings`` (public) holds only
  the keys active now, one binding per key, without the keymap's losers.
- Bindings added at run time with an id and a tooltip: the tabs' number keys, which the
  keymap remaps as ``view-<id>``. ``App.bind`` takes neither id nor tooltip, and
  Textual's docs say it may become private.
- For the tests: the notifications shown so far (``App._notifications``) and a timer's
  interval (``Timer._interval``), which Textual does not expose.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import rich
from textual.app import App
from textual.binding import Binding, BindingsMap, BindingType

if TYPE_CHECKING:
    from textual.binding import Keymap
    from textual.dom import DOMNode
    from textual.notifications import Notification
    from textual.timer import Timer


class RedactedCrashReport(App[None]):
    """An App whose crash report shows no frame locals."""

    def _fatal_error(self) -> None:
        """Textual's crash report (it runs inside the ``except`` of the crash), but
        without frame locals: a frame in a signing library could hold a private key."""
        from rich.traceback import Traceback

        self.bell()
        self.panic(Traceback(show_locals=False, width=None, suppress=[rich]))


def node_bindings(node: DOMNode) -> BindingsMap:
    """The bindings of this node, as Textual merged them from its classes (no keymap)."""
    return node._bindings


def class_bindings(cls: type[DOMNode]) -> BindingsMap:
    """The bindings a node of this class starts with (its classes' BINDINGS, merged)."""
    return cls._merge_bindings()


def keymap_of(app: App[Any]) -> Keymap:
    """The keymap in force (``App.set_keymap``'s, keys in Textual's long form)."""
    return app._keymap


def add_bindings(node: DOMNode, bindings: Iterable[BindingType]) -> None:
    """Give this node more bindings, ids and tooltips kept, after those of its class."""
    keys = node._bindings.key_to_bindings
    for binding in Binding.make_bindings(bindings):
        keys[binding.key] = [*keys.get(binding.key, []), binding]


def notifications_of(app: App[Any]) -> list[Notification]:
    """The notifications the app shows or has shown and not yet expired, oldest first."""
    return list(app._notifications)


def timer_interval(timer: Timer) -> float:
    """The seconds between a timer's ticks."""
    return timer._interval
