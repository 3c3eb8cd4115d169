"""How instants and exact decimals are written (core/formatting.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aleph_tui.core import formatting as fmt
from aleph_tui.core.aleph.models import CREDITS_PER_USD, credits_to_usd
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


# --- figures (issue 16, point 6) ----------------------------------------------------------


def test_the_issues_figures_read_well() -> None:
    """The figures the issue saw raw or wrong, as they now read."""
    assert fmt.credits_with_usd(483_170_457) == "483,170,457 ($483.17)"
    assert fmt.credits(24_998_000_000) == "24,998,000,000"
    assert fmt.credits(2_000_000) == "2,000,000"
    assert fmt.token_amount(Decimal("9999.999948595326752665"), "ETH") == "9,999.999948 ETH"
    assert fmt.rate(Decimal("4415.69010416667230208")) == "4,415.69"
    # "+1,000 +$0.00": a small amount kept its value
    assert fmt.credits_with_usd(1_000, signed=True) == "+1,000 (+$0.001)"
    assert fmt.credits_usd(1_000) == "$0.001"


def test_the_usd_value_of_credits_is_the_models_one() -> None:
    assert fmt.CREDITS_PER_USD == CREDITS_PER_USD
    for amount in (1, 999, 1_000, 5_000, 483_170_457, -57_008):
        assert fmt.credits_usd(amount) == fmt.usd(credits_to_usd(amount))


def test_fees_read_in_token_and_usd() -> None:
    assert fmt.fee(Decimal("0.000021"), Decimal("0.0525")) == "0.000021 ETH ($0.05)"
    assert fmt.fee(Decimal("0.0000000315"), Decimal("0.0000787")) == ("0.000000031 ETH ($0.000079)")
    assert fmt.fee(Decimal("0.001"), None) == "0.001 ETH"


def test_prices_in_usd_keep_close_prices_apart() -> None:
    """A compute unit at 11,000 credits/hour and a tier at 66,000 read $0.011 and $0.066,
    not both rounded to the cent."""
    assert fmt.usd_price(Decimal("0.011")) == "$0.011"
    assert fmt.usd_price(Decimal("0.066")) == "$0.066"
    assert fmt.usd_price(Decimal("0.132")) == "$0.13"
    assert fmt.usd_price(Decimal("0.0999")) == "$0.10"
    assert fmt.usd_price(Decimal("1234.5")) == "$1,234.50"
    assert fmt.usd_price(Decimal(0)) == "$0.00"


def test_signs_and_zero() -> None:
    assert fmt.credits(-9_152) == "−9,152"
    assert fmt.credits(0, signed=True) == "0"
    assert fmt.usd(Decimal(0), signed=True) == "$0.00"
    assert fmt.usd(Decimal("-0.000001")) == "−$0.000001"
    assert fmt.usd(Decimal("1234.565")) == "$1,234.57"
    assert fmt.token(Decimal("-1234.5")) == "−1,234.5"
    assert fmt.token(Decimal("0E-18")) == "0"
    assert fmt.rate(Decimal("1000.00")) == "1,000"
    assert fmt.percent(Decimal("0.125")) == "12.5 %"


def test_large_amounts_keep_their_digits() -> None:
    """More digits than the default decimal context's 28: nothing is rounded away."""
    big = Decimal("123456789012345678901234567890.123456789")
    assert fmt.token(big) == "123,456,789,012,345,678,901,234,567,890.123456"
    assert fmt.usd(Decimal("1000000000000000000000000000000.005")) == (
        "$1,000,000,000,000,000,000,000,000,000,000.01"
    )


def test_known_addresses_read_by_name() -> None:
    address = "0x" + "ab" * 20
    assert fmt.named_address(address, "main") == "main (0xabab…abab)"
    assert fmt.named_address(address, None) == address


def _value(text: str) -> Decimal:
    """The number a figure's text shows, back as a Decimal."""
    return Decimal(text.replace("$", "").replace(",", "").replace(fmt.MINUS, "-"))


amounts = st.decimals(
    min_value=Decimal("-1e15"), max_value=Decimal("1e15"), allow_nan=False, places=18
)


@given(amounts)
def test_usd_never_reads_zero_for_a_non_zero_amount(value: Decimal) -> None:
    shown = _value(fmt.usd(value))
    assert (shown == 0) == (value == 0)
    assert (shown < 0) == (value < 0)
    # at most half a cent off, or under 5 % off below a cent
    assert abs(shown - value) <= max(Decimal("0.005"), abs(value) / 20)


@given(amounts)
def test_tokens_are_cut_never_rounded_up(value: Decimal) -> None:
    text = fmt.token(value)
    shown = _value(text)
    assert abs(shown) <= abs(value)  # a balance never reads more than it holds
    assert (shown == 0) == (value == 0)
    assert abs(value - shown) < Decimal("0.000001")
    whole, _, decimals = text.partition(".")
    assert len(decimals) <= fmt.TOKEN_PLACES or whole.lstrip(fmt.MINUS) == "0"


@given(st.integers(min_value=-(10**18), max_value=10**18), st.booleans())
def test_credits_are_grouped_integers(amount: int, signed: bool) -> None:
    text = fmt.credits(amount, signed=signed)
    assert int(text.replace(",", "").replace(fmt.MINUS, "-")) == amount
    assert all(len(group) == 3 for group in text.lstrip("+" + fmt.MINUS).split(",")[1:])
    assert text.startswith("+") == (signed and amount > 0)


def test_buy_refusals_and_confirmations_write_token_amounts_exactly_and_grouped() -> None:
    """Buy said "Required 999999999 ALEPH" and "10000000000000000000 base units" while the
    confirmation grouped its figures: one formatter for both."""
    assert fmt.exact_units(999_999_999 * 10**18, 18, "ALEPH") == "999,999,999 ALEPH"
    assert fmt.exact_units(10**25 + 1, 18, "ETH") == "10,000,000.000000000000000001 ETH"
    assert fmt.exact_units(1, 6, "USDC") == "0.000001 USDC"


def test_the_journal_and_replacements_write_figures_through_the_formatter() -> None:
    from aleph_tui.core.chain.gateway import TxPlan
    from aleph_tui.core.flows.replacing import ReplacementQuote
    from aleph_tui.core.journal.journal_records import Operation
    from aleph_tui.core.journal.operation_journal import describe

    buy = Operation(
        kind="buy",
        network="devnet",
        account="me",
        status="completed",
        details={"amount": "1000000.5", "token": "USDC", "tx_hash": "0xab"},
    )
    assert describe(buy).startswith("buy with 1,000,000.5 USDC (tx 0xab)")
    plan = TxPlan(31337, "0x1", "0x2", 0, "0x", 7, 71_365, 2 * 10**9, 10**9)
    replacement = ReplacementQuote(buy, "speed_up", plan, "0xab", 10**9, 10**8, 10**10)
    rows = dict(replacement.rows())
    assert rows["network fee"] == "at most 0.00014273 ETH (gas 71,365)"  # exact
