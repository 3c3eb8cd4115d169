"""The Accounts view, driven with Pilot against the devnet: create, import, export,
remove behind a typed confirmation, set the default, aliases."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import keyring
import pytest
from keyring.errors import NoKeyringError
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, DataTable, Input, Select, Static, TabbedContent

from aleph_tui.core.accounts.key_storage import decrypt_keystore, encrypt_keystore
from aleph_tui.core.accounts.signer import Signer
from aleph_tui.devnet.chain.engine import dev_accounts
from aleph_tui.ui.screens.alias_editor import AliasEditorModal
from aleph_tui.ui.screens.create_account import CreateAccountModal
from aleph_tui.ui.screens.export_account import ExportAccountModal
from aleph_tui.ui.screens.import_account import ImportAccountModal
from aleph_tui.ui.screens.keyring_choice import KeyringChoiceModal
from aleph_tui.ui.screens.remove_account import RemoveAccountModal
from tests.support.devnet_process import RunningDevnet
from tests.support.keyring_backend import FailingKeyring
from tests.support.ui_app import (
    SIZE,
    UiTestApp,
    build_app,
    fill,
    open_view,
    screen_text,
    type_into,
    wait_for_workers,
)

PASSWORD = "hunter2!"


def table_names(app: UiTestApp, selector: str = "#account-list") -> list[str]:
    table = app.screen.query_one(selector, DataTable)
    return [str(row.value) for row in table.rows]


async def select_account(pilot: Pilot[None], name: str) -> None:
    table = pilot.app.query_one("#account-list", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(name))
    await pilot.pause()


def error_of(app: UiTestApp, form: str) -> str:
    return str(app.screen.query_one(f"#{form}-error", Static).render())


async def test_create_then_remove_behind_the_typed_name(devnet: RunningDevnet, home: Path) -> None:
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        await pilot.press("n")
        assert isinstance(app.screen, CreateAccountModal)
        await type_into(pilot, "#create-name", "savings")
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert not isinstance(app.screen, CreateAccountModal)
        created = app.service.accounts.get("savings")
        assert created.kind == "local"
        assert "savings" in table_names(app)
        assert [a.name for a in app.accounts] == ["dev-0", "dev-1", "dev-2", "savings"]

        await select_account(pilot, "savings")
        await pilot.press("x")
        assert isinstance(app.screen, RemoveAccountModal)
        await type_into(pilot, "#remove-confirm", "saving")
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert isinstance(app.screen, RemoveAccountModal)  # still asking
        assert "nothing was removed" in error_of(app, "remove")
        assert app.service.accounts.get("savings") == created

        await pilot.press("s")  # now "savings"
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert not isinstance(app.screen, RemoveAccountModal)
        assert "savings" not in [a.name for a in app.service.account_list()]
        assert "savings" not in table_names(app)
        assert "savings" not in [a.name for a in app.accounts]
        assert keyring.get_password("cloud.aleph.cli", "savings") is None


async def test_removing_the_active_account_activates_the_default(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        assert app.active_account is not None and app.active_account.name == "dev-0"
        await select_account(pilot, "dev-0")
        await pilot.press("x")
        await type_into(pilot, "#remove-confirm", "dev-0")
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert table_names(app) == ["dev-1", "dev-2"]
        assert app.active_account is not None and app.active_account.name == "dev-1"
        assert "dev-1" in app.sub_title


async def test_create_without_a_keyring_offers_an_encrypted_keystore(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        keyring.set_keyring(FailingKeyring(NoKeyringError("No recommended backend")))
        await pilot.press("n")
        await type_into(pilot, "#create-name", "cold")
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert isinstance(app.screen, KeyringChoiceModal)
        assert "NoKeyringError" in screen_text(app)
        await pilot.press("enter")  # "Use an encrypted keystore"
        await pilot.pause()
        assert isinstance(app.screen, CreateAccountModal)
        assert "password of the keystore file" in error_of(app, "create")
        assert app.screen.query_one("#create-encrypted", Checkbox).value
        assert app.screen.focused is app.screen.query_one("#create-password", Input)
        assert "cold" not in [a.name for a in app.service.account_list()]

        await pilot.press(*PASSWORD)
        await type_into(pilot, "#create-password-repeat", PASSWORD)
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert not isinstance(app.screen, CreateAccountModal)
        cold = app.service.accounts.get("cold")
        assert cold.kind == "keystore"
        assert app.service.accounts.keystore_path("cold").exists()
        assert "cold" in table_names(app)


async def test_import_by_masked_key_never_shows_the_key(devnet: RunningDevnet, home: Path) -> None:
    imported = dev_accounts(6)[5]
    key = imported.private_key.removeprefix("0x")
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        await pilot.press("i")
        assert isinstance(app.screen, ImportAccountModal)
        await type_into(pilot, "#import-name", "imported")
        await type_into(pilot, "#import-key", key)
        assert app.screen.query_one("#import-key", Input).password
        typed = screen_text(app)
        assert key not in typed and key[:12] not in typed
        await pilot.press("enter")
        await wait_for_workers(pilot)

        assert not isinstance(app.screen, ImportAccountModal)
        account = app.service.accounts.get("imported")
        assert account.address == imported.address
        assert "imported" in table_names(app)
        after = screen_text(app)
        assert key not in after and key[:12] not in after
        assert app.notified, "the import is announced"
        assert not any(key[:12] in note for note in app.notified)
        assert any(imported.address in note for note in app.notified)


async def test_import_keeps_the_key_when_the_name_is_taken(
    devnet: RunningDevnet, home: Path
) -> None:
    """Refused before anything ran: the key typed is kept (nothing used it), never shown."""
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        await pilot.press("i")
        await type_into(pilot, "#import-name", "dev-1")  # taken
        await fill(pilot, "#import-key", "ab" * 32)
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert isinstance(app.screen, ImportAccountModal)
        assert "already exists" in error_of(app, "import")
        assert app.screen.query_one("#import-key", Input).value == "ab" * 32
        assert not any("ab" * 8 in note for note in app.notified)


async def test_set_default_changes_the_header_account(devnet: RunningDevnet, home: Path) -> None:
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        assert "dev-0" in app.sub_title
        await select_account(pilot, "dev-1")
        await pilot.press("u")
        await wait_for_workers(pilot)
        default = app.service.accounts.default()
        assert default is not None and default.name == "dev-1"
        assert app.active_account is not None and app.active_account.name == "dev-1"
        assert "dev-1" in app.sub_title and "dev-0" not in app.sub_title
        table = app.query_one("#account-list", DataTable)
        assert table.get_row("dev-1")[0] == "★"
        assert table.get_row("dev-0")[0] == ""


async def test_alias_add_and_remove(devnet: RunningDevnet, home: Path) -> None:
    friend = dev_accounts(8)[7].address
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        await pilot.press("b")
        assert isinstance(app.screen, AliasEditorModal)
        await type_into(pilot, "#alias-name", "friend")
        await fill(pilot, "#alias-address", friend.lower())
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert app.service.accounts.aliases() == {"friend": friend}  # checksummed
        assert table_names(app, "#alias-table") == ["friend"]

        await type_into(pilot, "#alias-name", "dev-0")  # an account's name
        await fill(pilot, "#alias-address", friend)
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert "already exists" in error_of(app, "alias")
        assert app.service.accounts.aliases() == {"friend": friend}

        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AliasEditorModal)
        assert table_names(app, "#alias-list") == ["friend"]

        await pilot.press("b")
        app.screen.query_one("#alias-table", DataTable).focus()
        await pilot.press("delete")
        await wait_for_workers(pilot)
        assert app.service.accounts.aliases() == {}
        await pilot.press("escape")
        await pilot.pause()
        assert not app.query_one("#alias-list", DataTable).display


async def test_export_writes_a_0600_keystore_of_the_same_key(
    devnet: RunningDevnet, home: Path
) -> None:
    dev2 = dev_accounts(3)[2]
    target = home / "exported" / "dev-2.json"
    target.parent.mkdir()
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        await select_account(pilot, "dev-2")
        await pilot.press("e")
        assert isinstance(app.screen, ExportAccountModal)
        await fill(pilot, "#export-path", str(target))
        await fill(pilot, "#export-password", PASSWORD)
        await fill(pilot, "#export-password-repeat", PASSWORD + "!")
        await pilot.press("enter")
        await pilot.pause()
        assert "differ" in error_of(app, "export")
        assert not target.exists()
        # Said under the fields as typed, Export off, and nothing typed is wiped.
        rule = app.screen.query_one("#export-password-rule", Static)
        assert str(rule.render()) == "new password: the two entries differ" and rule.display
        assert app.screen.query_one("#export-submit", Button).disabled
        assert app.screen.query_one("#export-password-repeat", Input).value == PASSWORD + "!"

        await fill(pilot, "#export-password", PASSWORD)
        await fill(pilot, "#export-password-repeat", PASSWORD)
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert not isinstance(app.screen, ExportAccountModal)

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    keystore = json.loads(target.read_text())
    secret = await decrypt_keystore(keystore, PASSWORD)
    assert Signer(secret.reveal()).address == dev2.address
    assert not any(PASSWORD in note for note in app.notified)


async def test_first_run_leads_to_the_create_dialog(devnet: RunningDevnet, home: Path) -> None:
    from aleph_tui.ui.screens.first_run_screen import FirstRunScreen

    app = await build_app(devnet.document, home, accounts=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        await pilot.press("c")
        await wait_for_workers(pilot)
        assert isinstance(app.screen, CreateAccountModal)
        await type_into(pilot, "#create-name", "first")
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert app.active_account is not None and app.active_account.name == "first"
        assert "first" in app.sub_title
        assert table_names(app) == ["first"]
        assert app.query_one("#account-list", DataTable).get_row("first")[0] == "★"


async def test_import_a_keystore_file_and_an_aleph_client_key(
    devnet: RunningDevnet, home: Path
) -> None:
    from_file, legacy = dev_accounts(5)[3:5]
    keystore = home / "wallet.json"
    keystore.write_text(json.dumps(await encrypt_keystore(Signer(from_file.private_key), PASSWORD)))
    legacy_key = home / "aleph-client" / "private-keys" / "old.key"
    legacy_key.parent.mkdir(parents=True)
    legacy_key.write_bytes(bytes.fromhex(legacy.private_key.removeprefix("0x")))
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")

        await pilot.press("i")
        await type_into(pilot, "#import-name", "wallet")
        app.screen.query_one("#import-source", TabbedContent).active = "import-from-keystore"
        await fill(pilot, "#import-path", str(keystore))
        await fill(pilot, "#import-keystore-password", PASSWORD)
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert not isinstance(app.screen, ImportAccountModal)
        assert app.service.accounts.get("wallet").address == from_file.address

        await pilot.press("i")
        await type_into(pilot, "#import-name", "old")
        app.screen.query_one("#import-source", TabbedContent).active = "import-from-legacy"
        picker = app.screen.query_one("#import-legacy", Select)
        picker.value = str(legacy_key)
        await pilot.pause()
        assert await pilot.click("#import-submit")
        await wait_for_workers(pilot)
        assert not isinstance(app.screen, ImportAccountModal), error_of(app, "import")
        assert app.service.accounts.get("old").address == legacy.address
        assert table_names(app) == ["dev-0", "dev-1", "dev-2", "wallet", "old"]


@pytest.mark.parametrize(
    ("session", "said"),
    [
        (False, "deleted from the OS keyring"),
        (True, "deleted from this session's throwaway keyring"),
    ],
)
async def test_remove_says_which_keyring_loses_the_key(
    devnet: RunningDevnet, home: Path, session: bool, said: str
) -> None:
    """A --devnet session keeps its keys in a throwaway keyring, and the Accounts tab says
    so; the Remove dialog must say the same, not speak of the OS keyring."""
    app = await build_app(devnet.document, home)
    app.service.accounts.session_keys = session
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        await select_account(pilot, "dev-1")
        await pilot.press("x")
        assert isinstance(app.screen, RemoveAccountModal)
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert said in text
        assert ("OS keyring" in text) is not session
        await pilot.press("escape")
