"""The dashboard's tabs, in key order. Each view lives in its own module, imported when
its tab is first built: start-up imports the first tab's view only."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from aleph_tui.ui.view import View


@dataclass(frozen=True)
class ViewSpec:
    """A tab before its module is imported: what the tab bar, the number keys and the
    command palette need. tests/ui/test_ui_shell.py holds each equal to its class."""

    key: str
    view_id: str
    title: str
    module: str
    class_name: str

    def load(self) -> type[View]:
        view: type[View] = getattr(importlib.import_module(self.module), self.class_name)
        return view

    @classmethod
    def of(cls, view: type[View]) -> ViewSpec:
        return cls(view.key, view.view_id, view.title, view.__module__, view.__qualname__)


def _spec(key: str, view_id: str, title: str) -> ViewSpec:
    module = f"aleph_tui.ui.views.{view_id}_view"
    return ViewSpec(key, view_id, title, module, f"{title}View")


VIEWS = (
    _spec("1", "balance", "Balance"),
    _spec("2", "history", "History"),
    _spec("3", "buy", "Buy"),
    _spec("4", "transfer", "Transfer"),
    _spec("5", "accounts", "Accounts"),
    _spec("6", "flow", "Flow"),
    _spec("7", "usage", "Usage"),
    _spec("8", "pricing", "Pricing"),
)


def all_views() -> list[ViewSpec]:
    return list(VIEWS)
