"""pyaleph's own test fixtures as golden inputs and outputs, so the devnet is not the only
judge of its own shapes (tests/support/data/pyaleph/README.md says where each file comes from).

Each test posts pyaleph's signed messages to the devnet over HTTP and checks what the
pyaleph test named in its docstring checks about them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.devnet_process import RunningDevnet

FIXTURES = Path(__file__).parents[1] / "support" / "data" / "pyaleph"


def fixture(name: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text())
    return messages


@pytest.fixture(scope="module")
def http(devnet: RunningDevnet) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=devnet.api_url, timeout=30) as client:
        yield client


def post(http: httpx.Client, message: dict[str, Any]) -> httpx.Response:
    return http.post("/api/v0/messages", json={"sync": True, "message": message})


def test_pyalephs_post_and_amend_fixture(http: httpx.Client) -> None:
    """tests/message_processing/test_process_posts.py test_process_post_and_amend, on
    fixtures/test-data-posts.json: the post shows the amend's hash and content, the
    original's type, channel and creation; posts.json lists one post."""
    original, amend = fixture("test-data-posts.json")
    for message in (original, amend):
        response = post(http, message)
        assert response.status_code == 200, response.text
    body = http.get("/api/v0/posts.json", params={"hashes": original["item_hash"]}).json()
    assert body["pagination_total"] == 1
    [merged] = body["posts"]
    original_content = json.loads(original["item_content"])
    amend_content = json.loads(amend["item_content"])
    assert merged["item_hash"] == amend["item_hash"]
    assert merged["original_item_hash"] == original["item_hash"]
    assert merged["content"] == amend_content["content"]
    assert merged["original_type"] == original_content["type"]
    assert merged["channel"] == original["channel"]
    # The amend itself is not a post of its own.
    amends = http.get("/api/v0/posts.json", params={"hashes": amend["item_hash"]}).json()
    assert amends["posts"] == []


def test_pyalephs_aggregate_fixture(http: httpx.Client) -> None:
    """tests/message_processing/test_process_aggregates.py, on
    fixtures/test-data-aggregates.json: every element is processed, each aggregate is
    its elements merged, and with_info names the last revision."""
    messages = fixture("test-data-aggregates.json")
    for message in reversed(messages):
        response = post(http, message)
        assert response.status_code == 200, response.text
    expected: dict[tuple[str, str], dict[str, Any]] = {}
    last: dict[tuple[str, str], tuple[float, str]] = {}
    for message in sorted(messages, key=lambda m: json.loads(m["item_content"])["time"]):
        content = json.loads(message["item_content"])
        where = (content["address"], content["key"])
        expected.setdefault(where, {}).update(content["content"])
        last[where] = (content["time"], message["item_hash"])
    for (owner, key), value in expected.items():
        body = http.get(
            f"/api/v0/aggregates/{owner}.json", params={"keys": key, "with_info": "true"}
        ).json()
        assert body["data"] == {key: value}
        assert body["info"][key]["last_update_item_hash"] == last[(owner, key)][1]
    reference = http.get(
        f"/api/v0/aggregates/{messages[0]['sender']}.json", params={"keys": "test_reference"}
    ).json()
    assert reference["data"]["test_reference"] == {"a": 1, "b": 2, "c": 3, "d": 4}


@pytest.mark.parametrize(
    "case",
    [
        # tests/schemas/test_pending_messages.py test_invalid_item_type
        {"item_type": "STORAGE"},
        # ... test_invalid_chain
        {"chain": "MEGA_CHAIN"},
        # ... test_invalid_hash
        {"item_hash": "deadbeef"},
        # ... test_invalid_time_field
        {"time": 255402210800},
    ],
    ids=["item-type", "chain", "hash", "time"],
)
def test_pyalephs_invalid_pending_messages_are_refused(
    http: httpx.Client, case: dict[str, Any]
) -> None:
    """tests/schemas/test_pending_messages.py: each raises InvalidMessageException in
    parse_message, which the API answers with 422 ``InvalidMessageFormat``."""
    message = {
        "_id": None,
        "chain": "ETH",
        "channel": "ANIMA_MAINNET",
        "confirmed": False,
        "item_hash": "c6c9df8d5b5dcd5cf74562c9d383308c354a5238d3b0d9db10d931b250490600",
        "item_type": "storage",
        "sender": "0x989Cfa25243C07b90Bedc673Fe6Df69B5B0D675C",
        "signature": "0x63e9dd351ff6735bb41c2658d95828bd0dbc14fc64eee119114fd7e84fa737f157c3b38"
        "ae7c5ca30a73c03e3794f35c94282b5fc9379d31b43f913d1c18300ca01",
        "time": 1653989834,
        "type": "AGGREGATE",
    } | case
    response = post(http, message)
    assert (response.status_code, response.text) == (422, "InvalidMessageFormat")


def test_pyalephs_inline_aggregate_is_accepted(http: httpx.Client) -> None:
    """tests/schemas/test_pending_messages.py test_parse_aggregate_inline_message: a real
    signed inline AGGREGATE, parsed and (its EIP-191 signature being valid) processed."""
    content = (
        '{"address":"0x51A58800b26AA1451aaA803d1746687cB88E0501","key":"0x93463a4f3af42de28f6840e59de'
        '6111b4192cf8bbinance","content":{"1652716953956":{"version":"x25519-xsalsa20-poly1305",'
        '"nonce":"eohzj0i+fiaduqOcRnKyHVoTN19Gdv1N","ephemPublicKey":"eAWtQ7A0qA1b/VpnuexR098LFzQh'
        'w4/wbneri+XuBgA=","ciphertext":"qsWudj1UrcC5qbdZgzks3h8OF+kOD/CpB5og7zZXNj3zDYoXA+0CLYErX8g'
        "sN7yuJQNd+MciEHoxfQZWKtulR9+RMxQrD7DnNUE4y0ick3aFKjXAcJLcbCKOXllo5p9hxq1o/VONJor4uiHc97Uh"
        "RTK1RXQUNdKz+V+RknAPrlamDcv3LJopm9zdMoxw5hRYIpF3fKH5natLkvc7EzmeQ3Bvo3mUtcyHWZZqmWpmtjVNFf1"
        "I+OHgFz4SK4O8nLq2fDPW8EtJBwTTfKeUIhj9B34V4+gl4O+822e4Tnbi4sTFGREc2lSqwDME4u4qyYMaM7omFYcf"
        "VvLwBHtIOoSl21xtaPh7g5q8z9lqlWJQTE9ZE2z0kKUuDLPCcrLMm1ooc69pSKPn2W87ycAWyN1v88i5KIU8vIBraWl"
        'FY76ROlHScw1L05PKI+1S03demsgNaT+hNTxGwSBOuEq7P25aJjiL3eKXZZ+lZONtSbegxTfFBg==","sha256":'
        '"99b9660c915e6ba26fb52cc7ae2735e73b1aeebd167db762e6e4b3d6ec85235f"}},"time":1652716955.776}'
    )
    message = {
        "chain": "ETH",
        "item_hash": "6127637a9415444e62843f62c81a9dda708363b3bb830a5b10fcc212cd586fa9",
        "sender": "0x51A58800b26AA1451aaA803d1746687cB88E0501",
        "type": "AGGREGATE",
        "channel": "UNSLASHED",
        "item_content": content,
        "item_type": "inline",
        "signature": "0xb0b97e102f7f75091306ec3ac39639a9560783a1652ed9f1c79138cafc77b9a1519a5cccab"
        "f7eb64a8cf4de11394757d95f9d7218833f85010ee847b77716c201c",
        "time": 1652716955.776,
    }
    response = post(http, message)
    assert response.status_code == 200, response.text
    found = http.get(f"/api/v0/messages/{message['item_hash']}").json()
    assert found["message"]["content"] == json.loads(content)
