"""Drive the devnet with the official aleph-sdk-python, as a third-party app would.

Run by ``tests/integration/test_sdk_compat.py`` with the SDK's own interpreter (``.venv-sdk``),
because the SDK pins libraries that conflict with web3 8:

    .venv-sdk/bin/python tests/support/sdk_client.py API_URL ADDRESS PRIVATE_KEY [EXTRA_JSON]

EXTRA_JSON names what the test prepared over HTTP: ``rejected`` (a rejected message's
hash), ``instance`` (a resource's hash, for its price) and ``writer`` (the private key
of a funded account, for the credit transfers).

It prints one JSON object on stdout. Each step records its result or, if the SDK
raised, ``{"error": "<type>: <message>"}``, so the test can say which call broke.
This file must only import the standard library and the SDK (no aleph_tui, no pytest).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from typing import Any

POST_TYPE = "aleph-tui-sdk-compat"
PRICING_OWNER = "0xFba561a84A537fCaa567bb7A2257e7142701ae2A"  # the SDK's pricing aggregate
CHANNEL = "TEST"
CREDIT_CHANNEL = "ALEPH_CREDIT"


async def _step(fn: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    try:
        return await fn()
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


async def main(
    api_url: str, address: str, private_key: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    from aleph.sdk.chains.ethereum import ETHAccount
    from aleph.sdk.client import AlephHttpClient, AuthenticatedAlephHttpClient
    from aleph.sdk.query.filters import ChainBalancesFilter, PostFilter
    from aleph_message.models import Chain

    extra = extra or {}

    account = ETHAccount(private_key=bytes.fromhex(private_key.removeprefix("0x")))
    summary: dict[str, Any] = {
        "sdk_version": version("aleph-sdk-python"),
        "account_address": account.get_address(),
    }

    async with AlephHttpClient(api_server=api_url) as client:

        async def balances() -> dict[str, Any]:
            response = await client.get_balances(address)
            return {
                "address": response.address,
                "balance": str(response.balance),
                "locked_amount": str(response.locked_amount),
                "credit_balance": response.credit_balance,
                "details": {k: str(v) for k, v in (response.details or {}).items()},
            }

        async def credit_history() -> dict[str, Any]:
            response = await client.get_credit_history(address, page_size=20, page=1)
            return {
                "address": response.address,
                "pagination_total": response.pagination_total,
                "pagination_page": response.pagination_page,
                "pagination_per_page": response.pagination_per_page,
                "entries": [
                    {
                        "amount": item.amount,
                        "credit_ref": item.credit_ref,
                        "credit_index": item.credit_index,
                        "payment_method": item.payment_method,
                        "message_timestamp": item.message_timestamp.isoformat(),
                    }
                    for item in response.credit_history
                ],
            }

        async def pricing() -> dict[str, Any]:
            aggregate = await client.fetch_aggregate(PRICING_OWNER, "pricing")
            return {"entities": sorted(aggregate)}

        async def chain_balances() -> dict[str, Any]:
            response = await client.get_chain_balances(
                page_size=100, page=1, filter=ChainBalancesFilter(chains=[Chain.ETH])
            )
            rows = {b.address: str(b.balance) for b in response.balances}
            return {
                "total": response.pagination_total,
                "item": response.pagination_item,
                "mine": rows.get(address),
                "chains": sorted(
                    {str(getattr(b.chain, "value", b.chain)) for b in response.balances}
                ),
            }

        async def aggregates() -> dict[str, Any]:
            everything = await client.fetch_aggregates(PRICING_OWNER)
            missing = await client.get_aggregate(PRICING_OWNER, "no-such-key")
            return {"keys": sorted(everything), "missing": missing}

        async def rejected_error() -> dict[str, Any]:
            error = await client.get_message_error(extra["rejected"])
            return {"none": True} if error is None else {"found": error}

        async def program_price() -> dict[str, Any]:
            price = await client.get_program_price(extra["instance"])
            return {
                "required_tokens": price.required_tokens,
                "cost": price.cost,
                "payment_type": price.payment_type,
            }

        summary["balances"] = await _step(balances)
        summary["credit_history"] = await _step(credit_history)
        summary["pricing"] = await _step(pricing)
        summary["chain_balances"] = await _step(chain_balances)
        summary["aggregates"] = await _step(aggregates)
        if "rejected" in extra:
            summary["message_error"] = await _step(rejected_error)
        if "instance" in extra:
            summary["program_price"] = await _step(program_price)

    async with AuthenticatedAlephHttpClient(account=account, api_server=api_url) as client:
        marker = f"sdk compat {time.time()}"

        async def post() -> dict[str, Any]:
            message, status = await client.create_post(
                post_content={"note": marker},
                post_type=POST_TYPE,
                channel=CHANNEL,
                sync=True,
            )
            return {
                "item_hash": str(message.item_hash),
                "status": str(getattr(status, "value", status)),
                "sender": message.sender,
                "channel": message.channel,
                "marker": marker,
            }

        summary["post"] = await _step(post)
        item_hash = summary["post"].get("item_hash")

        async def read_back() -> dict[str, Any]:
            message, status = await client.get_message(item_hash, with_status=True)
            message_status = await client.get_message_status(item_hash)
            return {
                "item_hash": str(message.item_hash),
                "status": str(getattr(status, "value", status)),
                "message_status": str(getattr(message_status, "value", message_status)),
                "type": str(getattr(message.type, "value", message.type)),
                "content": message.content.model_dump(mode="json"),
            }

        async def listing() -> dict[str, Any]:
            from aleph.sdk.query.filters import MessageFilter

            response = await client.get_messages(
                message_filter=MessageFilter(addresses=[address], hashes=[item_hash])
            )
            return {
                "total": response.pagination_total,
                "hashes": [str(m.item_hash) for m in response.messages],
            }

        async def plain_get() -> dict[str, Any]:
            message = await client.get_message(item_hash)
            no_error = await client.get_message_error(item_hash)
            return {
                "item_hash": str(message.item_hash),
                "ref": message.content.ref,
                "no_error": no_error,
            }

        async def posts() -> dict[str, Any]:
            response = await client.get_posts(
                page_size=10, post_filter=PostFilter(hashes=[item_hash], channels=[CHANNEL])
            )
            return {
                "total": response.pagination_total,
                "posts": [
                    {"item_hash": str(p.item_hash), "content": p.content, "type": p.type}
                    for p in response.posts
                ],
            }

        if item_hash:
            summary["read_back"] = await _step(read_back)
            summary["listing"] = await _step(listing)
            summary["plain_get"] = await _step(plain_get)
            summary["posts"] = await _step(posts)

        def recipient() -> str:
            return str(ETHAccount(private_key=os.urandom(32)).get_address())

        async def credit_transfer(sync: bool) -> dict[str, Any]:
            to = recipient()
            message, status = await writer.create_post(
                post_content={"transfer": {"credits": [{"address": to, "amount": 1234}]}},
                post_type="aleph_credit_transfer",
                channel=CREDIT_CHANNEL,
                sync=sync,
            )
            first_status = str(getattr(status, "value", status))
            deadline = time.monotonic() + 30
            while str(getattr(status, "value", status)) != "processed":
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.05)
                status = await writer.get_message_status(message.item_hash)
            balance = await writer.get_balances(to)
            return {
                "item_hash": str(message.item_hash),
                "first_status": first_status,
                "status": str(getattr(status, "value", status)),
                "recipient": to,
                "recipient_credits": balance.credit_balance,
            }

        async def aggregate() -> dict[str, Any]:
            key = f"aleph-tui-sdk-{int(time.time() * 1000)}"
            message, status = await client.create_aggregate(
                key=key, content={"marker": marker}, channel=CHANNEL, sync=True
            )
            read = await client.fetch_aggregate(account.get_address(), key)
            return {
                "status": str(getattr(status, "value", status)),
                "item_hash": str(message.item_hash),
                "read": read,
                "marker": marker,
            }

        summary["aggregate"] = await _step(aggregate)

    writer_account = ETHAccount(private_key=bytes.fromhex(extra["writer"].removeprefix("0x")))
    async with AuthenticatedAlephHttpClient(account=writer_account, api_server=api_url) as writer:
        summary["transfer_sync"] = await _step(lambda: credit_transfer(True))
        summary["transfer_async"] = await _step(lambda: credit_transfer(False))
    return summary


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: sdk_client.py API_URL ADDRESS PRIVATE_KEY [EXTRA_JSON]")
    extra = json.loads(sys.argv[4]) if len(sys.argv) == 5 else None
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], extra)), default=str))
