"""Named crash points: where a test may hold the process so that its kill lands there.

Each journal transition of a buy, a transfer or a buy's replacement calls
``reached(name)``. Normally that does nothing. When ``ALEPH_TUI_TEST_PAUSE_AT`` names
this point (only the crash-point tests set it, tests/integration/test_crash_points.py
and test_stuck_payments.py), the process writes the point's name to
``ALEPH_TUI_TEST_PAUSE_FILE`` and blocks for ever, event loop included: the test sees
the file and sends SIGKILL, with no sleep to guess when the step is reached.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_AT_ENV = "ALEPH_TUI_TEST_PAUSE_AT"
PAUSE_FILE_ENV = "ALEPH_TUI_TEST_PAUSE_FILE"

# Every point, in the order a run reaches them (RELIABILITY.md lists what each proves).
BUY_POINTS = (
    "buy.before_journal",  # signed in memory, nothing journaled or sent
    "buy.signed",  # journaled "signed" with its raw bytes, not yet sent
    "buy.sent",  # the node accepted the bytes; not yet journaled "submitted"
    "buy.submitted",  # journaled "submitted", before the receipt
    "buy.confirmed",  # journaled "confirmed", before the credits
    "buy.credits_seen",  # the node shows the credits; not yet journaled "completed"
)
TRANSFER_POINTS = (
    "transfer.before_journal",  # signed in memory, nothing journaled or posted
    "transfer.signed",  # journaled "signed" with the signed message, not posted
    "transfer.submitted",  # journaled "submitted", right before the POST
    "transfer.posted",  # the node answered the POST; the outcome not yet journaled
)
REPLACE_POINTS = (
    "replace.before_journal",  # a speed-up or cancel signed in memory, nothing journaled
    "replace.signed",  # its raw bytes journaled beside the buy's, not yet sent
    "replace.sent",  # the node accepted it; not yet journaled "sent"
    "replace.submitted",  # journaled "sent", before following the buy
)
POINTS = BUY_POINTS + TRANSFER_POINTS + REPLACE_POINTS


def reached(point: str) -> None:
    """Hold here for ever if a test asked for this point; otherwise return at once."""
    if os.environ.get(PAUSE_AT_ENV) != point:
        return
    target = os.environ.get(PAUSE_FILE_ENV)
    if target:
        path = Path(target)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(point)
        partial.replace(path)  # the test never reads a half-written file
    while True:  # the test kills the process here
        time.sleep(3600)
