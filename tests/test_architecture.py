"""The layering and start-up rules of the developers' guide, checked on every run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
