"""The private Textual names aleph-tui relies on (all in ``ui/textual_private.py``) still
exist with the shape it uses. A Textual release that renames or reshapes one fails here,
instead of the app silently losing its crash redaction or its key help."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.widgets import Label

import aleph_tui
from aleph_tui.ui.textual_private import (
    RedactedCrashReport,
    add_bindings,
    class_bindings,
    keymap_of,
    node_bindings,
    notifications_of,
    timer_interval,
)


def test_textual_reports_a_crash_through_fatal_error() -> None:
    """RedactedCrashReport overrides App._fatal_error: Textual must still call it, with no
    argument, for an exception that has no ``__rich__`` of its own."""
    fatal = inspect.signature(App._fatal_error)
    assert list(fatal.parameters) == ["self"]
    assert "self._fatal_error()" in inspect.getsource(App._handle_exception)
    assert RedactedCrashReport._fatal_error is not App._fatal_error


class Keys(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "note('reload')", "Reload", id="reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []
        add_bindings(self, [Binding("2", "note('two')", "Two", id="view-two", tooltip="2")])

    def compose(self) -> ComposeResult:
        yield Label("keys")

    def action_note(self, what: str) -> None:
        self.notes.append(what)


async def test_bindings_and_keymap_read_and_added_as_textual_keeps_them() -> None:
    app = Keys()
    merged = class_bindings(Keys)
    assert isinstance(merged, BindingsMap)
    assert {b.id for _k, b in merged} >= {"reload"}
    bindings = node_bindings(app)
    assert isinstance(bindings, BindingsMap)
    added = [b for _k, b in bindings if b.id == "view-two"]
    assert [(b.key, b.tooltip) for b in added] == [("2", "2")]
    async with app.run_test() as pilot:
        await pilot.press("2")
        app.set_keymap({"reload": "f5", "view-two": "?"})
        assert keymap_of(app) == {"reload": "f5", "view-two": "question_mark"}
        await pilot.press("f5", "question_mark", "r")
        assert app.notes == ["two", "reload", "two"]


async def test_notifications_and_timer_intervals_read_as_textual_keeps_them() -> None:
    app = Keys()
    async with app.run_test() as pilot:
        app.notify("first", title="One")
        app.notify("second", title="Two")
        await pilot.pause()
        assert [(n.title, n.message) for n in notifications_of(app)] == [
            ("One", "first"),
            ("Two", "second"),
        ]
        timer = app.set_interval(12, lambda: None)
        assert timer_interval(timer) == 12
        timer.stop()


def lines_matching(pattern: re.Pattern[str]) -> list[str]:
    """``path:line`` of each line of our code that matches: the package, the tests and
    the benchmarks, but for the module that isolates Textual's internals and this test."""
    root = Path(aleph_tui.__file__).parent
    here = Path(__file__).resolve()
    return [
        f"{path}:{number}"
        for path in [
            *root.rglob("*.py"),
            *here.parent.parent.rglob("*.py"),
            *(root.parent / "bench").glob("*.py"),
        ]
        if path.name != "textual_private.py" and path.resolve() != here
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]


def test_nothing_else_touches_a_private_textual_name() -> None:
    """The names of the overrides and members this module isolates appear nowhere else:
    not in the package, the tests or the benchmarks."""
    names = (
        "_render_line_in_row|_get_row_style|_row_render_cache|_row_locations|_update_count|"
        "_fatal_error|_merge_bindings|_labelled_row_exists|_show_hover_cursor|"
        "_get_styles_to_render_cell|_pseudo_class_state|_close_messages_no_wait|"
        "_exit_renderables|_bindings|_keymap|_notifications|_interval|_handle_exception|"
        "_exception|_display|_toggle_cursor"
    )
    # An attribute, or a name given as a string (``monkeypatch.setattr(Input, "_x", ...)``).
    pattern = re.compile(rf"[.\"']({names})\b")
    found = lines_matching(pattern)
    assert not found, found


def test_nothing_imports_a_private_textual_module() -> None:
    """``textual.widgets._footer`` and the like are Textual's internals: a name needed
    from one is reached some public way (a CSS type selector) or isolated in
    ``ui/textual_private.py``."""
    pattern = re.compile(r"\btextual(\.\w+)*\._\w+")
    found = lines_matching(pattern)
    assert not found, found
