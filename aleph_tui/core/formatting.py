"""How amounts and instants are written in JSON, exports and on screen, in one place."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from typing import overload


def plain_decimal(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 100000.0 → "100000", −0 → "0"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def exact_decimal(value: Decimal, *, grouped: bool = False) -> str:
    """Every digit of ``value``, without exponent or trailing zeros (no context rounding,
    unlike ``Decimal.normalize``). ``grouped``, for the screen: thousands separated by
    commas and a true minus sign."""
    text = format(value, ",f" if grouped else "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        return "0"
    return text.replace("-", "−") if grouped else text


def in_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC, or as it is when UTC cannot hold it. A node may send an instant
    within hours of year 1 or year 9999 with an offset ("0001-01-01T00:00:00+02:00"), whose
    UTC date is outside what a datetime can hold: it keeps its own offset, so it is written
    as the same instant instead of failing the whole page, export or command."""
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:
        return moment


@overload
def iso_utc(moment: dt.datetime) -> str: ...
@overload
def iso_utc(moment: None) -> None: ...
def iso_utc(moment: dt.datetime | None) -> str | None:
    """RFC 3339 in UTC with a ``Z``, as the node writes its datetimes (with its own offset
    for the rare instant UTC cannot hold; see ``in_utc``)."""
    if moment is None:
        return None
    return in_utc(moment).isoformat().replace("+00:00", "Z")


def utc_minute(moment: dt.datetime | None, *, empty: str = "") -> str:
    """``2026-11-21 09:40`` in UTC, for the screen and the commands' text (``…+02:00``
    after it for the rare instant UTC cannot hold; see ``in_utc``)."""
    if moment is None:
        return empty
    return in_utc(moment).isoformat(" ", timespec="minutes").removesuffix("+00:00")


# --- figures on screen and in the commands' text ------------------------------------------
# One way to write each kind of figure, for the TUI and the commands' text output (the
# --json outputs and the exports keep exact values: ``plain_decimal``/``exact_decimal``).
# Digits are grouped ("483,170,457"), a minus is U+2212, and a non-zero amount never
# reads as zero: below the usual precision, its first significant digits are shown.

MINUS = "−"  # U+2212, the typographic minus
# 1,000,000 credits are worth 1 USD (core/aleph/models.CREDITS_PER_USD). Repeated here so
# this module imports nothing of core: every room (the journal too) may write figures.
CREDITS_PER_USD = 1_000_000
TOKEN_PLACES = 6  # decimals of a token amount on screen (the exact value: plain_decimal)
# A figure too small for its usual decimals keeps this many significant digits.
SMALL_SIGNIFICANT = 2


def _sign(value: Decimal | int, signed: bool) -> str:
    if value < 0:
        return MINUS
    return "+" if signed and value > 0 else ""


def _grouped(value: Decimal) -> str:
    """``value`` (already at its precision) grouped, without sign or trailing zeros."""
    text = format(value.copy_abs(), ",f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _places_for(value: Decimal, places: int) -> int:
    """``places``, or more for a non-zero value that ``places`` decimals would write as
    0: enough for its first SMALL_SIGNIFICANT significant digits."""
    if value == 0 or abs(value) >= Decimal(1).scaleb(-places):
        return places
    return -value.adjusted() + SMALL_SIGNIFICANT - 1


def _at(value: Decimal, places: int, rounding: str) -> Decimal:
    """``value`` at ``places`` decimals, however many digits that takes (the default
    context's 28 would refuse a large amount)."""
    with localcontext() as context:
        context.prec = max(context.prec, value.adjusted() + places + 2)
        return value.quantize(Decimal(1).scaleb(-places), rounding=rounding)


def credits(amount: int, *, signed: bool = False) -> str:
    """``483,170,457``; signed: ``+1,000,000`` / ``−9,152`` (zero has no sign)."""
    return _sign(amount, signed) + f"{abs(amount):,}"


def count(number: int) -> str:
    """A count of things (entries, rows, pages): ``12,345``."""
    return f"{number:,}"


def counted(number: int, thing: str, things: str | None = None) -> str:
    """A count with its noun: ``1 day``, ``7 days``, ``0 warnings``, ``2 addresses``."""
    return f"{number:,} {thing if number == 1 else things or thing + 's'}"


def usd(value: Decimal, *, signed: bool = False) -> str:
    """``$483.17`` (cents, half up); below a cent its first significant digits, never
    ``$0.00`` for a non-zero amount: ``$0.001``, ``$0.0000012``. Signed: ``+$1.00`` /
    ``−$0.001``."""
    places = _places_for(value, 2)
    shown = _at(value, places, ROUND_HALF_UP)
    text = f"{shown.copy_abs():,.{places}f}" if places == 2 else _grouped(shown)
    return _sign(value, signed) + "$" + text


def usd_price(value: Decimal) -> str:
    """A price in USD (per hour, per GiB and day): to the cent from $1 up, below that two
    significant digits, so close prices stay apart: ``$0.011``, ``$0.066``, ``$0.13``."""
    places = (
        2 if value == 0 or abs(value) >= 1 else max(2, SMALL_SIGNIFICANT - 1 - value.adjusted())
    )
    text = f"{_at(value, places, ROUND_HALF_UP).copy_abs():,.{places}f}"
    whole, _, cents = text.partition(".")
    # rounding up may leave a zero past the cent: $0.0999 reads $0.10, not $0.100
    return _sign(value, False) + f"${whole}.{cents[:2]}{cents[2:].rstrip('0')}"


def credits_usd(amount: int, *, signed: bool = False) -> str:
    """The USD value of ``amount`` credits, as ``usd`` writes it."""
    return usd(Decimal(amount) / CREDITS_PER_USD, signed=signed)


def credits_with_usd(amount: int, *, signed: bool = False) -> str:
    """``483,170,457 ($483.17)``; signed: ``+1,000 (+$0.001)``."""
    return f"{credits(amount, signed=signed)} ({credits_usd(amount, signed=signed)})"


def token(value: Decimal, *, places: int = TOKEN_PLACES, signed: bool = False) -> str:
    """A token amount with at most ``places`` decimals, cut (never rounded up: a balance
    never reads more than it holds): ``9,999.999948``, ``100,000``. A non-zero amount
    below that keeps its first significant digits (``0.000000021``). The exact value is
    ``plain_decimal``'s (a tooltip, the detail modal, --json)."""
    shown = _at(value, _places_for(value, places), ROUND_DOWN)
    return _sign(value, signed) + _grouped(shown)


def token_amount(value: Decimal, symbol: str, *, signed: bool = False) -> str:
    """``9,999.999948 ETH``."""
    return f"{token(value, signed=signed)} {symbol}"


def exact_units(units: int, decimals: int, symbol: str) -> str:
    """Base units as the exact token amount, every digit, grouped: ``10,000,000 USDC``,
    ``0.000000000000000001 ETH`` (a refusal or a confirmation, which must not round).
    Built from text: Decimal's context arithmetic would round past 28 digits."""
    return f"{exact_decimal(Decimal(f'{units}e-{decimals}'), grouped=True)} {symbol}"


def fee(eth: Decimal, usd_value: Decimal | None) -> str:
    """A network fee in its token and in USD: ``0.000021 ETH ($0.05)``; the USD part is
    left out when no price is known."""
    text = token_amount(eth, "ETH")
    return text if usd_value is None else f"{text} ({usd(usd_value)})"


def rate(value: Decimal) -> str:
    """A price or a rate (credits/hour, credits/GiB/day, credits/day, days): two decimals,
    half up, trailing zeros dropped: ``4,415.69``, ``1,000``, ``0.05``; below a cent its
    first significant digits (``0.0012``)."""
    shown = _at(value, _places_for(value, 2), ROUND_HALF_UP)
    return _sign(value, False) + _grouped(shown)


def percent(ratio: Decimal) -> str:
    """A ratio as a percentage: ``Decimal("0.125")`` → ``12.5 %``."""
    return f"{rate(ratio * 100)} %"


def short_address(address: str) -> str:
    """``0x1234…abcd``: the start and the end of an address or a hash."""
    return f"{address[:6]}…{address[-4:]}"


def named_address(address: str, name: str | None, *, whole: bool = False) -> str:
    """``main (0x1234…abcd)`` for a known address, else the whole address; ``whole``
    keeps every digit beside the name (a confirmation): ``main · 0x1234…``."""
    if not name:
        return address
    return f"{name} · {address}" if whole else f"{name} ({short_address(address)})"
