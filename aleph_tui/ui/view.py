"""The base of every tab: a widget that knows the facade and follows the active account."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.widget import Widget

if TYPE_CHECKING:
    from aleph_tui.core.accounts import Account
    from aleph_tui.core.service import CreditService
    from aleph_tui.ui.app import AlephApp


class View(Widget):
    """A tab of the dashboard. Subclasses set the class variables and override the hooks.

    ``account_changed`` runs on mount and whenever the active account changes;
    ``reload`` runs on ``r`` and on the auto-refresh timer.
    """

    view_id: ClassVar[str]
    title: ClassVar[str]
    key: ClassVar[str]  # the number key that opens it

    DEFAULT_CSS = """
    View { height: 1fr; }
    """

    @property
    def aleph_app(self) -> AlephApp:
        from aleph_tui.ui.app import AlephApp

        assert isinstance(self.app, AlephApp)
        return self.app

    @property
    def service(self) -> CreditService:
        return self.aleph_app.service

    @property
    def account(self) -> Account | None:
        return self.aleph_app.active_account

    def on_mount(self) -> None:
        self.watch(self.aleph_app, "active_account", self._on_account, init=True)

    def _on_account(self, account: Account | None) -> None:
        self.account_changed(account)

    def account_changed(self, account: Account | None) -> None:
        """Load what this view shows for ``account``."""

    def reload(self) -> None:
        """Fetch again (bound to ``r``)."""
