"""``aleph-tui account …`` run as a user would: real subprocesses, a keyring kept in a test
file (tests.support.keyring_backend.FileKeyring), and the XDG directories in tmp_path."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support.isolation import isolated_env
from tests.support.keyring_backend import FILE_ENV

ROOT = Path(__file__).resolve().parents[2]
KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
OTHER_KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
OTHER_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
TREASURY = "0x000000000000000000000000000000000000dEaD"
MANIFEST = f"""\
default = "main"

[[accounts]]
name = "main"
chain = "ETH"
address = "{ADDRESS}"
kind = "local"

[[aliases]]
name = "treasury"
address = "{TREASURY}"
"""


class Cli:
    def __init__(self, tmp_path: Path, backend: str = "tests.support.keyring_backend.FileKeyring"):
        self.home = tmp_path
        self.work = tmp_path / "work"
        self.work.mkdir()
        self.keyring_file = tmp_path / "keyring.json"
        self.manifest = tmp_path / "config" / "aleph" / "accounts.toml"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ALEPH_")}
        self.env.update(
            isolated_env(tmp_path), PYTHON_KEYRING_BACKEND=backend, PYTHONPATH=str(ROOT)
        )
        self.env[FILE_ENV] = str(self.keyring_file)
        self.outputs: list[str] = []

    def __call__(
        self, *args: str, stdin: str = "", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "aleph_tui", "account", *args],
            input=stdin,
            env=self.env | (env or {}),
            cwd=self.work,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        self.outputs += [result.stdout, result.stderr]
        return result

    def ok(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Any:
        result = self(*args, "--json", stdin=stdin, env=env)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def keyring(self) -> dict[str, str]:
        if not self.keyring_file.exists():
            return {}
        data: dict[str, str] = json.loads(self.keyring_file.read_text())
        return data

    def seed(self) -> None:
        self.manifest.parent.mkdir(parents=True)
        self.manifest.write_text(MANIFEST)
        self.keyring_file.write_text(json.dumps({"cloud.aleph.cli/main": KEY}))

    def assert_keys_nowhere_but_the_keyring(self, *keys: str) -> None:
        for key in keys:
            for text in self.outputs:
                assert key not in text.lower()
            for path in self.home.rglob("*"):
                if path.is_file() and path != self.keyring_file:
                    assert key.encode() not in path.read_bytes().lower(), path


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_every_command_round_trips_with_stable_json(cli: Cli) -> None:
    assert cli.ok("list") == []
    assert cli.ok("import", "main", stdin=KEY + "\n") == {
        "name": "main",
        "chain": "ETH",
        "address": ADDRESS,
        "kind": "local",
        "default": True,
    }
    assert cli.keyring() == {"cloud.aleph.cli/main": KEY}  # as the aleph CLI stores it
    spare = cli.ok("create", "spare")
    assert spare["kind"] == "local" and spare["default"] is False
    assert cli.ok("alias", "add", "treasury", TREASURY.lower()) == {
        "name": "treasury",
        "address": TREASURY,
    }
    assert cli.ok("list") == [
        {"name": "main", "chain": "ETH", "address": ADDRESS, "kind": "local", "default": True},
        {"name": "spare", "chain": "ETH", "address": spare["address"], "kind": "local"}
        | {"default": False},
        {"name": "treasury", "address": TREASURY, "kind": "alias"},
    ]
    assert cli.ok("use", "spare") == {"default": "spare", "address": spare["address"]}
    assert cli.ok("alias", "list") == [{"name": "treasury", "address": TREASURY}]

    exported = cli.ok("export", "main", env={"ALEPH_PASSWORD": "pw"})
    path = cli.work / "main.json"
    assert exported == {"name": "main", "address": ADDRESS, "path": str(path)}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["address"] == ADDRESS[2:].lower()

    assert cli.ok("alias", "remove", "treasury") == {"removed": "treasury"}
    assert cli.ok("remove", "main", "-y") == {"removed": "main", "default": "spare"}
    assert list(cli.keyring()) == ["cloud.aleph.cli/spare"]
    assert stat.S_IMODE(cli.manifest.stat().st_mode) == 0o600
    cli.assert_keys_nowhere_but_the_keyring(KEY, cli.keyring()["cloud.aleph.cli/spare"])


def test_import_from_files_and_encrypted(cli: Cli, tmp_path: Path) -> None:
    from eth_account import Account

    keystore = tmp_path / "wallet.json"
    keystore.write_text(
        json.dumps(Account.encrypt(bytes.fromhex(KEY), "pw", kdf="scrypt", iterations=16))
    )
    password = {"ALEPH_PASSWORD": "pw"}
    imported = cli.ok("import", "fromks", "--from-file", str(keystore), env=password)
    assert imported["kind"] == "local" and imported["address"] == ADDRESS
    kept = cli.ok("import", "kept", "--from-file", str(keystore), "--encrypted", env=password)
    assert kept["kind"] == "encrypted"

    # aleph-client's default home, under XDG_DATA_HOME when ALEPH_CONFIG_HOME is unset.
    del cli.env["ALEPH_CONFIG_HOME"]
    legacy = tmp_path / "data" / ".aleph-im" / "private-keys"
    legacy.mkdir(parents=True)
    (legacy / "ethereum.key").write_bytes(bytes.fromhex(OTHER_KEY))
    assert cli.ok("import", "old", "--legacy")["address"] == OTHER_ADDRESS
    enc = cli.ok("import", "enc", "--encrypted", stdin=f"0x{OTHER_KEY}", env=password)
    assert enc == {
        "name": "enc",
        "chain": "ETH",
        "address": OTHER_ADDRESS,
        "kind": "encrypted",
        "default": False,
    }
    assert sorted(cli.keyring()) == ["cloud.aleph.cli/fromks", "cloud.aleph.cli/old"]
    listed = cli("list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["NAME", "CHAIN", "ADDRESS", "TYPE"]
    assert lines[1].split() == ["*", "fromks", "ETH", ADDRESS, "local"]
    assert lines[4].split() == ["enc", "ETH", OTHER_ADDRESS, "encrypted"]
    cli.assert_keys_nowhere_but_the_keyring(KEY, OTHER_KEY)


BAD_INPUT = [
    (["create", "my wallet"], "", 2, "name: may contain only letters, digits, '-' and '_'"),
    (["create", "main"], "", 2, "account 'main' already exists"),
    (["import", "x"], "not-a-key\n", 2, "private key: must be 64 hexadecimal digits"),
    (["import", "x"], KEY[:-2] + "\n", 2, "private key: must be 64 hexadecimal digits"),
    (["import", "x"], "", 2, "no private key"),
    (["import", "treasury"], KEY, 2, "'treasury' is already an alias"),
    (["use", "nobody"], "", 2, "account 'nobody' not found"),
    (["remove", "nobody", "-y"], "", 2, "account 'nobody' not found"),
    (["export", "nobody"], "", 2, "account 'nobody' not found"),
    (["alias", "add", "main", TREASURY], "", 2, "account 'main' already exists"),
    (["alias", "add", "t2", "0x1234"], "", 2, "address: must be 0x followed by 40"),
    (["alias", "remove", "nobody"], "", 2, "alias 'nobody' not found"),
    (["import", "x", "--legacy"], "", 1, "no aleph-client key (*.key) found"),
    (
        ["import", "x", "--from-file", "/nonexistent"],
        "",
        2,
        "--from-file: /nonexistent does not exist",
    ),
]


def test_bad_input_is_one_line_on_stderr_and_changes_nothing(cli: Cli) -> None:
    cli.seed()
    # None of them may change the store, so they run side by side to save time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda case: cli(*case[0], stdin=case[1]), BAD_INPUT))
    for (args, _stdin, code, message), result in zip(BAD_INPUT, results, strict=True):
        case = " ".join(args)
        assert result.returncode == code, (case, result.stderr)
        assert result.stdout == "", case
        assert len(result.stderr.strip().splitlines()) == 1, (case, result.stderr)
        assert "Traceback" not in result.stderr, case
        assert message in result.stderr, (case, result.stderr)
    assert cli.manifest.read_text() == MANIFEST
    assert cli.keyring() == {"cloud.aleph.cli/main": KEY}
    cli.assert_keys_nowhere_but_the_keyring(KEY)


def test_remove_without_a_terminal_or_yes_refuses(cli: Cli) -> None:
    cli.seed()
    result = cli("remove", "main")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "aleph-tui: no terminal to confirm on, so nothing was removed; pass -y to confirm"
    )
    assert cli.manifest.read_text() == MANIFEST
    assert cli.keyring() == {"cloud.aleph.cli/main": KEY}


def test_without_a_keyring_the_key_is_refused_unless_encrypted(tmp_path: Path) -> None:
    cli = Cli(tmp_path, backend="keyring.backends.fail.Keyring")
    result = cli("import", "main", stdin=KEY)
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "NoKeyringError" in result.stderr and "--encrypted" in result.stderr
    assert not (tmp_path / "config").exists()

    refused = cli("import", "main", "--encrypted", stdin=KEY)  # no password, no terminal
    assert refused.returncode == 1 and "ALEPH_PASSWORD" in refused.stderr
    created = cli.ok("import", "main", "--encrypted", stdin=KEY, env={"ALEPH_PASSWORD": "pw"})
    assert created["kind"] == "encrypted" and created["address"] == ADDRESS
    assert (tmp_path / "config" / "aleph" / "keystores" / "main.json").exists()
    cli.assert_keys_nowhere_but_the_keyring(KEY)


def test_an_export_to_a_missing_directory_or_an_existing_file_is_bad_input(cli: Cli) -> None:
    """A new user's finding (2026-12-07): `account export dev2 -o /nonexistent/dir/x.json`
    exited 0 and created the directories; over an existing file it exited 1, while
    `credit history --all --output` exits 2 for the same mistake."""
    cli.seed()
    password = {"ALEPH_PASSWORD": "pw"}
    missing = cli.home / "missing" / "dir" / "x.json"
    taken = cli.work / "taken.json"
    taken.write_text("mine\n")
    for dest, rule in (
        (missing, f"the directory '{missing.parent}' does not exist"),
        (taken, "already exists; choose another name"),
    ):
        result = cli("export", "main", "-o", str(dest), env=password)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and result.stdout == "", result.stderr
        assert lines[0].startswith("aleph-tui account export: --output: ") and rule in lines[0]
    assert not (cli.home / "missing").exists()  # nothing created on the way
    assert taken.read_text() == "mine\n"
    cli.assert_keys_nowhere_but_the_keyring(KEY)
