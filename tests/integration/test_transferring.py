"""Credit transfers through core (quote → sign → post → follow → journal) on the devnet.

Each test uses fresh keys funded by seeded account 0, so tests neither depend on each
other nor on other files; expected balances come from the amounts moved here.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from aleph_tui.core.accounts.signer import Signer
from aleph_tui.core.aleph.api_client import AlephApi, MessageNotSent, OutcomeUnknown
from aleph_tui.core.aleph.messages import (
    CREDIT_CHANNEL,
    item_hash_of,
    recover_signer,
    verification_buffer,
)
from aleph_tui.core.flows.transferring import (
    InsufficientCredits,
    Transfer,
    TransferQuote,
    TransferRequest,
)
from aleph_tui.core.journal.operation_journal import Journal, Operation
from aleph_tui.core.networks import Network
from aleph_tui.core.validation import InvalidInput
from tests.support.credit_helpers import (
    Key,
    balance,
    credits,
    fresh_key,
    fund,
    funded_key,
    message_status,
    post_transfer,
    seeded,
    wait_until,
)
from tests.support.devnet_process import RunningDevnet


@pytest.fixture(scope="module")
def funder(accounts: list[Any]) -> Key:
    return seeded(accounts, 0)


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.jsonl")


@pytest.fixture
def names() -> dict[str, str]:
    """The account names and aliases a resolver knows (filled in by each test)."""
    return {}


@pytest.fixture
def transfers(api: AlephApi, journal: Journal, names: dict[str, str]) -> Transfer:
    def resolve(target: str) -> str:
        if target not in names:
            raise LookupError(f"'{target}' is not an account or an alias")
        return names[target]

    return Transfer(api, journal, "devnet", resolver=resolve, follow_timeout=10)


@pytest.fixture
def sender(devnet: RunningDevnet, funder: Key) -> Key:
    return funded_key(devnet.api_url, funder, 5_000_000)


def signer_of(key: Key) -> Signer:
    """A signer bound to a network (an unbound one signs nothing); the keys here are
    fresh, not public test keys, so any network will do."""
    return Signer(key.private_key).for_network(Network("devnet", "http://127.0.0.1:9"))


def in_days(days: float) -> dt.datetime:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


# --- quotes ---------------------------------------------------------------------------


async def test_an_unaffordable_quote_says_required_and_available_and_sends_nothing(
    devnet: RunningDevnet, transfers: Transfer, journal: Journal, sender: Key
) -> None:
    recipient = fresh_key().address
    quote = await transfers.quote(sender.address, recipient, "6_000_000")
    assert (quote.amount, quote.available, quote.sufficient) == (6_000_000, 5_000_000, False)
    assert quote.shortfall == 1_000_000
    with pytest.raises(InsufficientCredits) as caught:
        await transfers.execute(quote, signer_of(sender))
    assert (caught.value.required, caught.value.available) == (6_000_000, 5_000_000)
    assert "required 6,000,000, available 5,000,000" in str(caught.value)
    assert journal.operations() == []
    assert credits(devnet.api_url, recipient) == 0
    assert credits(devnet.api_url, sender.address) == 5_000_000


async def test_quote_validates_every_input(transfers: Transfer, sender: Key) -> None:
    recipient = fresh_key().address
    bad: list[tuple[dict[str, Any], str]] = [
        ({"amount": 0}, "amount"),
        ({"amount": "1.5"}, "amount"),
        ({"amount": "-3"}, "amount"),
        ({"target": recipient.lower()[:-1]}, "to"),
        ({"target": recipient[:2] + recipient[2:].swapcase()}, "to"),  # broken checksum
        ({"target": sender.address}, "to"),  # oneself
        ({"target": sender.address.lower()}, "to"),
        ({"target": "nobody"}, "to"),
        ({"target": "not a name"}, "to"),
        ({"expiration": "2020-01-01T00:00:00Z"}, "expiration"),
        ({"expiration": "2030-01-01T00:00:00"}, "expiration"),
        ({"expiration": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "expiration"),
        ({"channel": "two words"}, "channel"),
        ({"channel": ""}, "channel"),
    ]
    for change, field in bad:
        args: dict[str, Any] = {"target": recipient, "amount": 1, **change}
        with pytest.raises(InvalidInput) as caught:
            await transfers.quote(
                sender.address,
                args.pop("target"),
                args.pop("amount"),
                **args,
            )
        assert caught.value.field == field, (change, caught.value)


# --- sending --------------------------------------------------------------------------


async def test_transfer_to_an_address(
    devnet: RunningDevnet, transfers: Transfer, journal: Journal, sender: Key
) -> None:
    recipient = fresh_key().address
    quote = await transfers.quote(sender.address, recipient.lower(), 1_234_567)
    assert quote.recipient == recipient and quote.channel == CREDIT_CHANNEL
    result = await transfers.execute(quote, signer_of(sender))
    assert (result.status, result.error_code, result.reason) == ("processed", None, None)
    assert result.succeeded
    assert credits(devnet.api_url, recipient) == 1_234_567
    assert credits(devnet.api_url, sender.address) == 5_000_000 - 1_234_567

    [operation] = journal.operations()
    assert (operation.kind, operation.status, operation.account) == (
        "transfer",
        "completed",
        sender.address,
    )
    assert operation.id == result.operation_id and operation.network == "devnet"
    assert {
        k: operation.details[k] for k in ("item_hash", "recipient", "amount", "channel", "network")
    } == {
        "item_hash": result.item_hash,
        "recipient": recipient,
        "amount": 1_234_567,
        "channel": CREDIT_CHANNEL,
        "network": "devnet",
    }
    # Journal states in order: signed, then submitted before the POST, then completed.
    steps = journal.history(operation.id)
    assert [step.status for step in steps] == ["signed", "submitted", "completed"]

    history = await transfers.api.credit_history(recipient)
    [row] = history.entries
    assert (row.amount, row.payment_method, row.origin) == (
        1_234_567,
        "credit_transfer",
        sender.address,
    )


async def test_transfer_to_an_alias_and_to_an_account_name(
    devnet: RunningDevnet, transfers: Transfer, sender: Key, names: dict[str, str]
) -> None:
    friend, colleague = fresh_key().address, fresh_key().address
    names.update({"friend": friend, "work-2": colleague.lower()})
    for target, address, amount in (("friend", friend, 10_000), ("work-2", colleague, 20_000)):
        quote = await transfers.quote(sender.address, f" {target} ", amount)
        assert (quote.target, quote.recipient) == (target, address)
        result = await transfers.execute(quote, signer_of(sender))
        assert result.status == "processed"
        assert credits(devnet.api_url, address) == amount
    names["me"] = sender.address
    with pytest.raises(InvalidInput, match="oneself"):
        await transfers.quote(sender.address, "me", 1)


async def test_the_signed_message_is_exactly_the_nodes_format(
    transfers: Transfer, sender: Key
) -> None:
    recipient = fresh_key().address
    expiration = in_days(30)
    quote = await transfers.quote(sender.address, recipient, 42, expiration=expiration.isoformat())
    signed = transfers.sign(quote, signer_of(sender), time_s=1767225600.0)
    message = signed.message
    assert set(message) == {
        "sender",
        "chain",
        "signature",
        "type",
        "item_hash",
        "item_type",
        "item_content",
        "time",
        "channel",
    }
    assert (message["chain"], message["type"], message["item_type"]) == ("ETH", "POST", "inline")
    assert (message["sender"], message["channel"], message["time"]) == (
        sender.address,
        "ALEPH_CREDIT",
        1767225600.0,
    )
    expiration_ms = int(expiration.timestamp()) * 1000 + expiration.microsecond // 1000
    assert message["item_content"] == json.dumps(
        {
            "address": sender.address,
            "time": 1767225600.0,
            "content": {
                "transfer": {
                    "credits": [{"address": recipient, "amount": 42, "expiration": expiration_ms}]
                }
            },
            "type": "aleph_credit_transfer",
        },
        separators=(",", ":"),
    )
    assert message["item_hash"] == signed.item_hash == item_hash_of(message["item_content"])
    buffer = verification_buffer("ETH", sender.address, "POST", signed.item_hash)
    assert recover_signer(buffer, message["signature"]) == sender.address
    with pytest.raises(ValueError, match="signer"):
        transfers.sign(quote, Signer(fresh_key().private_key))


async def test_the_expiration_is_sent_in_milliseconds_and_honoured(
    devnet: RunningDevnet, transfers: Transfer, sender: Key
) -> None:
    recipient = fresh_key().address
    expiration = in_days(3) + dt.timedelta(milliseconds=123)
    quote = await transfers.quote(sender.address, recipient, 300_000, expiration=expiration)
    assert quote.expiration_ms == (
        int(expiration.timestamp()) * 1000 + expiration.microsecond // 1000
    )
    result = await transfers.execute(quote, signer_of(sender))
    assert result.status == "processed"
    lots = balance(devnet.api_url, recipient)["credit_balance_details"]
    assert lots == [
        {"expiration_date": expiration.isoformat().replace("+00:00", "Z"), "amount": 300_000}
    ]


async def test_a_dry_run_signs_and_posts_nothing(
    devnet: RunningDevnet, transfers: Transfer, journal: Journal, sender: Key
) -> None:
    recipient = fresh_key().address
    quote = await transfers.quote(sender.address, recipient, 1_000)
    result = await transfers.execute(quote, signer_of(sender), dry_run=True)
    assert result.status == "dry-run" and result.succeeded and result.operation_id is None
    assert len(result.item_hash) == 64 and int(result.item_hash, 16) >= 0
    assert message_status(devnet.api_url, result.item_hash) is None
    assert journal.operations() == []
    assert credits(devnet.api_url, recipient) == 0
    assert credits(devnet.api_url, sender.address) == 5_000_000


async def test_a_rejection_surfaces_the_nodes_reason_and_code(
    devnet: RunningDevnet, transfers: Transfer, journal: Journal, sender: Key
) -> None:
    recipient = fresh_key().address
    quote = await transfers.quote(sender.address, recipient, 4_000_000)
    assert quote.sufficient
    # The sender spends most of its credits elsewhere between the quote and the send.
    assert post_transfer(devnet.api_url, sender, fresh_key().address, 3_000_000).status_code == 200
    result = await transfers.execute(quote, signer_of(sender))
    assert (result.status, result.error_code) == ("rejected", 0)
    assert result.reason == (
        "Insufficient credit balance for transfer. Required: 4000000, Available: 2000000"
    )
    assert not result.succeeded
    [operation] = journal.operations()
    assert (operation.status, operation.error) == ("failed", result.reason)
    assert credits(devnet.api_url, recipient) == 0


async def test_another_channel_is_stored_but_moves_no_credits(
    devnet: RunningDevnet, transfers: Transfer, sender: Key
) -> None:
    recipient = fresh_key().address
    with pytest.raises(InvalidInput, match="credits move only on ALEPH_CREDIT"):
        await transfers.quote(sender.address, recipient, 1_000, channel="TEST")
    quote = await transfers.quote(
        sender.address, recipient, 1_000, channel="TEST", force_channel=True
    )
    result = await transfers.execute(quote, signer_of(sender))
    assert result.status == "processed"  # a plain post, as pyaleph does
    status = message_status(devnet.api_url, result.item_hash)
    assert status is not None and status["message"]["channel"] == "TEST"
    assert credits(devnet.api_url, recipient) == 0


# --- resume ---------------------------------------------------------------------------


def _journaled(
    journal: Journal, quote: TransferQuote, item_hash: str, status: Any, **changes: Any
) -> Operation:
    operation = Operation(
        kind="transfer",
        network="devnet",
        account=quote.sender,
        status=status,
        details={
            "item_hash": item_hash,
            "recipient": quote.recipient,
            "amount": quote.amount,
            "channel": quote.channel,
            "network": "devnet",
        },
    )
    return journal.record(operation, **changes)


async def test_resume_settles_a_transfer_left_submitted(
    devnet: RunningDevnet, transfers: Transfer, journal: Journal, sender: Key
) -> None:
    recipient = fresh_key().address
    quote = await transfers.quote(sender.address, recipient, 77_000)
    signed = transfers.sign(quote, signer_of(sender))
    # As after a crash right after a POST the node answered 202 (pending).
    operation = _journaled(journal, quote, signed.item_hash, "submitted")
    posted = await transfers.api.post_message(signed.message, sync=False)
    assert posted.status == "pending"
    wait_until(lambda: credits(devnet.api_url, recipient) == 77_000, what="processing")
    [settled] = await transfers.resume()
    assert (settled.id, settled.status, settled.error) == (operation.id, "completed", None)
    assert journal.open_operations() == []
    assert await transfers.resume() == []  # nothing left to settle


async def test_resume_fails_what_the_node_never_received_or_rejected(
    devnet: RunningDevnet, transfers: Transfer, journal: Journal, sender: Key, funder: Key
) -> None:
    recipient = fresh_key().address
    quote = await transfers.quote(sender.address, recipient, 1_000)
    never_posted = transfers.sign(quote, signer_of(sender), time_s=1767225600.0)
    lost = transfers.sign(quote, signer_of(sender), time_s=1767225601.0)
    recent = transfers.sign(quote, signer_of(sender), time_s=1767225602.0)
    signed_only = _journaled(journal, quote, never_posted.item_hash, "signed")
    submitted_long_ago = _journaled(journal, quote, lost.item_hash, "submitted")
    submitted_just_now = _journaled(journal, quote, recent.item_hash, "submitted")

    # A transfer the node rejects (its sender has nothing) while the journal says submitted.
    poor = fresh_key()
    fund(devnet.api_url, funder, poor.address, 10)
    poor_quote = await transfers.quote(poor.address, recipient, 10)
    rejected = transfers.sign(poor_quote, signer_of(poor))
    assert post_transfer(devnet.api_url, poor, fresh_key().address, 10).status_code == 200
    rejected_op = _journaled(journal, poor_quote, rejected.item_hash, "submitted")
    assert (await transfers.api.post_message(rejected.message)).status == "rejected"

    states = {op.id: op for op in await transfers.resume(grace_s=60)}
    assert states[signed_only.id].status == "failed"
    assert "no record" in (states[signed_only.id].error or "")
    assert states[submitted_just_now.id].status == "submitted"  # its POST may be in flight
    assert states[rejected_op.id].status == "failed"
    assert "Insufficient credit balance" in (states[rejected_op.id].error or "")
    # Past the grace period, a submitted transfer the node never saw is declared failed.
    states = {op.id: op for op in await transfers.resume(grace_s=0)}
    assert states[submitted_long_ago.id].status == "failed"
    assert states[submitted_just_now.id].status == "failed"
    assert journal.open_operations() == []
    assert credits(devnet.api_url, recipient) == 0
    for signed in (never_posted, lost, recent):
        assert message_status(devnet.api_url, signed.item_hash) is None


# --- following and unanswered POSTs -----------------------------------------------------


async def test_follow_waits_for_a_queued_message_within_its_deadline(
    devnet: RunningDevnet, transfers: Transfer, sender: Key
) -> None:
    quote = await transfers.quote(sender.address, fresh_key().address, 5_000)
    signed = transfers.sign(quote, signer_of(sender))
    assert (await transfers.api.post_message(signed.message, sync=False)).status == "pending"
    status = await transfers.follow(signed.item_hash, within_s=10)
    assert status is not None and status.status == "processed"
    started = time.monotonic()
    assert await transfers.follow("cd" * 32, within_s=0.3) is None
    assert time.monotonic() - started < 2


@pytest.fixture
async def failing_node() -> AsyncIterator[str]:
    """A real HTTP server that answers 503 to everything."""

    async def fail(request: web.Request) -> web.Response:
        return web.Response(status=503, text="overloaded")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fail)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = int(runner.addresses[0][1])
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


def _offline_quote(sender: Key) -> TransferQuote:
    return TransferQuote(
        network="devnet",
        sender=sender.address,
        target="x",
        recipient=fresh_key().address,
        amount=10,
        expiration=None,
        channel=CREDIT_CHANNEL,
        available=10,
    )


async def test_an_unanswered_post_stays_submitted(
    failing_node: str, journal: Journal, sender: Key
) -> None:
    api = AlephApi(failing_node)
    try:
        transfers = Transfer(api, journal, "devnet", follow_timeout=0.5)
        with pytest.raises(OutcomeUnknown, match="stays in the journal"):
            await transfers.execute(_offline_quote(sender), signer_of(sender))
    finally:
        await api.aclose()
    [operation] = journal.operations()
    assert operation.status == "submitted"  # resume() settles it once the node answers


async def test_an_unreachable_node_fails_the_transfer(journal: Journal, sender: Key) -> None:
    api = AlephApi("http://127.0.0.1:9")
    try:
        with pytest.raises(MessageNotSent):
            await Transfer(api, journal, "devnet").execute(
                _offline_quote(sender), signer_of(sender)
            )
    finally:
        await api.aclose()
    [operation] = journal.operations()
    assert operation.status == "failed" and "cannot reach" in (operation.error or "")


async def test_resume_posts_a_transfer_the_node_never_got_once_as_the_same_message(
    devnet: RunningDevnet, failing_node: str, api: AlephApi, journal: Journal, sender: Key
) -> None:
    """The node failed (503) on the POST and on the status check: the transfer stays
    submitted with its signed message; resuming on a working node posts that very
    message (same item hash), and a second resume finds nothing to do."""
    recipient = fresh_key().address
    quote = await Transfer(api, journal, "devnet").quote(sender.address, recipient, 3_300)
    broken = AlephApi(failing_node)
    try:
        with pytest.raises(OutcomeUnknown):
            await Transfer(broken, journal, "devnet").execute(quote, signer_of(sender))
    finally:
        await broken.aclose()
    [operation] = journal.open_operations()
    assert operation.status == "submitted"
    item_hash = operation.details["item_hash"]
    assert message_status(devnet.api_url, item_hash) is None

    [settled] = await Transfer(api, journal, "devnet", follow_timeout=10).resume(follow=True)
    assert (settled.id, settled.status) == (operation.id, "completed")
    assert (message_status(devnet.api_url, item_hash) or {}).get("status") == "processed"
    assert credits(devnet.api_url, recipient) == 3_300  # posted once
    assert await Transfer(api, journal, "devnet").resume() == []


async def test_the_inputs_are_parsed_once_into_a_typed_request_without_asking_the_node(
    journal: Journal, sender: Key
) -> None:
    """``transfer_request`` is where the CLI and the form turn text into values: bad
    input names its field; good input is typed (the node, unreachable here, is never
    asked); the quote prices the very request it was given."""
    recipient = fresh_key().address
    api = AlephApi("http://127.0.0.1:9")
    try:
        transfers = Transfer(api, journal, "devnet")
        with pytest.raises(InvalidInput) as refused:
            transfers.request(sender.address, recipient, "1,0000")
        assert refused.value.field == "amount"
        with pytest.raises(InvalidInput) as refused:
            transfers.request(sender.address, sender.address, "10")
        assert refused.value.field == "to"
        request = transfers.request(
            sender.address.lower(),
            f" {recipient.lower()} ",
            "1_000",
            expiration="2099-01-01T00:00:00Z",
        )
    finally:
        await api.aclose()
    assert request == TransferRequest(
        sender=sender.address,
        target=recipient.lower(),
        recipient=recipient,
        amount=1000,
        expiration=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
        channel=CREDIT_CHANNEL,
    )


async def test_a_quote_prices_the_request_it_was_given(
    devnet: RunningDevnet, journal: Journal, sender: Key
) -> None:
    api = AlephApi(devnet.api_url)
    try:
        transfers = Transfer(api, journal, "devnet")
        request = transfers.request(sender.address, fresh_key().address, 2_500)
        quote = await transfers.quote(request)
    finally:
        await api.aclose()
    assert quote.request == request
    assert quote.available == credits(devnet.api_url, sender.address)
