"""Credit lots and history, applied as pyaleph's ``db/accessors/balances.py`` does.

Every incoming credit is a lot with ``amount_remaining``. Expenses and transfers
drain the owner's still-valid lots FIFO in emission order
``(message_timestamp, credit_ref, credit_index)``; a transfer hands each drained
portion on with its expiration capped at ``min(source, requested)``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from aleph_tui.devnet.schemas import (
    CreditDistributionEntry,
    CreditExpenseEntry,
    CreditTransferEntry,
)

# Before this instant amounts used the old scale (100 credits = $1); pyaleph
# multiplies them by 10 000 to the current 1 000 000 credits = $1.
CREDIT_PRECISION_CUTOFF = 1769990400.0
CREDIT_PRECISION_MULTIPLIER = 10_000


# ``aleph-tui devnet --clock``: a fixed "now" (Unix seconds) for seeding and for balance
# and expiry evaluation, so a seeded devnet reads the same on any day. None: the system clock.
_fixed_now: float | None = None


def set_clock(at: float | None) -> None:
    """Fix the devnet's "now" at ``at`` (None: follow the system clock again)."""
    global _fixed_now
    _fixed_now = at


def current_time() -> float:
    """The devnet's "now": the fixed clock when one is set, else the system clock."""
    return time.time() if _fixed_now is None else _fixed_now


class CreditRuleViolation(Exception):
    """The node's InvalidMessageFormat raised while applying a credit message."""


@dataclass(frozen=True)
class BalanceDetail:
    expiration_date: float | None
    amount: int


def _scaled(amount: int, message_timestamp: float) -> int:
    if message_timestamp < CREDIT_PRECISION_CUTOFF:
        return amount * CREDIT_PRECISION_MULTIPLIER
    return amount


def db_time(timestamp: float) -> float:
    """The instant as pyaleph stores it: a datetime, so whole microseconds.

    Keeping sub-microsecond float noise would make a row's stored time differ from
    the ISO time the API shows and a cursor carries, so keyset pages and inclusive
    date filters would skip or repeat rows.
    """
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).timestamp()


def _ms_to_s(expiration_ms: int | None) -> float | None:
    return None if not expiration_ms else db_time(expiration_ms / 1000)


def _insert_lot(
    db: sqlite3.Connection,
    address: str,
    credit_ref: str,
    credit_index: int,
    amount: int,
    expiration: float | None,
    message_timestamp: float,
) -> None:
    db.execute(
        "INSERT OR IGNORE INTO credit_lots VALUES (?, ?, ?, ?, ?, ?)",
        (address, credit_ref, credit_index, amount, expiration, message_timestamp),
    )


def _insert_history(
    db: sqlite3.Connection,
    *,
    address: str,
    amount: int,
    credit_ref: str,
    credit_index: int,
    message_timestamp: float,
    price: str | None = None,
    bonus_amount: int | None = None,
    tx_hash: str | None = None,
    expiration: float | None = None,
    token: str | None = None,
    chain: str | None = None,
    origin: str | None = None,
    provider: str | None = None,
    origin_ref: str | None = None,
    payment_method: str | None = None,
    expense_count: int | None = None,
    expense_size_mib: Decimal | None = None,
) -> None:
    # pyaleph writes rows through CSV COPY, so empty strings come back as NULL.
    def nullable(value: str | None) -> str | None:
        return value or None

    db.execute(
        "INSERT OR IGNORE INTO credit_history VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            address,
            amount,
            credit_ref,
            credit_index,
            message_timestamp,
            nullable(price),
            bonus_amount,
            nullable(tx_hash),
            expiration,
            nullable(token),
            nullable(chain),
            nullable(origin),
            nullable(provider),
            nullable(origin_ref),
            nullable(payment_method),
            expense_count,
            None if expense_size_mib is None else str(expense_size_mib),
        ),
    )


def credit_balance(db: sqlite3.Connection, address: str, now: float | None = None) -> int:
    cutoff = current_time() if now is None else now
    row = db.execute(
        "SELECT COALESCE(SUM(amount_remaining), 0) FROM credit_lots "
        "WHERE address = ? AND (expiration_date IS NULL OR expiration_date > ?)",
        (address, cutoff),
    ).fetchone()
    return max(0, int(row[0]))


def credit_balance_details(
    db: sqlite3.Connection, address: str, now: float | None = None
) -> tuple[int, list[BalanceDetail]]:
    """Remaining credit per expiration: non-expiring first, then soonest first."""
    cutoff = current_time() if now is None else now
    rows = db.execute(
        "SELECT expiration_date, SUM(amount_remaining) FROM credit_lots "
        "WHERE address = ? AND amount_remaining > 0 "
        "AND (expiration_date IS NULL OR expiration_date > ?) "
        "GROUP BY expiration_date "
        "ORDER BY expiration_date IS NOT NULL, expiration_date",
        (address, cutoff),
    ).fetchall()
    details = [BalanceDetail(row[0], int(row[1])) for row in rows]
    return max(0, sum(d.amount for d in details)), details


def _consume(
    db: sqlite3.Connection, address: str, amount: int, message_timestamp: float
) -> list[tuple[int, float | None]]:
    """Drain ``amount`` FIFO from lots valid at the message's own timestamp."""
    if amount <= 0:
        return []
    lots = db.execute(
        "SELECT credit_ref, credit_index, amount_remaining, expiration_date FROM credit_lots "
        "WHERE address = ? AND amount_remaining > 0 AND message_timestamp <= ? "
        "AND (expiration_date IS NULL OR expiration_date > ?) "
        "ORDER BY message_timestamp, credit_ref, credit_index",
        (address, message_timestamp, message_timestamp),
    ).fetchall()
    consumed: list[tuple[int, float | None]] = []
    remaining = amount
    for lot in lots:
        if remaining <= 0:
            break
        take = min(int(lot["amount_remaining"]), remaining)
        remaining -= take
        db.execute(
            "UPDATE credit_lots SET amount_remaining = amount_remaining - ? "
            "WHERE address = ? AND credit_ref = ? AND credit_index = ?",
            (take, address, lot["credit_ref"], lot["credit_index"]),
        )
        consumed.append((take, lot["expiration_date"]))
    return consumed


def _cap_expirations(
    consumed: list[tuple[int, float | None]], requested: float | None
) -> list[tuple[int, float | None]]:
    """Cap each portion at min(source, requested), merging equal neighbours."""
    result: list[tuple[int, float | None]] = []
    for amount, source in consumed:
        if source is None:
            effective = requested
        elif requested is None:
            effective = source
        else:
            effective = min(source, requested)
        if result and result[-1][1] == effective:
            result[-1] = (result[-1][0] + amount, effective)
        else:
            result.append((amount, effective))
    return result


def apply_distribution(
    db: sqlite3.Connection,
    credits: Sequence[CreditDistributionEntry],
    token: str,
    chain: str,
    message_hash: str,
    message_timestamp: float,
) -> None:
    message_timestamp = db_time(message_timestamp)
    for index, entry in enumerate(credits):
        amount = _scaled(entry.amount, message_timestamp)
        expiration = _ms_to_s(entry.expiration)
        _insert_lot(db, entry.address, message_hash, index, amount, expiration, message_timestamp)
        # Not scaled, unlike the amount: pyaleph stores bonus_amount as the message says
        # it, so a pre-cutoff row's bonus stays in the old scale (balances.py).
        bonus = entry.bonus_amount
        _insert_history(
            db,
            address=entry.address,
            amount=amount,
            credit_ref=message_hash,
            credit_index=index,
            message_timestamp=message_timestamp,
            price=str(Decimal(entry.price)),
            bonus_amount=int(bonus) if bonus not in (None, "") else None,
            tx_hash=entry.tx_hash,
            expiration=expiration,
            token=token,
            chain=chain,
            origin=entry.origin,
            provider=entry.provider,
            origin_ref=entry.ref,
            payment_method=entry.payment_method,
        )


def apply_expense(
    db: sqlite3.Connection,
    credits: Sequence[CreditExpenseEntry],
    message_hash: str,
    message_timestamp: float,
) -> None:
    message_timestamp = db_time(message_timestamp)
    for index, entry in enumerate(credits):
        amount = _scaled(entry.amount, message_timestamp)
        _consume(db, entry.address, amount, message_timestamp)
        _insert_history(
            db,
            address=entry.address,
            amount=-amount,
            credit_ref=message_hash,
            credit_index=index,
            message_timestamp=message_timestamp,
            price=entry.price,
            tx_hash=entry.node_id,
            origin=entry.execution_id,
            provider="ALEPH",
            origin_ref=entry.ref,
            payment_method="credit_expense",
            expense_count=entry.count,
            expense_size_mib=entry.size,
        )


def apply_transfer(
    db: sqlite3.Connection,
    credits: Sequence[CreditTransferEntry],
    sender: str,
    whitelisted: Sequence[str],
    message_hash: str,
    message_timestamp: float,
) -> None:
    message_timestamp = db_time(message_timestamp)
    for entry in credits:
        if entry.address == sender:
            raise CreditRuleViolation(
                f"Self-transfer not allowed: sender and recipient are both {sender}"
            )
    is_whitelisted = sender in whitelisted
    if not is_whitelisted:
        required = sum(entry.amount for entry in credits)
        available = credit_balance(db, sender)
        if available < required:
            raise CreditRuleViolation(
                "Insufficient credit balance for transfer. "
                f"Required: {required}, Available: {available}"
            )

    index = 0
    for entry in credits:
        amount = _scaled(entry.amount, message_timestamp)
        requested = _ms_to_s(entry.expiration)
        if is_whitelisted:
            portions: list[tuple[int, float | None]] = [(amount, requested)]
        else:
            consumed = _consume(db, sender, amount, message_timestamp)
            portions = _cap_expirations(consumed, requested) or [(amount, requested)]
        for portion, expiration in portions:
            _insert_lot(
                db, entry.address, message_hash, index, portion, expiration, message_timestamp
            )
            _insert_history(
                db,
                address=entry.address,
                amount=portion,
                credit_ref=message_hash,
                credit_index=index,
                message_timestamp=message_timestamp,
                expiration=expiration,
                origin=sender,
                provider="ALEPH",
                payment_method="credit_transfer",
            )
            index += 1
        if not is_whitelisted:
            _insert_history(
                db,
                address=sender,
                amount=-amount,
                credit_ref=message_hash,
                credit_index=index,
                message_timestamp=message_timestamp,
                origin=entry.address,
                provider="ALEPH",
                payment_method="credit_transfer",
            )
            index += 1
