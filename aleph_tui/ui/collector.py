"""The garbage collector's pace for a long-lived interactive app.

Textual paints at most once a frame (1/60 s), and a paint that spills past the frame
pushes the next one back two frames. Python's default pace ran a young collection every
700 allocations, ten or so within one page flip's paint, and every so often a full one
that walked every widget, style and module alive since start-up (60 ms on 2 cores).
Start-up itself spent 0.1 s of a cold start collecting objects that were all to live.
"""

from __future__ import annotations

import gc

# Most objects a paint allocates die by reference counting long before this many more
# are made, so a young collection finds few survivors to walk.
YOUNG_THRESHOLD = 50_000

_settled = False


def settle_after_start() -> None:
    """Once per process, when the app is up: what is alive now lives as long as the app,
    so full collections stop walking it (``gc.freeze``), young collections run less
    often, and the collector runs again if start-up had paused it (``aleph-tui`` does).
    Cycles are collected from here on."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.freeze()  # first: everything made while the collector was paused is still young
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
    gc.enable()
