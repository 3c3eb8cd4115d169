"""Command palette (ctrl+p) providers: switch account, go to a view. Themes come from
Textual's own "Theme" system command."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from aleph_tui.ui.app import AlephApp

# (text to match and show, what it does, help line)
Command = tuple[str, Callable[[], object], str]


class _AlephProvider(Provider):
    @property
    def aleph_app(self) -> AlephApp | None:
        from aleph_tui.ui.app import AlephApp

        return self.app if isinstance(self.app, AlephApp) else None

    def commands(self) -> list[Command]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for text, callback, help_text in self.commands():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self.commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, text=text, help=help_text)


class AccountCommands(_AlephProvider):
    """One "Switch to account NAME" per account of the store."""

    def commands(self) -> list[Command]:
        app = self.aleph_app
        if app is None:
            return []
        from aleph_tui.ui.widgets.amount_text import short_address

        return [
            (
                f"Switch to account {account.name}",
                partial(app.select_account, account),
                f"{short_address(account.address)} · {account.kind_display}",
            )
            for account in app.accounts
        ]


class ViewCommands(_AlephProvider):
    """One "Go to TITLE" per view."""

    def commands(self) -> list[Command]:
        app = self.aleph_app
        if app is None:
            return []
        return [
            (
                f"Go to {view.title}",
                partial(app.action_open_view, view.view_id),
                f"the {view.title} tab (key {app.key_for(f'view-{view.view_id}') or view.key})",
            )
            for view in app.views
        ]


class OperationCommands(_AlephProvider):
    """The "Open operations" command: the buys and transfers left open, to dismiss one."""

    def commands(self) -> list[Command]:
        app = self.aleph_app
        if app is None:
            return []
        from aleph_tui.ui.screens.open_operations_modal import show_open_operations

        return [
            (
                "Open operations",
                partial(show_open_operations, app),
                "the buys and transfers left open on this network; dismiss one (d)",
            )
        ]
