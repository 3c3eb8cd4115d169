"""``aleph-tui credit buy`` as a user runs it: a subprocess against the devnet.

The key comes from ``ALEPH_PRIVATE_KEY`` (a public dev key, which the devnet accepts);
the journal goes to a temporary data directory. Dev accounts 5–9 only.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
import pytest

from aleph_tui.core.journal.operation_journal import Journal
from tests.support.credit_helpers import cli_env
from tests.support.devnet_process import RunningDevnet
from tests.support.wallet_client import credit_balance, rpc, token_balance

JSON_KEYS = [
    "token",
    "amount",
    "estimated_credits",
    "min_credits",
    "price_usd",
    "bonus_ratio",
    "recipient",
    "tx_hash",
    "credits_received",
    "status",
]


def buy(
    devnet: RunningDevnet, key: str, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    env = cli_env(devnet.api_url, tmp_path, key)
    return subprocess.run(
        [sys.executable, "-m", "aleph_tui", "credit", "buy", "--network", "devnet", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=90,
        check=False,
    )


async def _state(devnet: RunningDevnet, address: str) -> tuple[int, int, int]:
    """(pending nonce, USDC base units, credits) of ``address``."""
    async with httpx.AsyncClient(timeout=10) as client:
        nonce = await rpc(client, devnet.rpc_url, "eth_getTransactionCount", address, "pending")
        usdc = await token_balance(client, devnet.rpc_url, devnet.document["usdc_token"], address)
        credits = await credit_balance(client, devnet.api_url, address)
    return int(nonce, 16), usdc, credits


def _journal(tmp_path: Path) -> list[dict[str, Any]]:
    """Every step the journal recorded, in order."""
    path = tmp_path / "data" / "aleph-tui" / "journal.sqlite3"
    if not path.exists():
        return []
    journal = Journal(path)
    return [asdict(step) for op in journal.operations() for step in journal.history(op.id)]


async def test_buy_with_yes_and_json(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    buyer = accounts[5]
    nonce, usdc, credits = await _state(devnet, buyer.address)

    result = buy(
        devnet, buyer.private_key, tmp_path, "--token", "usdc", "--amount", "2.5", "-y", "--json"
    )

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == JSON_KEYS
    assert data["token"] == "USDC"
    assert data["amount"] == "2.5"
    assert data["estimated_credits"] == 2_500_000
    assert data["min_credits"] == 2_500_000  # USDC is pegged: exactly the estimate
    assert data["price_usd"] == "1"
    assert data["bonus_ratio"] == "0"
    assert data["recipient"] == devnet.document["credit_contract"]
    assert data["status"] == "completed"
    assert data["credits_received"] == 2_500_000
    assert data["tx_hash"].startswith("0x") and len(data["tx_hash"]) == 66
    steps = [line.split("]")[0] + "]" for line in result.stderr.splitlines()]
    assert steps == ["[signed]", "[sent]", "[confirmed]", "[credits_received]"]
    assert buyer.private_key[2:] not in result.stdout + result.stderr

    new_nonce, new_usdc, new_credits = await _state(devnet, buyer.address)
    assert new_nonce == nonce + 1
    assert usdc - new_usdc == 2_500_000
    assert new_credits - credits == 2_500_000  # recorded as COMPLETED: already on the node
    statuses = [entry["status"] for entry in _journal(tmp_path)]
    assert statuses == ["signed", "submitted", "confirmed", "completed"]


async def test_human_output_and_dry_run(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    buyer = accounts[6]
    before = await _state(devnet, buyer.address)

    result = buy(
        devnet, buyer.private_key, tmp_path, "--token", "ALEPH", "--amount", "5", "-y", "--dry-run"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Dry run: signed 0x")
    assert "nothing was sent" in result.stdout
    summary = result.stderr
    for expected in (
        "Buy credits on devnet (chain id 31337)",
        f"from         {buyer.address}",
        f"recipient    {devnet.document['credit_contract']}",
        f"token        ALEPH {devnet.document['aleph_token']}",
        "amount       5 ALEPH (5,000,000,000,000,000,000 base units, worth $0.50)",
        "network fee  at most ",
        "nonce        ",
        # The credits' worth (600 000 credits are $0.60), not the $0.50 paid.
        "credits      ≈ 600,000, 100,000 bonus, worth $0.60",
    ):
        assert expected in summary
    # The fee in its token and in USD (issue 16: "a fee with no USD value")
    assert re.search(r"network fee  at most [0-9.,]+ ETH \(\$[0-9.,]+\) \(gas ", summary), summary
    assert await _state(devnet, buyer.address) == before
    assert _journal(tmp_path) == []

    as_json = buy(
        devnet,
        buyer.private_key,
        tmp_path,
        "--token",
        "eth",
        "--amount",
        "0.01",
        "--dry-run",  # no -y and no terminal: a dry run sends nothing, so nothing to confirm
        "--json",
    )
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    # The signed transaction's hash, for a script to compare with what it sends later.
    assert data["dry_run"] is True and re.fullmatch(r"0x[0-9a-f]{64}", data["tx_hash"])
    assert (data["status"], data["credits_received"]) == ("dry_run", None)
    assert data["estimated_credits"] == 30_000_000
    assert await _state(devnet, buyer.address) == before


async def test_without_yes_and_no_terminal_nothing_is_signed(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    buyer = accounts[7]
    before = await _state(devnet, buyer.address)

    result = buy(devnet, buyer.private_key, tmp_path, "--token", "usdc", "--amount", "1")

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nothing was signed" in lines[0]
    assert await _state(devnet, buyer.address) == before
    assert _journal(tmp_path) == []


@pytest.mark.parametrize(
    ("token", "amount", "message"),
    [
        ("btc", "1", "invalid choice: 'btc'"),
        ("usdc", "abc", "amount: 'abc' is not a number"),
        ("usdc", "1.0000001", "amount: must have at most 6 decimals for USDC"),
        ("aleph", "0", "amount: must be greater than zero"),
        ("eth", "-1", "amount: takes no sign; it must be greater than zero"),
        # Transfer's rule: no exponent (Buy read 1e3 as 1000 ALEPH)
        ("aleph", "1e3", "--amount: takes no exponent; write the digits out"),
    ],
)
async def test_bad_input_exits_2_with_one_line(
    devnet: RunningDevnet,
    accounts: list[Any],
    tmp_path: Path,
    token: str,
    amount: str,
    message: str,
) -> None:
    buyer = accounts[8]
    before = await _state(devnet, buyer.address)

    result = buy(devnet, buyer.private_key, tmp_path, "--token", token, "--amount", amount, "-y")

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert await _state(devnet, buyer.address) == before


async def test_more_than_the_balance_is_refused(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    buyer = accounts[9]
    before = await _state(devnet, buyer.address)

    result = buy(
        devnet, buyer.private_key, tmp_path, "--token", "usdc", "--amount", "10000000", "-y"
    )

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "Required 10,000,000 USDC, available " in lines[0]
    assert await _state(devnet, buyer.address) == before
