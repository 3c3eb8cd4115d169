"""``aleph-tui account watch / unwatch``, run as a user would (real subprocesses, the XDG
directories in tmp_path): aleph-tui's own file, and the aleph CLI's manifest untouched and
still what the CLI's serde structs accept."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

from tests.integration.test_cli_account import ADDRESS, KEY, MANIFEST, TREASURY, Cli

COLD = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
# aleph-rs ``AccountKind``: the only kinds the official CLI can read back.
CLI_KINDS = ("local", "ledger", "keystore")


def assert_cli_manifest(text: str) -> None:
    """What aleph-rs's ``AccountsManifest`` deserialises (unknown keys are ignored)."""
    data = tomllib.loads(text)
    assert isinstance(data.get("default", ""), str)
    for entry in data.get("accounts", []):
        assert all(isinstance(entry[f], str) for f in ("name", "chain", "address", "kind"))
        assert entry["kind"] in CLI_KINDS
    for entry in data.get("aliases", []):
        assert isinstance(entry["name"], str) and isinstance(entry["address"], str)


def test_watch_list_and_unwatch_keep_the_cli_manifest_as_it_was(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.seed()

    assert cli.ok("watch", "cold", COLD.lower()) == {
        "name": "cold",
        "address": COLD,
        "kind": "watch-only",
    }
    assert cli.ok("list") == [
        {"name": "main", "chain": "ETH", "address": ADDRESS, "kind": "local", "default": True},
        {"name": "treasury", "address": TREASURY, "kind": "alias"},
        {"name": "cold", "chain": "ETH", "address": COLD, "kind": "watch-only", "default": False},
    ]
    text = cli("list").stdout.splitlines()
    assert text[-1].split() == ["cold", "ETH", COLD, "watch-only"]

    assert cli.manifest.read_text() == MANIFEST  # never in the aleph CLI's file
    assert_cli_manifest(cli.manifest.read_text())
    watched = tmp_path / "config" / "aleph-tui" / "watched.toml"
    assert tomllib.loads(watched.read_text()) == {"watched": [{"name": "cold", "address": COLD}]}
    assert stat.S_IMODE(watched.stat().st_mode) == 0o600

    # A key for another account still goes to the CLI's file, which stays readable.
    cli.ok(
        "import", "second", stdin="ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
    )
    assert_cli_manifest(cli.manifest.read_text())
    assert "cold" not in cli.manifest.read_text()

    assert cli.ok("unwatch", "cold") == {"removed": "cold"}
    assert cli.ok("list")[-1]["name"] == "treasury"
    cli.assert_keys_nowhere_but_the_keyring(KEY)


def test_a_watched_account_is_refused_what_needs_a_key(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.seed()
    cli.ok("watch", "cold", COLD)
    for args in (["export", "cold"], ["use", "cold"], ["remove", "cold", "-y"]):
        result = cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.strip() == (
            "aleph-tui: NAME: 'cold' is a watch-only account: it has no key, so it cannot "
            "sign (buy, transfer), be exported or be the default (`aleph-tui account unwatch "
            "cold` removes it)"
        )
    for args, message in (
        (["watch", "main", COLD], "account 'main' already exists"),
        (["watch", "treasury", COLD], "'treasury' is already an alias"),
        (["create", "cold"], "'cold' is already a watch-only account"),
        (["alias", "add", "cold", TREASURY], "'cold' is already a watch-only account"),
        (["watch", "x", "0x1234"], "ADDRESS: must be 0x followed by 40"),
        # An address once: not a second name for a watched one, nor for one with a key.
        (["watch", "dave", COLD.lower()], f"ADDRESS: {COLD} is already watched as cold"),
        (["watch", "mine", ADDRESS.lower()], f"ADDRESS: {ADDRESS} is your account main"),
        (["unwatch", "nobody"], "no watch-only account 'nobody'"),
    ):
        result = cli(*args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
    assert cli.manifest.read_text() == MANIFEST
