"""What a figure on screen is: loading, ready, empty, stale or failed, drawn one way.

Every view keeps the state of what it shows as a ``DataState`` (in a reactive, or one
per row) and draws it with ``DataState.text``: loading is a skeleton, never
"unavailable"; stale says its age and its cause; failed says its cause and what to do.
The instant is the one of the read that produced the figure, so every stamp of one
refresh reads the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from aleph_tui.ui.widgets.amount_text import UNAVAILABLE, clock

LOADING_TEXT = "loading…"
SKELETON = "░░░"  # an amount on its way: a shape, no digits
RETRY_HINT = "press r to retry"


class Phase(Enum):
    LOADING = "loading"
    READY = "ready"
    EMPTY = "empty"
    STALE = "stale"
    FAILED = "failed"


def age(since: dt.datetime, now: dt.datetime) -> str:
    """``12 s``, ``3 min``, ``2 h``, ``4 d``: how old a figure is, coarsely."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


@dataclass(frozen=True)
class DataState:
    phase: Phase
    at: dt.datetime | None = None  # when the figure shown was read (ready, stale)
    cause: str | None = None  # why it is stale or failed; what is empty
    hint: str = RETRY_HINT  # what to do when it failed

    @classmethod
    def loading(cls) -> DataState:
        return cls(Phase.LOADING)

    @classmethod
    def ready(cls, at: dt.datetime) -> DataState:
        return cls(Phase.READY, at)

    @classmethod
    def empty(cls, what: str, at: dt.datetime | None = None) -> DataState:
        return cls(Phase.EMPTY, at, what)

    @classmethod
    def stale(cls, at: dt.datetime, cause: str) -> DataState:
        return cls(Phase.STALE, at, cause)

    @classmethod
    def failed(cls, cause: str, hint: str = RETRY_HINT) -> DataState:
        return cls(Phase.FAILED, None, cause, hint)

    @property
    def has_figure(self) -> bool:
        """Whether a value is on screen (fresh or stale)."""
        return self.phase in (Phase.READY, Phase.STALE, Phase.EMPTY)

    def text(self, now: dt.datetime) -> str:
        """One line for a status cell or a panel: empty when the figure is fresh."""
        if self.phase is Phase.LOADING:
            return LOADING_TEXT
        if self.phase is Phase.EMPTY:
            return self.cause or "nothing yet"
        if self.phase is Phase.STALE and self.at is not None:
            return f"stale {age(self.at, now)} (since {clock(self.at)}): {self.cause}"
        if self.phase is Phase.FAILED:
            return f"{UNAVAILABLE}: {self.cause}"
        return ""

    def placeholder(self) -> str:
        """What stands in for a figure that is not there: a skeleton while loading."""
        return SKELETON if self.phase is Phase.LOADING else UNAVAILABLE
