"""How amounts and instants are written in JSON, exports and on screen, in one place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
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
