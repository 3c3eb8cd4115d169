"""The dashboard's shell, driven with Pilot on the devnet: tabs and their keys, the account
picker and cycling, reload and auto-refresh, help, the keymap from config.toml, failures
as notifications, the first-run screen and the keystore password modal."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from aleph_tui.core.accounts.account_store import AccountError, AccountStore
from aleph_tui.core.errors import ServiceError
from aleph_tui.devnet.chain.engine import dev_accounts
from aleph_tui.ui.app import AlephApp
from aleph_tui.ui.commands import AccountCommands, ViewCommands
from aleph_tui.ui.screens.account_picker import AccountPicker
from aleph_tui.ui.screens.first_run_screen import FirstRunScreen
from aleph_tui.ui.screens.help_screen import HelpScreen
from aleph_tui.ui.screens.password_modal import PasswordModal
from aleph_tui.ui.textual_private import node_bindings, timer_interval
from aleph_tui.ui.view import View
from aleph_tui.ui.views import all_views
from aleph_tui.ui.widgets.title_bar import TitleBar
from aleph_tui.ui.widgets.view_tabs import ViewTabs
from tests.support.devnet_process import RunningDevnet
from tests.support.faults import injected
from tests.support.ui_app import until, workers_done
from tests.support.ui_harness import (
    SIZE,
    STUB_VIEWS,
    AccountsStub,
    BalanceStub,
    HistoryStub,
    import_dev_accounts,
    make_service,
    make_store,
    notifications,
    stub,
)

pytestmark = pytest.mark.usefixtures("isolated_config")

AppFactory = Callable[..., Awaitable[AlephApp]]
DEV = [account.address for account in dev_accounts(3)]


@pytest.fixture
def make_app(devnet: RunningDevnet, tmp_path: Path) -> AppFactory:
    async def build(
        accounts: int = 3, views: list[type[View]] | None = None, store: AccountStore | None = None
    ) -> AlephApp:
        home = tmp_path / "session"
        store = store or make_store(home)
        if accounts:
            await import_dev_accounts(store, accounts)
        service = make_service(devnet, store, home)
        return AlephApp(service, views=STUB_VIEWS if views is None else views)

    return build


def write_config(config_dir: Path, text: str) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "config.toml"
    path.write_text(text)
    return path


def active_tab(app: AlephApp) -> str | None:
    return app.shown_view


def tab_column(app: AlephApp, view_id: str) -> int:
    """A column inside ``view_id``'s label on the tab bar, as it is drawn now."""
    tabs = app.query_one(ViewTabs)
    return next(c for c in range(tabs.size.width) if tabs.tab_at(c) == view_id)


async def settle(app: AlephApp, pilot: Pilot[None]) -> None:
    await workers_done(app)
    await pilot.pause()


# --- tabs -------------------------------------------------------------------------------


async def test_number_keys_and_clicks_switch_tabs(make_app: AppFactory) -> None:
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert active_tab(app) == "balance"
        assert app.focused is stub(app, BalanceStub)  # the view's keys work at once
        await pilot.press("2")
        assert active_tab(app) == "history"
        await pilot.press("5")
        assert active_tab(app) == "accounts"
        assert app.current_view is stub(app, AccountsStub)
        await pilot.press("1")
        assert active_tab(app) == "balance"
        await pilot.click(ViewTabs, offset=(tab_column(app, "history"), 0))
        await pilot.pause()
        assert active_tab(app) == "history"
        # The underline under a label is part of its tab too.
        await pilot.click(ViewTabs, offset=(tab_column(app, "balance"), 1))
        await pilot.pause()
        assert active_tab(app) == "balance"


async def test_arrow_keys_move_along_the_tabs_when_the_tab_bar_has_the_focus(
    make_app: AppFactory,
) -> None:
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.query_one(ViewTabs).focus()
        await pilot.press("right")
        assert active_tab(app) == "history"
        await pilot.press("left", "left")  # from the first tab round to the last
        assert active_tab(app) == app.views[-1].view_id


async def test_the_tab_bar_marks_the_shown_tab_and_the_one_under_the_mouse(
    make_app: AppFactory,
) -> None:
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        tabs = app.query_one(ViewTabs)
        await pilot.press("2")
        assert tabs.active == "history"
        await pilot.hover(ViewTabs, offset=(tab_column(app, "accounts"), 0))
        assert tabs.hovered == "accounts"
        await pilot.hover(TitleBar)
        assert tabs.hovered is None


async def test_a_narrow_terminal_scrolls_the_tab_bar_to_the_shown_tab(
    make_app: AppFactory,
) -> None:
    app = await make_app()
    async with app.run_test(size=(30, 20)) as pilot:
        await settle(app, pilot)
        last = app.views[-1]
        assert last.title not in app.query_one(ViewTabs).render_line(0).text
        await pilot.press(last.key)
        await pilot.pause()
        assert f"{last.key} {last.title}" in app.query_one(ViewTabs).render_line(0).text
        await pilot.click(ViewTabs, offset=(tab_column(app, last.view_id), 0))
        assert active_tab(app) == last.view_id


async def test_each_real_view_built_on_first_show_takes_the_focus_and_its_keys(
    fault_devnet: RunningDevnet, tmp_path: Path
) -> None:
    """On a slow network, a tab built as its key is first pressed focuses its default
    widget, so its keys work at once (a widget under a loading overlay refuses the focus,
    which then stays on the tabs with the view's keys dead)."""
    store = make_store(tmp_path / "session")
    await import_dev_accounts(store, 1)
    app = AlephApp(make_service(fault_devnet, store, tmp_path / "session"), views=all_views())
    with injected(fault_devnet.api_url, "latency", target="all", delay_ms=150):
        async with app.run_test(size=SIZE) as pilot:
            for view_class in app.views:
                await pilot.press(view_class.key)
                view = app.current_view
                assert isinstance(view, view_class.load())

                def focused(view: View = view) -> bool:
                    return app.focused is view.default_focus()

                def loaded(view: View = view) -> bool:
                    return not any(w.is_running for w in app.workers if w.node is view)

                await until(
                    pilot, focused, f"{view.view_id}: the focus on {view.default_focus()!r}"
                )
                await until(pilot, loaded, f"{view.view_id}: its first loads")
                # Every key of the view reaches it, or the focused widget that handles it.
                keys = {key for key, _binding in node_bindings(view)}
                assert keys <= set(app.active_bindings), f"{view.view_id}: {keys} dead"
                if isinstance(app.focused, Input):  # a form opens on its field: leave it
                    await pilot.press("escape")


async def test_each_view_has_a_remappable_binding_with_a_tooltip(make_app: AppFactory) -> None:
    app = await make_app()
    bindings = {b.id: b for _key, b in node_bindings(app) if b.id}
    for view in STUB_VIEWS:
        binding = bindings[f"view-{view.view_id}"]
        assert binding.key == view.key
        assert binding.action == f"open_view('{view.view_id}')"
        assert binding.tooltip
    # Every binding of the shell has an id (Textual's own ctrl+c excepted).
    assert all(b.id for _key, b in node_bindings(app) if not b.system)


async def test_footer_shows_a_few_main_keys(make_app: AppFactory) -> None:
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        shown = [b.binding.description for b in app.active_bindings.values() if b.binding.show]
        assert {"Help", "Account", "Reload", "Quit", "Copy address"} <= set(shown)
        assert "Export" not in shown  # show=False: listed in help only
        assert len(shown) <= 6


async def test_escape_leaves_a_text_field_so_number_keys_switch_again(
    make_app: AppFactory,
) -> None:
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        app.query_one("#history-filter", Input).focus()
        await pilot.press("1")  # typed into the field
        assert active_tab(app) == "history"
        assert app.query_one("#history-filter", Input).value == "1"
        await pilot.press("escape", "1")
        assert active_tab(app) == "balance"


# --- accounts ---------------------------------------------------------------------------


async def test_account_picker_changes_the_active_account_and_header(
    make_app: AppFactory,
) -> None:
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.sub_title == f"devnet · dev-0 {DEV[0][:6]}…{DEV[0][-4:]}"
        await pilot.press("a")
        assert isinstance(app.screen, AccountPicker)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, AccountPicker)
        assert app.active_account is not None and app.active_account.name == "dev-2"
        assert app.sub_title == f"devnet · dev-2 {DEV[2][:6]}…{DEV[2][-4:]}"
        assert app.sub_title in app.query_one(TitleBar).render().plain  # what the top line shows
        assert ("account", "dev-2") in stub(app, BalanceStub).calls
        await pilot.press("2")  # a tab hidden until now loads the new account as it opens
        await pilot.pause()
        assert ("account", "dev-2") in stub(app, HistoryStub).calls
        await pilot.press("a", "escape")  # cancel keeps the account
        assert app.active_account.name == "dev-2"


async def test_the_title_bar_icon_opens_the_command_palette(make_app: AppFactory) -> None:
    from textual.command import CommandPalette

    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = app.query_one(TitleBar)
        await pilot.hover(TitleBar, offset=(1, 0))
        assert bar.icon_hovered and bar.tooltip == TitleBar.ICON_TOOLTIP
        await pilot.hover(TitleBar, offset=(40, 0))
        assert not bar.icon_hovered and bar.tooltip is None
        await pilot.click(TitleBar, offset=(40, 0))  # the title itself does nothing
        assert not isinstance(app.screen, CommandPalette)
        await pilot.click(TitleBar, offset=(1, 0))
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")


async def test_angle_brackets_cycle_accounts_from_anywhere(make_app: AppFactory) -> None:
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)

        def name() -> str | None:
            return app.active_account.name if app.active_account else None

        await pilot.press(">")
        assert name() == "dev-1"
        await pilot.press("2", ">")
        assert name() == "dev-2"
        await pilot.press(">")
        assert name() == "dev-0"
        await pilot.press("<")
        assert name() == "dev-2"
        assert "dev-2" in app.sub_title


async def test_palette_offers_accounts_and_views(make_app: AppFactory) -> None:
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        accounts = AccountCommands(app.screen).commands()
        assert [text for text, _cb, _help in accounts] == [
            "Switch to account dev-0",
            "Switch to account dev-1",
            "Switch to account dev-2",
        ]
        accounts[1][1]()
        assert app.active_account is not None and app.active_account.name == "dev-1"
        views = ViewCommands(app.screen).commands()
        assert [text for text, _cb, _help in views] == [
            "Go to Balance",
            "Go to History",
            "Go to Accounts",
        ]
        views[2][1]()
        await pilot.pause()
        assert active_tab(app) == "accounts"
        # Themes come from Textual's system command.
        assert any(c.title == "Theme" for c in app.get_system_commands(app.screen))
        # And through the palette itself.
        await pilot.press("ctrl+p", *"account dev-2")
        await wait_for(pilot, lambda: _palette_has(app, "Switch to account dev-2"))
        await pilot.press("enter")
        await pilot.pause()
        assert app.active_account.name == "dev-2"


def _palette_has(app: AlephApp, text: str) -> bool:
    from textual.command import CommandList

    lists = app.screen.query(CommandList)
    return bool(lists) and any(text in str(option.prompt) for option in lists.first().options)


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Let the app run until ``condition`` holds, to a deadline (not a count of frames: a
    loaded machine runs the workers behind it slower than the frames)."""
    await until(pilot, condition, "the condition")


# --- reload and refresh -----------------------------------------------------------------


async def test_r_reloads_the_visible_view(make_app: AppFactory) -> None:
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        assert stub(app, BalanceStub).reloads == 1
        await pilot.press("2", "r")
        assert stub(app, HistoryStub).reloads == 1
        assert stub(app, BalanceStub).reloads == 1


async def test_auto_refresh_reloads_the_visible_view_unless_a_modal_is_open(
    make_app: AppFactory, isolated_config: Path
) -> None:
    write_config(isolated_config, "refresh_interval = 12\n")
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app._refresh_timer is not None and timer_interval(app._refresh_timer) == 12
        app._refresh_visible_view()
        assert stub(app, BalanceStub).reloads == 1
        await pilot.press("a")
        app._refresh_visible_view()
        assert stub(app, BalanceStub).reloads == 1  # paused under the picker
        await pilot.press("escape")
        app._refresh_visible_view()
        assert stub(app, BalanceStub).reloads == 2


async def test_auto_refresh_can_be_turned_off(make_app: AppFactory, isolated_config: Path) -> None:
    write_config(isolated_config, "refresh_interval = 0\n")
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app._refresh_timer is None


# --- help -------------------------------------------------------------------------------


async def test_help_lists_every_key_grouped(make_app: AppFactory) -> None:
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        groups = {group.title: group.rows for group in app.screen.groups}
        assert list(groups) == ["Anywhere", "Balance tab", "Screen"]
        anywhere = {row.binding_id: row for row in groups["Anywhere"]}
        for binding_id in (
            "help",
            "account-picker",
            "account-previous",
            "account-next",
            "reload",
            "quit",
            "quit-now",
            "command-palette",
            "view-balance",
            "view-history",
            "view-accounts",
        ):
            assert binding_id in anywhere, binding_id
            assert anywhere[binding_id].description
        assert anywhere["help"].keys == "?, f1"
        assert anywhere["account-previous"].keys == "<"
        balance = {row.binding_id for row in groups["Balance tab"]}
        assert {"balance-copy", "balance-export", "view-leave-field"} <= balance
        assert any("Focus Next" in row.description for row in groups["Screen"])
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_lists_the_tab_bar_keys_when_it_has_the_focus(make_app: AppFactory) -> None:
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.query_one(ViewTabs).focus()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        groups = {group.title: group.rows for group in app.screen.groups}
        tab_bar = {row.binding_id: row.keys for row in groups["Tab bar (focused)"]}
        assert tab_bar == {"tab-previous": "←", "tab-next": "→"}
        # The keymap knows them too, so they can be remapped.
        assert {"tab-previous", "tab-next"} <= app.known_binding_ids()


# --- keymap -----------------------------------------------------------------------------


async def test_keymap_from_config_remaps_bindings(
    make_app: AppFactory, isolated_config: Path
) -> None:
    write_config(
        isolated_config,
        '[keymap]\nview-history = "h"\nreload = "f5"\naccount-next = "ctrl+n"\n',
    )
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("h")
        assert active_tab(app) == "history"
        await pilot.press("f5")
        assert stub(app, HistoryStub).reloads == 1
        await pilot.press("r")  # no longer bound
        assert stub(app, HistoryStub).reloads == 1
        await pilot.press("ctrl+n")
        assert app.active_account is not None and app.active_account.name == "dev-1"
        assert app.key_for("reload") == "f5"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = {row.binding_id: row for row in app.screen.groups[0].rows}
        assert rows["view-history"].keys == "h"
        assert not notifications(app)


async def test_a_keymap_clash_is_reported_once(make_app: AppFactory, isolated_config: Path) -> None:
    write_config(isolated_config, '[keymap]\nreload = "a"\n')
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a", "a")
        assert stub(app, BalanceStub).reloads == 2  # the keymap wins
        clashes = [n for n in notifications(app) if "account-picker lost it" in n]
        assert len(clashes) == 1, notifications(app)


async def test_unknown_keymap_ids_are_reported(make_app: AppFactory, isolated_config: Path) -> None:
    path = write_config(isolated_config, '[keymap]\nno-such-binding = "x"\nreload = 5\n')
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        shown = "\n".join(notifications(app))
        assert str(path) in shown
        assert "'no-such-binding'" in shown
        assert "[keymap] reload must be keys" in shown
        await pilot.press("r")  # the bad entry is ignored, r still reloads
        assert stub(app, BalanceStub).reloads == 1


async def test_a_bad_config_file_is_a_notification_not_a_crash(
    make_app: AppFactory, isolated_config: Path
) -> None:
    path = write_config(isolated_config, "theme = [\nrefresh_interval = \n")
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        shown = notifications(app)
        assert any(str(path) in n and "not valid TOML" in n for n in shown), shown
        await pilot.press("2")
        assert active_tab(app) == "history"
        assert app.theme == "aleph-dark"
        app.theme = "nord"  # never written over the user's broken file
        await pilot.pause()
        assert path.read_text() == "theme = [\nrefresh_interval = \n"
        assert any("theme not saved" in n for n in notifications(app))


# --- failures ---------------------------------------------------------------------------


async def test_report_failure_notifies_and_r_retries_once(make_app: AppFactory) -> None:
    app = await make_app()
    retried: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.report_failure(
            "Balance", ServiceError("the node did not answer"), lambda: retried.append(1)
        )
        await pilot.pause()
        assert "Balance: the node did not answer\nPress r to retry." in notifications(app)
        await pilot.press("r")
        assert retried == [1]
        assert stub(app, BalanceStub).reloads == 0
        await pilot.press("r")
        assert retried == [1]
        assert stub(app, BalanceStub).reloads == 1
        app.report_failure("Oops", RuntimeError("boom [not markup]"))
        await pilot.pause()
        assert "Oops: RuntimeError: boom [not markup]" in notifications(app)


async def test_an_uncaught_worker_error_in_a_view_is_reported(make_app: AppFactory) -> None:
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)

        async def fail() -> None:
            raise ServiceError("balance unavailable")

        view = stub(app, BalanceStub)
        view.run_worker(fail(), name="load_balance", group="balance", exit_on_error=False)
        expected = "Balance: load balance: balance unavailable"
        await wait_for(pilot, lambda: expected in notifications(app))
        await pilot.press("2")
        assert active_tab(app) == "history"  # still running


# --- first run --------------------------------------------------------------------------


async def test_first_run_offers_create_or_import_and_opens_accounts(
    make_app: AppFactory,
) -> None:
    app = await make_app(accounts=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, FirstRunScreen)
        assert app.sub_title == "devnet · no account"
        await pilot.press("i")
        await pilot.pause()
        assert active_tab(app) == "accounts"
        assert ("import", None) in stub(app, AccountsStub).calls
        await pilot.press(">")  # nothing to cycle: a hint, no crash
        assert any("No account yet" in n for n in notifications(app))


async def test_first_run_opens_the_real_accounts_view(make_app: AppFactory) -> None:
    from aleph_tui.ui.views import all_views

    app = await make_app(accounts=0, views=all_views())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, FirstRunScreen)
        await pilot.press("c")
        await settle(app, pilot)
        assert not isinstance(app.screen, FirstRunScreen)
        assert active_tab(app) == "accounts"


async def test_first_run_without_an_accounts_view_explains_the_command(
    make_app: AppFactory,
) -> None:
    app = await make_app(accounts=0, views=[BalanceStub])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        assert any("aleph-tui account create NAME" in n for n in notifications(app))


async def test_accounts_created_later_are_picked_up(make_app: AppFactory, tmp_path: Path) -> None:
    store = make_store(tmp_path / "session")
    app = await make_app(accounts=0, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("escape")  # later
        await import_dev_accounts(store, 2)
        app.refresh_accounts(select="dev-1")
        assert app.active_account is not None and app.active_account.name == "dev-1"
        await pilot.press(">")
        assert app.active_account.name == "dev-0"


async def test_no_views_still_runs(make_app: AppFactory) -> None:
    app = await make_app(views=[])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("r", "1", ">")
        assert app.current_view is None
        assert app.active_account is not None and app.active_account.name == "dev-1"


# --- signing ----------------------------------------------------------------------------


async def test_signer_for_asks_a_keystore_password_in_a_masked_modal(
    make_app: AppFactory, tmp_path: Path
) -> None:
    store = make_store(tmp_path / "session")
    key = dev_accounts(4)[3]
    await store.import_key("vault", key.private_key, encrypted=True, password="correct horse")
    app = await make_app(accounts=1, store=store)
    results: list[Any] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        vault = store.get("vault")

        async def sign() -> None:
            results.append(await app.signer_for(vault))

        app.run_worker(sign(), name="sign", group="sign", exit_on_error=False)
        await wait_for(pilot, lambda: isinstance(app.screen, PasswordModal))
        field = app.screen.query_one(Input)
        assert field.password
        await pilot.press(*"wrong", "enter")
        await wait_for(
            pilot, lambda: isinstance(app.screen, PasswordModal) and bool(app.screen.error)
        )
        modal = app.screen
        assert isinstance(modal, PasswordModal)
        assert "Incorrect password" in str(modal.error)
        await pilot.press(*"correct horse", "enter")
        await settle(app, pilot)
        assert results[0].address == key.address

        app.run_worker(sign(), name="sign", group="sign", exit_on_error=False)
        await wait_for(pilot, lambda: isinstance(app.screen, PasswordModal))
        await pilot.press("escape")
        await settle(app, pilot)
        assert results[1] is None

        # A local account needs no password.
        dev0 = store.get("dev-0")
        signer = await app.service.account_signer("dev-0")
        app.run_worker(_collect(app.signer_for(dev0), results), exit_on_error=False)
        await settle(app, pilot)
        assert results[2].address == signer.address


async def _collect(awaitable: Awaitable[Any], into: list[Any]) -> None:
    into.append(await awaitable)


async def test_three_wrong_passwords_raise_the_service_error(
    make_app: AppFactory, tmp_path: Path
) -> None:
    store = make_store(tmp_path / "session")
    await store.import_key(
        "vault", dev_accounts(4)[3].private_key, encrypted=True, password="right"
    )
    app = await make_app(accounts=0, store=store)
    errors: list[BaseException] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)

        async def sign() -> None:
            try:
                await app.signer_for(store.get("vault"))
            except AccountError as exc:
                errors.append(exc)

        app.run_worker(sign(), exit_on_error=False)
        for _ in range(3):
            await wait_for(pilot, lambda: isinstance(app.screen, PasswordModal))
            modal = app.screen
            await pilot.press(*"nope", "enter")

            def gone(modal: Screen[object] = modal) -> bool:
                return app.screen is not modal

            await wait_for(pilot, gone)
        await settle(app, pilot)
        assert errors and "incorrect password" in str(errors[0])


# --- the real views ---------------------------------------------------------------------


async def test_every_registered_view_opens_with_its_key(make_app: AppFactory) -> None:
    from aleph_tui.ui.views import all_views

    app = await make_app(views=all_views())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for view in all_views():
            await pilot.press(view.key)
            await settle(app, pilot)
            assert active_tab(app) == view.view_id
            assert isinstance(app.current_view, view.load())
            if isinstance(app.focused, Input):  # a form opens on its field: leave it
                await pilot.press("escape")


# --- snapshots ----------------------------------------------------------------------------


def snapshot_app(devnet: RunningDevnet, home: Path, monkeypatch: pytest.MonkeyPatch) -> AlephApp:
    # The help screen shows the config path: the same on every run. Nothing is written.
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent/.config")
    store = make_store(home)
    asyncio.run(import_dev_accounts(store, 3))
    app = AlephApp(make_service(devnet, store, home), views=STUB_VIEWS)
    app.animation_level = "none"  # a steady cursor in the account picker's filter
    return app


@pytest.mark.parametrize(
    "press",
    [
        pytest.param([], id="shell"),
        pytest.param(["question_mark"], id="help"),
        pytest.param(["a", "down"], id="account-picker"),
    ],
)
def test_snapshot(
    snap_compare: Any,
    devnet: RunningDevnet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    press: list[str],
) -> None:
    app = snapshot_app(devnet, tmp_path / "session", monkeypatch)
    assert snap_compare(app, press=press, terminal_size=SIZE)


def test_the_ui_paints_up_to_120_frames_a_second_unless_the_user_says() -> None:
    """Page flips right after one another paint a frame sooner (see aleph_tui/ui)."""
    import subprocess
    import sys

    probe = "import aleph_tui.ui.app, textual.constants as c; print(c.MAX_FPS)"
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    ours = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert ours.stdout.strip() == "120", ours.stderr
    theirs = subprocess.run(
        [sys.executable, "-c", probe],
        env={**env, "TEXTUAL_FPS": "30"},
        capture_output=True,
        text=True,
    )
    assert theirs.stdout.strip() == "30", theirs.stderr


def test_each_lazy_tab_names_its_view_as_the_view_does() -> None:
    """The tab list is written apart from the view modules (so start-up imports only the
    first one): each entry must match its class."""
    from aleph_tui.ui.views import ViewSpec

    for spec in all_views():
        assert ViewSpec.of(spec.load()) == spec
    assert sorted(spec.key for spec in all_views()) == [str(n) for n in range(1, 9)]


def test_start_up_imports_the_first_tab_only() -> None:
    import subprocess
    import sys

    probe = (
        "import sys; from aleph_tui.ui.app import AlephApp; "
        "print(sorted(m for m in sys.modules if m.startswith('aleph_tui.ui.views.')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


def test_the_collector_runs_again_once_the_app_is_up() -> None:
    """aleph-tui pauses the garbage collector for start-up; settling turns it back on,
    with start-up's objects frozen and young collections less often."""
    import subprocess
    import sys

    probe = (
        "import gc; gc.disable(); from aleph_tui.ui import collector; "
        "collector.settle_after_start(); "
        "print(gc.isenabled(), gc.get_threshold()[0] >= collector.YOUNG_THRESHOLD, "
        "gc.get_freeze_count() > 0)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.split() == ["True", "True", "True"], done.stderr


async def test_the_balance_is_painted_before_the_rest_of_start_up(
    fault_devnet: RunningDevnet, tmp_path: Path
) -> None:
    """At start the balance comes first: while it is on its way the detail reads
    "loading…" (never "unavailable"), and the Footer (like the journal's open operations
    and the wallet's chain reads) waits for it; once it is painted, the Footer follows."""
    store = make_store(tmp_path / "session")
    await import_dev_accounts(store, 1)
    app = AlephApp(make_service(fault_devnet, store, tmp_path / "session"), views=all_views())

    def detail() -> str:
        return str(app.query_one("#aleph-detail", Static).content)

    with injected(fault_devnet.api_url, "latency", target="ccn", delay_ms=1000):
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: bool(app.query("#aleph-detail")), "the Balance view")
            await until(pilot, lambda: detail() == "ALEPH loading…", "the balance loading")
            assert not app.query(Footer), "the Footer was mounted before the balance"
            await until(pilot, lambda: detail().startswith("Total"), "the balance")
            await until(pilot, lambda: bool(app.query(Footer)), "the Footer after the balance")
