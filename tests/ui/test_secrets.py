"""A private key never leaves the keyring or an encrypted keystore.

With a known key imported, the app is used broadly, from the command line (with and
without --json, failures included) and from the dashboard (every view, the account
dialogs, a transfer through its confirmation, a signing failure, a crash while signing),
and the key, in any spelling (hex with or without 0x, either case, a 16-digit piece of
it, its raw bytes or their repr), is looked for in every file under the temporary home,
in every log record down to DEBUG, in stdout and stderr, in every notification, in
screenshots and in what Textual prints when the app crashes. Also: the public dev keys
and a chain-id mismatch are refused before signing, and the account files are 0600.
"""

from __future__ import annotations

import asyncio
import logging
import stat
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import keyring
import pytest
from textual.widgets import DataTable

from aleph_tui.core.accounts import secp256k1
from aleph_tui.core.accounts.signer import Signer
from aleph_tui.core.chain.gateway import ChainError, ChainGateway
from aleph_tui.core.networks import Network, devnet_from_document
from aleph_tui.devnet.chain.engine import find_anvil, start_chain
from aleph_tui.ui.app import AlephApp
from aleph_tui.ui.screens.export_account import ExportAccountModal
from aleph_tui.ui.screens.import_account import ImportAccountModal
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.views.transfer_view import TransferView
from tests.support.credit_helpers import Key, Outcome, fresh_key, funded_key, run_main, seeded
from tests.support.devnet_process import RunningDevnet
from tests.support.keyring_backend import MemoryKeyring
from tests.support.ui_app import UiTestApp, build_app, fill, open_view, until, wait_for_workers

FUNDS = 1_000_000
PASSWORD = "a long passphrase"
SIZE = (160, 45)


class KeyForms:
    """Every way a key could show up in text or in a file."""

    def __init__(self, private_key: str) -> None:
        self.hex = private_key.removeprefix("0x").lower()
        self.raw = bytes.fromhex(self.hex)
        self.hexes = [self.hex, self.hex[:16], self.hex[-16:]]
        # b'…' without the quotes, whole or its first 8 bytes (a truncated repr)
        self.reprs = [repr(self.raw)[2:-1], repr(self.raw[:8])[2:-1]]

    def in_text(self, text: str) -> bool:
        lowered = text.lower()
        return any(h in lowered for h in self.hexes) or any(r in text for r in self.reprs)

    def in_bytes(self, data: bytes) -> bool:
        return self.raw in data or self.in_text(data.decode("latin-1"))

    def files_holding(self, root: Path) -> list[Path]:
        """Every file under ``root`` with the key in it (an encrypted keystore has none)."""
        return [p for p in root.rglob("*") if p.is_file() and self.in_bytes(p.read_bytes())]


def test_key_forms_find_every_spelling() -> None:
    """The detector itself: each spelling of the key is caught, its absence is not."""
    key = fresh_key().private_key
    forms = KeyForms(key)
    bare = key[2:]
    spellings = [key, bare, bare.upper(), f"key={bare[:20]}…", repr(forms.raw), str(forms.raw)]
    spellings.append(repr(forms.raw)[:40] + "…")  # as rich cuts a long local
    for text in spellings:
        assert forms.in_text(text), text
    assert forms.in_bytes(b"\x00" + forms.raw + b"\x00")
    assert not forms.in_text(fresh_key().private_key)


def test_a_key_typed_where_no_argument_goes_is_not_echoed(tmp_path: Path) -> None:
    """argparse quotes unrecognized or invalid arguments back; a pasted key is hidden."""
    key = fresh_key().private_key
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    outcomes = run_main(
        env,
        {
            "extra": ["credit", "transfer", "--to", "0x1", "--amount", "1", key],
            "choice": ["credit", "buy", "--token", key],
            "prefixed": ["credit", "history", "--page", "0x" + key.removeprefix("0x")],
        },
    )
    for outcome in outcomes.values():
        assert outcome.returncode == 2
        assert not KeyForms(key).in_text(outcome.stderr)
    assert "not shown: it may be a key" in outcomes["extra"].stderr


def written_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def home_env(home: Path, api_url: str) -> dict[str, str]:
    """A command's environment: everything it may write is under ``home``."""
    return {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "ALEPH_CONFIG_HOME": str(home / ".aleph-im"),
        "ALEPH_DEVNET_URL": api_url,
        "ALEPH_TUI_KDF": "pbkdf2",
    }


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def owner(devnet: RunningDevnet, accounts: list[Any]) -> Key:
    """A fresh key holding credits."""
    return funded_key(devnet.api_url, seeded(accounts, 0), FUNDS)


async def give_eth(devnet: RunningDevnet, accounts: list[Any], to: str) -> None:
    """0.1 ETH from dev account 6, so ``to`` can pay for a purchase."""
    gateway = ChainGateway(devnet_from_document(devnet.document))
    try:
        source = accounts[6]
        plan = await gateway.build(source.address, to, value=10**17)
        tx_hash = await gateway.send(await gateway.sign(plan, Signer(source.private_key)))
        assert (await gateway.wait_for_receipt(tx_hash)).status == 1
    finally:
        await gateway.aclose()


async def test_the_cli_never_prints_logs_or_writes_the_key(
    devnet: RunningDevnet,
    accounts: list[Any],
    owner: Key,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    forms = KeyForms(owner.private_key)
    await give_eth(devnet, accounts, owner.address)
    env = home_env(tmp_path, devnet.api_url)
    recipient = fresh_key().address
    transfer = ["credit", "transfer", "--network", "devnet", "--to", recipient, "-y"]
    buy = ["credit", "buy", "--network", "devnet", "--token", "eth", "--dry-run", "-y"]
    key_arg = ["--private-key", owner.private_key.upper().replace("0X", "0x")]
    commands = {
        "import": ["account", "import", "main", *key_arg],
        "import again": ["account", "import", "main", "--private-key", forms.hex, "--json"],
        "import bad": ["account", "import", "bad", "--private-key", forms.hex[:-2] + "zz"],
        "import short": ["account", "import", "bad", "--private-key", forms.hex[:-2], "--json"],
        "key as an argument": ["account", "import", "other", forms.hex],
        "create encrypted": ["account", "create", "cold", "--encrypted", "--json"],
        "list": ["account", "list"],
        "list --json": ["account", "list", "--json"],
        "export": ["account", "export", "main", "-o", str(tmp_path / "backup.json")],
        "export --json": ["account", "export", "main", "-o", str(tmp_path / "b2.json"), "--json"],
        "export again": ["account", "export", "main", "-o", str(tmp_path / "backup.json")],
        "transfer": [*transfer, "--amount", "1000", "--account", "main"],
        "transfer --json": [*transfer, "--amount", "1000", "--account", "main", "--json"],
        "dry run by key": [*transfer, "--amount", "5", "--dry-run", "--json", *key_arg],
        "too much": [*transfer, "--amount", str(FUNDS * 10), "--account", "main", "--json"],
        "bad key": [*transfer, "--amount", "5", "--private-key", forms.hex[:-1]],
        "buy": [*buy, "--amount", "0.001", "--account", "main"],
        "buy --json": [*buy, "--amount", "0.001", "--account", "main", "--json"],
        "buy too much": [*buy, "--amount", "5", "--account", "main", "--json"],
    }
    outcomes: dict[str, Outcome] = await asyncio.to_thread(
        run_main, env | {"ALEPH_PASSWORD": PASSWORD}, commands
    )
    # …and with the key in the environment only.
    by_env = await asyncio.to_thread(
        run_main,
        env | {"ALEPH_PRIVATE_KEY": owner.private_key},
        {"transfer by env": [*transfer, "--amount", "7", "--json"]},
    )
    outcomes |= by_env

    failing = {"import again", "import bad", "import short", "export again", "too much"}
    failing |= {"bad key", "buy too much", "key as an argument"}
    for name, outcome in outcomes.items():
        assert (outcome.returncode != 0) == (name in failing), (name, outcome)
        if name in failing:
            assert len(outcome.stderr.splitlines()) == 1, (name, outcome.stderr)
        assert not forms.in_text(outcome.stdout), name
        assert not forms.in_text(outcome.stderr), name
    # The option is named (as typed), the key not echoed.
    assert "--private-key: must be 64 hexadecimal digits" in outcomes["import bad"].stderr
    assert "dry run" in outcomes["buy"].stdout.lower() or "0x" in outcomes["buy"].stdout

    assert memory_keyring.entries  # the key went where it belongs
    assert not [r.getMessage() for r in caplog.records if forms.in_text(r.getMessage())]
    assert forms.files_holding(tmp_path) == []
    written = written_files(tmp_path)
    assert {".config/aleph/accounts.toml", ".config/aleph/keystores/cold.json"} <= written
    assert {"backup.json", "b2.json"} <= written

    # The account files are the owner's only.
    config = tmp_path / ".config" / "aleph"
    for path in (config / "accounts.toml", config / "keystores" / "cold.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for path in (tmp_path / "backup.json", tmp_path / "b2.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (config, config / "keystores"):
        assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0, folder


# --- the dashboard -------------------------------------------------------------------------


@pytest.fixture
def home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The isolated home as $HOME too: every file the app may write is searched there."""
    monkeypatch.setenv("HOME", str(home))
    return home


async def owner_app(devnet: RunningDevnet, home: Path, owner: Key) -> UiTestApp:
    app = await build_app(devnet.document, home, accounts=1)
    await app.service.accounts.import_key("main", owner.private_key)
    app.service.accounts.use("main")
    return app


async def start_transfer(app: AlephApp, pilot: Any, to: str, amount: str) -> TransferView:
    app.action_open_view("transfer")
    view = app.query_one("#transfer", TransferView)
    await pilot.pause()
    await fill(pilot, "#transfer-to-input", to)
    await fill(pilot, "#transfer-amount-input", amount)
    await until(pilot, lambda: view.quote is not None, "the live quote")
    view.field("amount").focus_input()
    await pilot.press("enter")
    return view


async def test_the_dashboard_never_shows_logs_or_writes_the_key(
    devnet: RunningDevnet,
    owner: Key,
    home: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    forms = KeyForms(owner.private_key)
    app = await owner_app(devnet, home, owner)
    screenshots: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        for view in app.views:  # every view, on the key's account
            await open_view(pilot, view.view_id)
            screenshots.append(app.export_screenshot())

        # The account dialogs: import the same key under another name, typed in full.
        await open_view(pilot, "accounts")
        await pilot.press("i")
        assert isinstance(app.screen, ImportAccountModal)
        await fill(pilot, "#import-name", "copy")
        await fill(pilot, "#import-key", owner.private_key)
        screenshots.append(app.export_screenshot())
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert app.service.accounts.get("copy").address == owner.address
        screenshots.append(app.export_screenshot())
        # …and export it to an encrypted keystore.
        table = app.query_one("#account-list", DataTable)
        table.move_cursor(row=table.get_row_index("main"))
        await pilot.press("e")
        assert isinstance(app.screen, ExportAccountModal)
        await fill(pilot, "#export-path", str(home / "main-backup.json"))
        await fill(pilot, "#export-password", PASSWORD)
        await fill(pilot, "#export-password-repeat", PASSWORD)
        await pilot.press("enter")
        await wait_for_workers(pilot)
        assert (home / "main-backup.json").exists()

        # A transfer, through its confirmation.
        recipient = fresh_key().address
        view = await start_transfer(app, pilot, recipient, "1000")
        await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "the modal")
        screenshots.append(app.export_screenshot())
        await pilot.press("y")
        await until(pilot, lambda: not view.busy, "the transfer")
        await wait_for_workers(pilot)
        assert view.last_result is not None and view.last_result.status == "processed"
        screenshots.append(app.export_screenshot())

        # Signing fails inside libsecp256k1's call: a notification, not a crash.
        def device_fault(key: Any, message: bytes) -> str:
            raise RuntimeError("signing device fault")

        monkeypatch.setattr(secp256k1, "sign_personal_with", device_fault)
        await start_transfer(app, pilot, recipient, "5")
        await until(pilot, lambda: not view.busy, "the failed transfer")
        await wait_for_workers(pilot)
        assert any("signing failed (RuntimeError)" in note for note in app.notified)
        screenshots.append(app.export_screenshot())
        notes = list(app.notified)

    assert len(screenshots) == len(app.views) + 5
    for svg in screenshots:
        assert not forms.in_text(svg)
    assert not [note for note in notes if forms.in_text(note)]
    assert not [r.getMessage() for r in caplog.records if forms.in_text(r.getMessage())]
    assert forms.files_holding(home) == []
    manifest = app.service.accounts.manifest_path
    for path in (manifest, home / "main-backup.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(manifest.parent.stat().st_mode) & 0o077 == 0


async def test_a_crash_while_signing_prints_no_key(
    devnet: RunningDevnet,
    owner: Key,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The worst case: an exception from inside the signing library, whose frames hold
    the raw key, reaches Textual's crash handler, which prints a traceback."""
    forms = KeyForms(owner.private_key)
    service = (await owner_app(devnet, home, owner)).service
    app = AlephApp(service, views=[TransferView])  # the signing site is all it needs

    def device_fault(key: Any, message: bytes) -> str:
        raw = key.secret  # as a library frame would: the raw key in a local
        raise RuntimeError(f"signing device fault on a {len(raw)}-byte key")

    def crash(title: str, exc: BaseException, retry: object = None) -> None:
        # As if nothing had caught it: the library's own exception, with its frames,
        # raised again in the app's message loop, which exits on it.
        original = exc.__context__
        assert isinstance(original, RuntimeError)

        def unhandled() -> None:
            raise original

        app.call_next(unhandled)

    monkeypatch.setattr(secp256k1, "sign_personal_with", device_fault)
    monkeypatch.setattr(app, "report_failure", crash)
    capsys.readouterr()
    with pytest.raises(RuntimeError, match="signing device fault"):
        async with app.run_test(size=SIZE) as pilot:
            await start_transfer(app, pilot, fresh_key().address, "5")
            await until(pilot, lambda: app.return_code == 1, "the crash")
    printed = capsys.readouterr()
    report = printed.err + printed.out
    assert "Traceback" in report and "device_fault" in report and "sign_buffer" in report
    assert not forms.in_text(report)


# --- refused before signing ------------------------------------------------------------------


async def test_dev_keys_on_a_mainnet_chain_id_and_a_chain_id_mismatch_are_refused(
    devnet: RunningDevnet, accounts: list[Any], memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    chain = await start_chain("anvil" if find_anvil() else "embedded", chain_id=1)
    mainnet = Network("mainnet", "http://127.0.0.1:9", rpc_url=chain.rpc_url, chain_id=1)
    gateway = ChainGateway(mainnet)
    try:
        dev = accounts[0]
        recipient = fresh_key().address
        nonce = await gateway.nonce(dev.address)
        plan = await gateway.build(dev.address, recipient, value=1)
        with pytest.raises(ChainError, match="public test key that anyone can use"):
            await gateway.sign(plan, Signer(dev.private_key))

        # The devnet's network (chain id 31337) pointed at that chain-id-1 node, from the
        # command line: one line, nothing signed, nothing sent.
        env = home_env(tmp_path, devnet.api_url) | {"ALEPH_PRIVATE_KEY": dev.private_key}
        args = ["credit", "buy", "--network", "devnet", "--rpc-url", chain.rpc_url]
        args += ["--token", "eth", "--amount", "0.001", "-y", "--json"]
        outcome = (await asyncio.to_thread(run_main, env, {"buy": args}))["buy"]
        assert outcome.returncode == 2 and outcome.stdout == ""
        assert outcome.stderr.count("\n") == 1
        assert "on chain id 1, but network devnet is chain id 31337; nothing was signed" in (
            outcome.stderr
        )
        assert await gateway.nonce(dev.address) == nonce
        assert Decimal(await gateway.chain_id()) == 1
    finally:
        await gateway.aclose()
        await chain.stop()
