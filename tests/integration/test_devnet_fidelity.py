"""The devnet keeps pyaleph's rules: one test per behaviour, each citing where pyaleph does it.

Sources are pyaleph at b09db708 (the commit ../shared/research/aleph-api.md cites) and
aleph-message 1.7.0, the library pyaleph validates messages with. Every test talks to
the real devnet over HTTP; balances are read before and after anything that could move
credits, and each test works on fresh keys.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from aleph_tui.core.aleph.messages import (
    CREDIT_CHANNEL,
    CREDIT_TRANSFER,
    compact_json,
    credit_transfer_content,
    item_hash_of,
    sign_raw,
    verification_buffer,
)
from tests.support.credit_helpers import Key, fresh_key, seeded
from tests.support.devnet_process import RunningDevnet

BROADCAST_OK = {"status": "success", "failed": []}


@pytest.fixture(scope="module")
def http(devnet: RunningDevnet) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=devnet.api_url, timeout=30) as client:
        yield client


@pytest.fixture
def funded(http: httpx.Client, accounts: list[Any]) -> Key:
    """A fresh key holding 5 000 000 credits, given by seeded account 0."""
    key = fresh_key()
    response = post(http, signed_post(seeded(accounts), transfer_to(key.address, 5_000_000)))
    assert response.status_code == 200, response.text
    return key


def transfer_to(recipient: str, amount: int) -> dict[str, Any]:
    return credit_transfer_content([(recipient, amount, None)])


def signed_post(
    key: Key,
    content: Any,
    *,
    post_type: str = CREDIT_TRANSFER,
    chain: str = "ETH",
    content_time: Any = None,
    message_time: float | None = None,
    channel: str | None = CREDIT_CHANNEL,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A POST signed with EIP-191 whose content and envelope times can differ."""
    now = time.time()
    body: dict[str, Any] = {
        "address": key.address,
        "time": now if content_time is None else content_time,
        "content": content,
        "type": post_type,
    }
    item_content = compact_json(body | (extra or {}))
    item_hash = item_hash_of(item_content)
    return {
        "sender": key.address,
        "chain": chain,
        "signature": sign_raw(
            key.private_key, verification_buffer(chain, key.address, "POST", item_hash)
        ),
        "type": "POST",
        "item_hash": item_hash,
        "item_type": "inline",
        "item_content": item_content,
        "time": now if message_time is None else message_time,
        "channel": channel,
    }


def post(http: httpx.Client, message: Any, sync: bool = True) -> httpx.Response:
    return http.post("/api/v0/messages", json={"sync": sync, "message": message})


def credits(http: httpx.Client, address: str) -> int:
    response = http.get(f"/api/v0/addresses/{address}/balance")
    assert response.status_code == 200
    return int(response.json()["credit_balance"])


def rejected(http: httpx.Client, message: dict[str, Any]) -> dict[str, Any]:
    """Post a message the node takes in and then rejects; its GET /messages/{hash}."""
    response = post(http, message)
    assert response.status_code == 422, response.text
    assert response.json() == {"publication_status": BROADCAST_OK, "message_status": "rejected"}
    found = http.get(f"/api/v0/messages/{message['item_hash']}").json()
    assert found["status"] == "rejected"
    return dict(found)


# --- intake: aleph-message's models (pyaleph src/aleph/schemas/pending_messages.py) -------


@pytest.mark.parametrize("content_time", [-1, 1e10, "soon"], ids=["negative", "1e10", "text"])
def test_out_of_range_content_time_is_refused_at_intake_and_moves_nothing(
    http: httpx.Client, funded: Key, content_time: Any
) -> None:
    """aleph-message BaseContent.time is ``Field(ge=0, le=MAX_CONTENT_TIME)``
    (aleph_message/models/abstract.py); pyaleph parses content with it at intake and
    answers 422 ``InvalidMessageFormat`` (web/controllers/utils.py validate_message_dict)."""
    recipient = fresh_key().address
    before = credits(http, funded.address)
    message = signed_post(funded, transfer_to(recipient, 1), content_time=content_time)
    response = post(http, message)
    assert response.status_code == 422
    assert response.text == "InvalidMessageFormat"
    assert http.get(f"/api/v0/messages/{message['item_hash']}").status_code == 404
    assert credits(http, recipient) == 0
    assert credits(http, funded.address) == before


def test_a_backdated_in_range_content_time_decides_the_precision_cutoff(
    http: httpx.Client, funded: Key
) -> None:
    """pyaleph handlers/content/post.py process_post passes ``content.time`` (not the
    envelope time, not the reception time) as ``message_timestamp``; db/accessors/
    balances.py multiplies amounts by 10 000 before CREDIT_PRECISION_CUTOFF_TIMESTAMP
    and drains only lots granted at or before that instant. So a transfer dated
    ``time = 1`` passes intake, drains nothing (no lot existed in 1970) and grants
    ×10 000: pyaleph's behaviour at b09db708, which the devnet keeps."""
    recipient = fresh_key().address
    before = credits(http, funded.address)
    message = signed_post(funded, transfer_to(recipient, 3), content_time=1)
    response = post(http, message)
    assert response.status_code == 200, response.text
    assert credits(http, recipient) == 3 * 10_000
    assert credits(http, funded.address) == before
    rows = http.get(f"/api/v0/addresses/{recipient}/credit_history").json()["credit_history"]
    assert [(r["amount"], r["message_timestamp"]) for r in rows] == [
        (30_000, "1970-01-01T00:00:01Z")
    ]


def test_the_envelope_time_does_not_decide_the_precision_cutoff(
    http: httpx.Client, funded: Key
) -> None:
    """Same source: a current content.time under an envelope dated 1970 is not scaled."""
    recipient = fresh_key().address
    message = signed_post(funded, transfer_to(recipient, 3), message_time=1)
    assert post(http, message).status_code == 200
    assert credits(http, recipient) == 3


def test_an_extra_key_in_post_content_is_refused_at_intake(http: httpx.Client, funded: Key) -> None:
    """aleph-message PostContent has ``extra="forbid"`` (aleph_message/models/__init__.py)."""
    recipient = fresh_key().address
    message = signed_post(funded, transfer_to(recipient, 1), extra={"bonus": 1})
    response = post(http, message)
    assert (response.status_code, response.text) == (422, "InvalidMessageFormat")
    assert credits(http, recipient) == 0


@pytest.mark.parametrize("chain", ["OPTIMISM", "WORLDCHAIN", "eth", "AVALANCHE"])
def test_a_chain_outside_aleph_messages_enum_is_refused_at_intake(
    http: httpx.Client, funded: Key, chain: str
) -> None:
    """aleph-message Chain (aleph_message/models/base.py) holds values, not names:
    Optimism is ``OP``, Worldchain ``WLD``. pyaleph's BasePendingMessage.chain: Chain."""
    message = signed_post(funded, transfer_to(fresh_key().address, 1), chain=chain)
    response = post(http, message)
    assert (response.status_code, response.text) == (422, "InvalidMessageFormat")


# --- signatures by chain (pyaleph src/aleph/chains/signature_verifier.py) ------------------


@pytest.mark.parametrize("chain", ["OP", "WLD", "BASE", "ARB", "NEO", "ETHERLINK", "SONIC"])
def test_evm_chains_are_verified_with_eip191(http: httpx.Client, funded: Key, chain: str) -> None:
    """SignatureVerifier maps these chains to EVMVerifier/EthereumVerifier (chains/evm.py:
    ``encode_defunct`` + ``Account.recover_message``)."""
    recipient = fresh_key().address
    message = signed_post(funded, transfer_to(recipient, 7), chain=chain)
    response = post(http, message)
    assert response.status_code == 200, response.text
    assert credits(http, recipient) == 7
    assert http.get(f"/api/v0/messages/{message['item_hash']}").json()["message"]["chain"] == chain


@pytest.mark.parametrize("chain", ["AVAX", "SOL", "ES", "CSDK", "DOT", "NULS2", "TEZOS"])
def test_a_chain_pyaleph_verifies_with_another_scheme_is_refused(
    http: httpx.Client, funded: Key, chain: str
) -> None:
    """pyaleph checks AVAX with AvalancheConnector, SOL and ES with SolanaConnector, ...
    An EIP-191 signature does not pass those, and the devnet has none of them: the
    message is rejected as badly signed (error_code 1), never waved through."""
    recipient = fresh_key().address
    before = credits(http, funded.address)
    found = rejected(http, signed_post(funded, transfer_to(recipient, 7), chain=chain))
    assert found["error_code"] == 1
    assert credits(http, recipient) == 0
    assert credits(http, funded.address) == before


@pytest.mark.parametrize("chain", ["AURORA", "STT"])
def test_a_chain_with_no_verifier_in_pyaleph_is_rejected_as_invalid_format(
    http: httpx.Client, funded: Key, chain: str
) -> None:
    """Chains of aleph-message missing from SignatureVerifier.verifiers: pyaleph raises
    ``InvalidMessageFormat(f"Unknown chain for validation: {message.chain}")``."""
    recipient = fresh_key().address
    found = rejected(http, signed_post(funded, transfer_to(recipient, 7), chain=chain))
    assert found["error_code"] == 0
    assert found["details"] == {"errors": [f"Unknown chain for validation: Chain.{_name(chain)}"]}
    assert credits(http, recipient) == 0


def _name(value: str) -> str:
    from aleph_message.models import Chain

    return Chain(value).name


@pytest.mark.parametrize(
    ("chain", "status"),
    [("OP", 200), ("WLD", 200), ("ETH", 200), ("OPTIMISM", 422), ("WORLDCHAIN", 422)],
)
def test_chain_query_parameters_follow_aleph_messages_enum(
    http: httpx.Client, accounts: list[Any], chain: str, status: int
) -> None:
    """schemas/api/accounts.py GetAccountQueryParams.chain: Optional[Chain]."""
    response = http.get(f"/api/v0/addresses/{accounts[0].address}/balance", params={"chain": chain})
    assert response.status_code == status
    if status == 422:
        assert response.json()[0]["loc"] == ["chain"]


# --- malformed input (pyaleph src/aleph/web/controllers/messages.py, utils.py) -------------


@pytest.mark.parametrize("path", ["/api/v0/messages/{}", "/api/v0/messages/{}/status"])
@pytest.mark.parametrize("bad", ["nothex", "ab" * 31 + "z!", "Qm" + "0" * 10])
def test_a_malformed_message_hash_is_400(http: httpx.Client, path: str, bad: str) -> None:
    """web/controllers/utils.py get_item_hash_from_request: aleph-message ItemHash refuses
    it, then ``HTTPBadRequest(body=f"Invalid message hash: {item_hash_str}")``."""
    response = http.get(path.format(bad))
    assert (response.status_code, response.text) == (400, f"Invalid message hash: {bad}")


@pytest.fixture(scope="module")
def three_posts(http: httpx.Client) -> dict[str, Any]:
    """Three plain posts from a fresh key on a channel of their own, in time order."""
    key = fresh_key()
    channel = f"FIDELITY-{time.time_ns()}"
    hashes = []
    for i in range(3):
        message = signed_post(
            key,
            {"n": i},
            post_type="note",
            channel=channel,
            content_time=1_800_000_000 + i,
            message_time=1_800_000_000 + i,
        )
        assert post(http, message).status_code == 200
        hashes.append(message["item_hash"])
    return {"sender": key.address, "channel": channel, "hashes": hashes}


MESSAGE_KEYS = [
    "item_hash",
    "type",
    "chain",
    "sender",
    "signature",
    "item_type",
    "item_content",
    "content",
    "time",
    "channel",
    "size",
    "confirmations",
    "confirmed",
]


def test_listed_messages_have_pyalephs_keys_in_order_with_their_size(
    http: httpx.Client, three_posts: dict[str, Any]
) -> None:
    """messages.py message_to_dict: MessageDb columns in table order (``size`` is
    ``len(content.raw_value)``, handlers/message_handler.py), then confirmations and
    confirmed; format_response_dict gives the envelope's key order."""
    body = http.get("/api/v0/messages.json", params={"channels": three_posts["channel"]}).json()
    assert list(body) == [
        "messages",
        "pagination_per_page",
        "pagination_page",
        "pagination_total",
        "pagination_item",
    ]
    for item in body["messages"]:
        assert list(item) == MESSAGE_KEYS
        assert item["size"] == len(item["item_content"].encode())
        assert (item["confirmations"], item["confirmed"]) == ([], False)


def test_the_total_past_the_last_page_is_pyalephs_arithmetic(
    http: httpx.Client, three_posts: dict[str, Any]
) -> None:
    """messages.py view_messages_list: a short page skips the COUNT and reports
    ``(page - 1) * pagination + len(messages)``, so past the end the total grows."""

    def total(page: int) -> tuple[int, int]:
        params = {"channels": three_posts["channel"], "pagination": 2, "page": page}
        body = http.get("/api/v0/messages.json", params=params).json()
        return body["pagination_total"], len(body["messages"])

    assert total(1) == (3, 2)
    assert total(2) == (3, 1)
    assert total(5) == (8, 0)


def test_messages_tie_break_on_item_hash_ascending_and_page_by_cursor(
    http: httpx.Client, three_posts: dict[str, Any]
) -> None:
    """db/accessors/messages.py make_matching_messages_query: ``time`` in the requested
    order, then ``item_hash`` ascending; cursor mode (toolkit/cursor.py) walks the same
    order and ends with ``next_cursor: null``."""
    seen: list[str] = []
    params: dict[str, Any] = {"channels": three_posts["channel"], "pagination": 2, "cursor": ""}
    while True:
        body = http.get("/api/v0/messages.json", params=params).json()
        assert list(body) == ["messages", "pagination_per_page", "next_cursor"]
        seen += [m["item_hash"] for m in body["messages"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == three_posts["hashes"][::-1]


def test_a_processed_posts_content_carries_ref(
    http: httpx.Client, three_posts: dict[str, Any]
) -> None:
    """schemas/api/messages.py PostMessage: content is aleph-message PostContent, dumped
    with every field: address, time, content, ref, type."""
    found = http.get(f"/api/v0/messages/{three_posts['hashes'][0]}").json()
    assert found["status"] == "processed"
    assert list(found["message"]) == [
        "sender",
        "chain",
        "signature",
        "type",
        "item_content",
        "item_type",
        "item_hash",
        "time",
        "channel",
        "content",
        "confirmed",
        "confirmations",
    ]
    assert found["message"]["content"] == {
        "address": three_posts["sender"],
        "time": 1_800_000_000.0,
        "content": {"n": 0},
        "ref": None,
        "type": "note",
    }


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"hashes": "nothex"}, ["hashes", 0]),
        ({"contentHashes": "xyz"}, ["contentHashes", 0]),
        ({"msgStatuses": "lost"}, ["msgStatuses", 0]),
        ({"msgTypes": "POST,BOGUS"}, ["msgTypes", 1]),
        ({"chains": "OPTIMISM"}, ["chains", 0]),
        ({"sortBy": "size"}, ["sortBy"]),
        ({"sortOrder": "0"}, ["sortOrder"]),
        ({"excludeContent": "perhaps"}, ["excludeContent"]),
        ({"contentFormat": "short"}, ["contentFormat"]),
        ({"paymentTypes": "cash"}, ["paymentTypes", 0]),
        ({"startBlock": "-1"}, ["startBlock"]),
        ({"startDate": "20", "endDate": "10"}, []),
        ({"cursor": "x", "sortBy": "tx-time"}, []),
    ],
)
def test_invalid_message_filters_are_422_with_pydantic_json(
    http: httpx.Client, params: dict[str, str], loc: list[Any]
) -> None:
    """schemas/messages_query_params.py MessageQueryParams; messages.py answers
    ``HTTPUnprocessableEntity(text=e.json())``."""
    response = http.get("/api/v0/messages.json", params=params)
    assert response.status_code == 422
    errors = response.json()
    assert errors[0]["loc"] == loc


@pytest.mark.parametrize(
    ("params", "text"),
    [
        (
            {"msgStatuses": "forgotten,processed"},
            "msgStatuses=forgotten/removed cannot be combined with other statuses",
        ),
        (
            {"msgStatuses": "removed", "refs": "a", "tags": "b"},
            "Filters not supported for removed message queries: refs, tags",
        ),
        (
            {"msgStatuses": "forgotten", "cursor": ""},
            "Cursor pagination is not supported for forgotten message queries",
        ),
    ],
)
def test_unsupported_terminal_status_queries_are_400(
    http: httpx.Client, params: dict[str, str], text: str
) -> None:
    """messages.py view_messages_list and _validate_terminal_status_query_params."""
    response = http.get("/api/v0/messages.json", params=params)
    assert (response.status_code, response.text) == (400, text)


def test_content_format_headers_and_none(http: httpx.Client, three_posts: dict[str, Any]) -> None:
    """messages.py build_headers_content (POST: address, type, ref when set) and
    contentFormat=none / the deprecated excludeContent=true (no content at all)."""
    base = {"channels": three_posts["channel"], "sortOrder": "1"}
    headers = http.get("/api/v0/messages.json", params=base | {"contentFormat": "headers"})
    assert headers.json()["messages"][0]["content"] == {
        "address": three_posts["sender"],
        "type": "note",
    }
    for flag in ({"contentFormat": "none"}, {"excludeContent": "true"}):
        items = http.get("/api/v0/messages.json", params=base | flag).json()["messages"]
        assert [m for m in items if "content" in m] == []


# --- the routes the official clients call (pyaleph web/controllers/accounts.py, posts.py,
# prices.py) ------------------------------------------------------------------------------


def test_credit_balances_list_every_ledger_address_with_its_balance(
    http: httpx.Client, funded: Key
) -> None:
    """accounts.py get_credit_balances_handler, db/accessors/balances.py
    get_credit_balances: ``{address, credits}`` by address, the still-valid remaining
    credit, page and cursor modes over the same rows."""
    everything = http.get("/api/v0/credit_balances", params={"pagination": 0}).json()
    assert list(everything) == [
        "credit_balances",
        "pagination_per_page",
        "pagination_page",
        "pagination_total",
        "pagination_item",
    ]
    rows = everything["credit_balances"]
    assert everything["pagination_total"] == len(rows)
    assert [r["address"] for r in rows] == sorted(r["address"] for r in rows)
    mine = {r["address"]: r["credits"] for r in rows}
    assert mine[funded.address] == credits(http, funded.address) == 5_000_000

    walked: list[dict[str, Any]] = []
    params: dict[str, Any] = {"cursor": "", "pagination": 500}
    while True:
        page = http.get("/api/v0/credit_balances", params=params).json()
        walked += page["credit_balances"]
        assert page["pagination_per_page"] == 200  # CURSOR_MAX_PAGINATION
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert walked == rows[: len(walked)]
    assert len(walked) >= len(rows) - 5  # others' tests may add addresses meanwhile

    rich = http.get("/api/v0/credit_balances", params={"min_balance": 5_000_000}).json()
    assert all(r["credits"] >= 5_000_000 for r in rich["credit_balances"])


@pytest.mark.parametrize("route", ["/api/v0/credit_balances", "/api/v0/balances"])
@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"min_balance": "0"}, ["min_balance"]),
        ({"page": "0"}, ["page"]),
        ({"pagination": "x"}, ["pagination"]),
    ],
)
def test_balance_lists_validate_their_parameters(
    http: httpx.Client, route: str, params: dict[str, str], loc: list[str]
) -> None:
    """schemas/api/accounts.py GetCreditBalancesQueryParams, GetBalancesChainsQueryParams
    (``min_balance: ge=1``: an explicit 0 is refused)."""
    response = http.get(route, params=params)
    assert response.status_code == 422
    assert response.json()[0]["loc"] == loc


@pytest.mark.parametrize("route", ["/api/v0/credit_balances", "/api/v0/balances"])
def test_cursor_mode_refuses_pagination_0(http: httpx.Client, route: str) -> None:
    """web/controllers/utils.py validate_cursor_pagination."""
    response = http.get(route, params={"cursor": "", "pagination": 0})
    assert (response.status_code, response.text) == (
        422,
        "pagination=0 is not allowed with cursor-based pagination",
    )


def test_chain_balances_match_each_address_balance(http: httpx.Client, accounts: list[Any]) -> None:
    """accounts.py get_chain_balances: ``{address, balance, chain}`` rows; the devnet
    chain plays Ethereum, so every row is ETH and ``chains=SOL`` lists none."""
    body = http.get("/api/v0/balances", params={"pagination": 0}).json()
    assert body["pagination_item"] == "balances"
    rows = {r["address"]: r for r in body["balances"]}
    holder = accounts[0].address
    single = http.get(f"/api/v0/addresses/{holder}/balance").json()
    assert rows[holder] == {"address": holder, "balance": single["balance"], "chain": "ETH"}
    assert single["balance"] > 0
    assert body["pagination_total"] == len(rows)
    sol = http.get("/api/v0/balances", params={"chains": "SOL"}).json()
    assert (sol["balances"], sol["pagination_total"]) == ([], 0)
    bad = http.get("/api/v0/balances", params={"chains": "OPTIMISM"})
    assert bad.status_code == 422


def _expense(entries: list[dict[str, Any]]) -> dict[str, Any]:
    from aleph_tui.core.aleph.messages import CREDIT_EXPENSE, build_post_message
    from aleph_tui.devnet.operators import CREDIT_SIGNER
    from aleph_tui.devnet.processor import MAINNET_CREDIT_OWNER

    return build_post_message(
        CREDIT_SIGNER.private_key,
        CREDIT_SIGNER.address,
        CREDIT_EXPENSE,
        {"expense": {"credits": entries}},
        address=MAINNET_CREDIT_OWNER,
    )


def test_consumed_credits_sum_the_expense_rows_of_a_resource(
    http: httpx.Client, funded: Key
) -> None:
    """accounts.py get_resource_consumed_credits_controller, balances.py
    get_total_consumed_credits: ``SUM(ABS(amount))`` over credit_expense rows whose
    ``COALESCE(NULLIF(origin, ''), origin_ref)`` is the hash (origin = execution_id)."""
    resource, execution = item_hash_of(f"vm {time.time()}"), item_hash_of(f"run {time.time()}")
    before = credits(http, funded.address)
    message = _expense(
        [
            {"address": funded.address, "amount": 1_200, "ref": resource, "price": "1"},
            {"address": funded.address, "amount": 300, "ref": resource, "price": "1"},
        ]
    )
    assert post(http, message).status_code == 200
    second = _expense(
        [
            {
                "address": funded.address,
                "amount": 45,
                "ref": resource,
                "execution_id": execution,
                "price": "1",
            }
        ]
    )
    assert post(http, second).status_code == 200
    assert credits(http, funded.address) == before - 1_545

    def consumed(item_hash: str) -> Any:
        response = http.get(f"/api/v0/messages/{item_hash}/consumed_credits")
        assert response.status_code == 200
        return response.json()

    assert consumed(resource) == {"item_hash": resource, "consumed_credits": 1_500}
    assert consumed(execution) == {"item_hash": execution, "consumed_credits": 45}
    assert consumed("not-a-hash") == {"item_hash": "not-a-hash", "consumed_credits": 0}


POST_V0_KEYS = [
    "chain",
    "item_hash",
    "sender",
    "type",
    "channel",
    "confirmed",
    "content",
    "item_content",
    "item_type",
    "signature",
    "size",
    "time",
    "confirmations",
    "original_item_hash",
    "original_signature",
    "original_type",
    "hash",
    "address",
    "ref",
]


def test_posts_v0_lists_posts_with_their_latest_amend(http: httpx.Client) -> None:
    """posts.py view_posts_list_v0 and merged_post_v0_to_dict; db/accessors/posts.py
    _make_select_merged_post_v0_base_stmt: an original shows its latest amend's content
    and hash, the amend itself is not listed; newest ``last_updated`` first."""
    key = fresh_key()
    channel = f"POSTS-{time.time_ns()}"
    original = signed_post(
        key, {"v": 1}, post_type="note", channel=channel, content_time=1_800_000_000
    )
    other = signed_post(
        key, {"v": 9}, post_type="memo", channel=channel, content_time=1_800_000_001
    )
    amend = signed_post(
        key,
        {"v": 2},
        post_type="amend",
        channel=channel,
        content_time=1_800_000_002,
        extra={"ref": original["item_hash"]},
    )
    for message in (original, other, amend):
        assert post(http, message).status_code == 200, message

    body = http.get("/api/v0/posts.json", params={"channels": channel}).json()
    assert list(body) == [
        "posts",
        "pagination_page",
        "pagination_total",
        "pagination_per_page",
        "pagination_item",
    ]
    assert (body["pagination_total"], body["pagination_item"]) == (2, "posts")
    first, second = body["posts"]
    assert list(first) == POST_V0_KEYS
    assert (first["original_item_hash"], first["item_hash"]) == (
        original["item_hash"],
        amend["item_hash"],
    )
    assert (first["content"], first["type"], first["original_type"]) == ({"v": 2}, "amend", "note")
    assert first["ref"] is None and first["hash"] == original["item_hash"]
    assert first["size"] == len(amend["item_content"])
    assert second["item_hash"] == second["original_item_hash"] == other["item_hash"]
    assert second["content"] == {"v": 9}

    memo = http.get("/api/v0/posts.json", params={"channels": channel, "types": "memo"}).json()
    assert [p["item_hash"] for p in memo["posts"]] == [other["item_hash"]]
    paged = http.get("/api/v0/posts/page/2.json", params={"channels": channel, "pagination": 1})
    assert [p["item_hash"] for p in paged.json()["posts"]] == [other["item_hash"]]


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/api/v0/posts/page/x.json", 400, "Invalid page value in path: x"),
        ("/api/v0/posts/page/0.json", 422, "Page number must be greater than 1."),
    ],
)
def test_posts_path_pages_are_checked(
    http: httpx.Client, path: str, status: int, text: str
) -> None:
    """web/controllers/utils.py get_path_page."""
    response = http.get(path)
    assert (response.status_code, response.text) == (status, text)


def test_the_price_of_a_resource_is_what_its_expenses_bill(
    http: httpx.Client,
) -> None:
    """prices.py message_price answers EstimatedCostsResponse (costs as 18-decimal
    strings, toolkit/costs.py format_cost_str); the devnet's resources cost per second
    what their expense rows bill per hour / 3600."""
    instances = http.get(
        "/api/v0/messages.json", params={"msgTypes": "INSTANCE", "pagination": 1}
    ).json()["messages"]
    [instance] = instances
    price = http.get(f"/api/v0/price/{instance['item_hash']}").json()
    assert list(price) == ["required_tokens", "payment_type", "cost", "detail", "charged_address"]
    assert (price["payment_type"], price["charged_address"]) == ("credit", instance["sender"])
    [component] = price["detail"]
    assert component["cost_credit"] == price["cost"] and len(price["cost"].split(".")[1]) == 18
    owner_history = http.get(
        f"/api/v0/addresses/{instance['sender']}/credit_history",
        params={"payment_method": "credit_expense", "pagination": 200},
    ).json()["credit_history"]
    hourly = {r["price"] for r in owner_history if r["origin_ref"] == instance["item_hash"]}
    assert len(hourly) == 1
    from decimal import Decimal

    assert abs(Decimal(price["cost"]) * 3600 - Decimal(hourly.pop())) < Decimal("1e-12")


def test_price_errors_are_pyalephs(http: httpx.Client, three_posts: dict[str, Any]) -> None:
    """prices.py get_executable_message and utils.get_item_hash_from_request."""
    a_post = three_posts["hashes"][0]
    response = http.get(f"/api/v0/price/{a_post}")
    assert (response.status_code, response.text) == (
        400,
        f"Message is not an executable or store message: {a_post}",
    )
    unknown = item_hash_of(f"never {time.time()}")
    response = http.get(f"/api/v0/price/{unknown}")
    assert (response.status_code, response.text) == (404, f"Message not found with hash: {unknown}")
    assert http.get("/api/v0/price/nothex").status_code == 400


def _aggregate(key: Key, name: str, value: dict[str, Any], at: float) -> dict[str, Any]:
    item_content = compact_json({"address": key.address, "time": at, "key": name, "content": value})
    item_hash = item_hash_of(item_content)
    return {
        "sender": key.address,
        "chain": "ETH",
        "signature": sign_raw(
            key.private_key, verification_buffer("ETH", key.address, "AGGREGATE", item_hash)
        ),
        "type": "AGGREGATE",
        "item_hash": item_hash,
        "item_type": "inline",
        "item_content": item_content,
        "time": at,
        "channel": "TEST",
    }


def _iso(at: float) -> str:
    """A datetime as pyaleph's info writes it: ``datetime.isoformat()``."""
    return dt.datetime.fromtimestamp(at, dt.UTC).isoformat()


@pytest.mark.parametrize("flag", ["value_only", "with_info", "limit"])
def test_aggregate_query_flags_are_validated(
    http: httpx.Client, accounts: list[Any], flag: str
) -> None:
    """aggregates.py AggregatesQueryParams (bools, an int limit): a 422 with pydantic's
    JSON, ``content_type="application/json"``."""
    owner = "0xFba561a84A537fCaa567bb7A2257e7142701ae2A"
    response = http.get(f"/api/v0/aggregates/{owner}.json", params={flag: "perhaps"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()[0]["loc"] == [flag]


def test_aggregate_with_info_names_the_last_revision(http: httpx.Client) -> None:
    """aggregates.py address_aggregate with_info and db/accessors/aggregates.py
    get_aggregates_by_owner: the merged content, its creation and last update times,
    and the last revision's hash (labelled both original and last update)."""
    key = fresh_key()
    first = _aggregate(key, "profile", {"a": 1}, 1_800_000_000)
    second = _aggregate(key, "profile", {"b": 2}, 1_800_000_100)
    for message in (first, second):
        assert post(http, message).status_code == 200
    body = http.get(
        f"/api/v0/aggregates/{key.address}.json", params={"keys": "profile", "with_info": "true"}
    ).json()
    assert body["data"] == {"profile": {"a": 1, "b": 2}}
    assert body["info"] == {
        "profile": {
            "created": _iso(1_800_000_000),
            "last_updated": _iso(1_800_000_100),
            "original_item_hash": second["item_hash"],
            "last_update_item_hash": second["item_hash"],
        }
    }


@pytest.mark.parametrize("order", ["in-order", "reverse"])
def test_aggregate_revisions_merge_in_time_order_whatever_their_arrival(
    http: httpx.Client, order: str
) -> None:
    """handlers/content/aggregate.py (the aggregate is its elements merged by creation
    time); pyaleph's tests/message_processing/test_process_aggregates.py
    test_process_aggregates_in_order / _reverse_order expect the same result."""
    key = fresh_key()
    original = _aggregate(key, "ref", {"a": 1, "c": 2}, 1_644_857_371.39)
    update = _aggregate(key, "ref", {"c": 3, "d": 4}, 1_644_857_704.62)
    for message in (original, update) if order == "in-order" else (update, original):
        assert post(http, message).status_code == 200
    body = http.get(f"/api/v0/aggregates/{key.address}.json", params={"keys": "ref"}).json()
    assert body["data"] == {"ref": {"a": 1, "c": 3, "d": 4}}


def test_aggregates_list_pages_and_cursor(http: httpx.Client) -> None:
    """aggregates.py view_aggregates_list: ``{address, key, content, created,
    last_updated}`` newest modification first; cursor mode walks the same rows;
    ``pagination`` is 1..500 (AggregatesListQueryParams)."""
    key = fresh_key()
    for name, at in (("one", 1_800_000_000), ("two", 1_800_000_500), ("three", 1_800_000_250)):
        assert post(http, _aggregate(key, name, {"n": name}, at)).status_code == 200
    body = http.get("/api/v0/aggregates.json", params={"addresses": key.address}).json()
    assert list(body) == [
        "aggregates",
        "pagination_per_page",
        "pagination_page",
        "pagination_total",
        "pagination_item",
    ]
    assert [a["key"] for a in body["aggregates"]] == ["two", "three", "one"]
    assert body["aggregates"][0] == {
        "address": key.address,
        "key": "two",
        "content": {"n": "two"},
        "created": _iso(1_800_000_500),
        "last_updated": _iso(1_800_000_500),
    }
    walked: list[str] = []
    params: dict[str, Any] = {"addresses": key.address, "pagination": 1, "cursor": ""}
    while True:
        page = http.get("/api/v0/aggregates.json", params=params).json()
        walked += [a["key"] for a in page["aggregates"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert walked == ["two", "three", "one"]
    for bad in ("0", "501"):
        response = http.get("/api/v0/aggregates.json", params={"pagination": bad})
        assert response.status_code == 422
        assert response.json()[0]["loc"] == ["pagination"]


def test_messages_page_in_the_path(http: httpx.Client, three_posts: dict[str, Any]) -> None:
    """routes.py ``/api/v0/messages/page/{page}.json``: the path's page wins (messages.py
    view_messages_list, utils.get_path_page)."""
    params = {"channels": three_posts["channel"], "pagination": 1, "page": 1}
    body = http.get("/api/v0/messages/page/3.json", params=params).json()
    assert body["pagination_page"] == 3
    assert [m["item_hash"] for m in body["messages"]] == [three_posts["hashes"][0]]
    bad = http.get("/api/v0/messages/page/x.json")
    assert (bad.status_code, bad.text) == (400, "Invalid page value in path: x")


def _note_and_amend(key: Key, channel: str, target: str | None = None) -> dict[str, Any]:
    return signed_post(
        key, {"v": "amended"}, post_type="amend", channel=channel, extra={"ref": target}
    )


def test_an_amend_before_its_original_waits_pending_then_is_processed(
    http: httpx.Client,
) -> None:
    """handlers/content/post.py check_dependencies raises AmendTargetNotFound, a
    RetryMessageException (types/message_status.py): the amend stays pending (202) and
    is processed once its original is."""
    key = fresh_key()
    channel = f"AMEND-{time.time_ns()}"
    original = signed_post(key, {"v": "first"}, post_type="note", channel=channel)
    amend = _note_and_amend(key, channel, original["item_hash"])
    early = post(http, amend)
    assert early.status_code == 202
    assert early.json()["message_status"] == "pending"
    assert http.get(f"/api/v0/messages/{amend['item_hash']}/status").json()["status"] == "pending"
    assert post(http, original).status_code == 200
    assert http.get(f"/api/v0/messages/{amend['item_hash']}/status").json()["status"] == (
        "processed"
    )
    [merged] = http.get("/api/v0/posts.json", params={"channels": channel}).json()["posts"]
    assert (merged["item_hash"], merged["content"]) == (amend["item_hash"], {"v": "amended"})


def test_amending_an_amend_is_rejected_with_code_102(http: httpx.Client) -> None:
    """post.py check_dependencies: CannotAmendAmend (ErrorCode.POST_AMEND_AMEND, no
    details)."""
    key = fresh_key()
    channel = f"AMEND-{time.time_ns()}"
    original = signed_post(key, {"v": 0}, post_type="note", channel=channel)
    first = _note_and_amend(key, channel, original["item_hash"])
    for message in (original, first):
        assert post(http, message).status_code == 200
    found = rejected(http, _note_and_amend(key, channel, first["item_hash"]))
    assert (found["error_code"], found["details"]) == (102, None)


def test_amending_someone_elses_post_is_permission_denied(http: httpx.Client) -> None:
    """post.py check_permissions: an amend's address must be the original's owner."""
    owner, other = fresh_key(), fresh_key()
    channel = f"AMEND-{time.time_ns()}"
    original = signed_post(owner, {"v": 0}, post_type="note", channel=channel)
    assert post(http, original).status_code == 200
    found = rejected(http, _note_and_amend(other, channel, original["item_hash"]))
    assert found["error_code"] == 2
    assert found["details"] == {
        "errors": [
            f"Cannot amend post {original['item_hash']}: amend message address "
            f"{other.address} does not match original post owner {owner.address}"
        ]
    }


def test_a_purchase_before_the_precision_cutoff_keeps_its_bonus_in_the_old_scale(
    http: httpx.Client, accounts: list[Any]
) -> None:
    """pyaleph db/accessors/balances.py update_credit_balances_distribution scales a
    distribution's ``amount`` by CREDIT_PRECISION_MULTIPLIER before the cutoff
    (2026-02-02) but stores ``bonus_amount`` as the message says it: so an old ALEPH
    purchase reads amount 87,600,000 with bonus_amount 1,460 (old credits: 14,600,000
    new). The devnet keeps that, as the node the app talks to does."""
    address = seeded(accounts).address
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = http.get(
            f"/api/v0/addresses/{address}/credit_history",
            params={"pagination": 200, "page": page},
        ).json()
        rows += answer["credit_history"]
        if page * 200 >= answer["pagination_total"]:
            break
        page += 1
    bonused = [r for r in rows if r.get("bonus_amount")]
    old = [r for r in bonused if r["message_timestamp"] < "2026-02-02"]
    new = [r for r in bonused if r["message_timestamp"] >= "2026-02-02"]
    assert old and new
    for row in new:  # +20 %: the bonus is a sixth of the credits
        assert int(row["bonus_amount"]) * 6 == int(row["amount"]), row
    for row in old:  # the bonus in the message's (old) scale, the amount scaled
        assert int(row["bonus_amount"]) * 6 * 10_000 == int(row["amount"]), row
