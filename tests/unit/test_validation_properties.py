"""Property tests (hypothesis) of the one validation module and the unit conversions.

The validators accept exactly what they should (addresses in every case form, amounts
within the bounds and decimals of the token, expirations with a timezone) and refuse the
rest with the field they were given; the conversions round-trip exactly (token units and
human amounts for 6 and 18 decimals, credits and USD, expirations and the node's
millisecond timestamps), never through a float and never negative.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from aleph_tui.core import validation as v
from aleph_tui.core.aleph.models import CREDITS_PER_USD, credits_to_usd
from aleph_tui.core.flows.buying import human
from aleph_tui.core.flows.pricing import usd_of
from aleph_tui.core.validation import InvalidInput

# Modest: the whole file runs in a few seconds (every test uses these settings).
MODEST = settings(deadline=None, max_examples=100)

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
TOKENS = st.sampled_from([("USDC", 6), ("ALEPH", 18), ("ETH", 18)])
FIELDS = st.sampled_from(["to", "amount", "--address", "ADDRESS", "alias address"])
HEX = "0123456789abcdefABCDEF"


def refusal(check: Callable[..., object], *args: object, **kwargs: object) -> InvalidInput:
    try:
        check(*args, **kwargs)
    except InvalidInput as exc:
        return exc
    raise AssertionError(f"{args!r} was accepted")


# --- addresses --------------------------------------------------------------------------

ADDRESS_BYTES = st.binary(min_size=20, max_size=20).filter(lambda raw: any(raw))


@MODEST
@given(ADDRESS_BYTES, st.sampled_from(["lower", "upper", "checksummed"]), FIELDS)
def test_every_case_form_of_an_address_is_accepted_as_its_checksum(
    raw: bytes, form: str, field: str
) -> None:
    checksummed = v.checksum_address("0x" + raw.hex())
    text = {
        "lower": checksummed.lower(),
        "upper": "0x" + checksummed[2:].upper(),
        "checksummed": checksummed,
    }[form]
    assert v.address(f" {text}\t", field=field) == checksummed
    assert v.account_reference(text, field=field) == checksummed


@MODEST
@given(ADDRESS_BYTES, st.data(), FIELDS)
def test_a_mistyped_case_is_a_wrong_checksum_of_that_field(
    raw: bytes, data: st.DataObject, field: str
) -> None:
    checksummed = v.checksum_address("0x" + raw.hex())
    letters = [i for i, c in enumerate(checksummed) if i >= 2 and c.isalpha()]
    if len(letters) < 2:
        return  # all digits, or one letter: no mixed-case typo possible
    flip = data.draw(st.sampled_from(letters))
    typo = checksummed[:flip] + checksummed[flip].swapcase() + checksummed[flip + 1 :]
    if typo[2:] in (typo[2:].lower(), typo[2:].upper()):
        return  # the flip made it single-case: that is a valid form
    exc = refusal(v.address, typo, field=field)
    assert exc.field == field and "checksum" in exc.rule


@MODEST
@given(st.text(alphabet=HEX, max_size=60).filter(lambda t: len(t) != 40), FIELDS)
def test_anything_but_40_hex_digits_is_refused_with_the_field(digits: str, field: str) -> None:
    exc = refusal(v.address, "0x" + digits, field=field)
    assert exc.field == field
    assert "hexadecimal" in exc.rule


@MODEST
@given(ADDRESS_BYTES, st.sampled_from([str.lower, str.upper, str]), FIELDS)
def test_a_forbidden_address_is_refused_in_any_case_form(
    raw: bytes, form: Callable[[str], str], field: str
) -> None:
    checksummed = v.checksum_address("0x" + raw.hex())
    text = "0x" + form(checksummed[2:])
    exc = refusal(v.address, text, field=field, forbidden=[(checksummed.lower(), "is reserved")])
    assert (exc.field, exc.rule) == (field, "is reserved")


@MODEST
@given(st.text(max_size=80), FIELDS)
@example("0x" + "ab" * 32, "to")
@example("ab" * 32, "to")
@example("4" + "Zx9" * 29, "to")  # a base58 secret key's length: never echoed either
def test_any_recipient_text_is_an_address_or_a_refusal_naming_the_field(
    text: str, field: str
) -> None:
    def unknown(name: str) -> str:
        raise LookupError(f"'{name}' is not an account or an alias")

    try:
        resolved = v.account_reference(text, unknown, field=field)
    except InvalidInput as exc:
        assert exc.field == field and exc.rule
        if len(text.strip()) > 24:  # a long paste (a key?) is never echoed back
            assert text.strip() not in exc.rule
        return
    assert resolved == v.checksum_address(resolved) and resolved != v.ZERO_ADDRESS


# --- token amounts ----------------------------------------------------------------------


@MODEST
@given(st.integers(min_value=1, max_value=v.MAX_TOKEN_UNITS), TOKENS)
@example(1, ("ALEPH", 18))
@example(v.MAX_TOKEN_UNITS, ("ALEPH", 18))
@example(v.MAX_TOKEN_UNITS, ("USDC", 6))
def test_base_units_and_human_amounts_round_trip_exactly(
    units: int, token: tuple[str, int]
) -> None:
    symbol, decimals = token
    text = v.token_text(units, decimals)
    assert "e" not in text.lower() and not text.startswith("-")
    assert v.token_amount(text, decimals, symbol) == units
    assert Decimal(text).scaleb(decimals, context=_exact(text)) == units
    assert human(units, decimals) == text  # what the buy confirmation shows


def _exact(text: str) -> decimal.Context:
    """A context wide enough for ``text``, trapping any rounding."""
    return decimal.Context(prec=len(text) + 2, traps=[decimal.Inexact])


@MODEST
@given(TOKENS, st.data())
def test_typed_amounts_within_the_tokens_decimals_are_accepted_exactly(
    token: tuple[str, int], data: st.DataObject
) -> None:
    symbol, decimals = token
    whole = data.draw(st.integers(min_value=0, max_value=10**12))
    fraction = data.draw(st.integers(min_value=0, max_value=10**decimals - 1))
    if whole == fraction == 0:
        return
    places = data.draw(st.integers(min_value=decimals, max_value=decimals + 4))
    # Trailing zeros beyond the token's decimals are not extra precision.
    text = f"{whole}.{str(fraction).rjust(decimals, '0')}{'0' * (places - decimals)}"
    units = v.token_amount(text, decimals, symbol)
    assert isinstance(units, int) and units == whole * 10**decimals + fraction
    assert v.token_text(units, decimals) == text.rstrip("0").rstrip(".")


@MODEST
@given(TOKENS, st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=9))
def test_one_digit_more_than_the_token_has_is_refused(
    token: tuple[str, int], whole: int, last: int
) -> None:
    symbol, decimals = token
    text = f"{whole}.{'0' * decimals}{last}"
    exc = refusal(v.token_amount, text, decimals, symbol, field="amount")
    assert exc.field == "amount"
    assert exc.rule == f"must have at most {decimals} decimals for {symbol}"


@MODEST
@given(TOKENS, st.decimals(max_value=0, allow_nan=False, allow_infinity=False))
def test_zero_and_negative_amounts_are_refused(token: tuple[str, int], amount: Decimal) -> None:
    symbol, decimals = token
    exc = refusal(v.token_amount, str(amount), decimals, symbol)
    assert exc.field == "amount" and "greater than zero" in exc.rule


@MODEST
@given(TOKENS, st.integers(min_value=v.MAX_TOKEN_UNITS + 1, max_value=10**80))
def test_amounts_beyond_any_balance_are_refused(token: tuple[str, int], units: int) -> None:
    symbol, decimals = token
    exc = refusal(v.token_amount, v.token_text(units, decimals), decimals, symbol)
    assert exc.rule == f"is larger than any {symbol} balance can be"


# --- credits and USD --------------------------------------------------------------------


@MODEST
@given(st.integers(min_value=0, max_value=v.MAX_CREDITS))
@example(v.MAX_CREDITS)
def test_credits_and_usd_round_trip_at_the_credit_price(credits: int) -> None:
    usd = credits_to_usd(credits)
    assert isinstance(usd, Decimal) and usd >= 0
    assert usd == usd_of(credits)
    assert usd * CREDITS_PER_USD == credits  # exact: no float, no rounding
    assert int(usd.scaleb(6)) == credits
    if credits:
        assert v.credit_amount(str(credits)) == credits


@MODEST
@given(
    st.decimals(
        min_value=Decimal("0.000001"),
        max_value=Decimal(v.MAX_CREDITS) / CREDITS_PER_USD,
        places=6,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_usd_amounts_to_the_micro_dollar_are_whole_credits(usd: Decimal) -> None:
    scaled = usd * CREDITS_PER_USD
    assert scaled == scaled.to_integral_value()  # whole credits, exactly
    credits = v.credit_amount(f"{int(scaled):,}")  # as the dashboard shows the figure
    assert credits_to_usd(credits) == usd


@MODEST
@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=999_999))
def test_fractional_credits_are_refused(whole: int, millionths: int) -> None:
    exc = refusal(v.credit_amount, f"{whole}.{millionths:06d}")
    assert exc.field == "amount" and "whole numbers" in exc.rule


# --- expirations and milliseconds -------------------------------------------------------

OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
FUTURE = st.datetimes(
    min_value=dt.datetime(2026, 11, 24), max_value=dt.datetime(9998, 12, 31), timezones=OFFSETS
)


@MODEST
@given(FUTURE)
@example(dt.datetime(2026, 11, 22, 12, 0, 0, 1000, tzinfo=dt.UTC))
def test_future_expirations_with_a_zone_round_trip_through_milliseconds(
    moment: dt.datetime,
) -> None:
    parsed = v.expiration(moment.isoformat(), now=NOW)
    assert parsed == moment and parsed.tzinfo == dt.UTC
    ms = v.expiration_ms(parsed)
    assert isinstance(ms, int) and ms > 0
    whole_ms = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert v.from_ms(ms) == whole_ms
    assert v.expiration_ms(v.from_ms(ms)) == ms


@MODEST
@given(st.integers(min_value=0, max_value=253_402_300_799_999))
def test_milliseconds_round_trip_through_instants(ms: int) -> None:
    assert v.expiration_ms(v.from_ms(ms)) == ms


@MODEST
@given(FUTURE)
def test_an_expiration_without_a_zone_is_refused(moment: dt.datetime) -> None:
    exc = refusal(v.expiration, moment.replace(tzinfo=None).isoformat(), now=NOW)
    assert exc.field == "expiration" and "timezone" in exc.rule


@MODEST
@given(st.datetimes(max_value=dt.datetime(2026, 11, 22, 11, 0), timezones=OFFSETS))
def test_a_past_expiration_is_refused(moment: dt.datetime) -> None:
    if moment > NOW:
        return  # a zone west of UTC can move a local time past NOW
    exc = refusal(v.expiration, moment.isoformat(), now=NOW)
    assert exc.field == "expiration" and exc.rule == "must be in the future"


@MODEST
@given(st.text(max_size=40))
@example("2027-02-30T00:00:00Z")
def test_any_expiration_text_is_an_instant_or_a_refusal(text: str) -> None:
    try:
        parsed = v.expiration(text, now=NOW, field="--expiration")
    except InvalidInput as exc:
        assert exc.field == "--expiration" and exc.rule
        return
    assert parsed > NOW and parsed.tzinfo == dt.UTC
