"""The dashboard's tabs, in key order. Each view lives in its own module."""

from __future__ import annotations

from aleph_tui.ui.view import View


def all_views() -> list[type[View]]:
    views: list[type[View]] = []
    return sorted(views, key=lambda view: view.key)
