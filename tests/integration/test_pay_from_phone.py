"""``aleph-tui credit buy --qr``: an EIP-681 link that another wallet pays, then the paying
address watched until its credits arrive. The link is read from the command's ``--json``
output, parsed here by the EIP's grammar, and paid with web3.py and eth-account: a wallet
library that is not aleph-tui's."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import httpx
import pytest
from eth_account import Account
from web3 import HTTPProvider, Web3

from aleph_tui.devnet.chain import dev_accounts
from tests.support.credit_helpers import cli_env, run_cli
from tests.support.devnet_process import RunningDevnet, start_devnet

if TYPE_CHECKING:
    from web3.types import TxParams

ROOT = Path(__file__).resolve().parents[2]
# EIP-681: ethereum:<target>@<chain_id>[/<function>]?<params>
EIP681 = re.compile(
    r"^ethereum:(?P<target>0x[0-9a-fA-F]{40})@(?P<chain>[0-9]+)(?:/(?P<function>\w+))?\?(?P<query>.+)$"
)
ERC20_TRANSFER_ABI: list[dict[str, Any]] = [
    {
        "name": "transfer",
        "type": "function",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "to", "type": "address"}, {"name": "value", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    }
]


@pytest.fixture(scope="module")
def phone_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevnet]:
    running = start_devnet(tmp_path_factory.mktemp("phone-devnet"), "--chain", "embedded")
    yield running
    running.stop()


def parse_link(uri: str) -> dict[str, Any]:
    match = EIP681.match(uri)
    assert match, uri
    query = dict(part.split("=", 1) for part in match["query"].split("&"))
    return {
        "target": match["target"],
        "chain_id": int(match["chain"]),
        "function": match["function"],
        **query,
    }


def pay(rpc_url: str, private_key: str, link: dict[str, Any]) -> str:
    """Pays ``link`` as a wallet would: the value transfer, or the token's transfer()."""
    w3 = Web3(HTTPProvider(rpc_url))
    payer = Account.from_key(private_key)
    assert w3.eth.chain_id == link["chain_id"]  # a wallet checks it is on the asked chain
    base: dict[str, Any] = {
        "from": payer.address,
        "nonce": w3.eth.get_transaction_count(payer.address),
        "chainId": link["chain_id"],
    }
    if link["function"] is None:
        tx: dict[str, Any] = base | {
            "to": Web3.to_checksum_address(link["target"]),
            "value": int(link["value"]),
        }
        tx["gas"] = w3.eth.estimate_gas(cast("TxParams", tx))
        tx |= {"maxFeePerGas": 2 * w3.eth.gas_price + 1, "maxPriorityFeePerGas": 1}
    else:
        assert link["function"] == "transfer"
        token = w3.eth.contract(
            address=Web3.to_checksum_address(link["target"]), abi=ERC20_TRANSFER_ABI
        )
        tx = dict(
            token.functions.transfer(
                Web3.to_checksum_address(link["address"]), int(link["uint256"])
            ).build_transaction(cast("TxParams", base))
        )
    signed = payer.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    return "0x" + bytes(tx_hash).hex().removeprefix("0x")


def credits_for(api_url: str, address: str, tx_hash: str) -> int:
    rows = httpx.get(
        f"{api_url}/api/v0/addresses/{address}/credit_history",
        params={"tx_hash": tx_hash, "page": 1, "pagination": 100},
        timeout=60,
    ).json()["credit_history"]
    return sum(int(r["amount"]) for r in rows)


@pytest.mark.parametrize(
    ("token", "amount", "index"), [("usdc", "2", 5), ("eth", "0.001", 6), ("aleph", "30", 7)]
)
def test_a_link_paid_by_another_wallet_brings_the_credits(
    phone_devnet: RunningDevnet, tmp_path: Path, token: str, amount: str, index: int
) -> None:
    document = phone_devnet.document
    key = dev_accounts()[index]
    env = cli_env(phone_devnet.api_url, tmp_path / "home")
    command = [sys.executable, "-m", "aleph_tui", "credit", "buy", "--qr", "--json"]
    command += ["--token", token, "--amount", amount, "--address", key.address]
    command += ["--network", "devnet"]
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    try:
        first = json.loads(process.stdout.readline())
        assert first["event"] == "payment_link"
        link = parse_link(first["uri"])
        # What the link asks for, by the EIP's grammar.
        assert link["chain_id"] == document["chain_id"]
        decimals = 6 if token == "usdc" else 18
        units = int(Decimal(amount).scaleb(decimals))
        if token == "eth":
            assert link["function"] is None
            assert link["target"].lower() == document["credit_contract"].lower()
            assert int(link["value"]) == units
        else:
            contract = document["usdc_token" if token == "usdc" else "aleph_token"]
            assert (link["function"], link["target"].lower()) == ("transfer", contract.lower())
            assert link["address"].lower() == document["credit_contract"].lower()
            assert int(link["uint256"]) == units
        assert first["payer"] == key.address

        tx_hash = pay(document["chain_rpc_url"], key.private_key, link)
        last = json.loads(process.stdout.read().strip().splitlines()[-1])
        assert process.wait(timeout=120) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert last["event"] == "result"
    assert (last["status"], last["tx_hash"].lower()) == ("completed", tx_hash.lower())
    received = credits_for(phone_devnet.api_url, key.address, tx_hash)
    assert received > 0 and last["credits_received"] == received
    # The estimate the link was made with is what arrived (bonus included).
    assert first["estimated_credits"] == received


def test_a_payment_from_another_address_is_not_taken_for_ours(
    phone_devnet: RunningDevnet, tmp_path: Path
) -> None:
    """Credits go to the address that pays: another address paying the same link first is
    not this watch's payment; the payer's own payment, after it, is."""
    payer, stranger = dev_accounts()[8], dev_accounts()[9]
    env = cli_env(phone_devnet.api_url, tmp_path / "home")
    command = [sys.executable, "-m", "aleph_tui", "credit", "buy", "--qr", "--json"]
    command += ["--token", "usdc", "--amount", "1", "--address", payer.address]
    command += ["--network", "devnet"]
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    rpc = phone_devnet.document["chain_rpc_url"]
    try:
        link = parse_link(json.loads(process.stdout.readline())["uri"])
        theirs = pay(rpc, stranger.private_key, link)
        Web3(HTTPProvider(rpc)).eth.wait_for_transaction_receipt(theirs, timeout=120)  # type: ignore[arg-type]
        ours = pay(rpc, payer.private_key, link)
        last = json.loads(process.stdout.read().strip().splitlines()[-1])
        assert process.wait(timeout=120) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert last["tx_hash"].lower() == ours.lower() != theirs.lower()
    assert last["credits_received"] == credits_for(phone_devnet.api_url, payer.address, ours)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--private-key", "0x" + "11" * 32], "--private-key"),
        (["--dry-run"], "--dry-run"),
        (["-y"], "-y"),
        (["--wait", "0"], "--wait"),
        (["--wait", "1441"], "--wait"),
        (["--wait", ""], "--wait"),
        (["--address", "0x123"], "--address"),
        (["--address", ""], "--address"),
    ],
)
def test_bad_qr_options_exit_2_naming_the_option(
    phone_devnet: RunningDevnet, tmp_path: Path, args: list[str], named: str
) -> None:
    env = cli_env(phone_devnet.api_url, tmp_path / "home")
    address = dev_accounts()[5].address
    base = ["credit", "buy", "--qr", "--token", "usdc", "--amount", "1", "--network", "devnet"]
    if "--address" not in args:
        args = [*args, "--address", address]
    done = run_cli(env, *base, *args)
    assert done.returncode == 2, done.stderr
    assert named in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


def test_the_qr_options_need_qr(phone_devnet: RunningDevnet, tmp_path: Path) -> None:
    env = cli_env(phone_devnet.api_url, tmp_path / "home")
    base = ["credit", "buy", "--token", "usdc", "--amount", "1", "--network", "devnet"]
    done = run_cli(env, *base, "--wait", "5")
    assert done.returncode == 2 and "--wait: only with --qr" in done.stderr
