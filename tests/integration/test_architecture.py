"""The layering and start-up rules of the developers' guide, checked on every run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.credit_helpers import cli_env
from tests.support.devnet_process import RunningDevnet

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_command_line_imports_no_heavy_modules() -> None:
    probe = (
        "import sys, aleph_tui.cli, aleph_tui.core.service; "
        "print(sorted(m for m in ('web3', 'textual', 'eth_account', 'aiohttp') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_bad_arguments_give_one_line_and_no_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aleph_tui", "devnet", "--port", "70000"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert "--port" in result.stderr


def test_read_only_credit_commands_import_no_signing_or_ui_modules(
    devnet: RunningDevnet, tmp_path: Path
) -> None:
    """``account balance``, ``credit history`` and ``credit summary`` run to completion
    against the devnet without importing web3, eth_account or textual."""
    address = str(devnet.document["accounts"][2]["address"])
    commands = [
        ["account", "balance", address, "--network", "devnet", "--json"],
        ["credit", "history", "--address", address, "--network", "devnet", "--json"],
        ["credit", "summary", "--address", address, "--network", "devnet", "--json"],
    ]
    probe = (
        "import io, json, sys, contextlib\n"
        "from aleph_tui.cli import main\n"
        "codes = []\n"
        "for args in json.loads(sys.argv[1]):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        codes.append(main(args))\n"
        "heavy = ('web3', 'textual', 'eth_account', 'eth_keyfile', 'aiohttp')\n"
        "print(json.dumps([codes, sorted(m for m in heavy if m in sys.modules)]))\n"
    )
    env = cli_env(devnet.api_url, tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(commands)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [[0, 0, 0], []], result.stderr
