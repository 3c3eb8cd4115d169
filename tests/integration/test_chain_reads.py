"""The chain reads the dashboard makes at start (chain id, ETH and token balances) are
plain JSON-RPC calls: web3 stays unimported, so its ~1 s import never freezes the screen,
and the node's faults still come back as one retried read or one plain message."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from aleph_tui.core.chain.gateway import ChainError, ChainGateway
from aleph_tui.core.networks import devnet_from_document
from tests.support import faults
from tests.support.devnet_process import RunningDevnet

READS = """
import asyncio, json, sys
from aleph_tui.core.chain.gateway import ChainGateway
from aleph_tui.core.networks import devnet_from_document

async def main():
    gateway = ChainGateway(devnet_from_document(json.loads(sys.argv[1])))
    try:
        wallet = await gateway.wallet_balances(sys.argv[2])
        chain_id = await gateway.chain_id()
    finally:
        await gateway.aclose()
    print(json.dumps({"eth": str(wallet.eth), "usdc": str(wallet.usdc),
                      "chain_id": chain_id, "web3": "web3" in sys.modules}))

asyncio.run(main())
"""


def test_wallet_reads_never_import_web3(devnet: RunningDevnet) -> None:
    address = devnet.document["accounts"][0]["address"]
    done = subprocess.run(
        [sys.executable, "-c", READS, json.dumps(devnet.document), address.lower()],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(done.stdout)
    assert answer["web3"] is False
    assert answer["chain_id"] == devnet.document["chain_id"]
    assert float(answer["eth"]) > 0 and answer["usdc"] != "None"


@pytest.fixture
def net(fault_devnet: RunningDevnet) -> Iterator[RunningDevnet]:
    faults.clear(fault_devnet.api_url)
    yield fault_devnet
    faults.clear(fault_devnet.api_url)


@pytest.mark.parametrize("kind", ["http_500", "malformed_json", "drop"])
async def test_a_passing_rpc_fault_is_retried(net: RunningDevnet, kind: str) -> None:
    gateway = ChainGateway(devnet_from_document(net.document))
    address = net.document["accounts"][0]["address"]
    try:
        faults.inject(net.api_url, kind, target="rpc", match="eth_getBalance", times=1)
        assert await gateway.eth_balance(address) > 0
        assert not faults.rules(net.api_url)  # the fault did happen, and was retried
    finally:
        await gateway.aclose()


async def test_a_lasting_rpc_fault_is_one_plain_message(net: RunningDevnet) -> None:
    gateway = ChainGateway(devnet_from_document(net.document))
    try:
        faults.inject(net.api_url, "http_500", target="rpc", match="eth_chainId", times=3)
        with pytest.raises(ChainError) as caught:
            await gateway.chain_id()
    finally:
        await gateway.aclose()
    assert str(caught.value) == (
        f"the RPC node at {gateway.rpc_url} answered HTTP 500 (a server error) (3 tries); "
        "try again in a moment"
    )


async def test_no_token_at_an_address_is_reported(devnet: RunningDevnet) -> None:
    gateway = ChainGateway(devnet_from_document(devnet.document))
    stranger = "0x" + "12" * 20
    try:
        with pytest.raises(ChainError, match=f"no ERC-20 token at {stranger}"):
            await gateway.token_balance(stranger, devnet.document["accounts"][0]["address"])
    finally:
        await gateway.aclose()
