"""The devnet's fault injection, seen as clients see it: raw HTTP and raw JSON-RPC.

HTTP faults and ``accept_202`` run on ``fault_devnet`` (a devnet of their own); the chain
faults run through the proxy of ``chain_devnet`` on both engines, with dev account 3,
which no other test uses. Every test clears its rules, pass or fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_utils.crypto import keccak

from aleph_tui.cli import build_parser
from aleph_tui.devnet.rpc_proxy import REVERT_GAS
from tests.conftest import require_anvil
from tests.support import faults
from tests.support.credit_helpers import (
    fresh_key,
    message_status,
    post_transfer,
    seeded,
    wait_until,
)
from tests.support.devnet_process import RunningDevnet, start_devnet
from tests.support.wallet_client import poll, token_balance

CHAIN_ACCOUNT = 3
TRANSFER_SELECTOR = "0xa9059cbb"
GWEI = 10**9


# One client for the whole module: a new httpx client costs ~80 ms (its TLS context).
HTTP = httpx.Client(timeout=10)


@pytest.fixture(scope="module", autouse=True)
def _close_http() -> Iterator[None]:
    yield
    HTTP.close()


@pytest.fixture
def net(fault_devnet: RunningDevnet) -> Iterator[RunningDevnet]:
    yield fault_devnet
    faults.clear(fault_devnet.api_url)


@pytest.fixture
def chain_net(chain_devnet: RunningDevnet) -> Iterator[RunningDevnet]:
    yield chain_devnet
    faults.clear(chain_devnet.api_url)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield http


def _balance_url(net: RunningDevnet, accounts: list[Any]) -> str:
    return f"{net.api_url}/api/v0/addresses/{accounts[0].address}/balance"


def _rpc_body(method: str, *params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)}


# --- the admin endpoint --------------------------------------------------------------


def test_rules_are_added_listed_and_cleared(net: RunningDevnet) -> None:
    first = faults.inject(net.api_url, "latency", target="ccn", delay_ms=5, match="/balance")
    second = faults.inject(net.api_url, "http_500", times=2)
    listed = {rule["id"]: rule for rule in faults.rules(net.api_url)}
    assert listed[first] == {
        "id": first,
        "kind": "latency",
        "target": "ccn",
        "match": "/balance",
        "times": None,
        "delay_ms": 5,
        "processed": False,
        "remaining": None,
    }
    assert listed[second]["target"] == "all" and listed[second]["remaining"] == 2
    faults.remove(net.api_url, first)
    assert [rule["id"] for rule in faults.rules(net.api_url)] == [second]
    missing = HTTP.delete(f"{net.api_url}{faults.ADMIN_PATH}/{first}", timeout=10)
    assert missing.status_code == 404 and str(first) in missing.json()["error"]
    faults.clear(net.api_url)
    assert faults.rules(net.api_url) == []


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"kind": "slow"}, "kind"),
        ({"kind": "latency"}, "delay_ms"),
        ({"kind": "http_500", "times": 0}, "times"),
        ({"kind": "revert", "target": "ccn"}, "target"),
        ({"kind": "drop", "delay": 5}, "delay"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(
    net: RunningDevnet, rule: dict[str, Any], field: str
) -> None:
    response = HTTP.post(f"{net.api_url}{faults.ADMIN_PATH}", json=rule, timeout=10)
    assert response.status_code == 422
    assert response.json()["error"].startswith(f"{field}: ")
    assert faults.rules(net.api_url) == []


def test_the_fault_flag_takes_the_same_rules() -> None:
    args = build_parser().parse_args(
        ["devnet", "--fault", "latency,target=ccn,delay_ms=100", "--fault", "rpc_down,times=2"]
    )
    assert [rule.model_dump(exclude_defaults=True) for rule in args.fault] == [
        {"kind": "latency", "target": "ccn", "delay_ms": 100},
        {"kind": "rpc_down", "target": "rpc", "times": 2},
    ]
    bad = subprocess.run(
        [sys.executable, "-m", "aleph_tui", "devnet", "--fault", "timeout,delay_ms=soon"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0
    assert "--fault" in bad.stderr and "delay_ms" in bad.stderr


def test_a_devnet_started_with_faults_applies_them(tmp_path: Path) -> None:
    require_anvil()  # the quicker engine to start
    running = start_devnet(
        tmp_path,
        "--chain",
        "anvil",
        "--fault",
        "rpc_down,times=1",
        "--fault",
        "http_500,target=credit,times=1",
    )
    try:
        kinds = [(rule["kind"], rule["remaining"]) for rule in faults.rules(running.api_url)]
        assert kinds == [("rpc_down", 1), ("http_500", 1)]
        prices = f"{running.credit_api_url}/estimation/prices"
        assert [HTTP.get(prices).status_code for _ in range(2)] == [500, 200]
        chain_id = [HTTP.post(running.rpc_url, json=_rpc_body("eth_chainId")) for _ in range(2)]
        assert [answer.status_code for answer in chain_id] == [502, 200]
    finally:
        running.stop()


# --- HTTP faults on the CCN and credit routes ------------------------------------------


def test_latency_delays_the_answer(net: RunningDevnet, accounts: list[Any]) -> None:
    url = _balance_url(net, accounts)
    baseline = HTTP.get(url, timeout=10)
    faults.inject(net.api_url, "latency", target="ccn", delay_ms=400, times=1)
    started = time.monotonic()
    slow = HTTP.get(url, timeout=10)
    assert time.monotonic() - started >= 0.4
    assert slow.status_code == 200 and slow.json() == baseline.json()
    assert faults.rules(net.api_url) == []


def test_http_500_hits_its_target_for_its_times(net: RunningDevnet, accounts: list[Any]) -> None:
    url = _balance_url(net, accounts)
    faults.inject(net.api_url, "http_500", target="ccn", times=2)
    prices = HTTP.get(f"{net.credit_api_url}/estimation/prices", timeout=10)
    document = HTTP.get(f"{net.api_url}/api/v0/devnet", timeout=10)
    assert prices.status_code == 200 and document.status_code == 200
    assert [HTTP.get(url, timeout=10).status_code for _ in range(3)] == [500, 500, 200]


def test_timeout_holds_the_request_then_closes_it(net: RunningDevnet) -> None:
    faults.inject(net.api_url, "timeout", target="credit", delay_ms=300, times=1)
    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError):
        HTTP.get(f"{net.credit_api_url}/estimation/prices", timeout=10)
    assert time.monotonic() - started >= 0.3
    faults.inject(net.api_url, "timeout", target="credit")
    with pytest.raises(httpx.ReadTimeout):
        HTTP.get(f"{net.credit_api_url}/estimation/prices", timeout=0.5)


def test_malformed_json_is_a_200_with_half_the_body(
    net: RunningDevnet, accounts: list[Any]
) -> None:
    url = _balance_url(net, accounts)
    whole = HTTP.get(url, timeout=10).content
    faults.inject(net.api_url, "malformed_json", match="/balance", times=1)
    broken = HTTP.get(url, timeout=10)
    assert broken.status_code == 200
    assert broken.headers["content-type"].startswith("application/json")
    assert whole.startswith(broken.content) and len(broken.content) < len(whole)
    with pytest.raises(json.JSONDecodeError):
        broken.json()


def test_drop_closes_the_connection_without_an_answer(
    net: RunningDevnet, accounts: list[Any]
) -> None:
    faults.inject(net.api_url, "drop", target="ccn", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        HTTP.get(_balance_url(net, accounts), timeout=10)
    assert HTTP.get(_balance_url(net, accounts), timeout=10).status_code == 200


def test_a_processed_drop_loses_only_the_answer(net: RunningDevnet, accounts: list[Any]) -> None:
    faults.inject(net.api_url, "drop", match="/messages", processed=True, times=1)
    recipient = fresh_key()
    with pytest.raises(httpx.RemoteProtocolError):
        post_transfer(net.api_url, seeded(accounts, 0), recipient.address, 700)
    balance = HTTP.get(f"{net.api_url}/api/v0/addresses/{recipient.address}/balance", timeout=10)
    assert balance.json()["credit_balance"] == 700


# --- HTTP faults on the JSON-RPC proxy ---------------------------------------------------


def test_rpc_faults_match_a_method(net: RunningDevnet) -> None:
    def call(method: str) -> httpx.Response:
        return HTTP.post(net.rpc_url, json=_rpc_body(method), timeout=10)

    faults.inject(net.api_url, "http_500", target="rpc", match="eth_chainId", times=1)
    assert call("eth_blockNumber").status_code == 200
    assert call("eth_chainId").status_code == 500
    faults.inject(net.api_url, "malformed_json", target="rpc", match="eth_chainId", times=1)
    with pytest.raises(json.JSONDecodeError):
        call("eth_chainId").json()
    faults.inject(net.api_url, "drop", target="rpc", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        call("eth_chainId")
    faults.inject(net.api_url, "timeout", target="rpc", delay_ms=200, times=1)
    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError):
        call("eth_chainId")
    assert time.monotonic() - started >= 0.2
    faults.inject(net.api_url, "latency", target="rpc", match="eth_chainId", delay_ms=300)
    started = time.monotonic()
    assert call("eth_blockNumber").status_code == 200
    assert time.monotonic() - started < 0.3
    answer = call("eth_chainId").json()
    assert time.monotonic() - started >= 0.3
    assert int(answer["result"], 16) == net.document["chain_id"]


def test_the_proxy_passes_the_engine_answer_unchanged(net: RunningDevnet) -> None:
    engine = net.document["chain_rpc_url"]
    batch = [_rpc_body("eth_chainId"), _rpc_body("eth_nope"), _rpc_body("eth_getBalance")]
    for payload in (batch, _rpc_body("eth_chainId"), "{not json"):
        content = payload if isinstance(payload, str) else json.dumps(payload)
        direct = HTTP.post(engine, content=content, timeout=10)
        proxied = HTTP.post(net.rpc_url, content=content, timeout=10)
        assert (proxied.status_code, proxied.content) == (direct.status_code, direct.content)


# --- accept_202 -------------------------------------------------------------------------


def _item_hash(response: httpx.Response) -> str:
    return str(json.loads(response.request.content)["message"]["item_hash"])


def _status(api_url: str, item_hash: str) -> str | None:
    found = message_status(api_url, item_hash)
    return None if found is None else str(found["status"])


def test_accept_202_keeps_messages_pending_until_cleared(
    net: RunningDevnet, accounts: list[Any]
) -> None:
    funder, recipient = seeded(accounts, 0), fresh_key()
    rule = faults.inject(net.api_url, "accept_202")
    item_hashes = []
    for amount in (1_000, 2_000):
        response = post_transfer(net.api_url, funder, recipient.address, amount, sync=True)
        # pyaleph's answer when processing is still pending (BroadcastStatus, 202).
        assert response.status_code == 202
        assert response.json() == {
            "publication_status": {"status": "success", "failed": []},
            "message_status": "pending",
        }
        item_hashes.append(_item_hash(response))
    status = HTTP.get(f"{net.api_url}/api/v0/messages/{item_hashes[0]}/status", timeout=10)
    assert status.json()["status"] == "pending"
    assert [_status(net.api_url, h) for h in item_hashes] == ["pending", "pending"]
    balance = HTTP.get(f"{net.api_url}/api/v0/addresses/{recipient.address}/balance", timeout=10)
    assert balance.json()["credit_balance"] == 0
    faults.remove(net.api_url, rule)
    wait_until(
        lambda: all(_status(net.api_url, h) == "processed" for h in item_hashes),
        what="the held messages to be processed",
    )
    balance = HTTP.get(f"{net.api_url}/api/v0/addresses/{recipient.address}/balance", timeout=10)
    assert balance.json()["credit_balance"] == 3_000


def test_accept_202_releases_when_its_times_run_out(
    net: RunningDevnet, accounts: list[Any]
) -> None:
    faults.inject(net.api_url, "accept_202", times=1)
    response = post_transfer(net.api_url, seeded(accounts, 0), fresh_key().address, 500)
    assert response.status_code == 202
    item_hash = _item_hash(response)
    wait_until(lambda: _status(net.api_url, item_hash) == "processed", what="processing")
    assert faults.rules(net.api_url) == []


# --- chain faults, on both engines --------------------------------------------------------


async def _call(client: httpx.AsyncClient, url: str, method: str, *params: Any) -> Any:
    """The whole JSON-RPC answer (result or error)."""
    response = await client.post(url, json=_rpc_body(method, *params))
    response.raise_for_status()
    return response.json()


async def _result(client: httpx.AsyncClient, url: str, method: str, *params: Any) -> Any:
    answer = await _call(client, url, method, *params)
    assert "error" not in answer, f"{method}: {answer['error']}"
    return answer["result"]


async def _nonce(client: httpx.AsyncClient, url: str, address: str, block: str) -> int:
    return int(await _result(client, url, "eth_getTransactionCount", address, block), 16)


async def _sign(
    client: httpx.AsyncClient, net: RunningDevnet, key: str, nonce: int, **fields: Any
) -> str:
    block = await _result(client, net.rpc_url, "eth_getBlockByNumber", "latest", False)
    base_fee = int(block["baseFeePerGas"], 16)
    tx = {
        "chainId": net.document["chain_id"],
        "type": 2,
        "nonce": nonce,
        "maxPriorityFeePerGas": GWEI,
        "maxFeePerGas": 2 * base_fee + GWEI,
        "value": 0,
        "gas": 21_000,
        **fields,
    }
    return "0x" + bytes(Account.sign_transaction(tx, key).raw_transaction).hex()


async def _receipt(client: httpx.AsyncClient, url: str, tx_hash: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        found: dict[str, Any] | None = await _result(
            client, url, "eth_getTransactionReceipt", tx_hash
        )
        return found

    return await poll(probe, f"the receipt of {tx_hash}")


async def _mined(client: httpx.AsyncClient, url: str, tx_hash: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        tx = await _result(client, url, "eth_getTransactionByHash", tx_hash)
        return tx if tx and tx.get("blockNumber") else None

    return await poll(probe, f"{tx_hash} to be mined")


async def test_revert_lets_a_doomed_transaction_fail_on_chain(
    chain_net: RunningDevnet, client: httpx.AsyncClient, accounts: list[Any]
) -> None:
    url, account = chain_net.rpc_url, accounts[CHAIN_ACCOUNT]
    usdc = chain_net.document["usdc_token"]
    held = await token_balance(client, url, usdc, account.address)
    data = TRANSFER_SELECTOR + account.address[2:].lower().rjust(64, "0") + f"{held + 1:064x}"
    call = {"from": account.address, "to": usdc, "data": data}
    refused = await _call(client, url, "eth_call", call, "latest")
    assert "insufficient balance" in refused["error"]["message"]

    faults.inject(chain_net.api_url, "revert", times=1)
    # The client's simulation and estimate see no problem...
    assert await _result(client, url, "eth_call", call, "latest") == "0x"
    assert int(await _result(client, url, "eth_estimateGas", call), 16) == REVERT_GAS
    nonce = await _nonce(client, url, account.address, "pending")
    raw = await _sign(
        client, chain_net, account.private_key, nonce, to=usdc, data=data, gas=REVERT_GAS
    )
    tx_hash = await _result(client, url, "eth_sendRawTransaction", raw)
    # ...and the chain mines it and reverts it for real.
    receipt = await _receipt(client, url, tx_hash)
    assert receipt["status"] == "0x0"
    assert faults.rules(chain_net.api_url) == []
    before = hex(int(receipt["blockNumber"], 16) - 1)
    replay = await _call(client, url, "eth_call", call, before)
    assert "insufficient balance" in replay["error"]["message"]
    assert await token_balance(client, url, usdc, account.address) == held
    assert await _nonce(client, url, account.address, "latest") == nonce + 1


async def test_revert_makes_a_good_token_transfer_revert_for_real(
    chain_net: RunningDevnet, client: httpx.AsyncClient, accounts: list[Any]
) -> None:
    """As when the tokens were spent by another transaction before this one was mined."""
    url, account = chain_net.rpc_url, accounts[CHAIN_ACCOUNT]
    usdc = chain_net.document["usdc_token"]
    held = await token_balance(client, url, usdc, account.address)
    data = TRANSFER_SELECTOR + account.address[2:].lower().rjust(64, "0") + f"{1:064x}"
    call = {"from": account.address, "to": usdc, "data": data}
    faults.inject(chain_net.api_url, "revert", times=1)
    assert int(await _result(client, url, "eth_call", call, "latest"), 16) == 1
    gas = int(await _result(client, url, "eth_estimateGas", call), 16) * 2
    nonce = await _nonce(client, url, account.address, "pending")
    raw = await _sign(client, chain_net, account.private_key, nonce, to=usdc, data=data, gas=gas)
    receipt = await _receipt(client, url, await _result(client, url, "eth_sendRawTransaction", raw))
    assert receipt["status"] == "0x0" and int(receipt["gasUsed"], 16) < gas
    before = hex(int(receipt["blockNumber"], 16) - 1)
    replay = await _call(client, url, "eth_call", call, before)
    assert "ERC20: insufficient balance" in replay["error"]["message"]
    assert await token_balance(client, url, usdc, account.address) == held
    assert faults.rules(chain_net.api_url) == []
    assert int(await _result(client, url, "eth_call", call, "latest"), 16) == 1


async def test_receipt_never_hides_a_mined_transaction(
    chain_net: RunningDevnet, client: httpx.AsyncClient, accounts: list[Any]
) -> None:
    url, account = chain_net.rpc_url, accounts[CHAIN_ACCOUNT]
    faults.inject(chain_net.api_url, "receipt_never")
    nonce = await _nonce(client, url, account.address, "pending")
    raw = await _sign(client, chain_net, account.private_key, nonce, to=account.address)
    tx_hash = await _result(client, url, "eth_sendRawTransaction", raw)
    tx = await _mined(client, url, tx_hash)
    for _ in range(3):
        assert await _result(client, url, "eth_getTransactionReceipt", tx_hash) is None
    faults.clear(chain_net.api_url)
    receipt = await _receipt(client, url, tx_hash)
    assert receipt["status"] == "0x1" and receipt["blockNumber"] == tx["blockNumber"]


async def test_nonce_conflict_gets_the_engines_own_rejection(
    chain_net: RunningDevnet, client: httpx.AsyncClient, accounts: list[Any]
) -> None:
    url, account = chain_net.rpc_url, accounts[CHAIN_ACCOUNT]
    if await _nonce(client, url, account.address, "latest") == 0:
        raw = await _sign(client, chain_net, account.private_key, 0, to=account.address)
        await _receipt(client, url, await _result(client, url, "eth_sendRawTransaction", raw))
    used = await _nonce(client, url, account.address, "latest")
    faults.inject(chain_net.api_url, "nonce_conflict", times=1)
    stale = await _nonce(client, url, account.address, "pending")
    assert stale == used - 1
    raw = await _sign(client, chain_net, account.private_key, stale, to=account.address)
    refused = await _call(client, url, "eth_sendRawTransaction", raw)
    assert "nonce too low" in refused["error"]["message"].lower()
    assert await _nonce(client, url, account.address, "pending") == used


async def test_a_dropped_send_still_reaches_the_chain(
    chain_net: RunningDevnet, client: httpx.AsyncClient, accounts: list[Any]
) -> None:
    url, account = chain_net.rpc_url, accounts[CHAIN_ACCOUNT]
    faults.inject(
        chain_net.api_url, "drop", target="rpc", match="eth_sendRawTransaction", processed=True
    )
    nonce = await _nonce(client, url, account.address, "pending")
    raw = await _sign(client, chain_net, account.private_key, nonce, to=account.address)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(url, json=_rpc_body("eth_sendRawTransaction", raw))
    faults.clear(chain_net.api_url)
    tx_hash = "0x" + keccak(hexstr=raw).hex()
    assert (await _receipt(client, url, tx_hash))["status"] == "0x1"
    again = await _call(client, url, "eth_sendRawTransaction", raw)
    assert "error" in again
    assert await _nonce(client, url, account.address, "latest") == nonce + 1


async def test_nonce_conflict_on_an_unused_dev_account(
    net: RunningDevnet, client: httpx.AsyncClient, accounts: list[Any]
) -> None:
    """Nonce 0 is taken for real, by "another wallet" holding the same public dev key."""
    url = net.rpc_url
    unused = [a for a in accounts if await _nonce(client, url, a.address, "latest") == 0]
    assert unused, "the fault devnet has no dev account left that never sent a transaction"
    account = unused[-1]
    faults.inject(net.api_url, "nonce_conflict", times=1)
    assert await _nonce(client, url, account.address, "pending") == 0
    assert await _nonce(client, url, account.address, "latest") == 1
    raw = await _sign(client, net, account.private_key, 0, to=account.address)
    refused = await _call(client, url, "eth_sendRawTransaction", raw)
    assert "nonce too low" in refused["error"]["message"].lower()


async def test_rpc_down_answers_bad_gateway_until_cleared(
    chain_net: RunningDevnet, client: httpx.AsyncClient
) -> None:
    faults.inject(chain_net.api_url, "rpc_down")
    for method in ("eth_chainId", "eth_blockNumber"):
        down = await client.post(chain_net.rpc_url, json=_rpc_body(method))
        assert down.status_code == 502
        assert not down.headers["content-type"].startswith("application/json")
    faults.clear(chain_net.api_url)
    chain_id = await _result(client, chain_net.rpc_url, "eth_chainId")
    assert int(chain_id, 16) == chain_net.document["chain_id"]
