"""The devnet is discovered from its document, read by the API client (the one HTTP
stack): its chain id and RPC URL are the network's, --rpc-url still wins."""

from __future__ import annotations

import argparse

from aleph_tui.cli.common import resolve_network
from tests.support.devnet_process import RunningDevnet


def devnet_args(api_url: str, rpc_url: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(network="devnet", api_url=api_url, rpc_url=rpc_url)


async def test_the_devnet_document_makes_the_network(devnet: RunningDevnet) -> None:
    network = await resolve_network(devnet_args(devnet.api_url))
    assert network.chain_id == devnet.document["chain_id"]
    assert network.rpc_url == devnet.document["rpc_url"]


async def test_rpc_url_given_overrides_the_document(devnet: RunningDevnet) -> None:
    network = await resolve_network(devnet_args(devnet.api_url, "http://127.0.0.1:1"))
    assert network.rpc_url == "http://127.0.0.1:1"
    assert network.chain_id == devnet.document["chain_id"]
