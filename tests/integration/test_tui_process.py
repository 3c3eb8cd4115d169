"""``aleph-tui`` as a user starts it: a process in a terminal, on the devnet, until the
active account's credit balance is on screen (bench/terminal.py reads the terminal)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from bench.b2_tui_start import write_accounts
from bench.terminal import seconds_until_painted
from tests.support.devnet_process import RunningDevnet
from tests.support.isolation import isolated_env

DEAD_URL = "http://127.0.0.1:9"  # the discard port: nothing listens there


def user_env(home: Path, api_url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ALEPH", "TEXTUAL"))},
        **isolated_env(home),
        "ALEPH_DEVNET_URL": api_url,
    }


def test_the_dashboard_paints_the_balance_of_the_default_account(
    devnet: RunningDevnet, tmp_path: Path
) -> None:
    address = devnet.document["accounts"][0]["address"]
    write_accounts(tmp_path / "config", address)
    with urllib.request.urlopen(f"{devnet.api_url}/api/v0/addresses/{address}/balance") as r:
        credits = int(json.load(r)["credit_balance"])
    painted = re.compile(f"Credits {credits:,}".encode())
    command = [sys.executable, "-m", "aleph_tui", "--network", "devnet"]
    assert seconds_until_painted(command, painted, user_env(tmp_path, devnet.api_url)) < 60


def test_an_unreachable_devnet_is_one_line_and_a_failure(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aleph_tui", "--network", "devnet"],
        env=user_env(tmp_path, DEAD_URL),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


# Run as the program: records which heavy modules are loaded when the frame holding the
# credits is written to the terminal (Textual writes its frames to ``sys.__stderr__``; the
# stream is wrapped, nothing in Textual is hooked), then lets aleph-tui carry on as usual.
FIRST_FRAME_PROBE = """
import json, sys

report = sys.argv.pop(1)
terminal = sys.__stderr__

class Watched:
    done = False

    def write(self, text):
        if not self.done and "Credits" in text:
            self.done = True
            loaded = sorted(m for m in ("tomlkit", "web3") if m in sys.modules)
            with open(report, "w") as out:
                json.dump(loaded, out)
        return terminal.write(text)

    def __getattr__(self, name):
        return getattr(terminal, name)

sys.__stderr__ = Watched()
sys.argv[0] = "aleph-tui"
from aleph_tui.cli import main
sys.exit(main())
"""


def test_the_first_frame_is_painted_before_web3_and_tomlkit_load(
    devnet: RunningDevnet, tmp_path: Path
) -> None:
    """Start-up's budget (bench row 2): the chain stack (web3) loads for a transaction
    only, and tomlkit for the first edit of the account store only."""
    address = devnet.document["accounts"][0]["address"]
    write_accounts(tmp_path / "config", address)
    report = tmp_path / "loaded.json"
    command = [sys.executable, "-c", FIRST_FRAME_PROBE, str(report), "--network", "devnet"]
    seconds_until_painted(command, re.compile(b"Credits"), user_env(tmp_path, devnet.api_url))
    assert json.loads(report.read_text()) == []
