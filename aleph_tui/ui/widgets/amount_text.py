"""How amounts read on screen: grouped digits, explicit + and − signs, ••• when hidden.

Display only; every value stays an int or a Decimal up to here. Signs are characters,
so a direction never depends on colour alone.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from aleph_tui.core.aleph.models import credits_to_usd
from aleph_tui.core.formatting import utc_minute as utc_minute  # for the views: fmt.utc_minute

MASK = "•••"
MINUS = "−"  # U+2212, the typographic minus
UNAVAILABLE = "unavailable"
CENT = Decimal("0.01")


def _sign(negative: bool, positive: bool, signed: bool) -> str:
    if negative:
        return MINUS
    return "+" if signed and positive else ""


def credits(amount: int, *, signed: bool = False) -> str:
    """``483,147,991``; signed: ``+1,000,000`` / ``−9,152`` (zero has no sign)."""
    return _sign(amount < 0, amount > 0, signed) + f"{abs(amount):,}"


def usd(value: Decimal, *, signed: bool = False) -> str:
    """``$483.15`` (cents, half up); signed: ``+$1.00`` / ``−$0.01``."""
    cents = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return _sign(value < 0, value > 0, signed) + f"${abs(cents):,.2f}"


def credits_usd(amount: int, *, signed: bool = False) -> str:
    return usd(credits_to_usd(amount), signed=signed)


def token(value: Decimal, *, places: int = 6) -> str:
    """A token amount with at most ``places`` decimals (cut, never rounded up):
    ``100,000`` / ``1,234.5``."""
    cut = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    text = f"{abs(cut):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return (MINUS if cut < 0 else "") + text


def hidden(text: str, hide: bool) -> str:
    return MASK if hide else text


def short_address(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


def clock(moment: dt.datetime) -> str:
    """``HH:MM:SS`` in the terminal's local time."""
    return moment.astimezone().strftime("%H:%M:%S")
