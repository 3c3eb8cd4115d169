"""The in-process app the UI tests drive: ``AlephApp`` over a running devnet, with an
account store in a temporary directory, keys in a session keyring and a fixed clock.

Async tests (Pilot)::

    with isolated(tmp_path, monkeypatch):  # tests/support/isolation.py
        app = await build_app(devnet.document, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_view(pilot, "accounts")

Snapshot tests are synchronous (``snap_compare`` runs its own event loop), so they use
``build_app_sync``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from rich.text import Text
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Input
from textual.worker import WorkerCancelled, WorkerFailed

from aleph_tui.core.accounts.account_store import AccountStore
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.devnet.chain.engine import dev_accounts
from aleph_tui.ui.app import AlephApp
from aleph_tui.ui.view import View

V = TypeVar("V", bound=View)

# How long a wait on the app may take before the test fails. Generous, because CI machines
# are loaded (2 cores shared with other jobs); a wait ends as soon as its condition holds,
# so this costs nothing when the machine is fast. Bounds that are the subject of a test
# (tests/ui/test_ui_responsiveness.py) are measured and asserted separately.
PATIENCE_S = 60.0

SIZE = (140, 40)
# The instant every deterministic run shows: the devnet's ``--clock`` and the app's now().
FIXED_NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
DEVNET_CLOCK = FIXED_NOW.isoformat()
DEV_ACCOUNTS = 3


class UiTestApp(AlephApp):
    """AlephApp with a fixed clock and a record of every notification."""

    def __init__(self, service: CreditService, *, clock: dt.datetime | None = FIXED_NOW) -> None:
        super().__init__(service)
        # Reduced motion: a steady cursor and still loading indicators, so that what is
        # drawn never depends on when it is looked at.
        self.animation_level = "none"
        self.clock = clock
        self.notified: list[str] = []

    def now(self) -> dt.datetime:
        return self.clock if self.clock is not None else super().now()

    def notify(self, message: str, *, title: str = "", **kwargs: Any) -> None:
        self.notified.append(f"{title}\n{message}")
        super().notify(message, title=title, **kwargs)


def make_store(home: Path) -> AccountStore:
    return AccountStore(
        manifest_path=home / "aleph" / "accounts.toml",
        keystore_dir=home / "aleph" / "keystores",
        legacy_home=home / "aleph-client",
        prompt=None,
    )


async def add_dev_accounts(store: AccountStore, count: int = DEV_ACCOUNTS) -> None:
    """``dev-0`` … the devnet's funded accounts, in the keyring (dev-0 is the default)."""
    for account in dev_accounts(count):
        await store.import_key(f"dev-{account.index}", account.private_key)


async def build_app(
    document: dict[str, Any],
    home: Path,
    *,
    accounts: int = DEV_ACCOUNTS,
    clock: dt.datetime | None = FIXED_NOW,
) -> UiTestApp:
    store = make_store(home)
    await add_dev_accounts(store, accounts)
    service = CreditService(
        devnet_from_document(document),
        journal=Journal(home / "journal.sqlite3"),
        accounts=store,
    )
    return UiTestApp(service, clock=clock)


def build_app_sync(
    document: dict[str, Any],
    home: Path,
    *,
    accounts: int = DEV_ACCOUNTS,
    clock: dt.datetime | None = FIXED_NOW,
) -> UiTestApp:
    """For synchronous tests (``snap_compare`` runs the app in its own event loop)."""
    return asyncio.run(build_app(document, home, accounts=accounts, clock=clock))


async def workers_done(app: App[Any]) -> None:
    """Until the app's current workers have ended, however: one cancelled by a newer one
    of its group (a refresh after MoneyChanged replaces a load) or failed (the app shows
    the failure) has ended too. Textual's ``wait_for_complete`` raises for those."""
    for worker in list(app.workers):
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()


async def wait_for_workers(pilot: Pilot[Any]) -> None:
    """Until every worker has finished and the messages they posted are handled."""
    app = pilot.app
    for _ in range(50):
        await workers_done(app)
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            return
    raise AssertionError("workers still running")


def view_of(app: AlephApp, view_id: str) -> View:
    return app.query_one(f"#{view_id}", View)


async def show_view(pilot: Pilot[Any], view_id: str, view_type: type[V]) -> V:
    """Show and focus the tab of ``view_id``, without waiting for the tabs' loads."""
    app = pilot.app
    assert isinstance(app, AlephApp)
    app.action_open_view(view_id)
    view = app.query_one(f"#{view_id}", view_type)
    view.focus()
    await pilot.pause()
    return view


async def open_view(pilot: Pilot[Any], view_id: str) -> View:
    """Show the tab of ``view_id``, focus it, and let its first loads finish."""
    app = pilot.app
    assert isinstance(app, AlephApp)
    app.action_open_view(view_id)  # what its number key does
    await pilot.pause()
    view = view_of(app, view_id)
    # Loads first: a widget under a loading overlay (a slow machine) refuses the focus,
    # so it is given until it is taken, then the footer's bindings settle.
    await wait_for_workers(pilot)
    target = view.default_focus()
    deadline = time.monotonic() + PATIENCE_S
    while app.focused is not target:
        assert time.monotonic() < deadline, f"{view_id}: {target!r} never took the focus"
        target.focus()
        await pilot.pause(0.05)
    await wait_for_workers(pilot)
    # The footer recomposes after a refresh once the bindings change, and on a loaded
    # machine an older recompose can finish after a newer one (they overlap), leaving
    # the previous focus's keys: wait for the footer, asking it again each second.
    asked = time.monotonic()
    while footer_keys(app) != shown_binding_keys(app):
        assert time.monotonic() < deadline, f"{view_id}: the footer never showed its keys"
        if time.monotonic() - asked > 1:
            app.screen.refresh_bindings()
            asked = time.monotonic()
        await pilot.pause(0.05)
    await settle_tables(pilot)
    return view


def _fits(table: DataTable[Any]) -> bool:
    """Whether every auto-width column of ``table`` is as wide as its label and cells."""
    for key, column in table.columns.items():
        if not column.auto_width:
            continue
        cells = [c if isinstance(c, Text) else Text(str(c)) for c in table.get_column(key)]
        if column.content_width != max([column.label.cell_len, *(c.cell_len for c in cells)]):
            return False
    return True


PLACEHOLDERS = ("loading…", "unavailable", "░░░")  # ░░░: ui/data_state.py SKELETON


def _loaded(table: DataTable[Any]) -> bool:
    """Whether no cell of ``table`` still holds a placeholder."""
    return not any(
        str(cell).startswith(PLACEHOLDERS)
        for row in range(table.row_count)
        for cell in table.get_row_at(row)
    )


async def settle_loaded(pilot: Pilot[Any]) -> None:
    """For screens that must show data (snapshots on a healthy devnet): wait until no table
    holds a placeholder, then until the tables' columns fit. A view's worker can be done
    while its last rows are still being shown, so waiting for workers is not enough."""
    deadline = time.monotonic() + PATIENCE_S
    while not all(_loaded(table) for table in pilot.app.screen.query(DataTable)):
        assert time.monotonic() < deadline, "a table still shows a placeholder"
        await pilot.pause(0.05)
    await settle_tables(pilot)


async def settle_tables(pilot: Pilot[Any], within: float = PATIENCE_S) -> None:
    """DataTable measures changed cells only when its message queue is idle, and on a
    loaded machine ``pilot.pause()`` can return before that: a screenshot then shows new
    values in old column widths. Wait until every table's columns fit what it shows."""
    deadline = time.monotonic() + within
    await pilot.pause()
    while not all(_fits(table) for table in pilot.app.screen.query(DataTable)):
        if time.monotonic() > deadline:
            return  # measured differently from Textual (wide glyphs): never hang a test
        await pilot.pause(0.05)


def shown_binding_keys(app: AlephApp) -> list[str]:
    """The keys the footer should show for the current focus, in its order: the first
    key of each action, as the footer groups them."""
    first: dict[str, str] = {}
    for _, binding, _, _ in app.screen.active_bindings.values():
        if binding.show:
            first.setdefault(binding.action, binding.key)
    return list(first.values())


def footer_keys(app: AlephApp) -> list[str]:
    """The keys the footer shows now (the command palette's aside)."""
    # FooterKey lives in a private module: it is found by its CSS type name instead.
    shown = [
        str(getattr(key, "key"))  # noqa: B009 - a public attribute of a widget typed loosely
        for key in app.screen.query("FooterKey")
        if not key.has_class("-command-palette")
    ]
    return list(dict.fromkeys(shown))


async def type_into(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Focus the input and type ``text`` key by key, as a person would."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    await pilot.pause()
    await pilot.press(*text)


async def fill(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Put ``text`` in the input at once (a paste), for long values such as addresses."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = text
    field.cursor_position = len(text)
    await pilot.pause()


def screen_text(app: AlephApp) -> str:
    """Everything on screen, as the SVG screenshot has it (text nodes only)."""
    import html
    import re

    svg = app.export_screenshot()
    chunks = re.findall(r">([^<>]*)</text>", svg)
    return html.unescape("".join(chunks)).replace("\xa0", " ")


def shown(app: AlephApp) -> str:
    """The screen's text with its line breaks and runs of spaces as single spaces."""
    return " ".join(screen_text(app).split())


async def until(
    pilot: Pilot[Any], check: Callable[[], bool], what: str, within: float = PATIENCE_S
) -> None:
    """Let the app run until ``check`` holds (a deadline, no fixed sleep)."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)
