"""GET /api/v0/messages.json: the listing clients such as the SDK's get_messages use."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from eth_account import Account

from aleph_tui.core.aleph.messages import build_post_message
from tests.support.devnet_process import RunningDevnet


@pytest.fixture(scope="module")
def posted(devnet: RunningDevnet) -> dict[str, Any]:
    """Three posts from a fresh key on a channel of their own, two of one post type."""
    key = Account.create()
    channel = f"TEST-{uuid.uuid4().hex[:8]}"
    hashes = []
    for i, post_type in enumerate(("note", "note", "other")):
        message = build_post_message(
            key.key, key.address, post_type, {"n": i}, channel=channel, time=1_800_000_000 + i
        )
        response = httpx.post(
            f"{devnet.api_url}/api/v0/messages", json={"sync": True, "message": message}
        )
        assert response.status_code == 200, response.text
        hashes.append(message["item_hash"])
    return {"sender": key.address, "channel": channel, "hashes": hashes}


def _list(devnet: RunningDevnet, **params: Any) -> httpx.Response:
    return httpx.get(f"{devnet.api_url}/api/v0/messages.json", params=params)


def test_filters_by_sender_and_channel_newest_first(
    devnet: RunningDevnet, posted: dict[str, Any]
) -> None:
    body = _list(devnet, addresses=posted["sender"], channels=posted["channel"]).json()
    assert body["pagination_item"] == "messages"
    assert body["pagination_total"] == 3
    assert [m["item_hash"] for m in body["messages"]] == posted["hashes"][::-1]
    first = body["messages"][0]
    assert first["content"]["content"] == {"n": 2}
    assert first["type"] == "POST" and first["channel"] == posted["channel"]


def test_content_type_hashes_and_paging(devnet: RunningDevnet, posted: dict[str, Any]) -> None:
    notes = _list(devnet, channels=posted["channel"], contentTypes="note").json()
    assert {m["item_hash"] for m in notes["messages"]} == set(posted["hashes"][:2])
    one = _list(devnet, hashes=posted["hashes"][2]).json()
    assert [m["item_hash"] for m in one["messages"]] == [posted["hashes"][2]]
    page2 = _list(devnet, channels=posted["channel"], pagination=2, page=2, sortOrder=1).json()
    assert page2["pagination_total"] == 3
    assert [m["item_hash"] for m in page2["messages"]] == [posted["hashes"][2]]


def test_rejected_messages_are_listed_only_on_request(
    devnet: RunningDevnet, posted: dict[str, Any]
) -> None:
    key = Account.create()
    other = Account.create()
    # Signed by another key: the node rejects it with an invalid signature.
    message = build_post_message(other.key, key.address, "note", {}, channel=posted["channel"])
    message["signature"] = build_post_message(
        other.key, other.address, "note", {}, channel=posted["channel"]
    )["signature"]
    httpx.post(f"{devnet.api_url}/api/v0/messages", json={"sync": True, "message": message})
    default = _list(devnet, addresses=key.address).json()
    assert default["pagination_total"] == 0
    rejected = _list(devnet, addresses=key.address, msgStatuses="rejected").json()
    assert [m["item_hash"] for m in rejected["messages"]] == [message["item_hash"]]


@pytest.mark.parametrize(
    "params",
    [{"msgType": "BOGUS"}, {"page": "0"}, {"pagination": "-1"}, {"msgStatuses": "lost"}],
)
def test_bad_parameters_are_422(devnet: RunningDevnet, params: dict[str, str]) -> None:
    assert _list(devnet, **params).status_code == 422
