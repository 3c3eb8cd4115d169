"""Run a Textual program until the first frame that holds EXPECTED is written, then exit:
what ``bench/b2_instructions.py`` counts the instructions of. Run as a script, never imported
by the benchmarks (it patches Textual):

    python bench/first_frame.py EXPECTED -- PROGRAM [ARGS...]

PROGRAM is ``aleph-tui`` (run as ``aleph_tui.cli``) or a script path. The exit status is 0
when EXPECTED was in a Static widget of a frame, 3 when none of the first ``MAX_FRAMES``
held it: the dashboard's balance comes from the API client after the first mount, so it
is painted in a later frame than the first (the early reads that put it in the first
frame are gone, issue 15).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import runpy
import sys
from types import ModuleType
from typing import Any

MAX_FRAMES = 50


def _stop_at_first_frame(app_module: ModuleType, expected: str) -> None:
    app_class: Any = app_module.App
    display = app_class._display
    frames = 0

    def first_frame(self: Any, screen: Any, renderable: Any) -> None:
        nonlocal frames
        display(self, screen, renderable)
        from textual.widgets import Static

        frames += 1
        if any(expected in str(widget.render()) for widget in screen.query(Static)):
            os._exit(0)
        if frames >= MAX_FRAMES:
            os._exit(3)

    app_class._display = first_frame


class _AfterImport(importlib.abc.MetaPathFinder):
    """Patches textual.app once it has been imported, where the program imports it: the
    import order, and so the count, stay the program's own."""

    def __init__(self, expected: str) -> None:
        self.expected = expected

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "textual.app":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        assert spec is not None and spec.loader is not None
        loader, expected = spec.loader, self.expected
        exec_module = loader.exec_module

        def exec_then_patch(module: ModuleType) -> None:
            exec_module(module)
            _stop_at_first_frame(module, expected)

        loader.exec_module = exec_then_patch  # type: ignore[method-assign]
        return spec


def main() -> None:
    expected, separator, program, *args = sys.argv[1:]
    assert separator == "--"
    sys.meta_path.insert(0, _AfterImport(expected))
    if program == "aleph-tui":
        from aleph_tui.cli import main as cli_main

        sys.argv = ["aleph-tui", *args]
        sys.exit(cli_main())
    sys.argv = [program, *args]
    runpy.run_path(program, run_name="__main__")


if __name__ == "__main__":
    main()
