"""The account dialogs check as the user types (issue 16 point 9), with Pilot on the
devnet: Create is off with a message under the name for a name already taken, a bad key
shows its rule and stays as typed, a password mismatch says so and wipes nothing, and
Remove is on, and reads differently, only when the typed name matches.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input, Static

from aleph_tui.devnet.chain.engine import dev_accounts
from aleph_tui.ui.screens.create_account import CreateAccountModal
from aleph_tui.ui.screens.import_account import ImportAccountModal
from aleph_tui.ui.screens.password_modal import PasswordModal
from aleph_tui.ui.screens.remove_account import RemoveAccountModal
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import (
    SIZE,
    UiTestApp,
    build_app,
    fill,
    open_view,
    screen_text,
    type_into,
    until,
    wait_for_workers,
)

PASSWORD = "hunter2!"


def rule(app: UiTestApp, selector: str) -> str:
    """The line under a field, or "" while it is hidden."""
    line = app.screen.query_one(selector, Static)
    return str(line.render()) if line.display else ""


async def shows(pilot: Pilot[None], app: UiTestApp, selector: str, expected: str) -> None:
    """Until the line under a field says ``expected`` (checks run as messages arrive)."""
    await until(pilot, lambda: rule(app, selector) == expected, f"{selector}: {expected!r}")


def submit_disabled(app: UiTestApp, form: str) -> bool:
    return app.screen.query_one(f"#{form}-submit", Button).disabled


async def test_create_is_off_for_a_taken_name_and_a_password_mismatch_wipes_nothing(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        await pilot.press("n")
        assert isinstance(app.screen, CreateAccountModal)
        await until(
            pilot, lambda: submit_disabled(app, "create"), "create off"
        )  # nothing typed yet
        await shows(pilot, app, "#create-name-rule", "")

        await type_into(pilot, "#create-name", "dev-1")  # an existing account
        await shows(pilot, app, "#create-name-rule", "name: account 'dev-1' already exists")
        await until(pilot, lambda: submit_disabled(app, "create"), "create off")
        assert app.screen.query_one("#create-name", Input).has_class("-invalid")
        await pilot.press("enter")  # refused, and nothing is created or wiped
        await wait_for_workers(pilot)
        assert isinstance(app.screen, CreateAccountModal)
        assert app.screen.query_one("#create-name", Input).value == "dev-1"

        await pilot.press("x")  # "dev-1x" is free
        await shows(pilot, app, "#create-name-rule", "")
        await until(pilot, lambda: not submit_disabled(app, "create"), "create on")

        app.screen.query_one("#create-encrypted", Checkbox).value = True
        await pilot.pause()
        await until(
            pilot, lambda: submit_disabled(app, "create"), "create off"
        )  # a keystore needs its password
        await fill(pilot, "#create-password", PASSWORD)
        await fill(pilot, "#create-password-repeat", PASSWORD + "?")
        await shows(pilot, app, "#create-password-rule", "password: the two entries differ")
        await until(pilot, lambda: submit_disabled(app, "create"), "create off")
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert isinstance(app.screen, CreateAccountModal)
        values = [
            app.screen.query_one(f"#create-{f}", Input).value
            for f in ("password", "password-repeat")
        ]
        assert values == [PASSWORD, PASSWORD + "?"]  # both kept
        assert PASSWORD not in screen_text(app)

        await fill(pilot, "#create-password-repeat", "")
        await shows(pilot, app, "#create-password-rule", "")  # quiet until typed again
        await until(pilot, lambda: submit_disabled(app, "create"), "create off")
        await fill(pilot, "#create-password-repeat", PASSWORD)
        await shows(pilot, app, "#create-password-rule", "")
        await until(pilot, lambda: not submit_disabled(app, "create"), "create on")
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert not isinstance(app.screen, CreateAccountModal)
        assert app.service.accounts.get("dev-1x").kind == "keystore"


async def test_a_bad_key_shows_its_rule_and_stays_as_typed(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        await pilot.press("i")
        assert isinstance(app.screen, ImportAccountModal)
        await type_into(pilot, "#import-name", "cold")
        bad = "0x1234abcd"
        await fill(pilot, "#import-key", bad)
        shown_rule = "private key: must be 64 hexadecimal digits (32 bytes), with or without 0x"
        await until(pilot, lambda: rule(app, "#import-key-rule") == shown_rule, "the key's rule")
        await until(pilot, lambda: submit_disabled(app, "import"), "import off")
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert isinstance(app.screen, ImportAccountModal)
        assert app.screen.query_one("#import-key", Input).value == bad  # not wiped
        assert "1234abcd" not in screen_text(app)

        await fill(pilot, "#import-key", "0" * 64)  # well formed, not a key
        await until(pilot, lambda: "not a valid secp256k1 key" in rule(app, "#import-key-rule"), "")
        await until(pilot, lambda: submit_disabled(app, "import"), "import off")

        await fill(pilot, "#import-key", "ab" * 32)
        await until(pilot, lambda: rule(app, "#import-key-rule") == "", "the rule to go")
        await fill(pilot, "#import-name", "dev-2")
        await shows(pilot, app, "#import-name-rule", "name: account 'dev-2' already exists")
        await until(pilot, lambda: submit_disabled(app, "import"), "import off")


async def test_remove_is_on_only_when_the_typed_name_matches_and_says_so(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        await pilot.press("x")  # the selected account: dev-0
        modal = app.screen
        assert isinstance(modal, RemoveAccountModal)
        name = modal.account.name
        field = modal.query_one("#remove-confirm", Input)
        line = modal.query_one("#remove-confirm-rule", Static)
        await until(pilot, lambda: submit_disabled(app, "remove"), "remove off")
        assert rule(app, "#remove-confirm-rule") == ""

        await type_into(pilot, "#remove-confirm", name[:-1])
        await shows(
            pilot, app, "#remove-confirm-rule", f"does not match '{name}': Remove stays off"
        )
        await until(pilot, lambda: submit_disabled(app, "remove"), "remove off")
        assert field.has_class("-invalid") and not line.has_class("-ok")

        await pilot.press(name[-1])
        await shows(pilot, app, "#remove-confirm-rule", f"✓ matches: Remove deletes '{name}'")
        await until(pilot, lambda: not submit_disabled(app, "remove"), "remove on")
        assert line.has_class("-ok") and not field.has_class("-invalid")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not modal, "the dialog to close")
    assert name in [a.name for a in app.service.account_list()]


async def test_the_alias_editor_checks_name_and_address_as_typed(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        await pilot.press("b")
        await until(pilot, lambda: bool(app.screen.query("#alias-name-rule")), "the editor")
        await until(pilot, lambda: submit_disabled(app, "alias"), "alias off")
        await type_into(pilot, "#alias-name", "dev-0")
        await shows(pilot, app, "#alias-name-rule", "name: account 'dev-0' already exists")
        await fill(pilot, "#alias-address", "0x1234")
        await until(pilot, lambda: rule(app, "#alias-address-rule").startswith("address: "), "")
        await until(pilot, lambda: submit_disabled(app, "alias"), "alias off")
        await fill(pilot, "#alias-name", "pal")
        await fill(pilot, "#alias-address", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
        await shows(pilot, app, "#alias-name-rule", "")
        await shows(pilot, app, "#alias-address-rule", "")
        await until(pilot, lambda: not submit_disabled(app, "alias"), "alias on")


async def test_the_unlock_prompt_refuses_an_empty_password_and_keeps_a_wrong_one(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home, accounts=0)
    store = app.service.accounts
    key = dev_accounts(4)[3]
    await store.import_key("vault", key.private_key, encrypted=True, password=PASSWORD)
    signers: list[object] = []
    async with app.run_test(size=SIZE) as pilot:

        async def sign() -> None:
            signers.append(await app.signer_for(store.get("vault")))

        app.run_worker(sign(), name="sign", exit_on_error=False)
        await until(pilot, lambda: isinstance(app.screen, PasswordModal), "the prompt")
        first = app.screen
        await pilot.press("enter")  # nothing typed: said under the field, nothing tried
        await shows(pilot, app, "#password-rule", "password: is required to unlock the keystore")
        assert app.screen is first

        await pilot.press(*"hunter3!", "enter")  # a typo
        await until(pilot, lambda: app.screen is not first, "the first prompt to go")
        await until(pilot, lambda: isinstance(app.screen, PasswordModal), "the prompt again")
        again = app.screen
        assert isinstance(again, PasswordModal) and "Incorrect password" in str(again.error)
        field = again.query_one("#password", Input)
        assert field.value == "hunter3!" and field.password  # kept, masked
        assert "hunter3" not in screen_text(app)
        await pilot.press("end", "backspace", "backspace", *"2!", "enter")
        await until(pilot, lambda: bool(signers), "the signer")
    signer = signers[0]
    assert getattr(signer, "address", None) == key.address
