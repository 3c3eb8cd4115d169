"""Networks: mainnet, the devnet (discovered from its API) and the aleph CLI's own.

A user network comes from the aleph CLI's ``config.toml`` (aleph-api.md §7). Chain ids
are not in that file; the chain gateway reads ``eth_chainId`` and checks it before signing.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aleph_tui.core import paths
from aleph_tui.core.errors import ServiceError

DEVNET_URL_ENV = "ALEPH_DEVNET_URL"
DEFAULT_DEVNET_URL = "http://127.0.0.1:4024"
# Dev keys are refused on these: Ethereum, Base, Avalanche C-Chain.
MAINNET_CHAIN_IDS = frozenset({1, 8453, 43114})


class NetworkError(ServiceError):
    pass


@dataclass(frozen=True)
class Network:
    name: str
    api_url: str
    credit_api_url: str | None = None
    rpc_url: str | None = None
    chain_id: int | None = None
    credit_contract: str | None = None
    aleph_token: str | None = None
    usdc_token: str | None = None
    explorer_tx_base: str | None = None
    # True only for a network built from a devnet's discovery document (devnet_from_document):
    # the one kind of network on which the public test keys may sign. A name proves nothing.
    is_devnet: bool = False
    # Where the payment processor's logs start (its deploy block); None: unknown.
    processor_deploy_block: int | None = None
    # The built-in devnet before its discovery document is read: to be discovered, and
    # not a devnet (is_devnet) until then.
    needs_discovery: bool = False

    def tx_link(self, tx_hash: str) -> str | None:
        return None if self.explorer_tx_base is None else self.explorer_tx_base + tx_hash

    def with_overrides(self, *, api_url: str | None = None, rpc_url: str | None = None) -> Network:
        return replace(self, api_url=api_url or self.api_url, rpc_url=rpc_url or self.rpc_url)


MAINNET = Network(
    name="mainnet",
    api_url="https://api2.aleph.im",
    credit_api_url="https://credit.aleph.im/api/v0",
    rpc_url="https://ethereum.publicnode.com",
    chain_id=1,
    credit_contract="0x6b55F32Ea969910838defd03746Ced5E2AE8cB8B",
    aleph_token="0x27702a26126e0B3702af63Ee09aC4d1A084EF628",
    usdc_token="0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
    explorer_tx_base="https://etherscan.io/tx/",
    processor_deploy_block=24_270_182,
)


# Networks whose identity aleph-tui knows: a config.toml entry of the same name changes
# their URLs and addresses, never their chain id.
BUILT_IN = {MAINNET.name: MAINNET}


def devnet_url() -> str:
    """$ALEPH_DEVNET_URL, or the default; set but empty or not an http(s) URL is bad
    input (InvalidInput naming the variable), never a silent default."""
    from aleph_tui.core.validation import http_url

    value = os.environ.get(DEVNET_URL_ENV)
    if value is None:
        return DEFAULT_DEVNET_URL
    return http_url(value, field=DEVNET_URL_ENV).rstrip("/")


def devnet_from_document(document: dict[str, Any]) -> Network:
    """The devnet as its ``GET /api/v0/devnet`` document describes it."""
    return Network(
        name="devnet",
        api_url=str(document["api_url"]),
        credit_api_url=str(document["credit_api_url"]),
        rpc_url=str(document["rpc_url"]),
        chain_id=int(document["chain_id"]),
        credit_contract=str(document["credit_contract"]),
        aleph_token=str(document["aleph_token"]),
        usdc_token=str(document["usdc_token"]),
        is_devnet=True,
        processor_deploy_block=int(document["deploy_block"])
        if "deploy_block" in document
        else None,
    )


def _user_network(entry: dict[str, Any], config: Path) -> Network:
    name = str(entry.get("name") or "")
    ccns = {str(c.get("name")): str(c.get("url")) for c in entry.get("ccns") or []}
    default_ccn = entry.get("default_ccn")
    api_url = ccns.get(str(default_ccn)) if default_ccn else next(iter(ccns.values()), None)
    if not name or not api_url:
        raise NetworkError(f"network {name or '?'} in {config} has no CCN URL")
    eth = entry.get("ethereum") or {}
    for key, value in eth.items():
        if isinstance(value, str) and not value.strip():
            raise NetworkError(
                f"network {name}: ethereum.{key} in {config} is empty; remove it or give a value"
            )
    # A known network keeps what config.toml cannot say, its chain id above all: without
    # it the RPC node's chain id would go unchecked before signing.
    known = BUILT_IN.get(name)
    if known is not None:
        return replace(
            known,
            api_url=api_url.rstrip("/"),
            rpc_url=eth.get("rpc_url") or known.rpc_url,
            credit_contract=eth.get("credit_contract") or known.credit_contract,
            aleph_token=eth.get("aleph_token") or known.aleph_token,
            usdc_token=eth.get("usdc_token") or known.usdc_token,
            explorer_tx_base=eth.get("explorer_tx_base") or known.explorer_tx_base,
        )
    return Network(
        name=name,
        api_url=api_url.rstrip("/"),
        rpc_url=eth.get("rpc_url"),
        credit_contract=eth.get("credit_contract"),
        aleph_token=eth.get("aleph_token"),
        usdc_token=eth.get("usdc_token"),
        explorer_tx_base=eth.get("explorer_tx_base"),
    )


def load_user_networks(path: Path | None = None) -> tuple[str | None, dict[str, Network]]:
    """(default network name, networks) from the aleph CLI's config.toml, if any."""
    config = path or paths.networks_config()
    try:
        data = tomllib.loads(config.read_text())
    except FileNotFoundError:
        return None, {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NetworkError(f"cannot read {config}: {exc}") from None
    networks = {}
    for entry in data.get("networks") or []:
        network = _user_network(entry, config)
        networks[network.name] = network
    default = data.get("default_network")
    return (str(default) if default else None), networks


def known_networks(path: Path | None = None) -> tuple[str, dict[str, Network]]:
    """Every network by name, and the default one's name (mainnet unless configured)."""
    default, user = load_user_networks(path)
    networks = {"mainnet": MAINNET, "devnet": Network("devnet", devnet_url(), needs_discovery=True)}
    networks.update(user)
    return default or "mainnet", networks
