"""How amounts read on screen: core/formatting.py's figures (grouped digits, explicit + and
− signs), plus what only the screen has: ••• when hidden, "unavailable", the local clock.

Display only; every value stays an int or a Decimal up to here. Signs are characters,
so a direction never depends on colour alone.
"""

from __future__ import annotations

import datetime as dt

# The one formatter, under the names the views use (fmt.credits, fmt.usd...).
from aleph_tui.core.formatting import MINUS as MINUS
from aleph_tui.core.formatting import count as count
from aleph_tui.core.formatting import credits as credits
from aleph_tui.core.formatting import credits_usd as credits_usd
from aleph_tui.core.formatting import credits_with_usd as credits_with_usd
from aleph_tui.core.formatting import exact_units as exact_units
from aleph_tui.core.formatting import fee as fee
from aleph_tui.core.formatting import named_address as named_address
from aleph_tui.core.formatting import percent as percent
from aleph_tui.core.formatting import plain_decimal as plain_decimal
from aleph_tui.core.formatting import rate as rate
from aleph_tui.core.formatting import short_address as short_address
from aleph_tui.core.formatting import token as token
from aleph_tui.core.formatting import token_amount as token_amount
from aleph_tui.core.formatting import usd as usd
from aleph_tui.core.formatting import utc_minute as utc_minute

MASK = "•••"
UNAVAILABLE = "unavailable"


def hidden(text: str, hide: bool) -> str:
    return MASK if hide else text


def clock(moment: dt.datetime) -> str:
    """``HH:MM:SS`` in the terminal's local time."""
    return moment.astimezone().strftime("%H:%M:%S")
