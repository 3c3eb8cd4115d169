"""Issue 13, Build §5 beyond the corpus: the transfer channel rule, the accounts file's
size and encoding, and the modes of what aleph-tui creates (0700 directories, 0600
files, existing directories left alone, the embedded devnet's log in the user's state
directory). Each was seen failing on the devnet before the fix.
"""

from __future__ import annotations

import json
import logging
import stat
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import pytest

from aleph_tui.core.accounts.account_manifest import Manifest, ManifestError
from aleph_tui.core.chain.log_cache import LogCache
from aleph_tui.core.networks import devnet_from_document
from aleph_tui.core.service import CreditService
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.views.transfer_view import TransferView
from tests.support.credit_helpers import (
    Key,
    cli_env,
    credits,
    fresh_key,
    funded_key,
    message_status,
    run_cli,
    seeded,
)
from tests.support.devnet_process import RunningDevnet
from tests.support.isolation import isolated
from tests.support.ui_app import build_app, shown, until, workers_done

SIZE = (160, 45)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _messages(api_url: str, sender: str) -> int:
    answer = httpx.get(
        f"{api_url}/api/v0/messages.json",
        params={"addresses": sender, "msgStatuses": "pending,processed,rejected"},
        timeout=10,
    )
    answer.raise_for_status()
    return int(answer.json()["pagination_total"])


@pytest.fixture
def sender(devnet: RunningDevnet, accounts: list[Any]) -> Key:
    return funded_key(devnet.api_url, seeded(accounts, 0), 1_000_000)


# --- the transfer channel ---------------------------------------------------------------


def test_another_channel_needs_force_and_is_reported_as_moving_no_credits(
    devnet: RunningDevnet, sender: Key, tmp_path: Path
) -> None:
    """Issue 13: `credit transfer --channel TEST -y` printed "Transferred 7 credits…
    processed" and exited 0, while the node stored a plain post."""
    recipient = fresh_key().address
    env = cli_env(devnet.api_url, tmp_path, sender.private_key)
    args = ["credit", "transfer", "--network", "devnet", "--to", recipient, "--amount", "7"]
    args += ["--channel", "TEST", "-y"]

    refused = run_cli(env, *args)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip() == (
        "aleph-tui: --channel: credits move only on ALEPH_CREDIT; on 'TEST' the transfer "
        "would be a plain post that moves no credits; pass --force-channel to post it anyway"
    )
    assert _messages(devnet.api_url, sender.address) == 0

    posted = run_cli(env, *args, "--force-channel", "--json")
    assert posted.returncode == 0, posted.stderr
    assert "warning: no credits will move" in posted.stderr
    data = json.loads(posted.stdout)
    assert (data["status"], data["credits_moved"], data["channel"]) == ("posted", False, "TEST")
    stored = message_status(devnet.api_url, data["item_hash"])
    assert stored is not None and stored["message"]["channel"] == "TEST"

    text = run_cli(env, *args, "--force-channel")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("Posted on channel TEST, no credits moved: ")
    assert "status     posted, no credits moved" in text.stdout
    assert "Transferred" not in text.stdout and "processed" not in text.stdout
    assert credits(devnet.api_url, recipient) == 0
    assert credits(devnet.api_url, sender.address) == 1_000_000

    # The journal tells the same story: posted, no credits moved (never "the credits
    # moved"), in the list and in its JSON.
    listed = run_cli(env, "pending", "--network", "devnet", "--list", "--all")
    assert listed.returncode == 0, listed.stderr
    assert "the credits moved" not in listed.stdout
    assert listed.stdout.count("posted on channel TEST: no credits moved") == 2
    as_json = run_cli(env, "pending", "--network", "devnet", "--list", "--all", "--json")
    summaries = [op["summary"] for op in json.loads(as_json.stdout)["operations"]]
    assert len(summaries) == 2
    assert all(s.endswith("posted on channel TEST: no credits moved") for s in summaries)


async def test_the_transfer_form_posts_another_channel_only_through_a_warning(
    devnet: RunningDevnet, sender: Key, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipient = fresh_key().address
    with isolated(tmp_path, monkeypatch):
        app = await build_app(devnet.document, tmp_path, accounts=0)
        await app.service.accounts.import_key("sender", sender.private_key)
        app.service.accounts.use("sender")
        async with app.run_test(size=SIZE) as pilot:
            app.action_open_view("transfer")
            view = app.query_one("#transfer", TransferView)
            await pilot.pause()
            view.field("to").value = recipient
            view.field("amount").value = "7"
            view.field("channel").value = "TEST"
            await pilot.pause()
            # Another channel is quoted only once its explicit tick is given.
            assert view.quote is None and "No credits will move" in shown(app)
            view.force_channel.value = True
            await until(pilot, lambda: view.quote is not None, "the live quote")
            view.field("amount").focus_input()
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SigningConfirmation), "the modal")
            modal = app.screen
            assert isinstance(modal, SigningConfirmation)
            assert modal.title_text == "Post on TEST: no credits will move"
            assert modal.confirm_label == "Post anyway"
            assert any("No credits will move" in w for w in modal.warnings)
            await pilot.press("y")
            await until(pilot, lambda: not view.busy, "the post", within=30)
            await workers_done(app)
            await pilot.pause()
            assert "Posted on TEST, no credits moved" in shown(app)
            assert "Transferred" not in shown(app)
    assert credits(devnet.api_url, recipient) == 0
    assert _messages(devnet.api_url, sender.address) == 1


# --- the accounts file ------------------------------------------------------------------


def test_a_huge_accounts_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """Issue 13: a 70 MB accounts.toml made `alias add` run past 2 minutes and use
    0.5 GB. It is refused from its size, in a blink, reading nothing."""
    manifest = tmp_path / "config" / "aleph" / "accounts.toml"
    manifest.parent.mkdir(parents=True)
    with manifest.open("wb") as handle:
        handle.truncate(70 * 1024 * 1024)  # sparse: 70 MB of zero bytes
    tracemalloc.start()
    try:
        with pytest.raises(ManifestError, match="larger than 1 MB"):
            Manifest(manifest)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024

    env = cli_env("http://127.0.0.1:9", tmp_path)
    result = run_cli(env, "account", "alias", "add", "pal", fresh_key().address, timeout=30)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().startswith(f"aleph-tui: {manifest} is larger than 1 MB")
    assert result.stderr.count("\n") == 1
    # Just over the limit, as TOML text: refused too.
    manifest.write_text("# " + "x" * (1024 * 1024) + "\n")
    with pytest.raises(ManifestError, match="larger than 1 MB"):
        Manifest(manifest)


def test_a_binary_accounts_file_is_named_in_the_error(tmp_path: Path) -> None:
    """Issue 13: a binary accounts.toml gave a codec error that did not name the file."""
    manifest = tmp_path / "config" / "aleph" / "accounts.toml"
    manifest.parent.mkdir(parents=True)
    manifest.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe" + bytes(range(256)))
    result = run_cli(cli_env("http://127.0.0.1:9", tmp_path), "account", "list")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == (
        f"aleph-tui: cannot read {manifest}: it is not UTF-8 text (byte 0); an accounts "
        "file is TOML text"
    )


# --- modes of what aleph-tui creates ------------------------------------------------------


def test_an_encrypted_import_on_a_fresh_home_leaves_only_private_modes(tmp_path: Path) -> None:
    """Issue 13: `account import --encrypted` on a fresh home left ~/.config/aleph 0755."""
    key = fresh_key()
    env = cli_env("http://127.0.0.1:9", tmp_path) | {
        "ALEPH_PASSWORD": "pw",
        "ALEPH_TUI_KDF": "pbkdf2",
    }
    imported = run_cli(
        env, "account", "import", "cold", "--encrypted", "--private-key", key.private_key
    )
    assert imported.returncode == 0, imported.stderr
    config = tmp_path / "config"
    for directory in (config, config / "aleph", config / "aleph" / "keystores"):
        assert mode(directory) == 0o700, directory
    for file in (config / "aleph" / "accounts.toml", config / "aleph" / "keystores/cold.json"):
        assert mode(file) == 0o600, file

    # An export: the folder keeps its mode, the file is 0600. A missing folder is bad
    # input (exit 2): an export creates no directory.
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    downloads.chmod(0o755)
    exported = run_cli(env, "account", "export", "cold", "-o", str(downloads), "--json")
    assert exported.returncode == 0, exported.stderr
    assert mode(Path(json.loads(exported.stdout)["path"])) == 0o600
    assert mode(downloads) == 0o755
    missing = run_cli(env, "account", "export", "cold", "-o", str(tmp_path / "new" / "x.json"))
    assert missing.returncode == 2 and not (tmp_path / "new").exists()

    # The low-balance threshold (the app's own config) too.
    saved = run_cli(
        env, "usage", "threshold", "5,000", "--address", key.address, "--json", timeout=30
    )
    assert saved.returncode == 0, saved.stderr
    threshold_file = Path(json.loads(saved.stdout)["file"])
    assert mode(threshold_file) == 0o600 and mode(threshold_file.parent) == 0o700


async def test_history_exports_and_the_log_cache_are_0600(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    service = CreditService(devnet_from_document(devnet.document))
    try:
        export = tmp_path / "history.csv"
        await service.export_history(accounts[2].address, export, "csv")
    finally:
        await service.aclose()
    assert mode(export) == 0o600
    cache = LogCache(
        tmp_path / "cache" / "logs.sqlite", address=accounts[0].address, topic0="0x0", start_block=0
    )
    cache.close()
    assert mode(tmp_path / "cache") == 0o700
    assert mode(tmp_path / "cache" / "logs.sqlite") == 0o600


def test_the_embedded_devnet_logs_in_the_user_s_state_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: `aleph-tui --devnet` logged to a fixed, world-readable
    /tmp/aleph-tui-devnet.log, the same for every user of the machine."""
    from aleph_tui.ui.devnet_session import log_to_state_dir

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        path = log_to_state_dir()
        logging.getLogger("aleph_tui.devnet").info("started")
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
    assert path == tmp_path / "state" / "aleph-tui" / "devnet.log"
    assert "started" in path.read_text()
    assert mode(path) == 0o600
    assert mode(path.parent) == mode(path.parent.parent) == 0o700
