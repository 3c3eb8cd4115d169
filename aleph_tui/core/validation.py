"""Validation of everything a user types, shared by the forms and the commands.

Each check returns the normalised value or raises ``InvalidInput`` naming the field and
the rule, e.g. ``amount: must have at most 6 decimals for USDC``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable
from decimal import Decimal
from pathlib import Path

ZERO_ADDRESS = "0x" + "0" * 40
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
MAX_CREDITS = 2**63 - 1
MAX_TOKEN_UNITS = 2**128 - 1
HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
# What other chains' addresses look like: Solana and Substrate (base58), Bitcoin (bech32).
_BASE58_ADDRESS = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,48}$")
_BECH32_ADDRESS = re.compile(r"^(bc|tb)1[02-9ac-hj-np-z]{8,87}$", re.IGNORECASE)
# 64 hex digits: a private key or a hash, never an address; never echoed back.
_HEX_64 = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
_HEX_40 = re.compile(r"^[0-9a-fA-F]{40}$")
# Bad text is quoted back only when short: a long paste could be a key or a seed phrase.
_ECHO_LIMIT = 24
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class InvalidInput(ValueError):
    """Bad input: the field and the rule it breaks. Not a frozen dataclass: raising sets
    ``__traceback__`` (contextlib's exit does so explicitly), which a frozen one refuses."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(field, rule)
        self.field = field
        self.rule = rule

    def __str__(self) -> str:
        return f"{self.field}: {self.rule}"


def _echo(text: str) -> str:
    """``text`` quoted for a message, or a placeholder when it is too long to be safe."""
    return repr(text) if len(text) <= _ECHO_LIMIT else "the value"


def address(text: str, *, field: str = "address", forbidden: Iterable[tuple[str, str]] = ()) -> str:
    """A checksummed EVM address. ``forbidden`` pairs an address with why it is refused."""
    value = text.strip()
    if not HEX_ADDRESS.match(value):
        raise InvalidInput(field, _not_an_address(value))
    mixed_case = value[2:] != value[2:].lower() and value[2:] != value[2:].upper()
    checksummed = checksum_address(value)
    if mixed_case and value[2:] != checksummed[2:]:
        raise InvalidInput(field, "has a wrong EIP-55 checksum (check for a typo)")
    if checksummed == ZERO_ADDRESS:
        raise InvalidInput(field, "is the zero address, which nobody controls")
    for other, reason in forbidden:
        if other.lower() == checksummed.lower():
            raise InvalidInput(field, reason)
    return checksummed


def _not_an_address(value: str) -> str:
    """Why ``value`` is not an EVM address, naming what it looks like instead."""
    if _HEX_64.match(value):
        return "is 64 hexadecimal characters: a private key or a hash, not an address"
    return _lookalike(value) or "must be 0x followed by 40 hexadecimal characters"


def _lookalike(value: str) -> str | None:
    """The rule for text that is almost an EVM address, or another chain's address."""
    if _HEX_40.match(value):
        return "is missing the 0x prefix (0x followed by 40 hexadecimal characters)"
    return foreign_address(value)


def foreign_address(value: str) -> str | None:
    """The rule broken by an address of another chain or naming system, if ``value`` is one.

    Credits and payments here live on EVM addresses; a Solana, Substrate or Bitcoin
    address, or an ENS name (not resolved), would otherwise read as an unknown name.
    """
    if value.lower().endswith(".eth") and len(value) > 4:
        return "ENS names are not resolved; give the 0x address it points to"
    if _BECH32_ADDRESS.match(value):
        return (
            "is a Bitcoin address; give an EVM address (0x followed by 40 hexadecimal characters)"
        )
    if _BASE58_ADDRESS.match(value):
        return (
            "looks like a Solana or Substrate address (another chain); give an EVM address "
            "(0x followed by 40 hexadecimal characters)"
        )
    return None


def checksum_address(value: str) -> str:
    """EIP-55 form of a 0x-prefixed 40-hex address, with safe-pysha3's C keccak.

    The one exception to "eth_utils for checksums", measured (BENCHMARKS.md, issue 15):
    the account store checks every address it loads, so this runs on the way to every
    command's answer and the dashboard's first paint. ``import eth_utils`` costs 0.11 s
    there (pydantic; min of 7, ``-X importtime``, after the dashboard's own modules) and
    its first ``to_checksum_address`` 0.05 s more (eth_hash's pycryptodome backend);
    ``import sha3`` costs 3 ms. Same result as eth_utils:
    tests/unit/test_validation.py::test_the_checksum_agrees_with_eth_utils."""
    from sha3 import keccak_256

    lower = value[2:].lower()
    digest = keccak_256(lower.encode("ascii")).hexdigest()
    return "0x" + "".join(
        c.upper() if int(d, 16) >= 8 else c for c, d in zip(lower, digest, strict=False)
    )


def name(text: str, *, field: str = "name") -> str:
    value = text.strip()
    if not NAME_PATTERN.match(value):
        raise InvalidInput(field, "may contain only letters, digits, '-' and '_'")
    return value


def new_account_name(
    text: str, *, accounts: Collection[str], aliases: Collection[str], field: str = "name"
) -> str:
    """A name for a new account: well formed, and no account's or alias's already (they
    share one namespace, as in the aleph CLI's manifest)."""
    value = text.strip()
    if not value:
        raise InvalidInput(field, "is required")
    value = name(value, field=field)
    if value in accounts:
        raise InvalidInput(field, f"account '{value}' already exists")
    if value in aliases:
        raise InvalidInput(
            field, f"'{value}' is already an alias; account and alias names are shared"
        )
    return value


PRIVATE_KEY_RULE = "must be 64 hexadecimal digits (32 bytes), with or without 0x"
_SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def private_key(text: str, *, field: str = "private key") -> None:
    """Whether ``text`` is a usable secp256k1 private key in hex. Returns nothing, and no
    message ever quotes the text: it is a secret."""
    value = text.strip().removeprefix("0x").removeprefix("0X").lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise InvalidInput(field, PRIVATE_KEY_RULE)
    if not 0 < int(value, 16) < _SECP256K1_ORDER:
        raise InvalidInput(field, "is not a valid secp256k1 key")


def new_password(
    first: str, second: str, *, required: bool = True, field: str = "password"
) -> str | None:
    """A new keystore password typed twice; None when both are empty and it may be."""
    if not first and not second and not required:
        return None
    if not first:
        raise InvalidInput(field, "is required for an encrypted keystore")
    if first != second:
        raise InvalidInput(field, "the two entries differ")
    return first


def _scaled_exactly(value: Decimal, decimals: int) -> int | None:
    """``value × 10**decimals`` if that is a whole number, else None.

    Integer arithmetic on the digits: Decimal's context arithmetic (normalize, scaleb)
    rounds to 28 significant digits, which would silently change long amounts.
    """
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return None
    coefficient = int("".join(map(str, digits)) or "0")
    shift = exponent + decimals
    scaled: int
    if shift >= 0:
        scaled = coefficient * 10**shift
    else:
        if coefficient and -shift > len(digits):
            return None  # more fractional digits than the coefficient has: not whole
        scaled, rest = divmod(coefficient, 10**-shift)
        if rest:
            return None
    return -scaled if sign else scaled


def token_amount(text: str, decimals: int, symbol: str, *, field: str = "amount") -> int:
    """Human token amount → base units, refusing what the token cannot represent. Text is
    an amount as ``_typed_amount`` reads it (as a credit amount, plus a fraction)."""
    typed = text.strip()
    if not typed:
        raise InvalidInput(field, "is empty; give an amount")
    if re.fullmatch(r"[0-9]+,(?:[0-9]{1,2}|[0-9]{4,})", typed):
        raise InvalidInput(
            field, "the decimal point is '.'; ',' only groups digits in threes (1,000.5)"
        )
    parts = _typed_amount(typed, field, "must be greater than zero")
    if parts is None:
        raise InvalidInput(field, f"{_echo(typed)} is not a number (e.g. 2.5 or 1,000.5)")
    whole, fraction = parts
    value = Decimal(f"{whole}.{fraction or '0'}")
    if value <= 0:
        raise InvalidInput(field, "must be greater than zero")
    if value > MAX_TOKEN_UNITS:  # bounds the exponent before any scaling
        raise InvalidInput(field, f"is larger than any {symbol} balance can be")
    units = _scaled_exactly(value, decimals)
    if units is None:
        raise InvalidInput(field, f"must have at most {decimals} decimals for {symbol}")
    if units > MAX_TOKEN_UNITS:
        raise InvalidInput(field, f"is larger than any {symbol} balance can be")
    return units


def token_text(units: int, decimals: int) -> str:
    """Base units as the exact human amount, without trailing zeros: the inverse of
    ``token_amount``. Digit arithmetic: Decimal's context rounds past 28 digits."""
    whole, fraction = divmod(abs(units), 10**decimals)
    text = str(whole)
    if fraction:
        text += "." + str(fraction).rjust(decimals, "0").rstrip("0")
    return f"-{text}" if units < 0 else text


# An amount as typed or copied from the screen (credits and token amounts alike): ASCII
# digits, the whole part optionally grouped in threes by one separator, ',' (as the
# dashboard shows figures) or '_'. No sign and no exponent: each is refused with its rule.
_DIGITS = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:_[0-9]{3})+")
_LOOSE_GROUPS = re.compile(r"[0-9]+(?:[,_][0-9]+)+")
_EXPONENT = re.compile(r"[0-9.,_]*[0-9][eE][+-]?[0-9]+")
EXPONENT_RULE = "takes no exponent; write the digits out (1e6 is 1000000)"
GROUPING_RULE = "must group digits in threes by one separator, as in 1,000,000 or 1_000_000"
CREDIT_AMOUNT_RULE = (
    "must be a whole number of credits: digits, optionally grouped in threes by ',' or '_' "
    "(1000000, 1,000,000 or 1_000_000)"
)


def _typed_amount(value: str, field: str, rule: str) -> tuple[str, str | None] | None:
    """The whole digits (grouping removed) and the fraction's digits (None without a
    decimal point) of a stripped, non-empty amount, or None when it is not one. The rules
    every amount shares are refused here: a sign, an exponent, digits grouped other than
    in threes by one separator; ``rule`` is the field's whole rule, for the sign."""
    if value[0] in "+-":
        raise InvalidInput(field, f"takes no sign; it {rule}")
    if _EXPONENT.fullmatch(value):
        raise InvalidInput(field, EXPONENT_RULE)
    whole, point, fraction = value.partition(".")
    if not (whole or fraction) or (fraction and not _DIGITS.fullmatch(fraction)):
        return None
    if whole and not _DIGITS.fullmatch(whole):
        if _GROUPED.fullmatch(whole):
            whole = whole.replace(",", "").replace("_", "")
        elif _LOOSE_GROUPS.fullmatch(whole):
            raise InvalidInput(field, GROUPING_RULE)
        else:
            return None
    return whole or "0", fraction if point else None


_NOT_FINITE = ("nan", "snan", "inf", "infinity")


def positive_decimal(
    text: str, *, field: str, unit: str, decimals: int, maximum: Decimal
) -> Decimal:
    """Any decimal number a user types (hours, gwei, prices, seconds): the amounts' rule
    (ASCII digits, optionally grouped in threes, an optional '.' fraction; no sign, no
    exponent), then greater than zero, at most ``decimals`` decimals and ``maximum``."""
    typed = text.strip()
    if not typed:
        raise InvalidInput(field, f"is empty; give a number of {unit}")
    if typed.lower().lstrip("+-") in _NOT_FINITE:
        raise InvalidInput(field, "must be a finite number")
    parts = _typed_amount(typed, field, f"must be a number of {unit} greater than zero")
    if parts is None:
        raise InvalidInput(field, f"{_echo(typed)} is not a number (e.g. 2.5 or 1,000.5)")
    whole, fraction = parts
    value = Decimal(f"{whole}.{fraction or '0'}") if fraction else Decimal(whole)
    if value <= 0:
        raise InvalidInput(field, "must be greater than zero")
    if value > maximum:
        raise InvalidInput(field, f"must be at most {maximum} {unit}")
    if fraction and len(fraction.rstrip("0")) > decimals:
        raise InvalidInput(field, f"must have at most {decimals} decimals")
    return value


def credit_amount(text: str | int, *, field: str = "amount") -> int:
    """Credits: a whole number, at least 1. Text is digits, optionally grouped in threes
    by ',' or '_' exactly as the dashboard shows figures (so a figure copied from the
    screen works); spaces around it are trimmed. No exponent, sign, decimals or other
    grouping: each is refused with its own rule."""
    if isinstance(text, bool):
        raise InvalidInput(field, CREDIT_AMOUNT_RULE)
    value = text if isinstance(text, int) else int(_credit_digits(text.strip(), field))
    if value <= 0:
        raise InvalidInput(field, "must be at least 1 credit")
    if value > MAX_CREDITS:
        raise InvalidInput(field, "is larger than any credit balance can be")
    return value


def _credit_digits(value: str, field: str) -> str:
    """The digits of a credit amount, or InvalidInput saying what is wrong with it."""
    if not value:
        raise InvalidInput(field, f"is empty; it {CREDIT_AMOUNT_RULE}")
    if re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{3})+", value):
        raise InvalidInput(
            field, "groups digits by '.'; credits are whole numbers, grouped by ',' or '_'"
        )
    parts = _typed_amount(value, field, CREDIT_AMOUNT_RULE)
    if parts is None:
        raise InvalidInput(field, f"{_echo(value)} is not a whole number of credits")
    whole, fraction = parts
    if fraction is not None:
        raise InvalidInput(field, "credits are whole numbers; remove the fraction")
    return whole


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
    """The node reads credit expirations in milliseconds (exact: no float on the way)."""
    if moment.tzinfo is None:
        raise InvalidInput("expiration", "needs a timezone, e.g. a trailing Z for UTC")
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


def from_ms(ms: int) -> dt.datetime:
    """A node's millisecond timestamp as a UTC instant, exactly (the inverse of
    ``expiration_ms``; no float on the way)."""
    return _EPOCH + dt.timedelta(milliseconds=ms)


# --- history filters, paging and transfer options ---------------------------------------

MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 1000
CHANNEL_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def positive_int(text: str | int, *, field: str, maximum: int) -> int:
    """A whole number from 1 to ``maximum``."""
    if isinstance(text, bool):
        raise InvalidInput(field, "must be a whole number")
    if isinstance(text, int):
        value = text
    else:
        stripped = text.strip()
        if not stripped.isdigit() or not stripped.isascii():
            if re.fullmatch(r"[+-]?[0-9]*\.?[0-9]+", stripped):  # -1, +5, 1.5: say the rule
                raise InvalidInput(field, f"must be a whole number from 1 to {maximum}")
            raise InvalidInput(field, f"{_echo(stripped)} is not a whole number (1 to {maximum})")
        value = int(stripped)
    if value < 1:
        raise InvalidInput(field, "must be at least 1")
    if value > maximum:
        raise InvalidInput(field, f"must be at most {maximum}")
    return value


def page(text: str | int, *, field: str = "page") -> int:
    return positive_int(text, field=field, maximum=MAX_PAGE)


def page_size(text: str | int, *, field: str = "page-size") -> int:
    return positive_int(text, field=field, maximum=MAX_PAGE_SIZE)


def channel(text: str, *, field: str = "channel") -> str:
    """An Aleph message channel, such as ALEPH_CREDIT."""
    value = text.strip()
    if not value:
        raise InvalidInput(field, "must not be empty: credits move on ALEPH_CREDIT")
    if not CHANNEL_PATTERN.match(value):
        raise InvalidInput(
            field, "must be 1 to 64 letters, digits or '_', '-', '.', ':' (e.g. ALEPH_CREDIT)"
        )
    return value


def transfer_channel(
    text: str, *, force: bool = False, credit_channel: str, field: str = "channel"
) -> str:
    """The channel of a credit transfer: the node moves credits only on
    ``credit_channel``; any other one is a plain post that moves nothing, allowed only
    when ``force``d (the caller then warns that no credits will move)."""
    value = channel(text, field=field)
    if value != credit_channel and not force:
        raise InvalidInput(
            field,
            f"credits move only on {credit_channel}; on {_echo(value)} the transfer would be "
            "a plain post that moves no credits",
        )
    return value


def http_url(text: str, *, field: str) -> str:
    """An http:// or https:// URL with a host (and a valid port, if any)."""
    from urllib.parse import urlsplit

    value = text.strip()
    rule = "must be an http:// or https:// URL, e.g. https://api2.aleph.im"
    if not value:
        raise InvalidInput(field, f"is empty; it {rule}")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise InvalidInput(field, rule)
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise InvalidInput(field, f"{rule} (its port is not a number from 1 to 65535)") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput(field, rule)
    if not port_ok:
        raise InvalidInput(field, f"{rule} (its port is not a number from 1 to 65535)")
    return value


def identifier(text: str, *, field: str) -> str:
    """A history filter value such as a payment method (credit_expense) or a token (USDC)."""
    value = text.strip()
    if not IDENTIFIER_PATTERN.match(value):
        raise InvalidInput(field, "may contain only letters, digits, '-' and '_'")
    return value


def one_of(text: str, choices: Collection[str], *, field: str) -> str:
    """One of ``choices`` (any case; they are lower case), else the rule listing them.
    E.g. a history filter's payment method: another would match nothing, a silent
    empty page."""
    value = text.strip().lower()
    if value not in choices:
        raise InvalidInput(field, f"must be one of {', '.join(choices)}")
    return value


# The message types the history's resource filter takes (pyaleph: aleph-message's MessageType).
RESOURCE_TYPES = ("POST", "AGGREGATE", "STORE", "PROGRAM", "INSTANCE", "V-PROGRAM", "FORGET")
RESOURCE_RULE = "must be a message hash: 64 hexadecimal characters, or an IPFS CID (Qm… or bafy…)"


def resource_types(text: str, *, field: str = "resource-type") -> tuple[str, ...]:
    """Billed resource types for the history's ``resourceTypes`` filter: message types as
    pyaleph's ``MessageType`` spells them (any case here, upper case on the wire), comma-
    separated as the node takes them; repeats are dropped, the order kept."""
    rule = f"must be one or more of {', '.join(RESOURCE_TYPES)} (any case, comma-separated)"
    if not text.strip():
        raise InvalidInput(field, f"is empty; it {rule}")
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise InvalidInput(field, f"has an empty item; it {rule}")
    for item in items:
        if item.upper() not in RESOURCE_TYPES:
            raise InvalidInput(field, f"{_echo(item)} is not a message type; it {rule}")
    return tuple(dict.fromkeys(item.upper() for item in items))


def resource(text: str, *, field: str = "resource") -> str:
    """The item hash of a billed resource (a VM's INSTANCE, a STORE file…) for the
    history's ``resource`` filter, checked as aleph-message checks an item hash. Hex is
    compared as the node writes it, in lower case."""
    value = text.strip()
    if not value:
        raise InvalidInput(field, f"is empty; it {RESOURCE_RULE}")
    if HEX_ADDRESS.match(value):
        raise InvalidInput(field, f"is an address, not a resource; it {RESOURCE_RULE}")
    if re.fullmatch(r"0x[0-9a-fA-F]{64}", value):
        raise InvalidInput(field, f"takes no 0x prefix; it {RESOURCE_RULE}")
    if re.fullmatch(r"[0-9a-fA-F]{64}", value):
        value = value.lower()
    # The library the node validates with (~0.1 s to import): only when a resource is given.
    from aleph_message.exceptions import UnknownHashError
    from aleph_message.models.item_hash import ItemType

    try:
        ItemType.from_hash(value)
    except UnknownHashError:
        raise InvalidInput(field, RESOURCE_RULE) from None
    return value


def history_date(text: str, *, field: str, end_of_day: bool = False) -> dt.datetime:
    """A history bound: YYYY-MM-DD (UTC; the whole day when ``end_of_day``) or RFC 3339."""
    value = text.strip()
    if _DATE_ONLY.match(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(field, f"{value!r} is not a date") from None
        moment = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        return moment + dt.timedelta(days=1, microseconds=-1) if end_of_day else moment
    try:
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise InvalidInput(
            # short: it wraps under a 21-column field at 80x24 without a lone ")"
            field,
            "must be a date (2026-05-01) or an instant (2026-05-01T12:00Z)",
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput(field, "needs a timezone, e.g. a trailing Z for UTC")
    if parsed.timestamp() < 0:
        raise InvalidInput(field, "must not be before 1970")
    return parsed.astimezone(dt.UTC)


def date_range(
    start: dt.datetime | None, end: dt.datetime | None, *, field: str = "to"
) -> tuple[dt.datetime | None, dt.datetime | None]:
    if start is not None and end is not None and end < start:
        raise InvalidInput(field, "must not be before the start date")
    return start, end


def export_path(text: str, *, field: str = "file") -> Path:
    """Where to write an export: a new file (never overwritten) in an existing directory."""
    value = text.strip()
    if not value:
        raise InvalidInput(field, "is empty; give a file name")
    path = Path(value).expanduser()
    if path.is_dir():
        raise InvalidInput(field, "is a directory; give a file name")
    if path.exists():
        raise InvalidInput(field, "already exists; choose another name")
    parent = path.parent if str(path.parent) else Path()
    if not parent.is_dir():
        raise InvalidInput(field, f"the directory {str(parent)!r} does not exist")
    return path.resolve()


# --- usage and pricing ------------------------------------------------------------------

USAGE_GROUPINGS = ("resource", "day", "method")
MAX_COMPUTE_UNITS = 1_000_000
MAX_HOURS = Decimal(1_000_000)  # about 114 years
MAX_HOURS_DECIMALS = 6


def usage_grouping(text: str, *, field: str = "group-by") -> str:
    """How usage is grouped: by resource, by day or by payment method."""
    value = text.strip().lower()
    if value not in USAGE_GROUPINGS:
        raise InvalidInput(field, f"must be one of {', '.join(USAGE_GROUPINGS)}")
    return value


def low_balance_threshold(text: str | int, *, field: str = "threshold") -> int:
    """A low-balance threshold: a whole number of credits, at least 1."""
    return credit_amount(text, field=field)


def compute_units(text: str | int, *, field: str = "units") -> int:
    """A number of compute units: a whole number, at least 1."""
    return positive_int(text, field=field, maximum=MAX_COMPUTE_UNITS)


def hours(text: str | int | Decimal, *, field: str = "hours") -> Decimal:
    """A duration in hours: greater than zero, at most 6 decimals (exact arithmetic)."""
    if isinstance(text, bool):
        raise InvalidInput(field, "must be a number of hours")
    if isinstance(text, int | Decimal):
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidInput(field, "must be a finite number")
    else:
        value = positive_decimal(
            text, field=field, unit="hours", decimals=MAX_HOURS_DECIMALS, maximum=MAX_HOURS
        )
    if value <= 0:
        raise InvalidInput(field, "must be greater than zero")
    if value > MAX_HOURS:
        raise InvalidInput(field, f"must be at most {MAX_HOURS} hours")
    if _scaled_exactly(value, MAX_HOURS_DECIMALS) is None:
        raise InvalidInput(field, f"must have at most {MAX_HOURS_DECIMALS} decimals")
    return value


def looks_like_address(text: str) -> bool:
    """Whether a transfer target is meant as an address (rather than a name or alias)."""
    return text.strip().lower().startswith("0x")


def account_reference(
    text: str,
    resolve: Callable[[str], str] | None = None,
    *,
    field: str = "to",
    forbidden: Iterable[tuple[str, str]] = (),
) -> str:
    """An address, or an account name or alias that ``resolve`` turns into one.

    Text starting with 0x is always taken as an address (so a typo is reported as one);
    anything else must be a valid name and is looked up. A name that is not known but
    looks like another chain's address is reported as such. Failures are InvalidInput.
    """
    value = text.strip()
    if not value:
        raise InvalidInput(field, "is empty; give an address, an account name or an alias")
    if looks_like_address(value) or _HEX_64.match(value):
        return address(value, field=field, forbidden=forbidden)
    if value.lower().endswith(".eth"):
        raise InvalidInput(field, str(foreign_address(value)))
    name(value, field=field)
    foreign = _lookalike(value)
    if resolve is None:
        if foreign is not None:
            raise InvalidInput(field, foreign)
        raise InvalidInput(
            field, f"{_echo(value)} is not an address (0x…), and no accounts are known"
        )
    try:
        resolved = resolve(value)
    except InvalidInput:
        raise
    except Exception as exc:  # the account store's own error: an unknown or broken name
        if foreign is not None:
            raise InvalidInput(field, foreign) from None
        if len(value) > _ECHO_LIMIT:  # the store quotes the name: a long paste could be a key
            raise InvalidInput(
                field, "is not an address (0x…), nor the name of an account or an alias"
            ) from None
        raise InvalidInput(field, str(exc) or f"unknown account or alias {_echo(value)}") from None
    return address(resolved, field=field, forbidden=forbidden)


# --- chains and contracts ---------------------------------------------------------------


def chain_id(actual: int, expected: int | None, *, network: str, field: str = "rpc-url") -> int:
    """The RPC node's chain id, refused when it is not the network's: a transaction signed
    there would be for another chain (or replayable on the right one)."""
    if expected is not None and actual != expected:
        raise InvalidInput(
            field,
            f"the RPC node is on chain id {actual}, but network {network} is chain id "
            f"{expected}; nothing was signed",
        )
    return actual


def reserved_recipients(
    contracts: Iterable[tuple[str, str | None]],
) -> list[tuple[str, str]]:
    """``forbidden`` pairs for a credit transfer from (what, address) of a network's
    contracts: credits sent to a contract are lost, as nobody can spend them."""
    return [
        (contract, f"is the network's {what} contract; credits sent there are lost")
        for what, contract in contracts
        if contract
    ]
