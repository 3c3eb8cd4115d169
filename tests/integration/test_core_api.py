"""The core API client over real HTTP against the devnet (aleph-api.md §1–§3, §6): history
pages and filters, the summary, the pricing aggregate, posting messages and their statuses.

Read-only checks use seeded account 2, which no test writes to; anything posted comes
from fresh keys funded by account 0.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web

from aleph_tui.core.aleph.api_client import (
    AlephApi,
    ApiError,
    InvalidMessage,
    MessageNotSent,
    OutcomeUnknown,
)
from aleph_tui.core.aleph.history_models import CreditHistoryEntry, HistoryFilters, unix_seconds
from aleph_tui.core.aleph.messages import (
    CREDIT_TRANSFER,
    build_post_message,
    credit_transfer_content,
)
from aleph_tui.core.aleph.models import format_credits
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.core.networks import Network
from aleph_tui.core.retry import READ_ATTEMPTS
from aleph_tui.core.service import CreditService
from tests.support.credit_helpers import Key, credits, fresh_key, funded_key, seeded, wait_until
from tests.support.devnet_process import RunningDevnet


@pytest.fixture(scope="module")
def reader(accounts: list[Any]) -> str:
    return seeded(accounts, 2).address


@pytest.fixture(scope="module")
def funder(accounts: list[Any]) -> Key:
    return seeded(accounts, 0)


def _transfer_message(sender: Key, recipient: str, amount: int) -> dict[str, Any]:
    return build_post_message(
        sender.private_key,
        sender.address,
        CREDIT_TRANSFER,
        credit_transfer_content([(recipient, amount, None)]),
    )


def _aware(moment: dt.datetime | None) -> bool:
    return moment is None or moment.utcoffset() == dt.timedelta(0)


# --- history --------------------------------------------------------------------------


async def test_a_history_page_is_typed_and_newest_first(api: AlephApi, reader: str) -> None:
    page = await api.credit_history(reader, page_size=7)
    assert (page.address, page.page, page.page_size, len(page.entries)) == (reader, 1, 7, 7)
    assert page.total > 7 and page.pages == -(-page.total // 7) and page.has_next
    for entry in page.entries:
        assert isinstance(entry, CreditHistoryEntry)
        assert type(entry.amount) is int and entry.amount != 0
        assert entry.price is None or isinstance(entry.price, Decimal)
        assert _aware(entry.timestamp) and _aware(entry.expiration)
        assert entry.direction == ("incoming" if entry.amount > 0 else "outgoing")
    stamps = [e.timestamp for e in page.entries]
    assert stamps == sorted(stamps, reverse=True)


async def test_pages_follow_each_other_and_past_the_end_is_empty(
    api: AlephApi, reader: str
) -> None:
    whole = await api.credit_history(reader, page_size=1000)
    assert len(whole.entries) == whole.total
    size = 40
    last = -(-whole.total // size)
    first, second, final = (
        await api.credit_history(reader, page=1, page_size=size),
        await api.credit_history(reader, page=2, page_size=size),
        await api.credit_history(reader, page=last, page_size=size),
    )
    keys = [(e.credit_ref, e.credit_index) for e in whole.entries]
    assert [(e.credit_ref, e.credit_index) for e in first.entries] == keys[:size]
    assert [(e.credit_ref, e.credit_index) for e in second.entries] == keys[size : 2 * size]
    assert len(final.entries) == whole.total - size * (last - 1) and not final.has_next
    # The node answers 404 past the end: an empty page that still knows the total.
    beyond = await api.credit_history(reader, page=last + 1, page_size=size)
    assert (beyond.entries, beyond.total, beyond.page) == ((), whole.total, last + 1)


async def test_a_read_page_is_freed_at_once_not_by_the_cyclic_collector(
    devnet: RunningDevnet, reader: str
) -> None:
    """An export reads 100 pages of ~0.5 MB: each response must go when its page is
    built, or memory grows with the history until the cyclic collector runs."""
    import gc
    import weakref

    import httpx

    seen: list[weakref.ref[httpx.Response]] = []

    async def keep_a_weak_reference(response: httpx.Response) -> None:
        seen.append(weakref.ref(response))

    client = httpx.AsyncClient(timeout=30, event_hooks={"response": [keep_a_weak_reference]})
    api = AlephApi(devnet.api_url, client)
    gc.disable()
    try:
        page = await api.credit_history(reader, page_size=100)
        missing = await api.credit_history("0x" + "0" * 40)
    finally:
        gc.enable()
        await api.aclose()
    assert page.entries and missing.entries == ()
    assert len(seen) == 2 and all(ref() is None for ref in seen)


async def test_an_address_without_history_is_an_empty_page(api: AlephApi) -> None:
    page = await api.credit_history(fresh_key().address)
    assert (page.entries, page.total, page.pages, page.has_next) == ((), 0, 0, False)
    summary = await api.credit_history_summary(page.address)
    assert (summary.entry_count, summary.total_amount) == (0, 0)


async def test_direction_payment_method_and_token_filters(api: AlephApi, reader: str) -> None:
    incoming = await api.credit_history(
        reader, page_size=1000, filters=HistoryFilters(direction="incoming")
    )
    outgoing = await api.credit_history(
        reader, page_size=1000, filters=HistoryFilters(direction="outgoing")
    )
    whole = await api.credit_history_summary(reader)
    assert incoming.entries and all(e.amount > 0 for e in incoming.entries)
    assert outgoing.entries and all(e.amount < 0 for e in outgoing.entries)
    assert incoming.total + outgoing.total == whole.entry_count

    expenses = await api.credit_history(
        reader, page_size=5, filters=HistoryFilters(payment_method="credit_expense")
    )
    assert expenses.entries and {e.payment_method for e in expenses.entries} == {"credit_expense"}
    usdc = await api.credit_history(reader, page_size=100, filters=HistoryFilters(token="USDC"))
    assert usdc.entries and {e.token for e in usdc.entries} == {"USDC"}
    assert all(e.amount > 0 and e.price is not None for e in usdc.entries)


async def test_date_window_resources_and_sort(api: AlephApi, reader: str) -> None:
    whole = await api.credit_history(reader, page_size=1000)
    stamps = sorted(e.timestamp for e in whole.entries)
    start, end = stamps[len(stamps) // 4], stamps[len(stamps) // 2]
    window = HistoryFilters(start=start, end=end)
    page = await api.credit_history(reader, page_size=1000, filters=window)
    expected = [e for e in whole.entries if start <= e.timestamp <= end]  # both inclusive
    assert len(page.entries) == len(expected) == page.total > 0
    assert (await api.credit_history_summary(reader, window)).entry_count == len(expected)

    # ``resource`` matches the row's effective origin: origin, or else origin_ref.
    def effective(entry: CreditHistoryEntry) -> str | None:
        return entry.origin or entry.origin_ref

    resource = next(effective(e) for e in whole.entries if e.payment_method == "credit_expense")
    assert resource is not None
    by_resource = await api.credit_history(
        reader, page_size=1000, filters=HistoryFilters(resource=resource)
    )
    matching = [e for e in whole.entries if effective(e) == resource]
    assert len(by_resource.entries) == len(matching) > 0
    # Seeded expenses carry an execution id in origin (as on mainnet), which shadows the
    # resource; test_ccn_history checks the matching itself. Here: page and summary agree.
    types = HistoryFilters(resource_types=("INSTANCE", "PROGRAM"))
    typed = await api.credit_history(reader, page_size=1000, filters=types)
    assert typed.total == (await api.credit_history_summary(reader, types)).entry_count

    ascending = await api.credit_history(reader, page_size=50, sort_by="amount", sort_order=1)
    amounts = [e.amount for e in ascending.entries]
    assert amounts == sorted(amounts) and amounts[0] == min(e.amount for e in whole.entries)


def test_filters_become_the_nodes_query() -> None:
    moment = dt.datetime(2026, 1, 1, 0, 0, 0, 500_000, tzinfo=dt.UTC)
    filters = HistoryFilters(
        direction="outgoing",
        payment_method="credit_expense",
        token="USDC",
        start=moment,
        end=moment + dt.timedelta(days=1),
        resource_types=("STORE", "INSTANCE"),
        resource="ab" * 32,
    )
    assert filters.query() == {
        "direction": "outgoing",
        "payment_method": "credit_expense",
        "token": "USDC",
        "startDate": "1767225600.5",
        "endDate": "1767312000.5",
        "resourceTypes": "STORE,INSTANCE",
        "resource": "ab" * 32,
    }
    assert unix_seconds(dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=2)))) == (
        "1767218400"
    )
    with pytest.raises(ValueError, match="timezone"):
        HistoryFilters(start=dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="resource types"):
        HistoryFilters(resource_types=("VM",))


async def test_summary_adds_up_the_history(api: AlephApi, reader: str) -> None:
    whole = await api.credit_history(reader, page_size=1000)
    summary = await api.credit_history_summary(reader)
    incoming = sum(e.amount for e in whole.entries if e.amount > 0)
    outgoing = sum(e.amount for e in whole.entries if e.amount < 0)
    assert summary.address == reader
    assert summary.entry_count == whole.total
    assert (summary.total_incoming, summary.total_outgoing) == (incoming, outgoing)
    assert summary.total_amount == incoming + outgoing
    expenses = await api.credit_history_summary(
        reader, HistoryFilters(payment_method="credit_expense")
    )
    assert expenses.total_incoming == 0 and expenses.total_outgoing < 0


# --- pricing --------------------------------------------------------------------------


async def test_pricing_aggregate(api: AlephApi) -> None:
    pricing = await api.pricing()
    assert {"instance", "program", "storage"} <= set(pricing.entities)
    instance = pricing.entities["instance"]
    assert instance.compute_unit is not None and instance.compute_unit.credit == Decimal("14250")
    assert instance.credits_per_hour(2) == Decimal("28500")
    assert instance.tiers[0].id == "tier-1" and instance.tiers[0].compute_units == 1
    assert instance.compute_unit_spec is not None and instance.compute_unit_spec.vcpus == 1
    storage = pricing.entities["storage"].storage
    assert storage is not None and storage.credit == Decimal("0.17967489030626108")
    assert pricing.entities["web3_hosting"].fixed == Decimal(50)


# --- messages -------------------------------------------------------------------------


async def test_post_processed_then_read_back(
    api: AlephApi, devnet: RunningDevnet, funder: Key
) -> None:
    sender, recipient = funded_key(devnet.api_url, funder, 2_000_000), fresh_key()
    message = _transfer_message(sender, recipient.address, 750_000)
    result = await api.post_message(message)
    assert (result.status, result.http_status, result.item_hash) == (
        "processed",
        200,
        message["item_hash"],
    )
    assert result.publication_status == "success" and result.failed == ()
    status = await api.message_status(message["item_hash"])
    assert status is not None and status.status == "processed"
    assert status.error_code is None and status.reason is None
    assert status.reception_time is not None and _aware(status.reception_time)
    assert credits(devnet.api_url, recipient.address) == 750_000
    # Posting the same message again changes nothing: it is known and processed.
    again = await api.post_message(message)
    assert again.status == "processed"
    assert credits(devnet.api_url, recipient.address) == 750_000


async def test_post_rejected_with_the_nodes_reason(
    api: AlephApi, devnet: RunningDevnet, funder: Key
) -> None:
    sender = funded_key(devnet.api_url, funder, 1_000)
    message = _transfer_message(sender, fresh_key().address, 5_000)
    result = await api.post_message(message)
    assert (result.status, result.http_status) == ("rejected", 422)
    status = await api.message_status(message["item_hash"])
    assert status is not None and status.status == "rejected" and status.error_code == 0
    assert status.reason == (
        "Insufficient credit balance for transfer. Required: 5000, Available: 1000"
    )
    assert status.details == {"errors": [status.reason]}


async def test_post_without_sync_is_pending_then_processed(
    api: AlephApi, devnet: RunningDevnet, funder: Key
) -> None:
    sender, recipient = funded_key(devnet.api_url, funder, 10_000), fresh_key()
    message = _transfer_message(sender, recipient.address, 4_000)
    result = await api.post_message(message, sync=False)
    assert (result.status, result.http_status) == ("pending", 202)
    wait_until(lambda: credits(devnet.api_url, recipient.address) == 4_000, what="async processing")
    status = await api.message_status(message["item_hash"])
    assert status is not None and status.status == "processed"


async def test_a_schema_failure_is_a_plain_text_422(api: AlephApi, funder: Key) -> None:
    message = _transfer_message(funder, fresh_key().address, 1)
    message["item_hash"] = "0" * 64  # no longer the sha256 of item_content
    with pytest.raises(InvalidMessage) as caught:
        await api.post_message(message)
    assert caught.value.body == "InvalidMessageFormat"
    assert await api.message_status("0" * 64) is None


async def test_an_unknown_message_has_no_status(api: AlephApi) -> None:
    assert await api.message_status("ab" * 32) is None


async def test_posts_are_never_retried_but_gets_are() -> None:
    """A real server that always fails: GETs are retried (bounded), a POST is sent once."""
    hits = {"GET": 0, "POST": 0}

    async def fail(request: web.Request) -> web.Response:
        hits[request.method] += 1
        return web.Response(status=503, text="overloaded")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fail)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = int(runner.addresses[0][1])
    api = AlephApi(f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(OutcomeUnknown):
            await api.post_message({"item_hash": "ab" * 32})
        with pytest.raises(
            ApiError, match=r"is down \(HTTP 503 from the gateway in front of it\) \(3 tries\)"
        ):
            await api.message_status("ab" * 32)
    finally:
        await api.aclose()
        await runner.cleanup()
    assert hits == {"POST": 1, "GET": READ_ATTEMPTS}


async def test_an_unreachable_node_means_not_sent() -> None:
    api = AlephApi("http://127.0.0.1:9")  # discard port: nothing listens
    try:
        with pytest.raises(MessageNotSent):
            await api.post_message({"item_hash": "ab" * 32})
    finally:
        await api.aclose()


# --- the facade -----------------------------------------------------------------------


async def test_balance_overview_reports_failures_per_slot(
    devnet: RunningDevnet, reader: str, tmp_path: Any
) -> None:
    service = CreditService(
        Network("devnet", devnet.api_url, is_devnet=True), journal=Journal(tmp_path / "j")
    )
    try:
        overview = await service.balance_overview([reader, "not/an/address", fresh_key().address])
        history = await service.api.credit_history(reader, page_size=3)
        summary = await service.api.credit_history_summary(reader)
        pricing = await service.api.pricing()
    finally:
        await service.aclose()
    good, bad, empty = overview.slots
    assert good.balance is not None and good.balance.credits > 0 and good.error is None
    assert bad.balance is None and bad.error and "\n" not in bad.error
    assert empty.balance is not None and empty.balance.credits == 0
    assert overview.total_credits == good.balance.credits and not overview.complete
    assert len(history.entries) == 3 and summary.entry_count == history.total
    assert "instance" in pricing.entities
    assert format_credits(3_900_000) == "3,900,000 ($3.90)"
    assert format_credits(-57_008) == "−57,008 (−$0.06)"
