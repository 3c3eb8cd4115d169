"""The dashboard in-process on the devnet, as ``aleph-tui --devnet`` builds it: an account
store in a temporary directory, the session keyring, dev accounts imported, the real
credit service. Stub views stand in for the real tabs so the shell is tested alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from aleph_tui.core.accounts.account_store import Account, AccountStore
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.devnet.chain.engine import dev_accounts
from aleph_tui.ui.app import AlephApp
from aleph_tui.ui.textual_private import notifications_of
from aleph_tui.ui.view import View
from tests.support.devnet_process import RunningDevnet

SIZE = (140, 40)


def make_store(home: Path) -> AccountStore:
    return AccountStore(
        manifest_path=home / "accounts.toml", keystore_dir=home / "keystores", prompt=None
    )


async def import_dev_accounts(store: AccountStore, count: int = 3) -> list[Account]:
    return [
        await store.import_key(f"dev-{account.index}", account.private_key)
        for account in dev_accounts(count)
    ]


def make_service(devnet: RunningDevnet, store: AccountStore, home: Path) -> CreditService:
    return CreditService(
        devnet_from_document(devnet.document),
        accounts=store,
        journal=Journal(home / "journal.sqlite3"),
    )


class StubView(View):
    """Records what the shell asks of it; shows only static text (deterministic shots)."""

    calls: list[tuple[str, Any]]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.calls = []

    def compose(self) -> ComposeResult:
        yield Static(f"{self.title} goes here.", classes="stub-body")

    def account_changed(self, account: Account | None) -> None:
        self.calls.append(("account", account.name if account else None))

    def reload(self) -> None:
        self.calls.append(("reload", None))

    @property
    def reloads(self) -> int:
        return sum(1 for name, _ in self.calls if name == "reload")


class BalanceStub(StubView):
    view_id = "balance"
    title = "Balance"
    key = "1"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy_address", "Copy address", id="balance-copy", tooltip="Copy it"),
        Binding("e", "export", "Export", show=False, id="balance-export", tooltip="As CSV"),
    ]

    def action_copy_address(self) -> None:
        self.calls.append(("copy", None))

    def action_export(self) -> None:
        self.calls.append(("export", None))


class HistoryStub(StubView):
    view_id = "history"
    title = "History"
    key = "2"

    def compose(self) -> ComposeResult:
        yield Static("History goes here.", classes="stub-body")
        yield Input(placeholder="filter", id="history-filter")


class AccountsStub(StubView):
    view_id = "accounts"
    title = "Accounts"
    key = "5"

    def action_create_account(self) -> None:
        self.calls.append(("create", None))

    def action_import_account(self) -> None:
        self.calls.append(("import", None))


STUB_VIEWS: list[type[View]] = [BalanceStub, HistoryStub, AccountsStub]


def stub(app: AlephApp, cls: type[StubView]) -> StubView:
    return app.query_one(cls)


def notifications(app: AlephApp) -> list[str]:
    """Every notification shown so far, as "title: message"."""
    return [f"{n.title}: {n.message}" for n in notifications_of(app)]
