"""How instants and exact decimals are written (core/formatting.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from aleph_tui.core.aleph.node_values import node_datetime
from aleph_tui.core.formatting import exact_decimal, iso_utc, utc_minute


def test_instants_are_written_in_utc() -> None:
    moment = node_datetime("2026-01-01T01:30:00.250000+02:00")
    assert iso_utc(moment) == "2025-12-31T23:30:00.250000Z"
    assert utc_minute(moment) == "2025-12-31 23:30"
    assert utc_minute(dt.datetime(5, 1, 2, 3, 4, tzinfo=dt.UTC)) == "0005-01-02 03:04"
    assert utc_minute(None, empty="never") == "never"


@pytest.mark.parametrize(
    ("node", "iso", "minute"),
    [
        ("0001-01-01T00:00:00+02:00", "0001-01-01T00:00:00+02:00", "0001-01-01 00:00+02:00"),
        ("9999-12-31T23:30:00-02:00", "9999-12-31T23:30:00-02:00", "9999-12-31 23:30-02:00"),
    ],
)
def test_an_instant_utc_cannot_hold_keeps_its_offset(node: str, iso: str, minute: str) -> None:
    """A node can send one (its UTC date is in year 0 or 10000): the same instant is
    written with the node's offset, instead of an OverflowError ending the command."""
    moment = node_datetime(node)
    assert iso_utc(moment) == iso
    assert utc_minute(moment) == minute
    assert dt.datetime.fromisoformat(iso) == moment


def test_exact_decimals_keep_every_digit() -> None:
    value = Decimal("1234567.89012345678901234567890100")
    assert exact_decimal(value) == "1234567.890123456789012345678901"
    assert exact_decimal(value, grouped=True) == "1,234,567.890123456789012345678901"
    assert exact_decimal(Decimal("-1500.50"), grouped=True) == "−1,500.5"
    assert exact_decimal(Decimal("-0.000")) == "0"
    assert exact_decimal(Decimal("1E+3")) == "1000"
