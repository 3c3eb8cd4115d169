"""The low-balance warning: one notification each time an account's credits drop below
its threshold (core/flows/thresholds.py), whichever view read the balance.

The last balance seen per address is kept per app, so the Balance and Usage tabs share
it: a balance that stays low does not warn again, one that goes back up and drops again
does. Changing the threshold forgets the last balance, so a new threshold above the
balance warns at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from aleph_tui.core.errors import ServiceError
from aleph_tui.core.validation import InvalidInput
from aleph_tui.ui.desktop_notices import DesktopNotices
from aleph_tui.ui.widgets import amount_text as fmt

if TYPE_CHECKING:
    from textual.app import App

    from aleph_tui.core.flows.thresholds import Threshold
    from aleph_tui.core.service import CreditService

NOTIFY_TITLE = "Low balance"

_seen: WeakKeyDictionary[App[object], dict[str, int]] = WeakKeyDictionary()


def _last_balances(app: App[object]) -> dict[str, int]:
    found = _seen.get(app)
    if found is None:
        found = _seen[app] = {}
    return found


def threshold_of(service: CreditService, address: str) -> Threshold | None:
    """The stored threshold, or None when there is none or the file cannot be read."""
    try:
        return service.low_balance_threshold(address)
    except (ServiceError, InvalidInput):
        return None


def threshold_line(service: CreditService, address: str) -> str:
    threshold = threshold_of(service, address)
    if threshold is None:
        return "low-balance threshold: none"
    return f"low-balance threshold: {fmt.credits(threshold.credits)} credits"


def thresholds(service: CreditService) -> dict[str, int]:
    """Every stored threshold by lower-case address; none when the file cannot be read."""
    try:
        stored = service.low_balance_thresholds()
    except (ServiceError, InvalidInput):
        return {}
    return {address.lower(): credits for address, credits in stored.items()}


def low_mark(balance: int, threshold: int | None) -> str:
    """``⚠ low: under 1,000,000`` when ``balance`` is under ``threshold``, else empty."""
    if threshold is None or balance >= threshold:
        return ""
    return f"⚠ low: under {fmt.credits(threshold)}"


def forget(app: App[object], address: str) -> None:
    """The threshold of ``address`` changed: its next balance is checked afresh."""
    _last_balances(app).pop(address.lower(), None)


def check(app: App[object], service: CreditService, name: str, address: str, balance: int) -> bool:
    """Record ``balance`` for ``address`` and notify when it just crossed the threshold."""
    seen = _last_balances(app)
    previous = seen.get(address.lower())
    seen[address.lower()] = balance
    threshold = threshold_of(service, address)
    if threshold is None or not threshold.crossed(balance, previous):
        return False
    app.notify(
        f"{name}: {fmt.credits(balance)} credits, below the low-balance threshold of "
        f"{fmt.credits(threshold.credits)}",
        title=NOTIFY_TITLE,
        severity="warning",
        timeout=10,
        markup=False,
    )
    # Also on the desktop, when the dashboard's settings ask for it.
    desktop = getattr(app, "desktop_notices", None)
    if isinstance(desktop, DesktopNotices):
        desktop.send(
            app,
            NOTIFY_TITLE,
            f"{name}: {fmt.credits(balance)} credits, below the low-balance threshold of "
            f"{fmt.credits(threshold.credits)}",
        )
    return True
