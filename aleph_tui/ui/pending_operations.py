"""Open operations on start: the journal's buys and transfers that a crash, a missing
receipt or a node answering 202 left open on the active network are announced, then
followed to their end by one named worker, and each outcome is notified (credits
arrived, processed, or failed with the reason; what is still open stays journaled).
What the journal must tell once (an old journal.jsonl migrated with lines it could not
read, a damaged file moved aside) is notified first. "Open operations" in the command
palette lists them, to dismiss one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel

from aleph_tui.ui.money_changed import announce

if TYPE_CHECKING:
    from aleph_tui.core.journal.operation_journal import Operation
    from aleph_tui.ui.app import AlephApp

WORKER = "pending-operations"
TITLE = "Open operations"


def follow_pending_operations(app: AlephApp) -> None:
    """Announce this network's open operations and start following them."""
    try:
        count = len(app.service.open_operations())
        notices = app.service.journal.take_notices()
    except Exception as exc:  # an unreadable journal must not stop the dashboard
        app.report_failure(TITLE, exc)
        return
    for notice in notices:
        app.notify(notice, title="Journal", severity="warning", timeout=30, markup=False)
    if not count:
        return
    network = app.service.network.name
    what = "1 operation" if count == 1 else f"{count} operations"
    app.notify(
        f"{what} left open on {network}: following {'it' if count == 1 else 'them'}… "
        "(Open operations in the command palette, to dismiss one)",
        title=TITLE,
        timeout=10,
        markup=False,
    )
    app.run_worker(_follow(app), name=WORKER, group=WORKER, exclusive=True, exit_on_error=False)


async def _follow(app: AlephApp) -> list[Operation]:
    from aleph_tui.core.journal.operation_journal import describe

    try:
        operations = await app.service.follow_open_operations()
    except Exception as exc:
        app.report_failure(TITLE, exc)
        return []
    settled = [op for op in operations if not op.is_open]
    # Their money moved (or a failure is now known): the views showing them read again.
    announce(
        app,
        [a for op in settled for a in (op.account, op.details.get("recipient"))],
        "resumed",
    )
    for op in operations:
        severity: SeverityLevel = "warning"  # still open after its deadline
        if op.status == "completed":
            severity = "information"
        elif op.status == "failed":
            severity = "error"
        app.notify(describe(op), title=TITLE, severity=severity, timeout=15, markup=False)
    return operations
