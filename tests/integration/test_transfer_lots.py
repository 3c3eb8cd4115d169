"""A transfer's quote says which of the sender's lots it spends and the expiry each part
really gets (issue 16 point 3); the devnet then does exactly that.

The sender gets three lots from seeded account 0, in this order: 1M expiring in 10 days,
1M in 3 days, 1M in 20 days (each capped by the funder's own lots, as the node does), and
spends 300k of the first. A transfer of 2.5M asking for 15 days then drains the rest of
the first lot, all of the second and 800k of the third: the node caps each part at its
source lot's expiry, so the recipient's credits expire at three different dates, none of
them later than what the source lots allowed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from aleph_tui.core.accounts.signer import Signer
from aleph_tui.core.aleph.api_client import AlephApi
from aleph_tui.core.aleph.history_models import history_entry
from aleph_tui.core.flows.transferring import Transfer
from aleph_tui.core.journal.operation_journal import Journal
from aleph_tui.core.networks import Network
from aleph_tui.core.validation import expiration_ms, from_ms
from tests.support.credit_helpers import Key, fresh_key, post_transfer, seeded
from tests.support.devnet_process import RunningDevnet


def _in_days(days: int) -> dt.datetime:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).replace(microsecond=0)


def _rows(api_url: str, address: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{api_url}/api/v0/addresses/{address}/credit_history",
        params={"pagination": "0", "sort_order": "1"},
        timeout=10,
    )
    response.raise_for_status()
    rows: list[dict[str, Any]] = response.json()["credit_history"]
    return rows


def _post(api_url: str, sender: Key, recipient: str, amount: int, days: int | None) -> None:
    ms = None if days is None else expiration_ms(_in_days(days))
    response = post_transfer(api_url, sender, recipient, amount, expiration_ms=ms)
    assert response.status_code == 200, response.text


async def test_the_quote_lists_each_spent_lot_with_the_expiry_the_node_gives_it(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Any
) -> None:
    funder, sender, recipient = seeded(accounts, 0), fresh_key(), fresh_key().address
    for days in (10, 3, 20):
        _post(devnet.api_url, funder, sender.address, 1_000_000, days)
    _post(devnet.api_url, sender, fresh_key().address, 300_000, None)
    # The sender's lots as the node recorded them, oldest first.
    lots = [history_entry(r) for r in _rows(devnet.api_url, sender.address) if r["amount"] > 0]
    assert [lot.amount for lot in lots] == [1_000_000] * 3
    requested = _in_days(15)

    api = AlephApi(devnet.api_url)
    try:
        transfers = Transfer(api, Journal(tmp_path / "journal.jsonl"), "devnet")
        quote = await transfers.quote(sender.address, recipient, 2_500_000, expiration=requested)
        assert quote.lots_known and quote.sufficient
        assert [(p.amount, p.source.credit_ref, p.source.credit_index) for p in quote.spent] == [
            (700_000, lots[0].credit_ref, lots[0].credit_index),
            (1_000_000, lots[1].credit_ref, lots[1].credit_index),
            (800_000, lots[2].credit_ref, lots[2].credit_index),
        ]
        capped = [min(lot.expiration or requested, requested) for lot in lots]
        assert [p.expiration for p in quote.spent] == capped
        assert capped[1] < capped[0] <= requested  # the promise differs from the request
        signer = Signer(sender.private_key).for_network(Network("devnet", devnet.api_url))
        result = await transfers.execute(quote, signer)
    finally:
        await api.aclose()
    assert result.status == "processed"

    # What the node gave the recipient: one row per part, in the quote's order.
    received = [
        (int(r["amount"]), r["expiration_date"])
        for r in _rows(devnet.api_url, recipient)
        if r["credit_ref"] == result.item_hash and r["amount"] > 0
    ]
    arriving = [(lot.amount, lot.expiration) for lot in quote.arriving]
    assert [(a, history_entry_expiry(e)) for a, e in received] == arriving
    assert sum(a for a, _ in received) == 2_500_000


def history_entry_expiry(value: str | None) -> dt.datetime | None:
    """The node's RFC 3339 expiry, to the millisecond it keeps."""
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return from_ms(expiration_ms(moment))


@pytest.mark.parametrize("channel", ["TEST"])
async def test_off_the_credit_channel_nothing_is_spent(
    devnet: RunningDevnet, accounts: list[Any], tmp_path: Any, channel: str
) -> None:
    sender = fresh_key()
    _post(devnet.api_url, seeded(accounts, 0), sender.address, 1_000_000, 10)
    api = AlephApi(devnet.api_url)
    try:
        transfers = Transfer(api, Journal(tmp_path / "journal.jsonl"), "devnet")
        quote = await transfers.quote(
            sender.address, fresh_key().address, 1_000, channel=channel, force_channel=True
        )
    finally:
        await api.aclose()
    assert quote.available == 1_000_000 and quote.spent == ()
