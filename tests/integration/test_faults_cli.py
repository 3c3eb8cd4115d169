"""Headless commands under injected faults (issue 6): reads ride out what passes, what
does not pass is one plain line naming the service, and writes are never submitted
twice.

Everything runs on ``fault_devnet`` through ``aleph_tui.cli.main`` in-process
(``run_main``); the HTTP timeout is cut to half a second through
``ALEPH_TUI_HTTP_TIMEOUT``, so a hung node costs a second, not a minute. Dev accounts 4
(buys) and 1 (transfers, it holds credits); every test clears its rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import faults
from tests.support.credit_helpers import Outcome, cli_env, fresh_key, journal_states, run_main
from tests.support.devnet_process import RunningDevnet

BUYER = 4
SENDER = 1
FAST = {"ALEPH_TUI_HTTP_TIMEOUT": "0.5"}
# What each HTTP fault becomes once the retries are spent (the service named before it).
HTTP_FAULT_WORDS = {
    "http_500": "answered HTTP 500 (a server error) (3 tries)",
    "malformed_json": "answered with malformed JSON (3 tries)",
    "drop": "closed the connection without answering (3 tries)",
    "timeout": "did not answer within 0.5 s (3 tries)",
}


def delay(kind: str, ms: int) -> dict[str, int]:
    """``delay_ms`` for the kinds that take one."""
    return {"delay_ms": ms} if kind in ("latency", "timeout") else {}


@pytest.fixture
def net(fault_devnet: RunningDevnet) -> Iterator[RunningDevnet]:
    faults.clear(fault_devnet.api_url)
    yield fault_devnet
    faults.clear(fault_devnet.api_url)


def _env(net: RunningDevnet, home: Path, key: str | None = None, **extra: str) -> dict[str, str]:
    return cli_env(net.api_url, home, key) | FAST | extra


def _run(env: dict[str, str], *args: str) -> Outcome:
    return run_main(env, {"command": [*args, "--network", "devnet"]})["command"]


def _one_line_error(outcome: Outcome) -> str:
    """The failure as users see it: exit 1, one line on stderr, no traceback."""
    assert outcome.returncode == 1, outcome
    assert "Traceback" not in outcome.stderr
    lines = [line for line in outcome.stderr.strip().splitlines() if not line.startswith("[")]
    assert len(lines) == 1, outcome.stderr  # progress lines ("[signed] …") aside
    assert lines[0].startswith("aleph-tui: ")
    return lines[0]


def _nonce(net: RunningDevnet, address: str) -> int:
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_getTransactionCount"}
    answer = httpx.post(net.rpc_url, json=body | {"params": [address, "latest"]}, timeout=10)
    return int(answer.json()["result"], 16)


def _credits(net: RunningDevnet, address: str) -> int:
    answer = httpx.get(f"{net.api_url}/api/v0/addresses/{address}/balance", timeout=10)
    return int(answer.json().get("credit_balance") or 0) if answer.status_code == 200 else 0


@pytest.mark.parametrize("kind", [*HTTP_FAULT_WORDS, "latency"])
def test_a_passing_fault_is_ridden_out(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path, kind: str
) -> None:
    """One 500, one malformed body, one dropped or hung request: the read is retried and
    the balance comes out as if nothing happened."""
    address = accounts[SENDER].address
    faults.inject(net.api_url, kind, target="ccn", match="/balance", times=1, **delay(kind, 1000))
    outcome = _run(_env(net, tmp_path), "account", "balance", address, "--json")
    assert outcome.returncode == 0, outcome
    assert json.loads(outcome.stdout)["credits"] == _credits(net, address)
    assert faults.rules(net.api_url) == []  # the fault did act


@pytest.mark.parametrize("kind", list(HTTP_FAULT_WORDS))
def test_a_lasting_fault_is_one_plain_line(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path, kind: str
) -> None:
    address = accounts[SENDER].address
    faults.inject(net.api_url, kind, target="ccn", **delay(kind, 5000))
    commands = [["account", "balance", address, "--json"]]
    if kind == "http_500":
        commands.append(["credit", "history", "--address", address, "--json"])
    for args in commands:
        line = _one_line_error(_run(_env(net, tmp_path), *args))
        assert f"the Aleph API at {net.api_url} {HTTP_FAULT_WORDS[kind]}" in line
        assert line.endswith("try again in a moment")


def test_credit_api_down_stops_a_buy_before_signing(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    buyer = accounts[BUYER]
    nonce = _nonce(net, buyer.address)
    faults.inject(net.api_url, "http_500", target="credit")
    env = _env(net, tmp_path, buyer.private_key)
    line = _one_line_error(_run(env, "credit", "buy", "--token", "usdc", "--amount", "1", "-y"))
    assert f"cannot estimate the credits: the Credit API at {net.credit_api_url}" in line
    assert "HTTP 500" in line
    assert _nonce(net, buyer.address) == nonce and journal_states(tmp_path) == []


def test_rpc_down_stops_a_buy_before_signing(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    buyer = accounts[BUYER]
    nonce = _nonce(net, buyer.address)
    with faults.injected(net.api_url, "rpc_down", target="rpc"):
        env = _env(net, tmp_path, buyer.private_key)
        outcome = _run(env, "credit", "buy", "--token", "usdc", "--amount", "1", "-y", "--json")
    line = _one_line_error(outcome)
    assert f"the RPC node at {net.rpc_url} is down (HTTP 502" in line
    assert outcome.stdout == "" and journal_states(tmp_path) == []
    assert _nonce(net, buyer.address) == nonce


def test_a_lost_send_is_resent_once_as_the_same_transaction(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    """The node drops the first eth_sendRawTransaction, and reads answer 500, malformed
    JSON or nothing: reads are retried, the send is looked up by hash and the same bytes
    sent again, and the account pays exactly once."""
    buyer = accounts[BUYER]
    nonce, credits = _nonce(net, buyer.address), _credits(net, buyer.address)
    faults.inject(net.api_url, "drop", target="rpc", match="eth_sendRawTransaction", times=1)
    faults.inject(net.api_url, "http_500", target="rpc", match="eth_chainId", times=1)
    faults.inject(net.api_url, "malformed_json", target="rpc", match="eth_getBalance", times=1)
    faults.inject(
        net.api_url,
        "timeout",
        target="rpc",
        match="eth_maxPriorityFeePerGas",
        times=1,
        delay_ms=2000,
    )
    env = _env(net, tmp_path, buyer.private_key)
    outcome = _run(env, "credit", "buy", "--token", "usdc", "--amount", "1", "-y", "--json")
    assert outcome.returncode == 0, outcome
    result = json.loads(outcome.stdout)
    assert result["status"] == "completed"
    assert faults.rules(net.api_url) == []
    assert _nonce(net, buyer.address) == nonce + 1  # one transaction, not two
    assert _credits(net, buyer.address) == credits + result["credits_received"]
    (op,) = journal_states(tmp_path)
    assert op["status"] == "completed" and op["details"]["tx_hash"] == result["tx_hash"]


def test_nonce_conflict_sends_nothing_and_a_retry_takes_a_fresh_nonce(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    buyer = accounts[BUYER]
    env = _env(net, tmp_path, buyer.private_key)
    args = ("credit", "buy", "--token", "usdc", "--amount", "1", "-y", "--json")
    if _nonce(net, buyer.address) == 0:  # the fault acts on an account that sent before
        assert _run(env, *args).returncode == 0
    nonce, credits = _nonce(net, buyer.address), _credits(net, buyer.address)
    faults.inject(net.api_url, "nonce_conflict", target="rpc", times=1)
    line = _one_line_error(_run(env, *args))
    assert "nonce conflict" in line and "nothing was sent" in line
    assert _nonce(net, buyer.address) == nonce and _credits(net, buyer.address) == credits
    assert journal_states(tmp_path)[-1]["status"] == "failed"

    again = _run(env, *args)
    assert again.returncode == 0, again
    assert _nonce(net, buyer.address) == nonce + 1


def test_a_reverted_buy_is_failed_with_its_reason_and_brings_no_credits(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    """The transaction is mined and reverts on chain: one line with the chain's own reason,
    the journal closes it as failed, and no credits arrive."""
    buyer = accounts[BUYER]
    env = _env(net, tmp_path, buyer.private_key)
    credits = _credits(net, buyer.address)
    with faults.injected(net.api_url, "revert", target="rpc"):
        line = _one_line_error(
            _run(env, "credit", "buy", "--token", "usdc", "--amount", "1", "-y", "--json")
        )
    assert "reverted" in line and "ERC20: insufficient balance" in line
    assert "no credits will arrive" in line
    (op,) = journal_states(tmp_path)
    assert op["status"] == "failed" and "ERC20: insufficient balance" in op["error"]
    followed = _run(env, "pending", "--list", "--json")
    assert json.loads(followed.stdout)["operations"] == []
    assert _credits(net, buyer.address) == credits


def test_a_missing_receipt_leaves_the_buy_followed(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    """No receipt before the deadline: the buy is pending with its hash and how it will
    be followed; once receipts come back, ``aleph-tui pending`` brings the credits."""
    buyer = accounts[BUYER]
    env = _env(net, tmp_path, buyer.private_key, ALEPH_TUI_RECEIPT_TIMEOUT="1")
    with faults.injected(net.api_url, "receipt_never", target="rpc"):
        outcome = _run(env, "credit", "buy", "--token", "usdc", "--amount", "1", "-y", "--json")
    assert outcome.returncode == 0, outcome
    result = json.loads(outcome.stdout)
    assert result["status"] == "pending" and result["credits_received"] is None
    tx = result["tx_hash"]
    assert f"no receipt for transaction {tx} within 1 s" in outcome.stderr
    assert "it will be followed (`aleph-tui pending`" in outcome.stderr

    followed = _run(env, "pending", "--json")
    assert followed.returncode == 0, followed
    (op,) = json.loads(followed.stdout)["operations"]
    assert (op["tx_hash"], op["status"], op["open"]) == (tx, "completed", False)
    assert op["credits"] > 0 and op["summary"].endswith(
        f"credits arrived: {op['credits']:,} credits"
    )
    assert json.loads(_run(env, "pending", "--list", "--json").stdout)["operations"] == []


def test_a_lost_post_is_reposted_once_as_the_same_message(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    """The node drops the transfer's POST: the client asks for the item hash, posts the
    same signed message again, and the recipient gets the credits once."""
    recipient = fresh_key().address
    env = _env(net, tmp_path, accounts[SENDER].private_key)
    faults.inject(net.api_url, "drop", target="ccn", match="/api/v0/messages", times=1)
    outcome = _run(env, "credit", "transfer", "--to", recipient, "--amount", "7000", "-y", "--json")
    assert outcome.returncode == 0, outcome
    assert json.loads(outcome.stdout)["status"] == "processed"
    assert faults.rules(net.api_url) == []
    assert _credits(net, recipient) == 7000  # not 14000
    (op,) = journal_states(tmp_path)
    assert op["status"] == "completed"


def test_a_transfer_the_node_holds_is_settled_later(
    net: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    recipient = fresh_key().address
    env = _env(net, tmp_path, accounts[SENDER].private_key, ALEPH_TUI_FOLLOW_TIMEOUT="0.5")
    args = ("credit", "transfer", "--to", recipient, "--amount", "9000", "-y", "--json")
    with faults.injected(net.api_url, "accept_202", target="ccn"):
        outcome = _run(env, *args)
        assert outcome.returncode == 0, outcome
        assert json.loads(outcome.stdout)["status"] == "pending"
        assert "still pending on the node; the journal keeps it" in outcome.stderr
        listed = json.loads(_run(env, "pending", "--list", "--json").stdout)["operations"]
        assert [op["status"] for op in listed] == ["submitted"]
    followed = _run(env | {"ALEPH_TUI_FOLLOW_TIMEOUT": "20"}, "pending", "--json")
    (op,) = json.loads(followed.stdout)["operations"]
    assert op["status"] == "completed", op
    assert op["summary"].endswith("processed: the credits moved")
    assert _credits(net, recipient) == 9000
