"""Drive the devnet with the official aleph-sdk-python, as a third-party app would.

Run by ``tests/test_sdk_compat.py`` with the SDK's own interpreter (``.venv-sdk``),
because the SDK pins libraries that conflict with web3 8:

    .venv-sdk/bin/python tests/sdk_client.py API_URL ADDRESS PRIVATE_KEY

It prints one JSON object on stdout. Each step records its result or, if the SDK
raised, ``{"error": "<type>: <message>"}``, so the test can say which call broke.
This file must only import the standard library and the SDK (no aleph_tui, no pytest).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from typing import Any

POST_TYPE = "aleph-tui-sdk-compat"
PRICING_OWNER = "0xFba561a84A537fCaa567bb7A2257e7142701ae2A"  # the SDK's pricing aggregate
CHANNEL = "TEST"


async def _step(fn: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    try:
        return await fn()
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


async def main(api_url: str, address: str, private_key: str) -> dict[str, Any]:
    from aleph.sdk.chains.ethereum import ETHAccount
    from aleph.sdk.client import AlephHttpClient, AuthenticatedAlephHttpClient

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

        summary["balances"] = await _step(balances)
        summary["credit_history"] = await _step(credit_history)
        summary["pricing"] = await _step(pricing)

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

        if item_hash:
            summary["read_back"] = await _step(read_back)
            summary["listing"] = await _step(listing)
    return summary


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: sdk_client.py API_URL ADDRESS PRIVATE_KEY")
    print(json.dumps(asyncio.run(main(*sys.argv[1:4]))))
