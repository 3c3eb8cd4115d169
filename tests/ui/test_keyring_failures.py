"""An OS keyring that is missing, locked, refuses writes, loses a write's reply, or
refuses reads: the user gets one clear choice (an encrypted keystore, or nothing), a key
never lands in plaintext, and the manifest and the keyring never disagree.

The CLI runs through its main() in this process (tests.support.credit_helpers.run_main) with a
fake keyring backend (tests/support/keyring_backend.py); the dialogs are driven with Pilot.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringLocked
from textual.widgets import Button, Checkbox, Input, Static

from aleph_tui.core.accounts.key_storage import KEYRING_SERVICE
from aleph_tui.core.accounts.signer import Signer
from aleph_tui.ui.app import AlephApp
from aleph_tui.ui.screens.create_account import CreateAccountModal
from aleph_tui.ui.screens.import_account import ImportAccountModal
from aleph_tui.ui.screens.keyring_choice import KeyringChoiceModal
from aleph_tui.ui.views.accounts_view import AccountsView
from tests.support.credit_helpers import Outcome, run_main
from tests.support.devnet_process import RunningDevnet
from tests.support.isolation import isolated_env
from tests.support.keyring_backend import (
    FailingKeyring,
    MemoryKeyring,
    ReadFailingKeyring,
    StoreThenFailKeyring,
    WriteFailingKeyring,
)
from tests.support.ui_app import (
    SIZE,
    build_app,
    fill,
    open_view,
    shown,
    type_into,
    wait_for_workers,
)

KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
MAIN_KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
MAIN_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
MANIFEST = f"""\
default = "main"

[[accounts]]
name = "main"
chain = "ETH"
address = "{MAIN_ADDRESS}"
kind = "local"
"""
PASSWORD = "correct horse"

# Each backend fails the way a real one does; the cause named in the message.
WRITE_FAILURES: dict[str, tuple[Callable[[], KeyringBackend], str]] = {
    "no backend": (fail.Keyring, "NoKeyringError"),
    "locked": (lambda: FailingKeyring(KeyringLocked("Failed to unlock the collection!")), "Locked"),
    "write refused": (WriteFailingKeyring, "PasswordSetError"),
    "write reply lost": (StoreThenFailKeyring, "PasswordSetError"),
}


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def use(backend: KeyringBackend) -> KeyringBackend:
    if isinstance(backend, MemoryKeyring):  # main's key is where the aleph CLI put it
        backend.entries[(KEYRING_SERVICE, "main")] = MAIN_KEY
    keyring.set_keyring(backend)
    return backend


def cli_home(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """The CLI's environment in ``tmp_path``, and its manifest listing "main"."""
    manifest = tmp_path / "config" / "aleph" / "accounts.toml"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(MANIFEST)
    env = {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        **isolated_env(tmp_path),
    }
    return env, manifest


def assert_one_clear_line(outcome: Outcome, *phrases: str) -> None:
    assert outcome.returncode == 1, outcome
    assert outcome.stdout == ""
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("aleph-tui: "), outcome.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    assert "Traceback" not in outcome.stderr
    # keyring's own advice goes on to suggest plaintext backends: never relayed
    assert "keyrings.alt" not in outcome.stderr and "plaintext" not in outcome.stderr.lower()


def plaintext_anywhere(root: Path, *keys: str) -> list[Path]:
    return [
        path
        for path in root.rglob("*")
        if path.is_file()
        and any(
            k.encode() in path.read_bytes().lower() or bytes.fromhex(k) in path.read_bytes()
            for k in keys
        )
    ]


@pytest.mark.parametrize("case", WRITE_FAILURES)
def test_cli_offers_a_keystore_and_saves_nothing_when_the_keyring_cannot_store(
    tmp_path: Path, restore_keyring: None, case: str
) -> None:
    make, cause = WRITE_FAILURES[case]
    backend = use(make())
    env, manifest = cli_home(tmp_path)
    before = manifest.read_bytes()

    refused = run_main(
        env,
        {
            "create": ["account", "create", "fresh"],
            "import": ["account", "import", "other", "--private-key", KEY],
            "import --json": ["account", "import", "other", "--private-key", "0x" + KEY, "--json"],
        },
    )
    for outcome in refused.values():
        assert_one_clear_line(
            outcome, "the OS keyring is not available to", cause, "Nothing was saved", "--encrypted"
        )
        assert KEY not in outcome.stderr.lower()
    assert manifest.read_bytes() == before  # no entry without a key
    if isinstance(backend, MemoryKeyring):  # no key without an entry
        assert set(backend.entries) == {(KEYRING_SERVICE, "main")}
    assert not (manifest.parent / "keystores").exists()
    assert plaintext_anywhere(tmp_path, KEY) == []


def test_cli_keystore_is_the_way_out_and_never_plaintext(
    tmp_path: Path, restore_keyring: None
) -> None:
    """The choice offered works without any keyring: the same commands with --encrypted."""
    use(fail.Keyring())
    env, manifest = cli_home(tmp_path)
    chosen = run_main(
        env | {"ALEPH_PASSWORD": PASSWORD},
        {
            "create": ["account", "create", "fresh", "--encrypted", "--json"],
            "import": ["account", "import", "other", "--private-key", KEY, "--encrypted"],
        },
    )
    assert [o.returncode for o in chosen.values()] == [0, 0], chosen
    keystores = manifest.parent / "keystores"
    assert stat.S_IMODE(keystores.stat().st_mode) == 0o700
    for name in ("fresh", "other"):
        assert stat.S_IMODE((keystores / f"{name}.json").stat().st_mode) == 0o600
        assert f'name = "{name}"' in manifest.read_text()
    assert stat.S_IMODE(manifest.stat().st_mode) == 0o600
    assert plaintext_anywhere(tmp_path, KEY) == []
    assert KEY not in "".join(o.stdout + o.stderr for o in chosen.values()).lower()


@pytest.mark.parametrize(
    "make",
    [ReadFailingKeyring, lambda: FailingKeyring(KeyringLocked("Failed to unlock the collection!"))],
    ids=["reads refused", "locked"],
)
def test_cli_reports_a_keyring_that_cannot_be_read_and_changes_nothing(
    tmp_path: Path, restore_keyring: None, make: Callable[[], KeyringBackend]
) -> None:
    backend = use(make())
    env, manifest = cli_home(tmp_path)
    before = manifest.read_bytes()
    out = tmp_path / "main.json"
    runs = run_main(
        env | {"ALEPH_PASSWORD": PASSWORD},
        {
            "export": ["account", "export", "main", "-o", str(out)],
            "remove": ["account", "remove", "main", "-y", "--json"],
            "create": ["account", "create", "fresh"],
        },
    )
    assert_one_clear_line(runs["export"], "cannot load account 'main'", "KeyringLocked")
    assert_one_clear_line(runs["remove"], "cannot remove 'main'", "nothing was changed")
    assert_one_clear_line(runs["create"], "KeyringLocked", "--encrypted")
    assert not out.exists()
    assert manifest.read_bytes() == before
    if isinstance(backend, MemoryKeyring):
        assert backend.entries == {(KEYRING_SERVICE, "main"): MAIN_KEY}
    assert plaintext_anywhere(tmp_path, KEY, MAIN_KEY) == []


# --- the dialogs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "make", "cause"),
    [
        (
            "import",
            lambda: FailingKeyring(KeyringLocked("Failed to unlock the collection!")),
            "KeyringLocked",
        ),
        ("create", StoreThenFailKeyring, "PasswordSetError"),
    ],
    ids=["import, locked", "create, write reply lost"],
)
async def test_dialog_offers_a_keystore_or_cancel_and_the_keystore_works(
    devnet: RunningDevnet,
    home: Path,
    form: str,
    make: Callable[[], KeyringBackend],
    cause: str,
) -> None:
    service = (await build_app(devnet.document, home, accounts=1)).service
    app = AlephApp(service, views=[AccountsView])  # the dialogs are all it needs
    store = app.service.accounts
    modal_type = ImportAccountModal if form == "import" else CreateAccountModal
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        backend = make()
        keyring.set_keyring(backend)
        manifest_before = store.manifest_path.read_bytes()

        async def attempt() -> KeyringChoiceModal:
            await pilot.press("i" if form == "import" else "n")
            assert isinstance(app.screen, modal_type)
            await type_into(pilot, f"#{form}-name", "cold")
            if form == "import":
                await fill(pilot, "#import-key", KEY)
            await pilot.press("enter")
            await wait_for_workers(pilot)
            choice = app.screen
            assert isinstance(choice, KeyringChoiceModal)
            return choice

        # The choice, in a modal of its own: why, that nothing was saved, and two ways on.
        choice = await attempt()
        reason = str(choice.query_one("#keyring-choice-reason", Static).render())
        assert "the OS keyring is not available to" in reason and f"({cause}" in reason
        assert "Nothing was saved" in shown(app)
        buttons = [str(b.label) for b in choice.query(Button)]
        assert buttons == ["Use an encrypted keystore", "Cancel"]
        assert store.manifest_path.read_bytes() == manifest_before
        if isinstance(backend, MemoryKeyring):
            assert backend.entries == {}  # the lost write was taken back

        await pilot.press("escape")  # Cancel: both dialogs close, nothing anywhere
        await pilot.pause()
        assert not isinstance(app.screen, modal_type | KeyringChoiceModal)
        assert store.manifest_path.read_bytes() == manifest_before
        assert not store.keystore_path("cold").exists()

        # The keystore, chosen: back in the dialog with the box ticked and the cursor on
        # the password; then written, listed, and it signs for the same address.
        await attempt()
        await pilot.press("enter")  # the focused "Use an encrypted keystore"
        await pilot.pause()
        assert isinstance(app.screen, modal_type)
        assert app.screen.query_one(f"#{form}-encrypted", Checkbox).value
        assert app.screen.focused is app.screen.query_one(f"#{form}-password", Input)
        if form == "import":
            await fill(pilot, "#import-key", KEY)  # cleared after the failed attempt
        await fill(pilot, f"#{form}-password", PASSWORD)
        await fill(pilot, f"#{form}-password-repeat", PASSWORD)
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert not isinstance(app.screen, modal_type)
        cold = store.get("cold")
        assert cold.kind == "keystore"
        assert stat.S_IMODE(store.keystore_path("cold").stat().st_mode) == 0o600
        signer = await store.load_signer("cold", PASSWORD)
        assert isinstance(signer, Signer) and signer.address == cold.address
        if form == "import":
            assert cold.address == ADDRESS
        if isinstance(backend, MemoryKeyring):
            assert backend.entries == {}
    assert plaintext_anywhere(home, KEY) == []


async def test_dialogs_report_a_keyring_that_cannot_be_read_and_change_nothing(
    devnet: RunningDevnet, home: Path
) -> None:
    """Export and remove of a keyring account whose key cannot be read: the reason in
    the dialog, no file, the account and its key where they were."""
    service = (await build_app(devnet.document, home, accounts=1)).service
    app = AlephApp(service, views=[AccountsView])
    store = app.service.accounts
    target = home / "dev-0.json"
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "accounts")
        backend = ReadFailingKeyring()
        keyring.set_keyring(backend)
        manifest_before = store.manifest_path.read_bytes()

        await pilot.press("e")
        await fill(pilot, "#export-path", str(target))
        await fill(pilot, "#export-password", PASSWORD)
        await fill(pilot, "#export-password-repeat", PASSWORD)
        await pilot.press("enter")
        await wait_for_workers(pilot)
        error = str(app.screen.query_one("#export-error", Static).render())
        assert "cannot load account 'dev-0'" in error and "KeyringLocked" in error, error
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("x")
        await fill(pilot, "#remove-confirm", "dev-0")
        await pilot.press("enter")
        await wait_for_workers(pilot)
        error = str(app.screen.query_one("#remove-error", Static).render())
        assert "cannot remove 'dev-0'" in error and "nothing was changed" in error, error
    assert not target.exists()
    assert store.manifest_path.read_bytes() == manifest_before
    assert [a.name for a in store.accounts()] == ["dev-0"]
