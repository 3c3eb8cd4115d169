"""The one validation module: every rule, and property tests of the amount conversions
(round trips and bounds) and of the EIP-55 checksum against eth_utils."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest
from eth_utils.address import to_checksum_address
from hypothesis import example, given
from hypothesis import strategies as st

from aleph_tui.core import validation as v
from aleph_tui.core.aleph.history_models import unix_seconds
from aleph_tui.core.aleph.models import credits_to_usd, format_credits
from aleph_tui.core.validation import RESOURCE_TYPES, InvalidInput

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def rule(check: Callable[..., object], *args: object, **kwargs: object) -> str:
    """The rule of the InvalidInput that ``check(*args)`` raises."""
    with pytest.raises(InvalidInput) as caught:
        check(*args, **kwargs)
    return caught.value.rule


# --- addresses and names --------------------------------------------------------------


def test_addresses_are_checksummed() -> None:
    assert v.address(ALICE) == ALICE
    assert v.address(ALICE.lower()) == ALICE
    assert v.address("0x" + ALICE[2:].upper()) == ALICE
    assert v.address(f"  {BOB}\n") == BOB
    assert "checksum" in rule(v.address, ALICE[:2] + ALICE[2:].swapcase())
    assert "40 hexadecimal" in rule(v.address, ALICE[:-1])
    assert "40 hexadecimal" in rule(v.address, ALICE + "0")
    assert "40 hexadecimal" in rule(v.address, "0x" + "g" * 40)
    assert "40 hexadecimal" in rule(v.address, ALICE[2:])
    assert "zero address" in rule(v.address, "0x" + "0" * 40)
    assert rule(v.address, ALICE.lower(), forbidden=[(ALICE, "is yourself")]) == "is yourself"
    with pytest.raises(InvalidInput) as caught:
        v.address("0x12", field="--to")
    assert str(caught.value).startswith("--to: ")


@given(st.binary(min_size=20, max_size=20))
def test_the_checksum_agrees_with_eth_utils(raw: bytes) -> None:
    lower = "0x" + raw.hex()
    expected = str(to_checksum_address(lower))
    assert v.checksum_address(lower) == expected
    if raw != bytes(20):
        assert v.address(lower) == v.address(expected) == v.address("0x" + raw.hex().upper())


def test_names() -> None:
    assert v.name(" work-2_b ") == "work-2_b"
    for bad in ("", "a b", "é", "a/b", "x;"):
        assert "letters" in rule(v.name, bad)


def test_account_references_resolve_names_and_refuse_oneself() -> None:
    book = {"bob": BOB.lower(), "me": ALICE, "broken": "0x1234"}

    def resolve(target: str) -> str:
        try:
            return book[target]
        except KeyError:
            raise LookupError(f"'{target}' is not an account or an alias") from None

    myself = [(ALICE, "is yourself")]
    assert v.account_reference(BOB.lower()) == BOB  # an address needs no resolver
    assert v.account_reference(" bob ", resolve) == BOB
    assert rule(v.account_reference, "me", resolve, forbidden=myself) == "is yourself"
    assert rule(v.account_reference, ALICE, forbidden=myself) == "is yourself"
    assert "not an account" in rule(v.account_reference, "carol", resolve)
    assert "40 hexadecimal" in rule(v.account_reference, "broken", resolve)
    assert "no accounts are known" in rule(v.account_reference, "bob")
    assert "letters" in rule(v.account_reference, "bob smith", resolve)
    assert "empty" in rule(v.account_reference, "  ", resolve)
    assert "checksum" in rule(v.account_reference, BOB[:2] + BOB[2:].swapcase(), resolve)
    assert v.looks_like_address("0X12") and not v.looks_like_address("x0")


# --- amounts --------------------------------------------------------------------------

DECIMALS = st.sampled_from([0, 6, 8, 18])


def _human(units: int, decimals: int) -> str:
    """``units`` base units as a human amount, digit for digit (no Decimal context)."""
    if decimals == 0:
        return str(units)
    digits = str(units).rjust(decimals + 1, "0")
    return f"{digits[:-decimals]}.{digits[-decimals:]}"


@given(st.integers(min_value=1, max_value=v.MAX_TOKEN_UNITS), DECIMALS)
@example(1, 18)
@example(v.MAX_TOKEN_UNITS, 0)
@example(v.MAX_TOKEN_UNITS, 18)
def test_token_amounts_round_trip(units: int, decimals: int) -> None:
    text = _human(units, decimals)
    assert v.token_amount(text, decimals, "TKN") == units
    assert v.token_amount(f" {text} ", decimals, "TKN") == units
    # Trailing zeros are not extra precision.
    assert v.token_amount(text + ("0" if "." in text else ".000"), decimals, "TKN") == units


@given(st.integers(min_value=1, max_value=10**30), DECIMALS)
def test_token_amounts_refuse_more_decimals_than_the_token_has(units: int, decimals: int) -> None:
    text = _human(units, decimals + 1)
    if units % 10 == 0:
        return  # the last digit is a zero: this is representable
    assert "at most" in rule(v.token_amount, text, decimals, "TKN")


@given(DECIMALS)
def test_token_amount_bounds(decimals: int) -> None:
    assert "larger" in rule(v.token_amount, _human(v.MAX_TOKEN_UNITS + 1, decimals), decimals, "T")
    for zero in ("0", "0.0", "000", ".0"):
        assert "greater than zero" in rule(v.token_amount, zero, decimals, "T")
    for signed in ("-1", "-0.000001", "-0", "+1"):
        assert "takes no sign; it must be greater than zero" in rule(
            v.token_amount, signed, decimals, "T"
        )
    for garbage in ("", "abc", "1,5", "NaN", "Infinity", "0x10"):
        with pytest.raises(InvalidInput):
            v.token_amount(garbage, decimals, "T")
    assert "no exponent" in rule(v.token_amount, "1e999999999", decimals, "T")


# One rule for every typed amount (credits to transfer, tokens to buy): digits, the whole
# part optionally grouped in threes by ',' or '_', never an exponent or a sign. Before,
# Buy read "1e3" as 1000 while Transfer refused "1e6".
SHARED_REFUSALS = [
    ("1e3", "takes no exponent; write the digits out"),
    ("1E6", "takes no exponent"),
    ("1.5e3", "takes no exponent"),
    ("2e-3", "takes no exponent"),
    ("1_0", "must group digits in threes by one separator"),
    ("1,000_000", "must group digits in threes by one separator"),
    ("10,00,000", "must group digits in threes by one separator"),
    ("+5", "takes no sign"),
    ("-5", "takes no sign"),
]


@pytest.mark.parametrize(("text", "fragment"), SHARED_REFUSALS)
def test_buy_and_transfer_amounts_refuse_the_same_text_with_the_same_rule(
    text: str, fragment: str
) -> None:
    token_rule = rule(v.token_amount, text, 18, "ALEPH")
    credit_rule = rule(v.credit_amount, text)
    assert fragment in token_rule
    assert fragment in credit_rule


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("1,000", 1000 * 10**6),
        ("1_000", 1000 * 10**6),
        ("1,000,000.5", 1_000_000_500_000),
        ("1_000.25", 1_000_250_000),
        (".5", 500_000),
        ("5.", 5_000_000),
        (" 12 ", 12_000_000),
    ],
)
def test_token_amounts_take_the_grouping_credit_amounts_take(text: str, units: int) -> None:
    """A figure copied from the screen (grouped by ',') works in Buy as in Transfer."""
    assert v.token_amount(text, 6, "USDC") == units


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1,5", "the decimal point is '.'"),
        ("1,50000", "the decimal point is '.'"),
        ("NaN", "'NaN' is not a number (e.g. 2.5 or 1,000.5)"),
        ("Infinity", "is not a number"),
        ("１２", "is not a number"),  # fullwidth digits: Decimal would take them
        ("1.2.3", "is not a number"),
        ("1 000", "is not a number"),
        ("1.0_0", "is not a number"),
    ],
)
def test_token_amount_refusals_name_the_rule(text: str, fragment: str) -> None:
    assert fragment in rule(v.token_amount, text, 6, "USDC")


@given(st.text(max_size=40), DECIMALS)
@example("1e99999999999", 18)
@example("-1e-99999999", 6)
@example("1,000.5", 0)
def test_any_text_is_a_token_amount_or_invalid_input(text: str, decimals: int) -> None:
    try:
        units = v.token_amount(text, decimals, "T")
    except InvalidInput:
        return
    assert 1 <= units <= v.MAX_TOKEN_UNITS


@given(st.integers(min_value=1, max_value=v.MAX_CREDITS))
@example(1)
@example(v.MAX_CREDITS)
def test_credit_amounts_round_trip(credits: int) -> None:
    """Digits, or grouped in threes by ',' (as the dashboard shows figures, so a figure
    copied from the screen works) or '_'; spaces around are trimmed."""
    assert v.credit_amount(str(credits)) == credits
    assert v.credit_amount(f"{credits:_}") == credits
    assert v.credit_amount(f"{credits:,}") == credits
    assert v.credit_amount(f"  {credits:,}\t") == credits
    assert v.credit_amount(credits) == credits


@given(st.integers(min_value=1, max_value=v.MAX_CREDITS))
@example(1_000_000)
def test_credit_amounts_refuse_exponents_signs_decimals_and_bad_groups(credits: int) -> None:
    """Issue 13: "1.5E+6", "+5", "1000.000" and "1,00" were read as numbers (or not
    refused with their own rule); each is refused, saying why."""
    grouped = f"{credits:,}"
    assert "no exponent" in rule(v.credit_amount, format(Decimal(credits).normalize(), "E"))
    assert "no sign" in rule(v.credit_amount, f"+{credits}")
    assert "no sign" in rule(v.credit_amount, f"-{credits}")
    assert "whole numbers" in rule(v.credit_amount, f"{credits}.000")
    assert "in threes" in rule(v.credit_amount, f"{credits}00,0")
    if grouped.count(",") >= 2:
        assert "in threes" in rule(v.credit_amount, grouped.replace(",", "_", 1))  # mixed
    if "," in grouped:
        assert "grouped by ',' or '_'" in rule(v.credit_amount, grouped.replace(",", "."))
        assert "is not a whole number" in rule(v.credit_amount, grouped.replace(",", " "))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,000", 1000),
        ("1_000_000", 1_000_000),
        (" 12,345,678 ", 12_345_678),
        ("0,001", 1),
    ],
)
def test_credit_amount_grouping_examples(text: str, expected: int) -> None:
    assert v.credit_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1e6", "no exponent"),
        ("1,0000", "in threes"),
        ("10,00", "in threes"),
        ("1,000_000", "in threes"),
        (",100", "is not a whole number"),
        ("100,", "is not a whole number"),
        ("１２", "is not a whole number"),  # fullwidth digits are not ASCII digits
        ("٣", "is not a whole number"),
        ("NaN", "is not a whole number"),
        ("Infinity", "is not a whole number"),
        ("", "is empty"),
        ("   ", "is empty"),
    ],
)
def test_credit_amount_refusals(text: str, fragment: str) -> None:
    assert fragment in rule(v.credit_amount, text)


@given(st.integers(max_value=0) | st.integers(min_value=v.MAX_CREDITS + 1))
def test_credit_amounts_out_of_bounds(credits: int) -> None:
    for value in (credits, str(credits)):
        message = rule(v.credit_amount, value)
        if credits < 0 and isinstance(value, str):
            assert "no sign" in message
        else:
            assert ("at least 1" in message) if credits <= 0 else ("larger" in message)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=999))
def test_credit_fractions_are_refused(whole: int, thousandths: int) -> None:
    assert "whole numbers" in rule(v.credit_amount, f"{whole}.{thousandths:03d}")


@given(st.text(max_size=30))
@example("1e99999999999")
def test_any_text_is_a_credit_amount_or_invalid_input(text: str) -> None:
    try:
        credits = v.credit_amount(text)
    except InvalidInput:
        return
    assert 1 <= credits <= v.MAX_CREDITS


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_usd_value_of_credits_is_exact(credits: int) -> None:
    assert credits_to_usd(credits) * 1_000_000 == credits  # exact, never a float


def test_usd_display_examples() -> None:
    assert format_credits(3_900_000) == "3,900,000 ($3.90)"
    assert format_credits(0) == "0 ($0.00)"
    assert format_credits(5_000) == "5,000 ($0.005)"
    assert format_credits(-57_008) == "−57,008 (−$0.06)"


# --- times ----------------------------------------------------------------------------


def test_expirations() -> None:
    assert v.expiration("2027-01-31T00:00:00Z", now=NOW) == dt.datetime(2027, 1, 31, tzinfo=dt.UTC)
    assert v.expiration("2027-01-31T02:00:00+02:00", now=NOW) == dt.datetime(
        2027, 1, 31, tzinfo=dt.UTC
    )
    assert "future" in rule(v.expiration, "2026-11-22T12:00:00Z", now=NOW)
    assert "future" in rule(v.expiration, "2020-01-01T00:00:00Z", now=NOW)
    assert "timezone" in rule(v.expiration, "2027-01-31T00:00:00", now=NOW)
    assert "RFC 3339" in rule(v.expiration, "next week", now=NOW)
    assert "empty" in rule(v.expiration, " ", now=NOW)


@given(
    st.datetimes(
        min_value=dt.datetime(1970, 1, 1),
        max_value=dt.datetime(9000, 1, 1),
        timezones=st.just(dt.UTC),
    )
)
def test_expiration_milliseconds_are_exact(moment: dt.datetime) -> None:
    ms = v.expiration_ms(moment)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert ms == (moment - epoch) // dt.timedelta(milliseconds=1)
    whole = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert epoch + dt.timedelta(milliseconds=ms) == whole
    assert v.expiration_ms(whole.astimezone(dt.timezone(dt.timedelta(hours=-7)))) == ms


def test_expiration_milliseconds_need_a_timezone() -> None:
    assert "timezone" in rule(v.expiration_ms, dt.datetime(2027, 1, 1))
    assert v.expiration_ms(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) == 1767225600000


def test_history_dates() -> None:
    day = v.history_date("2026-05-01", field="from")
    assert day == dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    end = v.history_date("2026-05-01", field="to", end_of_day=True)
    assert end == dt.datetime(2026, 5, 1, 23, 59, 59, 999_999, tzinfo=dt.UTC)
    assert v.history_date("2026-05-01T12:00:00+02:00", field="to", end_of_day=True) == (
        dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC)
    )
    assert "not a date" in rule(v.history_date, "2026-02-30", field="from")
    assert "timezone" in rule(v.history_date, "2026-05-01T12:00:00", field="from")
    assert "1970" in rule(v.history_date, "1969-12-31T00:00:00Z", field="from")
    assert "a date" in rule(v.history_date, "yesterday", field="from")
    assert v.date_range(day, end) == (day, end)
    assert v.date_range(None, day) == (None, day)
    assert "before" in rule(v.date_range, end, day)


@given(st.datetimes(timezones=st.just(dt.UTC), min_value=dt.datetime(1970, 1, 1)))
def test_history_bounds_go_to_the_node_as_exact_unix_seconds(moment: dt.datetime) -> None:
    whole = (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(seconds=1)
    assert Decimal(unix_seconds(moment)) == whole + Decimal(moment.microsecond) / 10**6
    assert "E" not in unix_seconds(moment)


# --- paging and identifiers -----------------------------------------------------------


@given(st.integers(min_value=1, max_value=v.MAX_PAGE_SIZE))
def test_page_sizes_round_trip(size: int) -> None:
    assert v.page_size(str(size)) == v.page_size(size) == size


def test_paging_bounds() -> None:
    assert v.page("1") == 1 and v.page(str(v.MAX_PAGE)) == v.MAX_PAGE
    assert "at least 1" in rule(v.page, "0")
    assert "at most" in rule(v.page, str(v.MAX_PAGE + 1))
    assert "at most 1000" in rule(v.page_size, "1001")
    for bad in ("-1", "1.0", "two", "", "٣", "1e3", " "):
        assert "whole number" in rule(v.page, bad)
    assert "whole number" in rule(v.positive_int, True, field="x", maximum=5)


def test_channels_and_identifiers() -> None:
    assert v.channel(" ALEPH_CREDIT ") == "ALEPH_CREDIT"
    assert v.channel("ALEPH-CLOUDSOLUTIONS") == "ALEPH-CLOUDSOLUTIONS"
    for bad in ("TWO WORDS", "x" * 65, "a\nb", "chañnel"):
        assert "64" in rule(v.channel, bad)
    for blank in ("", "  "):  # the form's blanked default: said so, with the one to use
        assert rule(v.channel, blank) == "must not be empty: credits move on ALEPH_CREDIT"
    assert v.identifier("credit_expense", field="m") == "credit_expense"
    assert "letters" in rule(v.identifier, "credit expense", field="m")


def test_resource_types_are_the_nodes_message_types() -> None:
    """pyaleph types ``resourceTypes`` as aleph-message's ``MessageType`` list: exactly its
    values are allowed, sent in its spelling, whatever the case typed (the Rust CLI's are
    lower case)."""
    from aleph_message.models import MessageType

    names = tuple(t.value for t in MessageType)
    assert names == RESOURCE_TYPES  # the node's own list, V-PROGRAM included
    assert v.resource_types(",".join(names).lower()) == names
    assert v.resource_types(" store, Instance ,PROGRAM") == ("STORE", "INSTANCE", "PROGRAM")
    assert v.resource_types("store,STORE,store") == ("STORE",)  # repeats dropped
    assert "'vm' is not a message type" in rule(v.resource_types, "store,vm")
    assert "empty item" in rule(v.resource_types, "store,")
    assert "empty item" in rule(v.resource_types, ",")
    for empty in ("", "  "):
        assert rule(v.resource_types, empty).startswith("is empty")
    assert "the value is not" in rule(v.resource_types, KEY_LIKE)  # long text not echoed


@given(st.text(max_size=70))
@example("ab" * 32)
@example("AB" * 32)
@example("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG")
@example("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi")
def test_a_resource_is_what_aleph_message_takes_for_an_item_hash(text: str) -> None:
    from aleph_message.exceptions import UnknownHashError
    from aleph_message.models import ItemHash

    try:
        value = v.resource(text)
    except InvalidInput as exc:
        assert exc.field == "resource"
        stripped = text.strip()
        with pytest.raises(UnknownHashError):
            ItemHash(stripped.lower() if len(stripped) == 64 else stripped)
        return
    assert ItemHash(value) == value  # what the node stores, hex in lower case


def test_resource_refusals_name_the_rule() -> None:
    assert "is an address" in rule(v.resource, "0x" + "ab" * 20)
    assert "no 0x prefix" in rule(v.resource, "0x" + "ab" * 32)
    assert rule(v.resource, " ").startswith("is empty")
    assert "64 hexadecimal characters, or an IPFS CID" in rule(v.resource, "ab" * 31)
    assert KEY_LIKE[:-1] not in rule(v.resource, KEY_LIKE[:-1])  # never echoed


# --- other chains and reserved recipients ---------------------------------------------

SOLANA = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"
SUBSTRATE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
BITCOIN = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
KEY_LIKE = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


def test_other_chains_addresses_are_named_as_such() -> None:
    def unknown(target: str) -> str:
        raise LookupError(f"'{target}' is not an account or an alias")

    for foreign in (SOLANA, SUBSTRATE):
        assert "Solana or Substrate" in rule(v.account_reference, foreign, unknown)
        assert "Solana or Substrate" in rule(v.address, foreign)
    assert "Bitcoin" in rule(v.account_reference, BITCOIN, unknown)
    assert "ENS" in rule(v.account_reference, "vitalik.eth", unknown)
    assert "0x prefix" in rule(v.account_reference, ALICE[2:], unknown)
    # A name the store knows wins over any look-alike.
    assert v.account_reference(SOLANA, lambda _name: BOB) == BOB


def test_a_pasted_key_is_refused_and_never_echoed() -> None:
    for text in (KEY_LIKE, "0x" + KEY_LIKE):
        message = rule(v.account_reference, text, lambda _name: BOB)
        assert "private key or a hash" in message and KEY_LIKE not in message
        assert KEY_LIKE not in rule(v.token_amount, text, 18, "T")
        assert KEY_LIKE not in rule(v.page, text)


def test_the_chain_id_must_be_the_networks() -> None:
    assert v.chain_id(31337, 31337, network="devnet") == 31337
    assert v.chain_id(5, None, network="custom") == 5  # the network does not say
    with pytest.raises(InvalidInput) as caught:
        v.chain_id(1, 31337, network="devnet")
    assert caught.value.field == "rpc-url"
    assert "chain id 1, but network devnet is chain id 31337" in caught.value.rule


def test_contracts_are_reserved_recipients() -> None:
    reserved = v.reserved_recipients([("ALEPH token", BOB), ("USDC token", None)])
    assert reserved == [(BOB, "is the network's ALEPH token contract; credits sent there are lost")]
    assert "ALEPH token" in rule(v.account_reference, BOB.lower(), forbidden=reserved)


async def test_a_refusal_stays_itself_through_an_async_context_manager() -> None:
    """contextlib sets ``__traceback__`` on the way out of ``async with`` (as around
    every command's service): the refusal must reach the caller as it was raised."""
    import contextlib

    @contextlib.asynccontextmanager
    async def service() -> AsyncIterator[None]:
        yield

    with pytest.raises(InvalidInput) as caught:
        async with service():
            v.credit_amount("0")
    assert (caught.value.field, caught.value.rule) == ("amount", "must be at least 1 credit")


def test_new_account_names_keys_and_passwords_as_the_dialogs_check_them() -> None:
    def new(text: str) -> str:
        return v.new_account_name(text, accounts=["main"], aliases=["friend"])

    assert new(" cold ") == "cold"
    assert rule(new, "") == "is required"
    assert rule(new, "main") == "account 'main' already exists"
    assert "already an alias" in rule(new, "friend")
    assert "only letters" in rule(new, "two words")
    v.private_key("0x" + "ab" * 32)
    for bad in ("0x1234", "zz" * 32, "ab" * 33):
        assert rule(v.private_key, bad) == v.PRIVATE_KEY_RULE
    for out_of_range in ("0" * 64, "f" * 64):
        assert rule(v.private_key, out_of_range) == "is not a valid secp256k1 key"
    assert v.new_password("pw", "pw") == "pw"
    assert v.new_password("", "", required=False) is None
    assert rule(v.new_password, "pw", "pw?") == "the two entries differ"
    assert "is required" in rule(v.new_password, "", "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "units: must be a whole number from 1 to 1000000"),
        ("+5", "units: must be a whole number from 1 to 1000000"),
        ("1.5", "units: must be a whole number from 1 to 1000000"),
        ("four", "units: 'four' is not a whole number (1 to 1000000)"),
        ("0", "units: must be at least 1"),
    ],
)
def test_compute_units_refusals_say_the_rule(text: str, message: str) -> None:
    """The Pricing estimator said "units: '-1' is not a whole number": true, but not the
    rule to follow."""
    with pytest.raises(InvalidInput) as caught:
        v.compute_units(text)
    assert str(caught.value) == message
