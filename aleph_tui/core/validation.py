"""Validation of everything a user types, shared by the forms and the commands.

Each check returns the normalised value or raises ``InvalidInput`` naming the field and
the rule, e.g. ``amount: must have at most 6 decimals for USDC``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from eth_utils.address import is_checksum_address, to_checksum_address

ZERO_ADDRESS = "0x" + "0" * 40
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
MAX_CREDITS = 2**63 - 1
MAX_TOKEN_UNITS = 2**128 - 1
_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


@dataclass(frozen=True)
class InvalidInput(ValueError):
    field: str
    rule: str

    def __str__(self) -> str:
        return f"{self.field}: {self.rule}"


def address(text: str, *, field: str = "address", forbidden: Iterable[tuple[str, str]] = ()) -> str:
    """A checksummed EVM address. ``forbidden`` pairs an address with why it is refused."""
    value = text.strip()
    if not _HEX_ADDRESS.match(value):
        raise InvalidInput(field, "must be 0x followed by 40 hexadecimal characters")
    mixed_case = value[2:] != value[2:].lower() and value[2:] != value[2:].upper()
    if mixed_case and not is_checksum_address(value):
        raise InvalidInput(field, "has a wrong EIP-55 checksum (check for a typo)")
    checksummed = str(to_checksum_address(value))
    if checksummed == ZERO_ADDRESS:
        raise InvalidInput(field, "is the zero address, which nobody controls")
    for other, reason in forbidden:
        if other.lower() == checksummed.lower():
            raise InvalidInput(field, reason)
    return checksummed


def name(text: str, *, field: str = "name") -> str:
    value = text.strip()
    if not NAME_PATTERN.match(value):
        raise InvalidInput(field, "may contain only letters, digits, '-' and '_'")
    return value


def _decimal(text: str, field: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace("_", ""))
    except InvalidOperation:
        raise InvalidInput(field, f"{text.strip()!r} is not a number") from None
    if not value.is_finite():
        raise InvalidInput(field, "must be a finite number")
    return value


def token_amount(text: str, decimals: int, symbol: str, *, field: str = "amount") -> int:
    """Human token amount → base units, refusing what the token cannot represent."""
    value = _decimal(text, field)
    if value <= 0:
        raise InvalidInput(field, "must be greater than zero")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimals:
        raise InvalidInput(field, f"must have at most {decimals} decimals for {symbol}")
    units = int(value.scaleb(decimals))
    if units > MAX_TOKEN_UNITS:
        raise InvalidInput(field, f"is larger than any {symbol} balance can be")
    return units


def credit_amount(text: str | int, *, field: str = "amount") -> int:
    """Credits are whole, strictly positive numbers."""
    value = Decimal(text) if isinstance(text, int) else _decimal(text, field)
    if value != value.to_integral_value():
        raise InvalidInput(field, "credits are whole numbers; remove the fraction")
    if value <= 0:
        raise InvalidInput(field, "must be at least 1 credit")
    if value > MAX_CREDITS:
        raise InvalidInput(field, "is larger than any credit balance can be")
    return int(value)


def expiration(
    text: str, *, field: str = "expiration", now: dt.datetime | None = None
) -> dt.datetime:
    """An RFC 3339 instant with an explicit timezone, in the future."""
    value = text.strip()
    if not value:
        raise InvalidInput(field, "is empty")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise InvalidInput(field, "must be an RFC 3339 date such as 2027-01-31T00:00:00Z") from None
    if parsed.tzinfo is None:
        raise InvalidInput(field, "needs a timezone, e.g. a trailing Z for UTC")
    if parsed <= (now or dt.datetime.now(dt.UTC)):
        raise InvalidInput(field, "must be in the future")
    return parsed.astimezone(dt.UTC)


def expiration_ms(moment: dt.datetime) -> int:
    """The node reads credit expirations in milliseconds."""
    return int(moment.timestamp() * 1000)
