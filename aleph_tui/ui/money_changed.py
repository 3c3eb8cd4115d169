"""The one event for "these accounts' money changed": a buy, a transfer, a threshold set
in Usage, an operation resumed from the journal. Whoever caused it posts it on the app
(``announce``); the app hands it to every view (``AlephApp.on_money_changed``), and each
view that shows one of the addresses reads its figures again, without ``r``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App


class MoneyChanged(Message):
    """``addresses`` (lower-case) hold different money, or a different threshold, now."""

    def __init__(self, addresses: frozenset[str], cause: str) -> None:
        super().__init__()
        self.addresses = addresses
        self.cause = cause  # "buy", "transfer", "threshold", "resumed"


def announce(app: App[Any], addresses: Iterable[str | None], cause: str) -> None:
    """Post ``MoneyChanged`` on ``app`` for the addresses given (None ones are skipped)."""
    found = frozenset(a.lower() for a in addresses if a)
    if found:
        app.post_message(MoneyChanged(found, cause))
