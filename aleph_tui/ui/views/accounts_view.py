"""Accounts: the aleph CLI's accounts and aliases, and every change to them.

The view reaches the store through the facade (``self.service.accounts``); each dialog
collects input and calls back here, so the dialogs never see the service. After a change
the app's account list is refreshed, and a removed active account is replaced.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Static

from aleph_tui.core.accounts.account_store import Account, AccountError, WatchOnly
from aleph_tui.core.accounts.key_storage import KEYRING_SERVICE
from aleph_tui.core.errors import ServiceError
from aleph_tui.ui.screens.alias_editor import AliasEditorModal
from aleph_tui.ui.screens.create_account import CreateAccountModal, CreateRequest
from aleph_tui.ui.screens.export_account import ExportAccountModal, ExportRequest, ExportSubmit
from aleph_tui.ui.screens.import_account import ImportAccountModal, ImportRequest
from aleph_tui.ui.screens.remove_account import RemoveAccountModal
from aleph_tui.ui.textual_private import node_bindings
from aleph_tui.ui.view import View

DEFAULT_MARK = "★"


class AccountsView(View):
    view_id = "accounts"
    title = "Accounts"
    key = "5"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "n",
            "create_account",
            "New",
            id="accounts-create",
            tooltip="Create an account with a new random key",
        ),
        Binding(
            "i",
            "import_account",
            "Import",
            id="accounts-import",
            tooltip="Import a private key, a keystore file or an aleph-client key",
        ),
        Binding(
            "b",
            "aliases",
            "Aliases",
            id="accounts-aliases",
            tooltip="The address book: list, add and remove aliases (addresses without a key)",
        ),
        # The selected row's actions: listed under the table rather than in the footer.
        Binding(
            "u",
            "use",
            "Set default",
            show=False,
            id="accounts-use",
            tooltip="Make the selected account the default and the active one",
        ),
        Binding(
            "e",
            "export",
            "Export",
            show=False,
            id="accounts-export",
            tooltip="Write the selected account's key to a new encrypted keystore file",
        ),
        Binding(
            "x,delete",
            "remove",
            "Remove",
            show=False,
            id="accounts-remove",
            tooltip="Remove the selected account and its key, after typing its name",
        ),
    ]
    ROW_ACTIONS: ClassVar[tuple[str, ...]] = ("accounts-use", "accounts-export", "accounts-remove")

    _default: str | None = None  # the default account's name, as last read

    DEFAULT_CSS = """
    AccountsView { padding: 0 1; }
    AccountsView #account-summary { height: auto; padding: 1 1 0 1; color: $text-muted; }
    AccountsView DataTable {
        height: auto;
        max-height: 1fr;
        border: round $primary 50%;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        margin-top: 1;
    }
    AccountsView DataTable:focus { border: round $primary; }
    AccountsView #account-detail { height: auto; padding: 0 1; }
    AccountsView #alias-list { max-height: 12; }
    AccountsView #alias-empty { height: auto; padding: 1 1 0 1; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="account-summary", markup=False)
        accounts: DataTable[str] = DataTable(
            id="account-list", cursor_type="row", zebra_stripes=True
        )
        accounts.border_title = "Accounts"
        accounts.add_column("Default", key="default")
        accounts.add_column("Name", key="name")
        accounts.add_column("Address", key="address")
        accounts.add_column("Kind", key="kind")
        accounts.add_column("Chain", key="chain")
        yield accounts
        yield Static(id="account-detail", markup=False)
        aliases: DataTable[str] = DataTable(id="alias-list", cursor_type="row", zebra_stripes=True)
        aliases.border_title = "Aliases"
        aliases.add_column("Alias", key="name")
        aliases.add_column("Address", key="address")
        yield aliases
        yield Static(id="alias-empty", markup=False)

    def default_focus(self) -> Widget:
        return self.query_one("#account-list", DataTable)

    def _keys_of(self, binding_id: str) -> list[str]:
        """The keys of one of this view's bindings as displayed, after the user's keymap."""
        return self.aleph_app.keys_of(node_bindings(self), binding_id)

    def _key_of(self, binding_id: str) -> str:
        return next(iter(self._keys_of(binding_id)), "?")

    def _row_keys(self) -> str:
        """The selected row's actions, e.g. "u set default · e export · x/del remove"."""
        labels = {b.id: b.description.lower() for b in Binding.make_bindings(self.BINDINGS)}
        return " · ".join(
            f"{'/'.join(self._keys_of(i))} {labels[i]}" for i in self.ROW_ACTIONS if i in labels
        )

    # --- the lists --------------------------------------------------------------------

    def account_changed(self, account: Account | None) -> None:
        self.reload()

    def reload(self) -> None:
        store = self.service.accounts
        try:
            accounts = store.accounts()
            watched = store.watched()  # watch-only: listed after the keyed ones
            aliases = store.aliases()
            default = store.default()
        except AccountError as exc:
            self.notify(str(exc), title="Accounts unreadable", severity="error", markup=False)
            return
        self._default = default.name if default else None
        self.query_one("#account-list", DataTable).border_subtitle = self._row_keys()
        self._fill_accounts(accounts + watched)
        self._fill_aliases(aliases)
        self._summarise(accounts, aliases, watched)
        self._describe(self.selected_account(quiet=True))

    def _fill_accounts(self, accounts: list[Account]) -> None:
        table = self.query_one("#account-list", DataTable)
        keep = self.selected_name()
        table.clear()
        for account in accounts:
            table.add_row(
                DEFAULT_MARK if account.name == self._default else "",
                account.name,
                account.address,
                account.kind_display,
                account.chain,
                key=account.name,
            )
        active = self.account.name if self.account else None
        for name in (keep, active, self._default):
            if name is not None and name in table.rows:
                table.move_cursor(row=table.get_row_index(name))
                break

    def _fill_aliases(self, aliases: dict[str, str]) -> None:
        table = self.query_one("#alias-list", DataTable)
        table.clear()
        for name, address in sorted(aliases.items()):
            table.add_row(name, address, key=name)
        table.display = bool(aliases)
        empty = self.query_one("#alias-empty", Static)
        empty.display = not aliases
        key = self._key_of("accounts-aliases")
        empty.update(
            f"No aliases yet. Press {key} to name an address you send credits to, "
            "e.g. a friend's wallet; transfers then accept the name."
        )

    def _summarise(
        self, accounts: list[Account], aliases: dict[str, str], watched: list[Account]
    ) -> None:
        summary = self.query_one("#account-summary", Static)
        if not accounts and not watched:
            summary.update(
                f"No account yet: press {self._key_of('accounts-create')} to create one "
                f"or {self._key_of('accounts-import')} to import one."
            )
            return
        parts = [f"{len(accounts)} account{'s' if len(accounts) != 1 else ''}"]
        if watched:
            parts.append(f"{len(watched)} watch-only")
        if aliases:
            parts.append(f"{len(aliases)} alias{'es' if len(aliases) != 1 else ''}")
        parts.append(f"default: {self._default}" if self._default else "no default account")
        manifest = self.service.accounts.manifest_path.name
        if self.service.accounts.session_keys:  # --devnet: nothing the aleph CLI sees
            parts.append("a throwaway store for this devnet session")
        else:
            parts.append(f"shared with the aleph CLI ({manifest})")
        summary.update(" · ".join(parts))

    def _describe(self, account: Account | None) -> None:
        """Where the selected account's key is, and what the account is to the app."""
        detail = self.query_one("#account-detail", Static)
        if account is None:
            detail.update("")
            return
        if account.kind == "local" and self.service.accounts.session_keys:
            key = "Key in the session keyring (throwaway: gone when the session ends)"
        elif account.kind == "local":
            key = f"Key in the OS keyring (service {KEYRING_SERVICE}, entry {account.name})"
        elif account.kind == "keystore":
            try:
                where = str(self.service.accounts.keystore_path(account.name))
            except AccountError:
                where = "a keystore file"
            key = f"Key in an encrypted keystore file: {where}"
        elif account.kind == "ledger":
            path = f" ({account.derivation_path})" if account.derivation_path else ""
            key = f"Key on a Ledger device{path}: aleph-tui cannot sign with it"
        elif account.watch_only:
            remove = self._key_of("accounts-remove")
            key = (
                "Watch-only: aleph-tui has no key for it, so it is followed, never signed "
                f"for; {remove} stops watching it"
            )
        else:
            key = f"Unknown kind '{account.kind}'"
        roles = []
        if account.name == self._default:
            roles.append("the default account")
        if self.account is not None and self.account.name == account.name:
            roles.append("active")
        detail.update(" · ".join([key, *roles]))

    @on(DataTable.RowHighlighted, "#account-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe(self.selected_account(quiet=True))

    def selected_name(self) -> str | None:
        table = self.query_one("#account-list", DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def selected_account(self, *, quiet: bool = False) -> Account | None:
        name = self.selected_name()
        if name is None:
            if not quiet:
                self.notify("No account selected.", severity="warning")
            return None
        try:
            return self.service.accounts.get(name)
        except WatchOnly:
            return next((a for a in self.service.accounts.watched() if a.name == name), None)
        except AccountError as exc:
            if not quiet:
                self.notify(str(exc), title="Account gone", severity="error", markup=False)
                self.reload()
            return None

    def _changed(self, select: str | None = None) -> None:
        """After a change: the app re-reads the accounts (and replaces a removed active
        one, or activates ``select``); the lists follow."""
        self.aleph_app.refresh_accounts(select)
        self.reload()
        if select is not None:
            self._select(select)

    def _select(self, name: str) -> None:
        table = self.query_one("#account-list", DataTable)
        if name in table.rows:
            table.move_cursor(row=table.get_row_index(name))

    # --- create and import ------------------------------------------------------------

    def _writable(self) -> bool:
        """False, with the reason shown, on a read-only dashboard (aleph-tui serve)."""
        try:
            self.service.refuse_if_read_only()
        except ServiceError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return False
        return True

    def action_create_account(self) -> None:
        if not self._writable():
            return
        accounts, aliases = self._taken_names()
        modal = CreateAccountModal(self._create, accounts=accounts, aliases=aliases)
        self.app.push_screen(modal, self._added)

    def _taken_names(self) -> tuple[list[str], list[str]]:
        """The names a new account cannot take (checked as the dialogs are typed)."""
        store = self.service.accounts
        return [a.name for a in store.accounts()], list(store.aliases())

    async def _create(self, request: CreateRequest) -> Account:
        return await self.service.accounts.create(
            request.name, encrypted=request.password is not None, password=request.password
        )

    def action_import_account(self) -> None:
        if not self._writable():
            return
        store = self.service.accounts
        accounts, aliases = self._taken_names()
        modal = ImportAccountModal(
            self._import,
            store.legacy_keys(),
            store.legacy_home / "private-keys",
            accounts=accounts,
            aliases=aliases,
        )
        self.app.push_screen(modal, self._added)

    async def _import(self, request: ImportRequest) -> Account:
        store = self.service.accounts
        if request.source == "key":
            assert request.key is not None
            return await store.import_key(
                request.name,
                request.key.reveal(),
                encrypted=request.encrypted,
                password=request.new_password,
            )
        assert request.path is not None
        if request.source == "keystore":
            return await store.import_keystore(
                request.name,
                request.path,
                request.password,
                encrypted=request.encrypted,
                new_password=request.new_password,
            )
        return await store.import_legacy(
            request.name, request.path, encrypted=request.encrypted, password=request.new_password
        )

    def _added(self, account: Account | None) -> None:
        if account is None:
            return
        where = "an encrypted keystore file" if account.kind == "keystore" else "the OS keyring"
        if account.kind != "keystore" and self.service.accounts.session_keys:
            where = "the session keyring (throwaway)"
        self.notify(
            f"{account.name} · {account.address}\nIts key is in {where}.",
            title="Account added",
            markup=False,
        )
        # The first account becomes the active one; otherwise the active one stays.
        self._changed(account.name if self.account is None else None)
        self._select(account.name)

    # --- use, export, remove ----------------------------------------------------------

    def action_use(self) -> None:
        account = self.selected_account()
        if account is None:
            return
        if account.watch_only:  # no default without a key: active only
            self.aleph_app.select_account(account)
            self.notify(
                f"{account.name} is now the active account (watch-only: it cannot be the default).",
                markup=False,
            )
            return
        try:
            account = self.service.accounts.use(account.name)
        except AccountError as exc:
            self.notify(str(exc), title="Default unchanged", severity="error", markup=False)
            return
        self.notify(f"{account.name} is now the default and active account.", markup=False)
        self._changed(account.name)

    def action_export(self) -> None:
        if not self._writable():
            return
        account = self.selected_account()
        if account is None:
            return
        if account.kind == "ledger":
            self.notify(
                f"{account.name} is a Ledger account: its key never leaves the device.",
                severity="warning",
                markup=False,
            )
            return
        if account.watch_only:  # the store refuses it too
            self.notify(str(WatchOnly(account.name)), severity="warning", markup=False)
            return
        suggested = Path("~") / f"{account.name}.json"
        modal = ExportAccountModal(account, self._exporter(account.name), suggested)
        self.app.push_screen(modal, self._exported)

    def _exporter(self, name: str) -> ExportSubmit:
        async def export(request: ExportRequest) -> Path:
            return await self.service.accounts.export_keystore(
                name, request.path, request.password, source_password=request.source_password
            )

        return export

    def _exported(self, path: Path | None) -> None:
        if path is not None:
            self.notify(str(path), title="Keystore written", markup=False)

    def action_remove(self) -> None:
        if not self._writable():
            return
        account = self.selected_account()
        if account is None:
            return
        if account.watch_only:  # remove means stop watching: there is no key to delete
            self.app.push_screen(RemoveAccountModal(account, self._unwatch), self._unwatched)
            return
        modal = RemoveAccountModal(
            account, self._remove, session_keys=self.service.accounts.session_keys
        )
        self.app.push_screen(modal, self._removed)

    async def _remove(self, name: str) -> None:
        await self.service.accounts.remove(name)

    def _removed(self, name: str | None) -> None:
        if name is None:
            return
        self.notify(f"Account '{name}' and its key were removed.", markup=False)
        self._changed()

    async def _unwatch(self, name: str) -> None:
        self.service.unwatch(name)

    def _unwatched(self, name: str | None) -> None:
        if name is None:
            return
        self.notify(f"'{name}' is no longer watched.", markup=False)
        self._changed()

    # --- aliases ----------------------------------------------------------------------

    def action_aliases(self) -> None:
        store = self.service.accounts
        accounts, _ = self._taken_names()
        modal = AliasEditorModal(
            store.aliases, store.add_alias, store.remove_alias, accounts=accounts
        )
        self.app.push_screen(modal, self._aliases_closed)

    def _aliases_closed(self, changed: bool | None) -> None:
        if changed:
            self.reload()
