"""The dashboard discovers the devnet from its document read early (core/aleph/early_reads.py,
no httpx); when that read fails, the API client reads it again and tells why."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from aleph_tui.cli.common import configured_network, discovered_network, resolve_network
from aleph_tui.core.aleph.api_client import AlephApi
from aleph_tui.core.aleph.early_reads import EarlyReads
from tests.support.devnet_process import RunningDevnet


def devnet_args(api_url: str) -> argparse.Namespace:
    return argparse.Namespace(network="devnet", api_url=api_url, rpc_url=None)


@pytest.fixture
def client_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The devnet documents read by the API client (httpx), by URL."""
    asked: list[str] = []
    document = AlephApi.devnet_document

    async def counted(api: AlephApi) -> Any:
        asked.append(api.base_url)
        return await document(api)

    monkeypatch.setattr(AlephApi, "devnet_document", counted)
    return asked


async def test_the_early_document_makes_the_same_network(
    devnet: RunningDevnet, client_reads: list[str]
) -> None:
    args = devnet_args(devnet.api_url)
    network = configured_network(args)
    early = await discovered_network(args, network, early=EarlyReads(devnet.api_url))
    assert client_reads == []
    assert early == await resolve_network(args)
    assert early.chain_id == devnet.document["chain_id"]


async def test_a_failed_early_document_is_read_again_by_the_client(
    devnet: RunningDevnet, monkeypatch: pytest.MonkeyPatch, client_reads: list[str]
) -> None:
    args = devnet_args(devnet.api_url)
    # The early read asks a route the devnet does not have; the client's path is its own.
    monkeypatch.setattr("aleph_tui.core.aleph.endpoints.DEVNET_DOCUMENT", "/api/v0/no-such-route")
    reads = EarlyReads(devnet.api_url)
    network = await discovered_network(args, configured_network(args), early=reads)
    assert client_reads == [devnet.api_url.rstrip("/")]
    assert network.rpc_url == devnet.document["rpc_url"]
