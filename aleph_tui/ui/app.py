"""The Textual application: tabs of views over the credit service facade.

The shell owns what every view shares: the active account (header, picker, ``<``/``>``),
the tabs and their number keys, reload and auto-refresh, help, the command palette,
themes, the keymap from config.toml, and the way failures are reported (never a crash).
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Input, Static

from aleph_tui.core.errors import ServiceError
from aleph_tui.core.validation import InvalidInput
from aleph_tui.ui import collector
from aleph_tui.ui import settings as ui_settings
from aleph_tui.ui import themes as ui_themes
from aleph_tui.ui.desktop_notices import DesktopNotices
from aleph_tui.ui.focus import FOCUS_CSS, is_text_field, role_of, step, types_text, typing_row
from aleph_tui.ui.pending_operations import follow_pending_operations
from aleph_tui.ui.textual_private import (
    RedactedCrashReport,
    add_bindings,
    class_bindings,
    keymap_of,
    node_bindings,
)
from aleph_tui.ui.view import View
from aleph_tui.ui.views import ViewSpec, all_views
from aleph_tui.ui.widgets.amount_text import short_address
from aleph_tui.ui.widgets.title_bar import TitleBar
from aleph_tui.ui.widgets.view_tabs import ViewTabs

if TYPE_CHECKING:
    from textual.binding import BindingsMap
    from textual.command import Provider
    from textual.dom import DOMNode
    from textual.theme import Theme
    from textual.timer import Timer
    from textual.widget import AwaitMount

    from aleph_tui.core.accounts.account_store import Account
    from aleph_tui.core.accounts.signer import Signer
    from aleph_tui.core.service import CreditService
    from aleph_tui.ui.money_changed import MoneyChanged
    from aleph_tui.ui.screens.first_run_screen import FirstRunChoice
    from aleph_tui.ui.screens.help_screen import KeyGroup, KeyRow

PASSWORD_ATTEMPTS = 3
ACCOUNTS_VIEW = "accounts"
# The work of start-up that waits for the first view's data (``after_start``) starts
# anyway after this long, should that data never come (a node that does not answer).
AFTER_START_FALLBACK_S = 3.0
# Below these sizes (columns, lines) the screen has the class ``-narrow`` / ``-short``.
NARROW_BELOW = 120
SHORT_BELOW = 36


def account_commands() -> type[Provider]:
    from aleph_tui.ui.commands import AccountCommands

    return AccountCommands


def view_commands() -> type[Provider]:
    from aleph_tui.ui.commands import ViewCommands

    return ViewCommands


def operation_commands() -> type[Provider]:
    from aleph_tui.ui.commands import OperationCommands

    return OperationCommands


class AlephApp(RedactedCrashReport):
    TITLE = "aleph-tui"
    CSS = """
    #no-views { padding: 1 2; }
    #views { height: 1fr; }
    .amount-positive { color: $amount-positive; }
    .amount-negative { color: $amount-negative; }
    .pending { color: $pending; }
    """
    CSS += FOCUS_CSS  # focus marked by shape, not colour alone (ui/focus.py)
    COMMANDS = App.COMMANDS | {account_commands, view_commands, operation_commands}
    # The screen's classes for its size, so that views lay out for it in CSS (e.g.
    # ``Screen.-narrow BuyView .form-column``): 80×24, the default terminal, is narrow and
    # short; 140×45 is wide and tall. (Textual types them as instance attributes, hence
    # no ClassVar.)
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-narrow"),
        (NARROW_BELOW, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-short"),
        (SHORT_BELOW, "-tall"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="help", tooltip="Every key, grouped"),
        Binding("a", "pick_account", "Account", id="account-picker", tooltip="Switch account"),
        Binding("r", "reload", "Reload", id="reload", tooltip="Fetch this view again"),
        Binding(
            "less_than_sign",
            "cycle_account(-1)",
            "Previous account",
            show=False,
            id="account-previous",
            tooltip="Switch to the previous account",
        ),
        Binding(
            "greater_than_sign",
            "cycle_account(1)",
            "Next account",
            show=False,
            id="account-next",
            tooltip="Switch to the next account",
        ),
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave aleph-tui"),
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            show=False,
            priority=True,
            id="quit-now",
            tooltip="Leave aleph-tui, even from a text field",
        ),
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            show=False,
            priority=True,
            id="command-palette",
            tooltip="Accounts, views, themes and more, by name",
        ),
    ]

    active_account: reactive[Account | None] = reactive(None, always_update=True)

    def __init__(
        self, service: CreditService, views: Sequence[type[View] | ViewSpec] | None = None
    ) -> None:
        super().__init__()
        self.service = service
        self.views: list[ViewSpec] = sorted(
            (
                view if isinstance(view, ViewSpec) else ViewSpec.of(view)
                for view in (all_views() if views is None else views)
            ),
            key=lambda v: v.key,
        )
        self.accounts: list[Account] = []
        self.settings = ui_settings.UiSettings()
        self.config_path = ui_settings.config_file()
        self._theme_in_use: str | None = None
        self._account_store_failed = False
        self._pending_retry: Callable[[], object] | None = None
        self._refresh_timer: Timer | None = None
        self._started = False  # the first view's data is on screen (``data_shown``)
        self._after_start: list[Callable[[], object]] = []
        self._start_fallback: Timer | None = None
        self.opening = False  # True while on_mount picks the start-up account
        # Settings and theme before the first styling: a theme set once the app runs
        # styles every widget a second time (0.1 s of start-up).
        loaded = ui_settings.load_settings(self.config_path)
        self.settings = loaded.settings
        self._settings_problems = loaded.problems
        self.desktop_notices = DesktopNotices(self.settings.desktop_notifications)
        self._theme_problems: list[tuple[str, str, SeverityLevel]] = []
        self._install_themes()
        # One binding per view: its number key, remappable as "view-<id>".
        add_bindings(
            self,
            [
                Binding(
                    view.key,
                    f"open_view('{view.view_id}')",
                    view.title,
                    show=False,
                    id=f"view-{view.view_id}",
                    tooltip=f"Show the {view.title} tab",
                )
                for view in self.views
            ],
        )

    # --- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar()
        if not self.views:
            yield Static("No views yet.", id="no-views")
            return
        first = self.views[0]
        yield ViewTabs(
            [(view.view_id, f"{view.key} {view.title}") for view in self.views],
            first.view_id,
            id="view-tabs",
        )
        # Only the first tab's view now; each other one is built when its tab is first
        # shown (``_show_view``), so start-up paints sooner.
        switcher = ContentSwitcher(id="views", initial=first.view_id)
        switcher.set_reactive(ContentSwitcher.current, first.view_id)
        with switcher:
            yield first.load()(id=first.view_id)
        # The Footer is mounted after the first frame (on_mount).

    def on_mount(self) -> None:
        for problem in self._settings_problems:
            self.notify(problem, title="Settings", severity="warning", timeout=15, markup=False)
        for title, message, severity in self._theme_problems:
            self.notify(message, title=title, severity=severity, timeout=15, markup=False)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._apply_keymap(self.settings.keymap)
        self._start_auto_refresh(self.settings.refresh_interval)
        self.reload_account_list()
        default = self._default_account()
        self.opening = True  # hidden tabs skip this first account (View._on_account)
        self.active_account = default or (self.accounts[0] if self.accounts else None)
        self.opening = False
        # Start-up order: the layout, then the active account's balance, then the rest
        # (the focus, the Footer, the collector's settling, the keymap check, the
        # journal's open operations, the wallet panel's chain reads). Run after the
        # first frame but before the balance's, that rest delayed the balance by 0.26 G
        # instructions (BENCHMARKS.md, issue 15): it waits for ``data_shown``, or the
        # fallback. The app's own keys work meanwhile; the view's wait for the focus.
        main = self.screen
        self.after_start(self._focus_current_view)
        self.after_start(self._mount_footer, main)
        self.after_start(collector.settle_after_start)
        self.after_start(self._report_keymap_clashes)
        self.after_start(follow_pending_operations, self)  # reads the journal
        view = self.current_view
        if view is not None and view.shows_data_first and self.active_account is not None:
            self._start_fallback = self.set_timer(AFTER_START_FALLBACK_S, self.data_shown)
        else:
            self.data_shown()
        if not self.accounts and not self._account_store_failed:
            from aleph_tui.ui.screens.first_run_screen import FirstRunScreen

            self.push_screen(FirstRunScreen(), self._first_run_chosen)

    async def on_unmount(self) -> None:
        await self.service.aclose()

    def watch_active_account(self, account: Account | None) -> None:
        network = self.service.network.name
        if account is None:
            self.sub_title = f"{network} · no account"
        else:
            self.sub_title = f"{network} · {account.name} {short_address(account.address)}"
            if account.watch_only:  # every tab shows it: History, Usage… (no key here)
                self.sub_title += " · watch-only"
        self._pending_retry = None

    def now(self) -> dt.datetime:
        """The current time (UTC) for every view: one clock that tests can fix."""
        return dt.datetime.now(dt.UTC)

    # --- views ------------------------------------------------------------------------

    @property
    def shown_view(self) -> str | None:
        """The id of the view whose tab is shown (None when there are no views)."""
        if not self.views:
            return None
        return self.query_one("#views", ContentSwitcher).current

    @property
    def current_view(self) -> View | None:
        """The view of the visible tab."""
        if not self.views:
            return None
        shown = self.query_one("#views", ContentSwitcher).visible_content
        return shown if isinstance(shown, View) else None

    def action_open_view(self, view_id: str, focus: bool = True) -> None:
        """Show the tab of ``view_id`` (e.g. ``"accounts"``), and focus its view unless
        ``focus`` is False."""
        spec = next((view for view in self.views if view.view_id == view_id), None)
        if spec is None:
            self.notify(f"There is no {view_id} view.", severity="warning")
            return
        if self.shown_view == view_id:
            self._focus_current_view()
            return
        switcher = self.query_one("#views", ContentSwitcher)
        if not switcher.query_children(f"#{view_id}"):
            # A tab shown for the first time: its view is built now and makes its first
            # load as it mounts (View.on_mount).
            mounted = switcher.mount(spec.load()(id=view_id))
            # The footer learns the new view's keys only once it is mounted.
            self.call_later(self._after_build, mounted, focus)
        switcher.current = view_id
        self.query_one(ViewTabs).active = view_id
        self._pending_retry = None
        for view in self.query(View):
            if view.is_shown_tab:
                view.catch_up()
        if focus:
            self.call_after_refresh(self._focus_current_view)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Reduced motion (TEXTUAL_ANIMATIONS=none) stills the text cursor too: it is the
        # one thing on screen that moves on its own.
        if self.animation_level == "none" and isinstance(event.widget, Input):
            event.widget.cursor_blink = False

    def on_view_tabs_chosen(self, event: ViewTabs.Chosen) -> None:
        # Walking the tabs with ←/→ keeps the focus on the tab bar; a click hands it on.
        self.action_open_view(event.tab_id, focus=not event.by_key)

    async def _after_build(self, mounted: AwaitMount, focus: bool) -> None:
        await mounted
        if focus:
            self._focus_current_view()
        self.screen.refresh_bindings()

    def after_start(self, callback: Callable[..., object], *args: object) -> None:
        """Run ``callback(*args)`` after the frame that shows the first view's data (see
        ``on_mount``); once that frame is painted, after the next refresh."""
        if self._started:
            self.call_after_refresh(callback, *args)
        else:
            self._after_start.append(partial(callback, *args))

    def data_shown(self) -> None:
        """The first view's data (or its failure) is on screen: what waited for it runs
        once that frame is painted. Called by the view; later calls do nothing."""
        if self._started:
            return
        self._started = True
        if self._start_fallback is not None:
            self._start_fallback.stop()
        waiting, self._after_start = self._after_start, []
        for callback in waiting:
            self.call_after_refresh(callback)

    def _mount_footer(self, screen: Screen[object]) -> None:
        """The footer joins once the balance is on screen: it rebuilds its keys
        each time the focus moves, as it does while the app starts, and that had cost a
        tenth of the time to the first balance."""
        screen.mount(Footer())

    def _focus_current_view(self) -> None:
        view = self.current_view
        if view is not None and not isinstance(self.screen, ModalScreen):
            # As drawn: Textual centres a widget it focuses, which would scroll a tall
            # form past its first lines at 80x24.
            view.default_focus().focus(scroll_visible=False)

    def action_focus_next(self) -> None:
        if not self._step_focus(forward=True):
            super().action_focus_next()

    def action_focus_previous(self) -> None:
        if not self._step_focus(forward=False):
            super().action_focus_previous()

    def _step_focus(self, *, forward: bool) -> bool:
        """Tab on the main screen: the shown view's fixed order, then the tab bar (ui/focus.py).
        False elsewhere (a modal), where Textual's own order stands."""
        view = self.current_view
        if view is None or view.screen is not self.screen:
            return False
        target = step([*view.tab_order(), self.query_one(ViewTabs)], self.focused, forward)
        if target is not None:
            target.focus()
        return target is not None

    def action_reload(self) -> None:
        retry, self._pending_retry = self._pending_retry, None
        if retry is not None:
            result = retry()
            if inspect.isawaitable(result):
                self.run_worker(result, name="retry", group="retry", exit_on_error=False)
            return
        view = self.current_view
        if view is not None:
            view.reload()

    def on_money_changed(self, message: MoneyChanged) -> None:
        """One place for "this money changed": every built view that shows one of the
        addresses reads its figures again (View.money_changed)."""
        for view in self.query(View):
            view.money_changed(message.addresses)

    def _start_auto_refresh(self, seconds: float) -> None:
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None
        if seconds > 0:
            self._refresh_timer = self.set_interval(
                seconds, self._refresh_visible_view, name="refresh"
            )

    def _refresh_visible_view(self) -> None:
        """Reload the visible view, unless a modal (a form's confirmation, a password)
        is open: the user is in the middle of something."""
        if len(self.screen_stack) > 1:
            return
        view = self.current_view
        if view is not None:
            view.reload()

    # --- accounts ---------------------------------------------------------------------

    def reload_account_list(self) -> list[Account]:
        """Read the account store again (after an account was created, imported, removed)."""
        try:
            self.accounts = self.service.account_list()
            self._account_store_failed = False
        except ServiceError as exc:
            self._account_store_failed = True
            self.report_failure("Accounts", exc)
        return self.accounts

    def refresh_accounts(self, select: str | None = None) -> None:
        """Re-read the store; make ``select`` (a name) active, or keep the active account
        if it still exists, or fall back to the default. Call it after any change."""
        self.reload_account_list()
        by_name = {account.name: account for account in self.accounts}
        current = self.active_account
        if select is not None and select in by_name:
            self.active_account = by_name[select]
        elif current is None or by_name.get(current.name) != current:
            self.active_account = self._default_account() or next(iter(by_name.values()), None)

    def select_account(self, account: Account) -> None:
        self.active_account = account

    def _default_account(self) -> Account | None:
        try:
            return self.service.accounts.default()
        except ServiceError:
            return None

    def action_pick_account(self) -> None:
        self.reload_account_list()
        if not self.accounts:
            self._no_accounts()
            return

        def chosen(account: Account | None) -> None:
            if account is not None:
                self.active_account = account

        from aleph_tui.ui.screens.account_picker import AccountPicker

        self.push_screen(AccountPicker(self.accounts, self.active_account), chosen)

    def action_cycle_account(self, step: int) -> None:
        self.reload_account_list()
        if not self.accounts:
            self._no_accounts()
            return
        current = self.active_account
        index = self.accounts.index(current) if current in self.accounts else -step
        self.active_account = self.accounts[(index + step) % len(self.accounts)]

    def _no_accounts(self) -> None:
        self.notify(
            "No account yet: create or import one on the Accounts tab.",
            title="Accounts",
            severity="warning",
        )

    def _first_run_chosen(self, choice: FirstRunChoice | None) -> None:
        if choice is None:
            return
        if ACCOUNTS_VIEW not in {view.view_id for view in self.views}:
            self.notify(
                f"Run `aleph-tui account {choice} NAME` in a terminal, "
                f"then press {self.key_for('account-picker') or 'a'} to pick it.",
                title="Accounts",
                timeout=15,
                markup=False,
            )
            return
        self.action_open_view(ACCOUNTS_VIEW)
        view = self.query_one(f"#{ACCOUNTS_VIEW}", View)
        # The accounts view's own create/import action, if it has one; else its tab is enough.
        for name in (f"action_{choice}_account", f"action_{choice}"):
            action = getattr(view, name, None)
            if callable(action):
                self.call_after_refresh(action)
                break

    async def signer_for(self, account: Account) -> Signer | None:
        """The signer of ``account``; for an encrypted keystore, asks for the password
        (up to three tries). None if the user cancels. Call it from a worker: it waits
        for the password modal. Other failures raise the service's error."""
        from aleph_tui.core.accounts.account_store import AccountError
        from aleph_tui.ui.screens.password_modal import PasswordModal

        if account.kind != "keystore":
            return await self.service.account_signer(account.name)
        error: str | None = None
        typed = ""  # a wrong password is shown again (masked) to be corrected
        for attempt in range(1, PASSWORD_ATTEMPTS + 1):
            password = await self.push_screen_wait(PasswordModal(account, error, typed))
            if password is None:
                return None
            try:
                return await self.service.account_signer(account.name, password)
            except AccountError as exc:
                if "incorrect password" not in str(exc) or attempt == PASSWORD_ATTEMPTS:
                    raise
                error = f"Incorrect password, try again ({PASSWORD_ATTEMPTS - attempt} left)."
                typed = password
        raise AssertionError("unreachable")

    # --- failures ---------------------------------------------------------------------

    def report_failure(
        self, title: str, exc: BaseException, retry: Callable[[], object] | None = None
    ) -> None:
        """Show a failure as an error notification, never a crash. With ``retry``,
        ``r`` runs it (once) instead of reloading the view, and the message says so."""
        message = describe_failure(exc)
        if not isinstance(exc, ServiceError | InvalidInput):
            self.log.error(f"{title}: {exc!r}")
        self._pending_retry = retry
        if retry is not None:
            key = self.key_for("reload") or "r"
            message = f"{message}\nPress {key} to retry."
        self.notify(message, title=title, severity="error", timeout=10, markup=False)

    # --- help and keys ----------------------------------------------------------------

    def action_help(self) -> None:
        from aleph_tui.ui.screens.help_screen import HelpScreen

        self.push_screen(HelpScreen(self.key_groups(), str(ui_settings.users_config_file())))

    def key_groups(self) -> list[KeyGroup]:
        """Every key that works on the main screen now, as the help screen lists them."""
        from aleph_tui.ui.screens.help_screen import KeyGroup

        screen = self.screen
        # In a text field the printable keys type (ui/focus.py): help lists the rest.
        typing = is_text_field(screen.focused)
        rows = partial(self._rows, typing=typing)
        groups = [KeyGroup("Anywhere", rows(node_bindings(self)))]
        if typing:
            groups.insert(0, KeyGroup("Typing in a text field", [typing_row()]))
        view = self.current_view
        if view is not None:
            groups.append(KeyGroup(f"{view.title} tab", rows(node_bindings(view))))
            focused = screen.focused
            if focused is not None and focused is not view and view in focused.ancestors:
                for node in focused.ancestors_with_self:
                    if node is view:
                        break
                    found = rows(node_bindings(node))
                    if found and isinstance(node, Widget):
                        groups.append(KeyGroup(f"{role_of(node)} (focused)", found))
        focused = screen.focused
        if focused is not None and (view is None or view not in focused.ancestors_with_self):
            found = rows(node_bindings(focused))  # the tab bar's ←/→, say
            if found:
                groups.append(KeyGroup(f"{role_of(focused)} (focused)", found))
        groups.append(KeyGroup("Screen", rows(node_bindings(screen))))
        return groups

    def _rows(self, bindings: BindingsMap, *, typing: bool = False) -> list[KeyRow]:
        from aleph_tui.ui.screens.help_screen import KeyRow

        resolved = bindings.copy()
        resolved.apply_keymap(keymap_of(self))
        rows: dict[tuple[str, str], tuple[list[str], KeyRow]] = {}
        for key, binding in resolved:
            if binding.system or (typing and types_text(key)):
                continue
            description = binding.tooltip or binding.description or binding.action
            label = binding.description or binding.action
            text = f"{label}: {description}" if binding.tooltip and binding.description else label
            slot = (binding.action, text)
            keys, _row = rows.get(slot, ([], KeyRow("", text, binding.id)))
            display = self.get_key_display(binding)
            if display not in keys:
                keys.append(display)
            rows[slot] = (keys, KeyRow(", ".join(keys), text, binding.id))
        return [row for _keys, row in rows.values()]

    def keys_of(self, bindings: BindingsMap, binding_id: str) -> list[str]:
        """The keys of ``binding_id`` in ``bindings`` as displayed, after the user's keymap."""
        resolved = bindings.copy()
        resolved.apply_keymap(keymap_of(self))
        return [self.get_key_display(b) for _k, b in resolved if b.id == binding_id]

    def key_for(self, binding_id: str) -> str | None:
        """The keys of an app binding as displayed, after the user's keymap."""
        return ", ".join(self.keys_of(node_bindings(self), binding_id)) or None

    def known_binding_ids(self) -> set[str]:
        from aleph_tui.ui.screens.account_picker import AccountPicker
        from aleph_tui.ui.screens.first_run_screen import FirstRunScreen
        from aleph_tui.ui.screens.help_screen import HelpScreen
        from aleph_tui.ui.screens.open_operations_modal import OpenOperationsModal
        from aleph_tui.ui.screens.password_modal import PasswordModal

        ids = {b.id for _k, b in node_bindings(self) if b.id}
        classes: Iterable[type[DOMNode]] = [
            *(view.load() for view in self.views),
            ViewTabs,
            HelpScreen,
            AccountPicker,
            PasswordModal,
            FirstRunScreen,
            OpenOperationsModal,
        ]
        for cls in classes:
            for base in cls.__mro__:
                for binding in Binding.make_bindings(base.__dict__.get("BINDINGS", [])):
                    if binding.id:
                        ids.add(binding.id)
        return ids

    def _apply_keymap(self, keymap: dict[str, str]) -> None:
        if not keymap:  # checking one means importing every view: not at every start-up
            return
        known = self.known_binding_ids()
        unknown = sorted(set(keymap) - known)
        if unknown:
            self.notify(
                f"{self.config_path}: [keymap] has no binding "
                f"{', '.join(repr(u) for u in unknown)}; the ids are listed in help (?)",
                title="Settings",
                severity="warning",
                timeout=15,
                markup=False,
            )
        self.set_keymap({k: v for k, v in keymap.items() if k in known})

    def _report_keymap_clashes(self) -> None:
        """Warn when the keymap takes a key from a binding it does not remap (Textual
        drops the old binding silently)."""
        keymap = keymap_of(self)
        if not keymap:
            return
        built = list(self.query(View))
        # Views not built yet (tabs never shown) are checked from their class bindings.
        classes = [view.load() for view in self.views]
        unbuilt = [class_bindings(v) for v in classes if v not in {type(b) for b in built}]
        for bindings in [node_bindings(self), *(node_bindings(view) for view in built), *unbuilt]:
            resolved = bindings.copy()
            resolved.apply_keymap(keymap_of(self))
            kept = {(b.id, key) for key, b in resolved}
            for key, binding in bindings:
                if binding.id is None or binding.id in keymap:
                    continue
                if (binding.id, key) not in kept:
                    self.notify(
                        f"{self.config_path}: the keymap gives {self.get_key_display(binding)} "
                        f"to another binding, so {binding.id} lost it",
                        title="Settings",
                        severity="warning",
                        timeout=15,
                        markup=False,
                    )

    # --- themes -----------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """aleph-tui's CSS variables, for themes that do not set them in [variables]:
        the theme's own success, error and warning colours."""
        theme = self.current_theme
        return {
            "amount-positive": theme.success or "#4EBF71",
            "amount-negative": theme.error or "#BA3C5B",
            "pending": theme.warning or "#FFA62B",
        }

    def _install_themes(self) -> None:
        for name in ui_themes.ANSI_THEMES:
            self.unregister_theme(name)
        loaded = ui_themes.load_bundled_themes()
        loaded.extend(ui_themes.load_user_themes())
        for theme in loaded.themes:
            self.register_theme(theme)
        for source, problem in loaded.failures:
            self._theme_problems.append(("Theme skipped", f"{source}: {problem}", "error"))
        wanted = self.settings.theme
        if wanted is not None and wanted not in self.available_themes:
            self._theme_problems.append(
                (
                    "Theme",
                    f"{self.config_path}: theme '{wanted}' is not available; "
                    f"using {ui_themes.DEFAULT_THEME}",
                    "warning",
                )
            )
            wanted = None
        if wanted is None:
            wanted = ui_themes.DEFAULT_THEME
        if wanted not in self.available_themes:  # the bundled files are missing
            wanted = "textual-dark"
        self.theme = wanted
        self._theme_in_use = wanted

    def _theme_changed(self, theme: Theme) -> None:
        """Remember the theme the user chose (not the one applied at start-up)."""
        if theme.name == self._theme_in_use:
            return
        self._theme_in_use = theme.name
        try:
            ui_settings.save_theme(theme.name, self.config_path)
        except ServiceError as exc:
            self.report_failure("Theme", exc)


def describe_failure(exc: BaseException) -> str:
    """One line for a notification: the service's own sentence, or the exception type."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    if isinstance(exc, ServiceError | InvalidInput):
        return first or type(exc).__name__
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
