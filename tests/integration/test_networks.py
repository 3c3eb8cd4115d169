"""Networks from the aleph CLI's config.toml: a known network keeps its identity.

The aleph CLI's ``config.toml`` has no chain ids. A ``mainnet`` entry there (to use another
CCN or RPC node) must still be chain id 1, or the RPC node's chain id would go unchecked
before signing: a mainnet entry pointed at an RPC node of another chain signed and sent.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account

from aleph_tui.core.networks import MAINNET, NetworkError, known_networks, load_user_networks
from tests.support.credit_helpers import cli_env, fresh_key, run_cli
from tests.support.devnet_process import RunningDevnet

FUNDER = 9  # a seeded dev account that pays this file's fresh keys their ETH


def write_config(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def rpc(url: str, method: str, *params: Any) -> Any:
    answer = httpx.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=30
    ).json()
    assert "error" not in answer, answer
    return answer["result"]


def give_eth(devnet: RunningDevnet, funder: Any, to: str, wei: int) -> None:
    """A plain ETH transfer from a seeded account, waited for until mined."""
    url, chain_id = devnet.rpc_url, int(devnet.document["chain_id"])
    block = rpc(url, "eth_getBlockByNumber", "latest", False)
    tx = {
        "to": to,
        "value": wei,
        "gas": 21_000,
        "maxFeePerGas": 2 * int(block["baseFeePerGas"], 16) + 10**9,
        "maxPriorityFeePerGas": 10**9,
        "nonce": int(rpc(url, "eth_getTransactionCount", funder.address, "pending"), 16),
        "chainId": chain_id,
        "type": 2,
    }
    signed = Account.sign_transaction(tx, funder.private_key)
    tx_hash = rpc(url, "eth_sendRawTransaction", "0x" + bytes(signed.raw_transaction).hex())
    for _ in range(600):  # the devnet mines on arrival; a generous bound for loaded machines
        if rpc(url, "eth_getTransactionReceipt", tx_hash) is not None:
            return
        httpx.get(devnet.api_url + "/api/v0/devnet", timeout=10)  # a round trip, not a sleep
    raise AssertionError(f"ETH transfer {tx_hash} was not mined")


def test_a_mainnet_entry_keeps_the_chain_id_and_what_config_toml_cannot_say(
    tmp_path: Path,
) -> None:
    config = write_config(
        tmp_path / "config.toml",
        """
default_network = "mainnet"

[[networks]]
name = "mainnet"
default_ccn = "mine"
ccns = [{name = "mine", url = "https://ccn.example.org/"}]
ethereum = {rpc_url = "https://rpc.example.org"}

[[networks]]
name = "custom"
ccns = [{name = "c", url = "https://custom.example.org"}]
""",
    )
    default, networks = known_networks(config)
    mainnet = networks["mainnet"]
    assert default == "mainnet"
    assert mainnet.chain_id == 1
    assert (mainnet.api_url, mainnet.rpc_url) == (
        "https://ccn.example.org",
        "https://rpc.example.org",
    )
    assert mainnet.credit_contract == MAINNET.credit_contract
    assert mainnet.credit_api_url == MAINNET.credit_api_url
    assert mainnet.processor_deploy_block == MAINNET.processor_deploy_block
    assert networks["custom"].chain_id is None  # unknown: read from the node, never assumed


def test_an_empty_address_in_config_toml_is_an_error_not_the_default(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "config.toml",
        """
[[networks]]
name = "mainnet"
ccns = [{name = "mine", url = "https://ccn.example.org"}]
ethereum = {rpc_url = ""}
""",
    )
    with pytest.raises(NetworkError) as refused:
        load_user_networks(config)
    assert str(config) in str(refused.value) and "rpc_url" in str(refused.value)


def test_a_mainnet_entry_on_another_chain_signs_nothing(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    """config.toml's mainnet pointed at the devnet's node and RPC (chain id 31337): the
    buy is refused before signing, and the key's nonce does not move."""
    document = devnet.document
    write_config(
        tmp_path / "config" / "aleph" / "config.toml",
        f"""
[[networks]]
name = "mainnet"
ccns = [{{name = "local", url = "{devnet.api_url}"}}]
ethereum = {{rpc_url = "{devnet.rpc_url}", credit_contract = "{document["credit_contract"]}", \
aleph_token = "{document["aleph_token"]}", usdc_token = "{document["usdc_token"]}"}}
""",
    )
    buyer = fresh_key()  # not a public dev key: only the chain id can stop this buy
    give_eth(devnet, accounts[FUNDER], buyer.address, 10**18)
    env = cli_env(devnet.api_url, tmp_path, buyer.private_key)
    result = run_cli(
        env, "credit", "buy", "--network", "mainnet", "--token", "ETH",
        "--amount", str(Decimal("0.01")), "-y", "--json",
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "chain id 31337" in line and "chain id 1" in line
    nonce = int(rpc(devnet.rpc_url, "eth_getTransactionCount", buyer.address, "latest"), 16)
    assert nonce == 0
