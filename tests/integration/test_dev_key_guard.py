"""The public dev keys sign nothing but on a devnet (issue 13, Build §4).

A devnet is a network whose discovery document was read (``devnet_from_document``),
whatever it is called; a network named "devnet" in config.toml, the built-in devnet
before discovery, and "mainnet" pointed at the devnet's API are not. The rule lives in
``Signer`` and covers Aleph messages as well as transactions; nothing here contacts a
real network: every URL is the devnet's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account

from aleph_tui.core.accounts.signer import (
    DEV_MNEMONIC,
    DevKeyRefused,
    Signer,
    SigningError,
    public_dev_addresses,
)
from aleph_tui.core.chain.gateway import ChainError, ChainGateway
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.core.networks import Network, devnet_from_document, known_networks
from aleph_tui.core.service import CreditService
from tests.support.credit_helpers import cli_env, fresh_key, run_cli, run_main
from tests.support.devnet_process import RunningDevnet


def _messages(api_url: str, sender: str) -> int:
    """Every message the node holds from ``sender``, whatever its status."""
    answer = httpx.get(
        f"{api_url}/api/v0/messages.json",
        params={
            "addresses": sender,
            "msgStatuses": "pending,processed,rejected",
            "pagination": 1,
        },
        timeout=10,
    )
    answer.raise_for_status()
    return int(answer.json()["pagination_total"])


def _nonce(rpc_url: str, address: str) -> int:
    answer = httpx.post(
        rpc_url,
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_getTransactionCount",
            "params": [address, "pending"],
        },
        timeout=10,
    )
    return int(answer.json()["result"], 16)


def _config_toml(home: Path, name: str, api_url: str, rpc_url: str) -> None:
    """An aleph CLI config.toml whose network ``name`` points at the devnet."""
    path = home / "config" / "aleph" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[[networks]]\nname = "{name}"\ndefault_ccn = "local"\n'
        f'ccns = [{{ name = "local", url = "{api_url}" }}]\n'
        f'[networks.ethereum]\nrpc_url = "{rpc_url}"\n'
    )


def test_the_written_out_dev_addresses_are_the_mnemonic_s() -> None:
    Account.enable_unaudited_hdwallet_features()
    derived = {
        str(Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}").address)
        for i in range(20)
    }
    assert public_dev_addresses() == derived


def test_an_unbound_signer_signs_nothing(accounts: list[Any]) -> None:
    for key in (accounts[0].private_key, fresh_key().private_key):
        signer = Signer(key)
        with pytest.raises(SigningError, match="not bound to a network"):
            signer.sign_buffer(b"ETH\n0x\nPOST\nhash")
        with pytest.raises(SigningError, match="not bound to a network"):
            signer.sign_transaction({"chainId": 31337, "nonce": 0, "gas": 21000})


def test_only_a_discovered_devnet_accepts_a_dev_key(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev = Signer(accounts[0].private_key)
    monkeypatch.setenv("ALEPH_DEVNET_URL", devnet.api_url)
    _config_toml(tmp_path, "devnet-like", devnet.api_url, devnet.rpc_url)
    _, networks = known_networks(tmp_path / "config" / "aleph" / "config.toml")
    _config_toml(tmp_path, "devnet", devnet.api_url, devnet.rpc_url)
    _, configured = known_networks(tmp_path / "config" / "aleph" / "config.toml")
    not_devnets = [
        networks["mainnet"].with_overrides(api_url=devnet.api_url),
        networks["devnet"],  # the built-in devnet before its document is read
        networks["devnet-like"],
        configured["devnet"],  # a config.toml network merely called "devnet"
        Network("local", devnet.api_url, rpc_url=devnet.rpc_url, chain_id=31337),
    ]
    for network in not_devnets:
        assert not network.is_devnet
        with pytest.raises(DevKeyRefused, match=f"on {network.name} .only a devnet"):
            dev.for_network(network)
    # A fresh key signs anywhere; a dev key on the devnet whose document was read.
    discovered = devnet_from_document(devnet.document)
    assert discovered.is_devnet
    bound = dev.for_network(discovered)
    assert bound.sign_buffer(b"x").startswith("0x")
    # …but never for a mainnet chain id, whatever a document claims.
    with pytest.raises(DevKeyRefused, match="on chain id 1 "):
        dev.for_network(devnet_from_document(devnet.document | {"chain_id": 1}))
    with pytest.raises(DevKeyRefused, match="on chain id 8453 "):
        bound.sign_transaction({"chainId": 8453, "nonce": 0, "gas": 21000, "gasPrice": 1})
    for network in not_devnets:
        assert Signer(fresh_key().private_key).for_network(network).sign_buffer(b"x")


async def test_the_facade_refuses_a_dev_key_on_a_network_that_is_not_a_devnet(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    """transfer_sign and transfer (an Aleph message) and a chain transaction: refused
    before anything is signed, and the node and the chain saw nothing."""
    dev = accounts[0]
    mainnet_like = Network(
        "mainnet", devnet.api_url, rpc_url=devnet.rpc_url, chain_id=int(devnet.document["chain_id"])
    )
    messages, nonce = _messages(devnet.api_url, dev.address), _nonce(devnet.rpc_url, dev.address)
    service = CreditService(mainnet_like, journal=Journal(tmp_path / "journal.sqlite3"))
    try:
        quote = await service.transfer_quote(
            service.transfer_request(dev.address, fresh_key().address, 7)
        )
        with pytest.raises(DevKeyRefused):
            service.transfer_sign(quote, Signer(dev.private_key))
        with pytest.raises(DevKeyRefused):
            await service.transfer(quote, Signer(dev.private_key))
        gateway = ChainGateway(mainnet_like)
        try:
            plan = await gateway.build(dev.address, fresh_key().address, value=1)
            # Chain id 31337 is no mainnet's, yet the network is not a devnet.
            with pytest.raises(ChainError, match="public test key"):
                await gateway.sign(plan, Signer(dev.private_key))
        finally:
            await gateway.aclose()
    finally:
        await service.aclose()
    assert service.open_operations() == []
    assert _messages(devnet.api_url, dev.address) == messages
    assert _nonce(devnet.rpc_url, dev.address) == nonce


def test_the_commands_refuse_a_dev_key_off_the_devnet_and_send_nothing(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Path
) -> None:
    """Issue 13: `credit transfer --network mainnet` with a dev key was signed and
    posted. Mainnet pointed at the devnet's API, and a config.toml network called
    "devnet", are refused (exit 2, naming where the key came from); the devnet itself
    still signs with it."""
    dev = accounts[1]
    recipient = fresh_key().address
    env = cli_env(devnet.api_url, tmp_path, dev.private_key)
    transfer = ["credit", "transfer", "--to", recipient, "--amount", "7", "-y", "--json"]
    buy = ["credit", "buy", "--token", "usdc", "--amount", "1", "-y", "--json"]
    mainnet = ["--network", "mainnet", "--api-url", devnet.api_url]
    messages, nonce = _messages(devnet.api_url, dev.address), _nonce(devnet.rpc_url, dev.address)
    refused = run_main(
        env,
        {
            "transfer": [*transfer, *mainnet],
            "transfer-by-flag": [
                *transfer,
                *mainnet,
                "--private-key",
                accounts[2].private_key,
            ],
            "buy": [*buy, *mainnet, "--rpc-url", devnet.rpc_url],
        },
    )
    _config_toml(tmp_path, "devnet", devnet.api_url, devnet.rpc_url)
    refused |= run_main(env, {"named-devnet": [*transfer, "--network", "devnet"]})
    for name, outcome in refused.items():
        assert outcome.returncode == 2, (name, outcome.stderr)
        assert outcome.stdout == "" and outcome.stderr.count("\n") == 1, name
        assert "is a public test key that anyone can use; refusing to sign" in outcome.stderr
    assert refused["transfer"].stderr.startswith(f"aleph-tui: ALEPH_PRIVATE_KEY: {dev.address}")
    assert "on mainnet" in refused["transfer"].stderr
    assert refused["transfer-by-flag"].stderr.startswith("aleph-tui: --private-key: ")
    assert "on devnet" in refused["named-devnet"].stderr
    assert _messages(devnet.api_url, dev.address) == messages
    assert _nonce(devnet.rpc_url, dev.address) == nonce

    # The built-in devnet, discovered: the same key signs (a dry run sends nothing).
    (tmp_path / "config" / "aleph" / "config.toml").unlink()
    allowed = run_cli(env, *transfer, "--network", "devnet", "--dry-run")
    assert allowed.returncode == 0, allowed.stderr
    assert _messages(devnet.api_url, dev.address) == messages
