"""``aleph-tui devnet`` as a process: its ready line, accounts, options and state.

Everything here drives the real command in a subprocess (tests/support/devnet_process.py)
and talks to it only over HTTP and JSON-RPC, as a user's tools would.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from eth_utils.address import is_checksum_address

from aleph_tui.core.aleph.messages import (
    CREDIT_TRANSFER,
    build_post_message,
    credit_transfer_content,
)
from tests.conftest import require_anvil
from tests.support.devnet_process import RunningDevnet, start_devnet
from tests.support.wallet_client import (
    credit_balance,
    expected_credits,
    pay,
    rpc,
    token_balance,
    units_of,
    wait_credit_change,
)

DOCUMENTED_KEYS = (
    "api_url",
    "credit_api_url",
    "rpc_url",
    "chain_rpc_url",
    "chain_id",
    "credit_contract",
    "aleph_token",
    "usdc_token",
    "accounts",
)
# The accounts of the public "test test … junk" mnemonic: anvil's and Hardhat's defaults.
WELL_KNOWN_ACCOUNTS = (
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
)
HISTORY_ENTRIES = 1000
TRANSFER_CREDITS = 3_000_000


def test_ready_line_has_every_documented_key(devnet: RunningDevnet) -> None:
    document = devnet.document
    missing = [key for key in DOCUMENTED_KEYS if key not in document]
    assert not missing, f"ready line lacks {missing}"
    for key in ("api_url", "credit_api_url", "rpc_url"):
        assert urlsplit(document[key]).scheme == "http"
    assert document["credit_api_url"] == document["api_url"] + "/credit/api/v0"
    assert isinstance(document["chain_id"], int)
    for key in ("credit_contract", "aleph_token", "usdc_token"):
        assert is_checksum_address(document[key]), key
    assert len({document[k] for k in ("credit_contract", "aleph_token", "usdc_token")}) == 3
    assert [a["index"] for a in document["accounts"]] == list(range(10))
    assert all(isinstance(a["seeded"], bool) for a in document["accounts"])


def test_devnet_endpoint_serves_the_same_document(devnet: RunningDevnet) -> None:
    response = httpx.get(f"{devnet.api_url}/api/v0/devnet", timeout=10)
    assert response.status_code == 200
    assert response.json() == devnet.document


async def test_dev_accounts_are_well_known_and_funded(devnet: RunningDevnet) -> None:
    document = devnet.document
    assert tuple(a["address"] for a in document["accounts"]) == WELL_KNOWN_ACCOUNTS
    async with httpx.AsyncClient(timeout=10) as client:
        assert int(await rpc(client, devnet.rpc_url, "eth_chainId"), 16) == document["chain_id"]
        for key in ("credit_contract", "aleph_token", "usdc_token"):
            code = await rpc(client, devnet.rpc_url, "eth_getCode", document[key], "latest")
            assert len(code) > 2, f"no contract at {key}"
        for address in WELL_KNOWN_ACCOUNTS:
            eth = int(await rpc(client, devnet.rpc_url, "eth_getBalance", address, "latest"), 16)
            aleph = await token_balance(client, devnet.rpc_url, document["aleph_token"], address)
            usdc = await token_balance(client, devnet.rpc_url, document["usdc_token"], address)
            assert min(eth, aleph, usdc) > 0, f"{address}: ETH {eth}, ALEPH {aleph}, USDC {usdc}"


def test_port_zero_picks_a_free_port(devnet: RunningDevnet) -> None:
    """The shared devnet was started with ``--port 0``: it got a real port and serves on it."""
    for key in ("api_url", "chain_rpc_url"):
        port = urlsplit(devnet.document[key]).port
        assert port is not None
        assert 0 < port < 65536, key
    # The clients' rpc_url is the devnet's fault-injecting proxy in front of the engine.
    assert devnet.rpc_url == devnet.api_url + "/rpc"
    assert urlsplit(devnet.api_url).port != urlsplit(devnet.document["chain_rpc_url"]).port
    assert httpx.get(f"{devnet.api_url}/api/v0/devnet", timeout=10).status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def history_devnet(tmp_path: Path) -> Iterator[tuple[RunningDevnet, int]]:
    port = _free_port()
    running = start_devnet(
        tmp_path, "--chain", "embedded", "--history", str(HISTORY_ENTRIES), "--port", str(port)
    )
    yield running, port
    running.stop()


def test_history_option_gives_one_address_many_entries(
    history_devnet: tuple[RunningDevnet, int],
) -> None:
    # How long the seeding takes is bench/'s to measure (a loaded CI machine is no clock).
    running, port = history_devnet
    assert urlsplit(running.api_url).port == port  # an explicit --port is honoured
    address = running.document["history_account"]
    assert is_checksum_address(address)
    base = f"{running.api_url}/api/v0/addresses/{address}/credit_history"
    page = httpx.get(base, params={"pagination": 1}, timeout=10).json()
    assert page["pagination_total"] == HISTORY_ENTRIES
    summary = httpx.get(base + "/summary", timeout=10).json()
    assert summary["entry_count"] == HISTORY_ENTRIES


def test_without_history_option_there_is_no_history_account(devnet: RunningDevnet) -> None:
    assert devnet.document["history_account"] is None


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "99999"],
        ["--port", "http"],
        ["--history", "-1"],
        ["--chain", "bogus"],
        ["--aleph-usd", "0"],
        ["--aleph-usd", "1e3"],  # the amounts' rule: no exponent (it started a devnet)
        ["--processing-interval", "+5"],
        ["--no-such-option"],
    ],
    ids=lambda args: " ".join(args),
)
def test_bad_arguments_fail_in_one_line(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aleph_tui", "devnet", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""


def test_port_in_use_fails_without_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "aleph_tui", "devnet", "--chain", "embedded"]
        result = subprocess.run(
            [*command, "--port", str(port), "--state", str(tmp_path / "state")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("aleph-tui:"), result.stderr[-2000:]


async def _snapshot(running: RunningDevnet, addresses: list[str]) -> dict[str, Any]:
    """What must survive a restart: credits, history sizes, payments, token balances."""
    document = running.document
    snapshot: dict[str, Any] = {
        key: document[key] for key in ("credit_contract", "aleph_token", "usdc_token", "chain_id")
    }
    async with httpx.AsyncClient(timeout=10) as client:
        for address in addresses:
            history = await client.get(
                f"{running.api_url}/api/v0/addresses/{address}/credit_history/summary"
            )
            payments = await client.get(
                f"{running.credit_api_url}/payment", params={"address": address}
            )
            snapshot[address] = {
                "credits": await credit_balance(client, running.api_url, address),
                "entries": history.json()["entry_count"],
                "payments": payments.json()["pagination"]["total"],
                "ALEPH": await token_balance(
                    client, running.rpc_url, document["aleph_token"], address
                ),
                "USDC": await token_balance(
                    client, running.rpc_url, document["usdc_token"], address
                ),
            }
    return snapshot


@pytest.mark.parametrize("engine", ["embedded", "anvil"])
async def test_state_persists_across_restarts(
    tmp_path: Path, accounts: list[Any], engine: str
) -> None:
    if engine == "anvil":
        require_anvil()
    state = tmp_path / "state"
    args = ("--chain", engine, "--state", str(state))
    sender, receiver, buyer = accounts[0], accounts[8], accounts[9]
    watched = [a.address for a in accounts[:3]] + [receiver.address, buyer.address]

    first = await asyncio.to_thread(start_devnet, tmp_path / "first", *args)
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            message = build_post_message(
                sender.private_key,
                sender.address,
                CREDIT_TRANSFER,
                credit_transfer_content([(receiver.address, TRANSFER_CREDITS, None)]),
            )
            response = await client.post(
                f"{first.api_url}/api/v0/messages", json={"sync": True, "message": message}
            )
            assert response.status_code == 200, response.text
            assert await credit_balance(client, first.api_url, receiver.address) == (
                TRANSFER_CREDITS
            )
            await pay(first, buyer.private_key, "USDC", Decimal(2))
            await wait_credit_change(client, first.api_url, buyer.address, 0)
        before = await _snapshot(first, watched)
    finally:
        await asyncio.to_thread(first.stop)
    assert first.process.returncode == 0

    second = await asyncio.to_thread(start_devnet, tmp_path / "second", *args)
    try:
        after = await _snapshot(second, watched)
        assert after == before
        assert after[receiver.address]["credits"] == TRANSFER_CREDITS
        # The credit service resumes where it stopped: a new payment is credited once,
        # and the old one is not credited again.
        async with httpx.AsyncClient(timeout=10) as client:
            await pay(second, buyer.private_key, "USDC", Decimal(1))
            credits = await wait_credit_change(
                client, second.api_url, buyer.address, before[buyer.address]["credits"]
            )
        prices = second.document["prices_usd"]
        assert credits == before[buyer.address]["credits"] + (
            expected_credits(prices, "USDC", Decimal(1)).total
        )
        final = await _snapshot(second, [buyer.address])
        assert final[buyer.address]["entries"] == before[buyer.address]["entries"] + 1
        assert final[buyer.address]["payments"] == before[buyer.address]["payments"] + 1
        assert final[buyer.address]["USDC"] == (
            before[buyer.address]["USDC"] - units_of("USDC", Decimal(1))
        )
    finally:
        await asyncio.to_thread(second.stop)


def test_sigterm_stops_the_devnet_and_its_anvil(tmp_path: Path) -> None:
    require_anvil()
    running = start_devnet(tmp_path, "--chain", "anvil")
    rpc_port = urlsplit(running.document["chain_rpc_url"]).port
    running.process.send_signal(signal.SIGTERM)
    assert running.process.wait(timeout=30) == 0
    with socket.socket() as probe:
        # anvil is gone with its parent: nothing listens on its port any more.
        assert probe.connect_ex(("127.0.0.1", rpc_port or 0)) != 0
