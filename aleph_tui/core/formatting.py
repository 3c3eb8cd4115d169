"""How amounts and instants are written in JSON, exports and on screen, in one place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import overload


def plain_decimal(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 100000.0 → "100000", −0 → "0"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


@overload
def iso_utc(moment: dt.datetime) -> str: ...
@overload
def iso_utc(moment: None) -> None: ...
def iso_utc(moment: dt.datetime | None) -> str | None:
    """RFC 3339 in UTC with a ``Z``, as the node writes its datetimes."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
