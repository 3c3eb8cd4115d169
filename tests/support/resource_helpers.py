"""A fresh address billed for the devnet's seeded resources, for the tests of the history's
resource filters (``resourceTypes``, ``resource``) through the commands and the dashboard.

The expense is posted as the node's credit owner, as the credit service would; the
seeded resources (an INSTANCE and a STORE of account 0, a PROGRAM of account 1) are found
from the accounts' own expense rows and typed by ``GET /api/v0/messages/{hash}``. What a
filter should select is then computed here from the node's unfiltered rows, the way
pyaleph's SQL matches them: the effective origin is ``origin`` unless empty, else
``origin_ref``; a type matches when that hash is a message of the type.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from aleph_tui.core.aleph.messages import CREDIT_EXPENSE, build_post_message
from aleph_tui.devnet.operators import CREDIT_SIGNER
from aleph_tui.devnet.processor import MAINNET_CREDIT_OWNER
from tests.support.credit_helpers import Key, fresh_key, fund

Row = dict[str, Any]
# Not a message the node knows: it still matches ``resource``, never a type.
UNKNOWN_RESOURCE = "cd" * 32


@dataclass(frozen=True)
class Billed:
    key: Key
    by_type: dict[str, str]  # INSTANCE, STORE, PROGRAM → the seeded resource's item hash

    @property
    def address(self) -> str:
        return self.key.address


def effective_origin(row: Row) -> str | None:
    return row.get("origin") or row.get("origin_ref") or None


def rows(api_url: str, address: str, **params: str) -> list[Row]:
    """Every history row of ``address`` (pagination 0: all of them), as the node sends."""
    response = httpx.get(
        f"{api_url}/api/v0/addresses/{address}/credit_history",
        params={"pagination": "0", **params},
        timeout=30,
    )
    if response.status_code == 404:
        return []
    response.raise_for_status()
    found: list[Row] = response.json()["credit_history"]
    return found


def message_types(api_url: str, hashes: Iterable[str]) -> dict[str, str | None]:
    """Each hash's message type on the node, None when it knows no such message (a 404)
    or the text is no message hash at all (a 400, as for a transfer's origin address)."""
    kinds: dict[str, str | None] = {}
    with httpx.Client(base_url=api_url, timeout=30) as client:
        for item_hash in set(hashes):
            response = client.get(f"/api/v0/messages/{item_hash}")
            if response.status_code in (400, 404):
                kinds[item_hash] = None
                continue
            response.raise_for_status()
            kinds[item_hash] = str(response.json()["message"]["type"])
    return kinds


def of_types(api_url: str, all_rows: list[Row], types: Collection[str]) -> list[Row]:
    """The rows whose billed resource is a message of one of ``types``."""
    kinds = message_types(api_url, {o for r in all_rows if (o := effective_origin(r))})
    return [r for r in all_rows if kinds.get(effective_origin(r) or "") in types]


def billed_for_seeded_resources(api_url: str, accounts: list[Any], funder: Key) -> Billed:
    """A fresh address with some credits (an incoming transfer, billed to nothing) and
    one expense of six bills, placing the resource as compute and storage bills do."""
    refs: set[str] = set()
    for account in accounts[:2]:
        expenses = rows(api_url, str(account.address), payment_method="credit_expense")
        refs |= {str(r["origin_ref"]) for r in expenses[:50] if r["origin_ref"]}
    by_type = {kind: h for h, kind in message_types(api_url, refs).items() if kind}
    assert {"INSTANCE", "STORE", "PROGRAM"} <= set(by_type), by_type

    key = fresh_key()
    address = key.address
    fund(api_url, funder, address, 2_000_000)

    def bill(amount: int, execution_id: str, ref: str) -> dict[str, Any]:
        return expense_bill(address, amount, execution_id, ref)

    post_expense(
        api_url,
        [
            bill(1101, by_type["INSTANCE"], ""),  # compute: the VM's hash in origin
            bill(1102, "", by_type["STORE"]),  # storage: the file's hash in origin_ref
            bill(1103, by_type["PROGRAM"], by_type["PROGRAM"]),
            bill(1104, "", ""),  # billed to nothing resolvable
            bill(1105, UNKNOWN_RESOURCE, by_type["INSTANCE"]),  # origin shadows the ref
            bill(1106, by_type["INSTANCE"], ""),  # the same VM, billed again
        ],
    )
    return Billed(key, by_type)


def expense_bill(address: str, amount: int, execution_id: str, ref: str) -> dict[str, Any]:
    """One bill of a ``credit_expense`` (pyaleph ``credit_expense`` content)."""
    return {
        "address": address,
        "amount": amount,
        "execution_id": execution_id,
        "ref": ref,
        "node_id": "ef" * 32,
        "price": "14250",
    }


def post_expense(api_url: str, bills: list[dict[str, Any]]) -> str:
    """A ``credit_expense`` of ``bills``, posted as the node's credit owner; its hash."""
    message = build_post_message(
        CREDIT_SIGNER.private_key,
        CREDIT_SIGNER.address,
        CREDIT_EXPENSE,
        {"expense": {"credits": bills}},
        address=MAINNET_CREDIT_OWNER,
    )
    response = httpx.post(
        f"{api_url}/api/v0/messages", json={"sync": True, "message": message}, timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.json()["message_status"] == "processed"
    return str(message["item_hash"])
