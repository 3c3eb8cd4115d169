"""The node's transfer rule, worked out from a balance's details and the incoming history
(pyaleph ``_consume_address_credits`` and ``_compute_transfer_entries_by_expiration``)."""

from __future__ import annotations

import datetime as dt

from aleph_tui.core.aleph.history_models import CreditHistoryEntry
from aleph_tui.core.aleph.models import CreditLot
from aleph_tui.core.flows.transfer_lots import place_remainders, recipient_lots, spend

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SOON, LATER, ASKED = (T0 + dt.timedelta(days=d) for d in (30, 90, 60))


def lot(ref: str, day: int, amount: int, expiration: dt.datetime | None) -> CreditHistoryEntry:
    return CreditHistoryEntry(
        amount=amount,
        price=None,
        bonus_amount=None,
        tx_hash=None,
        token=None,
        chain=None,
        provider="ALEPH",
        origin=None,
        origin_ref=None,
        payment_method="credit_transfer",
        credit_ref=ref,
        credit_index=0,
        expiration=expiration,
        timestamp=T0 + dt.timedelta(days=day),
    )


def test_each_expirys_remainder_sits_in_its_newest_lots_and_is_spent_oldest_first() -> None:
    # Received: a (LATER), b (SOON), c (LATER), d (never); 600 of a and c's LATER spent.
    history = [lot("a", 1, 500, LATER), lot("b", 2, 300, SOON), lot("c", 3, 400, LATER)]
    history.append(lot("d", 4, 200, None))
    details = [CreditLot(None, 200), CreditLot(SOON, 300), CreditLot(LATER, 300)]
    placed, left = place_remainders(details, reversed(history))
    assert sum(left.values()) == 0
    held = list(reversed(placed))
    assert [(h.credit_ref, h.remaining) for h in held] == [("b", 300), ("c", 300), ("d", 200)]

    parts = spend(held, 700, ASKED)
    assert [(p.amount, p.source.credit_ref, p.expiration) for p in parts] == [
        (300, "b", SOON),  # its own expiry, earlier than asked
        (300, "c", ASKED),  # capped by the request
        (100, "d", ASKED),  # a lot that never expires takes the request
    ]
    assert recipient_lots(parts) == (CreditLot(SOON, 300), CreditLot(ASKED, 400))
    assert [p.expiration for p in spend(held, 800, None)] == [SOON, LATER, None]


def test_a_history_that_does_not_account_for_the_balance_is_not_guessed() -> None:
    placed, left = place_remainders([CreditLot(SOON, 500)], [lot("a", 1, 200, SOON)])
    assert [h.remaining for h in placed] == [200] and left == {SOON: 300}
