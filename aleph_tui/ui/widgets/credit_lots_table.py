"""Credit lots by expiration; the ones expiring within a week carry a text marker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from aleph_tui.core.aleph.models import CreditLot, credits_to_usd
from aleph_tui.ui.widgets import amount_text as fmt

EXPIRING_SOON = dt.timedelta(days=7)
SOON_MARKER = "⚠ expires soon"
NO_LOTS = "no credits yet"


def sorted_lots(lots: Sequence[CreditLot]) -> list[CreditLot]:
    """Soonest expiration first; lots that never expire last."""
    return sorted(lots, key=lambda lot: (lot.expiration is None, lot.expiration or dt.datetime.min))


def expiring_soon(lot: CreditLot, now: dt.datetime) -> bool:
    return lot.expiration is not None and lot.expiration - now <= EXPIRING_SOON


def time_left(expiration: dt.datetime, now: dt.datetime) -> str:
    left = expiration - now
    if left <= dt.timedelta(0):
        return "expired"
    if left < dt.timedelta(days=1):
        return f"in {max(1, left.seconds // 3600)} h"
    return f"in {left.days} d"


class CreditLotsTable(DataTable[str | Text]):
    DEFAULT_CSS = """
    CreditLotsTable { height: auto; max-height: 14; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.add_column("Expires (UTC)", key="expiration")
        self.add_column(Text("Credits", justify="right"), key="amount")
        self.add_column(Text("USD", justify="right"), key="usd")
        self.add_column("When", key="left")
        self.add_column("", key="marker")

    def show(
        self,
        lots: Sequence[CreditLot] | None,
        *,
        now: dt.datetime,
        hide: bool,
        placeholder: str = fmt.UNAVAILABLE,
    ) -> None:
        """``None``: the balance is not there (``placeholder``: unavailable, or a
        skeleton while it loads; nothing is invented in its place). The cursor keeps its
        row (a refresh every 30 s must not take a user back to the first lot)."""
        row = self.cursor_row
        self.clear()
        self._fill(lots, now=now, hide=hide, placeholder=placeholder)
        if row > 0:
            self.move_cursor(row=min(row, self.row_count - 1))

    def _fill(
        self,
        lots: Sequence[CreditLot] | None,
        *,
        now: dt.datetime,
        hide: bool,
        placeholder: str,
    ) -> None:
        if lots is None:
            self.add_row(placeholder, "", "", "", "", key="unavailable")
            return
        if not lots:
            self.add_row(NO_LOTS, "", "", "", "", key="empty")
            return
        for index, lot in enumerate(sorted_lots(lots)):
            soon = expiring_soon(lot, now)
            self.add_row(
                fmt.utc_minute(lot.expiration, empty="never"),
                Text(fmt.hidden(fmt.credits(lot.amount), hide), justify="right"),
                Text(fmt.hidden(fmt.usd(credits_to_usd(lot.amount)), hide), justify="right"),
                "" if lot.expiration is None else time_left(lot.expiration, now),
                Text(SOON_MARKER, style="bold") if soon else "",
                key=f"lot-{index}",
            )
