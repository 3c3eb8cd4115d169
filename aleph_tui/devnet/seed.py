"""Seed data: genesis aggregates and a year of realistic credit history.

The first three dev accounts get purchases in each token, a promotional grant,
daily expenses for their resources, and transfers between them. Everything but the
genesis aggregates and the resource messages goes through the same signature,
permission and ledger path as a message posted over HTTP. Messages older than
pyaleph's precision cutoff carry old-scale amounts, as the real ones did.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

from aleph_tui.core.aleph.messages import (
    CREDIT_CHANNEL,
    CREDIT_DISTRIBUTION,
    CREDIT_EXPENSE,
    CREDIT_TRANSFER,
    build_post_message,
    compact_json,
    credit_transfer_content,
    item_hash_of,
    sign_raw,
    verification_buffer,
)
from aleph_tui.core.formatting import plain_decimal
from aleph_tui.devnet import ledger, operators, processor
from aleph_tui.devnet.chain.engine import DevAccount
from aleph_tui.devnet.prices import PriceBook
from aleph_tui.devnet.store import Store

DAY = 24 * 3600
PRICING_OWNER = "0xFba561a84A537fCaa567bb7A2257e7142701ae2A"
SEEDED_KEY = "seed.done"
GRANT_PAYMENT_METHOD = "grant"

# Credits per day for one resource of each kind (pyaleph default prices).
DAILY_COST = {
    "INSTANCE": 14250 * 24,  # 1 compute unit
    "PROGRAM": 11000 * 24,  # 1 compute unit, on demand
    "STORE": 8832,  # 2 GiB at 0.1797 credits per MiB·hour
}
RESOURCES_BY_ACCOUNT = (("INSTANCE", "STORE"), ("PROGRAM", "STORE"), ("INSTANCE", "PROGRAM"))


def _raw_amount(amount: int, at: float) -> int:
    """What the message itself says, in the scale of its time (see the precision cutoff)."""
    if at < ledger.CREDIT_PRECISION_CUTOFF:
        return max(1, round(amount / ledger.CREDIT_PRECISION_MULTIPLIER))
    return amount


def _hex(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


@dataclass(order=True)
class _Event:
    at: float
    order: int
    message: dict[str, Any]


def genesis(store: Store) -> None:
    """State the real network already has: the credit owner's delegation and prices."""
    security = {
        "authorizations": [
            {
                "address": operators.CREDIT_SIGNER.address,
                "channels": [CREDIT_CHANNEL],
                "post_types": list(processor.CREDIT_POST_TYPES),
            }
        ]
    }
    pricing = json.loads(
        resources.files("aleph_tui.devnet").joinpath("data/pricing.json").read_text()
    )
    with store.transaction() as db:
        for owner, key, content in (
            (processor.MAINNET_CREDIT_OWNER, "security", security),
            (PRICING_OWNER, "pricing", pricing),
        ):
            db.execute(
                "INSERT OR IGNORE INTO aggregates VALUES (?, ?, ?, ?)",
                (owner, key, json.dumps(content), 0.0),
            )


def _resource_message(account: DevAccount, kind: str, at: float) -> dict[str, Any]:
    content = {"address": account.address, "time": at, "devnet_resource": kind.lower()}
    item_content = compact_json(content)
    item_hash = item_hash_of(item_content)
    signature = sign_raw(
        account.private_key, verification_buffer("ETH", account.address, kind, item_hash)
    )
    return {
        "sender": account.address,
        "chain": "ETH",
        "signature": signature,
        "type": kind,
        "item_hash": item_hash,
        "item_type": "inline",
        "item_content": item_content,
        "time": at,
        "channel": "ALEPH-CLOUDSOLUTIONS",
    }


def _signer_post(post_type: str, content: dict[str, Any], at: float) -> dict[str, Any]:
    return build_post_message(
        operators.CREDIT_SIGNER.private_key,
        operators.CREDIT_SIGNER.address,
        post_type,
        content,
        address=processor.MAINNET_CREDIT_OWNER,
        time=at,
    )


def _purchase(
    book: PriceBook, account: DevAccount, symbol: str, usd: Decimal, at: float, n: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    token = book.token(symbol)
    units = int((usd / token.usd).scaleb(token.decimals))
    quote = book.quote(symbol, units)
    tx_hash = "0x" + _hex(f"seed purchase {account.address} {n}")
    entry = {
        "address": account.address,
        "amount": _raw_amount(quote.credits, at),
        "price": str(token.usd),
        "tx_hash": tx_hash,
        "provider": "ALEPH",
        "expiration": int((at + 365 * DAY) * 1000),
        "payment_method": "token_transfer",
        "bonus_amount": _raw_amount(quote.bonus_credits, at) if quote.bonus_credits else None,
    }
    message = _signer_post(
        CREDIT_DISTRIBUTION,
        {"distribution": {"credits": [entry], "token": symbol, "chain": "ETH"}},
        at,
    )
    payment = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, tx_hash)),
        "address": account.address,
        "at_ms": int(at * 1000),
        "units": str(units),
        "symbol": symbol,
        "credits": quote.credits,
        "bonus": quote.bonus_credits,
        "usd": plain_decimal(quote.usd),
        "tx_hash": tx_hash,
        "item_hash": message["item_hash"],
    }
    return message, payment


def _grant(account: DevAccount, usd: int, at: float, validity_days: int) -> dict[str, Any]:
    entry = {
        "address": account.address,
        "amount": _raw_amount(usd * 1_000_000, at),
        "price": "0",
        "tx_hash": "",
        "provider": "ALEPH",
        "expiration": int((at + validity_days * DAY) * 1000),
        "payment_method": GRANT_PAYMENT_METHOD,
    }
    return _signer_post(
        CREDIT_DISTRIBUTION,
        {"distribution": {"credits": [entry], "token": "ALEPH", "chain": "ETH"}},
        at,
    )


def history_events(
    accounts: Sequence[DevAccount], book: PriceBook, now: float, rng: random.Random
) -> tuple[list[dict[str, Any]], list[_Event], list[dict[str, Any]]]:
    """(resource messages, credit events in time order, payment records)."""
    resources_msgs: list[dict[str, Any]] = []
    events: list[_Event] = []
    payments: list[dict[str, Any]] = []
    owned: list[list[tuple[str, str]]] = []
    start = now - 360 * DAY
    for i, account in enumerate(accounts):
        kinds = []
        for kind in RESOURCES_BY_ACCOUNT[i % len(RESOURCES_BY_ACCOUNT)]:
            message = _resource_message(account, kind, start - DAY)
            resources_msgs.append(message)
            kinds.append((kind, message["item_hash"]))
        owned.append(kinds)
        for n in range(8):
            at = start + i * 2 * DAY + n * 45 * DAY + rng.uniform(0, 3600)
            symbol = ("ALEPH", "USDC", "ETH")[(n + i) % 3]
            usd = Decimal(rng.randrange(40, 90))
            message, payment = _purchase(book, account, symbol, usd, at, n)
            events.append(_Event(at, len(events), message))
            payments.append(payment)
        events.append(
            _Event(start + 20 * DAY, len(events), _grant(account, 25, start + 20 * DAY, 60))
        )

    node_id = _hex("devnet compute node")
    for day in range(1, 360):
        at = start + day * DAY + 600
        credits = []
        for account, kinds in zip(accounts, owned, strict=False):
            for kind, ref in kinds:
                cost = int(DAILY_COST[kind] * rng.uniform(0.9, 1.1))
                credits.append(
                    {
                        "address": account.address,
                        "amount": _raw_amount(cost, at),
                        "ref": ref,
                        "execution_id": _hex(f"{ref} {day}"),
                        "node_id": node_id,
                        "price": plain_decimal(Decimal(DAILY_COST[kind]) / 24),
                    }
                )
        message = _signer_post(CREDIT_EXPENSE, {"expense": {"credits": credits}}, at)
        events.append(_Event(at, len(events), message))

    transfers = (
        (0, 1, 200, 5_000_000, None),
        (1, 2, 100, 2_000_000, 30),
        (2, 0, 20, 1_000_000, None),
    )
    for src, dst, days_ago, amount, valid_days in transfers:
        if max(src, dst) >= len(accounts):
            continue
        at = now - days_ago * DAY
        expiration = None if valid_days is None else int((now + valid_days * DAY) * 1000)
        sender = accounts[src]
        content = credit_transfer_content(
            [(accounts[dst].address, _raw_amount(amount, at), expiration)]
        )
        message = build_post_message(
            sender.private_key, sender.address, CREDIT_TRANSFER, content, time=at
        )
        events.append(_Event(at, len(events), message))
    events.sort()
    return resources_msgs, events, payments


def seed_history(
    store: Store,
    accounts: Sequence[DevAccount],
    book: PriceBook,
    rules: processor.CreditRules,
    now: float | None = None,
) -> None:
    if store.get_meta(SEEDED_KEY):
        return
    now = ledger.current_time() if now is None else now
    rng = random.Random(20260202)
    resource_msgs, events, payments = history_events(accounts, book, now, rng)
    with store.transaction() as db:
        for message in resource_msgs:
            pending = processor.seeded_pending(message)
            processor.record(db, pending, "processed", reception_time=pending.time)
        for event in events:
            pending = processor.parse_pending(event.message)
            try:
                processor.process(db, pending, rules)
                processor.record(db, pending, "processed", reception_time=event.at)
            except processor.Rejected as exc:
                raise RuntimeError(f"seed message rejected: {exc.reason}") from exc
        for p in payments:
            db.execute(
                "INSERT OR IGNORE INTO payments VALUES "
                "(?, ?, 'ethereum', 'COMPLETED', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                (
                    p["id"],
                    p["address"],
                    p["at_ms"],
                    p["at_ms"],
                    p["units"],
                    p["symbol"],
                    p["credits"],
                    p["bonus"],
                    p["usd"],
                    p["tx_hash"],
                    p["item_hash"],
                ),
            )
        store.set_meta(SEEDED_KEY, str(now))


def seed_bulk_history(store: Store, address: str, entries: int, now: float | None = None) -> None:
    """``--history N``: N rows for one address, bulk-loaded for load tests.

    Two thirds are expenses and one third purchases, spread over two years, all after
    the precision cutoff so every amount is in today's scale.
    """
    key = f"seed.bulk.{address}"
    if entries <= 0 or store.get_meta(key) == str(entries):
        return
    now = ledger.current_time() if now is None else now
    span = min(2 * 365 * DAY, now - ledger.CREDIT_PRECISION_CUTOFF - DAY)
    rng = random.Random(entries)
    history_rows: list[tuple[Any, ...]] = []
    lot_rows: list[tuple[Any, ...]] = []
    for i in range(entries):
        at = ledger.db_time(now - span + span * i / entries)
        ref = _hex(f"bulk {address} {i}")
        if i % 3 == 0:
            amount = rng.randrange(1, 50) * 1_000_000
            expiration = ledger.db_time(at + 365 * DAY)
            history_rows.append(
                (
                    address,
                    amount,
                    ref,
                    0,
                    at,
                    "1",
                    None,
                    "0x" + ref,
                    expiration,
                    "USDC",
                    "ETH",
                    None,
                    "ALEPH",
                    None,
                    "token_transfer",
                    None,
                    None,
                )
            )
            lot_rows.append((address, ref, 0, amount, expiration, at))
        else:
            amount = -rng.randrange(1_000, 400_000)
            history_rows.append(
                (
                    address,
                    amount,
                    ref,
                    0,
                    at,
                    "14250",
                    None,
                    _hex("devnet compute node"),
                    None,
                    None,
                    None,
                    _hex(f"exec {i}"),
                    "ALEPH",
                    _hex(f"resource {i % 7}"),
                    "credit_expense",
                    None,
                    None,
                )
            )
    with store.transaction() as db:
        db.executemany(
            "INSERT OR IGNORE INTO credit_history VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            history_rows,
        )
        db.executemany("INSERT OR IGNORE INTO credit_lots VALUES (?, ?, ?, ?, ?, ?)", lot_rows)
        store.set_meta(key, str(entries))
