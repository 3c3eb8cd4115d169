"""The base of every tab: a widget that knows the facade and follows the active account."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import ContentSwitcher
from textual.worker import Worker, WorkerState

from aleph_tui.ui.focus import is_text_field, tab_candidates

if TYPE_CHECKING:
    from aleph_tui.core.accounts.account_store import Account
    from aleph_tui.core.service import CreditService
    from aleph_tui.ui.app import AlephApp


class View(Widget, can_focus=True):
    """A tab of the dashboard. Subclasses set the class variables and override the hooks.

    ``account_changed`` runs when the tab is first shown and whenever the active account
    changes;
    ``reload`` runs on ``r`` and on the auto-refresh timer (never while a modal is open).

    Keys: give every binding an ``id`` (kebab-case, e.g. ``"history-next-page"``) so users
    can remap it in ``config.toml``, and a ``tooltip``; show at most two or three in the
    footer (``show=False`` on the others; the help screen lists them all).

    Focus (ui/focus.py has the whole model): ``default_focus`` takes the focus when the tab
    opens (the view itself by default, so its keys and the global ones work at once; a
    table; or a form's first field, where typing is what comes next). ``main_widget`` is
    where the focus rests between edits: Escape in a field and a completed action
    (``rest_focus``) go there; it is never a text field. ``tab_order`` is the fixed order
    Tab walks: the fields as composed, then the buttons.

    Failures: run network calls in workers (``@work(group=..., exclusive=True,
    exit_on_error=False)``) and pass failures to ``self.aleph_app.report_failure``; an
    uncaught worker error of this view is reported for you, never crashing the app.
    """

    view_id: ClassVar[str]
    title: ClassVar[str]
    key: ClassVar[str]  # the number key that opens it
    # True when the view, shown first, calls ``aleph_app.data_shown()`` once its first
    # data (or failure) is on screen: the app's other start-up work waits for it.
    shows_data_first: ClassVar[bool] = False

    DEFAULT_CSS = """
    View { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "leave_field",
            "Leave field",
            show=False,
            id="view-leave-field",
            tooltip="Leave the text field for the view's main widget (the keys work again)",
        ),
    ]

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
        # A hidden tab makes its first load when it is first shown (``catch_up``), not at
        # start-up: the visible tab's data then reaches the screen without competing with
        # seven other tabs' requests.
        self._behind = True
        self.watch(self.aleph_app, "active_account", self._on_account, init=False)
        if self.is_shown_tab:
            self.catch_up()

    @property
    def is_shown_tab(self) -> bool:
        """Whether this view's tab is the active one (True outside tabs)."""
        switcher = self.parent
        return not isinstance(switcher, ContentSwitcher) or switcher.current == self.id

    def catch_up(self) -> None:
        """Make the first load, if the tab was hidden until now."""
        if getattr(self, "_behind", False):
            self._behind = False
            self.account_changed(self.account)

    def _on_account(self, account: Account | None) -> None:
        if self._behind and self.aleph_app.opening and not self.is_shown_tab:
            return  # the start-up account: loaded when the tab is first shown
        self._behind = False
        self.account_changed(account)

    def account_changed(self, account: Account | None) -> None:
        """Load what this view shows for ``account``."""

    def reload(self) -> None:
        """Fetch again (bound to ``r``)."""

    def shows_address(self, address: str) -> bool:
        """Whether this view shows figures of ``address`` (lower-case): by default, the
        active account's."""
        account = self.account
        return account is not None and account.address.lower() == address

    def money_changed(self, addresses: frozenset[str]) -> None:
        """The money of ``addresses`` changed (``ui/money_changed.py``): a view showing one
        of them reads its figures again now, shown or hidden; one not loaded yet makes
        its first load when its tab is shown."""
        if getattr(self, "_behind", False):
            return
        if any(self.shows_address(address) for address in addresses):
            self.reload()

    def default_focus(self) -> Widget:
        """The widget that takes the focus when this view's tab opens."""
        return self

    def main_widget(self) -> Widget:
        """Where the focus rests between edits: the opening widget, or the view itself
        when that is a text field (it would swallow the letter and number keys)."""
        opening = self.default_focus()
        return self if is_text_field(opening) else opening

    def tab_order(self) -> list[Widget]:
        """The widgets Tab visits, in order: the fields as composed, then the buttons;
        disabled and hidden ones are skipped. Override to reorder (never by position)."""
        return tab_candidates(self)

    def rest_focus(self) -> None:
        """An action completed: the focus goes to the main widget, unless the user has
        moved it out of this view meanwhile (another tab, the tab bar)."""
        focused = self.screen.focused
        if self.is_shown_tab and (focused is None or self in focused.ancestors_with_self):
            self.main_widget().focus()

    def action_leave_field(self) -> None:
        if is_text_field(self.screen.focused):
            self.main_widget().focus()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.ERROR and worker.error is not None:
            # Never the description: it holds the worker's arguments, maybe a password.
            task = worker.name.replace("_", " ").strip() if worker.name else "task"
            self.aleph_app.report_failure(f"{self.title}: {task}", worker.error)


def explain(exc: BaseException) -> str:
    """One line: the service's own sentence, or the exception's type."""
    from aleph_tui.ui.app import describe_failure  # the app imports the views

    return describe_failure(exc)


def cancelling() -> bool:
    """Whether this task is being cancelled (leaving the app): start nothing new."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
