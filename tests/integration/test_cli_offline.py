"""The headless commands keep the README's promises (a new user's findings, 2026-12-07):
``flow --cached`` reads nothing from the network and ``pending --list`` only shows the
journal, so both work with the devnet stopped; every subcommand takes --network.

Each test runs real processes against a devnet of its own, stopped where the test says.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from aleph_tui.core.journal.operation_journal import Journal, Operation
from tests.support.credit_helpers import cli_env, run_cli
from tests.support.devnet_process import RunningDevnet, start_devnet

BUYER = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"  # nobody's funds: only journaled
TX_HASH = "0x" + "ab" * 32


@pytest.fixture
def stopped_devnet(tmp_path: Path) -> Iterator[tuple[RunningDevnet, dict[str, str]]]:
    """A devnet and a home; the test stops the devnet when it wants it gone."""
    running = start_devnet(tmp_path / "devnet", "--chain", "embedded")
    try:
        yield running, cli_env(running.api_url, tmp_path / "home")
    finally:
        running.stop()


def test_flow_cached_and_pending_list_work_with_the_devnet_stopped(
    stopped_devnet: tuple[RunningDevnet, dict[str, str]], tmp_path: Path
) -> None:
    devnet, env = stopped_devnet
    online = run_cli(env, "flow", "--network", "devnet", "--json")
    assert online.returncode == 0, online.stderr
    journal = Journal(tmp_path / "home" / "data" / "aleph-tui" / "journal.sqlite3")
    op = journal.record(Operation("buy", "devnet", BUYER, "submitted", {"tx_hash": TX_HASH}))
    journal.close()

    devnet.stop()
    assert devnet.process.poll() is not None

    cached = run_cli(env, "flow", "--network", "devnet", "--cached", "--json")
    assert cached.returncode == 0, cached.stderr
    before, after = json.loads(online.stdout), json.loads(cached.stdout)
    assert after["contract"] == devnet.document["credit_contract"]
    assert after["totals"] == before["totals"]  # the same figures, from the cache alone
    assert after["sources"]["chain"]["stale"] and after["sources"]["credit_api"]["stale"]

    listed = run_cli(env, "pending", "--network", "devnet", "--list", "--json")
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["network"] == "devnet" and data["followed"] is False
    assert [o["id"] for o in data["operations"]] == [op.id]

    # A command that needs the network still says so, in one line (exit 1).
    followed = run_cli(env, "pending", "--network", "devnet")
    assert followed.returncode == 1 and "devnet unavailable" in followed.stderr
    assert len(followed.stderr.strip().splitlines()) == 1


def test_flow_cached_with_nothing_cached_says_what_to_run(tmp_path: Path) -> None:
    env = cli_env("http://127.0.0.1:9", tmp_path / "home")  # nothing listens there
    result = run_cli(env, "flow", "--network", "devnet", "--cached")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nothing cached for devnet yet" in lines[0], result.stderr
    assert "aleph-tui flow --network devnet" in lines[0]


def test_usage_threshold_takes_the_common_options(devnet: RunningDevnet, tmp_path: Path) -> None:
    """`usage threshold --network devnet 5000000` read 'devnet' as CREDITS (exit 2)."""
    env = cli_env(devnet.api_url, tmp_path / "home")
    address = ["--address", BUYER]
    result = run_cli(
        env, "usage", "threshold", "--network", "devnet", "5000000", *address, "--json"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["threshold"] == 5_000_000
    shown = run_cli(
        env, "usage", "threshold", *address, "--api-url", devnet.api_url, "--network", "devnet"
    )
    assert shown.returncode == 0, shown.stderr
    assert "5,000,000" in shown.stdout
