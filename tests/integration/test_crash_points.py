"""Crash points, enumerated (issue 13): a real ``aleph-tui credit buy … -y`` (and
``credit transfer``) is killed with SIGKILL at every journal transition, then a real
``aleph-tui pending`` settles it. After each kill: exactly one payment (the account's
mined nonce moved by one; by none when killed before anything was sent, and then nothing
is reported), the credits arrived exactly once on the node, and the report is true.

The process is held at each point by ``core/crash_points.py`` (``ALEPH_TUI_TEST_PAUSE_AT``
and ``ALEPH_TUI_TEST_PAUSE_FILE``): it writes the file and blocks, so the kill lands
there without sleeps. One more point has no hook: "in flight", killed while the devnet
holds its ``eth_sendRawTransaction`` (a latency fault), then ``pending`` at once: the
payment that was reported "never sent" before this issue.

The devnet is ``records_none_devnet``: its Credit API keeps no record of these direct
payments, so every buy here also proves that credits-arrived comes from the node.

Every point runs on both chain engines (the whole matrix takes under a minute).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aleph_tui.core.crash_points import (
    BUY_POINTS,
    PAUSE_AT_ENV,
    PAUSE_FILE_ENV,
    TRANSFER_POINTS,
)
from tests.support import faults
from tests.support.credit_helpers import cli_env, credits, fresh_key, run_cli, start_cli, wait_until
from tests.support.devnet_process import RunningDevnet

IN_FLIGHT = "buy.in_flight"  # no hook: the devnet holds the send (a latency fault)
# Spelled out, as RELIABILITY.md lists them; checked against the hooks below.
BUY_CASES = (
    "buy.before_journal",
    "buy.signed",
    IN_FLIGHT,
    "buy.sent",
    "buy.submitted",
    "buy.confirmed",
    "buy.credits_seen",
)
TRANSFER_CASES = (
    "transfer.before_journal",
    "transfer.signed",
    "transfer.submitted",
    "transfer.posted",
)
# Buyers: a dev account per point, so no point waits on another's nonce or credits.
BUYERS = {point: 3 + i for i, point in enumerate(BUY_CASES)}
SENDERS = {point: i % 3 for i, point in enumerate(TRANSFER_CASES)}  # seeded: credits
BUY_USDC = "1"
BUY_CREDITS = 1_000_000  # 1 USDC at 1 USD, no bonus
TRANSFER_CREDITS = 4200
HOLD_MS = 8000  # the in-flight send's hold: `pending` runs well inside it
# Nothing was journaled at these points: `pending` has nothing to settle.
BEFORE_JOURNAL = frozenset({"buy.before_journal", "transfer.before_journal"})


def test_every_crash_point_is_killed_at() -> None:
    assert [p for p in BUY_CASES if p != IN_FLIGHT] == list(BUY_POINTS)
    assert TRANSFER_CASES == TRANSFER_POINTS


@pytest.fixture
def net(records_none_devnet: RunningDevnet) -> Iterator[RunningDevnet]:
    faults.clear(records_none_devnet.api_url)
    yield records_none_devnet
    faults.clear(records_none_devnet.api_url)


def _rpc(net: RunningDevnet, method: str, *params: Any) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    answer = httpx.post(net.rpc_url, json=body, timeout=10).json()
    assert "error" not in answer, answer
    return answer["result"]


def _mined_nonce(net: RunningDevnet, address: str) -> int:
    return int(_rpc(net, "eth_getTransactionCount", address, "latest"), 16)


def _kill_at(process: subprocess.Popen[str], pause_file: Path, point: str) -> None:
    """SIGKILL ``process`` once it holds at ``point`` (it wrote ``pause_file``)."""
    try:
        wait_until(
            lambda: pause_file.exists() or process.poll() is not None,
            timeout=90,
            what=f"the command to reach {point}",
        )
    finally:
        process.kill()
        out, err = process.communicate()
    assert pause_file.exists(), f"ended before {point}: {out} {err}"
    assert pause_file.read_text() == point


def _pending(env: dict[str, str], *extra: str) -> list[dict[str, Any]]:
    done = run_cli(env, "pending", "--network", "devnet", "--json", *extra, timeout=180)
    assert done.returncode == 0, done
    operations: list[dict[str, Any]] = json.loads(done.stdout)["operations"]
    return operations


def _env(net: RunningDevnet, home: Path, key: str, point: str | None) -> dict[str, str]:
    env = cli_env(net.api_url, home, key)
    for name in (PAUSE_AT_ENV, PAUSE_FILE_ENV):
        env.pop(name, None)
    if point is not None:
        env[PAUSE_AT_ENV] = point
        env[PAUSE_FILE_ENV] = str(home / "paused")
    return env


@pytest.mark.parametrize("point", BUY_CASES)
def test_a_buy_killed_at_each_point_is_paid_once_and_reported_truly(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path, point: str
) -> None:
    buyer = accounts[BUYERS[point]]
    nonce, before = _mined_nonce(net, buyer.address), credits(net.api_url, buyer.address)
    buy = ("credit", "buy", "--token", "usdc", "--amount", BUY_USDC)
    if point == IN_FLIGHT:
        hold = faults.inject(
            net.api_url,
            "latency",
            target="rpc",
            match="eth_sendRawTransaction",
            times=1,
            delay_ms=HOLD_MS,
        )
        process = start_cli(_env(net, tmp_path, buyer.private_key, None), *buy, capture=True)
        try:
            wait_until(  # the rule is used up once the send is held at the devnet
                lambda: (
                    all(r["id"] != hold for r in faults.rules(net.api_url))
                    or process.poll() is not None
                ),
                timeout=90,
                what="the send to reach the devnet",
            )
        finally:
            process.kill()
            process.communicate()
        assert _mined_nonce(net, buyer.address) == nonce  # still held: not mined yet
    else:
        process = start_cli(_env(net, tmp_path, buyer.private_key, point), *buy, capture=True)
        _kill_at(process, tmp_path / "paused", point)

    # At once, as a user would: a new process settles what the kill left.
    env = _env(net, tmp_path, buyer.private_key, None)
    journaled = _pending(env, "--list")
    operations = _pending(env)
    if point in BEFORE_JOURNAL:
        assert journaled == []
        assert operations == []  # nothing journaled, and truly nothing was sent:
        assert _mined_nonce(net, buyer.address) == nonce
        pending_nonce = int(_rpc(net, "eth_getTransactionCount", buyer.address, "pending"), 16)
        assert pending_nonce == nonce
        assert credits(net.api_url, buyer.address) == before
        return
    (op,) = operations
    tx_hash = op["tx_hash"]
    assert [o["tx_hash"] for o in journaled] == [tx_hash]  # the same transaction, not another
    assert (op["kind"], op["status"], op["open"]) == ("buy", "completed", False), op
    assert op["credits"] == BUY_CREDITS
    assert op["summary"] == (
        f"buy with {BUY_USDC} USDC (tx {tx_hash}): credits arrived: {BUY_CREDITS:,} credits"
    )
    # Exactly one payment, mined, and the credits exactly once on the node.
    assert _mined_nonce(net, buyer.address) == nonce + 1
    receipt = _rpc(net, "eth_getTransactionReceipt", tx_hash)
    assert receipt is not None and int(receipt["status"], 16) == 1
    assert credits(net.api_url, buyer.address) == before + BUY_CREDITS
    assert _pending(env, "--list") == []  # nothing left open
    # The direct payment left no Credit API record: the node alone said "arrived".
    records = httpx.get(
        net.credit_api_url + "/payment", params={"address": buyer.address}, timeout=10
    ).json()["data"]
    assert all(r["tx_hash"] != tx_hash for r in records)


@pytest.mark.parametrize("point", TRANSFER_CASES)
def test_a_transfer_killed_at_each_point_moves_the_credits_once(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path, point: str
) -> None:
    sender, recipient = accounts[SENDERS[point]], fresh_key().address
    before = credits(net.api_url, sender.address)
    process = start_cli(
        _env(net, tmp_path, sender.private_key, point),
        "credit",
        "transfer",
        "--to",
        recipient,
        "--amount",
        str(TRANSFER_CREDITS),
        capture=True,
    )
    _kill_at(process, tmp_path / "paused", point)

    env = _env(net, tmp_path, sender.private_key, None)
    journaled = _pending(env, "--list")
    operations = _pending(env)
    if point in BEFORE_JOURNAL:
        assert journaled == operations == []  # nothing journaled, and nothing posted:
        assert credits(net.api_url, recipient) == 0
        assert credits(net.api_url, sender.address) == before
        return
    (op,) = operations
    # The very message that was signed (same item hash), never a rebuilt one.
    assert [o["item_hash"] for o in journaled] == [op["item_hash"]]
    assert (op["kind"], op["status"], op["open"]) == ("transfer", "completed", False), op
    assert op["summary"] == (
        f"transfer of {TRANSFER_CREDITS:,} credits to {recipient} (message {op['item_hash']}): "
        "processed: the credits moved"
    )
    assert credits(net.api_url, recipient) == TRANSFER_CREDITS
    assert credits(net.api_url, sender.address) == before - TRANSFER_CREDITS
